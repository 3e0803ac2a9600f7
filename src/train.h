/*-------------------------------------------------------------------------
 *
 * train.h
 *	  One training candidate of segment_train: balance the training rows,
 *	  fit a learner with a trial's settings, score it on the validation
 *	  rows.
 *
 * Balancing touches the training rows only (classification):
 *	none          as they are
 *	class_weight  loss weights n / (k * count_c), scikit-learn's
 *	              compute_class_weight('balanced')
 *	smote         SMOTE (k = 5, every class but the majority brought to
 *	              the majority's count) on the encoded training matrix
 *	              (learners of the ENCODED input form only)
 *
 * IDENTIFICATION
 *	  src/train.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_TRAIN_H
#define SEGMENT_TRAIN_H

#include "core.h"
#include "learner.h"
#include "metrics.h"
#include "search_space.h"

/* balance modes; values appear in search trials */
typedef enum SegBalance
{
	BALANCE_NONE = 0,
	BALANCE_CLASS_WEIGHT = 1,
	BALANCE_SMOTE = 2,
	BALANCE_N_MODES
} SegBalance;

#define SMOTE_K_NEIGHBORS 5

extern const char *balance_name(int balance);

/* The prepared split a candidate trains on, in its learner's input form. */
typedef struct SegTrainSet
{
	SegTask		task;
	const SegInputSchema *schema;
	int			n_classes;		/* classification */
	SegLearnSet train;
	SegLearnSet val;
} SegTrainSet;

typedef struct SegCandidate
{
	SegTrialConfig config;		/* owns a copy of the params */
	void	   *model;			/* the learner's fitted model */
	SegFitInfo	fit;
	SegMetrics *val;			/* classification: validation metrics */
	SegRegressionMetrics val_regression;	/* regression: validation metrics */
	double		val_score;		/* ranking score: validation macro-F1, or R2 */
	int		   *val_class;		/* the validation rows' predicted classes */
	double	   *val_value;		/* or predicted values */
	int			n_train_rows;	/* after balancing */
} SegCandidate;

/*
 * Trains one candidate reproducibly for ctx->seed (ctx also carries the
 * hooks, the progress label, the memory limit and the race callback).
 */
extern SegStatus train_candidate(const SegTrainSet *set, const SegTrialConfig *config,
								 const SegLearnContext *ctx, SegCandidate *out, char *errmsg);

extern void train_candidate_free(SegCandidate *c);

/* The rows a candidate with this balance mode trains on (SMOTE adds rows). */
extern int	balanced_train_rows(const SegTrainSet *set, int balance);

/* Per-class weights n / (k * count), 0 for a class without rows. */
extern void balanced_class_weights(const int *y, int n, int n_classes, double *weights);

#endif							/* SEGMENT_TRAIN_H */
