/*-------------------------------------------------------------------------
 *
 * tree_grow.h
 *	  Growing one tree on binned rows: the histogram tree builder shared
 *	  by gradient boosting, random forests and the decision tree.
 *
 * Growth is leaf-wise (best first, as LightGBM and scikit-learn's
 * HistGradientBoosting): the open leaf with the highest split gain is
 * split next, until max_leaf_nodes leaves.  Without a leaf limit the
 * order does not change the tree, and open leaves are split depth first,
 * which keeps only a handful of histograms alive.  A node is a leaf when
 * it reaches max_depth, holds fewer than 2 * min_samples_leaf rows, or
 * has no split with a positive gain that leaves min_samples_leaf rows and
 * min_hessian on each side.
 *
 * Rows live in a partition array: every node's rows are one contiguous
 * range of it, and a split reorders its range stably into the two
 * children's.  Of the two children only the smaller's histogram is built
 * from its rows; the larger's is the parent's minus it.
 *
 * IDENTIFICATION
 *	  src/tree_grow.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_TREE_GROW_H
#define SEGMENT_TREE_GROW_H

#include "rng.h"
#include "tree_bins.h"
#include "tree_hist.h"
#include "tree_split.h"

typedef struct TreeGrowConfig
{
	TreeSplitConfig split;
	int			max_leaf_nodes; /* 0: no limit */
	int			max_depth;		/* 0: no limit; the root has depth 0 */
	int			max_features;	/* inputs drawn per split; 0: all of them */
	bool		until_valid;	/* draw more inputs while no split is found
								 * (scikit-learn's decision trees) */
	bool		stop_when_pure; /* a node whose rows share one target is a
								 * leaf (one class, or one value) */
	bool		mean_values;	/* node values -G / H exactly (class shares,
								 * means), not boosting's -G / (H + l2) */
	double		shrinkage;		/* leaf values are multiplied by it */
} TreeGrowConfig;

typedef struct TreeGrownNode
{
	int			feature;		/* -1 for a leaf */
	int			left;			/* the children are left and left + 1 */
	int			bin;			/* numeric: bins <= bin go left */
	bool		missing_left;
	bool		categorical;
	uint64_t	left_bins[4];	/* categorical: bins going left */
	double		gain;
	int			depth;
	int			start;			/* rows: partition[start .. start + count) */
	int			count;
	double		hessian;		/* sum of the rows' hessians (weights) */
} TreeGrownNode;

/* A grown tree; its arrays belong to the grower and live until its next tree. */
typedef struct TreeGrown
{
	int			n_nodes;
	int			n_outputs;
	const TreeGrownNode *nodes; /* children after their parent */
	const double *values;		/* n_nodes x n_outputs: leaves' include shrinkage */
	const uint32_t *partition;
} TreeGrown;

typedef struct TreeGrower TreeGrower;

/*
 * A grower for the binned matrix X (n_rows x bm->n_inputs) and n_outputs
 * gradients per row; it keeps its buffers from one tree to the next.
 */
extern TreeGrower *tree_grower_new(const TreeBinMapper *bm, const uint8_t *X, int n_rows,
								   int n_outputs);

/*
 * Grows a tree on n rows (rows, or all n_rows rows in order when rows is
 * NULL) with the rows' gradients s.  rng draws the inputs of each split
 * when cfg->max_features limits them.  Calls seg_check_interrupts after
 * every split.
 */
extern void tree_grow(TreeGrower *g, const TreeRowStats *s, const uint32_t *rows, int n,
					  const TreeGrowConfig *cfg, SegRng *rng, const SegHooks *hooks,
					  TreeGrown *out);

extern void tree_grower_free(TreeGrower *g);

/* The histogram layout a grower uses. */
extern const TreeHistLayout *tree_grower_layout(const TreeGrower *g);

#endif							/* SEGMENT_TREE_GROW_H */
