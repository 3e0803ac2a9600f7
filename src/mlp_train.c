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

#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPS 1e-8

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
	if (train->n < 2 || val->n < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "training needs at least 2 training rows and 1 validation row, not %d and %d",
				 train->n, val->n);
		return SEG_ERR_INVALID;
	}
	for (int i = 0; i < train->n; i++)
		if (train->y[i] < 0 || train->y[i] >= m->shape.n_classes)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN, "class index %d out of range", train->y[i]);
			return SEG_ERR_INVALID;
		}
	for (int i = 0; i < val->n; i++)
		if (val->y[i] < 0 || val->y[i] >= m->shape.n_classes)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN, "class index %d out of range", val->y[i]);
			return SEG_ERR_INVALID;
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
	int		   *yb;
	double	   *grad;
	double	   *best_params;
	double	   *best_stats;
	double	   *val_proba;
	Adam		adam;
	MlpWork    *work;
	MlpDense   *dense;
	double		best_loss = INFINITY;
	int			wait = 0;

	if (status != SEG_OK)
		return status;
	max_batch = p->batch_size < train->n ? p->batch_size + 1 : train->n;
	order = seg_alloc(sizeof(int) * train->n);
	xb = seg_alloc(sizeof(double) * (size_t) max_batch * d);
	yb = seg_alloc(sizeof(int) * max_batch);
	grad = seg_alloc0(sizeof(double) * m->n_params);
	best_params = seg_alloc(sizeof(double) * m->n_params);
	best_stats = seg_alloc(sizeof(double) * (m->n_stats > 0 ? m->n_stats : 1));
	val_proba = seg_alloc(sizeof(double) * (size_t) val->n * m->shape.n_classes);
	adam.m = seg_alloc0(sizeof(double) * m->n_params);
	adam.v = seg_alloc0(sizeof(double) * m->n_params);
	adam.beta1_t = adam.beta2_t = 1.0;
	work = mlp_work_create(m, max_batch);
	dense = mlp_dense_create(m);

	for (int i = 0; i < train->n; i++)
		order[i] = i;
	memset(result, 0, sizeof(*result));

	for (int epoch = 1; epoch <= p->epochs; epoch++)
	{
		double		loss_sum = 0.0;
		double		train_loss;
		double		val_loss;
		double		val_accuracy;
		char		line[SEG_ERRMSG_LEN];

		rng_shuffle(rng, order, train->n);
		for (int start = 0; start < train->n;)
		{
			int			size = train->n - start < p->batch_size ? train->n - start : p->batch_size;

			/* a lone last row would give batch normalisation a zero variance */
			if (train->n - start - size == 1)
				size++;
			seg_check_interrupts(hooks);
			for (int i = 0; i < size; i++)
			{
				int			r = order[start + i];

				memcpy(xb + (size_t) i * d, train->x + (size_t) r * d, sizeof(double) * d);
				yb[i] = train->y[r];
			}
			loss_sum += size * mlp_loss_grad(m, work, xb, yb, size, p->class_weight,
											 p->dropout, p->l2, rng, true, grad);
			AdamStep(&adam, m->params, grad, m->n_params, p->learning_rate);
			start += size;
		}
		train_loss = loss_sum / train->n;
		mlp_dense_refresh(dense, m);
		mlp_evaluate(dense, val->x, val->y, val->n, val_proba, &val_loss, &val_accuracy);
		snprintf(line, sizeof(line),
				 "%s%sepoch %d/%d - loss: %.4f - val_loss: %.4f - val_accuracy: %.4f",
				 p->progress_label ? p->progress_label : "",
				 p->progress_label ? " " : "",
				 epoch, p->epochs, train_loss, val_loss, val_accuracy);
		seg_progress(hooks, line);
		result->epochs_run = epoch;
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
			result->val_loss = val_loss;
			result->val_accuracy = val_accuracy;
		}
		else if (++wait >= p->patience)
			break;
	}

	if (result->best_epoch == 0)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "training diverged: the loss is not finite after the first epoch");
		status = SEG_ERR_INVALID;
	}
	else
	{
		memcpy(m->params, best_params, sizeof(double) * m->n_params);
		memcpy(m->stats, best_stats, sizeof(double) * m->n_stats);
	}

	mlp_dense_free(dense);
	mlp_work_free(work);
	seg_free(adam.m);
	seg_free(adam.v);
	seg_free(val_proba);
	seg_free(best_stats);
	seg_free(best_params);
	seg_free(grad);
	seg_free(yb);
	seg_free(xb);
	seg_free(order);
	return status;
}
