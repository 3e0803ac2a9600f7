/*-------------------------------------------------------------------------
 *
 * sql_train_registry.c
 *	  segment_train and the model registry: the deploy policy, saving the
 *	  new version.
 *
 * IDENTIFICATION
 *	  src/sql_train_registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "sql_train.h"

const char *const segment_deploy_names[3] = {"always", "if_better", "never"};

/*
 * The deployed version's test score of a name (macro_f1 or r2), or NaN
 * when none is deployed.
 */
static double
DeployedScore(const char *name, const char *score_key, int *version)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(name), CStringGetTextDatum(score_key)};
	double		result = NAN;

	*version = 0;
	SPI_connect();
	if (SPI_execute_with_args("SELECT (metrics OPERATOR(pg_catalog.->>) $2)::pg_catalog.float8, version "
							  "FROM segment.models WHERE name OPERATOR(pg_catalog.=) $1 AND deployed",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the model registry");
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		f1 = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		/* a deployed version without that score (another kind) counts as worse */
		result = isnull ? -INFINITY : DatumGetFloat8(f1);
		*version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_finish();
	return result;
}

static int
SaveModel(const char *name, bytea *model, Jsonb *spec, Jsonb *metrics, bool deploy)
{
	Oid			types[5] = {TEXTOID, BYTEAOID, JSONBOID, JSONBOID, BOOLOID};
	Datum		values[5];
	bool		isnull;
	int			version;

	values[0] = CStringGetTextDatum(name);
	values[1] = PointerGetDatum(model);
	values[2] = JsonbPGetDatum(spec);
	values[3] = JsonbPGetDatum(metrics);
	values[4] = BoolGetDatum(deploy);
	SPI_connect();
	if (SPI_execute_with_args("SELECT segment.save_model($1, $2, $3, $4, $5)",
							  5, types, values, NULL, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not save the model");
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										  &isnull));
	SPI_finish();
	return version;
}

int
segment_train_register(const TrainArgs *a, SegTask task, bytea *model, Jsonb *spec,
					   Jsonb *metrics, double test_score, bool *deployed, const char **reason)
{
	int			previous_version;
	const char *score_name = task == SEG_TASK_REGRESSION ? "R2" : "macro-F1";
	double		previous_f1 = DeployedScore(a->name,
											task == SEG_TASK_REGRESSION ? "r2" : "macro_f1",
											&previous_version);

	switch (a->deploy)
	{
		case DEPLOY_ALWAYS:
			*deployed = true;
			*reason = "deploy => always";
			break;
		case DEPLOY_NEVER:
			*deployed = false;
			*reason = "deploy => never";
			break;
		default:
			if (isnan(previous_f1))
			{
				*deployed = true;
				*reason = "first deployed version of this name";
			}
			else
			{
				*deployed = test_score >= previous_f1;
				*reason = psprintf("test %s %s %s the deployed version %d's %s", score_name,
								   float8out_internal(test_score),
								   *deployed ? ">=" : "<", previous_version,
								   float8out_internal(previous_f1));
			}
			break;
	}
	return SaveModel(a->name, model, spec, metrics, *deployed);
}
