/*-------------------------------------------------------------------------
 *
 * sql_model.c
 *	  segment.model_kind(bytea) and segment.model_info(bytea): validating
 *	  and describing model values.
 *
 * IDENTIFICATION
 *	  src/sql_model.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "embedding.h"
#include "kmeans_model.h"
#include "pg_core.h"
#include "pg_json.h"
#include "sql_train.h"
#include "supervised_model.h"
#include "preprocess.h"
#include "scaler.h"

PG_FUNCTION_INFO_V1(model_kind);
PG_FUNCTION_INFO_V1(model_info);

/*
 * segment.model_kind(bytea) -> text: the kind named in a valid envelope.
 * The registry's CHECK constraint uses it, so no damaged bytes get in.
 */
Datum
model_kind(PG_FUNCTION_ARGS)
{
	bytea	   *model = PG_GETARG_BYTEA_PP(0);
	SegModelHeader header;
	SegReader	payload;

	segment_open_model(model, 0, &header, &payload);
	PG_RETURN_TEXT_P(cstring_to_text(model_kind_name(header.kind)));
}

static void
DescribeScaler(StringInfo buf, SegReader *payload)
{
	SegScaler  *s;
	char		msg[SEG_ERRMSG_LEN];

	segment_raise(scaler_read(payload, &s, msg), msg);
	appendStringInfo(buf, ", \"n_features\": %d, \"n_samples\": %s",
					 s->n_features, float8out_internal(s->n_samples));
	json_append_float8_array(buf, "mean", s->mean, s->n_features);
	json_append_float8_array(buf, "var", s->var, s->n_features);
	json_append_float8_array(buf, "scale", s->scale, s->n_features);
	scaler_free(s);
}

static void
DescribePreprocessor(StringInfo buf, SegReader *payload)
{
	SegPreprocessor *p;
	char		msg[SEG_ERRMSG_LEN];

	segment_raise(prep_read(payload, &p, msg), msg);
	if (!reader_at_end(payload))
		segment_raise(SEG_ERR_CORRUPT, "preprocessor model has trailing bytes");
	appendStringInfo(buf, ", \"n_inputs\": %d, \"n_outputs\": %d, ",
					 p->n_columns, p->n_outputs);
	json_append_preprocessor(buf, p);
	prep_free(p);
}

static void
DescribeKMeans(StringInfo buf, SegReader *payload)
{
	KMeansModel *m;
	char		msg[SEG_ERRMSG_LEN];

	segment_raise(kmeans_model_read(payload, &m, msg), msg);
	appendStringInfo(buf, ", \"k\": %d, \"n_features\": %d, \"inertia\": %s, \"n_iter\": %d",
					 m->k, m->d, float8out_internal(m->inertia), m->n_iter);
	json_append_float8_array(buf, "centroids", m->centroids, m->k * m->d);
	/* the stable numbers of the clusters, and whether a profile is stored */
	appendStringInfoString(buf, ", \"clusters\": [");
	for (int j = 0; j < m->k; j++)
		appendStringInfo(buf, "%s%u", j > 0 ? ", " : "", m->numbers[j]);
	appendStringInfo(buf, "], \"personas\": %s", m->personas != NULL ? "true" : "false");
	/* centroids of codes: the embedding whose map the rows go through */
	if (m->embedding != NULL)
		appendStringInfo(buf, ", \"embedding\": {\"kind\": \"%s\", \"code_size\": %d, \"n_inputs\": %d}",
						 model_kind_name(m->embedding->kind), m->embedding->code_size,
						 m->embedding->n_inputs);
	if (m->prep != NULL)
	{
		appendStringInfoString(buf, ", \"preprocessor\": {");
		json_append_preprocessor(buf, m->prep);
		appendStringInfoChar(buf, '}');
	}
	kmeans_model_free(m);
}

static void
DescribeEmbedding(StringInfo buf, int kind, SegReader *payload)
{
	SegEmbedding *e;
	char		msg[SEG_ERRMSG_LEN];

	segment_raise(embedding_read_payload(kind, payload, &e, msg), msg);
	appendStringInfo(buf, ", \"n_inputs\": %d, \"n_outputs\": %d, \"code_size\": %d",
					 e->prep->n_columns, e->n_inputs, e->code_size);
	if (kind == SEG_MODEL_PCA)
	{
		const SegPca *p = e->pca;
		double	   *ratio = palloc(sizeof(double) * p->k);

		for (int j = 0; j < p->k; j++)
			ratio[j] = p->explained_variance[j] / p->total_variance;
		appendStringInfo(buf, ", \"n_samples\": %s, \"total_variance\": %s, \"noise_variance\": %s",
						 float8out_internal(p->n_samples), float8out_internal(p->total_variance),
						 float8out_internal(p->noise_variance));
		json_append_float8_array(buf, "explained_variance", p->explained_variance, p->k);
		json_append_float8_array(buf, "explained_variance_ratio", ratio, p->k);
		json_append_float8_array(buf, "mean", p->mean, p->d);
		appendStringInfoString(buf, ", \"components\": [");
		for (int j = 0; j < p->k; j++)
		{
			appendStringInfoString(buf, j > 0 ? ", [" : "[");
			for (int t = 0; t < p->d; t++)
				appendStringInfo(buf, "%s%s", t > 0 ? ", " : "",
								 float8out_internal(p->components[(size_t) j * p->d + t]));
			appendStringInfoChar(buf, ']');
		}
		appendStringInfoChar(buf, ']');
	}
	else
	{
		const SegAutoencoder *a = e->autoencoder;

		appendStringInfo(buf, ", \"layers\": [%d", e->n_inputs);
		for (int l = 0; l < a->mlp->shape.n_hidden; l++)
			appendStringInfo(buf, ", %d", a->mlp->shape.hidden[l]);
		appendStringInfo(buf, ", %d], \"code_layer\": %d, \"parameters\": %zu",
						 e->n_inputs, a->code_layer + 1, a->mlp->n_params);
	}
	appendStringInfoString(buf, ", ");
	json_append_preprocessor(buf, e->prep);
	embedding_free(e);
}

/* Appends `, "key": ` to buf. */
static void
AppendKey(StringInfo buf, const char *key)
{
	appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
}

/* A float8 as JSON: its shortest exact form, null when not finite. */
static void
AppendFloat8(StringInfo buf, double v)
{
	appendStringInfoString(buf, isfinite(v) ? float8out_internal(v) : "null");
}

/* A SegInfoSink that appends `, "key": value` to a StringInfo. */
static void
SinkNumber(void *ctx, const char *key, double v)
{
	AppendKey(ctx, key);
	AppendFloat8(ctx, v);
}

static void
SinkText(void *ctx, const char *key, const char *v)
{
	AppendKey(ctx, key);
	escape_json(ctx, v);
}

static void
SinkFlag(void *ctx, const char *key, bool v)
{
	AppendKey(ctx, key);
	appendStringInfoString(ctx, v ? "true" : "false");
}

static void
SinkNumbers(void *ctx, const char *key, const double *v, int n)
{
	AppendKey(ctx, key);
	appendStringInfoChar(ctx, '[');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(ctx, ", ");
		AppendFloat8(ctx, v[i]);
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

/*
 * segment.model_info(bytea) -> jsonb: decodes the whole value (so it also
 * serves as a validity check) and describes it.
 */
Datum
model_info(PG_FUNCTION_ARGS)
{
	bytea	   *model = PG_GETARG_BYTEA_PP(0);
	SegModelHeader header;
	SegReader	payload;
	StringInfoData buf;

	segment_open_model(model, 0, &header, &payload);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"kind\": \"%s\", \"format_version\": %u, \"bytes\": %zu",
					 model_kind_name(header.kind), header.format,
					 VARSIZE_ANY_EXHDR(model));
	switch (header.kind)
	{
		case SEG_MODEL_SCALER:
			DescribeScaler(&buf, &payload);
			break;
		case SEG_MODEL_PREPROCESSOR:
			DescribePreprocessor(&buf, &payload);
			break;
		case SEG_MODEL_CLASSIFIER:
		case SEG_MODEL_REGRESSOR:
			segment_describe_supervised(&buf, header.kind, &payload);
			break;
		case SEG_MODEL_KMEANS:
			DescribeKMeans(&buf, &payload);
			break;
		case SEG_MODEL_PCA:
		case SEG_MODEL_AUTOENCODER:
			DescribeEmbedding(&buf, header.kind, &payload);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s models cannot be described by this version of segment",
							model_kind_name(header.kind))));
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
