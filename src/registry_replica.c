/*-------------------------------------------------------------------------
 *
 * registry_replica.c
 *	  The model registry on Citus workers: segment.models_replica, a Citus
 *	  reference table that the coordinator writes in the same distributed
 *	  transaction as segment.models, and that workers read to predict by
 *	  name.
 *
 * Citus runs a query's shard tasks on the workers, where the extension's
 * own tables are empty: the registry lives on the coordinator.  Once
 * segment.replicate_registry() has made segment.models_replica a
 * reference table (one copy on every node) and filled it, every registry
 * write on the coordinator writes it too, through Citus, so that a save, a
 * deploy, a grant or a drop reaches every worker with the coordinator's
 * commit (Citus's two-phase commit).  Workers read their copy with the
 * index scans and privilege checks the coordinator uses on segment.models
 * (registry.c).
 *
 * Roles: each row carries its name's owner (regrole) and the name's grants
 * as aclitem[] USAGE entries.  Both are written as text (role names), so
 * that every node stores its own roles' OIDs, and aclitem has no binary
 * form, which makes Citus copy the table as text also when it copies a
 * placement to a new node.  A grant rewrites the rows of its name, so a
 * worker's decoded model, kept while its row is unchanged (sql_predict.c),
 * is checked again.
 *
 * This file reads Citus's catalogs (pg_dist_local_group, pg_dist_partition,
 * pg_dist_shard) by name and calls Citus's create_reference_table() and
 * citus_drop_all_shards() through SPI; it links nothing of Citus.  Without
 * Citus nothing here runs but a failed catalog lookup.
 *
 * IDENTIFICATION
 *	  src/registry_replica.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/xact.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pg_core.h"
#include "registry_internal.h"

#define REPLICA "models_replica"

/* Citus's catalog pg_catalog.name in this database, or InvalidOid. */
static Oid
CitusCatalog(const char *name)
{
	return get_relname_relid(name, PG_CATALOG_NAMESPACE);
}

/*
 * The first row of Citus catalog `catalog` whose oid column `key` equals
 * value (any row when key is NULL), read under a fresh snapshot: column
 * `column` as an int64 in *result.  False when there is none.
 */
static bool
CitusCatalogValue(const char *catalog, const char *index, const char *key, Oid value,
				  const char *column, int64 *result)
{
	Oid			relid = CitusCatalog(catalog);
	Oid			indexid = index != NULL ? CitusCatalog(index) : InvalidOid;
	Relation	rel;
	ScanKeyData skey;
	Snapshot	snapshot;
	SysScanDesc scan;
	HeapTuple	tuple;
	AttrNumber	attno;
	bool		found = false;

	if (!OidIsValid(relid))
		return false;
	rel = table_open(relid, AccessShareLock);
	attno = get_attnum(relid, column);
	if (attno == InvalidAttrNumber)
		elog(ERROR, "column \"%s\" of Citus catalog %s is missing", column, catalog);
	if (key != NULL)
	{
		AttrNumber	keyno = get_attnum(relid, key);

		if (keyno == InvalidAttrNumber)
			elog(ERROR, "column \"%s\" of Citus catalog %s is missing", key, catalog);
		ScanKeyInit(&skey, keyno, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(value));
	}
	/* the latest, but a parallel worker may only read its catalog snapshot */
	snapshot = RegisterSnapshot(IsInParallelMode() ? GetCatalogSnapshot(relid) : GetLatestSnapshot());
	scan = systable_beginscan(rel, indexid, OidIsValid(indexid), snapshot, key != NULL ? 1 : 0,
							  &skey);
	tuple = systable_getnext(scan);
	if (tuple != NULL)
	{
		bool		isnull;
		Datum		d = heap_getattr(tuple, attno, RelationGetDescr(rel), &isnull);

		if (!isnull)
		{
			Oid			type = TupleDescAttr(RelationGetDescr(rel), attno - 1)->atttypid;

			*result = type == INT8OID ? DatumGetInt64(d) :
				type == INT4OID ? DatumGetInt32(d) : (int64) DatumGetObjectId(d);
			found = true;
		}
	}
	systable_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return found;
}

/* This node's Citus group: -1 without Citus, 0 on the coordinator. */
int32
citus_local_group(void)
{
	int64		group = 0;

	if (!OidIsValid(CitusCatalog("pg_dist_local_group")))
		return -1;
	(void) CitusCatalogValue("pg_dist_local_group", NULL, NULL, InvalidOid, "groupid", &group);
	return (int32) group;
}

/* Whether Citus distributes relid (a reference table, for the replica). */
static bool
CitusDistributed(Oid relid)
{
	int64		ignored;

	return CitusCatalogValue("pg_dist_partition", "pg_dist_partition_logical_relid_index",
							 "logicalrelid", relid, "logicalrelid", &ignored);
}

/*
 * On a Citus worker: this node's copy of segment.models_replica (Citus
 * names a shard <table>_<shard id>, its indexes <index>_<shard id>).
 * False when the replica is not distributed or has no placement here.
 */
bool
replica_local_relations(Oid nsp, ReplicaRelations *r)
{
	int64		shard;
	Oid			owner;
	HeapTuple	tuple;

	memset(r, 0, sizeof(*r));
	r->shell = get_relname_relid(REPLICA, nsp);
	if (!OidIsValid(r->shell) ||
		!CitusCatalogValue("pg_dist_shard", "pg_dist_shard_logical_relid_index",
						   "logicalrelid", r->shell, "shardid", &shard))
		return false;
	r->shard = get_relname_relid(psprintf(REPLICA "_" INT64_FORMAT, shard), nsp);
	r->pkey = get_relname_relid(psprintf(REPLICA "_pkey_" INT64_FORMAT, shard), nsp);
	r->deployed = get_relname_relid(psprintf(REPLICA "_one_deployed_" INT64_FORMAT, shard), nsp);
	if (!OidIsValid(r->shard) || !OidIsValid(r->pkey) || !OidIsValid(r->deployed))
		return false;
	/* only the extension's owner creates in its schema; check all the same */
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(r->shell));
	if (!HeapTupleIsValid(tuple))
		return false;
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(r->shard));
	if (!HeapTupleIsValid(tuple))
		return false;
	if (((Form_pg_class) GETSTRUCT(tuple))->relowner != owner)
		elog(ERROR, "the registry's replica %s is not owned by the registry's owner",
			 get_rel_name(r->shard));
	ReleaseSysCache(tuple);
	return true;
}

/*
 * Whether registry writes on this node must also write the replica: the
 * coordinator, once replicate_registry() has made it a reference table.
 * Read afresh on every write, after the write's lock on segment.models,
 * so that a write committed after replicate_registry() is never missed.
 */
bool
replica_active(void)
{
	Oid			nsp;
	Oid			shell;

	if (citus_local_group() != 0)
		return false;
	nsp = get_namespace_oid("segment", true);
	shell = OidIsValid(nsp) ? get_relname_relid(REPLICA, nsp) : InvalidOid;
	return OidIsValid(shell) && CitusDistributed(shell);
}

/* Makes the replica a reference table unless it is one; true when it was made now. */
bool
replica_distribute(void)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum("segment." REPLICA)};

	if (replica_active())
		return false;
	registry_exec("SELECT pg_catalog.create_reference_table($1::pg_catalog.regclass)",
				  1, types, values, NULL, SPI_OK_SELECT);
	return true;
}

/* A role as the replica stores it: InvalidOid (no role) for a role dropped since. */
static Oid
ReplicaRole(Oid role)
{
	return OidIsValid(role) && SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(role)) ?
		role : InvalidOid;
}

/*
 * The grants of name (segment.model_grants) as aclitem[]: USAGE for each
 * grantee (ACL_ID_PUBLIC for PUBLIC) from grantor.  Grants to roles
 * dropped since are left out: they match nobody.
 */
static Datum
PredictorsAcl(const char *name, Oid grantor)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	SPITupleTable *grants;
	AclItem    *items;
	int			n = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	registry_exec("SELECT g.grantee::pg_catalog.oid FROM segment.model_grants g "
				  "WHERE g.name OPERATOR(pg_catalog.=) $1",
				  1, types, values, NULL, SPI_OK_SELECT);
	grants = SPI_tuptable;
	items = palloc0(sizeof(AclItem) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			grantee = DatumGetObjectId(SPI_getbinval(grants->vals[i], grants->tupdesc,
															 1, &isnull));

		if (grantee != ACL_ID_PUBLIC && !OidIsValid(ReplicaRole(grantee)))
			continue;
		items[n].ai_grantee = grantee;
		items[n].ai_grantor = grantor;
		ACLITEM_SET_PRIVS_GOPTIONS(items[n], ACL_USAGE, ACL_NO_RIGHTS);
		n++;
	}
	SPI_freetuptable(grants);
	get_typlenbyvalalign(ACLITEMOID, &typlen, &typbyval, &typalign);
	{
		Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

		for (int i = 0; i < n; i++)
			elems[i] = PointerGetDatum(&items[i]);
		return PointerGetDatum(construct_array(elems, n, ACLITEMOID, typlen, typbyval, typalign));
	}
}

/* ERROR unless a replica statement changed as many rows as the registry holds. */
static void
CheckInStep(uint64 changed, uint64 expected)
{
	if (changed != expected)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the model registry's replica on the Citus workers is out of date"),
				 errdetail("A change of " UINT64_FORMAT " row(s) found " UINT64_FORMAT " in segment.models_replica.",
						   expected, changed),
				 errhint("Copy the registry again: SELECT segment.replicate_registry().")));
}

#define COPY_COLUMNS "name, version, kind, created, created_by, spec, metrics, model, deployed, owner"

/*
 * Copies versions of segment.models into the replica: one version of name,
 * every version of name (version 0) or the whole registry (name NULL).
 * Returns how many.  Row by row, with parameters, so that Citus sends
 * roles by name.
 */
int64
replica_copy(const char *name, int32 version, Oid grantor)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2];
	Portal		portal;
	int64		copied = 0;
	char	   *current = NULL;
	Datum		predictors = (Datum) 0;

	values[0] = name != NULL ? CStringGetTextDatum(name) : (Datum) 0;
	values[1] = Int32GetDatum(version);
	portal = SPI_cursor_open_with_args(NULL,
									   name == NULL ?
									   "SELECT " COPY_COLUMNS " FROM segment.models ORDER BY name, version" :
									   version == 0 ?
									   "SELECT " COPY_COLUMNS " FROM segment.models "
									   "WHERE name OPERATOR(pg_catalog.=) $1 ORDER BY version" :
									   "SELECT " COPY_COLUMNS " FROM segment.models "
									   "WHERE name OPERATOR(pg_catalog.=) $1 "
									   "AND version OPERATOR(pg_catalog.=) $2",
									   name == NULL ? 0 : version == 0 ? 1 : 2, types, values,
									   NULL, false, 0);
	for (;;)
	{
		SPITupleTable *rows;
		uint64		n;

		SPI_cursor_fetch(portal, true, 16);
		rows = SPI_tuptable;
		n = SPI_processed;
		if (n == 0)
			break;
		for (uint64 i = 0; i < n; i++)
		{
			Oid			insert_types[11] = {TEXTOID, INT4OID, TEXTOID, TIMESTAMPTZOID, NAMEOID,
			JSONBOID, JSONBOID, BYTEAOID, BOOLOID, REGROLEOID, ACLITEMARRAYOID};
			Datum		row[11];
			bool		isnull;
			char	   *row_name;

			for (int c = 0; c < 10; c++)
				row[c] = SPI_getbinval(rows->vals[i], rows->tupdesc, c + 1, &isnull);
			row_name = TextDatumGetCString(row[0]);
			if (current == NULL || strcmp(current, row_name) != 0)
			{
				predictors = PredictorsAcl(row_name, grantor);
				current = row_name;
			}
			row[9] = ObjectIdGetDatum(ReplicaRole(DatumGetObjectId(row[9])));
			row[10] = predictors;
			registry_exec("INSERT INTO segment." REPLICA " (" COPY_COLUMNS ", predictors) "
						  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
						  11, insert_types, row, NULL, SPI_OK_INSERT);
			copied++;
		}
		SPI_freetuptable(rows);
	}
	SPI_cursor_close(portal);
	return copied;
}

/* Empties the replica (before copying the whole registry into it). */
void
replica_clear(void)
{
	registry_exec("DELETE FROM segment." REPLICA, 0, NULL, NULL, NULL, SPI_OK_DELETE);
}

/* No version of name is deployed any more. */
void
replica_undeploy(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};

	registry_exec("UPDATE segment." REPLICA " SET deployed = false "
				  "WHERE name OPERATOR(pg_catalog.=) $1 AND deployed",
				  1, types, values, NULL, SPI_OK_UPDATE);
}

/* Version is the deployed one of name (in two steps, as on segment.models). */
void
replica_deploy(const char *name, int32 version)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};

	replica_undeploy(name);
	CheckInStep(registry_exec("UPDATE segment." REPLICA " SET deployed = true "
							  "WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND version OPERATOR(pg_catalog.=) $2",
							  2, types, values, NULL, SPI_OK_UPDATE), 1);
}

/* Drops one version of name, or every version (version 0): `expected` rows. */
void
replica_drop(const char *name, int32 version, uint64 expected)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};

	if (version > 0)
		CheckInStep(registry_exec("DELETE FROM segment." REPLICA " "
								  "WHERE name OPERATOR(pg_catalog.=) $1 "
								  "AND version OPERATOR(pg_catalog.=) $2",
								  2, types, values, NULL, SPI_OK_DELETE), expected);
	else
		CheckInStep(registry_exec("DELETE FROM segment." REPLICA " "
								  "WHERE name OPERATOR(pg_catalog.=) $1",
								  1, types, values, NULL, SPI_OK_DELETE), expected);
}

/* Writes name's grants, as segment.model_grants now holds them, into its `versions` rows. */
void
replica_grants(const char *name, Oid grantor, uint64 versions)
{
	Oid			types[2] = {TEXTOID, ACLITEMARRAYOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(name);
	values[1] = PredictorsAcl(name, grantor);
	CheckInStep(registry_exec("UPDATE segment." REPLICA " SET predictors = $2 "
							  "WHERE name OPERATOR(pg_catalog.=) $1",
							  2, types, values, NULL, SPI_OK_UPDATE), versions);
}

/* Gives name's `versions` rows to owner. */
void
replica_set_owner(const char *name, Oid owner, uint64 versions)
{
	Oid			types[2] = {TEXTOID, REGROLEOID};
	Datum		values[2] = {CStringGetTextDatum(name), ObjectIdGetDatum(ReplicaRole(owner))};

	CheckInStep(registry_exec("UPDATE segment." REPLICA " SET owner = $2 "
							  "WHERE name OPERATOR(pg_catalog.=) $1",
							  2, types, values, NULL, SPI_OK_UPDATE), versions);
}

/*
 * segment.replica_on_drop_extension(): event trigger before DROP EXTENSION.
 * Citus does not drop the shards of an extension's reference table when
 * the extension is dropped (it drops the table and its metadata, and
 * leaves every node's copy, model bytes included): when segment is being
 * dropped on the coordinator, the replica's shards are dropped first,
 * with Citus's citus_drop_all_shards(), in the same transaction.
 */
PG_FUNCTION_INFO_V1(segment_replica_on_drop_extension);

Datum
segment_replica_on_drop_extension(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata = (EventTriggerData *) fcinfo->context;
	DropStmt   *stmt;
	ListCell   *lc;
	bool		dropping_segment = false;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("segment.replica_on_drop_extension() was not called by the event trigger manager")));
	if (!IsA(trigdata->parsetree, DropStmt))
		PG_RETURN_VOID();
	stmt = (DropStmt *) trigdata->parsetree;
	if (stmt->removeType != OBJECT_EXTENSION)
		PG_RETURN_VOID();
	foreach(lc, stmt->objects)
		dropping_segment |= strcmp(strVal(lfirst(lc)), "segment") == 0;
	if (dropping_segment && replica_active())
	{
		int			nestlevel = segment_pin_search_path();

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		registry_exec("SELECT pg_catalog.citus_drop_all_shards("
					  "'segment." REPLICA "'::pg_catalog.regclass, 'segment', '" REPLICA "')",
					  0, NULL, NULL, NULL, SPI_OK_SELECT);
		SPI_finish();
		segment_restore_search_path(nestlevel);
	}
	PG_RETURN_VOID();
}
