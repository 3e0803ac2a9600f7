-- segment_train: the MLP pipeline, its registry versions, evaluation
-- relations and metric aggregates; then every bad input
-- tables of their own: other tests leave theirs in the same database
CREATE SCHEMA train_test;
SET search_path = train_test, segment, public;
SET client_min_messages = warning;	-- no per-epoch progress lines
\set VERBOSITY terse

CREATE TABLE train_customers AS SELECT * FROM simulate_customers(5000);

-- the first version of a name is deployed; the simulated segments are easy
CREATE TEMP TABLE r1 AS
SELECT segment_train('value', 'train_customers', 'customer_segment', exclude => '{customer_id}',
					 epochs => 40, balance => 'none') AS r;
SELECT r->'version' AS version, r->'deployed' AS deployed, r->'rows' AS rows,
	   r->'features' AS features, r->'classes' AS classes, r->'balance'->>'chosen' AS balance,
	   (r->'test'->>'accuracy')::float8 >= 0.95 AS test_accuracy_ok,
	   jsonb_array_length(r->'trials') AS trials,
	   r->'hyperparameters' AS hyperparameters
FROM r1;
SELECT kind, deployed, spec->>'function' AS function, spec->'arguments'->'features' AS features,
	   spec->'arguments'->>'balance' AS balance
FROM models WHERE name = 'value';

-- the stored test metrics as relations
SELECT class, support, f1 BETWEEN 0 AND 1 AS f1_ok FROM evaluate('value');
SELECT (SELECT sum(count) FROM confusion_matrix('value')) = 1000 AS all_test_rows,
	   (SELECT count(*) FROM confusion_matrix('value')) AS cells,
	   (SELECT sum(count) FROM confusion_matrix('value') WHERE actual = predicted)::float8 / 1000
	   = (SELECT f1 FROM evaluate('value') WHERE class = 'accuracy') AS diagonal_is_accuracy;

-- same call, same seed: byte-identical model; another seed: other bytes
SELECT segment_train('value', 'train_customers', 'customer_segment', exclude => '{customer_id}',
					 epochs => 40, balance => 'none', deploy => 'never')->'deployed' AS deployed;
SELECT segment_train('value', 'train_customers', 'customer_segment', exclude => '{customer_id}',
					 epochs => 40, balance => 'none', deploy => 'never', seed => 7)->'version' AS version;
SELECT (SELECT model FROM models WHERE name = 'value' AND version = 1)
	 = (SELECT model FROM models WHERE name = 'value' AND version = 2) AS same_seed_same_bytes,
	   (SELECT model FROM models WHERE name = 'value' AND version = 1)
	 = (SELECT model FROM models WHERE name = 'value' AND version = 3) AS other_seed_same_bytes;

-- if_better: a much weaker model is registered but not deployed; always deploys.
-- The deployed version is scored again on the new test rows: unchanged data
-- and seed give the same rows, so both scores are the stored test figures.
SELECT r->'version' AS version, r->'deployed' AS deployed,
	   r->>'deploy_reason' LIKE 'on the same 1000 test rows, test macro-F1 % < the deployed version 1''s %' AS reason,
	   (r->'deployment'->>'new_score')::float8 = (r->'test'->>'macro_f1')::float8 AS new_same,
	   (r->'deployment'->>'previous_score')::float8
		 = (model_metrics('value', 1)->>'macro_f1')::float8 AS previous_same
FROM (SELECT segment_train('value', 'train_customers', 'customer_segment', features => '{tenure}',
						   hidden => '{2}', epochs => 1, balance => 'none') AS r) s;
SELECT segment_train('value', 'train_customers', 'customer_segment', features => '{tenure}',
					 hidden => '{2}', epochs => 1, balance => 'none', deploy => 'always')->'deployed';
SELECT version, deployed FROM models WHERE name = 'value' ORDER BY version;

-- balance => auto tries none, class_weight and smote and says which won
SELECT r->'balance'->>'mode' AS mode,
	   r->'balance'->>'chosen' IN ('none', 'class_weight', 'smote') AS chosen_ok,
	   r->'balance'->>'reason' ~ '^validation macro-F1 of none [0-9.e-]+, class_weight [0-9.e-]+, smote [0-9.e-]+; kept the (best|simplest within one standard error of the best)$' AS reason,
	   r->'choice'->>'reason' ~ '^(highest validation score [0-9.e-]+; no simpler candidate within one standard error|simpler than the best .*)$' AS choice_said,
	   (SELECT array_agg(t->'config'->>'balance' ORDER BY (t->>'trial')::int)
		FROM jsonb_array_elements(r->'trials') t) AS tried,
	   (SELECT array_agg((t->>'train_rows')::int ORDER BY (t->>'trial')::int)
		FROM jsonb_array_elements(r->'trials') t) AS train_rows
FROM (SELECT segment_train('auto', 'train_customers', 'customer_segment', exclude => '{customer_id}',
						   epochs => 5) AS r) s;

-- auto leaves smote out when a class is too small for it, and says so
CREATE TABLE few_high AS
SELECT * FROM simulate_customers(5000) WHERE customer_segment < 2 OR customer_id % 40 = 0;
SELECT r->'balance'->>'chosen' IN ('none', 'class_weight') AS chosen_ok,
	   regexp_replace(r->'balance'->>'reason', '(none|class_weight) [0-9.e-]+', '\1 F1', 'g') AS reason,
	   jsonb_array_length(r->'trials') AS trials
FROM (SELECT segment_train('few', 'few_high', 'customer_segment', exclude => '{customer_id}',
						   epochs => 2) AS r) s;

-- search: a grid when trials cover it, random draws otherwise
SELECT jsonb_array_length(r->'trials') AS trials,
	   (SELECT array_agg(t->'config'->'hidden' ORDER BY (t->>'trial')::int)
		FROM jsonb_array_elements(r->'trials') t) AS hidden,
	   (SELECT array_agg(t->'config'->'dropout' ORDER BY (t->>'trial')::int)
		FROM jsonb_array_elements(r->'trials') t) AS dropout
FROM (SELECT segment_train('grid', 'train_customers', 'customer_segment', exclude => '{customer_id}',
						   epochs => 3, balance => 'none', trials => 10,
						   search => '{"hidden": [[8], [16, 8]], "dropout": [0, 0.1]}') AS r) s;
SELECT jsonb_array_length(r->'trials') AS trials,
	   (SELECT bool_and((t->'config'->>'learning_rate')::float8 BETWEEN 1e-4 AND 1e-2
						AND (t->'config'->>'batch_size')::int IN (32, 64))
		FROM jsonb_array_elements(r->'trials') t) AS in_space
FROM (SELECT segment_train('random', 'train_customers', 'customer_segment', exclude => '{customer_id}',
						   epochs => 2, trials => 3, balance => 'class_weight',
						   search => '{"learning_rate": {"log_uniform": [1e-4, 1e-2]},
									   "batch_size": [32, 64]}') AS r) s;

-- successive halving when asked: 9 trials for 1 epoch, the best 3 for 3, the best one for 9
SELECT r->>'schedule' AS schedule,
	   (SELECT array_agg(n ORDER BY n)
		FROM (SELECT jsonb_array_length(t->'rungs') AS n FROM jsonb_array_elements(r->'trials') t) x)
	   AS rungs_per_trial,
	   r->'hyperparameters'->'epochs' AS final_epochs
FROM (SELECT segment_train('halving', 'train_customers', 'customer_segment',
						   exclude => '{customer_id}', epochs => 9, balance => 'none', trials => 9,
						   search => '{"hidden": [[4], [8], [16]], "dropout": [0, 0.1, 0.2],
									   "successive_halving": true}') AS r) s;
-- by default every trial trains in full: early stopping ends the weak ones
SELECT r->>'schedule' AS schedule
FROM (SELECT segment_train('halving', 'train_customers', 'customer_segment',
						   exclude => '{customer_id}', epochs => 9, balance => 'none', trials => 9,
						   search => '{"hidden": [[4], [8], [16]], "dropout": [0, 0.1, 0.2]}') AS r) s;

-- the stored spec retrains with the same arguments; on unchanged rows it
-- adds no version unless told to
SELECT r->'version' AS version, r->'skipped' AS skipped, r->'same_as_version' AS same_as,
	   r->>'reason' AS reason
FROM (SELECT retrain('grid', deploy => 'never') AS r) s;
SELECT r->'version' AS version, r->'hyperparameters'->'hidden' AS hidden
FROM (SELECT retrain('grid', deploy => 'never', skip_if_unchanged => false) AS r) s;

-- text labels keep their spelling
CREATE TABLE churn (id int, tenure int, plan text, churn text);
INSERT INTO churn
SELECT i, i % 72, CASE WHEN i % 3 = 0 THEN 'month' ELSE 'year' END,
	   CASE WHEN i % 3 = 0 AND i % 72 < 30 THEN 'Yes' ELSE 'No' END
FROM generate_series(1, 600) i;
SELECT (r->'test'->>'accuracy')::float8 > 0.9 AS accurate,
	   (SELECT array_agg(c->>'class') FROM jsonb_array_elements(r->'test'->'classes') c) AS classes
FROM (SELECT segment_train('churn', 'churn', 'churn', exclude => '{id}', epochs => 30,
						   balance => 'class_weight') AS r) s;

-- stratified_split: segment_train's parts for labels in scan order (the same core split)
SELECT p, count(*) FROM unnest(stratified_split(
	(SELECT array_agg(customer_segment::text) FROM train_customers))) p GROUP BY p ORDER BY p;
SELECT stratified_split('{a,b,a,b,a,b,a,b,a,b}', 0.2, 0.2, 1);
SELECT stratified_split('{a,a,a,a,b}');
SELECT stratified_split('{a,NULL}');
SELECT stratified_split('{a,b}', 0.7, 0.5);
SELECT model_metrics('value')->'confusion_matrix' IS NOT NULL AS has_matrix;

-- model_info describes a classifier value
SELECT info->'kind' AS kind, info->'classes' AS classes, info->'hidden' AS hidden,
	   info->'batch_norm' AS batch_norm, info->'outputs' AS outputs
FROM (SELECT model_info(model('churn')) AS info) s;

-- metric aggregates over any query
CREATE TEMP TABLE preds (actual text, predicted text);
INSERT INTO preds VALUES ('a', 'a'), ('a', 'b'), ('b', 'b'), ('b', 'b'), ('c', 'a'), (NULL, 'a');
SELECT accuracy(actual, predicted), precision_score(actual, predicted, 'b'),
	   recall_score(actual, predicted, 'a'), f1_score(actual, predicted, 'a') FROM preds;
SELECT accuracy(x, y) FROM (VALUES (1, 1), (2, 3)) v(x, y);
SELECT accuracy(actual, predicted) AS empty_is_null FROM preds WHERE false;
SELECT precision_score(actual, predicted, 'z') AS zero_division FROM preds;

-- the aggregates run in parallel workers (float8[] states with a combine function)
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT accuracy(customer_segment, customer_segment), f1_score(tenure, complaint_count, 1)
FROM train_customers;
SELECT accuracy(customer_segment, customer_segment) FROM train_customers;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- a statement_timeout cancels a long training; the registry is unchanged
SELECT count(*) AS versions_before FROM models WHERE name = 'value';
SET statement_timeout = '200ms';
SELECT segment_train('value', 'train_customers', 'customer_segment', epochs => 1000000,
					 patience => 1000000, balance => 'none', deploy => 'always');
RESET statement_timeout;
SELECT count(*) AS versions_after, max(version) FILTER (WHERE deployed) AS deployed
FROM models WHERE name = 'value';

-- bad inputs
CREATE TABLE one_class AS SELECT i AS x, 'only' AS y FROM generate_series(1, 50) i;
SELECT segment_train('bad', 'one_class', 'y');
CREATE TABLE tiny_class AS
SELECT i AS x, CASE WHEN i <= 2 THEN 'rare' ELSE 'common' END AS y FROM generate_series(1, 50) i;
SELECT segment_train('bad', 'tiny_class', 'y');
SELECT segment_train('bad', 'train_customers', 'customer_segment',
					 exclude => '{customer_id, monthly_spending, engagement_score, tenure, complaint_count, purchase_frequency, discount_usage}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', features => '{}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', hidden => '{64,0}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', hidden => '{-3}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', hidden => '{1,2,3,4,5,6,7,8,9}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', dropout => 1);
SELECT segment_train('bad', 'train_customers', 'customer_segment', dropout => -0.1);
SELECT segment_train('bad', 'train_customers', 'customer_segment', dropout => 'NaN');
SELECT segment_train('bad', 'train_customers', 'customer_segment', l2 => -1);
SELECT segment_train('bad', 'train_customers', 'customer_segment', learning_rate => 'Infinity');
SELECT segment_train('bad', 'train_customers', 'customer_segment', epochs => 0);
SELECT segment_train('bad', 'train_customers', 'customer_segment', batch_size => 0);
SELECT segment_train('bad', 'train_customers', 'customer_segment', patience => 0);
SELECT segment_train('bad', 'train_customers', 'customer_segment', test_size => 0);
SELECT segment_train('bad', 'train_customers', 'customer_segment', test_size => 0.5, validation_size => 0.5);
SELECT segment_train('bad', 'train_customers', 'customer_segment', trials => 0);
SELECT segment_train('bad', 'train_customers', 'customer_segment', balance => 'oversample');
SELECT segment_train('bad', 'train_customers', 'customer_segment', deploy => 'sometimes');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '[1, 2]');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{"width": [1]}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{"dropout": []}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{"dropout": [0.5, 1.5]}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{"dropout": "high"}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{"hidden": [32, 64]}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{"hidden": [[0]]}');
SELECT segment_train('bad', 'train_customers', 'customer_segment',
					 search => '{"learning_rate": {"log_uniform": [0, 1e-2]}}');
SELECT segment_train('bad', 'train_customers', 'customer_segment',
					 search => '{"learning_rate": {"normal": [0, 1]}}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{"batch_norm": [1]}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{"balance": ["up"]}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', search => '{"successive_halving": 1}');
SELECT segment_train('bad', 'train_customers', 'nope');
SELECT segment_train('bad', 'train_customers', 'customer_segment', features => '{nope}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', features => '{customer_segment}');
SELECT segment_train('bad', 'train_customers', 'customer_segment', features => '{tenure, tenure}');
SELECT segment_train('bad', 'no_such_table', 'y');
SELECT segment_train(NULL, 'train_customers', 'customer_segment');
SELECT segment_train('', 'train_customers', 'customer_segment');
SELECT segment_train('bad', 'train_customers', 'customer_segment', balance => NULL);
CREATE TABLE empty (x float8, y text);
SELECT segment_train('bad', 'empty', 'y');
CREATE TABLE null_labels AS SELECT i AS x, CASE WHEN i > 1 THEN i % 2 END AS y FROM generate_series(1, 50) i;
SELECT segment_train('bad', 'null_labels', 'y');
CREATE TABLE nan_features AS SELECT CASE WHEN i = 5 THEN 'NaN'::float8 ELSE i END AS x, i % 2 AS y
FROM generate_series(1, 50) i;
SELECT segment_train('bad', 'nan_features', 'y');
-- the registry is unchanged by every failure above
SELECT count(*) FROM models WHERE name = 'bad';

SELECT * FROM evaluate('nope');
SELECT * FROM evaluate('value', 99);
SELECT * FROM confusion_matrix('nope');
SELECT save_model('scaled', (SELECT scaler_fit(ARRAY[x]::float8[]) FROM generate_series(1, 5) x));
SELECT * FROM evaluate('scaled');
SELECT retrain('scaled');
SELECT accuracy(x, y) FROM (VALUES (1, 'a')) v(x, y);
SELECT metric_accuracy_accum('{1,2,3}', 1, 1);
