/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  The model registry: every read and write of segment.models and
 *	  segment.model_grants, and the privilege checks in front of them.
 *
 * Reads are index scans under a snapshot (the statement's, or for the
 * checks in front of a write the latest after the name's lock), made in C
 * with no SPI, so that they neither depend on the caller's search_path
 * nor on the caller's privileges on the tables: the checks below decide.
 * Writes check the calling role (GetUserId()) first, then run fixed,
 * parameterized, fully qualified statements through SPI as the owner of
 * the registry's tables, under search_path = pg_catalog, pg_temp, the way
 * PostgreSQL's ri_triggers.c runs its queries as a table's owner.  An
 * ERROR in between restores the user and the setting through the
 * (sub)transaction's abort.  Writes of one name are serialized by a
 * transaction-level advisory lock on the name.
 *
 * On a Citus worker the registry is read from the node's copy of
 * segment.models_replica, which the coordinator writes with every change
 * (registry_replica.c); the same checks apply, with a name's grants read
 * from its rows, and writes are refused: models change on the coordinator.
 *
 * Between installing this library and ALTER EXTENSION segment UPDATE, a
 * database may still have the 0.1.0 registry (no owner column, no
 * grants): there, as in 0.1.0, the privileges on segment.models decide,
 * and new versions go through 0.1.0's segment.save_model().
 *
 * IDENTIFICATION
 *	  src/registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pg_core.h"
#include "pg_snapshot.h"
#include "registry.h"
#include "registry_internal.h"

PG_FUNCTION_INFO_V1(segment_models_changed);

/* The registry's relations and columns, looked up once per backend. */
typedef struct RegistryRelations
{
	bool		valid;
	bool		legacy;			/* the 0.1.0 registry: no owners, no grants */
	bool		replica;		/* a Citus worker: models is the replica's shard */
	Oid			replica_shell;	/* segment.models_replica (watched on workers) */
	Oid			models;
	Oid			models_pkey;	/* (name, version) */
	Oid			models_deployed;	/* (name) WHERE deployed */
	Oid			grants;
	Oid			grants_pkey;	/* (name, grantee) */
	Oid			runs;			/* segment.training_runs, or InvalidOid */
	Oid			writer;			/* owner of segment.models */
	AttrNumber	m_name;
	AttrNumber	m_version;
	AttrNumber	m_spec;
	AttrNumber	m_metrics;
	AttrNumber	m_model;
	AttrNumber	m_deployed;
	AttrNumber	m_owner;
	AttrNumber	m_kind;
	AttrNumber	m_created;
	AttrNumber	m_created_by;
	AttrNumber	m_predictors;	/* on the replica: the name's grants, aclitem[] */
	AttrNumber	g_name;
	AttrNumber	g_grantee;
} RegistryRelations;

static RegistryRelations reg;
static bool callbacks_registered = false;

/* bumped whenever a privilege checked earlier may have changed */
static uint64 privileges_generation = 1;

/* One version's row, as much of it as was asked for. */
typedef struct VersionRow
{
	int32		version;
	Oid			owner;
	bool		deployed;
	ItemPointerData tid;
	TransactionId xmin;
	bytea	   *model;
	Jsonb	   *spec;
	Jsonb	   *metrics;
	char	   *kind;
	TimestampTz created;
	char	   *created_by;
} VersionRow;

#define FETCH_MODEL		0x01
#define FETCH_SPEC		0x02
#define FETCH_METRICS	0x04
#define FETCH_HEADER	0x08	/* kind, created, created_by */
#define FETCH_MODEL_STORED	0x10	/* the model as stored: a TOAST pointer if out of line */


/*
 * Relcache callback: a write to the registry (its statement triggers send
 * an invalidation), DROP EXTENSION or a cache reset.  The relations are
 * looked up again, and privilege checks made since are redone (grants,
 * owners).
 */
static void
RegistryRelationChanged(Datum arg pg_attribute_unused(), Oid relid)
{
	if (relid == InvalidOid || relid == reg.models || relid == reg.grants ||
		relid == reg.replica_shell)
	{
		reg.valid = false;
		privileges_generation++;
	}
}

/* Syscache callback: roles, their attributes or memberships changed. */
static void
RolesChanged(Datum arg pg_attribute_unused(), int cacheid pg_attribute_unused(),
			 uint32 hashvalue pg_attribute_unused())
{
	privileges_generation++;
}

uint64
registry_privileges_generation(void)
{
	return privileges_generation;
}

static AttrNumber
Column(Oid relid, const char *column)
{
	AttrNumber	attno = get_attnum(relid, column);

	if (attno == InvalidAttrNumber)
		elog(ERROR, "column \"%s\" of the model registry is missing", column);
	return attno;
}

/*
 * On a Citus worker: the node's copy of the replica stands for
 * segment.models.  ERROR when the coordinator has not replicated the
 * registry to this node.
 */
static void
ResolveReplica(Oid nsp)
{
	ReplicaRelations r;

	if (!replica_local_relations(nsp, &r))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the model registry is not replicated to this Citus worker"),
				 errdetail("Models are kept on the coordinator; workers read the copy segment.replicate_registry() keeps in segment.models_replica."),
				 errhint("On the coordinator, run SELECT segment.replicate_registry() (after adding a node, SELECT replicate_reference_tables() first).")));
	reg.replica = true;
	reg.replica_shell = r.shell;
	reg.models = r.shard;
	reg.models_pkey = r.pkey;
	reg.models_deployed = r.deployed;
}

/* Looks the registry up unless already known. */
static void
Resolve(void)
{
	Oid			nsp;
	HeapTuple	tuple;

	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(RegistryRelationChanged, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, RolesChanged, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, RolesChanged, (Datum) 0);
		callbacks_registered = true;
	}
	if (reg.valid)
		return;
	memset(&reg, 0, sizeof(reg));
	nsp = get_namespace_oid("segment", true);
	if (OidIsValid(nsp) && citus_local_group() > 0)
		ResolveReplica(nsp);
	else if (OidIsValid(nsp))
	{
		reg.models = get_relname_relid("models", nsp);
		reg.models_pkey = get_relname_relid("models_pkey", nsp);
		reg.models_deployed = get_relname_relid("models_one_deployed", nsp);
		reg.grants = get_relname_relid("model_grants", nsp);
		reg.grants_pkey = get_relname_relid("model_grants_pkey", nsp);
		reg.runs = get_relname_relid("training_runs", nsp);
	}
	if (!OidIsValid(reg.models) || !OidIsValid(reg.models_pkey) ||
		!OidIsValid(reg.models_deployed))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the model registry segment.models does not exist"),
				 errhint("Create the extension in this database: CREATE EXTENSION segment.")));
	reg.m_name = Column(reg.models, "name");
	reg.m_version = Column(reg.models, "version");
	reg.m_spec = Column(reg.models, "spec");
	reg.m_metrics = Column(reg.models, "metrics");
	reg.m_model = Column(reg.models, "model");
	reg.m_deployed = Column(reg.models, "deployed");
	reg.m_owner = get_attnum(reg.models, "owner");
	reg.m_kind = Column(reg.models, "kind");
	reg.m_created = Column(reg.models, "created");
	reg.m_created_by = Column(reg.models, "created_by");
	if (reg.replica)
		reg.m_predictors = Column(reg.models, "predictors");
	else
	{
		reg.legacy = reg.m_owner == InvalidAttrNumber || !OidIsValid(reg.grants) ||
			!OidIsValid(reg.grants_pkey);
		if (!reg.legacy)
		{
			reg.g_name = Column(reg.grants, "name");
			reg.g_grantee = Column(reg.grants, "grantee");
		}
	}
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(reg.models));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", reg.models);
	reg.writer = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	reg.valid = true;
}

/* ERROR on a Citus worker, whose registry is the coordinator's copy. */
static void
CheckWritable(void)
{
	Resolve();
	if (reg.replica)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("models are saved, deployed, dropped and granted on the Citus coordinator only"),
				 errdetail("This node holds a copy of the coordinator's model registry."),
				 errhint("Connect to the coordinator.")));
}

bool
registry_has_runs(void)
{
	Resolve();
	return !reg.legacy && OidIsValid(reg.runs);
}

/*
 * segment.models_changed(): statement trigger on the registry's tables
 * that invalidates what every backend cached from them.
 */
Datum
segment_models_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("segment.models_changed() was not called by the trigger manager")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}

/* ---- privileges ------------------------------------------------------ */

static const char *
RoleName(Oid roleid)
{
	char	   *name = GetUserNameFromId(roleid, true);

	return name != NULL ? name : psprintf("%u", roleid);
}

/*
 * On a Citus worker: whether the replica's rows of name grant USAGE to
 * PUBLIC or to a role whose privileges roleid has (aclmask() applies the
 * same rule as GrantedPredict() below).  Every row of a name holds the
 * name's grants; the first is read.
 */
static bool
ReplicaGrantedPredict(const char *name, Oid roleid, Snapshot snapshot)
{
	Relation	rel = table_open(reg.models, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		granted = false;

	ScanKeyEntryInitialize(&key, 0, reg.m_name, BTEqualStrategyNumber, InvalidOid,
						   TupleDescAttr(RelationGetDescr(rel), reg.m_name - 1)->attcollation,
						   F_TEXTEQ, CStringGetTextDatum(name));
	scan = systable_beginscan(rel, reg.models_pkey, true, snapshot, 1, &key);
	tuple = systable_getnext(scan);
	if (tuple != NULL)
	{
		bool		isnull;
		Datum		d = heap_getattr(tuple, reg.m_predictors, RelationGetDescr(rel), &isnull);
		Acl		   *acl = isnull ? NULL : DatumGetAclP(d);

		/* no grant is '{}', which has no dimension as text makes it */
		granted = acl != NULL && ARR_NDIM(acl) == 1 &&
			aclmask(acl, roleid, InvalidOid, ACL_USAGE, ACLMASK_ANY) != 0;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return granted;
}

/* Whether name has a grant to PUBLIC or to a role whose privileges roleid has. */
static bool
GrantedPredict(const char *name, Oid roleid, Snapshot snapshot)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		granted = false;

	if (reg.replica)
		return ReplicaGrantedPredict(name, roleid, snapshot);
	rel = table_open(reg.grants, AccessShareLock);
	ScanKeyEntryInitialize(&key, 0, reg.g_name, BTEqualStrategyNumber, InvalidOid,
						   TupleDescAttr(RelationGetDescr(rel), reg.g_name - 1)->attcollation,
						   F_TEXTEQ, CStringGetTextDatum(name));
	scan = systable_beginscan(rel, reg.grants_pkey, true, snapshot, 1, &key);
	while (!granted && (tuple = systable_getnext(scan)) != NULL)
	{
		bool		isnull;
		Oid			grantee = DatumGetObjectId(heap_getattr(tuple, reg.g_grantee,
															RelationGetDescr(rel), &isnull));

		granted = grantee == InvalidOid || has_privs_of_role(roleid, grantee);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return granted;
}

/*
 * Whether roleid may do right with model name owned by owner: with the
 * owner's privileges (superusers have every role's), or for predicting,
 * with a grant.
 */
bool
registry_may(const char *name, Oid owner, Oid roleid, RegistryRight right)
{
	Resolve();
	if (reg.legacy)
		return pg_class_aclcheck(reg.models, roleid,
								 right == REGISTRY_CHANGE ? ACL_INSERT : ACL_SELECT) == ACLCHECK_OK;
	if (has_privs_of_role(roleid, owner))
		return true;
	return right == REGISTRY_PREDICT && GrantedPredict(name, roleid, segment_read_snapshot());
}

/* ERROR unless roleid may do right with model name owned by owner. */
void
registry_check(const char *name, Oid owner, Oid roleid, RegistryRight right)
{
	if (registry_may(name, owner, roleid, right))
		return;
	if (reg.legacy)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, "models");
	switch (right)
	{
		case REGISTRY_PREDICT:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to predict with model \"%s\"", name),
					 errdetail("Model \"%s\" belongs to role \"%s\".", name, RoleName(owner)),
					 errhint("Its owner can allow it with segment.grant_predict(name, role).")));
			break;
		case REGISTRY_READ:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to read model \"%s\"", name),
					 errdetail("Only roles with the privileges of its owner \"%s\" read a model's bytes, spec and metrics.",
							   RoleName(owner)),
					 errhint("A grant of segment.grant_predict allows predicting by name without reading the model.")));
			break;
		case REGISTRY_CHANGE:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to change model \"%s\"", name),
					 errdetail("Only roles with the privileges of its owner \"%s\" add versions, deploy, drop, retrain or grant it.",
							   RoleName(owner))));
			break;
	}
}

/* ---- reading ----------------------------------------------------------- */

static void
NameKey(ScanKey key, Relation rel, const char *name)
{
	ScanKeyEntryInitialize(key, 0, reg.m_name, BTEqualStrategyNumber, InvalidOid,
						   TupleDescAttr(RelationGetDescr(rel), reg.m_name - 1)->attcollation,
						   F_TEXTEQ, CStringGetTextDatum(name));
}

/* Copies what was asked for out of a row (before the scan releases its buffer). */
static void
ReadRow(Relation rel, HeapTuple tuple, int fetch, VersionRow *row)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;

	row->version = DatumGetInt32(heap_getattr(tuple, reg.m_version, desc, &isnull));
	row->deployed = DatumGetBool(heap_getattr(tuple, reg.m_deployed, desc, &isnull));
	row->owner = reg.legacy ? InvalidOid :
		DatumGetObjectId(heap_getattr(tuple, reg.m_owner, desc, &isnull));
	row->tid = tuple->t_self;
	row->xmin = HeapTupleHeaderGetRawXmin(tuple->t_data);
	if (fetch & FETCH_MODEL)
		row->model = DatumGetByteaPCopy(heap_getattr(tuple, reg.m_model, desc, &isnull));
	if (fetch & FETCH_MODEL_STORED)
	{
		Datum		model = heap_getattr(tuple, reg.m_model, desc, &isnull);

		if (VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(model)))
		{
			row->model = palloc(VARSIZE_EXTERNAL(DatumGetPointer(model)));
			memcpy(row->model, DatumGetPointer(model), VARSIZE_EXTERNAL(DatumGetPointer(model)));
		}
		else
			row->model = DatumGetByteaPCopy(model);
	}
	if (fetch & FETCH_SPEC)
		row->spec = DatumGetJsonbPCopy(heap_getattr(tuple, reg.m_spec, desc, &isnull));
	if (fetch & FETCH_METRICS)
		row->metrics = DatumGetJsonbPCopy(heap_getattr(tuple, reg.m_metrics, desc, &isnull));
	if (fetch & FETCH_HEADER)
	{
		row->kind = TextDatumGetCString(heap_getattr(tuple, reg.m_kind, desc, &isnull));
		row->created = DatumGetTimestampTz(heap_getattr(tuple, reg.m_created, desc, &isnull));
		row->created_by = pstrdup(NameStr(*DatumGetName(heap_getattr(tuple, reg.m_created_by,
																	  desc, &isnull))));
	}
}

/* The row of (name, version), or of name's deployed version when version is 0. */
static bool
FetchVersion(const char *name, int32 version, Snapshot snapshot, int fetch, VersionRow *row)
{
	Relation	rel;
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		found;

	Resolve();
	rel = table_open(reg.models, AccessShareLock);
	NameKey(&keys[0], rel, name);
	if (version > 0)
		ScanKeyInit(&keys[1], reg.m_version, BTEqualStrategyNumber, F_INT4EQ,
					Int32GetDatum(version));
	scan = systable_beginscan(rel, version > 0 ? reg.models_pkey : reg.models_deployed, true,
							  snapshot, version > 0 ? 2 : 1, keys);
	tuple = systable_getnext(scan);
	found = tuple != NULL;
	memset(row, 0, sizeof(VersionRow));
	if (found)
		ReadRow(rel, tuple, fetch, row);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * The versions of name: how many there are, their owner and the latest
 * version number; with functions (NULL-terminated), *spec gets the spec of
 * the latest version whose spec says it was written by one of them.
 */
static int
NameVersions(const char *name, Snapshot snapshot, Oid *owner, int32 *latest,
			 const char *const *functions, Jsonb **spec)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	int			n = 0;

	Resolve();
	rel = table_open(reg.models, AccessShareLock);
	NameKey(&key, rel, name);
	scan = systable_beginscan(rel, reg.models_pkey, true, snapshot, 1, &key);
	*owner = InvalidOid;
	*latest = 0;
	if (spec != NULL)
		*spec = NULL;
	while ((tuple = systable_getnext(scan)) != NULL)
	{
		VersionRow	row;

		memset(&row, 0, sizeof(row));
		ReadRow(rel, tuple, functions != NULL ? FETCH_SPEC : 0, &row);
		n++;
		*owner = row.owner;
		*latest = Max(*latest, row.version);
		if (functions != NULL)
		{
			JsonbValue	v;

			if (JB_ROOT_IS_OBJECT(row.spec) &&
				getKeyJsonValueFromContainer(&row.spec->root, "function", strlen("function"), &v) &&
				v.type == jbvString)
				for (const char *const *f = functions; *f != NULL; f++)
					if (v.val.string.len == (int) strlen(*f) &&
						memcmp(v.val.string.val, *f, v.val.string.len) == 0)
						*spec = row.spec;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return n;
}

static void
NoSuchModel(const char *name, int32 version)
{
	if (version > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" version %d does not exist", name, version),
				 errhint("See SELECT name, version FROM segment.models.")));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\" does not exist or has no deployed version", name),
			 errhint("See SELECT name, version, deployed FROM segment.models.")));
}

/*
 * The deployed version of name under snapshot; false when there is none.
 * The model's bytes are read only when the row is not the known one.
 */
bool
registry_find_deployed(const char *name, Snapshot snapshot, const RegistryDeployed *known,
					   RegistryDeployed *found)
{
	VersionRow	row;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	Resolve();
	rel = table_open(reg.models, AccessShareLock);
	NameKey(&key, rel, name);
	scan = systable_beginscan(rel, reg.models_deployed, true, snapshot, 1, &key);
	tuple = systable_getnext(scan);
	if (tuple != NULL)
	{
		bool		isnull;

		memset(&row, 0, sizeof(row));
		ReadRow(rel, tuple, 0, &row);
		found->version = row.version;
		found->owner = row.owner;
		found->tid = row.tid;
		found->xmin = row.xmin;
		found->model = NULL;
		if (known == NULL || !ItemPointerEquals((ItemPointer) &known->tid, &row.tid) ||
			known->xmin != row.xmin || known->version != row.version)
			found->model = DatumGetByteaPCopy(heap_getattr(tuple, reg.m_model,
														   RelationGetDescr(rel), &isnull));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return tuple != NULL;
}

/*
 * A version's row (0: the deployed one) after checking that the caller may
 * have it.  A predict grant reaches the deployed version only: any other
 * version (a candidate not deployed, an old one) needs the read right.
 */
static void
ReadVersion(const char *name, int32 version, RegistryRight right, int fetch, VersionRow *row)
{
	Snapshot	snapshot = segment_read_snapshot();
	Oid			owner;
	int32		latest;

	if (NameVersions(name, snapshot, &owner, &latest, NULL, NULL) == 0)
		NoSuchModel(name, version);
	registry_check(name, owner, GetUserId(), right);
	if (!FetchVersion(name, version, snapshot, fetch, row))
		NoSuchModel(name, version);
	if (right == REGISTRY_PREDICT && !row->deployed)
		registry_check(name, owner, GetUserId(), REGISTRY_READ);
}

/* The bytes of a version of name (0: the deployed one). */
bytea *
registry_model(const char *name, int32 version, RegistryRight right)
{
	VersionRow	row;

	ReadVersion(name, version, right, FETCH_MODEL, &row);
	return row.model;
}

/*
 * The same as a value to return from SQL: when the bytes are stored out of
 * line, the TOAST pointer to them, as a column's value in a query is.  It
 * reads as the bytes wherever they are needed, and tells the functions
 * that take a model value, without reading it, that it is the same value
 * as before (pg_model.c).
 */
Datum
registry_model_value(const char *name, int32 version)
{
	VersionRow	row;

	ReadVersion(name, version, REGISTRY_READ, FETCH_MODEL_STORED, &row);
	return PointerGetDatum(row.model);
}

/* The metrics stored with a version of name (0: the deployed one). */
Jsonb *
registry_metrics(const char *name, int32 version)
{
	VersionRow	row;

	ReadVersion(name, version, REGISTRY_READ, FETCH_METRICS, &row);
	return row.metrics;
}

/* The spec stored with a version of name (0: the deployed one). */
Jsonb *
registry_spec(const char *name, int32 version, RegistryRight right)
{
	VersionRow	row;

	ReadVersion(name, version, right, FETCH_SPEC, &row);
	return row.spec;
}

void
registry_read_version(const char *name, int32 version, RegistryRight right,
					  RegistryVersion *out)
{
	VersionRow	row;

	ReadVersion(name, version, right, FETCH_MODEL | FETCH_SPEC | FETCH_METRICS | FETCH_HEADER,
				&row);
	out->version = row.version;
	out->deployed = row.deployed;
	out->owner = row.owner;
	out->kind = row.kind;
	out->created = row.created;
	out->created_by = row.created_by;
	out->model = row.model;
	out->spec = row.spec;
	out->metrics = row.metrics;
}

/*
 * The spec's "arguments" of the latest version of name whose spec was
 * written by function, for a caller that may change the model; ERROR when
 * there is none.
 */
Jsonb *
registry_training_spec(const char *name, const char *const *functions, Oid *owner)
{
	int32		latest;
	Jsonb	   *spec;

	if (NameVersions(name, segment_read_snapshot(), owner, &latest, functions, &spec) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name)));
	registry_check(name, *owner, GetUserId(), REGISTRY_CHANGE);
	return spec;
}

Jsonb *
registry_training_arguments(const char *name, const char *function, Oid *owner)
{
	const char *functions[2] = {function, NULL};
	Jsonb	   *spec = registry_training_spec(name, functions, owner);
	JsonbValue	v;

	if (spec == NULL ||
		!getKeyJsonValueFromContainer(&spec->root, "arguments", strlen("arguments"), &v) ||
		v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version trained by %s", name, function)));
	return JsonbValueToJsonb(&v);
}

/* ---- writing ----------------------------------------------------------- */

/* Serializes writes of one name until the end of the transaction. */
static void
LockName(const char *name)
{
	Datum		key;

	key = DirectFunctionCall2Coll(hashtextextended, DEFAULT_COLLATION_OID,
								  CStringGetTextDatum(psprintf("segment.models:%s", name)),
								  Int64GetDatum(0));
	DirectFunctionCall1(pg_advisory_xact_lock_int8, key);
}

/*
 * Locks name, then reads its versions with a snapshot taken after the
 * lock; ERROR unless the caller may change an existing name.  Returns the
 * number of versions.
 */
int
registry_lock_and_check(const char *name, Oid *owner, int32 *latest)
{
	Snapshot	snapshot;
	int			n;

	CheckWritable();
	LockName(name);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	n = NameVersions(name, snapshot, owner, latest, NULL, NULL);
	UnregisterSnapshot(snapshot);
	if (n > 0)
		registry_check(name, *owner, GetUserId(), REGISTRY_CHANGE);
	return n;
}

void
registry_begin_write(RegistryWriter *s)
{
	CheckWritable();
	GetUserIdAndSecContext(&s->save_userid, &s->save_sec_context);
	SetUserIdAndSecContext(reg.writer, s->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	s->save_nestlevel = segment_pin_search_path();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

void
registry_end_write(RegistryWriter *s)
{
	SPI_finish();
	segment_restore_search_path(s->save_nestlevel);
	SetUserIdAndSecContext(s->save_userid, s->save_sec_context);
}

/* Runs one registry statement; returns the number of rows it processed. */
uint64
registry_exec(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls, int expected)
{
	int			ret = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);

	if (ret != expected)
		elog(ERROR, "registry statement failed (%s): %s", SPI_result_code_string(ret), sql);
	return SPI_processed;
}

static void
Undeploy(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};

	registry_exec("UPDATE segment.models SET deployed = false "
		"WHERE name OPERATOR(pg_catalog.=) $1 AND deployed",
		1, types, values, NULL, SPI_OK_UPDATE);
}

static void
CheckNewName(const char *name)
{
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must not be empty")));
}

/* 0.1.0's registry: its own save_model(), with the caller's privileges. */
static int32
LegacySave(const char *name, bytea *model, Jsonb *spec, Jsonb *metrics, bool deploy)
{
	Oid			types[5] = {TEXTOID, BYTEAOID, JSONBOID, JSONBOID, BOOLOID};
	Datum		values[5];
	bool		isnull;
	int32		version;
	int			search_path = segment_pin_search_path();

	values[0] = CStringGetTextDatum(name);
	values[1] = PointerGetDatum(model);
	values[2] = JsonbPGetDatum(spec);
	values[3] = JsonbPGetDatum(metrics);
	values[4] = BoolGetDatum(deploy);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (registry_exec("SELECT segment.save_model($1, $2, $3, $4, $5)", 5, types, values, NULL,
			SPI_OK_SELECT) != 1)
		elog(ERROR, "segment.save_model did not return a version");
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										  &isnull));
	SPI_finish();
	segment_restore_search_path(search_path);
	return version;
}

/*
 * Saves model as the next version of name, deployed when asked; the
 * caller becomes the owner of a new name.  Returns the version.
 */
int32
registry_save(const char *name, bytea *model, Jsonb *spec, Jsonb *metrics, bool deploy)
{
	Oid			user = GetUserId();
	SegModelHeader header;
	SegReader	payload;
	Oid			owner;
	int32		latest;
	RegistryWriter s;
	Oid			types[9] = {TEXTOID, INT4OID, TEXTOID, NAMEOID, JSONBOID, JSONBOID, BYTEAOID,
	BOOLOID, REGROLEOID};
	Datum		values[9];

	CheckNewName(name);
	segment_open_model(model, 0, &header, &payload);
	Resolve();
	if (reg.legacy)
		return LegacySave(name, model, spec, metrics, deploy);
	if (registry_lock_and_check(name, &owner, &latest) == 0)
		owner = user;

	values[0] = CStringGetTextDatum(name);
	values[1] = Int32GetDatum(latest + 1);
	values[2] = CStringGetTextDatum(model_kind_name(header.kind));
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(RoleName(user)));
	values[4] = JsonbPGetDatum(spec);
	values[5] = JsonbPGetDatum(metrics);
	values[6] = PointerGetDatum(model);
	values[7] = BoolGetDatum(deploy);
	values[8] = ObjectIdGetDatum(owner);
	registry_begin_write(&s);
	if (deploy)
		Undeploy(name);
	registry_exec("INSERT INTO segment.models "
		"(name, version, kind, created_by, spec, metrics, model, deployed, owner) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		9, types, values, NULL, SPI_OK_INSERT);
	if (replica_active())
	{
		if (deploy)
			replica_undeploy(name);
		(void) replica_copy(name, latest + 1, reg.writer);
	}
	registry_end_write(&s);
	return latest + 1;
}

/* Makes version the deployed version of name. */
void
registry_deploy(const char *name, int32 version)
{
	Oid			owner;
	int32		latest;
	VersionRow	row;
	Snapshot	snapshot;
	bool		found;

	if (registry_lock_and_check(name, &owner, &latest) == 0)
		NoSuchModel(name, version);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	found = FetchVersion(name, version, snapshot, 0, &row);
	UnregisterSnapshot(snapshot);
	if (!found)
		NoSuchModel(name, version);
	if (!row.deployed)
	{
		RegistryWriter s;
		Oid			types[2] = {TEXTOID, INT4OID};
		Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};

		registry_begin_write(&s);
		/* two steps: the partial unique index allows one deployed row at any moment */
		Undeploy(name);
		registry_exec("UPDATE segment.models SET deployed = true "
			"WHERE name OPERATOR(pg_catalog.=) $1 AND version OPERATOR(pg_catalog.=) $2",
			2, types, values, NULL, SPI_OK_UPDATE);
		if (replica_active())
			replica_deploy(name, version);
		registry_end_write(&s);
	}
}

/*
 * Drops one version of name, or every version (version 0); a name left
 * without versions loses its grants.  Returns how many were dropped.
 */
int32
registry_drop(const char *name, int32 version)
{
	Oid			owner;
	int32		latest;
	int			n = registry_lock_and_check(name, &owner, &latest);
	RegistryWriter s;
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};
	uint64		dropped;

	if (n == 0)
	{
		if (version > 0)
			NoSuchModel(name, version);
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name)));
	}
	if (version > 0)
	{
		VersionRow	row;
		Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
		bool		found = FetchVersion(name, version, snapshot, 0, &row);

		UnregisterSnapshot(snapshot);
		if (!found)
			NoSuchModel(name, version);
		if (row.deployed && n > 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_IN_USE),
					 errmsg("cannot drop the deployed version %d of model \"%s\"", version, name),
					 errhint("Deploy another version first, or drop every version with segment.drop_model(name).")));
	}
	registry_begin_write(&s);
	if (version > 0)
		dropped = registry_exec("DELETE FROM segment.models "
					  "WHERE name OPERATOR(pg_catalog.=) $1 AND version OPERATOR(pg_catalog.=) $2",
					  2, types, values, NULL, SPI_OK_DELETE);
	else
		dropped = registry_exec("DELETE FROM segment.models WHERE name OPERATOR(pg_catalog.=) $1",
					  1, types, values, NULL, SPI_OK_DELETE);
	if ((int) dropped == n)
	{
		registry_exec("DELETE FROM segment.model_grants WHERE name OPERATOR(pg_catalog.=) $1",
					  1, types, values, NULL, SPI_OK_DELETE);
		if (OidIsValid(reg.runs))
			registry_exec("DELETE FROM segment.training_runs WHERE name OPERATOR(pg_catalog.=) $1",
						  1, types, values, NULL, SPI_OK_DELETE);
	}
	if (replica_active())
		replica_drop(name, version, dropped);
	registry_end_write(&s);
	return (int32) dropped;
}

/* Grants (or revokes) predicting with name to grantee (InvalidOid: PUBLIC). */
void
registry_grant_predict(const char *name, Oid grantee, bool grant)
{
	Oid			owner;
	int32		latest;
	int			versions;
	RegistryWriter s;
	Oid			types[3] = {TEXTOID, REGROLEOID, NAMEOID};
	Datum		values[3];

	Resolve();
	if (reg.legacy)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the model registry of this database has no grants"),
				 errhint("Update the extension: ALTER EXTENSION segment UPDATE.")));
	versions = registry_lock_and_check(name, &owner, &latest);
	if (versions == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name)));
	values[0] = CStringGetTextDatum(name);
	values[1] = ObjectIdGetDatum(grantee);
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(RoleName(GetUserId())));
	registry_begin_write(&s);
	if (grant)
		registry_exec("INSERT INTO segment.model_grants (name, grantee, granted_by) VALUES ($1, $2, $3) "
			"ON CONFLICT (name, grantee) DO NOTHING",
			3, types, values, NULL, SPI_OK_INSERT);
	else
		registry_exec("DELETE FROM segment.model_grants "
			"WHERE name OPERATOR(pg_catalog.=) $1 "
			"AND grantee::pg_catalog.oid OPERATOR(pg_catalog.=) $2::pg_catalog.oid",
			2, types, values, NULL, SPI_OK_DELETE);
	if (replica_active())
		replica_grants(name, reg.writer, (uint64) versions);
	registry_end_write(&s);
}

/*
 * Gives every version of name to new_owner: the caller must be able to
 * change the model and have the privileges of the new owner (as ALTER
 * ... OWNER TO asks).
 */
void
registry_set_owner(const char *name, Oid new_owner)
{
	Oid			owner;
	int32		latest;
	uint64		versions;
	RegistryWriter s;
	Oid			types[2] = {TEXTOID, REGROLEOID};
	Datum		values[2] = {CStringGetTextDatum(name), ObjectIdGetDatum(new_owner)};

	Resolve();
	if (reg.legacy)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the model registry of this database has no owners"),
				 errhint("Update the extension: ALTER EXTENSION segment UPDATE.")));
	if (registry_lock_and_check(name, &owner, &latest) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name)));
	if (!has_privs_of_role(GetUserId(), new_owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must have the privileges of role \"%s\" to give it model \"%s\"",
						RoleName(new_owner), name)));
	registry_begin_write(&s);
	versions = registry_exec("UPDATE segment.models SET owner = $2 WHERE name OPERATOR(pg_catalog.=) $1",
							 2, types, values, NULL, SPI_OK_UPDATE);
	if (OidIsValid(reg.runs))
		registry_exec("UPDATE segment.training_runs SET owner = $2 "
					  "WHERE name OPERATOR(pg_catalog.=) $1",
					  2, types, values, NULL, SPI_OK_UPDATE);
	if (replica_active())
		replica_set_owner(name, new_owner, versions);
	registry_end_write(&s);
}

Jsonb *
registry_latest_spec(const char *name, int32 *version)
{
	Oid			owner;
	int32		latest;
	VersionRow	row;
	Snapshot	snapshot;
	bool		found;

	*version = 0;
	Resolve();
	if (reg.legacy)
		return NULL;
	if (registry_lock_and_check(name, &owner, &latest) == 0)
		return NULL;
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	found = FetchVersion(name, latest, snapshot, FETCH_SPEC, &row);
	UnregisterSnapshot(snapshot);
	if (!found)
		return NULL;
	*version = latest;
	return row.spec;
}

/*
 * The bytes of every version of name, read after taking the name's lock,
 * for a caller that may change it; *n of them (none for a new name).
 */
bytea **
registry_version_models(const char *name, int *n)
{
	Oid			owner;
	int32		latest;
	int			count = registry_lock_and_check(name, &owner, &latest);
	Snapshot	snapshot;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bytea	  **models;

	*n = 0;
	if (count == 0)
		return NULL;
	models = palloc(sizeof(bytea *) * count);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	rel = table_open(reg.models, AccessShareLock);
	NameKey(&key, rel, name);
	scan = systable_beginscan(rel, reg.models_pkey, true, snapshot, 1, &key);
	while ((tuple = systable_getnext(scan)) != NULL && *n < count)
	{
		VersionRow	row;

		memset(&row, 0, sizeof(row));
		ReadRow(rel, tuple, FETCH_MODEL, &row);
		models[(*n)++] = row.model;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snapshot);
	return models;
}

/* ERROR when the caller may not add versions to an existing name (checked before training). */
void
registry_check_change(const char *name)
{
	Oid			owner;
	int32		latest;
	Snapshot	snapshot;
	int			n;

	CheckNewName(name);
	CheckWritable();
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	n = NameVersions(name, snapshot, &owner, &latest, NULL, NULL);
	UnregisterSnapshot(snapshot);
	if (n > 0)
		registry_check(name, owner, GetUserId(), REGISTRY_CHANGE);
}

/*
 * Name's deployed version and its model, read after taking the name's
 * lock so that a deploy decision made from them holds until the new
 * version is saved; false when no version is deployed.
 */
bool
registry_deployed_version(const char *name, int32 *version, bytea **model)
{
	Oid			owner;
	int32		latest;
	VersionRow	row;
	Snapshot	snapshot;
	bool		found;

	*version = 0;
	Resolve();
	if (reg.legacy)
		LockName(name);
	else if (registry_lock_and_check(name, &owner, &latest) == 0)
		return false;
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	found = FetchVersion(name, 0, snapshot, FETCH_MODEL, &row);
	UnregisterSnapshot(snapshot);
	if (!found)
		return false;
	*version = row.version;
	*model = row.model;
	return true;
}

/*
 * On a Citus coordinator: makes segment.models_replica a reference table
 * (a copy on every node) unless it is one, and copies the whole registry
 * into it, for a role with the privileges of the registry's owner.
 * Returns how many versions it copied.  From then on every write above
 * also writes the replica.
 */
int64
registry_replicate(void)
{
	RegistryWriter s;
	int64		copied;

	Resolve();
	if (citus_local_group() < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("Citus is not installed in this database"),
				 errhint("segment.replicate_registry() copies the model registry to the workers of a Citus cluster.")));
	CheckWritable();
	if (reg.legacy)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the model registry of this database has no owners"),
				 errhint("Update the extension: ALTER EXTENSION segment UPDATE.")));
	if (!has_privs_of_role(GetUserId(), reg.writer))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must have the privileges of role \"%s\", the owner of the model registry, to replicate it",
						RoleName(reg.writer))));
	/* no registry write commits between this copy and the replica's first write */
	LockRelationOid(reg.models, ShareLock);
	LockRelationOid(reg.grants, ShareLock);
	registry_begin_write(&s);
	(void) replica_distribute();
	replica_clear();
	copied = replica_copy(NULL, 0, reg.writer);
	registry_end_write(&s);
	return copied;
}
