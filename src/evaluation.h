/*-------------------------------------------------------------------------
 *
 * evaluation.h
 *	  The figures of a fitted model on one part of the split, and of the
 *	  baseline that predicts without looking at the features.
 *
 * Classification: accuracy, per-class and averaged precision / recall /
 * F1, the confusion matrix and log loss (metrics.h); with two classes
 * also ROC-AUC and average precision (PR-AUC) for the second class, as
 * scikit-learn scores pos_label = classes[1].  The baseline always
 * predicts the train part's most frequent class (probabilities: the
 * train part's class shares).  Regression: MAE, RMSE, R2, MAPE; the
 * baseline predicts the train part's mean.
 *
 * IDENTIFICATION
 *	  src/evaluation.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_EVALUATION_H
#define SEGMENT_EVALUATION_H

#include "core.h"
#include "learner.h"
#include "metrics.h"

typedef struct PartScores
{
	int			rows;
	int			scored_rows;	/* rows the figures come from: rows, or a sample of them */
	SegMetrics *metrics;		/* classification */
	double		log_loss;
	double		roc_auc;		/* two classes only, else NaN */
	double		pr_auc;
	SegRegressionMetrics regression;	/* regression */
} PartScores;

/*
 * Scores predictions out (n x n_outputs: probabilities, or values) of a
 * part against its truth.
 */
extern void evaluation_score(SegTask task, int n_classes, const int *y_class,
							 const double *y_value, const double *out, int n,
							 PartScores *scores);

/*
 * The baseline's predictions for n rows, from the train part's truth
 * (n_train rows): out is n x n_outputs.
 */
extern void evaluation_baseline(SegTask task, int n_classes, const int *train_class,
								const double *train_value, int n_train, int n, double *out);

extern void evaluation_free(PartScores *scores);

#endif							/* SEGMENT_EVALUATION_H */
