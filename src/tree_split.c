/*-------------------------------------------------------------------------
 *
 * tree_split.c
 *	  Split finding on a node's histogram (see tree_split.h).
 *
 * IDENTIFICATION
 *	  src/tree_split.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "tree_split.h"

typedef struct SplitScan
{
	const TreeHistLayout *L;
	const TreeSplitConfig *cfg;
	const double *totals;
	int			M;
	double		loss_parent;	/* sum_m G_m v_m of the node */
} SplitScan;

/*
 * scikit-learn's _split_gain: the parent's loss minus the children's, in
 * its order of operations.
 */
static inline double
Gain(const SplitScan *sc, const double *gl, double hl, const double *gr, double hr)
{
	double		l2 = sc->cfg->l2;
	double		gain = sc->loss_parent;

	for (int m = 0; m < sc->M; m++)
	{
		gain -= gl[m] * tree_node_value(gl[m], hl, l2);
		gain -= gr[m] * tree_node_value(gr[m], hr, l2);
	}
	return gain;
}

static inline void
AddBin(double *acc, const double *bin, int width)
{
	for (int k = 0; k < width; k++)
		acc[k] += bin[k];
}

static bool
Better(const SplitScan *sc, double gain, const TreeSplit *best)
{
	return gain > best->gain && gain > sc->cfg->min_gain;
}

static void
NumericSplits(const SplitScan *sc, const double *fh, int j, int n_bins, bool has_missing,
			  TreeSplit *best, double *scratch)
{
	const TreeSplitConfig *cfg = sc->cfg;
	int			M = sc->M;
	int			S = sc->L->stride;
	const double *tot = sc->totals;
	double		H = tot[M];
	double		N = tot[M + 1];
	double	   *acc = scratch;
	double	   *other = scratch + M + 2;
	int			end = n_bins - 1 + (has_missing ? 1 : 0);

	/* left to right: missing values go right */
	memset(acc, 0, sizeof(double) * (size_t) (M + 2));
	for (int b = 0; b < end; b++)
	{
		double		nl,
					nr,
					hl,
					hr,
					gain;

		AddBin(acc, fh + (size_t) b * S, M + 2);
		nl = acc[M + 1];
		nr = N - nl;
		hl = acc[M];
		hr = H - hl;
		for (int m = 0; m < M; m++)
			other[m] = tot[m] - acc[m];
		if (nl < cfg->min_samples_leaf)
			continue;
		if (nr < cfg->min_samples_leaf)
			break;
		if (hl < cfg->min_hessian)
			continue;
		if (hr < cfg->min_hessian)
			break;
		gain = Gain(sc, acc, hl, other, hr);
		if (Better(sc, gain, best))
		{
			best->gain = gain;
			best->feature = j;
			best->bin = b;
			best->missing_left = false;
			best->categorical = false;
			memcpy(best->left, acc, sizeof(double) * (size_t) (M + 2));
		}
	}
	if (!has_missing)
		return;

	/* right to left: missing values go left */
	memset(acc, 0, sizeof(double) * (size_t) (M + 2));
	for (int b = n_bins - 2; b >= 0; b--)
	{
		double		nl,
					nr,
					hl,
					hr,
					gain;

		AddBin(acc, fh + (size_t) (b + 1) * S, M + 2);
		nr = acc[M + 1];
		nl = N - nr;
		hr = acc[M];
		hl = H - hr;
		for (int m = 0; m < M; m++)
			other[m] = tot[m] - acc[m];
		if (nr < cfg->min_samples_leaf)
			continue;
		if (nl < cfg->min_samples_leaf)
			break;
		if (hr < cfg->min_hessian)
			continue;
		if (hl < cfg->min_hessian)
			break;
		gain = Gain(sc, other, hl, acc, hr);
		if (Better(sc, gain, best))
		{
			best->gain = gain;
			best->feature = j;
			best->bin = b;
			best->missing_left = true;
			best->categorical = false;
			for (int m = 0; m < M; m++)
				best->left[m] = other[m];
			best->left[M] = hl;
			best->left[M + 1] = nl;
		}
	}
}

typedef struct CategoryRatio
{
	double		value;
	int			bin;
} CategoryRatio;

static int
CompareRatios(const void *a, const void *b)
{
	const CategoryRatio *x = a;
	const CategoryRatio *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return (x->bin > y->bin) - (x->bin < y->bin);
}

static void
CategoricalSplits(const SplitScan *sc, const double *fh, int j, int n_bins,
				  bool has_missing, TreeSplit *best, double *scratch)
{
	const TreeSplitConfig *cfg = sc->cfg;
	int			M = sc->M;
	int			S = sc->L->stride;
	const double *tot = sc->totals;
	double		H = tot[M];
	double		N = tot[M + 1];
	double		support_factor = N / H;
	double	   *acc = scratch;
	double	   *other = scratch + M + 2;
	CategoryRatio cats[TREE_MAX_BINS + 1];
	int			used_bins[TREE_MAX_BINS + 1];
	int			n_used = 0;
	int			n_orders = M <= 2 ? 1 : M;

	for (int b = 0; b <= n_bins; b++)
	{
		const double *e = fh + (size_t) b * S;

		if (b == n_bins && !has_missing)
			break;
		if (e[M + 1] > 0 && e[M] * support_factor >= cfg->min_cat_support)
			used_bins[n_used++] = b;
	}
	if (n_used <= 1)
		return;

	for (int order = 0; order < n_orders; order++)
	{
		for (int i = 0; i < n_used; i++)
		{
			const double *e = fh + (size_t) used_bins[i] * S;

			cats[i].bin = used_bins[i];
			cats[i].value = e[order] / (e[M] + cfg->cat_smooth);
		}
		qsort(cats, n_used, sizeof(CategoryRatio), CompareRatios);

		for (int direction = 1; direction >= -1; direction -= 2)
		{
			int			middle = (n_used + 1) / 2 - (direction == 1 ? 0 : 1);

			memset(acc, 0, sizeof(double) * (size_t) (M + 2));
			for (int i = 0; i < middle; i++)
			{
				int			idx = direction == 1 ? i : n_used - 1 - i;
				double		nl,
							nr,
							hl,
							hr,
							gain;

				AddBin(acc, fh + (size_t) cats[idx].bin * S, M + 2);
				nl = acc[M + 1];
				nr = N - nl;
				hl = acc[M];
				hr = H - hl;
				for (int m = 0; m < M; m++)
					other[m] = tot[m] - acc[m];
				if (nl < cfg->min_samples_leaf || hl < cfg->min_hessian)
					continue;
				if (nr < cfg->min_samples_leaf || hr < cfg->min_hessian)
					break;
				gain = Gain(sc, acc, hl, other, hr);
				if (Better(sc, gain, best))
				{
					best->gain = gain;
					best->feature = j;
					best->bin = 0;
					best->categorical = true;
					memset(best->left_bins, 0, sizeof(best->left_bins));
					for (int t = 0; t <= i; t++)
					{
						int			b = cats[direction == 1 ? t : n_used - 1 - t].bin;

						best->left_bins[b >> 6] |= UINT64_C(1) << (b & 63);
					}
					best->missing_left = has_missing &&
						((best->left_bins[n_bins >> 6] >> (n_bins & 63)) & 1);
					memcpy(best->left, acc, sizeof(double) * (size_t) (M + 2));
				}
			}
		}
	}
}

void
tree_split_input(const double *hist, const TreeHistLayout *L, const TreeBinMapper *bm,
				 int j, const double *totals, const TreeSplitConfig *cfg,
				 TreeSplit *best, double *scratch)
{
	SplitScan	sc;
	const double *fh = hist + (size_t) L->offset[j] * L->stride;

	sc.L = L;
	sc.cfg = cfg;
	sc.totals = totals;
	sc.M = L->n_outputs;
	sc.loss_parent = 0;
	for (int m = 0; m < sc.M; m++)
		sc.loss_parent += totals[m] * tree_node_value(totals[m], totals[sc.M], cfg->l2);
	if (bm->categorical[j])
		CategoricalSplits(&sc, fh, j, bm->n_bins[j], bm->has_missing[j], best, scratch);
	else
		NumericSplits(&sc, fh, j, bm->n_bins[j], bm->has_missing[j], best, scratch);
}
