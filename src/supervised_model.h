/*-------------------------------------------------------------------------
 *
 * supervised_model.h
 *	  The CLASSIFIER and REGRESSOR model kinds: a preprocessor, what the
 *	  label means, and a learner's model (learner.h), in one value.
 *
 * Payload (after the envelope of model.h), little-endian:
 *	u16   codec version (2)
 *	...   the learner's name (a string: "mlp", "gbdt", ...)
 *	u8    input form (SegInputForm)
 *	...   the preprocessor (prep_write)
 *	      classifier: u32 n_classes, then n_classes strings, the label's
 *	      text spelling of each class
 *	u32   length of the learner's payload, then that payload (its own
 *	      codec, see the learner's file); it must consume it exactly
 * Codec version 1 is 0.1.0's classifier: the preprocessor, the class
 * names and an MLP's network section (learner_mlp.h); it is still read.
 *
 * IDENTIFICATION
 *	  src/supervised_model.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SUPERVISED_MODEL_H
#define SEGMENT_SUPERVISED_MODEL_H

#include "bytes.h"
#include "core.h"
#include "learner.h"
#include "preprocess.h"

#define SUPERVISED_CODEC_VERSION 2

/* Most classes a classifier may have (a label beyond it is no segment). */
#define SUPERVISED_MAX_CLASSES 1000

typedef struct SegSupervised
{
	SegTask		task;
	const SegLearner *learner;
	SegPreprocessor *prep;
	SegInputSchema schema;		/* the learner's inputs, derived from prep */
	int			n_classes;		/* classification */
	char	  **class_names;
	int			n_outputs;		/* n_classes, or 1 */
	void	   *model;			/* the learner's */
} SegSupervised;

/*
 * The inputs a learner of the given form sees from prep: one per encoded
 * output (ENCODED) or per column (RAW).  Allocates the columns and names.
 */
extern void supervised_schema(const SegPreprocessor *prep, SegInputForm form,
							  SegInputSchema *out);
extern void supervised_schema_free(SegInputSchema *schema);

/* Writes a whole model value (envelope included). */
extern void supervised_write(SegWriter *w, const SegSupervised *s);

/* Reads the payload of a CLASSIFIER or REGRESSOR model. */
extern SegStatus supervised_read(int kind, SegReader *payload, SegSupervised **out,
								 char *errmsg);

/* Frees everything of s, the learner's model included. */
extern void supervised_free(SegSupervised *s);

#endif							/* SEGMENT_SUPERVISED_MODEL_H */
