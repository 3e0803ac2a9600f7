/*-------------------------------------------------------------------------
 *
 * tree_predict.c
 *	  Prediction of tree models, one row at a time without allocating.
 *
 * Walking a tree is a chain of dependent loads (node, the row's value,
 * next node), about ten levels deep for a leaf-wise tree of 31 leaves;
 * the work of a row is the sum of those chains over all its trees.  Two
 * layouts cut it down, both built once when a model is finished or read:
 *
 * Compact trees (at most 32 leaves), on CPUs with AVX-512 VBMI.  The row
 * is first reduced to one rank per input: how many of the model's
 * thresholds on that input lie below its value (a binary search).  A
 * numeric node then sends a row right exactly when the row's rank exceeds
 * the rank of the node's threshold, so a tree's internal nodes become two
 * byte vectors (input, threshold rank) and a single byte permutation and
 * comparison evaluate every node of two trees at once into a bit mask C.
 * Each leaf is reached when C agrees with its path on its ancestors:
 * (C ^ path) & ancestors == 0, tested for 16 leaves per instruction.
 * No step depends on the previous one and nothing branches on the data.
 * That is how blocks of rows find their leaves, the trees' masks loaded
 * once per block.  One row alone reads every tree's masks for itself, and
 * was bound by those reads from L2 (96 KB a row for 300 trees): it finds
 * its leaves from masks of half the size instead, one per internal node
 * (QuickScorer): the leaves left when the node sends the row right.  With
 * the leaves numbered left to right, the AND of the masks of the nodes C
 * sends right keeps the leaf reached as its lowest bit.
 *
 * Other trees (deeper ones, or any tree without AVX-512 VBMI) are walked
 * several at once: each step moves every tree of a group of TREE_GROUP one
 * level down, so their chains overlap; a leaf leads to itself, so trees
 * already at their leaf stay there.  Groups hold trees of one margin and
 * similar depth.  A step is one comparison on an extended copy of the
 * row: its first n_inputs values have NaN replaced by -inf (read by nodes
 * that send NaN left), the next n_inputs are the row as it is (read by
 * the others: !(NaN <= t) sends NaN right).
 *
 * Missing values in ranks work the same way: a row has two ranks per
 * input, 0 for NaN (read by nodes that send it left) and 255 (by the
 * others), which is why a model qualifies for the compact layout only
 * with at most 255 distinct thresholds per input.  Categorical nodes, not
 * comparisons, are tested one by one and their bits added to C.
 *
 * IDENTIFICATION
 *	  src/tree_predict.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tree_model.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_COMPACT_KERNEL 1
#define COMPACT_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi")))
#endif

#define TREE_GROUP 8
/* rows a block prediction takes through the compact trees together */
#define TREE_BLOCK 8
/* compact trees: leaves per tree, and the rank slot that is always 0 */
#define COMPACT_LEAVES 32
#define ZERO_SLOT 63
/* rank of NaN for nodes that send it right */
#define RANK_NAN_RIGHT 255

typedef struct FastNode
{
	double		threshold;
	int32_t		fx;				/* position in the extended row; -1: categorical */
	int32_t		next;			/* the left child; right = next + 1; a leaf: itself */
} FastNode;

/* A compact tree's leaves: ancestors and path (bit i: right at internal node i). */
typedef struct CompactLeaves
{
	uint32_t	ancestors[COMPACT_LEAVES];
	uint32_t	path[COMPACT_LEAVES];
} CompactLeaves;

struct TreeFast
{
	/* walked trees, in groups */
	int			n_groups;
	FastNode   *nodes;			/* the model's nodes, then one empty leaf */
	int		   *roots;			/* n_groups x TREE_GROUP */
	int		   *group_margin;	/* boosted: the margin of the group's trees */
	int		   *steps;			/* per group: its deepest tree */
	double	   *leaf_value;		/* n_values == 1: the node's value */

	/* compact trees, two per 64-byte row of inputs and threshold ranks */
	int			n_compact;		/* even: the last one may be empty */
	uint8_t    *input;			/* n_compact x 32: rank slot per internal node */
	uint8_t    *rank;			/* n_compact x 32: threshold rank per internal node */
	CompactLeaves *leaves;
	uint32_t   *keep;			/* n_compact x 32: leaves left when internal node b goes right */
	double	   *compact_value;	/* n_compact x 32 x n_values */
	int		   *compact_margin; /* boosted: the tree's margin */
	int		   *cat_first;		/* n_compact + 1: categorical nodes of each tree */
	int		   *cat_node;		/* the model node */
	uint8_t    *cat_bit;		/* its internal-node bit */

	/* the model's thresholds per input, sorted and distinct (for ranks) */
	double	  **edges;
	int		   *n_edges;
	void	   *mem;			/* compact arrays, aligned to 64 bytes */

	/*
	 * The same edges for the vector rank search: per input, 256 edges in
	 * blocks of 8 padded with +inf, and the last edge of each block (32)
	 */
	double	   *blocks;			/* n_inputs x 256 */
	double	   *pivots;			/* n_inputs x 32 */
	void	   *rank_mem;
};

void		tree_fast_build(TreeModel *m);
void		tree_fast_free(TreeFast *f);

bool
tree_model_goes_left(const TreeModel *m, int node, const double *x)
{
	int			j = m->feature[node];
	double		v = x[j];
	bool		missing_left = (m->flags[node] & TREE_NODE_MISSING_LEFT) != 0;

	if (m->flags[node] & TREE_NODE_CATEGORICAL)
	{
		const uint64_t *known = m->known[j];
		const uint64_t *left = m->bitsets + m->bitset[node];
		int			c;

		if (!(v >= 0 && v < m->n_categories[j]))
			return missing_left;
		c = (int) v;
		if (!((known[c >> 6] >> (c & 63)) & 1))
			return missing_left;
		return (left[c >> 6] >> (c & 63)) & 1;
	}
	if (isnan(v))
		return missing_left;
	return v <= m->threshold[node];
}

int
tree_model_leaf(const TreeModel *m, int t, const double *x)
{
	int			node = m->tree_first[t];

	while (m->feature[node] >= 0)
		node = m->left[node] + (tree_model_goes_left(m, node, x) ? 0 : 1);
	return node;
}

/* ---- building ---- */

static int
CompareDoubles(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Sorted distinct thresholds of each numeric input; false when one has more than 255. */
static bool
BuildEdges(const TreeModel *m, TreeFast *f)
{
	bool		fits = true;

	f->edges = seg_alloc0(sizeof(double *) * (size_t) (m->n_inputs + 1));
	f->n_edges = seg_alloc0(sizeof(int) * (size_t) (m->n_inputs + 1));
	for (int j = 0; j < m->n_inputs; j++)
	{
		double	   *e = seg_alloc(sizeof(double) * (size_t) (m->n_nodes + 1));
		int			n = 0,
					k = 0;

		for (int i = 0; i < m->n_nodes; i++)
			if (m->feature[i] == j && !(m->flags[i] & TREE_NODE_CATEGORICAL))
				e[n++] = m->threshold[i];
		qsort(e, n, sizeof(double), CompareDoubles);
		for (int i = 0; i < n; i++)
			if (k == 0 || e[i] != e[k - 1])
				e[k++] = e[i];
		f->edges[j] = e;
		f->n_edges[j] = k;
		if (k > RANK_NAN_RIGHT)
			fits = false;
	}
	return fits;
}

static bool
CompactKernelAvailable(void)
{
#ifdef HAVE_COMPACT_KERNEL
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		__builtin_cpu_supports("avx512vbmi");
#else
	return false;
#endif
}

/* Whether tree t has at most COMPACT_LEAVES leaves. */
static bool
SmallTree(const TreeModel *m, int t)
{
	int			leaves = 0;

	for (int i = m->tree_first[t]; i < m->tree_first[t + 1]; i++)
		leaves += m->feature[i] < 0;
	return leaves <= COMPACT_LEAVES;
}

/* Lays out tree t as compact tree c. */
static void
AddCompact(const TreeModel *m, TreeFast *f, int t, int c, int *n_cat, int *inum, int *lnum)
{
	int			first = m->tree_first[t];
	int			n = m->tree_first[t + 1] - first;
	int			d = m->n_inputs;
	int			ni = 0,
				nl = 0;
	uint32_t   *anc = seg_alloc0(sizeof(uint32_t) * (size_t) n);
	uint32_t   *path = seg_alloc0(sizeof(uint32_t) * (size_t) n);
	CompactLeaves *L = &f->leaves[c];
	int			stack[2 * COMPACT_LEAVES];
	int			top = 0;

	for (int i = 0; i < n; i++)
		if (m->feature[first + i] >= 0)
			inum[i] = ni++;
	/* leaves numbered left to right (in order), as the keep masks need */
	stack[top++] = first;
	while (top > 0)
	{
		int			a = stack[--top];

		if (m->feature[a] < 0)
			lnum[a - first] = nl++;
		else
		{
			stack[top++] = m->left[a] + 1;
			stack[top++] = m->left[a];
		}
	}
	for (int i = 0; i < n; i++)
	{
		int			a = first + i;
		int			b,
					j,
					l;

		if (m->feature[a] < 0)
			continue;
		b = inum[i];
		j = m->feature[a];
		if (m->flags[a] & TREE_NODE_CATEGORICAL)
		{
			/* tested on its own: its bit starts at 0 (left) */
			f->input[c * 32 + b] = ZERO_SLOT;
			f->rank[c * 32 + b] = RANK_NAN_RIGHT;
			f->cat_node[*n_cat] = a;
			f->cat_bit[*n_cat] = (uint8_t) b;
			(*n_cat)++;
		}
		else
		{
			const double *e = f->edges[j];
			int			k = 0;

			while (e[k] != m->threshold[a])
				k++;
			f->input[c * 32 + b] = (uint8_t) (j + ((m->flags[a] & TREE_NODE_MISSING_LEFT) ? 0 : d));
			f->rank[c * 32 + b] = (uint8_t) k;
		}
		l = m->left[a] - first;
		anc[l] = anc[l + 1] = anc[i] | (UINT32_C(1) << b);
		path[l] = path[i];
		path[l + 1] = path[i] | (UINT32_C(1) << b);
	}
	for (int i = 0; i < n; i++)
		if (m->feature[first + i] < 0)
		{
			/* the leaf is in the left subtree of its ancestors it goes left at */
			for (uint32_t left = anc[i] & ~path[i]; left != 0; left &= left - 1)
				f->keep[c * 32 + __builtin_ctz(left)] &= ~(UINT32_C(1) << lnum[i]);
			L->ancestors[lnum[i]] = anc[i];
			L->path[lnum[i]] = path[i];
			memcpy(f->compact_value + ((size_t) c * COMPACT_LEAVES + lnum[i]) * m->n_values,
				   m->value + (size_t) (first + i) * m->n_values, sizeof(double) * m->n_values);
		}
	f->compact_margin[c] = m->kind == TREE_KIND_BOOSTED ? m->tree_margin[t] : 0;
	seg_free(anc);
	seg_free(path);
}

void
tree_fast_build(TreeModel *m)
{
	TreeFast   *f = seg_alloc0(sizeof(TreeFast));
	int			d = m->n_inputs;
	int			n = m->n_nodes;
	int			empty = n;
	int		   *depth = seg_alloc(sizeof(int) * (size_t) (m->n_trees + 1));
	int		   *scratch = seg_alloc(sizeof(int) * (size_t) (n + 1));
	int		   *walk = seg_alloc(sizeof(int) * (size_t) (m->n_trees + 1));
	int			n_walk = 0;
	int			n_small = 0;
	bool		compact;

	/* ---- which trees take the compact layout ---- */
	compact = BuildEdges(m, f) && 2 * d <= ZERO_SLOT && CompactKernelAvailable();
	for (int t = 0; t < m->n_trees; t++)
	{
		depth[t] = tree_model_tree_depth(m, t, scratch);
		if (compact && SmallTree(m, t))
			n_small++;
		else
			walk[n_walk++] = t;
	}

	if (n_small > 0)
	{
		char	   *q;

		f->rank_mem = seg_alloc(sizeof(double) * (size_t) d * (256 + 32) + 64);
		q = (char *) (((uintptr_t) f->rank_mem + 63) & ~(uintptr_t) 63);
		f->blocks = (double *) q;
		f->pivots = f->blocks + (size_t) d * 256;
		for (int j = 0; j < d; j++)
		{
			for (int k = 0; k < 256; k++)
				f->blocks[j * 256 + k] = k < f->n_edges[j] ? f->edges[j][k] : INFINITY;
			for (int b = 0; b < 32; b++)
				f->pivots[j * 32 + b] = f->blocks[j * 256 + b * 8 + 7];
		}
	}
	if (n_small > 0)
	{
		int			nc = (n_small + 1) & ~1;
		size_t		bytes_input = (size_t) nc * 32;
		size_t		bytes_leaves = sizeof(CompactLeaves) * (size_t) nc;
		char	   *p;
		int			c = 0;
		int			n_cat = 0;
		int		   *inum = seg_alloc(sizeof(int) * (size_t) (n + 1));
		int		   *lnum = seg_alloc(sizeof(int) * (size_t) (n + 1));

		f->mem = seg_alloc0(2 * bytes_input + bytes_leaves + bytes_input * 4 + 64);
		p = (char *) (((uintptr_t) f->mem + 63) & ~(uintptr_t) 63);
		f->leaves = (CompactLeaves *) p;
		f->input = (uint8_t *) (p + bytes_leaves);
		f->rank = f->input + bytes_input;
		f->keep = (uint32_t *) (f->rank + bytes_input);
		/* a node of no tree, or of the empty one, removes no leaf */
		for (size_t i = 0; i < bytes_input; i++)
			f->keep[i] = UINT32_MAX;
		memset(f->input, ZERO_SLOT, bytes_input);
		memset(f->rank, RANK_NAN_RIGHT, bytes_input);
		/* unused leaves never match: no row's C has bit 31 set with these */
		for (int i = 0; i < nc; i++)
			for (int l = 0; l < COMPACT_LEAVES; l++)
				f->leaves[i].ancestors[l] = f->leaves[i].path[l] = UINT32_MAX;
		f->compact_value = seg_alloc0(sizeof(double) * (size_t) nc * COMPACT_LEAVES * m->n_values);
		f->compact_margin = seg_alloc0(sizeof(int) * (size_t) nc);
		f->cat_first = seg_alloc0(sizeof(int) * (size_t) (nc + 1));
		f->cat_node = seg_alloc(sizeof(int) * (size_t) (n + 1));
		f->cat_bit = seg_alloc((size_t) (n + 1));
		/* trees of one margin together, each in model order */
		for (int k = 0; k < m->n_margins; k++)
			for (int t = 0; t < m->n_trees; t++)
			{
				bool		mine = m->kind == TREE_KIND_BOOSTED ? m->tree_margin[t] == k : k == 0;

				if (!mine || !SmallTree(m, t))
					continue;
				f->cat_first[c] = n_cat;
				AddCompact(m, f, t, c, &n_cat, inum, lnum);
				c++;
			}
		if (c < nc)
		{
			/* the empty tree: no internal node, leaf 0 of value 0 */
			f->leaves[c].ancestors[0] = 0;
			f->leaves[c].path[0] = 0;
			f->compact_margin[c] = f->compact_margin[c - 1];
			f->cat_first[c] = n_cat;
		}
		f->cat_first[nc] = n_cat;
		f->n_compact = nc;
		seg_free(inum);
		seg_free(lnum);
	}

	/* ---- walked trees ---- */
	f->nodes = seg_alloc(sizeof(FastNode) * (size_t) (n + 1));
	f->leaf_value = seg_alloc(sizeof(double) * (size_t) (n + 1));
	for (int i = 0; i <= n; i++)
	{
		FastNode   *fn = &f->nodes[i];

		f->leaf_value[i] = i < n ? m->value[(size_t) i * m->n_values] : 0.0;
		if (i == n || m->feature[i] < 0)
		{
			fn->threshold = INFINITY;
			fn->fx = 0;
			fn->next = i;
		}
		else if (m->flags[i] & TREE_NODE_CATEGORICAL)
		{
			fn->threshold = 0;
			fn->fx = -1;
			fn->next = m->left[i];
		}
		else
		{
			fn->threshold = m->threshold[i];
			fn->fx = m->feature[i] + ((m->flags[i] & TREE_NODE_MISSING_LEFT) ? 0 : d);
			fn->next = m->left[i];
		}
	}
	/* order: by margin, then depth (insertion sort: stable, small n) */
	for (int a = 1; a < n_walk; a++)
	{
		int			t = walk[a];
		int			b = a;

#define WALK_KEY(t) ((int64_t) (m->kind == TREE_KIND_BOOSTED ? m->tree_margin[t] : 0) * \
					 (TREE_DEPTH_LIMIT + 1) + depth[t])
		while (b > 0 && WALK_KEY(walk[b - 1]) > WALK_KEY(t))
		{
			walk[b] = walk[b - 1];
			b--;
		}
		walk[b] = t;
	}
	f->roots = seg_alloc(sizeof(int) * (size_t) (n_walk + 1) * TREE_GROUP);
	f->group_margin = seg_alloc(sizeof(int) * (size_t) (n_walk + 1));
	f->steps = seg_alloc0(sizeof(int) * (size_t) (n_walk + 1));
	for (int a = 0; a < n_walk;)
	{
		int			g = f->n_groups++;
		int			margin = m->kind == TREE_KIND_BOOSTED ? m->tree_margin[walk[a]] : 0;

		f->group_margin[g] = margin;
		for (int s = 0; s < TREE_GROUP; s++)
		{
			int			t = a < n_walk ? walk[a] : -1;

			if (t >= 0 && (m->kind != TREE_KIND_BOOSTED || m->tree_margin[t] == margin))
			{
				f->roots[g * TREE_GROUP + s] = m->tree_first[t];
				if (depth[t] > f->steps[g])
					f->steps[g] = depth[t];
				a++;
			}
			else
				f->roots[g * TREE_GROUP + s] = empty;
		}
	}
	seg_free(depth);
	seg_free(scratch);
	seg_free(walk);
	m->fast = f;
}

void
tree_fast_free(TreeFast *f)
{
	if (f->edges != NULL)
		for (int j = 0; f->n_edges != NULL && f->edges[j] != NULL; j++)
			seg_free(f->edges[j]);
	seg_free(f->edges);
	seg_free(f->n_edges);
	seg_free(f->mem);
	seg_free(f->rank_mem);
	seg_free(f->compact_value);
	seg_free(f->compact_margin);
	seg_free(f->cat_first);
	seg_free(f->cat_node);
	seg_free(f->cat_bit);
	seg_free(f->nodes);
	seg_free(f->leaf_value);
	seg_free(f->roots);
	seg_free(f->group_margin);
	seg_free(f->steps);
	seg_free(f);
}

/* ---- prediction ---- */

int
tree_model_row_scratch(const TreeModel *m)
{
	/* extended row, ranks (64 bytes, aligned), margins */
	return 2 * m->n_inputs + 1 + 8 + 8 + m->n_margins;
}

int
tree_model_n_outputs(const TreeModel *m)
{
	if (m->link == TREE_LINK_LOGISTIC)
		return 2;
	return m->n_margins;
}

#ifdef HAVE_COMPACT_KERNEL
/*
 * The row's rank slots: per input, the edges below its value, counted by
 * comparing it with the last edge of each block of eight (four vector
 * comparisons), then with the eight edges of its block.
 */
COMPACT_TARGET
static void
Ranks(const TreeFast *f, int d, const double *x, uint8_t *ranks)
{
	memset(ranks, 0, 64);
	for (int j = 0; j < d; j++)
	{
		__m512d		v = _mm512_set1_pd(x[j]);
		const double *p = f->pivots + (size_t) j * 32;
		int			blocks = 0;
		int			r;

		for (int b = 0; b < 4; b++)
			blocks += __builtin_popcount(_mm512_cmp_pd_mask(_mm512_load_pd(p + 8 * b), v,
															_CMP_LT_OQ));
		r = 8 * blocks;
		if (blocks < 32)
			r += __builtin_popcount(_mm512_cmp_pd_mask(_mm512_load_pd(f->blocks + (size_t) j * 256 + 8 * blocks),
													   v, _CMP_LT_OQ));
		ranks[j] = isnan(x[j]) ? 0 : (uint8_t) r;
		ranks[d + j] = isnan(x[j]) ? RANK_NAN_RIGHT : (uint8_t) r;
	}
}

/*
 * *C in every lane.  A pair of trees' bits C go from the comparison's
 * mask register to memory, and each tree's half is broadcast from there:
 * a broadcast load runs in the load unit, while one from a general
 * register is a transfer that bounded the block kernel (6% slower).
 * Written as assembly since compilers turn the store and load back into
 * that transfer.
 */
COMPACT_TARGET
static inline __attribute__((always_inline)) __m512i
BroadcastFromMemory(const uint32_t *C)
{
	__m512i		v;

	__asm__("vpbroadcastd %1, %0" : "=v"(v) : "m"(*C));
	return v;
}

/* C with the bits of compact tree c's categorical nodes, tested one by one, that send x right. */
static inline uint32_t
WithCategoricalBits(const TreeModel *m, const TreeFast *f, int c, uint32_t C, const double *x)
{
	for (int k = f->cat_first[c]; k < f->cat_first[c + 1]; k++)
		if (!tree_model_goes_left(m, f->cat_node[k], x))
			C |= UINT32_C(1) << f->cat_bit[k];
	return C;
}

/*
 * The leaf compact tree c reaches with internal-node bits *C; categorical
 * is false when no compact tree of the model has a categorical node.
 */
COMPACT_TARGET
static inline __attribute__((always_inline)) int
CompactLeaf(const TreeModel *m, const TreeFast *f, int c, uint32_t *C, const double *x,
			bool categorical)
{
	const CompactLeaves *L = &f->leaves[c];
	__m512i		Cb;
	__mmask16	lo,
				hi;

	if (categorical)
		*C = WithCategoricalBits(m, f, c, *C, x);
	Cb = BroadcastFromMemory(C);
	lo = _mm512_testn_epi32_mask(_mm512_load_si512(L->ancestors),
								 _mm512_xor_si512(Cb, _mm512_load_si512(L->path)));
	hi = _mm512_testn_epi32_mask(_mm512_load_si512(L->ancestors + 16),
								 _mm512_xor_si512(Cb, _mm512_load_si512(L->path + 16)));
	return __builtin_ctz((uint32_t) lo | ((uint32_t) hi << 16));
}

/*
 * The leaves a pair of compact trees reaches with node bits C, from keep
 * (64 masks: the first tree's 32, then the second's): the AND of the
 * masks of the nodes that go right leaves the reached leaf as the lowest
 * one (QuickScorer).  The masks are half the bytes of the leaves' paths:
 * one row reads every tree once, so its prediction is bound by what it
 * reads.
 */
COMPACT_TARGET
static inline __attribute__((always_inline)) void
PairLeavesByKeep(const uint32_t *keep, __mmask64 C, int *leaf_a, int *leaf_b)
{
	__m512i		ones = _mm512_set1_epi32(-1);
	__m512i		a = _mm512_mask_mov_epi32(ones, (__mmask16) C, _mm512_load_si512(keep));
	__m512i		b = _mm512_mask_mov_epi32(ones, (__mmask16) _kshiftri_mask64(C, 32),
										  _mm512_load_si512(keep + 32));
	__m512i		x;

	a = _mm512_mask_and_epi32(a, (__mmask16) _kshiftri_mask64(C, 16), a,
							  _mm512_load_si512(keep + 16));
	b = _mm512_mask_and_epi32(b, (__mmask16) _kshiftri_mask64(C, 48), b,
							  _mm512_load_si512(keep + 48));
	/* both trees' 16 lanes ANDed down to one: a in lane 0, b in lane 8 */
	x = _mm512_and_si512(_mm512_shuffle_i32x4(a, b, 0x44), _mm512_shuffle_i32x4(a, b, 0xEE));
	x = _mm512_and_si512(x, _mm512_shuffle_i32x4(x, x, 0xB1));
	x = _mm512_and_si512(x, _mm512_shuffle_epi32(x, 0x4E));
	x = _mm512_and_si512(x, _mm512_shuffle_epi32(x, 0xB1));
	*leaf_a = __builtin_ctz((uint32_t) _mm_cvtsi128_si32(_mm512_castsi512_si128(x)));
	*leaf_b = __builtin_ctz((uint32_t) _mm_cvtsi128_si32(_mm512_extracti32x4_epi32(x, 2)));
}

/*
 * Adds the compact trees' leaf values to margin, two trees an iteration.
 * Trees come grouped by margin: a margin's run is summed in registers.
 * Compiled twice (categorical true and false): without categorical nodes
 * the loop calls nothing, so its running sums stay in registers instead
 * of being saved around a call on every tree (a third of a prediction).
 */
COMPACT_TARGET
static inline __attribute__((always_inline)) void
CompactTreesBody(const TreeModel *m, const TreeFast *f, const double *x, double *margin,
				 uint8_t *ranks, bool categorical)
{
	__m512i		R;
	int			V = m->n_values;
	double		sum_a = 0,
				sum_b = 0;
	int			current = f->compact_margin[0];

	Ranks(f, m->n_inputs, x, ranks);
	R = _mm512_loadu_si512(ranks);
	for (int c = 0; c < f->n_compact; c += 2)
	{
		__m512i		in = _mm512_load_si512(f->input + (size_t) c * 32);
		__m512i		thr = _mm512_load_si512(f->rank + (size_t) c * 32);
		__mmask64	right = _mm512_cmpgt_epu8_mask(_mm512_permutexvar_epi8(in, R), thr);
		int			leaf_a,
					leaf_b;
		const double *va,
				   *vb;

		if (categorical)
		{
			uint32_t	bits_a = WithCategoricalBits(m, f, c, (uint32_t) right, x);
			uint32_t	bits_b = WithCategoricalBits(m, f, c + 1, (uint32_t) (right >> 32), x);

			right = _cvtu64_mask64(bits_a | ((uint64_t) bits_b << 32));
		}
		PairLeavesByKeep(f->keep + (size_t) c * 32, right, &leaf_a, &leaf_b);
		va = f->compact_value + ((size_t) c * COMPACT_LEAVES + leaf_a) * V;
		vb = f->compact_value + ((size_t) (c + 1) * COMPACT_LEAVES + leaf_b) * V;

		if (V == 1)
		{
			if (f->compact_margin[c] != current)
			{
				margin[current] += sum_a + sum_b;
				sum_a = sum_b = 0;
				current = f->compact_margin[c];
			}
			sum_a += va[0];
			if (f->compact_margin[c + 1] != current)
			{
				margin[current] += sum_a + sum_b;
				sum_a = sum_b = 0;
				current = f->compact_margin[c + 1];
			}
			sum_b += vb[0];
		}
		else
			for (int k = 0; k < V; k++)
				margin[k] += va[k] + vb[k];
	}
	if (V == 1)
		margin[current] += sum_a + sum_b;
}

COMPACT_TARGET
static void
CompactTrees(const TreeModel *m, const TreeFast *f, const double *x, double *margin,
			 uint8_t *ranks)
{
	if (f->cat_first[f->n_compact] > 0)
		CompactTreesBody(m, f, x, margin, ranks, true);
	else
		CompactTreesBody(m, f, x, margin, ranks, false);
}

/* The leaf of a compact tree without categorical nodes, its leaves in registers. */
COMPACT_TARGET
static inline int
LeafInRegisters(__m512i anc_lo, __m512i anc_hi, __m512i path_lo, __m512i path_hi,
				const uint32_t *C)
{
	__m512i		Cb = BroadcastFromMemory(C);
	__mmask16	lo = _mm512_testn_epi32_mask(anc_lo, _mm512_xor_si512(Cb, path_lo));
	__mmask16	hi = _mm512_testn_epi32_mask(anc_hi, _mm512_xor_si512(Cb, path_hi));

	return __builtin_ctz((uint32_t) lo | ((uint32_t) hi << 16));
}

/*
 * CompactTrees for nb <= TREE_BLOCK rows at once: each pair of trees is
 * loaded once for the block, so a block prediction reads the model once
 * per TREE_BLOCK rows instead of once per row.  Each row's margins are
 * summed in the same order as CompactTrees sums them: the same bits.
 * Compiled apart for models without categorical nodes, as CompactTrees.
 */
COMPACT_TARGET
static inline __attribute__((always_inline)) void
CompactTreesBlockBody(const TreeModel *m, const TreeFast *f, const double *x, int nb,
					  double *margin, uint8_t *ranks, bool any_categorical)
{
	__m512i		R[TREE_BLOCK];
	double		sum_a[TREE_BLOCK],
				sum_b[TREE_BLOCK];
	int			V = m->n_values;
	int			d = m->n_inputs;
	int			M = m->n_margins;
	int			current = f->compact_margin[0];

	for (int b = 0; b < nb; b++)
	{
		Ranks(f, d, x + (size_t) b * d, ranks + 64 * b);
		R[b] = _mm512_loadu_si512(ranks + 64 * b);
		sum_a[b] = sum_b[b] = 0;
	}
	for (int c = 0; c < f->n_compact; c += 2)
	{
		__m512i		in = _mm512_load_si512(f->input + (size_t) c * 32);
		__m512i		thr = _mm512_load_si512(f->rank + (size_t) c * 32);
		const CompactLeaves *La = &f->leaves[c];
		const CompactLeaves *Lb = &f->leaves[c + 1];
		__m512i		a_anc_lo = _mm512_load_si512(La->ancestors);
		__m512i		a_anc_hi = _mm512_load_si512(La->ancestors + 16);
		__m512i		a_path_lo = _mm512_load_si512(La->path);
		__m512i		a_path_hi = _mm512_load_si512(La->path + 16);
		__m512i		b_anc_lo = _mm512_load_si512(Lb->ancestors);
		__m512i		b_anc_hi = _mm512_load_si512(Lb->ancestors + 16);
		__m512i		b_path_lo = _mm512_load_si512(Lb->path);
		__m512i		b_path_hi = _mm512_load_si512(Lb->path + 16);
		bool		categorical = any_categorical && f->cat_first[c] != f->cat_first[c + 2];
		int			ma = f->compact_margin[c];
		int			mb = f->compact_margin[c + 1];
		bool		flush_a = ma != current;
		bool		flush_b = mb != ma;

#pragma GCC unroll 8
		for (int b = 0; b < TREE_BLOCK; b++)
		{
			const double *row = x + (size_t) b * d;
			double	   *mg = margin + (size_t) b * M;
			uint32_t	bits[2];
			int			leaf_a,
						leaf_b;
			const double *va,
					   *vb;

			if (b >= nb)
				break;
			_store_mask64((__mmask64 *) bits,
						  _mm512_cmpgt_epu8_mask(_mm512_permutexvar_epi8(in, R[b]), thr));
			if (categorical)
			{
				leaf_a = CompactLeaf(m, f, c, &bits[0], row, true);
				leaf_b = CompactLeaf(m, f, c + 1, &bits[1], row, true);
			}
			else
			{
				leaf_a = LeafInRegisters(a_anc_lo, a_anc_hi, a_path_lo, a_path_hi, &bits[0]);
				leaf_b = LeafInRegisters(b_anc_lo, b_anc_hi, b_path_lo, b_path_hi, &bits[1]);
			}
			va = f->compact_value + ((size_t) c * COMPACT_LEAVES + leaf_a) * V;
			vb = f->compact_value + ((size_t) (c + 1) * COMPACT_LEAVES + leaf_b) * V;
			if (V == 1)
			{
				/* as CompactTrees: a margin's run summed, then added */
				if (flush_a)
				{
					mg[current] += sum_a[b] + sum_b[b];
					sum_a[b] = sum_b[b] = 0;
				}
				sum_a[b] += va[0];
				if (flush_b)
				{
					mg[ma] += sum_a[b] + sum_b[b];
					sum_a[b] = sum_b[b] = 0;
				}
				sum_b[b] += vb[0];
			}
			else
				for (int k = 0; k < V; k++)
					mg[k] += va[k] + vb[k];
		}
		if (V == 1)
			current = mb;
	}
	if (V == 1)
		for (int b = 0; b < nb; b++)
			margin[(size_t) b * M + current] += sum_a[b] + sum_b[b];
}

COMPACT_TARGET
static void
CompactTreesBlock(const TreeModel *m, const TreeFast *f, const double *x, int nb,
				  double *margin, uint8_t *ranks)
{
	if (f->cat_first[f->n_compact] > 0)
		CompactTreesBlockBody(m, f, x, nb, margin, ranks, true);
	else
		CompactTreesBlockBody(m, f, x, nb, margin, ranks, false);
}
#endif

/*
 * The margins' start and, when the model has walked trees, the extended
 * row they read (NaN as -inf, then the row).
 */
static void
BeginRow(const TreeModel *m, const double *x, double *xx, double *margin)
{
	int			d = m->n_inputs;
	bool		scaled = m->scale != 1.0;

	if (m->fast->n_groups > 0)
	{
		xx[0] = 0;
		for (int j = 0; j < d; j++)
		{
			xx[j] = isnan(x[j]) ? -INFINITY : x[j];
			xx[d + j] = x[j];
		}
	}
	for (int k = 0; k < m->n_margins; k++)
		margin[k] = scaled ? 0.0 : m->base[k];
}

/* Adds the walked trees' leaf values, eight trees in lockstep, then scales. */
static void
WalkAndFinish(const TreeModel *m, const double *x, const double *xx, double *margin)
{
	const TreeFast *f = m->fast;
	const FastNode *nodes = f->nodes;

	for (int g = 0; g < f->n_groups; g++)
	{
		int			at[TREE_GROUP];
		int			steps = f->steps[g];

		memcpy(at, f->roots + g * TREE_GROUP, sizeof(at));
		for (int s = 0; s < steps; s++)
		{
#pragma GCC unroll 8
			for (int i = 0; i < TREE_GROUP; i++)
			{
				const FastNode *fn = &nodes[at[i]];
				int			fx = fn->fx;

				if (__builtin_expect(fx >= 0, 1))
					at[i] = fn->next + !(xx[fx] <= fn->threshold);
				else
					at[i] = fn->next + (tree_model_goes_left(m, at[i], x) ? 0 : 1);
			}
		}
		if (m->n_values == 1)
		{
			double		sum = 0;

			for (int i = 0; i < TREE_GROUP; i++)
				sum += f->leaf_value[at[i]];
			margin[f->group_margin[g]] += sum;
		}
		else
			for (int i = 0; i < TREE_GROUP; i++)
			{
				if (at[i] == m->n_nodes)
					continue;
				for (int k = 0; k < m->n_values; k++)
					margin[k] += m->value[(size_t) at[i] * m->n_values + k];
			}
	}
	if (m->scale != 1.0)
		for (int k = 0; k < m->n_margins; k++)
			margin[k] = m->base[k] + m->scale * margin[k];
}

void
tree_model_margins_row(const TreeModel *m, const double *x, double *margin, double *scratch)
{
	BeginRow(m, x, scratch, margin);
#ifdef HAVE_COMPACT_KERNEL
	if (m->fast->n_compact > 0)
		CompactTrees(m, m->fast, x, margin, (uint8_t *) (scratch + 2 * m->n_inputs + 1));
#endif
	WalkAndFinish(m, x, scratch, margin);
}

void
tree_model_link(const TreeModel *m, const double *margin, double *out)
{
	switch (m->link)
	{
		case TREE_LINK_IDENTITY:
			memmove(out, margin, sizeof(double) * (size_t) m->n_margins);
			break;
		case TREE_LINK_LOGISTIC:
			{
				double		p = 1.0 / (1.0 + exp(-margin[0]));

				out[0] = 1.0 - p;
				out[1] = p;
				break;
			}
		case TREE_LINK_SOFTMAX:
			{
				double		max = margin[0];
				double		sum = 0;
				int			K = m->n_margins;

				for (int k = 1; k < K; k++)
					if (margin[k] > max)
						max = margin[k];
				for (int k = 0; k < K; k++)
				{
					out[k] = exp(margin[k] - max);
					sum += out[k];
				}
				for (int k = 0; k < K; k++)
					out[k] /= sum;
				break;
			}
	}
}

void
tree_model_predict_row(const TreeModel *m, const double *x, double *out, double *scratch)
{
	double	   *margin = scratch + 2 * m->n_inputs + 1 + 16;

	tree_model_margins_row(m, x, margin, scratch);
	tree_model_link(m, margin, out);
}

/* Margins of n rows, or with link their outputs, TREE_BLOCK rows at a time. */
static void
PredictRows(const TreeModel *m, const double *x, int n, double *out, bool link)
{
	int			d = m->n_inputs;
	int			M = m->n_margins;
	int			n_out = link ? tree_model_n_outputs(m) : M;
	double	   *xx = seg_alloc(sizeof(double) * (size_t) (2 * d + 1) * TREE_BLOCK);
	double	   *margin = seg_alloc(sizeof(double) * (size_t) M * TREE_BLOCK);
	uint8_t    *ranks = seg_alloc(64 * TREE_BLOCK);

	/* the rows of a block go through the compact trees together */
	for (int i = 0; i < n; i += TREE_BLOCK)
	{
		int			nb = n - i < TREE_BLOCK ? n - i : TREE_BLOCK;
		const double *rows = x + (size_t) i * d;

		for (int b = 0; b < nb; b++)
			BeginRow(m, rows + (size_t) b * d, xx + (size_t) b * (2 * d + 1),
					 margin + (size_t) b * M);
#ifdef HAVE_COMPACT_KERNEL
		if (m->fast->n_compact > 0)
			CompactTreesBlock(m, m->fast, rows, nb, margin, ranks);
#endif
		for (int b = 0; b < nb; b++)
		{
			double	   *row_out = out + (size_t) (i + b) * n_out;

			WalkAndFinish(m, rows + (size_t) b * d, xx + (size_t) b * (2 * d + 1),
						  margin + (size_t) b * M);
			if (link)
				tree_model_link(m, margin + (size_t) b * M, row_out);
			else
				memcpy(row_out, margin + (size_t) b * M, sizeof(double) * M);
		}
	}
	seg_free(xx);
	seg_free(margin);
	seg_free(ranks);
}

void
tree_model_predict(const TreeModel *m, const double *x, int n, double *out)
{
	PredictRows(m, x, n, out, true);
}

void
tree_model_margins(const TreeModel *m, const double *x, int n, double *out)
{
	PredictRows(m, x, n, out, false);
}
