/*-------------------------------------------------------------------------
 *
 * tree_shap.c
 *	  Exact path-dependent TreeSHAP (Lundberg, Erion and Lee, "Consistent
 *	  individualized feature attribution for tree ensembles", 2018,
 *	  Algorithm 2), as XGBoost and the shap package compute it.
 *
 * The value of a coalition S of inputs is the tree's expectation when the
 * inputs of S are those of the row and the others unknown: at a split on
 * an unknown input the expectation weighs both children by the share of
 * training rows (the node covers) that went each way.  Algorithm 2 gets
 * all Shapley values of that game in one walk of the tree, keeping along
 * the path from the root the proportion of subsets of each size that
 * reach the node ("extend"), and undoing the earlier split on an input
 * that is split on again ("unwind").  It is exact; test_trees.c checks it
 * against the Shapley formula over all subsets.
 *
 * IDENTIFICATION
 *	  src/tree_shap.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "tree_model.h"

typedef struct PathElement
{
	int			feature;
	double		zero;			/* share of the cover when the input is unknown */
	double		one;			/* 1 when the row goes this way, else 0 */
	double		weight;			/* permutation weight */
} PathElement;

typedef struct ShapWalk
{
	const TreeModel *m;
	const double *x;
	double	   *phi;
	int			margin;			/* boosted: the tree's margin; forests: -1 */
} ShapWalk;

static void
Extend(PathElement *path, int depth, double zero, double one, int feature)
{
	path[depth].feature = feature;
	path[depth].zero = zero;
	path[depth].one = one;
	path[depth].weight = depth == 0 ? 1.0 : 0.0;
	for (int i = depth - 1; i >= 0; i--)
	{
		path[i + 1].weight += one * path[i].weight * (i + 1) / (double) (depth + 1);
		path[i].weight = zero * path[i].weight * (depth - i) / (double) (depth + 1);
	}
}

static void
Unwind(PathElement *path, int depth, int index)
{
	double		one = path[index].one;
	double		zero = path[index].zero;
	double		next = path[depth].weight;

	for (int i = depth - 1; i >= 0; i--)
	{
		if (one != 0)
		{
			double		t = path[i].weight;

			path[i].weight = next * (depth + 1) / ((double) (i + 1) * one);
			next = t - path[i].weight * zero * (depth - i) / (double) (depth + 1);
		}
		else
			path[i].weight = path[i].weight * (depth + 1) / (zero * (depth - i));
	}
	for (int i = index; i < depth; i++)
	{
		path[i].feature = path[i + 1].feature;
		path[i].zero = path[i + 1].zero;
		path[i].one = path[i + 1].one;
	}
}

/* The total permutation weight if the extension at index were undone. */
static double
UnwoundSum(const PathElement *path, int depth, int index)
{
	double		one = path[index].one;
	double		zero = path[index].zero;
	double		next = path[depth].weight;
	double		total = 0;

	for (int i = depth - 1; i >= 0; i--)
	{
		if (one != 0)
		{
			double		t = next * (depth + 1) / ((double) (i + 1) * one);

			total += t;
			next = path[i].weight - t * zero * ((depth - i) / (double) (depth + 1));
		}
		else
			total += (path[i].weight / zero) / ((depth - i) / (double) (depth + 1));
	}
	return total;
}

static void
Recurse(const ShapWalk *w, int node, int depth, PathElement *parent, double zero,
		double one, int feature)
{
	const TreeModel *m = w->m;
	PathElement *path = parent + depth + 1;

	memcpy(path, parent, sizeof(PathElement) * (size_t) (depth + 1));
	Extend(path, depth, zero, one, feature);

	if (m->feature[node] < 0)
	{
		const double *value = m->value + (size_t) node * m->n_values;
		int			M = m->n_margins;

		for (int i = 1; i <= depth; i++)
		{
			double		s = UnwoundSum(path, depth, i) * (path[i].one - path[i].zero) *
				m->scale;
			double	   *row = w->phi + (size_t) path[i].feature * M;

			if (w->margin >= 0)
				row[w->margin] += s * value[0];
			else
				for (int k = 0; k < m->n_values; k++)
					row[k] += s * value[k];
		}
	}
	else
	{
		int			j = m->feature[node];
		int			hot = m->left[node] + (tree_model_goes_left(m, node, w->x) ? 0 : 1);
		int			cold = hot == m->left[node] ? hot + 1 : m->left[node];
		double		cover = m->cover[node];
		double		in_zero = 1;
		double		in_one = 1;
		int			k;

		/* an input split on before: undo that split, to redo it here */
		for (k = 1; k <= depth; k++)
			if (path[k].feature == j)
				break;
		if (k <= depth)
		{
			in_zero = path[k].zero;
			in_one = path[k].one;
			Unwind(path, depth, k);
			depth--;
		}
		Recurse(w, hot, depth + 1, path, m->cover[hot] / cover * in_zero, in_one, j);
		Recurse(w, cold, depth + 1, path, m->cover[cold] / cover * in_zero, 0, j);
	}
}

void
tree_model_expected_value(const TreeModel *m, int t, double *out)
{
	int			first = m->tree_first[t];
	int			n = m->tree_first[t + 1] - first;
	int			V = m->n_values;
	double	   *e = seg_alloc(sizeof(double) * (size_t) n * V);

	/* children come after their parent: walk back from the last node */
	for (int i = n - 1; i >= 0; i--)
	{
		int			node = first + i;

		if (m->feature[node] < 0)
			memcpy(e + (size_t) i * V, m->value + (size_t) node * V, sizeof(double) * V);
		else
		{
			int			l = m->left[node] - first;

			for (int k = 0; k < V; k++)
				e[(size_t) i * V + k] =
					(m->cover[first + l] * e[(size_t) l * V + k] +
					 m->cover[first + l + 1] * e[(size_t) (l + 1) * V + k]) / m->cover[node];
		}
	}
	memcpy(out, e, sizeof(double) * V);
	seg_free(e);
}

void
tree_model_contributions(const TreeModel *m, const double *x, double *phi)
{
	int			M = m->n_margins;
	int			D = m->max_depth + 2;
	PathElement *paths = seg_alloc(sizeof(PathElement) * (size_t) ((D + 1) * (D + 2) / 2 + 1));
	double	   *expected = seg_alloc(sizeof(double) * (size_t) m->n_values);
	double	   *base = phi + (size_t) m->n_inputs * M;
	ShapWalk	w;

	memset(phi, 0, sizeof(double) * (size_t) (m->n_inputs + 1) * M);
	w.m = m;
	w.x = x;
	w.phi = phi;
	for (int t = 0; t < m->n_trees; t++)
	{
		w.margin = m->kind == TREE_KIND_BOOSTED ? m->tree_margin[t] : -1;
		tree_model_expected_value(m, t, expected);
		if (w.margin >= 0)
			base[w.margin] += m->scale * expected[0];
		else
			for (int k = 0; k < m->n_values; k++)
				base[k] += m->scale * expected[k];
		Recurse(&w, m->tree_first[t], 0, paths, 1.0, 1.0, -1);
	}
	for (int k = 0; k < M; k++)
		base[k] += m->base[k];
	seg_free(paths);
	seg_free(expected);
}
