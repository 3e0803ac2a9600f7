/*-------------------------------------------------------------------------
 *
 * segment.c
 *	  Module entry point: GUCs and the hooks the numeric core calls.
 *
 * IDENTIFICATION
 *	  src/segment.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "linalg.h"
#include "pg_core.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * OpenBLAS threads per backend.  Parallelism comes from PostgreSQL's
 * workers (and Citus shards); BLAS threads in every backend would fight
 * them for the same cores.
 */
static int	segment_blas_threads = 1;

/*
 * What one call may allocate in proportion to its inputs, in kB (see
 * core_alloc_pg.c).  Both settings are PGC_SUSET: they bound what a role
 * consumes on a shared server, so only a superuser (or a role granted
 * SET on the parameter, or a setting made with ALTER ROLE) changes them.
 */
int			segment_memory_limit_kb = 1024 * 1024;

static void
AssignBlasThreads(int newval, void *extra pg_attribute_unused())
{
	linalg_set_threads(newval);
}

static void
CheckInterruptsHook(void)
{
	CHECK_FOR_INTERRUPTS();
}

static void
ProgressHook(const char *message)
{
	ereport(NOTICE, (errmsg_internal("%s", message)));
}

static const SegHooks server_hooks = {
	.check_interrupts = CheckInterruptsHook,
	.progress = ProgressHook,
};

const SegHooks *
segment_hooks(void)
{
	return &server_hooks;
}

size_t
segment_memory_limit_bytes(void)
{
	return (size_t) segment_memory_limit_kb * 1024;
}

void
_PG_init(void)
{
	DefineCustomIntVariable("segment.blas_threads",
							"Sets the number of OpenBLAS threads a backend may use.",
							"Parallelism normally comes from parallel workers; start the server with "
							"OPENBLAS_NUM_THREADS=1 so that idle BLAS threads are not created either.",
							&segment_blas_threads,
							1, 1, 64,
							PGC_SUSET, 0,
							NULL, AssignBlasThreads, NULL);

	DefineCustomIntVariable("segment.memory_limit",
							"Sets the most memory one call of a training function may allocate.",
							"Counts the loaded rows, the model and everything fitting it needs; a call that would exceed it fails.",
							&segment_memory_limit_kb,
							1024 * 1024, 1024, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("segment");
	linalg_set_threads(segment_blas_threads);
}
