/*-------------------------------------------------------------------------
 *
 * sql_train_json.c
 *	  JSON text of segment_train's report, stored spec and metrics.
 *
 * IDENTIFICATION
 *	  src/sql_train_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "supervised_model.h"
#include "pg_core.h"
#include "pg_json.h"
#include "sql_train.h"

void
json_append_float8(StringInfo buf, double v)
{
	if (!isfinite(v))
		appendStringInfoString(buf, "null");
	else
		appendStringInfoString(buf, float8out_internal(v));
}

void
json_append_key(StringInfo buf, const char *key, bool first)
{
	if (!first)
		appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
}

/* Appends one setting's value: a number, word, boolean or list. */
static void
AppendSetting(StringInfo buf, const SegParamSpec *spec, const void *params)
{
	if (spec->type == SEG_PARAM_INT_LIST)
	{
		const SegIntList *list = params_get_list(spec, params);

		appendStringInfoChar(buf, '[');
		for (int i = 0; i < list->n; i++)
			appendStringInfo(buf, "%s%d", i > 0 ? ", " : "", list->v[i]);
		appendStringInfoChar(buf, ']');
	}
	else
	{
		double		v = params_get_number(spec, params);
		const char *word = params_word_of(spec, v);

		if (word != NULL)
			escape_json(buf, word);
		else if (spec->type == SEG_PARAM_BOOL)
			appendStringInfoString(buf, v != 0.0 ? "true" : "false");
		else if (spec->type == SEG_PARAM_INT)
			appendStringInfo(buf, "%d", (int) v);
		else
			json_append_float8(buf, v);
	}
}

void
json_append_settings(StringInfo buf, const SegLearner *l, const void *params)
{
	appendStringInfoChar(buf, '{');
	for (int i = 0; i < l->n_params; i++)
	{
		json_append_key(buf, l->params[i].name, i == 0);
		AppendSetting(buf, &l->params[i], params);
	}
	appendStringInfoChar(buf, '}');
}

void
json_append_config(StringInfo buf, const SegTrialConfig *c, const char *balance)
{
	const SegLearner *l = c->learner;

	appendStringInfoChar(buf, '{');
	for (int i = 0; i < l->n_params; i++)
	{
		json_append_key(buf, l->params[i].name, i == 0);
		AppendSetting(buf, &l->params[i], c->params);
	}
	json_append_key(buf, "balance", l->n_params == 0);
	escape_json(buf, balance);
	appendStringInfoChar(buf, '}');
}

static void
AppendScores(StringInfo buf, const SegClassScores *s)
{
	appendStringInfoString(buf, "\"precision\": ");
	json_append_float8(buf, s->precision);
	appendStringInfoString(buf, ", \"recall\": ");
	json_append_float8(buf, s->recall);
	appendStringInfoString(buf, ", \"f1\": ");
	json_append_float8(buf, s->f1);
	appendStringInfo(buf, ", \"support\": " INT64_FORMAT, s->support);
}

void
json_append_metrics(StringInfo buf, const SegMetrics *m, char *const *class_names,
					double log_loss)
{
	int			k = m->n_classes;

	appendStringInfoString(buf, "{\"accuracy\": ");
	json_append_float8(buf, m->accuracy);
	appendStringInfoString(buf, ", \"macro_f1\": ");
	json_append_float8(buf, m->macro.f1);
	appendStringInfoString(buf, ", \"weighted_f1\": ");
	json_append_float8(buf, m->weighted.f1);
	appendStringInfoString(buf, ", \"log_loss\": ");
	json_append_float8(buf, log_loss);
	appendStringInfo(buf, ", \"rows\": " INT64_FORMAT ", \"macro\": {", m->n);
	AppendScores(buf, &m->macro);
	appendStringInfoString(buf, "}, \"weighted\": {");
	AppendScores(buf, &m->weighted);
	appendStringInfoString(buf, "}, \"classes\": [");
	for (int c = 0; c < k; c++)
	{
		appendStringInfoString(buf, c > 0 ? ", {\"class\": " : "{\"class\": ");
		escape_json(buf, class_names[c]);
		appendStringInfoString(buf, ", ");
		AppendScores(buf, &m->per_class[c]);
		appendStringInfoChar(buf, '}');
	}
	appendStringInfoString(buf, "], \"confusion_matrix\": [");
	for (int a = 0; a < k; a++)
	{
		appendStringInfoString(buf, a > 0 ? ", [" : "[");
		for (int p = 0; p < k; p++)
			appendStringInfo(buf, "%s" INT64_FORMAT, p > 0 ? ", " : "",
							 m->confusion[(size_t) a * k + p]);
		appendStringInfoChar(buf, ']');
	}
	appendStringInfoString(buf, "]}");
}

void
json_append_regression_metrics(StringInfo buf, const SegRegressionMetrics *m)
{
	appendStringInfoString(buf, "{\"task\": \"regression\", \"mae\": ");
	json_append_float8(buf, m->mae);
	appendStringInfoString(buf, ", \"rmse\": ");
	json_append_float8(buf, m->rmse);
	appendStringInfoString(buf, ", \"r2\": ");
	json_append_float8(buf, m->r2);
	appendStringInfoString(buf, ", \"mape\": ");
	json_append_float8(buf, m->mape);
	appendStringInfoString(buf, ", \"mean\": ");
	json_append_float8(buf, m->mean_actual);
	appendStringInfo(buf, ", \"rows\": " INT64_FORMAT "}", m->n);
}

Jsonb *
segment_jsonb_from_text(const char *text)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
}

/* A SegInfoSink that appends `, "key": value` to a StringInfo. */
static void
SinkNumber(void *ctx, const char *key, double v)
{
	json_append_key(ctx, key, false);
	json_append_float8(ctx, v);
}

static void
SinkText(void *ctx, const char *key, const char *v)
{
	json_append_key(ctx, key, false);
	escape_json(ctx, v);
}

static void
SinkFlag(void *ctx, const char *key, bool v)
{
	json_append_key(ctx, key, false);
	appendStringInfoString(ctx, v ? "true" : "false");
}

static void
SinkNumbers(void *ctx, const char *key, const double *v, int n)
{
	json_append_key(ctx, key, false);
	appendStringInfoChar(ctx, '[');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(ctx, ", ");
		json_append_float8(ctx, v[i]);
	}
	appendStringInfoChar(ctx, ']');
}

void
segment_describe_supervised(StringInfo buf, int kind, SegReader *payload)
{
	SegSupervised *s;
	char		msg[SEG_ERRMSG_LEN];
	SegInfoSink sink = {buf, SinkNumber, SinkText, SinkFlag, SinkNumbers};

	segment_raise(supervised_read(kind, payload, &s, msg), msg);
	appendStringInfoString(buf, ", \"learner\": ");
	escape_json(buf, s->learner->name);
	if (s->task == SEG_TASK_CLASSIFICATION)
	{
		appendStringInfoString(buf, ", \"classes\": [");
		for (int k = 0; k < s->n_classes; k++)
		{
			if (k > 0)
				appendStringInfoString(buf, ", ");
			escape_json(buf, s->class_names[k]);
		}
		appendStringInfoChar(buf, ']');
	}
	s->learner->describe(s->model, &sink);
	appendStringInfo(buf, ", \"input_form\": \"%s\", \"n_inputs\": %d, \"n_outputs\": %d, ",
					 s->learner->input == SEG_INPUT_RAW ? "raw" : "encoded",
					 s->prep->n_columns, s->schema.n_inputs);
	json_append_preprocessor(buf, s->prep);
	supervised_free(s);
}
