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

double
importance_score(SegTask task, int n_classes, const double *out, const int *y_class,
				 const double *y_value, int n)
{
	double		score;

	if (task == SEG_TASK_REGRESSION)
		return selection_r2(y_value, out, NULL, n);
	{
		int		   *predicted = seg_alloc(sizeof(int) * (n > 0 ? n : 1));

		/* the most probable class, the lowest index on ties */
		for (int i = 0; i < n; i++)
		{
			const double *p = out + (size_t) i * n_classes;
			int			best = 0;

			for (int c = 1; c < n_classes; c++)
				if (p[c] > p[best])
					best = c;
			predicted[i] = best;
		}
		score = selection_macro_f1(y_class, predicted, NULL, n, n_classes);
		seg_free(predicted);
	}
	return score;
}

void
importance_permutation(const ImportanceInput *in, ImportanceResult *out)
{
	const SegInputSchema *schema = in->schema;
	int			d = schema->n_inputs;
	int			k = in->task == SEG_TASK_CLASSIFICATION ? in->n_classes : 1;
	size_t		cells = (size_t) (in->n > 0 ? in->n : 1) * d;
	double	   *x = seg_alloc(sizeof(double) * cells);
	double	   *pred = seg_alloc(sizeof(double) * (size_t) (in->n > 0 ? in->n : 1) * k);
	int		   *perm = seg_alloc(sizeof(int) * (in->n > 0 ? in->n : 1));
	int		   *cols = seg_alloc(sizeof(int) * (d > 0 ? d : 1));
	SegRng		rng;

	out->n_groups = schema->n_groups;
	out->mean = seg_alloc0(sizeof(double) * (schema->n_groups > 0 ? schema->n_groups : 1));
	out->std = seg_alloc0(sizeof(double) * (schema->n_groups > 0 ? schema->n_groups : 1));
	memcpy(x, in->x, sizeof(double) * (size_t) in->n * d);
	in->learner->predict(in->model, x, in->n, pred);
	out->baseline = importance_score(in->task, in->n_classes, pred, in->y_class, in->y_value,
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
			/* the group's inputs of row i come from row perm[i] */
			for (int i = 0; i < in->n; i++)
				for (int c = 0; c < n_cols; c++)
					x[(size_t) i * d + cols[c]] = in->x[(size_t) perm[i] * d + cols[c]];
			in->learner->predict(in->model, x, in->n, pred);
			drop = out->baseline - importance_score(in->task, in->n_classes, pred, in->y_class,
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
