/*-------------------------------------------------------------------------
 *
 * kmeans.h
 *	  k-means clustering in the numeric core, with scikit-learn 1.2's
 *	  semantics: greedy k-means++ seeding, Lloyd iterations, relocation of
 *	  empty clusters, tolerance relative to the mean feature variance and
 *	  the best of n_init runs by inertia.
 *
 * IDENTIFICATION
 *	  src/kmeans.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_KMEANS_H
#define SEGMENT_KMEANS_H

#include "bytes.h"
#include "core.h"
#include "kmeans_blocks.h"
#include "rng.h"

/* how Lloyd iterations assign rows: all give the same result */
typedef enum KMeansMethod
{
	KMEANS_AUTO = 0,			/* kmeans_choose_method() */
	KMEANS_PLAIN,				/* every distance, every iteration */
	KMEANS_HAMERLY				/* Hamerly's bounds (kmeans_hamerly.h) */
} KMeansMethod;

typedef struct KMeansOptions
{
	int			k;
	int			n_init;			/* runs from k-means++ seeds; 1 with init */
	int			max_iter;
	double		tol;			/* relative to the mean feature variance */
	uint64_t	seed;
	const double *init;			/* k x d initial centres, or NULL */
	const SegHooks *hooks;
	bool		progress_per_iteration; /* a progress message per Lloyd iteration */
	KMeansMethod method;		/* KMEANS_AUTO unless testing */
} KMeansOptions;

typedef struct KMeansResult
{
	int			k;
	int			d;
	double	   *centroids;		/* k x d, in the units of x */
	int		   *labels;			/* n: cluster of each row */
	double		inertia;		/* sum of squared distances to the centres */
	int			n_iter;			/* Lloyd iterations of the best run */
	int			n_distinct;		/* clusters that received at least one row */
} KMeansResult;

/*
 * Clusters the n x d row-major matrix x.  Fails with SEG_ERR_INVALID when
 * k < 1, n < k, or an option is out of range.  Fewer distinct points than
 * k is not an error: the result then has n_distinct < k, as scikit-learn
 * warns and returns.
 */
extern SegStatus kmeans_fit(const double *x, int n, int d, const KMeansOptions *opt,
							KMeansResult *out, char *errmsg);
extern void kmeans_result_free(KMeansResult *r);

/*
 * The data prepared once for any number of fits (every k of a search, and
 * every n_init run): centred on their mean, in blocks, with the rows'
 * squared norms.  x must outlive it.  kmeans_fit_data on it gives exactly
 * kmeans_fit's result.
 */
typedef struct KMeansData
{
	const double *x;			/* n x d, row-major, as given */
	int			n;
	int			d;
	double	   *mean;			/* d: the centring shift */
	KMeansBlocks xc;			/* x - mean */
	double	   *x_norms;		/* n: |x_i - mean|^2 */
	double		max_sq_norm;	/* largest of x_norms */
	double		variance;		/* mean population variance of the columns */
} KMeansData;

extern SegStatus kmeans_data_init(KMeansData *data, const double *x, int n, int d,
								  char *errmsg);
extern void kmeans_data_free(KMeansData *data);
extern SegStatus kmeans_fit_data(const KMeansData *data, const KMeansOptions *opt,
								 KMeansResult *out, char *errmsg);

/* The assignment method for k centres of d features (never KMEANS_AUTO). */
extern KMeansMethod kmeans_choose_method(int k, int d);

/*
 * Greedy k-means++ (Arthur and Vassilvitskii, 2007, with scikit-learn's
 * 2 + floor(ln k) local trials per centre): writes k rows of x (n x d,
 * row-major) into centers.
 */
extern void kmeans_plusplus(const double *x, int n, int d, int k,
							SegRng *rng, const SegHooks *hooks, double *centers);

/*
 * Lloyd iterations from centers (k x d, replaced by the result) with an
 * absolute tolerance on the total squared centre shift; labels (n) and
 * *inertia describe the returned centres.  Returns the iteration count.
 * max_sq_norm is the largest squared norm of x's rows; method chooses how
 * rows are assigned (every method gives the same result).
 */
extern int	kmeans_lloyd(const KMeansBlocks *x, double max_sq_norm, KMeansMethod method, int k,
						 double *centers, int max_iter, double tol_abs, const SegHooks *hooks,
						 bool progress, int *labels, double *inertia);

/* tol times the mean population variance of x's columns. */
extern double kmeans_tolerance(const double *x, int n, int d, double tol);

/*
 * Each column's mean of the n x d row-major x (d values), and, when sq_dev
 * is not NULL, its sum of squared deviations from that mean (d values):
 * row-wise passes, the sums added in row order.
 */
extern void kmeans_column_moments(const double *x, int n, int d, double *mean,
								  double *sq_dev);

/*
 * Labels each row with its nearest centre (first one on ties); when
 * min_sq_dist is not NULL, stores the squared distance too.
 */
extern void kmeans_assign(const double *x, int n, int d, const double *centers, int k,
						  int *labels, double *min_sq_dist);

/*
 * Relocates empty clusters as scikit-learn does: each empty cluster takes
 * one of the points farthest from their centres, removed from its old
 * cluster.  sums (k x d) and counts are the unnormalised new centres;
 * far_points are candidate points (n_far x d) sorted by decreasing
 * distance with their labels.  When taken_by is not NULL, taken_by[r] is
 * the cluster far point r went to, or -1.
 */
extern void kmeans_relocate_empty(int k, int d, double *sums, double *counts,
								  const double *far_points, const int *far_labels, int n_far,
								  int *taken_by);

/*
 * Turns sums into means (clusters with a zero count keep their sums,
 * which relocation has made a point or zero) and returns the total
 * squared shift from old_centers.
 */
extern double kmeans_update_centers(int k, int d, const double *sums, const double *counts,
									const double *old_centers, double *new_centers);

#endif							/* SEGMENT_KMEANS_H */
