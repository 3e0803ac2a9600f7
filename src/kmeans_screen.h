/*-------------------------------------------------------------------------
 *
 * kmeans_screen.h
 *	  A single-precision copy of the k-means blocks that settles most
 *	  labels of a Lloyd step at half the cost, exactly.
 *
 *	  Each row's nearest centre is first found in floats, sixteen rows to
 *	  a 512-bit register, with a rigorous bound E on how far each float
 *	  value |c|^2 - 2 x.c can be from the double value the exact kernel
 *	  (kmeans_blocks.c) computes.  Where the float winner leads every
 *	  other centre by more than 2E, the exact kernel's strict comparisons
 *	  pick the same centre, so the label is taken; otherwise the row's
 *	  block is assigned again in doubles by the exact kernel.  The labels,
 *	  hence the sums, iterations and inertia, are those of the exact
 *	  kernel to the last bit.  Only on CPUs with AVX-512 (x86-64-v4).
 *
 *	  The bound, with u = 2^-24 and a value's terms n = |c|^2 and
 *	  x_t (-2 c_t): converting the three to floats and d fused
 *	  multiply-adds in floats are off by at most (d + 5) u P plus
 *	  subnormal terms, P = n + sum |x_t| |2 c_t| <= n + 2 |x| |c|; the
 *	  double value is off by (d + 1) 2^-53 P.  E takes (d + 8) 2^-23 P +
 *	  (d + 1) 2^-90 with the largest n and |c| and the block's largest
 *	  |x|: more than twice that, while values stay within 2^40 (checked:
 *	  otherwise the screen is not used).
 *
 * IDENTIFICATION
 *	  src/kmeans_screen.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_KMEANS_SCREEN_H
#define SEGMENT_KMEANS_SCREEN_H

#include "kmeans_blocks.h"

/* rows per screen block: sixteen floats, one 512-bit register */
#define KMEANS_SCREEN_LANES 16

typedef struct KMeansScreen
{
	int			n_blocks;		/* ceil(n / 16); the last is zero-padded */
	float	   *v;				/* row b*16+l, feature t at v[(b*d+t)*16+l] */
	float	   *radius;			/* per block: at least its rows' largest norm */
	const double *rows;			/* the n x d rows b was made of (moved rows' values) */
	const double *shift;		/* and the shift subtracted, or NULL */
} KMeansScreen;

/*
 * Gives b a screen (b->screen) when this CPU has AVX-512 and every value
 * is within 2^40: x and shift are what b was made of (kmeans_blocks_init),
 * and must outlive it; x_norms are the rows' squared norms.  Freed with
 * the blocks.  Without one, kmeans_blocks_reassign works in doubles alone.
 */
extern void kmeans_screen_attach(KMeansBlocks *b, const double *x, const double *shift,
								 const double *x_norms);
extern void kmeans_screen_free(KMeansScreen *s);

/*
 * kmeans_blocks_reassign through the screen: the same labels, moves and
 * result.  Returns false, having done nothing, when the centres are out
 * of the screen's range.
 */
extern bool kmeans_screen_reassign(const KMeansBlocks *b, const double *centers, int k,
								   const int *old_labels, int *labels, double *sums,
								   double *counts, const SegHooks *hooks, int64_t *moved);

#endif							/* SEGMENT_KMEANS_SCREEN_H */
