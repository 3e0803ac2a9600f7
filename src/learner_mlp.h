/*-------------------------------------------------------------------------
 *
 * learner_mlp.h
 *	  What the `mlp` learner offers beyond the SegLearner interface.
 *
 * IDENTIFICATION
 *	  src/learner_mlp.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_LEARNER_MLP_H
#define SEGMENT_LEARNER_MLP_H

#include "bytes.h"
#include "core.h"

/*
 * Reads the network section of a 0.1.0 classifier model (a softmax MLP
 * of n_inputs and n_classes) into an `mlp` learner model.
 */
extern SegStatus mlp_learner_read_section(SegReader *r, int n_inputs, int n_classes,
										  void **model, char *errmsg);

#endif							/* SEGMENT_LEARNER_MLP_H */
