-- segment_predict with classifiers: the four forms agree, probabilities,
-- labels in the training spelling, imputation and unseen categories, the
-- test split's accuracy reproduced from predictions, bad input
CREATE SCHEMA predict_classifier_test;
SET search_path = predict_classifier_test, segment, public;
SET extra_float_digits = 0;
\set VERBOSITY terse

CREATE TABLE accounts AS
SELECT customer_id, monthly_spending, engagement_score, tenure, complaint_count,
	   purchase_frequency, discount_usage,
	   (ARRAY['north', 'south', 'east', 'west'])[1 + customer_id % 4] AS region,
	   (ARRAY['low value', 'medium value', 'high value'])[customer_segment + 1] AS tier
FROM simulate_customers(1500);

SET client_min_messages = warning;
SELECT r->>'version' AS version, (r->'test'->>'accuracy')::float8 >= 0.9 AS accurate
FROM segment_train('tier', 'accounts', 'tier', exclude => '{customer_id}', epochs => 40,
				   deploy => 'always') r;
RESET client_min_messages;

-- labels come back in the training label's spelling
SELECT segment_predict('tier', a) AS predicted, count(*) > 0 AS seen
FROM accounts a GROUP BY 1 ORDER BY 1;

-- by name or by value, from a row or from encoded features: one answer
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE by_name <> by_value OR by_name <> by_features
						OR by_name <> by_value_features) AS disagreements
FROM (SELECT segment_predict('tier', a) AS by_name,
			 segment_predict(model('tier'), a) AS by_value,
			 segment_predict('tier', preprocess(model('tier'), a)) AS by_features,
			 segment_predict(model('tier'), preprocess(model('tier'), a)) AS by_value_features
	  FROM accounts a) p;
SELECT preprocess_names(model('tier'));

-- probabilities: one per class, summing to 1, the largest is the prediction
SELECT count(*) FILTER (WHERE abs(total - 1) > 1e-9) AS not_summing_to_one,
	   count(*) FILTER (WHERE best <> predicted) AS argmax_differs,
	   min(n_classes) AS classes
FROM (SELECT (SELECT sum(value::float8) FROM jsonb_each_text(p)) AS total,
			 (SELECT key FROM jsonb_each_text(p) ORDER BY value::float8 DESC LIMIT 1) AS best,
			 (SELECT count(*) FROM jsonb_object_keys(p)) AS n_classes,
			 predicted
	  FROM (SELECT segment_predict_proba('tier', a) AS p, segment_predict('tier', a) AS predicted
			FROM accounts a) q) r;

-- the stored test accuracy is what the predictions give on the test split,
-- whose rows split_part names from each row alone (key and label)
SELECT round(accuracy(a.tier, segment_predict('tier', a))::numeric, 6)
	   = round((model_metrics('tier')->>'accuracy')::numeric, 6) AS test_accuracy_reproduced,
	   count(*) AS test_rows
FROM accounts a WHERE split_part('tier', a) = 'test';
SELECT split_part('tier', a) AS part, count(*) FROM accounts a GROUP BY 1 ORDER BY 1;
SELECT spec->'split'->>'key_source' AS key_source, spec->'split'->'key' AS key
FROM models WHERE name = 'tier' AND deployed;

-- NULLs are imputed, unseen categories encode as zeros, extra columns are ignored
SELECT segment_predict('tier', r) IS NOT NULL AS predicted
FROM (SELECT NULL::float8 AS monthly_spending, NULL::int AS engagement_score, 12 AS tenure,
			 0 AS complaint_count, 2.5 AS purchase_frequency, 0.3 AS discount_usage,
			 'mars' AS region, 'ignored' AS comment) r;

-- a new version that is not deployed does not change predictions; deploying it does
SELECT md5(string_agg(segment_predict('tier', a), ',' ORDER BY customer_id)) AS v1 FROM accounts a \gset
SET client_min_messages = warning;
SELECT r->>'version' AS version, r->>'deployed' AS deployed
FROM segment_train('tier', 'accounts', 'tier', exclude => '{customer_id}', epochs => 3,
				   hidden => '{4}', seed => 7, deploy => 'never') r;
RESET client_min_messages;
SELECT md5(string_agg(segment_predict('tier', a), ',' ORDER BY customer_id)) = :'v1' AS unchanged
FROM accounts a;
SELECT deploy('tier', 2);
SELECT md5(string_agg(segment_predict('tier', a), ',' ORDER BY customer_id)) <> :'v1' AS changed
FROM accounts a;
SELECT deploy('tier', 1);
SELECT md5(string_agg(segment_predict('tier', a), ',' ORDER BY customer_id)) = :'v1' AS back_to_v1
FROM accounts a;

-- a model value predicts as an IMMUTABLE function: in an expression index and a
-- column set by UPDATE, all agreeing with the prediction by name
SET client_min_messages = warning;
SELECT segment_train('tier_small', 'accounts', 'tier', exclude => '{customer_id}',
					 model => 'logistic') IS NOT NULL AS trained;
RESET client_min_messages;
SELECT model('tier_small') AS small_bytes \gset
CREATE INDEX accounts_small ON accounts ((segment_predict(:'small_bytes'::bytea, accounts)));
ALTER TABLE accounts ADD COLUMN stored_tier text;
UPDATE accounts a SET stored_tier = segment_predict(:'small_bytes'::bytea, a);
SELECT count(*) FILTER (WHERE stored_tier = segment_predict('tier_small', a)) = count(*)
	   AS same_as_by_name
FROM accounts a;
SET enable_seqscan = off;
SELECT count(*) > 0 AND count(*) = (SELECT count(*) FROM accounts WHERE stored_tier = 'high value')
	   AS index_agrees
FROM accounts WHERE segment_predict(:'small_bytes'::bytea, accounts) = 'high value';
RESET enable_seqscan;
DROP INDEX accounts_small;
ALTER TABLE accounts DROP COLUMN stored_tier;
SELECT drop_model('tier_small');
SELECT p.oid::regprocedure AS function, p.provolatile AS volatility
FROM pg_proc p WHERE p.pronamespace = 'segment'::regnamespace
  AND p.proname IN ('segment_predict', 'segment_predict_value', 'preprocess')
ORDER BY 1::text;

-- bad input
SELECT segment_predict('tier', ARRAY[1.0, 2.0]);
SELECT segment_predict('tier', r) FROM (SELECT 1.0 AS monthly_spending) r;
SELECT segment_predict('tier', r)
FROM (SELECT 'lots' AS monthly_spending, 1 AS engagement_score, 1 AS tenure, 0 AS complaint_count,
			 1.0 AS purchase_frequency, 0.1 AS discount_usage, 'north' AS region) r;
SELECT segment_predict('no such model', a) FROM accounts a LIMIT 1;
SELECT segment_predict('tier', a) FROM accounts a WHERE false;
-- kind mismatches: k-means functions on a classifier, classifier reports on k-means
SET client_min_messages = warning;
SELECT k FROM kmeans_fit('clusters', 'accounts', ARRAY['monthly_spending', 'engagement_score'], k => '{3}');
RESET client_min_messages;
SELECT * FROM centroids('tier');
SELECT * FROM profile('tier', 'accounts');
SELECT * FROM evaluate('clusters');
SELECT * FROM confusion_matrix('clusters');
SELECT segment_predict('clusters', a) ~ '^[0-2]$' AS cluster_number FROM accounts a LIMIT 1;

SELECT drop_model('tier') + drop_model('clusters') AS dropped;
