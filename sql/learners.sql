-- segment_train's learners: the model, task and params arguments,
-- regression end to end, and their bad inputs
CREATE SCHEMA learners_test;
SET search_path = learners_test, segment, public;
SET client_min_messages = warning;	-- no per-epoch progress lines
\set VERBOSITY terse

-- a spend-like target: linear in two columns plus a category effect
CREATE TABLE spend AS
SELECT i AS id, (i % 97)::float8 AS visits, (i % 13)::int AS tenure,
	   (ARRAY['north', 'south', 'west'])[1 + i % 3] AS region,
	   3.0 * (i % 97) + 10.0 * (i % 13) + CASE i % 3 WHEN 0 THEN 50 ELSE 0 END
		 + ((i * 7919) % 11 - 5)::float8 AS next_spend
FROM generate_series(1, 3000) i;

-- a float label is a regression target; the report says why and scores R2
CREATE TEMP TABLE r AS
SELECT segment_train('spend', 'spend', 'next_spend', exclude => '{id}',
					 hidden => '{32}', epochs => 60) AS r;
SELECT r->>'task' AS task, r->>'task_reason' AS why, r->>'model' AS model,
	   r->'rows' AS rows, r ? 'balance' AS has_balance,
	   (r->'test'->>'r2')::float8 > 0.95 AS r2_ok,
	   (r->'test'->>'mae')::float8 < 10 AS mae_ok,
	   r->'test' ? 'rmse' AND r->'test' ? 'mape' AS has_rmse_mape,
	   (r->'validation'->>'r2')::float8 > 0.9 AS validation_r2_ok
FROM r;
SELECT kind, spec->'arguments'->>'model' AS model, spec->'arguments'->>'task' AS task,
	   spec->'arguments'->'params'->'hidden' AS hidden
FROM models WHERE name = 'spend';

-- evaluate gives the test metrics as rows; they agree with predictions
SELECT class, support, value IS NOT NULL AS has_value FROM evaluate('spend');
SELECT abs((SELECT value FROM evaluate('spend') WHERE class = 'r2')
		   - (SELECT (r->'test'->>'r2')::float8 FROM r)) < 1e-12 AS same_r2;

-- predictions as numbers, in the four forms, and as text
SELECT count(*) AS rows,
	   corr(segment_predict_value('spend', s), next_spend) > 0.97 AS correlated,
	   bool_and(segment_predict_value('spend', s) = segment_predict_value(model('spend'), s)) AS by_value,
	   bool_and(segment_predict_value('spend', s)
				= segment_predict_value('spend', preprocess(model('spend'), s))) AS by_array,
	   bool_and(segment_predict_value(model('spend'), preprocess(model('spend'), s))
				= segment_predict_value('spend', s)) AS bytes_array,
	   bool_and(segment_predict('spend', s)::float8 = segment_predict_value('spend', s)) AS as_text
FROM spend s;
SELECT model_kind(model('spend')) AS kind, model_info(model('spend'))->>'learner' AS learner,
	   model_info(model('spend'))->'hidden' AS hidden;

-- if_better compares R2 for regressors
SELECT r->'deployed' AS deployed,
	   r->>'deploy_reason' LIKE 'on the same % test rows, test R2 % < the deployed version 1''s %' AS reason,
	   (r->'deployment'->>'previous_score')::float8
		 = (model_metrics('spend', 1)->>'r2')::float8 AS previous_same
FROM (SELECT segment_train('spend', 'spend', 'next_spend', features => '{tenure}',
						   hidden => '{2}', epochs => 1) AS r) s;

-- a train part of more than 100,000 rows is scored on 100,000 of them, evenly
-- spaced; its figures stay those of every train row within sampling error
CREATE TABLE big_train AS
SELECT i AS id, ((i * 7919) % 1000) / 500.0 - 1 AS x, ((i * 104729) % 997) / 498.5 - 1 AS y,
	   CASE WHEN ((i * 7919) % 1000) / 500.0 - 1 + ((i * 31) % 17) / 20.0 - 0.4 > 0 THEN 'a' ELSE 'b' END AS label
FROM generate_series(1::bigint, 140000) i;
CREATE TEMP TABLE big_train_report AS
SELECT segment_train('big_train', 'big_train', 'label', exclude => '{id}', model => 'logistic',
					 validation_size => 0) AS r;
SELECT (r->'train'->>'rows')::int = (SELECT count(*) FROM big_train t
									 WHERE split_part('big_train', t) = 'train') AS all_rows_counted,
	   (r->'train'->>'scored_rows')::int AS scored_rows,
	   abs((r->'train'->>'accuracy')::float8 -
		   (SELECT avg((segment_predict('big_train', t) = label)::int) FROM big_train t
			WHERE split_part('big_train', t) = 'train')) < 0.01 AS accuracy_of_every_train_row,
	   r->'test'->'scored_rows' IS NULL AS test_scored_whole
FROM big_train_report;

-- if_better after the labelling rule changed: the deployed version is scored
-- on today's labels, so a new version whose own score is below the deployed
-- version's stored one still replaces it when it does better on today's rows
CREATE TABLE drift AS
SELECT i AS id, ((i * 7919) % 1000) / 500.0 - 1 AS x, ((i * 104729) % 997) / 498.5 - 1 AS y,
	   CASE WHEN ((i * 7919) % 1000) / 500.0 - 1 > 0 THEN 'a' ELSE 'b' END AS label
FROM generate_series(1, 2000) i;
SELECT segment_train('drift', 'drift', 'label', exclude => '{id}', model => 'logistic')->'deployed';
UPDATE drift SET label = CASE WHEN (y > 0) <> (id % 8 = 0) THEN 'a' ELSE 'b' END;
SELECT r->'deployed' AS deployed,
	   (r->'test'->>'macro_f1')::float8 < (model_metrics('drift', 1)->>'macro_f1')::float8
		 AS below_stored_score,
	   (r->'deployment'->>'previous_score')::float8 < 0.7 AS previous_rescored_low,
	   r->>'deploy_reason' LIKE 'on the same 400 test rows, test macro-F1 % >= the deployed version 1''s %'
		 AS reason
FROM (SELECT segment_train('drift', 'drift', 'label', exclude => '{id}', model => 'logistic') AS r) s;
SELECT version FROM segment.models WHERE name = 'drift' AND deployed;
-- a deployed version that cannot read today's rows is replaced, and the report says why
ALTER TABLE drift DROP COLUMN x;
SELECT r->'deployed' AS deployed, r->>'deploy_reason' AS reason
FROM (SELECT segment_train('drift', 'drift', 'label', exclude => '{id}', model => 'logistic') AS r) s;

-- an integer label: few values name classes, many values are a target
CREATE TABLE counts AS
SELECT i AS id, (i % 50)::float8 AS x, (i % 50) * 2 + i % 3 AS many, (i % 50 > 25)::int AS few
FROM generate_series(1, 2000) i;
SELECT r->>'task' AS task, r->>'task_reason' AS why
FROM (SELECT segment_train('many', 'counts', 'many', features => '{x}', epochs => 3) AS r) s;
SELECT r->>'task' AS task, r->>'task_reason' AS why
FROM (SELECT segment_train('few', 'counts', 'few', features => '{x}', epochs => 3) AS r) s;
-- and task overrides it both ways
SELECT r->>'task' AS task, r->>'task_reason' AS why
FROM (SELECT segment_train('few_value', 'counts', 'few', features => '{x}', epochs => 3,
						   task => 'regression') AS r) s;
SELECT r->>'task' AS task, r->'classes' AS classes
FROM (SELECT segment_train('many_classes', 'counts', 'many', features => '{x}', epochs => 3,
						   task => 'classification', balance => 'none') AS r) s;

-- params take the learner's own setting names; the dedicated MLP arguments still work
SELECT r->'hyperparameters'->'hidden' AS hidden, r->'hyperparameters'->'dropout' AS dropout
FROM (SELECT segment_train('params', 'counts', 'few', features => '{x}', epochs => 2,
						   params => '{"hidden": [12, 6], "dropout": 0}') AS r) s;

-- a regressor's predictions are numbers: class functions refuse it
SELECT segment_predict_proba('spend', s) FROM spend s LIMIT 1;
SELECT segment_predict_value('params', c) FROM counts c LIMIT 1;

-- the split follows each row's key, not the scan: a table and a copy in
-- another physical order give byte-identical models, and split_part names
-- each row's part from the row alone
CREATE TABLE shuffled AS SELECT * FROM spend ORDER BY (id * 7919) % 3001;
SELECT segment_train('spend_a', 'spend', 'next_spend', exclude => '{id}', hidden => '{8}',
					 epochs => 5)->'rows' AS rows;
SELECT segment_train('spend_b', 'shuffled', 'next_spend', exclude => '{id}', hidden => '{8}',
					 epochs => 5)->'rows' AS rows;
SELECT (SELECT model FROM models WHERE name = 'spend_a')
	 = (SELECT model FROM models WHERE name = 'spend_b') AS same_model;
SELECT split_part('spend_a', s) AS part, count(*),
	   count(*) FILTER (WHERE split_part('spend_b', s) = split_part('spend_a', s)) AS same_in_b
FROM spend s GROUP BY 1 ORDER BY 1;
SELECT spec->'split'->>'key_source' AS key_source, jsonb_array_length(spec->'split'->'key') AS key_columns
FROM models WHERE name = 'spend_a';
-- the test metrics are what the predictions give on split_part's test rows
SELECT abs(1 - sum((next_spend - segment_predict_value('spend_a', s)) ^ 2)
			   / sum((next_spend - avg_spend) ^ 2)
		   - (SELECT value FROM evaluate('spend_a') WHERE class = 'r2')) < 1e-9 AS r2_reproduced
FROM spend s, (SELECT avg(next_spend) AS avg_spend FROM spend t
			   WHERE split_part('spend_a', t) = 'test') m
WHERE split_part('spend_a', s) = 'test';
-- a primary key is the default key; key names one explicitly
ALTER TABLE spend ADD PRIMARY KEY (id);
SELECT segment_train('spend_pk', 'spend', 'next_spend', exclude => '{id}', hidden => '{8}',
					 epochs => 2)->'rows' AS rows;
SELECT spec->'split'->>'key_source' AS key_source, spec->'split'->'key' AS key
FROM models m WHERE m.name = 'spend_pk';
-- a key shared by many rows groups them: each (tenure, region) lies in one part
SELECT segment_train('spend_key', 'spend', 'next_spend', exclude => '{id}', hidden => '{8}',
					 epochs => 2, key => '{tenure, region}')->'rows' AS rows;
SELECT spec->'split'->>'key_source' AS key_source, spec->'split'->'key' AS key,
	   spec->'arguments'->'key' AS stored_argument
FROM models m WHERE m.name = 'spend_key';
SELECT split_part('spend_key', s) AS part, count(DISTINCT (tenure, region)) AS keys
FROM spend s GROUP BY 1 ORDER BY 1;
-- the parts of keys of every type hashed without a function call
-- (row_hash.c) are pinned: they are those of the types' own extended hash
-- functions, so splits stored by earlier versions keep their rows
CREATE TABLE typed_keys AS
SELECT i AS id, ((i - 1) / 4 % 3)::text AS y, (i % 7)::float8 AS x,
	   -- 0 and -0, NaN and a NaN of another bit pattern: one value each, so
	   -- each pair of the same i2 (and class) is one key
	   ('{0, -0, NaN}'::float8[])[i % 4 + 1] AS f8, ((i - 1) / 4 - 50)::int2 AS i2,
	   ('{Infinity, -Infinity, 1e-310, -2.5, 1e300}'::float8[])[i % 5 + 1]
	   * CASE WHEN i % 5 < 3 THEN 1 ELSE i END AS f8b,
	   (i * 0.37 - 50)::float4 AS f4, (i * 40503 - 6000000)::int4 AS i4,
	   (i::int8 - 150) * 3000000019 AS i8,
	   CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN '-0'::float8 WHEN 2 THEN 0 ELSE i * 0.75 END AS f8n
FROM generate_series(1, 403) i;
UPDATE typed_keys SET f8 = -'NaN'::float8 WHERE id % 4 = 3;
SELECT segment_train('keys_f8', 'typed_keys', 'y', features => '{x}', key => '{f8, i2}',
					 hidden => '{4}', epochs => 1)->'rows' AS rows;
SELECT segment_train('keys_num', 'typed_keys', 'y', features => '{x}', key => '{f8b, f4, i4, i8}',
					 hidden => '{4}', epochs => 1)->'rows' AS rows;
-- float8 features as the key are hashed from the loaded rows after the scan
-- (dataset.c), NULLs included: split_part, which hashes one row, agrees
SELECT segment_train('keys_loaded', 'typed_keys', 'y', features => '{x, f8n}', key => '{x, f8n}',
					 hidden => '{4}', epochs => 1)->'rows' AS rows;
SELECT split_part('keys_loaded', t) AS part, count(*) FROM typed_keys t GROUP BY 1 ORDER BY 1;
SELECT count(*) AS keys, count(*) FILTER (WHERE parts > 1) AS split_keys
FROM (SELECT i2, f8 = 0 AS zero, count(DISTINCT split_part('keys_f8', t)) AS parts
	  FROM typed_keys t GROUP BY 1, 2) k;
SELECT md5(string_agg(left(split_part('keys_f8', t), 2), '' ORDER BY id)) AS f8_parts,
	   md5(string_agg(left(split_part('keys_num', t), 2), '' ORDER BY id)) AS number_parts,
	   md5(string_agg(left(split_part('keys_loaded', t), 2), '' ORDER BY id)) AS loaded_parts
FROM typed_keys t;
-- rows of the same key share a part: two keys cannot make three parts
SELECT segment_train('bad', 'counts', 'many', features => '{x}', key => '{few}');
SELECT segment_train('bad', 'spend', 'next_spend', key => '{}');
SELECT segment_train('bad', 'spend', 'next_spend', key => '{nope}');
SELECT segment_train('bad', 'spend', 'next_spend', key => '{id, id}');
CREATE TABLE json_key AS SELECT i AS id, i::float8 AS x, (i % 2)::text AS y, '{}'::json AS j
FROM generate_series(1, 100) i;
SELECT segment_train('bad', 'json_key', 'y', features => '{x}', key => '{j}');
-- split_part's own bad input
SELECT split_part('nope', s) FROM spend s LIMIT 1;
SELECT split_part('spend_a', s, 99) FROM spend s LIMIT 1;
SELECT split_part('spend_a', r) FROM (SELECT 1 AS id) r;
SELECT split_part('spend_a', NULL::spend);
SELECT split_part(NULL, s) FROM spend s LIMIT 1;
SELECT save_model('no_split', scaler_fit(ARRAY[x])) FROM counts;
SELECT split_part('no_split', c) FROM counts c LIMIT 1;

-- logistic regression, and model => 'auto' comparing learners on one split
-- (its training loss is the mean log loss of the train rows, as the MLP's:
-- unweighted here, it is the train part's log loss)
SELECT r->>'model' AS model, (r->'test'->>'accuracy')::float8 > 0.9 AS accurate,
	   r->'hyperparameters'->>'C' AS c, r->'test' ? 'roc_auc' AS has_roc_auc,
	   abs((r->'train'->>'loss')::float8 - (r->'train'->>'log_loss')::float8) < 1e-9
	   AS loss_is_mean_log_loss
FROM (SELECT segment_train('few_logit', 'counts', 'few', features => '{x}', model => 'logistic',
						   balance => 'none') AS r) s;
SELECT r->>'model' IN ('logistic', 'mlp') AS model_ok,
	   (SELECT array_agg(DISTINCT t->'config'->>'model') FROM jsonb_array_elements(r->'trials') t) AS tried,
	   r->'choice' ? 'reason' AS has_reason
FROM (SELECT segment_train('few_auto', 'counts', 'few', features => '{x}', model => 'auto',
						   params => '{"mlp": {"epochs": 3}, "logistic": {"C": 0.5}}') AS r) s;
SELECT count(*) AS candidates FROM jsonb_array_elements(
	(SELECT segment_train('spend_auto', 'spend', 'next_spend', exclude => '{id}', model => 'auto',
						  params => '{"mlp": {"epochs": 3}}'))->'trials');

-- cross-validation: each candidate scored by the mean over k folds of the
-- train and validation rows; the kept one then trained as usual
SELECT r->>'schedule' AS schedule, r->'rows' AS rows,
	   (SELECT array_agg((t->>'cv_folds')::int) FROM jsonb_array_elements(r->'trials') t) AS folds,
	   (SELECT bool_and((t->>'cv_std')::float8 >= 0) FROM jsonb_array_elements(r->'trials') t) AS has_std,
	   r->'choice'->>'reason' ~ 'folds' AS by_folds
FROM (SELECT segment_train('few_cv', 'counts', 'few', features => '{x}', model => 'logistic',
						   cv => 4, search => '{"C": [0.01, 1]}') AS r) s;
SELECT segment_train('bad', 'counts', 'few', cv => 1);
SELECT segment_train('bad', 'counts', 'few', cv => 21);

-- feature importance: permutation on the test rows read again by their keys
SELECT feature, importance > 0.01 AS matters, std >= 0 AS has_std, split_gain IS NULL AS no_gain
FROM feature_importance('few_logit');
SELECT count(*) AS columns, bool_and(importance IS NOT NULL) AS all_scored
FROM feature_importance('spend_a', repeats => 2);
-- explanations: logistic contributions add up to the margin (two classes: log-odds of the second)
SELECT feature, class FROM explain('few_logit', (SELECT c FROM counts c WHERE id = 7));
SELECT abs((SELECT sum(contribution) FROM explain('few_logit', c))
		   - ln((p->>'1')::float8 / (p->>'0')::float8)) < 1e-9 AS adds_up_to_log_odds
FROM counts c, segment_predict_proba('few_logit', c) p
WHERE c.id = 7;
SELECT explain('spend_a', s) FROM spend s LIMIT 1;
SELECT * FROM feature_importance('few_logit', repeats => 0);
SELECT * FROM feature_importance('few_logit', repeats => NULL);
SELECT * FROM feature_importance('nope');
SELECT * FROM feature_importance(NULL);
SELECT * FROM explain('nope', (SELECT c FROM counts c LIMIT 1));
-- versions are numbered from 1, as for segment.model and deploy
SELECT * FROM explain('few_logit', (SELECT c FROM counts c LIMIT 1), version => 0);
SELECT * FROM explain('few_logit', NULL::counts);
SELECT explain('few_logit', r) FROM (SELECT 1 AS id) r;
SELECT save_model('just_scaler', scaler_fit(ARRAY[x])) FROM counts;
SELECT * FROM feature_importance('just_scaler');
SELECT * FROM explain('just_scaler', (SELECT c FROM counts c LIMIT 1));
CREATE TABLE gone AS SELECT * FROM counts;
SELECT segment_train('gone', 'gone', 'few', features => '{x}', model => 'logistic')->'version';
DROP TABLE gone;
SELECT * FROM feature_importance('gone');
SELECT segment_train('bad', 'counts', 'few', model => 'auto', search => '{"C": [1, 2]}');
SELECT segment_train('bad', 'counts', 'few', model => 'auto', params => '{"C": 1}');
SELECT segment_train('bad', 'counts', 'few', model => 'auto', params => '{"logistic": {"C": 0}}');
SELECT segment_train('bad', 'counts', 'few', model => 'logistic', hidden => '{4}');
SELECT segment_train('bad', 'spend', 'next_spend', model => 'logistic');

-- bad input
SELECT segment_train('bad', 'spend', 'next_spend', model => 'forest');
SELECT segment_train('bad', 'spend', 'next_spend', model => NULL);
SELECT segment_train('bad', 'spend', 'next_spend', task => 'ranking');
SELECT segment_train('bad', 'spend', 'next_spend', task => NULL);
SELECT segment_train('bad', 'spend', 'region', task => 'regression');
SELECT segment_train('bad', 'spend', 'next_spend', params => '[1]');
SELECT segment_train('bad', 'spend', 'next_spend', params => '{"max_iter": 5}');
SELECT segment_train('bad', 'spend', 'next_spend', params => '{"hidden": 5}');
SELECT segment_train('bad', 'spend', 'next_spend', params => '{"hidden": [5, 0]}');
SELECT segment_train('bad', 'spend', 'next_spend', params => '{"hidden": ["a"]}');
SELECT segment_train('bad', 'spend', 'next_spend', params => '{"dropout": 1}');
SELECT segment_train('bad', 'spend', 'next_spend', params => '{"dropout": "high"}');
SELECT segment_train('bad', 'spend', 'next_spend', params => '{"batch_norm": 1}');
SELECT segment_train('bad', 'spend', 'next_spend', params => '{"epochs": 2.5}');
SELECT segment_train('bad', 'spend', 'next_spend', params => '{"epochs": 3}', epochs => 3);
SELECT segment_train('bad', 'spend', 'next_spend', balance => 'smote');
-- a label of 10,000 distinct values is no set of classes
CREATE TABLE wide AS SELECT i AS id, (i % 7)::float8 AS x, i * 1.5 AS y FROM generate_series(1, 10000) i;
SELECT segment_train('bad', 'wide', 'y', features => '{x}', task => 'classification');
-- NaN and infinite targets, a NaN class
CREATE TABLE nan_target AS SELECT i AS id, i::float8 AS x, CASE WHEN i = 7 THEN 'NaN' ELSE i * 2.0 END::float8 AS y
FROM generate_series(1, 100) i;
SELECT segment_train('bad', 'nan_target', 'y', features => '{x}');
UPDATE nan_target SET y = 'Infinity' WHERE id = 7;
SELECT segment_train('bad', 'nan_target', 'y', features => '{x}');
CREATE TABLE nan_class AS SELECT i AS id, i::float8 AS x, CASE WHEN i = 7 THEN 'NaN'::float8 ELSE i % 2 END AS y
FROM generate_series(1, 100) i;
SELECT segment_train('bad', 'nan_class', 'y', features => '{x}', task => 'classification');
-- constant features: a warning each; nothing left to learn from: an error
CREATE TABLE flat AS SELECT i AS id, 1.0::float8 AS c, NULL::float8 AS n, i::float8 AS x, i % 2 AS y
FROM generate_series(1, 200) i;
SET client_min_messages = warning;
SELECT segment_train('flat', 'flat', 'y', features => '{c,n,x}', epochs => 1)->'version' AS version;
SELECT segment_train('bad', 'flat', 'y', features => '{c,n}', epochs => 1);
-- the registry is unchanged by every failure above
SELECT count(*) FROM models WHERE name = 'bad';

-- leave the shared registry as it was
SELECT sum(drop_model(name)) > 0 AS dropped
FROM (SELECT DISTINCT name FROM models WHERE name IN ('spend', 'many', 'few', 'few_value',
	  'many_classes', 'params', 'flat', 'spend_a', 'spend_b', 'spend_pk', 'spend_key', 'keys_f8', 'keys_num', 'keys_loaded',
	  'no_split', 'few_logit', 'few_auto', 'spend_auto', 'just_scaler', 'gone', 'few_cv',
	  'drift', 'big_train')) n;
DROP SCHEMA learners_test CASCADE;
