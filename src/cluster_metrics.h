/*-------------------------------------------------------------------------
 *
 * cluster_metrics.h
 *	  Quality measures of a clustering and the choice of k: the silhouette
 *	  coefficient (exact, or on a seeded sample), the Davies-Bouldin index
 *	  and the knee of an inertia curve (Kneedle).
 *
 * Definitions follow scikit-learn 1.2's silhouette_score and
 * davies_bouldin_score, so that results can be compared with them.
 *
 * IDENTIFICATION
 *	  src/cluster_metrics.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_CLUSTER_METRICS_H
#define SEGMENT_CLUSTER_METRICS_H

#include "core.h"

/*
 * Mean silhouette coefficient of the n x d rows x with labels in [0, k).
 * Distances are Euclidean, computed a block of rows at a time with one
 * GEMM; memory stays within about memory_limit bytes.  When sample_size
 * is in (0, n), the score is computed on that many rows drawn without
 * replacement with the given seed (scikit-learn's sample_size).  Returns
 * NaN when the (sampled) rows do not hold between 2 and n - 1 clusters,
 * where the silhouette is undefined.
 */
extern double silhouette_score(const double *x, int n, int d, const int *labels, int k,
							   int sample_size, uint64_t seed, size_t memory_limit,
							   const SegHooks *hooks);

/*
 * silhouette_score of m labelings of the same rows at once (labels[c] in
 * [0, ks[c])), into out[c]: one sample and one pass of distances for all,
 * each score the same as silhouette_score's.
 */
extern void silhouette_scores(const double *x, int n, int d, const int *const *labels,
							  const int *ks, int m, int sample_size, uint64_t seed,
							  size_t memory_limit, const SegHooks *hooks, double *out);

/*
 * The rows silhouette_score scores for sample_size and seed (all n when
 * sample_size is not in (0, n)): written to rows, their number returned.
 * Scoring x restricted to them (in that order) with sample_size 0 gives
 * silhouette_score's sampled result.
 */
extern int	silhouette_sample_rows(int n, int sample_size, uint64_t seed, int *rows);

/*
 * Davies-Bouldin index (lower is better) of labels in [0, k); NaN with
 * fewer than 2 clusters present or no fewer clusters than rows.  Checks
 * for interrupts between centroids of its k x k comparisons.
 */
extern double davies_bouldin_score(const double *x, int n, int d, const int *labels, int k,
								   const SegHooks *hooks);

/*
 * Kneedle (Satopaa et al., 2011) on a decreasing convex curve such as
 * inertia over k: both axes scaled to [0, 1], the knee is the point
 * farthest above the diagonal from the first to the last point.  xs must
 * be increasing.  Returns the index of the knee, or -1 when there are
 * fewer than 3 points or no point lies above the diagonal.
 */
extern int	knee_index(const double *xs, const double *ys, int n);

#endif							/* SEGMENT_CLUSTER_METRICS_H */
