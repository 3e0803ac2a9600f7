/*-------------------------------------------------------------------------
 *
 * importance.c
 *	  Permutation importance and native importances by original column.
 *
 * IDENTIFICATION
 *	  src/importance.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "importance.h"
#include "rng.h"
#include "selection.h"

/*
 * The class of each row from its scores: one per class (probabilities or
 * margins), the largest, the lowest index on ties; or a single margin,
 * class 1 when positive (the logistic link's 0.5).
 */
static void
ClassesOf(const double *scores, int width, int n, int *predicted)
{
	for (int i = 0; i < n; i++)
	{
		const double *p = scores + (size_t) i * width;
		int			best = 0;

		if (width == 1)
			best = p[0] > 0.0;
		for (int c = 1; c < width; c++)
			if (p[c] > p[best])
				best = c;
		predicted[i] = best;
	}
}

/* The score of rows from their scores, width per row (see ClassesOf). */
static double
ScoreOf(SegTask task, int n_classes, const double *scores, int width, const int *y_class,
		const double *y_value, int n)
{
	int		   *predicted;
	double		score;

	if (task == SEG_TASK_REGRESSION)
		return selection_r2(y_value, scores, NULL, n);
	predicted = seg_alloc(sizeof(int) * (n > 0 ? n : 1));
	ClassesOf(scores, width, n, predicted);
	score = selection_macro_f1(y_class, predicted, NULL, n, n_classes);
	seg_free(predicted);
	return score;
}

double
importance_score(SegTask task, int n_classes, const double *out, const int *y_class,
				 const double *y_value, int n)
{
	return ScoreOf(task, n_classes, out, task == SEG_TASK_REGRESSION ? 1 : n_classes,
				   y_class, y_value, n);
}

/*
 * Scores of the rows of x, written to out, and their width per row.  A
 * classifier with margins is scored on them: the class with the largest
 * margin is the most probable one, and the link (an exp per class and
 * row) is most of what a prediction costs beyond the trees.
 */
static int
Predict(const ImportanceInput *in, const double *x, double *out)
{
	int			width = in->task == SEG_TASK_CLASSIFICATION ? in->n_classes : 1;

	if (in->task == SEG_TASK_CLASSIFICATION && in->learner->margins != NULL)
	{
		learner_margins(in->learner, in->model, x, in->n, in->schema->n_inputs, out,
						in->hooks);
		return in->learner->n_margins(in->model);
	}
	learner_predict(in->learner, in->model, x, in->n, in->schema->n_inputs, width, out,
					in->hooks);
	return width;
}

void
importance_permutation(const ImportanceInput *in, ImportanceResult *out)
{
	const SegInputSchema *schema = in->schema;
	int			d = schema->n_inputs;
	int			k = in->task == SEG_TASK_CLASSIFICATION ? in->n_classes : 1;
	size_t		rows = (size_t) (in->n > 0 ? in->n : 1);
	double	   *x = seg_alloc(sizeof(double) * rows * d);
	double	   *pred;
	double	   *column = seg_alloc(sizeof(double) * rows);
	int		   *perm = seg_alloc(sizeof(int) * rows);
	int		   *cols = seg_alloc(sizeof(int) * (d > 0 ? d : 1));
	int			width;
	SegRng		rng;

	if (in->learner->margins != NULL && in->learner->n_margins(in->model) > k)
		k = in->learner->n_margins(in->model);
	pred = seg_alloc(sizeof(double) * rows * k);
	out->n_groups = schema->n_groups;
	out->mean = seg_alloc0(sizeof(double) * (schema->n_groups > 0 ? schema->n_groups : 1));
	out->std = seg_alloc0(sizeof(double) * (schema->n_groups > 0 ? schema->n_groups : 1));
	memcpy(x, in->x, sizeof(double) * (size_t) in->n * d);
	width = Predict(in, x, pred);
	out->baseline = ScoreOf(in->task, in->n_classes, pred, width, in->y_class, in->y_value,
							in->n);

	rng_seed(&rng, in->seed);
	for (int g = 0; g < schema->n_groups; g++)
	{
		int			n_cols = 0;
		double		sum = 0.0;
		double		sq = 0.0;

		for (int j = 0; j < d; j++)
			if (schema->columns[j].group == g)
				cols[n_cols++] = j;
		for (int r = 0; r < in->repeats; r++)
		{
			double		drop;

			seg_check_interrupts(in->hooks);
			for (int i = 0; i < in->n; i++)
				perm[i] = i;
			rng_shuffle(&rng, perm, in->n);
			/*
			 * The group's inputs of row i come from row perm[i], gathered
			 * one input at a time from a dense copy of it: random reads
			 * within n values instead of across the n x d rows.
			 */
			for (int c = 0; c < n_cols; c++)
			{
				for (int i = 0; i < in->n; i++)
					column[i] = in->x[(size_t) i * d + cols[c]];
				for (int i = 0; i < in->n; i++)
					x[(size_t) i * d + cols[c]] = column[perm[i]];
			}
			Predict(in, x, pred);
			drop = out->baseline - ScoreOf(in->task, in->n_classes, pred, width, in->y_class,
										   in->y_value, in->n);
			sum += drop;
			sq += drop * drop;
		}
		/* restore the group's inputs */
		for (int i = 0; i < in->n; i++)
			for (int c = 0; c < n_cols; c++)
				x[(size_t) i * d + cols[c]] = in->x[(size_t) i * d + cols[c]];
		if (in->repeats > 0)
		{
			out->mean[g] = sum / in->repeats;
			out->std[g] = sqrt(fmax(sq / in->repeats - out->mean[g] * out->mean[g], 0.0));
		}
	}
	seg_free(x);
	seg_free(pred);
	seg_free(column);
	seg_free(perm);
	seg_free(cols);
}

bool
importance_native(const SegLearner *learner, const void *model, const SegInputSchema *schema,
				  double *out)
{
	double	   *per_input;
	double		total = 0.0;

	if (learner->importances == NULL)
		return false;
	per_input = seg_alloc0(sizeof(double) * (schema->n_inputs > 0 ? schema->n_inputs : 1));
	learner->importances(model, per_input);
	memset(out, 0, sizeof(double) * schema->n_groups);
	for (int j = 0; j < schema->n_inputs; j++)
		out[schema->columns[j].group] += per_input[j];
	for (int g = 0; g < schema->n_groups; g++)
		total += out[g];
	if (total > 0.0)
		for (int g = 0; g < schema->n_groups; g++)
			out[g] /= total;
	seg_free(per_input);
	return true;
}
