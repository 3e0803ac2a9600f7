/*-------------------------------------------------------------------------
 *
 * smote.h
 *	  SMOTE and SMOTE-NC oversampling on plain matrices (imbalanced-learn
 *	  0.10 semantics), used by smote_table() and by segment_train's
 *	  balance => 'smote'.
 *
 * A synthetic row of class c is x + u * (z - x), where x is a random row
 * of c, z one of x's k nearest neighbours within c (itself excluded) and
 * u ~ U[0, 1).  Neighbours are exact Euclidean nearest neighbours.
 *
 * SMOTE-NC (some columns categorical): distances use the continuous
 * columns plus, per categorical column, a one-hot block whose ones are
 * median_std / 2, median_std being the median of the continuous columns'
 * standard deviations within the minority class (so a mismatch adds
 * median_std^2 / 2 to the squared distance, as imbalanced-learn does).
 * The category of a synthetic row is the most frequent among x's k
 * neighbours, ties broken at random.
 *
 * IDENTIFICATION
 *	  src/smote.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SMOTE_H
#define SEGMENT_SMOTE_H

#include "core.h"

/* imbalanced-learn's string strategies */
typedef enum SmoteStrategy
{
	SMOTE_NOT_MAJORITY,			/* 'auto' and 'not majority' */
	SMOTE_MINORITY,
	SMOTE_NOT_MINORITY,
	SMOTE_ALL
} SmoteStrategy;

/*
 * Rows to add per class for a named strategy: every selected class is
 * brought to the majority's count.  Majority / minority ties go to the
 * lowest class index, as imbalanced-learn's max()/min() over sorted
 * classes.
 */
extern void smote_targets_by_strategy(SmoteStrategy strategy, const int *class_counts,
									  int n_classes, int *n_new);

/*
 * Rows to add for a float ratio (two classes only): int(ratio * majority
 * - count) for the other class.  SEG_ERR_INVALID when the ratio would
 * remove rows or add none.
 */
extern SegStatus smote_targets_by_ratio(double ratio, const int *class_counts,
										int n_classes, int *n_new, char *errmsg);

typedef struct SmoteInput
{
	const double *x;			/* n_rows x n_cols, row-major, no NaN */
	int			n_rows;
	int			n_cols;
	const int  *labels;			/* class index per row, 0 .. n_classes-1 */
	int			n_classes;

	/*
	 * Per column, or NULL for all false: categorical columns hold category
	 * codes 0 .. n_categories[j]-1 (SMOTE-NC); integer columns are rounded
	 * to the nearest integer (which stays within the two parents' range).
	 */
	const bool *categorical;
	const int  *n_categories;
	const bool *integer;
} SmoteInput;

typedef struct SmoteOutput
{
	int			n_rows;			/* synthetic rows, grouped by class */
	double	   *x;				/* n_rows x n_cols */
	int		   *labels;
} SmoteOutput;

/*
 * Adds n_new[c] synthetic rows to every class c, with k_neighbors
 * neighbours, reproducibly for a seed.  memory_limit bounds the working
 * memory (0: no limit); when exceeded the message says how much is
 * needed.  SEG_ERR_INVALID (with a message) for k_neighbors < 1, a class
 * to oversample with fewer than k_neighbors + 1 rows, or bad input.
 */
extern SegStatus smote_resample(const SmoteInput *in, const int *n_new,
								int k_neighbors, uint64_t seed, size_t memory_limit,
								const SegHooks *hooks, SmoteOutput *out, char *errmsg);

extern void smote_output_free(SmoteOutput *out);

#endif							/* SEGMENT_SMOTE_H */
