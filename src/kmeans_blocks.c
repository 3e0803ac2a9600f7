/*-------------------------------------------------------------------------
 *
 * kmeans_blocks.c
 *	  Assignment and distance kernels of k-means on row blocks (see
 *	  kmeans_blocks.h for the layout), on vectors of eight doubles
 *	  (lanes.h).
 *
 * IDENTIFICATION
 *	  src/kmeans_blocks.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "kmeans_blocks.h"
#include "kmeans_screen.h"
#include "lanes.h"

/* best/label keep the lanes where dist is strictly smaller: the first centre wins ties */
#define KEEP_NEAREST(dist, best, label, j, native) \
	do { \
		LaneInts	closer_ = LANES_LESS_AS(dist, best, native); \
		LaneInts	j_; \
		SPLAT(j_, (long long) (j)); \
		(best) = (LaneDoubles) (((LaneInts) (dist) & closer_) | ((LaneInts) (best) & ~closer_)); \
		(label) = (j_ & closer_) | ((label) & ~closer_); \
	} while (0)

/*
 * Before KEEP_NEAREST of the same value: second becomes the smallest value
 * other than best's (the old best when dist takes its place).
 */
#define KEEP_SECOND(dist, best, second, native) \
	do { \
		LaneInts	closer_ = LANES_LESS_AS(dist, best, native); \
		LaneInts	below_ = LANES_LESS_AS(dist, second, native); \
		LaneInts	other_ = (LaneInts) (dist) & below_ & ~closer_; \
		(second) = (LaneDoubles) (((LaneInts) (best) & closer_) | other_ | \
								  ((LaneInts) (second) & ~(closer_ | below_))); \
	} while (0)

/* blocks read ahead of the one computed: hides the memory latency of the stream */
#define PREFETCH_BLOCKS 8
/*
 * Blocks between interrupt checks: 8192 (64k rows) at most, fewer when a
 * block's work (k x d vector multiply-adds in a pass) is large, so that a
 * check comes every SEG_CHECK_WORK of them: at k = 4096 and d = 256, 8192
 * blocks took 2.1 s; 16 take about 4 ms.
 */
#define CHECK_EVERY_BLOCKS 8192

static inline const double *
Block(const KMeansBlocks *b, int block)
{
	return b->v + (size_t) block * b->d * KMEANS_LANES;
}

static inline int
ValidLanes(const KMeansBlocks *b, int block)
{
	int			left = b->n - block * KMEANS_LANES;

	return left < KMEANS_LANES ? left : KMEANS_LANES;
}

static inline void
PrefetchAhead(const KMeansBlocks *b, int block)
{
	if (block + PREFETCH_BLOCKS < b->n_blocks)
	{
		const double *ahead = Block(b, block + PREFETCH_BLOCKS);

		for (int t = 0; t < b->d; t++)
			__builtin_prefetch(ahead + (size_t) t * KMEANS_LANES);
	}
}

void
kmeans_blocks_init(KMeansBlocks *b, const double *x, int n, int d, const double *shift,
				   double *sq_dev)
{
	size_t		padded = (size_t) (n % KMEANS_LANES == 0 ? 0 : KMEANS_LANES - n % KMEANS_LANES);

	b->n = n;
	b->d = d;
	b->n_blocks = (n + KMEANS_LANES - 1) / KMEANS_LANES;
	b->v = seg_alloc(sizeof(double) * (size_t) b->n_blocks * d * KMEANS_LANES);
	b->screen = NULL;
	/* only the last block's padding lanes are not written below */
	for (int t = 0; t < d && padded > 0; t++)
		memset(b->v + ((size_t) (b->n_blocks - 1) * d + t) * KMEANS_LANES + (KMEANS_LANES - padded),
			   0, sizeof(double) * padded);
	if (sq_dev != NULL)
		memset(sq_dev, 0, sizeof(double) * d);
	for (int i = 0; i < n; i++)
	{
		const double *row = x + (size_t) i * d;
		double	   *dst = b->v + (size_t) (i / KMEANS_LANES) * d * KMEANS_LANES + i % KMEANS_LANES;

		for (int t = 0; t < d; t++)
		{
			double		v = shift != NULL ? row[t] - shift[t] : row[t];

			dst[(size_t) t * KMEANS_LANES] = v;
			if (sq_dev != NULL)
				sq_dev[t] += v * v;
		}
	}
}

void
kmeans_blocks_free(KMeansBlocks *b)
{
	if (b->v != NULL)
		seg_free(b->v);
	if (b->screen != NULL)
		kmeans_screen_free(b->screen);
	b->v = NULL;
	b->screen = NULL;
}

void
kmeans_blocks_row(const KMeansBlocks *b, int i, double *out)
{
	const double *src = Block(b, i / KMEANS_LANES) + i % KMEANS_LANES;

	for (int t = 0; t < b->d; t++)
		out[t] = src[(size_t) t * KMEANS_LANES];
}

LANES_CLONES void
kmeans_blocks_sq_norms(const KMeansBlocks *b, double *out)
{
	for (int block = 0; block < b->n_blocks; block++)
	{
		const double *blk = Block(b, block);
		int			valid = ValidLanes(b, block);

		for (int l = 0; l < valid; l++)
		{
			double		s = 0.0;

			for (int t = 0; t < b->d; t++)
				s += blk[(size_t) t * KMEANS_LANES + l] * blk[(size_t) t * KMEANS_LANES + l];
			out[block * KMEANS_LANES + l] = s;
		}
	}
}

/* |a - c|^2 for lane l of a block and a centre, in linalg_sq_distance's order */
static inline double
LaneSqDistance(const double *blk, int l, const double *c, int d)
{
	double		s = 0.0;

	for (int t = 0; t < d; t++)
	{
		double		diff = blk[(size_t) t * KMEANS_LANES + l] - c[t];

		s += diff * diff;
	}
	return s;
}

void
kmeans_blocks_centre_constants(const double *centers, int k, int d,
							   double *m2c, double *c_norms)
{
	for (int j = 0; j < k; j++)
	{
		const double *c = centers + (size_t) j * d;
		double		s = 0.0;

		for (int t = 0; t < d; t++)
		{
			m2c[(size_t) j * d + t] = -2.0 * c[t];
			s += c[t] * c[t];
		}
		c_norms[j] = s;
	}
}

/*
 * |c_j|^2 - 2 x.c_j for the eight lanes of a block and every centre: the
 * nearest centre (the first on ties) and its value, and, when second is
 * not NULL, the smallest value among the other centres.  Both the plain
 * assignment and the bounded one (kmeans_hamerly.c) run this one inline
 * kernel, so that a row gets the same values, hence the same label, from
 * either; lanes are independent, so a block gathered from scattered rows
 * gets them too.
 */
static inline __attribute__((always_inline)) void
NearestLanes(const double *blk, int d, const double *m2c, const double *c_norms, int k,
			 LaneDoubles *best_out, LaneInts *label_out, LaneDoubles *second_out, bool native)
{
	LaneDoubles best;
	LaneDoubles second;
	LaneInts	label;
	int			j = 0;

	SPLAT(best, INFINITY);
	SPLAT(second, INFINITY);
	SPLAT(label, 0);
	/* four centres at a time: four independent multiply-add chains */
	for (; j + 4 <= k; j += 4)
	{
		const double *w0 = m2c + (size_t) j * d;
		const double *w1 = w0 + d;
		const double *w2 = w1 + d;
		const double *w3 = w2 + d;
		LaneDoubles d0, d1, d2, d3;

		SPLAT(d0, c_norms[j]);
		SPLAT(d1, c_norms[j + 1]);
		SPLAT(d2, c_norms[j + 2]);
		SPLAT(d3, c_norms[j + 3]);
		/* unrolled where d is a constant (AssignPassFixed): -O2 alone does not */
#pragma GCC unroll 8
		for (int t = 0; t < d; t++)
		{
			LaneDoubles xt;

			LOAD_LANES(xt, blk + (size_t) t * KMEANS_LANES);
			d0 += xt * w0[t];
			d1 += xt * w1[t];
			d2 += xt * w2[t];
			d3 += xt * w3[t];
		}
		if (second_out != NULL)
		{
			KEEP_SECOND(d0, best, second, native);
			KEEP_NEAREST(d0, best, label, j, native);
			KEEP_SECOND(d1, best, second, native);
			KEEP_NEAREST(d1, best, label, j + 1, native);
			KEEP_SECOND(d2, best, second, native);
			KEEP_NEAREST(d2, best, label, j + 2, native);
			KEEP_SECOND(d3, best, second, native);
			KEEP_NEAREST(d3, best, label, j + 3, native);
		}
		else
		{
			KEEP_NEAREST(d0, best, label, j, native);
			KEEP_NEAREST(d1, best, label, j + 1, native);
			KEEP_NEAREST(d2, best, label, j + 2, native);
			KEEP_NEAREST(d3, best, label, j + 3, native);
		}
	}
	for (; j < k; j++)
	{
		const double *w = m2c + (size_t) j * d;
		LaneDoubles dist;

		SPLAT(dist, c_norms[j]);
#pragma GCC unroll 8
		for (int t = 0; t < d; t++)
		{
			LaneDoubles xt;

			LOAD_LANES(xt, blk + (size_t) t * KMEANS_LANES);
			dist += xt * w[t];
		}
		if (second_out != NULL)
			KEEP_SECOND(dist, best, second, native);
		KEEP_NEAREST(dist, best, label, j, native);
	}
	*best_out = best;
	*label_out = label;
	if (second_out != NULL)
		*second_out = second;
}

LANES_CLONES void
kmeans_blocks_nearest2(const double *blk, int d, const double *m2c, const double *c_norms,
					   int k, int *label, double *best, double *second)
{
	LaneDoubles b;
	LaneDoubles s;
	LaneInts	l;

	NearestLanes(blk, d, m2c, c_norms, k, &b, &l, &s, false);
	for (int i = 0; i < KMEANS_LANES; i++)
	{
		label[i] = (int) l[i];
		best[i] = b[i];
		second[i] = s[i];
	}
}

/* Whether two blocks of labels differ in any lane (pointers: vector arguments change the ABI). */
static inline __attribute__((always_inline)) bool
LabelsDiffer(const LaneInt32s *a, const LaneInt32s *b)
{
	LaneInt32s	differ = *a ^ *b;
#ifdef __AVX2__
	/* one vptest: moving the four words out to or them took a tenth of a step */
	__m256i		v;

	memcpy(&v, &differ, sizeof(v));
	return !_mm256_testz_si256(v, v);
#else
	uint64_t	any[KMEANS_LANES / 2];
	uint64_t	changed = 0;

	memcpy(any, &differ, sizeof(any));
	for (int w = 0; w < KMEANS_LANES / 2; w++)
		changed |= any[w];
	return changed != 0;
#endif
}

/*
 * The assignment pass.  With sums, in one of two ways: old_labels NULL,
 * every row added to its centre's sum (zeroed first); otherwise each row
 * whose label differs from old_labels moved between the sums of its two
 * centres while its block is at hand.  Returns the rows moved.
 */
static inline __attribute__((always_inline)) int64_t
AssignPass(const KMeansBlocks *b, const double *centers, int k, const int *old_labels,
		   int *labels, double *min_sq_dist, double *sums, double *counts,
		   const SegHooks *hooks, bool native, int fixed_d)
{
	int			d = fixed_d > 0 ? fixed_d : b->d;
	/* -2 c and |c|^2: the per-centre constants of |c|^2 - 2 x.c */
	double	   *m2c = seg_alloc(sizeof(double) * (size_t) k * d);
	double	   *c_norms = seg_alloc(sizeof(double) * k);
	bool		add_all = sums != NULL && old_labels == NULL;
	int64_t		moved = 0;
	KMeansSums	acc;
	SegCountdown check;

	seg_countdown_init(&check, hooks, (size_t) k * d, CHECK_EVERY_BLOCKS);
	kmeans_blocks_centre_constants(centers, k, d, m2c, c_norms);
	if (add_all)
		kmeans_sums_init(&acc, k, d);

	for (int block = 0; block < b->n_blocks; block++)
	{
		const double *blk = Block(b, block);
		int			valid = ValidLanes(b, block);
		LaneDoubles best;
		LaneInts	label;

		LaneInt32s	label32;
		int		   *cur = labels + (size_t) block * KMEANS_LANES;

		PrefetchAhead(b, block);
		NearestLanes(blk, d, m2c, c_norms, k, &best, &label, NULL, native);
		/* a whole block's labels in one store; scalar stores cost a third of a step */
		label32 = __builtin_convertvector(label, LaneInt32s);
		if (valid == KMEANS_LANES)
			memcpy(cur, &label32, sizeof(label32));
		else
			for (int l = 0; l < valid; l++)
				cur[l] = label32[l];
		if (min_sq_dist != NULL)
			for (int l = 0; l < valid; l++)
				min_sq_dist[(size_t) block * KMEANS_LANES + l] =
					LaneSqDistance(blk, l, centers + (size_t) cur[l] * d, d);
		if (add_all)
			kmeans_sums_add_block(&acc, b, block, labels);
		else if (sums != NULL)
		{
			const int  *old = old_labels + (size_t) block * KMEANS_LANES;
			LaneInt32s	old32;

			/* most blocks are unchanged late in a fit: one vector comparison */
			if (valid == KMEANS_LANES)
				memcpy(&old32, old, sizeof(old32));
			else
				for (int l = 0; l < KMEANS_LANES; l++)
					old32[l] = l < valid ? old[l] : label32[l];
			if (LabelsDiffer(&old32, &label32))
				for (int l = 0; l < valid; l++)
					if (old[l] != cur[l])
					{
						kmeans_sums_move_row(blk, l, d, old[l], cur[l], sums, counts);
						moved++;
					}
		}
		seg_countdown_tick(&check);
	}
	if (add_all)
		kmeans_sums_finish(&acc, sums, counts);
	seg_free(m2c);
	seg_free(c_norms);
	return moved;
}

/*
 * The pass with the number of features a constant where it is small
 * (KMEANS_RETURN_FIXED_D): a block's features are loaded once for all the
 * centres instead of once per four (a step on 1M x 5, k = 10, 2.08 ->
 * 1.69 ms), with the same labels.
 */
static inline __attribute__((always_inline)) int64_t
AssignPassFixed(const KMeansBlocks *b, const double *centers, int k, const int *old_labels,
				int *labels, double *min_sq_dist, double *sums, double *counts,
				const SegHooks *hooks, bool native)
{
#define ASSIGN_PASS_D(fixed_d) \
	AssignPass(b, centers, k, old_labels, labels, min_sq_dist, sums, counts, hooks, native, \
			   fixed_d)
	KMEANS_RETURN_FIXED_D(b->d, ASSIGN_PASS_D);
#undef ASSIGN_PASS_D
}

#if LANES_DISPATCH
/* The pass's x86-64-v4 copy, comparing in mask registers (lanes.h). */
LANES_V4_TARGET static int64_t
AssignPassV4(const KMeansBlocks *b, const double *centers, int k, const int *old_labels,
			 int *labels, double *min_sq_dist, double *sums, double *counts,
			 const SegHooks *hooks)
{
	return AssignPassFixed(b, centers, k, old_labels, labels, min_sq_dist, sums, counts, hooks,
						   true);
}
#endif

/*
 * The pass in the copy for this CPU: measured on 1M x 5 (n_init 10),
 * comparing in mask registers made whole fits 10% (k = 2) to 25%
 * (k = 10) faster than in AVX2 halves, with the same labels.
 */
static int64_t
AssignPassHere(const KMeansBlocks *b, const double *centers, int k, const int *old_labels,
			   int *labels, double *min_sq_dist, double *sums, double *counts,
			   const SegHooks *hooks)
{
#if LANES_DISPATCH
	if (lanes_v4())
		return AssignPassV4(b, centers, k, old_labels, labels, min_sq_dist, sums, counts,
							hooks);
#endif
	return AssignPassFixed(b, centers, k, old_labels, labels, min_sq_dist, sums, counts, hooks,
						   false);
}

void
kmeans_blocks_assign(const KMeansBlocks *b, const double *centers, int k,
					 int *labels, double *min_sq_dist,
					 double *sums, double *counts, const SegHooks *hooks)
{
	(void) AssignPassHere(b, centers, k, NULL, labels, min_sq_dist, sums, counts, hooks);
}

int64_t
kmeans_blocks_reassign(const KMeansBlocks *b, const double *centers, int k,
					   const int *old_labels, int *labels, double *sums, double *counts,
					   const SegHooks *hooks)
{
	int64_t		moved;

	if (b->screen != NULL &&
		kmeans_screen_reassign(b, centers, k, old_labels, labels, sums, counts, hooks, &moved))
		return moved;
	return AssignPassHere(b, centers, k, old_labels, labels, NULL, sums, counts, hooks);
}

void
kmeans_sums_init(KMeansSums *acc, int k, int d)
{
	acc->k = k;
	acc->d = d;
	acc->width = d <= KMEANS_LANES ? KMEANS_LANES : d;
	/* each centre's sum in a cache line of its own: whole-vector loads and stores */
	acc->buffer = seg_alloc0(sizeof(double) * ((size_t) k * acc->width + KMEANS_LANES));
	acc->acc = (double *) (((uintptr_t) acc->buffer + 63) & ~(uintptr_t) 63);
	acc->counts = seg_alloc0(sizeof(double) * k);
}

/*
 * The eight rows of a block as eight vectors of their features (an 8 x 8
 * transpose in three rounds of two-vector shuffles; features past d are
 * zero).
 */
static inline __attribute__((always_inline)) void
BlockRows(const double *blk, int d, LaneDoubles *rows)
{
	LaneDoubles r[KMEANS_LANES];
	LaneDoubles t[KMEANS_LANES];
	LaneDoubles u[KMEANS_LANES];

	for (int f = 0; f < KMEANS_LANES; f++)
	{
		if (f < d)
			LOAD_LANES(r[f], blk + (size_t) f * KMEANS_LANES);
		else
			SPLAT(r[f], 0.0);
	}
	/* indices into the two vectors' 16 lanes (gcc 12 and clang) */
	for (int f = 0; f < KMEANS_LANES; f += 2)
	{
		t[f] = __builtin_shufflevector(r[f], r[f + 1], 0, 8, 2, 10, 4, 12, 6, 14);
		t[f + 1] = __builtin_shufflevector(r[f], r[f + 1], 1, 9, 3, 11, 5, 13, 7, 15);
	}
	for (int f = 0; f < KMEANS_LANES; f += 4)
	{
		u[f] = __builtin_shufflevector(t[f], t[f + 2], 0, 1, 8, 9, 4, 5, 12, 13);
		u[f + 1] = __builtin_shufflevector(t[f], t[f + 2], 2, 3, 10, 11, 6, 7, 14, 15);
		u[f + 2] = __builtin_shufflevector(t[f + 1], t[f + 3], 0, 1, 8, 9, 4, 5, 12, 13);
		u[f + 3] = __builtin_shufflevector(t[f + 1], t[f + 3], 2, 3, 10, 11, 6, 7, 14, 15);
	}
	/* u[0]: rows 0 and 4, u[1]: 2 and 6, u[2]: 1 and 5, u[3]: 3 and 7 */
	rows[0] = __builtin_shufflevector(u[0], u[4], 0, 1, 2, 3, 8, 9, 10, 11);
	rows[4] = __builtin_shufflevector(u[0], u[4], 4, 5, 6, 7, 12, 13, 14, 15);
	rows[2] = __builtin_shufflevector(u[1], u[5], 0, 1, 2, 3, 8, 9, 10, 11);
	rows[6] = __builtin_shufflevector(u[1], u[5], 4, 5, 6, 7, 12, 13, 14, 15);
	rows[1] = __builtin_shufflevector(u[2], u[6], 0, 1, 2, 3, 8, 9, 10, 11);
	rows[5] = __builtin_shufflevector(u[2], u[6], 4, 5, 6, 7, 12, 13, 14, 15);
	rows[3] = __builtin_shufflevector(u[3], u[7], 0, 1, 2, 3, 8, 9, 10, 11);
	rows[7] = __builtin_shufflevector(u[3], u[7], 4, 5, 6, 7, 12, 13, 14, 15);
}

LANES_CLONES void
kmeans_sums_add_block(KMeansSums *acc, const KMeansBlocks *b, int block, const int *labels)
{
	const double *blk = Block(b, block);
	int			valid = ValidLanes(b, block);
	int			d = b->d;
	const int  *lab = labels + (size_t) block * KMEANS_LANES;

	/*
	 * Row by row, in row order: the order of the sums is part of the
	 * result.  Up to eight features a row is one vector, added to its
	 * centre's padded sum: each lane adds what the scalar loop would.
	 */
	if (d <= KMEANS_LANES)
	{
		LaneDoubles rows[KMEANS_LANES];
		/* locals: the stores below cannot then alias them */
		double	   *sums = acc->acc;
		double	   *counts = acc->counts;

		BlockRows(blk, d, rows);
		for (int l = 0; l < valid; l++)
		{
			double	   *s = sums + (size_t) lab[l] * KMEANS_LANES;
			LaneDoubles sum;

			LOAD_LANES(sum, s);
			sum += rows[l];
			STORE_LANES(s, sum);
			counts[lab[l]] += 1.0;
		}
		return;
	}
	for (int l = 0; l < valid; l++)
	{
		double	   *s = acc->acc + (size_t) lab[l] * d;

		for (int t = 0; t < d; t++)
			s[t] += blk[(size_t) t * KMEANS_LANES + l];
		acc->counts[lab[l]] += 1.0;
	}
}

void
kmeans_sums_finish(KMeansSums *acc, double *sums, double *counts)
{
	for (int j = 0; j < acc->k; j++)
		memcpy(sums + (size_t) j * acc->d, acc->acc + (size_t) j * acc->width,
			   sizeof(double) * acc->d);
	memcpy(counts, acc->counts, sizeof(double) * acc->k);
	seg_free(acc->buffer);
	seg_free(acc->counts);
}

/* -2 p and |p|^2 for m points: the constants of |x|^2 - 2 x.p + |p|^2 */
static void
PointConstants(const double *points, int m, int d, double *m2p, double *p_norms)
{
	for (int j = 0; j < m; j++)
	{
		double		s = 0.0;

		for (int t = 0; t < d; t++)
		{
			double		v = points[(size_t) j * d + t];

			m2p[(size_t) j * d + t] = -2.0 * v;
			s += v * v;
		}
		p_norms[j] = s;
	}
}

/* max(0, |x|^2 - 2 x.p + |p|^2) for the lanes of a block */
#define BLOCK_DISTANCES(dist, blk, d, w, x_norm_lanes, p_norm, native) \
	do { \
		LaneDoubles zero_; \
		SPLAT(dist, 0.0); \
		SPLAT(zero_, 0.0); \
		for (int t_ = 0; t_ < (d); t_++) \
		{ \
			LaneDoubles xt_; \
			LOAD_LANES(xt_, (blk) + (size_t) t_ * KMEANS_LANES); \
			dist += xt_ * (w)[t_]; \
		} \
		dist = dist + (x_norm_lanes) + (p_norm); \
		dist = (LaneDoubles) (((LaneInts) dist & LANES_LESS_AS(zero_, dist, native))); \
	} while (0)

/* a block's squared norms, zero in the padding lanes */
#define LOAD_NORMS(v, x_norms, block, valid) \
	do { \
		if ((valid) == KMEANS_LANES) \
			LOAD_LANES(v, (x_norms) + (size_t) (block) * KMEANS_LANES); \
		else \
			for (int l_ = 0; l_ < KMEANS_LANES; l_++) \
				(v)[l_] = l_ < (valid) ? (x_norms)[(size_t) (block) * KMEANS_LANES + l_] : 0.0; \
	} while (0)

static inline __attribute__((always_inline)) void
Distances(const KMeansBlocks *b, const double *x_norms, const double *point, bool lower,
		  double *out, double *running, const SegHooks *hooks, bool native)
{
	int			d = b->d;
	double	   *m2p = seg_alloc(sizeof(double) * d);
	double		p_norm;
	double		acc = 0.0;
	SegCountdown check;

	seg_countdown_init(&check, hooks, (size_t) d, CHECK_EVERY_BLOCKS);
	PointConstants(point, 1, d, m2p, &p_norm);
	for (int block = 0; block < b->n_blocks; block++)
	{
		const double *blk = Block(b, block);
		int			valid = ValidLanes(b, block);
		double	   *o = out + (size_t) block * KMEANS_LANES;
		LaneDoubles norms;
		LaneDoubles dist;

		PrefetchAhead(b, block);
		LOAD_NORMS(norms, x_norms, block, valid);
		BLOCK_DISTANCES(dist, blk, d, m2p, norms, p_norm, native);
		if (valid == KMEANS_LANES)
		{
			/* lower: the old value where it is not above the new one (no NaN here) */
			if (lower)
			{
				LaneDoubles old;
				LaneInts	nearer;

				LOAD_LANES(old, o);
				nearer = LANES_LESS_AS(dist, old, native);
				dist = (LaneDoubles) (((LaneInts) dist & nearer) | ((LaneInts) old & ~nearer));
			}
			STORE_LANES(o, dist);
		}
		else
			for (int l = 0; l < valid; l++)
				o[l] = lower && o[l] <= dist[l] ? o[l] : dist[l];

		/*
		 * The running sum, one row after another: a chain of dependent
		 * additions that here overlaps the block's loads, where a pass of
		 * its own cost a tenth of the seeding.
		 */
		if (running != NULL)
			for (int l = 0; l < valid; l++)
			{
				acc += o[l];
				running[(size_t) block * KMEANS_LANES + l] = acc;
			}
		seg_countdown_tick(&check);
	}
	seg_free(m2p);
}

#if LANES_DISPATCH
LANES_V4_TARGET static void
DistancesV4(const KMeansBlocks *b, const double *x_norms, const double *point, bool lower,
			double *out, double *running, const SegHooks *hooks)
{
	Distances(b, x_norms, point, lower, out, running, hooks, true);
}
#endif

void
kmeans_blocks_distances(const KMeansBlocks *b, const double *x_norms, const double *point,
						bool lower, double *out, double *running, const SegHooks *hooks)
{
#if LANES_DISPATCH
	if (lanes_v4())
	{
		DistancesV4(b, x_norms, point, lower, out, running, hooks);
		return;
	}
#endif
	Distances(b, x_norms, point, lower, out, running, hooks, false);
}

static inline __attribute__((always_inline)) void
Potentials(const KMeansBlocks *b, const double *x_norms, const double *points, int m,
		   const double *closest, double *pots, const SegHooks *hooks, bool native)
{
	int			d = b->d;
	double	   *m2p = seg_alloc(sizeof(double) * (size_t) m * d);
	double	   *p_norms = seg_alloc(sizeof(double) * m);
	/* running sums per point and lane (plain doubles: palloc does not align vectors) */
	double	   *lane_pots = seg_alloc0(sizeof(double) * (size_t) m * KMEANS_LANES);
	SegCountdown check;

	seg_countdown_init(&check, hooks, (size_t) m * d, CHECK_EVERY_BLOCKS);
	PointConstants(points, m, d, m2p, p_norms);
	for (int block = 0; block < b->n_blocks; block++)
	{
		const double *blk = Block(b, block);
		int			valid = ValidLanes(b, block);
		LaneDoubles norms;
		LaneDoubles near;

		PrefetchAhead(b, block);
		LOAD_NORMS(norms, x_norms, block, valid);
		/* padding lanes add min(distance, 0) = 0 */
		LOAD_NORMS(near, closest, block, valid);
		for (int j = 0; j < m; j++)
		{
			double	   *sums = lane_pots + (size_t) j * KMEANS_LANES;
			LaneDoubles dist;
			LaneDoubles sum;
			LaneInts	nearer;

			BLOCK_DISTANCES(dist, blk, d, m2p + (size_t) j * d, norms, p_norms[j], native);
			nearer = LANES_LESS_AS(dist, near, native);
			LOAD_LANES(sum, sums);
			sum += (LaneDoubles) (((LaneInts) dist & nearer) | ((LaneInts) near & ~nearer));
			STORE_LANES(sums, sum);
		}
		seg_countdown_tick(&check);
	}
	for (int j = 0; j < m; j++)
	{
		pots[j] = 0.0;
		for (int l = 0; l < KMEANS_LANES; l++)
			pots[j] += lane_pots[(size_t) j * KMEANS_LANES + l];
	}
	seg_free(m2p);
	seg_free(p_norms);
	seg_free(lane_pots);
}

#if LANES_DISPATCH
LANES_V4_TARGET static void
PotentialsV4(const KMeansBlocks *b, const double *x_norms, const double *points, int m,
			 const double *closest, double *pots, const SegHooks *hooks)
{
	Potentials(b, x_norms, points, m, closest, pots, hooks, true);
}
#endif

void
kmeans_blocks_potentials(const KMeansBlocks *b, const double *x_norms,
						 const double *points, int m, const double *closest,
						 double *pots, const SegHooks *hooks)
{
#if LANES_DISPATCH
	if (lanes_v4())
	{
		PotentialsV4(b, x_norms, points, m, closest, pots, hooks);
		return;
	}
#endif
	Potentials(b, x_norms, points, m, closest, pots, hooks, false);
}

double
kmeans_blocks_sum(const double *v, int n)
{
	double		lanes[KMEANS_LANES] = {0};
	double		total = 0.0;
	int			i = 0;

	for (; i + KMEANS_LANES <= n; i += KMEANS_LANES)
		for (int l = 0; l < KMEANS_LANES; l++)
			lanes[l] += v[i + l];
	for (int l = 0; i + l < n; l++)
		lanes[l] += v[i + l];
	for (int l = 0; l < KMEANS_LANES; l++)
		total += lanes[l];
	return total;
}

LANES_CLONES void
kmeans_blocks_label_distances(const KMeansBlocks *b, const double *centers,
							  const int *labels, double *out)
{
	for (int block = 0; block < b->n_blocks; block++)
	{
		const double *blk = Block(b, block);
		int			valid = ValidLanes(b, block);

		for (int l = 0; l < valid; l++)
		{
			int			row = block * KMEANS_LANES + l;

			out[row] = LaneSqDistance(blk, l, centers + (size_t) labels[row] * b->d, b->d);
		}
	}
}
