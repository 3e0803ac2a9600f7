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

#endif							/* SEGMENT_REGISTRY_INTERNAL_H */
