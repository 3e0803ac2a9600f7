-- The demo's pipeline, run by scripts/demo.sh against its own cluster.
\pset footer off
CREATE EXTENSION IF NOT EXISTS segment;
SET search_path = segment, public;

\echo
\echo '== 1. Sample customers: 10,000 rows =='
SET client_min_messages = warning;
DROP TABLE IF EXISTS customers CASCADE;
RESET client_min_messages;
CREATE TABLE public.customers AS SELECT * FROM simulate_customers(10000, 42);
ALTER TABLE customers ADD PRIMARY KEY (customer_id);
-- a text column and some gaps, as real customer tables have
ALTER TABLE customers ADD COLUMN region text;
UPDATE customers SET region = (ARRAY['north', 'south', 'east', 'west'])[1 + customer_id % 4];
UPDATE customers SET region = NULL, tenure = NULL WHERE customer_id % 97 = 0;
SELECT * FROM customers ORDER BY customer_id LIMIT 5;

\echo '== 2. Segments: value tiers are imbalanced =='
SELECT customer_segment AS segment,
       CASE customer_segment WHEN 0 THEN 'low value' WHEN 1 THEN 'medium value' ELSE 'high value' END AS tier,
       count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct,
       round(avg(monthly_spending)::numeric, 2) AS avg_spend,
       round(avg(purchase_frequency)::numeric, 2) AS avg_purchases,
       round(avg(engagement_score)::numeric, 1) AS avg_engagement,
       round(avg(discount_usage)::numeric, 3) AS avg_discount
FROM customers GROUP BY customer_segment ORDER BY customer_segment;

\echo '== 3. Preprocessing fitted on a training split (80%): impute, one-hot, scale =='
CREATE OR REPLACE VIEW public.customers_train AS SELECT * FROM customers WHERE customer_id % 5 <> 0;
SELECT save_model('customer_features',
                  preprocess_fit('customers_train',
                                 '{monthly_spending,engagement_score,tenure,complaint_count,purchase_frequency,discount_usage,region}'),
                  spec => '{"relation": "customers_train"}') AS registered_version;
SELECT c->>'name' AS feature, c->>'kind' AS kind,
       round((c->>'mean')::numeric, 3) AS mean, round((c->>'scale')::numeric, 3) AS scale,
       c->'categories' AS categories, c->'has_missing' AS has_missing
FROM jsonb_array_elements(model_info(model('customer_features'))->'columns') c;

\echo '== 4. Encoded features of held-out customers (by column name, from any query) =='
SELECT customer_id, region, tenure,
       (SELECT array_agg(round(v::numeric, 2)) FROM unnest(preprocess(model('customer_features'), c)) v) AS encoded
FROM customers c WHERE customer_id % 5 = 0 ORDER BY customer_id LIMIT 5;
SELECT preprocess_names(model('customer_features')) AS encoded_feature_names;

\echo '== 5. Standard scaler as a parallel aggregate =='
SELECT jsonb_pretty(model_info(scaler_fit(ARRAY[monthly_spending, purchase_frequency, engagement_score]))
                    - 'format_version' - 'bytes') AS scaler
FROM customers;

\echo '== 6. Training the value-tier classifier (MLP; split, preprocessing and balancing inside) =='
SET client_min_messages = warning;   -- one NOTICE per epoch otherwise
SELECT r->>'version' AS version, r->>'deployed' AS deployed,
       r->'balance'->>'chosen' AS balance, r->'balance'->>'reason' AS why,
       r->>'best_epoch' AS best_epoch, r->'rows' AS rows,
       round((r->'test'->>'accuracy')::numeric, 4) AS test_accuracy,
       round((r->'test'->>'macro_f1')::numeric, 4) AS test_macro_f1
FROM segment_train('value_tier', 'customers', 'customer_segment', exclude => '{customer_id}') r;
RESET client_min_messages;

\echo '== 7. Honest evaluation on the held-out test split =='
SELECT class, round(precision::numeric, 3) AS precision, round(recall::numeric, 3) AS recall,
       round(f1::numeric, 3) AS f1, support
FROM evaluate('value_tier');
SELECT actual, sum(count) FILTER (WHERE predicted = '0') AS "predicted 0",
       sum(count) FILTER (WHERE predicted = '1') AS "predicted 1",
       sum(count) FILTER (WHERE predicted = '2') AS "predicted 2"
FROM confusion_matrix('value_tier') GROUP BY actual ORDER BY actual;

\echo '== 8. Predicting: a row in, a segment out, from any query =='
SELECT customer_id, monthly_spending, engagement_score, customer_segment AS actual,
       segment_predict('value_tier', c) AS predicted,
       (SELECT jsonb_object_agg(key, round(value::numeric, 3))
        FROM jsonb_each_text(segment_predict_proba('value_tier', c))) AS probabilities
FROM customers c WHERE customer_id IN (5, 10, 15, 20, 25, 30) ORDER BY customer_id;
\timing on
SELECT segment_predict('value_tier', c) AS predicted_segment, count(*) AS customers
FROM customers c GROUP BY 1 ORDER BY 1;
\timing off

\echo '== 9. A regressor: monthly spending from the other columns (R2, MAE on the test split) =='
SET client_min_messages = warning;
SELECT r->>'version' AS version, r->>'task' AS task, r->'rows' AS rows,
       round((r->'test'->>'r2')::numeric, 4) AS test_r2, round((r->'test'->>'mae')::numeric, 2) AS test_mae,
       round((r->'test'->'baseline'->>'mae')::numeric, 2) AS baseline_mae
FROM segment_train('spend', 'customers', 'monthly_spending', exclude => '{customer_id}') r;
RESET client_min_messages;

\echo '== 10. Personas: k-means++ over standardised features, k chosen by silhouette =='
SET client_min_messages = warning;
SELECT k, round(inertia::numeric, 1) AS inertia, round(silhouette::numeric, 4) AS silhouette, chosen
FROM kmeans_fit('personas', 'customers',
                ARRAY['monthly_spending', 'engagement_score', 'purchase_frequency', 'discount_usage'],
                k => '{2,3,4,5,6}',
                roles => '{"monetary": "monthly_spending", "frequency": "purchase_frequency"}');
RESET client_min_messages;
-- the profile stored with the model: a label and a suggested action per cluster
SELECT cluster, size, round(share::numeric, 3) AS share, label, action,
       (SELECT jsonb_object_agg(key, round(value::numeric, 2)) FROM jsonb_each_text(means)) AS means
FROM personas('personas') ORDER BY cluster;
-- per customer, and as a view a BI tool reads like a table
SELECT customer_id, (persona('personas', c)).* FROM customers c WHERE customer_id <= 5;
SELECT create_segment_view('public.customers_personas', 'customers', 'personas');
SELECT segment, persona, action, count(*) FROM public.customers_personas GROUP BY 1, 2, 3 ORDER BY 1;

\echo '== 11. Balancing the training split with SMOTE (rare tiers up to the majority) =='
SET client_min_messages = warning;
DROP TABLE IF EXISTS customers_train_balanced;
RESET client_min_messages;
SELECT class AS segment, rows_before, rows_after
FROM smote_table('customers_train', 'customer_segment', 'public.customers_train_balanced',
                 features => '{monthly_spending,engagement_score,complaint_count,purchase_frequency,discount_usage}');

\echo '== 12. Model registry =='
SELECT name, version, kind, deployed, created_by, length(model) AS bytes FROM segment.models ORDER BY name, version;
