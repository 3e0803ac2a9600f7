-- Who may read, write, deploy, retrain and predict with a model.
-- A model name belongs to the role that saved its first version; roles with
-- that role's privileges (and superusers) change it and read its bytes, spec
-- and metrics; segment.grant_predict lets another role predict by name only.
-- Three roles: an owner, an analyst (another model's owner), an application.
SET search_path = segment, public;
SET extra_float_digits = 0;
\set SHOW_CONTEXT never

CREATE ROLE regress_seg_owner;
CREATE ROLE regress_seg_analyst;
CREATE ROLE regress_seg_app;
CREATE SCHEMA priv;
GRANT USAGE ON SCHEMA priv TO PUBLIC;
CREATE TABLE priv.customers AS
SELECT customer_id, monthly_spending, engagement_score, tenure,
	   (ARRAY['north', 'south', 'east', 'west'])[1 + customer_id % 4] AS region,
	   (ARRAY['low', 'medium', 'high'])[customer_segment + 1] AS tier
FROM simulate_customers(400);
GRANT SELECT ON priv.customers TO regress_seg_owner, regress_seg_analyst, regress_seg_app;
-- a table only superusers read, with the same columns and other regions
CREATE TABLE priv.secret AS
SELECT customer_id, monthly_spending, engagement_score, tenure,
	   'secret region ' || (customer_id % 3) AS region, tier
FROM priv.customers;

-- 'allowed', or the SQLSTATE and message of the error
CREATE FUNCTION pg_temp.attempt(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	RETURN 'allowed';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- the same, with the error's context (but for statements and PL/pgSQL lines)
CREATE FUNCTION pg_temp.attempt_in_context(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	context text;
BEGIN
	EXECUTE statement;
	RETURN 'allowed';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS context = PG_EXCEPTION_CONTEXT;
	RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' ||
		(SELECT string_agg(line, '; ') FROM regexp_split_to_table(context, E'\n') AS line
		 WHERE line !~ '^(SQL statement|PL/pgSQL)') || ')', '');
END
$$;

-- the owner trains a classifier and a k-means model: both are its own
SET ROLE regress_seg_owner;
SET client_min_messages = warning;
SELECT r->'version' AS version, r->'deployed' AS deployed
FROM segment_train('priv_tier', 'priv.customers', 'tier', exclude => '{customer_id}',
				   hidden => '{4}', epochs => 3, balance => 'none') r;
SELECT k FROM kmeans_fit('priv_km', 'priv.customers', ARRAY['monthly_spending', 'tenure'],
						 k => '{2}', n_init => 1);
RESET client_min_messages;
SELECT name, version, kind, deployed, created_by, owner FROM models ORDER BY name, version;
SELECT preprocess_names(model('priv_tier'));
RESET ROLE;

-- the analyst: sees no row of them, reads, changes and predicts with none
SET ROLE regress_seg_analyst;
SELECT count(*) AS visible_versions FROM models;
SELECT statement, pg_temp.attempt(statement) AS result FROM (VALUES
	($$SELECT model('priv_tier')$$),
	($$SELECT model('priv_tier', 1)$$),
	($$SELECT model_info(model('priv_tier'))$$),
	($$SELECT preprocess_names(model('priv_tier'))$$),
	($$SELECT model_metrics('priv_tier')$$),
	($$SELECT * FROM evaluate('priv_tier')$$),
	($$SELECT * FROM confusion_matrix('priv_tier')$$),
	($$SELECT * FROM centroids('priv_km')$$),
	($$SELECT segment_predict('priv_tier', c) FROM priv.customers c$$),
	($$SELECT segment_predict('priv_tier', ARRAY[0, 0, 0, 1, 0, 0, 0]::float8[])$$),
	($$SELECT segment_predict_proba('priv_tier', c) FROM priv.customers c$$),
	($$SELECT * FROM profile('priv_km', 'priv.customers')$$),
	($$SELECT save_model('priv_tier', scaler_fit(ARRAY[tenure]::float8[])) FROM priv.customers$$),
	($$SELECT deploy('priv_tier', 1)$$),
	($$SELECT drop_model('priv_tier', 1)$$),
	($$SELECT drop_model('priv_tier')$$),
	($$SELECT retrain('priv_tier')$$),
	($$SELECT grant_predict('priv_tier', 'regress_seg_analyst')$$),
	($$SELECT revoke_predict('priv_tier', 'regress_seg_app')$$),
	($$SELECT set_model_owner('priv_tier', 'regress_seg_analyst')$$),
	($$SELECT segment_train('priv_tier', 'priv.customers', 'tier', epochs => 1)$$),
	($$SELECT kmeans_fit('priv_km', 'priv.customers', ARRAY['tenure'], k => '{2}')$$),
	-- the tables take no write from anyone but their owner: no forged
	-- created_by or owner, no edited spec
	($$INSERT INTO models (name, version, kind, created_by, model, owner)
	   SELECT 'priv_forged', 1, 'scaler', 'regress_seg_owner', scaler_fit(ARRAY[tenure]::float8[]),
			  'regress_seg_owner' FROM priv.customers$$),
	($$UPDATE models SET spec = '{"arguments": {"relation": "priv.secret"}}' WHERE name = 'priv_tier'$$),
	($$UPDATE models SET deployed = false$$),
	($$DELETE FROM models$$),
	($$TRUNCATE models$$),
	($$INSERT INTO model_grants (name, grantee, granted_by) VALUES ('priv_tier', 'regress_seg_analyst', 'x')$$)
) AS t(statement);
-- a refusal in full
SELECT deploy('priv_tier', 1);
SELECT segment_predict('priv_tier', c) FROM priv.customers c WHERE customer_id = 1;
-- the analyst's own model: created_by and owner are the analyst, whoever it claims to be
SELECT save_model('priv_scaler', scaler_fit(ARRAY[tenure]::float8[]),
				  spec => '{"created_by": "regress_seg_owner"}') FROM priv.customers;
SELECT name, version, created_by, owner FROM models ORDER BY name, version;
RESET ROLE;

-- the application: refused, then granted: it predicts by name in every
-- form, and still reads nothing of the models
SET ROLE regress_seg_app;
SELECT segment_predict('priv_tier', c) FROM priv.customers c WHERE customer_id = 1;
RESET ROLE;
SET ROLE regress_seg_owner;
SELECT grant_predict('priv_tier', 'regress_seg_app'), grant_predict('priv_km', 'regress_seg_app');
SELECT name, grantee, granted_by FROM model_grants ORDER BY name;
RESET ROLE;
SET ROLE regress_seg_app;
SELECT segment_predict('priv_tier', c) IN ('low', 'medium', 'high') AS tier_predicted, count(*)
FROM priv.customers c GROUP BY 1;
SELECT segment_predict('priv_tier', ARRAY[0, 0, 0, 1, 0, 0, 0]::float8[]) IS NOT NULL AS from_features;
SELECT (SELECT count(*) FROM jsonb_object_keys(segment_predict_proba('priv_tier', c))) AS classes
FROM priv.customers c WHERE customer_id = 1;
SELECT segment_predict('priv_km', c) AS cluster, count(*) FROM priv.customers c GROUP BY 1 ORDER BY 1;
SELECT cluster, size FROM profile('priv_km', 'priv.customers') ORDER BY cluster;
SELECT count(*) AS visible_versions FROM models;
SELECT name, grantee FROM model_grants ORDER BY name;
SELECT statement, pg_temp.attempt(statement) AS result FROM (VALUES
	($$SELECT model('priv_tier')$$),
	($$SELECT model_info(model('priv_km'))$$),
	($$SELECT model_metrics('priv_tier')$$),
	($$SELECT * FROM evaluate('priv_tier')$$),
	($$SELECT * FROM confusion_matrix('priv_tier')$$),
	($$SELECT * FROM centroids('priv_km')$$),
	($$SELECT deploy('priv_tier', 1)$$),
	($$SELECT grant_predict('priv_tier', 'regress_seg_analyst')$$)
) AS t(statement);
RESET ROLE;

-- a revoked grant refuses the next call, although this backend has the model decoded
SET ROLE regress_seg_owner;
SELECT revoke_predict('priv_tier', 'regress_seg_app');
RESET ROLE;
SET ROLE regress_seg_app;
SELECT segment_predict('priv_tier', c) FROM priv.customers c WHERE customer_id = 1;
RESET ROLE;

-- SET ROLE after a cached prediction: refused exactly as an uncached call
SET ROLE regress_seg_owner;
SELECT segment_predict('priv_tier', c) IS NOT NULL AS owner_predicts
FROM priv.customers c WHERE customer_id = 1;
RESET ROLE;
SET ROLE regress_seg_analyst;
SELECT segment_predict('priv_tier', c) FROM priv.customers c WHERE customer_id = 1;
SELECT pg_temp.attempt($$SELECT segment_predict('priv_tier', c) FROM priv.customers c$$);
RESET ROLE;
-- and within one statement that changes role (a SECURITY DEFINER function)
CREATE FUNCTION priv.predict_as_analyst(c priv.customers) RETURNS text
	LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS
	$$ SELECT segment.segment_predict('priv_tier', c) $$;
ALTER FUNCTION priv.predict_as_analyst(priv.customers) OWNER TO regress_seg_analyst;
SET ROLE regress_seg_owner;
SELECT segment_predict('priv_tier', c) IS NOT NULL AS owner_predicts, priv.predict_as_analyst(c)
FROM priv.customers c WHERE customer_id = 1;
RESET ROLE;

-- members of the owner role may change its models; not once the membership is revoked
GRANT regress_seg_owner TO regress_seg_analyst;
SET ROLE regress_seg_analyst;
SELECT deploy('priv_tier', 1);
SELECT segment_predict('priv_tier', c) IS NOT NULL AS member_predicts
FROM priv.customers c WHERE customer_id = 1;
RESET ROLE;
REVOKE regress_seg_owner FROM regress_seg_analyst;
SET ROLE regress_seg_analyst;
SELECT pg_temp.attempt($$SELECT deploy('priv_tier', 1)$$) AS deploy,
	   pg_temp.attempt($$SELECT segment_predict('priv_tier', c) FROM priv.customers c$$) AS predict;
RESET ROLE;

-- a grant to PUBLIC
SET ROLE regress_seg_owner;
SELECT grant_predict('priv_km', 'public');
RESET ROLE;
SET ROLE regress_seg_analyst;
SELECT segment_predict('priv_km', c) AS cluster, count(*) FROM priv.customers c GROUP BY 1 ORDER BY 1;
SELECT name, grantee FROM model_grants ORDER BY name;
RESET ROLE;

-- retrain runs as the model's owner: from the owner, and from a nightly job
-- (a superuser here); the new versions are the owner's
SET client_min_messages = warning;
SET ROLE regress_seg_owner;
SELECT r->'version' AS version FROM retrain('priv_tier', deploy => 'never', skip_if_unchanged => false) r;
RESET ROLE;
SELECT r->'version' AS version FROM retrain('priv_tier', deploy => 'never', skip_if_unchanged => false) r;
RESET client_min_messages;
SELECT version, created_by, owner, deployed FROM models WHERE name = 'priv_tier' ORDER BY version;
-- the owner stores a spec that points at a table it may not read; the
-- superuser's retrain then reads it as the owner, and is refused, instead
-- of putting the secret regions into a model the owner reads
SET ROLE regress_seg_owner;
SELECT save_model('priv_tier', model('priv_tier', 1),
				  jsonb_set(spec, '{arguments,relation}', '"priv.secret"'), deploy => false)
FROM models WHERE name = 'priv_tier' AND version = 1;
RESET ROLE;
SELECT pg_temp.attempt_in_context($$SELECT retrain('priv_tier')$$);
SELECT count(*) AS versions FROM models WHERE name = 'priv_tier';
-- a spec naming an argument segment_train does not have is refused
SET ROLE regress_seg_owner;
SELECT save_model('priv_tier', model('priv_tier', 1),
				  '{"function": "segment_train", "arguments": {"relation": "priv.customers", "label": "tier", "sql": "x"}}',
				  deploy => false);
RESET ROLE;
SELECT retrain('priv_tier');

-- a member of the owner's role retrains on data it may read itself: the
-- whole relation, or the label, feature and key columns the spec names (here
-- the owner, and so its member, may not read the key column): refused before
-- the training starts, so the error has no context of the training
CREATE ROLE regress_seg_member IN ROLE regress_seg_owner;
CREATE TABLE priv.columns_only AS SELECT * FROM priv.customers;
GRANT SELECT (monthly_spending, engagement_score, tenure, region, tier) ON priv.columns_only
	TO regress_seg_owner;
SET ROLE regress_seg_owner;
SELECT save_model('priv_tier', model('priv_tier', 1),
				  spec || jsonb_build_object('arguments', spec->'arguments' ||
					  '{"relation": "priv.columns_only", "key": ["customer_id"],
						"features": ["monthly_spending", "engagement_score", "tenure", "region"]}'),
				  deploy => false) AS saved
FROM models WHERE name = 'priv_tier' AND version = 1 \gset
SET ROLE regress_seg_member;
SELECT pg_temp.attempt_in_context($$SELECT retrain('priv_tier', deploy => 'never', skip_if_unchanged => false)$$);
RESET ROLE;
SELECT drop_model('priv_tier', :saved);
DROP ROLE regress_seg_member;

-- the same rules for a k-means model: retrain repeats kmeans_fit as its owner
SET client_min_messages = warning;
SET ROLE regress_seg_owner;
SELECT r->'version' AS version, r->'deployed' AS deployed
FROM retrain('priv_km', skip_if_unchanged => false) r;
RESET ROLE;
SET ROLE regress_seg_analyst;
SELECT pg_temp.attempt($$SELECT retrain('priv_km')$$);
SELECT pg_temp.attempt($$SELECT set_persona('priv_km', 0, 'mine')$$);
SELECT pg_temp.attempt($$SELECT * FROM personas('priv_km')$$);
RESET ROLE;
RESET client_min_messages;
-- a kmeans_fit spec pointing at the secret table: the superuser's retrain reads as the owner
SET ROLE regress_seg_owner;
SELECT save_model('priv_km', model('priv_km'),
				  jsonb_set(spec, '{arguments,relation}', '"priv.secret"'), deploy => false)
FROM models WHERE name = 'priv_km' AND deployed;
RESET ROLE;
SELECT pg_temp.attempt_in_context($$SELECT retrain('priv_km')$$);
-- and an argument kmeans_fit does not have is refused
SET ROLE regress_seg_owner;
SELECT save_model('priv_km', model('priv_km'),
				  '{"function": "kmeans_fit", "arguments": {"relation": "priv.customers", "columns": ["tenure"], "sql": "x"}}',
				  deploy => false);
RESET ROLE;
SELECT retrain('priv_km');

-- a model given to another role: the new owner's members change it, the old owner's do not
SELECT set_model_owner('priv_tier', 'regress_seg_analyst');
SET ROLE regress_seg_owner;
SELECT pg_temp.attempt($$SELECT deploy('priv_tier', 1)$$);
RESET ROLE;
SET ROLE regress_seg_analyst;
SELECT deploy('priv_tier', 2);
SELECT DISTINCT owner FROM models WHERE name = 'priv_tier';
SELECT pg_temp.attempt($$SELECT set_model_owner('priv_tier', 'regress_seg_app')$$);
RESET ROLE;
SELECT set_model_owner('priv_tier', 'public');

-- dropping every version drops the grants too; the name is then free
SET ROLE regress_seg_owner;
SELECT drop_model('priv_km');
RESET ROLE;
SELECT count(*) AS grants_left FROM model_grants WHERE name = 'priv_km';
SET ROLE regress_seg_analyst;
SELECT save_model('priv_km', scaler_fit(ARRAY[tenure]::float8[])) FROM priv.customers;
SELECT DISTINCT owner FROM models WHERE name = 'priv_km';
RESET ROLE;

-- leave the shared registry and the cluster's roles as they were
SELECT drop_model(name) FROM (SELECT DISTINCT name FROM models WHERE name LIKE 'priv\_%') n
ORDER BY name;
DROP SCHEMA priv CASCADE;
DROP ROLE regress_seg_owner;
DROP ROLE regress_seg_analyst;
DROP ROLE regress_seg_app;
