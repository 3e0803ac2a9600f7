/*-------------------------------------------------------------------------
 *
 * kmeans_hamerly.h
 *	  Exact accelerated Lloyd assignment with Hamerly's bounds (Hamerly,
 *	  "Making k-means even faster", SDM 2010): per row an upper bound on
 *	  the distance to its centre and a lower bound on the distance to every
 *	  other centre.  A row whose bounds prove that its label cannot change
 *	  skips all distance work; the others are gathered eight at a time and
 *	  run through the same kernel as plain Lloyd (kmeans_blocks.h), so the
 *	  labels are exactly plain Lloyd's, ties included.
 *
 * IDENTIFICATION
 *	  src/kmeans_hamerly.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_KMEANS_HAMERLY_H
#define SEGMENT_KMEANS_HAMERLY_H

#include "kmeans_blocks.h"

typedef struct KMeansBounds
{
	int			n;
	int			d;
	int			k;
	double		max_sq_norm;	/* largest squared row norm of the data */
	/* per row, conservative (rounded outwards): stored as float to halve their traffic */
	float	   *upper;			/* >= distance to the row's centre */
	float	   *lower;			/* <= distance to any other centre */
	/* per centre, for the current centres */
	double	   *m2c;			/* -2 c (k x d) */
	double	   *c_norms;		/* |c|^2 */
	double	   *moved;			/* >= how far the centre moved since the last pass */
	double	   *moved_other;	/* >= how far any other centre moved */
	double	   *separation;		/* <= distance to the nearest other centre */
	double		margin;			/* see kmeans_hamerly.c */
	/* rows waiting for the kernel, and their gathered block */
	int			pending[KMEANS_LANES];
	int			n_pending;
	/* during a pass: the sums and counts that moved rows update */
	double	   *sums;
	double	   *counts;
	double	   *gathered;		/* d x KMEANS_LANES */
} KMeansBounds;

/* max_sq_norm: the largest squared norm of x's rows */
extern void kmeans_bounds_init(KMeansBounds *bd, const KMeansBlocks *x, int k,
							   double max_sq_norm);
extern void kmeans_bounds_free(KMeansBounds *bd);

/*
 * The first assignment: every row through the kernel, bounds set.  Adds
 * rows to sums/counts (zeroed first) as kmeans_blocks_assign does.
 */
extern void kmeans_bounds_first(KMeansBounds *bd, const KMeansBlocks *x, const double *centers,
								int *labels, double *sums, double *counts,
								const SegHooks *hooks);

/* After the centres moved from old_centers to centers: prepares the next pass. */
extern void kmeans_bounds_moved(KMeansBounds *bd, const double *old_centers,
								const double *centers, const SegHooks *hooks);

/*
 * Re-assigns every row to the centres given to the last kmeans_bounds_moved
 * (labels updated in place, the same labels as kmeans_blocks_assign would
 * give); when sums is not NULL, moves each row whose label changed between
 * the sums/counts of its two centres (kmeans_sums_move_row, in row order,
 * as kmeans_blocks_reassign does).  Returns the number of rows whose label
 * changed.
 */
extern int64_t kmeans_bounds_pass(KMeansBounds *bd, const KMeansBlocks *x, int *labels,
								  double *sums, double *counts, const SegHooks *hooks);

/* Row i's label was changed outside a pass: its bounds no longer hold. */
extern void kmeans_bounds_forget(KMeansBounds *bd, int i);

#endif							/* SEGMENT_KMEANS_HAMERLY_H */
