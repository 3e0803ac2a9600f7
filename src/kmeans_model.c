/*-------------------------------------------------------------------------
 *
 * kmeans_model.c
 *	  Codec of k-means models and their predictor.
 *
 * The reader validates every size against the bytes that remain before
 * allocating, every centroid for finiteness, and that the preprocessor
 * (when present) produces exactly d features.
 *
 * IDENTIFICATION
 *	  src/kmeans_model.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kmeans_model.h"
#include "linalg.h"
#include "model.h"
#include "predictor.h"

void
kmeans_model_write(SegWriter *w, const KMeansModel *m)
{
	writer_put_u8(w, m->prep != NULL ? 1 : 0);
	if (m->prep != NULL)
		prep_write(w, m->prep);
	writer_put_u32(w, (uint32_t) m->k);
	writer_put_u32(w, (uint32_t) m->d);
	writer_put_f64(w, m->inertia);
	writer_put_u32(w, (uint32_t) m->n_iter);
	writer_put_f64_array(w, m->centroids, (size_t) m->k * m->d);
}

void
kmeans_model_free(KMeansModel *m)
{
	if (m == NULL)
		return;
	if (m->prep != NULL)
		prep_free(m->prep);
	if (m->centroids != NULL)
		seg_free(m->centroids);
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

SegStatus
kmeans_model_read(SegReader *r, KMeansModel **out, char *errmsg)
{
	KMeansModel *m = seg_alloc0(sizeof(KMeansModel));
	uint8_t		has_prep = reader_get_u8(r);
	uint32_t	k;
	uint32_t	d;
	uint32_t	n_iter;

	if (r->failed || has_prep > 1)
		return Corrupt(m, errmsg, "bad preprocessor flag");
	if (has_prep)
	{
		SegStatus	status = prep_read(r, &m->prep, errmsg);

		if (status != SEG_OK)
		{
			kmeans_model_free(m);
			return status;
		}
	}
	k = reader_get_u32(r);
	d = reader_get_u32(r);
	m->inertia = reader_get_f64(r);
	n_iter = reader_get_u32(r);
	if (r->failed)
		return Corrupt(m, errmsg, "truncated header");
	if (k < 1 || k > KMEANS_MAX_K || d < 1 || d > KMEANS_MAX_FEATURES)
		return Corrupt(m, errmsg, "k or the number of features is out of range");
	if (m->prep != NULL && (uint32_t) m->prep->n_outputs != d)
		return Corrupt(m, errmsg, "preprocessor width does not match the centroids");
	if (!(m->inertia >= 0.0) || isinf(m->inertia) || n_iter > INT32_MAX)
		return Corrupt(m, errmsg, "bad inertia or iteration count");
	m->k = (int) k;
	m->d = (int) d;
	m->n_iter = (int) n_iter;
	m->centroids = reader_get_f64_array(r, (size_t) k * d);
	if (m->centroids == NULL)
		return Corrupt(m, errmsg, "truncated centroids");
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
		snprintf(out->class_names[j], 12, "%d", j);
	}
	out->estimator = m;
	out->predict_row = KMeansPredictRow;
	out->scratch_len = m->k;
	return SEG_OK;
}
