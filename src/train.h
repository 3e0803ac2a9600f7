/*-------------------------------------------------------------------------
 *
 * train.h
 *	  One training candidate of segment_train: balance the (encoded)
 *	  training rows, fit an MLP with a trial's hyperparameters, score it
 *	  on the validation rows.
 *
 * Balancing touches the training rows only:
 *	none          as they are
 *	class_weight  loss weights n / (k * count_c), scikit-learn's
 *	              compute_class_weight('balanced')
 *	smote         SMOTE (k = 5, every class but the majority brought to
 *	              the majority's count) on the encoded training matrix
 *
 * IDENTIFICATION
 *	  src/train.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_TRAIN_H
#define SEGMENT_TRAIN_H

#include "core.h"
#include "metrics.h"
#include "mlp.h"
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

/* the encoded split: train, validation */
typedef struct SegTrainSet
{
	int			n_features;
	int			n_classes;
	const double *x_train;
	const int  *y_train;
	int			n_train;
	const double *x_val;
	const int  *y_val;
	int			n_val;
} SegTrainSet;

typedef struct SegCandidate
{
	SegTrialConfig config;
	Mlp		   *mlp;			/* the trained network (best epoch) */
	MlpFitResult fit;
	SegMetrics *val;			/* validation metrics */
	int			n_train_rows;	/* after balancing */
} SegCandidate;

/*
 * Trains one candidate (epochs / patience as given, the rest from
 * config), reproducibly for seed.  `label` prefixes progress lines.
 */
extern SegStatus train_candidate(const SegTrainSet *set, const SegTrialConfig *config,
								 int epochs, int patience, uint64_t seed,
								 const char *label, size_t memory_limit,
								 const SegHooks *hooks, SegCandidate *out, char *errmsg);

extern void train_candidate_free(SegCandidate *c);

/* Per-class weights n / (k * count), 0 for a class without rows. */
extern void balanced_class_weights(const int *y, int n, int n_classes, double *weights);

#endif							/* SEGMENT_TRAIN_H */
