/*-------------------------------------------------------------------------
 *
 * importance.h
 *	  Permutation importance of a fitted learner's inputs, by original
 *	  column.
 *
 * As scikit-learn's permutation_importance: the score of the model on
 * the rows as they are, minus its score after one column's values are
 * shuffled across the rows (the inputs of a one-hot column together, so
 * a category moves as one value), over `repeats` seeded shuffles; the
 * importance is the mean drop and std its population standard deviation.
 * The score is macro-F1 for classification, R2 for regression.
 *
 * IDENTIFICATION
 *	  src/importance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_IMPORTANCE_H
#define SEGMENT_IMPORTANCE_H

#include <stdint.h>

#include "core.h"
#include "learner.h"

typedef struct ImportanceInput
{
	const SegLearner *learner;
	const void *model;
	SegTask		task;
	int			n_classes;		/* classification */
	const SegInputSchema *schema;	/* the inputs' groups are the original columns */
	const double *x;			/* n x schema->n_inputs, in the learner's form */
	int			n;
	const int  *y_class;
	const double *y_value;
	int			repeats;
	uint64_t	seed;
	const SegHooks *hooks;
} ImportanceInput;

typedef struct ImportanceResult
{
	int			n_groups;
	double		baseline;		/* score on the rows as they are */
	double	   *mean;			/* per group: mean drop of the score */
	double	   *std;
} ImportanceResult;

extern void importance_permutation(const ImportanceInput *in, ImportanceResult *out);

/*
 * A learner's native importances summed per original column and scaled
 * to sum to 1 (as scikit-learn's feature_importances_); false when the
 * learner has none.  out has schema->n_groups values.
 */
extern bool importance_native(const SegLearner *learner, const void *model,
							  const SegInputSchema *schema, double *out);

/* The score permutation importance uses: macro-F1, or R2. */
extern double importance_score(SegTask task, int n_classes, const double *out,
							   const int *y_class, const double *y_value, int n);

#endif							/* SEGMENT_IMPORTANCE_H */
