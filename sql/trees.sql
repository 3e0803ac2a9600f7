-- The tree learners through SQL: decision_tree, random_forest and gbdt
-- trained, read as rules (tree_rules), explained, scored; their settings
-- and bad inputs
CREATE SCHEMA trees_test;
SET search_path = trees_test, segment, public;
SET client_min_messages = warning;	-- no per-iteration progress lines
\set VERBOSITY terse

-- spend alone decides the tier: a tree must find spend <= 59.5; NULL
-- spend (every 50th customer) is low, so NULL goes with the low side
CREATE TABLE shop AS
SELECT i AS id, CASE WHEN i % 50 = 7 THEN NULL ELSE (i % 100)::float8 END AS spend,
	   (i * 7919) % 37 AS tenure,
	   (ARRAY['north', 'south', 'east', 'west'])[1 + i % 4] AS region,
	   i % 3 = 0 AS member,
	   CASE WHEN i % 50 <> 7 AND i % 100 >= 60 THEN 'high' ELSE 'low' END AS tier,
	   CASE WHEN i % 50 <> 7 AND i % 100 >= 60 THEN 'high'
			WHEN i % 4 = 0 THEN 'mid' ELSE 'low' END AS tier3,
	   CASE WHEN i % 3 = 0 AND i % 100 > 50 THEN 'club' ELSE 'other' END AS club,
	   2.0 * (i % 100) + CASE WHEN i % 4 = 0 THEN 30 ELSE 0 END AS value
FROM generate_series(1, 2000) i;

------------------------------------------------------------------------
-- decision_tree: the rule it finds, exactly
------------------------------------------------------------------------
SELECT r->>'model' AS model, r->>'task' AS task, (r->'test'->>'accuracy')::float8 AS accuracy,
	   r->'hyperparameters'->'max_depth' AS max_depth
FROM (SELECT segment_train('tier_dt', 'shop', 'tier', features => '{spend,tenure,region}',
						   model => 'decision_tree') AS r) s;
SELECT * FROM tree_rules('tier_dt');
-- the training rows of the leaves add up to the train part
SELECT sum(samples) AS samples,
	   (SELECT count(*) FROM shop s WHERE split_part('tier_dt', s) = 'train') AS train_rows
FROM tree_rules('tier_dt');
-- three classes: a category split, NULL and unseen regions with the others
SELECT segment_train('tier3_dt', 'shop', 'tier3', features => '{spend,tenure,region}',
					 model => 'decision_tree')->'test'->'accuracy' AS accuracy;
SELECT * FROM tree_rules('tier3_dt');
-- a boolean column: = true / = false
SELECT segment_train('club_dt', 'shop', 'club', features => '{spend,member}',
					 model => 'decision_tree')->'test'->'accuracy' AS accuracy;
SELECT * FROM tree_rules('club_dt');
-- a regression tree of depth 2: leaves hold mean values
SELECT segment_train('value_dt', 'shop', 'value', features => '{spend,region}',
					 model => 'decision_tree', params => '{"max_depth": 2}')->>'task' AS task;
SELECT leaf, rule, samples, class, round(prediction::numeric, 4) AS prediction
FROM tree_rules('value_dt');

-- every row satisfies exactly one rule, and it is the leaf's: run the rule
-- text as a WHERE clause; a decision tree predicts the class of its rule
CREATE FUNCTION rule_check(model text, tree integer DEFAULT 0)
RETURNS TABLE (rows_covered bigint, rows_twice bigint, predicted_as_rule bigint)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	CREATE TEMP TABLE hits (id integer, class text) ON COMMIT DROP;
	FOR r IN SELECT * FROM segment.tree_rules(model, tree => tree) LOOP
		EXECUTE format('INSERT INTO hits SELECT id, %L FROM trees_test.shop WHERE %s',
					   r.class, r.rule);
	END LOOP;
	RETURN QUERY
	SELECT count(DISTINCT h.id), count(*) - count(DISTINCT h.id),
		   count(*) FILTER (WHERE segment.segment_predict(model, s) = h.class)
	FROM hits h JOIN trees_test.shop s USING (id);
	DROP TABLE hits;
END
$$;
-- and errors as their SQLSTATE, message and hint
CREATE FUNCTION fails(stmt text, OUT state text, OUT message text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	message := 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
		hint = PG_EXCEPTION_HINT;
END
$$;
SELECT * FROM rule_check('tier_dt');
SELECT * FROM rule_check('tier3_dt');
SELECT * FROM rule_check('club_dt');
SELECT rows_covered, rows_twice FROM rule_check('value_dt');
-- a region training never saw follows NULL: its rows still satisfy one rule
INSERT INTO shop SELECT 3000 + i, 10 + i, 5, 'central', false, 'low', 'low', 'other', 0
FROM generate_series(1, 3) i;
SELECT * FROM rule_check('tier3_dt');
DELETE FROM shop WHERE id > 2000;

------------------------------------------------------------------------
-- gbdt: scikit-learn's setting names, one tree per class and iteration
------------------------------------------------------------------------
SELECT r->'hyperparameters'->'max_iter' AS max_iter,
	   r->'hyperparameters'->'learning_rate' AS learning_rate,
	   r->'hyperparameters'->'max_leaf_nodes' AS max_leaf_nodes,
	   r->'hyperparameters'->'early_stopping' AS early_stopping,
	   (r->'test'->>'accuracy')::float8 >= 0.99 AS accurate
FROM (SELECT segment_train('tier3_gb', 'shop', 'tier3', features => '{spend,tenure,region}',
						   model => 'gbdt', balance => 'none',
						   params => '{"max_iter": 50, "learning_rate": 0.1, "max_leaf_nodes": 15,
									   "early_stopping": false}') AS r) s;
SELECT model_info(model('tier3_gb'))->'learner' AS learner,
	   model_info(model('tier3_gb'))->'trees' AS trees,
	   model_info(model('tier3_gb'))->'iterations' AS iterations,
	   model_info(model('tier3_gb'))->'classes' AS classes;
-- tree t adds to the raw score of class t mod 3
SELECT t AS tree, (SELECT DISTINCT class FROM tree_rules('tier3_gb', tree => t)) AS class
FROM generate_series(0, 5) t;
-- the first tree of class high: spend decides it
SELECT leaf, rule, samples, class, round(prediction::numeric, 6) AS prediction
FROM tree_rules('tier3_gb', tree => 0);
SELECT rows_covered, rows_twice FROM rule_check('tier3_gb', 149);
-- a version by number
SELECT count(*) > 0 AS has_rules FROM tree_rules('tier3_gb', 1, 2);

-- two classes: one tree per iteration, for the second class's log-odds
SELECT segment_train('tier_gb', 'shop', 'tier', features => '{spend,tenure,region}',
					 model => 'gbdt', params => '{"max_iter": 20, "early_stopping": false}'
					 )->'test'->'accuracy' AS accuracy;
SELECT model_info(model('tier_gb'))->'classes' AS classes,
	   model_info(model('tier_gb'))->'trees' AS trees,
	   (SELECT array_agg(DISTINCT class) FROM tree_rules('tier_gb', tree => 19)) AS tree_class;

-- regression
SELECT r->>'task' AS task, (r->'test'->>'r2')::float8 > 0.99 AS r2_ok,
	   r->'hyperparameters'->'max_iter' AS max_iter
FROM (SELECT segment_train('value_gb', 'shop', 'value', features => '{spend,tenure,region}',
						   model => 'gbdt', params => '{"max_iter": 80}') AS r) s;
SELECT class IS NULL AS no_class, count(*) > 1 AS leaves FROM tree_rules('value_gb') GROUP BY 1;

------------------------------------------------------------------------
-- random_forest
------------------------------------------------------------------------
SELECT r->'hyperparameters'->'n_estimators' AS n_estimators,
	   r->'hyperparameters'->'max_depth' AS max_depth,
	   (r->'test'->>'accuracy')::float8 >= 0.99 AS accurate
FROM (SELECT segment_train('tier_rf', 'shop', 'tier3', features => '{spend,tenure,region}',
						   model => 'random_forest',
						   params => '{"n_estimators": 20, "max_depth": 4}') AS r) s;
SELECT model_info(model('tier_rf'))->'trees' AS trees;
SELECT rows_covered, rows_twice FROM rule_check('tier_rf', 19);
-- a leaf's prediction is its majority class's share of the bootstrap rows there
SELECT bool_and(prediction > 0.3 AND prediction <= 1) AS shares, bool_and(samples > 0) AS samples
FROM tree_rules('tier_rf', tree => 7);
SELECT r->>'task' AS task, (r->'test'->>'r2')::float8 > 0.95 AS r2_ok
FROM (SELECT segment_train('value_rf', 'shop', 'value', features => '{spend,region}',
						   model => 'random_forest', params => '{"n_estimators": 10}') AS r) s;

------------------------------------------------------------------------
-- predictions, metrics and registry functions for every tree model
------------------------------------------------------------------------
SELECT name, count(*) AS rows,
	   count(*) FILTER (WHERE segment_predict(name, s) = s.tier3) AS right_tier3,
	   bool_and(abs((SELECT sum(v::float8) FROM jsonb_each_text(segment_predict_proba(name, s)) e(k, v))
					- 1) < 1e-9) AS proba_sums_to_1,
	   bool_and(segment_predict(name, s) = segment_predict(model(name), s)) AS by_value,
	   bool_and(segment_predict(name, s) = segment_predict(name, preprocess(model(name), s)))
		 AS by_array
FROM shop s, (VALUES ('tier3_dt'), ('tier3_gb'), ('tier_rf')) m(name)
GROUP BY name ORDER BY name;
SELECT name, corr(segment_predict_value(name, s), value) > 0.9 AS correlated,
	   bool_and(segment_predict(name, s)::float8 = segment_predict_value(name, s)) AS as_text
FROM shop s, (VALUES ('value_dt'), ('value_gb'), ('value_rf')) m(name)
GROUP BY name ORDER BY name;
SELECT class, support, round(f1::numeric, 3) AS f1 FROM evaluate('tier3_gb');
SELECT class, support, value IS NOT NULL AS has_value FROM evaluate('value_gb');
SELECT sum(count) AS test_rows, sum(count) FILTER (WHERE actual = predicted) AS right
FROM confusion_matrix('tier_rf');
-- the test metrics are what the stored model predicts on split_part's test rows
SELECT abs(count(*) FILTER (WHERE segment_predict('tier3_gb', s) = tier3)::float8 / count(*)
		   - (SELECT f1 FROM evaluate('tier3_gb') WHERE class = 'accuracy')) < 1e-12 AS same_accuracy
FROM shop s WHERE split_part('tier3_gb', s) = 'test';
-- retraining on unchanged rows adds no version (a regressor's too)
SELECT r->'skipped' AS skipped, r->'same_as_version' AS same_as FROM retrain('value_gb') r;
SELECT r->'skipped' AS skipped, r->'same_as_version' AS same_as FROM retrain('tier3_gb') r;

-- permutation importance, and the trees' split-gain share
SELECT feature, importance > 0.3 AS matters, round(split_gain::numeric, 2) AS split_gain
FROM feature_importance('tier_dt', repeats => 3);
SELECT feature, round(sum(split_gain) OVER ()::numeric, 6) AS gain_total
FROM feature_importance('value_rf', repeats => 2) ORDER BY feature;

-- explanations (exact TreeSHAP) add up to the margin explained:
-- a regressor's value, a forest's class share, two classes' log-odds
SELECT name, bool_and(abs(e.total - segment_predict_value(name, s)) < 1e-9) AS adds_up
FROM shop s, (VALUES ('value_dt'), ('value_gb'), ('value_rf')) m(name),
	 LATERAL (SELECT sum(contribution) AS total FROM explain(name, s)) e
WHERE s.id % 97 = 1
GROUP BY name ORDER BY name;
SELECT name, bool_and(abs(e.total - (segment_predict_proba(name, s)->>e.class)::float8) < 1e-9)
		 AS adds_up
FROM shop s, (VALUES ('tier3_dt'), ('tier_rf')) m(name),
	 LATERAL (SELECT sum(contribution) AS total, min(class) AS class FROM explain(name, s)) e
WHERE s.id % 97 = 1
GROUP BY name ORDER BY name;
SELECT bool_and(abs(e.total - ln((p->>'low')::float8 / (p->>'high')::float8)) < 1e-9) AS adds_up,
	   bool_and(e.class = 'low') AS second_class
FROM shop s, segment_predict_proba('tier_gb', s) p,
	 LATERAL (SELECT sum(contribution) AS total, min(class) AS class FROM explain('tier_gb', s)) e
WHERE s.id % 97 = 1;
-- the deciding column carries the explanation; the others next to nothing
SELECT feature, abs(contribution) > 1 AS large, class
FROM explain('tier_gb', (SELECT s FROM shop s WHERE id = 80));

------------------------------------------------------------------------
-- who may read rules: the model's readers, not those who may only predict
------------------------------------------------------------------------
CREATE ROLE regress_trees_app;
GRANT USAGE ON SCHEMA trees_test TO regress_trees_app;
GRANT SELECT ON shop TO regress_trees_app;
SELECT grant_predict('tier_dt', 'regress_trees_app');
SET ROLE regress_trees_app;
SELECT count(*) AS predicted FROM shop s WHERE segment_predict('tier_dt', s) IS NOT NULL;
SELECT * FROM fails($$SELECT * FROM tree_rules('tier_dt')$$);
RESET ROLE;
SELECT revoke_predict('tier_dt', 'regress_trees_app');

------------------------------------------------------------------------
-- bad input: each error's SQLSTATE, message and hint
------------------------------------------------------------------------
\x on
-- tree_rules
SELECT * FROM fails($$SELECT * FROM tree_rules('nope')$$);
SELECT * FROM fails($$SELECT * FROM tree_rules(NULL)$$);
SELECT * FROM fails($$SELECT * FROM tree_rules('tier_dt', tree => NULL)$$);
SELECT * FROM fails($$SELECT * FROM tree_rules('tier_dt', tree => 1)$$);
SELECT * FROM fails($$SELECT * FROM tree_rules('tier_rf', tree => -1)$$);
SELECT * FROM fails($$SELECT * FROM tree_rules('tier_dt', 0)$$);
SELECT * FROM fails($$SELECT * FROM tree_rules('tier_dt', 9)$$);
SELECT segment_train('tier_mlp', 'shop', 'tier', features => '{spend}', epochs => 2,
					 balance => 'none')->'version' AS version;
SELECT * FROM fails($$SELECT * FROM tree_rules('tier_mlp')$$);
SELECT save_model('spend_scaler', scaler_fit(ARRAY[spend])) FROM shop WHERE spend IS NOT NULL;
SELECT * FROM fails($$SELECT * FROM tree_rules('spend_scaler')$$);
-- params of another learner, settings out of range
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"C": 1}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"n_estimators": 10}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'random_forest', params => '{"max_iter": 10}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"validation_fraction": 0.2}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'decision_tree', params => '{"max_depth": 0}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"max_depth": -1}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'random_forest', params => '{"max_depth": -3}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"max_bins": 256}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"max_bins": 1}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'random_forest', params => '{"max_bins": 1000}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"max_leaf_nodes": 1}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"learning_rate": 0}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"max_iter": "many"}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"max_iter": null}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'gbdt', params => '{"early_stopping": "auto"}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'random_forest', params => '{"max_features": 0}')$$);
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'tier', model => 'random_forest', params => '{"bootstrap": 1}')$$);
-- null is scikit-learn's None where a setting has no limit
SELECT r->'hyperparameters'->'max_depth' AS max_depth
FROM (SELECT segment_train('tier_dt_deep', 'shop', 'tier', features => '{spend}',
						   model => 'decision_tree', params => '{"max_depth": null}') AS r) s;
-- labels that do not fit the task
SELECT * FROM fails($$SELECT segment_train('bad', 'shop', 'region', model => 'gbdt', task => 'regression')$$);
CREATE TABLE wide AS SELECT i AS id, (i % 7)::float8 AS x, i * 1.5 AS y
FROM generate_series(1, 10000) i;
SELECT * FROM fails($$SELECT segment_train('bad', 'wide', 'y', features => '{x}', model => 'gbdt', task => 'classification')$$);
CREATE TABLE nan_target AS SELECT i AS id, i::float8 AS x,
	   CASE WHEN i = 7 THEN 'NaN' ELSE i * 2.0 END::float8 AS y
FROM generate_series(1, 100) i;
SELECT * FROM fails($$SELECT segment_train('bad', 'nan_target', 'y', features => '{x}', model => 'gbdt')$$);
UPDATE nan_target SET y = 'Infinity' WHERE id = 7;
SELECT * FROM fails($$SELECT segment_train('bad', 'nan_target', 'y', features => '{x}', model => 'random_forest')$$);
UPDATE nan_target SET y = '-Infinity' WHERE id = 7;
SELECT * FROM fails($$SELECT segment_train('bad', 'nan_target', 'y', features => '{x}', model => 'decision_tree')$$);
CREATE TABLE one_class AS SELECT i AS id, i::float8 AS x, 'a'::text AS y
FROM generate_series(1, 100) i;
SELECT * FROM fails($$SELECT segment_train('bad', 'one_class', 'y', features => '{x}', model => 'gbdt')$$);
CREATE TABLE no_rows (id integer, x float8, y text);
SELECT * FROM fails($$SELECT segment_train('bad', 'no_rows', 'y', features => '{x}', model => 'random_forest')$$);
\x off
-- the registry is unchanged by every failure above
SELECT count(*) FROM models WHERE name = 'bad';

-- leave the shared registry as it was
SELECT sum(drop_model(name)) > 0 AS dropped
FROM (SELECT DISTINCT name FROM models WHERE name IN ('tier_dt', 'tier3_dt', 'club_dt',
	  'value_dt', 'tier3_gb', 'tier_gb', 'value_gb', 'tier_rf', 'value_rf', 'tier_mlp',
	  'spend_scaler', 'tier_dt_deep')) n;
DROP SCHEMA trees_test CASCADE;
DROP ROLE regress_trees_app;
