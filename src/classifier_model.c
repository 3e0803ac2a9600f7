/*-------------------------------------------------------------------------
 *
 * classifier_model.c
 *	  Codec of CLASSIFIER models and their predictor.
 *
 * IDENTIFICATION
 *	  src/classifier_model.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "classifier_model.h"
#include "model.h"
#include "predictor.h"

void
classifier_write(SegWriter *w, const SegPreprocessor *prep, char *const *class_names,
				 const Mlp *mlp)
{
	model_begin(w, SEG_MODEL_CLASSIFIER);
	writer_put_u16(w, CLASSIFIER_CODEC_VERSION);
	prep_write(w, prep);
	writer_put_u32(w, (uint32_t) mlp->shape.n_classes);
	for (int c = 0; c < mlp->shape.n_classes; c++)
		writer_put_string(w, class_names[c]);
	writer_put_u32(w, (uint32_t) mlp->shape.n_inputs);
	writer_put_u32(w, (uint32_t) mlp->shape.n_hidden);
	for (int l = 0; l < mlp->shape.n_hidden; l++)
		writer_put_u32(w, (uint32_t) mlp->shape.hidden[l]);
	writer_put_u8(w, mlp->shape.batch_norm ? 1 : 0);
	writer_put_f64_array(w, mlp->params, mlp->n_params);
	writer_put_f64_array(w, mlp->stats, mlp->n_stats);
	model_seal(w);
}

static SegStatus
Corrupt(char *errmsg, const char *what)
{
	snprintf(errmsg, SEG_ERRMSG_LEN, "classifier model is corrupt: %.200s", what);
	return SEG_ERR_CORRUPT;
}

/* Reads the MLP section into a new network of the decoded shape. */
static SegStatus
ReadMlp(SegReader *r, int n_inputs_expected, int n_classes, Mlp **out, char *errmsg)
{
	MlpShape	shape;
	uint32_t	n_inputs = reader_get_u32(r);
	uint32_t	n_hidden = reader_get_u32(r);
	uint8_t		bn;
	Mlp		   *m;
	double	   *params;
	double	   *stats;
	char		inner[SEG_ERRMSG_LEN];

	memset(&shape, 0, sizeof(shape));
	if (r->failed || n_hidden > MLP_MAX_HIDDEN)
		return Corrupt(errmsg, "bad layer count");
	if (n_inputs != (uint32_t) n_inputs_expected)
		return Corrupt(errmsg, "input width differs from the preprocessor's");
	shape.n_inputs = (int) n_inputs;
	shape.n_classes = n_classes;
	shape.n_hidden = (int) n_hidden;
	for (uint32_t l = 0; l < n_hidden; l++)
	{
		uint32_t	size = reader_get_u32(r);

		if (r->failed || size < 1 || size > MLP_MAX_WIDTH)
			return Corrupt(errmsg, "bad layer size");
		shape.hidden[l] = (int) size;
	}
	bn = reader_get_u8(r);
	if (r->failed || bn > 1)
		return Corrupt(errmsg, "bad batch-norm flag");
	shape.batch_norm = bn == 1;
	if (mlp_check_shape(&shape, inner) != SEG_OK)
		return Corrupt(errmsg, inner);

	/*
	 * Compute the sizes from the shape without allocating, then make sure
	 * the bytes hold them before the network is allocated.
	 */
	{
		size_t		np = 0;
		size_t		ns = 0;
		size_t		need;
		int			n_in = shape.n_inputs;

		for (int l = 0; l <= shape.n_hidden; l++)
		{
			int			n_out = l < shape.n_hidden ? shape.hidden[l] : n_classes;
			bool		layer_bn = l < shape.n_hidden && shape.batch_norm;

			np += (size_t) n_in * n_out + (layer_bn ? 2 : 1) * (size_t) n_out;
			ns += layer_bn ? 2 * (size_t) n_out : 0;
			n_in = n_out;
		}
		if (!seg_mul_size(np + ns, sizeof(double), &need) || need > reader_remaining(r))
			return Corrupt(errmsg, "parameters truncated");
	}
	if (mlp_create(&shape, &m, inner) != SEG_OK)
		return Corrupt(errmsg, inner);
	params = reader_get_f64_array(r, m->n_params);
	stats = m->n_stats > 0 ? reader_get_f64_array(r, m->n_stats) : NULL;
	if (params == NULL || (m->n_stats > 0 && stats == NULL))
	{
		mlp_free(m);
		return Corrupt(errmsg, "parameters truncated");
	}
	memcpy(m->params, params, sizeof(double) * m->n_params);
	if (stats != NULL)
		memcpy(m->stats, stats, sizeof(double) * m->n_stats);
	seg_free(params);
	seg_free(stats);
	for (size_t i = 0; i < m->n_params; i++)
		if (!isfinite(m->params[i]))
		{
			mlp_free(m);
			return Corrupt(errmsg, "non-finite parameter");
		}
	for (size_t i = 0; i < m->n_stats; i++)
		if (!isfinite(m->stats[i]))
		{
			mlp_free(m);
			return Corrupt(errmsg, "non-finite running statistic");
		}
	for (int l = 0; l < m->n_layers; l++)
		if (m->layers[l].running_var >= 0)
			for (int j = 0; j < m->layers[l].n_out; j++)
				if (m->stats[m->layers[l].running_var + j] < 0.0)
				{
					mlp_free(m);
					return Corrupt(errmsg, "negative running variance");
				}
	*out = m;
	return SEG_OK;
}

SegStatus
classifier_read(SegReader *r, SegClassifier **out, char *errmsg)
{
	SegClassifier *c;
	uint16_t	version = reader_get_u16(r);
	uint32_t	n_classes;
	SegStatus	status;

	if (r->failed)
		return Corrupt(errmsg, "payload truncated");
	if (version != CLASSIFIER_CODEC_VERSION)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "classifier codec version %u is not supported",
				 version);
		return SEG_ERR_UNSUPPORTED;
	}
	c = seg_alloc0(sizeof(SegClassifier));
	status = prep_read(r, &c->prep, errmsg);
	if (status != SEG_OK)
	{
		seg_free(c);
		return status;
	}
	n_classes = reader_get_u32(r);
	/* each class name takes at least its 4-byte length */
	if (r->failed || n_classes < 2 || n_classes > MLP_MAX_WIDTH ||
		(size_t) n_classes * 4 > reader_remaining(r))
	{
		prep_free(c->prep);
		seg_free(c);
		return Corrupt(errmsg, "bad class count");
	}
	c->n_classes = (int) n_classes;
	c->class_names = seg_alloc0(sizeof(char *) * n_classes);
	for (uint32_t k = 0; k < n_classes; k++)
	{
		c->class_names[k] = reader_get_string(r);
		if (c->class_names[k] == NULL)
		{
			status = Corrupt(errmsg, "bad class name");
			goto fail;
		}
	}
	status = ReadMlp(r, c->prep->n_outputs, c->n_classes, &c->mlp, errmsg);
	if (status != SEG_OK)
		goto fail;
	if (!reader_at_end(r))
	{
		mlp_free(c->mlp);
		status = Corrupt(errmsg, "trailing bytes");
		goto fail;
	}
	c->dense = mlp_dense_create(c->mlp);
	*out = c;
	return SEG_OK;

fail:
	for (uint32_t k = 0; k < n_classes; k++)
		seg_free(c->class_names[k]);
	seg_free(c->class_names);
	prep_free(c->prep);
	seg_free(c);
	return status;
}

void
classifier_free(SegClassifier *c)
{
	mlp_dense_free(c->dense);
	mlp_free(c->mlp);
	for (int k = 0; k < c->n_classes; k++)
		seg_free(c->class_names[k]);
	seg_free(c->class_names);
	prep_free(c->prep);
	seg_free(c);
}

static int
ClassifierPredictRow(const void *estimator, const double *features, double *scores,
					 double *scratch)
{
	const SegClassifier *c = estimator;

	return mlp_dense_predict_row(c->dense, features, scores, scratch);
}

SegStatus
classifier_predictor_read(SegReader *payload, SegPredictor *out, char *errmsg)
{
	SegClassifier *c;
	SegStatus	status = classifier_read(payload, &c, errmsg);

	if (status != SEG_OK)
		return status;
	memset(out, 0, sizeof(SegPredictor));
	out->kind = SEG_MODEL_CLASSIFIER;
	out->prep = c->prep;
	out->n_features = c->prep->n_outputs;
	out->n_classes = c->n_classes;
	out->class_names = c->class_names;
	out->estimator = c;
	out->predict_row = ClassifierPredictRow;
	out->scratch_len = MLP_ROW_SCRATCH(c->dense);
	return SEG_OK;
}
