-- A model value is decoded once per call site while the same value comes
-- in: a constant, or a TOAST pointer to stored bytes (segment.model()'s
-- result, a bytea column), is recognised without reading the bytes, any
-- other value by its bytes.  Whatever the path, each row gets the
-- prediction of its own model, also when the values alternate row by row
-- (and a per-row value lands where the previous row's was).
SET search_path = segment, public;
\set VERBOSITY terse

CREATE TABLE mv_rows AS SELECT * FROM simulate_customers(400, 7);
SET client_min_messages = error;
SELECT count(*) FROM (
	SELECT segment_train('mv_' || s, 'mv_rows', 'customer_segment', exclude => '{customer_id}',
						 hidden => '{64,32}', epochs => 1, balance => 'none', seed => s,
						 deploy => 'always')
	FROM (VALUES (1), (2)) v(s)) t;
RESET client_min_messages;
-- the two models disagree on some rows (else this file would prove nothing)
SELECT count(*) FILTER (WHERE segment_predict('mv_1', r) <> segment_predict('mv_2', r)) > 0 AS models_differ
FROM mv_rows r;

-- stored out of line: every row reads a TOAST pointer
CREATE TABLE mv_models (name text, model bytea);
ALTER TABLE mv_models ALTER COLUMN model SET STORAGE EXTERNAL;
INSERT INTO mv_models SELECT n, model(n) FROM (VALUES ('mv_1'), ('mv_2')) v(n);
SELECT name, length(model) > 4000 AS large FROM mv_models ORDER BY name;

-- the values alternate row by row (the models side of a nested loop)
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT count(*) AS predictions,
	   count(*) FILTER (WHERE segment_predict(m.model, r) = segment_predict(m.name, r)) AS own_model,
	   count(*) FILTER (WHERE preprocess(m.model, r) = preprocess(model(m.name), r)) AS own_preprocessor
FROM mv_rows r CROSS JOIN mv_models m;
-- a value made anew for each row, in memory the next row's value reuses
SELECT count(*) AS predictions,
	   count(*) FILTER (WHERE segment_predict(m.model || '\x'::bytea, r) = segment_predict(m.name, r))
	   AS own_model
FROM mv_rows r CROSS JOIN mv_models m;
SELECT count(*) AS predictions,
	   count(*) FILTER (WHERE segment_predict(m.model, r) = segment_predict(m.name, r)) AS own_model
FROM mv_models m CROSS JOIN mv_rows r;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- one value for the whole query: a subquery, a literal
SELECT count(*) FILTER (WHERE segment_predict((SELECT model('mv_1')), r) = segment_predict('mv_1', r))
	   AS subquery_agrees
FROM mv_rows r;
SELECT format('SELECT count(*) FILTER (WHERE segment_predict(%L::bytea, r) = segment_predict(''mv_2'', r)) '
			  'AS literal_agrees FROM mv_rows r', model('mv_2')) AS literal_query \gset
:literal_query;

-- scalers too, alternating
CREATE TABLE mv_scalers AS
SELECT w, scaler_fit(ARRAY[monthly_spending * w]) AS scaler FROM mv_rows, (VALUES (1), (1000)) v(w) GROUP BY w;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT count(*) FILTER (WHERE abs((scale(s.scaler, ARRAY[monthly_spending * w]))[1] -
								  (monthly_spending - m.mean) / m.sd) < 1e-9) AS own_scaler, count(*)
FROM mv_rows r CROSS JOIN mv_scalers s
	 JOIN (SELECT avg(monthly_spending) AS mean, stddev_pop(monthly_spending) AS sd FROM mv_rows) m ON true;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- segment.model() stays in parallel plans
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT count(segment_predict((SELECT model('mv_1')), r)) FROM mv_rows r;
SELECT count(*) FILTER (WHERE segment_predict((SELECT model('mv_1')), r) = segment_predict('mv_1', r))
	   AS parallel_agrees
FROM mv_rows r;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

DROP TABLE mv_rows, mv_models, mv_scalers;
SELECT drop_model('mv_1') + drop_model('mv_2') AS dropped;
