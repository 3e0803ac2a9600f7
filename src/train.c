/*-------------------------------------------------------------------------
 *
 * train.c
 *	  Balancing and training of one segment_train candidate.
 *
 * IDENTIFICATION
 *	  src/train.c
 *
 *-------------------------------------------------------------------------
 */
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
	size_t		d = (size_t) set->n_features;

	for (int i = 0; i < set->n_train; i++)
		counts[set->y_train[i]]++;
	smote_targets_by_strategy(SMOTE_NOT_MAJORITY, counts, set->n_classes, n_new);
	memset(&in, 0, sizeof(in));
	in.x = set->x_train;
	in.n_rows = set->n_train;
	in.n_cols = set->n_features;
	in.labels = set->y_train;
	in.n_classes = set->n_classes;
	memset(&out, 0, sizeof(out));
	status = smote_resample(&in, n_new, SMOTE_K_NEIGHBORS, seed, memory_limit, hooks,
							&out, errmsg);
	seg_free(counts);
	seg_free(n_new);
	if (status != SEG_OK)
		return status;
	*n = set->n_train + out.n_rows;
	*x = seg_alloc(sizeof(double) * d * (size_t) *n);
	*y = seg_alloc(sizeof(int) * (size_t) *n);
	memcpy(*x, set->x_train, sizeof(double) * d * set->n_train);
	memcpy(*y, set->y_train, sizeof(int) * set->n_train);
	if (out.n_rows > 0)
	{
		memcpy(*x + d * set->n_train, out.x, sizeof(double) * d * out.n_rows);
		memcpy(*y + set->n_train, out.labels, sizeof(int) * out.n_rows);
	}
	smote_output_free(&out);
	return SEG_OK;
}

SegStatus
train_candidate(const SegTrainSet *set, const SegTrialConfig *config, int epochs,
				int patience, uint64_t seed, const char *label, size_t memory_limit,
				const SegHooks *hooks, SegCandidate *out, char *errmsg)
{
	MlpShape	shape;
	MlpTrainParams params;
	MlpData		train = {set->x_train, set->y_train, set->n_train};
	MlpData		val = {set->x_val, set->y_val, set->n_val};
	double	   *smote_x = NULL;
	int		   *smote_y = NULL;
	double	   *weights = NULL;
	double	   *proba;
	int		   *predicted;
	SegRng		rng;
	SegStatus	status;
	MlpDense   *dense;

	memset(out, 0, sizeof(*out));
	out->config = *config;
	memset(&shape, 0, sizeof(shape));
	shape.n_inputs = set->n_features;
	shape.n_classes = set->n_classes;
	shape.n_hidden = config->hidden.n;
	memcpy(shape.hidden, config->hidden.sizes, sizeof(int) * config->hidden.n);
	shape.batch_norm = config->batch_norm;
	status = mlp_create(&shape, &out->mlp, errmsg);
	if (status != SEG_OK)
		return status;

	if (config->balance == BALANCE_CLASS_WEIGHT)
	{
		weights = seg_alloc(sizeof(double) * set->n_classes);
		balanced_class_weights(set->y_train, set->n_train, set->n_classes, weights);
	}
	else if (config->balance == BALANCE_SMOTE)
	{
		status = SmoteTrainRows(set, seed, memory_limit, hooks, &smote_x, &smote_y,
								&train.n, errmsg);
		if (status != SEG_OK)
		{
			train_candidate_free(out);
			return status;
		}
		train.x = smote_x;
		train.y = smote_y;
	}
	out->n_train_rows = train.n;

	memset(&params, 0, sizeof(params));
	params.dropout = config->dropout;
	params.l2 = config->l2;
	params.epochs = epochs;
	params.batch_size = config->batch_size;
	params.learning_rate = config->learning_rate;
	params.patience = patience;
	params.class_weight = weights;
	params.progress_label = label;
	rng_seed(&rng, seed);
	mlp_init_params(out->mlp, &rng);
	status = mlp_fit(out->mlp, &train, &val, &params, &rng, hooks, &out->fit, errmsg);
	seg_free(weights);
	seg_free(smote_x);
	seg_free(smote_y);
	if (status != SEG_OK)
	{
		train_candidate_free(out);
		return status;
	}

	/* validation metrics of the kept weights */
	dense = mlp_dense_create(out->mlp);
	proba = seg_alloc(sizeof(double) * (size_t) set->n_val * set->n_classes);
	predicted = seg_alloc(sizeof(int) * set->n_val);
	mlp_dense_predict(dense, set->x_val, set->n_val, proba);
	for (int i = 0; i < set->n_val; i++)
		predicted[i] = mlp_argmax(proba + (size_t) i * set->n_classes, set->n_classes);
	out->val = metrics_compute(set->y_val, predicted, set->n_val, set->n_classes);
	seg_free(predicted);
	seg_free(proba);
	mlp_dense_free(dense);
	return SEG_OK;
}

void
train_candidate_free(SegCandidate *c)
{
	mlp_free(c->mlp);
	metrics_free(c->val);
	c->mlp = NULL;
	c->val = NULL;
}
