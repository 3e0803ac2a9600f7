------------------------------------------------------------------------
-- Embeddings: PCA and autoencoders, and rows projected through them
------------------------------------------------------------------------

-- Both fit on the shared preprocessing (impute, one-hot, scale), register
-- the next version of name and return a report; not strict: a NULL
-- argument is an error (key excepted: NULL means the primary key).
CREATE FUNCTION segment.pca_fit(name text, relation regclass, columns text[],
								components integer DEFAULT 2)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_pca_fit'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.pca_fit(text, regclass, text[], integer) IS
	'principal components of the encoded columns (as scikit-learn''s PCA(svd_solver=''full'')), registered as the next version of name; returns the explained variance and ratios';

CREATE FUNCTION segment.autoencoder_fit(name text, relation regclass, columns text[],
										code_size integer DEFAULT 8,
										hidden integer[] DEFAULT '{32,16}',
										epochs integer DEFAULT 200,
										batch_size integer DEFAULT 32,
										learning_rate float8 DEFAULT 0.001,
										l2 float8 DEFAULT 0.0001,
										patience integer DEFAULT 10,
										test_size float8 DEFAULT 0.2,
										validation_size float8 DEFAULT 0.1,
										seed integer DEFAULT 42,
										key text[] DEFAULT NULL)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_autoencoder_fit'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.autoencoder_fit(text, regclass, text[], integer, integer[], integer, integer, float8, float8, integer, float8, float8, integer, text[]) IS
	'a dense autoencoder of the encoded columns (encoder hidden, a linear code of code_size, the mirrored decoder; Adam, early stopping on a validation part), registered as the next version of name; reports the reconstruction error on train, validation and test rows beside a PCA of the same size';

-- By value: the answer depends on the bytes and the row alone.
CREATE FUNCTION segment.project(model bytea, row_value record) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'segment_project_bytes_row'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.project(bytea, record) IS
	'the code of a row with a pca or autoencoder model value; columns are found by name';

-- By name: the deployed version, for roles allowed to predict with it.
CREATE FUNCTION segment.project(model text, row_value record) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'segment_project_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.project(text, record) IS
	'the code of a row with the deployed version of a named pca or autoencoder model; columns are found by name';

CREATE FUNCTION segment.reconstruction_error(model bytea, row_value record) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_reconstruction_error_bytes_row'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.reconstruction_error(bytea, record) IS
	'mean squared difference between a row''s encoded features and their reconstruction from its code, with a pca or autoencoder model value';

CREATE FUNCTION segment.reconstruction_error(model text, row_value record) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_reconstruction_error_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.reconstruction_error(text, record) IS
	'mean squared difference between a row''s encoded features and their reconstruction, with the deployed version of a named pca or autoencoder model';
