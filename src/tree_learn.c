/*-------------------------------------------------------------------------
 *
 * tree_learn.c
 *	  Shared parts of the tree learners (see tree_learn.h).
 *
 * IDENTIFICATION
 *	  src/tree_learn.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tree_learn.h"

static SegStatus
CheckPart(const SegLearnProblem *pb, const SegLearnSet *s, const char *part,
		  const char *learner, char *errmsg)
{
	for (int i = 0; i < s->n; i++)
	{
		if (pb->task == SEG_TASK_CLASSIFICATION)
		{
			if (s->y_class[i] < 0 || s->y_class[i] >= pb->n_classes)
			{
				snprintf(errmsg, SEG_ERRMSG_LEN,
						 "%s: class %d of %s row %d is not in 0 .. %d", learner,
						 s->y_class[i], part, i, pb->n_classes - 1);
				return SEG_ERR_INVALID;
			}
		}
		else if (!isfinite(s->y_value[i]))
		{
			snprintf(errmsg, SEG_ERRMSG_LEN, "%s: target of %s row %d is not finite (%g)",
					 learner, part, i, s->y_value[i]);
			return SEG_ERR_INVALID;
		}
	}
	return SEG_OK;
}

SegStatus
tree_learn_check(const SegLearnProblem *pb, const char *learner, char *errmsg)
{
	SegStatus	status;

	if (pb->schema == NULL || pb->schema->form != SEG_INPUT_RAW)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s takes its inputs in RAW form", learner);
		return SEG_ERR_INVALID;
	}
	if (pb->train.n < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s: no train rows", learner);
		return SEG_ERR_INVALID;
	}
	if (pb->task == SEG_TASK_CLASSIFICATION)
	{
		if (pb->n_classes < 2 || pb->train.y_class == NULL ||
			(pb->val.n > 0 && pb->val.y_class == NULL))
		{
			snprintf(errmsg, SEG_ERRMSG_LEN, "%s: classification needs two classes or more",
					 learner);
			return SEG_ERR_INVALID;
		}
		for (int k = 0; pb->class_weight != NULL && k < pb->n_classes; k++)
			if (!isfinite(pb->class_weight[k]) || pb->class_weight[k] < 0)
			{
				snprintf(errmsg, SEG_ERRMSG_LEN, "%s: class weight %d is %g", learner, k,
						 pb->class_weight[k]);
				return SEG_ERR_INVALID;
			}
	}
	else if (pb->train.y_value == NULL || (pb->val.n > 0 && pb->val.y_value == NULL))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s: regression needs target values", learner);
		return SEG_ERR_INVALID;
	}
	status = CheckPart(pb, &pb->train, "train", learner, errmsg);
	if (status == SEG_OK)
		status = CheckPart(pb, &pb->val, "validation", learner, errmsg);
	return status;
}

void
tree_learn_known_codes(TreeModel *m, const TreeBinMapper *bm)
{
	for (int j = 0; j < bm->n_inputs; j++)
		if (bm->categorical[j])
			for (int c = 0; c < bm->n_categories[j]; c++)
				if (bm->code_bin[j][c] != bm->n_bins[j])
					tree_model_set_known(m, j, c);
}

void
tree_learn_append(TreeModel *m, const TreeGrown *g, const TreeBinMapper *bm, int margin)
{
	int			words = 1;
	uint64_t   *codes;

	for (int j = 0; j < bm->n_inputs; j++)
		if (bm->categorical[j] && TREE_BITSET_WORDS(bm->n_categories[j]) > words)
			words = TREE_BITSET_WORDS(bm->n_categories[j]);
	codes = seg_alloc(sizeof(uint64_t) * (size_t) words);

	tree_model_begin_tree(m, margin);
	for (int i = 0; i < g->n_nodes; i++)
		tree_model_add_node(m, g->nodes[i].count, g->values + (size_t) i * g->n_outputs);
	for (int i = 0; i < g->n_nodes; i++)
	{
		const TreeGrownNode *node = &g->nodes[i];
		int			j = node->feature;

		if (j < 0)
			continue;
		if (node->categorical)
		{
			memset(codes, 0, sizeof(uint64_t) * (size_t) words);
			for (int c = 0; c < bm->n_categories[j]; c++)
			{
				int			b = bm->code_bin[j][c];

				if (b < bm->n_bins[j] && ((node->left_bins[b >> 6] >> (b & 63)) & 1))
					codes[c >> 6] |= UINT64_C(1) << (c & 63);
			}
			tree_model_set_categorical(m, i, j, codes, node->missing_left, node->gain,
									   node->left);
		}
		else
		{
			/* a split on the last real bin keeps every number left */
			double		threshold = node->bin < bm->n_bins[j] - 1 ?
				bm->thresholds[j][node->bin] : INFINITY;

			tree_model_set_numeric(m, i, j, threshold, node->missing_left, node->gain,
								   node->left);
		}
	}
	tree_model_end_tree(m);
	seg_free(codes);
}

SegStatus
tree_learn_check_shape(const TreeModel *m, const SegModelShape *shape, TreeKind kind,
					   char *errmsg)
{
	bool		ok = m->kind == kind && tree_model_n_outputs(m) == shape->n_outputs;

	if (shape->task == SEG_TASK_REGRESSION)
		ok = ok && m->link == TREE_LINK_IDENTITY && m->n_margins == 1;
	else if (kind == TREE_KIND_BOOSTED)
		ok = ok && m->link != TREE_LINK_IDENTITY && shape->n_outputs >= 2;
	else
		ok = ok && m->link == TREE_LINK_IDENTITY && m->n_values == m->n_margins &&
			shape->n_outputs >= 2;
	if (!ok)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "tree model: does not match its envelope");
		return SEG_ERR_CORRUPT;
	}
	return SEG_OK;
}

void
tree_learn_progress(const SegLearnContext *ctx, const char *fmt,...)
{
	char		line[256];
	int			len = 0;
	va_list		ap;

	if (ctx->hooks == NULL || ctx->hooks->progress == NULL)
		return;
	if (ctx->progress_label != NULL)
		len = snprintf(line, sizeof(line), "%s: ", ctx->progress_label);
	if (len < 0 || len >= (int) sizeof(line))
		len = 0;
	va_start(ap, fmt);
	vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	seg_progress(ctx->hooks, line);
}

void
tree_learn_predict(const void *model, const double *x, int n, double *out)
{
	tree_model_predict(model, x, n, out);
}

int
tree_learn_row_scratch(const void *model)
{
	return tree_model_row_scratch(model);
}

void
tree_learn_predict_row(const void *model, const double *x, double *out, double *scratch)
{
	tree_model_predict_row(model, x, out, scratch);
}

void
tree_learn_write(SegWriter *w, const void *model)
{
	tree_model_write(w, model);
}

void
tree_learn_free(void *model)
{
	tree_model_free(model);
}

void
tree_learn_describe(const void *model, const SegInfoSink *sink)
{
	const TreeModel *m = model;
	int			leaves = 0;

	for (int i = 0; i < m->n_nodes; i++)
		leaves += m->feature[i] < 0;
	sink->number(sink->ctx, "trees", m->n_trees);
	sink->number(sink->ctx, "iterations", m->iterations);
	sink->number(sink->ctx, "leaves", leaves);
	sink->number(sink->ctx, "nodes", m->n_nodes);
	sink->number(sink->ctx, "max_depth", m->max_depth);
}

int
tree_learn_n_margins(const void *model)
{
	return ((const TreeModel *) model)->n_margins;
}

void
tree_learn_margin_row(const void *model, const double *x, double *margin, double *scratch)
{
	tree_model_margins_row(model, x, margin, scratch);
}

void
tree_learn_margins(const void *model, const double *x, int n, double *out)
{
	tree_model_margins(model, x, n, out);
}

void
tree_learn_importances(const void *model, double *out)
{
	tree_model_importances(model, out);
}

void
tree_learn_contributions(const void *model, const double *x, double *phi)
{
	tree_model_contributions(model, x, phi);
}

int
tree_learn_n_trees(const void *model)
{
	return ((const TreeModel *) model)->n_trees;
}

int
tree_learn_rules(const void *model, int t, const SegInputSchema *schema,
				 const char *const *const *category_names, SegRule **rules)
{
	return tree_model_rules(model, t, schema, category_names, rules);
}
