/*-------------------------------------------------------------------------
 *
 * kmeans_blocks.h
 *	  The data layout of the k-means kernels: rows in blocks of
 *	  KMEANS_LANES, each block stored column by column, so that one vector
 *	  register holds one feature of KMEANS_LANES rows.  Distances to a
 *	  centre are then d multiply-adds on whole registers and the nearest
 *	  centre is a compare-and-select per centre, with no packing, no
 *	  distance matrix and no horizontal reductions.  It computes the same
 *	  expansion |c|^2 - 2 x.c as a GEMM per block of rows would, and was
 *	  faster than OpenBLAS's at every size measured (features x centres
 *	  from 3 x 5 to 64 x 32: 1.2 to 2.5 times; 8 x 8 about 2 times).
 *
 * IDENTIFICATION
 *	  src/kmeans_blocks.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_KMEANS_BLOCKS_H
#define SEGMENT_KMEANS_BLOCKS_H

#include "core.h"
#include "lanes.h"

/* rows per block: one vector of lanes.h (8 doubles: an AVX-512 register) */
#define KMEANS_LANES SEG_LANES

/*
 * Returns pass(D) with D the constant d for d = 2..8, and pass(0) (d read
 * at run time) otherwise: a kernel inlined with d a constant unrolls its
 * loop over features and keeps a block's features in registers for all
 * the centres, the same operations in the same order.
 */
#define KMEANS_RETURN_FIXED_D(d, pass) \
	do { \
		switch (d) \
		{ \
			case 2: return pass(2); \
			case 3: return pass(3); \
			case 4: return pass(4); \
			case 5: return pass(5); \
			case 6: return pass(6); \
			case 7: return pass(7); \
			case 8: return pass(8); \
			default: return pass(0); \
		} \
	} while (0)

typedef struct KMeansBlocks
{
	int			n;				/* rows */
	int			d;				/* features */
	int			n_blocks;		/* ceil(n / KMEANS_LANES); the last is zero-padded */
	double	   *v;				/* value of row b*LANES+l, feature t at v[(b*d+t)*LANES+l] */
	struct KMeansScreen *screen;	/* a float copy for Lloyd's steps, or NULL
									 * (kmeans_screen.h) */
} KMeansBlocks;

/*
 * Copies the n x d row-major x, minus shift (d values, or NULL), into
 * blocks (no screen).  sq_dev (d values, or NULL) gets each feature's sum
 * of the squared copied values, added in row order.
 */
extern void kmeans_blocks_init(KMeansBlocks *b, const double *x, int n, int d,
							   const double *shift, double *sq_dev);
extern void kmeans_blocks_free(KMeansBlocks *b);

/* Copies row i into out (d values). */
extern void kmeans_blocks_row(const KMeansBlocks *b, int i, double *out);

/* Squared norm of each row (n values). */
extern void kmeans_blocks_sq_norms(const KMeansBlocks *b, double *out);

/*
 * Labels each row with its nearest centre by |c|^2 - 2 x.c (the first
 * centre on ties).  When sums is not NULL, adds each row to its centre's
 * sum (k x d, zeroed first) and counts (k); when min_sq_dist is not NULL,
 * stores each row's squared distance to its centre, computed directly.
 */
extern void kmeans_blocks_assign(const KMeansBlocks *b, const double *centers, int k,
								 int *labels, double *min_sq_dist,
								 double *sums, double *counts, const SegHooks *hooks);

/*
 * A later step of Lloyd's: labels each row as kmeans_blocks_assign, and
 * moves each row whose label differs from old_labels (a separate array)
 * between the sums (k x d) and counts of its two centres, in row order
 * (kmeans_sums_move_row), while its block is at hand.  Returns the number
 * of rows moved.  Late in a fit few rows move, and adding every row again
 * would cost a second pass over the matrix.  Through b's screen when it
 * has one, with the same result.
 */
extern int64_t kmeans_blocks_reassign(const KMeansBlocks *b, const double *centers, int k,
									  const int *old_labels, int *labels,
									  double *sums, double *counts, const SegHooks *hooks);

/* -2 c and |c|^2 of k centres (k x d): the constants of the assignment kernel. */
extern void kmeans_blocks_centre_constants(const double *centers, int k, int d,
										   double *m2c, double *c_norms);

/*
 * The assignment kernel on one block (d x KMEANS_LANES values, the layout
 * of a block): for each lane, the nearest centre by |c|^2 - 2 x.c (the
 * first on ties, exactly as kmeans_blocks_assign), that value (best) and
 * the smallest value among the other centres (second; infinity when
 * k = 1).  Each lane's results depend on that lane's values only.
 */
extern void kmeans_blocks_nearest2(const double *blk, int d, const double *m2c,
								   const double *c_norms, int k, int *label,
								   double *best, double *second);

/*
 * The centroid sums of a Lloyd step: each row added to its centre's sum,
 * in row order (so that the sums are the same to the last bit however
 * the labels were found).
 */
typedef struct KMeansSums
{
	int			k;
	int			d;
	int			width;			/* values per centre: d padded to a vector */
	double	   *acc;			/* k x width, 64-byte aligned in buffer */
	void	   *buffer;
	double	   *counts;			/* k */
} KMeansSums;

extern void kmeans_sums_init(KMeansSums *acc, int k, int d);
/* Adds the rows of one block by labels (indexed by row); blocks in order. */
extern void kmeans_sums_add_block(KMeansSums *acc, const KMeansBlocks *b, int block,
								  const int *labels);
/* Writes sums (k x d) and counts (k) and frees the accumulator. */
extern void kmeans_sums_finish(KMeansSums *acc, double *sums, double *counts);

/*
 * Moves one row from centre from's sum to centre to's: blk is the row's
 * block (or a gathered one, d x KMEANS_LANES) and lane its lane.  Lloyd's later steps update the sums this way, row
 * by row in row order (kmeans_blocks_reassign, kmeans_bounds_pass), so
 * that the exact and the bounded assignment, which find the same labels,
 * also give the same sums to the last bit.
 */
static inline void
kmeans_sums_move_row(const double *blk, int lane, int d, int from, int to,
					 double *sums, double *counts)
{
	for (int t = 0; t < d; t++)
	{
		double		v = blk[(size_t) t * KMEANS_LANES + lane];

		sums[(size_t) from * d + t] -= v;
		sums[(size_t) to * d + t] += v;
	}
	counts[from] -= 1.0;
	counts[to] += 1.0;
}

/*
 * Squared distances max(0, |x|^2 - 2 x.p + |p|^2) from every row to the
 * point p: into out (n values), or, when lower, into out only where
 * smaller.  x_norms are the rows' squared norms.  When running is not
 * NULL, running[i] = out[0] + ... + out[i], added in row order.
 */
extern void kmeans_blocks_distances(const KMeansBlocks *b, const double *x_norms,
									const double *point, bool lower, double *out,
									double *running, const SegHooks *hooks);

/*
 * For each of the m points p (m x d): the potential
 * sum_i min(closest[i], |x_i - p|^2) if p joined the centres.
 */
extern void kmeans_blocks_potentials(const KMeansBlocks *b, const double *x_norms,
									 const double *points, int m, const double *closest,
									 double *pots, const SegHooks *hooks);

/*
 * Sum of n values in the order of kmeans_blocks_potentials (eight running
 * sums by row modulo 8, then added), so that equal sets give equal sums.
 */
extern double kmeans_blocks_sum(const double *v, int n);

/* Squared distance of each row to the centre of its label, computed directly. */
extern void kmeans_blocks_label_distances(const KMeansBlocks *b, const double *centers,
										  const int *labels, double *out);

#endif							/* SEGMENT_KMEANS_BLOCKS_H */
