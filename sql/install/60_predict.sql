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

-- By value: a model bytea, no registry involved, so IMMUTABLE (usable in
-- generated columns, index expressions and UPDATE ... SET): the answer
-- depends on the bytes and the row alone.
CREATE FUNCTION segment.segment_predict(model bytea, row_value record) RETURNS text
	AS 'MODULE_PATHNAME', 'segment_predict_bytes_row'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
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

-- A regressor's prediction as a number: the same four forms.
CREATE FUNCTION segment.segment_predict_value(model text, row_value record) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_predict_value_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict_value(text, record) IS
	'value of a row with the deployed version of a named regressor; columns are found by name';

CREATE FUNCTION segment.segment_predict_value(model text, features float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_predict_value_name_features'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict_value(text, float8[]) IS
	'value of an input array (as preprocess returns it) with the deployed version of a named regressor';

CREATE FUNCTION segment.segment_predict_value(model bytea, row_value record) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_predict_value_bytes_row'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict_value(bytea, record) IS
	'value of a row with a regressor value; columns are found by name';

CREATE FUNCTION segment.segment_predict_value(model bytea, features float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_predict_value_bytes_features'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict_value(bytea, float8[]) IS
	'value of an input array with a regressor value';

-- A view for BI tools: the relation's rows with the model's segment (and
-- persona and action, or probability) by name, so that it follows deploys;
-- optionally materialized and refreshed by pg_cron (src/sql_segment_view.c).
CREATE FUNCTION segment.create_segment_view(view_name text, relation regclass, model text,
											key text DEFAULT NULL,
											materialized boolean DEFAULT false,
											refresh text DEFAULT NULL)
RETURNS regclass
	AS 'MODULE_PATHNAME', 'segment_create_segment_view'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.create_segment_view(text, regclass, text, text, boolean, text) IS
	'creates a view (or materialized view, refreshed on a pg_cron schedule) of a relation''s rows (or its key column) with the deployed version''s segment and persona and action (k-means), segment and probability (classifier) or prediction (regressor), with the caller''s rights';
