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

#include "classifier_model.h"
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

void
json_append_config(StringInfo buf, const SegTrialConfig *c, int epochs, int patience,
				   const char *balance)
{
	appendStringInfoString(buf, "{\"hidden\": [");
	for (int l = 0; l < c->hidden.n; l++)
		appendStringInfo(buf, "%s%d", l > 0 ? ", " : "", c->hidden.sizes[l]);
	appendStringInfoString(buf, "], \"dropout\": ");
	json_append_float8(buf, c->dropout);
	appendStringInfo(buf, ", \"batch_norm\": %s, \"l2\": ", c->batch_norm ? "true" : "false");
	json_append_float8(buf, c->l2);
	appendStringInfo(buf, ", \"epochs\": %d, \"batch_size\": %d, \"learning_rate\": ",
					 epochs, c->batch_size);
	json_append_float8(buf, c->learning_rate);
	appendStringInfo(buf, ", \"patience\": %d, \"balance\": \"%s\"}", patience, balance);
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

Jsonb *
segment_jsonb_from_text(const char *text)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
}

void
segment_describe_classifier(StringInfo buf, SegReader *payload)
{
	SegClassifier *c;
	char		msg[SEG_ERRMSG_LEN];
	const MlpShape *shape;

	segment_raise(classifier_read(payload, &c, msg), msg);
	shape = &c->mlp->shape;
	appendStringInfoString(buf, ", \"classes\": [");
	for (int k = 0; k < c->n_classes; k++)
	{
		if (k > 0)
			appendStringInfoString(buf, ", ");
		escape_json(buf, c->class_names[k]);
	}
	appendStringInfo(buf, "], \"hidden\": [");
	for (int l = 0; l < shape->n_hidden; l++)
		appendStringInfo(buf, "%s%d", l > 0 ? ", " : "", shape->hidden[l]);
	appendStringInfo(buf, "], \"batch_norm\": %s, \"parameters\": %zu, "
					 "\"n_inputs\": %d, \"n_outputs\": %d, ",
					 shape->batch_norm ? "true" : "false", c->mlp->n_params,
					 c->prep->n_columns, c->prep->n_outputs);
	json_append_preprocessor(buf, c->prep);
}
