/*-------------------------------------------------------------------------
 *
 * tree_learn.h
 *	  What the tree learners (learner_gbdt.c, learner_forest.c) share:
 *	  checking a problem, turning a grown tree into model nodes, and the
 *	  SegLearner entry points that only read the model.
 *
 * IDENTIFICATION
 *	  src/tree_learn.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_TREE_LEARN_H
#define SEGMENT_TREE_LEARN_H

#include "learner.h"
#include "tree_bins.h"
#include "tree_grow.h"
#include "tree_model.h"

/*
 * SEG_ERR_INVALID unless the problem is one a tree learner fits: RAW
 * inputs, train rows, class labels in range, finite targets, finite
 * non-negative class weights.
 */
extern SegStatus tree_learn_check(const SegLearnProblem *pb, const char *learner,
								  char *errmsg);

/* Marks the codes the bins saw as known to the model. */
extern void tree_learn_known_codes(TreeModel *m, const TreeBinMapper *bm);

/*
 * Appends a grown tree to m as tree margin (or -1): thresholds in raw
 * units, bin sets as code bitsets.
 */
extern void tree_learn_append(TreeModel *m, const TreeGrown *g, const TreeBinMapper *bm,
							  int margin);

/* SEG_ERR_CORRUPT unless m is a model of this kind for shape. */
extern SegStatus tree_learn_check_shape(const TreeModel *m, const SegModelShape *shape,
										TreeKind kind, char *errmsg);

/* Formats a progress line and passes it to the hooks. */
extern void tree_learn_progress(const SegLearnContext *ctx, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* The SegLearner entry points common to every tree learner. */
extern void tree_learn_predict(const void *model, const double *x, int n, double *out);
extern int	tree_learn_row_scratch(const void *model);
extern void tree_learn_predict_row(const void *model, const double *x, double *out,
								   double *scratch);
extern void tree_learn_write(SegWriter *w, const void *model);
extern void tree_learn_free(void *model);
extern void tree_learn_describe(const void *model, const SegInfoSink *sink);
extern int	tree_learn_n_margins(const void *model);
extern void tree_learn_margin_row(const void *model, const double *x, double *margin,
								  double *scratch);
extern void tree_learn_margins(const void *model, const double *x, int n, double *out);
extern void tree_learn_importances(const void *model, double *out);
extern void tree_learn_contributions(const void *model, const double *x, double *phi);
extern int	tree_learn_n_trees(const void *model);
extern int	tree_learn_rules(const void *model, int t, const SegInputSchema *schema,
							 const char *const *const *category_names, SegRule **rules);

#endif							/* SEGMENT_TREE_LEARN_H */
