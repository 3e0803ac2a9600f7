/*-------------------------------------------------------------------------
 *
 * train.c
 *	  Balancing, fitting and validation scoring of one segment_train
 *	  candidate, for any learner.
 *
 * IDENTIFICATION
 *	  src/train.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "smote.h"
#include "train.h"

static const char *const balance_names[BALANCE_N_MODES] = {"none", "class_weight", "smote"};

const char *
balance_name(int balance)
{
	return balance >= 0 && balance < BALANCE_N_MODES ? balance_names[balance] : "?";
}

void
balanced_class_weights(const int *y, int n, int n_classes, double *weights)
{
	int		   *counts = seg_alloc0(sizeof(int) * n_classes);

	for (int i = 0; i < n; i++)
		counts[y[i]]++;
	for (int c = 0; c < n_classes; c++)
		weights[c] = counts[c] > 0 ? (double) n / ((double) n_classes * counts[c]) : 0.0;
	seg_free(counts);
}

int
balanced_train_rows(const SegTrainSet *set, int balance)
{
	int		   *counts;
	int		   *n_new;
	int			rows = set->train.n;

	if (set->task != SEG_TASK_CLASSIFICATION || balance != BALANCE_SMOTE)
		return rows;
	counts = seg_alloc0(sizeof(int) * set->n_classes);
	n_new = seg_alloc0(sizeof(int) * set->n_classes);
	for (int i = 0; i < set->train.n; i++)
		counts[set->train.y_class[i]]++;
	smote_targets_by_strategy(SMOTE_NOT_MAJORITY, counts, set->n_classes, n_new);
	for (int c = 0; c < set->n_classes; c++)
		rows += n_new[c];
	seg_free(counts);
	seg_free(n_new);
	return rows;
}

/*
 * Appends SMOTE's synthetic rows to the training rows: *x / *y / *n get
 * new arrays holding the original rows followed by the synthetic ones.
 */
static SegStatus
SmoteTrainRows(const SegTrainSet *set, uint64_t seed, size_t memory_limit,
			   const SegHooks *hooks, double **x, int **y, int *n, char *errmsg)
{
	SmoteInput	in;
	SmoteOutput out;
	int		   *counts = seg_alloc0(sizeof(int) * set->n_classes);
	int		   *n_new = seg_alloc0(sizeof(int) * set->n_classes);
	SegStatus	status;
	size_t		d = (size_t) set->schema->n_inputs;

	for (int i = 0; i < set->train.n; i++)
		counts[set->train.y_class[i]]++;
	smote_targets_by_strategy(SMOTE_NOT_MAJORITY, counts, set->n_classes, n_new);
	memset(&in, 0, sizeof(in));
	in.x = set->train.x;
	in.n_rows = set->train.n;
	in.n_cols = set->schema->n_inputs;
	in.labels = set->train.y_class;
	in.n_classes = set->n_classes;
	memset(&out, 0, sizeof(out));
	status = smote_resample(&in, n_new, SMOTE_K_NEIGHBORS, seed, memory_limit, hooks,
							&out, errmsg);
	seg_free(counts);
	seg_free(n_new);
	if (status != SEG_OK)
		return status;
	*n = set->train.n + out.n_rows;
	*x = seg_alloc(sizeof(double) * d * (size_t) *n);
	*y = seg_alloc(sizeof(int) * (size_t) *n);
	memcpy(*x, set->train.x, sizeof(double) * d * set->train.n);
	memcpy(*y, set->train.y_class, sizeof(int) * set->train.n);
	if (out.n_rows > 0)
	{
		memcpy(*x + d * set->train.n, out.x, sizeof(double) * d * out.n_rows);
		memcpy(*y + set->train.n, out.labels, sizeof(int) * out.n_rows);
	}
	smote_output_free(&out);
	return SEG_OK;
}

/* Scores the fitted model on the validation rows. */
static void
ScoreValidation(const SegTrainSet *set, const SegHooks *hooks, SegCandidate *c)
{
	const SegLearner *learner = c->config.learner;
	int			n = set->val.n;
	int			k = set->task == SEG_TASK_CLASSIFICATION ? set->n_classes : 1;
	double	   *out;

	c->val_score = NAN;
	if (n == 0)
		return;
	out = seg_alloc(sizeof(double) * (size_t) n * k);
	learner_predict(learner, c->model, set->val.x, n, set->schema->n_inputs, k, out, hooks);
	if (set->task == SEG_TASK_REGRESSION)
	{
		metrics_regression(set->val.y_value, out, n, &c->val_regression);
		c->val_score = c->val_regression.r2;
		c->val_value = out;
		return;
	}
	else
	{
		int		   *predicted = seg_alloc(sizeof(int) * n);

		for (int i = 0; i < n; i++)
		{
			const double *p = out + (size_t) i * k;
			int			best = 0;

			/* the lowest index on ties, as segment_predict */
			for (int j = 1; j < k; j++)
				if (p[j] > p[best])
					best = j;
			predicted[i] = best;
		}
		c->val = metrics_compute(set->val.y_class, predicted, n, k);
		c->val_score = c->val->macro.f1;
		c->val_class = predicted;
	}
	seg_free(out);
}

SegStatus
train_candidate(const SegTrainSet *set, const SegTrialConfig *config, const SegLearnContext *ctx,
				SegCandidate *out, char *errmsg)
{
	const SegLearner *learner = config->learner;
	SegLearnProblem problem;
	double	   *smote_x = NULL;
	int		   *smote_y = NULL;
	double	   *weights = NULL;
	SegStatus	status;

	memset(out, 0, sizeof(*out));
	out->config = trial_config_copy(config);
	memset(&problem, 0, sizeof(problem));
	problem.task = set->task;
	problem.schema = set->schema;
	problem.n_classes = set->n_classes;
	problem.train = set->train;
	problem.val = set->val;

	if (set->task == SEG_TASK_CLASSIFICATION && config->balance == BALANCE_CLASS_WEIGHT)
	{
		weights = seg_alloc(sizeof(double) * set->n_classes);
		balanced_class_weights(set->train.y_class, set->train.n, set->n_classes, weights);
		problem.class_weight = weights;
	}
	else if (set->task == SEG_TASK_CLASSIFICATION && config->balance == BALANCE_SMOTE)
	{
		if (learner->input != SEG_INPUT_ENCODED)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN,
					 "balance smote is not available for model %s, which splits on the columns as they are",
					 learner->name);
			train_candidate_free(out);
			return SEG_ERR_INVALID;
		}
		status = SmoteTrainRows(set, ctx->seed, ctx->memory_limit, ctx->hooks, &smote_x, &smote_y,
								&problem.train.n, errmsg);
		if (status != SEG_OK)
		{
			train_candidate_free(out);
			return status;
		}
		problem.train.x = smote_x;
		problem.train.y_class = smote_y;
	}
	out->n_train_rows = problem.train.n;

	status = learner->fit(&problem, config->params, ctx, &out->model, &out->fit, errmsg);
	seg_free(weights);
	seg_free(smote_x);
	seg_free(smote_y);
	if (status != SEG_OK)
	{
		out->model = NULL;
		train_candidate_free(out);
		return status;
	}
	ScoreValidation(set, ctx->hooks, out);
	return SEG_OK;
}

void
train_candidate_free(SegCandidate *c)
{
	if (c->model != NULL)
		c->config.learner->free(c->model);
	fit_info_free(&c->fit);
	metrics_free(c->val);
	seg_free(c->config.params);
	seg_free(c->val_class);
	seg_free(c->val_value);
	c->val_class = NULL;
	c->val_value = NULL;
	c->model = NULL;
	c->val = NULL;
	c->config.params = NULL;
}
