/*-------------------------------------------------------------------------
 *
 * learner_gbdt.c
 *	  Histogram gradient-boosted trees (`gbdt`), as scikit-learn 1.2's
 *	  HistGradientBoostingClassifier / Regressor and LightGBM.
 *
 * The train rows are binned once (tree_bins.h); each iteration computes
 * the loss's gradients and hessians at the current raw scores and grows
 * one tree per margin on them (tree_grow.h): one for regression and two
 * classes, one per class for softmax.  A tree's leaf values, times the
 * learning rate, are added to the raw scores of the rows it holds.
 *
 * Settings take scikit-learn's names and defaults, with two additions:
 * subsample (a fraction of the rows drawn afresh for each iteration) and
 * max_features (a fraction of the inputs drawn for each split, as
 * scikit-learn 1.4's).  early_stopping defaults to true, where
 * scikit-learn's 'auto' turns it on above 10,000 rows only: it holds its
 * own validation split out of the train rows when it stops early, and
 * small data cannot spare them; here the pipeline holds the validation
 * part out whatever the learner does, so stopping on it costs no rows.
 * Stopping follows scikit-learn's rule on the validation loss (no gain
 * above tol over the last n_iter_no_change iterations), and keeps the
 * iterations up to the best validation loss.
 *
 * IDENTIFICATION
 *	  src/learner_gbdt.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rng.h"
#include "tree_learn.h"
#include "tree_loss.h"

typedef struct GbdtParams
{
	int			max_iter;
	double		learning_rate;
	int			max_leaf_nodes;
	int			max_depth;
	int			min_samples_leaf;
	double		l2_regularization;
	int			max_bins;
	bool		early_stopping;
	int			n_iter_no_change;
	double		tol;
	double		subsample;
	double		max_features;
} GbdtParams;

/* "none": no limit (not 0, which is refused: a tree of depth 0 has no split) */
static const SegParamName none_word[] = {{"none", -1}, {NULL, 0}};

static const SegParamSpec gbdt_params[] = {
	{.name = "max_iter", .type = SEG_PARAM_INT, .offset = offsetof(GbdtParams, max_iter),
	 .default_value = 100, .min = 1, .max = 100000,
	 .help = "boosting iterations (trees per margin)"},
	{.name = "learning_rate", .type = SEG_PARAM_REAL,
	 .offset = offsetof(GbdtParams, learning_rate), .default_value = 0.1, .min = 0,
	 .min_exclusive = true, .max = 1e308, .log_scale = true,
	 .help = "shrinkage of each tree's leaf values"},
	{.name = "max_leaf_nodes", .type = SEG_PARAM_INT,
	 .offset = offsetof(GbdtParams, max_leaf_nodes), .default_value = 31, .min = 2,
	 .max = 65536, .words = none_word, .help = "leaves per tree, or \"none\""},
	{.name = "max_depth", .type = SEG_PARAM_INT, .offset = offsetof(GbdtParams, max_depth),
	 .default_value = -1, .min = 1, .max = TREE_DEPTH_LIMIT, .words = none_word,
	 .help = "depth of each tree, or \"none\""},
	{.name = "min_samples_leaf", .type = SEG_PARAM_INT,
	 .offset = offsetof(GbdtParams, min_samples_leaf), .default_value = 20, .min = 1,
	 .max = 1e9, .help = "train rows in each leaf"},
	{.name = "l2_regularization", .type = SEG_PARAM_REAL,
	 .offset = offsetof(GbdtParams, l2_regularization), .default_value = 0, .min = 0,
	 .max = 1e308, .help = "L2 penalty on leaf values"},
	{.name = "max_bins", .type = SEG_PARAM_INT, .offset = offsetof(GbdtParams, max_bins),
	 .default_value = TREE_MAX_BINS, .min = 2, .max = TREE_MAX_BINS,
	 .help = "bins per input, besides the bin of missing values"},
	{.name = "early_stopping", .type = SEG_PARAM_BOOL,
	 .offset = offsetof(GbdtParams, early_stopping), .default_value = 1,
	 .help = "stop when the validation loss stops improving"},
	{.name = "n_iter_no_change", .type = SEG_PARAM_INT,
	 .offset = offsetof(GbdtParams, n_iter_no_change), .default_value = 10, .min = 1,
	 .max = 100000, .help = "iterations without improvement before stopping"},
	{.name = "tol", .type = SEG_PARAM_REAL, .offset = offsetof(GbdtParams, tol),
	 .default_value = 1e-7, .min = 0, .max = 1e308,
	 .help = "improvement of the validation loss that counts"},
	{.name = "subsample", .type = SEG_PARAM_REAL, .offset = offsetof(GbdtParams, subsample),
	 .default_value = 1.0, .min = 0, .min_exclusive = true, .max = 1.0,
	 .help = "fraction of the train rows drawn for each iteration"},
	{.name = "max_features", .type = SEG_PARAM_REAL,
	 .offset = offsetof(GbdtParams, max_features), .default_value = 1.0, .min = 0,
	 .min_exclusive = true, .max = 1.0, .help = "fraction of the inputs drawn for each split"},
};

#define N_GBDT_PARAMS ((int) (sizeof(gbdt_params) / sizeof(gbdt_params[0])))

/* rows of the train part whose loss is recorded each iteration, as scikit-learn's */
#define TRAIN_LOSS_ROWS 10000
/* iterations between progress lines */
#define PROGRESS_EVERY 10

/* Everything one fit works on. */
typedef struct GbdtFit
{
	const SegLearnProblem *pb;
	const GbdtParams *p;
	TreeLoss	loss;
	int			K;				/* margins */
	int			n;
	int			nv;
	int			d;
	double	   *w;				/* per train row, or NULL */
	double	   *wv;				/* per validation row, or NULL */
	double	  **raw;			/* K x n */
	double	  **raw_val;		/* K x nv */
	float	  **grad;			/* K x 2n, or 1 x n (squared error) */
	uint32_t   *rows;			/* this iteration's rows (subsample) */
	bool	   *in_sample;
	int		   *loss_rows;		/* rows the train loss is measured on */
	int			n_loss_rows;
	TreeBinMapper *bins;
	uint8_t    *binned;
	uint8_t    *leaf_of;		/* per train row: its leaf slot in the last tree */
	TreeGrower *grower;
	TreeModel  *model;
} GbdtFit;

static double *
RowWeights(const SegLearnProblem *pb, const SegLearnSet *s)
{
	double	   *w;

	if (pb->task != SEG_TASK_CLASSIFICATION || pb->class_weight == NULL || s->n == 0)
		return NULL;
	w = seg_alloc(sizeof(double) * (size_t) s->n);
	for (int i = 0; i < s->n; i++)
		w[i] = pb->class_weight[s->y_class[i]];
	return w;
}

static double **
Columns(int K, int n, const double *init)
{
	double	  **c = seg_alloc(sizeof(double *) * (size_t) K);

	for (int k = 0; k < K; k++)
	{
		c[k] = seg_alloc(sizeof(double) * (size_t) (n > 0 ? n : 1));
		for (int i = 0; i < n; i++)
			c[k][i] = init[k];
	}
	return c;
}

static void
FreeColumns(void **c, int K)
{
	if (c == NULL)
		return;
	for (int k = 0; k < K; k++)
		seg_free(c[k]);
	seg_free(c);
}

static void
FreeFit(GbdtFit *f)
{
	seg_free(f->w);
	seg_free(f->wv);
	FreeColumns((void **) f->raw, f->K);
	FreeColumns((void **) f->raw_val, f->K);
	FreeColumns((void **) f->grad, f->K);
	seg_free(f->rows);
	seg_free(f->in_sample);
	seg_free(f->loss_rows);
	tree_bins_free(f->bins);
	seg_free(f->binned);
	seg_free(f->leaf_of);
	tree_grower_free(f->grower);
}

/* Accuracy or R^2 of the validation part at its raw scores. */
static double
ValidationScore(const GbdtFit *f)
{
	const SegLearnSet *v = &f->pb->val;
	double		good = 0;

	if (f->loss == TREE_LOSS_SQUARED)
	{
		double		mean = 0,
					ss_res = 0,
					ss_tot = 0;

		for (int i = 0; i < f->nv; i++)
			mean += v->y_value[i];
		mean /= f->nv;
		for (int i = 0; i < f->nv; i++)
		{
			ss_res += (v->y_value[i] - f->raw_val[0][i]) * (v->y_value[i] - f->raw_val[0][i]);
			ss_tot += (v->y_value[i] - mean) * (v->y_value[i] - mean);
		}
		return ss_tot > 0 ? 1 - ss_res / ss_tot : (ss_res == 0 ? 1.0 : 0.0);
	}
	for (int i = 0; i < f->nv; i++)
	{
		int			best = 0;

		if (f->loss == TREE_LOSS_LOGISTIC)
			best = f->raw_val[0][i] > 0;
		else
			for (int k = 1; k < f->K; k++)
				if (f->raw_val[k][i] > f->raw_val[best][i])
					best = k;
		good += best == v->y_class[i];
	}
	return good / f->nv;
}

/* scikit-learn's _should_stop on the scores (-loss) so far, baseline first. */
static bool
ShouldStop(const double *scores, int n_scores, int n_iter_no_change, double tol)
{
	int			ref = n_iter_no_change + 1;
	double		reference;

	if (n_scores < ref)
		return false;
	reference = scores[n_scores - ref] + tol;
	for (int i = n_scores - ref + 1; i < n_scores; i++)
		if (scores[i] > reference)
			return false;
	return true;
}

/* Adds tree t's leaf values to the raw scores of margin k. */
static void
UpdateRaw(GbdtFit *f, const TreeGrown *g, int t, int k, int n_rows)
{
	const SegLearnProblem *pb = f->pb;
	double		leaf_value[UINT8_MAX];
	int			n_leaves = 0;
	double	   *raw = f->raw[k];

	/*
	 * The partition lists each leaf's rows: their slots go into a byte per
	 * row, then every row adds its leaf's value in row order (adding the
	 * values leaf by leaf scattered doubles over all the rows, missing the
	 * cache).  Each row still gets one addition per tree: the same sums.
	 */
	for (int i = 0; i < g->n_nodes; i++)
		n_leaves += g->nodes[i].feature < 0;
	if (n_leaves < UINT8_MAX)
	{
		if (n_rows < f->n)
			memset(f->leaf_of, UINT8_MAX, (size_t) f->n);
		n_leaves = 0;
		for (int i = 0; i < g->n_nodes; i++)
		{
			const TreeGrownNode *node = &g->nodes[i];

			if (node->feature >= 0)
				continue;
			leaf_value[n_leaves] = g->values[i];
			for (int r = node->start; r < node->start + node->count; r++)
				f->leaf_of[g->partition[r]] = (uint8_t) n_leaves;
			n_leaves++;
		}
		for (int i = 0; i < f->n; i++)
			if (f->leaf_of[i] != UINT8_MAX)
				raw[i] += leaf_value[f->leaf_of[i]];
	}
	else
		for (int i = 0; i < g->n_nodes; i++)
		{
			const TreeGrownNode *node = &g->nodes[i];
			double		v = g->values[i];

			if (node->feature >= 0)
				continue;
			for (int r = node->start; r < node->start + node->count; r++)
				raw[g->partition[r]] += v;
		}
	/* rows out of this iteration's sample walk the tree */
	if (n_rows < f->n)
		for (int i = 0; i < f->n; i++)
			if (!f->in_sample[i])
				f->raw[k][i] += f->model->value[tree_model_leaf(f->model, t,
																pb->train.x + (size_t) i * f->d)];
	for (int i = 0; i < f->nv; i++)
		f->raw_val[k][i] += f->model->value[tree_model_leaf(f->model, t,
															pb->val.x + (size_t) i * f->d)];
}

/* Draws this iteration's rows; returns their count (all: n, rows untouched). */
static int
DrawRows(GbdtFit *f, SegRng *rng)
{
	int			m = 0;

	if (f->p->subsample >= 1.0)
		return f->n;
	for (int i = 0; i < f->n; i++)
	{
		f->in_sample[i] = rng_uniform(rng) < f->p->subsample;
		if (f->in_sample[i])
			f->rows[m++] = (uint32_t) i;
	}
	return m;
}

static SegStatus
GbdtFitModel(const SegLearnProblem *pb, const void *params, const SegLearnContext *ctx,
			 void **model, SegFitInfo *info, char *errmsg)
{
	const GbdtParams *p = params;
	GbdtFit		f;
	SegRng		rng;
	SegStatus	status;
	TreeGrowConfig cfg;
	double	   *base;
	double	   *scores;
	int			n_scores = 0;
	int			best = 0;
	int			it;
	bool		stopping;
	TreeLink	link;

	memset(info, 0, sizeof(SegFitInfo));
	info->unit = "iteration";
	status = tree_learn_check(pb, "gbdt", errmsg);
	if (status != SEG_OK)
		return status;

	memset(&f, 0, sizeof(f));
	f.pb = pb;
	f.p = p;
	f.n = pb->train.n;
	f.nv = pb->val.n;
	f.d = pb->schema->n_inputs;
	if (pb->task == SEG_TASK_REGRESSION)
	{
		f.loss = TREE_LOSS_SQUARED;
		f.K = 1;
		link = TREE_LINK_IDENTITY;
	}
	else if (pb->n_classes == 2)
	{
		f.loss = TREE_LOSS_LOGISTIC;
		f.K = 1;
		link = TREE_LINK_LOGISTIC;
	}
	else
	{
		f.loss = TREE_LOSS_SOFTMAX;
		f.K = pb->n_classes;
		link = TREE_LINK_SOFTMAX;
	}
	rng_seed(&rng, ctx->seed);

	status = tree_bins_fit(pb->train.x, f.n, pb->schema, p->max_bins, &rng, &f.bins, errmsg);
	if (status != SEG_OK)
		return status;
	f.binned = seg_alloc((size_t) f.n * (f.d > 0 ? f.d : 1));
	tree_bins_apply(f.bins, pb->train.x, f.n, f.binned);
	f.w = RowWeights(pb, &pb->train);
	f.wv = RowWeights(pb, &pb->val);

	base = seg_alloc(sizeof(double) * (size_t) f.K);
	tree_loss_baseline(f.loss, f.K, f.n, pb->train.y_class, pb->train.y_value, f.w, base);
	f.raw = Columns(f.K, f.n, base);
	f.raw_val = Columns(f.K, f.nv, base);
	f.grad = seg_alloc(sizeof(float *) * (size_t) f.K);
	for (int k = 0; k < f.K; k++)
		f.grad[k] = seg_alloc(sizeof(float) * 2 * (size_t) f.n);
	f.rows = seg_alloc(sizeof(uint32_t) * (size_t) f.n);
	f.in_sample = seg_alloc(sizeof(bool) * (size_t) f.n);
	f.leaf_of = seg_alloc((size_t) (f.n > 0 ? f.n : 1));
	f.n_loss_rows = f.n < TRAIN_LOSS_ROWS ? f.n : TRAIN_LOSS_ROWS;
	f.loss_rows = seg_alloc(sizeof(int) * (size_t) f.n_loss_rows);
	for (int i = 0; i < f.n_loss_rows; i++)
		f.loss_rows[i] = f.n_loss_rows == f.n ? i : (int) ((int64_t) i * f.n / f.n_loss_rows);

	f.model = tree_model_new(TREE_KIND_BOOSTED, link, pb->schema, f.K, 1);
	memcpy(f.model->base, base, sizeof(double) * f.K);
	tree_learn_known_codes(f.model, f.bins);
	f.grower = tree_grower_new(f.bins, f.binned, f.n, 1);

	memset(&cfg, 0, sizeof(cfg));
	cfg.split.min_samples_leaf = p->min_samples_leaf;
	cfg.split.min_hessian = 1e-3;
	cfg.split.l2 = p->l2_regularization;
	cfg.split.min_gain = 0;
	cfg.split.cat_smooth = 10;
	cfg.split.min_cat_support = 10;
	cfg.max_leaf_nodes = p->max_leaf_nodes > 0 ? p->max_leaf_nodes : 0;
	cfg.max_depth = p->max_depth > 0 ? p->max_depth : TREE_DEPTH_LIMIT;
	cfg.max_features = p->max_features < 1.0 ? (int) ceil(p->max_features * f.d) : 0;
	cfg.shrinkage = p->learning_rate;

	stopping = p->early_stopping && f.nv > 0;
	scores = seg_alloc(sizeof(double) * (size_t) (p->max_iter + 1));
	info->history = seg_alloc0(sizeof(SegFitPoint) * (size_t) p->max_iter);
	if (f.nv > 0)
		scores[n_scores++] = -tree_loss_mean(f.loss, f.K, f.nv, NULL, f.raw_val,
											 pb->val.y_class, pb->val.y_value, f.wv);

	for (it = 1; it <= p->max_iter; it++)
	{
		int			n_rows;
		SegFitPoint *pt = &info->history[it - 1];

		tree_loss_gradients(f.loss, f.K, f.n, f.raw, pb->train.y_class, pb->train.y_value,
							f.w, f.grad);
		n_rows = DrawRows(&f, &rng);
		for (int k = 0; k < f.K; k++)
		{
			TreeRowStats s;
			TreeGrown	g;

			memset(&s, 0, sizeof(s));
			s.kind = f.loss == TREE_LOSS_SQUARED ? TREE_STATS_G : TREE_STATS_GH;
			s.g = f.grad[k];
			s.gh = f.grad[k];
			tree_grow(f.grower, &s, n_rows < f.n ? f.rows : NULL, n_rows, &cfg, &rng,
					  ctx->hooks, &g);
			tree_learn_append(f.model, &g, f.bins, k);
			UpdateRaw(&f, &g, f.model->n_trees - 1, k, n_rows);
		}
		f.model->iterations = it;

		pt->train_loss = tree_loss_mean(f.loss, f.K, f.n_loss_rows, f.loss_rows, f.raw,
										pb->train.y_class, pb->train.y_value, f.w);
		pt->val_loss = NAN;
		pt->val_score = NAN;
		if (f.nv > 0)
		{
			pt->val_loss = tree_loss_mean(f.loss, f.K, f.nv, NULL, f.raw_val,
										  pb->val.y_class, pb->val.y_value, f.wv);
			pt->val_score = ValidationScore(&f);
			scores[n_scores++] = -pt->val_loss;
			if (best == 0 || pt->val_loss < info->history[best - 1].val_loss)
				best = it;
		}
		info->n_history = it;
		if (it % PROGRESS_EVERY == 0 || it == p->max_iter)
		{
			if (f.nv > 0)
				tree_learn_progress(ctx, "iteration %d/%d - loss: %.4f - val_loss: %.4f",
									it, p->max_iter, pt->train_loss, pt->val_loss);
			else
				tree_learn_progress(ctx, "iteration %d/%d - loss: %.4f", it, p->max_iter,
									pt->train_loss);
		}
		seg_check_interrupts(ctx->hooks);
		if (stopping && ShouldStop(scores, n_scores, p->n_iter_no_change, p->tol))
			break;
	}
	info->iterations = it > p->max_iter ? p->max_iter : it;
	if (stopping && best < info->iterations)
	{
		tree_model_truncate(f.model, best * f.K);
		f.model->iterations = best;
		info->best_iteration = best;
		tree_learn_progress(ctx, "stopped after %d iterations, kept %d", info->iterations, best);
	}
	info->train_loss = info->history[f.model->iterations - 1].train_loss;
	info->val_loss = info->history[f.model->iterations - 1].val_loss;
	tree_model_finish(f.model);
	*model = f.model;
	seg_free(scores);
	seg_free(base);
	FreeFit(&f);
	return SEG_OK;
}

static SegStatus
GbdtRead(SegReader *r, const SegModelShape *shape, void **model, char *errmsg)
{
	TreeModel  *m;
	SegStatus	status = tree_model_read(r, shape->schema, &m, errmsg);

	if (status != SEG_OK)
		return status;
	status = tree_learn_check_shape(m, shape, TREE_KIND_BOOSTED, errmsg);
	if (status != SEG_OK)
	{
		tree_model_free(m);
		return status;
	}
	*model = m;
	return SEG_OK;
}

const SegLearner seg_learner_gbdt = {
	.name = "gbdt",
	.title = "gradient-boosted trees",
	.input = SEG_INPUT_RAW,
	.classification = true,
	.regression = true,
	.params = gbdt_params,
	.n_params = N_GBDT_PARAMS,
	.params_size = sizeof(GbdtParams),
	.check = NULL,
	.fit = GbdtFitModel,
	.predict = tree_learn_predict,
	.row_scratch = tree_learn_row_scratch,
	.predict_row = tree_learn_predict_row,
	.write = tree_learn_write,
	.read = GbdtRead,
	.free = tree_learn_free,
	.describe = tree_learn_describe,
	.n_margins = tree_learn_n_margins,
	.margin_row = tree_learn_margin_row,
	.margins = tree_learn_margins,
	.importances = tree_learn_importances,
	.contributions = tree_learn_contributions,
	.n_trees = tree_learn_n_trees,
	.rules = tree_learn_rules,
	.rules_free = tree_rules_free,
};
