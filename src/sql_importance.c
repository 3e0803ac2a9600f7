/*-------------------------------------------------------------------------
 *
 * sql_importance.c
 *	  segment.feature_importance(name, version, repeats): which columns a
 *	  trained model leans on.
 *
 * Permutation importance (importance.h) on the model's test rows, read
 * again from its relation by their keys (sql_model_part.h): the drop in
 * test macro-F1 (or R2) when one column's values are shuffled, for every
 * learner; and, for learners that have one, the native split-gain share.
 *
 * IDENTIFICATION
 *	  src/sql_importance.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "importance.h"
#include "pg_core.h"
#include "sql_model_part.h"

PG_FUNCTION_INFO_V1(feature_importance);

void
segment_part_importance(const char *name, const ModelPart *part, int repeats,
						PartImportance *out)
{
	ImportanceInput in;
	ImportanceResult *result = &out->result;
	int		   *order;

	if (part->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("model \"%s\" has no test rows left in relation %s", name,
						part->split.relation)));
	memset(&in, 0, sizeof(in));
	in.learner = part->model->learner;
	in.model = part->model->model;
	in.task = part->model->task;
	in.n_classes = part->model->n_classes;
	in.schema = &part->model->schema;
	in.x = part->x;
	in.n = part->n;
	in.y_class = part->y_class;
	in.y_value = part->y_value;
	in.repeats = repeats;
	in.seed = part->split.seed;
	in.hooks = segment_hooks();
	importance_permutation(&in, result);
	out->split_gain = palloc0(sizeof(double) * Max(result->n_groups, 1));
	out->has_gain = importance_native(in.learner, in.model, in.schema, out->split_gain);

	/* the most important first; columns in the model's order on ties */
	order = palloc(sizeof(int) * Max(result->n_groups, 1));
	for (int g = 0; g < result->n_groups; g++)
	{
		int			j = g;

		while (j > 0 && result->mean[order[j - 1]] < result->mean[g])
		{
			order[j] = order[j - 1];
			j--;
		}
		order[j] = g;
	}
	out->order = order;
}

/*
 * segment.feature_importance(name text, version integer, repeats integer)
 * -> TABLE (feature text, importance float8, std float8, split_gain float8)
 */
Datum
feature_importance(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name;
	int32		version;
	int			repeats;
	ModelPart	part;
	PartImportance imp;
	MemoryContext work;
	MemoryContext old;

	segment_require_arg(fcinfo, 0, "name");
	segment_require_arg(fcinfo, 2, "repeats");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	version = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	repeats = PG_GETARG_INT32(2);
	if (repeats < 1 || repeats > IMPORTANCE_MAX_REPEATS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("repeats must be between 1 and %d, not %d", IMPORTANCE_MAX_REPEATS, repeats)));
	InitMaterializedSRF(fcinfo, 0);

	/* the test rows read again and their permuted copies: one budget for all */
	work = AllocSetContextCreate(CurrentMemoryContext, "segment feature_importance",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "feature_importance");
	segment_model_part(name, version, SPLIT_TEST, &part);
	segment_part_importance(name, &part, repeats, &imp);
	for (int i = 0; i < imp.result.n_groups; i++)
	{
		int			g = imp.order[i];
		Datum		values[4];
		bool		nulls[4] = {false, false, false, !imp.has_gain};

		values[0] = CStringGetTextDatum(part.model->prep->columns[g].name);
		values[1] = Float8GetDatum(imp.result.mean[g]);
		values[2] = Float8GetDatum(imp.result.std[g]);
		values[3] = Float8GetDatum(imp.split_gain[g]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	segment_budget_end();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	return (Datum) 0;
}
