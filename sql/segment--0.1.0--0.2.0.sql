-- segment 0.1.0 -> 0.2.0.  Every change to sql/install/ since 0.1.0 has its
-- counterpart here; test/upgrade checks that an updated 0.1.0 database has
-- exactly the objects of a new 0.2.0 install.

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION segment UPDATE TO '0.2.0'" to load this file. \quit

------------------------------------------------------------------------
-- Safety on a shared server: kmeans_fit with the columns as an untyped literal
------------------------------------------------------------------------

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
								   silhouette_sample integer DEFAULT 10000)
RETURNS TABLE (k integer, inertia float8, silhouette float8, chosen boolean)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM segment.kmeans_fit($1, $2,
		CASE WHEN $3 IS NULL OR ltrim($3) LIKE '{%' THEN $3::text[] ELSE ARRAY[$3] END,
		$4, $5, $6, $7, $8, $9, $10, $11)
$$;
COMMENT ON FUNCTION segment.kmeans_fit(text, regclass, text, integer[], integer, integer, float8, integer, float8[], boolean, integer) IS
	'kmeans_fit(name, relation, columns text[], ...) with the columns as a text[] literal such as ''{a,b}'', or one column name';
