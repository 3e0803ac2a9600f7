/*-------------------------------------------------------------------------
 *
 * sql_train_registry.c
 *	  segment_train and the model registry: the stored spec, the deploy
 *	  policy, saving the new version.
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
SaveModel(const char *name, bytea *model, const char *spec, const char *metrics, bool deploy)
{
	Oid			types[5] = {TEXTOID, BYTEAOID, TEXTOID, TEXTOID, BOOLOID};
	Datum		values[5];
	bool		isnull;
	int			version;

	values[0] = CStringGetTextDatum(name);
	values[1] = PointerGetDatum(model);
	values[2] = CStringGetTextDatum(spec);
	values[3] = CStringGetTextDatum(metrics);
	values[4] = BoolGetDatum(deploy);
	SPI_connect();
	if (SPI_execute_with_args("SELECT segment.save_model($1, $2, $3::jsonb, $4::jsonb, $5)",
							  5, types, values, NULL, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not save the model");
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										  &isnull));
	SPI_finish();
	return version;
}

/* Appends the split: its key columns, seed and each stratum's thresholds. */
static void
AppendSplit(StringInfo buf, const TrainArgs *a, const TrainData *e)
{
	appendStringInfo(buf, "{\"seed\": " INT64_FORMAT ", \"key_source\": ", a->split_seed);
	escape_json(buf, e->key_source);
	appendStringInfoString(buf, ", \"key\": [");
	for (int k = 0; k < e->n_key; k++)
	{
		if (k > 0)
			appendStringInfoString(buf, ", ");
		escape_json(buf, e->key_columns[k]);
	}
	/* thresholds as decimal strings: they are unsigned 64-bit */
	appendStringInfoString(buf, "], \"strata\": {");
	for (int c = 0; c < e->n_strata; c++)
	{
		const SplitThreshold *t = &e->thresholds[c];

		if (c > 0)
			appendStringInfoString(buf, ", ");
		escape_json(buf, e->task == SEG_TASK_CLASSIFICATION ? e->class_names[c] : "");
		appendStringInfoString(buf, ": [");
		if (t->has_test)
			appendStringInfo(buf, "\"" UINT64_FORMAT "\"", t->test_max);
		else
			appendStringInfoString(buf, "null");
		if (t->has_validation)
			appendStringInfo(buf, ", \"" UINT64_FORMAT "\"]", t->validation_max);
		else
			appendStringInfoString(buf, ", null]");
	}
	appendStringInfoString(buf, "}}");
}

char *
segment_train_spec(const TrainArgs *a, const TrainData *e, char **features, int n_features)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"relation\": ");
	escape_json(&buf, quote_qualified_identifier(get_namespace_name(get_rel_namespace(a->relid)),
												  get_rel_name(a->relid)));
	appendStringInfoString(&buf, ", \"label\": ");
	escape_json(&buf, a->label);
	appendStringInfoString(&buf, ", \"features\": [");
	for (int i = 0; i < n_features; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, features[i]);
	}
	appendStringInfoString(&buf, "], \"arguments\": {\"model\": ");
	escape_json(&buf, a->base.learner->name);
	appendStringInfo(&buf, ", \"task\": \"%s\", \"params\": ",
					 a->task < 0 ? "auto" : a->task == SEG_TASK_REGRESSION ? "regression" :
					 "classification");
	json_append_settings(&buf, a->base.learner, a->base.params);
	appendStringInfoString(&buf, ", \"balance\": ");
	escape_json(&buf, a->balance_auto ? "auto" : balance_name(a->base.balance));
	appendStringInfoChar(&buf, '}');
	appendStringInfo(&buf, ", \"test_size\": ");
	json_append_float8(&buf, a->test_size);
	appendStringInfo(&buf, ", \"validation_size\": ");
	json_append_float8(&buf, a->validation_size);
	appendStringInfo(&buf, ", \"search\": %s, \"trials\": %d, \"seed\": " INT64_FORMAT
					 ", \"split_seed\": " INT64_FORMAT ", \"deploy\": \"%s\"}",
					 a->search ? JsonbToCString(NULL, &a->search->root, VARSIZE(a->search)) : "null",
					 a->trials, a->seed, a->split_seed, segment_deploy_names[a->deploy]);
	/* the key argument by name for retrain; the resolved key in "split" */
	buf.len--;
	appendStringInfoString(&buf, ", \"key\": ");
	if (a->key != NULL)
	{
		appendStringInfoChar(&buf, '[');
		for (int k = 0; k < e->n_key; k++)
		{
			if (k > 0)
				appendStringInfoString(&buf, ", ");
			escape_json(&buf, e->key_columns[k]);
		}
		appendStringInfoChar(&buf, ']');
	}
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"split\": ");
	AppendSplit(&buf, a, e);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

int
segment_train_register(const TrainArgs *a, SegTask task, bytea *model, const char *spec,
					   const char *metrics, double test_score, bool *deployed,
					   const char **reason)
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
