/*-------------------------------------------------------------------------
 *
 * tree_split.h
 *	  The best split of one input of a node, from the node's histogram.
 *
 * The gain is scikit-learn's (Chen and Guestrin 2016, eq. 7, without the
 * factor 1/2): with a node's value v = -G / (H + l2),
 *
 *	gain = G v - G_L v_L - G_R v_R = G_L^2/(H_L + l2) + G_R^2/(H_R + l2) - G^2/(H + l2)
 *
 * summed over the M outputs.  (At the root scikit-learn leaves out the
 * parent's term, the same for every candidate there: the same split wins,
 * and the gain kept for importances is the full one.)  With one-hot
 * targets, g = -w y and h = w
 * this is the decrease of the weighted Gini impurity (or of the squared
 * error for a numeric target), which is how the forests use it.
 *
 * Numeric inputs: the bins are scanned left to right with the missing
 * values going right, then, when the input had missing values at fit,
 * right to left with them going left; the first strictly better split
 * wins (ties keep the lower bin and missing right), as scikit-learn's
 * splitter does.  A split on the last real bin sends the non-missing rows
 * left and the missing right ("split on NaN").
 *
 * Categorical inputs (scikit-learn 1.2, after LightGBM and Fisher 1958):
 * bins with support are sorted by G / (H + cat_smooth), the missing bin
 * as one more category, and the sorted list is scanned from both ends up
 * to its middle; bins without support go right.  With M > 1 outputs the
 * categories are ordered once by each output's ratio (exact for two
 * classes, a heuristic beyond).
 *
 * IDENTIFICATION
 *	  src/tree_split.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_TREE_SPLIT_H
#define SEGMENT_TREE_SPLIT_H

#include "tree_bins.h"
#include "tree_hist.h"

typedef struct TreeSplitConfig
{
	int			min_samples_leaf;	/* rows in each child */
	double		min_hessian;	/* H of each child */
	double		l2;				/* on leaf values */
	double		min_gain;		/* a split needs gain > min_gain */
	double		cat_smooth;		/* categorical ordering: G / (H + cat_smooth) */
	double		min_cat_support;	/* categories below it go right */
} TreeSplitConfig;

typedef struct TreeSplit
{
	double		gain;			/* < 0: none found */
	int			feature;
	int			bin;			/* numeric: bins <= bin go left */
	bool		missing_left;	/* the missing bin goes left */
	bool		categorical;
	uint64_t	left_bins[4];	/* categorical: the bins going left */
	double	   *left;			/* M + 2 sums of the left child (caller's storage) */
} TreeSplit;

/* A node's value for output m: -G_m / (H + l2), as scikit-learn computes it. */
static inline double
tree_node_value(double g, double h, double l2)
{
	return -g / (h + l2 + 1e-15);
}

/*
 * Considers input j of a node (histogram hist, sums totals[M + 2]) and
 * replaces *best when a split of j has a strictly higher gain.  scratch
 * holds 3 * (total bins + M + 2) doubles.
 */
extern void tree_split_input(const double *hist, const TreeHistLayout *L,
							 const TreeBinMapper *bm, int j, const double *totals,
							 const TreeSplitConfig *cfg, TreeSplit *best,
							 double *scratch);

/* Whether bin b goes left under split s. */
static inline bool
tree_split_goes_left(const TreeSplit *s, int b, int missing_bin)
{
	if (s->categorical)
		return (s->left_bins[b >> 6] >> (b & 63)) & 1;
	if (b == missing_bin)
		return s->missing_left;
	return b <= s->bin;
}

#endif							/* SEGMENT_TREE_SPLIT_H */
