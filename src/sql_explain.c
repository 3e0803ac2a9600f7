/*-------------------------------------------------------------------------
 *
 * sql_explain.c
 *	  segment.explain(name, row): why the model predicts what it does for
 *	  one customer.
 *
 * Each original column's contribution to the margin (the score before
 * the softmax or sigmoid) of the predicted class, or to a regressor's
 * value: exact path-dependent TreeSHAP for trees, coefficient times
 * encoded value for logistic regression (learner.h's contributions).
 * The inputs of a one-hot column add up to the column's contribution; a
 * last row, "(base value)", is the margin with no column known, so that
 * all rows add up to the margin.
 *
 * IDENTIFICATION
 *	  src/sql_explain.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"

#include "pg_args.h"
#include "pg_core.h"
#include "record_encoder.h"
#include "registry.h"
#include "supervised_model.h"

PG_FUNCTION_INFO_V1(explain);

/*
 * segment.explain(name text, row_value record, version integer)
 * -> TABLE (feature text, contribution float8, class text)
 */
Datum
explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name;
	int32		version;
	bytea	   *bytes;
	SegSupervised *s;
	RecordEncoder *encoder;
	const double *x;
	double	   *phi;
	double	   *out;
	double	   *scratch;
	double	   *by_column;
	int			m;
	int			k = 0;
	char	   *class_text;

	segment_require_arg(fcinfo, 0, "name");
	segment_require_arg(fcinfo, 1, "row");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	version = segment_version_arg(fcinfo, 2, name);
	InitMaterializedSRF(fcinfo, 0);

	/* explanations show what the model does, so they need a predict grant */
	bytes = registry_model(name, version, REGISTRY_PREDICT);
	s = segment_read_supervised(bytes, name, "a classifier or regressor", NULL);
	if (s->learner->contributions == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" (%s) has no per-row explanation", name, s->learner->name),
				 errhint("Trees and logistic regression explain single rows; segment.feature_importance ranks the columns of any model.")));

	encoder = record_encoder_create(s->prep, s->learner->input);
	x = record_encoder_encode(encoder, PG_GETARG_HEAPTUPLEHEADER(1));
	m = s->learner->n_margins(s->model);
	phi = palloc0(sizeof(double) * (size_t) (s->schema.n_inputs + 1) * m);
	out = palloc(sizeof(double) * s->n_outputs);
	scratch = palloc(sizeof(double) * Max(s->learner->row_scratch(s->model), 1));
	s->learner->predict_row(s->model, x, out, scratch);
	s->learner->contributions(s->model, x, phi);

	/* the margin explained: the predicted class's (one margin for two classes) */
	if (s->task == SEG_TASK_CLASSIFICATION)
	{
		int			best = 0;

		for (int c = 1; c < s->n_classes; c++)
			if (out[c] > out[best])
				best = c;
		class_text = s->class_names[best];
		k = m == 1 ? 0 : best;
	}
	else
		class_text = NULL;

	by_column = palloc0(sizeof(double) * Max(s->schema.n_groups, 1));
	for (int j = 0; j < s->schema.n_inputs; j++)
		by_column[s->schema.columns[j].group] += phi[(size_t) j * m + k];
	for (int g = 0; g <= s->schema.n_groups; g++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, class_text == NULL};

		values[0] = CStringGetTextDatum(g < s->schema.n_groups ? s->prep->columns[g].name :
										"(base value)");
		values[1] = Float8GetDatum(g < s->schema.n_groups ? by_column[g] :
								   phi[(size_t) s->schema.n_inputs * m + k]);
		values[2] = class_text != NULL ? CStringGetTextDatum(m == 1 && s->n_classes == 2 ?
															 s->class_names[1] : class_text) :
			(Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
