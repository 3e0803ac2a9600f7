-- data loading and preprocessing: types, NULLs, one-hot, quoting, bad input
SET search_path = segment, public;
SET extra_float_digits = 0;
\set VERBOSITY terse

CREATE TABLE people (
	id        serial PRIMARY KEY,
	age       int2,
	income    numeric,
	score     real,
	visits    bigint,
	member    boolean,
	city      text,
	plan      varchar(10),
	grade     char(2),
	joined    date
);
INSERT INTO people (age, income, score, visits, member, city, plan, grade, joined) VALUES
	(20, 1000.5, 0.5, 1, true,  'Oslo',   'basic', 'A', '2020-01-01'),
	(30, 2000,   1.5, 2, false, 'Bergen', 'pro',   'B', '2021-01-01'),
	(40, NULL,   2.5, 3, NULL,  'Oslo',   NULL,    'A', '2022-01-01'),
	(50, 4000,   3.5, 4, true,  NULL,     'basic', 'C', '2023-01-01');

SELECT preprocess_fit('people', '{age,income,score,visits,member,city,plan,grade}') AS pp \gset
SELECT jsonb_pretty(model_info(:'pp') - 'bytes');
SELECT preprocess_names(:'pp');

-- NULL numeric -> mean (scaled 0); NULL text -> the NULL category; unseen -> zeros
SELECT id, preprocess(:'pp', p) FROM people p ORDER BY id;
SELECT preprocess(:'pp', r) FROM (SELECT 35 AS age, 3000 AS income, 2.0 AS score, 9 AS visits,
	true AS member, 'Paris' AS city, 'enterprise' AS plan, 'Z' AS grade, 'extra' AS ignored) r;
SELECT preprocess(:'pp', r) FROM (SELECT NULL::int AS age, NULL::numeric AS income, NULL::real AS score,
	NULL::int AS visits, NULL::bool AS member, NULL::text AS city, NULL::text AS plan,
	NULL::text AS grade) r;

-- default columns: every column (a date column is refused by name)
SELECT preprocess_fit('people');
SELECT jsonb_array_length(model_info(preprocess_fit('people', '{id,city}'))->'outputs');

-- bad input
SELECT preprocess_fit('no_such_table', '{a}');
SELECT preprocess_fit('people', '{age,nope}');
SELECT preprocess_fit('people', '{joined}');
SELECT preprocess_fit('people', '{age,age}');
SELECT preprocess_fit('people', '{}');
SELECT preprocess_fit('people', '{age,NULL}');
SELECT preprocess_fit('people', '{ctid}');
CREATE TABLE empty_people (LIKE people);
SELECT preprocess_fit('empty_people', '{age}');
CREATE TABLE odd_values (x float8, y numeric);
INSERT INTO odd_values VALUES (1, 1), ('NaN', 2);
SELECT preprocess_fit('odd_values', '{x}');
INSERT INTO odd_values VALUES (1, 'NaN');
SELECT preprocess_fit('odd_values', '{y}');
TRUNCATE odd_values;
INSERT INTO odd_values VALUES ('Infinity', 1);
SELECT preprocess_fit('odd_values', '{x}');
SELECT preprocess(:'pp', r) FROM (SELECT 35 AS age) r;
SELECT preprocess(:'pp', r) FROM (SELECT 1 AS age, 1 AS income, 1 AS score, 1 AS visits,
	true AS member, 42 AS city, 'pro' AS plan, 'A' AS grade) r;
SELECT preprocess(:'pp', r) FROM (SELECT 'NaN'::float8 AS age, 1 AS income, 1 AS score, 1 AS visits,
	true AS member, 'Oslo' AS city, 'pro' AS plan, 'A' AS grade) r;
SELECT preprocess((SELECT scaler_fit(ARRAY[1]::float8[])), p) FROM people p LIMIT 1;

-- identifiers are quoted, never interpolated
CREATE TABLE "odd ""name""" ("a""; drop table people; --" int, "Mixed Case" text);
INSERT INTO "odd ""name""" VALUES (1, 'x'), (3, 'y');
SELECT model_info(preprocess_fit('"odd ""name"""', ARRAY['a"; drop table people; --', 'Mixed Case']))->'outputs';
SELECT count(*) AS people_still_there FROM people;
SELECT preprocess_fit('"odd ""name"""', '{mixed case}');

-- the caller's privileges apply
CREATE ROLE regress_segment_reader;
GRANT USAGE ON SCHEMA public TO regress_segment_reader;
SET ROLE regress_segment_reader;
SELECT preprocess_fit('people', '{age}');
RESET ROLE;
DROP OWNED BY regress_segment_reader;
DROP ROLE regress_segment_reader;

-- the memory limit is enforced with a clear message
SET segment.memory_limit = '1MB';
CREATE TABLE wide AS SELECT x::float8 AS a, x::float8 AS b FROM generate_series(1, 100000) x;
SELECT preprocess_fit('wide');
RESET segment.memory_limit;
SELECT model_info(preprocess_fit('wide'))->'columns'->0->>'mean' AS mean_a;

DROP TABLE people, empty_people, odd_values, "odd ""name""", wide;
