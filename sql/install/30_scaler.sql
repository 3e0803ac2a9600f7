------------------------------------------------------------------------
-- Standard scaling as a parallel aggregate
------------------------------------------------------------------------

CREATE FUNCTION segment.scaler_fit_accum(state float8[], features float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'scaler_fit_accum'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.scaler_fit_accum(float8[], float8[]) IS
	'aggregate transition function';

-- not strict: the first call of a combine function may see a NULL state
CREATE FUNCTION segment.scaler_fit_combine(state1 float8[], state2 float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'scaler_fit_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.scaler_fit_combine(float8[], float8[]) IS
	'aggregate combine function';

CREATE FUNCTION segment.scaler_fit_final(state float8[]) RETURNS bytea
	AS 'MODULE_PATHNAME', 'scaler_fit_final'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.scaler_fit_final(float8[]) IS
	'aggregate final function';

CREATE AGGREGATE segment.scaler_fit(float8[]) (
	SFUNC = segment.scaler_fit_accum,
	STYPE = float8[],
	FINALFUNC = segment.scaler_fit_final,
	COMBINEFUNC = segment.scaler_fit_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.scaler_fit(float8[]) IS
	'fits a standard scaler (mean, population std) over feature arrays; NULL rows are skipped';

CREATE FUNCTION segment.scale(scaler bytea, features float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'scale'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.scale(bytea, float8[]) IS
	'standardises a feature array with a scaler model: (x - mean) / scale';
