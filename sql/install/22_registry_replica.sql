------------------------------------------------------------------------
-- The registry on Citus workers (docs/scale.md)
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
