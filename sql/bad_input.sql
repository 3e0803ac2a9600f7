-- Bad inputs to every SQL entry point, one case per line.
--
-- Each case is a query handed to outcome(), which runs it and prints
-- either "ok <first row>" or "<SQLSTATE> <message>", and records it in
-- bad_input.cases.  The last query checks that no case ended in an
-- internal error (XX000, XX001, ...): a user-reachable path must always
-- end in a clear error.  docs/bad_inputs.md lists the categories.
-- New entry points add their cases under a heading of their own.
CREATE SCHEMA bad_input;
SET search_path = bad_input, segment, public;
SET client_min_messages = error;	-- progress and zero-variance warnings are not the point here

CREATE TABLE cases (n serial, query text, result text);

CREATE FUNCTION outcome(query text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	result text;
	state text;
	message text;
BEGIN
	BEGIN
		EXECUTE format('SELECT t::text FROM (%s) t LIMIT 1', query) INTO result;
		result := 'ok ' || coalesce(left(result, 60), '(no row or NULL)');
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
		result := state || ' ' || message;
	END;
	INSERT INTO cases (query, result) VALUES (query, result);
	RETURN result;
END
$$;

-- data: ordinary, empty, single-class, typed oddly
CREATE TABLE people AS SELECT * FROM simulate_customers(300);
CREATE TABLE nobody AS SELECT * FROM people WHERE false;
CREATE TABLE one_class AS SELECT * FROM people WHERE customer_segment = 0;
CREATE TABLE odd (id int, label text, x float8, y float8, word text, day date, j jsonb);
INSERT INTO odd VALUES (1, 'a', 1, 1, 'p', '2024-01-01', '{}'), (2, 'a', 2, 'NaN', 'q', '2024-01-02', '{}'),
	(3, 'b', 3, 'Infinity', NULL, '2024-01-03', '{}'), (4, NULL, NULL, 4, 'r', NULL, '{}'),
	(5, 'b', 5, 5, 's', '2024-01-05', '{}'), (6, 'b', 6, 6, 't', '2024-01-06', '{}');
CREATE TABLE spend_text AS SELECT customer_id, monthly_spending::text AS monthly_spending, tenure FROM people;
CREATE TABLE huge AS SELECT customer_id, monthly_spending * 1e300 AS monthly_spending, tenure FROM people;
CREATE VIEW people_view AS SELECT * FROM people;
CREATE TABLE taken (x int);
CREATE TYPE a_row_type AS (tenure int, monthly_spending float8);

-- models: one of each kind, and registered names
CREATE TABLE m AS
SELECT (SELECT scaler_fit(ARRAY[monthly_spending, tenure]) FROM people) AS scaler,
	   preprocess_fit('people', '{monthly_spending,tenure}') AS prep,
	   (SELECT kmeans_fit(ARRAY[monthly_spending, tenure], 3 ORDER BY customer_id) FROM people) AS kagg;
SELECT k FROM kmeans_fit('bi_km', 'people', ARRAY['monthly_spending', 'tenure'], k => '{3}');
SELECT segment_train('bi_cls', 'people', 'customer_segment', exclude => '{customer_id}',
					 hidden => '{8}', epochs => 2)->'version' AS version;
SELECT save_model('bi_scaler', scaler) FROM m;
SELECT save_model('bi_kagg', kagg) FROM m;
ALTER TABLE m ADD COLUMN kmeans bytea, ADD COLUMN cls bytea;
UPDATE m SET kmeans = model('bi_km'), cls = model('bi_cls');

\pset tuples_only on
\pset format unaligned

------------------------------------------------------------------------
-- model values: model_kind, model_info (damaged bytes of every kind)
------------------------------------------------------------------------
SELECT outcome($$SELECT model_kind(NULL)$$);
SELECT outcome($$SELECT model_kind('\x')$$);
SELECT outcome($$SELECT model_kind('\x5345474d')$$);
SELECT outcome($$SELECT model_kind('\xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef')$$);
SELECT outcome($$SELECT model_kind(substr(scaler, 1, 19)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_kind(set_byte(scaler, 4, 2)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_kind(set_byte(scaler, 6, 99)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_kind(set_byte(scaler, 6, 0)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_kind(set_byte(scaler, 8, 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_kind(set_byte(scaler, 12, 255)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_kind(scaler || '\x00') FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(NULL)$$);
SELECT outcome($$SELECT model_info(substr(scaler, 1, length(scaler) - 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(substr(prep, 1, length(prep) - 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(substr(kmeans, 1, length(kmeans) - 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(substr(cls, 1, length(cls) - 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(set_byte(scaler, 24, get_byte(scaler, 24) # 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(set_byte(prep, 24, get_byte(prep, 24) # 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(set_byte(kmeans, 24, get_byte(kmeans, 24) # 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(set_byte(cls, 24, get_byte(cls, 24) # 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(set_byte(kagg, 24, get_byte(kagg, 24) # 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(set_byte(cls, 0, 0)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(set_byte(kmeans, 6, 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(decode(repeat('00', 1000), 'hex'))$$);

------------------------------------------------------------------------
-- scaler_fit and its state functions, scale
------------------------------------------------------------------------
SELECT outcome($$SELECT scaler_fit(f) FROM (VALUES (NULL::float8[])) t(f)$$);
SELECT outcome($$SELECT scaler_fit(f) FROM (VALUES ('{}'::float8[])) t(f)$$);
SELECT outcome($$SELECT scaler_fit(f) FROM (VALUES ('{1,NaN}'::float8[])) t(f)$$);
SELECT outcome($$SELECT scaler_fit(f) FROM (VALUES ('{1,Infinity}'::float8[])) t(f)$$);
SELECT outcome($$SELECT scaler_fit(f) FROM (VALUES ('{-Infinity,1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT scaler_fit(f) FROM (VALUES ('{1,NULL}'::float8[])) t(f)$$);
SELECT outcome($$SELECT scaler_fit(f) FROM (VALUES ('{{1,2},{3,4}}'::float8[])) t(f)$$);
SELECT outcome($$SELECT scaler_fit(f) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) t(f)$$);
SELECT outcome($$SELECT scaler_fit(f) FROM (VALUES ('{1}'::float8[])) t(f) WHERE false$$);
SELECT outcome($$SELECT scaler_fit(ARRAY[monthly_spending, tenure]) FROM bad_input.huge$$);
SELECT outcome($$SELECT scaler_fit_accum('{1,2}', '{1}')$$);
SELECT outcome($$SELECT scaler_fit_accum('{NULL}', '{1}')$$);
SELECT outcome($$SELECT scaler_fit_accum('{{0}}', '{1}')$$);
SELECT outcome($$SELECT scaler_fit_accum('{-1,0,0,0}', '{1}')$$);
SELECT outcome($$SELECT scaler_fit_accum('{1,0,0,0}', '{1,2}')$$);
SELECT outcome($$SELECT scaler_fit_accum('{1,0,0,1e300}', '{1}')$$);
SELECT outcome($$SELECT scaler_fit_combine('{1,0,0,0}', '{1,0,0,0,0,0,0}')$$);
SELECT outcome($$SELECT scaler_fit_combine('{1,0,0}', '{1,0,0,0}')$$);
SELECT outcome($$SELECT scaler_fit_combine('{NaN,0,0,0}', '{1,0,0,0}')$$);
SELECT outcome($$SELECT scaler_fit_final('{1,0,0}')$$);
SELECT outcome($$SELECT scaler_fit_final('{1,NaN,0,0}')$$);
SELECT outcome($$SELECT scaler_fit_final('{2,1,-5,0}')$$);
SELECT outcome($$SELECT scaler_fit_final('{2,1,1e300,600}')$$);
SELECT outcome($$SELECT scale(NULL, '{1,2}')$$);
SELECT outcome($$SELECT scale(scaler, '{1}') FROM bad_input.m$$);
SELECT outcome($$SELECT scale(scaler, '{1,NaN}') FROM bad_input.m$$);
SELECT outcome($$SELECT scale(scaler, '{1,NULL}') FROM bad_input.m$$);
SELECT outcome($$SELECT scale(scaler, '{}') FROM bad_input.m$$);
SELECT outcome($$SELECT scale(scaler, '{{1,2}}') FROM bad_input.m$$);
SELECT outcome($$SELECT scale(prep, '{1,2}') FROM bad_input.m$$);
SELECT outcome($$SELECT scale('\x00', '{1,2}')$$);
SELECT outcome($$SELECT scale(scaler, '{1e308,-1e308}') FROM bad_input.m$$);

------------------------------------------------------------------------
-- preprocess_fit, preprocess, preprocess_names
------------------------------------------------------------------------
SELECT outcome($$SELECT preprocess_fit(NULL)$$);
SELECT outcome($$SELECT preprocess_fit(99999::oid::regclass)$$);
SELECT outcome($$SELECT preprocess_fit(0::oid::regclass)$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.people', '{}')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.people', '{nope}')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.people', '{tenure,NULL}')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.people', '{{tenure}}')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.people', '{tenure,tenure}')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.odd', '{day}')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.odd', '{j}')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.odd', '{y}')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.odd', '{x,word}')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.nobody')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.nobody', '{tenure}')$$);
SELECT outcome($$SELECT preprocess_fit('pg_class_oid_index')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.a_row_type')$$);
SELECT outcome($$SELECT preprocess_fit('bad_input.people_view', '{tenure}')$$);
SELECT outcome($$SELECT preprocess(NULL, p) FROM bad_input.people p$$);
SELECT outcome($$SELECT preprocess(scaler, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT preprocess(kagg, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT preprocess('\x00', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT preprocess(prep, r) FROM bad_input.m, (SELECT 1 AS tenure) r$$);
SELECT outcome($$SELECT preprocess(prep, r) FROM bad_input.m, (SELECT 'x'::text AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT preprocess(prep, r) FROM bad_input.m, (SELECT 'NaN'::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT preprocess(prep, r) FROM bad_input.m, (SELECT '-Infinity'::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT preprocess(prep, r) FROM bad_input.m, (SELECT now() AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT preprocess(prep, ROW(1, 2)) FROM bad_input.m$$);
SELECT outcome($$SELECT preprocess_names(NULL)$$);
SELECT outcome($$SELECT preprocess_names(scaler) FROM bad_input.m$$);
SELECT outcome($$SELECT preprocess_names(kagg) FROM bad_input.m$$);
SELECT outcome($$SELECT preprocess_names(substr(prep, 1, 30)) FROM bad_input.m$$);

------------------------------------------------------------------------
-- smote_table
------------------------------------------------------------------------
SELECT outcome($$SELECT * FROM smote_table(NULL, 'customer_segment', 'bad_input.s1')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', NULL, 'bad_input.s1')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', NULL)$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', k_neighbors => NULL)$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => NULL)$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', seed => NULL)$$);
SELECT outcome($$SELECT * FROM smote_table(99999::oid::regclass, 'a', 'bad_input.s1')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'nope', 'bad_input.s1')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', features => '{customer_segment}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', features => '{}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', features => '{nope}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', features => '{tenure,NULL}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', k_neighbors => 0)$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', k_neighbors => -5)$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', k_neighbors => 2147483647)$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => 'most')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => '0.5')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => 'NaN')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => '{"9": 500}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => '{"2": -1}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => '{"2": 10.5}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => '{"2": 1}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => '{"2": "many"}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => '{"2": 1e300}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.s1', sampling_strategy => '{bad json')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.nobody', 'customer_segment', 'bad_input.s1')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.one_class', 'customer_segment', 'bad_input.s1')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.odd', 'label', 'bad_input.s1', features => '{x}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.odd', 'id', 'bad_input.s1', features => '{y}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.odd', 'id', 'bad_input.s1', features => '{day}')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'bad_input.taken')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', '')$$);
SELECT outcome($$SELECT * FROM smote_table('pg_class_oid_index', 'oid', 'bad_input.s1')$$);
SELECT outcome($$SELECT * FROM smote_table('bad_input.people', 'customer_segment', 'no_such_schema.s1')$$);

------------------------------------------------------------------------
-- simulate_customers
------------------------------------------------------------------------
SELECT outcome($$SELECT * FROM simulate_customers(-1)$$);
SELECT outcome($$SELECT * FROM simulate_customers(NULL)$$);
SELECT outcome($$SELECT * FROM simulate_customers(10, NULL)$$);
SELECT outcome($$SELECT * FROM simulate_customers(2147483647)$$);

------------------------------------------------------------------------
-- kmeans_fit aggregate and its state functions
------------------------------------------------------------------------
SELECT outcome($$SELECT kmeans_fit(f, 2) FROM (VALUES ('{1,2}'::float8[]), (NULL)) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, NULL) FROM (VALUES ('{1,2}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 0) FROM (VALUES ('{1,2}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, -3) FROM (VALUES ('{1,2}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 2147483647) FROM (VALUES ('{1,2}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 3) FROM (VALUES ('{1,2}'::float8[]), ('{3,4}')) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1) FROM (VALUES ('{}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1) FROM (VALUES ('{1,NaN}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1) FROM (VALUES ('{1,Infinity}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1) FROM (VALUES ('{1,NULL}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1) FROM (VALUES ('{{1,2},{3,4}}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, k) FROM (VALUES ('{1,2}'::float8[], 1), ('{1,3}', 2)) t(f, k)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1) FROM (VALUES ('{1}'::float8[])) t(f) WHERE false$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '[1]') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"n_inits": 2}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"n_init": 0}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"n_init": 1000000000}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"n_init": 1e30}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"n_init": 2.5}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"n_init": "ten"}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"max_iter": 0}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"tol": -1}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"seed": 1e12}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 2, '{"init": [[0]]}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"init": [[0, 1]]}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 1, '{"init": 5}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit(f, 2147483647, '{"init": [[0]]}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_fit_accum(NULL, '{1}', 1)$$);
SELECT outcome($$SELECT kmeans_fit_accum('{{0}}', '{1}', 1)$$);
SELECT outcome($$SELECT kmeans_fit_accum('{NULL}', '{1}', 1)$$);
SELECT outcome($$SELECT kmeans_fit_accum('{1,2}', '{1}', 1)$$);
SELECT outcome($$SELECT kmeans_fit_accum('{1,1,5,10,300,0.0001,42,0,1}', '{1}', 1)$$);
SELECT outcome($$SELECT kmeans_fit_combine('{1,1,0,10,300,0.0001,42,0}', '{2,1,0,10,300,0.0001,42,0}')$$);
SELECT outcome($$SELECT kmeans_fit_final('{5}')$$);
SELECT outcome($$SELECT kmeans_fit_final('{1,1,1,10,300,0.0001,42,0,NaN}')$$);

------------------------------------------------------------------------
-- kmeans_fit(name, relation, columns, ...)
------------------------------------------------------------------------
SELECT outcome($$SELECT * FROM kmeans_fit(NULL, 'bad_input.people', ARRAY['tenure'])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('', 'bad_input.people', ARRAY['tenure'])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', NULL, ARRAY['tenure'])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 99999::oid::regclass, ARRAY['tenure'])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', NULL)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', NULL::text[])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', '{}')$$);
SELECT outcome($$SELECT k, chosen FROM kmeans_fit('bi_x', 'bad_input.people', 'tenure', k => '{2}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['nope'])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', '{tenure,nope}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', 'nope')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'pg_class_oid_index', ARRAY['oid'])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure', NULL])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure', 'tenure'])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.odd', ARRAY['word'], preprocess => false)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.odd', ARRAY['word'], streaming => true)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.odd', ARRAY['day'])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => NULL)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{0}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{2,NULL}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{{2},{3}}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{301}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{2147483647}')$$);
-- a model holds at most 65536 clusters: one more is refused before any work
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{2,65537}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{65536}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], n_init => NULL)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], n_init => 0)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], n_init => 1001)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], n_init => 1000000000)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], max_iter => 0)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], tol => -1)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], tol => 'NaN')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], tol => 'Infinity')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], seed => NULL)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], silhouette_sample => -1)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{2}', init => '{{1,2},{3,4}}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{2}', init => '{1,NaN}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{2}', init => '{1,NULL}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{3}', init => '{1,2}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{2}', init => '{}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.nobody', ARRAY['tenure'])$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.nobody', ARRAY['tenure'], streaming => true)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.odd', ARRAY['x'], k => '{2}', preprocess => false)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.odd', ARRAY['y'], k => '{2}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.odd', ARRAY['y'], k => '{2}', streaming => true)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people_view', ARRAY['tenure'], k => '{2}', streaming => true)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.huge', ARRAY['monthly_spending'], k => '{2}', streaming => true)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], k => '{301}', streaming => true)$$);

------------------------------------------------------------------------
-- kmeans_step and its state functions
------------------------------------------------------------------------
SELECT outcome($$SELECT kmeans_step(f, NULL) FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_step(f, '{1,2}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_step(f, '{{1},{NULL}}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_step(f, '{{1},{NaN}}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_step(f, '{{1,2},{3,4}}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_step(f, '{{1},{2}}') FROM (VALUES ('{NaN}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_step(f, '{{1},{2}}') FROM (VALUES (NULL::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_step(f, '{{1},{2}}', '{1,2}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_step(f, '{{1},{2}}', '{-1}') FROM (VALUES ('{1}'::float8[])) t(f)$$);
SELECT outcome($$SELECT kmeans_step('{{1},{2}}', '{1}', x) FROM (VALUES (NULL::float8)) t(x)$$);
SELECT outcome($$SELECT kmeans_step('{{1,1},{2,2}}', '{1,1}', x) FROM (VALUES (1::float8)) t(x)$$);
SELECT outcome($$SELECT kmeans_step_accum(NULL, '{1}', '{{1}}')$$);
SELECT outcome($$SELECT kmeans_step_accum('{{0}}', '{1}', '{{1}}')$$);
SELECT outcome($$SELECT kmeans_step_accum('{2,1,0,0,0}', '{1}', '{{1}}')$$);
SELECT outcome($$SELECT kmeans_step_combine('{1,1,1,0,0,1,1,-1,0,1}', '{0,0}')$$);
-- a state's slot of the nearest far point must lie among its k slots
SELECT outcome($$SELECT kmeans_step_accum('{1,1,0,0,1,0,0,-1,0,0}', '{5}', '{{0}}')$$);
SELECT outcome($$SELECT kmeans_step_accum('{1,1,0,0,1e12,0,0,-1,0,0}', '{5}', '{{0}}')$$);
SELECT outcome($$SELECT kmeans_step_accum('{1,1,0,0,-1,0,0,-1,0,0}', '{5}', '{{0}}')$$);
SELECT outcome($$SELECT kmeans_step_accum('{1,1,0,0,0,0,0,-1,0,0}', '{5}', '{{0}}')$$);
SELECT outcome($$SELECT kmeans_step_combine('{1,1,0,0,1,0,0,-1,0,0}', '{1,1,1,0,0,1,1,-1,0,1}')$$);
SELECT outcome($$SELECT kmeans_step_combine('{1,1,1,0,0,1,1,-1,0,1}', '{1,1,0,0,3,0,0,-1,0,0}')$$);
-- kmeans_scan (streaming k-means' first pass) and its state functions
SELECT outcome($$SELECT kmeans_scan(NULL, 10, 100, ctid, tenure) FROM bad_input.people$$);
SELECT outcome($$SELECT kmeans_scan(1, NULL, 100, ctid, tenure) FROM bad_input.people$$);
SELECT outcome($$SELECT kmeans_scan(1, 10, NULL, ctid, tenure) FROM bad_input.people$$);
SELECT outcome($$SELECT kmeans_scan(1, 10, 100, NULL, tenure) FROM bad_input.people$$);
SELECT outcome($$SELECT kmeans_scan(1, 'NaN', 100, ctid, tenure) FROM bad_input.people$$);
SELECT outcome($$SELECT kmeans_scan(1, '-Infinity', 100, ctid, tenure) FROM bad_input.people$$);
SELECT outcome($$SELECT kmeans_scan(1, 10, -1, ctid, tenure) FROM bad_input.people$$);
SELECT outcome($$SELECT kmeans_scan(1, 10, 100, ctid, tenure::int) FROM bad_input.people$$);
-- NaN and Infinity are kept as the largest magnitudes, which the driver refuses
SELECT outcome($$SELECT s[6] FROM (SELECT kmeans_scan(1, 10, 100, ctid, x) s FROM (SELECT x, ctid FROM bad_input.odd UNION ALL SELECT 'Infinity', '(9,9)') o) t$$);
SELECT outcome($$SELECT s[6] FROM (SELECT kmeans_scan(1, 10, 100, ctid, y) s FROM bad_input.odd) t$$);
SELECT outcome($$SELECT kmeans_scan_accum('{{0}}', 1, 10, 100, '(0,1)', 1::float8)$$);
SELECT outcome($$SELECT kmeans_scan_accum('{1,NULL}', 1, 10, 100, '(0,1)', 1::float8)$$);
SELECT outcome($$SELECT kmeans_scan_accum('{2,0,0,0,0}', 1, 10, 100, '(0,1)', 1::float8)$$);
-- capacity 2^62 rows, whose size in bytes wraps around to the header's
SELECT outcome($$SELECT kmeans_scan_accum('{1,0,1e18,0,0,0,0,0,0,0,4611686018427387904,1000}', 1, 100, 1000, '(0,1)', 1::float8)$$);
SELECT outcome($$SELECT kmeans_scan_combine('{1,0,1e18,0,0,0,0,0,0,0,4611686018427387904,1000}', '{0}')$$);
SELECT outcome($$SELECT kmeans_scan_combine('{0}', '{1,0,1e18,0,0,0,0,0,0,0,4611686018427387904,1000}')$$);
-- more rows held than room for them, room for more than the most kept, a fraction
SELECT outcome($$SELECT kmeans_scan_accum('{1,0,5,0,0,0,0,0,0,0,0,1}', 1, 100, 100, '(0,1)', 1::float8)$$);
SELECT outcome($$SELECT kmeans_scan_accum('{1,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0}', 1, 100, 100, '(0,1)', 1::float8)$$);
SELECT outcome($$SELECT kmeans_scan_accum('{1,0,5,0,0,0,0,0,0,0,1,0.5,0,0,0,0}', 1, 100, 100, '(0,1)', 1::float8)$$);
SELECT outcome($$SELECT kmeans_scan_accum('{1,0,5,2,0,0,0,0,0,0,0,0}', 1, 100, 100, '(0,1)', 1::float8)$$);
-- no room yet, room for five: the state grows before it keeps the row
SELECT outcome($$SELECT kmeans_scan_accum('{1,0,5,0,0,0,0,0,0,0,0,0}', 1, 100, 100, '(0,1)', 7::float8)$$);
SELECT outcome($$SELECT kmeans_scan_combine('{1,1,5,0,0,1,1,1,0,0,0,0}', '{1,1,5,0,0,1,1,1,0,0,1,1,0,1,7,1}')$$);
SELECT outcome($$SELECT kmeans_scan_combine('{1,1,5,0,0,1,1,1,0,0,0,0}', '{2,1,5,0,0,0,1,1,1,1,1,0,0,0,0,0,0}')$$);

------------------------------------------------------------------------
-- centroids, profile
------------------------------------------------------------------------
SELECT outcome($$SELECT * FROM centroids('bi_nope')$$);
SELECT outcome($$SELECT * FROM centroids(NULL::text)$$);
SELECT outcome($$SELECT * FROM centroids('bi_cls')$$);
SELECT outcome($$SELECT * FROM centroids('bi_scaler')$$);
SELECT outcome($$SELECT c.* FROM bad_input.m, centroids(m.scaler) c$$);
SELECT outcome($$SELECT c.* FROM bad_input.m, centroids(substr(m.kmeans, 1, 40)) c$$);
SELECT outcome($$SELECT * FROM profile('bi_nope', 'bad_input.people')$$);
SELECT outcome($$SELECT * FROM profile('bi_km', NULL)$$);
SELECT outcome($$SELECT * FROM profile('bi_km', 99999::oid::regclass)$$);
SELECT outcome($$SELECT * FROM profile('bi_km', 'bad_input.spend_text')$$);
SELECT outcome($$SELECT * FROM profile('bi_km', 'bad_input.odd')$$);
SELECT outcome($$SELECT * FROM profile('bi_km', 'bad_input.nobody')$$);
SELECT outcome($$SELECT * FROM profile('bi_km', 'bad_input.a_row_type')$$);
SELECT outcome($$SELECT * FROM profile('bi_kagg', 'bad_input.people')$$);
SELECT outcome($$SELECT * FROM profile('bi_cls', 'bad_input.people')$$);

------------------------------------------------------------------------
-- segment_predict, segment_predict_proba
------------------------------------------------------------------------
SELECT outcome($$SELECT segment_predict('bi_nope', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict('', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict('bi_scaler', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict('bi_km', r) FROM (SELECT 1 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict('bi_km', r) FROM (SELECT 'x'::text AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict('bi_km', r) FROM (SELECT 'NaN'::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict('bi_km', r) FROM (SELECT 'Infinity'::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict('bi_km', r) FROM (SELECT 1e308::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict('bi_km', r) FROM (SELECT NULL::float8 AS monthly_spending, NULL::int AS tenure) r$$);
SELECT outcome($$SELECT segment_predict('bi_km', '{1}'::float8[])$$);
SELECT outcome($$SELECT segment_predict('bi_km', '{1,NULL}'::float8[])$$);
SELECT outcome($$SELECT segment_predict('bi_km', '{1,NaN}'::float8[])$$);
SELECT outcome($$SELECT segment_predict('bi_km', '{{1,2}}'::float8[])$$);
SELECT outcome($$SELECT segment_predict('bi_km', '{1e308,-1e308}'::float8[])$$);
SELECT outcome($$SELECT segment_predict('bi_kagg', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict('bi_cls', '{1,2}'::float8[])$$);
SELECT outcome($$SELECT segment_predict(scaler, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT segment_predict(substr(kmeans, 1, 30), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT segment_predict(set_byte(cls, 40, get_byte(cls, 40) # 4), '{1,2,3,4,5,6}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict(kagg, '{1,2,3}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict(NULL::bytea, '{1,2}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_proba('bi_nope', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_proba('bi_km', r) FROM (SELECT 1e308::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict_proba('bi_km', r) FROM (SELECT 1 AS monthly_spending) r$$);
SELECT outcome($$SELECT segment_predict_proba('bi_scaler', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_proba('bi_kagg', p) FROM bad_input.people p$$);
-- truncated bytes, not only a flipped checksum, in the array form
SELECT outcome($$SELECT segment_predict(substr(cls, 1, length(cls) - 1), '{1,2,3,4,5,6}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict(substr(kmeans, 1, 30), '{1,2}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict(substr(cls, 1, 19), '{1,2}'::float8[]) FROM bad_input.m$$);
-- NaN and infinities in a row's columns, as for segment_predict
SELECT outcome($$SELECT segment_predict_proba('bi_km', r) FROM (SELECT 'NaN'::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict_proba('bi_km', r) FROM (SELECT 1 AS monthly_spending, '-Infinity'::float8 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict_proba('bi_cls', r) FROM (SELECT 'NaN'::float8 AS monthly_spending, p.tenure, p.engagement_score, p.complaint_count, p.purchase_frequency, p.discount_usage FROM bad_input.people p) r$$);
SELECT outcome($$SELECT segment_predict_proba('bi_cls', r) FROM (SELECT p.monthly_spending, 'Infinity'::float8 AS tenure, p.engagement_score, p.complaint_count, p.purchase_frequency, p.discount_usage FROM bad_input.people p) r$$);
SELECT outcome($$SELECT models_changed()$$);

------------------------------------------------------------------------
-- segment_predict_value (regressors): by name and by value, rows and arrays
------------------------------------------------------------------------
-- a network on encoded inputs and a tree on raw ones: two decoders, two input forms
SELECT segment_train('bi_reg', 'people', 'monthly_spending', features => '{tenure,engagement_score}',
					 hidden => '{4}', epochs => 2)->'version' AS version;
SELECT segment_train('bi_reg_tree', 'people', 'monthly_spending', features => '{tenure,engagement_score,customer_segment}',
					 model => 'decision_tree', params => '{"max_depth": 2}')->'version' AS version;
ALTER TABLE m ADD COLUMN reg bytea, ADD COLUMN reg_tree bytea;
UPDATE m SET reg = model('bi_reg'), reg_tree = model('bi_reg_tree');
SELECT outcome($$SELECT segment_predict_value('bi_nope', '{1,2}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_nope', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value('', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value('bi_km', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value('bi_cls', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value('bi_scaler', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', '{1}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', '{1,2,3}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', '{}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', '{{1,2}}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', '{1,NULL}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', '{1,NaN}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', '{Infinity,1}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', '{1,-Infinity}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg_tree', '{1,2}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg_tree', '{1,Infinity,3}'::float8[])$$);
-- a tree's raw inputs take NaN for NULL (docs/design.md, Input forms): what preprocess gives
SELECT outcome($$SELECT segment_predict_value(reg_tree, '{NaN,1,0}'::float8[]) = segment_predict_value(reg_tree, r) FROM bad_input.m, (SELECT NULL::int AS tenure, 1 AS engagement_score, 0 AS customer_segment) r$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', r) FROM (SELECT 1 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', r) FROM (SELECT 1 AS engagement_score) r$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', r) FROM (SELECT 'x'::text AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', r) FROM (SELECT 'NaN'::float8 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', r) FROM (SELECT 'Infinity'::float8 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg', r) FROM (SELECT 1 AS tenure, '-Infinity'::float8 AS engagement_score) r$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg_tree', r) FROM (SELECT 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg_tree', r) FROM (SELECT 'NaN'::float8 AS tenure, 1 AS engagement_score, 0 AS customer_segment) r$$);
SELECT outcome($$SELECT segment_predict_value('bi_reg_tree', r) FROM (SELECT 1 AS tenure, 1 AS engagement_score, '-Infinity'::float8 AS customer_segment) r$$);
SELECT outcome($$SELECT segment_predict_value(reg, '{1}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(reg, '{1,NaN}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(reg, '{Infinity,1}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(reg_tree, '{1,2}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(reg_tree, '{1,2,-Infinity}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(reg, r) FROM bad_input.m, (SELECT 1 AS tenure) r$$);
SELECT outcome($$SELECT segment_predict_value(reg, r) FROM bad_input.m, (SELECT 'NaN'::float8 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT segment_predict_value(reg, r) FROM bad_input.m, (SELECT 1 AS tenure, 'Infinity'::float8 AS engagement_score) r$$);
SELECT outcome($$SELECT segment_predict_value(reg_tree, r) FROM bad_input.m, (SELECT 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT segment_predict_value(reg_tree, r) FROM bad_input.m, (SELECT 'NaN'::float8 AS tenure, 1 AS engagement_score, 0 AS customer_segment) r$$);
SELECT outcome($$SELECT segment_predict_value(substr(reg, 1, 30), '{1,2}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(substr(reg, 1, length(reg) - 1), '{1,2}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(substr(reg, 1, length(reg) - 8), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value(substr(reg_tree, 1, length(reg_tree) - 1), '{1,2,3}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(substr(reg_tree, 1, 100), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value(set_byte(reg, 40, get_byte(reg, 40) # 4), '{1,2}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(set_byte(reg, 200, get_byte(reg, 200) # 4), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value(set_byte(reg_tree, 300, get_byte(reg_tree, 300) # 1), '{1,2,3}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(set_byte(reg_tree, 6, 99), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value(reg || '\x00', '{1,2}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value('\x'::bytea, '{1,2}'::float8[])$$);
SELECT outcome($$SELECT segment_predict_value(decode(repeat('00', 1000), 'hex'), p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value(cls, '{1,2,3,4,5,6}'::float8[]) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict_value(kmeans, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value(scaler, p) FROM bad_input.m, bad_input.people p$$);

------------------------------------------------------------------------
-- pca_fit, autoencoder_fit, project, reconstruction_error
------------------------------------------------------------------------
CREATE TABLE bad_input.three (x float8, y float8, z float8, w float8);
INSERT INTO bad_input.three VALUES (1, 2, 3, 4), (2, 3, 5, 8), (4, 4, 4, 1);
CREATE TABLE bad_input.flat AS SELECT 1.0::float8 AS x, 'a'::text AS c, i AS id FROM generate_series(1, 10) i;
CREATE TABLE bad_input.inf_rows AS
SELECT x::float8 AS x, CASE WHEN x = 3 THEN 'Infinity'::float8 ELSE x END AS y FROM generate_series(1, 5) x;
CREATE TABLE bad_input.many_words AS SELECT i::float8 AS x, 'w' || i AS word FROM generate_series(1, 1100) i;
SELECT (pca_fit('bi_pca', 'people', '{monthly_spending,tenure,engagement_score}', 2))->'version' AS version;
SELECT (autoencoder_fit('bi_ae', 'people', '{monthly_spending,tenure,engagement_score}', code_size => 2,
						hidden => '{4}', epochs => 2))->'version' AS version;
ALTER TABLE m ADD COLUMN pca bytea, ADD COLUMN ae bytea;
UPDATE m SET pca = model('bi_pca'), ae = model('bi_ae');
SELECT outcome($$SELECT pca_fit(NULL, 'people', '{tenure}')$$);
SELECT outcome($$SELECT pca_fit('', 'people', '{tenure}')$$);
SELECT outcome($$SELECT pca_fit('bi_bad', NULL, '{tenure}')$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', NULL)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{tenure,engagement_score}', NULL)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{}')$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{tenure,NULL}')$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{tenure,nope}')$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{tenure,tenure}')$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{{tenure},{engagement_score}}')$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 99999::oid::regclass, '{tenure}')$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'a_row_type', '{tenure}')$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'odd', '{x,day}', 1)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{tenure,engagement_score}', 0)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{tenure,engagement_score}', -1)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{tenure,engagement_score}', 3)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'people', '{tenure,engagement_score}', 2147483647)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'three', '{x,y,z,w}', 4)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'nobody', '{tenure,engagement_score}', 1)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'flat', '{x,c}', 1)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'odd', '{x,y}', 1)$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'inf_rows', '{x,y}', 1)$$);
SELECT outcome($$SELECT pca_fit('bi_huge', 'huge', '{monthly_spending,tenure}', 1)->'rows'$$);
SELECT outcome($$SELECT pca_fit('bi_bad', 'many_words', '{x,word}', 1)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => NULL)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 0)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 3)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, hidden => NULL)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, hidden => '{4,NULL}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, hidden => '{4,0}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, hidden => '{8,4,2,1}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, hidden => '{{4},{2}}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, hidden => '{65536,65536}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, epochs => 0)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, epochs => NULL)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, batch_size => 0)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, patience => 0)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, learning_rate => 0)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, learning_rate => 'NaN')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, learning_rate => 'Infinity')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, l2 => -1)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, l2 => 'NaN')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, test_size => 1)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, test_size => 'NaN')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, validation_size => -0.1)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, test_size => 0.5, validation_size => 0.5)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, seed => NULL)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, key => '{}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, key => '{nope}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', '{tenure,engagement_score}', code_size => 1, key => '{customer_segment}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'three', '{x,y}', code_size => 1)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'nobody', '{tenure,engagement_score}', code_size => 1)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'flat', '{x,c}', code_size => 1, key => '{id}')$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'odd', '{x,y}', code_size => 1)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'inf_rows', '{x,y}', code_size => 1)$$);
SELECT outcome($$SELECT autoencoder_fit('bi_bad', 'people', NULL, code_size => 1)$$);
SELECT outcome($$SELECT project('bi_nope', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT project('bi_km', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT project('bi_pca', r) FROM (SELECT 1 AS tenure) r$$);
SELECT outcome($$SELECT project('bi_pca', r) FROM (SELECT 'x'::text AS monthly_spending, 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT project('bi_pca', r) FROM (SELECT 'NaN'::float8 AS monthly_spending, 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT project('bi_pca', r) FROM (SELECT 'Infinity'::float8 AS monthly_spending, 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT array_length(project('bi_pca', r), 1) FROM (SELECT NULL::float8 AS monthly_spending, NULL::int AS tenure, NULL::int AS engagement_score) r$$);
SELECT outcome($$SELECT project(NULL::bytea, p) FROM bad_input.people p$$);
SELECT outcome($$SELECT project(scaler, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT project(cls, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT project(substr(pca, 1, 30), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT project(substr(ae, 1, length(ae) - 8), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT project(set_byte(pca, 6, 7), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT project(set_byte(ae, 6, 6), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT project(set_byte(pca, 40, get_byte(pca, 40) # 4), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT project(decode(repeat('00', 1000), 'hex'), p) FROM bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error('bi_nope', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error('bi_cls', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error(kmeans, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error('bi_pca', r) FROM (SELECT 1e308::float8 AS monthly_spending, -1e308::float8 AS tenure, 1e308::float8 AS engagement_score) r$$);
SELECT outcome($$SELECT reconstruction_error('bi_pca', r) FROM (SELECT 'NaN'::float8 AS monthly_spending, 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT reconstruction_error('bi_pca', r) FROM (SELECT 1 AS monthly_spending, 'Infinity'::float8 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT reconstruction_error('bi_ae', r) FROM (SELECT 'NaN'::float8 AS monthly_spending, 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT reconstruction_error('bi_ae', r) FROM (SELECT 1 AS monthly_spending, 1 AS tenure, '-Infinity'::float8 AS engagement_score) r$$);
SELECT outcome($$SELECT reconstruction_error('bi_pca', r) FROM (SELECT 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT reconstruction_error('bi_ae', r) FROM (SELECT 1 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT reconstruction_error('bi_pca', r) FROM (SELECT 'x'::text AS monthly_spending, 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT reconstruction_error(pca, r) FROM bad_input.m, (SELECT 'NaN'::float8 AS monthly_spending, 1 AS tenure, 1 AS engagement_score) r$$);
SELECT outcome($$SELECT reconstruction_error(ae, r) FROM bad_input.m, (SELECT 1 AS tenure) r$$);
SELECT outcome($$SELECT reconstruction_error(scaler, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error(substr(pca, 1, length(pca) - 1), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error(substr(ae, 1, 30), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error(substr(pca, 1, 19), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error(set_byte(pca, 40, get_byte(pca, 40) # 4), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error(set_byte(ae, 100, get_byte(ae, 100) # 1), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error(set_byte(ae, 6, 99), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error(ae || '\x00', p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT reconstruction_error(decode(repeat('00', 1000), 'hex'), p) FROM bad_input.people p$$);
SELECT outcome($$SELECT model_info(substr(pca, 1, length(pca) - 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(substr(ae, 1, length(ae) - 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(set_byte(pca, 24, get_byte(pca, 24) # 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT model_info(set_byte(ae, 24, get_byte(ae, 24) # 1)) FROM bad_input.m$$);
SELECT outcome($$SELECT segment_predict('bi_pca', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict(ae, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_proba('bi_ae', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT segment_predict_value('bi_pca', '{1,2,3}'::float8[])$$);
SELECT outcome($$SELECT centroids(pca) FROM bad_input.m$$);
SELECT outcome($$SELECT profile('bi_pca', 'people')$$);
SELECT outcome($$SELECT retrain('bi_ae')$$);

------------------------------------------------------------------------
-- registry: save_model, deploy, drop_model, model
------------------------------------------------------------------------
SELECT outcome($$SELECT save_model(NULL, '\x00')$$);
SELECT outcome($$SELECT save_model('bi_y', NULL)$$);
SELECT outcome($$SELECT save_model('bi_y', '\x5345474d')$$);
SELECT outcome($$SELECT save_model('', scaler) FROM bad_input.m$$);
SELECT outcome($$SELECT deploy('bi_nope', 1)$$);
SELECT outcome($$SELECT deploy('bi_km', 99)$$);
SELECT outcome($$SELECT drop_model('bi_nope')$$);
SELECT outcome($$SELECT drop_model('bi_km', 99)$$);
SELECT outcome($$SELECT model('bi_nope')$$);
SELECT outcome($$SELECT model('bi_km', 99)$$);
SELECT outcome($$SELECT model(NULL)$$);
-- spec and metrics: NULL is their default, '{}' (the columns are NOT NULL); deploy must be given
SELECT outcome($$SELECT save_model('bi_defaults', scaler, NULL, deploy => false) FROM bad_input.m$$);
SELECT outcome($$SELECT save_model('bi_defaults', scaler, '{}', NULL, deploy => false) FROM bad_input.m$$);
SELECT outcome($$SELECT string_agg(spec::text || ' ' || metrics::text, ', ' ORDER BY version) FROM segment.models WHERE name = 'bi_defaults'$$);
SELECT outcome($$SELECT save_model('bi_defaults', scaler, '{}', '{}', NULL) FROM bad_input.m$$);
-- and each is an object, as every reader of the registry expects
SELECT outcome($$SELECT save_model('bi_defaults', scaler, '[1]', deploy => false) FROM bad_input.m$$);
SELECT outcome($$SELECT save_model('bi_defaults', scaler, '{}', '"x"', deploy => false) FROM bad_input.m$$);
SELECT outcome($$SELECT save_model('bi_defaults', scaler, 'null', deploy => false) FROM bad_input.m$$);
SELECT outcome($$SELECT deploy(NULL, 1)$$);
SELECT outcome($$SELECT deploy('bi_km', NULL)$$);
SELECT outcome($$SELECT deploy('bi_km', -1)$$);
SELECT outcome($$SELECT drop_model(NULL)$$);
SELECT outcome($$SELECT drop_model(NULL, 1)$$);
SELECT outcome($$SELECT drop_model('bi_km', -1)$$);

------------------------------------------------------------------------
-- grant_predict, revoke_predict, set_model_owner (not strict)
------------------------------------------------------------------------
SELECT outcome($$SELECT grant_predict(NULL, 'postgres')$$);
SELECT outcome($$SELECT grant_predict('bi_km', NULL)$$);
SELECT outcome($$SELECT grant_predict('bi_nope', 'postgres')$$);
SELECT outcome($$SELECT grant_predict('bi_km', 'bi_no_such_role')$$);
SELECT outcome($$SELECT grant_predict('bi_km', '')$$);
SELECT outcome($$SELECT revoke_predict(NULL, 'postgres')$$);
SELECT outcome($$SELECT revoke_predict('bi_km', NULL)$$);
SELECT outcome($$SELECT revoke_predict('bi_nope', 'postgres')$$);
SELECT outcome($$SELECT revoke_predict('bi_km', 'bi_no_such_role')$$);
-- revoking what was never granted changes nothing, as REVOKE does
SELECT outcome($$SELECT revoke_predict('bi_km', 'pg_monitor')$$);
SELECT outcome($$SELECT revoke_predict('bi_km', 'PUBLIC')$$);
SELECT outcome($$SELECT count(*) FROM segment.model_grants WHERE name = 'bi_km'$$);
SELECT outcome($$SELECT set_model_owner(NULL, 'postgres')$$);
SELECT outcome($$SELECT set_model_owner('bi_km', NULL)$$);
SELECT outcome($$SELECT set_model_owner('bi_nope', 'postgres')$$);
SELECT outcome($$SELECT set_model_owner('bi_km', 'bi_no_such_role')$$);
SELECT outcome($$SELECT set_model_owner('bi_km', '')$$);
SELECT outcome($$SELECT set_model_owner('bi_km', 'PUBLIC')$$);

------------------------------------------------------------------------
-- scheduled retraining: schedule_retrain, unschedule_retrain, scheduled_retrain
------------------------------------------------------------------------
-- these fail before pg_cron is looked for; an unknown model's unschedule_retrain
-- needs pg_cron (test/operations/test_schedule.py)
SELECT outcome($$SELECT schedule_retrain(NULL, '0 3 * * *')$$);
SELECT outcome($$SELECT schedule_retrain(NULL, NULL)$$);
SELECT outcome($$SELECT schedule_retrain('bi_nope', '0 3 * * *')$$);
SELECT outcome($$SELECT unschedule_retrain(NULL)$$);
-- a procedure that commits: called at top level, as pg_cron does, not through outcome()
\set VERBOSITY terse
CALL scheduled_retrain(NULL);
CALL scheduled_retrain('bi_nope');
CALL scheduled_retrain('bi_scaler');
\set VERBOSITY default

------------------------------------------------------------------------
-- replicate_registry without Citus
------------------------------------------------------------------------
SELECT outcome($$SELECT replicate_registry()$$);

------------------------------------------------------------------------
-- segment_train, retrain and the stored metrics
------------------------------------------------------------------------
SELECT outcome($$SELECT segment_train(NULL, 'bad_input.people', 'customer_segment')$$);
SELECT outcome($$SELECT segment_train('bi_t', 99999::oid::regclass, 'customer_segment')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'nope')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', NULL)$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', hidden => '{0}')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', hidden => '{1,2,3,4,5,6,7,8,9}')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', epochs => 0)$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', test_size => 1.5)$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', learning_rate => 'NaN')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', balance => 'oversample')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', deploy => 'maybe')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.nobody', 'customer_segment')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.one_class', 'customer_segment')$$);
SELECT outcome($$SELECT retrain('bi_nope')$$);
SELECT outcome($$SELECT retrain('bi_kagg')$$);
SELECT outcome($$SELECT retrain(NULL)$$);
SELECT outcome($$SELECT retrain(NULL, deploy => 'always')$$);
SELECT outcome($$SELECT retrain('bi_cls', deploy => 'maybe')$$);
SELECT outcome($$SELECT retrain('bi_cls', deploy => '')$$);
SELECT outcome($$SELECT retrain('bi_km', deploy => 'maybe')$$);
SELECT outcome($$SELECT retrain('bi_cls', skip_if_unchanged => NULL)$$);
SELECT outcome($$SELECT retrain('bi_cls', raise_errors => NULL)$$);
-- +Infinity and -Infinity in a feature column, for each learner family
CREATE TABLE bad_input.inf_feature AS
SELECT customer_id, tenure::float8 AS tenure, engagement_score, customer_segment FROM bad_input.people;
UPDATE bad_input.inf_feature SET tenure = 'Infinity' WHERE customer_id = 7;
CREATE TABLE bad_input.ninf_feature AS SELECT * FROM bad_input.inf_feature;
UPDATE bad_input.ninf_feature SET tenure = '-Infinity' WHERE customer_id = 7;
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.inf_feature', 'customer_segment', exclude => '{customer_id}', epochs => 1)$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.ninf_feature', 'customer_segment', exclude => '{customer_id}', epochs => 1)$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.inf_feature', 'customer_segment', exclude => '{customer_id}', model => 'decision_tree')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.ninf_feature', 'customer_segment', exclude => '{customer_id}', model => 'gbdt')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.ninf_feature', 'customer_segment', exclude => '{customer_id}', model => 'logistic')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.inf_feature', 'engagement_score', exclude => '{customer_id}', epochs => 1)$$);
SELECT outcome($$SELECT model_metrics('bi_nope')$$);
SELECT outcome($$SELECT model_metrics('bi_km')$$);
SELECT outcome($$SELECT * FROM evaluate('bi_km')$$);
SELECT outcome($$SELECT * FROM evaluate('bi_cls', 99)$$);
SELECT outcome($$SELECT * FROM confusion_matrix('bi_scaler')$$);

------------------------------------------------------------------------
-- tree_rules
------------------------------------------------------------------------
SELECT segment_train('bi_tree', 'people', 'customer_segment', exclude => '{customer_id}',
					 model => 'decision_tree', params => '{"max_depth": 2}')->'version' AS version;
SELECT outcome($$SELECT * FROM tree_rules(NULL)$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_nope')$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_tree', tree => NULL)$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_tree', tree => 1)$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_tree', tree => -1)$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_tree', tree => 2147483647)$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_tree', -1)$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_tree', 99)$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_cls')$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_km')$$);
SELECT outcome($$SELECT * FROM tree_rules('bi_scaler')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', model => 'gbdt', params => '{"max_depth": -1}')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', model => 'gbdt', params => '{"max_bins": 256}')$$);
SELECT outcome($$SELECT segment_train('bi_t', 'bad_input.people', 'customer_segment', model => 'random_forest', params => '{"C": 1}')$$);

------------------------------------------------------------------------
-- report and the plot_* pictures
------------------------------------------------------------------------
SELECT outcome($$SELECT report(NULL)$$);
SELECT outcome($$SELECT report('bi_nope')$$);
SELECT outcome($$SELECT report('bi_cls', 0)$$);
SELECT outcome($$SELECT report('bi_cls', 99)$$);
SELECT outcome($$SELECT report('bi_scaler')$$);
SELECT outcome($$SELECT left(report('bi_kagg'), 15)$$);
SELECT outcome($$SELECT plot_confusion_matrix(NULL)$$);
SELECT outcome($$SELECT plot_confusion_matrix('bi_km')$$);
SELECT outcome($$SELECT plot_confusion_matrix('bi_cls', -1)$$);
SELECT outcome($$SELECT plot_class_scores('bi_scaler')$$);
SELECT outcome($$SELECT plot_class_balance('bi_km')$$);
SELECT outcome($$SELECT plot_training_curve('bi_nope', 1)$$);
SELECT outcome($$SELECT plot_trials('bi_kagg')$$);
SELECT outcome($$SELECT plot_importance('bi_cls', NULL, 0)$$);
SELECT outcome($$SELECT plot_importance('bi_cls', NULL, NULL)$$);
SELECT outcome($$SELECT plot_importance('bi_cls', NULL, 1001)$$);
SELECT outcome($$SELECT plot_importance('bi_km')$$);
SELECT outcome($$SELECT plot_actual_vs_predicted('bi_cls')$$);
SELECT outcome($$SELECT plot_residuals('bi_km')$$);
SELECT outcome($$SELECT plot_elbow('bi_cls')$$);
SELECT outcome($$SELECT plot_elbow('bi_kagg')$$);
SELECT outcome($$SELECT plot_silhouette('bi_kagg')$$);
SELECT outcome($$SELECT plot_cluster_sizes('bi_scaler')$$);
SELECT outcome($$SELECT plot_clusters('bi_kagg')$$);

------------------------------------------------------------------------
-- personas and segment views
------------------------------------------------------------------------
SELECT outcome($$SELECT persona('bi_nope', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT persona('bi_cls', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT persona('bi_kagg', p) FROM bad_input.people p$$);
SELECT outcome($$SELECT persona(substr(kmeans, 1, 30), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT persona('bi_km', r) FROM (SELECT 'x'::text AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT persona('bi_km', r) FROM (SELECT 1e308::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT persona('bi_km', r) FROM (SELECT 'NaN'::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT persona('bi_km', r) FROM (SELECT 1 AS monthly_spending, 'Infinity'::float8 AS tenure) r$$);
SELECT outcome($$SELECT persona('bi_km', r) FROM (SELECT '-Infinity'::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT persona('bi_km', r) FROM (SELECT 1 AS tenure) r$$);
SELECT outcome($$SELECT persona(kmeans, r) FROM bad_input.m, (SELECT 'NaN'::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT persona(kmeans, r) FROM bad_input.m, (SELECT 'Infinity'::float8 AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT persona(kmeans, r) FROM bad_input.m, (SELECT 1 AS monthly_spending, '-Infinity'::float8 AS tenure) r$$);
SELECT outcome($$SELECT persona(kmeans, r) FROM bad_input.m, (SELECT 1 AS monthly_spending) r$$);
SELECT outcome($$SELECT persona(kmeans, r) FROM bad_input.m, (SELECT 'x'::text AS monthly_spending, 1 AS tenure) r$$);
SELECT outcome($$SELECT persona(cls, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT persona(kagg, p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT persona(set_byte(kmeans, 40, get_byte(kmeans, 40) # 4), p) FROM bad_input.m, bad_input.people p$$);
SELECT outcome($$SELECT * FROM personas('bi_nope')$$);
SELECT outcome($$SELECT * FROM personas('bi_km', 99)$$);
SELECT outcome($$SELECT * FROM personas('bi_scaler')$$);
SELECT outcome($$SELECT p.* FROM bad_input.m, personas(set_byte(m.kmeans, 30, 255)) p$$);
SELECT outcome($$SELECT set_persona('bi_nope', 0, 'x')$$);
SELECT outcome($$SELECT set_persona('bi_km', 99, 'x')$$);
SELECT outcome($$SELECT set_persona('bi_km', NULL, 'x')$$);
SELECT outcome($$SELECT set_persona('bi_km', 0, NULL, NULL)$$);
SELECT outcome($$SELECT set_persona('bi_km', 0, '')$$);
SELECT outcome($$SELECT set_persona('bi_km', 0, repeat('x', 300))$$);
SELECT outcome($$SELECT set_persona('bi_km', 0, 'x', repeat('y', 300))$$);
SELECT outcome($$SELECT set_persona('bi_km', 0, E'a\tb')$$);
SELECT outcome($$SELECT set_persona('bi_cls', 0, 'x')$$);
SELECT outcome($$SELECT set_persona('bi_kagg', 0, 'x')$$);
SELECT outcome($$SELECT set_persona('bi_km', 0, 'x', version => 99)$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], roles => '{"rfm": "tenure"}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], labels => '{"nope": "x"}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], choose => 'gap')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], deploy => 'maybe')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bi_x', 'bad_input.people', ARRAY['tenure'], preprocess => NULL)$$);
SELECT outcome($$SELECT create_segment_view(NULL, 'bad_input.people', 'bi_km')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', NULL, 'bi_km')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 'bad_input.people', NULL)$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 99999::oid::regclass, 'bi_km')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 'bad_input.people', 'bi_nope')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 'bad_input.people', 'bi_scaler')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 'bad_input.people', 'bi_kagg')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 'bad_input.taken', 'bi_km')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 'bad_input.people', 'bi_km', key => 'nope')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 'bad_input.people', 'bi_km', refresh => '* * * * *')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 'bad_input.people', 'bi_km', materialized => NULL)$$);
SELECT outcome($$SELECT create_segment_view('bad_input.people', 'bad_input.people', 'bi_km')$$);
SELECT outcome($$SELECT create_segment_view('bad_input.v', 'bad_input.a_row_type', 'bi_km')$$);

------------------------------------------------------------------------
-- metric aggregates and their state functions, stratified_split
------------------------------------------------------------------------
SELECT outcome($$SELECT accuracy(a, p) FROM (VALUES (1, 'a')) v(a, p)$$);
SELECT outcome($$SELECT accuracy(a, p) FROM (VALUES (point(1, 1), point(1, 1))) v(a, p)$$);
SELECT outcome($$SELECT accuracy(a, p) FROM (VALUES ('{"a": 1}'::json, '{"a": 1}'::json)) v(a, p)$$);
SELECT outcome($$SELECT accuracy(a, p) FROM (VALUES (1, 1)) v(a, p) WHERE false$$);
SELECT outcome($$SELECT accuracy(a, p) FROM (VALUES (NULL::int, 1)) v(a, p)$$);
SELECT outcome($$SELECT f1_score(a, p, NULL) FROM (VALUES (1, 1)) v(a, p)$$);
SELECT outcome($$SELECT precision_score(a, p, 'x') FROM (VALUES (1, 1)) v(a, p)$$);
SELECT outcome($$SELECT metric_accuracy_accum('{1,2,3}', 1, 1)$$);
SELECT outcome($$SELECT metric_accuracy_accum('{{1,2}}', 1, 1)$$);
SELECT outcome($$SELECT metric_accuracy_accum('{1,NULL}', 1, 1)$$);
SELECT outcome($$SELECT metric_binary_accum('{1,2}', 1, 1, 1)$$);
SELECT outcome($$SELECT metric_combine('{1,2}', '{1,2,3}')$$);
SELECT outcome($$SELECT metric_combine('{1,NaN}', '{1,2}')$$);
SELECT outcome($$SELECT metric_accuracy_final('{1}')$$);
SELECT outcome($$SELECT metric_f1_final('{1,2,Infinity}')$$);
SELECT outcome($$SELECT recall_score(a, p, 1) FROM (VALUES (1, 'a')) v(a, p)$$);
SELECT outcome($$SELECT recall_score(a, p, point(1, 1)) FROM (VALUES (point(1, 1), point(1, 1))) v(a, p)$$);
SELECT outcome($$SELECT recall_score(a, p, '{"a": 1}'::json) FROM (VALUES ('{"a": 1}'::json, '{"a": 1}'::json)) v(a, p)$$);
SELECT outcome($$SELECT recall_score(a, p, 'x') FROM (VALUES (1, 1)) v(a, p)$$);
-- no rows, only NULLs, a NULL positive class, no positive rows: recall 0, as documented
SELECT outcome($$SELECT recall_score(a, p, 1) FROM (VALUES (1, 1)) v(a, p) WHERE false$$);
SELECT outcome($$SELECT recall_score(a, p, 1) FROM (VALUES (NULL::int, 1)) v(a, p)$$);
SELECT outcome($$SELECT recall_score(a, p, NULL) FROM (VALUES (1, 1)) v(a, p)$$);
SELECT outcome($$SELECT recall_score(a, p, 1) FROM (VALUES (0, 1), (0, 0)) v(a, p)$$);
SELECT outcome($$SELECT metric_precision_final('{1,2}')$$);
SELECT outcome($$SELECT metric_precision_final('{1,2,3,4}')$$);
SELECT outcome($$SELECT metric_precision_final('{}')$$);
SELECT outcome($$SELECT metric_precision_final('{{1,2,3}}')$$);
SELECT outcome($$SELECT metric_precision_final('{1,NULL,3}')$$);
SELECT outcome($$SELECT metric_precision_final('{1,NaN,3}')$$);
SELECT outcome($$SELECT metric_recall_final('{1,2}')$$);
SELECT outcome($$SELECT metric_recall_final('{1,2,3,4}')$$);
SELECT outcome($$SELECT metric_recall_final('{}')$$);
SELECT outcome($$SELECT metric_recall_final('{{1},{2},{3}}')$$);
SELECT outcome($$SELECT metric_recall_final('{1,2,NULL}')$$);
SELECT outcome($$SELECT metric_recall_final('{1,2,Infinity}')$$);
-- counts of rows are whole and not negative, and correct rows are at most the rows
SELECT outcome($$SELECT metric_precision_final('{-1,2,0}')$$);
SELECT outcome($$SELECT metric_precision_final('{3,-1,0}')$$);
SELECT outcome($$SELECT metric_recall_final('{3,0,-1}')$$);
SELECT outcome($$SELECT metric_recall_final('{1.5,0,2}')$$);
SELECT outcome($$SELECT metric_f1_final('{3,-1,-1}')$$);
SELECT outcome($$SELECT metric_accuracy_final('{-1,2}')$$);
SELECT outcome($$SELECT metric_accuracy_final('{3,2}')$$);
SELECT outcome($$SELECT metric_combine('{-1,2,0}', '{0,0,0}')$$);
SELECT outcome($$SELECT metric_combine('{0,0,0}', '{0,0.5,0}')$$);
SELECT outcome($$SELECT metric_accuracy_accum('{0,-3}', 1, 1)$$);
SELECT outcome($$SELECT metric_binary_accum('{0,-1,0}', 1, 1, 1)$$);
SELECT outcome($$SELECT metric_accuracy_final('{2,3}')$$);
SELECT outcome($$SELECT metric_f1_final('{1,1,0}')$$);
SELECT outcome($$SELECT stratified_split('{a,NULL,b}')$$);
SELECT outcome($$SELECT stratified_split('{}')$$);
SELECT outcome($$SELECT stratified_split('{{a,b}}')$$);
SELECT outcome($$SELECT stratified_split('{a,b}', test_size => 1.5)$$);
SELECT outcome($$SELECT stratified_split('{a,b}', test_size => -0.1)$$);
SELECT outcome($$SELECT stratified_split('{a,b}', validation_size => 'NaN')$$);
SELECT outcome($$SELECT stratified_split('{a,b}', test_size => 0.6, validation_size => 0.5)$$);
SELECT outcome($$SELECT stratified_split('{a,b}', seed => NULL)$$);

------------------------------------------------------------------------
-- rfm_split (rfm's own cases are in sql/rfm.sql)
------------------------------------------------------------------------
CREATE TABLE bad_input.tx (customer bigint, day date, amount numeric);
INSERT INTO bad_input.tx VALUES (1, '2024-01-01', 10), (1, '2024-02-01', 20), (2, '2024-01-15', 5), (2, '2024-03-01', 7);
CREATE TABLE bad_input.tx_odd (customer json, place point, day text, paid date, amount text);
SELECT outcome($$SELECT * FROM rfm_split(NULL, 'customer', 'day', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', NULL, 'day', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'customer', NULL, 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'customer', 'day', NULL, '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split(99999::oid::regclass, 'customer', 'day', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split(0, 'customer', 'day', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('pg_class_oid_index', 'oid', 'oid', 'oid', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.a_row_type', 'tenure', 'tenure', 'tenure', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'client', 'day', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'customer', 'when', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'customer', 'day', 'total', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'customer', 'day', '', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'customer', 'customer', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'customer', 'day', 'day', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx_odd', 'customer', 'paid', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx_odd', 'place', 'paid', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx_odd', 'day', 'day', 'amount', '2024-02-01')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'customer', 'day', 'amount', 'infinity')$$);
SELECT outcome($$SELECT * FROM rfm_split('bad_input.tx', 'customer', 'day', 'amount', '2024-02-01', '1 month -40 days')$$);

\pset tuples_only off
\pset format aligned

-- the suite's own checks: enough distinct cases, and none ended in an
-- internal error or an unexpected success of a damaged model
SELECT count(*) >= 150 AS at_least_150, count(*) AS cases, count(DISTINCT query) = count(*) AS all_distinct,
	   count(*) FILTER (WHERE result ~ '^XX') AS internal_errors
FROM cases;
SELECT n, query, result FROM cases WHERE result ~ '^XX' ORDER BY n;

-- leave the shared registry as it was
SELECT count(*) AS dropped FROM (
	SELECT drop_model(name) FROM (SELECT DISTINCT name FROM models WHERE name LIKE 'bi\_%') m) d;
DROP SCHEMA bad_input CASCADE;
