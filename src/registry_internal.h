/*-------------------------------------------------------------------------
 *
 * registry_internal.h
 *	  What the registry's own files share (registry.c, registry_runs.c):
 *	  statements run as the owner of the registry's tables, and the
 *	  name's lock.  Nothing outside the registry includes this.
 *
 * IDENTIFICATION
 *	  src/registry_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_REGISTRY_INTERNAL_H
#define SEGMENT_REGISTRY_INTERNAL_H

#include "postgres.h"

/* The user and settings saved while statements run as the tables' owner. */
typedef struct RegistryWriter
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} RegistryWriter;

/* Switches to the tables' owner (search_path pinned) and connects SPI. */
extern void registry_begin_write(RegistryWriter *s);
extern void registry_end_write(RegistryWriter *s);

/* Runs one fixed statement; ERROR unless SPI returns expected. */
extern uint64 registry_exec(const char *sql, int nargs, Oid *types, Datum *values,
							const char *nulls, int expected);

/*
 * Locks name, then reads its versions; ERROR unless the caller may change
 * an existing name.  Returns the number of versions.
 */
extern int	registry_lock_and_check(const char *name, Oid *owner, int32 *latest);

/* Whether this database's registry has segment.training_runs. */
extern bool registry_has_runs(void);

/* registry_replica.c: the registry on Citus workers */

/* This node's Citus group: -1 without Citus, 0 on the coordinator. */
extern int32 citus_local_group(void);

/* A Citus worker's copy of segment.models_replica and its indexes. */
typedef struct ReplicaRelations
{
	Oid			shell;			/* segment.models_replica */
	Oid			shard;			/* its local shard, which holds the rows */
	Oid			pkey;			/* (name, version) */
	Oid			deployed;		/* (name) WHERE deployed */
} ReplicaRelations;

extern bool replica_local_relations(Oid nsp, ReplicaRelations *r);

/* On the coordinator, between registry_begin_write() and registry_end_write() */
extern bool replica_active(void);
extern bool replica_distribute(void);
extern void replica_clear(void);
extern int64 replica_copy(const char *name, int32 version, Oid grantor);
extern void replica_undeploy(const char *name);
extern void replica_deploy(const char *name, int32 version);
extern void replica_drop(const char *name, int32 version, uint64 expected);
extern void replica_grants(const char *name, Oid grantor, uint64 versions);
extern void replica_set_owner(const char *name, Oid owner, uint64 versions);

#endif							/* SEGMENT_REGISTRY_INTERNAL_H */
