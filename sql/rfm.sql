-- RFM: features, quintile scores and segments from transactions; bad input
-- (the figures are worked out by hand in the comments)
SET search_path = segment, public;
SET extra_float_digits = 0;
SET TimeZone = 'UTC';
\set VERBOSITY terse

CREATE TABLE rfm_tx (customer bigint, day date, amount numeric);
INSERT INTO rfm_tx VALUES
	(1, '2024-01-01', 10), (1, '2024-01-01', 5),	-- one purchase of 15 (same day)
	(1, '2024-01-11', 20), (1, '2024-01-31', 25),
	(2, '2024-01-21', 100),							-- a single purchase
	(3, '2024-01-05', NULL),						-- NULL amount: skipped
	(3, '2024-01-15', 30), (3, '2024-01-25', 30),
	(4, '2024-01-10', 40), (4, '2024-02-10', 60),	-- 02-10: after as_of 2024-02-01
	(5, '2024-01-20', 15), (5, '2024-01-30', 15),
	(6, '2024-01-31', 70),
	(NULL, '2024-01-31', 999),						-- no customer: skipped
	(7, NULL, 50),									-- no date: skipped
	(7, '2024-01-02', 8);

-- As of the last purchase (2024-02-10).  7 customers: rank r is in bin
-- ceil(5 (r - 1) / 6), i.e. ranks 1-2, 3, 4, 5, 6-7; R = 6 - bin.
-- recency 0 (4), 10 (1, 6: tie, 1 first), 11 (5), 16 (3), 20 (2), 39 (7)
--   -> R 5, 5, 4, 3, 2, 1, 1
-- frequency 1 (2, 6, 7), 2 (3, 4, 5), 3 (1) -> F 1, 1, 2, 3, 4, 5, 5
-- monetary 8 (7), 30 (5), 60 (1, 3), 70 (6), 100 (2, 4) -> M 1, 1, 2, 3, 4, 5, 5
-- FM = round half up of (F + M) / 2: 1 (5,5,2) FM 4 champions; 2 (1,1,5) FM 3
-- at_risk; 3 (2,3,3) at_risk; 4 (5,4,5) champions; 5 (3,5,1) FM 3
-- need_attention; 6 (4,1,4) FM 3 potential_loyalists; 7 (1,2,1) FM 2 lost
SELECT * FROM rfm('rfm_tx', 'customer', 'day', 'amount');

-- As of 2024-02-01: customer 4's purchase of 02-10 is left out.
-- recency 1 (1, 6), 2 (5), 7 (3), 11 (2), 22 (4), 30 (7) -> R 5, 5, 4, 3, 2, 1, 1
-- frequency 1 (2, 4, 6, 7), 2 (3, 5), 3 (1) -> F 1, 1, 2, 3, 4, 5, 5
-- monetary 8 (7), 30 (5), 40 (4), 60 (1, 3), 70 (6), 100 (2) -> M 1, 1, 2, 3, 4, 5, 5
-- 1 (5,5,3) champions; 2 (2,1,5) FM 3 at_risk; 3 (3,4,4) loyal_customers;
-- 4 (1,1,2) lost; 5 (4,5,1) FM 3 potential_loyalists; 6 (5,2,5) FM 4
-- champions; 7 (1,3,1) FM 2 lost
SELECT * FROM rfm('rfm_tx', 'customer', 'day', 'amount', '2024-02-01');
-- a purchase on as_of's date counts (a date is its midnight)
SELECT customer_id, recency, frequency FROM rfm('rfm_tx', 'customer', 'day', 'amount', '2024-01-31')
WHERE customer_id IN ('1', '6');
-- as_of before every purchase, and an empty table: no customers
SELECT count(*) FROM rfm('rfm_tx', 'customer', 'day', 'amount', '2023-12-31');
CREATE TABLE rfm_empty (LIKE rfm_tx);
SELECT count(*) FROM rfm('rfm_empty', 'customer', 'day', 'amount');
SELECT count(*) FROM rfm_split('rfm_empty', 'customer', 'day', 'amount', '2024-01-01');

-- Features before 2024-01-21 as of that day, spend in [01-21, 02-04).
-- Customers 2 and 6 bought nothing before the cutoff: not listed.
-- 5 customers: ranks are bins.  recency 1 (5), 6 (3), 10 (1), 11 (4), 19 (7)
-- -> R 5, 4, 3, 2, 1; frequency 1 (3, 4, 5, 7), 2 (1) -> F 1, 2, 3, 4, 5;
-- monetary 8 (7), 15 (5), 30 (3), 35 (1), 40 (4) -> M 1, 2, 3, 4, 5.
-- 1 (3,5,4) FM 5 loyal_customers, future 25; 3 (4,1,3) FM 2
-- potential_loyalists, 30; 4 (2,2,5) FM 4 at_risk, 0 (02-10 is after the
-- horizon); 5 (5,3,2) FM 3 potential_loyalists, 15; 7 (1,4,1) FM 3 at_risk, 0
SELECT * FROM rfm_split('rfm_tx', 'customer', 'day', 'amount', '2024-01-21', '14 days');
-- the default horizon of 180 days takes customer 4's purchase of 02-10
SELECT customer_id, future_spend FROM rfm_split('rfm_tx', 'customer', 'day', 'amount', '2024-01-21')
WHERE customer_id = '4';

-- Ties broken in the customer's own order: 9 before 10 as bigints
-- ('10' < '9' as text), so 9 has rank 1 (bin 1) and 10 rank 2 (bin 5).
CREATE TABLE rfm_tie (customer bigint, day date, amount numeric);
INSERT INTO rfm_tie VALUES (10, '2024-01-01', 5), (9, '2024-01-01', 5);
SELECT customer_id, r_score, f_score, m_score, segment FROM rfm('rfm_tie', 'customer', 'day', 'amount');

-- Timestamps: fractional days; rows at the same instant are one purchase,
-- at another instant of the same day another purchase.
CREATE TABLE rfm_ts (customer text, at timestamptz, amount float8);
INSERT INTO rfm_ts VALUES
	('a', '2024-03-01 00:00', 10), ('a', '2024-03-01 00:00', 5), ('a', '2024-03-01 12:00', 1),
	('b', '2024-03-02 06:00', 4);
-- as of 03-02 06:00: a: recency 18 h = 0.75, tenure 30 h = 1.25, 2 purchases
-- 0.5 days apart, 16 spent; R 1, F 5, M 5: cant_lose_them; b: new_customers
SELECT * FROM rfm('rfm_ts', 'customer', 'at', 'amount');
-- timestamp without time zone, as_of read in the session's time zone (UTC):
-- a alone (b is later): recency 0.5, tenure 1; one customer scores 5, 1, 1
CREATE VIEW rfm_local AS SELECT customer, at::timestamp AS at, amount FROM rfm_ts;
SELECT * FROM rfm('rfm_local', 'customer', 'at', 'amount', '2024-03-02 00:00+00');
-- as_of in another zone: 2024-03-02 04:00+05 is 03-01 23:00 UTC
SELECT customer_id, recency, frequency, monetary
FROM rfm('rfm_local', 'customer', 'at', 'amount', '2024-03-02 04:00+05');

-- Amounts of every numeric type and domains over the column types give the
-- same figures as numeric amounts over dates.
CREATE DOMAIN rfm_day AS date;
CREATE DOMAIN rfm_money AS numeric CHECK (VALUE >= 0);
CREATE TABLE rfm_types AS
SELECT customer::text AS customer, day::rfm_day AS day, amount::rfm_money AS m_domain,
	   amount::int2 AS m_int2, amount::int4 AS m_int4, amount::int8 AS m_int8,
	   amount::float4 AS m_float4, amount::float8 AS m_float8, amount::money AS m_money
FROM rfm_tx;
SELECT amount_column,
	   (SELECT array_agg(ROW(r.customer_id, r.monetary, r.r_score, r.f_score, r.m_score)::text
						 ORDER BY r.customer_id)
		FROM rfm('rfm_types', 'customer', 'day', amount_column) r)
	   = (SELECT array_agg(ROW(r.customer_id, r.monetary, r.r_score, r.f_score, r.m_score)::text
						   ORDER BY r.customer_id)
		  FROM rfm('rfm_tx', 'customer', 'day', 'amount') r) AS same
FROM unnest(ARRAY['m_domain', 'm_int2', 'm_int4', 'm_int8', 'm_float4', 'm_float8', 'm_money'])
	 AS a(amount_column);

-- Names that need quoting are just names.
CREATE TABLE "RFM tx; --" ("Customer ID" uuid, "At" date, "a""b" numeric);
INSERT INTO "RFM tx; --" VALUES ('00000000-0000-0000-0000-000000000001', '2024-01-01', 1),
	('00000000-0000-0000-0000-000000000001', '2024-01-03', 2);
SELECT customer_id, recency, frequency, monetary, inter_purchase_time
FROM rfm('"RFM tx; --"', 'Customer ID', 'At', 'a"b', '2024-01-04');

-- the segment map: rows R 5..1, columns FM 1..5 (F = M = FM)
SELECT r AS r_score,
	   string_agg(rfm_segment(r, fm, fm), ' | ' ORDER BY fm) AS "FM 1 | 2 | 3 | 4 | 5"
FROM generate_series(5, 1, -1) AS r, generate_series(1, 5) AS fm
GROUP BY r ORDER BY r DESC;
SELECT rfm_segment(5, 1, 2) AS fm_rounds_up, rfm_segment(NULL, 1, 1) AS strict;

-- The caller's search_path cannot redirect the query: hostile operators and
-- an aggregate in public, searched first, are never called.
CREATE FUNCTION public.rfm_hostile_minus(a date, b date) RETURNS integer LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: date - date'; RETURN 0; END $$;
CREATE OPERATOR public.- (LEFTARG = date, RIGHTARG = date, FUNCTION = public.rfm_hostile_minus);
CREATE FUNCTION public.rfm_hostile_sum(s numeric, v numeric) RETURNS numeric LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: sum(numeric)'; RETURN 0; END $$;
CREATE AGGREGATE public.sum(numeric) (SFUNC = public.rfm_hostile_sum, STYPE = numeric);
SET search_path = public, pg_catalog, segment;
SELECT customer_id, recency, monetary FROM segment.rfm('rfm_tx', 'customer', 'day', 'amount')
WHERE customer_id = '1';
SET search_path = segment, public;
DROP AGGREGATE public.sum(numeric);
DROP FUNCTION public.rfm_hostile_sum(numeric, numeric);
DROP OPERATOR public.- (date, date);
DROP FUNCTION public.rfm_hostile_minus(date, date);

-- bad input
SELECT * FROM rfm(NULL, 'customer', 'day', 'amount');
SELECT * FROM rfm('rfm_tx', NULL, 'day', 'amount');
SELECT * FROM rfm('rfm_tx', 'customer', NULL, 'amount');
SELECT * FROM rfm('rfm_tx', 'customer', 'day', NULL);
SELECT * FROM rfm('rfm_missing', 'customer', 'day', 'amount');
SELECT * FROM rfm(0, 'customer', 'day', 'amount');
SELECT * FROM rfm('pg_class_oid_index', 'oid', 'oid', 'oid');
SELECT * FROM rfm('rfm_tx', 'client', 'day', 'amount');
SELECT * FROM rfm('rfm_tx', 'customer', 'when', 'amount');
SELECT * FROM rfm('rfm_tx', 'customer', 'day', 'total');
SELECT * FROM rfm('rfm_tx', 'customer', 'customer', 'amount');
SELECT * FROM rfm('rfm_tx', 'customer', 'day', 'day');
CREATE TABLE rfm_odd (customer json, place point, day text, paid date, amount text);
SELECT * FROM rfm('rfm_odd', 'customer', 'paid', 'amount');
SELECT * FROM rfm('rfm_odd', 'place', 'paid', 'amount');
SELECT * FROM rfm('rfm_odd', 'day', 'day', 'amount');
SELECT * FROM rfm('rfm_odd', 'day', 'paid', 'amount');
SELECT * FROM rfm('rfm_tx', 'customer', 'day', 'amount', 'infinity');
SELECT * FROM rfm_split('rfm_tx', 'customer', 'day', 'amount', NULL);
SELECT * FROM rfm_split('rfm_tx', 'customer', 'day', 'amount', '-infinity');
SELECT * FROM rfm_split('rfm_tx', 'customer', 'day', 'amount', '2024-01-21', NULL);
SELECT * FROM rfm_split('rfm_tx', 'customer', 'day', 'amount', '2024-01-21', '0 days');
SELECT * FROM rfm_split('rfm_tx', 'customer', 'day', 'amount', '2024-01-21', '-1 day');
SELECT rfm_segment(0, 3, 3);
SELECT rfm_segment(3, 3, 6);
-- NaN and infinite amounts are refused, not ranked
CREATE TABLE rfm_nan (customer int, day date, amount float8);
INSERT INTO rfm_nan VALUES (1, '2024-01-01', 1), (1, '2024-01-02', 'NaN');
SELECT * FROM rfm('rfm_nan', 'customer', 'day', 'amount');
UPDATE rfm_nan SET amount = 'Infinity' WHERE day = '2024-01-02';
SELECT * FROM rfm('rfm_nan', 'customer', 'day', 'amount');
SELECT count(*) FROM rfm('rfm_nan', 'customer', 'day', 'amount', '2024-01-01');
SELECT * FROM rfm_split('rfm_nan', 'customer', 'day', 'amount', '2024-01-02');
-- an infinite date cannot give a number of days
INSERT INTO rfm_nan VALUES (2, '-infinity', 1);
SELECT * FROM rfm('rfm_nan', 'customer', 'day', 'amount', '2024-01-01');

DROP TABLE rfm_tx, rfm_empty, rfm_tie, rfm_ts, rfm_types, rfm_odd, rfm_nan, "RFM tx; --" CASCADE;
DROP DOMAIN rfm_day, rfm_money;
