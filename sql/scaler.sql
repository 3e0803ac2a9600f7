-- segment.scaler_fit aggregate and segment.scale
SET search_path = segment, public;
SET extra_float_digits = 0;

CREATE TABLE scaler_data AS
SELECT ARRAY[x::float8, (x * x)::float8, 5.0::float8] AS f
FROM generate_series(1, 10) x;

-- mean, population variance, scale (a constant column scales by 1)
SELECT model_info(scaler_fit(f)) - 'bytes' FROM scaler_data;

-- scaled values: mean 0, population std 1 per non-constant column
WITH m AS (SELECT scaler_fit(f) AS s FROM scaler_data),
     z AS (SELECT scale(m.s, d.f) AS z FROM m, scaler_data d)
SELECT round(avg(z[1])::numeric, 12) AS mean1, round(stddev_pop(z[1])::numeric, 12) AS std1,
       round(avg(z[2])::numeric, 12) AS mean2, round(stddev_pop(z[2])::numeric, 12) AS std2,
       min(z[3]) AS const_min, max(z[3]) AS const_max
FROM z;

-- NULL rows are skipped; no rows gives NULL, as avg() does
SELECT model_info(scaler_fit(f)) ->> 'n_samples'
FROM (SELECT f FROM scaler_data UNION ALL SELECT NULL::float8[]) t;
SELECT scaler_fit(f) IS NULL AS empty_is_null FROM scaler_data WHERE false;

-- large offsets do not lose precision (Welford / Chan, not sum of squares)
SELECT (model_info(scaler_fit(ARRAY[1e9 + x]))->'var'->>0)::float8 AS var_of_offset_data
FROM generate_series(1, 4) x;

-- bad inputs
SELECT scaler_fit(f) FROM (VALUES (ARRAY[1, 2]::float8[]), (ARRAY[1, 2, 3]::float8[])) t(f);
SELECT scaler_fit(f) FROM (VALUES (ARRAY[1, NULL]::float8[])) t(f);
SELECT scaler_fit(f) FROM (VALUES (ARRAY[1, 'NaN']::float8[])) t(f);
SELECT scaler_fit(f) FROM (VALUES (ARRAY[1, 'Infinity']::float8[])) t(f);
SELECT scaler_fit(f) FROM (VALUES (ARRAY[1, '-Infinity']::float8[])) t(f);
SELECT scaler_fit(f) FROM (VALUES ('{}'::float8[])) t(f);
SELECT scaler_fit(f) FROM (VALUES ('{{1,2},{3,4}}'::float8[])) t(f);

-- the state functions called directly with malformed states
SELECT scaler_fit_accum('{1,2}', '{1}');
SELECT scaler_fit_accum('{NULL}', '{1}');
SELECT scaler_fit_combine('{1,0,0,0}', '{1,0,0,0,0,0,0}');
SELECT scaler_fit_combine('{1,0,0}', '{1,0,0,0}');
SELECT scaler_fit_combine(NULL, NULL) IS NULL AS both_null;
SELECT scaler_fit_combine(NULL, '{0}');
-- states are {rows, means, sums of squared deviations, binary exponents}
SELECT scaler_fit_combine('{2,1.5,0.5,0}', '{0}');
SELECT scaler_fit_combine('{0}', '{2,1.5,0.5,0}');
SELECT scaler_fit_combine('{2,1.5,0.5,0}', '{2,3.5,0.5,0}');
-- a state held in units of 2^600 combines with one in units of 1
SELECT scaler_fit_combine('{2,1.5,0.5,600}', '{2,0,0,0}');
SELECT scaler_fit_final('{0}') IS NULL AS final_of_empty;

-- scale with a wrong-length array, bad values, a non-scaler model, bad bytes
SELECT scale((SELECT scaler_fit(f) FROM scaler_data), '{1,2}');
SELECT scale((SELECT scaler_fit(f) FROM scaler_data), '{1,NaN,3}');
SELECT scale((SELECT scaler_fit(f) FROM scaler_data), '{1,NULL,3}');
SELECT scale('\x00', '{1,2,3}');
SELECT scale(NULL, '{1,2,3}') IS NULL AS null_model;

-- parallel aggregation: a Partial Aggregate plan, and the same answer as serial
CREATE TABLE scaler_big AS
SELECT ARRAY[monthly_spending, engagement_score, tenure, purchase_frequency]::float8[] AS f
FROM simulate_customers(200000);
ANALYZE scaler_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT scaler_fit(f) FROM scaler_big;
SELECT model_info(scaler_fit(f)) AS parallel_info FROM scaler_big \gset
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT scaler_fit(f) FROM scaler_big;
SELECT model_info(scaler_fit(f)) AS serial_info FROM scaler_big \gset
RESET ALL;
SET search_path = segment, public;
SELECT p.info->'n_samples' = s.info->'n_samples' AS same_count,
       bool_and(abs(pm - sm) <= 1e-12 * greatest(abs(sm), 1)) AS means_agree,
       bool_and(abs(pv - sv) <= 1e-12 * greatest(abs(sv), 1)) AS vars_agree
FROM (SELECT :'parallel_info'::jsonb AS info) p, (SELECT :'serial_info'::jsonb AS info) s,
     LATERAL (SELECT (p.info->'mean'->>i)::float8, (s.info->'mean'->>i)::float8,
                     (p.info->'var'->>i)::float8, (s.info->'var'->>i)::float8
              FROM generate_series(0, 3) i) AS v(pm, sm, pv, sv)
GROUP BY 1;

DROP TABLE scaler_data, scaler_big;
