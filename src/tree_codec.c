/*-------------------------------------------------------------------------
 *
 * tree_codec.c
 *	  Payload of tree models.
 *
 *	u16  codec version (TREE_CODEC_VERSION)
 *	u8   kind (TreeKind), u8 link (TreeLink)
 *	u32  inputs, margins, values per leaf, iterations
 *	f64  scale, base[margins]
 *	u64  per categorical input, the codes seen at fit (a bitset)
 *	u32  trees, then per tree: u32 margin (boosted) or 0xffffffff, u32 nodes,
 *	     and per node:
 *	       i32 feature (-1: leaf), f64 cover,
 *	       leaf:      f64 value[values per leaf]
 *	       internal:  u8 flags, u32 left child (index in the tree), f64 gain,
 *	                  then f64 threshold, or the left codes' bitset (u64
 *	                  words, as many as the input's categories need)
 *
 * The reader checks every count against the bytes left before allocating,
 * each child index against its parent (after it, inside the tree, every
 * node the child of exactly one parent: no cycles, nothing unreachable),
 * each feature against the schema and its kind, every number for
 * finiteness (a threshold may be +inf), the bits of every bitset beyond
 * the categories for zero, and each tree's depth against TREE_DEPTH_LIMIT.
 *
 * IDENTIFICATION
 *	  src/tree_codec.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tree_model.h"

#define TREE_CODEC_VERSION 1
#define NO_MARGIN 0xffffffffu
/* the fewest bytes a node takes (a leaf with one value) */
#define MIN_NODE_BYTES (4 + 8 + 8)

void
tree_model_write(SegWriter *w, const TreeModel *m)
{
	writer_put_u16(w, TREE_CODEC_VERSION);
	writer_put_u8(w, (uint8_t) m->kind);
	writer_put_u8(w, (uint8_t) m->link);
	writer_put_u32(w, (uint32_t) m->n_inputs);
	writer_put_u32(w, (uint32_t) m->n_margins);
	writer_put_u32(w, (uint32_t) m->n_values);
	writer_put_u32(w, (uint32_t) m->iterations);
	writer_put_f64(w, m->scale);
	writer_put_f64_array(w, m->base, (size_t) m->n_margins);
	for (int j = 0; j < m->n_inputs; j++)
		for (int k = 0; m->known[j] != NULL && k < TREE_BITSET_WORDS(m->n_categories[j]); k++)
			writer_put_u64(w, m->known[j][k]);
	writer_put_u32(w, (uint32_t) m->n_trees);
	for (int t = 0; t < m->n_trees; t++)
	{
		int			first = m->tree_first[t];
		int			n = m->tree_first[t + 1] - first;

		writer_put_u32(w, m->kind == TREE_KIND_BOOSTED ? (uint32_t) m->tree_margin[t] : NO_MARGIN);
		writer_put_u32(w, (uint32_t) n);
		for (int i = first; i < first + n; i++)
		{
			int			j = m->feature[i];

			writer_put_u32(w, (uint32_t) j);
			writer_put_f64(w, m->cover[i]);
			if (j < 0)
			{
				writer_put_f64_array(w, m->value + (size_t) i * m->n_values,
									 (size_t) m->n_values);
				continue;
			}
			writer_put_u8(w, m->flags[i]);
			writer_put_u32(w, (uint32_t) (m->left[i] - first));
			writer_put_f64(w, m->gain[i]);
			if (m->flags[i] & TREE_NODE_CATEGORICAL)
				for (int k = 0; k < TREE_BITSET_WORDS(m->n_categories[j]); k++)
					writer_put_u64(w, m->bitsets[m->bitset[i] + k]);
			else
				writer_put_f64(w, m->threshold[i]);
		}
	}
}

static SegStatus
Fail(TreeModel *m, char *errmsg, const char *what)
{
	snprintf(errmsg, SEG_ERRMSG_LEN, "tree model: %s", what);
	tree_model_free(m);
	return SEG_ERR_CORRUPT;
}

/* Reads a bitset of n_categories bits; false when bits past them are set. */
static bool
ReadBitset(SegReader *r, int n_categories, uint64_t *out)
{
	int			words = TREE_BITSET_WORDS(n_categories);

	for (int k = 0; k < words; k++)
		out[k] = reader_get_u64(r);
	if (r->failed)
		return false;
	if (n_categories % 64 != 0 &&
		(out[words - 1] >> (n_categories % 64)) != 0)
		return false;
	return true;
}

/* Reads the nodes of the current tree; NULL or a reason. */
static const char *
ReadTree(SegReader *r, TreeModel *m, uint32_t n_nodes, uint8_t *parents, uint64_t *codes)
{
	memset(parents, 0, n_nodes);
	for (uint32_t i = 0; i < n_nodes; i++)
	{
		int32_t		j = (int32_t) reader_get_u32(r);
		double		cover = reader_get_f64(r);
		double	   *value;
		uint8_t		flags;
		uint32_t	left;
		double		gain;

		if (r->failed)
			return "truncated node";
		if (j < -1 || j >= m->n_inputs)
			return "node feature out of range";
		if (!isfinite(cover) || cover < 0)
			return "bad node cover";
		if (j < 0)
		{
			value = reader_get_f64_array(r, (size_t) m->n_values);
			if (value == NULL)
				return "truncated leaf";
			for (int k = 0; k < m->n_values; k++)
				if (!isfinite(value[k]))
				{
					seg_free(value);
					return "leaf value not finite";
				}
			tree_model_add_node(m, cover, value);
			seg_free(value);
			continue;
		}
		flags = reader_get_u8(r);
		left = reader_get_u32(r);
		gain = reader_get_f64(r);
		if (r->failed)
			return "truncated node";
		if (cover <= 0)
			return "split node without cover";
		if (flags & ~(TREE_NODE_MISSING_LEFT | TREE_NODE_CATEGORICAL))
			return "unknown node flags";
		if (((flags & TREE_NODE_CATEGORICAL) != 0) != (m->known[j] != NULL))
			return "split kind does not match its input";
		if (left <= i || left >= n_nodes - 1 || parents[left] || parents[left + 1])
			return "bad child index";
		parents[left] = parents[left + 1] = 1;
		if (!isfinite(gain))
			return "split gain not finite";
		tree_model_add_node(m, cover, NULL);
		if (flags & TREE_NODE_CATEGORICAL)
		{
			if (!ReadBitset(r, m->n_categories[j], codes))
				return "bad category bitset";
			tree_model_set_categorical(m, (int) i, j, codes,
									   (flags & TREE_NODE_MISSING_LEFT) != 0, gain, (int) left);
		}
		else
		{
			double		threshold = reader_get_f64(r);

			if (r->failed)
				return "truncated node";
			if (isnan(threshold) || threshold == -INFINITY)
				return "bad split threshold";
			tree_model_set_numeric(m, (int) i, j, threshold,
								   (flags & TREE_NODE_MISSING_LEFT) != 0, gain, (int) left);
		}
	}
	for (uint32_t i = 1; i < n_nodes; i++)
		if (!parents[i])
			return "node without parent";
	return NULL;
}

SegStatus
tree_model_read(SegReader *r, const SegInputSchema *schema, TreeModel **out, char *errmsg)
{
	uint16_t	version = reader_get_u16(r);
	uint8_t		kind = reader_get_u8(r);
	uint8_t		link = reader_get_u8(r);
	uint32_t	n_inputs = reader_get_u32(r);
	uint32_t	n_margins = reader_get_u32(r);
	uint32_t	n_values = reader_get_u32(r);
	uint32_t	iterations = reader_get_u32(r);
	double		scale = reader_get_f64(r);
	TreeModel  *m;
	uint32_t	n_trees;
	uint8_t    *parents = NULL;
	int		   *depth_scratch = NULL;
	uint64_t   *codes;
	int			max_words = 1;

	if (r->failed)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "tree model: truncated header");
		return SEG_ERR_CORRUPT;
	}
	if (version > TREE_CODEC_VERSION)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "tree model codec version %u is newer than this build reads (%d)",
				 version, TREE_CODEC_VERSION);
		return SEG_ERR_UNSUPPORTED;
	}
	if (version == 0 || kind > TREE_KIND_FOREST || link > TREE_LINK_SOFTMAX ||
		n_inputs != (uint32_t) schema->n_inputs || n_margins == 0 ||
		n_margins > reader_remaining(r) / 8 || iterations > INT32_MAX ||
		!(n_values == 1 || (kind == TREE_KIND_FOREST && n_values == n_margins)) ||
		(link == TREE_LINK_LOGISTIC && n_margins != 1) ||
		(link == TREE_LINK_SOFTMAX && n_margins < 2) ||
		!isfinite(scale) || scale <= 0)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "tree model: bad header");
		return SEG_ERR_CORRUPT;
	}
	m = tree_model_new((TreeKind) kind, (TreeLink) link, schema, (int) n_margins, (int) n_values);
	m->scale = scale;
	m->iterations = (int) iterations;
	for (uint32_t k = 0; k < n_margins; k++)
	{
		m->base[k] = reader_get_f64(r);
		if (!isfinite(m->base[k]))
			return Fail(m, errmsg, "base value not finite");
	}
	for (int j = 0; j < m->n_inputs; j++)
		if (m->known[j] != NULL && !ReadBitset(r, m->n_categories[j], m->known[j]))
			return Fail(m, errmsg, "bad bitset of known categories");

	for (int j = 0; j < m->n_inputs; j++)
		if (TREE_BITSET_WORDS(m->n_categories[j]) > max_words)
			max_words = TREE_BITSET_WORDS(m->n_categories[j]);
	codes = seg_alloc(sizeof(uint64_t) * (size_t) max_words);

	n_trees = reader_get_u32(r);
	if (r->failed || n_trees > reader_remaining(r) / (8 + MIN_NODE_BYTES))
	{
		seg_free(codes);
		return Fail(m, errmsg, "bad tree count");
	}
	for (uint32_t t = 0; t < n_trees; t++)
	{
		uint32_t	margin = reader_get_u32(r);
		uint32_t	n_nodes = reader_get_u32(r);
		const char *bad;

		if (r->failed || n_nodes == 0 || n_nodes > reader_remaining(r) / MIN_NODE_BYTES ||
			(uint64_t) m->n_nodes + n_nodes > INT32_MAX / 2)
		{
			seg_free(parents);
			seg_free(depth_scratch);
			seg_free(codes);
			return Fail(m, errmsg, "bad node count");
		}
		if (kind == TREE_KIND_BOOSTED ? margin >= n_margins : margin != NO_MARGIN)
		{
			seg_free(parents);
			seg_free(depth_scratch);
			seg_free(codes);
			return Fail(m, errmsg, "bad tree margin");
		}
		parents = seg_realloc(parents, n_nodes);
		depth_scratch = seg_realloc(depth_scratch, sizeof(int) * n_nodes);
		tree_model_begin_tree(m, kind == TREE_KIND_BOOSTED ? (int) margin : -1);
		bad = ReadTree(r, m, n_nodes, parents, codes);
		if (bad == NULL)
		{
			tree_model_end_tree(m);
			if (tree_model_tree_depth(m, (int) t, depth_scratch) > TREE_DEPTH_LIMIT)
				bad = "tree deeper than the limit";
		}
		if (bad != NULL)
		{
			seg_free(parents);
			seg_free(depth_scratch);
			seg_free(codes);
			return Fail(m, errmsg, bad);
		}
	}
	seg_free(parents);
	seg_free(depth_scratch);
	seg_free(codes);
	tree_model_finish(m);
	*out = m;
	return SEG_OK;
}
