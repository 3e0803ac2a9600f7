/*
 * test_mlp.c
 *	  Unit tests of the classifier's numeric core: MLP gradients by finite
 *	  differences, batch normalisation and dropout modes, training,
 *	  metrics, the stratified split, the model codec and search trials.
 */
#include <stdio.h>
#include <string.h>

#include "learner.h"
#include "linalg.h"
#include "metrics.h"
#include "mlp.h"
#include "model.h"
#include "predictor.h"
#include "search_space.h"
#include "split.h"
#include "supervised_model.h"
#include "tap.h"

/* Loss of a minibatch with a fixed dropout mask (the rng is reseeded). */
static double
LossAt(Mlp *m, MlpWork *w, const double *x, const int *y, int n, const double *cw,
	   double dropout, double l2, double *grad)
{
	SegRng		rng;

	rng_seed(&rng, 7);
	return mlp_loss_grad(m, w, x, (MlpTargets) {y, NULL}, n, cw, dropout, l2, &rng, false, grad);
}

/* Largest relative difference between the analytic and a central-difference gradient. */
static double
GradientError(bool batch_norm, double dropout)
{
	MlpShape	shape = {3, 3, MLP_OUTPUT_SOFTMAX, 2, {5, 4}, batch_norm};
	Mlp		   *m;
	MlpWork    *w;
	SegRng		rng;
	double		x[6 * 3];
	int			y[6] = {0, 1, 2, 0, 1, 2};
	double		cw[3] = {1.0, 2.0, 0.5};
	double	   *grad;
	double	   *scratch;
	double		worst = 0.0;
	char		msg[SEG_ERRMSG_LEN];

	mlp_create(&shape, &m, msg);
	rng_seed(&rng, 1);
	mlp_init_params(m, &rng);
	for (int i = 0; i < 18; i++)
		x[i] = rng_normal(&rng);
	w = mlp_work_create(m, 6);
	grad = calloc(m->n_params, sizeof(double));
	scratch = calloc(m->n_params, sizeof(double));
	LossAt(m, w, x, y, 6, cw, dropout, 0.3, grad);
	for (size_t i = 0; i < m->n_params; i++)
	{
		double		keep = m->params[i];
		double		h = 1e-6;
		double		up,
					down,
					num,
					err;

		m->params[i] = keep + h;
		up = LossAt(m, w, x, y, 6, cw, dropout, 0.3, scratch);
		m->params[i] = keep - h;
		down = LossAt(m, w, x, y, 6, cw, dropout, 0.3, scratch);
		m->params[i] = keep;
		num = (up - down) / (2 * h);
		err = fabs(num - grad[i]) / fmax(1e-4, fabs(num) + fabs(grad[i]));
		if (err > worst)
			worst = err;
	}
	free(grad);
	free(scratch);
	mlp_work_free(w);
	mlp_free(m);
	return worst;
}

static void
TestGradients(void)
{
	tap_ok(GradientError(false, 0.0) < 1e-6, "gradient matches finite differences (plain)");
	tap_ok(GradientError(true, 0.0) < 1e-6, "gradient matches finite differences (batch norm)");
	tap_ok(GradientError(true, 0.4) < 1e-6,
		   "gradient matches finite differences (batch norm, dropout, class weights, l2)");
}

/* Three Gaussian blobs in 4 dimensions, centres at +-3 on the first axes. */
static void
Blobs(SegRng *rng, int n, double *x, int *y)
{
	for (int i = 0; i < n; i++)
	{
		y[i] = i % 3;
		for (int j = 0; j < 4; j++)
			x[i * 4 + j] = rng_normal(rng) + (j == y[i] ? 3.0 : 0.0) + 5.0;
	}
}

static void
TestModes(void)
{
	MlpShape	shape = {4, 3, MLP_OUTPUT_SOFTMAX, 1, {8}, true};
	Mlp		   *m;
	MlpWork    *w;
	MlpDense   *d;
	SegRng		rng;
	double		x[32 * 4];
	int			y[32];
	double	   *grad;
	double		proba_block[32 * 3];
	double		proba_row[3];
	double		scratch[64];
	double		loss_a,
				loss_b,
				eval_loss,
				eval_acc;
	bool		same = true;
	char		msg[SEG_ERRMSG_LEN];

	mlp_create(&shape, &m, msg);
	rng_seed(&rng, 3);
	mlp_init_params(m, &rng);
	Blobs(&rng, 32, x, y);
	w = mlp_work_create(m, 32);
	grad = calloc(m->n_params, sizeof(double));

	loss_a = mlp_loss_grad(m, w, x, (MlpTargets) {y, NULL}, 32, NULL, 0.5, 0.0, &rng, false, grad);
	loss_b = mlp_loss_grad(m, w, x, (MlpTargets) {y, NULL}, 32, NULL, 0.5, 0.0, &rng, false, grad);
	tap_ok(loss_a != loss_b, "training mode: dropout draws a new mask each pass");

	/* batch statistics in training, running statistics (still 0 / 1) at prediction */
	loss_a = mlp_loss_grad(m, w, x, (MlpTargets) {y, NULL}, 32, NULL, 0.0, 0.0, &rng, false, grad);
	d = mlp_dense_create(m);
	mlp_evaluate(d, x, (MlpTargets) {y, NULL}, 32, proba_block, &eval_loss, &eval_acc, NULL);
	tap_ok(fabs(loss_a - eval_loss) > 1e-3,
		   "inputs centred at 5: batch statistics and initial running statistics give different losses");

	/* running statistics move towards the batch's */
	for (int k = 0; k < 200; k++)
		mlp_loss_grad(m, w, x, (MlpTargets) {y, NULL}, 32, NULL, 0.0, 0.0, &rng, true, grad);
	mlp_dense_refresh(d, m);
	mlp_evaluate(d, x, (MlpTargets) {y, NULL}, 32, proba_block, &eval_loss, &eval_acc, NULL);
	{
		/* layer 0's pre-activations z = x W over the batch: their mean and unbiased variance */
		const MlpLayer *L = &m->layers[0];
		double		worst = 0.0;

		for (int j = 0; j < L->n_out; j++)
		{
			double		sum = 0.0,
						sumsq = 0.0,
						mean,
						var;

			for (int i = 0; i < 32; i++)
			{
				double		z = 0.0;

				for (int k = 0; k < 4; k++)
					z += x[i * 4 + k] * m->params[L->w + k * L->n_out + j];
				sum += z;
				sumsq += z * z;
			}
			mean = sum / 32;
			var = (sumsq - 32 * mean * mean) / 31;
			worst = fmax(worst, fabs(m->stats[L->running_mean + j] - mean));
			worst = fmax(worst, fabs(m->stats[L->running_var + j] - var) / var);
		}
		tap_ok(worst < 1e-6,
			   "running statistics converge to the batch mean and unbiased variance");
	}
	tap_close(eval_loss, loss_a, 2e-2,
			  "so eval mode then nearly reproduces the training-mode loss");

	/* eval mode: a row's output does not depend on the rows beside it */
	for (int i = 0; i < 32; i++)
	{
		mlp_dense_predict_row(d, x + i * 4, proba_row, scratch);
		for (int c = 0; c < 3; c++)
			if (fabs(proba_row[c] - proba_block[i * 3 + c]) > 1e-12)
				same = false;
	}
	tap_ok(same, "eval mode: one row alone = the same row in a block");
	loss_a = mlp_loss_grad(m, w, x, (MlpTargets) {y, NULL}, 16, NULL, 0.0, 0.0, &rng, false, grad);
	loss_b = mlp_loss_grad(m, w, x + 16 * 4, (MlpTargets) {y + 16, NULL}, 16, NULL, 0.0, 0.0, &rng, false, grad);
	mlp_evaluate(d, x, (MlpTargets) {y, NULL}, 16, proba_block, &eval_loss, &eval_acc, NULL);
	tap_ok(fabs(loss_a - eval_loss) > 1e-9,
		   "training mode: a half batch uses its own statistics, not the running ones");
	(void) loss_b;
	mlp_dense_free(d);
	free(grad);
	mlp_work_free(w);
	mlp_free(m);
}

/*
 * One row through the vector layer kernel against the same rows through
 * the BLAS block path, with widths that use each of its paths (32 and 8
 * outputs at a time, and the remainder).
 */
static void
TestRowKernel(void)
{
	MlpShape	shape = {5, 3, MLP_OUTPUT_SOFTMAX, 2, {37, 9}, false};
	Mlp		   *m;
	MlpDense   *d;
	SegRng		rng;
	double		x[20 * 5];
	double		proba_block[20 * 3];
	double		proba_row[3];
	double		scratch[128];
	double		worst = 0.0;
	char		msg[SEG_ERRMSG_LEN];

	mlp_create(&shape, &m, msg);
	rng_seed(&rng, 5);
	mlp_init_params(m, &rng);
	for (int i = 0; i < 20 * 5; i++)
		x[i] = rng_normal(&rng);
	d = mlp_dense_create(m);
	mlp_dense_predict(d, x, 20, proba_block, NULL);
	for (int i = 0; i < 20; i++)
	{
		mlp_dense_predict_row(d, x + i * 5, proba_row, scratch);
		for (int c = 0; c < 3; c++)
			worst = fmax(worst, fabs(proba_row[c] - proba_block[i * 3 + c]));
	}
	tap_ok(worst < 1e-12, "widths 37 and 9: one row = the same row through BLAS");
	mlp_dense_free(d);
	mlp_free(m);
}

static Mlp *
TrainBlobs(uint64_t seed, double *val_accuracy)
{
	MlpShape	shape = {4, 3, MLP_OUTPUT_SOFTMAX, 2, {16, 8}, true};
	Mlp		   *m;
	SegRng		rng;
	static double x[600 * 4];
	static int	y[600];
	MlpData		train = {x, {y, NULL}, 450};
	MlpData		val = {x + 450 * 4, {y + 450, NULL}, 150};
	MlpTrainParams p = {0.1, 1e-4, 40, 32, 1e-2, 5, NULL, NULL, NULL, NULL};
	MlpFitResult res;
	char		msg[SEG_ERRMSG_LEN];

	rng_seed(&rng, 11);
	Blobs(&rng, 600, x, y);
	mlp_create(&shape, &m, msg);
	rng_seed(&rng, seed);
	mlp_init_params(m, &rng);
	if (mlp_fit(m, &train, &val, &p, &rng, NULL, &res, msg) != SEG_OK)
		printf("# %s\n", msg);
	*val_accuracy = res.val_score;
	free(res.history);
	return m;
}

static void
TestTraining(void)
{
	double		acc1,
				acc2;
	Mlp		   *a = TrainBlobs(42, &acc1);
	Mlp		   *b = TrainBlobs(42, &acc2);
	Mlp		   *c = TrainBlobs(43, &acc2);

	tap_ok(acc1 >= 0.95, "separable blobs: validation accuracy >= 0.95");
	tap_ok(memcmp(a->params, b->params, sizeof(double) * a->n_params) == 0 &&
		   memcmp(a->stats, b->stats, sizeof(double) * a->n_stats) == 0,
		   "same seed, identical parameters and running statistics");
	tap_ok(memcmp(a->params, c->params, sizeof(double) * a->n_params) != 0,
		   "another seed, other parameters");
	mlp_free(a);
	mlp_free(b);
	mlp_free(c);
}

static void
TestMetrics(void)
{
	int			actual[6] = {0, 0, 1, 1, 2, 2};
	int			predicted[6] = {0, 1, 1, 1, 2, 0};
	int			never[4] = {0, 0, 1, 1};
	int			all_zero[4] = {0, 0, 0, 0};
	double		proba[2 * 2] = {0.9, 0.1, 0.2, 0.8};
	int			y2[2] = {0, 1};
	SegMetrics *m = metrics_compute(actual, predicted, 6, 3);

	/* figures of sklearn.metrics.classification_report on the same labels */
	tap_ok(m->confusion[0 * 3 + 1] == 1 && m->confusion[2 * 3 + 0] == 1 &&
		   m->confusion[1 * 3 + 1] == 2, "confusion matrix: row = actual");
	tap_close(m->accuracy, 4.0 / 6.0, 1e-15, "accuracy");
	tap_close(m->per_class[1].precision, 2.0 / 3.0, 1e-15, "precision = tp / predicted");
	tap_close(m->per_class[2].recall, 0.5, 1e-15, "recall = tp / support");
	tap_close(m->per_class[1].f1, 0.8, 1e-15, "f1");
	tap_close(m->macro.f1, (0.5 + 0.8 + 2.0 / 3.0) / 3.0, 1e-15, "macro f1");
	tap_close(m->weighted.f1, (0.5 + 0.8 + 2.0 / 3.0) / 3.0, 1e-15,
			  "weighted f1 (equal supports)");
	metrics_free(m);

	m = metrics_compute(never, all_zero, 4, 3);
	tap_ok(m->per_class[1].precision == 0.0 && m->per_class[1].f1 == 0.0,
		   "zero_division=0: a never-predicted class scores 0");
	tap_close(m->macro.f1, (2.0 / 3.0 + 0.0) / 2.0, 1e-15,
			  "macro average skips a class absent from actual and predicted");
	tap_close(m->weighted.recall, 0.5, 1e-15, "weighted recall = accuracy");
	metrics_free(m);

	tap_close(metrics_log_loss(proba, y2, 2, 2), -(log(0.9) + log(0.8)) / 2, 1e-15, "log loss");
}

static void
TestSplit(void)
{
	int			n = 1000;
	int		   *labels = malloc(sizeof(int) * n);
	uint8_t    *a = malloc(n);
	uint8_t    *b = malloc(n);
	int			counts[3][3] = {{0}};
	char		msg[SEG_ERRMSG_LEN];
	const char *names[3] = {"low", "mid", "high"};
	int			tiny[6] = {0, 0, 0, 0, 1, 1};
	uint8_t		tiny_part[6];

	for (int i = 0; i < n; i++)
		labels[i] = i < 700 ? 0 : i < 900 ? 1 : 2;
	tap_ok(split_stratified(labels, n, 3, 0.2, 0.1, 42, names, a, msg) == SEG_OK, "split");
	for (int i = 0; i < n; i++)
		counts[labels[i]][a[i]]++;
	tap_ok(counts[0][SPLIT_TEST] == 140 && counts[1][SPLIT_TEST] == 40 &&
		   counts[2][SPLIT_TEST] == 20, "test part keeps the class proportions (20%)");
	tap_ok(counts[0][SPLIT_VALIDATION] == 70 && counts[1][SPLIT_VALIDATION] == 20 &&
		   counts[2][SPLIT_VALIDATION] == 10, "validation part keeps them too (10%)");
	split_stratified(labels, n, 3, 0.2, 0.1, 42, names, b, msg);
	tap_ok(memcmp(a, b, n) == 0, "same seed, same split");
	split_stratified(labels, n, 3, 0.2, 0.1, 43, names, b, msg);
	tap_ok(memcmp(a, b, n) != 0, "another seed, another split");
	tap_ok(split_stratified(tiny, 6, 2, 0.2, 0.1, 42, names, tiny_part, msg) == SEG_ERR_INVALID &&
		   strstr(msg, "class \"mid\" has 2 rows") != NULL, "a class too small to stratify");
	printf("# %s\n", msg);
	tap_ok(split_stratified(labels, n, 3, 0.6, 0.5, 42, NULL, a, msg) == SEG_ERR_INVALID,
		   "sizes summing to 1 or more");
	free(labels);
	free(a);
	free(b);
}

/* A small classification problem in the ENCODED form of its preprocessor. */
typedef struct CodecFixture
{
	SegPreprocessor *prep;
	SegInputSchema schema;
	double		x[40 * 3];
	int			y[40];
	double		v[40];
} CodecFixture;

static void
MakeFixture(CodecFixture *f)
{
	static char *cats[2] = {"a", "b"};
	static SegColumn cols[2] = {{"num", SEG_COL_NUMERIC, false, 0, NULL},
	{"cat", SEG_COL_CATEGORICAL, false, 2, cats}};
	double		values[40 * 2];
	SegFrame	frame = {40, 2, values, cols};
	char		msg[SEG_ERRMSG_LEN];

	/* rows in a scattered order, so the last ten (validation) span the range */
	for (int r = 0; r < 40; r++)
	{
		int			i = (r * 17) % 40;

		values[r * 2] = i % 7 == 0 ? NAN : i * 0.25;
		values[r * 2 + 1] = i % 2;
		f->y[r] = (i * 0.25 > 5.0) != (i % 2 == 1);
		f->v[r] = i % 7 == 0 ? 60.0 : 3.0 * i + (i % 2 ? 10.0 : 0.0);
	}
	prep_fit(&frame, NULL, 40, &f->prep, msg);
	prep_transform_frame_as(f->prep, &frame, NULL, 40, SEG_INPUT_ENCODED, f->x, msg);
	supervised_schema(f->prep, SEG_INPUT_ENCODED, &f->schema);
}

/* Fits the mlp learner on the fixture for a task. */
static void *
FitMlp(CodecFixture *f, SegTask task, int epochs, SegFitInfo *info)
{
	const SegLearner *l = learner_find("mlp");
	void	   *params = calloc(1, l->params_size);
	SegLearnProblem problem;
	SegLearnContext ctx = {7, NULL, NULL, 1 << 30, NULL, NULL};
	void	   *model = NULL;
	char		msg[SEG_ERRMSG_LEN];
	int			sizes[1] = {6};

	params_defaults(l->params, l->n_params, params);
	params_set_list(params_find(l->params, l->n_params, "hidden"), params, sizes, 1, msg);
	params_set_number(params_find(l->params, l->n_params, "epochs"), params, epochs, msg);
	params_set_number(params_find(l->params, l->n_params, "learning_rate"), params, 0.01, msg);
	memset(&problem, 0, sizeof(problem));
	problem.task = task;
	problem.schema = &f->schema;
	problem.n_classes = task == SEG_TASK_CLASSIFICATION ? 2 : 0;
	problem.train = (SegLearnSet) {f->x, 30, f->y, f->v};
	problem.val = (SegLearnSet) {f->x + 30 * 3, 10, f->y + 30, f->v + 30};
	if (l->fit(&problem, params, &ctx, &model, info, msg) != SEG_OK)
		printf("# %s\n", msg);
	free(params);
	return model;
}

static void
TestCodec(void)
{
	CodecFixture f;
	const SegLearner *l = learner_find("mlp");
	SegSupervised s;
	SegFitInfo info;
	SegWriter	w;
	SegReader	r;
	SegModelHeader h;
	SegPredictor pred;
	char	   *names[2] = {"No", "Yes"};
	char		msg[SEG_ERRMSG_LEN];
	double		p1[2],
				p2[2],
				scratch[64];
	int			rejected = 0;

	MakeFixture(&f);
	memset(&s, 0, sizeof(s));
	s.task = SEG_TASK_CLASSIFICATION;
	s.learner = l;
	s.prep = f.prep;
	s.schema = f.schema;
	s.n_classes = 2;
	s.class_names = names;
	s.n_outputs = 2;
	s.model = FitMlp(&f, SEG_TASK_CLASSIFICATION, 3, &info);
	tap_ok(s.model != NULL && info.iterations == 3 && info.n_history == 3 &&
		   strcmp(info.unit, "epoch") == 0, "the mlp learner fits through the interface");
	writer_init(&w, 64);
	supervised_write(&w, &s);

	tap_ok(model_open(w.data, w.len, SEG_MODEL_CLASSIFIER, &h, &r, msg) == SEG_OK, "envelope");
	tap_ok(predictor_read_payload(h.kind, &r, &pred, msg) == SEG_OK, "predictor reads");
	tap_ok(pred.n_classes == 2 && strcmp(pred.class_names[1], "Yes") == 0 &&
		   pred.n_features == 3 && pred.prep != NULL && pred.input == SEG_INPUT_ENCODED,
		   "predictor fields");
	l->predict_row(s.model, f.x, p1, scratch);
	tap_ok(pred.scratch_len <= 64 &&
		   pred.predict_row(pred.estimator, f.x, p2, scratch) == mlp_argmax(p1, 2) &&
		   p1[0] == p2[0] && p1[1] == p2[1], "decoded model predicts as the original");
	for (size_t n = SEG_MODEL_HEADER_SIZE; n < w.len; n++)
	{
		SegSupervised *back;

		reader_init(&r, w.data + SEG_MODEL_HEADER_SIZE, n - SEG_MODEL_HEADER_SIZE);
		if (supervised_read(SEG_MODEL_CLASSIFIER, &r, &back, msg) != SEG_OK)
			rejected++;
	}
	tap_ok(rejected == (int) (w.len - SEG_MODEL_HEADER_SIZE),
		   "every truncated classifier payload is rejected");
	w.data[w.len - 3] ^= 0x10;
	tap_ok(model_open(w.data, w.len, SEG_MODEL_CLASSIFIER, &h, &r, msg) == SEG_ERR_CORRUPT,
		   "a flipped bit fails the checksum");
	free(w.data);
	l->free(s.model);
	fit_info_free(&info);
}

/*
 * A 0.1.0 classifier value (codec 1: preprocessor, classes, the network
 * section) is read by the mlp learner and predicts as the network.
 */
static void
TestCodecV1(void)
{
	CodecFixture f;
	MlpShape	shape = {3, 2, MLP_OUTPUT_SOFTMAX, 1, {4}, true};
	Mlp		   *m;
	MlpDense   *d;
	SegRng		rng;
	SegWriter	w;
	SegReader	r;
	SegModelHeader h;
	SegPredictor pred;
	char		msg[SEG_ERRMSG_LEN];
	double		p1[2],
				p2[2],
				scratch[64];

	MakeFixture(&f);
	mlp_create(&shape, &m, msg);
	rng_seed(&rng, 5);
	mlp_init_params(m, &rng);
	m->stats[m->layers[0].running_mean] = 0.25;
	writer_init(&w, 64);
	model_begin(&w, SEG_MODEL_CLASSIFIER);
	writer_put_u16(&w, 1);
	prep_write(&w, f.prep);
	writer_put_u32(&w, 2);
	writer_put_string(&w, "No");
	writer_put_string(&w, "Yes");
	writer_put_u32(&w, 3);
	writer_put_u32(&w, 1);
	writer_put_u32(&w, 4);
	writer_put_u8(&w, 1);
	writer_put_f64_array(&w, m->params, m->n_params);
	writer_put_f64_array(&w, m->stats, m->n_stats);
	model_seal(&w);
	tap_ok(model_open(w.data, w.len, SEG_MODEL_CLASSIFIER, &h, &r, msg) == SEG_OK &&
		   predictor_read_payload(h.kind, &r, &pred, msg) == SEG_OK, "a 0.1.0 classifier reads");
	d = mlp_dense_create(m);
	mlp_dense_predict_row(d, f.x + 3, p1, scratch);
	pred.predict_row(pred.estimator, f.x + 3, p2, scratch);
	tap_ok(p1[0] == p2[0] && p1[1] == p2[1], "and predicts exactly as its network");
	predictor_free(&pred);
	mlp_dense_free(d);
	mlp_free(m);
	free(w.data);
}

/* The mlp learner as a regressor: a linear target is learned, un-scaled. */
static void
TestRegression(void)
{
	CodecFixture f;
	SegFitInfo info;
	void	   *model;
	double		out[10];
	SegRegressionMetrics rm;
	const SegLearner *l = learner_find("mlp");

	MakeFixture(&f);
	model = FitMlp(&f, SEG_TASK_REGRESSION, 300, &info);
	l->predict(model, f.x + 30 * 3, 10, out);
	metrics_regression(f.v + 30, out, 10, &rm);
	printf("# regression R2 %.4f, MAE %.4f\n", rm.r2, rm.mae);
	tap_ok(model != NULL && rm.r2 > 0.8, "mlp regressor learns a linear target (R2 > 0.8)");
	l->free(model);
	fit_info_free(&info);
}

static void
TestSearch(void)
{
	const SegLearner *l = learner_find("mlp");
	SegSearchSpace space;
	SegTrialConfig base;
	SegTrialConfig out[20];
	double		dropouts[3] = {0.0, 0.2, 0.4};
	double		batches[2] = {32, 128};
	SegIntList	hidden[2] = {{1, {32}}, {2, {64, 32}}};
	int			n;
	bool		in_range = true;
	const SegParamSpec *s_hidden = params_find(l->params, l->n_params, "hidden");
	const SegParamSpec *s_dropout = params_find(l->params, l->n_params, "dropout");
	const SegParamSpec *s_batch = params_find(l->params, l->n_params, "batch_size");
	const SegParamSpec *s_lr = params_find(l->params, l->n_params, "learning_rate");

	memset(&space, 0, sizeof(space));
	base.learner = l;
	base.balance = 0;
	base.params = calloc(1, l->params_size);
	params_defaults(l->params, l->n_params, base.params);
	space.n_dims = 3;
	space.dims[0] = (SearchDim) {s_hidden, SEARCH_CHOICES, 2, NULL, hidden, 0, 0};
	space.dims[1] = (SearchDim) {s_dropout, SEARCH_CHOICES, 3, dropouts, NULL, 0, 0};
	space.dims[2] = (SearchDim) {s_batch, SEARCH_CHOICES, 2, batches, NULL, 0, 0};
	tap_ok(search_grid_size(&space) == 12, "grid size");
	search_trials(&space, &base, 20, 42, out, &n);
	tap_ok(n == 12 && params_get_list(s_hidden, out[0].params)->n == 1 &&
		   params_get_number(s_dropout, out[0].params) == 0.0 &&
		   params_get_number(s_batch, out[0].params) == 32 &&
		   params_get_number(s_batch, out[1].params) == 128 &&
		   params_get_list(s_hidden, out[11].params)->n == 2 &&
		   params_get_number(s_dropout, out[11].params) == 0.4,
		   "trials >= grid: the whole grid, last entry fastest");
	search_trials(&space, &base, 5, 42, out, &n);
	tap_ok(n == 5 && params_get_number(s_lr, out[0].params) == 1e-3,
		   "trials < grid: random draws, others from base");
	space.dims[3] = (SearchDim) {s_lr, SEARCH_LOG_UNIFORM, 0, NULL, NULL, 1e-4, 1e-2};
	space.n_dims = 4;
	tap_ok(search_grid_size(&space) == -1, "a distribution makes it random search");
	search_trials(&space, &base, 20, 42, out, &n);
	for (int t = 0; t < n; t++)
		if (params_get_number(s_lr, out[t].params) < 1e-4 ||
			params_get_number(s_lr, out[t].params) > 1e-2)
			in_range = false;
	tap_ok(n == 20 && in_range, "log-uniform draws stay in range");
	tap_ok(out[0].params != out[1].params && out[0].params != base.params,
		   "each trial owns its settings");
}

/* linalg_gemm_small agrees with BLAS for every transpose case and ragged sizes */
static void
TestSmallGemm(void)
{
	SegRng		rng;
	double		worst = 0.0;
	double	   *a = malloc(sizeof(double) * 80 * 80);
	double	   *b = malloc(sizeof(double) * 80 * 80);
	double	   *c1 = malloc(sizeof(double) * 80 * 80);
	double	   *c2 = malloc(sizeof(double) * 80 * 80);

	rng_seed(&rng, 9);
	for (int i = 0; i < 80 * 80; i++)
	{
		a[i] = rng_normal(&rng);
		b[i] = rng_normal(&rng);
	}
	for (int trial = 0; trial < 200; trial++)
	{
		bool		ta = trial & 1,
					tb = (trial >> 1) & 1;
		int			m = 1 + (int) rng_below(&rng, 70);
		int			n = 1 + (int) rng_below(&rng, 70);
		int			k = 1 + (int) rng_below(&rng, 70);
		double		beta = trial % 3 == 0 ? 0.0 : 0.5;

		for (int i = 0; i < m * n; i++)
			c1[i] = c2[i] = rng_normal(&rng);
		linalg_gemm(ta, tb, m, n, k, 1.5, a, ta ? m : k, b, tb ? k : n, beta, c1, n);
		linalg_gemm_small(ta, tb, m, n, k, 1.5, a, ta ? m : k, b, tb ? k : n, beta, c2, n);
		for (int i = 0; i < m * n; i++)
			worst = fmax(worst, fabs(c1[i] - c2[i]) / (1.0 + fabs(c1[i])));
	}
	tap_ok(worst < 1e-12, "small-product GEMM matches BLAS (all transposes, ragged sizes, beta 0 / 0.5)");

	/*
	 * Every element is one sum over p in order, whichever block (4 rows,
	 * a single row, a narrow product computed as its transpose) computes
	 * it; with FMA, bit for bit the in-order fma() sum.
	 */
	{
		int			differ = 0;

		for (int trial = 0; trial < 400; trial++)
		{
			bool		ta = trial & 1,
						tb = (trial >> 1) & 1;
			int			m = 1 + (int) rng_below(&rng, 40);
			int			n = 1 + (int) rng_below(&rng, trial % 5 == 0 ? 7 : 40);
			int			k = 1 + (int) rng_below(&rng, 40);
			int			lda = ta ? m : k;
			int			ldb = tb ? k : n;

			for (int i = 0; i < m; i++)
				for (int j = 0; j < n; j++)
				{
					double		s = 0.0;

					for (int p = 0; p < k; p++)
#ifdef __FMA__
						s = fma(ta ? a[p * lda + i] : a[i * lda + p],
								tb ? b[j * ldb + p] : b[p * ldb + j], s);
#else
						s += (ta ? a[p * lda + i] : a[i * lda + p]) *
							(tb ? b[j * ldb + p] : b[p * ldb + j]);
#endif
					c1[i * n + j] = s;
				}
			linalg_gemm_small(ta, tb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c2, n);
			for (int i = 0; i < m * n; i++)
				differ += memcmp(&c1[i], &c2[i], sizeof(double)) != 0;
		}
		tap_ok(differ == 0, "small-product GEMM: each element is the in-order sum whatever block computes it");
	}

	/*
	 * The AVX-512 kernel (eight doubles a vector) gives the AVX2 kernel's
	 * numbers bit for bit, with alpha and beta, where the CPU has it.
	 */
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
	{
		int			differ = 0;

		for (int trial = 0; trial < 400; trial++)
		{
			bool		ta = trial & 1,
						tb = (trial >> 1) & 1;
			int			m = 1 + (int) rng_below(&rng, 70);
			int			n = 1 + (int) rng_below(&rng, trial % 5 == 0 ? 7 : 70);
			int			k = 1 + (int) rng_below(&rng, 70);
			double		beta = trial % 3 == 0 ? 0.0 : -0.75;

			for (int i = 0; i < m * n; i++)
				c1[i] = c2[i] = rng_normal(&rng);
			linalg_small_kernel_width(4);
			linalg_gemm_small(ta, tb, m, n, k, 1.25, a, ta ? m : k, b, tb ? k : n, beta, c1, n);
			linalg_small_kernel_width(8);
			linalg_gemm_small(ta, tb, m, n, k, 1.25, a, ta ? m : k, b, tb ? k : n, beta, c2, n);
			for (int i = 0; i < m * n; i++)
				differ += memcmp(&c1[i], &c2[i], sizeof(double)) != 0;
		}
		linalg_small_kernel_width(0);
		tap_ok(differ == 0, "small-product GEMM: the AVX-512 and AVX2 kernels give the same bits");
	}
	else
		tap_skip("small-product GEMM: no AVX-512 on this CPU to compare kernels on");
	free(a);
	free(b);
	free(c1);
	free(c2);
}

int
main(void)
{
	TestSmallGemm();
	TestGradients();
	TestModes();
	TestRowKernel();
	TestTraining();
	TestMetrics();
	TestSplit();
	TestCodec();
	TestCodecV1();
	TestRegression();
	TestSearch();
	return tap_done();
}
