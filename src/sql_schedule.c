/*-------------------------------------------------------------------------
 *
 * sql_schedule.c
 *	  segment.schedule_retrain(name, schedule) and
 *	  segment.unschedule_retrain(name): a pg_cron job per model that calls
 *	  segment.scheduled_retrain(name).
 *
 * pg_cron keeps its jobs in the database cron.database_name names and
 * runs each as the role that scheduled it, so the job is scheduled with
 * the caller's own rights (cron.schedule checks them) and, when it runs,
 * segment.retrain checks them again.  When pg_cron is not loaded, or runs
 * from another database, the error says what to do instead.
 *
 * A job is named "segment.retrain <model name>", so that scheduling a
 * model again moves its job instead of adding one; a name too long for
 * pg_cron's job names (type name) is cut and given a hash of the whole.
 * segment_cron_schedule() schedules other jobs of the extension the same
 * way (the refresh of a segment view's materialized copy).
 *
 * IDENTIFICATION
 *	  src/sql_schedule.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "pg_core.h"
#include "registry.h"
#include "sql_retrain.h"
#include "sql_schedule.h"

PG_FUNCTION_INFO_V1(segment_schedule_retrain);
PG_FUNCTION_INFO_V1(segment_unschedule_retrain);

#define JOB_PREFIX "segment.retrain "

char *
segment_cron_job_name(const char *prefix, const char *object)
{
	char	   *job = psprintf("%s%s", prefix, object);
	int			keep;

	if (strlen(job) < NAMEDATALEN)
		return job;
	/* cut at a character boundary, leaving room for " #" and 8 hex digits */
	keep = pg_mbcliplen(job, strlen(job), NAMEDATALEN - 1 - 10);
	return psprintf("%.*s #%08x", keep, job,
					hash_bytes((const unsigned char *) object, (int) strlen(object)));
}

/* The pg_cron job name of a model's retraining. */
static char *
JobName(const char *model)
{
	return segment_cron_job_name(JOB_PREFIX, model);
}

/*
 * ERROR unless pg_cron's functions can be called from this database, with
 * a hint that says how to get there: the job's schedule call (schedule
 * and command given), or its unschedule call.
 */
static void
RequirePgCron(const char *job, const char *schedule, const char *command)
{
	const char *cron_database = GetConfigOption("cron.database_name", true, false);
	const char *database = get_database_name(MyDatabaseId);

	if (cron_database == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_cron is not loaded"),
				 errhint("Add pg_cron to shared_preload_libraries in postgresql.conf, restart the server, then run CREATE EXTENSION pg_cron in the database that cron.database_name names.")));
	if (OidIsValid(get_extension_oid("pg_cron", true)))
		return;
	if (strcmp(cron_database, database) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_cron schedules its jobs from database \"%s\", not from this one",
						cron_database),
				 schedule != NULL ?
				 errhint("Connect to database \"%s\" and run: SELECT cron.schedule_in_database(%s, %s, %s, %s);",
						 cron_database, quote_literal_cstr(job),
						 quote_literal_cstr(schedule), quote_literal_cstr(command),
						 quote_literal_cstr(database)) :
				 errhint("Connect to database \"%s\" and run: SELECT cron.unschedule(%s);",
						 cron_database, quote_literal_cstr(job))));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("extension \"pg_cron\" is not installed in this database"),
			 errhint("Run CREATE EXTENSION pg_cron.")));
}

/* Runs one fixed query of pg_cron's with the caller's rights; returns its bigint. */
static bool
CronQuery(const char *sql, int nargs, Oid *types, Datum *values, int64 *result)
{
	int			search_path = segment_pin_search_path();
	bool		isnull = true;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, nargs, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "pg_cron query failed: %s", sql);
	if (SPI_processed == 1)
		*result = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
											  &isnull));
	SPI_finish();
	segment_restore_search_path(search_path);
	return !isnull;
}

int64
segment_cron_schedule(const char *job, const char *schedule, const char *command)
{
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	int64		id;

	RequirePgCron(job, schedule, command);
	values[0] = CStringGetTextDatum(job);
	values[1] = CStringGetTextDatum(schedule);
	values[2] = CStringGetTextDatum(command);
	if (!CronQuery("SELECT cron.schedule($1, $2, $3)", 3, types, values, &id))
		elog(ERROR, "cron.schedule returned no job");
	return id;
}

/* segment.schedule_retrain(name text, schedule text) -> bigint (the job id) */
Datum
segment_schedule_retrain(PG_FUNCTION_ARGS)
{
	char	   *name;
	char	   *schedule;
	Oid			owner;

	segment_require_arg(fcinfo, 0, "model name");
	segment_require_arg(fcinfo, 1, "schedule");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	schedule = text_to_cstring(PG_GETARG_TEXT_PP(1));
	/* the model must be one the caller may retrain */
	(void) segment_retrain_spec(name, &owner, NULL);
	PG_RETURN_INT64(segment_cron_schedule(JobName(name), schedule,
										  psprintf("CALL segment.scheduled_retrain(%s)",
												   quote_literal_cstr(name))));
}

/* segment.unschedule_retrain(name text) -> boolean (whether a job was removed) */
Datum
segment_unschedule_retrain(PG_FUNCTION_ARGS)
{
	char	   *name;
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	int64		job;
	int64		removed;

	segment_require_arg(fcinfo, 0, "model name");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	RequirePgCron(JobName(name), NULL, NULL);
	values[0] = CStringGetTextDatum(JobName(name));
	/* pg_cron shows each role its own jobs only */
	if (!CronQuery("SELECT jobid FROM cron.job "
				   "WHERE jobname OPERATOR(pg_catalog.=) $1::pg_catalog.name "
				   "AND username OPERATOR(pg_catalog.=) CURRENT_USER::pg_catalog.text",
				   1, types, values, &job))
		PG_RETURN_BOOL(false);
	types[0] = INT8OID;
	values[0] = Int64GetDatum(job);
	if (!CronQuery("SELECT CASE WHEN cron.unschedule($1) THEN 1::pg_catalog.int8 ELSE 0 END", 1, types, values, &removed))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(removed != 0);
}
