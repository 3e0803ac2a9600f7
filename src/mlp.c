/*-------------------------------------------------------------------------
 *
 * mlp.c
 *	  Multilayer perceptron: layout, initialisation, training-mode forward
 *	  and backward passes, prediction with folded batch normalisation.
 *
 * Batch normalisation follows Ioffe and Szegedy (2015), "Batch
 * Normalization: Accelerating Deep Network Training by Reducing Internal
 * Covariate Shift"; inverted dropout Srivastava et al. (2014); Adam
 * Kingma and Ba (2015) in the form scikit-learn uses (bias correction
 * folded into the step size).  The training loop is in mlp_train.c.
 *
 * IDENTIFICATION
 *	  src/mlp.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lanes.h"
#include "linalg.h"
#include "mlp.h"

/* four 64-bit integers, the masks of Doubles4 comparisons (lanes.h) */
typedef long long Ints4 __attribute__((vector_size(4 * sizeof(long long))));

SegStatus
mlp_check_shape(const MlpShape *shape, char *errmsg)
{
	if (shape->n_inputs < 1 || shape->n_inputs > MLP_MAX_WIDTH)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "number of inputs %d is out of range 1 .. %d",
				 shape->n_inputs, MLP_MAX_WIDTH);
		return SEG_ERR_INVALID;
	}
	if (shape->output == MLP_OUTPUT_SOFTMAX &&
		(shape->n_outputs < 2 || shape->n_outputs > MLP_MAX_WIDTH))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "number of classes %d is out of range 2 .. %d",
				 shape->n_outputs, MLP_MAX_WIDTH);
		return SEG_ERR_INVALID;
	}
	if (shape->output == MLP_OUTPUT_LINEAR &&
		(shape->n_outputs < 1 || shape->n_outputs > MLP_MAX_WIDTH))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "number of linear outputs %d is out of range 1 .. %d",
				 shape->n_outputs, MLP_MAX_WIDTH);
		return SEG_ERR_INVALID;
	}
	if (shape->output != MLP_OUTPUT_SOFTMAX && shape->output != MLP_OUTPUT_LINEAR)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "unknown output kind %d", (int) shape->output);
		return SEG_ERR_INVALID;
	}
	if (shape->n_hidden < 0 || shape->n_hidden > MLP_MAX_HIDDEN)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "number of hidden layers %d is out of range 0 .. %d",
				 shape->n_hidden, MLP_MAX_HIDDEN);
		return SEG_ERR_INVALID;
	}
	for (int l = 0; l < shape->n_hidden; l++)
		if (shape->hidden[l] < 1 || shape->hidden[l] > MLP_MAX_WIDTH)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN, "hidden layer size %d is out of range 1 .. %d",
					 shape->hidden[l], MLP_MAX_WIDTH);
			return SEG_ERR_INVALID;
		}
	return SEG_OK;
}

SegStatus
mlp_create(const MlpShape *shape, Mlp **out, char *errmsg)
{
	return mlp_create_linear(shape, 0, out, errmsg);
}

SegStatus
mlp_create_linear(const MlpShape *shape, uint32_t linear_hidden, Mlp **out, char *errmsg)
{
	SegStatus	status = mlp_check_shape(shape, errmsg);
	Mlp		   *m;
	long		np = 0;
	long		ns = 0;
	int			n_in = shape->n_inputs;

	if (status != SEG_OK)
		return status;
	if ((linear_hidden >> shape->n_hidden) != 0)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "linear layer mask 0x%x names a layer beyond the %d hidden",
				 (unsigned) linear_hidden, shape->n_hidden);
		return SEG_ERR_INVALID;
	}
	m = seg_alloc0(sizeof(Mlp));
	if (m == NULL)
		return SEG_ERR_NOMEM;
	m->shape = *shape;
	m->linear_hidden = linear_hidden;
	m->n_layers = shape->n_hidden + 1;
	m->max_width = shape->n_inputs;
	for (int l = 0; l < m->n_layers; l++)
	{
		MlpLayer   *L = &m->layers[l];
		bool		hidden = l < shape->n_hidden;
		bool		bn = hidden && shape->batch_norm;

		L->n_in = n_in;
		L->n_out = hidden ? shape->hidden[l] : shape->n_outputs;
		L->hidden = hidden;
		L->relu = hidden && (linear_hidden & (1u << l)) == 0;
		/* widths are <= 65536, so n_in * n_out fits easily in a long */
		L->w = np;
		np += (long) L->n_in * L->n_out;
		L->b = L->gamma = L->beta = L->running_mean = L->running_var = -1;
		if (bn)
		{
			L->gamma = np;
			np += L->n_out;
			L->beta = np;
			np += L->n_out;
			L->running_mean = ns;
			ns += L->n_out;
			L->running_var = ns;
			ns += L->n_out;
		}
		else
		{
			L->b = np;
			np += L->n_out;
		}
		if (L->n_out > m->max_width)
			m->max_width = L->n_out;
		n_in = L->n_out;
	}
	m->n_params = (size_t) np;
	m->n_stats = (size_t) ns;
	{
		MlpCarver	c = {NULL, 0};

		(void) mlp_carve(&c, m->n_params > 0 ? m->n_params : 1);
		(void) mlp_carve(&c, m->n_stats > 0 ? m->n_stats : 1);
		c.base = mlp_carve_block(c.size, &m->block);
		if (c.base == NULL)
		{
			mlp_free(m);
			return SEG_ERR_NOMEM;
		}
		memset(c.base, 0, c.size);
		c.size = 0;
		m->params = mlp_carve(&c, m->n_params > 0 ? m->n_params : 1);
		m->stats = mlp_carve(&c, m->n_stats > 0 ? m->n_stats : 1);
	}
	for (int l = 0; l < m->n_layers; l++)
	{
		MlpLayer   *L = &m->layers[l];

		if (L->gamma >= 0)
			for (int j = 0; j < L->n_out; j++)
			{
				m->params[L->gamma + j] = 1.0;
				m->stats[L->running_var + j] = 1.0;
			}
	}
	*out = m;
	return SEG_OK;
}

void
mlp_init_params(Mlp *m, SegRng *rng)
{
	for (int l = 0; l < m->n_layers; l++)
	{
		MlpLayer   *L = &m->layers[l];
		double		bound = sqrt(6.0 / (L->n_in + L->n_out));
		long		nw = (long) L->n_in * L->n_out;

		for (long i = 0; i < nw; i++)
			m->params[L->w + i] = (2.0 * rng_uniform(rng) - 1.0) * bound;
		if (L->b >= 0)
			for (int j = 0; j < L->n_out; j++)
				m->params[L->b + j] = (2.0 * rng_uniform(rng) - 1.0) * bound;
		if (L->gamma >= 0)
			for (int j = 0; j < L->n_out; j++)
			{
				m->params[L->gamma + j] = 1.0;
				m->params[L->beta + j] = 0.0;
				m->stats[L->running_mean + j] = 0.0;
				m->stats[L->running_var + j] = 1.0;
			}
	}
}

void
mlp_free(Mlp *m)
{
	if (m == NULL)
		return;
	seg_free(m->block);
	seg_free(m);
}

double *
mlp_carve(MlpCarver *c, size_t n)
{
	double	   *p = c->base != NULL ? (double *) (c->base + c->size) : NULL;

	c->size += (sizeof(double) * n + MLP_ALIGN - 1) & ~(size_t) (MLP_ALIGN - 1);
	return p;
}

char *
mlp_carve_block(size_t size, void **block)
{
	char	   *p = seg_alloc(size + MLP_ALIGN);

	*block = p;
	if (p == NULL)
		return NULL;
	return (char *) (((uintptr_t) p + MLP_ALIGN - 1) & ~(uintptr_t) (MLP_ALIGN - 1));
}

/* ---- prediction ---------------------------------------------------- */

MlpDense *
mlp_dense_create(const Mlp *m)
{
	MlpDense   *d = seg_alloc0(sizeof(MlpDense));

	d->n_layers = m->n_layers;
	d->n_outputs = m->shape.n_outputs;
	d->output = m->shape.output;
	d->max_width = m->max_width;
	for (int l = 0; l < m->n_layers; l++)
	{
		d->n_in[l] = m->layers[l].n_in;
		d->n_out[l] = m->layers[l].n_out;
		d->relu[l] = m->layers[l].relu;
		d->w[l] = seg_alloc(sizeof(double) * (size_t) d->n_in[l] * d->n_out[l]);
		d->b[l] = seg_alloc(sizeof(double) * d->n_out[l]);
	}
	mlp_dense_refresh(d, m);
	return d;
}

void
mlp_dense_refresh(MlpDense *d, const Mlp *m)
{
	for (int l = 0; l < m->n_layers; l++)
	{
		const MlpLayer *L = &m->layers[l];
		const double *w = m->params + L->w;
		double	   *dw = d->w[l];
		double	   *db = d->b[l];

		if (L->gamma < 0)
		{
			memcpy(dw, w, sizeof(double) * (size_t) L->n_in * L->n_out);
			memcpy(db, m->params + L->b, sizeof(double) * L->n_out);
			continue;
		}
		for (int j = 0; j < L->n_out; j++)
		{
			double		s = m->params[L->gamma + j] /
				sqrt(m->stats[L->running_var + j] + MLP_BN_EPS);

			db[j] = m->params[L->beta + j] - m->stats[L->running_mean + j] * s;
			for (int i = 0; i < L->n_in; i++)
				dw[(size_t) i * L->n_out + j] = w[(size_t) i * L->n_out + j] * s;
		}
	}
}

void
mlp_dense_free(MlpDense *d)
{
	if (d == NULL)
		return;
	for (int l = 0; l < d->n_layers; l++)
	{
		seg_free(d->w[l]);
		seg_free(d->b[l]);
	}
	seg_free(d);
}

int
mlp_argmax(const double *v, int n)
{
	int			best = 0;

	for (int j = 1; j < n; j++)
		if (v[j] > v[best])
			best = j;
	return best;
}

void
mlp_softmax_rows(double *z, int n, int c)
{
	for (int i = 0; i < n; i++)
	{
		double	   *row = z + (size_t) i * c;
		double		mx = row[0];
		double		sum = 0.0;

		for (int j = 1; j < c; j++)
			if (row[j] > mx)
				mx = row[j];
		for (int j = 0; j < c; j++)
		{
			row[j] = exp(row[j] - mx);
			sum += row[j];
		}
		for (int j = 0; j < c; j++)
			row[j] /= sum;
	}
}

/*
 * z += a W for one row a (n_in) and W (n_in x n_out, row-major): each
 * input adds its row of W to the outputs, sixteen outputs at a time in
 * vectors of four (gcc passes vectors wider than the target's through
 * the stack in this loop).  For the few dozen units of a layer this
 * beats a BLAS gemv call, whose set-up costs more than the arithmetic.
 */
static void
DenseLayerRow(const double *w, const double *a, int n_in, int n_out, double *z)
{
	int			j = 0;

	for (; j + 16 <= n_out; j += 16)
	{
		Doubles4	acc[4];

		memcpy(acc, z + j, sizeof(acc));
		for (int i = 0; i < n_in; i++)
		{
			Doubles4	wi[4];

			memcpy(wi, w + (size_t) i * n_out + j, sizeof(wi));
			for (int q = 0; q < 4; q++)
				acc[q] += a[i] * wi[q];
		}
		memcpy(z + j, acc, sizeof(acc));
	}
	/*
	 * Eight at a time, then one by one: which outputs the vector loops
	 * take decides which sums are fused multiply-adds, and the outputs
	 * must not change.
	 */
	for (; j + 8 <= n_out; j += 8)
	{
		Doubles4	acc[2];

		memcpy(acc, z + j, sizeof(acc));
		for (int i = 0; i < n_in; i++)
		{
			Doubles4	wi[2];

			memcpy(wi, w + (size_t) i * n_out + j, sizeof(wi));
			acc[0] += a[i] * wi[0];
			acc[1] += a[i] * wi[1];
		}
		memcpy(z + j, acc, sizeof(acc));
	}
	for (; j < n_out; j++)
	{
		double		s = z[j];

		for (int i = 0; i < n_in; i++)
			s += a[i] * w[(size_t) i * n_out + j];
		z[j] = s;
	}
}

void
mlp_dense_forward_row(const MlpDense *d, int n_layers, const double *x, double *out,
					  double *scratch)
{
	mlp_dense_forward_layers(d, 0, n_layers, x, out, scratch);
}

void
mlp_dense_forward_layers(const MlpDense *d, int first, int end, const double *x, double *out,
						 double *scratch)
{
	const double *a = x;
	double	   *bufs[2] = {scratch, scratch + d->max_width};

	for (int l = first; l < end; l++)
	{
		bool		last = l == end - 1;
		double	   *z = last ? out : bufs[l & 1];
		int			n_out = d->n_out[l];

		memcpy(z, d->b[l], sizeof(double) * n_out);
		DenseLayerRow(d->w[l], a, d->n_in[l], n_out, z);
		if (d->relu[l])
			for (int j = 0; j < n_out; j++)
				z[j] = z[j] > 0.0 ? z[j] : 0.0;
		a = z;
	}
}

int
mlp_dense_predict_row(const MlpDense *d, const double *x, double *out, double *scratch)
{
	mlp_dense_forward_row(d, d->n_layers, x, out, scratch);
	if (d->output == MLP_OUTPUT_LINEAR)
		return 0;
	mlp_softmax_rows(out, 1, d->n_outputs);
	return mlp_argmax(out, d->n_outputs);
}

#define DENSE_BLOCK 256

void
mlp_dense_forward(const MlpDense *d, int n_layers, const double *x, int n, double *out,
				  const SegHooks *hooks)
{
	double	   *bufs[2];
	int			width = d->n_out[n_layers - 1];

	bufs[0] = seg_alloc(sizeof(double) * DENSE_BLOCK * d->max_width);
	bufs[1] = seg_alloc(sizeof(double) * DENSE_BLOCK * d->max_width);
	for (int start = 0; start < n; start += DENSE_BLOCK)
	{
		int			rows = n - start < DENSE_BLOCK ? n - start : DENSE_BLOCK;
		const double *a = x + (size_t) start * d->n_in[0];

		/* 75 ms through three layers of 2,048 units; all the rows, seconds or minutes */
		seg_check_interrupts(hooks);
		for (int l = 0; l < n_layers; l++)
		{
			bool		last = l == n_layers - 1;
			int			n_out = d->n_out[l];
			double	   *z = last ? out + (size_t) start * width : bufs[l & 1];

			for (int i = 0; i < rows; i++)
				memcpy(z + (size_t) i * n_out, d->b[l], sizeof(double) * n_out);
			linalg_gemm(false, false, rows, n_out, d->n_in[l], 1.0, a, d->n_in[l],
						d->w[l], n_out, 1.0, z, n_out);
			if (d->relu[l])
				for (size_t k = 0; k < (size_t) rows * n_out; k++)
					z[k] = z[k] > 0.0 ? z[k] : 0.0;
			a = z;
		}
	}
	seg_free(bufs[0]);
	seg_free(bufs[1]);
}

void
mlp_dense_predict(const MlpDense *d, const double *x, int n, double *out,
				  const SegHooks *hooks)
{
	mlp_dense_forward(d, d->n_layers, x, n, out, hooks);
	if (d->output == MLP_OUTPUT_SOFTMAX)
		mlp_softmax_rows(out, n, d->n_outputs);
}

/* smallest probability fed to log(), as sklearn's log_loss clipping */
#define PROBA_FLOOR 1e-15

/*
 * Squared loss and mean R2 of n rows of c > 1 linear outputs: per output
 * the residual and total sums of squares (as r2_score's uniform average,
 * an output constant in y scoring 1 when fitted exactly, else 0).
 */
static void
EvaluateOutputs(const double *y, const double *out, int n, int c, double *loss, double *score)
{
	double		sum = 0.0;
	double		r2 = 0.0;

	for (int j = 0; j < c; j++)
	{
		double		mean = 0.0;
		double		res = 0.0;
		double		total = 0.0;

		for (int i = 0; i < n; i++)
			mean += y[(size_t) i * c + j];
		mean = n > 0 ? mean / n : 0.0;
		for (int i = 0; i < n; i++)
		{
			double		yi = y[(size_t) i * c + j];
			double		e = yi - out[(size_t) i * c + j];

			res += e * e;
			total += (yi - mean) * (yi - mean);
		}
		sum += res;
		r2 += total > 0.0 ? 1.0 - res / total : (res == 0.0 ? 1.0 : 0.0);
	}
	*loss = n > 0 ? 0.5 * sum / n : 0.0;
	*score = r2 / c;
}

void
mlp_evaluate(const MlpDense *d, const double *x, MlpTargets t, int n,
			 double *out, double *loss, double *score, const SegHooks *hooks)
{
	double		sum = 0.0;
	int			correct = 0;
	int			c = d->n_outputs;

	mlp_dense_predict(d, x, n, out, hooks);
	if (d->output == MLP_OUTPUT_LINEAR && c > 1)
	{
		EvaluateOutputs(t.value, out, n, c, loss, score);
		return;
	}
	if (d->output == MLP_OUTPUT_LINEAR)
	{
		double		mean = 0.0;
		double		total = 0.0;

		for (int i = 0; i < n; i++)
		{
			double		e = t.value[i] - out[i];

			sum += e * e;
			mean += t.value[i];
		}
		mean = n > 0 ? mean / n : 0.0;
		for (int i = 0; i < n; i++)
			total += (t.value[i] - mean) * (t.value[i] - mean);
		*loss = n > 0 ? 0.5 * sum / n : 0.0;
		/* R2 as scikit-learn's r2_score: 1 for a perfect fit of a constant */
		*score = total > 0.0 ? 1.0 - sum / total : (sum == 0.0 ? 1.0 : 0.0);
		return;
	}
	for (int i = 0; i < n; i++)
	{
		const double *p = out + (size_t) i * c;
		double		py = p[t.y[i]];

		sum -= log(py > PROBA_FLOOR ? py : PROBA_FLOOR);
		if (mlp_argmax(p, c) == t.y[i])
			correct++;
	}
	*loss = n > 0 ? sum / n : 0.0;
	*score = n > 0 ? (double) correct / n : 0.0;
}

/* ---- training-mode passes ------------------------------------------ */

struct MlpWork
{
	void	   *block;			/* every array below is carved from it */
	int			max_batch;
	double	   *pre[MLP_MAX_HIDDEN + 1];	/* layer output before ReLU (after BN) */
	double	   *zhat[MLP_MAX_HIDDEN];	/* normalised pre-activations (BN) */
	double	   *act[MLP_MAX_HIDDEN];	/* after ReLU and dropout */
	double	   *mask[MLP_MAX_HIDDEN];	/* 0 or 1 / (1 - p) */
	double	   *mean[MLP_MAX_HIDDEN];
	double	   *inv_std[MLP_MAX_HIDDEN];
	double	   *dz;				/* max_batch x max_width */
	double	   *da;
	double	   *col_a;			/* max_width column sums */
	double	   *col_b;
	uint64_t   *draws;			/* a dropout mask's random draws */
};

/* Carves the work arrays (or, with c->base NULL, counts their size). */
static void
WorkLayout(const Mlp *m, int max_batch, MlpWork *w, MlpCarver *c)
{
	size_t		big = (size_t) max_batch * m->max_width;

	for (int l = 0; l < m->n_layers; l++)
	{
		size_t		cells = (size_t) max_batch * m->layers[l].n_out;

		w->pre[l] = mlp_carve(c, cells);
		if (!m->layers[l].hidden)
			continue;
		w->zhat[l] = mlp_carve(c, cells);
		w->act[l] = mlp_carve(c, cells);
		w->mask[l] = mlp_carve(c, cells);
		w->mean[l] = mlp_carve(c, m->layers[l].n_out);
		w->inv_std[l] = mlp_carve(c, m->layers[l].n_out);
	}
	w->dz = mlp_carve(c, big);
	w->da = mlp_carve(c, big);
	w->col_a = mlp_carve(c, m->max_width);
	w->col_b = mlp_carve(c, m->max_width);
	/* four 16-bit draws in each 64-bit value, carved as doubles of the same size */
	w->draws = (uint64_t *) mlp_carve(c, (big + 3) / 4);
}

MlpWork *
mlp_work_create(const Mlp *m, int max_batch)
{
	MlpWork    *w = seg_alloc0(sizeof(MlpWork));
	MlpCarver	c = {NULL, 0};

	w->max_batch = max_batch;
	WorkLayout(m, max_batch, w, &c);
	c.base = mlp_carve_block(c.size, &w->block);
	c.size = 0;
	WorkLayout(m, max_batch, w, &c);
	return w;
}

void
mlp_work_free(MlpWork *w)
{
	if (w == NULL)
		return;
	seg_free(w->block);
	seg_free(w);
}

/* Normalises z (n x k) in place with the batch's statistics, keeping zhat. */
static void
BatchNormForward(Mlp *m, MlpWork *w, int l, int n, bool update_stats)
{
	const MlpLayer *L = &m->layers[l];
	int			k = L->n_out;
	double	   *restrict z = w->pre[l];
	double	   *restrict zhat = w->zhat[l];
	double	   *restrict mean = w->mean[l];
	double	   *restrict inv_std = w->inv_std[l];
	double	   *restrict sq = w->col_a;
	const double *restrict gamma = m->params + L->gamma;
	const double *restrict beta = m->params + L->beta;

	memset(mean, 0, sizeof(double) * k);
	memset(sq, 0, sizeof(double) * k);
	for (int i = 0; i < n; i++)
	{
		const double *restrict zi = z + (size_t) i * k;

		/* Auto-vectorized */
		for (int j = 0; j < k; j++)
			mean[j] += zi[j];
	}
	for (int j = 0; j < k; j++)
		mean[j] /= n;
	for (int i = 0; i < n; i++)
	{
		const double *restrict zi = z + (size_t) i * k;

		/* Auto-vectorized */
		for (int j = 0; j < k; j++)
			sq[j] += (zi[j] - mean[j]) * (zi[j] - mean[j]);
	}
	for (int j = 0; j < k; j++)
	{
		double		var = sq[j] / n;

		inv_std[j] = 1.0 / sqrt(var + MLP_BN_EPS);
		if (update_stats)
		{
			double	   *rm = m->stats + L->running_mean;
			double	   *rv = m->stats + L->running_var;

			rm[j] = (1.0 - MLP_BN_MOMENTUM) * rm[j] + MLP_BN_MOMENTUM * mean[j];
			rv[j] = (1.0 - MLP_BN_MOMENTUM) * rv[j] +
				MLP_BN_MOMENTUM * (n > 1 ? var * n / (n - 1) : var);
		}
	}
	for (int i = 0; i < n; i++)
	{
		double	   *restrict zi = z + (size_t) i * k;
		double	   *restrict hi = zhat + (size_t) i * k;

		/* Auto-vectorized */
		for (int j = 0; j < k; j++)
		{
			hi[j] = (zi[j] - mean[j]) * inv_std[j];
			zi[j] = gamma[j] * hi[j] + beta[j];
		}
	}
}

/*
 * Inverted dropout masks: 0 with probability p, else 1 / (1 - p).  Each
 * 64-bit draw gives four 16-bit uniforms, so p is resolved to 2^-16.  The
 * draws are made first (rng_fill) and then turned into masks by a loop
 * the compiler vectorizes.
 */
static void
DropoutMask(double *restrict mask, size_t cells, double dropout, SegRng *rng,
			uint64_t *restrict draws)
{
	double		keep = 1.0 / (1.0 - dropout);
	uint64_t	threshold = (uint64_t) (dropout * 65536.0);
	size_t		n_draws = (cells + 3) / 4;
	size_t		c = 0;

	rng_fill(rng, draws, n_draws);
	/* Auto-vectorized */
	for (size_t d = 0; d < cells / 4; d++)
	{
		uint64_t	r = draws[d];

		mask[4 * d] = (r & 0xffff) >= threshold ? keep : 0.0;
		mask[4 * d + 1] = ((r >> 16) & 0xffff) >= threshold ? keep : 0.0;
		mask[4 * d + 2] = ((r >> 32) & 0xffff) >= threshold ? keep : 0.0;
		mask[4 * d + 3] = (r >> 48) >= threshold ? keep : 0.0;
	}
	for (c = cells / 4 * 4; c < cells; c++)
		mask[c] = ((draws[c / 4] >> (16 * (c % 4))) & 0xffff) >= threshold ? keep : 0.0;
}

/* Forward pass in training mode; leaves the outputs in w->pre[last]. */
static void
ForwardTrain(Mlp *m, MlpWork *w, const double *x, int n, double dropout, SegRng *rng,
			 bool update_stats)
{
	const double *a = x;

	for (int l = 0; l < m->n_layers; l++)
	{
		const MlpLayer *L = &m->layers[l];
		int			k = L->n_out;
		size_t		cells = (size_t) n * k;
		double	   *restrict z = w->pre[l];
		double	   *restrict act;
		double	   *restrict mask;

		if (L->b >= 0)
		{
			const double *restrict bias = m->params + L->b;

			/* a loop, not a memcpy per row: rows are a few dozen values */
			for (int i = 0; i < n; i++)
				for (int j = 0; j < k; j++)
					z[(size_t) i * k + j] = bias[j];
		}
		linalg_gemm_small(false, false, n, k, L->n_in, 1.0, a, L->n_in, m->params + L->w, k,
						  L->b >= 0 ? 1.0 : 0.0, z, k);
		if (!L->hidden)
			break;
		if (L->gamma >= 0)
			BatchNormForward(m, w, l, n, update_stats);
		act = w->act[l];
		mask = w->mask[l];
		if (dropout > 0.0)
			DropoutMask(mask, cells, dropout, rng, w->draws);
		else
			for (size_t c = 0; c < cells; c++)
				mask[c] = 1.0;
		if (L->relu)
		{
			/* Auto-vectorized */
			for (size_t c = 0; c < cells; c++)
				act[c] = (z[c] > 0.0 ? z[c] : 0.0) * mask[c];
		}
		else
			for (size_t c = 0; c < cells; c++)
				act[c] = z[c] * mask[c];
		a = act;
	}
	if (m->shape.output == MLP_OUTPUT_SOFTMAX)
		mlp_softmax_rows(w->pre[m->n_layers - 1], n, m->shape.n_outputs);
}

double
mlp_loss_grad(Mlp *m, MlpWork *w, const double *x, MlpTargets t, int n,
			  const double *class_weight, double dropout, double l2, SegRng *rng,
			  bool update_stats, double *grad)
{
	int			last = m->n_layers - 1;
	int			c = m->shape.n_outputs;
	const double *out;
	double		loss = 0.0;
	double		penalty = 0.0;
	double	   *dz = w->dz;
	double	   *spare = w->da;	/* the other gradient buffer */

	ForwardTrain(m, w, x, n, dropout, rng, update_stats);
	out = w->pre[last];

	if (m->shape.output == MLP_OUTPUT_LINEAR)
	{
		/*
		 * squared loss sum((z - y)^2) / (2 n), summed over the c outputs of
		 * a row: d loss / d z = (z - y) / n
		 */
		for (size_t i = 0; i < (size_t) n * c; i++)
		{
			double		e = out[i] - t.value[i];

			loss += e * e;
			dz[i] = e / n;
		}
		loss = 0.5 * loss / n;
	}
	else
	{
		/* d loss / d logits = weight * (p - onehot) / n */
		for (int i = 0; i < n; i++)
		{
			double		wi = class_weight != NULL ? class_weight[t.y[i]] : 1.0;
			double		py = out[(size_t) i * c + t.y[i]];

			loss -= wi * log(py > PROBA_FLOOR ? py : PROBA_FLOOR);
			for (int j = 0; j < c; j++)
				dz[(size_t) i * c + j] = wi * (out[(size_t) i * c + j] - (j == t.y[i])) / n;
		}
		loss /= n;
	}

	for (int l = last; l >= 0; l--)
	{
		const MlpLayer *L = &m->layers[l];
		int			k = L->n_out;
		const double *a_prev = l == 0 ? x : w->act[l - 1];
		const double *W = m->params + L->w;
		double	   *gw = grad + L->w;
		size_t		nw = (size_t) L->n_in * k;

		linalg_gemm_small(true, false, L->n_in, k, n, 1.0, a_prev, L->n_in, dz, k, 0.0, gw, k);
		/* sklearn's L2: (alpha / 2) * sum(W^2) / n, gradient alpha * W / n */
		if (l2 > 0.0)
		{
			double		per_row = l2 / n;
			double		sq = 0.0;
			Doubles4	sq0[2] = {{0}},
						sq1[2] = {{0}};
			size_t		i = 0;

			/* Auto-vectorized */
			for (size_t j = 0; j < nw; j++)
				gw[j] += per_row * W[j];
			/*
			 * Eight lane sums of squares in two sets (sq0 from the first
			 * eight of every sixteen weights, sq1 from the next eight):
			 * one chain of additions would wait on each one.  In vectors
			 * of four: gcc passes vectors wider than the target's through
			 * the stack here, which cost a tenth of an epoch.
			 */
			for (; i + 16 <= nw; i += 16)
			{
				for (int h = 0; h < 2; h++)
				{
					Doubles4	w0,
								w1;

					memcpy(&w0, W + i + 4 * h, sizeof(w0));
					memcpy(&w1, W + i + 8 + 4 * h, sizeof(w1));
					sq0[h] += w0 * w0;
					sq1[h] += w1 * w1;
				}
			}
			for (int h = 0; h < 2; h++)
			{
				sq0[h] += sq1[h];
				for (int l = 0; l < 4; l++)
					sq += sq0[h][l];
			}
			for (; i < nw; i++)
				sq += W[i] * W[i];
			penalty += 0.5 * per_row * sq;
		}
		if (L->b >= 0)
		{
			double	   *gb = grad + L->b;

			memset(gb, 0, sizeof(double) * k);
			for (int i = 0; i < n; i++)
				for (int j = 0; j < k; j++)
					gb[j] += dz[(size_t) i * k + j];
		}
		if (l == 0)
			break;

		/* d loss / d act[l-1], then back through dropout, ReLU and BN */
		{
			const MlpLayer *P = &m->layers[l - 1];
			int			kp = P->n_out;
			double	   *restrict da = spare;
			const double *restrict pre = w->pre[l - 1];
			const double *restrict mask = w->mask[l - 1];

			linalg_gemm_small(false, true, n, kp, k, 1.0, dz, k, W, k, 0.0, da, kp);
			if (P->relu)
			{
				size_t		total = (size_t) n * kp;
				size_t		cc = 0;

				/*
				 * In lanes, the product kept where the unit was active by
				 * a bit mask: gcc does not vectorize the conditional
				 * expression below without AVX-512's masked loads (a
				 * third of an epoch's time on AVX2).  The same numbers.
				 */
				for (; cc + 4 <= total; cc += 4)
				{
					Doubles4	d,
								keep,
								p;
					const Doubles4 zero = {0};

					memcpy(&d, da + cc, sizeof(d));
					memcpy(&keep, mask + cc, sizeof(keep));
					memcpy(&p, pre + cc, sizeof(p));
					d = (Doubles4) ((Ints4) (d * keep) & (p > zero));
					memcpy(da + cc, &d, sizeof(d));
				}
				for (; cc < total; cc++)
					da[cc] = pre[cc] > 0.0 ? da[cc] * mask[cc] : 0.0;
			}
			else
				for (size_t cc = 0; cc < (size_t) n * kp; cc++)
					da[cc] = da[cc] * mask[cc];
			if (P->gamma < 0)
			{
				/* da is the previous layer's dz: swap the buffers */
				spare = dz;
				dz = da;
			}
			else
			{
				const double *restrict zhat = w->zhat[l - 1];
				const double *restrict inv_std = w->inv_std[l - 1];
				const double *restrict gamma = m->params + P->gamma;
				double	   *restrict gg = grad + P->gamma;
				double	   *restrict gbeta = grad + P->beta;
				double	   *restrict dzp = dz; /* this layer's dz is used up */

				/*
				 * d gamma = sum(dy zhat), d beta = sum(dy); then
				 * dz = gamma inv_std (dy - (d beta + zhat d gamma) / n).
				 */
				memset(gg, 0, sizeof(double) * kp);
				memset(gbeta, 0, sizeof(double) * kp);
				for (int i = 0; i < n; i++)
				{
					const double *restrict di = da + (size_t) i * kp;
					const double *restrict hi = zhat + (size_t) i * kp;

					/* Auto-vectorized */
					for (int j = 0; j < kp; j++)
					{
						gg[j] += di[j] * hi[j];
						gbeta[j] += di[j];
					}
				}
				for (int i = 0; i < n; i++)
				{
					const double *restrict di = da + (size_t) i * kp;
					const double *restrict hi = zhat + (size_t) i * kp;
					double	   *restrict zi = dzp + (size_t) i * kp;

					/* Auto-vectorized */
					for (int j = 0; j < kp; j++)
						zi[j] = gamma[j] * inv_std[j] * (di[j] - (gbeta[j] + hi[j] * gg[j]) / n);
				}
			}
		}
	}

	return loss + penalty;
}
