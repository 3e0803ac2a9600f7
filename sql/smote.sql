-- segment.smote_table: balanced copies, strategies, SMOTE-NC, determinism, bad input
-- a schema of its own: the regression database is shared by every test file
CREATE SCHEMA smote_test;
SET search_path = smote_test, segment, public;
SET extra_float_digits = 0;

CREATE TABLE customers AS SELECT * FROM simulate_customers(1500);

-- 'auto': every class up to the majority; original rows kept, synthetic flagged
SELECT * FROM smote_table('customers', 'customer_segment', 'customers_balanced',
                          features => '{monthly_spending,engagement_score,tenure,complaint_count,purchase_frequency,discount_usage}');
SELECT customer_segment, synthetic, count(*) FROM customers_balanced GROUP BY 1, 2 ORDER BY 1, 2;

-- the target has the source's columns and types plus synthetic; the original rows are intact
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'customers_balanced'::regclass AND attnum > 0 ORDER BY attnum;
SELECT count(*) AS originals_unchanged FROM (
	SELECT * FROM customers
	INTERSECT ALL
	SELECT customer_id, monthly_spending, engagement_score, tenure, complaint_count,
	       purchase_frequency, discount_usage, customer_segment
	FROM customers_balanced WHERE NOT synthetic) s;

-- synthetic rows: no id (not a feature), whole numbers in integer columns,
-- every value within its class's range
SELECT count(*) FILTER (WHERE customer_id IS NOT NULL) AS ids_set,
       count(*) FILTER (WHERE engagement_score IS NULL OR monthly_spending IS NULL) AS features_missing
FROM customers_balanced WHERE synthetic;
SELECT b.customer_segment,
       bool_and(b.engagement_score BETWEEN r.min_e AND r.max_e
                AND b.monthly_spending BETWEEN r.min_m AND r.max_m
                AND b.discount_usage BETWEEN r.min_d AND r.max_d) AS within_class_range
FROM customers_balanced b
JOIN (SELECT customer_segment, min(engagement_score) min_e, max(engagement_score) max_e,
             min(monthly_spending) min_m, max(monthly_spending) max_m,
             min(discount_usage) min_d, max(discount_usage) max_d
      FROM customers GROUP BY 1) r USING (customer_segment)
WHERE b.synthetic GROUP BY 1 ORDER BY 1;

-- determinism: the same seed gives the same rows, another seed other rows
SELECT count(*) FROM smote_table('customers', 'customer_segment', 'customers_again',
                                 features => '{monthly_spending,engagement_score,tenure,complaint_count,purchase_frequency,discount_usage}');
SELECT count(*) AS rows_differing FROM (
	(SELECT * FROM customers_balanced EXCEPT ALL SELECT * FROM customers_again)
	UNION ALL
	(SELECT * FROM customers_again EXCEPT ALL SELECT * FROM customers_balanced)) d;
SELECT count(*) FROM smote_table('customers', 'customer_segment', 'customers_seed7', seed => 7,
                                 features => '{monthly_spending,engagement_score,tenure,complaint_count,purchase_frequency,discount_usage}');
SELECT count(*) > 0 AS other_seed_other_rows FROM (
	SELECT * FROM customers_seed7 EXCEPT ALL SELECT * FROM customers_balanced) d;

-- the same rows in another physical order give the same rows
CREATE TABLE customers_shuffled AS SELECT * FROM customers ORDER BY md5(customer_id::text);
SELECT count(*) FROM smote_table('customers_shuffled', 'customer_segment', 'shuffled_balanced',
                                 features => '{monthly_spending,engagement_score,tenure,complaint_count,purchase_frequency,discount_usage}');
SELECT count(*) AS rows_differing FROM (
	(SELECT * FROM customers_balanced EXCEPT ALL SELECT * FROM shuffled_balanced)
	UNION ALL
	(SELECT * FROM shuffled_balanced EXCEPT ALL SELECT * FROM customers_balanced)) d;

-- strategies, as imbalanced-learn
SELECT * FROM smote_table('customers', 'customer_segment', 's_minority', sampling_strategy => 'minority');
SELECT * FROM smote_table('customers', 'customer_segment', 's_not_minority', sampling_strategy => 'not minority');
SELECT * FROM smote_table('customers', 'customer_segment', 's_all', sampling_strategy => 'all');
SELECT * FROM smote_table('customers', 'customer_segment', 's_json', sampling_strategy => '{"1": 500, "2": 200}');
CREATE VIEW two_classes AS SELECT * FROM customers WHERE customer_segment IN (0, 2);
SELECT * FROM smote_table('two_classes', 'customer_segment', 's_ratio', sampling_strategy => '0.5',
                          features => '{monthly_spending,tenure}');

-- SMOTE-NC: text and boolean features; their values come from the neighbours
CREATE TABLE accounts AS
SELECT customer_id, monthly_spending, tenure,
       CASE WHEN customer_segment = 2 AND customer_id % 5 <> 0 THEN 'north'
            ELSE (ARRAY['north','south','east','west'])[1 + customer_id % 4] END AS region,
       CASE WHEN customer_segment = 2 THEN 'gold' WHEN customer_id % 3 = 0 THEN 'silver' ELSE 'basic' END::varchar(8) AS plan,
       customer_segment > 0 AS active,
       CASE customer_segment WHEN 0 THEN 'low' WHEN 1 THEN 'medium' ELSE 'high' END AS tier
FROM customers;
SELECT * FROM smote_table('accounts', 'tier', 'accounts_balanced', k_neighbors => 3,
                          features => '{monthly_spending,tenure,region,plan,active}');
SELECT tier, plan, active, count(*) FROM accounts_balanced WHERE synthetic GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT tier, region, count(*) FROM accounts_balanced WHERE synthetic AND tier = 'high' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT format_type(atttypid, atttypmod) AS plan_type FROM pg_attribute
WHERE attrelid = 'accounts_balanced'::regclass AND attname = 'plan';

-- a target name that needs quoting, and a schema-qualified one
CREATE SCHEMA "odd schema";
SELECT count(*) FROM smote_table('customers', 'customer_segment', '"odd schema"."a""; drop table customers; --"',
                                 features => '{monthly_spending,tenure}');
SELECT count(*) FROM "odd schema"."a""; drop table customers; --";
SELECT count(*) AS customers_still_there FROM customers;

-- bad input: each error on its own, and no table left behind
SELECT * FROM smote_table('no_such_table', 'customer_segment', 'x1');
SELECT * FROM smote_table('customers', 'no_such_column', 'x1');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', features => '{monthly_spending,nope}');
SELECT * FROM smote_table('customers', 'customer_segment', 'customers_balanced');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', k_neighbors => 0);
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', k_neighbors => 100);
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => 'majority');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => '0.5');
SELECT * FROM smote_table('two_classes', 'customer_segment', 'x1', sampling_strategy => '0.01', features => '{tenure}');
SELECT * FROM smote_table('two_classes', 'customer_segment', 'x1', sampling_strategy => '1.5', features => '{tenure}');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => '{"1": 10}');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => '{"7": 2000}');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => '{"1": "many"}');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => '{"1": 500.5}');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => '{"1": 500');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => '[1, 2]');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => NULL);
SELECT * FROM smote_table('customers', NULL, 'x1');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', k_neighbors => NULL);
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', features => '{customer_segment}');
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', features => '{}');
SELECT * FROM smote_table('accounts', 'tier', 'x1', features => '{region,plan}');

CREATE TABLE one_class AS SELECT * FROM customers WHERE customer_segment = 1;
SELECT * FROM smote_table('one_class', 'customer_segment', 'x1');
CREATE TABLE no_rows AS SELECT * FROM customers WHERE false;
SELECT * FROM smote_table('no_rows', 'customer_segment', 'x1');
CREATE TABLE null_labels AS SELECT * FROM customers;
UPDATE null_labels SET customer_segment = NULL WHERE customer_id % 100 = 0;
SELECT * FROM smote_table('null_labels', 'customer_segment', 'x1');
CREATE TABLE null_features AS SELECT * FROM customers;
UPDATE null_features SET tenure = NULL WHERE customer_id % 250 = 0;
SELECT * FROM smote_table('null_features', 'customer_segment', 'x1');
CREATE TABLE nan_features AS SELECT * FROM customers;
UPDATE nan_features SET monthly_spending = 'NaN' WHERE customer_id = 10;
SELECT * FROM smote_table('nan_features', 'customer_segment', 'x1');
UPDATE nan_features SET monthly_spending = '-Infinity' WHERE customer_id = 10;
SELECT * FROM smote_table('nan_features', 'customer_segment', 'x1');
CREATE TABLE dated AS SELECT *, date '2024-01-01' + customer_id AS signed_up FROM customers;
SELECT * FROM smote_table('dated', 'customer_segment', 'x1');
CREATE TABLE has_flag AS SELECT *, true AS synthetic FROM customers;
SELECT * FROM smote_table('has_flag', 'customer_segment', 'x1', features => '{tenure}');
SELECT count(*) AS leftover_tables FROM pg_class WHERE relname = 'x1';

-- the writer with domains (a domain's check runs on every synthetic
-- value, across the writer's batches of 1,000 rows), a numeric(p, s)
-- domain, an enum label, a text domain, an array column and a generated
-- column (CREATE TABLE AS makes it a plain column)
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TABLE with_domain AS
SELECT g % 3 AS lab, (g % 97)::numeric AS n, (g % 50 + 1)::positive_int AS d
FROM generate_series(1, 3000) g WHERE g % 3 = 0 OR g % 10 = 0;
SELECT * FROM smote_table('with_domain', 'lab', 'with_domain_balanced');
SELECT synthetic, count(*), min(d) >= 1 AS positive, pg_typeof(min(d)) AS type
FROM with_domain_balanced GROUP BY synthetic ORDER BY synthetic;
CREATE TYPE value_tier AS ENUM ('low', 'mid', 'high');
CREATE DOMAIN amount AS numeric(7, 2) CHECK (VALUE >= 0);
CREATE DOMAIN region AS text CHECK (VALUE IN ('north', 'south', 'west'));
CREATE TABLE typed (
	id integer GENERATED ALWAYS AS IDENTITY,
	tier value_tier,
	spend amount,
	area region,
	tags text[],
	doubled float8 GENERATED ALWAYS AS (spend * 2) STORED,
	visits float8);
INSERT INTO typed (tier, spend, area, tags, visits)
SELECT (CASE WHEN i % 10 = 0 THEN 'high' WHEN i % 4 = 0 THEN 'mid' ELSE 'low' END)::value_tier,
	   (i % 500) / 3.0, (ARRAY['north', 'south', 'west'])[1 + i % 3], ARRAY['t' || i % 2], i % 17
FROM generate_series(1, 2500) i;
SELECT * FROM smote_table('typed', 'tier', 'typed_balanced', features => '{spend,area,visits}');
SELECT synthetic, tier, count(*), min(spend) >= 0 AS in_domain, max(scale(spend)) AS max_scale,
	   count(DISTINCT area) AS areas, count(tags) AS tags, count(doubled) AS doubled
FROM typed_balanced GROUP BY 1, 2 ORDER BY 1, 2;
SELECT pg_typeof(tier) AS tier, pg_typeof(spend) AS spend, pg_typeof(area) AS area
FROM typed_balanced LIMIT 1;
-- a domain whose check the synthetic values break: a clear error, no table
CREATE DOMAIN round_ten AS integer CHECK (VALUE % 10 = 0);
CREATE TABLE tight AS
SELECT g % 3 AS lab, (10 * g)::round_ten AS v FROM generate_series(1, 3000) g
WHERE g % 3 = 0 OR g % 10 = 0;
SELECT * FROM smote_table('tight', 'lab', 'tight_balanced');
SELECT count(*) AS leftover_tables FROM pg_class WHERE relname = 'tight_balanced';

-- a cancelled run leaves nothing behind
CREATE TABLE many AS
SELECT g AS id, random() AS a, random() AS b, random() AS c, (g % 10 = 0)::int AS label
FROM generate_series(1, 400000) g;
SET statement_timeout = '100ms';
\set SHOW_CONTEXT never
SELECT * FROM smote_table('many', 'label', 'many_balanced', features => '{a,b,c}');
\set SHOW_CONTEXT errors
RESET statement_timeout;
SELECT count(*) AS leftover_tables FROM pg_class WHERE relname = 'many_balanced';

-- the memory limit is honoured and the error says what was needed
SET segment.memory_limit = '1MB';
SELECT * FROM smote_table('customers', 'customer_segment', 'x1', sampling_strategy => '{"2": 1000000}');
RESET segment.memory_limit;
