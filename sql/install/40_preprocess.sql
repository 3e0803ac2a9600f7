------------------------------------------------------------------------
-- Preprocessing: impute, one-hot encode, scale
------------------------------------------------------------------------

CREATE FUNCTION segment.preprocess_fit(relation regclass, columns text[] DEFAULT NULL)
RETURNS bytea
	AS 'MODULE_PATHNAME', 'preprocess_fit'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.preprocess_fit(regclass, text[]) IS
	'fits mean imputation, one-hot vocabularies and standard scaling on the rows of a relation';

CREATE FUNCTION segment.preprocess(model bytea, row_value record) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'preprocess'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.preprocess(bytea, record) IS
	'encodes a row with a preprocessor model, or as a classifier or k-means model encodes it; columns are found by name';

CREATE FUNCTION segment.preprocess_names(model bytea) RETURNS text[]
	AS 'MODULE_PATHNAME', 'preprocess_names'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.preprocess_names(bytea) IS
	'names of the features a preprocessor (or classifier or k-means) model produces, in order';
