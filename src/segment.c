/*-------------------------------------------------------------------------
 *
 * segment.c
 *	  Module set-up (GUCs) and the hooks the numeric core calls; the
 *	  module's entry point, _PG_init, is in cpu_check.c.
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
#include "tcop/tcopprot.h"
#include "utils/guc.h"

#include "linalg.h"
#include "pg_core.h"

PG_MODULE_MAGIC;


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

/* segment.progress */
typedef enum ProgressMode
{
	PROGRESS_AUTO,
	PROGRESS_ON,
	PROGRESS_OFF
} ProgressMode;

static const struct config_enum_entry progress_options[] = {
	{"auto", PROGRESS_AUTO, false},
	{"on", PROGRESS_ON, false},
	{"off", PROGRESS_OFF, false},
	{NULL, 0, false}
};

static int	segment_progress = PROGRESS_AUTO;

/*
 * Whether someone reads this session's notices as they come: a client
 * backend with a client, other than pg_cron's own connections (pg_cron
 * writes every notice of a job to the server log).
 */
static bool
Interactive(void)
{
	return MyBackendType == B_BACKEND && whereToSendOutput == DestRemote &&
		(application_name == NULL || strcmp(application_name, "pg_cron") != 0);
}

bool
segment_progress_notices(void)
{
	return segment_progress == PROGRESS_ON ||
		(segment_progress == PROGRESS_AUTO && Interactive());
}

bool
segment_progress_summary(void)
{
	return segment_progress == PROGRESS_AUTO && !Interactive();
}

static void
ProgressHook(const char *message)
{
	if (segment_progress_notices())
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

/* Called by _PG_init (cpu_check.c) once the CPU is known to run this code. */
void
segment_init(void)
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

	DefineCustomEnumVariable("segment.progress",
							 "Sets whether training reports its progress.",
							 "auto: NOTICEs in interactive sessions, one LOG line per run in "
							 "others (pg_cron jobs, background workers); on: NOTICEs always; off: "
							 "nothing.",
							 &segment_progress,
							 PROGRESS_AUTO, progress_options,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("segment");
	linalg_set_threads(segment_blas_threads);
}
