/*-------------------------------------------------------------------------
 *
 * registry_runs.c
 *	  segment.training_runs: one row per training of a name (a version
 *	  added, a run skipped on unchanged data, or a scheduled run that
 *	  failed), written like the rest of the registry as the owner of its
 *	  tables after the caller was checked.
 *
 * A run that adds a version is recorded in the same transaction as the
 * version, so either both are there or neither.  A failing run rolls its
 * own transaction back: only segment.retrain(raise_errors => false)
 * records failures, after rolling the training's subtransaction back.
 * Rows carry the name's owner, whose members alone see them (row level
 * security), and go with the name's versions when it is dropped.
 *
 * IDENTIFICATION
 *	  src/registry_runs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "registry.h"
#include "registry_internal.h"

#define RUN_COLUMNS 17

void
registry_run_init(TrainingRun *run, const char *name, const char *function)
{
	memset(run, 0, sizeof(*run));
	run->name = name;
	run->function = function;
	run->run_by = GetUserId();
	run->started = GetCurrentTimestamp();
	run->relation_rows = -1;
	run->new_score = NAN;
	run->previous_score = NAN;
}

static void
SetText(Datum *value, char *null, const char *text)
{
	*null = text == NULL ? 'n' : ' ';
	*value = text == NULL ? (Datum) 0 : CStringGetTextDatum(text);
}

static void
SetScore(Datum *value, char *null, double score)
{
	*null = isnan(score) ? 'n' : ' ';
	*value = Float8GetDatum(score);
}

static void
SetInt(Datum *value, char *null, int64 v, bool present)
{
	*null = present ? ' ' : 'n';
	*value = Int64GetDatum(v);
}

int64
registry_record_run(const TrainingRun *run)
{
	Oid			owner;
	int32		latest;
	RegistryWriter s;
	Oid			types[RUN_COLUMNS] = {TEXTOID, REGROLEOID, TEXTOID, NAMEOID, TIMESTAMPTZOID,
		TEXTOID, INT8OID, TEXTOID, INT8OID, BOOLOID, INT8OID, TEXTOID, FLOAT8OID, FLOAT8OID,
	TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[RUN_COLUMNS];
	char		nulls[RUN_COLUMNS];
	bool		isnull;
	int64		id;
	char	   *role;

	if (!registry_has_runs() || registry_lock_and_check(run->name, &owner, &latest) == 0)
		return 0;
	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(run->name);
	values[1] = ObjectIdGetDatum(owner);
	values[2] = CStringGetTextDatum(run->function);
	role = GetUserNameFromId(run->run_by, true);
	values[3] = DirectFunctionCall1(namein,
									CStringGetDatum(role != NULL ? role : psprintf("%u", run->run_by)));
	values[4] = TimestampTzGetDatum(run->started);
	SetText(&values[5], &nulls[5], run->relation);
	SetInt(&values[6], &nulls[6], run->relation_rows, run->relation_rows >= 0);
	values[7] = CStringGetTextDatum(run->status);
	SetInt(&values[8], &nulls[8], run->version, run->version > 0);
	values[9] = BoolGetDatum(run->deployed);
	nulls[9] = strcmp(run->status, "trained") == 0 ? ' ' : 'n';
	SetInt(&values[10], &nulls[10], run->previous_version, run->previous_version > 0);
	SetText(&values[11], &nulls[11], run->score);
	SetScore(&values[12], &nulls[12], run->new_score);
	SetScore(&values[13], &nulls[13], run->previous_score);
	SetText(&values[14], &nulls[14], run->reason);
	SetText(&values[15], &nulls[15], run->error);
	values[16] = TimestampTzGetDatum(GetCurrentTimestamp());
	registry_begin_write(&s);
	registry_exec("INSERT INTO segment.training_runs "
				  "(name, owner, function, run_by, started, relation, relation_rows, status, "
				  "version, deployed, previous_version, score, new_score, previous_score, "
				  "reason, error, finished) "
				  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
				  "$16, $17) RETURNING run",
				  RUN_COLUMNS, types, values, nulls, SPI_OK_INSERT_RETURNING);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	registry_end_write(&s);
	return id;
}
