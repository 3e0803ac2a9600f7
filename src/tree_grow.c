/*-------------------------------------------------------------------------
 *
 * tree_grow.c
 *	  The histogram tree builder (see tree_grow.h).
 *
 * IDENTIFICATION
 *	  src/tree_grow.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "tree_grow.h"

/* histograms are aligned to cache lines so that no bin straddles two */
#define HIST_ALIGN 64

struct TreeGrower
{
	const TreeBinMapper *bm;
	const uint8_t *X;
	int			n_rows;
	int			d;
	int			M;
	TreeHistLayout L;

	uint32_t   *part;			/* the partition */
	uint32_t   *buf;			/* right-hand rows while partitioning */

	/* nodes of the tree being grown */
	int			cap;
	int			n_nodes;
	TreeGrownNode *nodes;
	double	   *values;			/* cap x M */
	double	   *sums;			/* cap x (M + 2): G_m, H, N of the node */
	double	   *left_sums;		/* cap x (M + 2): of the pending split's left child */
	TreeSplit  *pending;		/* the best split found for an open node */
	int		   *slot;			/* histogram of an open node, or -1 */

	/* open nodes: a max-heap on gain, or a stack without a leaf limit */
	int		   *open;
	int			n_open;

	/* histogram pool */
	int			n_slots;
	double	  **hist;
	void	  **hist_mem;
	int		   *free_slots;
	int			n_free;

	double	   *scratch;		/* the split scans' */
	double	   *sums_tmp;		/* M + 2 */
	int		   *features;
	bool	   *drawn;
};

TreeGrower *
tree_grower_new(const TreeBinMapper *bm, const uint8_t *X, int n_rows, int n_outputs)
{
	TreeGrower *g = seg_alloc0(sizeof(TreeGrower));

	g->bm = bm;
	g->X = X;
	g->n_rows = n_rows;
	g->d = bm->n_inputs;
	g->M = n_outputs;
	tree_hist_layout(bm, n_outputs, &g->L);
	g->part = seg_alloc(sizeof(uint32_t) * (size_t) (n_rows > 0 ? n_rows : 1));
	g->buf = seg_alloc(sizeof(uint32_t) * (size_t) (n_rows > 0 ? n_rows : 1));
	g->scratch = seg_alloc(sizeof(double) * (size_t) (2 * (n_outputs + 2)));
	g->sums_tmp = seg_alloc(sizeof(double) * (size_t) (n_outputs + 2));
	g->features = seg_alloc(sizeof(int) * (size_t) (g->d > 0 ? g->d : 1));
	g->drawn = seg_alloc(sizeof(bool) * (size_t) (g->d > 0 ? g->d : 1));
	return g;
}

const TreeHistLayout *
tree_grower_layout(const TreeGrower *g)
{
	return &g->L;
}

void
tree_grower_free(TreeGrower *g)
{
	if (g == NULL)
		return;
	for (int i = 0; i < g->n_slots; i++)
		seg_free(g->hist_mem[i]);
	seg_free(g->hist);
	seg_free(g->hist_mem);
	seg_free(g->free_slots);
	seg_free(g->part);
	seg_free(g->buf);
	seg_free(g->nodes);
	seg_free(g->values);
	seg_free(g->sums);
	seg_free(g->left_sums);
	seg_free(g->pending);
	seg_free(g->slot);
	seg_free(g->open);
	seg_free(g->scratch);
	seg_free(g->sums_tmp);
	seg_free(g->features);
	seg_free(g->drawn);
	tree_hist_layout_free(&g->L);
	seg_free(g);
}

/* ---- histogram pool ---- */

static int
TakeSlot(TreeGrower *g)
{
	int			s;

	if (g->n_free > 0)
		return g->free_slots[--g->n_free];
	s = g->n_slots++;
	g->hist = seg_realloc(g->hist, sizeof(double *) * (size_t) g->n_slots);
	g->hist_mem = seg_realloc(g->hist_mem, sizeof(void *) * (size_t) g->n_slots);
	g->free_slots = seg_realloc(g->free_slots, sizeof(int) * (size_t) g->n_slots);
	g->hist_mem[s] = seg_alloc(sizeof(double) * g->L.size + HIST_ALIGN);
	g->hist[s] = (double *) (((uintptr_t) g->hist_mem[s] + HIST_ALIGN - 1) &
							 ~(uintptr_t) (HIST_ALIGN - 1));
	return s;
}

static void
GiveSlot(TreeGrower *g, int node)
{
	if (g->slot[node] >= 0)
		g->free_slots[g->n_free++] = g->slot[node];
	g->slot[node] = -1;
}

/* ---- nodes ---- */

static void
Reserve(TreeGrower *g, int n)
{
	int			w = g->M + 2;
	int			cap = g->cap;

	if (n <= cap)
		return;
	while (cap < n)
		cap = cap < 32 ? 64 : cap * 2;
	g->nodes = seg_realloc(g->nodes, sizeof(TreeGrownNode) * (size_t) cap);
	g->values = seg_realloc(g->values, sizeof(double) * (size_t) cap * g->M);
	g->sums = seg_realloc(g->sums, sizeof(double) * (size_t) cap * w);
	g->left_sums = seg_realloc(g->left_sums, sizeof(double) * (size_t) cap * w);
	g->pending = seg_realloc(g->pending, sizeof(TreeSplit) * (size_t) cap);
	g->slot = seg_realloc(g->slot, sizeof(int) * (size_t) cap);
	g->open = seg_realloc(g->open, sizeof(int) * (size_t) cap);
	g->cap = cap;
}

static int
NewNode(TreeGrower *g, int depth, int start, int count, const double *sums,
		const TreeGrowConfig *cfg)
{
	int			i = g->n_nodes++;
	int			w = g->M + 2;
	TreeGrownNode *node = &g->nodes[i];

	memset(node, 0, sizeof(TreeGrownNode));
	node->feature = -1;
	node->left = -1;
	node->depth = depth;
	node->start = start;
	node->count = count;
	node->hessian = sums[g->M];
	memcpy(g->sums + (size_t) i * w, sums, sizeof(double) * w);
	for (int m = 0; m < g->M; m++)
	{
		double		h = sums[g->M];

		if (cfg->mean_values)
			/* + 0.0: a class with no rows gets 0, not -0 */
			g->values[(size_t) i * g->M + m] = h > 0 ? -sums[m] / h + 0.0 : 0.0;
		else
			g->values[(size_t) i * g->M + m] = tree_node_value(sums[m], h, cfg->split.l2);
	}
	g->slot[i] = -1;
	return i;
}

/* ---- open nodes ---- */

/* whether open node a is split before b: higher gain, then lower id */
static inline bool
Before(const TreeGrower *g, int a, int b)
{
	double		ga = g->pending[a].gain;
	double		gb = g->pending[b].gain;

	return ga > gb || (ga == gb && a < b);
}

static void
PushOpen(TreeGrower *g, int node, bool heap)
{
	int			i = g->n_open++;

	g->open[i] = node;
	if (!heap)
		return;
	while (i > 0)
	{
		int			p = (i - 1) / 2;

		if (!Before(g, g->open[i], g->open[p]))
			break;
		g->open[i] = g->open[p];
		g->open[p] = node;
		i = p;
	}
}

static int
PopOpen(TreeGrower *g, bool heap)
{
	int			top;
	int			i = 0;

	if (!heap)
		return g->open[--g->n_open];
	top = g->open[0];
	g->open[0] = g->open[--g->n_open];
	for (;;)
	{
		int			l = 2 * i + 1;
		int			r = l + 1;
		int			m = i;
		int			t;

		if (l < g->n_open && Before(g, g->open[l], g->open[m]))
			m = l;
		if (r < g->n_open && Before(g, g->open[r], g->open[m]))
			m = r;
		if (m == i)
			break;
		t = g->open[i];
		g->open[i] = g->open[m];
		g->open[m] = t;
		i = m;
	}
	return top;
}

/* ---- splits ---- */

/* Whether input j has rows in at least two bins of the node. */
static bool
Varies(const TreeGrower *g, const double *hist, int j)
{
	const TreeHistLayout *L = &g->L;
	const double *fh = hist + (size_t) L->offset[j] * L->stride;
	int			n_bins = g->bm->n_bins[j] + 1;
	int			seen = 0;

	for (int b = 0; b < n_bins && seen < 2; b++)
		if (fh[(size_t) b * L->stride + TREE_HIST_N(L)] > 0)
			seen++;
	return seen >= 2;
}

/* Finds the best split of an open node from its histogram: true when it has one. */
static bool
FindSplit(TreeGrower *g, int node, const TreeGrowConfig *cfg, SegRng *rng)
{
	TreeSplit  *best = &g->pending[node];
	const double *hist = g->hist[g->slot[node]];
	const double *totals = g->sums + (size_t) node * (g->M + 2);
	int			d = g->d;
	int			k = cfg->max_features;

	memset(best, 0, sizeof(TreeSplit));
	best->gain = -1;
	best->feature = -1;
	best->left = g->left_sums + (size_t) node * (g->M + 2);

	if (k <= 0 || k >= d)
	{
		for (int j = 0; j < d; j++)
			tree_split_input(hist, &g->L, g->bm, j, totals, &cfg->split, best, g->scratch);
	}
	else if (!cfg->until_valid)
	{
		/* k inputs drawn without replacement, tried in input order */
		bool	   *drawn = g->drawn;

		memset(drawn, 0, sizeof(bool) * d);
		for (int j = 0; j < d; j++)
			g->features[j] = j;
		for (int i = 0; i < k; i++)
		{
			int			t = i + (int) rng_below(rng, (uint64_t) (d - i));
			int			f = g->features[t];

			g->features[t] = g->features[i];
			g->features[i] = f;
			drawn[f] = true;
		}
		for (int j = 0; j < d; j++)
			if (drawn[j])
				tree_split_input(hist, &g->L, g->bm, j, totals, &cfg->split, best,
								 g->scratch);
	}
	else
	{
		/*
		 * scikit-learn's trees: inputs in random order until k that vary in
		 * the node have been tried, and on while no split is found
		 */
		int			tried = 0;

		for (int j = 0; j < d; j++)
			g->features[j] = j;
		for (int i = 0; i < d; i++)
		{
			int			t = i + (int) rng_below(rng, (uint64_t) (d - i));
			int			f = g->features[t];

			g->features[t] = g->features[i];
			g->features[i] = f;
			if (!Varies(g, hist, f))
				continue;
			tree_split_input(hist, &g->L, g->bm, f, totals, &cfg->split, best, g->scratch);
			if (++tried >= k && best->feature >= 0)
				break;
		}
	}
	return best->feature >= 0;
}

/* Reorders the node's rows stably: those going left first.  Returns their count. */
static int
Partition(TreeGrower *g, const TreeGrownNode *node, const TreeSplit *s)
{
	uint8_t		lut[256];
	int			missing_bin = g->bm->n_bins[s->feature];
	const uint8_t *X = g->X + s->feature;
	int			d = g->d;
	uint32_t   *rows = g->part + node->start;
	/* a local: stores through rows would otherwise reload g->buf on every row */
	uint32_t   *right = g->buf;
	int			nl = 0;
	int			nr = 0;

	for (int b = 0; b < 256; b++)
		lut[b] = b <= missing_bin && tree_split_goes_left(s, b, missing_bin);
	for (int i = 0; i < node->count; i++)
	{
		uint32_t	r = rows[i];
		int			left = lut[X[(size_t) r * d]];

		rows[nl] = r;
		right[nr] = r;
		nl += left;
		nr += 1 - left;
	}
	memcpy(rows + nl, right, sizeof(uint32_t) * (size_t) nr);
	return nl;
}

/* Whether the node's rows all have one target: one class, or one value. */
static bool
Pure(const TreeGrower *g, int node, const TreeRowStats *s)
{
	const TreeGrownNode *n = &g->nodes[node];
	const double *sums = g->sums + (size_t) node * (g->M + 2);

	if (s->kind == TREE_STATS_CLASS)
	{
		/* a child's sums are its parent's minus its sibling's: round-off is no class */
		double		eps = 1e-9 * sums[g->M];
		int			classes = 0;

		for (int m = 0; m < g->M; m++)
			classes += -sums[m] > eps;
		return classes <= 1;
	}
	if (s->kind == TREE_STATS_WY)
	{
		const uint32_t *rows = g->part + n->start;

		for (int i = 1; i < n->count; i++)
			if (s->y[rows[i]] != s->y[rows[0]])
				return false;
		return true;
	}
	return false;
}

/* Whether a new node may be split at all. */
static bool
MaySplit(const TreeGrower *g, int node, const TreeGrowConfig *cfg, const TreeRowStats *s)
{
	const TreeGrownNode *n = &g->nodes[node];

	if (cfg->max_depth > 0 && n->depth >= cfg->max_depth)
		return false;
	if (n->count < 2 * cfg->split.min_samples_leaf || n->count < 2)
		return false;
	if (n->hessian < cfg->split.min_hessian)
		return false;
	return !(cfg->stop_when_pure && Pure(g, node, s));
}

void
tree_grow(TreeGrower *g, const TreeRowStats *s, const uint32_t *rows, int n,
		  const TreeGrowConfig *cfg, SegRng *rng, const SegHooks *hooks, TreeGrown *out)
{
	int			w = g->M + 2;
	bool		heap = cfg->max_leaf_nodes > 0;
	int			n_leaves = 1;
	double	   *sums = g->sums_tmp;
	int			root;

	g->n_nodes = 0;
	g->n_open = 0;
	g->n_free = 0;
	for (int i = 0; i < g->n_slots; i++)
		g->free_slots[g->n_free++] = i;
	Reserve(g, 64);

	if (rows != NULL)
		memcpy(g->part, rows, sizeof(uint32_t) * (size_t) n);
	else
		for (int i = 0; i < n; i++)
			g->part[i] = (uint32_t) i;
	/* the root's histogram gives its sums too, unless it is too small to split */
	if (n >= 2 * cfg->split.min_samples_leaf && n >= 2)
	{
		int			slot = TakeSlot(g);

		tree_hist_build(g->hist[slot], &g->L, g->X, rows != NULL ? g->part : NULL, n, s,
						sums);
		root = NewNode(g, 0, 0, n, sums, cfg);
		g->slot[root] = slot;
	}
	else
	{
		tree_stats_totals(s, g->M, rows, n, sums);
		root = NewNode(g, 0, 0, n, sums, cfg);
	}
	if (g->slot[root] >= 0 && MaySplit(g, root, cfg, s) && FindSplit(g, root, cfg, rng))
		PushOpen(g, root, heap);
	else
		GiveSlot(g, root);

	while (g->n_open > 0)
	{
		int			p;
		int			nl;
		int			c;
		TreeGrownNode *node;
		TreeSplit  *split;
		bool		open_l,
					open_r,
					stop;

		if (heap && n_leaves >= cfg->max_leaf_nodes)
			break;
		p = PopOpen(g, heap);
		Reserve(g, g->n_nodes + 2);
		node = &g->nodes[p];
		split = &g->pending[p];
		split->left = g->left_sums + (size_t) p * w;

		nl = Partition(g, node, split);
		for (int k = 0; k < w; k++)
			sums[k] = g->sums[(size_t) p * w + k] - split->left[k];
		c = NewNode(g, node->depth + 1, node->start, nl, split->left, cfg);
		NewNode(g, node->depth + 1, node->start + nl, node->count - nl, sums, cfg);
		n_leaves++;

		node->feature = split->feature;
		node->left = c;
		node->bin = split->bin;
		node->categorical = split->categorical;
		memcpy(node->left_bins, split->left_bins, sizeof(node->left_bins));
		node->gain = split->gain;
		/* NaN never seen here at fit: at prediction it joins the larger child */
		node->missing_left = g->bm->has_missing[split->feature] ? split->missing_left :
			nl > node->count - nl;

		stop = heap && n_leaves >= cfg->max_leaf_nodes;
		open_l = !stop && MaySplit(g, c, cfg, s);
		open_r = !stop && MaySplit(g, c + 1, cfg, s);
		if (open_l || open_r)
		{
			/* build the smaller child, subtract for the larger in the parent's place */
			int			small = nl < node->count - nl ? c : c + 1;
			int			large = small == c ? c + 1 : c;
			bool		open_small = small == c ? open_l : open_r;
			bool		open_large = small == c ? open_r : open_l;

			g->slot[small] = TakeSlot(g);
			tree_hist_build(g->hist[g->slot[small]], &g->L, g->X,
							g->part + g->nodes[small].start, g->nodes[small].count, s, NULL);
			if (open_large)
			{
				g->slot[large] = g->slot[p];
				g->slot[p] = -1;
				tree_hist_subtract(g->hist[g->slot[large]], g->hist[g->slot[large]],
								   g->hist[g->slot[small]], g->L.size);
			}
			if (!open_small)
				GiveSlot(g, small);
		}
		GiveSlot(g, p);

		/* the right child first on a stack, so that the left is grown first */
		for (int k = 1; k >= 0; k--)
		{
			int			child = c + k;

			if (g->slot[child] < 0)
				continue;
			if (FindSplit(g, child, cfg, rng))
				PushOpen(g, child, heap);
			else
				GiveSlot(g, child);
		}
		seg_check_interrupts(hooks);
	}

	for (int i = 0; i < g->n_nodes; i++)
	{
		GiveSlot(g, i);
		if (g->nodes[i].feature < 0)
			for (int m = 0; m < g->M; m++)
				g->values[(size_t) i * g->M + m] *= cfg->shrinkage;
	}
	out->n_nodes = g->n_nodes;
	out->n_outputs = g->M;
	out->nodes = g->nodes;
	out->values = g->values;
	out->partition = g->part;
}
