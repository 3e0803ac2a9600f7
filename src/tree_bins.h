/*-------------------------------------------------------------------------
 *
 * tree_bins.h
 *	  Per-input binning of the tree learners, fitted on the train rows.
 *
 * Trees are grown on small integers instead of values: every input is
 * cut into at most TREE_MAX_BINS "real" bins, and NaN (SQL NULL) gets a
 * bin of its own right after them, so the missing bin of input j is
 * n_bins[j] and a bin always fits in a byte.
 *
 * Numbers and booleans are cut as scikit-learn 1.2's _BinMapper does:
 * with at most max_bins distinct values, at the midpoints between them;
 * otherwise at the "midpoint" percentiles of the values (on a seeded
 * subsample of TREE_BIN_SUBSAMPLE rows when there are more), duplicates
 * removed.  A value x falls in the first bin b with x <= thresholds[b],
 * or in the last real bin when it exceeds them all, so a split "bin <= b"
 * is the split "x <= thresholds[b]" on the raw value.
 *
 * Categories (RAW codes 0 .. n_categories - 1) get one bin per code seen
 * in the rows, in code order.  When more codes are seen than max_bins,
 * the max_bins - 1 most frequent keep a bin each and the rarer ones share
 * the last real bin (ties by code: the lower code is kept).  A code the
 * rows never showed maps to the missing bin, as it does at prediction.
 *
 * IDENTIFICATION
 *	  src/tree_bins.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_TREE_BINS_H
#define SEGMENT_TREE_BINS_H

#include <stdint.h>

#include "core.h"
#include "learner.h"
#include "rng.h"

#define TREE_MAX_BINS 255
/* rows the numeric quantiles are computed on, as scikit-learn's subsample */
#define TREE_BIN_SUBSAMPLE 200000

typedef struct TreeBinMapper
{
	int			n_inputs;
	int		   *n_bins;			/* real bins of input j, 1 .. max_bins */
	bool	   *categorical;
	bool	   *has_missing;	/* a row of the fit had NaN here */
	double	  **thresholds;		/* numeric: n_bins[j] - 1 increasing edges */
	int		   *n_categories;	/* categorical: codes of the schema */
	uint8_t   **code_bin;		/* categorical: bin of each code */
} TreeBinMapper;

/*
 * Fits the bins of every input on n rows of x (n x schema->n_inputs,
 * RAW form).  SEG_ERR_INVALID when a categorical value is neither NaN
 * nor a code of its column.
 */
extern SegStatus tree_bins_fit(const double *x, int n, const SegInputSchema *schema,
							   int max_bins, SegRng *rng, TreeBinMapper **out,
							   char *errmsg);

/* Bins n rows of x into out (n x n_inputs, row-major). */
extern void tree_bins_apply(const TreeBinMapper *bm, const double *x, int n, uint8_t *out);

/* The bin of value v of input j. */
extern int	tree_bins_of(const TreeBinMapper *bm, int j, double v);

extern void tree_bins_free(TreeBinMapper *bm);

#endif							/* SEGMENT_TREE_BINS_H */
