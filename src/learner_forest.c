/*-------------------------------------------------------------------------
 *
 * learner_forest.c
 *	  Random forests (`random_forest`) and a single decision tree
 *	  (`decision_tree`) on the histogram tree builder.
 *
 * Classification trees split on the Gini impurity, grown as multi-output
 * squared error on one-hot targets (g_k = -w [y = k], h = w: the decrease
 * of the weighted Gini impurity is the decrease of that variance), their
 * leaves holding the class proportions; regression trees on the squared
 * error, their leaves holding means.  A forest averages its trees; each
 * tree sees a bootstrap sample (the counts as row weights, as
 * scikit-learn's) and draws max_features inputs at each split, drawing
 * more while no split is found.  A node whose rows all share one target
 * is a leaf.  Splits are searched on the same quantile bins as gbdt's
 * (up to max_bins per input, 255 by default), where scikit-learn's trees
 * search every distinct value.
 *
 * Settings take scikit-learn 1.2's names and defaults.  max_features is a
 * fraction of the inputs or "sqrt" / "log2"; its default, "auto", is
 * sqrt for classification and all inputs for regression, the defaults of
 * RandomForestClassifier and RandomForestRegressor.  The decision tree is
 * meant to be read (segment.tree_rules): its depth is limited to 5 by
 * default, at most 32 leaves and rules of five conditions, where
 * scikit-learn grows it until its leaves are pure.
 *
 * IDENTIFICATION
 *	  src/learner_forest.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rng.h"
#include "tree_learn.h"

/* max_features words */
#define FEATURES_SQRT (-1)
#define FEATURES_LOG2 (-2)
#define FEATURES_AUTO (-3)

typedef struct TreeParams
{
	int			max_depth;
	int			min_samples_leaf;
	int			max_leaf_nodes;
	int			max_bins;
	double		max_features;
} TreeParams;

typedef struct ForestParams
{
	TreeParams	tree;
	int			n_estimators;
	bool		bootstrap;
} ForestParams;

/* "none": no limit (not 0, which is refused: a tree of depth 0 has no split) */
static const SegParamName none_word[] = {{"none", -1}, {NULL, 0}};
static const SegParamName forest_feature_words[] = {
	{"sqrt", FEATURES_SQRT}, {"log2", FEATURES_LOG2}, {"auto", FEATURES_AUTO}, {NULL, 0}
};
static const SegParamName tree_feature_words[] = {
	{"sqrt", FEATURES_SQRT}, {"log2", FEATURES_LOG2}, {NULL, 0}
};

#define TREE_SPECS(params_type, field, depth_default, features_default, feature_words) \
	{.name = "max_depth", .type = SEG_PARAM_INT, .offset = offsetof(params_type, field.max_depth), \
	 .default_value = depth_default, .min = 1, .max = TREE_DEPTH_LIMIT, .words = none_word, \
	 .help = "depth of each tree, or \"none\""}, \
	{.name = "min_samples_leaf", .type = SEG_PARAM_INT, \
	 .offset = offsetof(params_type, field.min_samples_leaf), .default_value = 1, .min = 1, \
	 .max = 1e9, .help = "train rows in each leaf"}, \
	{.name = "max_leaf_nodes", .type = SEG_PARAM_INT, \
	 .offset = offsetof(params_type, field.max_leaf_nodes), .default_value = -1, .min = 2, \
	 .max = 1e9, .words = none_word, .help = "leaves per tree (best first), or \"none\""}, \
	{.name = "max_bins", .type = SEG_PARAM_INT, .offset = offsetof(params_type, field.max_bins), \
	 .default_value = TREE_MAX_BINS, .min = 2, .max = TREE_MAX_BINS, \
	 .help = "bins per input, besides the bin of missing values"}, \
	{.name = "max_features", .type = SEG_PARAM_REAL, \
	 .offset = offsetof(params_type, field.max_features), .default_value = features_default, \
	 .min = 0, .min_exclusive = true, .max = 1.0, .words = feature_words, \
	 .help = "fraction of the inputs drawn for each split, or \"sqrt\", \"log2\""}

typedef struct DecisionTreeParams
{
	TreeParams	tree;
} DecisionTreeParams;

static const SegParamSpec forest_params[] = {
	{.name = "n_estimators", .type = SEG_PARAM_INT,
	 .offset = offsetof(ForestParams, n_estimators), .default_value = 100, .min = 1,
	 .max = 100000, .help = "trees"},
	{.name = "bootstrap", .type = SEG_PARAM_BOOL, .offset = offsetof(ForestParams, bootstrap),
	 .default_value = 1, .help = "each tree on a bootstrap sample of the train rows"},
	TREE_SPECS(ForestParams, tree, -1, FEATURES_AUTO, forest_feature_words),
};

static const SegParamSpec decision_tree_params[] = {
	TREE_SPECS(DecisionTreeParams, tree, 5, 1.0, tree_feature_words),
};

#define N_FOREST_PARAMS ((int) (sizeof(forest_params) / sizeof(forest_params[0])))
#define N_DECISION_TREE_PARAMS \
	((int) (sizeof(decision_tree_params) / sizeof(decision_tree_params[0])))

/* trees between progress lines */
#define PROGRESS_EVERY 10

/* Inputs drawn per split, as scikit-learn resolves max_features. */
static int
FeaturesPerSplit(double max_features, SegTask task, int d)
{
	int			k;

	if (max_features == FEATURES_AUTO)
		max_features = task == SEG_TASK_CLASSIFICATION ? FEATURES_SQRT : 1.0;
	if (max_features == FEATURES_SQRT)
		k = (int) sqrt((double) d);
	else if (max_features == FEATURES_LOG2)
		k = d > 0 ? (int) log2((double) d) : 0;
	else
		k = (int) (max_features * d);
	return k < 1 ? 1 : k;
}

/*
 * The validation part's mean loss (log loss, or half squared error as
 * gbdt's), for the report; a forest has no per-iteration history.
 */
static double
ValidationLoss(const TreeModel *m, const SegLearnProblem *pb, const SegHooks *hooks)
{
	const SegLearnSet *v = &pb->val;
	int			n_out = tree_model_n_outputs(m);
	double	   *out = seg_alloc(sizeof(double) * (size_t) n_out * v->n);
	double		loss = 0;

	/* rows x trees x depth: in blocks, with an interrupt check before each */
	for (int start = 0; start < v->n; start += LEARNER_PREDICT_BLOCK)
	{
		int			rows = v->n - start < LEARNER_PREDICT_BLOCK ? v->n - start :
			LEARNER_PREDICT_BLOCK;

		seg_check_interrupts(hooks);
		tree_model_predict(m, v->x + (size_t) start * m->n_inputs, rows,
						   out + (size_t) start * n_out);
	}
	for (int i = 0; i < v->n; i++)
	{
		const double *o = out + (size_t) i * n_out;

		if (pb->task == SEG_TASK_CLASSIFICATION)
			loss -= log(fmax(o[v->y_class[i]], 1e-15));
		else
			loss += 0.5 * (v->y_value[i] - o[0]) * (v->y_value[i] - o[0]);
	}
	seg_free(out);
	return loss / v->n;
}

static SegStatus
FitForest(const SegLearnProblem *pb, const TreeParams *tp, int n_estimators, bool bootstrap,
		  const char *learner, const SegLearnContext *ctx, void **model, SegFitInfo *info,
		  char *errmsg)
{
	int			n = pb->train.n;
	int			d = pb->schema->n_inputs;
	bool		classify = pb->task == SEG_TASK_CLASSIFICATION;
	int			M = classify ? pb->n_classes : 1;
	SegRng		rng;
	SegStatus	status;
	TreeBinMapper *bins;
	uint8_t    *binned;
	TreeGrower *grower;
	TreeModel  *m;
	TreeGrowConfig cfg;
	double	   *w;
	uint32_t   *rows;
	int		   *counts;

	memset(info, 0, sizeof(SegFitInfo));
	info->unit = "tree";
	info->train_loss = NAN;
	info->val_loss = NAN;
	status = tree_learn_check(pb, learner, errmsg);
	if (status != SEG_OK)
		return status;
	rng_seed(&rng, ctx->seed);
	status = tree_bins_fit(pb->train.x, n, pb->schema, tp->max_bins, &rng, &bins, errmsg);
	if (status != SEG_OK)
		return status;
	binned = seg_alloc((size_t) n * (d > 0 ? d : 1));
	tree_bins_apply(bins, pb->train.x, n, binned);
	grower = tree_grower_new(bins, binned, n, M);
	m = tree_model_new(TREE_KIND_FOREST, TREE_LINK_IDENTITY, pb->schema, M, M);
	tree_learn_known_codes(m, bins);
	m->scale = 1.0 / n_estimators;

	memset(&cfg, 0, sizeof(cfg));
	cfg.split.min_samples_leaf = tp->min_samples_leaf;
	cfg.split.min_hessian = 1e-12;
	cfg.split.l2 = 0;
	cfg.split.min_gain = 0;
	cfg.split.cat_smooth = 0;
	cfg.split.min_cat_support = 0;
	cfg.max_leaf_nodes = tp->max_leaf_nodes > 0 ? tp->max_leaf_nodes : 0;
	cfg.max_depth = tp->max_depth > 0 ? tp->max_depth : TREE_DEPTH_LIMIT;
	cfg.max_features = FeaturesPerSplit(tp->max_features, pb->task, d);
	cfg.until_valid = true;
	cfg.stop_when_pure = true;
	cfg.mean_values = true;
	cfg.shrinkage = 1.0;

	w = seg_alloc(sizeof(double) * (size_t) n);
	rows = seg_alloc(sizeof(uint32_t) * (size_t) n);
	counts = seg_alloc(sizeof(int) * (size_t) n);
	for (int t = 0; t < n_estimators; t++)
	{
		TreeRowStats s;
		TreeGrown	g;
		int			n_rows = 0;

		for (int i = 0; i < n; i++)
			counts[i] = bootstrap ? 0 : 1;
		if (bootstrap)
			for (int i = 0; i < n; i++)
				counts[rng_below(&rng, (uint64_t) n)]++;
		for (int i = 0; i < n; i++)
		{
			double		cw = classify && pb->class_weight != NULL ?
				pb->class_weight[pb->train.y_class[i]] : 1.0;

			w[i] = counts[i] * cw;
			if (counts[i] > 0)
				rows[n_rows++] = (uint32_t) i;
		}
		memset(&s, 0, sizeof(s));
		s.kind = classify ? TREE_STATS_CLASS : TREE_STATS_WY;
		s.w = w;
		s.cls = pb->train.y_class;
		s.y = pb->train.y_value;
		tree_grow(grower, &s, n_rows < n ? rows : NULL, n_rows, &cfg, &rng, ctx->hooks, &g);
		tree_learn_append(m, &g, bins, -1);
		m->iterations = t + 1;
		if ((t + 1) % PROGRESS_EVERY == 0 || t + 1 == n_estimators)
			tree_learn_progress(ctx, "tree %d/%d - %d leaves", t + 1, n_estimators,
								(g.n_nodes + 1) / 2);
		seg_check_interrupts(ctx->hooks);
	}
	info->iterations = n_estimators;
	tree_model_finish(m);
	if (pb->val.n > 0)
		info->val_loss = ValidationLoss(m, pb, ctx->hooks);
	seg_free(w);
	seg_free(rows);
	seg_free(counts);
	tree_grower_free(grower);
	seg_free(binned);
	tree_bins_free(bins);
	*model = m;
	return SEG_OK;
}

static SegStatus
ForestFit(const SegLearnProblem *pb, const void *params, const SegLearnContext *ctx,
		  void **model, SegFitInfo *info, char *errmsg)
{
	const ForestParams *p = params;

	return FitForest(pb, &p->tree, p->n_estimators, p->bootstrap, "random_forest", ctx, model,
					 info, errmsg);
}

static SegStatus
DecisionTreeFit(const SegLearnProblem *pb, const void *params, const SegLearnContext *ctx,
				void **model, SegFitInfo *info, char *errmsg)
{
	const DecisionTreeParams *p = params;

	return FitForest(pb, &p->tree, 1, false, "decision_tree", ctx, model, info, errmsg);
}

static SegStatus
ForestRead(SegReader *r, const SegModelShape *shape, void **model, char *errmsg)
{
	TreeModel  *m;
	SegStatus	status = tree_model_read(r, shape->schema, &m, errmsg);

	if (status != SEG_OK)
		return status;
	status = tree_learn_check_shape(m, shape, TREE_KIND_FOREST, errmsg);
	if (status != SEG_OK)
	{
		tree_model_free(m);
		return status;
	}
	*model = m;
	return SEG_OK;
}

static SegStatus
DecisionTreeRead(SegReader *r, const SegModelShape *shape, void **model, char *errmsg)
{
	SegStatus	status = ForestRead(r, shape, model, errmsg);
	int			n_trees;

	if (status != SEG_OK)
		return status;
	n_trees = ((TreeModel *) *model)->n_trees;
	if (n_trees != 1)
	{
		tree_model_free(*model);
		*model = NULL;
		snprintf(errmsg, SEG_ERRMSG_LEN, "decision tree model: holds %d trees", n_trees);
		return SEG_ERR_CORRUPT;
	}
	return SEG_OK;
}

#define TREE_LEARNER_COMMON \
	.input = SEG_INPUT_RAW, \
	.classification = true, \
	.regression = true, \
	.check = NULL, \
	.predict = tree_learn_predict, \
	.row_scratch = tree_learn_row_scratch, \
	.predict_row = tree_learn_predict_row, \
	.write = tree_learn_write, \
	.free = tree_learn_free, \
	.describe = tree_learn_describe, \
	.n_margins = tree_learn_n_margins, \
	.margin_row = tree_learn_margin_row, \
	.margins = tree_learn_margins, \
	.importances = tree_learn_importances, \
	.contributions = tree_learn_contributions, \
	.n_trees = tree_learn_n_trees, \
	.rules = tree_learn_rules, \
	.rules_free = tree_rules_free

const SegLearner seg_learner_random_forest = {
	.name = "random_forest",
	.title = "random forest",
	.params = forest_params,
	.n_params = N_FOREST_PARAMS,
	.params_size = sizeof(ForestParams),
	.fit = ForestFit,
	.read = ForestRead,
	TREE_LEARNER_COMMON,
};

const SegLearner seg_learner_decision_tree = {
	.name = "decision_tree",
	.title = "decision tree",
	.params = decision_tree_params,
	.n_params = N_DECISION_TREE_PARAMS,
	.params_size = sizeof(DecisionTreeParams),
	.fit = DecisionTreeFit,
	.read = DecisionTreeRead,
	TREE_LEARNER_COMMON,
};
