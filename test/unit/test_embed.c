/*
 * test_embed.c
 *	  Unit tests of the embeddings' numeric core: PCA against figures the
 *	  test computes itself (column variances, the variance of each
 *	  component's scores, the closed form of a 2 x 2 covariance), the sign
 *	  rule, the MLP core's multi-output linear loss and linear code layer
 *	  by finite differences, the autoencoder against PCA on data of rank
 *	  2, and the model codecs (round trips, every truncation rejected).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoencoder.h"
#include "embedding.h"
#include "mlp.h"
#include "model.h"
#include "pca.h"
#include "predictor.h"
#include "rng.h"
#include "tap.h"

/* n x d rows with correlated columns of different spreads */
static double *
CorrelatedRows(int n, int d, uint64_t seed)
{
	double	   *x = malloc(sizeof(double) * n * d);
	SegRng		rng;

	rng_seed(&rng, seed);
	for (int i = 0; i < n; i++)
	{
		double		a = rng_normal(&rng);
		double		b = rng_normal(&rng);

		for (int j = 0; j < d; j++)
			x[i * d + j] = (j + 1) * a + (j % 2 ? b : -0.5 * b) + 0.3 * (j + 1) * rng_normal(&rng) + 10.0 * j;
	}
	return x;
}

/* Sample variance (ddof 1) of v[0], v[stride], ... (n values), two-pass. */
static double
SampleVariance(const double *v, int n, int stride)
{
	double		mean = 0.0;
	double		ss = 0.0;

	for (int i = 0; i < n; i++)
		mean += v[(size_t) i * stride];
	mean /= n;
	for (int i = 0; i < n; i++)
		ss += (v[(size_t) i * stride] - mean) * (v[(size_t) i * stride] - mean);
	return ss / (n - 1);
}

static void
TestPcaFigures(void)
{
	int			n = 300;
	int			d = 6;
	double	   *x = CorrelatedRows(n, d, 11);
	SegPca	   *full;
	SegPca	   *p;
	char		msg[SEG_ERRMSG_LEN];
	double		total = 0.0;
	double		sum_ev = 0.0;
	double	   *codes = malloc(sizeof(double) * n * d);
	double		worst_orth = 0.0;
	double		worst_var = 0.0;
	bool		signs_ok = true;
	double		left = 0.0;

	tap_ok(pca_fit(x, n, d, d, NULL, &full, msg) == SEG_OK, "PCA with every component fits");
	for (int j = 0; j < d; j++)
		total += SampleVariance(x + j, n, d);
	tap_close(full->total_variance, total, 1e-12, "total variance is the sum of the column variances (ddof 1)");
	for (int j = 0; j < d; j++)
		sum_ev += full->explained_variance[j];
	tap_close(sum_ev, total, 1e-11, "every component together explains the total variance");
	for (int j = 1; j < d; j++)
		tap_ok(full->explained_variance[j] <= full->explained_variance[j - 1],
			   "explained variances descend");
	for (int a = 0; a < d; a++)
		for (int b = 0; b < d; b++)
		{
			double		dot = 0.0;

			for (int t = 0; t < d; t++)
				dot += full->components[a * d + t] * full->components[b * d + t];
			dot -= a == b ? 1.0 : 0.0;
			worst_orth = fmax(worst_orth, fabs(dot));
		}
	tap_ok(worst_orth < 1e-12, "components are orthonormal");

	pca_project(full, x, n, codes);
	for (int j = 0; j < d; j++)
	{
		double		v = SampleVariance(codes + j, n, d);
		int			far = 0;

		worst_var = fmax(worst_var, fabs(v - full->explained_variance[j]) / full->explained_variance[j]);
		for (int i = 1; i < n; i++)
			if (fabs(codes[i * d + j]) > fabs(codes[far * d + j]))
				far = i;
		signs_ok &= codes[far * d + j] > 0.0;
	}
	tap_ok(worst_var < 1e-10, "each explained variance is the variance of its scores");
	tap_ok(signs_ok, "on each component the row of largest |score| scores positive (svd_flip)");
	tap_ok(pca_reconstruction_mse(full, x, n, NULL) < 1e-20, "every component reconstructs exactly");
	{
		double		row_code[6];

		pca_project_row(full, x + 7 * d, row_code);
		tap_close(row_code[2], codes[7 * d + 2], 1e-12, "row projection equals the block projection");
	}

	/* two components: the variance left out is what reconstruction loses */
	tap_ok(pca_fit(x, n, d, 2, NULL, &p, msg) == SEG_OK, "PCA with 2 components fits");
	for (int j = 2; j < d; j++)
		left += full->explained_variance[j];
	tap_close(p->explained_variance[1], full->explained_variance[1], 1e-12, "the same leading variances");
	tap_close(p->noise_variance, left / (d - 2), 1e-10, "noise variance: mean of the others");
	tap_close(pca_reconstruction_mse(p, x, n, NULL), left * (n - 1) / ((double) n * d), 1e-10,
			  "reconstruction MSE = variance left out x (n - 1) / (n d)");
	pca_free(p);
	pca_free(full);
	free(codes);
	free(x);
}

static void
TestPcaTwoByTwo(void)
{
	double		x[5 * 2] = {1, 2, 2, 2.5, 4, 5, 3, 3.5, 0, 1.5};
	double		a = SampleVariance(x, 5, 2);
	double		c = SampleVariance(x + 1, 5, 2);
	double		b = 0.0;
	double		mx = 0.0;
	double		my = 0.0;
	double		lambda;
	SegPca	   *p;
	char		msg[SEG_ERRMSG_LEN];

	for (int i = 0; i < 5; i++)
	{
		mx += x[2 * i] / 5;
		my += x[2 * i + 1] / 5;
	}
	for (int i = 0; i < 5; i++)
		b += (x[2 * i] - mx) * (x[2 * i + 1] - my) / 4;
	lambda = (a + c) / 2 + sqrt((a - c) * (a - c) / 4 + b * b);
	tap_ok(pca_fit(x, 5, 2, 1, NULL, &p, msg) == SEG_OK, "2 x 2 fits");
	tap_close(p->explained_variance[0], lambda, 1e-13, "largest eigenvalue of a 2 x 2 covariance (closed form)");
	/* the eigenvector of [[a, b], [b, c]] for lambda is along (b, lambda - a) */
	tap_close(fabs(p->components[0] * (lambda - a) - p->components[1] * b), 0.0, 1e-12,
			  "its component is the closed-form eigenvector");
	tap_close(p->noise_variance, a + c - lambda, 1e-12, "the other eigenvalue is the noise variance");
	pca_free(p);
}

static void
TestPcaBadInputs(void)
{
	double		x[4 * 2] = {1, 2, 3, 4, 5, 6, 7, 8};
	double		flat[3 * 2] = {1, 2, 1, 2, 1, 2};
	SegPca	   *p;
	char		msg[SEG_ERRMSG_LEN];

	tap_ok(pca_fit(x, 1, 2, 1, NULL, &p, msg) == SEG_ERR_INVALID, "one row is refused");
	tap_ok(pca_fit(x, 4, 2, 0, NULL, &p, msg) == SEG_ERR_INVALID, "0 components are refused");
	tap_ok(pca_fit(x, 4, 2, 3, NULL, &p, msg) == SEG_ERR_INVALID, "more components than features are refused");
	tap_ok(pca_fit(x, 2, 2, 2, NULL, &p, msg) == SEG_OK, "as many components as rows fit");
	pca_free(p);
	tap_ok(pca_fit(flat, 3, 2, 1, NULL, &p, msg) == SEG_ERR_INVALID &&
		   strstr(msg, "constant") != NULL, "constant columns are refused");
	x[5] = NAN;
	tap_ok(pca_fit(x, 4, 2, 1, NULL, &p, msg) == SEG_ERR_INVALID, "NaN is refused");
	x[5] = INFINITY;
	tap_ok(pca_fit(x, 4, 2, 1, NULL, &p, msg) == SEG_ERR_INVALID, "infinity is refused");
}

/* Loss of a linear multi-output network (no dropout: no rng use). */
static double
LinearLoss(Mlp *m, MlpWork *w, const double *x, const double *y, int n, double *grad)
{
	SegRng		rng;

	rng_seed(&rng, 3);
	return mlp_loss_grad(m, w, x, (MlpTargets) {NULL, y}, n, NULL, 0.0, 0.2, &rng, false, grad);
}

static void
TestMultiOutputGradient(void)
{
	/* 4 inputs -> 5 (ReLU) -> 2 (linear code) -> 5 (ReLU) -> 4 linear outputs */
	MlpShape	shape = {4, 4, MLP_OUTPUT_LINEAR, 3, {5, 2, 5}, false};
	Mlp		   *m;
	MlpWork    *w;
	SegRng		rng;
	double		x[7 * 4];
	double	   *grad;
	double	   *other;
	double		worst = 0.0;
	char		msg[SEG_ERRMSG_LEN];
	double		loss;
	double		direct = 0.0;
	MlpDense   *dense;
	double		out[7 * 4];

	tap_ok(mlp_create_linear(&shape, 1u << 1, &m, msg) == SEG_OK,
		   "a network with a linear code layer and 4 linear outputs");
	tap_ok(m->layers[1].relu == false && m->layers[0].relu && m->layers[2].relu,
		   "only the code layer is linear");
	rng_seed(&rng, 5);
	mlp_init_params(m, &rng);
	for (int i = 0; i < 28; i++)
		x[i] = rng_normal(&rng);
	w = mlp_work_create(m, 7);
	grad = calloc(m->n_params, sizeof(double));
	other = calloc(m->n_params, sizeof(double));
	loss = LinearLoss(m, w, x, x, 7, grad);
	for (size_t i = 0; i < m->n_params; i++)
	{
		double		keep = m->params[i];
		double		h = 1e-6;
		double		up,
					down,
					num;

		m->params[i] = keep + h;
		up = LinearLoss(m, w, x, x, 7, other);
		m->params[i] = keep - h;
		down = LinearLoss(m, w, x, x, 7, other);
		m->params[i] = keep;
		num = (up - down) / (2 * h);
		/* relative, or absolute below 1e-2: central differences of a loss near 5 carry ~1e-9 */
		worst = fmax(worst, fabs(num - grad[i]) / fmax(1e-2, fabs(num) + fabs(grad[i])));

	}
	tap_ok(worst < 1e-6, "gradient of the multi-output squared loss matches finite differences");

	/* the loss: squared errors summed over a row's outputs, halved, mean over rows */
	dense = mlp_dense_create(m);
	mlp_dense_predict(dense, x, 7, out, NULL);
	for (int i = 0; i < 28; i++)
		direct += (out[i] - x[i]) * (out[i] - x[i]);
	direct = direct / (2 * 7);
	{
		double		penalty = 0.0;

		for (int l = 0; l < m->n_layers; l++)
			for (long i = 0; i < (long) m->layers[l].n_in * m->layers[l].n_out; i++)
				penalty += m->params[m->layers[l].w + i] * m->params[m->layers[l].w + i];
		tap_close(loss, direct + 0.5 * 0.2 * penalty / 7, 1e-12,
				  "training loss = sum of squared errors / (2 n) + L2 penalty");
	}
	{
		double		code[2];
		double		scratch[64];
		double		codes[7 * 2];

		mlp_dense_forward_row(dense, 2, x + 4, code, scratch);
		mlp_dense_forward(dense, 2, x, 7, codes, NULL);
		tap_close(code[1], codes[3], 1e-13, "partial forward of a row equals the block's");
		tap_ok(codes[0] < 0.0 || codes[1] < 0.0 || codes[2] < 0.0 || codes[3] < 0.0 ||
			   codes[4] < 0.0 || codes[5] < 0.0,
			   "the linear code layer gives negative values too");
	}
	mlp_dense_free(dense);
	free(grad);
	free(other);
	mlp_work_free(w);
	mlp_free(m);
	tap_ok(mlp_create_linear(&shape, 1u << 3, &m, msg) == SEG_ERR_INVALID,
		   "a linear mask beyond the hidden layers is refused");
}

/* n rows of rank 2 in d dimensions (plus a little noise) */
static double *
RankTwoRows(int n, int d, uint64_t seed)
{
	double	   *x = malloc(sizeof(double) * n * d);
	SegRng		rng;

	rng_seed(&rng, seed);
	for (int i = 0; i < n; i++)
	{
		double		a = rng_normal(&rng);
		double		b = rng_normal(&rng);

		for (int j = 0; j < d; j++)
			x[i * d + j] = a * cos(j) + b * sin(2.0 * j) + 0.01 * rng_normal(&rng);
	}
	return x;
}

static SegAutoencoder *
FitAutoencoder(const double *x, int n_train, int n_val, int d, int n_hidden, uint64_t seed,
			   MlpFitResult *result)
{
	AutoencoderParams p;
	SegAutoencoder *a = NULL;
	char		msg[SEG_ERRMSG_LEN];

	memset(&p, 0, sizeof(p));
	p.code_size = 2;
	p.n_hidden = n_hidden;
	p.hidden[0] = 16;
	p.epochs = 300;
	p.batch_size = 16;
	p.learning_rate = 0.01;
	p.l2 = 0.0;
	p.patience = 20;
	if (autoencoder_fit(x, n_train, x + n_train * d, n_val, d, &p, seed, NULL, &a, result,
						msg) != SEG_OK)
		printf("# %s\n", msg);
	return a;
}

static void
TestAutoencoder(void)
{
	int			n = 400;
	int			d = 6;
	double	   *x = RankTwoRows(n, d, 21);
	SegPca	   *pca;
	SegAutoencoder *a;
	SegAutoencoder *again;
	MlpFitResult result;
	MlpFitResult result2;
	char		msg[SEG_ERRMSG_LEN];
	double		pca_mse;
	double		ae_mse;
	double		total = 0.0;
	SegWriter	w1;
	SegWriter	w2;

	for (int j = 0; j < d; j++)
		total += SampleVariance(x + j, 300, d);
	pca_fit(x, 300, d, 2, NULL, &pca, msg);
	pca_mse = pca_reconstruction_mse(pca, x + 300 * d, 100, NULL);
	a = FitAutoencoder(x, 300, 100, d, 0, 9, &result);
	tap_ok(a != NULL && a->code_size == 2 && a->code_layer == 0, "a linear autoencoder fits");
	ae_mse = autoencoder_reconstruction_mse(a, x + 300 * d, 100, NULL);
	printf("# rank-2 data: held-out MSE linear autoencoder %.3g, PCA %.3g, mean variance %.3g\n",
		   ae_mse, pca_mse, total / d);
	tap_ok(ae_mse < 0.01 * total / d, "the linear autoencoder reconstructs rank-2 data (MSE < 1% of the variance)");
	tap_ok(result.best_epoch >= 1 && result.best_epoch <= result.epochs_run, "best epoch within those run");
	free(result.history);

	again = FitAutoencoder(x, 300, 100, d, 0, 9, &result2);
	writer_init(&w1, 64);
	writer_init(&w2, 64);
	autoencoder_write(&w1, a);
	autoencoder_write(&w2, again);
	tap_ok(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0, "the same seed gives the same network");
	free(result2.history);
	autoencoder_free(again);
	free(w2.data);

	{
		double		code[2];
		double		codes[100 * 2];
		double	   *scratch = calloc(autoencoder_row_scratch(a), sizeof(double));
		double		back[6];
		double		err = 0.0;
		double		sum = 0.0;

		autoencoder_project(a, x + 300 * d, 100, codes, NULL);
		autoencoder_project_row(a, x + 305 * d, code, scratch);
		tap_close(code[0], codes[10], 1e-12, "row code equals the block code");
		for (int i = 0; i < 100; i++)
		{
			autoencoder_reconstruct_row(a, x + (300 + i) * d, back, scratch);
			for (int j = 0; j < d; j++)
			{
				err = back[j] - x[(300 + i) * d + j];
				sum += err * err;
			}
		}
		tap_close(sum / (100 * d), ae_mse, 1e-10, "row reconstructions give the block MSE");
		{
			double		decoded[6];
			double		direct[6];

			autoencoder_project_row(a, x + 333 * d, code, scratch);
			autoencoder_decode_row(a, code, decoded, scratch);
			autoencoder_reconstruct_row(a, x + 333 * d, direct, scratch);
			tap_close(decoded[4], direct[4], 1e-12, "decoding a row's code reconstructs the row");
		}
		free(scratch);
	}

	/* codec: a round trip reproduces the bytes; every truncation fails cleanly */
	{
		SegReader	r;
		SegAutoencoder *back;
		SegWriter	w3;
		int			rejected = 0;

		reader_init(&r, w1.data, w1.len);
		tap_ok(autoencoder_read(&r, d, &back, msg) == SEG_OK && reader_at_end(&r), "autoencoder section reads back");
		writer_init(&w3, 64);
		autoencoder_write(&w3, back);
		tap_ok(w3.len == w1.len && memcmp(w3.data, w1.data, w1.len) == 0, "and writes the same bytes");
		autoencoder_free(back);
		free(w3.data);
		for (size_t len = 0; len < w1.len; len++)
		{
			reader_init(&r, w1.data, len);
			if (autoencoder_read(&r, d, &back, msg) != SEG_OK)
				rejected++;
			else
				autoencoder_free(back);
		}
		tap_ok(rejected == (int) w1.len, "every truncated section is rejected");
		reader_init(&r, w1.data, w1.len);
		tap_ok(autoencoder_read(&r, d + 1, &back, msg) == SEG_ERR_CORRUPT, "another width is rejected");
	}
	free(w1.data);

	/* with ReLU layers around the code it still learns the plane */
	{
		SegAutoencoder *deep = FitAutoencoder(x, 300, 100, d, 1, 4, &result);
		double		deep_mse = autoencoder_reconstruction_mse(deep, x + 300 * d, 100, NULL);

		printf("# rank-2 data: held-out MSE with hidden {16}: %.3g\n", deep_mse);
		tap_ok(deep_mse < 0.05 * total / d, "a hidden-layer autoencoder reconstructs rank-2 data too");
		free(result.history);
		autoencoder_free(deep);
	}
	{
		AutoencoderParams p;
		SegAutoencoder *bad;

		memset(&p, 0, sizeof(p));
		p.code_size = d + 1;
		p.epochs = p.batch_size = p.patience = 1;
		p.learning_rate = 0.01;
		tap_ok(autoencoder_fit(x, 300, NULL, 0, d, &p, 1, NULL, &bad, &result, msg) == SEG_ERR_INVALID,
			   "a code wider than the input is refused");
		p.code_size = 2;
		p.n_hidden = AE_MAX_ENCODER_LAYERS + 1;
		tap_ok(autoencoder_fit(x, 300, NULL, 0, d, &p, 1, NULL, &bad, &result, msg) == SEG_ERR_INVALID,
			   "too many encoder layers are refused");
	}
	autoencoder_free(a);
	pca_free(pca);
	free(x);
}

/* A whole PCA model value with a preprocessor: codec, frame projection, predictor. */
static void
TestEmbeddingModel(void)
{
	static char *cats[3] = {"a", "b", "c"};
	SegColumn	cols[3] = {{"x", SEG_COL_NUMERIC, false, 0, NULL},
	{"y", SEG_COL_NUMERIC, false, 0, NULL},
	{"c", SEG_COL_CATEGORICAL, false, 3, cats}};
	int			n = 60;
	double		values[60 * 3];
	SegFrame	frame = {60, 3, values, cols};
	SegEmbedding e;
	SegEmbedding *back;
	SegWriter	w;
	char		msg[SEG_ERRMSG_LEN];
	double	   *encoded;
	double	   *codes;
	double	   *frame_codes;
	int			rows[3] = {5, 17, 42};
	SegPredictor pred;
	double	   *scratch;
	double		scores[2];
	int			rejected = 0;
	int			flipped = 0;

	for (int i = 0; i < n; i++)
	{
		values[i * 3] = i % 9 == 0 ? NAN : sin(i) * 3.0;
		values[i * 3 + 1] = cos(i * 0.7) + 0.1 * i;
		values[i * 3 + 2] = i % 3;
	}
	memset(&e, 0, sizeof(e));
	e.kind = SEG_MODEL_PCA;
	prep_fit(&frame, NULL, n, &e.prep, msg);
	e.n_inputs = e.prep->n_outputs;
	encoded = malloc(sizeof(double) * n * e.n_inputs);
	prep_transform_frame(e.prep, &frame, NULL, n, encoded, msg);
	tap_ok(pca_fit(encoded, n, e.n_inputs, 2, NULL, &e.pca, msg) == SEG_OK, "PCA on encoded rows");
	e.code_size = 2;
	codes = malloc(sizeof(double) * n * 2);
	frame_codes = malloc(sizeof(double) * n * 2);
	pca_project(e.pca, encoded, n, codes);
	tap_ok(embedding_project_frame(&e, &frame, NULL, n, frame_codes, NULL, msg) == SEG_OK &&
		   memcmp(codes, frame_codes, sizeof(double) * n * 2) == 0,
		   "projecting a frame's raw rows gives the codes of its encoded rows");
	tap_ok(embedding_project_frame(&e, &frame, rows, 3, frame_codes, NULL, msg) == SEG_OK &&
		   frame_codes[2] == codes[17 * 2] && frame_codes[5] == codes[42 * 2 + 1],
		   "and of the rows asked for");

	writer_init(&w, 256);
	embedding_write(&w, &e);
	tap_ok(embedding_read(w.data, w.len, &back, msg) == SEG_OK && back->code_size == 2 &&
		   back->n_inputs == e.n_inputs && back->kind == SEG_MODEL_PCA, "the model value reads back");
	embedding_free(back);
	tap_ok(predictor_read(w.data, w.len, &pred, msg) == SEG_OK && pred.n_classes == 2 &&
		   pred.class_names == NULL && pred.prep != NULL, "it reads as a predictor of codes");
	scratch = calloc(pred.scratch_len, sizeof(double));
	tap_ok(pred.predict_row(pred.estimator, encoded + 17 * e.n_inputs, scores, scratch) == 0 &&
		   fabs(scores[1] - codes[17 * 2 + 1]) < 1e-12, "whose scores are the code");
	{
		double	   *decoded = calloc(e.n_inputs, sizeof(double));
		double	   *direct = calloc(e.n_inputs, sizeof(double));

		embedding_decode_row(&e, scores, decoded, scratch);
		embedding_reconstruct_row(&e, encoded + 17 * e.n_inputs, direct, scratch);
		tap_close(decoded[0], direct[0], 1e-12, "a code decodes to the row's reconstruction");
		free(decoded);
		free(direct);
	}
	free(scratch);
	predictor_free(&pred);
	for (size_t len = 0; len < w.len; len++)
		if (embedding_read(w.data, len, &back, msg) != SEG_OK)
			rejected++;
		else
			embedding_free(back);
	tap_ok(rejected == (int) w.len, "every truncated model value is rejected");
	for (size_t pos = SEG_MODEL_HEADER_SIZE; pos < w.len; pos++)
	{
		w.data[pos] ^= 0x10;
		if (embedding_read(w.data, w.len, &back, msg) == SEG_ERR_CORRUPT)
			flipped++;
		else
			embedding_free(back);
		w.data[pos] ^= 0x10;
	}
	tap_ok(flipped == (int) (w.len - SEG_MODEL_HEADER_SIZE), "every flipped payload bit is caught");
	free(w.data);

	/* a classifier's bytes are not an embedding */
	{
		SegWriter	other;
		uint8_t		payload[2] = {0, 0};

		writer_init(&other, 32);
		model_begin(&other, SEG_MODEL_KMEANS);
		writer_put_bytes(&other, payload, 2);
		model_seal(&other);
		tap_ok(embedding_read(other.data, other.len, &back, msg) == SEG_ERR_WRONG_KIND,
			   "another kind is the wrong kind");
		free(other.data);
	}
	prep_free(e.prep);
	pca_free(e.pca);
	free(encoded);
	free(codes);
	free(frame_codes);
}

int
main(void)
{
	TestPcaFigures();
	TestPcaTwoByTwo();
	TestPcaBadInputs();
	TestMultiOutputGradient();
	TestAutoencoder();
	TestEmbeddingModel();
	return tap_done();
}
