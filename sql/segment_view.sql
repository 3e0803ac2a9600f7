-- Views for BI tools: segment.create_segment_view
CREATE SCHEMA views_test;
SET search_path = views_test, segment, public;
SET extra_float_digits = 0;
\set VERBOSITY terse

CREATE TABLE shoppers AS
SELECT i AS customer_id,
	   (ARRAY[900, 600, 60, 200])[1 + i % 4] + (i * 37) % 50 AS total_spent,
	   (ARRAY[30, 20, 3, 5])[1 + i % 4] + (i * 11) % 4 AS num_purchases,
	   ((ARRAY[10, 150, 40, 200])[1 + i % 4] + (i * 7) % 9)::float8 AS last_purchase_days
FROM generate_series(1, 200) i;
ALTER TABLE shoppers ADD PRIMARY KEY (customer_id);
SET client_min_messages = warning;
SELECT k FROM kmeans_fit('shop_personas', 'shoppers', '{total_spent,num_purchases,last_purchase_days}',
						 k => '{4}', roles => '{"monetary": "total_spent", "frequency": "num_purchases", "recency": "last_purchase_days"}')
WHERE chosen;
RESET client_min_messages;

-- a plain view: every column of the relation, then segment, persona and action
SELECT create_segment_view('shoppers_scored', 'shoppers', 'shop_personas');
SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
WHERE attrelid = 'shoppers_scored'::regclass AND attnum > 0 ORDER BY attnum;
SELECT pg_get_viewdef('shoppers_scored'::regclass);
-- it answers what segment.persona() answers, row by row
SELECT count(*) AS rows,
	   bool_and(v.segment = (persona('shop_personas', s)).cluster) AS same_segment,
	   bool_and(v.persona = (persona('shop_personas', s)).label) AS same_persona,
	   bool_and(v.action IS NOT DISTINCT FROM (persona('shop_personas', s)).action) AS same_action
FROM shoppers_scored v JOIN shoppers s USING (customer_id);
SELECT segment, persona, action, count(*) FROM shoppers_scored GROUP BY 1, 2, 3 ORDER BY 1;
-- one customer: the filter reaches the table's index, one call of persona()
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM shoppers_scored WHERE customer_id = 42;
RESET enable_seqscan;
SELECT customer_id, segment, persona FROM shoppers_scored WHERE customer_id = 42;

-- the view reads the model by name: it follows a retraining that deploys,
-- and the stable numbers keep customer 42 in its segment with its edited persona
SELECT segment AS s42 FROM shoppers_scored WHERE customer_id = 42 \gset
SELECT set_persona('shop_personas', :s42, 'Champions') AS version;
UPDATE shoppers SET total_spent = total_spent * 1.01 WHERE customer_id % 2 = 0;
SET client_min_messages = warning;
SELECT r->'version' AS version, r->'deployed' AS deployed FROM (SELECT retrain('shop_personas') AS r) s;
RESET client_min_messages;
SELECT customer_id, segment = :s42 AS same_segment, persona FROM shoppers_scored WHERE customer_id = 42;
SELECT count(*) AS rows,
	   bool_and(v.segment = segment_predict('shop_personas', s)::int) AS follows_deployed
FROM shoppers_scored v JOIN shoppers s USING (customer_id);

-- key: a narrow view of the key and the segment columns
SELECT create_segment_view('views_test.shoppers_keys', 'shoppers', 'shop_personas',
						   key => 'customer_id');
SELECT attname FROM pg_attribute WHERE attrelid = 'shoppers_keys'::regclass AND attnum > 0
ORDER BY attnum;
-- a materialized copy with a unique index on the key
SELECT create_segment_view('shoppers_frozen', 'shoppers', 'shop_personas', key => 'customer_id',
						   materialized => true);
SELECT relkind FROM pg_class WHERE oid = 'shoppers_frozen'::regclass;
SELECT indexdef FROM pg_indexes WHERE tablename = 'shoppers_frozen';
SELECT count(*) FROM shoppers_frozen;
REFRESH MATERIALIZED VIEW CONCURRENTLY shoppers_frozen;
-- a refresh schedule needs pg_cron in this database: the error says where to run what
SELECT create_segment_view('shoppers_nightly', 'shoppers', 'shop_personas', key => 'customer_id',
						   materialized => true, refresh => '0 4 * * *');
SELECT to_regclass('shoppers_nightly') AS not_created;

-- a classifier adds segment and the predicted class's probability
CREATE TABLE tiers AS
SELECT customer_id, total_spent, num_purchases,
	   CASE WHEN total_spent > 500 THEN 'high' ELSE 'low' END AS tier
FROM shoppers;
SELECT segment_train('tier_model', 'tiers', 'tier', features => '{total_spent,num_purchases}',
					 model => 'logistic', balance => 'none')->'version' AS version;
SELECT create_segment_view('tiers_scored', 'tiers', 'tier_model');
SELECT count(*) AS rows,
	   bool_and(v.segment = segment_predict('tier_model', t)) AS same_class,
	   bool_and(abs(v.probability - (segment_predict_proba('tier_model', t)->>v.segment)::float8) = 0)
		 AS same_probability,
	   bool_and(v.probability >= 0.5) AS most_probable
FROM tiers_scored v JOIN tiers t USING (customer_id);
-- a regressor adds its prediction
SET client_min_messages = warning;
SELECT segment_train('spend_model', 'tiers', 'total_spent', features => '{num_purchases}',
					 hidden => '{4}', epochs => 3, task => 'regression')->'version' AS version;
RESET client_min_messages;
SELECT create_segment_view('spend_scored', 'tiers', 'spend_model', key => 'customer_id');
SELECT attname FROM pg_attribute WHERE attrelid = 'spend_scored'::regclass AND attnum > 0
ORDER BY attnum;
SELECT bool_and(v.prediction = segment_predict_value('spend_model', t)) AS same_value
FROM spend_scored v JOIN tiers t USING (customer_id);

-- dropping a model a view uses: the view stays, and its queries fail with
-- the model's error until a model of that name is deployed again
SELECT drop_model('shop_personas') > 0 AS dropped;
SELECT count(persona) FROM shoppers_scored;
-- (a query that reads no column of the model calls no function)
SELECT count(*) FROM shoppers_scored;
SELECT count(persona) FROM shoppers_frozen;
SET client_min_messages = warning;
SELECT k FROM kmeans_fit('shop_personas', 'shoppers', '{total_spent,num_purchases,last_purchase_days}',
						 k => '{4}') WHERE chosen;
RESET client_min_messages;
SELECT count(persona) FROM shoppers_scored;

-- bad input
SELECT create_segment_view(NULL, 'shoppers', 'shop_personas');
SELECT create_segment_view('v', NULL, 'shop_personas');
SELECT create_segment_view('v', 'shoppers', NULL);
SELECT create_segment_view('v', 'shoppers', 'shop_personas', materialized => NULL);
SELECT create_segment_view('v', 'shoppers', 'no_such_model');
SELECT create_segment_view('v', 'no_such_table', 'shop_personas');
SELECT create_segment_view('v', 'shoppers', 'shop_personas', key => 'nope');
SELECT create_segment_view('v', 'shoppers', 'shop_personas', refresh => '* * * * *');
SELECT create_segment_view('shoppers_scored', 'shoppers', 'shop_personas');
SELECT create_segment_view('no_such_schema.v', 'shoppers', 'shop_personas');
SELECT create_segment_view('v', 'tiers', 'shop_personas');
CREATE TABLE already AS SELECT *, 1 AS segment FROM shoppers;
SELECT create_segment_view('v', 'already', 'shop_personas');
SELECT create_segment_view('v', 'already', 'shop_personas', key => 'segment');
SELECT save_model('scaler_only', scaler_fit(ARRAY[total_spent::float8])) FROM shoppers;
SELECT create_segment_view('v', 'shoppers', 'scaler_only');
SELECT save_model('arrays_only', kmeans_fit(ARRAY[total_spent::float8], 2 ORDER BY customer_id))
FROM shoppers;
SELECT create_segment_view('v', 'shoppers', 'arrays_only');
SELECT to_regclass('views_test.v') AS none_created;
-- the caller needs CREATE on the schema, and a right to predict with the model
CREATE ROLE regress_view_maker;
GRANT USAGE ON SCHEMA views_test TO regress_view_maker;
GRANT SELECT ON shoppers TO regress_view_maker;
SET ROLE regress_view_maker;
SELECT segment.create_segment_view('views_test.mine', 'views_test.shoppers', 'shop_personas');
RESET ROLE;
SELECT grant_predict('shop_personas', 'regress_view_maker');
SET ROLE regress_view_maker;
SELECT segment.create_segment_view('views_test.mine', 'views_test.shoppers', 'shop_personas');
RESET ROLE;
GRANT CREATE ON SCHEMA views_test TO regress_view_maker;
SET ROLE regress_view_maker;
SELECT segment.create_segment_view('views_test.mine', 'views_test.shoppers', 'shop_personas');
SELECT count(*) FROM views_test.mine;
RESET ROLE;

-- leave the shared registry as it was
SELECT count(*) AS dropped FROM (
	SELECT drop_model(name) FROM (SELECT DISTINCT name FROM models
		WHERE name IN ('shop_personas', 'tier_model', 'spend_model', 'scaler_only',
					   'arrays_only')) m) d;
DROP SCHEMA views_test CASCADE;
DROP OWNED BY regress_view_maker;
DROP ROLE regress_view_maker;
