-- Safe on a shared server: the per-call memory budget, who may change the
-- limits, metric aggregates that compare by the type's equality, and
-- statistics that stay right for finite values near DBL_MAX
CREATE SCHEMA limits_test;
SET search_path = limits_test, segment, public;
SET client_min_messages = warning;	-- no per-epoch or per-k progress lines
\set VERBOSITY terse

CREATE TABLE people AS SELECT * FROM simulate_customers(2000);

------------------------------------------------------------------------
-- segment.memory_limit bounds everything a call allocates, not only the
-- loaded rows: the network, its optimizer and its activations too
------------------------------------------------------------------------
SET segment.memory_limit = '64MB';
-- 8192 x 8192 weights are 512 MB before Adam's two moments
SELECT segment_train('huge', 'people', 'customer_segment', exclude => '{customer_id}',
					 hidden => '{8192,8192}', epochs => 1);
-- 65536 x 65536 weights would be one 32 GB allocation
SELECT segment_train('huge', 'people', 'customer_segment', exclude => '{customer_id}',
					 hidden => '{65536,65536}', epochs => 1);
\set VERBOSITY default
SELECT segment_train('huge', 'people', 'customer_segment', exclude => '{customer_id}',
					 hidden => '{8192,8192}', epochs => 1);
\set VERBOSITY terse
SELECT count(*) AS huge_versions FROM models WHERE name = 'huge';
-- the same network fits a larger limit
SET segment.memory_limit = '4GB';
SELECT segment_train('small', 'people', 'customer_segment', exclude => '{customer_id}',
					 hidden => '{16}', epochs => 2)->'version' AS version;
RESET segment.memory_limit;

-- every entry point that loads or fits is bounded by the same limit
SET segment.memory_limit = '1MB';
SELECT k, chosen FROM kmeans_fit('km_tight', 'people', ARRAY['monthly_spending', 'tenure'],
								 k => '{3}', streaming => false);
SELECT kmeans_fit(ARRAY[monthly_spending, tenure], 3) IS NULL AS model_is_null
FROM people, generate_series(1, 20);
SELECT preprocess_fit('people') IS NULL AS model_is_null;
SELECT * FROM smote_table('people', 'customer_segment', 'people_balanced');
SELECT count(*) FROM simulate_customers(100000);
RESET segment.memory_limit;
-- and within a comfortable one they run
SELECT k, chosen FROM kmeans_fit('km_ok', 'people', ARRAY['monthly_spending', 'tenure'],
								 k => '{3}', streaming => false);
SELECT length(preprocess_fit('people')) > 0 AS fitted;

-- a call that fails leaves no budget behind, even when the error is caught
SET segment.memory_limit = '2MB';
DO $$
BEGIN
	PERFORM segment.preprocess_fit('limits_test.people', '{monthly_spending}')
	FROM generate_series(1, 3);
	PERFORM * FROM segment.smote_table('limits_test.people', 'customer_segment', 'caught_target',
									   sampling_strategy => '{"2": 1000000}');
EXCEPTION WHEN program_limit_exceeded THEN
	RAISE WARNING 'caught: %', SQLERRM;
END
$$;
SELECT count(*) FROM simulate_customers(10000);
SELECT length(preprocess_fit('people', '{monthly_spending}')) > 0 AS fitted_after_error;
RESET segment.memory_limit;

-- what the limit bounds is what the call encodes, not only what it loads:
-- 20,000 rows of three columns are 0.5 MB loaded, but a text column of 2,000
-- values one-hot encoded makes the train rows alone about 220 MB
CREATE TABLE wide_categories AS
SELECT i AS id, (i % 97)::float8 AS x, 'c' || (i % 2000) AS city, (i % 3 = 0) AS churned
FROM generate_series(1, 20000) i;
SET segment.memory_limit = '64MB';
SELECT segment_train('wide', 'wide_categories', 'churned', exclude => '{id}', model => 'logistic');
SELECT count(*) AS wide_versions FROM models WHERE name = 'wide';
RESET segment.memory_limit;
-- feature_importance reads the test rows again and permutes copies of
-- them: all of it within one budget (12,000 test rows are about 3 MB)
CREATE TABLE many AS SELECT * FROM simulate_customers(60000);
SELECT segment_train('many', 'many', 'customer_segment', exclude => '{customer_id}',
					 model => 'logistic')->'version' AS version;
SET segment.memory_limit = '2MB';
SELECT count(*) FROM feature_importance('many', repeats => 2);
RESET segment.memory_limit;
SELECT count(*) AS columns_ranked FROM feature_importance('many', repeats => 2);

------------------------------------------------------------------------
-- the limits are a superuser's to set (or a role granted SET on them)
------------------------------------------------------------------------
CREATE ROLE regress_limits_plain;
GRANT USAGE ON SCHEMA limits_test TO regress_limits_plain;
SET ROLE regress_limits_plain;
SET segment.memory_limit = '100GB';
SET segment.blas_threads = 8;
SHOW segment.memory_limit;
RESET ROLE;
GRANT SET ON PARAMETER segment.memory_limit TO regress_limits_plain;
SET ROLE regress_limits_plain;
SET segment.memory_limit = '2GB';
SHOW segment.memory_limit;
RESET ROLE;
RESET segment.memory_limit;
REVOKE SET ON PARAMETER segment.memory_limit FROM regress_limits_plain;
SELECT name, context FROM pg_settings WHERE name LIKE 'segment.%' ORDER BY name;

------------------------------------------------------------------------
-- metric aggregates compare with the type's equality operator
------------------------------------------------------------------------
CREATE EXTENSION IF NOT EXISTS citext;
SELECT accuracy(1.0::numeric, 1::numeric) AS numeric_scale,
	   accuracy('-0'::float8, 0::float8) AS signed_zero,
	   accuracy('A'::text, 'a'::text) AS text_case,
	   accuracy('ab '::char(4), 'ab'::char(2)) AS char_padding,
	   accuracy(2::smallint, 2.0::real) AS smallint_real,
	   accuracy(7::integer, 7::bigint) AS integer_bigint,
	   accuracy(true, 't'::boolean) AS boolean,
	   accuracy('2024-01-01'::date, '2024-01-01'::timestamp::date) AS date;
-- text, integer, bigint, numeric, double precision and boolean have forms
-- of their own (which Citus pushes down), other types the anyelement one
SELECT a.aggfnoid::regprocedure
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'segment'::regnamespace AND p.proname = 'accuracy'
ORDER BY a.aggfnoid::regprocedure::text;
-- citext reaches the text form through its cast to text, and its own
-- equality still decides for its values (case ignored) ...
SELECT accuracy(a, b) AS citext_case FROM (VALUES ('A'::citext, 'a'::citext), ('B', 'b')) v(a, b);
-- ... except between constants alone, whose cast the planner folds away
SELECT accuracy('A'::citext, 'a'::citext) AS citext_constants;
SELECT precision_score(a, p, 1.0), recall_score(a, p, 1.0), f1_score(a, p, 1.0)
FROM (VALUES (1::numeric, 1.00::numeric), (1.000, 0), (0, 1.0), (0.0, 0)) v(a, p);
SELECT f1_score(a, p, 'yes'::citext)
FROM (VALUES ('YES'::citext, 'yes'::citext), ('no', 'Yes'), ('Yes', 'NO')) v(a, p);
-- the column's collation decides, as GROUP BY would
SELECT accuracy(a COLLATE "C", b) FROM (VALUES ('x', 'x'), ('x', 'X')) v(a, b);
-- a type without an equality operator is an error, not a byte comparison
SELECT accuracy(point(1, 1), point(1, 1));
-- still parallel: a Partial Aggregate, with the serial answer
CREATE TABLE metric_rows AS
SELECT (i % 3)::numeric AS actual, ((i % 3) + CASE WHEN i % 7 = 0 THEN 1 ELSE 0 END)::numeric(6, 2) AS predicted
FROM generate_series(1, 30000) i;
ANALYZE metric_rows;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT accuracy(actual, predicted) FROM metric_rows;
SELECT accuracy(actual, predicted), f1_score(actual, predicted, 1::numeric) FROM metric_rows;
RESET max_parallel_workers_per_gather;
SELECT accuracy(actual, predicted), f1_score(actual, predicted, 1::numeric) FROM metric_rows;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

------------------------------------------------------------------------
-- finite values near DBL_MAX: right statistics or a clear error
------------------------------------------------------------------------
-- the same customers with two columns multiplied by 2^1000 (about 1e301):
-- an exact scaling, so every standardised value, and so every model
-- trained on them, must be the same as on the ordinary columns
CREATE TABLE people_big AS
SELECT customer_id, monthly_spending * 2::float8 ^ 1000 AS monthly_spending, engagement_score,
	   tenure::float8 * 2::float8 ^ 1000 AS tenure, complaint_count, purchase_frequency,
	   discount_usage, customer_segment
FROM people;
SELECT max(monthly_spending) > 1e303 AS values_near_1e303 FROM people_big;

-- preprocess_fit: scale 2^1000 times the ordinary one (it stored 1 before)
WITH small AS (SELECT model_info(preprocess_fit('people', '{monthly_spending,tenure}'))->'columns' AS c),
	 big AS (SELECT model_info(preprocess_fit('people_big', '{monthly_spending,tenure}'))->'columns' AS c)
SELECT i, (big.c->i->>'mean')::float8 = (small.c->i->>'mean')::float8 * 2::float8 ^ 1000 AS mean_scaled,
	   (big.c->i->>'scale')::float8 = (small.c->i->>'scale')::float8 * 2::float8 ^ 1000 AS scale_scaled
FROM small, big, generate_series(0, 1) i;
SELECT preprocess(preprocess_fit('people_big', '{monthly_spending,tenure}'), b)
	 = preprocess(preprocess_fit('people', '{monthly_spending,tenure}'), s) AS same_encoding
FROM people_big b JOIN people s USING (customer_id) WHERE customer_id = 17;

-- in-memory k-means: the same inertia (it registered Infinity before), from
-- the same starting centroids (four customers' rows, in each table's units);
-- the rows' order follows their values, so the sums round apart in the last bits
SELECT s.k, abs(s.inertia - b.inertia) < 1e-12 * s.inertia AS same_inertia,
	   round(b.inertia::numeric, 6) AS inertia,
	   b.chosen
FROM kmeans_fit('km_small', 'people', ARRAY['monthly_spending', 'tenure', 'engagement_score'],
				k => '{4}', streaming => false,
				init => (SELECT array_agg(ARRAY[monthly_spending, tenure, engagement_score]::float8[]
										  ORDER BY customer_id)
						 FROM people WHERE customer_id IN (1, 2, 3, 4))) s,
	 kmeans_fit('km_big', 'people_big', ARRAY['monthly_spending', 'tenure', 'engagement_score'],
				k => '{4}', streaming => false,
				init => (SELECT array_agg(ARRAY[monthly_spending, tenure, engagement_score]::float8[]
										  ORDER BY customer_id)
						 FROM people_big WHERE customer_id IN (1, 2, 3, 4))) b;
SELECT round((metrics->>'inertia')::numeric, 6) AS registered_inertia FROM models WHERE name = 'km_big';

-- segment_train: the same test macro-F1 as on the ordinary columns (the
-- overflowed variance gave scale 1 and a macro-F1 near 0.27 before); split
-- by customer_id, so that both tables have the same test rows
SELECT (b.r->'test'->'macro'->>'f1')::float8 = (s.r->'test'->'macro'->>'f1')::float8 AS same_macro_f1,
	   (b.r->'test'->'macro'->>'f1')::float8 > 0.85 AS macro_f1_high
FROM (SELECT segment_train('cls_small', 'people', 'customer_segment', exclude => '{customer_id}',
						   hidden => '{16}', epochs => 30, balance => 'class_weight',
						   key => '{customer_id}') AS r) s,
	 (SELECT segment_train('cls_big', 'people_big', 'customer_segment', exclude => '{customer_id}',
						   hidden => '{16}', epochs => 30, balance => 'class_weight',
						   key => '{customer_id}') AS r) b;
SELECT segment_predict('cls_big', b) = segment_predict('cls_small', s) AS same_prediction
FROM people_big b JOIN people s USING (customer_id) WHERE customer_id = 5;

-- values up to DBL_MAX of opposite signs standardise without overflow
CREATE TABLE extremes (x float8);
INSERT INTO extremes VALUES ('1.7e308'), ('-1.7e308'), ('1.6e308'), ('-1.5e308'), (0);
SELECT round(((model_info(preprocess_fit('extremes'))->'columns'->0->>'scale')::float8 / 1e308)::numeric, 12) AS scale_in_1e308,
	   round(((model_info(preprocess_fit('extremes'))->'columns'->0->>'mean')::float8 / 1e306)::numeric, 12) AS mean_in_1e306;
SELECT x, round((preprocess(preprocess_fit('extremes'), e))[1]::numeric, 12) AS standardised
FROM extremes e ORDER BY x;

-- scaler_fit stores variances: one beyond DBL_MAX is refused by name
SELECT scaler_fit(ARRAY[purchase_frequency, monthly_spending]) FROM people_big;
\set VERBOSITY default
SELECT scaler_fit(ARRAY[purchase_frequency, monthly_spending]) FROM people_big;
\set VERBOSITY terse
-- a spread of 1e150 still fits: var 1e300
SELECT round(((model_info(scaler_fit(ARRAY[x]))->'var'->>0)::float8 / 1e300)::numeric, 12) AS var_in_1e300
FROM (VALUES (1e150::float8), (-1e150), (1e150), (-1e150)) v(x);
-- the state keeps exponents (exact powers of two): its text form round-trips
SELECT s[1] AS n, s[4] AS exponent, s::text::float8[] = s AS round_trips
FROM (SELECT scaler_fit_accum(scaler_fit_accum(scaler_fit_accum('{0}', '{3e303}'), '{-1.7e308}'),
							  '{1e-300}') AS s) t;

-- streaming k-means squares raw differences: a column beyond 1e150 is refused by name
SELECT * FROM kmeans_fit('km_stream_big', 'people_big', ARRAY['tenure', 'engagement_score'],
						 k => '{3}', streaming => true);

DROP EXTENSION citext;
REVOKE USAGE ON SCHEMA limits_test FROM regress_limits_plain;
DROP ROLE regress_limits_plain;

-- leave the shared registry as it was
SELECT count(*) AS dropped FROM (
	SELECT drop_model(name) FROM (SELECT DISTINCT name FROM models
		WHERE name IN ('small', 'many', 'km_tight', 'km_ok', 'km_small', 'km_big', 'cls_small',
					   'cls_big')) m) d;
DROP SCHEMA limits_test CASCADE;
