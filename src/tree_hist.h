/*-------------------------------------------------------------------------
 *
 * tree_hist.h
 *	  Histograms of gradient sums, hessian sums and row counts per bin,
 *	  from which the tree builder finds its splits.
 *
 * One histogram holds every bin of every input: input j's bins (its real
 * bins, then its missing bin) start at offset[j], and each bin is `stride`
 * doubles:
 *
 *	[G_0 .. G_{M-1}, H, N, padding]
 *
 * the sums of the M gradients, of the hessian and the number of rows that
 * fall in the bin.  Gradient boosting has M = 1 and a stride of four, so
 * that adding one row is one 32-byte vector addition per input.  Random
 * forests and the decision tree grow on the same code with M = the number
 * of classes (one-hot targets, Gini) or M = 1 (squared error).
 *
 * A node's histogram is built from its rows; its sibling's is the parent's
 * minus it (histogram subtraction), so each split reads only the rows of
 * its smaller child.  The binned matrix is row-major (n x n_inputs bytes):
 * a node's rows are scattered across the matrix after a few splits, and
 * one row's bins then share a cache line (measured against column-major
 * in docs/design.md, "Trees").
 *
 * IDENTIFICATION
 *	  src/tree_hist.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_TREE_HIST_H
#define SEGMENT_TREE_HIST_H

#include <stdint.h>

#include "core.h"
#include "tree_bins.h"

/* Where the rows' gradients come from. */
typedef enum TreeStatsKind
{
	TREE_STATS_GH,				/* gh: float (g, h) pairs per row, M = 1 */
	TREE_STATS_G,				/* g: float per row, hessian 1 (squared error), M = 1 */
	TREE_STATS_WY,				/* w, y: double; g = -w y, h = w, M = 1 */
	TREE_STATS_CLASS			/* w, class: g_k = -w [class == k], h = w, M = classes */
} TreeStatsKind;

typedef struct TreeRowStats
{
	TreeStatsKind kind;
	const float *gh;
	const float *g;
	const double *w;			/* WY, CLASS; NULL for all 1 */
	const double *y;			/* WY */
	const int  *cls;			/* CLASS */
} TreeRowStats;

typedef struct TreeHistLayout
{
	int			n_inputs;
	int			n_outputs;		/* M */
	int			stride;			/* doubles per bin */
	int			total_bins;
	int		   *offset;			/* first bin of input j */
	size_t		size;			/* doubles in one histogram */
} TreeHistLayout;

#define TREE_HIST_H(L) ((L)->n_outputs)
#define TREE_HIST_N(L) ((L)->n_outputs + 1)

extern void tree_hist_layout(const TreeBinMapper *bm, int n_outputs, TreeHistLayout *L);
extern void tree_hist_layout_free(TreeHistLayout *L);

/*
 * Builds the histogram of n rows (rows[i], or 0 .. n-1 when rows is NULL)
 * of the binned matrix X (row-major, L->n_inputs bytes a row).  When
 * totals is not NULL it also gets the rows' sums (as tree_stats_totals,
 * in row order), saving the root a pass over the gradients.
 */
extern void tree_hist_build(double *hist, const TreeHistLayout *L, const uint8_t *X,
							const uint32_t *rows, int n, const TreeRowStats *s,
							double *totals);

/* out = parent - child (out may be parent) */
extern void tree_hist_subtract(double *out, const double *parent, const double *child,
							   size_t size);

/* Sums of the rows' stats (M + 2 values: G_m, H, N), in row order. */
extern void tree_stats_totals(const TreeRowStats *s, int n_outputs, const uint32_t *rows,
							  int n, double *totals);

#endif							/* SEGMENT_TREE_HIST_H */
