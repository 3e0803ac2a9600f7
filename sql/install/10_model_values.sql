------------------------------------------------------------------------
-- Model values
------------------------------------------------------------------------

CREATE FUNCTION segment.model_kind(model bytea) RETURNS text
	AS 'MODULE_PATHNAME', 'model_kind'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.model_kind(bytea) IS
	'kind of a model value (scaler, preprocessor, kmeans, classifier, regressor, pca, autoencoder); errors on damaged bytes';

CREATE FUNCTION segment.model_info(model bytea) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'model_info'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.model_info(bytea) IS
	'decodes and describes a model value';
