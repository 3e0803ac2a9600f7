/*-------------------------------------------------------------------------
 *
 * learner.h
 *	  One interface for every supervised model family: the MLP, logistic
 *	  regression, gradient-boosted trees, random forests, a decision tree.
 *
 * Everything around a learner is shared and knows nothing of its insides:
 * loading and splitting the data, preprocessing, balancing, candidates and
 * search, evaluation, the model format (supervised_model.h), the
 * predictor and its per-backend cache, the registry and the report.  A
 * learner only fits on the prepared train part (with a validation part
 * for early stopping), predicts a block of rows or one row, writes and
 * reads its own payload, and optionally reports native importances and
 * per-row contributions.
 *
 * Adding a learner: write learner_NAME.c defining a `const SegLearner`
 * (its settings as a SegParamSpec table, see params.h), and add it to
 * the list in learner.c.  Nothing else changes.
 *
 * Inputs.  A learner takes its rows in one of two forms (SegInputForm):
 *	ENCODED  the preprocessor's output: NULLs imputed, categories one-hot,
 *	         numbers standardised; dense, finite (the MLP, logistic)
 *	RAW      one value per original column: numbers as they are, booleans
 *	         0 / 1, categories as their code 0 .. n_categories - 1 in the
 *	         preprocessor's vocabulary; NaN for NULL and for a category
 *	         training did not see (trees split on these natively)
 * The schema names each input and, for RAW, its kind and category count.
 *
 * Outputs.  Classification: one probability per class (summing to 1);
 * regression: one value.  Learners whose model has a raw score before
 * the link (softmax, sigmoid) expose it as margins: contributions are in
 * margin units and add up to the margin.
 *
 * Learners allocate with seg_alloc (the server bounds it by
 * segment.memory_limit), call seg_check_interrupts(ctx->hooks) at least
 * every ~100 ms of work (their predictions of many rows are checked
 * between blocks by learner_predict), report progress through
 * seg_progress, and are deterministic for ctx->seed.
 *
 * IDENTIFICATION
 *	  src/learner.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_LEARNER_H
#define SEGMENT_LEARNER_H

#include "bytes.h"
#include "core.h"
#include "frame.h"
#include "params.h"
#include "preprocess.h"

/* Stored in model bytes: never renumber. */
typedef enum SegTask
{
	SEG_TASK_CLASSIFICATION = 0,
	SEG_TASK_REGRESSION = 1
} SegTask;

/* One input of a learner. */
typedef struct SegInputColumn
{
	const char *name;			/* "col", or "col=value" for a one-hot output */
	SegColumnKind kind;			/* RAW: the column's kind; ENCODED: numeric */
	int			n_categories;	/* RAW categorical: codes 0 .. n_categories - 1 */
	int			group;			/* index of the original column it comes from */
} SegInputColumn;

typedef struct SegInputSchema
{
	SegInputForm form;
	int			n_inputs;
	const SegInputColumn *columns;
	int			n_groups;		/* original columns (groups 0 .. n_groups - 1) */
} SegInputSchema;

/* Rows of one part: x is n x n_inputs, row-major. */
typedef struct SegLearnSet
{
	const double *x;
	int			n;
	const int  *y_class;		/* classification: 0 .. n_classes - 1 */
	const double *y_value;		/* regression: finite values */
} SegLearnSet;

typedef struct SegLearnProblem
{
	SegTask		task;
	const SegInputSchema *schema;
	int			n_classes;		/* classification: >= 2; regression: 0 */
	const double *class_weight; /* per class (loss weights), or NULL for all 1 */
	SegLearnSet train;
	SegLearnSet val;			/* val.n may be 0: the learner then stops by its budget */
} SegLearnProblem;

/* One iteration (epoch, boosting round) of a fit; NaN where not measured. */
typedef struct SegFitPoint
{
	double		train_loss;
	double		val_loss;
	double		val_score;		/* macro-F1 (classification) or R2 (regression) */
} SegFitPoint;

typedef struct SegLearnContext
{
	uint64_t	seed;
	const SegHooks *hooks;
	const char *progress_label; /* prefixes progress lines, or NULL */
	size_t		memory_limit;	/* for working sets a learner sizes itself (bytes) */

	/*
	 * Iterative learners call this after each iteration that they score
	 * on the validation part; false asks them to stop there and keep
	 * their best iteration so far (candidates racing, sql_trials.c).
	 * NULL: no such stop.
	 */
	bool		(*keep_going) (void *arg, int iteration, const SegFitPoint *point);
	void	   *keep_going_arg;
} SegLearnContext;

typedef struct SegFitInfo
{
	const char *unit;			/* "epoch", "iteration", "tree" */
	int			iterations;		/* run */
	int			best_iteration; /* 1-based iteration kept; 0 when all are kept */
	double		train_loss;		/* of the kept model, NaN when not measured */
	double		val_loss;
	int			n_history;
	SegFitPoint *history;		/* seg_alloc'ed, n_history points, or NULL */
} SegFitInfo;

/* What a payload is read back into: known from the envelope around it. */
typedef struct SegModelShape
{
	SegTask		task;
	int			n_outputs;		/* classes, or 1 */
	const SegInputSchema *schema;
} SegModelShape;

/* One leaf of a tree as a rule (segment.tree_rules). */
typedef struct SegRule
{
	int			leaf;			/* node index in the tree */
	char	   *text;			/* "tenure <= 14.5 AND contract IN ('Month-to-month')" */
	double		samples;		/* training rows reaching the leaf (bootstrap: drawn rows) */
	int			margin;			/* the margin the tree adds to, or -1 for all of them */
	int			n_values;		/* values per leaf: 1, or one per margin */
	const double *value;		/* the leaf's value(s), in margin units */
} SegRule;

/* Where describe() writes model_info's learner-specific facts. */
typedef struct SegInfoSink
{
	void	   *ctx;
	void		(*number) (void *ctx, const char *key, double v);
	void		(*text) (void *ctx, const char *key, const char *v);
	void		(*flag) (void *ctx, const char *key, bool v);
	void		(*numbers) (void *ctx, const char *key, const double *v, int n);
} SegInfoSink;

typedef struct SegLearner
{
	const char *name;			/* stored in model bytes: never rename */
	const char *title;			/* "gradient-boosted trees", for reports */
	SegInputForm input;
	bool		classification; /* tasks it can fit */
	bool		regression;

	/* settings: a table over the learner's own params struct */
	const SegParamSpec *params;
	int			n_params;
	size_t		params_size;

	/* cross-setting checks beyond each spec's bounds; NULL when none */
	SegStatus	(*check) (const void *params, SegTask task, char *errmsg);

	/*
	 * Fits a model on problem->train, using problem->val (when it has
	 * rows) for early stopping; fills info.  On failure returns a status
	 * and a message, having freed what it allocated.
	 */
	SegStatus	(*fit) (const SegLearnProblem *problem, const void *params,
						const SegLearnContext *ctx, void **model, SegFitInfo *info,
						char *errmsg);

	/*
	 * n rows of x -> out (n x n_outputs): probabilities or values; called
	 * through learner_predict, which checks for interrupts between blocks
	 */
	void		(*predict) (const void *model, const double *x, int n, double *out);

	/* doubles of scratch predict_row needs */
	int			(*row_scratch) (const void *model);
	/* one row; allocates nothing (the hot path of segment_predict) */
	void		(*predict_row) (const void *model, const double *x, double *out,
								double *scratch);

	void		(*write) (SegWriter *w, const void *model);
	/* validates every size against the bytes left and every number */
	SegStatus	(*read) (SegReader *r, const SegModelShape *shape, void **model,
						 char *errmsg);
	void		(*free) (void *model);

	/* model_info's facts (sizes, trees, layers) */
	void		(*describe) (const void *model, const SegInfoSink *sink);

	/* ---- optional: NULL when the learner has none ---- */

	/* raw scores per row: n_margins values */
	int			(*n_margins) (const void *model);
	void		(*margin_row) (const void *model, const double *x, double *margin,
							   double *scratch);
	/*
	 * the same for n rows (n x n_margins), called through learner_margins;
	 * NULL when only margin_row
	 */
	void		(*margins) (const void *model, const double *x, int n, double *out);

	/* native importance per input (e.g. total split gain), n_inputs values */
	void		(*importances) (const void *model, double *out);

	/*
	 * Contributions of each input to one row's margins: phi is
	 * (n_inputs + 1) x n_margins, input j's contribution to margin k at
	 * phi[j * n_margins + k], the base value at row n_inputs; each column
	 * sums to the margin (exact TreeSHAP for trees, w * x for linear).
	 */
	void		(*contributions) (const void *model, const double *x, double *phi);

	/*
	 * Trees: how many the model has, and the rules of tree t, one per leaf
	 * left to right, in the schema's input names; category_names[j][c]
	 * names code c of input j.  Returns the number of rules.
	 */
	int			(*n_trees) (const void *model);
	int			(*rules) (const void *model, int t, const SegInputSchema *schema,
						  const char *const *const *category_names, SegRule **rules);
	void		(*rules_free) (SegRule *rules, int n);
} SegLearner;

/* learner.c: the registered learners */
extern const SegLearner *learner_find(const char *name);
extern int	learner_count(void);
extern const SegLearner *learner_at(int i);

/* Frees a SegFitInfo's history. */
extern void fit_info_free(SegFitInfo *info);

/*
 * Rows per call of predict or margins in learner_predict and
 * learner_margins: a multiple of the blocks the learners compute in
 * (the MLP's 256 rows, the trees' 8), so that every row is computed as in
 * one call over all the rows, and few enough that a block of a wide
 * network or a large forest takes milliseconds (75 ms through three layers
 * of 2,048 units, where 37,900 validation rows at once took 11 s).
 */
#define LEARNER_PREDICT_BLOCK 256

/*
 * learner->predict (learner->margins) of n rows of n_inputs values into
 * out, n_outputs (the learner's n_margins) values a row, with an
 * interrupt check between blocks of LEARNER_PREDICT_BLOCK rows.  Callers
 * predicting many rows use these, so a learner's block functions need not
 * check for interrupts.
 */
extern void learner_predict(const SegLearner *learner, const void *model, const double *x,
							int n, int n_inputs, int n_outputs, double *out,
							const SegHooks *hooks);
extern void learner_margins(const SegLearner *learner, const void *model, const double *x,
							int n, int n_inputs, double *out, const SegHooks *hooks);

/* The learners (one per file) */
extern const SegLearner seg_learner_mlp;
extern const SegLearner seg_learner_logistic;
extern const SegLearner seg_learner_gbdt;
extern const SegLearner seg_learner_random_forest;
extern const SegLearner seg_learner_decision_tree;

#endif							/* SEGMENT_LEARNER_H */
