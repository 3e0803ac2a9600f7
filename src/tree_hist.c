/*-------------------------------------------------------------------------
 *
 * tree_hist.c
 *	  Building and subtracting histograms (see tree_hist.h).
 *
 * The gradient-boosting kernels add a row as one vector of four doubles
 * (g, h, 1, 0) per input; with the hessian constant (squared error) the
 * H sums are set from the counts afterwards.  Rows of a node are read
 * through the partition's index list, so the kernels prefetch the rows a
 * little ahead.
 *
 * IDENTIFICATION
 *	  src/tree_hist.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "tree_hist.h"

typedef double Quad __attribute__((vector_size(4 * sizeof(double))));

/* rows read ahead of the one added */
#define PREFETCH_AHEAD 24

void
tree_hist_layout(const TreeBinMapper *bm, int n_outputs, TreeHistLayout *L)
{
	int			total = 0;

	L->n_inputs = bm->n_inputs;
	L->n_outputs = n_outputs;
	L->stride = n_outputs == 1 ? 4 : n_outputs + 2;
	L->offset = seg_alloc(sizeof(int) * (size_t) (bm->n_inputs + 1));
	for (int j = 0; j < bm->n_inputs; j++)
	{
		L->offset[j] = total;
		total += bm->n_bins[j] + 1;
	}
	L->offset[bm->n_inputs] = total;
	L->total_bins = total;
	L->size = (size_t) total * L->stride;
}

void
tree_hist_layout_free(TreeHistLayout *L)
{
	seg_free(L->offset);
	L->offset = NULL;
}

/* Adds vector add to the four doubles at e. */
#define ADD_QUAD(e, add) \
	do { \
		Quad		v_; \
		\
		memcpy(&v_, (e), sizeof(Quad)); \
		v_ += (add); \
		memcpy((e), &v_, sizeof(Quad)); \
	} while (0)

/* byte k of a row's bins loaded as one little-endian word */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WORD_BYTE(word, bins, k) ((bins)[k])
#else
#define WORD_BYTE(word, bins, k) (((word) >> (8 * (k))) & 255)
#endif

/*
 * Adds rows as (a, b, 1, 0) vectors, stride 4.  ROW(i) names the i-th row;
 * A(r) and B(r) its first two values.  A row's bins are read eight at a
 * time as one word, and the eight additions unrolled: about twice as fast
 * as a loop over the inputs that reads them one by one.
 */
#define QUAD_KERNEL(ROW, A, B, PREFETCH) \
	for (int i = 0; i < n; i++) \
	{ \
		uint32_t	r = ROW(i); \
		const uint8_t *bins = X + (size_t) r * d; \
		Quad		add = {A(r), B(r), 1.0, 0.0}; \
		int			j = 0; \
		\
		total += add; \
		PREFETCH(i); \
		for (; j + 8 <= d; j += 8) \
		{ \
			uint64_t	word; \
			\
			memcpy(&word, bins + j, sizeof(word)); \
			_Pragma("GCC unroll 8") \
			for (int k = 0; k < 8; k++) \
				ADD_QUAD(hist + off[j + k] + WORD_BYTE(word, bins + j, k) * 4, add); \
		} \
		for (; j < d; j++) \
			ADD_QUAD(hist + off[j] + (size_t) bins[j] * 4, add); \
	}

#define ROW_ALL(i) ((uint32_t) (i))
#define ROW_LIST(i) (rows[i])
#define NO_PREFETCH(i) ((void) 0)
#define PREFETCH_LIST(i) \
	do { \
		if ((i) + PREFETCH_AHEAD < n) \
		{ \
			uint32_t	ahead_ = rows[(i) + PREFETCH_AHEAD]; \
			__builtin_prefetch(X + (size_t) ahead_ * d); \
			__builtin_prefetch(pf_base + (size_t) ahead_ * pf_width); \
		} \
	} while (0)

#define GH_G(r) ((double) gh[2 * (size_t) (r)])
#define GH_H(r) ((double) gh[2 * (size_t) (r) + 1])
#define G_G(r) ((double) g[r])
#define ZERO(r) 0.0
#define WY_G(r) (-(w != NULL ? w[r] : 1.0) * y[r])
#define WY_H(r) (w != NULL ? w[r] : 1.0)

static void
BuildQuad(double *hist, const TreeHistLayout *L, const uint8_t *X, const uint32_t *rows,
		  int n, const TreeRowStats *s, double *totals)
{
	Quad		total = {0, 0, 0, 0};
	int			d = L->n_inputs;
	size_t	   *off = seg_alloc(sizeof(size_t) * (size_t) (d > 0 ? d : 1));
	const float *gh = s->gh;
	const float *g = s->g;
	const double *w = s->w;
	const double *y = s->y;
	const char *pf_base;
	size_t		pf_width;

	for (int j = 0; j < d; j++)
		off[j] = (size_t) L->offset[j] * 4;
	if (s->kind == TREE_STATS_GH)
	{
		pf_base = (const char *) gh;
		pf_width = 2 * sizeof(float);
		if (rows == NULL)
			QUAD_KERNEL(ROW_ALL, GH_G, GH_H, NO_PREFETCH)
		else
			QUAD_KERNEL(ROW_LIST, GH_G, GH_H, PREFETCH_LIST)
	}
	else if (s->kind == TREE_STATS_G)
	{
		pf_base = (const char *) g;
		pf_width = sizeof(float);
		if (rows == NULL)
			QUAD_KERNEL(ROW_ALL, G_G, ZERO, NO_PREFETCH)
		else
			QUAD_KERNEL(ROW_LIST, G_G, ZERO, PREFETCH_LIST)
		/* hessians are 1: H = N */
		for (int b = 0; b < L->total_bins; b++)
			hist[(size_t) b * 4 + 1] = hist[(size_t) b * 4 + 2];
	}
	else
	{
		pf_base = (const char *) y;
		pf_width = sizeof(double);
		if (rows == NULL)
			QUAD_KERNEL(ROW_ALL, WY_G, WY_H, NO_PREFETCH)
		else
			QUAD_KERNEL(ROW_LIST, WY_G, WY_H, PREFETCH_LIST)
	}
	(void) pf_base;
	(void) pf_width;
	seg_free(off);
	if (totals != NULL)
	{
		totals[0] = total[0];
		totals[1] = s->kind == TREE_STATS_G ? n : total[1];
		totals[2] = n;
	}
}

/* One-hot class targets: bin entry [w per class, sum w, n]. */
static void
BuildClass(double *hist, const TreeHistLayout *L, const uint8_t *X, const uint32_t *rows,
		   int n, const TreeRowStats *s, double *totals)
{
	int			d = L->n_inputs;
	int			stride = L->stride;
	int			hpos = TREE_HIST_H(L);

	if (totals != NULL)
		tree_stats_totals(s, L->n_outputs, rows, n, totals);

	for (int i = 0; i < n; i++)
	{
		uint32_t	r = rows != NULL ? rows[i] : (uint32_t) i;
		const uint8_t *bins = X + (size_t) r * d;
		double		w = s->w != NULL ? s->w[r] : 1.0;
		int			k = s->cls[r];

		for (int j = 0; j < d; j++)
		{
			double	   *e = hist + ((size_t) L->offset[j] + bins[j]) * stride;

			e[k] -= w;
			e[hpos] += w;
			e[hpos + 1] += 1.0;
		}
	}
}

void
tree_hist_build(double *hist, const TreeHistLayout *L, const uint8_t *X,
				const uint32_t *rows, int n, const TreeRowStats *s, double *totals)
{
	memset(hist, 0, sizeof(double) * L->size);
	if (s->kind == TREE_STATS_CLASS)
		BuildClass(hist, L, X, rows, n, s, totals);
	else
		BuildQuad(hist, L, X, rows, n, s, totals);
}

void
tree_hist_subtract(double *out, const double *parent, const double *child, size_t size)
{
	/* Auto-vectorized */
	for (size_t i = 0; i < size; i++)
		out[i] = parent[i] - child[i];
}

void
tree_stats_totals(const TreeRowStats *s, int n_outputs, const uint32_t *rows, int n,
				  double *totals)
{
	const double *w = s->w;

	memset(totals, 0, sizeof(double) * (size_t) (n_outputs + 2));
	/* one loop per kind, each summing in row order */
#define ROW(i) (rows != NULL ? rows[i] : (uint32_t) (i))
	switch (s->kind)
	{
		case TREE_STATS_GH:
			for (int i = 0; i < n; i++)
			{
				totals[0] += s->gh[2 * (size_t) ROW(i)];
				totals[1] += s->gh[2 * (size_t) ROW(i) + 1];
			}
			break;
		case TREE_STATS_G:
			for (int i = 0; i < n; i++)
				totals[0] += s->g[ROW(i)];
			totals[1] = n;
			break;
		case TREE_STATS_WY:
			for (int i = 0; i < n; i++)
			{
				double		wi = w != NULL ? w[ROW(i)] : 1.0;

				totals[0] += -wi * s->y[ROW(i)];
				totals[1] += wi;
			}
			break;
		case TREE_STATS_CLASS:
			for (int i = 0; i < n; i++)
			{
				double		wi = w != NULL ? w[ROW(i)] : 1.0;

				totals[s->cls[ROW(i)]] -= wi;
				totals[n_outputs] += wi;
			}
			break;
	}
#undef ROW
	totals[n_outputs + 1] = n;
}
