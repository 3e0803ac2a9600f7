/*
 * fuzz_model.c
 *	  libFuzzer harness for the model decoder.
 *
 * Each input is decoded twice: as it is (exercising the envelope checks),
 * and as a payload wrapped in a valid envelope with a correct checksum
 * for the kind named by its first byte (exercising every section codec
 * past the checksum, which random bytes would otherwise never pass).
 * Every input also goes through predictor_read(), and a predictor that
 * decodes predicts one row.  The bytes after the first also go to every
 * registered learner's read() as its payload, for a shape the first byte
 * picks; a learner model that decodes predicts, explains and describes
 * rows.  An embedding that decodes is also wrapped in a k-means model of
 * codec version 3 and decoded again through it.  The decoder must reject
 * or accept without reading out of bounds,
 * leaking or crashing; ASan and UBSan watch.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "embedding.h"
#include "kmeans_model.h"
#include "learner.h"
#include "model.h"
#include "predictor.h"
#include "preprocess.h"
#include "scaler.h"
#include "supervised_model.h"
#include "tree_learn.h"
#include "tree_model.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Predicts an all-zero row with a decoded predictor, then frees it. */
static void
ExercisePredictor(SegPredictor *p)
{
	double	   *x = calloc(p->n_features, sizeof(double));
	double	   *scores = calloc(p->n_classes, sizeof(double));
	double	   *scratch = calloc(p->scratch_len + 1, sizeof(double));
	int			label = p->predict_row(p->estimator, x, scores, scratch);

	if (label < 0 || label >= p->n_classes)
		abort();
	free(x);
	free(scores);
	free(scratch);
	predictor_free(p);
}

static void DecodeModel(const uint8_t *data, size_t size);

/*
 * An embedding that decoded, inside a k-means model of one cluster
 * (codec version 3): written, decoded and predicting like any model.
 */
static void
ClusterOn(SegEmbedding *e)
{
	KMeansModel m;
	KMeansPersona persona;
	SegWriter	w;

	memset(&m, 0, sizeof(m));
	memset(&persona, 0, sizeof(persona));
	m.embedding = e;
	m.prep = e->prep;
	m.k = 1;
	m.d = e->code_size;
	m.centroids = calloc(e->code_size, sizeof(double));
	m.n_rows = 1;
	persona.size = 1;
	persona.means = calloc(e->n_inputs, sizeof(double));
	persona.label = "typical";
	m.personas = &persona;
	writer_init(&w, 1024);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, &m);
	model_seal(&w);
	DecodeModel(w.data, w.len);
	free(w.data);
	free(m.centroids);
	free(persona.means);
}

static void
DecodeModel(const uint8_t *data, size_t size)
{
	SegModelHeader header;
	SegReader	payload;
	char		msg[SEG_ERRMSG_LEN];
	SegPredictor predictor;

	if (predictor_read(data, size, &predictor, msg) == SEG_OK)
		ExercisePredictor(&predictor);
	if (model_open(data, size, 0, &header, &payload, msg) != SEG_OK)
		return;
	if (header.kind == SEG_MODEL_SCALER)
	{
		SegScaler  *s;

		if (scaler_read(&payload, &s, msg) == SEG_OK)
			scaler_free(s);
	}
	else if (header.kind == SEG_MODEL_PREPROCESSOR)
	{
		SegPreprocessor *p;

		if (prep_read(&payload, &p, msg) == SEG_OK)
		{
			double	   *raw = calloc(p->n_columns, sizeof(double));
			double	   *out = calloc(p->n_outputs + 1, sizeof(double));

			prep_encode_row(p, raw, out);
			free(raw);
			free(out);
			prep_free(p);
		}
	}
	else if (header.kind == SEG_MODEL_CLASSIFIER || header.kind == SEG_MODEL_REGRESSOR)
	{
		SegSupervised *s;

		if (supervised_read(header.kind, &payload, &s, msg) == SEG_OK)
		{
			int			d = s->schema.n_inputs;
			double	   *x = calloc(d + 1, sizeof(double));
			double	   *out = calloc(s->n_outputs, sizeof(double));
			double	   *scratch = calloc(s->learner->row_scratch(s->model) + 1, sizeof(double));

			s->learner->predict_row(s->model, x, out, scratch);
			/* raw-form learners also see missing values */
			if (s->learner->input == SEG_INPUT_RAW)
			{
				for (int j = 0; j < d; j++)
					x[j] = NAN;
				s->learner->predict_row(s->model, x, out, scratch);
			}
			s->learner->predict(s->model, x, 1, out);
			if (s->learner->contributions != NULL)
			{
				int			k = s->learner->n_margins(s->model);
				double	   *phi = calloc((size_t) (d + 1) * k, sizeof(double));

				s->learner->contributions(s->model, x, phi);
				free(phi);
			}
			free(x);
			free(out);
			free(scratch);
			supervised_free(s);
		}
	}
	else if (header.kind == SEG_MODEL_KMEANS)
	{
		KMeansModel *m;

		if (kmeans_model_read(&payload, &m, msg) == SEG_OK)
		{
			/* a row of the encoded space, through the embedding when there is one */
			int			width = kmeans_model_profile_width(m);
			double	   *x = calloc(width + 1, sizeof(double));
			double	   *dists = calloc(m->k, sizeof(double));
			double	   *scratch = calloc(kmeans_model_row_scratch(m) + 1, sizeof(double));

			if (kmeans_model_nearest_encoded(m, x, dists, scratch) >= m->k)
				abort();
			for (int j = 0; j < m->k; j++)
				kmeans_model_centroid_encoded(m, j, x, scratch);
			free(x);
			free(dists);
			free(scratch);
			kmeans_model_free(m);
		}
	}
	else if (embedding_kind(header.kind))
	{
		SegEmbedding *e;

		if (embedding_read_payload(header.kind, &payload, &e, msg) == SEG_OK)
		{
			double	   *x = calloc(e->n_inputs, sizeof(double));
			double	   *back = calloc(e->n_inputs, sizeof(double));
			double	   *code = calloc(e->code_size, sizeof(double));
			double	   *codes = calloc((size_t) 2 * e->code_size, sizeof(double));
			double	   *two = calloc((size_t) 2 * e->n_inputs, sizeof(double));
			double	   *scratch = calloc(embedding_row_scratch(e) + 1, sizeof(double));

			embedding_project_row(e, x, code, scratch);
			embedding_reconstruct_row(e, x, back, scratch);
			embedding_decode_row(e, code, back, scratch);
			embedding_project(e, two, 2, codes);
			(void) embedding_reconstruction_mse(e, two, 2, NULL);
			ClusterOn(e);
			free(x);
			free(back);
			free(code);
			free(codes);
			free(two);
			free(scratch);
			embedding_free(e);
		}
	}
}

static void
IgnoreNumber(void *ctx, const char *key, double v)
{
	(void) ctx;
	(void) key;
	(void) v;
}

static void
IgnoreText(void *ctx, const char *key, const char *v)
{
	(void) ctx;
	(void) key;
	(void) v;
}

static void
IgnoreFlag(void *ctx, const char *key, bool v)
{
	(void) ctx;
	(void) key;
	(void) v;
}

static void
IgnoreNumbers(void *ctx, const char *key, const double *v, int n)
{
	(void) ctx;
	(void) key;
	(void) v;
	(void) n;
}

/* Uses a learner model that decoded: rows of zeros and of NULLs. */
static void
ExerciseLearner(const SegLearner *l, void *model, const SegModelShape *shape)
{
	int			d = shape->schema->n_inputs;
	double	   *x = calloc(d, sizeof(double));
	double	   *y = malloc(sizeof(double) * d);
	double	   *out = calloc(shape->n_outputs + 1, sizeof(double));
	double	   *scratch = calloc(l->row_scratch(model) + 1, sizeof(double));
	SegInfoSink sink = {.ctx = NULL, .number = IgnoreNumber, .text = IgnoreText,
	.flag = IgnoreFlag, .numbers = IgnoreNumbers};

	for (int j = 0; j < d; j++)
		y[j] = NAN;
	l->predict_row(model, x, out, scratch);
	l->predict_row(model, y, out, scratch);
	l->predict(model, y, 1, out);
	l->describe(model, &sink);
	/* the optional entry points, where the learner has them */
	if (l->contributions != NULL && l->n_margins != NULL)
	{
		int			M = l->n_margins(model);
		double	   *phi = calloc((size_t) (d + 1) * M, sizeof(double));

		l->contributions(model, x, phi);
		l->contributions(model, y, phi);
		if (l->margin_row != NULL)
			l->margin_row(model, y, phi, scratch);
		if (l->margins != NULL)
			l->margins(model, y, 1, phi);
		free(phi);
	}
	if (l->importances != NULL)
	{
		double	   *imp = calloc(d + 1, sizeof(double));

		l->importances(model, imp);
		free(imp);
	}
	if (l->free == tree_learn_free && ((TreeModel *) model)->n_trees > 0)
	{
		TreeRule   *rules;
		int			n = tree_model_rules(model, 0, shape->schema, NULL, &rules);

		tree_rules_free(rules, n);
	}
	free(x);
	free(y);
	free(out);
	free(scratch);
}

/* Feeds a payload to every learner's reader, as a model of a shape picked by selector. */
static void
DecodeLearnerPayloads(uint8_t selector, const uint8_t *data, size_t size)
{
	static const SegInputColumn raw_cols[3] = {
		{"n", SEG_COL_NUMERIC, 0, 0}, {"b", SEG_COL_BOOLEAN, 0, 1},
		{"c", SEG_COL_CATEGORICAL, 70, 2}
	};
	static const SegInputColumn encoded_cols[3] = {
		{"n", SEG_COL_NUMERIC, 0, 0}, {"b", SEG_COL_NUMERIC, 0, 1},
		{"c=x", SEG_COL_NUMERIC, 0, 2}
	};

	for (int i = 0; i < learner_count(); i++)
	{
		const SegLearner *l = learner_at(i);
		SegInputSchema schema = {l->input, 3, l->input == SEG_INPUT_RAW ? raw_cols : encoded_cols, 3};
		SegModelShape shape;
		SegReader	r;
		void	   *model;
		char		msg[SEG_ERRMSG_LEN];

		shape.task = (selector & 1) ? SEG_TASK_REGRESSION : SEG_TASK_CLASSIFICATION;
		shape.n_outputs = shape.task == SEG_TASK_REGRESSION ? 1 : 2 + ((selector >> 1) & 1);
		shape.schema = &schema;
		reader_init(&r, data, size);
		if (l->read(&r, &shape, &model, msg) == SEG_OK)
		{
			ExerciseLearner(l, model, &shape);
			l->free(model);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SegWriter	w;

	DecodeModel(data, size);
	if (size >= 1)
		DecodeLearnerPayloads(data[0], data + 1, size - 1);
	if (size < 1)
		return 0;
	writer_init(&w, size + SEG_MODEL_HEADER_SIZE);
	model_begin(&w, (SegModelKind) (1 + data[0] % SEG_MODEL_KIND_MAX));
	writer_put_bytes(&w, data + 1, size - 1);
	model_seal(&w);
	DecodeModel(w.data, w.len);
	free(w.data);
	return 0;
}
