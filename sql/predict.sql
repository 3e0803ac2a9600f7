-- segment_predict / segment_predict_proba: by name (cached, invalidated on
-- registry changes) and by value, rows and feature arrays, bad input
SET search_path = segment, public;
SET extra_float_digits = 0;
\set VERBOSITY terse

CREATE TABLE customers AS
SELECT i AS id,
	   (100 * (i % 3) + (i * 7) % 11)::float8 AS spend,
	   (10 * (2 - i % 3) + (i * 5) % 7)::int AS visits,
	   'c' || i AS note
FROM generate_series(1, 30) AS i;
SET client_min_messages = warning;
SELECT k, chosen FROM kmeans_fit('segments', 'customers', ARRAY['spend', 'visits'], k => '{3}',
								 init => '{{0,20},{100,10},{200,0}}', n_init => 1);
RESET client_min_messages;

-- by name, from a row: columns are found by name, extra columns ignored
SELECT id % 3 AS grp, segment_predict('segments', c) AS cluster, count(*)
FROM customers c GROUP BY 1, 2 ORDER BY 1, 2;
SELECT segment_predict('segments', r)
FROM (SELECT 'x' AS other, 210.0 AS spend, 1 AS visits) r;
-- by name, from encoded (standardised) features
SELECT segment_predict('segments', ARRAY[0.0, 0.0]);
SELECT segment_predict('segments', ARRAY[1.3, -1.2]);
-- by value
SELECT segment_predict(model, r), segment_predict(model, ARRAY[1.3, -1.2])
FROM models, (SELECT 5.0 AS spend, 25 AS visits) r WHERE name = 'segments';
-- distances to each centroid, nearest = predicted cluster
SELECT key AS cluster, round(value::numeric, 4) AS distance
FROM jsonb_each_text(segment_predict_proba('segments', (SELECT c FROM customers c WHERE id = 3)))
ORDER BY key;
-- NULL in, NULL out
SELECT segment_predict('segments', NULL::record) IS NULL AS null_row,
	   segment_predict(NULL::text, ARRAY[1.0, 2.0]) IS NULL AS null_name;
-- NULL feature values in a row are imputed with the training mean
SELECT segment_predict('segments', r) FROM (SELECT NULL::float8 AS spend, 25 AS visits) r;

-- the cache follows the registry: a new deployed version is used at once
SELECT count(DISTINCT segment_predict('segments', c)) AS clusters FROM customers c;
SET client_min_messages = warning;
SELECT k FROM kmeans_fit('segments', 'customers', ARRAY['spend', 'visits'], k => '{2}');
RESET client_min_messages;
SELECT count(DISTINCT segment_predict('segments', c)) AS clusters FROM customers c;
SELECT deploy('segments', 1);
SELECT count(DISTINCT segment_predict('segments', c)) AS clusters FROM customers c;
-- inside a transaction that rolls back, and after it
BEGIN;
SELECT drop_model('segments');
SELECT segment_predict('segments', ARRAY[0.0, 0.0]);
ROLLBACK;
SELECT segment_predict('segments', ARRAY[0.0, 0.0]);
-- a deploy rolled back to a savepoint: the same snapshot contents, but the
-- next prediction no longer sees it
BEGIN;
SAVEPOINT before_deploy;
SELECT deploy('segments', 2);
SELECT count(DISTINCT segment_predict('segments', c)) AS clusters FROM customers c;
ROLLBACK TO SAVEPOINT before_deploy;
SELECT count(DISTINCT segment_predict('segments', c)) AS clusters FROM customers c;
COMMIT;

-- bad input
SELECT segment_predict('no_such_model', c) FROM customers c WHERE id = 1;
SELECT save_model('scaler', scaler_fit(ARRAY[spend])) FROM customers;
SELECT segment_predict('scaler', ARRAY[1.0]);
SELECT segment_predict(scaler_fit(ARRAY[spend]), ARRAY[1.0]) FROM customers;
SELECT segment_predict('segments', r) FROM (SELECT 1.0 AS spend) r;
SELECT segment_predict('segments', r) FROM (SELECT 1.0 AS spend, 'many' AS visits) r;
SELECT segment_predict('segments', ARRAY[1.0]);
SELECT segment_predict('segments', ARRAY[1.0, 2.0, 3.0]);
SELECT segment_predict('segments', ARRAY[1.0, 'NaN']);
SELECT segment_predict('segments', ARRAY[1.0, NULL]);
SELECT segment_predict('segments', r) FROM (SELECT 'Infinity'::float8 AS spend, 1 AS visits) r;
SELECT segment_predict('\x01'::bytea, ARRAY[1.0]);
-- a model trained on feature arrays takes feature arrays only
SELECT kmeans_fit(ARRAY[spend, visits], 2 ORDER BY id) AS raw_model FROM customers \gset
SELECT segment_predict(:'raw_model'::bytea, ARRAY[0.0, 20.0]);
SELECT segment_predict(:'raw_model'::bytea, c) FROM customers c WHERE id = 1;

-- a backend's decoded model maps columns by the row type's current shape:
-- after ALTER COLUMN ... TYPE the cached map is rebuilt, not reused
CREATE TABLE altered AS SELECT * FROM customers;
SELECT segment_predict('segments', a) FROM altered a WHERE id = 1;
ALTER TABLE altered ALTER COLUMN spend TYPE text;
SELECT segment_predict('segments', a) FROM altered a WHERE id = 1;
ALTER TABLE altered ALTER COLUMN spend TYPE float8 USING spend::float8;
SELECT segment_predict('segments', a) FROM altered a WHERE id = 1;
DROP TABLE altered;

-- leave the shared registry as it was
SELECT drop_model('segments') + drop_model('scaler') AS dropped;
