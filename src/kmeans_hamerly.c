/*-------------------------------------------------------------------------
 *
 * kmeans_hamerly.c
 *	  Hamerly's bounds for exact Lloyd iterations (see kmeans_hamerly.h).
 *
 * For row x with label a, upper >= |x - c_a| and lower >= nothing but
 * <= |x - c_j| for every j != a.  When centre j moves by p_j, upper grows
 * by p_a and lower shrinks by the largest p_j, j != a (triangle
 * inequality).  A second lower bound on the other distances is
 * s_a - upper, with s_a the distance from c_a to its nearest other centre.
 * If the larger lower bound L satisfies L^2 - upper^2 > margin, no other
 * centre can be nearer, and the row keeps its label without any distance
 * work.
 *
 * Why that is exact, rounding included.  Plain Lloyd does not compare true
 * distances but the computed values e_j = |c_j|^2 - 2 x.c_j of the kernel
 * (kmeans_blocks.c), and picks the first of the smallest.  Each e_j is a
 * sum of d + 1 terms (and |c_j|^2 one of d), so its error is at most
 * about 2 (d + 1) u (|x| + |c_j|)^2 <= 4 (d + 1) u (|x|^2 + |c_j|^2), u =
 * 2^-53.  If the true squared distances differ by more than the two
 * errors, D_j^2 - D_a^2 > 8 (d + 1) u (X^2 + C^2) with X^2 the largest
 * squared row norm and C^2 the largest squared centre norm, then e_a <
 * e_j as computed, and the kernel would pick a too.  The margin is
 * 16 (d + 2) u (X^2 + C^2), twice that, which also covers the rounding of
 * the margin and of L^2 - upper^2 themselves (relative errors of a few u).
 * The bounds are kept on the safe side of every rounding: each update is
 * rounded outwards (factors 1 +- 4 eps on sums, (d + 4) eps on computed
 * centre distances, whose relative error is at most (d + 3) u), bounds
 * derived from the kernel's e values widen them by the margin (which
 * exceeds their error and that of |x|^2), and they are stored as float
 * rounded outwards.  Ties and near-ties never pass the test: such rows
 * always go through the kernel, which breaks ties as plain Lloyd does.
 * Rows that fail the test are gathered into a block of eight lanes and
 * run through the same inline kernel as the plain assignment; lanes are
 * independent, so each row gets bit for bit the values plain Lloyd
 * computes for it.
 *
 * The first pass adds every row to its centre's sum; later passes move
 * each row whose label changed from one sum to the other as the kernel
 * finds it.  Rows reach the kernel in row order, so these are the
 * operations of plain Lloyd's incremental update (kmeans_blocks_reassign) in
 * the same order, and the centres are identical too.
 *
 * IDENTIFICATION
 *	  src/kmeans_hamerly.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "kmeans_hamerly.h"
#include "lanes.h"

/* outward rounding of a computed sum or product (a few units of rounding) */
#define ROUND_UP (1.0 + 4.0 * DBL_EPSILON)
#define ROUND_DOWN (1.0 - 4.0 * DBL_EPSILON)

/* blocks between interrupt checks: at most this many, fewer at large k x d */
#define CHECK_EVERY_BLOCKS 256

typedef float LaneFloats __attribute__((vector_size(SEG_LANES * sizeof(float))));

/*
 * Doubles to floats rounded outwards: float's rounding is at most 2^-24
 * relative plus 2^-150 absolute (subnormals), so widening by 2^-22
 * relative and FLT_MIN absolute first is safe.  Bounds are never
 * negative; an infinite or NaN bound stays so and fails the test.
 */
#define WIDEN_UP(v) ((v) * (1.0 + 0x1p-22) + FLT_MIN)
#define WIDEN_DOWN(v) ((v) * (1.0 - 0x1p-22) - FLT_MIN)

static inline const double *
BlockOf(const KMeansBlocks *x, int block)
{
	return x->v + (size_t) block * x->d * KMEANS_LANES;
}

void
kmeans_bounds_init(KMeansBounds *bd, const KMeansBlocks *x, int k, double max_sq_norm)
{
	memset(bd, 0, sizeof(*bd));
	bd->n = x->n;
	bd->d = x->d;
	bd->k = k;
	bd->max_sq_norm = max_sq_norm;
	bd->upper = seg_alloc(sizeof(float) * (size_t) x->n);
	bd->lower = seg_alloc(sizeof(float) * (size_t) x->n);
	bd->m2c = seg_alloc(sizeof(double) * (size_t) k * x->d);
	bd->c_norms = seg_alloc(sizeof(double) * k);
	bd->moved = seg_alloc(sizeof(double) * k);
	bd->moved_other = seg_alloc(sizeof(double) * k);
	bd->separation = seg_alloc(sizeof(double) * k);
	bd->gathered = seg_alloc(sizeof(double) * (size_t) x->d * KMEANS_LANES);
}

void
kmeans_bounds_free(KMeansBounds *bd)
{
	seg_free(bd->upper);
	seg_free(bd->lower);
	seg_free(bd->m2c);
	seg_free(bd->c_norms);
	seg_free(bd->moved);
	seg_free(bd->moved_other);
	seg_free(bd->separation);
	seg_free(bd->gathered);
}

/* Kernel constants and the margin for centres. */
static void
SetCentres(KMeansBounds *bd, const double *centers)
{
	double		max_c = 0.0;

	kmeans_blocks_centre_constants(centers, bd->k, bd->d, bd->m2c, bd->c_norms);
	for (int j = 0; j < bd->k; j++)
		if (bd->c_norms[j] > max_c)
			max_c = bd->c_norms[j];
	bd->margin = 8.0 * (bd->d + 2) * DBL_EPSILON * (bd->max_sq_norm + max_c);
}

/*
 * Bounds of the lanes of a block (d x LANES) from the kernel's values:
 * |x - c_a|^2 <= best + |x|^2 + margin, and for j != a
 * |x - c_j|^2 >= second + |x|^2 - margin.
 */
static void
KernelBounds(KMeansBounds *bd, const double *blk, const int *rows, int n_rows,
			 int *labels, int64_t *changed)
{
	int			label[KMEANS_LANES];
	double		best[KMEANS_LANES];
	double		second[KMEANS_LANES];
	double		xn[KMEANS_LANES] = {0};
	double		up[KMEANS_LANES];
	double		lo[KMEANS_LANES];

	kmeans_blocks_nearest2(blk, bd->d, bd->m2c, bd->c_norms, bd->k, label, best, second);
	for (int t = 0; t < bd->d; t++)
		for (int l = 0; l < KMEANS_LANES; l++)
			xn[l] += blk[(size_t) t * KMEANS_LANES + l] * blk[(size_t) t * KMEANS_LANES + l];
	for (int l = 0; l < KMEANS_LANES; l++)
	{
		double		u = best[l] + xn[l] + bd->margin;
		double		w = second[l] + xn[l] - bd->margin;

		u = u > 0.0 ? u : 0.0;
		w = w > 0.0 ? w : 0.0;
		up[l] = WIDEN_UP(sqrt(u) * ROUND_UP);
		lo[l] = WIDEN_DOWN(sqrt(w) * ROUND_DOWN);
	}
	for (int l = 0; l < n_rows; l++)
	{
		int			i = rows[l];

		if (labels[i] != label[l])
		{
			(*changed)++;
			if (bd->sums != NULL && labels[i] >= 0)
				kmeans_sums_move_row(blk, l, bd->d, labels[i], label[l], bd->sums, bd->counts);
		}
		labels[i] = label[l];
		bd->upper[i] = (float) up[l];
		bd->lower[i] = (float) lo[l];
	}
}

LANES_CLONES void
kmeans_bounds_first(KMeansBounds *bd, const KMeansBlocks *x, const double *centers,
					int *labels, double *sums, double *counts, const SegHooks *hooks)
{
	int64_t		changed = 0;
	KMeansSums	acc;
	SegCountdown check;

	seg_countdown_init(&check, hooks, (size_t) bd->k * bd->d, CHECK_EVERY_BLOCKS);
	SetCentres(bd, centers);
	kmeans_sums_init(&acc, bd->k, bd->d);
	for (int block = 0; block < x->n_blocks; block++)
	{
		int			rows[KMEANS_LANES];
		int			valid = x->n - block * KMEANS_LANES;

		if (valid > KMEANS_LANES)
			valid = KMEANS_LANES;
		for (int l = 0; l < valid; l++)
		{
			rows[l] = block * KMEANS_LANES + l;
			labels[rows[l]] = -1;
		}
		KernelBounds(bd, BlockOf(x, block), rows, valid, labels, &changed);
		kmeans_sums_add_block(&acc, x, block, labels);
		seg_countdown_tick(&check);
	}
	kmeans_sums_finish(&acc, sums, counts);
}

void
kmeans_bounds_moved(KMeansBounds *bd, const double *old_centers, const double *centers,
					const SegHooks *hooks)
{
	int			k = bd->k;
	int			d = bd->d;
	/* relative error of a computed distance between centres is below (d + 3) u */
	double		rel = (d + 4) * DBL_EPSILON;
	double		max1 = 0.0;
	double		max2 = 0.0;
	int			arg1 = -1;
	SegCountdown check;

	/* the separations cost k^2 d: 0.8 s at k = 32768, d = 2 */
	seg_countdown_init(&check, hooks, (size_t) k * d, SIZE_MAX);

	for (int j = 0; j < k; j++)
	{
		double		s = 0.0;

		for (int t = 0; t < d; t++)
		{
			double		diff = centers[(size_t) j * d + t] - old_centers[(size_t) j * d + t];

			s += diff * diff;
		}
		bd->moved[j] = sqrt(s) * (1.0 + rel);
		if (bd->moved[j] > max1)
		{
			max2 = max1;
			max1 = bd->moved[j];
			arg1 = j;
		}
		else if (bd->moved[j] > max2)
			max2 = bd->moved[j];
	}
	for (int j = 0; j < k; j++)
	{
		double		nearest = INFINITY;

		bd->moved_other[j] = j == arg1 ? max2 : max1;
		for (int m = 0; m < k; m++)
		{
			double		s = 0.0;

			if (m == j)
				continue;
			for (int t = 0; t < d; t++)
			{
				double		diff = centers[(size_t) j * d + t] - centers[(size_t) m * d + t];

				s += diff * diff;
			}
			if (s < nearest)
				nearest = s;
		}
		bd->separation[j] = isinf(nearest) ? INFINITY : sqrt(nearest) * (1.0 - rel);
		seg_countdown_tick(&check);
	}
	SetCentres(bd, centers);
}

/* Runs the gathered rows through the kernel. */
static void
FlushPending(KMeansBounds *bd, const KMeansBlocks *x, int *labels, int64_t *changed)
{
	int			d = bd->d;

	if (bd->n_pending == 0)
		return;
	memset(bd->gathered, 0, sizeof(double) * (size_t) d * KMEANS_LANES);
	for (int l = 0; l < bd->n_pending; l++)
	{
		int			i = bd->pending[l];
		const double *src = BlockOf(x, i / KMEANS_LANES) + i % KMEANS_LANES;

		for (int t = 0; t < d; t++)
			bd->gathered[(size_t) t * KMEANS_LANES + l] = src[(size_t) t * KMEANS_LANES];
	}
	KernelBounds(bd, bd->gathered, bd->pending, bd->n_pending, labels, changed);
	bd->n_pending = 0;
}

/*
 * The test of one block's rows: updates their bounds for the centres'
 * moves and queues those that the bounds cannot settle.
 */
static inline void
TestBlock(KMeansBounds *bd, const KMeansBlocks *x, int block, int *labels, int64_t *changed)
{
	int			first = block * KMEANS_LANES;
	int			valid = x->n - first < KMEANS_LANES ? x->n - first : KMEANS_LANES;
	float	   *upper = bd->upper + first;
	float	   *lower = bd->lower + first;
	const int  *lab = labels + first;
	LaneDoubles up,
				lo,
				by_sep,
				bound,
				zero,
				margin;
	LaneInts	pass;
	LaneFloats	up_f,
				lo_f;
	/* the lanes filled in arrays, then loaded: lane-by-lane vector inserts cost more */
	double		up_a[KMEANS_LANES],
				lo_a[KMEANS_LANES],
				sep_a[KMEANS_LANES];

	SPLAT(zero, 0.0);
	SPLAT(margin, bd->margin);
	for (int l = 0; l < KMEANS_LANES; l++)
	{
		int			a = l < valid ? lab[l] : 0;

		up_a[l] = l < valid ? (double) upper[l] + bd->moved[a] : INFINITY;
		lo_a[l] = l < valid ? (double) lower[l] - bd->moved_other[a] : 0.0;
		sep_a[l] = l < valid ? bd->separation[a] : 0.0;
	}
	LOAD_LANES(up, up_a);
	LOAD_LANES(lo, lo_a);
	LOAD_LANES(by_sep, sep_a);
	up = up * ROUND_UP;
	lo = (LaneDoubles) ((LaneInts) (lo * ROUND_DOWN) & LANES_LESS(zero, lo));
	by_sep = by_sep - up;
	by_sep = (LaneDoubles) ((LaneInts) (by_sep * ROUND_DOWN) & LANES_LESS(zero, by_sep));
	bound = (LaneDoubles) (((LaneInts) lo & LANES_LESS(by_sep, lo)) |
						   ((LaneInts) by_sep & ~LANES_LESS(by_sep, lo)));
	pass = LANES_LESS(up, bound) & LANES_LESS(margin, (bound - up) * (bound + up));
	up_f = __builtin_convertvector(WIDEN_UP(up), LaneFloats);
	lo_f = __builtin_convertvector(WIDEN_DOWN(lo), LaneFloats);
	for (int l = 0; l < valid; l++)
	{
		upper[l] = up_f[l];
		lower[l] = lo_f[l];
		if (!pass[l])
		{
			bd->pending[bd->n_pending++] = first + l;
			if (bd->n_pending == KMEANS_LANES)
				FlushPending(bd, x, labels, changed);
		}
	}
}

LANES_CLONES int64_t
kmeans_bounds_pass(KMeansBounds *bd, const KMeansBlocks *x, int *labels,
				   double *sums, double *counts, const SegHooks *hooks)
{
	int64_t		changed = 0;
	SegCountdown check;

	/* a block's rows may all go through the kernel: k x d each */
	seg_countdown_init(&check, hooks, (size_t) bd->k * bd->d, CHECK_EVERY_BLOCKS);
	bd->sums = sums;
	bd->counts = counts;
	for (int block = 0; block < x->n_blocks; block++)
	{
		TestBlock(bd, x, block, labels, &changed);
		seg_countdown_tick(&check);
	}
	FlushPending(bd, x, labels, &changed);
	bd->sums = NULL;
	bd->counts = NULL;
	return changed;
}

void
kmeans_bounds_forget(KMeansBounds *bd, int i)
{
	bd->upper[i] = INFINITY;
	bd->lower[i] = 0.0f;
}
