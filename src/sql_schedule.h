/*-------------------------------------------------------------------------
 *
 * sql_schedule.h
 *	  Jobs of the extension on pg_cron (sql_schedule.c).
 *
 * IDENTIFICATION
 *	  src/sql_schedule.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SQL_SCHEDULE_H
#define SEGMENT_SQL_SCHEDULE_H

#include "postgres.h"

/*
 * prefix followed by object, as a pg_cron job name (cut, with a hash of
 * object, when it would not fit type name).
 */
extern char *segment_cron_job_name(const char *prefix, const char *object);

/*
 * Schedules (or moves, when a job of that name exists) a pg_cron job as
 * the calling role; returns its id.  ERROR when pg_cron cannot be called
 * from this database, with the call to make instead.
 */
extern int64 segment_cron_schedule(const char *job, const char *schedule, const char *command);

#endif							/* SEGMENT_SQL_SCHEDULE_H */
