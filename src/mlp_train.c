/*-------------------------------------------------------------------------
 *
 * mlp_train.c
 *	  The minibatch training loop: shuffled epochs, Adam, early stopping
 *	  on validation loss with the best epoch's weights restored.
 *
 * IDENTIFICATION
 *	  src/mlp_train.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mlp.h"
#include "selection.h"

#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPS 1e-8
/* scikit-learn's tol: the least training-loss improvement that counts without validation rows */
#define MLP_TRAIN_TOL 1e-4

typedef struct Adam
{
	double	   *m;
	double	   *v;
	double		beta1_t;		/* beta1^t */
	double		beta2_t;
} Adam;

/* One Adam step, sklearn's form: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t). */
static void
AdamStep(Adam *adam, double *restrict params, const double *restrict grad, size_t n,
		 double lr)
{
	double	   *restrict m = adam->m;
	double	   *restrict v = adam->v;
	double		lr_t;

	adam->beta1_t *= ADAM_BETA1;
	adam->beta2_t *= ADAM_BETA2;
	lr_t = lr * sqrt(1.0 - adam->beta2_t) / (1.0 - adam->beta1_t);
	/* Auto-vectorized */
	for (size_t i = 0; i < n; i++)
	{
		double		g = grad[i];

		m[i] = ADAM_BETA1 * m[i] + (1.0 - ADAM_BETA1) * g;
		v[i] = ADAM_BETA2 * v[i] + (1.0 - ADAM_BETA2) * g * g;
		params[i] -= lr_t * m[i] / (sqrt(v[i]) + ADAM_EPS);
	}
}

/* Macro-F1 of the most probable classes of n rows of probabilities. */
static double
MacroF1(const double *proba, const int *y, int n, int k, int *predicted)
{
	for (int i = 0; i < n; i++)
		predicted[i] = mlp_argmax(proba + (size_t) i * k, k);
	return selection_macro_f1(y, predicted, NULL, n, k);
}

static SegStatus
CheckTrainParams(const Mlp *m, const MlpData *train, const MlpData *val,
				 const MlpTrainParams *p, char *errmsg)
{
	if (!(p->dropout >= 0.0 && p->dropout < 1.0))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "dropout must be in [0, 1), not %g", p->dropout);
		return SEG_ERR_INVALID;
	}
	if (!(p->l2 >= 0.0 && isfinite(p->l2)))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "l2 must be a finite number >= 0, not %g", p->l2);
		return SEG_ERR_INVALID;
	}
	if (!(p->learning_rate > 0.0 && isfinite(p->learning_rate)))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "learning rate must be a finite number > 0, not %g",
				 p->learning_rate);
		return SEG_ERR_INVALID;
	}
	if (p->epochs < 1 || p->batch_size < 1 || p->patience < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "epochs, batch size and patience must be >= 1");
		return SEG_ERR_INVALID;
	}
	if (train->n < 2)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "training needs at least 2 rows, not %d", train->n);
		return SEG_ERR_INVALID;
	}
	for (int part = 0; part < 2; part++)
	{
		const MlpData *data = part == 0 ? train : val;

		/* a linear output's targets: n_outputs values a row */
		size_t		n_targets = m->shape.output == MLP_OUTPUT_LINEAR ?
			(size_t) data->n * m->shape.n_outputs : (size_t) data->n;

		for (size_t i = 0; i < n_targets; i++)
			if (m->shape.output == MLP_OUTPUT_LINEAR ? !isfinite(data->t.value[i]) :
				data->t.y[i] < 0 || data->t.y[i] >= m->shape.n_outputs)
			{
				snprintf(errmsg, SEG_ERRMSG_LEN, m->shape.output == MLP_OUTPUT_LINEAR ?
						 "target values must be finite" : "class index out of range");
				return SEG_ERR_INVALID;
			}
	}
	return SEG_OK;
}

SegStatus
mlp_fit(Mlp *m, const MlpData *train, const MlpData *val, const MlpTrainParams *p,
		SegRng *rng, const SegHooks *hooks, MlpFitResult *result, char *errmsg)
{
	SegStatus	status = CheckTrainParams(m, train, val, p, errmsg);
	int			d = m->shape.n_inputs;
	int			max_batch;
	int		   *order;
	double	   *xb;
	int		   *yb = NULL;
	double	   *vb = NULL;
	MlpTargets	tb;
	double	   *grad;
	void	   *aligned_block;
	double	   *best_params;
	double	   *best_stats;
	double	   *val_out;
	int		   *val_pred;
	bool		linear = m->shape.output == MLP_OUTPUT_LINEAR;
	Adam		adam;
	MlpWork    *work;
	MlpDense   *dense;
	double		best_loss = INFINITY;
	int			wait = 0;
	double		best_train_loss = INFINITY;
	int			train_wait = 0;

	if (status != SEG_OK)
		return status;
	max_batch = p->batch_size < train->n ? p->batch_size + 1 : train->n;
	order = seg_alloc(sizeof(int) * train->n);
	xb = seg_alloc(sizeof(double) * (size_t) max_batch * d);
	if (linear)
		vb = seg_alloc(sizeof(double) * (size_t) max_batch * m->shape.n_outputs);
	else
		yb = seg_alloc(sizeof(int) * max_batch);
	tb.y = yb;
	tb.value = vb;
	/* the gradient and Adam's moments, each on a cache line */
	{
		MlpCarver	c = {NULL, 0};

		for (int i = 0; i < 3; i++)
			(void) mlp_carve(&c, m->n_params);
		c.base = mlp_carve_block(c.size, &aligned_block);
		memset(c.base, 0, c.size);
		c.size = 0;
		grad = mlp_carve(&c, m->n_params);
		adam.m = mlp_carve(&c, m->n_params);
		adam.v = mlp_carve(&c, m->n_params);
	}
	best_params = seg_alloc(sizeof(double) * m->n_params);
	best_stats = seg_alloc(sizeof(double) * (m->n_stats > 0 ? m->n_stats : 1));
	val_out = seg_alloc(sizeof(double) * (size_t) (val->n > 0 ? val->n : 1) * m->shape.n_outputs);
	val_pred = seg_alloc(sizeof(int) * (val->n > 0 ? val->n : 1));
	adam.beta1_t = adam.beta2_t = 1.0;
	work = mlp_work_create(m, max_batch);
	dense = mlp_dense_create(m);

	for (int i = 0; i < train->n; i++)
		order[i] = i;
	memset(result, 0, sizeof(*result));
	result->history = seg_alloc(sizeof(MlpEpoch) * p->epochs);

	for (int epoch = 1; epoch <= p->epochs; epoch++)
	{
		double		loss_sum = 0.0;
		double		train_loss;
		double		val_loss;
		double		val_score;
		char		line[SEG_ERRMSG_LEN];

		rng_shuffle(rng, order, train->n);
		for (int start = 0; start < train->n;)
		{
			int			size = train->n - start < p->batch_size ? train->n - start : p->batch_size;

			/* a lone last row would give batch normalisation a zero variance */
			if (train->n - start - size == 1)
				size++;
			seg_check_interrupts(hooks);
			/*
			 * The next minibatch's rows, scattered over a matrix larger
			 * than the caches, are fetched while this one trains.
			 */
			for (int i = start + size; i < start + 2 * size && i < train->n; i++)
				__builtin_prefetch(train->x + (size_t) order[i] * d);
			for (int i = 0; i < size; i++)
			{
				int			r = order[start + i];

				for (int j = 0; j < d; j++)
					xb[(size_t) i * d + j] = train->x[(size_t) r * d + j];
				if (linear)
					memcpy(vb + (size_t) i * m->shape.n_outputs,
						   train->t.value + (size_t) r * m->shape.n_outputs,
						   sizeof(double) * m->shape.n_outputs);
				else
					yb[i] = train->t.y[r];
			}
			loss_sum += size * mlp_loss_grad(m, work, xb, tb, size, p->class_weight,
											 p->dropout, p->l2, rng, true, grad);
			AdamStep(&adam, m->params, grad, m->n_params, p->learning_rate);
			start += size;
		}
		train_loss = loss_sum / train->n;
		if (val->n > 0)
		{
			double		val_accuracy;

			mlp_dense_refresh(dense, m);
			mlp_evaluate(dense, val->x, val->t, val->n, val_out, &val_loss, &val_accuracy,
						 hooks);
			/* the score candidates are ranked by: macro-F1, or R2 */
			val_score = linear ? val_accuracy : MacroF1(val_out, val->t.y, val->n,
														 m->shape.n_outputs, val_pred);
			snprintf(line, sizeof(line),
					 "%s%sepoch %d/%d - loss: %.4f - val_loss: %.4f - val_%s: %.4f",
					 p->progress_label ? p->progress_label : "",
					 p->progress_label ? " " : "",
					 epoch, p->epochs, train_loss, val_loss, linear ? "r2" : "accuracy",
					 val_accuracy);
		}
		else
		{
			/* without validation rows every epoch is kept: the last one wins */
			val_loss = -(double) epoch;
			val_score = NAN;
			snprintf(line, sizeof(line), "%s%sepoch %d/%d - loss: %.4f",
					 p->progress_label ? p->progress_label : "",
					 p->progress_label ? " " : "", epoch, p->epochs, train_loss);
		}
		seg_progress(hooks, line);
		result->epochs_run = epoch;
		result->history[epoch - 1].train_loss = train_loss;
		result->history[epoch - 1].val_loss = val->n > 0 ? val_loss : NAN;
		result->history[epoch - 1].val_score = val_score;
		if (!isfinite(train_loss) || !isfinite(val_loss))
			break;				/* diverged: keep the best epoch so far */
		if (val_loss < best_loss)
		{
			best_loss = val_loss;
			wait = 0;
			memcpy(best_params, m->params, sizeof(double) * m->n_params);
			memcpy(best_stats, m->stats, sizeof(double) * m->n_stats);
			result->best_epoch = epoch;
			result->train_loss = train_loss;
			result->val_loss = val->n > 0 ? val_loss : NAN;
			result->val_score = val_score;
		}
		else if (++wait >= p->patience)
			break;
		/*
		 * Without validation rows, as scikit-learn's MLP without early
		 * stopping: stop once the training loss has not improved by
		 * MLP_TRAIN_TOL for patience epochs (the last epoch is kept).
		 */
		if (val->n == 0)
		{
			if (train_loss < best_train_loss - MLP_TRAIN_TOL)
			{
				best_train_loss = train_loss;
				train_wait = 0;
			}
			else if (++train_wait >= p->patience)
				break;
		}
		if (val->n > 0 && p->keep_going != NULL &&
			!p->keep_going(p->keep_going_arg, epoch, val_loss, val_score))
			break;
	}

	if (result->best_epoch == 0)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "training diverged: the loss is not finite after the first epoch");
		status = SEG_ERR_INVALID;
		seg_free(result->history);
		result->history = NULL;
	}
	else
	{
		memcpy(m->params, best_params, sizeof(double) * m->n_params);
		memcpy(m->stats, best_stats, sizeof(double) * m->n_stats);
	}

	mlp_dense_free(dense);
	mlp_work_free(work);
	seg_free(aligned_block);
	seg_free(val_out);
	seg_free(val_pred);
	seg_free(best_stats);
	seg_free(best_params);
	seg_free(yb);
	seg_free(vb);
	seg_free(xb);
	seg_free(order);
	return status;
}
