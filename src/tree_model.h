/*-------------------------------------------------------------------------
 *
 * tree_model.h
 *	  Fitted trees as flat node arrays in raw input units: prediction of
 *	  a row and of a block, the payload codec, TreeSHAP contributions,
 *	  split-gain importances and one tree's rules as text.
 *
 * A model is a sum of trees:
 *
 *	margin[k] = base[k] + scale * (sum of the leaf values the row reaches)
 *
 * Boosted trees each add one value to one margin (tree_margin[t]); the
 * trees of a forest add a vector of n_values = n_margins values (class
 * proportions, or one value) to every margin, with scale = 1 / n_trees.
 * The link turns margins into outputs: identity, logistic (one margin,
 * two class probabilities) or softmax.
 *
 * Nodes of all trees sit in one set of arrays, each tree's nodes
 * contiguous from its root, a node's two children adjacent (left, then
 * left + 1) and after it.  An internal node tests one input:
 *	numeric      x <= threshold goes left (threshold may be +inf: the
 *	             "split on NaN", every number left)
 *	categorical  code in the node's bitset goes left; a code the fit did
 *	             not see (or no code at all) counts as missing
 * and NaN goes left when the node's TREE_NODE_MISSING_LEFT flag is set.
 * Rows are predicted from their raw values: no binning at prediction.
 *
 * IDENTIFICATION
 *	  src/tree_model.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_TREE_MODEL_H
#define SEGMENT_TREE_MODEL_H

#include "bytes.h"
#include "learner.h"

/* Stored in model bytes: never renumber. */
typedef enum TreeLink
{
	TREE_LINK_IDENTITY = 0,
	TREE_LINK_LOGISTIC = 1,		/* one margin -> P(class 1) */
	TREE_LINK_SOFTMAX = 2
} TreeLink;

/* Stored in model bytes: never renumber. */
typedef enum TreeKind
{
	TREE_KIND_BOOSTED = 0,		/* a value per tree to one margin, importances summed */
	TREE_KIND_FOREST = 1		/* a vector per tree to all margins, averaged */
} TreeKind;

/* node flags (stored) */
#define TREE_NODE_MISSING_LEFT 0x01
#define TREE_NODE_CATEGORICAL 0x02

typedef struct TreeFast TreeFast;

typedef struct TreeModel
{
	TreeKind	kind;
	TreeLink	link;
	int			n_inputs;
	int			n_margins;
	int			n_values;		/* per leaf: 1, or n_margins for forests */
	double		scale;
	double	   *base;			/* n_margins */
	int			iterations;		/* boosting iterations, or trees */

	int			n_trees;
	int		   *tree_first;		/* n_trees + 1: nodes of tree t are [first[t], first[t+1]) */
	int		   *tree_margin;	/* boosted: the margin tree t adds to */

	int			n_nodes;
	int			cap_nodes;
	int32_t    *feature;		/* -1 for a leaf */
	uint8_t    *flags;
	int32_t    *left;			/* absolute index of the left child */
	double	   *threshold;
	int32_t    *bitset;			/* categorical: first word in bitsets */
	double	   *cover;			/* training rows reaching the node */
	double	   *gain;			/* split gain (internal nodes) */
	double	   *value;			/* n_nodes x n_values */

	int			n_words;
	int			cap_words;
	uint64_t   *bitsets;

	/* per input: categories of the schema and those seen at fit */
	int		   *n_categories;	/* 0 for numbers */
	uint64_t  **known;			/* categorical: bit c = code c was seen */

	TreeFast   *fast;			/* prediction layout, built by tree_model_finish */
	int			max_depth;
} TreeModel;

#define TREE_BITSET_WORDS(n_categories) (((n_categories) + 63) / 64)

/*
 * The deepest tree grown or read: "no depth limit" stops here.  It bounds
 * the recursion of TreeSHAP and the memory of its paths.
 */
#define TREE_DEPTH_LIMIT 512

/* ---- building (tree_model.c) ---- */

/* An empty model for inputs of schema (categorical ones all unseen). */
extern TreeModel *tree_model_new(TreeKind kind, TreeLink link, const SegInputSchema *schema,
								 int n_margins, int n_values);

/* Marks code c of categorical input j as seen at fit. */
extern void tree_model_set_known(TreeModel *m, int j, int code);

/* Starts tree t (the next one) adding to margin (boosted) or -1 (forest). */
extern void tree_model_begin_tree(TreeModel *m, int margin);

/*
 * Appends a node to the current tree and returns its index in the tree
 * (0 for the root).  Children are linked afterwards with
 * tree_model_set_split; a node left unlinked is a leaf.
 */
extern int	tree_model_add_node(TreeModel *m, double cover, const double *value);

/* Makes node (index in the current tree) a numeric split with children left, left + 1. */
extern void tree_model_set_numeric(TreeModel *m, int node, int feature, double threshold,
								   bool missing_left, double gain, int left);

/* Makes node a categorical split; codes are the left-going codes of the input. */
extern void tree_model_set_categorical(TreeModel *m, int node, int feature,
									   const uint64_t *codes, bool missing_left,
									   double gain, int left);

/* Ends the current tree. */
extern void tree_model_end_tree(TreeModel *m);

/* Drops trees from n_trees on (early stopping keeps the best iteration). */
extern void tree_model_truncate(TreeModel *m, int n_trees);

/* Depth of tree t; scratch holds the tree's node count of ints. */
extern int	tree_model_tree_depth(const TreeModel *m, int t, int *scratch);

/* Builds the prediction layout; call once all trees are in. */
extern void tree_model_finish(TreeModel *m);

extern void tree_model_free(TreeModel *m);

/* ---- prediction (tree_predict.c) ---- */

/* doubles of scratch tree_model_margins_row and _predict_row need */
extern int	tree_model_row_scratch(const TreeModel *m);

/* Margins of one row; allocates nothing. */
extern void tree_model_margins_row(const TreeModel *m, const double *x, double *margin,
								   double *scratch);

/* Outputs (probabilities or values) of one row from its margins, in place. */
extern void tree_model_link(const TreeModel *m, const double *margin, double *out);

/* Number of outputs: classes (2 for the logistic link) or 1. */
extern int	tree_model_n_outputs(const TreeModel *m);

/* Outputs of one row; allocates nothing. */
extern void tree_model_predict_row(const TreeModel *m, const double *x, double *out,
								   double *scratch);

/* Outputs of n rows (n x n_outputs). */
extern void tree_model_predict(const TreeModel *m, const double *x, int n, double *out);

/* Margins of n rows (n x n_margins), before the link. */
extern void tree_model_margins(const TreeModel *m, const double *x, int n, double *out);

/* The leaf (absolute node index) tree t sends row x to. */
extern int	tree_model_leaf(const TreeModel *m, int t, const double *x);

/* Whether node (absolute) sends row x left. */
extern bool tree_model_goes_left(const TreeModel *m, int node, const double *x);

/* ---- payload (tree_codec.c) ---- */

extern void tree_model_write(SegWriter *w, const TreeModel *m);

/*
 * Reads a payload written by tree_model_write for inputs of schema,
 * validating every count against the bytes left, every index and number.
 * SEG_ERR_CORRUPT (or SEG_ERR_UNSUPPORTED for a newer codec) otherwise.
 */
extern SegStatus tree_model_read(SegReader *r, const SegInputSchema *schema, TreeModel **out,
								 char *errmsg);

/* ---- explanations (tree_shap.c, tree_rules.c) ---- */

/*
 * Exact path-dependent TreeSHAP (Lundberg et al. 2018, Algorithm 2):
 * phi is (n_inputs + 1) x n_margins, input j's contribution to margin k at
 * phi[j * n_margins + k], the base value in the last row; each column
 * sums to the margin.
 */
extern void tree_model_contributions(const TreeModel *m, const double *x, double *phi);

/* The expected value of tree t's leaves under the training covers (n_values). */
extern void tree_model_expected_value(const TreeModel *m, int t, double *out);

/*
 * Split-gain importances per input, summing to 1 (0 when no split):
 * boosted trees total gain; forests the mean of each tree's normalised
 * gain, as scikit-learn's feature_importances_.
 */
extern void tree_model_importances(const TreeModel *m, double *out);

typedef SegRule TreeRule;		/* learner.h */

/*
 * The rules of tree t, one per leaf in left-to-right order: the
 * conditions on the path to it, each input's conditions merged into one.
 * category_names[j][c] names code c of input j (NULL for the codes).
 * Returns the number of rules; *rules is seg_alloc'ed.
 */
extern int	tree_model_rules(const TreeModel *m, int t, const SegInputSchema *schema,
							 const char *const *const *category_names, TreeRule **rules);
extern void tree_rules_free(TreeRule *rules, int n);

#endif							/* SEGMENT_TREE_MODEL_H */
