/*-------------------------------------------------------------------------
 *
 * selection.c
 *	  The one-standard-error choice among validation-scored candidates.
 *
 * IDENTIFICATION
 *	  src/selection.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "rng.h"
#include "selection.h"

double
selection_macro_f1(const int *actual, const int *predicted, const int *counts, int n,
				   int n_classes)
{
	int64_t    *tp = seg_alloc0(sizeof(int64_t) * n_classes);
	int64_t    *support = seg_alloc0(sizeof(int64_t) * n_classes);
	int64_t    *called = seg_alloc0(sizeof(int64_t) * n_classes);
	double		sum = 0.0;
	int			present = 0;

	for (int i = 0; i < n; i++)
	{
		int64_t		w = counts != NULL ? counts[i] : 1;

		support[actual[i]] += w;
		called[predicted[i]] += w;
		if (actual[i] == predicted[i])
			tp[actual[i]] += w;
	}
	/* as metrics.c: classes absent from both actual and predicted do not count */
	for (int c = 0; c < n_classes; c++)
	{
		double		p;
		double		r;

		if (support[c] == 0 && called[c] == 0)
			continue;
		present++;
		p = called[c] > 0 ? (double) tp[c] / called[c] : 0.0;
		r = support[c] > 0 ? (double) tp[c] / support[c] : 0.0;
		sum += p + r > 0.0 ? 2.0 * p * r / (p + r) : 0.0;
	}
	seg_free(tp);
	seg_free(support);
	seg_free(called);
	return present > 0 ? sum / present : 0.0;
}

double
selection_r2(const double *actual, const double *predicted, const int *counts, int n)
{
	double		total = 0.0;
	double		mean = 0.0;
	double		sse = 0.0;
	double		sst = 0.0;

	for (int i = 0; i < n; i++)
	{
		double		w = counts != NULL ? counts[i] : 1;

		total += w;
		mean += w * actual[i];
	}
	if (total == 0.0)
		return NAN;
	mean /= total;
	for (int i = 0; i < n; i++)
	{
		double		w = counts != NULL ? counts[i] : 1;
		double		e = actual[i] - predicted[i];

		sse += w * e * e;
		sst += w * (actual[i] - mean) * (actual[i] - mean);
	}
	return sst > 0.0 ? 1.0 - sse / sst : (sse == 0.0 ? 1.0 : 0.0);
}

static double
Score(const SelectionInput *in, int c, const int *counts)
{
	if (in->classification)
		return selection_macro_f1(in->y_class, in->pred_class[c], counts, in->n, in->n_classes);
	return selection_r2(in->y_value, in->pred_value[c], counts, in->n);
}

void
selection_choose(const SelectionInput *in, SelectionResult *out)
{
	int			k = in->n_candidates;
	double	   *diff_sum;
	double	   *diff_sq;
	int		   *counts;
	SegRng		rng;

	memset(out, 0, sizeof(*out));
	out->scores = seg_alloc(sizeof(double) * (k > 0 ? k : 1));
	out->errors = seg_alloc0(sizeof(double) * (k > 0 ? k : 1));
	for (int c = 0; c < k; c++)
		out->scores[c] = in->n > 0 ? Score(in, c, NULL) : NAN;
	for (int c = 1; c < k; c++)
		if (out->scores[c] > out->scores[out->best] ||
			(isnan(out->scores[out->best]) && !isnan(out->scores[c])))
			out->best = c;
	out->chosen = out->best;
	if (k < 2 || in->n < 2)
		return;

	/* the same resamples for every candidate: paired differences to the best */
	diff_sum = seg_alloc0(sizeof(double) * k);
	diff_sq = seg_alloc0(sizeof(double) * k);
	counts = seg_alloc(sizeof(int) * in->n);
	rng_seed(&rng, in->seed);
	for (int b = 0; b < SELECTION_BOOTSTRAP; b++)
	{
		double		best_score;

		memset(counts, 0, sizeof(int) * in->n);
		for (int i = 0; i < in->n; i++)
			counts[rng_below(&rng, (uint64_t) in->n)]++;
		best_score = Score(in, out->best, counts);
		for (int c = 0; c < k; c++)
		{
			double		d;

			if (c == out->best)
				continue;
			d = best_score - Score(in, c, counts);
			if (isnan(d))
				continue;
			diff_sum[c] += d;
			diff_sq[c] += d * d;
		}
	}

	/* the simplest within one standard error; the best otherwise */
	for (int c = 0; c < k; c++)
	{
		double		mean = diff_sum[c] / SELECTION_BOOTSTRAP;
		double		se = sqrt(fmax(diff_sq[c] / SELECTION_BOOTSTRAP - mean * mean, 0.0));
		double		margin = out->scores[out->best] - out->scores[c];

		if (c == out->best || isnan(margin))
			continue;
		out->errors[c] = se;
		if (margin <= se && in->simplicity[c] < in->simplicity[out->chosen])
		{
			out->chosen = c;
			out->margin = margin;
			out->standard_error = se;
		}
	}
	seg_free(diff_sum);
	seg_free(diff_sq);
	seg_free(counts);
}

double
selection_standard_error(const SelectionInput *in, int candidate)
{
	int		   *counts;
	double		sum = 0.0;
	double		sq = 0.0;
	SegRng		rng;

	if (in->n < 2)
		return 0.0;
	counts = seg_alloc(sizeof(int) * in->n);
	rng_seed(&rng, in->seed);
	for (int b = 0; b < SELECTION_BOOTSTRAP; b++)
	{
		double		score;

		memset(counts, 0, sizeof(int) * in->n);
		for (int i = 0; i < in->n; i++)
			counts[rng_below(&rng, (uint64_t) in->n)]++;
		score = Score(in, candidate, counts);
		sum += score;
		sq += score * score;
	}
	seg_free(counts);
	sum /= SELECTION_BOOTSTRAP;
	return sqrt(fmax(sq / SELECTION_BOOTSTRAP - sum * sum, 0.0));
}
