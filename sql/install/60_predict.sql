------------------------------------------------------------------------
-- Prediction: one entry point for every model kind that predicts
------------------------------------------------------------------------

-- By name: the deployed version, read from the registry (so STABLE).
CREATE FUNCTION segment.segment_predict(model text, row_value record) RETURNS text
	AS 'MODULE_PATHNAME', 'segment_predict_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict(text, record) IS
	'class (or cluster) of a row with the deployed version of a named model; columns are found by name';

CREATE FUNCTION segment.segment_predict(model text, features float8[]) RETURNS text
	AS 'MODULE_PATHNAME', 'segment_predict_name_features'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict(text, float8[]) IS
	'class (or cluster) of an already encoded feature array with the deployed version of a named model';

-- By value: a model bytea, no registry involved.
CREATE FUNCTION segment.segment_predict(model bytea, row_value record) RETURNS text
	AS 'MODULE_PATHNAME', 'segment_predict_bytes_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict(bytea, record) IS
	'class (or cluster) of a row with a model value; columns are found by name';

CREATE FUNCTION segment.segment_predict(model bytea, features float8[]) RETURNS text
	AS 'MODULE_PATHNAME', 'segment_predict_bytes_features'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict(bytea, float8[]) IS
	'class (or cluster) of an encoded feature array with a model value';

CREATE FUNCTION segment.segment_predict_proba(model text, row_value record) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_predict_proba_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict_proba(text, record) IS
	'per class: the probability (classifiers) or the distance to the centroid (k-means)';
