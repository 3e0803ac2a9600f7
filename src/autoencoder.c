/*-------------------------------------------------------------------------
 *
 * autoencoder.c
 *	  Building, training, applying and storing the autoencoder of
 *	  autoencoder.h on the MLP core.
 *
 * IDENTIFICATION
 *	  src/autoencoder.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "autoencoder.h"
#include "learner_mlp.h"
#include "rng.h"

/* rows reconstructed at a time when measuring the error */
#define AE_BLOCK 256

void
autoencoder_free(SegAutoencoder *a)
{
	if (a == NULL)
		return;
	mlp_dense_free(a->dense);
	mlp_free(a->mlp);
	seg_free(a);
}

/* The network's shape: encoder, code (linear), mirrored decoder, d outputs. */
static SegStatus
BuildShape(int d, const AutoencoderParams *p, MlpShape *shape, char *errmsg)
{
	int			m = p->n_hidden;

	if (m < 0 || m > AE_MAX_ENCODER_LAYERS)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "hidden must list 0 to %d encoder layer sizes, not %d",
				 AE_MAX_ENCODER_LAYERS, m);
		return SEG_ERR_INVALID;
	}
	if (p->code_size < 1 || p->code_size > d)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "code_size must be between 1 and %d (the number of encoded features), not %d",
				 d, p->code_size);
		return SEG_ERR_INVALID;
	}
	memset(shape, 0, sizeof(*shape));
	shape->n_inputs = d;
	shape->n_outputs = d;
	shape->output = MLP_OUTPUT_LINEAR;
	shape->n_hidden = 2 * m + 1;
	for (int l = 0; l < m; l++)
	{
		shape->hidden[l] = p->hidden[l];
		shape->hidden[2 * m - l] = p->hidden[l];
	}
	shape->hidden[m] = p->code_size;
	return mlp_check_shape(shape, errmsg);
}

SegStatus
autoencoder_fit(const double *train, int n_train, const double *val, int n_val, int d,
				const AutoencoderParams *p, uint64_t seed, const SegHooks *hooks,
				SegAutoencoder **out, MlpFitResult *result, char *errmsg)
{
	MlpShape	shape;
	MlpTrainParams tp;
	MlpData		train_data;
	MlpData		val_data;
	SegAutoencoder *a;
	SegRng		rng;
	SegStatus	status = BuildShape(d, p, &shape, errmsg);

	if (status != SEG_OK)
		return status;
	a = seg_alloc0(sizeof(SegAutoencoder));
	a->d = d;
	a->code_size = p->code_size;
	a->code_layer = p->n_hidden;
	/* the code layer is linear */
	status = mlp_create_linear(&shape, 1u << p->n_hidden, &a->mlp, errmsg);
	if (status != SEG_OK)
	{
		seg_free(a);
		return status;
	}

	/* the rows are their own targets */
	train_data.x = train;
	train_data.n = n_train;
	train_data.t.y = NULL;
	train_data.t.value = train;
	val_data.x = val;
	val_data.n = n_val;
	val_data.t.y = NULL;
	val_data.t.value = val;

	memset(&tp, 0, sizeof(tp));
	tp.dropout = 0.0;
	tp.l2 = p->l2;
	tp.epochs = p->epochs;
	tp.batch_size = p->batch_size;
	tp.learning_rate = p->learning_rate;
	tp.patience = p->patience;
	tp.progress_label = p->progress_label;

	rng_seed(&rng, seed);
	mlp_init_params(a->mlp, &rng);
	status = mlp_fit(a->mlp, &train_data, &val_data, &tp, &rng, hooks, result, errmsg);
	if (status != SEG_OK)
	{
		autoencoder_free(a);
		return status;
	}
	a->dense = mlp_dense_create(a->mlp);
	*out = a;
	return SEG_OK;
}

int
autoencoder_row_scratch(const SegAutoencoder *a)
{
	return MLP_ROW_SCRATCH(a->dense);
}

void
autoencoder_project_row(const SegAutoencoder *a, const double *x, double *code,
						double *scratch)
{
	mlp_dense_forward_row(a->dense, a->code_layer + 1, x, code, scratch);
}

void
autoencoder_reconstruct_row(const SegAutoencoder *a, const double *x, double *out,
							double *scratch)
{
	mlp_dense_forward_row(a->dense, a->dense->n_layers, x, out, scratch);
}

void
autoencoder_decode_row(const SegAutoencoder *a, const double *code, double *out,
					   double *scratch)
{
	mlp_dense_forward_layers(a->dense, a->code_layer + 1, a->dense->n_layers, code, out,
							 scratch);
}

void
autoencoder_project(const SegAutoencoder *a, const double *x, int n, double *codes,
					const SegHooks *hooks)
{
	mlp_dense_forward(a->dense, a->code_layer + 1, x, n, codes, hooks);
}

double
autoencoder_reconstruction_mse(const SegAutoencoder *a, const double *x, int n,
							   const SegHooks *hooks)
{
	int			d = a->d;
	double	   *back = seg_alloc(sizeof(double) * (size_t) AE_BLOCK * d);
	double		sum = 0.0;

	for (int start = 0; start < n; start += AE_BLOCK)
	{
		int			rows = n - start < AE_BLOCK ? n - start : AE_BLOCK;
		const double *block = x + (size_t) start * d;

		mlp_dense_forward(a->dense, a->dense->n_layers, block, rows, back, hooks);
		for (size_t c = 0; c < (size_t) rows * d; c++)
		{
			double		e = block[c] - back[c];

			sum += e * e;
		}
	}
	seg_free(back);
	return n > 0 ? sum / ((double) n * d) : 0.0;
}

void
autoencoder_write(SegWriter *w, const SegAutoencoder *a)
{
	writer_put_u32(w, (uint32_t) a->code_layer);
	mlp_section_write(w, a->mlp);
}

static SegStatus
Corrupt(char *errmsg, const char *what)
{
	snprintf(errmsg, SEG_ERRMSG_LEN, "autoencoder model: %.200s", what);
	return SEG_ERR_CORRUPT;
}

SegStatus
autoencoder_read(SegReader *r, int d, SegAutoencoder **out, char *errmsg)
{
	uint32_t	code_layer = reader_get_u32(r);
	SegAutoencoder *a;
	SegStatus	status;

	if (r->failed)
		return Corrupt(errmsg, "truncated");
	if (code_layer >= MLP_MAX_HIDDEN)
		return Corrupt(errmsg, "bad code layer");
	a = seg_alloc0(sizeof(SegAutoencoder));
	status = mlp_section_read(r, d, MLP_OUTPUT_LINEAR, d, 1u << code_layer, &a->mlp, errmsg);
	if (status != SEG_OK)
	{
		seg_free(a);
		return status;
	}
	/* mlp_section_read checked that the code layer is a hidden one */
	a->d = d;
	a->code_layer = (int) code_layer;
	a->code_size = a->mlp->shape.hidden[code_layer];
	a->dense = mlp_dense_create(a->mlp);
	*out = a;
	return SEG_OK;
}
