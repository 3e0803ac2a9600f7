-- The caller's search_path cannot redirect what the extension runs:
-- hostile operators, an aggregate, type names and a function in public,
-- searched before pg_catalog, and every function of the extension called
-- under that path.  Each hostile object raises a WARNING when it runs; the
-- extension's calls raise none.  A caller's own unqualified call is
-- another matter (last part).
SET extra_float_digits = 0;
\set VERBOSITY terse

CREATE TABLE public.sp_customers AS
SELECT customer_id, monthly_spending, engagement_score, tenure,
	   (ARRAY['north', 'south'])[1 + customer_id % 2] AS region, customer_segment
FROM segment.simulate_customers(400);

CREATE FUNCTION public.hijacked_text_eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: text = text'; RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.hijacked_text_eq);
CREATE FUNCTION public.hijacked_int_eq(a integer, b integer) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: integer = integer'; RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR public.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.hijacked_int_eq);
CREATE FUNCTION public.hijacked_minus(a float8, b float8) RETURNS float8 LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: float8 - float8'; RETURN a OPERATOR(pg_catalog.-) b; END $$;
CREATE OPERATOR public.- (LEFTARG = float8, RIGHTARG = float8, FUNCTION = public.hijacked_minus);
CREATE FUNCTION public.hijacked_divide(a float8, b float8) RETURNS float8 LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: float8 / float8'; RETURN a OPERATOR(pg_catalog./) b; END $$;
CREATE OPERATOR public./ (LEFTARG = float8, RIGHTARG = float8, FUNCTION = public.hijacked_divide);
CREATE FUNCTION public.hijacked_field(a jsonb, b text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: jsonb ->> text'; RETURN a OPERATOR(pg_catalog.->>) b; END $$;
CREATE OPERATOR public.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = public.hijacked_field);
CREATE FUNCTION public.hijacked_concat(a text, b text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: text || text'; RETURN a OPERATOR(pg_catalog.||) b; END $$;
CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = public.hijacked_concat);
CREATE FUNCTION public.hijacked_count(state bigint) RETURNS bigint LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: count(*)'; RETURN state OPERATOR(pg_catalog.+) 1; END $$;
CREATE AGGREGATE public.count(*) (SFUNC = public.hijacked_count, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION public.hijacked_check(v double precision) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: a cast to float8'; RETURN true; END $$;
CREATE DOMAIN public.float8 AS pg_catalog.float8 CHECK (public.hijacked_check(VALUE));
CREATE FUNCTION public.hijacked_int_check(v integer) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: a cast to int4'; RETURN true; END $$;
CREATE DOMAIN public.int4 AS pg_catalog.int4 CHECK (public.hijacked_int_check(VALUE));
-- an exact match for a call with a row of public.sp_customers
CREATE FUNCTION public.segment_predict(model text, c public.sp_customers) RETURNS text
	LANGUAGE plpgsql AS
$$ BEGIN RAISE WARNING 'hijacked: public.segment_predict'; RETURN 'hijacked'; END $$;

-- public before pg_catalog: the hostile objects take an unqualified query
SET search_path = public, pg_catalog, segment;
SELECT 'a'::text = 'a'::text AS text_eq, 1.5::float8 AS cast_float8;
SELECT count(*) FROM (VALUES (1)) v;

-- the extension under the same path: no warning
SET client_min_messages = warning;
SELECT segment.save_model('sp_scaler', segment.scaler_fit(ARRAY[monthly_spending])) FROM public.sp_customers;
SELECT segment.save_model('sp_scaler', segment.scaler_fit(ARRAY[monthly_spending, tenure::pg_catalog.float8]),
						  spec => '{"note": "two columns"}', deploy => false)
FROM public.sp_customers;
SELECT segment.deploy('sp_scaler', 2);
SELECT segment.model('sp_scaler') IS NOT NULL AS deployed_bytes,
	   segment.model('sp_scaler', 1) IS NOT NULL AS version_bytes;
SELECT segment.grant_predict('sp_scaler', 'public'), segment.revoke_predict('sp_scaler', 'public');
SELECT segment.set_model_owner('sp_scaler', current_user::pg_catalog.text);
SELECT segment.drop_model('sp_scaler', 1);
SELECT k, chosen FROM segment.kmeans_fit('sp_km', 'public.sp_customers',
										 ARRAY['monthly_spending', 'tenure'], k => '{2}', n_init => 1);
SELECT k, chosen FROM segment.kmeans_fit('sp_km', 'public.sp_customers',
										 ARRAY['monthly_spending', 'tenure'], k => '{2}', n_init => 1,
										 streaming => true);
SELECT cluster, size FROM segment.profile('sp_km', 'public.sp_customers') ORDER BY cluster;
SELECT cluster, feature FROM segment.centroids('sp_km') ORDER BY cluster, feature;
SELECT segment.segment_predict('sp_km', c) AS cluster, segment.segment_predict_proba('sp_km', c) IS NOT NULL AS proba
FROM public.sp_customers c WHERE c.customer_id OPERATOR(pg_catalog.=) 1;
SELECT segment.segment_train('sp_tier', 'public.sp_customers', 'customer_segment', exclude => '{customer_id}',
							 hidden => '{4}', epochs => 2, balance => 'none') IS NOT NULL AS trained;
SELECT segment.retrain('sp_tier', deploy => 'never', skip_if_unchanged => false) IS NOT NULL AS retrained;
SELECT segment.model_metrics('sp_tier') IS NOT NULL AS metrics;
SELECT class FROM segment.evaluate('sp_tier');
SELECT actual, predicted FROM segment.confusion_matrix('sp_tier');
SELECT class, rows_before, rows_after
FROM segment.smote_table('public.sp_customers', 'customer_segment', 'sp_balanced',
						 features => '{monthly_spending,tenure,region}') ORDER BY class;
SELECT segment.preprocess_names(segment.preprocess_fit('public.sp_customers', '{monthly_spending,region}'));
RESET client_min_messages;

-- segment before public does not protect a caller's own unqualified call:
-- a function that matches the argument types exactly wins over a better
-- placed one that needs a coercion (segment.segment_predict takes record).
-- Schema-qualified calls, or no CREATE on public for untrusted roles (the
-- PostgreSQL 15 default), do.
SET search_path = segment, public;
SELECT segment_predict('sp_km', c) AS unqualified FROM public.sp_customers c WHERE customer_id = 1;
SELECT segment.segment_predict('sp_km', c) AS qualified FROM public.sp_customers c WHERE customer_id = 1;

-- leave the database as it was
SELECT segment.drop_model('sp_scaler') + segment.drop_model('sp_km') + segment.drop_model('sp_tier') AS dropped;
DROP TABLE public.sp_balanced, public.sp_customers CASCADE;
DROP AGGREGATE public.count(*);
DROP DOMAIN public.float8;
DROP DOMAIN public.int4;
DROP OPERATOR public.= (text, text);
DROP OPERATOR public.= (integer, integer);
DROP OPERATOR public.- (float8, float8);
DROP OPERATOR public./ (float8, float8);
DROP OPERATOR public.->> (jsonb, text);
DROP OPERATOR public.|| (text, text);
DROP FUNCTION public.hijacked_text_eq, public.hijacked_int_eq, public.hijacked_minus,
	public.hijacked_divide, public.hijacked_field, public.hijacked_concat, public.hijacked_count,
	public.hijacked_check, public.hijacked_int_check;
