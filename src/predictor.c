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

#include "classifier_model.h"
#include "kmeans_model.h"
#include "model.h"
#include "predictor.h"

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
			return classifier_predictor_read(payload, out, errmsg);
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
			classifier_free((SegClassifier *) p->estimator);
			break;
	}
	p->estimator = NULL;
	p->class_names = NULL;
}
