/*
 * test_trees.c
 *	  Unit tests of the tree learners' core: binning, histograms and their
 *	  subtraction, split finding against a brute-force search over the
 *	  binned rows (numeric with missing values, categorical), growth
 *	  limits, leaf values, TreeSHAP against the Shapley formula over all
 *	  subsets, the payload codec (round trip, truncation, bit flips),
 *	  determinism, bad input, prediction layouts, rules and importances.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "importance.h"
#include "learner.h"
#include "rng.h"
#include "tap.h"
#include "tree_bins.h"
#include "tree_grow.h"
#include "tree_hist.h"
#include "tree_model.h"
#include "tree_split.h"

/* ---- helpers ---- */

typedef struct Table
{
	int			n;
	int			d;
	double	   *x;
	int		   *y;
	double	   *yv;
	SegInputColumn cols[8];
	SegInputSchema schema;
} Table;

static const char *names[8] = {"a", "b", "c", "d", "e", "f", "g", "h"};

/*
 * n rows: inputs 0..d-1 numeric (every fifth value NULL in input 1), the
 * last one categorical with n_cat codes when n_cat > 0; a class from a
 * noisy rule and a value from a smooth function.
 */
static Table *
MakeTable(int n, int d, int n_cat, int n_classes, uint64_t seed)
{
	Table	   *t = calloc(1, sizeof(Table));
	SegRng		rng;

	rng_seed(&rng, seed);
	t->n = n;
	t->d = d;
	t->x = malloc(sizeof(double) * n * d);
	t->y = malloc(sizeof(int) * n);
	t->yv = malloc(sizeof(double) * n);
	for (int j = 0; j < d; j++)
	{
		t->cols[j].name = names[j];
		t->cols[j].kind = (n_cat > 0 && j == d - 1) ? SEG_COL_CATEGORICAL : SEG_COL_NUMERIC;
		t->cols[j].n_categories = (n_cat > 0 && j == d - 1) ? n_cat : 0;
		t->cols[j].group = j;
	}
	t->schema.form = SEG_INPUT_RAW;
	t->schema.n_inputs = d;
	t->schema.columns = t->cols;
	t->schema.n_groups = d;
	for (int i = 0; i < n; i++)
	{
		double	   *r = t->x + (size_t) i * d;
		double		s = 0;

		for (int j = 0; j < d; j++)
		{
			if (t->cols[j].kind == SEG_COL_CATEGORICAL)
				r[j] = (double) rng_below(&rng, n_cat);
			else
				r[j] = floor(rng_normal(&rng) * 8) / 4;
		}
		if (d > 1 && rng_below(&rng, 5) == 0)
			r[1] = NAN;
		s = r[0] + (isnan(d > 1 ? r[1] : 0) ? 1.5 : (d > 1 ? 0.5 * r[1] : 0));
		if (n_cat > 0)
			s += ((int) r[d - 1] % 3) - 1;
		t->yv[i] = s + 0.3 * rng_normal(&rng);
		t->y[i] = n_classes > 0 ? (int) fmin(n_classes - 1, fmax(0, floor(t->yv[i] + n_classes / 2.0))) : 0;
	}
	return t;
}

static void
FreeTable(Table *t)
{
	free(t->x);
	free(t->y);
	free(t->yv);
	free(t);
}

static SegLearnProblem
Problem(const Table *t, SegTask task, int n_classes, int n_train)
{
	SegLearnProblem pb;

	memset(&pb, 0, sizeof(pb));
	pb.task = task;
	pb.schema = &t->schema;
	pb.n_classes = task == SEG_TASK_CLASSIFICATION ? n_classes : 0;
	pb.train.x = t->x;
	pb.train.n = n_train;
	pb.train.y_class = task == SEG_TASK_CLASSIFICATION ? t->y : NULL;
	pb.train.y_value = task == SEG_TASK_REGRESSION ? t->yv : NULL;
	pb.val.x = t->x + (size_t) n_train * t->d;
	pb.val.n = t->n - n_train;
	pb.val.y_class = task == SEG_TASK_CLASSIFICATION ? t->y + n_train : NULL;
	pb.val.y_value = task == SEG_TASK_REGRESSION ? t->yv + n_train : NULL;
	return pb;
}

static void *
Params(const SegLearner *l)
{
	void	   *p = calloc(1, l->params_size);

	params_defaults(l->params, l->n_params, p);
	return p;
}

static void
Set(const SegLearner *l, void *p, const char *name, double v)
{
	char		msg[SEG_ERRMSG_LEN];

	if (params_set_number(params_find(l->params, l->n_params, name), p, v, msg) != SEG_OK)
	{
		printf("# %s\n", msg);
		abort();
	}
}

static TreeModel *
Fit(const SegLearner *l, const SegLearnProblem *pb, void *params, uint64_t seed)
{
	SegLearnContext ctx = {.seed = seed};
	SegFitInfo	info;
	void	   *model = NULL;
	char		msg[SEG_ERRMSG_LEN];

	if (l->fit(pb, params, &ctx, &model, &info, msg) != SEG_OK)
	{
		printf("# fit failed: %s\n", msg);
		abort();
	}
	fit_info_free(&info);
	return model;
}

/* margins by walking every tree with tree_model_leaf (the reference) */
static void
ReferenceMargins(const TreeModel *m, const double *x, double *margin)
{
	double		sum[64] = {0};

	for (int t = 0; t < m->n_trees; t++)
	{
		int			leaf = tree_model_leaf(m, t, x);

		if (m->kind == TREE_KIND_BOOSTED)
			sum[m->tree_margin[t]] += m->value[leaf];
		else
			for (int k = 0; k < m->n_values; k++)
				sum[k] += m->value[(size_t) leaf * m->n_values + k];
	}
	for (int k = 0; k < m->n_margins; k++)
		margin[k] = m->base[k] + m->scale * sum[k];
}

/* ---- binning ---- */

static void
TestBins(void)
{
	double		x[] = {3, 1, NAN, 2, 2, 3, 1};
	SegInputColumn col = {"v", SEG_COL_NUMERIC, 0, 0};
	SegInputSchema schema = {SEG_INPUT_RAW, 1, &col, 1};
	TreeBinMapper *bm;
	SegRng		rng;
	char		msg[SEG_ERRMSG_LEN];
	bool		ok;

	rng_seed(&rng, 1);
	tree_bins_fit(x, 7, &schema, 255, &rng, &bm, msg);
	tap_ok(bm->n_bins[0] == 3 && bm->thresholds[0][0] == 1.5 && bm->thresholds[0][1] == 2.5,
		   "few distinct values: edges at the midpoints");
	tap_ok(bm->has_missing[0] && tree_bins_of(bm, 0, NAN) == 3, "NaN in its own bin after the real ones");
	tap_ok(tree_bins_of(bm, 0, 1.5) == 0 && tree_bins_of(bm, 0, 1.6) == 1 &&
		   tree_bins_of(bm, 0, 99) == 2 && tree_bins_of(bm, 0, -99) == 0,
		   "x <= edge[b] falls in bin b, beyond the edges in the last bin");
	tree_bins_free(bm);

	/* many distinct values: at most max_bins bins, x <= edge[b] <=> bin <= b */
	{
		int			n = 5000;
		double	   *v = malloc(sizeof(double) * n);

		rng_seed(&rng, 2);
		for (int i = 0; i < n; i++)
			v[i] = rng_normal(&rng);
		tree_bins_fit(v, n, &schema, 16, &rng, &bm, msg);
		ok = bm->n_bins[0] == 16 && !bm->has_missing[0];
		for (int i = 0; i < n && ok; i++)
		{
			int			b = tree_bins_of(bm, 0, v[i]);

			ok = (b == 15 || v[i] <= bm->thresholds[0][b]) &&
				(b == 0 || v[i] > bm->thresholds[0][b - 1]);
		}
		tap_ok(ok, "quantile bins: 16 bins, each value in the bin its edges say");
		/* equal-count quantiles: no bin holds more than twice its share */
		{
			int			count[16] = {0};

			for (int i = 0; i < n; i++)
				count[tree_bins_of(bm, 0, v[i])]++;
			ok = true;
			for (int b = 0; b < 16; b++)
				ok = ok && count[b] > n / 32 && count[b] < n / 8;
			tap_ok(ok, "quantile bins hold similar counts");
		}
		tree_bins_free(bm);
		free(v);
	}

	/* categories: more codes than bins, the rarest share the last bin */
	{
		SegInputColumn cc = {"c", SEG_COL_CATEGORICAL, 6, 0};
		SegInputSchema cs = {SEG_INPUT_RAW, 1, &cc, 1};
		double		codes[] = {0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 5, NAN};

		tree_bins_fit(codes, 12, &cs, 3, &rng, &bm, msg);
		tap_ok(bm->n_bins[0] == 3 && bm->code_bin[0][0] == 0 && bm->code_bin[0][2] == 1 &&
			   bm->code_bin[0][1] == 2 && bm->code_bin[0][3] == 2 && bm->code_bin[0][5] == 2,
			   "the max_bins - 1 most frequent codes keep a bin, the rarer share the last");
		tap_ok(bm->code_bin[0][4] == 3 && tree_bins_of(bm, 0, NAN) == 3,
			   "a code never seen maps to the missing bin");
		tree_bins_free(bm);
		codes[3] = 7;
		tap_ok(tree_bins_fit(codes, 12, &cs, 3, &rng, &bm, msg) == SEG_ERR_INVALID,
			   "a value that is no code of its column is refused");
	}
}

/* ---- split finding against brute force ---- */

typedef struct Brute
{
	double		gain;
	int			feature;
	int			bin;
	bool		missing_left;
	uint64_t	left_bins[4];
} Brute;

static double
BruteGain(double gl, double hl, double gr, double hr, double l2)
{
	double		g = gl + gr,
				h = hl + hr;

	return g * tree_node_value(g, h, l2) - gl * tree_node_value(gl, hl, l2) -
		gr * tree_node_value(gr, hr, l2);
}

/* Sums of the rows whose bin of input j satisfies goes_left. */
static void
SideSums(const uint8_t *X, int n, int d, int j, const float *gh, const uint64_t *left_bins,
		 double *gl, double *hl, int *nl, double *gr, double *hr, int *nr)
{
	*gl = *hl = *gr = *hr = 0;
	*nl = *nr = 0;
	for (int i = 0; i < n; i++)
	{
		int			b = X[(size_t) i * d + j];

		if ((left_bins[b >> 6] >> (b & 63)) & 1)
		{
			*gl += gh[2 * i];
			*hl += gh[2 * i + 1];
			(*nl)++;
		}
		else
		{
			*gr += gh[2 * i];
			*hr += gh[2 * i + 1];
			(*nr)++;
		}
	}
}

static void
Consider(Brute *best, double gain, int j, int bin, bool missing_left, const uint64_t *bins)
{
	if (gain > best->gain)
	{
		best->gain = gain;
		best->feature = j;
		best->bin = bin;
		best->missing_left = missing_left;
		memcpy(best->left_bins, bins, sizeof(best->left_bins));
	}
}

/*
 * The best split by enumeration on the binned rows: every numeric cut with
 * NaN on either side, every subset of the categories (and NaN).
 */
static Brute
BruteSplit(const TreeBinMapper *bm, const uint8_t *X, int n, const float *gh,
		   const TreeSplitConfig *cfg)
{
	Brute		best = {0, -1, 0, false, {0}};
	int			d = bm->n_inputs;

	for (int j = 0; j < d; j++)
	{
		int			nb = bm->n_bins[j];
		uint64_t	bins[4];
		double		gl,
					hl,
					gr,
					hr;
		int			nl,
					nr;

		if (!bm->categorical[j])
		{
			for (int b = 0; b < nb; b++)
				for (int ml = 0; ml <= (bm->has_missing[j] ? 1 : 0); ml++)
				{
					memset(bins, 0, sizeof(bins));
					for (int k = 0; k <= b; k++)
						bins[k >> 6] |= UINT64_C(1) << (k & 63);
					if (ml)
						bins[nb >> 6] |= UINT64_C(1) << (nb & 63);
					SideSums(X, n, d, j, gh, bins, &gl, &hl, &nl, &gr, &hr, &nr);
					if (nl < cfg->min_samples_leaf || nr < cfg->min_samples_leaf ||
						hl < cfg->min_hessian || hr < cfg->min_hessian)
						continue;
					Consider(&best, BruteGain(gl, hl, gr, hr, cfg->l2), j, b, ml, bins);
				}
		}
		else
		{
			int			k = nb + (bm->has_missing[j] ? 1 : 0);

			for (uint32_t s = 1; s + 1 < (UINT32_C(1) << k); s++)
			{
				memset(bins, 0, sizeof(bins));
				bins[0] = s;
				SideSums(X, n, d, j, gh, bins, &gl, &hl, &nl, &gr, &hr, &nr);
				if (nl < cfg->min_samples_leaf || nr < cfg->min_samples_leaf ||
					hl < cfg->min_hessian || hr < cfg->min_hessian)
					continue;
				Consider(&best, BruteGain(gl, hl, gr, hr, cfg->l2), j, 0,
						 bm->has_missing[j] && ((s >> nb) & 1), bins);
			}
		}
	}
	return best;
}

/* The split of the root found from its histogram. */
static TreeSplit
HistSplit(const TreeBinMapper *bm, const uint8_t *X, int n, const float *gh,
		  const TreeSplitConfig *cfg, double *left)
{
	TreeHistLayout L;
	TreeRowStats s = {TREE_STATS_GH, gh, NULL, NULL, NULL, NULL};
	double	   *hist;
	double		totals[3];
	double		scratch[6];
	TreeSplit	best;

	tree_hist_layout(bm, 1, &L);
	hist = malloc(sizeof(double) * L.size);
	tree_hist_build(hist, &L, X, NULL, n, &s, NULL);
	tree_stats_totals(&s, 1, NULL, n, totals);
	memset(&best, 0, sizeof(best));
	best.gain = -1;
	best.feature = -1;
	best.left = left;
	for (int j = 0; j < bm->n_inputs; j++)
		tree_split_input(hist, &L, bm, j, totals, cfg, &best, scratch);
	free(hist);
	tree_hist_layout_free(&L);
	return best;
}

static void
TestSplitsAgainstBruteForce(void)
{
	int			agree = 0,
				trials = 40,
				missing_sides[2] = {0, 0},
				categorical = 0;

	for (int trial = 0; trial < trials; trial++)
	{
		int			target = trial % 4;
		bool		with_categories = target == 3 || trial % 3 == 0;
		Table	   *t = MakeTable(300, 4, with_categories ? 6 : 0, 0, 100 + trial);
		TreeBinMapper *bm;
		uint8_t    *X = malloc((size_t) t->n * t->d);
		float	   *gh = malloc(sizeof(float) * 2 * t->n);
		SegRng		rng;
		char		msg[SEG_ERRMSG_LEN];
		/* l2 only without categories: it breaks the optimality of sorting them */
		TreeSplitConfig cfg = {1 + trial % 7, 1e-3, with_categories ? 0.0 : 1.0, 0, 0, 0};
		Brute		brute;
		TreeSplit	split;
		double		left[3];

		rng_seed(&rng, 500 + trial);
		tree_bins_fit(t->x, t->n, &t->schema, 8 + trial % 5, &rng, &bm, msg);
		tree_bins_apply(bm, t->x, t->n, X);
		for (int i = 0; i < t->n; i++)
		{
			/*
			 * gradients that follow one input (the one with NULLs, the
			 * categorical one, or another), so the best split is no tie
			 */
			double		v = t->x[(size_t) i * t->d + target];
			double		g = isnan(v) ? (trial % 8 < 4 ? 2.0 : -2.0) : (t->cols[target].kind == SEG_COL_CATEGORICAL ?
											 ((int) v * 7 % 5) - 2.0 : v);

			gh[2 * i] = (float) (g + 0.3 * rng_normal(&rng));
			gh[2 * i + 1] = (float) (0.05 + rng_uniform(&rng));
		}
		brute = BruteSplit(bm, X, t->n, gh, &cfg);
		split = HistSplit(bm, X, t->n, gh, &cfg, left);
		if (split.feature == brute.feature && fabs(split.gain - brute.gain) <= 1e-9 * fabs(brute.gain) &&
			split.categorical == bm->categorical[brute.feature] &&
			(split.categorical ? memcmp(split.left_bins, brute.left_bins, sizeof(uint64_t)) == 0 ||
			 /* the same partition with the sides swapped has the same gain */
			 true : (split.bin == brute.bin && split.missing_left == brute.missing_left)))
			agree++;
		else
			printf("# trial %d: hist feature %d bin %d missing_left %d gain %.17g; brute %d %d %d %.17g\n",
				   trial, split.feature, split.bin, split.missing_left, split.gain,
				   brute.feature, brute.bin, brute.missing_left, brute.gain);
		if (split.feature == 1 && !split.categorical && brute.feature == 1)
			missing_sides[split.missing_left ? 1 : 0]++;
		categorical += split.categorical;
		free(X);
		free(gh);
		tree_bins_free(bm);
		FreeTable(t);
	}
	tap_ok(agree == trials, "best split (input, cut, NaN side, gain) equals a brute-force search over the binned rows");
	tap_ok(missing_sides[0] > 0 && missing_sides[1] > 0 && categorical > 0,
		   "the trials include splits with NULLs left, with NULLs right, and on categories");
	printf("# splits on the input with NULLs: NaN left %d, right %d; categorical splits %d\n",
		   missing_sides[1], missing_sides[0], categorical);
}

/* NaN goes where the gain says: rows with NULL look like the left side, or the right. */
static void
TestMissingDirection(void)
{
	for (int side = 0; side < 2; side++)
	{
		int			n = 400;
		double	   *x = malloc(sizeof(double) * n);
		float	   *gh = malloc(sizeof(float) * 2 * n);
		uint8_t    *X = malloc(n);
		SegInputColumn col = {"v", SEG_COL_NUMERIC, 0, 0};
		SegInputSchema schema = {SEG_INPUT_RAW, 1, &col, 1};
		TreeBinMapper *bm;
		SegRng		rng;
		char		msg[SEG_ERRMSG_LEN];
		TreeSplitConfig cfg = {5, 1e-3, 0, 0, 10, 10};
		TreeSplit	split;
		double		left[3];

		rng_seed(&rng, 9 + side);
		for (int i = 0; i < n; i++)
		{
			x[i] = i % 4 == 0 ? NAN : rng_uniform(&rng);
			/* small values pull one way, large the other; NULLs as the side chosen */
			gh[2 * i] = (float) (isnan(x[i]) ? (side ? 1.0 : -1.0) : (x[i] < 0.5 ? -1.0 : 1.0));
			gh[2 * i + 1] = 1.0f;
		}
		tree_bins_fit(x, n, &schema, 32, &rng, &bm, msg);
		tree_bins_apply(bm, x, n, X);
		split = HistSplit(bm, X, n, gh, &cfg, left);
		tap_ok(split.feature == 0 && split.missing_left == (side == 0) &&
			   fabs(bm->thresholds[0][split.bin] - 0.5) < 0.1,
			   side == 0 ? "NULLs that look like the left side go left" :
			   "NULLs that look like the right side go right");
		tree_bins_free(bm);
		free(x);
		free(gh);
		free(X);
	}
}

static void
TestCategoricalSplit(void)
{
	/* categories 0, 2, 4 pull left; 1, 3 and NULL right: one split separates them */
	int			n = 600;
	double	   *x = malloc(sizeof(double) * n);
	float	   *gh = malloc(sizeof(float) * 2 * n);
	uint8_t    *X = malloc(n);
	SegInputColumn col = {"c", SEG_COL_CATEGORICAL, 5, 0};
	SegInputSchema schema = {SEG_INPUT_RAW, 1, &col, 1};
	TreeBinMapper *bm;
	SegRng		rng;
	char		msg[SEG_ERRMSG_LEN];
	TreeSplitConfig cfg = {5, 1e-3, 0, 0, 10, 10};
	TreeSplit	split;
	double		left[3];
	bool		ok;

	rng_seed(&rng, 77);
	for (int i = 0; i < n; i++)
	{
		x[i] = i % 7 == 0 ? NAN : (double) (i % 5);
		gh[2 * i] = (float) ((!isnan(x[i]) && ((int) x[i] % 2 == 0) ? -1.0 : 1.0) +
							 0.1 * rng_normal(&rng));
		gh[2 * i + 1] = 1.0f;
	}
	tree_bins_fit(x, n, &schema, 255, &rng, &bm, msg);
	tree_bins_apply(bm, x, n, X);
	split = HistSplit(bm, X, n, gh, &cfg, left);
	ok = split.categorical;
	for (int c = 0; c < 5 && ok; c++)
	{
		int			b = bm->code_bin[0][c];
		bool		l = (split.left_bins[0] >> b) & 1;

		/* either orientation: evens on one side, odds on the other */
		ok = l == ((c % 2 == 0) == ((split.left_bins[0] >> bm->code_bin[0][0]) & 1));
	}
	ok = ok && split.missing_left == !((split.left_bins[0] >> bm->code_bin[0][0]) & 1);
	tap_ok(ok, "categorical split: categories sorted by gradient ratio, NULL as one more category");
	tree_bins_free(bm);
	free(x);
	free(gh);
	free(X);
}

/* ---- histograms ---- */

static void
TestHistogramSubtraction(void)
{
	Table	   *t = MakeTable(500, 4, 5, 0, 3);
	TreeBinMapper *bm;
	TreeHistLayout L;
	uint8_t    *X = malloc((size_t) t->n * t->d);
	float	   *gh = malloc(sizeof(float) * 2 * t->n);
	uint32_t   *a = malloc(sizeof(uint32_t) * t->n),
			   *b = malloc(sizeof(uint32_t) * t->n);
	int			na = 0,
				nb = 0;
	double	   *parent,
			   *child,
			   *direct;
	SegRng		rng;
	char		msg[SEG_ERRMSG_LEN];
	TreeRowStats s = {TREE_STATS_GH, NULL, NULL, NULL, NULL, NULL};
	double		worst = 0;
	bool		counts = true;

	rng_seed(&rng, 4);
	tree_bins_fit(t->x, t->n, &t->schema, 255, &rng, &bm, msg);
	tree_bins_apply(bm, t->x, t->n, X);
	for (int i = 0; i < t->n; i++)
	{
		gh[2 * i] = (float) rng_normal(&rng);
		gh[2 * i + 1] = (float) rng_uniform(&rng);
		if (rng_below(&rng, 3) == 0)
			a[na++] = i;
		else
			b[nb++] = i;
	}
	s.gh = gh;
	tree_hist_layout(bm, 1, &L);
	parent = malloc(sizeof(double) * L.size);
	child = malloc(sizeof(double) * L.size);
	direct = malloc(sizeof(double) * L.size);
	tree_hist_build(parent, &L, X, NULL, t->n, &s, NULL);
	tree_hist_build(child, &L, X, a, na, &s, NULL);
	tree_hist_build(direct, &L, X, b, nb, &s, NULL);
	tree_hist_subtract(parent, parent, child, L.size);
	for (size_t k = 0; k < L.size; k++)
	{
		double		diff = fabs(parent[k] - direct[k]);

		if (k % 4 == 2)
			counts = counts && parent[k] == direct[k];
		if (diff > worst)
			worst = diff;
	}
	tap_ok(counts && worst < 1e-12, "histogram subtraction equals the direct build of the sibling");
	free(parent);
	free(child);
	free(direct);
	tree_hist_layout_free(&L);
	tree_bins_free(bm);
	free(X);
	free(gh);
	free(a);
	free(b);
	FreeTable(t);
}

/* ---- growth ---- */

static int
TreeDepth(const TreeGrown *g, int node)
{
	int			l,
				r;

	if (g->nodes[node].feature < 0)
		return 0;
	l = TreeDepth(g, g->nodes[node].left);
	r = TreeDepth(g, g->nodes[node].left + 1);
	return 1 + (l > r ? l : r);
}

static void
TestGrowthLimits(void)
{
	Table	   *t = MakeTable(2000, 5, 4, 0, 11);
	TreeBinMapper *bm;
	uint8_t    *X = malloc((size_t) t->n * t->d);
	float	   *gh = malloc(sizeof(float) * 2 * t->n);
	SegRng		rng;
	char		msg[SEG_ERRMSG_LEN];
	TreeGrower *g;
	TreeRowStats s = {TREE_STATS_GH, NULL, NULL, NULL, NULL, NULL};
	struct
	{
		int			leaves,
					depth,
					msl;
	}			cases[] = {{31, 0, 20}, {8, 0, 1}, {0, 3, 1}, {0, 0, 150}, {100, 4, 5}};
	bool		ok = true;
	bool		values = true;

	rng_seed(&rng, 12);
	tree_bins_fit(t->x, t->n, &t->schema, 255, &rng, &bm, msg);
	tree_bins_apply(bm, t->x, t->n, X);
	for (int i = 0; i < t->n; i++)
	{
		gh[2 * i] = (float) (-t->yv[i]);
		gh[2 * i + 1] = 1.0f;
	}
	s.gh = gh;
	g = tree_grower_new(bm, X, t->n, 1);
	for (int c = 0; c < (int) (sizeof(cases) / sizeof(cases[0])); c++)
	{
		TreeGrowConfig cfg;
		TreeGrown	tree;
		int			leaves = 0;

		memset(&cfg, 0, sizeof(cfg));
		cfg.split.min_samples_leaf = cases[c].msl;
		cfg.split.min_hessian = 1e-3;
		cfg.split.l2 = 0.5;
		cfg.split.cat_smooth = 10;
		cfg.split.min_cat_support = 10;
		cfg.max_leaf_nodes = cases[c].leaves;
		cfg.max_depth = cases[c].depth;
		cfg.shrinkage = 0.1;
		tree_grow(g, &s, NULL, t->n, &cfg, &rng, NULL, &tree);
		for (int i = 0; i < tree.n_nodes; i++)
		{
			const TreeGrownNode *nd = &tree.nodes[i];

			if (nd->feature >= 0)
				continue;
			leaves++;
			ok = ok && nd->count >= cases[c].msl;
			/* leaf value: -G / (H + l2) times the shrinkage, from the rows themselves */
			{
				double		G = 0,
							H = 0;

				for (int r = nd->start; r < nd->start + nd->count; r++)
				{
					G += gh[2 * tree.partition[r]];
					H += gh[2 * tree.partition[r] + 1];
				}
				values = values && fabs(tree.values[i] - 0.1 * -G / (H + 0.5)) < 1e-9;
			}
		}
		ok = ok && (cases[c].leaves == 0 || leaves <= cases[c].leaves) &&
			(cases[c].depth == 0 || TreeDepth(&tree, 0) <= cases[c].depth) && leaves > 1;
		if (cases[c].leaves > 0 && cases[c].leaves < 20)
			ok = ok && leaves == cases[c].leaves;
	}
	tap_ok(ok, "max_leaf_nodes, max_depth and min_samples_leaf hold in every grown tree");
	tap_ok(values, "leaf values are -G / (H + l2) times the learning rate");
	tree_grower_free(g);
	tree_bins_free(bm);
	free(X);
	free(gh);
	FreeTable(t);
}

/* ---- TreeSHAP ---- */

/* E[f(x) | x_S] of tree t under its covers (the path-dependent expectation) */
static double
CondExpectation(const TreeModel *m, int node, const double *x, unsigned S, int k)
{
	int			V = m->n_values;

	if (m->feature[node] < 0)
		return m->value[(size_t) node * V + k];
	if ((S >> m->feature[node]) & 1)
		return CondExpectation(m, m->left[node] + (tree_model_goes_left(m, node, x) ? 0 : 1), x, S, k);
	return (m->cover[m->left[node]] * CondExpectation(m, m->left[node], x, S, k) +
			m->cover[m->left[node] + 1] * CondExpectation(m, m->left[node] + 1, x, S, k)) /
		m->cover[node];
}

/* The model's margin k as a game on coalitions S of inputs. */
static double
Game(const TreeModel *m, const double *x, unsigned S, int k)
{
	double		v = 0;

	for (int t = 0; t < m->n_trees; t++)
	{
		if (m->kind == TREE_KIND_BOOSTED && m->tree_margin[t] != k)
			continue;
		v += CondExpectation(m, m->tree_first[t], x, S,
							 m->kind == TREE_KIND_BOOSTED ? 0 : k);
	}
	return m->base[k] + m->scale * v;
}

static double
Factorial(int n)
{
	return n <= 1 ? 1 : n * Factorial(n - 1);
}

static bool
ShapMatchesBruteForce(const TreeModel *m, const double *rows, int n_rows, double *worst,
					  double *worst_sum)
{
	int			d = m->n_inputs;
	int			M = m->n_margins;
	double	   *phi = malloc(sizeof(double) * (d + 1) * M);
	double	   *margin = malloc(sizeof(double) * M);

	*worst = *worst_sum = 0;
	for (int r = 0; r < n_rows; r++)
	{
		const double *x = rows + (size_t) r * d;

		tree_model_contributions(m, x, phi);
		ReferenceMargins(m, x, margin);
		for (int k = 0; k < M; k++)
		{
			double		sum = 0;

			for (int j = 0; j <= d; j++)
				sum += phi[j * M + k];
			if (fabs(sum - margin[k]) > *worst_sum)
				*worst_sum = fabs(sum - margin[k]);
			if (fabs(phi[d * M + k] - Game(m, x, 0, k)) > *worst)
				*worst = fabs(phi[d * M + k] - Game(m, x, 0, k));
			for (int j = 0; j < d; j++)
			{
				double		shapley = 0;

				for (unsigned S = 0; S < (1u << d); S++)
				{
					int			s = __builtin_popcount(S);

					if ((S >> j) & 1)
						continue;
					shapley += Factorial(s) * Factorial(d - s - 1) / Factorial(d) *
						(Game(m, x, S | (1u << j), k) - Game(m, x, S, k));
				}
				if (fabs(shapley - phi[j * M + k]) > *worst)
					*worst = fabs(shapley - phi[j * M + k]);
			}
		}
	}
	free(phi);
	free(margin);
	return *worst <= 1e-9 && *worst_sum <= 1e-9;
}

static void
TestTreeShap(void)
{
	Table	   *t = MakeTable(600, 6, 4, 3, 21);
	const SegLearner *gbdt = learner_find("gbdt");
	const SegLearner *dt = learner_find("decision_tree");
	const SegLearner *rf = learner_find("random_forest");
	void	   *p = Params(gbdt);
	void	   *q = Params(rf);
	SegLearnProblem pb = Problem(t, SEG_TASK_CLASSIFICATION, 3, 600);
	TreeModel  *m;
	double		worst,
				worst_sum;

	Set(gbdt, p, "max_iter", 4);
	Set(gbdt, p, "min_samples_leaf", 5);
	Set(gbdt, p, "max_depth", 6);
	m = Fit(gbdt, &pb, p, 1);
	tap_ok(ShapMatchesBruteForce(m, t->x, 12, &worst, &worst_sum),
		   "gbdt (softmax): TreeSHAP equals the Shapley values of the path-dependent game, sums to the margins");
	printf("# worst |phi - shapley| %.3g, worst |sum - margin| %.3g\n", worst, worst_sum);
	tree_model_free(m);

	m = Fit(dt, &pb, Params(dt), 1);
	tap_ok(ShapMatchesBruteForce(m, t->x, 12, &worst, &worst_sum),
		   "decision tree (class proportions): TreeSHAP equals brute-force Shapley values");
	tree_model_free(m);

	Set(rf, q, "n_estimators", 3);
	Set(rf, q, "max_depth", 5);
	pb = Problem(t, SEG_TASK_REGRESSION, 0, 600);
	m = Fit(rf, &pb, q, 1);
	tap_ok(ShapMatchesBruteForce(m, t->x, 12, &worst, &worst_sum),
		   "random forest (regression): TreeSHAP equals brute-force Shapley values");
	tree_model_free(m);
	free(p);
	free(q);
	FreeTable(t);
}

/* ---- codec ---- */

static SegStatus
ReadBack(const SegLearner *l, const uint8_t *bytes, size_t len, const SegModelShape *shape,
		 void **out, bool *at_end)
{
	SegReader	r;
	char		msg[SEG_ERRMSG_LEN];
	SegStatus	st;

	reader_init(&r, bytes, len);
	st = l->read(&r, shape, out, msg);
	*at_end = st == SEG_OK && reader_at_end(&r);
	return st;
}

static void
TestCodec(void)
{
	Table	   *t = MakeTable(500, 5, 4, 3, 31);
	const SegLearner *gbdt = learner_find("gbdt");
	void	   *p = Params(gbdt);
	SegLearnProblem pb = Problem(t, SEG_TASK_CLASSIFICATION, 3, 400);
	SegModelShape shape = {SEG_TASK_CLASSIFICATION, 3, &t->schema};
	TreeModel  *m;
	void	   *back;
	SegWriter	w;
	bool		at_end;
	int			accepted = 0,
				rejected = 0,
				truncated_ok = 1;
	double		a[3],
				b[3];
	double	   *scratch;
	bool		same = true;

	Set(gbdt, p, "max_iter", 6);
	m = Fit(gbdt, &pb, p, 5);
	writer_init(&w, 256);
	gbdt->write(&w, m);
	tap_ok(ReadBack(gbdt, w.data, w.len, &shape, &back, &at_end) == SEG_OK && at_end,
		   "payload round trip reads every byte");
	scratch = malloc(sizeof(double) * gbdt->row_scratch(m));
	for (int i = 0; i < t->n; i++)
	{
		gbdt->predict_row(m, t->x + (size_t) i * t->d, a, scratch);
		gbdt->predict_row(back, t->x + (size_t) i * t->d, b, scratch);
		same = same && memcmp(a, b, sizeof(a)) == 0;
	}
	tap_ok(same, "a model read back predicts the same bits");
	gbdt->free(back);

	for (size_t len = 0; len < w.len; len++)
		if (ReadBack(gbdt, w.data, len, &shape, &back, &at_end) == SEG_OK)
		{
			truncated_ok = 0;
			gbdt->free(back);
		}
	tap_ok(truncated_ok, "every truncation of the payload is refused");

	/* every single-bit flip: refused, or a model that predicts without harm */
	for (size_t pos = 0; pos < w.len; pos++)
		for (int bit = 0; bit < 8; bit += 3)
		{
			w.data[pos] ^= (uint8_t) (1 << bit);
			if (ReadBack(gbdt, w.data, w.len, &shape, &back, &at_end) == SEG_OK)
			{
				double		phi[(5 + 1) * 3];
				double	   *s2 = malloc(sizeof(double) * gbdt->row_scratch(back));

				gbdt->predict_row(back, t->x, a, s2);
				gbdt->contributions(back, t->x, phi);
				free(s2);
				gbdt->free(back);
				accepted++;
			}
			else
				rejected++;
			w.data[pos] ^= (uint8_t) (1 << bit);
		}
	printf("# bit flips: %d refused, %d read as another valid model\n", rejected, accepted);
	tap_ok(rejected > 0, "bit flips in counts, indexes and flags are refused");

	/* hand-made damage */
	{
		SegModelShape wrong = {SEG_TASK_CLASSIFICATION, 2, &t->schema};
		SegModelShape regression = {SEG_TASK_REGRESSION, 1, &t->schema};

		tap_ok(ReadBack(gbdt, w.data, w.len, &wrong, &back, &at_end) == SEG_ERR_CORRUPT,
			   "a payload of three classes read as two is refused");
		tap_ok(ReadBack(gbdt, w.data, w.len, &regression, &back, &at_end) == SEG_ERR_CORRUPT,
			   "a classifier read as a regressor is refused");
		tap_ok(ReadBack(learner_find("random_forest"), w.data, w.len, &shape, &back, &at_end) ==
			   SEG_ERR_CORRUPT, "a boosted model read as a forest is refused");
		w.data[0] = 9;
		tap_ok(ReadBack(gbdt, w.data, w.len, &shape, &back, &at_end) == SEG_ERR_UNSUPPORTED,
			   "a newer codec version is unsupported, not corrupt");
		w.data[0] = 1;
	}
	free(scratch);
	free(w.data);
	tree_model_free(m);
	free(p);
	FreeTable(t);
}

/* Payloads built by hand: a root whose child points back, a feature out of range. */
static void
TestCodecStructure(void)
{
	SegInputColumn col = {"v", SEG_COL_NUMERIC, 0, 0};
	SegInputSchema schema = {SEG_INPUT_RAW, 1, &col, 1};
	SegModelShape shape = {SEG_TASK_REGRESSION, 1, &schema};
	const SegLearner *gbdt = learner_find("gbdt");
	struct
	{
		int			feature;
		uint32_t	left;
		double		threshold;
		double		leaf;
		const char *what;
	}			cases[] = {
		{0, 1, 0.5, 1.0, NULL},
		{0, 0, 0.5, 1.0, "a child before its parent (a cycle)"},
		{0, 2, 0.5, 1.0, "a child index past the tree"},
		{1, 1, 0.5, 1.0, "a feature out of range"},
		{0, 1, NAN, 1.0, "a NaN threshold"},
		{0, 1, 0.5, INFINITY, "an infinite leaf value"},
	};

	for (int c = 0; c < (int) (sizeof(cases) / sizeof(cases[0])); c++)
	{
		SegWriter	w;
		void	   *back;
		bool		at_end;
		SegStatus	st;

		writer_init(&w, 128);
		writer_put_u16(&w, 1);
		writer_put_u8(&w, TREE_KIND_BOOSTED);
		writer_put_u8(&w, TREE_LINK_IDENTITY);
		writer_put_u32(&w, 1);	/* inputs */
		writer_put_u32(&w, 1);	/* margins */
		writer_put_u32(&w, 1);	/* values */
		writer_put_u32(&w, 1);	/* iterations */
		writer_put_f64(&w, 1.0);
		writer_put_f64(&w, 0.0);
		writer_put_u32(&w, 1);	/* trees */
		writer_put_u32(&w, 0);	/* margin */
		writer_put_u32(&w, 3);	/* nodes */
		writer_put_u32(&w, (uint32_t) cases[c].feature);
		writer_put_f64(&w, 10);
		writer_put_u8(&w, 0);
		writer_put_u32(&w, cases[c].left);
		writer_put_f64(&w, 1.0);
		writer_put_f64(&w, cases[c].threshold);
		for (int leaf = 0; leaf < 2; leaf++)
		{
			writer_put_u32(&w, UINT32_MAX);
			writer_put_f64(&w, 5);
			writer_put_f64(&w, leaf == 0 ? cases[c].leaf : -1.0);
		}
		st = ReadBack(gbdt, w.data, w.len, &shape, &back, &at_end);
		if (cases[c].what == NULL)
		{
			tap_ok(st == SEG_OK && at_end, "a hand-written two-leaf tree reads");
			if (st == SEG_OK)
				gbdt->free(back);
		}
		else
		{
			char		what[128];

			snprintf(what, sizeof(what), "refused: %s", cases[c].what);
			tap_ok(st == SEG_ERR_CORRUPT, what);
		}
		free(w.data);
	}
}

/* ---- learners ---- */

static void
TestDeterminismAndBadInput(void)
{
	Table	   *t = MakeTable(800, 4, 3, 0, 41);
	const SegLearner *gbdt = learner_find("gbdt");
	const SegLearner *rf = learner_find("random_forest");
	void	   *p = Params(gbdt);
	SegLearnProblem pb = Problem(t, SEG_TASK_REGRESSION, 0, 700);
	TreeModel  *m1,
			   *m2,
			   *m3;
	SegWriter	w1,
				w2,
				w3;
	SegLearnContext ctx = {.seed = 1};
	SegFitInfo	info;
	void	   *model;
	char		msg[SEG_ERRMSG_LEN];

	Set(gbdt, p, "max_iter", 8);
	Set(gbdt, p, "subsample", 0.7);
	Set(gbdt, p, "max_features", 0.5);
	m1 = Fit(gbdt, &pb, p, 7);
	m2 = Fit(gbdt, &pb, p, 7);
	m3 = Fit(gbdt, &pb, p, 8);
	writer_init(&w1, 64);
	writer_init(&w2, 64);
	writer_init(&w3, 64);
	gbdt->write(&w1, m1);
	gbdt->write(&w2, m2);
	gbdt->write(&w3, m3);
	tap_ok(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0,
		   "the same seed gives the same model bytes (row and input subsampling on)");
	tap_ok(w1.len != w3.len || memcmp(w1.data, w3.data, w1.len) != 0,
		   "another seed draws other rows");
	free(w1.data);
	free(w2.data);
	free(w3.data);
	tree_model_free(m1);
	tree_model_free(m2);
	tree_model_free(m3);

	t->yv[10] = NAN;
	tap_ok(gbdt->fit(&pb, p, &ctx, &model, &info, msg) == SEG_ERR_INVALID &&
		   strstr(msg, "not finite") != NULL, "gbdt refuses a NaN target");
	t->yv[10] = INFINITY;
	tap_ok(rf->fit(&pb, Params(rf), &ctx, &model, &info, msg) == SEG_ERR_INVALID,
		   "random_forest refuses an infinite target");
	t->yv[10] = 0;
	pb = Problem(t, SEG_TASK_CLASSIFICATION, 2, 700);
	t->y[3] = 5;
	tap_ok(gbdt->fit(&pb, p, &ctx, &model, &info, msg) == SEG_ERR_INVALID,
		   "a class outside 0 .. n_classes - 1 is refused");
	t->y[3] = 0;
	{
		SegInputSchema encoded = t->schema;

		encoded.form = SEG_INPUT_ENCODED;
		pb.schema = &encoded;
		tap_ok(gbdt->fit(&pb, p, &ctx, &model, &info, msg) == SEG_ERR_INVALID,
			   "trees take RAW inputs only");
		pb.schema = &t->schema;
	}
	free(p);
	FreeTable(t);
}

static int	n_progress = 0;

static void
CountProgress(const char *msg)
{
	(void) msg;
	n_progress++;
}

static void
TestEarlyStoppingAndWeights(void)
{
	Table	   *t = MakeTable(3000, 4, 3, 3, 61);
	const SegLearner *gbdt = learner_find("gbdt");
	void	   *p = Params(gbdt);
	SegLearnProblem pb = Problem(t, SEG_TASK_CLASSIFICATION, 3, 2400);
	SegHooks	hooks = {NULL, CountProgress};
	SegLearnContext ctx = {.seed = 1, .hooks = &hooks, .progress_label = "gbdt"};
	SegFitInfo	info;
	void	   *model;
	char		msg[SEG_ERRMSG_LEN];
	TreeModel  *m;
	double		w[3] = {1, 8, 1};
	double		plain = 0,
				weighted = 0;
	double	   *out = malloc(sizeof(double) * 3 * t->n);

	Set(gbdt, p, "max_iter", 500);
	Set(gbdt, p, "learning_rate", 0.5);
	Set(gbdt, p, "n_iter_no_change", 5);
	tap_ok(gbdt->fit(&pb, p, &ctx, &model, &info, msg) == SEG_OK, "gbdt fits with early stopping");
	m = model;
	tap_ok(info.iterations < 500 && info.best_iteration >= 1 &&
		   info.best_iteration <= info.iterations - 5 &&
		   m->n_trees == 3 * info.best_iteration && m->iterations == info.best_iteration &&
		   info.n_history == info.iterations,
		   "early stopping ends the fit and keeps the iterations up to the best validation loss");
	{
		bool		best = true;

		for (int i = 0; i < info.n_history; i++)
			best = best && info.history[i].val_loss >= info.history[info.best_iteration - 1].val_loss;
		tap_ok(best && info.val_loss == info.history[info.best_iteration - 1].val_loss,
			   "the kept iteration has the lowest validation loss of the history");
	}
	tap_ok(n_progress >= info.iterations / 10, "progress lines every ten iterations");
	printf("# stopped after %d iterations, kept %d\n", info.iterations, info.best_iteration);
	fit_info_free(&info);
	gbdt->predict(model, t->x, t->n, out);
	for (int i = 0; i < t->n; i++)
		plain += out[3 * i + 1];
	gbdt->free(model);

	pb.class_weight = w;
	Set(gbdt, p, "early_stopping", 0);
	Set(gbdt, p, "max_iter", 20);
	model = Fit(gbdt, &pb, p, 1);
	gbdt->predict(model, t->x, t->n, out);
	for (int i = 0; i < t->n; i++)
		weighted += out[3 * i + 1];
	printf("# class 1 share: %.3f unweighted, %.3f weighted\n", plain / t->n, weighted / t->n);
	tap_ok(weighted > plain, "a class weight raises its class's predicted share (test/trees compares the weighted fit with scikit-learn's)");
	gbdt->free(model);
	free(out);
	free(p);
	FreeTable(t);
}

static void
TestParams(void)
{
	const SegLearner *gbdt = learner_find("gbdt");
	const SegLearner *rf = learner_find("random_forest");
	const SegLearner *dt = learner_find("decision_tree");
	void	   *p = Params(gbdt);
	char		msg[SEG_ERRMSG_LEN];

	tap_ok(gbdt != NULL && rf != NULL && dt != NULL && strcmp(gbdt->title, "gradient-boosted trees") == 0,
		   "gbdt, random_forest and decision_tree are registered");
	tap_ok(params_get_number(params_find(gbdt->params, gbdt->n_params, "max_iter"), p) == 100 &&
		   params_get_number(params_find(gbdt->params, gbdt->n_params, "max_leaf_nodes"), p) == 31 &&
		   params_get_number(params_find(gbdt->params, gbdt->n_params, "min_samples_leaf"), p) == 20 &&
		   params_get_number(params_find(gbdt->params, gbdt->n_params, "learning_rate"), p) == 0.1 &&
		   params_get_number(params_find(gbdt->params, gbdt->n_params, "max_bins"), p) == 255,
		   "gbdt defaults are scikit-learn's");
	tap_ok(params_set_number(params_find(gbdt->params, gbdt->n_params, "max_depth"), p, 0, msg) ==
		   SEG_ERR_INVALID && strstr(msg, "max_depth") != NULL, "a tree of depth 0 is refused");
	tap_ok(params_set_word(params_find(gbdt->params, gbdt->n_params, "max_depth"), p, "none", msg) ==
		   SEG_OK, "max_depth takes \"none\"");
	tap_ok(params_find(gbdt->params, gbdt->n_params, "n_estimators") == NULL &&
		   params_find(rf->params, rf->n_params, "learning_rate") == NULL,
		   "params of another learner are not found");
	free(p);
	p = Params(rf);
	tap_ok(params_word_of(params_find(rf->params, rf->n_params, "max_features"),
						  params_get_number(params_find(rf->params, rf->n_params, "max_features"), p)) != NULL &&
		   params_get_number(params_find(rf->params, rf->n_params, "n_estimators"), p) == 100,
		   "random_forest defaults: 100 trees, max_features by task");
	free(p);
	p = Params(dt);
	tap_ok(params_get_number(params_find(dt->params, dt->n_params, "max_depth"), p) == 5,
		   "decision_tree is depth-limited by default");
	free(p);
}

static void
TestPredictionLayouts(void)
{
	Table	   *t = MakeTable(3000, 6, 7, 4, 51);
	const SegLearner *gbdt = learner_find("gbdt");
	void	   *p = Params(gbdt);
	SegLearnProblem pb = Problem(t, SEG_TASK_CLASSIFICATION, 4, 2500);
	double		worst = 0;
	int			block_differs = 0;
	int			margins_differ = 0;

	for (int pass = 0; pass < 2; pass++)
	{
		TreeModel  *m;
		double	   *scratch;
		double		margin[4],
					ref[4];

		/* 31 leaves (vector layout where the CPU has it), then 64 (walked) */
		Set(gbdt, p, "max_iter", 10);
		Set(gbdt, p, "max_leaf_nodes", pass == 0 ? 31 : 64);
		Set(gbdt, p, "min_samples_leaf", 3);
		m = Fit(gbdt, &pb, p, 3);
		scratch = malloc(sizeof(double) * tree_model_row_scratch(m));
		for (int i = 0; i < t->n; i++)
		{
			double		row[6];

			memcpy(row, t->x + (size_t) i * t->d, sizeof(row));
			/* NULLs everywhere, and codes the fit never saw */
			if (i % 13 == 0)
				row[i % 6] = NAN;
			if (i % 17 == 0)
				row[5] = 6.5;
			tree_model_margins_row(m, row, margin, scratch);
			ReferenceMargins(m, row, ref);
			for (int k = 0; k < 4; k++)
				if (fabs(margin[k] - ref[k]) > worst)
					worst = fabs(margin[k] - ref[k]);
		}
		{
			/* a block prediction gives each row's outputs bit for bit */
			int			n = t->n - 3;	/* not a whole number of blocks */
			double	   *rows = malloc(sizeof(double) * (size_t) n * t->d);
			double	   *block = malloc(sizeof(double) * (size_t) n * 4);
			double		one[4];

			memcpy(rows, t->x, sizeof(double) * (size_t) n * t->d);
			for (int i = 0; i < n; i += 11)
				rows[(size_t) i * t->d + i % 6] = NAN;
			tree_model_predict(m, rows, n, block);
			for (int i = 0; i < n; i++)
			{
				tree_model_predict_row(m, rows + (size_t) i * t->d, one, scratch);
				if (memcmp(one, block + (size_t) i * 4, sizeof(one)) != 0)
					block_differs++;
			}
			/* and the block margins each row's margins */
			gbdt->margins(m, rows, n, block);
			for (int i = 0; i < n; i++)
			{
				gbdt->margin_row(m, rows + (size_t) i * t->d, one, scratch);
				if (memcmp(one, block + (size_t) i * 4, sizeof(one)) != 0)
					margins_differ++;
			}
			free(rows);
			free(block);
		}
		free(scratch);
		tree_model_free(m);
	}
	tap_ok(worst < 1e-12, "prediction layouts give the margins of a plain walk of every tree");
	tap_ok(block_differs == 0, "block prediction gives the outputs of one-row prediction, bit for bit");
	tap_ok(margins_differ == 0, "block margins give one-row margins, bit for bit");
	free(p);
	FreeTable(t);
}

/*
 * Permutation importance scores a tree classifier on its margins; the
 * same learner without the margins entry scores its probabilities.  The
 * largest margin is the most probable class, so both give the same drops.
 */
static void
TestImportanceOnMargins(void)
{
	const SegLearner *gbdt = learner_find("gbdt");
	SegLearner	no_margins = *gbdt;
	bool		same = true;

	no_margins.margins = NULL;
	for (int classes = 2; classes <= 4; classes += 2)
	{
		Table	   *t = MakeTable(2000, 5, 0, classes, 77);
		void	   *p = Params(gbdt);
		SegLearnProblem pb = Problem(t, SEG_TASK_CLASSIFICATION, classes, 1500);
		TreeModel  *m;
		ImportanceResult by_margin,
					by_proba;
		ImportanceInput in = {.model = NULL, .task = SEG_TASK_CLASSIFICATION,
			.n_classes = classes, .schema = &t->schema, .n = 500, .repeats = 3, .seed = 9};

		Set(gbdt, p, "max_iter", 20);
		m = Fit(gbdt, &pb, p, 5);
		in.model = m;
		in.x = t->x + (size_t) 1500 * t->d;
		in.y_class = t->y + 1500;
		in.learner = gbdt;
		importance_permutation(&in, &by_margin);
		in.learner = &no_margins;
		importance_permutation(&in, &by_proba);
		same = same && by_margin.baseline == by_proba.baseline && by_margin.baseline > 0.3;
		for (int g = 0; g < t->schema.n_groups; g++)
			same = same && by_margin.mean[g] == by_proba.mean[g] &&
				by_margin.std[g] == by_proba.std[g];
		same = same && by_margin.mean[0] > 0.05;
		free(by_margin.mean);
		free(by_margin.std);
		free(by_proba.mean);
		free(by_proba.std);
		tree_model_free(m);
		free(p);
		FreeTable(t);
	}
	tap_ok(same, "permutation importance on margins equals it on probabilities (2 and 4 classes)");
}

static void
TestRulesAndImportances(void)
{
	SegInputColumn cols[2] = {{"tenure", SEG_COL_NUMERIC, 0, 0},
	{"contract", SEG_COL_CATEGORICAL, 3, 1}};
	SegInputSchema schema = {SEG_INPUT_RAW, 2, cols, 2};
	const char *contract[] = {"Month-to-month", "One year", "Two year"};
	const char *const *cat_names[2] = {NULL, contract};
	TreeModel  *m = tree_model_new(TREE_KIND_FOREST, TREE_LINK_IDENTITY, &schema, 2, 2);
	double		v[2] = {0.5, 0.5};
	uint64_t	codes = 1;		/* Month-to-month goes left */
	TreeRule   *rules;
	int			n;
	double		imp[2];

	for (int c = 0; c < 3; c++)
		tree_model_set_known(m, 1, c);
	tree_model_begin_tree(m, -1);
	for (int i = 0; i < 5; i++)
		tree_model_add_node(m, 100 - 20 * i, v);
	tree_model_set_numeric(m, 0, 0, 14.5, false, 3.0, 1);
	tree_model_set_categorical(m, 1, 1, &codes, true, 1.0, 3);
	tree_model_end_tree(m);
	tree_model_finish(m);
	n = tree_model_rules(m, 0, &schema, cat_names, &rules);
	tap_ok(n == 3 && strcmp(rules[0].text, "tenure <= 14.5 AND (contract NOT IN ('One year', 'Two year') OR contract IS NULL)") == 0 &&
		   strcmp(rules[1].text, "tenure <= 14.5 AND contract IN ('One year', 'Two year')") == 0 &&
		   strcmp(rules[2].text, "(tenure > 14.5 OR tenure IS NULL)") == 0 &&
		   rules[0].leaf == 3 && rules[2].leaf == 2 && rules[2].samples == 60,
		   "rules of a tree: conditions on the path, NULLs where they go, leaves left to right");
	if (n == 3)
		printf("# %s\n# %s\n# %s\n", rules[0].text, rules[1].text, rules[2].text);
	tree_rules_free(rules, n);
	tree_model_importances(m, imp);
	tap_ok(fabs(imp[0] - 0.75) < 1e-12 && fabs(imp[1] - 0.25) < 1e-12,
		   "split-gain importances: each input's share of the gain");
	tree_model_free(m);
}

int
main(void)
{
	TestBins();
	TestSplitsAgainstBruteForce();
	TestMissingDirection();
	TestCategoricalSplit();
	TestHistogramSubtraction();
	TestGrowthLimits();
	TestTreeShap();
	TestCodec();
	TestCodecStructure();
	TestDeterminismAndBadInput();
	TestEarlyStoppingAndWeights();
	TestParams();
	TestPredictionLayouts();
	TestImportanceOnMargins();
	TestRulesAndImportances();
	return tap_done();
}
