/*-------------------------------------------------------------------------
 *
 * learner_logistic.c
 *	  The `logistic` learner: L2-regularised logistic regression on the
 *	  encoded inputs, scikit-learn 1.2's LogisticRegression(solver='lbfgs').
 *
 * Objective, as scikit-learn's lbfgs path minimises it: the sum over the
 * train rows of w_i * log_loss_i plus ||W||^2 / (2 C), the intercepts
 * unpenalised, w_i the row's class weight (1 without balancing).  Two
 * classes: one sigmoid on the second class's log-odds (multi_class
 * 'auto' is one-vs-rest then); more: a softmax over one weight vector per
 * class (multinomial).  Solved by L-BFGS (lbfgs.h) with scipy's
 * stopping rule: largest gradient component <= tol, at most max_iter
 * iterations.
 *
 * The margins are the log-odds (two classes) or the softmax's logits;
 * an input's contribution to a margin is its coefficient times its
 * encoded value, and the intercept is the base value.
 *
 * Payload: u16 codec version (1), u32 n_inputs, u32 n_margins, f64[]
 * coefficients (n_inputs x n_margins, row-major), f64[] intercepts.
 *
 * IDENTIFICATION
 *	  src/learner_logistic.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lbfgs.h"
#include "learner.h"

#define LOGISTIC_CODEC_VERSION 1
#define LBFGS_MEMORY 10

typedef struct LogisticParams
{
	double		C;
	int			max_iter;
	double		tol;
	bool		fit_intercept;
} LogisticParams;

static const SegParamSpec logistic_params[] = {
	{.name = "C", .type = SEG_PARAM_REAL, .offset = offsetof(LogisticParams, C),
	 .default_value = 1.0, .min = 0, .min_exclusive = true, .max = 1e300, .log_scale = true,
	 .help = "inverse of the L2 penalty's strength"},
	{.name = "max_iter", .type = SEG_PARAM_INT, .offset = offsetof(LogisticParams, max_iter),
	 .default_value = 100, .min = 1, .max = 1000000, .help = "most L-BFGS iterations"},
	{.name = "tol", .type = SEG_PARAM_REAL, .offset = offsetof(LogisticParams, tol),
	 .default_value = 1e-4, .min = 0, .min_exclusive = true, .max = 1e300, .log_scale = true,
	 .help = "stop when no gradient component is larger"},
	{.name = "fit_intercept", .type = SEG_PARAM_BOOL,
	 .offset = offsetof(LogisticParams, fit_intercept), .default_value = 1,
	 .help = "learn an intercept per class"},
};

typedef struct LogisticModel
{
	int			d;				/* inputs */
	int			m;				/* margins: 1 for two classes, else the classes */
	int			n_classes;
	double	   *coef;			/* d x m */
	double	   *intercept;		/* m */
} LogisticModel;

static void
LogisticFree(void *model)
{
	LogisticModel *m = model;

	if (m == NULL)
		return;
	seg_free(m->coef);
	seg_free(m->intercept);
	seg_free(m);
}

/* margins of one row */
static void
Margins(const LogisticModel *m, const double *x, double *z)
{
	memcpy(z, m->intercept, sizeof(double) * m->m);
	for (int j = 0; j < m->d; j++)
	{
		const double *w = m->coef + (size_t) j * m->m;

		if (x[j] != 0.0)
			for (int k = 0; k < m->m; k++)
				z[k] += x[j] * w[k];
	}
}

/* probabilities from margins, in place into proba (n_classes) */
static void
Probabilities(const LogisticModel *m, const double *z, double *proba)
{
	if (m->m == 1)
	{
		double		p1 = 1.0 / (1.0 + exp(-z[0]));

		proba[0] = 1.0 - p1;
		proba[1] = p1;
		return;
	}
	{
		double		mx = z[0];
		double		sum = 0.0;

		for (int k = 1; k < m->m; k++)
			mx = fmax(mx, z[k]);
		for (int k = 0; k < m->m; k++)
		{
			proba[k] = exp(z[k] - mx);
			sum += proba[k];
		}
		for (int k = 0; k < m->m; k++)
			proba[k] /= sum;
	}
}

/* What the objective needs: the rows, weights and the shape. */
typedef struct LogisticObjective
{
	const SegLearnProblem *problem;
	const LogisticParams *params;
	LogisticModel *model;		/* scratch: coef / intercept point into x */
	double	   *z;				/* one row's margins */
	double	   *proba;
	const SegHooks *hooks;
} LogisticObjective;

/* log(1 + exp(t)) without overflow */
static double
Log1pExp(double t)
{
	return t > 0.0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

/*
 * The objective at theta = [coef (d x m), intercept (m)] and its gradient.
 */
static double
Objective(const double *theta, double *grad, void *arg)
{
	LogisticObjective *fit = arg;
	const SegLearnProblem *pr = fit->problem;
	LogisticModel *m = fit->model;
	int			d = m->d;
	int			mm = m->m;
	double		loss = 0.0;
	double	   *gcoef = grad;
	double	   *gint = grad + (size_t) d * mm;
	SegCountdown check;

	m->coef = (double *) theta;
	m->intercept = (double *) theta + (size_t) d * mm;
	memset(grad, 0, sizeof(double) * ((size_t) d * mm + mm));
	/* a row costs about 2 d m: every 1,024 rows, or fewer when that is wide */
	seg_countdown_init(&check, fit->hooks, 2 * (size_t) d * mm + mm, 1024);
	for (int i = 0; i < pr->train.n; i++)
	{
		const double *x = pr->train.x + (size_t) i * d;
		int			y = pr->train.y_class[i];
		double		w = pr->class_weight != NULL ? pr->class_weight[y] : 1.0;

		Margins(m, x, fit->z);
		if (mm == 1)
		{
			/* log loss of a sigmoid: log(1 + e^z) - [y = 1] z */
			double		p1 = 1.0 / (1.0 + exp(-fit->z[0]));

			loss += w * (Log1pExp(fit->z[0]) - (y == 1 ? fit->z[0] : 0.0));
			fit->proba[0] = w * (p1 - (y == 1 ? 1.0 : 0.0));
		}
		else
		{
			double		mx = fit->z[0];
			double		sum = 0.0;

			for (int k = 1; k < mm; k++)
				mx = fmax(mx, fit->z[k]);
			/* each exponential once: they are most of the objective's time */
			for (int k = 0; k < mm; k++)
			{
				fit->proba[k] = exp(fit->z[k] - mx);
				sum += fit->proba[k];
			}
			loss += w * (mx + log(sum) - fit->z[y]);
			for (int k = 0; k < mm; k++)
				fit->proba[k] = w * (fit->proba[k] / sum - (k == y ? 1.0 : 0.0));
		}
		/* the residuals in fit->proba: accumulate x^T r and r */
		for (int j = 0; j < d; j++)
			if (x[j] != 0.0)
				for (int k = 0; k < mm; k++)
					gcoef[(size_t) j * mm + k] += x[j] * fit->proba[k];
		for (int k = 0; k < mm; k++)
			gint[k] += fit->proba[k];
		seg_countdown_tick(&check);
	}
	/* the penalty ||W||^2 / (2 C); intercepts are free */
	for (size_t t = 0; t < (size_t) d * mm; t++)
	{
		loss += 0.5 * theta[t] * theta[t] / fit->params->C;
		gcoef[t] += theta[t] / fit->params->C;
	}
	if (!fit->params->fit_intercept)
		memset(gint, 0, sizeof(double) * mm);
	return loss;
}

/*
 * The objective's log-loss term per unit of row weight, as the MLP reports
 * its training loss: the objective sums it over the rows and adds the
 * penalty, so that its value grows with the rows.
 */
static double
MeanTrainLoss(const SegLearnProblem *pr, const LogisticParams *p, const LogisticModel *m,
			  double objective)
{
	double		penalty = 0.0;
	double		weight = 0.0;

	for (size_t t = 0; t < (size_t) m->d * m->m; t++)
		penalty += 0.5 * m->coef[t] * m->coef[t] / p->C;
	for (int i = 0; i < pr->train.n; i++)
		weight += pr->class_weight != NULL ? pr->class_weight[pr->train.y_class[i]] : 1.0;
	return weight > 0.0 ? (objective - penalty) / weight : NAN;
}

static SegStatus
LogisticTrain(const SegLearnProblem *problem, const void *params, const SegLearnContext *ctx,
			 void **model, SegFitInfo *info, char *errmsg)
{
	const LogisticParams *p = params;
	LogisticModel *m;
	LogisticModel scratch;
	LogisticObjective fit;
	LbfgsResult result;
	int			d = problem->schema->n_inputs;
	int			mm = problem->n_classes == 2 ? 1 : problem->n_classes;
	double	   *theta;

	if (problem->task != SEG_TASK_CLASSIFICATION)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "model logistic does classification only");
		return SEG_ERR_INVALID;
	}
	if (problem->train.n < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "logistic regression needs training rows");
		return SEG_ERR_INVALID;
	}
	theta = seg_alloc0(sizeof(double) * ((size_t) d * mm + mm));
	scratch.d = d;
	scratch.m = mm;
	scratch.n_classes = problem->n_classes;
	fit.problem = problem;
	fit.params = p;
	fit.model = &scratch;
	fit.z = seg_alloc(sizeof(double) * mm);
	fit.proba = seg_alloc(sizeof(double) * mm);
	fit.hooks = ctx->hooks;
	lbfgs_minimize(Objective, &fit, theta, d * mm + mm, LBFGS_MEMORY, p->max_iter, p->tol,
				   ctx->hooks, &result);
	seg_free(fit.z);
	seg_free(fit.proba);
	if (!isfinite(result.value))
	{
		seg_free(theta);
		snprintf(errmsg, SEG_ERRMSG_LEN, "logistic regression diverged");
		return SEG_ERR_INVALID;
	}

	m = seg_alloc0(sizeof(LogisticModel));
	m->d = d;
	m->m = mm;
	m->n_classes = problem->n_classes;
	m->coef = seg_alloc(sizeof(double) * (size_t) d * mm);
	m->intercept = seg_alloc(sizeof(double) * mm);
	memcpy(m->coef, theta, sizeof(double) * (size_t) d * mm);
	memcpy(m->intercept, theta + (size_t) d * mm, sizeof(double) * mm);
	seg_free(theta);
	if (!p->fit_intercept)
		memset(m->intercept, 0, sizeof(double) * mm);

	memset(info, 0, sizeof(*info));
	info->unit = "iteration";
	info->iterations = result.iterations;
	info->best_iteration = 0;
	info->train_loss = MeanTrainLoss(problem, p, m, result.value);
	info->val_loss = NAN;
	if (ctx->hooks != NULL && ctx->hooks->progress != NULL)
	{
		char		line[SEG_ERRMSG_LEN];

		snprintf(line, sizeof(line), "%s%slogistic regression: %d L-BFGS iterations, %s "
				 "(largest gradient component %.3g)",
				 ctx->progress_label ? ctx->progress_label : "",
				 ctx->progress_label ? " " : "", result.iterations,
				 result.converged ? "converged" : "stopped at max_iter", result.gradient_max);
		seg_progress(ctx->hooks, line);
	}
	*model = m;
	return SEG_OK;
}

static void
LogisticPredictRow(const void *model, const double *x, double *out, double *scratch)
{
	const LogisticModel *m = model;

	Margins(m, x, scratch);
	Probabilities(m, scratch, out);
}

static void
LogisticPredict(const void *model, const double *x, int n, double *out)
{
	const LogisticModel *m = model;
	double	   *z = seg_alloc(sizeof(double) * m->m);

	for (int i = 0; i < n; i++)
		LogisticPredictRow(m, x + (size_t) i * m->d, out + (size_t) i * m->n_classes, z);
	seg_free(z);
}

static int
LogisticRowScratch(const void *model)
{
	return ((const LogisticModel *) model)->m;
}

static int
LogisticMargins(const void *model)
{
	return ((const LogisticModel *) model)->m;
}

static void
LogisticMarginRow(const void *model, const double *x, double *margin,
				  double *scratch SEG_UNUSED)
{
	Margins(model, x, margin);
}

static void
LogisticContributions(const void *model, const double *x, double *phi)
{
	const LogisticModel *m = model;

	for (int j = 0; j < m->d; j++)
		for (int k = 0; k < m->m; k++)
			phi[(size_t) j * m->m + k] = m->coef[(size_t) j * m->m + k] * x[j];
	memcpy(phi + (size_t) m->d * m->m, m->intercept, sizeof(double) * m->m);
}

static void
LogisticWrite(SegWriter *w, const void *model)
{
	const LogisticModel *m = model;

	writer_put_u16(w, LOGISTIC_CODEC_VERSION);
	writer_put_u32(w, (uint32_t) m->d);
	writer_put_u32(w, (uint32_t) m->m);
	writer_put_f64_array(w, m->coef, (size_t) m->d * m->m);
	writer_put_f64_array(w, m->intercept, m->m);
}

static SegStatus
Corrupt(char *errmsg, const char *what)
{
	snprintf(errmsg, SEG_ERRMSG_LEN, "logistic model is corrupt: %.200s", what);
	return SEG_ERR_CORRUPT;
}

static SegStatus
LogisticRead(SegReader *r, const SegModelShape *shape, void **model, char *errmsg)
{
	uint16_t	version = reader_get_u16(r);
	uint32_t	d = reader_get_u32(r);
	uint32_t	mm = reader_get_u32(r);
	LogisticModel *m;
	size_t		need;

	if (r->failed)
		return Corrupt(errmsg, "payload truncated");
	if (version != LOGISTIC_CODEC_VERSION)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "logistic codec version %u is not supported", version);
		return SEG_ERR_UNSUPPORTED;
	}
	if (shape->task != SEG_TASK_CLASSIFICATION)
		return Corrupt(errmsg, "a logistic model classifies");
	if (d != (uint32_t) shape->schema->n_inputs)
		return Corrupt(errmsg, "input width differs from the preprocessor's");
	if (mm != (uint32_t) (shape->n_outputs == 2 ? 1 : shape->n_outputs))
		return Corrupt(errmsg, "margin count does not match the classes");
	if (!seg_mul_size((size_t) d * mm + mm, sizeof(double), &need) || need > reader_remaining(r))
		return Corrupt(errmsg, "coefficients truncated");
	m = seg_alloc0(sizeof(LogisticModel));
	m->d = (int) d;
	m->m = (int) mm;
	m->n_classes = shape->n_outputs;
	m->coef = reader_get_f64_array(r, (size_t) d * mm);
	m->intercept = reader_get_f64_array(r, mm);
	if (m->coef == NULL || m->intercept == NULL)
	{
		LogisticFree(m);
		return Corrupt(errmsg, "coefficients truncated");
	}
	for (size_t t = 0; t < (size_t) d * mm; t++)
		if (!isfinite(m->coef[t]))
		{
			LogisticFree(m);
			return Corrupt(errmsg, "non-finite coefficient");
		}
	for (uint32_t k = 0; k < mm; k++)
		if (!isfinite(m->intercept[k]))
		{
			LogisticFree(m);
			return Corrupt(errmsg, "non-finite intercept");
		}
	*model = m;
	return SEG_OK;
}

static void
LogisticDescribe(const void *model, const SegInfoSink *sink)
{
	const LogisticModel *m = model;

	sink->number(sink->ctx, "margins", m->m);
	sink->numbers(sink->ctx, "coefficients", m->coef, m->d * m->m);
	sink->numbers(sink->ctx, "intercepts", m->intercept, m->m);
}

const SegLearner seg_learner_logistic = {
	.name = "logistic",
	.title = "logistic regression",
	.input = SEG_INPUT_ENCODED,
	.classification = true,
	.regression = false,
	.params = logistic_params,
	.n_params = (int) (sizeof(logistic_params) / sizeof(logistic_params[0])),
	.params_size = sizeof(LogisticParams),
	.fit = LogisticTrain,
	.predict = LogisticPredict,
	.row_scratch = LogisticRowScratch,
	.predict_row = LogisticPredictRow,
	.write = LogisticWrite,
	.read = LogisticRead,
	.free = LogisticFree,
	.describe = LogisticDescribe,
	.n_margins = LogisticMargins,
	.margin_row = LogisticMarginRow,
	.contributions = LogisticContributions,
};
