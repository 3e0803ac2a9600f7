/*-------------------------------------------------------------------------
 *
 * kmeans_model.c
 *	  Codec of k-means models and their predictor.
 *
 * The reader validates every size against the bytes that remain before
 * allocating, every centroid and persona mean for finiteness, that the
 * preprocessor (when present) produces exactly d features, or the
 * embedding (a whole model value, decoded and checked by embedding_read)
 * codes of d values, that cluster numbers are distinct and that cluster
 * sizes add up to the rows.
 *
 * IDENTIFICATION
 *	  src/kmeans_model.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans_model.h"
#include "linalg.h"
#include "model.h"
#include "persona.h"
#include "predictor.h"

/* u32 length and the embedding's whole model value */
static void
WriteEmbedding(SegWriter *w, const SegEmbedding *e)
{
	SegWriter	value;

	writer_init(&value, 1024);
	embedding_write(&value, e);
	writer_put_u32(w, (uint32_t) value.len);
	writer_put_bytes(w, value.data, value.len);
	seg_free(value.data);
}

void
kmeans_model_write(SegWriter *w, const KMeansModel *m)
{
	if (m->embedding != NULL)
	{
		writer_put_u8(w, KMEANS_CODEC_VERSION);
		writer_put_u8(w, KMEANS_INPUT_EMBEDDING);
		WriteEmbedding(w, m->embedding);
	}
	else
	{
		writer_put_u8(w, KMEANS_CODEC_PLAIN);
		writer_put_u8(w, m->prep != NULL ? KMEANS_INPUT_PREPROCESSOR : KMEANS_INPUT_FEATURES);
		if (m->prep != NULL)
			prep_write(w, m->prep);
	}
	writer_put_u32(w, (uint32_t) m->k);
	writer_put_u32(w, (uint32_t) m->d);
	writer_put_f64(w, m->inertia);
	writer_put_u32(w, (uint32_t) m->n_iter);
	writer_put_f64_array(w, m->centroids, (size_t) m->k * m->d);
	for (int j = 0; j < m->k; j++)
		writer_put_u32(w, m->numbers != NULL ? m->numbers[j] : (uint32_t) j);
	writer_put_u8(w, m->personas != NULL ? 1 : 0);
	if (m->personas == NULL)
		return;
	writer_put_u64(w, m->n_rows);
	for (int j = 0; j < m->k; j++)
	{
		const KMeansPersona *p = &m->personas[j];

		writer_put_u64(w, p->size);
		writer_put_f64_array(w, p->means, (size_t) kmeans_model_profile_width(m));
		writer_put_string(w, p->label);
		writer_put_u8(w, p->action != NULL ? 1 : 0);
		if (p->action != NULL)
			writer_put_string(w, p->action);
		writer_put_u8(w, p->flags);
	}
}

void
kmeans_model_free(KMeansModel *m)
{
	if (m == NULL)
		return;
	/* an embedding owns the preprocessor the model borrows */
	if (m->embedding != NULL)
		embedding_free(m->embedding);
	else if (m->prep != NULL)
		prep_free(m->prep);
	if (m->centroids != NULL)
		seg_free(m->centroids);
	if (m->numbers != NULL)
		seg_free(m->numbers);
	if (m->personas != NULL)
	{
		for (int j = 0; j < m->k; j++)
		{
			if (m->personas[j].means != NULL)
				seg_free(m->personas[j].means);
			if (m->personas[j].label != NULL)
				seg_free(m->personas[j].label);
			if (m->personas[j].action != NULL)
				seg_free(m->personas[j].action);
		}
		seg_free(m->personas);
	}
	if (m->c_norms != NULL)
		seg_free(m->c_norms);
	seg_free(m);
}

static SegStatus
Corrupt(KMeansModel *m, char *errmsg, const char *what)
{
	snprintf(errmsg, SEG_ERRMSG_LEN, "k-means model: %s", what);
	kmeans_model_free(m);
	return SEG_ERR_CORRUPT;
}

static int
CompareU32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a;
	uint32_t	y = *(const uint32_t *) b;

	return (x > y) - (x < y);
}

/* Whether the k numbers are distinct and fit an SQL integer. */
static bool
ValidNumbers(const uint32_t *numbers, int k)
{
	uint32_t   *sorted = seg_alloc(sizeof(uint32_t) * k);
	bool		ok = true;

	memcpy(sorted, numbers, sizeof(uint32_t) * k);
	qsort(sorted, k, sizeof(uint32_t), CompareU32);
	for (int j = 0; j < k && ok; j++)
		ok = sorted[j] <= INT32_MAX && (j == 0 || sorted[j] != sorted[j - 1]);
	seg_free(sorted);
	return ok;
}

static bool
ValidText(const char *s)
{
	size_t		len = s != NULL ? strlen(s) : 0;

	return len >= 1 && len < PERSONA_LABEL_LEN;
}

/* The persona section of codec version 2 (after its flag). */
static SegStatus
ReadPersonas(SegReader *r, KMeansModel *m, char *errmsg)
{
	uint64_t	total = 0;
	int			width = kmeans_model_profile_width(m);

	m->n_rows = reader_get_u64(r);
	if (r->failed)
		return Corrupt(m, errmsg, "truncated personas");
	/* every persona takes at least its size, means, a label and flags */
	if (reader_remaining(r) / ((size_t) width * 8 + 8 + 4 + 1 + 1 + 1) < (size_t) m->k)
		return Corrupt(m, errmsg, "truncated personas");
	m->personas = seg_alloc0(sizeof(KMeansPersona) * m->k);
	for (int j = 0; j < m->k; j++)
	{
		KMeansPersona *p = &m->personas[j];
		uint8_t		has_action;

		p->size = reader_get_u64(r);
		p->means = reader_get_f64_array(r, (size_t) width);
		p->label = reader_get_string(r);
		has_action = reader_get_u8(r);
		if (has_action == 1)
			p->action = reader_get_string(r);
		p->flags = reader_get_u8(r);
		if (r->failed || p->means == NULL)
			return Corrupt(m, errmsg, "truncated personas");
		if (has_action > 1 || (p->flags & ~(KMEANS_PERSONA_LABEL_EDITED |
											KMEANS_PERSONA_ACTION_EDITED)) != 0)
			return Corrupt(m, errmsg, "bad persona flags");
		if (!ValidText(p->label) || (p->action != NULL && !ValidText(p->action)))
			return Corrupt(m, errmsg, "persona label or action is empty or too long");
		for (int t = 0; t < width; t++)
			if (!isfinite(p->means[t]))
				return Corrupt(m, errmsg, "persona mean is not finite");
		if (p->size > m->n_rows - total)
			return Corrupt(m, errmsg, "cluster sizes exceed the training rows");
		total += p->size;
	}
	if (total != m->n_rows)
		return Corrupt(m, errmsg, "cluster sizes do not add up to the training rows");
	return SEG_OK;
}

/*
 * The embedding section of codec version 3: a u32 length and a whole PCA
 * or autoencoder model value, which must fill it exactly.
 */
static SegStatus
ReadEmbedding(SegReader *r, KMeansModel *m, char *errmsg)
{
	uint32_t	len = reader_get_u32(r);
	SegStatus	status;

	if (r->failed || len > reader_remaining(r))
		return Corrupt(m, errmsg, "truncated embedding");
	status = embedding_read(r->data + r->pos, len, &m->embedding, errmsg);
	if (status != SEG_OK)
	{
		/* any other kind inside a k-means model is damage, not a wrong argument */
		if (status == SEG_ERR_WRONG_KIND)
			return Corrupt(m, errmsg, "the embedding section holds no pca or autoencoder model");
		kmeans_model_free(m);
		return status;
	}
	r->pos += len;
	m->prep = m->embedding->prep;
	return SEG_OK;
}

SegStatus
kmeans_model_read(SegReader *r, KMeansModel **out, char *errmsg)
{
	KMeansModel *m = seg_alloc0(sizeof(KMeansModel));
	uint8_t		first = reader_get_u8(r);
	uint8_t		input;
	uint32_t	k;
	uint32_t	d;
	uint32_t	n_iter;

	/*
	 * 0.1.0's payload began with the preprocessor flag itself (0 or 1);
	 * versions 2 and 3 with their number
	 */
	if (r->failed || first > KMEANS_CODEC_VERSION)
		return Corrupt(m, errmsg, "bad codec version or preprocessor flag");
	m->codec = first >= KMEANS_CODEC_PLAIN ? first : 1;
	input = m->codec == 1 ? first : reader_get_u8(r);
	if (r->failed || input > (m->codec == KMEANS_CODEC_VERSION ? KMEANS_INPUT_EMBEDDING :
							  KMEANS_INPUT_PREPROCESSOR))
		return Corrupt(m, errmsg, "bad preprocessor flag");
	if (input == KMEANS_INPUT_PREPROCESSOR)
	{
		SegStatus	status = prep_read(r, &m->prep, errmsg);

		if (status != SEG_OK)
		{
			kmeans_model_free(m);
			return status;
		}
	}
	else if (input == KMEANS_INPUT_EMBEDDING)
	{
		SegStatus	status = ReadEmbedding(r, m, errmsg);

		if (status != SEG_OK)
			return status;
	}
	k = reader_get_u32(r);
	d = reader_get_u32(r);
	m->inertia = reader_get_f64(r);
	n_iter = reader_get_u32(r);
	if (r->failed)
		return Corrupt(m, errmsg, "truncated header");
	if (k < 1 || k > KMEANS_MAX_K || d < 1 || d > KMEANS_MAX_FEATURES)
		return Corrupt(m, errmsg, "k or the number of features is out of range");
	if (m->embedding != NULL && (uint32_t) m->embedding->code_size != d)
		return Corrupt(m, errmsg, "the embedding's code size does not match the centroids");
	if (m->embedding == NULL && m->prep != NULL && (uint32_t) m->prep->n_outputs != d)
		return Corrupt(m, errmsg, "preprocessor width does not match the centroids");
	if (!(m->inertia >= 0.0) || isinf(m->inertia) || n_iter > INT32_MAX)
		return Corrupt(m, errmsg, "bad inertia or iteration count");
	m->k = (int) k;
	m->d = (int) d;
	m->n_iter = (int) n_iter;
	m->centroids = reader_get_f64_array(r, (size_t) k * d);
	if (m->centroids == NULL)
		return Corrupt(m, errmsg, "truncated centroids");
	m->numbers = seg_alloc(sizeof(uint32_t) * k);
	if (m->codec == 1)
	{
		for (uint32_t j = 0; j < k; j++)
			m->numbers[j] = j;
	}
	else
	{
		uint8_t		has_personas;

		if (reader_remaining(r) / 4 < k)
			return Corrupt(m, errmsg, "truncated cluster numbers");
		for (uint32_t j = 0; j < k; j++)
			m->numbers[j] = reader_get_u32(r);
		if (!ValidNumbers(m->numbers, m->k))
			return Corrupt(m, errmsg, "cluster numbers are not distinct non-negative integers");
		has_personas = reader_get_u8(r);
		if (r->failed || has_personas > 1)
			return Corrupt(m, errmsg, "bad persona flag");
		/* the profile is what describes clusters of codes in original units */
		if (m->embedding != NULL && !has_personas)
			return Corrupt(m, errmsg, "a model on an embedding stores no personas");
		if (has_personas)
		{
			SegStatus	status = ReadPersonas(r, m, errmsg);

			if (status != SEG_OK)
				return status;
		}
	}
	if (!reader_at_end(r))
		return Corrupt(m, errmsg, "trailing bytes");
	m->c_norms = seg_alloc(sizeof(double) * k);
	for (uint32_t j = 0; j < k; j++)
	{
		double		s = 0.0;

		for (uint32_t t = 0; t < d; t++)
		{
			double		v = m->centroids[(size_t) j * d + t];

			if (!isfinite(v))
				return Corrupt(m, errmsg, "centroid is not finite");
			s += v * v;
		}
		m->c_norms[j] = s;
	}
	*out = m;
	return SEG_OK;
}

int
kmeans_model_cluster(const KMeansModel *m, uint32_t number)
{
	for (int j = 0; j < m->k; j++)
		if (m->numbers[j] == number)
			return j;
	return -1;
}

int
kmeans_model_nearest(const KMeansModel *m, const double *x, double *sq_dists)
{
	double		best = INFINITY;
	int			label = 0;

	for (int j = 0; j < m->k; j++)
	{
		double		s = linalg_sq_distance(x, m->centroids + (size_t) j * m->d, m->d);

		if (sq_dists != NULL)
			sq_dists[j] = s;
		if (s < best)
		{
			best = s;
			label = j;
		}
	}
	return label;
}

int
kmeans_model_row_scratch(const KMeansModel *m)
{
	if (m->embedding == NULL)
		return 0;
	return embedding_row_scratch(m->embedding) + m->embedding->code_size;
}

int
kmeans_model_nearest_encoded(const KMeansModel *m, const double *encoded, double *sq_dists,
							 double *scratch)
{
	double	   *code;

	if (m->embedding == NULL)
		return kmeans_model_nearest(m, encoded, sq_dists);
	code = scratch + embedding_row_scratch(m->embedding);
	embedding_project_row(m->embedding, encoded, code, scratch);
	return kmeans_model_nearest(m, code, sq_dists);
}

void
kmeans_model_centroid_encoded(const KMeansModel *m, int j, double *out, double *scratch)
{
	const double *c = m->centroids + (size_t) j * m->d;

	if (m->embedding == NULL)
		memcpy(out, c, sizeof(double) * m->d);
	else
		embedding_decode_row(m->embedding, c, out, scratch);
}

/* predict_row of k-means: scores are negated squared distances. */
static int
KMeansPredictRow(const void *estimator, const double *features, double *scores,
				 double *scratch)
{
	const KMeansModel *m = estimator;
	int			label = kmeans_model_nearest(m, features, scratch);

	for (int j = 0; j < m->k; j++)
		scores[j] = -scratch[j];
	return label;
}

/*
 * The same for a model on an embedding: the encoded row to its code, then
 * the nearest centroid.  scratch: the embedding's row scratch, the code,
 * then k distances.
 */
static int
KMeansEmbeddedPredictRow(const void *estimator, const double *features, double *scores,
						 double *scratch)
{
	const KMeansModel *m = estimator;
	double	   *dists = scratch + kmeans_model_row_scratch(m);
	int			label = kmeans_model_nearest_encoded(m, features, dists, scratch);

	for (int j = 0; j < m->k; j++)
		scores[j] = -dists[j];
	return label;
}

SegStatus
kmeans_predictor_read(SegReader *payload, SegPredictor *out, char *errmsg)
{
	KMeansModel *m;
	SegStatus	status = kmeans_model_read(payload, &m, errmsg);

	if (status != SEG_OK)
		return status;
	memset(out, 0, sizeof(SegPredictor));
	out->kind = SEG_MODEL_KMEANS;
	out->prep = m->prep;
	out->n_features = m->d;
	out->n_classes = m->k;
	out->class_names = seg_alloc(sizeof(char *) * m->k);
	for (int j = 0; j < m->k; j++)
	{
		out->class_names[j] = seg_alloc(12);
		snprintf(out->class_names[j], 12, "%u", m->numbers[j]);
	}
	out->estimator = m;
	out->predict_row = KMeansPredictRow;
	out->scratch_len = m->k;
	if (m->embedding != NULL)
	{
		/* a raw row is encoded by the embedding's preprocessor, then mapped */
		out->input = SEG_INPUT_ENCODED;
		out->n_features = m->embedding->n_inputs;
		out->predict_row = KMeansEmbeddedPredictRow;
		out->scratch_len = kmeans_model_row_scratch(m) + m->k;
	}
	return SEG_OK;
}
