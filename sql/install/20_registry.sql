------------------------------------------------------------------------
-- Registry
------------------------------------------------------------------------

-- The registry's tables belong to the extension's owner and nobody else
-- writes them: every change goes through the functions below
-- (src/registry.c), which check the calling role and then write as the
-- tables' owner.  Privileges, in three lines:
--   a model name belongs to the role that saved its first version;
--   that role's members (and superusers) add versions, deploy, drop,
--     retrain, grant, and read its bytes, spec and metrics;
--   segment.grant_predict lets another role predict with it by name, nothing more.

CREATE TABLE segment.models (
	name		text NOT NULL CHECK (name <> ''),
	version		integer NOT NULL CHECK (version > 0),
	kind		text NOT NULL,
	created		timestamptz NOT NULL DEFAULT now(),
	created_by	name NOT NULL DEFAULT current_user,
	spec		jsonb NOT NULL DEFAULT '{}',
	metrics		jsonb NOT NULL DEFAULT '{}',
	model		bytea NOT NULL,
	deployed	boolean NOT NULL DEFAULT false,
	owner		regrole NOT NULL,
	PRIMARY KEY (name, version),
	CONSTRAINT models_kind_matches_model CHECK (kind = segment.model_kind(model))
);
CREATE UNIQUE INDEX models_one_deployed ON segment.models (name) WHERE deployed;
COMMENT ON TABLE segment.models IS
	'model registry: every version of every named model; at most one deployed version per name; written only through segment''s functions';

-- Roles see the versions of the models whose owner's privileges they have.
ALTER TABLE segment.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_of_owner_members ON segment.models FOR SELECT
	USING (pg_catalog.pg_has_role(owner, 'USAGE'));
GRANT SELECT ON segment.models TO PUBLIC;

-- Who may predict with a model by name besides its owner's members;
-- grantee 0 (shown as '-') is PUBLIC.
CREATE TABLE segment.model_grants (
	name		text NOT NULL,
	grantee		regrole NOT NULL,
	granted_by	name NOT NULL,
	granted		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (name, grantee)
);
COMMENT ON TABLE segment.model_grants IS
	'roles allowed to predict with a named model (segment.grant_predict); grantee ''-'' is PUBLIC';

-- The owner's members see a model's grants; a grantee sees its own.
ALTER TABLE segment.model_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY model_grants_of_owner_members_and_grantees ON segment.model_grants FOR SELECT
	USING (EXISTS (SELECT 1 FROM segment.models m WHERE m.name OPERATOR(pg_catalog.=) model_grants.name)
		   OR grantee::pg_catalog.oid OPERATOR(pg_catalog.=) 0::pg_catalog.oid
		   OR pg_catalog.pg_has_role(grantee, 'USAGE'));
GRANT SELECT ON segment.model_grants TO PUBLIC;

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

-- pg_dump keeps the registry's rows with the database
SELECT pg_catalog.pg_extension_config_dump('segment.models', '');
SELECT pg_catalog.pg_extension_config_dump('segment.model_grants', '');
SELECT pg_catalog.pg_extension_config_dump('segment.training_runs', '');
SELECT pg_catalog.pg_extension_config_dump('segment.training_runs_run_seq', '');

-- Any change to the registry invalidates what backends cached from it
-- (decoded models, privilege checks) through a relcache invalidation.
CREATE FUNCTION segment.models_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'segment_models_changed'
	LANGUAGE C;
COMMENT ON FUNCTION segment.models_changed() IS
	'trigger: invalidates the per-backend caches of decoded models';
CREATE TRIGGER models_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON segment.models
	FOR EACH STATEMENT EXECUTE FUNCTION segment.models_changed();
CREATE TRIGGER model_grants_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON segment.model_grants
	FOR EACH STATEMENT EXECUTE FUNCTION segment.models_changed();

CREATE FUNCTION segment.save_model(name text, model bytea,
								   spec jsonb DEFAULT '{}', metrics jsonb DEFAULT '{}',
								   deploy boolean DEFAULT true)
RETURNS integer
	AS 'MODULE_PATHNAME', 'segment_save_model'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.save_model(text, bytea, jsonb, jsonb, boolean) IS
	'adds a model value as the next version of a name, deployed unless deploy is false';

CREATE FUNCTION segment.deploy(name text, version integer) RETURNS void
	AS 'MODULE_PATHNAME', 'segment_deploy'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.deploy(text, integer) IS
	'makes one version of a model the deployed one';

CREATE FUNCTION segment.drop_model(name text, version integer DEFAULT NULL) RETURNS integer
	AS 'MODULE_PATHNAME', 'segment_drop_model'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.drop_model(text, integer) IS
	'drops one version of a model, or every version (and its grants and run history) when version is null; returns how many';

-- PARALLEL SAFE: a query that reads a model once, (SELECT segment.model('m')),
-- still scans its table with parallel workers.
CREATE FUNCTION segment.model(name text, version integer DEFAULT NULL) RETURNS bytea
	AS 'MODULE_PATHNAME', 'segment_model'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.model(text, integer) IS
	'the bytes of a model: the deployed version, or the given version';

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

CREATE FUNCTION segment.training_history(name text)
RETURNS SETOF segment.training_runs
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM segment.training_runs r WHERE r.name = training_history.name ORDER BY r.run
$$;
COMMENT ON FUNCTION segment.training_history(text) IS
	'the training runs of a model, oldest first: when, by whom, on how many rows, the version added, whether it was deployed and why, both scores, or the error';
