/*-------------------------------------------------------------------------
 *
 * kmeans_screen.c
 *	  The single-precision screen of Lloyd's later steps (kmeans_screen.h).
 *
 *	  In doubles, a step over 1M x 5 rows is bound by the multiply-adds
 *	  (k = 10) or by reading the 40 MB of blocks (k <= 5).  In floats a
 *	  register holds sixteen rows instead of eight and the copy is half
 *	  the size, so both halve; the few blocks that a near tie leaves in
 *	  doubt pay the double kernel on top.
 *
 * IDENTIFICATION
 *	  src/kmeans_screen.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "kmeans_screen.h"

#if defined(__x86_64__) && (LANES_DISPATCH || defined(__AVX512F__))
#include <immintrin.h>
#define SCREEN_KERNEL 1
#if LANES_DISPATCH
#define SCREEN_TARGET LANES_V4_TARGET
#define SCREEN_CPU_OK() lanes_v4()
#else
#define SCREEN_TARGET
#define SCREEN_CPU_OK() true
#endif
#endif

/* the largest magnitude of a value or a centre's coordinate the bound covers */
#define SCREEN_RANGE 0x1p40
/* screen blocks between interrupt checks: 64k rows, fewer at large k x d (kmeans_blocks.c) */
#define SCREEN_CHECK_EVERY 4096

/*
 * A moved row's values come from the rows as given, which the screen does
 * not read: fetched when the row is found to move, the row goes to the
 * sums this many screen blocks later, in row order still.  Applied at
 * once, the cache misses cost more than half of a step; read from the
 * double blocks, a row spans d cache lines instead of one or two.
 */
#define MOVE_LAG 8
#define MOVE_RING (KMEANS_SCREEN_LANES * (MOVE_LAG + 1))

void
kmeans_screen_free(KMeansScreen *s)
{
	seg_free(s->v);
	seg_free(s->radius);
	seg_free(s);
}

#ifdef SCREEN_KERNEL

void
kmeans_screen_attach(KMeansBlocks *b, const double *x, const double *shift,
					 const double *x_norms)
{
	KMeansScreen *s;
	int			d = b->d;
	bool		check_values = false;
	int			padding;

	if (!SCREEN_CPU_OK() || b->n == 0)
		return;

	/*
	 * Each value is within its row's norm: below the range's square, every
	 * value is below the range (a value at or above it squares, rounded, to
	 * at least the square, and adding squares does not lower a sum).  Only
	 * larger norms (or NaN) need the values themselves checked.
	 */
	for (int i = 0; i < b->n; i++)
		check_values |= !(x_norms[i] < SCREEN_RANGE * SCREEN_RANGE);
	if (check_values)
		for (size_t i = 0; i < (size_t) b->n_blocks * d * KMEANS_LANES; i++)
			if (!(fabs(b->v[i]) <= SCREEN_RANGE))
				return;
	s = seg_alloc(sizeof(KMeansScreen));
	s->n_blocks = (b->n + KMEANS_SCREEN_LANES - 1) / KMEANS_SCREEN_LANES;
	/* half the blocks' size again: left out where the memory budget is short */
	s->v = seg_alloc_optional(sizeof(float) * (size_t) s->n_blocks * d * KMEANS_SCREEN_LANES);
	s->radius = s->v != NULL ? seg_alloc_optional(sizeof(float) * (size_t) s->n_blocks) : NULL;
	if (s->radius == NULL)
	{
		seg_free(s->v);
		seg_free(s);
		return;
	}
	/* the rows below fill all but the last block's padding lanes */
	padding = s->n_blocks * KMEANS_SCREEN_LANES - b->n;
	for (int t = 0; t < d && padding > 0; t++)
		memset(s->v + ((size_t) (s->n_blocks - 1) * d + t) * KMEANS_SCREEN_LANES +
			   (KMEANS_SCREEN_LANES - padding), 0, sizeof(float) * padding);
	s->rows = x;
	s->shift = shift;
	for (int i = 0; i < b->n; i++)
	{
		const double *src = b->v + (size_t) (i / KMEANS_LANES) * d * KMEANS_LANES +
			i % KMEANS_LANES;
		float	   *dst = s->v + (size_t) (i / KMEANS_SCREEN_LANES) * d * KMEANS_SCREEN_LANES +
			i % KMEANS_SCREEN_LANES;

		for (int t = 0; t < d; t++)
			dst[(size_t) t * KMEANS_SCREEN_LANES] = (float) src[(size_t) t * KMEANS_LANES];
	}
	for (int blk = 0; blk < s->n_blocks; blk++)
	{
		double		largest = 0.0;
		float		r;

		for (int i = blk * KMEANS_SCREEN_LANES;
			 i < b->n && i < (blk + 1) * KMEANS_SCREEN_LANES; i++)
			largest = fmax(largest, x_norms[i]);
		/* the norm, made a little larger against its rounding, rounded up to a float */
		largest = sqrt(largest) * (1.0 + 0x1p-40);
		r = (float) largest;
		s->radius[blk] = (double) r < largest ? nextafterf(r, INFINITY) : r;
	}
	b->screen = s;
}

/* one centre's float value v for sixteen rows, kept as best (first on ties) or second */
#define SCREEN_KEEP(v, j, best, second, label) \
	do { \
		__mmask16	nearer_ = _mm512_cmp_ps_mask(v, best, _CMP_LT_OQ); \
		/* the second smallest so far: the larger of best and v, if below second */ \
		(second) = _mm512_min_ps(second, _mm512_max_ps(best, v)); \
		(best) = _mm512_mask_blend_ps(nearer_, best, v); \
		(label) = _mm512_mask_set1_epi32(label, nearer_, j); \
	} while (0)

/* x t of the block: from registers while t < 8 */
#define SCREEN_X(x, blk, t) \
	((t) < 8 ? (x)[(t) & 7] : _mm512_loadu_ps((blk) + (size_t) (t) * KMEANS_SCREEN_LANES))

/*
 * The float values of the k centres for sixteen rows: the nearest centre
 * (the first on ties), its value and the smallest value of the others.
 */
static inline __attribute__((always_inline)) SCREEN_TARGET void
ScreenNearest(const float *blk, int d, const float *m2c, const float *c_norms, int k,
			  __m512 *best_out, __m512 *second_out, __m512i *label_out)
{
	__m512		x[8];
	__m512		best = _mm512_set1_ps(INFINITY);
	__m512		second = best;
	__m512i		label = _mm512_setzero_si512();
	int			j = 0;

	for (int t = 0; t < d && t < 8; t++)
		x[t] = _mm512_loadu_ps(blk + (size_t) t * KMEANS_SCREEN_LANES);
	/* four centres at a time: four independent multiply-add chains */
	for (; j + 4 <= k; j += 4)
	{
		const float *w = m2c + (size_t) j * d;
		__m512		v0 = _mm512_set1_ps(c_norms[j]);
		__m512		v1 = _mm512_set1_ps(c_norms[j + 1]);
		__m512		v2 = _mm512_set1_ps(c_norms[j + 2]);
		__m512		v3 = _mm512_set1_ps(c_norms[j + 3]);

#pragma GCC unroll 8
		for (int t = 0; t < d; t++)
		{
			__m512		xt = SCREEN_X(x, blk, t);

			v0 = _mm512_fmadd_ps(xt, _mm512_set1_ps(w[t]), v0);
			v1 = _mm512_fmadd_ps(xt, _mm512_set1_ps(w[d + t]), v1);
			v2 = _mm512_fmadd_ps(xt, _mm512_set1_ps(w[2 * d + t]), v2);
			v3 = _mm512_fmadd_ps(xt, _mm512_set1_ps(w[3 * d + t]), v3);
		}
		SCREEN_KEEP(v0, j, best, second, label);
		SCREEN_KEEP(v1, j + 1, best, second, label);
		SCREEN_KEEP(v2, j + 2, best, second, label);
		SCREEN_KEEP(v3, j + 3, best, second, label);
	}
	for (; j < k; j++)
	{
		const float *w = m2c + (size_t) j * d;
		__m512		v = _mm512_set1_ps(c_norms[j]);

#pragma GCC unroll 8
		for (int t = 0; t < d; t++)
			v = _mm512_fmadd_ps(SCREEN_X(x, blk, t), _mm512_set1_ps(w[t]), v);
		SCREEN_KEEP(v, j, best, second, label);
	}
	*best_out = best;
	*second_out = second;
	*label_out = label;
}

/*
 * Moves row i between the sums with the value its block holds, computed
 * again from the row as given (the same subtraction as kmeans_blocks_init),
 * through column (d x KMEANS_LANES, lane 0).
 */
static inline void
MoveRow(const KMeansScreen *s, int d, int i, const int *old_labels, const int *labels,
		double *column, double *sums, double *counts)
{
	const double *row = s->rows + (size_t) i * d;

	for (int t = 0; t < d; t++)
		column[(size_t) t * KMEANS_LANES] = s->shift != NULL ? row[t] - s->shift[t] : row[t];
	kmeans_sums_move_row(column, 0, d, old_labels[i], labels[i], sums, counts);
}

static inline __attribute__((always_inline)) SCREEN_TARGET bool
ScreenPass(const KMeansBlocks *b, const double *centers, int k, const int *old_labels,
		   int *labels, double *sums, double *counts, const SegHooks *hooks, int64_t *moved,
		   int fixed_d)
{
	const KMeansScreen *s = b->screen;
	int			d = fixed_d > 0 ? fixed_d : b->d;
	double	   *m2c = seg_alloc(sizeof(double) * (size_t) k * d);
	double	   *c_norms = seg_alloc(sizeof(double) * k);
	float	   *m2c32 = seg_alloc(sizeof(float) * (size_t) k * d);
	float	   *c_norms32 = seg_alloc(sizeof(float) * k);
	double		largest_norm = 0.0;
	double		largest_coord = 0.0;
	double		alpha = (d + 8) * 0x1p-23;
	double		slack = (d + 1) * 0x1p-90;
	int			pending[MOVE_RING];
	double	   *column = seg_alloc(sizeof(double) * (size_t) d * KMEANS_LANES);
	int64_t		pending_start = 0;
	int64_t		pending_end = 0;
	int64_t		rows_moved;
	SegCountdown check;

	/* a screen block's 16 rows in floats cost k x d vector multiply-adds, as a double block's 8 */
	seg_countdown_init(&check, hooks, (size_t) k * d, SCREEN_CHECK_EVERY);
	kmeans_blocks_centre_constants(centers, k, d, m2c, c_norms);
	for (int j = 0; j < k; j++)
	{
		largest_norm = fmax(largest_norm, c_norms[j]);
		c_norms32[j] = (float) c_norms[j];
		for (int t = 0; t < d; t++)
		{
			largest_coord = fmax(largest_coord, fabs(centers[(size_t) j * d + t]));
			m2c32[(size_t) j * d + t] = (float) m2c[(size_t) j * d + t];
		}
	}
	/* NaN fails both tests too */
	if (!(largest_coord <= SCREEN_RANGE) || !(largest_norm <= SCREEN_RANGE * SCREEN_RANGE * d))
	{
		seg_free(m2c);
		seg_free(c_norms);
		seg_free(m2c32);
		seg_free(c_norms32);
		seg_free(column);
		return false;
	}

	for (int blk = 0; blk < s->n_blocks; blk++)
	{
		const float *v = s->v + (size_t) blk * d * KMEANS_SCREEN_LANES;
		int			first = blk * KMEANS_SCREEN_LANES;
		int			valid = b->n - first < KMEANS_SCREEN_LANES ? b->n - first :
			KMEANS_SCREEN_LANES;
		__mmask16	lanes = (__mmask16) ((1u << valid) - 1u);
		/* |c| <= sqrt of the largest |c|^2, made a little larger against its rounding */
		double		bound = alpha * (largest_norm + 2.0 * s->radius[blk] *
									 sqrt(largest_norm) * (1.0 + 0x1p-40)) + slack;
		/* twice the bound, rounded up to a float, with room for the rounding of the gap */
		float		threshold = (float) (2.0 * bound * (1.0 + 0x1p-18));
		__m512		best;
		__m512		second;
		__m512i		label;
		__mmask16	doubt;
		__mmask16	changed;
		__m512i		old;

		if (blk + 4 < s->n_blocks)
			for (int t = 0; t < d; t++)
				__builtin_prefetch(v + (size_t) (4 * d + t) * KMEANS_SCREEN_LANES);
		ScreenNearest(v, d, m2c32, c_norms32, k, &best, &second, &label);
		doubt = (__mmask16) (~_mm512_cmp_ps_mask(_mm512_sub_ps(second, best),
												 _mm512_set1_ps(threshold), _CMP_GT_OQ) &
							 lanes);
		if (doubt != 0)
		{
			/* each eight-row half in doubt, by the exact kernel */
			int			lab[KMEANS_SCREEN_LANES];

			_mm512_storeu_si512(lab, label);
			for (int h = 0; h < 2; h++)
				if ((doubt >> (h * KMEANS_LANES)) & 0xff)
				{
					double		b1[KMEANS_LANES];
					double		b2[KMEANS_LANES];
					int			block = blk * 2 + h;

					kmeans_blocks_nearest2(b->v + (size_t) block * d * KMEANS_LANES, d, m2c,
										   c_norms, k, lab + h * KMEANS_LANES, b1, b2);
				}
			label = _mm512_loadu_si512(lab);
		}
		if (valid == KMEANS_SCREEN_LANES)
		{
			_mm512_storeu_si512(labels + first, label);
			old = _mm512_loadu_si512(old_labels + first);
		}
		else
		{
			_mm512_mask_storeu_epi32(labels + first, lanes, label);
			old = _mm512_maskz_loadu_epi32(lanes, old_labels + first);
		}
		changed = _mm512_mask_cmpneq_epi32_mask(lanes, old, label);
		while (changed != 0)
		{
			int			i = first + __builtin_ctz(changed);
			const double *row = s->rows + (size_t) i * d;

			__builtin_prefetch(row);
			__builtin_prefetch(row + d - 1);
			pending[(pending_end++) % MOVE_RING] = i;
			changed &= (__mmask16) (changed - 1);
		}
		/* the rows found MOVE_LAG blocks ago move between the sums, in row order */
		while (pending_start < pending_end &&
			   pending[pending_start % MOVE_RING] < (blk + 1 - MOVE_LAG) * KMEANS_SCREEN_LANES)
			MoveRow(s, d, pending[(pending_start++) % MOVE_RING], old_labels, labels, column,
					sums, counts);
		seg_countdown_tick(&check);
	}
	while (pending_start < pending_end)
		MoveRow(s, d, pending[(pending_start++) % MOVE_RING], old_labels, labels, column, sums,
				counts);
	rows_moved = pending_end;
	seg_free(m2c);
	seg_free(c_norms);
	seg_free(m2c32);
	seg_free(c_norms32);
	seg_free(column);
	*moved = rows_moved;
	return true;
}

/* d a constant where it is small, as for the double kernel (kmeans_blocks.c) */
static SCREEN_TARGET bool
ScreenPassFixed(const KMeansBlocks *b, const double *centers, int k, const int *old_labels,
				int *labels, double *sums, double *counts, const SegHooks *hooks,
				int64_t *moved)
{
#define SCREEN_PASS_D(fixed_d) \
	ScreenPass(b, centers, k, old_labels, labels, sums, counts, hooks, moved, fixed_d)
	KMEANS_RETURN_FIXED_D(b->d, SCREEN_PASS_D);
#undef SCREEN_PASS_D
}

bool
kmeans_screen_reassign(const KMeansBlocks *b, const double *centers, int k,
					   const int *old_labels, int *labels, double *sums, double *counts,
					   const SegHooks *hooks, int64_t *moved)
{
	return ScreenPassFixed(b, centers, k, old_labels, labels, sums, counts, hooks, moved);
}

#else							/* !SCREEN_KERNEL */

void
kmeans_screen_attach(KMeansBlocks *b, const double *x, const double *shift,
					 const double *x_norms)
{
	(void) b, (void) x, (void) shift, (void) x_norms;
}

bool
kmeans_screen_reassign(const KMeansBlocks *b, const double *centers, int k,
					   const int *old_labels, int *labels, double *sums, double *counts,
					   const SegHooks *hooks, int64_t *moved)
{
	(void) b, (void) centers, (void) k, (void) old_labels, (void) labels;
	(void) sums, (void) counts, (void) hooks, (void) moved;
	return false;
}

#endif
