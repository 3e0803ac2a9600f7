/*-------------------------------------------------------------------------
 *
 * projection.h
 *	  A two-dimensional map of rows for pictures: the first two principal
 *	  components of a sample, by an eigen-decomposition of its covariance.
 *
 * As scikit-learn's PCA(n_components=2) on the same rows: the rows are
 * centred, the covariance (n - 1 in the denominator) decomposed with the
 * cyclic Jacobi method (exact to rounding for the small symmetric
 * matrices of a model's features), and the components are the
 * eigenvectors of the two largest eigenvalues; the explained variance
 * ratio is each eigenvalue over their sum.  A component's sign is
 * arbitrary: here its largest loading (the first on ties) is positive.
 *
 * IDENTIFICATION
 *	  src/projection.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PROJECTION_H
#define SEGMENT_PROJECTION_H

#include "core.h"

/* Most features the map decomposes (the Jacobi sweeps cost d^3). */
#define PROJECTION_MAX_FEATURES 256

typedef struct Projection2
{
	int			d;
	double	   *mean;			/* d */
	double	   *components;		/* 2 x d, row by row; the second is 0 when d = 1 */
	double		explained[2];	/* explained variance ratios */
} Projection2;

/*
 * Eigenvalues (descending) and eigenvectors (column j of vectors, d x d
 * row-major, belongs to values[j]) of the symmetric d x d matrix a,
 * which is overwritten.
 */
extern void symmetric_eigen(double *a, int d, double *values, double *vectors);

/* Fits the map to n x d rows (n >= 1, 1 <= d <= PROJECTION_MAX_FEATURES). */
extern SegStatus projection_fit(const double *x, int n, int d, Projection2 *out, char *errmsg);

/* The map's coordinates of n rows: out is n x 2. */
extern void projection_apply(const Projection2 *p, const double *x, int n, double *out);

extern void projection_free(Projection2 *p);

#endif							/* SEGMENT_PROJECTION_H */
