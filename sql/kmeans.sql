-- k-means: aggregate and table forms, centroids, profiles, streaming, bad input
SET search_path = segment, public;
SET extra_float_digits = 0;
\set VERBOSITY terse

-- three well-separated groups of 20 customers
CREATE TABLE shop AS
SELECT i AS id,
	   (100 * (i % 3) + (i * 7) % 11)::float8 AS spend,
	   (10 * (2 - i % 3) + (i * 5) % 7)::int AS visits,
	   (30 + (i * 13) % 17)::numeric AS age,
	   (i % 2 = 0) AS member,
	   1 AS store
FROM generate_series(1, 60) AS i;

-- aggregate form: feature arrays -> model
SELECT kmeans_fit(ARRAY[spend, visits], 3 ORDER BY id) AS agg_model FROM shop \gset
SELECT model_kind(:'agg_model');
SELECT (model_info(:'agg_model') ->> 'k')::int AS k,
	   (model_info(:'agg_model') ->> 'n_features')::int AS d,
	   round((model_info(:'agg_model') ->> 'inertia')::numeric, 6) AS inertia;
-- the same seed gives the same model
SELECT kmeans_fit(ARRAY[spend, visits], 3 ORDER BY id) = :'agg_model' AS repeatable FROM shop;
-- the second argument is k (an unordered aggregate: the seeding follows the scan order)
SELECT (model_info(kmeans_fit(ARRAY[spend, visits], 2)) ->> 'k')::int AS k FROM shop;
-- options: explicit initial centroids, one run
SELECT round(inertia::numeric, 6) AS inertia, n_iter
FROM (SELECT (model_info(m) ->> 'inertia')::float8 AS inertia, (model_info(m) ->> 'n_iter')::int AS n_iter
	  FROM (SELECT kmeans_fit(ARRAY[spend, visits], 3,
							  '{"init": [[0, 0], [100, 10], [200, 20]], "n_init": 1, "max_iter": 50, "tol": 0, "seed": 7}'
							  ORDER BY id) AS m FROM shop) s) t;
-- every row of a group lands in one cluster
SELECT count(DISTINCT segment_predict(:'agg_model'::bytea, ARRAY[spend, visits])) AS clusters,
	   count(DISTINCT (i % 3, segment_predict(:'agg_model'::bytea, ARRAY[spend, visits]))) AS pairs
FROM shop, LATERAL (SELECT id AS i) x;
-- an aggregate over no rows is NULL
SELECT kmeans_fit(ARRAY[spend, visits], 3) IS NULL AS is_null FROM shop WHERE false;

-- table form: standardise, try each k, register the best
SET client_min_messages = warning;
SELECT k, round(inertia::numeric, 6) AS inertia, round(silhouette::numeric, 6) AS silhouette, chosen
FROM kmeans_fit('shop_segments', 'shop', ARRAY['spend', 'visits'], k => '{1,2,3,4,5}');
RESET client_min_messages;
SELECT name, version, kind, deployed, metrics ->> 'rule' AS rule, (metrics ->> 'k')::int AS k,
	   (metrics ->> 'elbow_k')::int AS elbow_k, jsonb_array_length(metrics -> 'per_k') AS ks,
	   spec -> 'arguments' -> 'columns' AS columns
FROM models WHERE name = 'shop_segments';
SELECT cluster, feature, round(value::numeric, 4) AS value
FROM centroids('shop_segments') ORDER BY cluster, feature;
SELECT cluster, size, round(share::numeric, 4) AS share, means, persona
FROM profile('shop_segments', 'shop') ORDER BY cluster;
-- a single k and explicit initial centroids in original units
SET client_min_messages = warning;
SELECT k, round(inertia::numeric, 6) AS inertia, round(silhouette::numeric, 6) AS silhouette, chosen
FROM kmeans_fit('shop_init', 'shop', ARRAY['spend', 'visits'], k => '{3}', n_init => 1,
				init => '{{0,20},{100,10},{200,0}}');
RESET client_min_messages;
SELECT (metrics -> 'per_k' -> 0 ->> 'n_iter')::int AS n_iter, metrics ->> 'rule' AS rule
FROM models WHERE name = 'shop_init';
-- boolean columns are 0/1 features
SET client_min_messages = warning;
SELECT k, chosen FROM kmeans_fit('shop_bool', 'shop', ARRAY['spend', 'member'], k => '{2,3}');
RESET client_min_messages;

-- streaming: each Lloyd iteration is one parallel aggregate
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT kmeans_step(ARRAY[spend, visits::float8], '{{0,0},{1,1}}'::float8[]) FROM shop;
SELECT s[1:5] AS header, s[6:7] AS counts
FROM (SELECT kmeans_step(ARRAY[spend, visits::float8], '{{0,0},{200,0}}'::float8[]) AS s FROM shop) t;
-- weighted distances and features as separate arguments: the same state
EXPLAIN (COSTS OFF)
SELECT kmeans_step('{{0,0},{1,1}}', '{1,1}', spend, visits) FROM shop;
SELECT kmeans_step(ARRAY[spend, visits::float8], '{{0,0},{200,0}}', '{1,1}') =
	   kmeans_step('{{0,0},{200,0}}', '{1,1}', spend, visits) AS same_state,
	   kmeans_step(ARRAY[spend, visits::float8], '{{0,0},{200,0}}', '{1,1}') =
	   kmeans_step(ARRAY[spend, visits::float8], '{{0,0},{200,0}}'::float8[]) AS unit_weights
FROM (SELECT * FROM shop ORDER BY id) s;
SELECT (kmeans_step('{{0,0},{200,25}}', '{1,1}', spend, visits))[6:7] AS counts,
	   (kmeans_step('{{0,0},{200,25}}', '{0.0001,1}', spend, visits))[6:7] AS visits_weighted
FROM shop;
SET client_min_messages = warning;
SELECT k, round(inertia::numeric, 6) AS inertia, chosen
FROM kmeans_fit('shop_stream', 'shop', ARRAY['spend', 'visits'], k => '{3}', n_init => 1,
				init => '{{0,20},{100,10},{200,0}}', streaming => true);
RESET client_min_messages;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- the same centroids as in memory from the same initial centres
SELECT count(*) AS centroids, max(abs(a.value - b.value)) < 1e-9 AS same
FROM centroids('shop_stream') a JOIN centroids('shop_init') b USING (cluster, feature);
SELECT (metrics -> 'per_k' -> 0 ->> 'n_iter')::int AS n_iter, spec -> 'arguments' ->> 'streaming' AS streaming
FROM models WHERE name = 'shop_stream';
-- and the same personas: sizes from the last step's counts, means from its sums
SELECT a.cluster, a.size = b.size AS same_size, a.label = b.label AS same_label, a.label,
	   abs((a.means->>'spend')::float8 - (b.means->>'spend')::float8) < 1e-9 AS same_spend
FROM personas('shop_stream') a JOIN personas('shop_init') b USING (cluster) ORDER BY 1;

-- fewer distinct points than k: a warning and a result, as scikit-learn
CREATE TABLE twins (x float8, y float8);
INSERT INTO twins VALUES (1, 1), (1, 1), (1, 1), (5, 5), (5, 5);
SELECT (model_info(kmeans_fit(ARRAY[x, y], 3)) ->> 'k')::int AS k FROM twins;
SET client_min_messages = warning;
SELECT k, round(inertia::numeric, 6) AS inertia, silhouette, chosen
FROM kmeans_fit('twins', 'twins', ARRAY['x', 'y'], k => '{3}');
RESET client_min_messages;

-- zero-variance column: a warning, and it does not change the clustering
SET client_min_messages = warning;
SELECT k, round(inertia::numeric, 6) AS inertia, chosen
FROM kmeans_fit('shop_store', 'shop', ARRAY['spend', 'visits', 'store'], k => '{3}', n_init => 1,
				init => '{{0,20,1},{100,10,1},{200,0,1}}');
RESET client_min_messages;

-- the same rows in another physical order give the same model, byte for byte
CREATE TABLE customers_a AS SELECT * FROM simulate_customers(3000);
CREATE TABLE customers_b AS SELECT * FROM customers_a ORDER BY md5(customer_id::text);
SET client_min_messages = warning;
SELECT count(*) FROM kmeans_fit('order_a', 'customers_a', ARRAY['monthly_spending', 'tenure'],
								k => '{2,3,4}', n_init => 3);
SELECT count(*) FROM kmeans_fit('order_b', 'customers_b', ARRAY['monthly_spending', 'tenure'],
								k => '{2,3,4}', n_init => 3);
RESET client_min_messages;
SELECT model('order_a') = model('order_b') AS same_model;
SELECT drop_model('order_a') + drop_model('order_b') AS dropped;

-- bad input: aggregate form
SELECT kmeans_fit(ARRAY[spend, visits], 0) FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], 61) FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], NULL) FROM shop;
SELECT kmeans_fit(CASE WHEN id = 5 THEN NULL ELSE ARRAY[spend, visits] END, 3) FROM shop;
SELECT kmeans_fit(ARRAY[spend, CASE WHEN id = 5 THEN NULL ELSE visits END], 3) FROM shop;
SELECT kmeans_fit(ARRAY[visits, CASE WHEN id = 5 THEN 'NaN' ELSE spend END], 3) FROM shop;
SELECT kmeans_fit(ARRAY[visits, CASE WHEN id = 5 THEN '-Infinity' ELSE spend END], 3) FROM shop;
SELECT kmeans_fit(CASE WHEN id = 5 THEN ARRAY[spend] ELSE ARRAY[spend, visits] END, 3) FROM shop;
SELECT kmeans_fit(ARRAY[]::float8[], 3) FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], CASE WHEN id = 5 THEN 4 ELSE 3 END) FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], 3, '{"n_clusters": 3}') FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], 3, '{"n_init": "ten"}') FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], 3, '{"n_init": 0}') FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], 3, '{"tol": -1}') FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], 3, '{"init": [[0, 0], [1, 1]]}') FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], 3, '{"init": [[0, 0], [1, 1], [2]]}') FROM shop;
SELECT kmeans_fit(ARRAY[spend, visits], 3, '[1, 2]') FROM shop;
SELECT kmeans_fit_final('{3, 2, 5, 10, 300, 0.0001, 42, 0}');
SELECT kmeans_fit_final('{1, 2, 3}');

-- bad input: table form
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend', 'visits'], k => '{0}');
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend', 'visits'], k => '{61}');
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend', 'visits'], k => '{}');
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend', 'visits'], k => '{2,NULL}');
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend', 'nope']);
SELECT * FROM kmeans_fit('bad', 'no_such_table', ARRAY['spend']);
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY[]::text[]);
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend', 'spend']);
SELECT * FROM kmeans_fit(NULL, 'shop', ARRAY['spend']);
SELECT * FROM kmeans_fit('', 'shop', ARRAY['spend']);
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend'], n_init => 0);
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend'], tol => 'NaN');
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend'], k => NULL);
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend'], silhouette_sample => -1);
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend', 'visits'], k => '{3}', init => '{{0,0},{1,1}}');
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend', 'visits'], k => '{2}', init => '{1,2,3}');
SELECT * FROM kmeans_fit('bad', 'shop', ARRAY['spend', 'visits'], k => '{1}', init => '{{1,NaN}}');
CREATE TABLE labelled (spend float8, city text, joined date);
INSERT INTO labelled VALUES (1, 'Oslo', '2020-01-01'), (2, 'Bergen', '2021-01-01');
-- without preprocessing, text columns and NULLs are refused (sql/kmeans_personas.sql fits them)
SELECT * FROM kmeans_fit('bad', 'labelled', ARRAY['spend', 'city'], k => '{2}', preprocess => false);
SELECT * FROM kmeans_fit('bad', 'labelled', ARRAY['spend', 'city'], k => '{2}', streaming => true);
SELECT * FROM kmeans_fit('bad', 'labelled', ARRAY['spend', 'joined'], k => '{2}');
CREATE TABLE holes (x float8, y float8);
INSERT INTO holes VALUES (1, 1), (2, NULL), (3, 3);
SELECT * FROM kmeans_fit('bad', 'holes', ARRAY['x', 'y'], k => '{2}', preprocess => false);
SELECT * FROM kmeans_fit('bad', 'holes', ARRAY['x', 'y'], k => '{2}', streaming => true);
UPDATE holes SET y = 'NaN' WHERE y IS NULL;
SELECT * FROM kmeans_fit('bad', 'holes', ARRAY['x', 'y'], k => '{2}');
SELECT * FROM kmeans_fit('bad', 'holes', ARRAY['x', 'y'], k => '{2}', streaming => true);
CREATE TABLE nobody (x float8, y float8);
SELECT * FROM kmeans_fit('bad', 'nobody', ARRAY['x', 'y'], k => '{2}');
SELECT * FROM kmeans_fit('bad', 'nobody', ARRAY['x', 'y'], k => '{2}', streaming => true);
CREATE VIEW shop_view AS SELECT * FROM shop;
SELECT * FROM kmeans_fit('bad', 'shop_view', ARRAY['spend'], k => '{2}', streaming => true);
-- nothing half-written: no model named bad
SELECT count(*) AS bad_models FROM models WHERE name = 'bad';

-- bad input: the step aggregate, centroids and profiles
SELECT kmeans_step(ARRAY[spend, visits::float8], '{0,0}'::float8[]) FROM shop;
SELECT kmeans_step(ARRAY[spend, visits::float8], '{{0,NaN}}'::float8[]) FROM shop;
SELECT kmeans_step(ARRAY[spend], '{{0,0}}'::float8[]) FROM shop;
SELECT kmeans_step(ARRAY[spend, visits::float8],
				   CASE WHEN id = 3 THEN '{{0,0},{1,1}}' ELSE '{{0,0}}' END::float8[]) FROM shop;
SELECT kmeans_step('{{0,0}}', '{1,1}', spend, NULL::float8) FROM shop;
SELECT kmeans_step('{{0,0}}', '{1,1}', spend, 'Infinity'::float8) FROM shop;
SELECT kmeans_step('{{0,0}}', '{1,1}', spend) FROM shop;
SELECT kmeans_step('{{0,0}}', '{1,-1}', spend, visits) FROM shop;
SELECT kmeans_step('{{0,0}}', '{1}', spend, visits) FROM shop;
SELECT kmeans_step('{{0,0}}', NULL, spend, visits) FROM shop;
SELECT kmeans_step(ARRAY[spend, visits::float8], '{{0,0}}', '{0,1}') FROM shop;
SELECT * FROM centroids('no_such_model');
SELECT * FROM centroids((SELECT scaler_fit(ARRAY[spend]) FROM shop));
SELECT * FROM centroids('\x00'::bytea);
SELECT save_model('agg', :'agg_model');
SELECT cluster, feature, round(value::numeric, 4) AS value FROM centroids('agg') ORDER BY 1, 2;
SELECT * FROM profile('agg', 'shop');
SELECT * FROM profile('shop_segments', 'labelled');
-- profiles of other relations with the model's columns; NULLs are imputed
SELECT k, inertia, silhouette, chosen FROM kmeans_fit('holes_model', 'holes', ARRAY['x'], k => '{2}') WHERE chosen;
INSERT INTO holes VALUES (NULL, 5);
SELECT cluster, size, share, means, persona FROM profile('holes_model', 'holes') ORDER BY cluster;
SELECT * FROM profile('no_such_model', 'shop');

-- leave the shared registry as it was
SELECT count(*) AS dropped FROM (
	SELECT drop_model(name) FROM (SELECT DISTINCT name FROM models
		WHERE name IN ('shop_segments', 'shop_init', 'shop_bool', 'shop_stream', 'twins',
					   'shop_store', 'agg', 'holes_model')) m) d;
