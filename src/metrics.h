/*-------------------------------------------------------------------------
 *
 * metrics.h
 *	  Classification metrics from a confusion matrix, with scikit-learn
 *	  1.2's definitions.
 *
 * Per class: precision = tp / predicted, recall = tp / support,
 * f1 = 2 p r / (p + r), each 0 when its denominator is 0 (sklearn's
 * zero_division=0, without the warning).  Macro averages are plain means
 * over the classes that occur in the actual or predicted labels (sklearn's
 * unique_labels(y_true, y_pred)); weighted averages weight by support.
 *
 * IDENTIFICATION
 *	  src/metrics.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_METRICS_H
#define SEGMENT_METRICS_H

#include <stdint.h>

#include "core.h"

typedef struct SegClassScores
{
	double		precision;
	double		recall;
	double		f1;
	int64_t		support;
} SegClassScores;

typedef struct SegMetrics
{
	int			n_classes;
	int64_t		n;
	int64_t    *confusion;		/* n_classes x n_classes, row = actual */
	SegClassScores *per_class;
	double		accuracy;
	SegClassScores macro;		/* support = n */
	SegClassScores weighted;
} SegMetrics;

/* cm[actual * n_classes + predicted] counts; cm has n_classes^2 cells */
extern void metrics_confusion(const int *actual, const int *predicted, int n,
							  int n_classes, int64_t *cm);

/* Fills every score of m from m->confusion (allocated by the caller). */
extern void metrics_from_confusion(SegMetrics *m);

/* Allocates and computes the metrics of a labelling. */
extern SegMetrics *metrics_compute(const int *actual, const int *predicted, int n,
								   int n_classes);
extern void metrics_free(SegMetrics *m);

/*
 * Mean negative log-likelihood of the actual classes, probabilities
 * clipped to [1e-15, 1 - 1e-15] as sklearn's log_loss.
 */
extern double metrics_log_loss(const double *proba, const int *actual, int n,
							   int n_classes);

/*
 * Binary ranking metrics of scores for the positive class (higher = more
 * likely positive): roc_auc_score and average_precision_score as
 * scikit-learn computes them (ties share a threshold).  NaN when either
 * class is absent.
 */
extern double metrics_roc_auc(const double *score, const bool *positive, int n);
extern double metrics_average_precision(const double *score, const bool *positive, int n);

/* Regression metrics, as scikit-learn's of the same names. */
typedef struct SegRegressionMetrics
{
	int64_t		n;
	double		mae;			/* mean_absolute_error */
	double		rmse;			/* mean_squared_error(squared=False) */
	double		r2;				/* r2_score: 1 - SSE / SST (1 or 0 for a constant truth) */
	double		mape;			/* mean_absolute_percentage_error; NaN when a truth is 0 */
	double		mean_actual;
} SegRegressionMetrics;

extern void metrics_regression(const double *actual, const double *predicted, int n,
							   SegRegressionMetrics *out);

#endif							/* SEGMENT_METRICS_H */
