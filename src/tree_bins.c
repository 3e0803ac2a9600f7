/*-------------------------------------------------------------------------
 *
 * tree_bins.c
 *	  Quantile bins of numeric inputs and category bins of categorical
 *	  inputs, fitted on the train rows (see tree_bins.h).
 *
 * IDENTIFICATION
 *	  src/tree_bins.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanes.h"
#include "tree_bins.h"

/* scikit-learn clips edges here: +inf is kept for the "split on NaN" */
#define ALMOST_INF 1e300

/*
 * Sorts n doubles (no NaN) ascending: a least-significant-digit radix sort
 * on keys that order as the doubles do (sign bit flipped for positives,
 * every bit for negatives), 11 bits a pass.
 */
static void
SortDoubles(double *v, int n)
{
	uint64_t   *a = seg_alloc(sizeof(uint64_t) * (size_t) (n > 0 ? n : 1));
	uint64_t   *b = seg_alloc(sizeof(uint64_t) * (size_t) (n > 0 ? n : 1));
	int		   *count = seg_alloc(sizeof(int) * 2048);

	for (int i = 0; i < n; i++)
	{
		uint64_t	u;

		memcpy(&u, &v[i], sizeof(u));
		a[i] = (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
	}
	for (int shift = 0; shift < 64; shift += 11)
	{
		uint64_t   *t;
		int			sum = 0;

		memset(count, 0, sizeof(int) * 2048);
		for (int i = 0; i < n; i++)
			count[(a[i] >> shift) & 2047]++;
		for (int k = 0; k < 2048; k++)
		{
			int			c = count[k];

			count[k] = sum;
			sum += c;
		}
		for (int i = 0; i < n; i++)
			b[count[(a[i] >> shift) & 2047]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	for (int i = 0; i < n; i++)
	{
		uint64_t	u = (a[i] >> 63) ? a[i] & ~(UINT64_C(1) << 63) : ~a[i];

		memcpy(&v[i], &u, sizeof(u));
	}
	seg_free(a);
	seg_free(b);
	seg_free(count);
}

/*
 * numpy's percentile with method="midpoint" of the sorted a[0 .. n-1] at
 * q in [0, 1], with numpy's operations so that the edges are the same
 * doubles.
 */
static double
MidpointPercentile(const double *a, int n, double q)
{
	double		v = (double) (n - 1) * q;
	double		lo = floor(v);
	double		hi = ceil(v);
	double		b;

	if (lo == hi)
		return a[(int) lo];
	b = a[(int) hi];
	return b - (b - a[(int) lo]) * 0.5;
}

/* Edges of one numeric input from its sorted non-missing values. */
static int
NumericEdges(const double *v, int n, int max_bins, double *edges)
{
	int			n_edges = 0;
	int			n_distinct = 0;

	for (int i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			n_distinct++;
	if (n_distinct <= max_bins)
	{
		double		prev = 0;
		bool		first = true;

		for (int i = 0; i < n; i++)
		{
			if (!first && v[i] == prev)
				continue;
			if (!first)
				edges[n_edges++] = (prev + v[i]) * 0.5;
			prev = v[i];
			first = false;
		}
	}
	else
	{
		/* np.linspace(0, 100, max_bins + 1)[1:-1] / 100 */
		double		step = 100.0 / (double) max_bins;

		for (int i = 1; i < max_bins; i++)
		{
			double		e = MidpointPercentile(v, n, ((double) i * step) / 100.0);

			if (n_edges == 0 || e != edges[n_edges - 1])
				edges[n_edges++] = e;
		}
	}
	for (int i = 0; i < n_edges; i++)
		if (edges[i] > ALMOST_INF)
			edges[i] = ALMOST_INF;
	/* clipping can repeat the last edge */
	while (n_edges >= 2 && edges[n_edges - 1] == edges[n_edges - 2])
		n_edges--;
	return n_edges;
}

static int
CompareInts(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

/* Row indices the quantiles are computed on: all, or a seeded sample. */
static int *
SampleRows(int n, SegRng *rng, int *n_out)
{
	int		   *rows = seg_alloc(sizeof(int) * (size_t) (n > 0 ? n : 1));
	int			m = n > TREE_BIN_SUBSAMPLE ? TREE_BIN_SUBSAMPLE : n;

	for (int i = 0; i < n; i++)
		rows[i] = i;
	if (m < n)
	{
		/* the first m of a partial Fisher-Yates shuffle, then in row order */
		for (int i = 0; i < m; i++)
		{
			int			j = i + (int) rng_below(rng, (uint64_t) (n - i));
			int			t = rows[i];

			rows[i] = rows[j];
			rows[j] = t;
		}
		qsort(rows, m, sizeof(int), CompareInts);
	}
	*n_out = m;
	return rows;
}

typedef struct CodeCount
{
	int64_t		count;
	int			code;
} CodeCount;

/* more frequent first, then the lower code */
static int
CompareCodeCounts(const void *a, const void *b)
{
	const CodeCount *x = a;
	const CodeCount *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->code > y->code) - (x->code < y->code);
}

/* Bins of one categorical input from its code counts. */
static void
CategoryBins(const int64_t *counts, int n_codes, int max_bins, uint8_t *code_bin,
			 int *n_bins)
{
	int			n_seen = 0;
	CodeCount  *by_count;
	bool	   *own;
	int			bin = 0;

	for (int c = 0; c < n_codes; c++)
		if (counts[c] > 0)
			n_seen++;
	own = seg_alloc0(sizeof(bool) * (size_t) (n_codes + 1));
	if (n_seen <= max_bins)
	{
		for (int c = 0; c < n_codes; c++)
			own[c] = counts[c] > 0;
	}
	else
	{
		int			k = 0;

		by_count = seg_alloc(sizeof(CodeCount) * (size_t) n_seen);
		for (int c = 0; c < n_codes; c++)
			if (counts[c] > 0)
			{
				by_count[k].count = counts[c];
				by_count[k++].code = c;
			}
		qsort(by_count, n_seen, sizeof(CodeCount), CompareCodeCounts);
		for (int i = 0; i < max_bins - 1; i++)
			own[by_count[i].code] = true;
		seg_free(by_count);
	}
	for (int c = 0; c < n_codes; c++)
		code_bin[c] = own[c] ? (uint8_t) bin++ : 0;
	if (n_seen > max_bins)
	{
		/* the rarer codes share the last real bin */
		for (int c = 0; c < n_codes; c++)
			if (counts[c] > 0 && !own[c])
				code_bin[c] = (uint8_t) bin;
		bin++;
	}
	if (bin == 0)
		bin = 1;				/* no code seen: one empty real bin */
	for (int c = 0; c < n_codes; c++)
		if (counts[c] == 0)
			code_bin[c] = (uint8_t) bin;	/* unseen: the missing bin */
	*n_bins = bin;
	seg_free(own);
}

SegStatus
tree_bins_fit(const double *x, int n, const SegInputSchema *schema, int max_bins,
			  SegRng *rng, TreeBinMapper **out, char *errmsg)
{
	int			d = schema->n_inputs;
	TreeBinMapper *bm = seg_alloc0(sizeof(TreeBinMapper));
	int			n_sample;
	int		   *sample = NULL;
	double	   *values = NULL;

	if (max_bins < 2 || max_bins > TREE_MAX_BINS)
		max_bins = TREE_MAX_BINS;
	bm->n_inputs = d;
	bm->n_bins = seg_alloc0(sizeof(int) * (size_t) d);
	bm->categorical = seg_alloc0(sizeof(bool) * (size_t) d);
	bm->has_missing = seg_alloc0(sizeof(bool) * (size_t) d);
	bm->thresholds = seg_alloc0(sizeof(double *) * (size_t) d);
	bm->n_categories = seg_alloc0(sizeof(int) * (size_t) d);
	bm->code_bin = seg_alloc0(sizeof(uint8_t *) * (size_t) d);

	for (int j = 0; j < d; j++)
	{
		const SegInputColumn *col = &schema->columns[j];

		if (col->kind != SEG_COL_CATEGORICAL)
			continue;
		bm->categorical[j] = true;
		bm->n_categories[j] = col->n_categories;
		bm->code_bin[j] = seg_alloc0((size_t) (col->n_categories > 0 ? col->n_categories : 1));
	}

	/* missing values and category counts, on every row */
	for (int j = 0; j < d; j++)
	{
		int64_t    *counts = NULL;

		if (bm->categorical[j])
			counts = seg_alloc0(sizeof(int64_t) * (size_t) (bm->n_categories[j] + 1));
		for (int i = 0; i < n; i++)
		{
			double		v = x[(size_t) i * d + j];

			if (isnan(v))
			{
				bm->has_missing[j] = true;
				continue;
			}
			if (counts != NULL)
			{
				if (!(v >= 0 && v < bm->n_categories[j] && v == floor(v)))
				{
					snprintf(errmsg, SEG_ERRMSG_LEN,
							 "input \"%s\" holds %g, which is not a category code",
							 schema->columns[j].name, v);
					seg_free(counts);
					tree_bins_free(bm);
					return SEG_ERR_INVALID;
				}
				counts[(int) v]++;
			}
		}
		if (counts != NULL)
		{
			CategoryBins(counts, bm->n_categories[j], max_bins, bm->code_bin[j],
						 &bm->n_bins[j]);
			seg_free(counts);
		}
	}

	/* quantile edges of the numeric inputs */
	sample = SampleRows(n, rng, &n_sample);
	values = seg_alloc(sizeof(double) * (size_t) (n_sample > 0 ? n_sample : 1));
	for (int j = 0; j < d; j++)
	{
		int			m = 0;
		double	   *edges;

		if (bm->categorical[j])
			continue;
		for (int i = 0; i < n_sample; i++)
		{
			double		v = x[(size_t) sample[i] * d + j];

			if (!isnan(v))
				values[m++] = v;
		}
		SortDoubles(values, m);
		edges = seg_alloc(sizeof(double) * (size_t) max_bins);
		bm->n_bins[j] = NumericEdges(values, m, max_bins, edges) + 1;
		bm->thresholds[j] = edges;
	}
	seg_free(values);
	seg_free(sample);
	*out = bm;
	return SEG_OK;
}

/* The number of the n edges below v: its bin (without branches on the data). */
static inline int
EdgesBelow(const double *t, int n, double v)
{
	const double *base = t;

	if (n == 0)
		return 0;
	while (n > 1)
	{
		int			half = n >> 1;

		/* a mask, not a ternary: the compiler would branch on the data */
		base += half & -(int) (base[half - 1] < v);
		n -= half;
	}
	return (int) (base - t) + (*base < v);
}

int
tree_bins_of(const TreeBinMapper *bm, int j, double v)
{
	if (isnan(v))
		return bm->n_bins[j];
	if (bm->categorical[j])
	{
		if (!(v >= 0 && v < bm->n_categories[j]))
			return bm->n_bins[j];
		return bm->code_bin[j][(int) v];
	}
	return EdgesBelow(bm->thresholds[j], bm->n_bins[j] - 1, v);
}

/*
 * Binning the rows of a fit: each numeric input's edges padded to 256
 * with +infinity, and every eighth of them a pivot.  A value's bin is the
 * number of edges below it, as EdgesBelow counts: eight per pivot below
 * it, plus the edges below it among the eight after the last such pivot.
 * That is five vector comparisons instead of eight dependent steps of a
 * binary search (the binning was a twentieth of a 1M-row regression fit).
 */
#define EDGE_SLOTS 256

typedef struct EdgeTable
{
	double		edge[EDGE_SLOTS];
	double		pivot[EDGE_SLOTS / SEG_LANES];
} EdgeTable;

static void
EdgeTableInit(EdgeTable *t, const double *edges, int n)
{
	for (int e = 0; e < EDGE_SLOTS; e++)
		t->edge[e] = e < n ? edges[e] : INFINITY;
	for (int b = 0; b < EDGE_SLOTS / SEG_LANES; b++)
		t->pivot[b] = t->edge[b * SEG_LANES + SEG_LANES - 1];
}

/* lanes set in a comparison's mask (all-ones lanes are -1); a macro: no vector arguments */
#define LANES_SET(mask) \
	({ \
		LaneInts	m_ = (mask); \
		long long	sum_ = 0; \
		for (int l_ = 0; l_ < SEG_LANES; l_++) \
			sum_ += m_[l_]; \
		(int) -sum_; \
	})

/* the number of edges below v, finite */
static inline int
EdgeTableBin(const EdgeTable *t, double v)
{
	LaneDoubles vv;
	LaneDoubles p;
	LaneInts	below;
	int			blocks;

	SPLAT(vv, v);
	LOAD_LANES(p, t->pivot);
	below = LANES_LESS(p, vv);
	for (int b = 1; b < EDGE_SLOTS / SEG_LANES / SEG_LANES; b++)
	{
		LOAD_LANES(p, t->pivot + b * SEG_LANES);
		below += LANES_LESS(p, vv);
	}
	blocks = LANES_SET(below);
	if (blocks == EDGE_SLOTS / SEG_LANES)
		return EDGE_SLOTS;
	LOAD_LANES(p, t->edge + blocks * SEG_LANES);
	return blocks * SEG_LANES + LANES_SET(LANES_LESS(p, vv));
}

LANES_CLONES void
tree_bins_apply(const TreeBinMapper *bm, const double *x, int n, uint8_t *out)
{
	int			d = bm->n_inputs;
	EdgeTable  *tables = seg_alloc(sizeof(EdgeTable) * (d > 0 ? d : 1));

	for (int j = 0; j < d; j++)
		if (!bm->categorical[j])
			EdgeTableInit(&tables[j], bm->thresholds[j], bm->n_bins[j] - 1);
	for (size_t i = 0; i < (size_t) n; i++)
		for (int j = 0; j < d; j++)
		{
			double		v = x[i * d + j];

			/* the bins of NaN and of categories as tree_bins_of gives them */
			out[i * d + j] = (uint8_t) (bm->categorical[j] || isnan(v) ?
										tree_bins_of(bm, j, v) :
										EdgeTableBin(&tables[j], v));
		}
	seg_free(tables);
}

void
tree_bins_free(TreeBinMapper *bm)
{
	if (bm == NULL)
		return;
	for (int j = 0; j < bm->n_inputs; j++)
	{
		seg_free(bm->thresholds[j]);
		seg_free(bm->code_bin[j]);
	}
	seg_free(bm->n_bins);
	seg_free(bm->categorical);
	seg_free(bm->has_missing);
	seg_free(bm->thresholds);
	seg_free(bm->n_categories);
	seg_free(bm->code_bin);
	seg_free(bm);
}
