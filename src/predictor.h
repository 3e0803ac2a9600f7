/*-------------------------------------------------------------------------
 *
 * predictor.h
 *	  A decoded model that maps one row to a class, a value or a code: the
 *	  common shape of k-means models (class = cluster), classifiers,
 *	  regressors and embeddings (PCA, autoencoders), so that
 *	  segment_predict() and segment.project() serve all of them through
 *	  one cache and one hot path.
 *
 * A predictor optionally owns a preprocessor: with one, rows are encoded
 * from named columns (segment_predict(model, record)) into the model's
 * input form (preprocess.h); without one, the model takes its features
 * as a float8 array.  predict_row must not allocate: it works in the
 * caller's scratch of scratch_len doubles, so the per-row path of
 * segment_predict has no palloc.
 *
 * Each model kind provides a reader that fills a SegPredictor from the
 * payload of its model bytes; predictor_read() dispatches on the kind.
 *
 * IDENTIFICATION
 *	  src/predictor.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PREDICTOR_H
#define SEGMENT_PREDICTOR_H

#include "bytes.h"
#include "core.h"
#include "preprocess.h"

struct SegPreprocessor;

typedef struct SegPredictor
{
	int			kind;			/* SEG_MODEL_KMEANS, _CLASSIFIER, _REGRESSOR, _PCA
								 * or _AUTOENCODER */
	struct SegPreprocessor *prep;	/* NULL: features come as an array */
	SegInputForm input;			/* the form rows are encoded into */
	int			n_features;		/* width of the input vector */
	int			n_classes;		/* clusters or classes; 1 for a regressor; the
								 * code size for an embedding */
	char	  **class_names;	/* text of each class: the label's spelling, or the
								 * cluster number; NULL for a regressor or an
								 * embedding */
	const void *estimator;		/* the kind's own decoded model */

	/*
	 * Writes one score per class into scores (probabilities for a
	 * classifier, negated squared distances for k-means; the value for a
	 * regressor; the code for an embedding) and returns the index of the
	 * predicted class (0 for a regressor or an embedding).  scratch holds
	 * scratch_len doubles.
	 */
	int			(*predict_row) (const void *estimator, const double *features,
								double *scores, double *scratch);
	int			scratch_len;
} SegPredictor;

/*
 * Decodes model bytes of a predicting kind into a predictor (allocated
 * with seg_alloc).  SEG_ERR_WRONG_KIND for kinds that do not predict.
 */
extern SegStatus predictor_read(const uint8_t *bytes, size_t len,
								 SegPredictor *out, char *errmsg);

/* The same from the payload of an envelope already opened (model_open). */
extern SegStatus predictor_read_payload(int kind, SegReader *payload, SegPredictor *out,
										char *errmsg);

/* Frees what predictor_read allocated (the SegPredictor itself is the caller's). */
extern void predictor_free(SegPredictor *p);

/* Per-kind readers: the payload of a model of that kind. */
extern SegStatus kmeans_predictor_read(SegReader *payload, SegPredictor *out, char *errmsg);
extern SegStatus supervised_predictor_read(int kind, SegReader *payload, SegPredictor *out,
										   char *errmsg);

#endif							/* SEGMENT_PREDICTOR_H */
