/*-------------------------------------------------------------------------
 *
 * evaluation.c
 *	  Scoring a part of the split, and the no-feature baseline.
 *
 * IDENTIFICATION
 *	  src/evaluation.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "evaluation.h"

void
evaluation_score(SegTask task, int n_classes, const int *y_class, const double *y_value,
				 const double *out, int n, PartScores *scores)
{
	memset(scores, 0, sizeof(*scores));
	scores->rows = n;
	scores->scored_rows = n;
	scores->roc_auc = NAN;
	scores->pr_auc = NAN;
	if (task == SEG_TASK_REGRESSION)
	{
		metrics_regression(y_value, out, n, &scores->regression);
		return;
	}
	{
		int		   *predicted = seg_alloc(sizeof(int) * (n > 0 ? n : 1));

		/* the most probable class, the lowest index on ties, as segment_predict */
		for (int i = 0; i < n; i++)
		{
			const double *p = out + (size_t) i * n_classes;
			int			best = 0;

			for (int c = 1; c < n_classes; c++)
				if (p[c] > p[best])
					best = c;
			predicted[i] = best;
		}
		scores->metrics = metrics_compute(y_class, predicted, n, n_classes);
		scores->log_loss = metrics_log_loss(out, y_class, n, n_classes);
		seg_free(predicted);
	}
	if (n_classes == 2)
	{
		double	   *p1 = seg_alloc(sizeof(double) * (n > 0 ? n : 1));
		bool	   *positive = seg_alloc(sizeof(bool) * (n > 0 ? n : 1));

		for (int i = 0; i < n; i++)
		{
			p1[i] = out[(size_t) i * 2 + 1];
			positive[i] = y_class[i] == 1;
		}
		scores->roc_auc = metrics_roc_auc(p1, positive, n);
		scores->pr_auc = metrics_average_precision(p1, positive, n);
		seg_free(p1);
		seg_free(positive);
	}
}

void
evaluation_baseline(SegTask task, int n_classes, const int *train_class,
					const double *train_value, int n_train, int n, double *out)
{
	if (task == SEG_TASK_REGRESSION)
	{
		double		mean = 0.0;

		for (int i = 0; i < n_train; i++)
			mean += train_value[i];
		mean = n_train > 0 ? mean / n_train : 0.0;
		for (int i = 0; i < n; i++)
			out[i] = mean;
		return;
	}
	{
		double	   *share = seg_alloc0(sizeof(double) * n_classes);

		/*
		 * The shares as probabilities: their largest is the most frequent
		 * class, the lowest index on ties, which the argmax picks too.
		 */
		for (int i = 0; i < n_train; i++)
			share[train_class[i]] += 1.0 / n_train;
		for (int i = 0; i < n; i++)
			memcpy(out + (size_t) i * n_classes, share, sizeof(double) * n_classes);
		seg_free(share);
	}
}

void
evaluation_free(PartScores *scores)
{
	metrics_free(scores->metrics);
	scores->metrics = NULL;
}
