-- segment 0.1.0 -> 0.2.0.  Every change to sql/install/ since 0.1.0 has its
-- counterpart here; test/upgrade checks that an updated 0.1.0 database has
-- exactly the objects of a new 0.2.0 install.

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION segment UPDATE TO '0.2.0'" to load this file. \quit

------------------------------------------------------------------------
-- Registry: owners, grants to predict, row level security, and every
-- registry function in C (src/registry.c); segment_train's stored specs
-- name its arguments.
------------------------------------------------------------------------

-- A model name belongs to the role that saved its first version (the
-- creator of a version 1 that no longer exists as a role: the registry's
-- owner).
ALTER TABLE segment.models ADD COLUMN owner regrole;
UPDATE segment.models m
SET owner = coalesce(
		(SELECT pg_catalog.to_regrole(pg_catalog.quote_ident(f.created_by::pg_catalog.text))
		 FROM segment.models f
		 WHERE f.name OPERATOR(pg_catalog.=) m.name
		 ORDER BY f.version LIMIT 1),
		(SELECT c.relowner::pg_catalog.regrole FROM pg_catalog.pg_class c
		 WHERE c.oid OPERATOR(pg_catalog.=) 'segment.models'::pg_catalog.regclass));
ALTER TABLE segment.models ALTER COLUMN owner SET NOT NULL;
COMMENT ON TABLE segment.models IS
	'model registry: every version of every named model; at most one deployed version per name; written only through segment''s functions';

-- 0.1.0 let the roles it was granted to write segment.models directly (and
-- so forge created_by, edit specs or deploy other roles' models).  Now
-- only the registry's functions write it: those privileges go, with a
-- NOTICE per role.  A role that could read it keeps predicting by name
-- with every model (a grant of segment.grant_predict), without the bytes.
CREATE TABLE segment.model_grants (
	name		text NOT NULL,
	grantee		regrole NOT NULL,
	granted_by	name NOT NULL,
	granted		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (name, grantee)
);
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN
		SELECT g.grantee, pg_catalog.bool_or(g.reader) AS reader
		FROM (SELECT a.grantee, a.privilege_type OPERATOR(pg_catalog.=) 'SELECT' AS reader
			  FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
			  WHERE c.oid OPERATOR(pg_catalog.=) 'segment.models'::pg_catalog.regclass
				AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
			  UNION ALL
			  SELECT a.grantee, false
			  FROM pg_catalog.pg_attribute t, pg_catalog.aclexplode(t.attacl) a
			  WHERE t.attrelid OPERATOR(pg_catalog.=) 'segment.models'::pg_catalog.regclass) g
		GROUP BY g.grantee
	LOOP
		IF r.reader THEN
			INSERT INTO segment.model_grants (name, grantee, granted_by)
			SELECT DISTINCT m.name, r.grantee::pg_catalog.regrole, CURRENT_USER
			FROM segment.models m
			WHERE m.owner::pg_catalog.oid OPERATOR(pg_catalog.<>) r.grantee
			ON CONFLICT DO NOTHING;
		END IF;
		IF r.grantee OPERATOR(pg_catalog.=) 0 THEN
			EXECUTE 'REVOKE ALL ON segment.models FROM PUBLIC CASCADE';
		ELSE
			EXECUTE pg_catalog.format('REVOKE ALL ON segment.models FROM %I CASCADE',
									  pg_catalog.pg_get_userbyid(r.grantee));
		END IF;
		RAISE NOTICE 'segment 0.2.0: % no longer has privileges on segment.models%',
			CASE WHEN r.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
				 ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END,
			CASE WHEN r.reader THEN '; it may predict by name with every model (segment.grant_predict)'
				 ELSE '' END;
	END LOOP;
END
$$;

ALTER TABLE segment.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_of_owner_members ON segment.models FOR SELECT
	USING (pg_catalog.pg_has_role(owner, 'USAGE'));
GRANT SELECT ON segment.models TO PUBLIC;

-- 0.1.0's specs kept segment_train's arguments in two levels; 0.2.0 keeps
-- every one under its name in "arguments", for segment.retrain.
UPDATE segment.models
SET spec = pg_catalog.jsonb_build_object('function', 'segment_train', 'arguments',
		(spec OPERATOR(pg_catalog.-) 'arguments'::pg_catalog.text)
		OPERATOR(pg_catalog.||) (spec OPERATOR(pg_catalog.->) 'arguments'::pg_catalog.text))
WHERE kind OPERATOR(pg_catalog.=) 'classifier'
  AND spec OPERATOR(pg_catalog.?) 'arguments' AND spec OPERATOR(pg_catalog.?) 'relation'
  AND NOT spec OPERATOR(pg_catalog.?) 'function';

COMMENT ON TABLE segment.model_grants IS
	'roles allowed to predict with a named model (segment.grant_predict); grantee ''-'' is PUBLIC';
ALTER TABLE segment.model_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY model_grants_of_owner_members_and_grantees ON segment.model_grants FOR SELECT
	USING (EXISTS (SELECT 1 FROM segment.models m WHERE m.name OPERATOR(pg_catalog.=) model_grants.name)
		   OR grantee::pg_catalog.oid OPERATOR(pg_catalog.=) 0::pg_catalog.oid
		   OR pg_catalog.pg_has_role(grantee, 'USAGE'));
GRANT SELECT ON segment.model_grants TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('segment.model_grants', '');
CREATE TRIGGER model_grants_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON segment.model_grants
	FOR EACH STATEMENT EXECUTE FUNCTION segment.models_changed();

-- One row per training of a name: a version added (deployed or not, and
-- why), a run skipped because nothing changed, or a scheduled run that
-- failed (segment.retrain(raise_errors => false)).  Scores are on the new
-- version's test rows: macro-F1 (classification) or R2 (regression).
CREATE SEQUENCE segment.training_runs_run_seq;
CREATE TABLE segment.training_runs (
	run			bigint NOT NULL DEFAULT pg_catalog.nextval('segment.training_runs_run_seq') PRIMARY KEY,
	name		text NOT NULL,
	owner		regrole NOT NULL,
	function	text NOT NULL,
	run_by		name NOT NULL,
	started		timestamptz NOT NULL,
	finished	timestamptz NOT NULL,
	relation	text,
	relation_rows bigint,
	status		text NOT NULL CHECK (status IN ('trained', 'skipped', 'failed')),
	version		integer,
	deployed	boolean,
	previous_version integer,
	score		text,
	new_score	float8,
	previous_score float8,
	reason		text,
	error		text
);
ALTER SEQUENCE segment.training_runs_run_seq OWNED BY segment.training_runs.run;
CREATE INDEX training_runs_name ON segment.training_runs (name, run);
COMMENT ON TABLE segment.training_runs IS
	'one row per training run of a named model: trained (a version added), skipped (nothing changed) or failed; written only through segment''s functions';

ALTER TABLE segment.training_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY training_runs_of_owner_members ON segment.training_runs FOR SELECT
	USING (pg_catalog.pg_has_role(owner, 'USAGE'));
GRANT SELECT ON segment.training_runs TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('segment.training_runs', '');
SELECT pg_catalog.pg_extension_config_dump('segment.training_runs_run_seq', '');

CREATE FUNCTION segment.training_history(name text)
RETURNS SETOF segment.training_runs
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM segment.training_runs r WHERE r.name = training_history.name ORDER BY r.run
$$;
COMMENT ON FUNCTION segment.training_history(text) IS
	'the training runs of a model, oldest first: when, by whom, on how many rows, the version added, whether it was deployed and why, both scores, or the error';

CREATE OR REPLACE FUNCTION segment.save_model(name text, model bytea,
											  spec jsonb DEFAULT '{}', metrics jsonb DEFAULT '{}',
											  deploy boolean DEFAULT true)
RETURNS integer
	AS 'MODULE_PATHNAME', 'segment_save_model'
	LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION segment.deploy(name text, version integer) RETURNS void
	AS 'MODULE_PATHNAME', 'segment_deploy'
	LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION segment.drop_model(name text, version integer DEFAULT NULL)
RETURNS integer
	AS 'MODULE_PATHNAME', 'segment_drop_model'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.drop_model(text, integer) IS
	'drops one version of a model, or every version (and its grants and run history) when version is null; returns how many';

CREATE OR REPLACE FUNCTION segment.model(name text, version integer DEFAULT NULL) RETURNS bytea
	AS 'MODULE_PATHNAME', 'segment_model'
	LANGUAGE C STABLE;

CREATE FUNCTION segment.grant_predict(name text, role text) RETURNS void
	AS 'MODULE_PATHNAME', 'segment_grant_predict'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.grant_predict(text, text) IS
	'lets a role (or PUBLIC) predict with the deployed version of a model by name, without reading the model';

CREATE FUNCTION segment.revoke_predict(name text, role text) RETURNS void
	AS 'MODULE_PATHNAME', 'segment_revoke_predict'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.revoke_predict(text, text) IS
	'withdraws what segment.grant_predict gave';

CREATE FUNCTION segment.set_model_owner(name text, role text) RETURNS void
	AS 'MODULE_PATHNAME', 'segment_set_model_owner'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.set_model_owner(text, text) IS
	'gives every version of a model to another role';

DROP FUNCTION segment.retrain(text, text);
CREATE FUNCTION segment.retrain(name text, deploy text DEFAULT NULL,
								skip_if_unchanged boolean DEFAULT true,
								raise_errors boolean DEFAULT true) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_retrain'
	LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION segment.model_metrics(name text, version integer DEFAULT NULL)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_model_metrics'
	LANGUAGE C STABLE;

------------------------------------------------------------------------
-- Learners: segment_train gains model, task and params (its MLP
-- arguments default to NULL, the learner's own defaults); regressors
------------------------------------------------------------------------

DROP FUNCTION segment.segment_train(text, regclass, text, text[], text[], integer[],
	float8, boolean, float8, integer, integer, float8, integer, text, float8, float8, jsonb,
	integer, integer, text, integer);
CREATE FUNCTION segment.segment_train(
	name text, relation regclass, label text,
	features text[] DEFAULT NULL,
	exclude text[] DEFAULT NULL,
	hidden integer[] DEFAULT NULL, dropout float8 DEFAULT NULL,
	batch_norm boolean DEFAULT NULL, l2 float8 DEFAULT NULL,
	epochs integer DEFAULT NULL, batch_size integer DEFAULT NULL,
	learning_rate float8 DEFAULT NULL, patience integer DEFAULT NULL,
	balance text DEFAULT 'auto',
	test_size float8 DEFAULT 0.2, validation_size float8 DEFAULT 0.1,
	search jsonb DEFAULT NULL, trials integer DEFAULT 20,
	seed integer DEFAULT 42, deploy text DEFAULT 'if_better',
	split_seed integer DEFAULT NULL,
	model text DEFAULT 'mlp', task text DEFAULT 'auto', params jsonb DEFAULT NULL,
	key text[] DEFAULT NULL, cv integer DEFAULT NULL,
	skip_if_unchanged boolean DEFAULT false)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_train'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.segment_train(text, regclass, text, text[], text[], integer[],
	float8, boolean, float8, integer, integer, float8, integer, text, float8, float8, jsonb,
	integer, integer, text, integer, text, text, jsonb, text[], integer, boolean) IS
	'trains a classifier or regressor (split, preprocessing and balancing on the train part, early stopping, optional search), registers it as the next version of name and returns the report; with skip_if_unchanged, adds no version when the latest was trained on the same rows with the same arguments';

COMMENT ON FUNCTION segment.retrain(text, text, boolean, boolean) IS
	'trains a new version of a classifier or regressor with the stored arguments of its latest version (for nightly jobs); adds none when nothing changed unless skip_if_unchanged is false; with raise_errors false a failure is recorded in segment.training_runs and returned';
COMMENT ON FUNCTION segment.model_metrics(text, integer) IS
	'the test-split metrics stored with a classifier or regressor version';

DROP FUNCTION segment.evaluate(text, integer);
CREATE FUNCTION segment.evaluate(name text, version integer DEFAULT NULL)
RETURNS TABLE (class text, "precision" float8, recall float8, f1 float8, support bigint,
			   value float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH m AS (SELECT segment.model_metrics(name, version) AS j)
	SELECT c->>'class', (c->>'precision')::float8, (c->>'recall')::float8,
		   (c->>'f1')::float8, (c->>'support')::bigint, NULL::float8
	FROM m, jsonb_array_elements(m.j->'classes') WITH ORDINALITY AS e(c, i)
	UNION ALL
	SELECT 'accuracy', NULL, NULL, (m.j->>'accuracy')::float8, (m.j->>'rows')::bigint,
		   (m.j->>'accuracy')::float8
	FROM m WHERE m.j ? 'classes'
	UNION ALL
	SELECT 'macro avg', (m.j->'macro'->>'precision')::float8, (m.j->'macro'->>'recall')::float8,
		   (m.j->'macro'->>'f1')::float8, (m.j->'macro'->>'support')::bigint, NULL
	FROM m WHERE m.j ? 'classes'
	UNION ALL
	SELECT 'weighted avg', (m.j->'weighted'->>'precision')::float8,
		   (m.j->'weighted'->>'recall')::float8, (m.j->'weighted'->>'f1')::float8,
		   (m.j->'weighted'->>'support')::bigint, NULL
	FROM m WHERE m.j ? 'classes'
	UNION ALL
	SELECT r.metric, NULL, NULL, NULL, (m.j->>'rows')::bigint, (m.j->>r.metric)::float8
	FROM m, unnest(ARRAY['mae', 'rmse', 'r2', 'mape']) WITH ORDINALITY AS r(metric, i)
	WHERE m.j->>'task' = 'regression'
$$;
COMMENT ON FUNCTION segment.evaluate(text, integer) IS
	'test-split report: for a classifier one row per class, then accuracy, macro avg and weighted avg (as scikit-learn''s classification_report); for a regressor mae, rmse, r2 and mape in value';

-- A regressor's prediction as a number: the same four forms.
CREATE FUNCTION segment.segment_predict_value(model text, row_value record) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_predict_value_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict_value(text, record) IS
	'value of a row with the deployed version of a named regressor; columns are found by name';

CREATE FUNCTION segment.segment_predict_value(model text, features float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_predict_value_name_features'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict_value(text, float8[]) IS
	'value of an input array (as preprocess returns it) with the deployed version of a named regressor';

CREATE FUNCTION segment.segment_predict_value(model bytea, row_value record) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_predict_value_bytes_row'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict_value(bytea, record) IS
	'value of a row with a regressor value; columns are found by name';

CREATE FUNCTION segment.segment_predict_value(model bytea, features float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_predict_value_bytes_features'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.segment_predict_value(bytea, float8[]) IS
	'value of an input array with a regressor value';

COMMENT ON FUNCTION segment.stratified_split(text[], float8, float8, integer) IS
	'a seeded stratified split (train, validation, test) of text labels in the order given (0.1.0''s split of segment_train; segment_train now splits by each row''s key, see split_part)';

CREATE FUNCTION segment.split_part(name text, row_value record, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'split_part'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.split_part(text, record, integer) IS
	'the part (train, validation, test) segment_train gave a row of the training relation when it trained the deployed (or given) version, from the row''s key and label';
CREATE FUNCTION segment.feature_importance(name text, version integer DEFAULT NULL,
										   repeats integer DEFAULT 5)
RETURNS TABLE (feature text, importance float8, std float8, split_gain float8)
	AS 'MODULE_PATHNAME', 'feature_importance'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.feature_importance(text, integer, integer) IS
	'permutation importance of each column on the test rows (mean drop of macro-F1, or R2, over seeded shuffles, and its standard deviation); split_gain: trees'' share of the split gain';

CREATE FUNCTION segment.explain(name text, row_value record, version integer DEFAULT NULL)
RETURNS TABLE (feature text, contribution float8, class text)
	AS 'MODULE_PATHNAME', 'explain'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.explain(text, record, integer) IS
	'each column''s contribution to the margin of the predicted class (or to a regressor''s value) for one row, exact TreeSHAP for trees and coefficient x value for logistic regression; with the (base value) row they add up to the margin';

------------------------------------------------------------------------
-- Operations: scheduled retraining on pg_cron
------------------------------------------------------------------------

-- What a scheduled job calls.  The run is recorded (trained, skipped or
-- failed) and committed first; a failure then fails the job too, so that
-- cron.job_run_details shows it.  Transaction control needs a top-level
-- CALL, as pg_cron makes; so no SET clause here, and every name qualified.
CREATE PROCEDURE segment.scheduled_retrain(name text)
LANGUAGE plpgsql
AS $$
DECLARE
	report jsonb;
BEGIN
	report := segment.retrain(name, raise_errors => false);
	COMMIT;
	IF report OPERATOR(pg_catalog.?) 'error' THEN
		RAISE EXCEPTION USING
			MESSAGE = pg_catalog.format('retraining model "%s" failed: %s', name,
										report OPERATOR(pg_catalog.->>) 'error'),
			ERRCODE = report OPERATOR(pg_catalog.->>) 'sqlstate',
			HINT = 'segment.training_history(name) keeps every run with its error.';
	END IF;
END
$$;
COMMENT ON PROCEDURE segment.scheduled_retrain(text) IS
	'retrains a model as a pg_cron job does: records the run (trained, skipped or failed), commits it, then fails if the training failed';

CREATE FUNCTION segment.schedule_retrain(name text, schedule text) RETURNS bigint
	AS 'MODULE_PATHNAME', 'segment_schedule_retrain'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.schedule_retrain(text, text) IS
	'schedules (or moves) a pg_cron job "segment.retrain <name>" that calls segment.scheduled_retrain(name) on a cron schedule; returns the job id';

CREATE FUNCTION segment.unschedule_retrain(name text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'segment_unschedule_retrain'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.unschedule_retrain(text) IS
	'removes the calling role''s pg_cron job that retrains a model; false when there was none';

------------------------------------------------------------------------
-- A model value's predictions depend on the bytes and the row alone
------------------------------------------------------------------------
ALTER FUNCTION segment.segment_predict(bytea, record) IMMUTABLE;
ALTER FUNCTION segment.preprocess(bytea, record) IMMUTABLE;


------------------------------------------------------------------------
-- Safety on a shared server: kmeans_fit with the columns as an untyped literal
------------------------------------------------------------------------

-- columns as an untyped literal ('{a,b}' or NULL) would fit both the form
-- above (text[]) and the kmeans_fit aggregate (jsonb), an ambiguity
-- PostgreSQL reports as "function is not unique": this overload takes it
-- as text, which wins the resolution, and reads it as a text[] literal
-- ('{a,b}') or, when it is not one, as a single column name.
CREATE FUNCTION segment.kmeans_fit(name text, relation regclass, columns text,
								   k integer[] DEFAULT '{2,3,4,5,6,7,8,9,10}',
								   n_init integer DEFAULT 10, max_iter integer DEFAULT 300,
								   tol float8 DEFAULT 1e-4, seed integer DEFAULT 42,
								   init float8[] DEFAULT NULL,
								   streaming boolean DEFAULT NULL,
								   silhouette_sample integer DEFAULT 10000)
RETURNS TABLE (k integer, inertia float8, silhouette float8, chosen boolean)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM segment.kmeans_fit($1, $2,
		CASE WHEN $3 IS NULL OR ltrim($3) LIKE '{%' THEN $3::text[] ELSE ARRAY[$3] END,
		$4, $5, $6, $7, $8, $9, $10, $11)
$$;
COMMENT ON FUNCTION segment.kmeans_fit(text, regclass, text, integer[], integer, integer, float8, integer, float8[], boolean, integer) IS
	'kmeans_fit(name, relation, columns text[], ...) with the columns as a text[] literal such as ''{a,b}'', or one column name';

-- RFM features, scores and segments from a transactions table (sql/install/80_rfm.sql)
-- docs/rfm.md defines every column and the segment map.  Not strict: a
-- NULL argument is an error, except as_of (NULL: as of the last purchase).
-- PARALLEL RESTRICTED: they read a relation named at run time (which may be
-- a temporary table); their own scan runs in parallel workers.
CREATE FUNCTION segment.rfm(transactions regclass, customer text, "at" text, amount text,
							as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, recency float8, frequency bigint, monetary float8,
			   average_order_value float8, tenure float8, inter_purchase_time float8,
			   r_score integer, f_score integer, m_score integer, segment text)
	AS 'MODULE_PATHNAME', 'rfm'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.rfm(regclass, text, text, text, timestamptz) IS
	'one row per customer: recency and tenure (days to as_of, default the last purchase), frequency (purchases: distinct instants), monetary, average order value, inter-purchase time, 1-5 quintile scores and the RFM segment';

CREATE FUNCTION segment.rfm_split(transactions regclass, customer text, "at" text, amount text,
								  cutoff timestamptz, horizon interval DEFAULT '180 days')
RETURNS TABLE (customer_id text, recency float8, frequency bigint, monetary float8,
			   average_order_value float8, tenure float8, inter_purchase_time float8,
			   r_score integer, f_score integer, m_score integer, segment text,
			   future_spend float8)
	AS 'MODULE_PATHNAME', 'rfm_split'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.rfm_split(regclass, text, text, text, timestamptz, interval) IS
	'RFM features of the purchases before cutoff (as of cutoff) and future_spend, the amount spent in [cutoff, cutoff + horizon), for every customer with a purchase before cutoff';

CREATE FUNCTION segment.rfm_segment(r_score integer, f_score integer, m_score integer)
RETURNS text
	AS 'MODULE_PATHNAME', 'rfm_segment'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.rfm_segment(integer, integer, integer) IS
	'the RFM segment of 1-5 scores: champions, loyal_customers, potential_loyalists, new_customers, promising, need_attention, about_to_sleep, at_risk, cant_lose_them, hibernating or lost (docs/rfm.md)';

------------------------------------------------------------------------
-- k-means acceleration
------------------------------------------------------------------------

-- k-means: the first pass of streaming k-means in one scan: NULL counts, the
-- standardisation statistics and the rows of a seeded Bernoulli sample
-- (the rows TABLESAMPLE BERNOULLI (percent) REPEATABLE (seed) returns, or
-- none when there are more than max_rows), given the row position (ctid)
-- and the features as float8 arguments.
CREATE FUNCTION segment.kmeans_scan_accum(state float8[], seed integer, percent float4,
										  max_rows integer, row_position tid,
										  VARIADIC features "any")
RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_scan_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_scan_accum(float8[], integer, float4, integer, tid, "any") IS
	'aggregate transition function';

-- not strict: the first call of a combine function may see a NULL state
CREATE FUNCTION segment.kmeans_scan_combine(state1 float8[], state2 float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'kmeans_scan_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.kmeans_scan_combine(float8[], float8[]) IS
	'aggregate combine function';

CREATE AGGREGATE segment.kmeans_scan(seed integer, percent float4, max_rows integer,
									 row_position tid, VARIADIC features "any") (
	SFUNC = segment.kmeans_scan_accum,
	STYPE = float8[],
	COMBINEFUNC = segment.kmeans_scan_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.kmeans_scan(integer, float4, integer, tid, "any") IS
	'first pass of streaming k-means: NULL counts, statistics and the seeded Bernoulli sample in one scan';


------------------------------------------------------------------------
-- Embeddings: PCA and autoencoders (sql/install/85_embed.sql), two new
-- model kinds that segment.model_kind names
------------------------------------------------------------------------
COMMENT ON FUNCTION segment.model_kind(bytea) IS
	'kind of a model value (scaler, preprocessor, kmeans, classifier, regressor, pca, autoencoder); errors on damaged bytes';

-- Both fit on the shared preprocessing (impute, one-hot, scale), register
-- the next version of name and return a report; not strict: a NULL
-- argument is an error (key excepted: NULL means the primary key).
CREATE FUNCTION segment.pca_fit(name text, relation regclass, columns text[],
								components integer DEFAULT 2)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_pca_fit'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.pca_fit(text, regclass, text[], integer) IS
	'principal components of the encoded columns (as scikit-learn''s PCA(svd_solver=''full'')), registered as the next version of name; returns the explained variance and ratios';

CREATE FUNCTION segment.autoencoder_fit(name text, relation regclass, columns text[],
										code_size integer DEFAULT 8,
										hidden integer[] DEFAULT '{32,16}',
										epochs integer DEFAULT 200,
										batch_size integer DEFAULT 32,
										learning_rate float8 DEFAULT 0.001,
										l2 float8 DEFAULT 0.0001,
										patience integer DEFAULT 10,
										test_size float8 DEFAULT 0.2,
										validation_size float8 DEFAULT 0.1,
										seed integer DEFAULT 42,
										key text[] DEFAULT NULL)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_autoencoder_fit'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.autoencoder_fit(text, regclass, text[], integer, integer[], integer, integer, float8, float8, integer, float8, float8, integer, text[]) IS
	'a dense autoencoder of the encoded columns (encoder hidden, a linear code of code_size, the mirrored decoder; Adam, early stopping on a validation part), registered as the next version of name; reports the reconstruction error on train, validation and test rows beside a PCA of the same size';

-- By value: the answer depends on the bytes and the row alone.
CREATE FUNCTION segment.project(model bytea, row_value record) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'segment_project_bytes_row'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.project(bytea, record) IS
	'the code of a row with a pca or autoencoder model value; columns are found by name';

-- By name: the deployed version, for roles allowed to predict with it.
CREATE FUNCTION segment.project(model text, row_value record) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'segment_project_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.project(text, record) IS
	'the code of a row with the deployed version of a named pca or autoencoder model; columns are found by name';

CREATE FUNCTION segment.reconstruction_error(model bytea, row_value record) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_reconstruction_error_bytes_row'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.reconstruction_error(bytea, record) IS
	'mean squared difference between a row''s encoded features and their reconstruction from its code, with a pca or autoencoder model value';

CREATE FUNCTION segment.reconstruction_error(model text, row_value record) RETURNS float8
	AS 'MODULE_PATHNAME', 'segment_reconstruction_error_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.reconstruction_error(text, record) IS
	'mean squared difference between a row''s encoded features and their reconstruction, with the deployed version of a named pca or autoencoder model';

-- Model reports (sql/install/85_report.sql): segment.report and the
-- segment.plot_* pictures; segment_train's stored metrics now also keep
-- the balance chosen, the class counts before and after it, and the
-- candidates tried, which the report draws
------------------------------------------------------------------------

-- Not strict: a NULL name is an error, a NULL version the deployed one.
-- For roles that may read the model (as model_metrics).  PARALLEL
-- RESTRICTED: they may read the model's relation again (test rows, a
-- k-means model's rows), with the caller's privileges; report is PARALLEL
-- UNSAFE, since it reads those rows in a subtransaction (to say on the
-- page when they cannot be read), which parallel mode does not allow.
CREATE FUNCTION segment.report(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'segment_report'
	LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.report(text, integer) IS
	'a self-contained HTML page (inline SVG, no scripts) describing a model version: what, when, by whom, on what; test figures and pictures (classifiers, regressors, k-means)';

CREATE FUNCTION segment.plot_confusion_matrix(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_confusion_matrix'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_confusion_matrix(text, integer) IS
	'SVG: a classifier''s test confusion matrix as a heatmap (colour: share of the actual class)';

CREATE FUNCTION segment.plot_class_scores(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_class_scores'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_class_scores(text, integer) IS
	'SVG: a classifier''s test precision, recall and F1 per class';

CREATE FUNCTION segment.plot_class_balance(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_class_balance'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_class_balance(text, integer) IS
	'SVG: a classifier''s training rows per class before and after the balance it chose';

CREATE FUNCTION segment.plot_training_curve(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_training_curve'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_training_curve(text, integer) IS
	'SVG: training and validation loss and the validation score per epoch (or iteration), the kept one marked';

CREATE FUNCTION segment.plot_trials(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_trials'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_trials(text, integer) IS
	'SVG: the validation score of every candidate segment_train tried (balance modes, learners, search trials), the kept one marked';

CREATE FUNCTION segment.plot_importance(name text, version integer DEFAULT NULL,
										repeats integer DEFAULT 5)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_importance'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_importance(text, integer, integer) IS
	'SVG: permutation importance of each column on the test rows (as feature_importance), and the split-gain share for learners that have one';

CREATE FUNCTION segment.plot_actual_vs_predicted(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_actual_vs_predicted'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_actual_vs_predicted(text, integer) IS
	'SVG: a regressor''s predictions against the truth on its test rows (a seeded sample of at most 2000)';

CREATE FUNCTION segment.plot_residuals(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_residuals'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_residuals(text, integer) IS
	'SVG: histogram of a regressor''s residuals (actual - predicted) on its test rows';

CREATE FUNCTION segment.plot_elbow(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_elbow'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_elbow(text, integer) IS
	'SVG: a k-means model''s inertia per k, the chosen k and the elbow marked';

CREATE FUNCTION segment.plot_silhouette(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_silhouette'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_silhouette(text, integer) IS
	'SVG: a k-means model''s mean silhouette per k, the chosen k marked';

CREATE FUNCTION segment.plot_cluster_sizes(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_cluster_sizes'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_cluster_sizes(text, integer) IS
	'SVG: rows per cluster of a k-means model''s relation as it is today';

CREATE FUNCTION segment.plot_clusters(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_clusters'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_clusters(text, integer) IS
	'SVG: a seeded sample of a k-means model''s relation on its first two principal components, coloured by segment, with the centroids and personas';

------------------------------------------------------------------------
-- k-means operations: kmeans_fit preprocesses like segment_train,
-- chooses by silhouette or elbow, stores personas, keeps cluster numbers
-- across refits, deploys by a policy and returns its report
------------------------------------------------------------------------

DROP FUNCTION segment.kmeans_fit(text, regclass, text, integer[], integer, integer, float8, integer, float8[], boolean, integer);
DROP FUNCTION segment.kmeans_fit(text, regclass, text[], integer[], integer, integer, float8, integer, float8[], boolean, integer);
-- Table form: preprocesses the columns, tries each k, registers the chosen
-- model with its personas (cluster numbers kept from the deployed version)
-- and reports every k; the chosen k's row carries the report.
CREATE FUNCTION segment.kmeans_fit(name text, relation regclass, columns text[],
								   k integer[] DEFAULT '{2,3,4,5,6,7,8,9,10}',
								   n_init integer DEFAULT 10, max_iter integer DEFAULT 300,
								   tol float8 DEFAULT 1e-4, seed integer DEFAULT 42,
								   init float8[] DEFAULT NULL,
								   streaming boolean DEFAULT NULL,
								   silhouette_sample integer DEFAULT 10000,
								   preprocess boolean DEFAULT true,
								   choose text DEFAULT 'silhouette',
								   labels jsonb DEFAULT NULL,
								   roles jsonb DEFAULT NULL,
								   deploy text DEFAULT 'always',
								   skip_if_unchanged boolean DEFAULT false)
RETURNS TABLE (k integer, inertia float8, silhouette float8, chosen boolean, report jsonb)
	AS 'MODULE_PATHNAME', 'kmeans_fit_table'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.kmeans_fit(text, regclass, text[], integer[], integer, integer, float8, integer, float8[], boolean, integer, boolean, text, jsonb, jsonb, text, boolean) IS
	'preprocesses the columns (imputation, one-hot encoding, scaling), runs k-means for each k, registers the model of the chosen k (best silhouette, or the elbow) with a persona per cluster, keeps the deployed version''s cluster numbers, deploys it (always, if_better by silhouette, never) and reports every k';

-- columns as an untyped literal ('{a,b}' or NULL) would fit both the form
-- above (text[]) and the kmeans_fit aggregate (jsonb), an ambiguity
-- PostgreSQL reports as "function is not unique": this overload takes it
-- as text, which wins the resolution, and reads it as a text[] literal
-- ('{a,b}') or, when it is not one, as a single column name.
CREATE FUNCTION segment.kmeans_fit(name text, relation regclass, columns text,
								   k integer[] DEFAULT '{2,3,4,5,6,7,8,9,10}',
								   n_init integer DEFAULT 10, max_iter integer DEFAULT 300,
								   tol float8 DEFAULT 1e-4, seed integer DEFAULT 42,
								   init float8[] DEFAULT NULL,
								   streaming boolean DEFAULT NULL,
								   silhouette_sample integer DEFAULT 10000,
								   preprocess boolean DEFAULT true,
								   choose text DEFAULT 'silhouette',
								   labels jsonb DEFAULT NULL,
								   roles jsonb DEFAULT NULL,
								   deploy text DEFAULT 'always',
								   skip_if_unchanged boolean DEFAULT false)
RETURNS TABLE (k integer, inertia float8, silhouette float8, chosen boolean, report jsonb)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM segment.kmeans_fit($1, $2,
		CASE WHEN $3 IS NULL OR ltrim($3) LIKE '{%' THEN $3::text[] ELSE ARRAY[$3] END,
		$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
$$;
COMMENT ON FUNCTION segment.kmeans_fit(text, regclass, text, integer[], integer, integer, float8, integer, float8[], boolean, integer, boolean, text, jsonb, jsonb, text, boolean) IS
	'kmeans_fit(name, relation, columns text[], ...) with the columns as a text[] literal such as ''{a,b}'', or one column name';


-- Personas: stored with the model at fit time, per row in microseconds
-- (the same per-snapshot cache as segment_predict by name), listed, and
-- edited into a new version (src/sql_persona.c).
CREATE FUNCTION segment.persona(model text, row_value record,
								OUT cluster integer, OUT label text, OUT action text)
RETURNS record
	AS 'MODULE_PATHNAME', 'segment_persona_name_row'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.persona(text, record) IS
	'the cluster of a row with the deployed version of a named k-means model, with its persona label and suggested action';

CREATE FUNCTION segment.persona(model bytea, row_value record,
								OUT cluster integer, OUT label text, OUT action text)
RETURNS record
	AS 'MODULE_PATHNAME', 'segment_persona_bytes_row'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.persona(bytea, record) IS
	'the cluster of a row with a k-means model value, with its persona label and suggested action';

CREATE FUNCTION segment.personas(name text, version integer DEFAULT NULL)
RETURNS TABLE (cluster integer, size bigint, share float8, label text, action text,
			   label_edited boolean, action_edited boolean, means jsonb)
	AS 'MODULE_PATHNAME', 'segment_personas'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.personas(text, integer) IS
	'the personas a k-means model stored at fit time: per cluster its size and share of the training rows, label, action, whether they were edited, and means in original units (shares for one-hot categories)';

CREATE FUNCTION segment.personas(model bytea)
RETURNS TABLE (cluster integer, size bigint, share float8, label text, action text,
			   label_edited boolean, action_edited boolean, means jsonb)
	AS 'MODULE_PATHNAME', 'segment_personas'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.personas(bytea) IS
	'the personas stored in a k-means model value';

CREATE FUNCTION segment.set_persona(name text, cluster integer, label text,
									action text DEFAULT NULL, version integer DEFAULT NULL)
RETURNS integer
	AS 'MODULE_PATHNAME', 'segment_set_persona'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.set_persona(text, integer, text, text, integer) IS
	'saves a new version of a k-means model with one cluster''s label and/or action edited (kept by later refits for the cluster they pair with it), deployed when the version edited (default: the deployed one) was; returns the new version';

-- segment.retrain repeats kmeans_fit too
COMMENT ON FUNCTION segment.retrain(text, text, boolean, boolean) IS
	'trains a new version of a model with the stored arguments of its latest version trained by segment_train or kmeans_fit (for nightly jobs); adds none when nothing changed unless skip_if_unchanged is false; with raise_errors false a failure is recorded in segment.training_runs and returned';

-- A view for BI tools: the relation's rows with the model's segment (and
-- persona and action, or probability) by name, so that it follows deploys;
-- optionally materialized and refreshed by pg_cron (src/sql_segment_view.c).
CREATE FUNCTION segment.create_segment_view(view_name text, relation regclass, model text,
											key text DEFAULT NULL,
											materialized boolean DEFAULT false,
											refresh text DEFAULT NULL)
RETURNS regclass
	AS 'MODULE_PATHNAME', 'segment_create_segment_view'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.create_segment_view(text, regclass, text, text, boolean, text) IS
	'creates a view (or materialized view, refreshed on a pg_cron schedule) of a relation''s rows (or its key column) with the deployed version''s segment and persona and action (k-means), segment and probability (classifier) or prediction (regressor), with the caller''s rights';

-- 0.1.0's kmeans_fit kept its arguments at the top level of the spec, the
-- relation by its bare name and streaming as decided; 0.2.0 keeps them in
-- "arguments", for segment.retrain: the relation qualified when one
-- relation has that name, streaming left to the relation's size.
UPDATE segment.models m
SET spec = pg_catalog.jsonb_build_object('function', 'kmeans_fit', 'arguments',
		(m.spec OPERATOR(pg_catalog.-) 'function'::pg_catalog.text
				OPERATOR(pg_catalog.-) 'streaming'::pg_catalog.text)
		OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
			'streaming', NULL::pg_catalog.bool,
			'relation', coalesce(
				(SELECT pg_catalog.min(pg_catalog.quote_ident(n.nspname::pg_catalog.text)
						OPERATOR(pg_catalog.||) '.'
						OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname::pg_catalog.text))
				 FROM pg_catalog.pg_class c
				 JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
				 WHERE c.relname OPERATOR(pg_catalog.=) (m.spec OPERATOR(pg_catalog.->>) 'relation')
				   AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f}'::pg_catalog."char"[])
				   AND n.nspname OPERATOR(pg_catalog.!~) '^pg_'
				 HAVING pg_catalog.count(*) OPERATOR(pg_catalog.=) 1),
				m.spec OPERATOR(pg_catalog.->>) 'relation')))
WHERE m.kind OPERATOR(pg_catalog.=) 'kmeans'
  AND m.spec OPERATOR(pg_catalog.->>) 'function' OPERATOR(pg_catalog.=) 'kmeans_fit'
  AND NOT m.spec OPERATOR(pg_catalog.?) 'arguments';

------------------------------------------------------------------------
-- Scale-out on Citus: metric aggregates of concrete types, which Citus
-- pushes down (sql/install/70_train.sql)
------------------------------------------------------------------------

-- The same aggregates for text, integer, bigint, numeric, double precision
-- and boolean values (and what casts to them implicitly: varchar, smallint,
-- real): PostgreSQL prefers these to the anyelement forms, and Citus pushes
-- them down to its workers, which it does not for anyelement arguments.
-- Their transition functions compare with the type's equality without
-- looking at the call (src/sql_metrics.c).

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual text,
											  predicted text) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_text'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], text, text) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual text,
											predicted text, positive text) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_text'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], text, text, text) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual text, predicted text) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(text, text) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual text, predicted text, positive text) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(text, text, text) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual text, predicted text, positive text) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(text, text, text) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual text, predicted text, positive text) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(text, text, text) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual integer,
											  predicted integer) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_int4'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], integer, integer) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual integer,
											predicted integer, positive integer) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_int4'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], integer, integer, integer) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual integer, predicted integer) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(integer, integer) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual integer, predicted integer, positive integer) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(integer, integer, integer) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual integer, predicted integer, positive integer) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(integer, integer, integer) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual integer, predicted integer, positive integer) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(integer, integer, integer) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual bigint,
											  predicted bigint) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_int8'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], bigint, bigint) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual bigint,
											predicted bigint, positive bigint) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_int8'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], bigint, bigint, bigint) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual bigint, predicted bigint) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(bigint, bigint) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual bigint, predicted bigint, positive bigint) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(bigint, bigint, bigint) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual bigint, predicted bigint, positive bigint) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(bigint, bigint, bigint) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual bigint, predicted bigint, positive bigint) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(bigint, bigint, bigint) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual numeric,
											  predicted numeric) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_numeric'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], numeric, numeric) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual numeric,
											predicted numeric, positive numeric) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_numeric'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], numeric, numeric, numeric) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual numeric, predicted numeric) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(numeric, numeric) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual numeric, predicted numeric, positive numeric) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(numeric, numeric, numeric) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual numeric, predicted numeric, positive numeric) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(numeric, numeric, numeric) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual numeric, predicted numeric, positive numeric) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(numeric, numeric, numeric) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual double precision,
											  predicted double precision) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_float8'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], double precision, double precision) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual double precision,
											predicted double precision, positive double precision) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_float8'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], double precision, double precision, double precision) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual double precision, predicted double precision) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(double precision, double precision) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual double precision, predicted double precision, positive double precision) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(double precision, double precision, double precision) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual double precision, predicted double precision, positive double precision) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(double precision, double precision, double precision) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual double precision, predicted double precision, positive double precision) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(double precision, double precision, double precision) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual boolean,
											  predicted boolean) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_bool'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], boolean, boolean) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual boolean,
											predicted boolean, positive boolean) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_bool'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], boolean, boolean, boolean) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual boolean, predicted boolean) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(boolean, boolean) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual boolean, predicted boolean, positive boolean) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(boolean, boolean, boolean) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual boolean, predicted boolean, positive boolean) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(boolean, boolean, boolean) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual boolean, predicted boolean, positive boolean) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(boolean, boolean, boolean) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

------------------------------------------------------------------------
-- Model values: segment.model() is parallel safe, so that a query reading
-- a model once, (SELECT segment.model('m')), keeps its parallel scan
-- (sql/install/20_registry.sql)
------------------------------------------------------------------------

ALTER FUNCTION segment.model(text, integer) PARALLEL SAFE;

------------------------------------------------------------------------
-- Scale-out on Citus: the registry on the workers (sql/install/22_registry_replica.sql)
------------------------------------------------------------------------

-- Citus runs the shard tasks of a query on its workers, where the
-- registry's tables are empty.  On the coordinator,
-- segment.replicate_registry() makes this table a Citus reference table
-- (a copy on every node) and copies segment.models into it; from then on
-- every registry write on the coordinator writes it too, in the same
-- distributed transaction, and workers read their copy to predict by name
-- (src/registry_replica.c).  No role reads it directly: it holds the
-- models' bytes.  predictors holds the name's grants (segment.model_grants)
-- as USAGE entries; owner and predictors travel between nodes as role
-- names, so each node stores its own roles' OIDs.  Without Citus it stays
-- empty.  Not dumped: replicate_registry() fills it from segment.models.
CREATE TABLE segment.models_replica (
	name		text NOT NULL,
	version		integer NOT NULL,
	kind		text NOT NULL,
	created		timestamptz NOT NULL,
	created_by	name NOT NULL,
	spec		jsonb NOT NULL,
	metrics		jsonb NOT NULL,
	model		bytea NOT NULL,
	deployed	boolean NOT NULL,
	owner		regrole NOT NULL,
	predictors	aclitem[] NOT NULL,
	PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX models_replica_one_deployed ON segment.models_replica (name) WHERE deployed;
REVOKE ALL ON segment.models_replica FROM PUBLIC;
COMMENT ON TABLE segment.models_replica IS
	'copy of segment.models on every node of a Citus cluster (segment.replicate_registry()), read by workers to predict by name; written only by segment''s functions on the coordinator';

CREATE FUNCTION segment.replicate_registry() RETURNS bigint
	AS 'MODULE_PATHNAME', 'segment_replicate_registry'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.replicate_registry() IS
	'on a Citus coordinator: makes segment.models_replica a reference table and copies the registry into it, so that workers predict by name; returns the number of versions copied';

-- Citus drops an extension's reference table, not its shards, with the
-- extension: before DROP EXTENSION segment on the coordinator, this drops
-- the replica's shards (and the model bytes in them) on every node.
CREATE FUNCTION segment.replica_on_drop_extension() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'segment_replica_on_drop_extension'
	LANGUAGE C;
COMMENT ON FUNCTION segment.replica_on_drop_extension() IS
	'event trigger: drops the shards of segment.models_replica on every Citus node before DROP EXTENSION segment';
CREATE EVENT TRIGGER segment_replica_on_drop_extension ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION')
	EXECUTE FUNCTION segment.replica_on_drop_extension();

-- k-means on embeddings: kmeans_fit(..., embedding => a pca or autoencoder
-- model) clusters the rows' codes; both table forms gain the argument (a new
-- last parameter with a default, so that every existing call still resolves).
DROP FUNCTION segment.kmeans_fit(text, regclass, text, integer[], integer, integer, float8, integer, float8[], boolean, integer, boolean, text, jsonb, jsonb, text, boolean);
DROP FUNCTION segment.kmeans_fit(text, regclass, text[], integer[], integer, integer, float8, integer, float8[], boolean, integer, boolean, text, jsonb, jsonb, text, boolean);

-- Table form: preprocesses the columns, tries each k, registers the chosen
-- model with its personas (cluster numbers kept from the deployed version)
-- and reports every k; the chosen k's row carries the report.  With
-- embedding => name (a pca_fit or autoencoder_fit model; columns NULL or
-- its columns), it clusters the rows' codes, in memory, and the model
-- keeps the embedding so that it predicts from raw rows.
CREATE FUNCTION segment.kmeans_fit(name text, relation regclass, columns text[],
								   k integer[] DEFAULT '{2,3,4,5,6,7,8,9,10}',
								   n_init integer DEFAULT 10, max_iter integer DEFAULT 300,
								   tol float8 DEFAULT 1e-4, seed integer DEFAULT 42,
								   init float8[] DEFAULT NULL,
								   streaming boolean DEFAULT NULL,
								   silhouette_sample integer DEFAULT 10000,
								   preprocess boolean DEFAULT true,
								   choose text DEFAULT 'silhouette',
								   labels jsonb DEFAULT NULL,
								   roles jsonb DEFAULT NULL,
								   deploy text DEFAULT 'always',
								   skip_if_unchanged boolean DEFAULT false,
								   embedding text DEFAULT NULL)
RETURNS TABLE (k integer, inertia float8, silhouette float8, chosen boolean, report jsonb)
	AS 'MODULE_PATHNAME', 'kmeans_fit_table'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.kmeans_fit(text, regclass, text[], integer[], integer, integer, float8, integer, float8[], boolean, integer, boolean, text, jsonb, jsonb, text, boolean, text) IS
	'preprocesses the columns (imputation, one-hot encoding, scaling), runs k-means for each k, registers the model of the chosen k (best silhouette, or the elbow) with a persona per cluster, keeps the deployed version''s cluster numbers, deploys it (always, if_better by silhouette, never) and reports every k; with embedding => a pca or autoencoder model, clusters the rows'' codes and predicts from raw rows';

-- columns as an untyped literal ('{a,b}' or NULL) would fit both the form
-- above (text[]) and the kmeans_fit aggregate (jsonb), an ambiguity
-- PostgreSQL reports as "function is not unique": this overload takes it
-- as text, which wins the resolution, and reads it as a text[] literal
-- ('{a,b}') or, when it is not one, as a single column name.
CREATE FUNCTION segment.kmeans_fit(name text, relation regclass, columns text,
								   k integer[] DEFAULT '{2,3,4,5,6,7,8,9,10}',
								   n_init integer DEFAULT 10, max_iter integer DEFAULT 300,
								   tol float8 DEFAULT 1e-4, seed integer DEFAULT 42,
								   init float8[] DEFAULT NULL,
								   streaming boolean DEFAULT NULL,
								   silhouette_sample integer DEFAULT 10000,
								   preprocess boolean DEFAULT true,
								   choose text DEFAULT 'silhouette',
								   labels jsonb DEFAULT NULL,
								   roles jsonb DEFAULT NULL,
								   deploy text DEFAULT 'always',
								   skip_if_unchanged boolean DEFAULT false,
								   embedding text DEFAULT NULL)
RETURNS TABLE (k integer, inertia float8, silhouette float8, chosen boolean, report jsonb)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM segment.kmeans_fit($1, $2,
		CASE WHEN $3 IS NULL OR ltrim($3) LIKE '{%' THEN $3::text[] ELSE ARRAY[$3] END,
		$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
$$;
COMMENT ON FUNCTION segment.kmeans_fit(text, regclass, text, integer[], integer, integer, float8, integer, float8[], boolean, integer, boolean, text, jsonb, jsonb, text, boolean, text) IS
	'kmeans_fit(name, relation, columns text[], ...) with the columns as a text[] literal such as ''{a,b}'', or one column name';

------------------------------------------------------------------------
-- A tree model read as rules: one row per leaf of one tree
------------------------------------------------------------------------

CREATE FUNCTION segment.tree_rules(name text, version integer DEFAULT NULL,
								   tree integer DEFAULT 0)
RETURNS TABLE (leaf integer, rule text, samples float8, class text, prediction float8)
	AS 'MODULE_PATHNAME', 'tree_rules'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.tree_rules(text, integer, integer) IS
	'the rules of one tree (numbered from 0) of a decision_tree, random_forest or gbdt model, one row per leaf: the conditions on the way to it in original column names and units, the training rows reaching it, and what it predicts (trees of classifiers: the majority class and its share; gbdt: the class whose raw score the tree adds to and the value it adds; regressors: the value)';
