/*-------------------------------------------------------------------------
 *
 * mlp.h
 *	  A multilayer perceptron on plain matrices: dense ReLU layers with
 *	  optional batch normalisation and inverted dropout, and either a
 *	  softmax output with cross-entropy loss (classification) or linear
 *	  outputs with squared error (one for regression, one per input for an
 *	  autoencoder); Adam, early stopping.
 *
 * Hidden layer l computes, for a minibatch A (B x n_in):
 *	Z = A W (+ b)                  W is n_in x n_out, row-major
 *	Z = gamma * (Z - mu) / sqrt(var + 1e-5) + beta    with batch_norm
 *	A' = relu(Z) * mask / (1 - dropout)              inverted dropout
 * With batch_norm the layer has no bias (beta replaces it).  In training
 * mu/var are the minibatch's (population variance); the running statistics
 * move towards the batch mean and unbiased variance with PyTorch's
 * momentum 0.1 (Keras' 0.99 counts the other way round), and prediction
 * uses them.  Dropout is off at prediction.
 *
 * Loss (as scikit-learn's MLPClassifier): mean weighted cross-entropy over
 * the minibatch plus (l2 / 2) * sum(W^2) / B over every weight matrix
 * (biases, gamma and beta are not penalised), so `l2` is sklearn's
 * `alpha`.  A linear output uses MLPRegressor's squared loss,
 * mean((y - z)^2) / 2, with the same penalty; with k outputs the squared
 * errors of a row are summed before the mean over rows (the loss whose
 * gradient MLPRegressor follows: its reported loss_ divides that term by
 * k), so one output is exactly the regression loss.
 *
 * A hidden layer whose bit is set in Mlp.linear_hidden (mlp_create_linear)
 * has no ReLU: the code layer of an autoencoder (autoencoder.h), which maps
 * onto any real values rather than a positive cone.  Initialisation is sklearn's Glorot uniform: weights and
 * biases ~ U(-s, s), s = sqrt(6 / (n_in + n_out)); gamma = 1, beta = 0.
 * Adam: beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected step size.
 *
 * All trainable parameters live in one flat array (and the running
 * statistics in another), so Adam, snapshots and serialisation are loops
 * over one vector.
 *
 * IDENTIFICATION
 *	  src/mlp.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_MLP_H
#define SEGMENT_MLP_H

#include "core.h"
#include "rng.h"

#define MLP_MAX_HIDDEN 8
#define MLP_MAX_WIDTH 65536
#define MLP_BN_EPS 1e-5
#define MLP_BN_MOMENTUM 0.1

typedef enum MlpOutput
{
	MLP_OUTPUT_SOFTMAX,			/* class probabilities, cross-entropy */
	MLP_OUTPUT_LINEAR			/* values (1 .. MLP_MAX_WIDTH), squared error */
} MlpOutput;

typedef struct MlpShape
{
	int			n_inputs;
	int			n_outputs;		/* classes (>= 2), or the values of a linear output */
	MlpOutput	output;
	int			n_hidden;		/* hidden layers, 0 .. MLP_MAX_HIDDEN */
	int			hidden[MLP_MAX_HIDDEN];
	bool		batch_norm;
} MlpShape;

/* Offsets of one layer's pieces in the flat arrays; -1 when absent. */
typedef struct MlpLayer
{
	int			n_in;
	int			n_out;
	long		w;				/* params: n_in x n_out */
	long		b;				/* params: n_out (no bias with batch norm) */
	long		gamma;			/* params: n_out */
	long		beta;			/* params: n_out */
	long		running_mean;	/* stats: n_out */
	long		running_var;	/* stats: n_out */
	bool		hidden;			/* dropout (and normally ReLU) after it */
	bool		relu;			/* a hidden layer's ReLU (not in Mlp.linear_hidden) */
} MlpLayer;

typedef struct Mlp
{
	MlpShape	shape;
	uint32_t	linear_hidden;	/* bit l: hidden layer l has no ReLU */
	int			n_layers;		/* hidden layers + the output layer */
	MlpLayer	layers[MLP_MAX_HIDDEN + 1];
	int			max_width;		/* widest of inputs and layer outputs */
	size_t		n_params;
	double	   *params;
	size_t		n_stats;
	double	   *stats;
	void	   *block;			/* the allocation params and stats are carved from */
} Mlp;

/*
 * Arrays of the training loop start on a cache line (MLP_ALIGN bytes):
 * a vector load then never straddles two lines, which costs the small
 * products of minibatch training about a tenth of their time.  A layout
 * is built in two passes over the same calls: with base NULL it only
 * counts (size), then it carves the block allocated for that size.
 */
#define MLP_ALIGN 64

typedef struct MlpCarver
{
	char	   *base;			/* aligned start of the block, or NULL when counting */
	size_t		size;			/* bytes carved so far */
} MlpCarver;

/* n doubles at the next aligned offset (NULL while counting) */
extern double *mlp_carve(MlpCarver *c, size_t n);

/* a block for what the counting pass asked; *block gets what to seg_free */
extern char *mlp_carve_block(size_t size, void **block);

/* Validates the shape; SEG_ERR_INVALID with a message when it is bad. */
extern SegStatus mlp_check_shape(const MlpShape *shape, char *errmsg);

/* Allocates a network of this shape with zero parameters and unit running variances. */
extern SegStatus mlp_create(const MlpShape *shape, Mlp **out, char *errmsg);

/*
 * The same, with the hidden layers whose bit is set in linear_hidden
 * left without ReLU; SEG_ERR_INVALID when a bit names no hidden layer.
 */
extern SegStatus mlp_create_linear(const MlpShape *shape, uint32_t linear_hidden, Mlp **out,
								   char *errmsg);

/* Glorot-uniform initialisation from rng. */
extern void mlp_init_params(Mlp *m, SegRng *rng);
extern void mlp_free(Mlp *m);

/*
 * Prediction-time form: batch normalisation folded into each layer's
 * weights and bias (W' = W * s, b' = (b - mean) * s + beta with
 * s = gamma / sqrt(running_var + eps)), so a row costs one gemv a layer.
 */
typedef struct MlpDense
{
	int			n_layers;
	int			n_in[MLP_MAX_HIDDEN + 1];
	int			n_out[MLP_MAX_HIDDEN + 1];
	double	   *w[MLP_MAX_HIDDEN + 1];
	double	   *b[MLP_MAX_HIDDEN + 1];
	bool		relu[MLP_MAX_HIDDEN + 1];	/* ReLU after layer l */
	int			n_outputs;
	MlpOutput	output;
	int			max_width;
} MlpDense;

extern MlpDense *mlp_dense_create(const Mlp *m);
/* Recomputes the folded weights of d (created from m) without allocating. */
extern void mlp_dense_refresh(MlpDense *d, const Mlp *m);
extern void mlp_dense_free(MlpDense *d);

/* doubles of scratch mlp_dense_predict_row needs */
#define MLP_ROW_SCRATCH(d) (2 * (d)->max_width)

/*
 * The outputs of one encoded row into out (n_outputs: probabilities, or
 * the value); returns the most probable class (the lowest index on ties),
 * 0 for a linear output.  Allocates nothing.
 */
extern int	mlp_dense_predict_row(const MlpDense *d, const double *x, double *out,
								  double *scratch);

/*
 * Outputs of n rows (n x n_outputs), in blocks through GEMM, checking for
 * interrupts before each block.
 */
extern void mlp_dense_predict(const MlpDense *d, const double *x, int n, double *out,
							  const SegHooks *hooks);

/*
 * The activations after the first n_layers layers (1 .. d->n_layers) of
 * one row into out (d->n_out[n_layers - 1] values; no softmax), in the
 * scratch of mlp_dense_predict_row; allocates nothing.  An autoencoder's
 * code is the output of its code layer.
 */
extern void mlp_dense_forward_row(const MlpDense *d, int n_layers, const double *x,
								  double *out, double *scratch);

/*
 * Layers first .. end - 1 of one row whose activations entering layer
 * first are x (d->n_in[first] values): an autoencoder's decoder applied
 * to a code.  Allocates nothing.
 */
extern void mlp_dense_forward_layers(const MlpDense *d, int first, int end, const double *x,
									 double *out, double *scratch);

/*
 * The same for n rows (out: n x d->n_out[n_layers - 1]), in blocks
 * through GEMM, checking for interrupts before each block (hooks may be
 * NULL where the caller checks).
 */
extern void mlp_dense_forward(const MlpDense *d, int n_layers, const double *x, int n,
							  double *out, const SegHooks *hooks);

/* in-place softmax of each of n rows of width c */
extern void mlp_softmax_rows(double *z, int n, int c);

/* index of the largest value (the first on ties) */
extern int	mlp_argmax(const double *v, int n);

/*
 * Buffers of one minibatch forward/backward pass (up to max_batch rows).
 */
typedef struct MlpWork MlpWork;

extern MlpWork *mlp_work_create(const Mlp *m, int max_batch);
extern void mlp_work_free(MlpWork *w);

/*
 * Targets of n rows: classes for a softmax output, values for a linear one
 * (n x n_outputs, row-major).
 */
typedef struct MlpTargets
{
	const int  *y;
	const double *value;
} MlpTargets;

/*
 * Training-mode loss of a minibatch (x: n x n_inputs), with per-class
 * weights (softmax only; NULL: all 1), dropout p with masks drawn from
 * rng, sklearn's L2 penalty l2, and its gradient with respect to params
 * into grad (n_params).  When update_stats, the running statistics move
 * towards the batch's.
 */
extern double mlp_loss_grad(Mlp *m, MlpWork *w, const double *x, MlpTargets t, int n,
							const double *class_weight, double dropout, double l2,
							SegRng *rng, bool update_stats, double *grad);

/*
 * Eval-mode loss (mean cross-entropy, unweighted, or the squared loss
 * without penalty) and score (accuracy, or R2: with several outputs the
 * mean of each output's, as sklearn's r2_score) of n rows; out (n x
 * n_outputs) receives the outputs.  Checks for interrupts between blocks
 * of rows.
 */
extern void mlp_evaluate(const MlpDense *d, const double *x, MlpTargets t, int n,
						 double *out, double *loss, double *score, const SegHooks *hooks);

typedef struct MlpTrainParams
{
	double		dropout;		/* [0, 1) */
	double		l2;				/* sklearn's alpha, >= 0 */
	int			epochs;
	int			batch_size;
	double		learning_rate;
	int			patience;		/* epochs without a better validation loss before stopping */
	const double *class_weight; /* per class, or NULL */
	const char *progress_label; /* prefixes the per-epoch NOTICE, or NULL */
	/* after each epoch with validation rows: false stops training there */
	bool		(*keep_going) (void *arg, int epoch, double val_loss, double val_score);
	void	   *keep_going_arg;
} MlpTrainParams;

typedef struct MlpData
{
	const double *x;
	MlpTargets	t;
	int			n;
} MlpData;

/* One epoch: mean minibatch loss, validation loss and score (macro-F1 or R2). */
typedef struct MlpEpoch
{
	double		train_loss;
	double		val_loss;
	double		val_score;
} MlpEpoch;

typedef struct MlpFitResult
{
	int			epochs_run;
	int			best_epoch;		/* 1-based epoch whose weights were kept */
	double		train_loss;		/* mean minibatch loss of the best epoch */
	double		val_loss;		/* of the best epoch */
	double		val_score;		/* macro-F1 or R2 of the best epoch */
	MlpEpoch   *history;		/* epochs_run entries (seg_alloc'ed), or NULL */
} MlpFitResult;

/*
 * Trains m (already initialised) on train with Adam in shuffled
 * minibatches, evaluating on val after every epoch; stops after
 * `patience` epochs without a lower validation loss and restores the
 * best epoch's parameters and running statistics.  Calls the interrupt
 * hook once per minibatch and reports each epoch through the progress
 * hook.  Deterministic for rng's state.  result->history receives every
 * epoch's figures (the caller frees it).
 */
extern SegStatus mlp_fit(Mlp *m, const MlpData *train, const MlpData *val,
						 const MlpTrainParams *p, SegRng *rng, const SegHooks *hooks,
						 MlpFitResult *result, char *errmsg);

#endif							/* SEGMENT_MLP_H */
