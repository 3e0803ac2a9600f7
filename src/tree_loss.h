/*-------------------------------------------------------------------------
 *
 * tree_loss.h
 *	  The losses of gradient boosting, as scikit-learn 1.2's
 *	  HistGradientBoosting defines them: half squared error (regression),
 *	  binary log-loss on one margin (two classes), multinomial log-loss on
 *	  one margin per class (softmax).
 *
 * Raw scores are kept per margin (K arrays of n doubles) so that the
 * gradient loops run down the rows in vector lanes.  Gradients and
 * hessians are float32, interleaved (g, h) per row, as the histogram
 * kernels read them; each row's weight (its class weight) multiplies both.
 *
 * IDENTIFICATION
 *	  src/tree_loss.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_TREE_LOSS_H
#define SEGMENT_TREE_LOSS_H

#include "core.h"

typedef enum TreeLoss
{
	TREE_LOSS_SQUARED,
	TREE_LOSS_LOGISTIC,
	TREE_LOSS_SOFTMAX
} TreeLoss;

/*
 * The constant raw score that minimises the loss (scikit-learn's
 * fit_intercept_only): the weighted mean; the log-odds of the weighted
 * class-1 share; the logs of the weighted class shares, centred.
 */
extern void tree_loss_baseline(TreeLoss loss, int K, int n, const int *y, const double *yv,
							   const double *w, double *base);

/*
 * Gradients of n rows at raw: for SOFTMAX and LOGISTIC out[k] gets the
 * (g, h) pairs of margin k; for SQUARED out[0] gets g (the hessian is 1).
 */
extern void tree_loss_gradients(TreeLoss loss, int K, int n, double *const *raw,
								const int *y, const double *yv, const double *w,
								float *const *out);

/* Weighted mean loss of rows (all n when rows is NULL). */
extern double tree_loss_mean(TreeLoss loss, int K, int n, const int *rows,
							 double *const *raw, const int *y, const double *yv,
							 const double *w);

#endif							/* SEGMENT_TREE_LOSS_H */
