------------------------------------------------------------------------
-- k-means
------------------------------------------------------------------------

-- Aggregate form: rows are buffered in a float8[] state (concrete, so
-- that the aggregate can be combined by parallel workers) and clustered by
-- the final function.
CREATE FUNCTION segment.kmeans_fit_accum(state float8[], features float8[], k integer)
RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_fit_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_fit_accum(float8[], float8[], integer) IS
	'aggregate transition function';

CREATE FUNCTION segment.kmeans_fit_accum(state float8[], features float8[], k integer,
										 options jsonb)
RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_fit_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_fit_accum(float8[], float8[], integer, jsonb) IS
	'aggregate transition function';

-- not strict: the first call of a combine function may see a NULL state
CREATE FUNCTION segment.kmeans_fit_combine(state1 float8[], state2 float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_fit_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_fit_combine(float8[], float8[]) IS
	'aggregate combine function';

CREATE FUNCTION segment.kmeans_fit_final(state float8[]) RETURNS bytea
	AS 'MODULE_PATHNAME', 'kmeans_fit_final'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_fit_final(float8[]) IS
	'aggregate final function';

CREATE AGGREGATE segment.kmeans_fit(features float8[], k integer) (
	SFUNC = segment.kmeans_fit_accum,
	STYPE = float8[],
	FINALFUNC = segment.kmeans_fit_final,
	COMBINEFUNC = segment.kmeans_fit_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.kmeans_fit(float8[], integer) IS
	'k-means (k-means++, 10 runs, seed 42) over feature arrays -> kmeans model; use ORDER BY for a reproducible seeding';

CREATE AGGREGATE segment.kmeans_fit(features float8[], k integer, options jsonb) (
	SFUNC = segment.kmeans_fit_accum,
	STYPE = float8[],
	FINALFUNC = segment.kmeans_fit_final,
	COMBINEFUNC = segment.kmeans_fit_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.kmeans_fit(float8[], integer, jsonb) IS
	'k-means with options {"n_init", "max_iter", "tol", "seed", "init": [[...], ...]} read from the first row';

-- Table form: preprocesses the columns, tries each k, registers the chosen
-- model with its personas (cluster numbers kept from the deployed version)
-- and reports every k; the chosen k's row carries the report.  With
-- embedding => name (a pca_fit or autoencoder_fit model; columns NULL or
-- its columns), it clusters the rows' codes, in memory, and the model
-- keeps the embedding so that it predicts from raw rows.
CREATE FUNCTION segment.kmeans_fit(name text, relation regclass, columns text[],
								   k integer[] DEFAULT '{2,3,4,5,6,7,8,9,10}',
								   n_init integer DEFAULT 10, max_iter integer DEFAULT 300,
								   tol float8 DEFAULT 1e-4, seed integer DEFAULT 42,
								   init float8[] DEFAULT NULL,
								   streaming boolean DEFAULT NULL,
								   silhouette_sample integer DEFAULT 10000,
								   preprocess boolean DEFAULT true,
								   choose text DEFAULT 'silhouette',
								   labels jsonb DEFAULT NULL,
								   roles jsonb DEFAULT NULL,
								   deploy text DEFAULT 'always',
								   skip_if_unchanged boolean DEFAULT false,
								   embedding text DEFAULT NULL)
RETURNS TABLE (k integer, inertia float8, silhouette float8, chosen boolean, report jsonb)
	AS 'MODULE_PATHNAME', 'kmeans_fit_table'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.kmeans_fit(text, regclass, text[], integer[], integer, integer, float8, integer, float8[], boolean, integer, boolean, text, jsonb, jsonb, text, boolean, text) IS
	'preprocesses the columns (imputation, one-hot encoding, scaling), runs k-means for each k, registers the model of the chosen k (best silhouette, or the elbow) with a persona per cluster, keeps the deployed version''s cluster numbers, deploys it (always, if_better by silhouette, never) and reports every k; with embedding => a pca or autoencoder model, clusters the rows'' codes and predicts from raw rows';

-- columns as an untyped literal ('{a,b}' or NULL) would fit both the form
-- above (text[]) and the kmeans_fit aggregate (jsonb), an ambiguity
-- PostgreSQL reports as "function is not unique": this overload takes it
-- as text, which wins the resolution, and reads it as a text[] literal
-- ('{a,b}') or, when it is not one, as a single column name.
CREATE FUNCTION segment.kmeans_fit(name text, relation regclass, columns text,
								   k integer[] DEFAULT '{2,3,4,5,6,7,8,9,10}',
								   n_init integer DEFAULT 10, max_iter integer DEFAULT 300,
								   tol float8 DEFAULT 1e-4, seed integer DEFAULT 42,
								   init float8[] DEFAULT NULL,
								   streaming boolean DEFAULT NULL,
								   silhouette_sample integer DEFAULT 10000,
								   preprocess boolean DEFAULT true,
								   choose text DEFAULT 'silhouette',
								   labels jsonb DEFAULT NULL,
								   roles jsonb DEFAULT NULL,
								   deploy text DEFAULT 'always',
								   skip_if_unchanged boolean DEFAULT false,
								   embedding text DEFAULT NULL)
RETURNS TABLE (k integer, inertia float8, silhouette float8, chosen boolean, report jsonb)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM segment.kmeans_fit($1, $2,
		CASE WHEN $3 IS NULL OR ltrim($3) LIKE '{%' THEN $3::text[] ELSE ARRAY[$3] END,
		$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
$$;
COMMENT ON FUNCTION segment.kmeans_fit(text, regclass, text, integer[], integer, integer, float8, integer, float8[], boolean, integer, boolean, text, jsonb, jsonb, text, boolean, text) IS
	'kmeans_fit(name, relation, columns text[], ...) with the columns as a text[] literal such as ''{a,b}'', or one column name';

-- Streaming: one Lloyd iteration as one parallel aggregate.
CREATE FUNCTION segment.kmeans_step_accum(state float8[], features float8[], centroids float8[])
RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_step_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_step_accum(float8[], float8[], float8[]) IS
	'aggregate transition function';

CREATE FUNCTION segment.kmeans_step_combine(state1 float8[], state2 float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_step_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_step_combine(float8[], float8[]) IS
	'aggregate combine function';

CREATE AGGREGATE segment.kmeans_step(features float8[], centroids float8[]) (
	SFUNC = segment.kmeans_step_accum,
	STYPE = float8[],
	COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.kmeans_step(float8[], float8[]) IS
	'one Lloyd step against k x d centroids: {k, d, rows, inertia, 0, counts[k], sums[k*d], farthest points[k*(d+2)]}';

-- Weighted distances: sum_t w_t (x_t - c_t)^2, so that raw columns can be
-- clustered in standardised units (w = 1 / scale^2) without per-row arithmetic.
CREATE FUNCTION segment.kmeans_step_accum(state float8[], features float8[], centroids float8[],
										  weights float8[])
RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_step_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_step_accum(float8[], float8[], float8[], float8[]) IS
	'aggregate transition function';

CREATE AGGREGATE segment.kmeans_step(features float8[], centroids float8[], weights float8[]) (
	SFUNC = segment.kmeans_step_accum,
	STYPE = float8[],
	COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.kmeans_step(float8[], float8[], float8[]) IS
	'one Lloyd step with per-feature distance weights';

-- The features as separate float8 arguments (1 to 16 of them): no array is
-- built per row, which makes a streaming pass faster (bench/bench_kmeans.py).

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8, x13 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8, x13 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8, x13 float8, x14 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8, x13 float8, x14 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8, x13 float8, x14 float8, x15 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8, x13 float8, x14 float8, x15 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

CREATE FUNCTION segment.kmeans_step_accum(state float8[], centroids float8[], weights float8[],
										  x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8, x13 float8, x14 float8, x15 float8, x16 float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_step_accum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE segment.kmeans_step(centroids float8[], weights float8[], x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, x11 float8, x12 float8, x13 float8, x14 float8, x15 float8, x16 float8) (
	SFUNC = segment.kmeans_step_accum, STYPE = float8[], COMBINEFUNC = segment.kmeans_step_combine,
	INITCOND = '{0}', PARALLEL = SAFE);

-- The first pass of streaming k-means in one scan: NULL counts, the
-- standardisation statistics and the rows of a seeded Bernoulli sample
-- (the rows TABLESAMPLE BERNOULLI (percent) REPEATABLE (seed) returns, or
-- none when there are more than max_rows), given the row position (ctid)
-- and the features as float8 arguments.
CREATE FUNCTION segment.kmeans_scan_accum(state float8[], seed integer, percent float4,
										  max_rows integer, row_position tid,
										  VARIADIC features "any")
RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_scan_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_scan_accum(float8[], integer, float4, integer, tid, "any") IS
	'aggregate transition function';

-- not strict: the first call of a combine function may see a NULL state
CREATE FUNCTION segment.kmeans_scan_combine(state1 float8[], state2 float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_scan_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_scan_combine(float8[], float8[]) IS
	'aggregate combine function';

CREATE AGGREGATE segment.kmeans_scan(seed integer, percent float4, max_rows integer,
									 row_position tid, VARIADIC features "any") (
	SFUNC = segment.kmeans_scan_accum,
	STYPE = float8[],
	COMBINEFUNC = segment.kmeans_scan_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.kmeans_scan(integer, float4, integer, tid, "any") IS
	'first pass of streaming k-means: NULL counts, statistics and the seeded Bernoulli sample in one scan';

CREATE FUNCTION segment.centroids(name text)
RETURNS TABLE (cluster integer, feature text, value float8)
	AS 'MODULE_PATHNAME', 'kmeans_centroids'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.centroids(text) IS
	'centroids of the deployed k-means model, in the original units of its columns';

CREATE FUNCTION segment.centroids(model bytea)
RETURNS TABLE (cluster integer, feature text, value float8)
	AS 'MODULE_PATHNAME', 'kmeans_centroids'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.centroids(bytea) IS
	'centroids of a k-means model value, in the original units of its columns';

CREATE FUNCTION segment.profile(name text, relation regclass)
RETURNS TABLE (cluster integer, size bigint, share float8, means jsonb, persona text)
	AS 'MODULE_PATHNAME', 'kmeans_profile'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.profile(text, regclass) IS
	'per cluster of the deployed k-means model: size, share, mean of each column and a persona label';

-- Personas: stored with the model at fit time, per row in microseconds
-- (the same per-snapshot cache as segment_predict by name), listed, and
-- edited into a new version (src/sql_persona.c).
CREATE FUNCTION segment.persona(model text, row_value record,
								OUT cluster integer, OUT label text, OUT action text)
RETURNS record
	AS 'MODULE_PATHNAME', 'segment_persona_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.persona(text, record) IS
	'the cluster of a row with the deployed version of a named k-means model, with its persona label and suggested action';

CREATE FUNCTION segment.persona(model bytea, row_value record,
								OUT cluster integer, OUT label text, OUT action text)
RETURNS record
	AS 'MODULE_PATHNAME', 'segment_persona_bytes_row'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.persona(bytea, record) IS
	'the cluster of a row with a k-means model value, with its persona label and suggested action';

CREATE FUNCTION segment.personas(name text, version integer DEFAULT NULL)
RETURNS TABLE (cluster integer, size bigint, share float8, label text, action text,
			   label_edited boolean, action_edited boolean, means jsonb)
	AS 'MODULE_PATHNAME', 'segment_personas'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.personas(text, integer) IS
	'the personas a k-means model stored at fit time: per cluster its size and share of the training rows, label, action, whether they were edited, and means in original units (shares for one-hot categories)';

CREATE FUNCTION segment.personas(model bytea)
RETURNS TABLE (cluster integer, size bigint, share float8, label text, action text,
			   label_edited boolean, action_edited boolean, means jsonb)
	AS 'MODULE_PATHNAME', 'segment_personas'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.personas(bytea) IS
	'the personas stored in a k-means model value';

CREATE FUNCTION segment.set_persona(name text, cluster integer, label text,
									action text DEFAULT NULL, version integer DEFAULT NULL)
RETURNS integer
	AS 'MODULE_PATHNAME', 'segment_set_persona'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.set_persona(text, integer, text, text, integer) IS
	'saves a new version of a k-means model with one cluster''s label and/or action edited (kept by later refits for the cluster they pair with it), deployed when the version edited (default: the deployed one) was; returns the new version';
