/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Confusion matrix, accuracy, precision / recall / F1 and log-loss.
 *
 * IDENTIFICATION
 *	  src/metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

void
metrics_confusion(const int *actual, const int *predicted, int n, int n_classes,
				  int64_t *cm)
{
	memset(cm, 0, sizeof(int64_t) * (size_t) n_classes * n_classes);
	for (int i = 0; i < n; i++)
		cm[(size_t) actual[i] * n_classes + predicted[i]]++;
}

static double
SafeRatio(double num, double den)
{
	return den > 0.0 ? num / den : 0.0;
}

void
metrics_from_confusion(SegMetrics *m)
{
	int			k = m->n_classes;
	int64_t		correct = 0;
	int			n_present = 0;

	m->n = 0;
	memset(&m->macro, 0, sizeof(m->macro));
	memset(&m->weighted, 0, sizeof(m->weighted));
	for (int c = 0; c < k; c++)
	{
		int64_t		tp = m->confusion[(size_t) c * k + c];
		int64_t		support = 0;
		int64_t		predicted = 0;
		SegClassScores *s = &m->per_class[c];

		for (int j = 0; j < k; j++)
		{
			support += m->confusion[(size_t) c * k + j];
			predicted += m->confusion[(size_t) j * k + c];
		}
		s->support = support;
		s->precision = SafeRatio(tp, predicted);
		s->recall = SafeRatio(tp, support);
		s->f1 = SafeRatio(2.0 * s->precision * s->recall, s->precision + s->recall);
		correct += tp;
		m->n += support;
		if (support > 0 || predicted > 0)
		{
			n_present++;
			m->macro.precision += s->precision;
			m->macro.recall += s->recall;
			m->macro.f1 += s->f1;
		}
		m->weighted.precision += s->precision * support;
		m->weighted.recall += s->recall * support;
		m->weighted.f1 += s->f1 * support;
	}
	m->accuracy = SafeRatio(correct, m->n);
	m->macro.precision = SafeRatio(m->macro.precision, n_present);
	m->macro.recall = SafeRatio(m->macro.recall, n_present);
	m->macro.f1 = SafeRatio(m->macro.f1, n_present);
	m->macro.support = m->n;
	m->weighted.precision = SafeRatio(m->weighted.precision, m->n);
	m->weighted.recall = SafeRatio(m->weighted.recall, m->n);
	m->weighted.f1 = SafeRatio(m->weighted.f1, m->n);
	m->weighted.support = m->n;
}

SegMetrics *
metrics_compute(const int *actual, const int *predicted, int n, int n_classes)
{
	SegMetrics *m = seg_alloc0(sizeof(SegMetrics));

	m->n_classes = n_classes;
	m->confusion = seg_alloc(sizeof(int64_t) * (size_t) n_classes * n_classes);
	m->per_class = seg_alloc0(sizeof(SegClassScores) * n_classes);
	metrics_confusion(actual, predicted, n, n_classes, m->confusion);
	metrics_from_confusion(m);
	return m;
}

void
metrics_free(SegMetrics *m)
{
	if (m == NULL)
		return;
	seg_free(m->confusion);
	seg_free(m->per_class);
	seg_free(m);
}

double
metrics_log_loss(const double *proba, const int *actual, int n, int n_classes)
{
	/* scikit-learn 1.2's eps="auto": the machine epsilon of float64 */
	const double eps = DBL_EPSILON;
	double		sum = 0.0;

	for (int i = 0; i < n; i++)
	{
		const double *row = proba + (size_t) i * n_classes;
		double		total = 0.0;
		double		p;

		/* sklearn clips, then renormalises each row */
		for (int j = 0; j < n_classes; j++)
			total += fmin(fmax(row[j], eps), 1.0 - eps);
		p = fmin(fmax(row[actual[i]], eps), 1.0 - eps) / total;
		sum -= log(p);
	}
	return n > 0 ? sum / n : 0.0;
}

void
metrics_regression(const double *actual, const double *predicted, int n,
				   SegRegressionMetrics *out)
{
	double		mean = 0.0;
	double		sse = 0.0;
	double		sst = 0.0;
	double		abs_sum = 0.0;
	double		pct_sum = 0.0;
	bool		zero_truth = false;

	memset(out, 0, sizeof(*out));
	out->n = n;
	for (int i = 0; i < n; i++)
		mean += actual[i];
	mean = n > 0 ? mean / n : 0.0;
	for (int i = 0; i < n; i++)
	{
		double		e = actual[i] - predicted[i];

		sse += e * e;
		sst += (actual[i] - mean) * (actual[i] - mean);
		abs_sum += fabs(e);
		if (actual[i] == 0.0)
			zero_truth = true;
		else
			pct_sum += fabs(e) / fabs(actual[i]);
	}
	out->mean_actual = mean;
	out->mae = n > 0 ? abs_sum / n : NAN;
	out->rmse = n > 0 ? sqrt(sse / n) : NAN;
	/* r2_score's convention for a constant truth: 1 if predicted exactly, else 0 */
	out->r2 = n == 0 ? NAN : sst > 0.0 ? 1.0 - sse / sst : (sse == 0.0 ? 1.0 : 0.0);
	out->mape = n > 0 && !zero_truth ? pct_sum / n : NAN;
}

typedef struct ScoredRow
{
	double		score;
	bool		positive;
} ScoredRow;

/* descending score */
static int
CompareScores(const void *a, const void *b)
{
	double		x = ((const ScoredRow *) a)->score;
	double		y = ((const ScoredRow *) b)->score;

	return x > y ? -1 : x < y ? 1 : 0;
}

static ScoredRow *
SortedByScore(const double *score, const bool *positive, int n, int *n_pos)
{
	ScoredRow  *rows = seg_alloc(sizeof(ScoredRow) * (n > 0 ? n : 1));

	*n_pos = 0;
	for (int i = 0; i < n; i++)
	{
		rows[i].score = score[i];
		rows[i].positive = positive[i];
		*n_pos += positive[i];
	}
	qsort(rows, n, sizeof(ScoredRow), CompareScores);
	return rows;
}

double
metrics_roc_auc(const double *score, const bool *positive, int n)
{
	int			n_pos;
	ScoredRow  *rows = SortedByScore(score, positive, n, &n_pos);
	double		n_neg = n - n_pos;
	double		area = 0.0;
	double		tp = 0.0;
	double		fp = 0.0;

	if (n_pos == 0 || n_neg == 0)
	{
		seg_free(rows);
		return NAN;
	}
	/* trapezoids between the thresholds; tied scores make one step */
	for (int i = 0; i < n;)
	{
		double		tp0 = tp;
		double		fp0 = fp;
		int			j = i;

		for (; j < n && rows[j].score == rows[i].score; j++)
		{
			if (rows[j].positive)
				tp++;
			else
				fp++;
		}
		area += (fp - fp0) * (tp + tp0) / 2.0;
		i = j;
	}
	seg_free(rows);
	return area / (n_pos * n_neg);
}

double
metrics_average_precision(const double *score, const bool *positive, int n)
{
	int			n_pos;
	ScoredRow  *rows = SortedByScore(score, positive, n, &n_pos);
	double		ap = 0.0;
	double		tp = 0.0;
	double		called = 0.0;

	if (n_pos == 0 || n_pos == n)
	{
		seg_free(rows);
		return NAN;
	}
	/* sum over thresholds of (recall step) x precision there */
	for (int i = 0; i < n;)
	{
		double		tp0 = tp;
		int			j = i;

		for (; j < n && rows[j].score == rows[i].score; j++)
		{
			called++;
			if (rows[j].positive)
				tp++;
		}
		ap += (tp - tp0) / n_pos * (tp / called);
		i = j;
	}
	seg_free(rows);
	return ap;
}
