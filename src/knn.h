/*-------------------------------------------------------------------------
 *
 * knn.h
 *	  Exact k-nearest-neighbour search of a point set against itself.
 *
 * Two exact strategies, chosen by width as scikit-learn's 'auto' does:
 * up to KNN_TREE_MAX_DIM columns a k-d tree (on 8 columns it visits a
 * couple of thousand points per query instead of all n, and brute force
 * would spend its time writing an n x n distance matrix); wider data goes
 * through blocks of BLAS distances |x|^2 - 2 x.y + |y|^2.  The tree
 * screens its leaves in single precision with a margin that covers the
 * rounding, and measures every point that passes in double.
 *
 * IDENTIFICATION
 *	  src/knn.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_KNN_H
#define SEGMENT_KNN_H

#include "core.h"

#define KNN_TREE_MAX_DIM 15

/*
 * The k nearest neighbours of every row of X (n x d) among the other
 * rows (a row is never its own neighbour), nearest first, ties broken
 * towards the lower row index.  neighbors is n x k.  Needs k < n.
 * memory_limit (0: none) bounds the working memory; beyond it the call
 * fails with SEG_ERR_NOMEM and a message saying how much it needed.
 */
extern SegStatus knn_self(const double *x, int n, int d, int k, size_t memory_limit,
						  const SegHooks *hooks, int *neighbors, char *errmsg);

/* Bytes of working memory knn_self needs (beyond x and neighbors). */
extern size_t knn_self_memory(int n, int d, int k);

#endif							/* SEGMENT_KNN_H */
