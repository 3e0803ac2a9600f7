-- segment 0.1.0 -> 0.2.0.  Every change to sql/install/ since 0.1.0 has its
-- counterpart here; test/upgrade checks that an updated 0.1.0 database has
-- exactly the objects of a new 0.2.0 install.

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION segment UPDATE TO '0.2.0'" to load this file. \quit

-- k-means: the first pass of streaming k-means in one scan: NULL counts, the
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
