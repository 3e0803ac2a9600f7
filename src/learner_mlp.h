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
#include "mlp.h"

/*
 * Reads the network section of a 0.1.0 classifier model (a softmax MLP
 * of n_inputs and n_classes) into an `mlp` learner model.
 */
extern SegStatus mlp_learner_read_section(SegReader *r, int n_inputs, int n_classes,
										  void **model, char *errmsg);

/*
 * The network section itself: u32 n_inputs, u32 n_hidden, n_hidden x u32
 * sizes, u8 batch_norm, f64[] parameters, f64[] running statistics
 * (mlp.h's layout; lengths follow from the sizes).  The autoencoder
 * (autoencoder.h) stores its network the same way.
 */
extern void mlp_section_write(SegWriter *w, const Mlp *mlp);

/*
 * Reads a network section into a new network of the given output and
 * linear hidden layers (mlp_create_linear); validates every size
 * against n_inputs and the bytes left, and every number.
 */
extern SegStatus mlp_section_read(SegReader *r, int n_inputs, MlpOutput output, int n_outputs,
								  uint32_t linear_hidden, Mlp **out, char *errmsg);

#endif							/* SEGMENT_LEARNER_MLP_H */
