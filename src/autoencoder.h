/*-------------------------------------------------------------------------
 *
 * autoencoder.h
 *	  A dense autoencoder on the MLP core (mlp.h): encoder layers, a code
 *	  layer, the encoder's layers mirrored, and a linear output of the
 *	  input's width, trained to reproduce its input.
 *
 * For inputs of width d, hidden {h1, .., hm} and code size c the network
 * is one Mlp of hidden layers {h1, .., hm, c, hm, .., h1} and d linear
 * outputs: ReLU after every hidden layer but the code layer, which is
 * linear (mlp_create_linear), so that codes are not cut at zero and
 * a network without hidden layers is a linear autoencoder.  Loss: the
 * squared error of each row summed over its d values, halved and averaged
 * over rows, plus scikit-learn's L2 penalty (mlp.h); Adam; early stopping
 * on the validation rows' loss, the best epoch's weights kept (mlp_fit).
 * No batch normalisation and no dropout.  Initialisation and minibatch
 * order come from the seed.
 *
 * The code of a row is the code layer's output; its reconstruction the
 * network's output.
 *
 * IDENTIFICATION
 *	  src/autoencoder.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_AUTOENCODER_H
#define SEGMENT_AUTOENCODER_H

#include "bytes.h"
#include "core.h"
#include "mlp.h"

/* encoder layers: with the code and the mirror they fill MLP_MAX_HIDDEN */
#define AE_MAX_ENCODER_LAYERS ((MLP_MAX_HIDDEN - 1) / 2)

typedef struct AutoencoderParams
{
	int			code_size;
	int			n_hidden;		/* encoder layers, 0 .. AE_MAX_ENCODER_LAYERS */
	int			hidden[AE_MAX_ENCODER_LAYERS];
	int			epochs;
	int			batch_size;
	double		learning_rate;
	double		l2;
	int			patience;
	const char *progress_label; /* prefixes the per-epoch progress line, or NULL */
} AutoencoderParams;

typedef struct SegAutoencoder
{
	int			d;				/* inputs = outputs */
	int			code_size;
	int			code_layer;		/* index of the code layer among the hidden ones */
	Mlp		   *mlp;
	MlpDense   *dense;			/* prediction form */
} SegAutoencoder;

/*
 * Trains an autoencoder on n_train rows of train (n_train x d), stopping
 * early on the n_val rows of val (none: on the training loss, as mlp_fit
 * does).  Deterministic for seed.  result receives the epochs' figures
 * (the caller frees result->history).  SEG_ERR_INVALID with a message on
 * bad settings (code_size not in 1 .. d, too many layers, ...).
 */
extern SegStatus autoencoder_fit(const double *train, int n_train, const double *val, int n_val,
								 int d, const AutoencoderParams *p, uint64_t seed,
								 const SegHooks *hooks, SegAutoencoder **out,
								 MlpFitResult *result, char *errmsg);

extern void autoencoder_free(SegAutoencoder *a);

/* doubles of scratch the row functions need */
extern int	autoencoder_row_scratch(const SegAutoencoder *a);

/* code (code_size) of one row; allocates nothing */
extern void autoencoder_project_row(const SegAutoencoder *a, const double *x, double *code,
									double *scratch);

/* reconstruction (d) of one row; allocates nothing */
extern void autoencoder_reconstruct_row(const SegAutoencoder *a, const double *x, double *out,
										double *scratch);

/* the reconstruction (d) a code (code_size) decodes to; allocates nothing */
extern void autoencoder_decode_row(const SegAutoencoder *a, const double *code, double *out,
								   double *scratch);

/* codes (n x code_size) of n rows, in blocks through GEMM, checking for interrupts */
extern void autoencoder_project(const SegAutoencoder *a, const double *x, int n, double *codes,
								const SegHooks *hooks);

/* sum over rows and inputs of (x - x')^2 / (n d); 0 for no rows */
extern double autoencoder_reconstruction_mse(const SegAutoencoder *a, const double *x, int n,
											 const SegHooks *hooks);

/*
 * Section codec (little-endian): u32 code layer index, then the network
 * section of learner_mlp.h (its last layer: d linear outputs).  The
 * reader checks the widths against d and every number.
 */
extern void autoencoder_write(SegWriter *w, const SegAutoencoder *a);
extern SegStatus autoencoder_read(SegReader *r, int d, SegAutoencoder **out, char *errmsg);

#endif							/* SEGMENT_AUTOENCODER_H */
