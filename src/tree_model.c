/*-------------------------------------------------------------------------
 *
 * tree_model.c
 *	  Building and freeing tree models, and their split-gain importances
 *	  (see tree_model.h).
 *
 * IDENTIFICATION
 *	  src/tree_model.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "tree_model.h"

/* tree_predict.c */
extern void tree_fast_build(TreeModel *m);
extern void tree_fast_free(TreeFast *f);

TreeModel *
tree_model_new(TreeKind kind, TreeLink link, const SegInputSchema *schema, int n_margins,
			   int n_values)
{
	TreeModel  *m = seg_alloc0(sizeof(TreeModel));
	int			d = schema->n_inputs;

	m->kind = kind;
	m->link = link;
	m->n_inputs = d;
	m->n_margins = n_margins;
	m->n_values = n_values;
	m->scale = 1.0;
	m->base = seg_alloc0(sizeof(double) * (size_t) n_margins);
	m->tree_first = seg_alloc0(sizeof(int) * 2);
	m->tree_margin = seg_alloc0(sizeof(int) * 1);
	m->n_categories = seg_alloc0(sizeof(int) * (size_t) (d > 0 ? d : 1));
	m->known = seg_alloc0(sizeof(uint64_t *) * (size_t) (d > 0 ? d : 1));
	for (int j = 0; j < d; j++)
	{
		if (schema->columns[j].kind != SEG_COL_CATEGORICAL)
			continue;
		m->n_categories[j] = schema->columns[j].n_categories;
		m->known[j] = seg_alloc0(sizeof(uint64_t) *
								 (size_t) (TREE_BITSET_WORDS(m->n_categories[j]) + 1));
	}
	return m;
}

void
tree_model_set_known(TreeModel *m, int j, int code)
{
	m->known[j][code >> 6] |= UINT64_C(1) << (code & 63);
}

void
tree_model_begin_tree(TreeModel *m, int margin)
{
	int			t = m->n_trees;

	m->tree_first = seg_realloc(m->tree_first, sizeof(int) * (size_t) (t + 2));
	m->tree_margin = seg_realloc(m->tree_margin, sizeof(int) * (size_t) (t + 1));
	m->tree_first[t] = m->n_nodes;
	m->tree_margin[t] = margin;
}

static void
ReserveNodes(TreeModel *m, int n)
{
	int			cap = m->cap_nodes;

	if (n <= cap)
		return;
	while (cap < n)
		cap = cap < 64 ? 128 : cap * 2;
	m->feature = seg_realloc(m->feature, sizeof(int32_t) * (size_t) cap);
	m->flags = seg_realloc(m->flags, (size_t) cap);
	m->left = seg_realloc(m->left, sizeof(int32_t) * (size_t) cap);
	m->threshold = seg_realloc(m->threshold, sizeof(double) * (size_t) cap);
	m->bitset = seg_realloc(m->bitset, sizeof(int32_t) * (size_t) cap);
	m->cover = seg_realloc(m->cover, sizeof(double) * (size_t) cap);
	m->gain = seg_realloc(m->gain, sizeof(double) * (size_t) cap);
	m->value = seg_realloc(m->value, sizeof(double) * (size_t) cap * m->n_values);
	m->cap_nodes = cap;
}

int
tree_model_add_node(TreeModel *m, double cover, const double *value)
{
	int			i = m->n_nodes;

	ReserveNodes(m, i + 1);
	m->feature[i] = -1;
	m->flags[i] = 0;
	m->left[i] = -1;
	m->threshold[i] = 0;
	m->bitset[i] = -1;
	m->cover[i] = cover;
	m->gain[i] = 0;
	for (int k = 0; k < m->n_values; k++)
		m->value[(size_t) i * m->n_values + k] = value != NULL ? value[k] : 0.0;
	m->n_nodes++;
	return i - m->tree_first[m->n_trees];
}

void
tree_model_set_numeric(TreeModel *m, int node, int feature, double threshold,
					   bool missing_left, double gain, int left)
{
	int			first = m->tree_first[m->n_trees];
	int			i = first + node;

	m->feature[i] = feature;
	m->flags[i] = missing_left ? TREE_NODE_MISSING_LEFT : 0;
	m->threshold[i] = threshold;
	m->gain[i] = gain;
	m->left[i] = first + left;
}

void
tree_model_set_categorical(TreeModel *m, int node, int feature, const uint64_t *codes,
						   bool missing_left, double gain, int left)
{
	int			first = m->tree_first[m->n_trees];
	int			i = first + node;
	int			words = TREE_BITSET_WORDS(m->n_categories[feature]);

	if (m->n_words + words > m->cap_words)
	{
		int			cap = m->cap_words < 64 ? 64 : m->cap_words;

		while (cap < m->n_words + words)
			cap *= 2;
		m->bitsets = seg_realloc(m->bitsets, sizeof(uint64_t) * (size_t) cap);
		m->cap_words = cap;
	}
	memcpy(m->bitsets + m->n_words, codes, sizeof(uint64_t) * (size_t) words);
	m->bitset[i] = m->n_words;
	m->n_words += words;
	m->feature[i] = feature;
	m->flags[i] = TREE_NODE_CATEGORICAL | (missing_left ? TREE_NODE_MISSING_LEFT : 0);
	m->threshold[i] = 0;
	m->gain[i] = gain;
	m->left[i] = first + left;
}

void
tree_model_end_tree(TreeModel *m)
{
	m->n_trees++;
	m->tree_first[m->n_trees] = m->n_nodes;
}

void
tree_model_truncate(TreeModel *m, int n_trees)
{
	if (n_trees >= m->n_trees)
		return;
	m->n_trees = n_trees;
	m->n_nodes = m->tree_first[n_trees];
}

/*
 * Depth of tree t (a lone leaf has depth 0), iteratively: children come
 * after their parent, so one pass in node order sees every parent first.
 */
int
tree_model_tree_depth(const TreeModel *m, int t, int *scratch)
{
	int			first = m->tree_first[t];
	int			n = m->tree_first[t + 1] - first;
	int			max = 0;

	scratch[0] = 0;
	for (int i = 0; i < n; i++)
	{
		int			l = m->left[first + i] - first;

		if (m->feature[first + i] < 0)
		{
			if (scratch[i] > max)
				max = scratch[i];
			continue;
		}
		scratch[l] = scratch[l + 1] = scratch[i] + 1;
	}
	return max;
}

void
tree_model_finish(TreeModel *m)
{
	int		   *scratch = seg_alloc(sizeof(int) * (size_t) (m->n_nodes + 1));

	m->max_depth = 0;
	for (int t = 0; t < m->n_trees; t++)
	{
		int			depth = tree_model_tree_depth(m, t, scratch);

		if (depth > m->max_depth)
			m->max_depth = depth;
	}
	seg_free(scratch);
	if (m->fast != NULL)
		tree_fast_free(m->fast);
	m->fast = NULL;
	tree_fast_build(m);
}

void
tree_model_free(TreeModel *m)
{
	if (m == NULL)
		return;
	if (m->fast != NULL)
		tree_fast_free(m->fast);
	for (int j = 0; j < m->n_inputs; j++)
		seg_free(m->known[j]);
	seg_free(m->known);
	seg_free(m->n_categories);
	seg_free(m->base);
	seg_free(m->tree_first);
	seg_free(m->tree_margin);
	seg_free(m->feature);
	seg_free(m->flags);
	seg_free(m->left);
	seg_free(m->threshold);
	seg_free(m->bitset);
	seg_free(m->cover);
	seg_free(m->gain);
	seg_free(m->value);
	seg_free(m->bitsets);
	seg_free(m);
}

void
tree_model_importances(const TreeModel *m, double *out)
{
	double		total = 0;
	double	   *tree_gain = seg_alloc0(sizeof(double) * (size_t) (m->n_inputs + 1));

	memset(out, 0, sizeof(double) * (size_t) m->n_inputs);
	for (int t = 0; t < m->n_trees; t++)
	{
		double		sum = 0;

		memset(tree_gain, 0, sizeof(double) * (size_t) m->n_inputs);
		for (int i = m->tree_first[t]; i < m->tree_first[t + 1]; i++)
			if (m->feature[i] >= 0 && m->gain[i] > 0)
			{
				tree_gain[m->feature[i]] += m->gain[i];
				sum += m->gain[i];
			}
		if (sum <= 0)
			continue;
		for (int j = 0; j < m->n_inputs; j++)
			out[j] += m->kind == TREE_KIND_FOREST ? tree_gain[j] / sum : tree_gain[j];
	}
	for (int j = 0; j < m->n_inputs; j++)
		total += out[j];
	if (total > 0)
		for (int j = 0; j < m->n_inputs; j++)
			out[j] /= total;
	seg_free(tree_gain);
}
