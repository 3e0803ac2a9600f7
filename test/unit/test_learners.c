/*
 * test_learners.c
 *	  Unit tests of the learner registry, the L-BFGS optimizer and the
 *	  logistic learner (gradients, convergence, contributions, codec).
 */
#include <string.h>

#include "evaluation.h"
#include "lbfgs.h"
#include "learner.h"
#include "rng.h"
#include "selection.h"
#include "tap.h"

static double
Rosenbrock(const double *x, double *g, void *arg SEG_UNUSED)
{
	double		a = 1.0 - x[0];
	double		b = x[1] - x[0] * x[0];

	g[0] = -2.0 * a - 400.0 * x[0] * b;
	g[1] = 200.0 * b;
	return a * a + 100.0 * b * b;
}

static double
Quadratic(const double *x, double *g, void *arg SEG_UNUSED)
{
	double		f = 0.0;

	/* sum (i + 1) (x_i - i)^2: an ill-conditioned bowl with its minimum at x_i = i */
	for (int i = 0; i < 20; i++)
	{
		f += (i + 1) * (x[i] - i) * (x[i] - i);
		g[i] = 2.0 * (i + 1) * (x[i] - i);
	}
	return f;
}

static void
TestLbfgs(void)
{
	double		x[20] = {-1.2, 1.0};
	LbfgsResult r;
	double		worst = 0.0;

	lbfgs_minimize(Rosenbrock, NULL, x, 2, 10, 500, 1e-8, NULL, &r);
	tap_ok(r.converged && fabs(x[0] - 1.0) < 1e-6 && fabs(x[1] - 1.0) < 1e-6,
		   "L-BFGS finds Rosenbrock's minimum (1, 1)");
	memset(x, 0, sizeof(x));
	lbfgs_minimize(Quadratic, NULL, x, 20, 5, 500, 1e-10, NULL, &r);
	for (int i = 0; i < 20; i++)
		worst = fmax(worst, fabs(x[i] - i));
	tap_ok(r.converged && worst < 1e-9, "L-BFGS minimises an ill-conditioned quadratic");
	memset(x, 0, sizeof(x));
	lbfgs_minimize(Quadratic, NULL, x, 20, 5, 3, 1e-10, NULL, &r);
	tap_ok(!r.converged && r.iterations == 3, "max_iter stops it, unconverged");
}

/* Three overlapping classes in 2-D, a one-hot-like third input. */
static void
MakeProblem(double *x, int *y, int n)
{
	SegRng		rng;

	rng_seed(&rng, 3);
	for (int i = 0; i < n; i++)
	{
		y[i] = i % 3;
		x[i * 3] = y[i] + rng_normal(&rng);
		x[i * 3 + 1] = (y[i] == 2) * 2.0 + rng_normal(&rng);
		x[i * 3 + 2] = rng_uniform(&rng) < 0.5;
	}
}

static void *
FitLogistic(double *x, int *y, int n, int n_classes, const double *cw, double C, SegFitInfo *info)
{
	const SegLearner *l = learner_find("logistic");
	SegInputColumn cols[3] = {{"a", SEG_COL_NUMERIC, 0, 0}, {"b", SEG_COL_NUMERIC, 0, 1},
	{"c", SEG_COL_NUMERIC, 0, 2}};
	SegInputSchema schema = {SEG_INPUT_ENCODED, 3, cols, 3};
	void	   *params = calloc(1, l->params_size);
	SegLearnProblem problem;
	SegLearnContext ctx = {1, NULL, NULL, 1 << 30, NULL, NULL};
	void	   *model = NULL;
	char		msg[SEG_ERRMSG_LEN];

	params_defaults(l->params, l->n_params, params);
	params_set_number(params_find(l->params, l->n_params, "C"), params, C, msg);
	params_set_number(params_find(l->params, l->n_params, "tol"), params, 1e-10, msg);
	params_set_number(params_find(l->params, l->n_params, "max_iter"), params, 1000, msg);
	memset(&problem, 0, sizeof(problem));
	problem.task = SEG_TASK_CLASSIFICATION;
	problem.schema = &schema;
	problem.n_classes = n_classes;
	problem.class_weight = cw;
	problem.train = (SegLearnSet) {x, n, y, NULL};
	if (l->fit(&problem, params, &ctx, &model, info, msg) != SEG_OK)
		printf("# %s\n", msg);
	free(params);
	return model;
}

/*
 * At the optimum the objective's gradient vanishes: sum_i (p_i - y_i) x_i
 * + W / C = 0 per class.  Checked from predictions alone.
 */
static double
StationarityError(const void *model, const double *x, const int *y, int n, int k, double C)
{
	const SegLearner *l = learner_find("logistic");
	int			m = k == 2 ? 1 : k;
	double		phi[4 * 3];
	double		grad[3 * 3 + 3];
	double		ones[3] = {1.0, 1.0, 1.0};
	double		worst = 0.0;
	double		proba[3];
	double		scratch[3];

	memset(grad, 0, sizeof(grad));
	for (int i = 0; i < n; i++)
	{
		l->predict_row(model, x + i * 3, proba, scratch);
		for (int j = 0; j < 3; j++)
			for (int c = 0; c < m; c++)
			{
				int			cls = m == 1 ? 1 : c;

				grad[j * m + c] += (proba[cls] - (y[i] == cls)) * x[i * 3 + j];
			}
		for (int c = 0; c < m; c++)
			grad[9 + c] += proba[m == 1 ? 1 : c] - (y[i] == (m == 1 ? 1 : c));
	}
	/* the coefficients are the contributions of an input of value 1 */
	l->contributions(model, ones, phi);
	for (int j = 0; j < 3; j++)
		for (int c = 0; c < m; c++)
			worst = fmax(worst, fabs(grad[j * m + c] + phi[j * m + c] / C));
	for (int c = 0; c < m; c++)
		worst = fmax(worst, fabs(grad[9 + c]));
	return worst;
}

static void
TestLogistic(void)
{
	const SegLearner *l = learner_find("logistic");
	static double x[600 * 3];
	static int	y[600];
	static int	y2[600];
	SegFitInfo	info;
	void	   *model;
	double		phi[4 * 3];
	double		margin[3];
	double		proba[3];
	double		scratch[3];
	double		sum;
	SegWriter	w;
	SegReader	r;
	SegInputColumn cols[3] = {{"a", SEG_COL_NUMERIC, 0, 0}, {"b", SEG_COL_NUMERIC, 0, 1},
	{"c", SEG_COL_NUMERIC, 0, 2}};
	SegInputSchema schema = {SEG_INPUT_ENCODED, 3, cols, 3};
	SegModelShape shape = {SEG_TASK_CLASSIFICATION, 3, &schema};
	void	   *back = NULL;
	char		msg[SEG_ERRMSG_LEN];
	double		cw[2] = {0.5, 3.0};
	int			rejected = 0;

	tap_ok(l != NULL && learner_find("mlp") != NULL && learner_find("nope") == NULL,
		   "registry finds learners by name");
	MakeProblem(x, y, 600);
	model = FitLogistic(x, y, 600, 3, NULL, 0.5, &info);
	tap_ok(model != NULL && l->n_margins(model) == 3, "multinomial: one margin per class");
	tap_ok(StationarityError(model, x, y, 600, 3, 0.5) < 1e-6,
		   "multinomial optimum: the gradient vanishes");
	l->margin_row(model, x + 7 * 3, margin, scratch);
	l->contributions(model, x + 7 * 3, phi);
	sum = phi[0] + phi[3] + phi[6] + phi[9];
	tap_close(sum, margin[0], 1e-12, "contributions plus the base value add up to the margin");
	l->predict_row(model, x + 7 * 3, proba, scratch);
	tap_close(proba[0] + proba[1] + proba[2], 1.0, 1e-12, "probabilities sum to 1");

	writer_init(&w, 64);
	l->write(&w, model);
	reader_init(&r, w.data, w.len);
	tap_ok(l->read(&r, &shape, &back, msg) == SEG_OK && reader_at_end(&r), "codec round trip");
	{
		double		p2[3];

		l->predict_row(back, x + 7 * 3, p2, scratch);
		tap_ok(memcmp(p2, proba, sizeof(p2)) == 0, "read back, it predicts the same");
	}
	l->free(back);
	for (size_t len = 0; len < w.len; len++)
	{
		reader_init(&r, w.data, len);
		back = NULL;
		if (l->read(&r, &shape, &back, msg) != SEG_OK)
			rejected++;
		else if (!reader_at_end(&r))
		{
			rejected++;
			l->free(back);
		}
	}
	tap_ok(rejected == (int) w.len, "every truncated payload is rejected");
	free(w.data);
	l->free(model);

	/* two classes: one sigmoid; class weights enter the gradient */
	for (int i = 0; i < 600; i++)
		y2[i] = y[i] == 2;
	model = FitLogistic(x, y2, 600, 2, NULL, 1.0, &info);
	/* below scikit-learn's default tol of 1e-4 on the largest gradient component */
	tap_ok(l->n_margins(model) == 1 && StationarityError(model, x, y2, 600, 2, 1.0) < 1e-4,
		   "binary: one margin, at its optimum");
	l->free(model);
	model = FitLogistic(x, y2, 600, 2, cw, 1.0, &info);
	{
		double		p_plain[2];
		void	   *plain = FitLogistic(x, y2, 600, 2, NULL, 1.0, &info);

		l->predict_row(plain, x, p_plain, scratch);
		l->predict_row(model, x, proba, scratch);
		tap_ok(proba[1] > p_plain[1], "a heavier positive class raises its probability");
		l->free(plain);
	}
	l->free(model);
}

static void
TestRanking(void)
{
	double		perfect[6] = {0.9, 0.8, 0.7, 0.3, 0.2, 0.1};
	bool		pos[6] = {true, true, true, false, false, false};
	double		flat[6] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
	/*
	 * scikit-learn 1.2: roc_auc_score([1,0,1,0,1,0], [.9,.8,.7,.6,.6,.1]) =
	 * 0.7222222222222222, average_precision_score(...) = 0.7555555555555555
	 */
	double		mixed[6] = {0.9, 0.8, 0.7, 0.6, 0.6, 0.1};
	bool		alt[6] = {true, false, true, false, true, false};

	tap_close(metrics_roc_auc(perfect, pos, 6), 1.0, 1e-15, "ROC-AUC of a perfect ranking");
	tap_close(metrics_average_precision(perfect, pos, 6), 1.0, 1e-15, "AP of a perfect ranking");
	tap_close(metrics_roc_auc(flat, pos, 6), 0.5, 1e-15, "ROC-AUC of all ties is 0.5");
	tap_close(metrics_average_precision(flat, pos, 6), 0.5, 1e-15, "AP of all ties is the share");
	tap_close(metrics_roc_auc(mixed, alt, 6), 0.7222222222222222, 1e-15,
			  "ROC-AUC with a tie (scikit-learn's)");
	tap_close(metrics_average_precision(mixed, alt, 6), 0.7555555555555555, 1e-15,
			  "AP with a tie (scikit-learn's)");
	tap_ok(isnan(metrics_roc_auc(perfect, (bool[6]) {0}, 6)), "no positives: NaN");
}

static void
TestSelection(void)
{
	int			y[400];
	int			same[400];
	int			better[400];
	int			worse[400];
	const int  *preds[3];
	int			simplicity[3] = {0, 1, 2};
	SelectionInput in;
	SelectionResult r;
	SegRng		rng;

	rng_seed(&rng, 5);
	for (int i = 0; i < 400; i++)
	{
		y[i] = i % 2;
		/* 80% right; one right everywhere */
		same[i] = rng_uniform(&rng) < 0.8 ? y[i] : 1 - y[i];
		better[i] = y[i];
	}
	/*
	 * A rival of `same` that disagrees with it on 20 rows, right on 9 of
	 * them and wrong on 11: two rows worse, well within the noise.
	 */
	for (int i = 0, right = 0, wrong = 0; i < 400; i++)
	{
		worse[i] = same[i];
		if (same[i] == y[i] && wrong < 11)
		{
			worse[i] = 1 - y[i];
			wrong++;
		}
		else if (same[i] != y[i] && right < 9)
		{
			worse[i] = y[i];
			right++;
		}
	}
	memset(&in, 0, sizeof(in));
	in.classification = true;
	in.n_classes = 2;
	in.n = 400;
	in.y_class = y;
	in.n_candidates = 3;
	in.pred_class = preds;
	in.simplicity = simplicity;
	in.seed = 1;

	/* the simplest is a little worse, within the noise: it is kept */
	preds[0] = worse;
	preds[1] = same;
	preds[2] = same;
	selection_choose(&in, &r);
	tap_ok(r.best == 1 && r.chosen == 0 && r.margin > 0 && r.margin <= r.standard_error,
		   "a tiny margin keeps the simplest (one-standard-error rule)");
	/* a clear winner is kept even though it is the richest */
	preds[2] = better;
	selection_choose(&in, &r);
	tap_ok(r.best == 2 && r.chosen == 2, "a clear winner is kept");
	tap_ok(r.errors[0] > 0.0 && r.errors[2] == 0.0, "standard errors are reported per candidate");
}

int
main(void)
{
	TestLbfgs();
	TestLogistic();
	TestRanking();
	TestSelection();
	return tap_done();
}
