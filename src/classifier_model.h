/*-------------------------------------------------------------------------
 *
 * classifier_model.h
 *	  The CLASSIFIER model kind: preprocessor + class labels + MLP.
 *
 * Payload (after the envelope of model.h), little-endian:
 *	u16   codec version (1)
 *	...   the preprocessor (prep_write)
 *	u32   n_classes, then n_classes strings: the label's text spelling
 *	u32   n_inputs (= the preprocessor's outputs), u32 n_hidden,
 *	      n_hidden x u32 layer sizes, u8 batch_norm
 *	f64[] every parameter, then every running statistic, in mlp.h's
 *	      layout (lengths follow from the sizes)
 * The reader checks every size against its limit and against the bytes
 * left before allocating, and every number for finiteness.
 *
 * IDENTIFICATION
 *	  src/classifier_model.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_CLASSIFIER_MODEL_H
#define SEGMENT_CLASSIFIER_MODEL_H

#include "bytes.h"
#include "core.h"
#include "mlp.h"
#include "preprocess.h"

#define CLASSIFIER_CODEC_VERSION 1

typedef struct SegClassifier
{
	SegPreprocessor *prep;
	int			n_classes;
	char	  **class_names;
	Mlp		   *mlp;
	MlpDense   *dense;			/* prediction form of mlp */
} SegClassifier;

/* Writes a whole model value (envelope included). */
extern void classifier_write(SegWriter *w, const SegPreprocessor *prep,
							 char *const *class_names, const Mlp *mlp);

/* Reads a classifier payload; the dense form is built too. */
extern SegStatus classifier_read(SegReader *payload, SegClassifier **out, char *errmsg);

/* Frees a classifier from classifier_read (prep and names included). */
extern void classifier_free(SegClassifier *c);

#endif							/* SEGMENT_CLASSIFIER_MODEL_H */
