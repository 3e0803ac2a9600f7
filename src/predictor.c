/*-------------------------------------------------------------------------
 *
 * predictor.c
 *	  predictor_read(): model bytes of any predicting kind -> SegPredictor.
 *
 * IDENTIFICATION
 *	  src/predictor.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "embedding.h"
#include "kmeans_model.h"
#include "model.h"
#include "predictor.h"
#include "supervised_model.h"

SegStatus
predictor_read(const uint8_t *bytes, size_t len, SegPredictor *out, char *errmsg)
{
	SegModelHeader header;
	SegReader	payload;
	SegStatus	status = model_open(bytes, len, 0, &header, &payload, errmsg);

	if (status != SEG_OK)
		return status;
	return predictor_read_payload(header.kind, &payload, out, errmsg);
}

SegStatus
predictor_read_payload(int kind, SegReader *payload, SegPredictor *out, char *errmsg)
{
	switch (kind)
	{
		case SEG_MODEL_KMEANS:
			return kmeans_predictor_read(payload, out, errmsg);
		case SEG_MODEL_CLASSIFIER:
		case SEG_MODEL_REGRESSOR:
			return supervised_predictor_read(kind, payload, out, errmsg);
		case SEG_MODEL_PCA:
		case SEG_MODEL_AUTOENCODER:
			return embedding_predictor_read(kind, payload, out, errmsg);
		default:
			snprintf(errmsg, SEG_ERRMSG_LEN, "models of kind %s do not predict",
					 model_kind_name(kind));
			return SEG_ERR_WRONG_KIND;
	}
}

void
predictor_free(SegPredictor *p)
{
	switch (p->kind)
	{
		case SEG_MODEL_KMEANS:
			/* cluster names are the predictor's own */
			for (int j = 0; j < p->n_classes; j++)
				seg_free(p->class_names[j]);
			seg_free(p->class_names);
			kmeans_model_free((KMeansModel *) p->estimator);
			break;
		case SEG_MODEL_CLASSIFIER:
		case SEG_MODEL_REGRESSOR:
			supervised_free((SegSupervised *) p->estimator);
			break;
		case SEG_MODEL_PCA:
		case SEG_MODEL_AUTOENCODER:
			embedding_free((SegEmbedding *) p->estimator);
			break;
	}
	p->estimator = NULL;
	p->class_names = NULL;
}

static int
SupervisedPredictRow(const void *estimator, const double *features, double *scores,
					 double *scratch)
{
	const SegSupervised *s = estimator;
	int			best = 0;

	s->learner->predict_row(s->model, features, scores, scratch);
	if (s->task == SEG_TASK_REGRESSION)
		return 0;
	/* the most probable class, the lowest index on ties */
	for (int c = 1; c < s->n_classes; c++)
		if (scores[c] > scores[best])
			best = c;
	return best;
}

SegStatus
supervised_predictor_read(int kind, SegReader *payload, SegPredictor *out, char *errmsg)
{
	SegSupervised *s;
	SegStatus	status = supervised_read(kind, payload, &s, errmsg);

	if (status != SEG_OK)
		return status;
	memset(out, 0, sizeof(SegPredictor));
	out->kind = kind;
	out->prep = s->prep;
	out->input = s->learner->input;
	out->n_features = s->schema.n_inputs;
	out->n_classes = s->n_outputs;
	out->class_names = s->class_names;
	out->estimator = s;
	out->predict_row = SupervisedPredictRow;
	out->scratch_len = s->learner->row_scratch(s->model);
	return SEG_OK;
}
