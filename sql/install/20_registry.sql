------------------------------------------------------------------------
-- Registry
------------------------------------------------------------------------

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
	PRIMARY KEY (name, version),
	CONSTRAINT models_kind_matches_model CHECK (kind = segment.model_kind(model))
);
CREATE UNIQUE INDEX models_one_deployed ON segment.models (name) WHERE deployed;
COMMENT ON TABLE segment.models IS
	'model registry: every version of every named model; at most one deployed version per name';

-- pg_dump keeps the registry's rows with the database
SELECT pg_catalog.pg_extension_config_dump('segment.models', '');

CREATE FUNCTION segment.save_model(name text, model bytea,
								   spec jsonb DEFAULT '{}', metrics jsonb DEFAULT '{}',
								   deploy boolean DEFAULT true)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	new_version integer;
BEGIN
	IF name IS NULL OR model IS NULL THEN
		RAISE EXCEPTION 'model name and model must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- serialise versioning of one name without locking the whole table
	PERFORM pg_advisory_xact_lock(hashtextextended('segment.models:' || name, 0));
	SELECT coalesce(max(m.version), 0) + 1 INTO new_version
		FROM segment.models m WHERE m.name = save_model.name;
	IF deploy THEN
		UPDATE segment.models m SET deployed = false
			WHERE m.name = save_model.name AND m.deployed;
	END IF;
	INSERT INTO segment.models (name, version, kind, spec, metrics, model, deployed)
		VALUES (save_model.name, new_version, segment.model_kind(model),
				coalesce(spec, '{}'), coalesce(metrics, '{}'), model,
				coalesce(deploy, true));
	RETURN new_version;
END
$$;
COMMENT ON FUNCTION segment.save_model(text, bytea, jsonb, jsonb, boolean) IS
	'adds a model value as the next version of a name, deployed unless deploy is false';

CREATE FUNCTION segment.deploy(name text, version integer) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('segment.models:' || name, 0));
	IF NOT EXISTS (SELECT 1 FROM segment.models m
				   WHERE m.name = deploy.name AND m.version = deploy.version) THEN
		RAISE EXCEPTION 'model "%" version % does not exist', name, version
			USING ERRCODE = 'undefined_object',
				  HINT = 'See SELECT name, version FROM segment.models.';
	END IF;
	-- two steps: the partial unique index allows one deployed row at any moment
	UPDATE segment.models m SET deployed = false
		WHERE m.name = deploy.name AND m.deployed AND m.version <> deploy.version;
	UPDATE segment.models m SET deployed = true
		WHERE m.name = deploy.name AND m.version = deploy.version AND NOT m.deployed;
END
$$;
COMMENT ON FUNCTION segment.deploy(text, integer) IS
	'makes one version of a model the deployed one';

CREATE FUNCTION segment.drop_model(name text, version integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	dropped integer;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('segment.models:' || name, 0));
	IF version IS NOT NULL AND EXISTS (
		SELECT 1 FROM segment.models m
		WHERE m.name = drop_model.name AND m.version = drop_model.version AND m.deployed
		  AND EXISTS (SELECT 1 FROM segment.models o
					  WHERE o.name = drop_model.name AND o.version <> drop_model.version)) THEN
		RAISE EXCEPTION 'cannot drop the deployed version % of model "%"', version, name
			USING ERRCODE = 'object_in_use',
				  HINT = 'Deploy another version first, or drop every version with segment.drop_model(name).';
	END IF;
	DELETE FROM segment.models m
		WHERE m.name = drop_model.name
		  AND (drop_model.version IS NULL OR m.version = drop_model.version);
	GET DIAGNOSTICS dropped = ROW_COUNT;
	IF dropped = 0 THEN
		IF version IS NULL THEN
			RAISE EXCEPTION 'model "%" does not exist', name USING ERRCODE = 'undefined_object';
		END IF;
		RAISE EXCEPTION 'model "%" version % does not exist', name, version
			USING ERRCODE = 'undefined_object';
	END IF;
	RETURN dropped;
END
$$;
COMMENT ON FUNCTION segment.drop_model(text, integer) IS
	'drops one version of a model, or every version when version is null; returns how many';

CREATE FUNCTION segment.model(name text, version integer DEFAULT NULL) RETURNS bytea
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	result bytea;
BEGIN
	IF version IS NULL THEN
		SELECT m.model INTO result FROM segment.models m
			WHERE m.name = model.name AND m.deployed;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'model "%" does not exist or has no deployed version', name
				USING ERRCODE = 'undefined_object';
		END IF;
	ELSE
		SELECT m.model INTO result FROM segment.models m
			WHERE m.name = model.name AND m.version = model.version;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'model "%" version % does not exist', name, version
				USING ERRCODE = 'undefined_object';
		END IF;
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION segment.model(text, integer) IS
	'the bytes of a model: the deployed version, or the given version';
