/*-------------------------------------------------------------------------
 *
 * knn.c
 *	  Exact k nearest neighbours of a point set against itself: a k-d tree
 *	  for narrow data, BLAS distance blocks for wide data.
 *
 * IDENTIFICATION
 *	  src/knn.c
 *
 *-------------------------------------------------------------------------
 */
#include "knn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "linalg.h"

/* the tree's single-precision screen needs coordinates well inside float range */
#define KNN_TREE_MAX_ABS 1e15
#define KD_LEAF_SIZE 32				/* at most 32: leaf hits are a uint32 mask */
/* distance rows computed per BLAS block at most (bounded further by bytes) */
#define BRUTE_BLOCK_BYTES ((size_t) 32 * 1024 * 1024)
/* queries between interrupt checks at most: fewer when a query costs more (KnnPacer) */
#define QUERIES_PER_CHECK 512
/* seconds between progress messages */
#define PROGRESS_SECONDS 10.0

/* The k best (distance, index) pairs seen so far, sorted ascending. */
typedef struct NeighborList
{
	int			k;
	int			count;
	double	   *dist;
	int		   *index;
} NeighborList;

static inline bool
pair_less(double d1, int i1, double d2, int i2)
{
	return d1 < d2 || (d1 == d2 && i1 < i2);
}

/* Offers a candidate; keeps the list sorted and at most k long. */
static inline void
neighbors_offer(NeighborList *list, double dist, int index)
{
	int			pos;

	if (list->count == list->k &&
		!pair_less(dist, index, list->dist[list->k - 1], list->index[list->k - 1]))
		return;
	pos = (list->count < list->k) ? list->count++ : list->k - 1;
	while (pos > 0 && pair_less(dist, index, list->dist[pos - 1], list->index[pos - 1]))
	{
		list->dist[pos] = list->dist[pos - 1];
		list->index[pos] = list->index[pos - 1];
		pos--;
	}
	list->dist[pos] = dist;
	list->index[pos] = index;
}

/* The distance a candidate must not exceed to matter, or +inf. */
static inline double
neighbors_bound(const NeighborList *list)
{
	return (list->count < list->k) ? INFINITY : list->dist[list->k - 1];
}

/*
 * Progress and interrupt pacing shared by both strategies: a tick every
 * so many queries, fewer when a query costs more.  Keeping k neighbours
 * sorted costs about k^2 / 4 a query: at k = 5,000, 512 queries took 2 s.
 */
typedef struct KnnPacer
{
	const SegHooks *hooks;
	int			n;
	struct timespec last;
	size_t		every;			/* queries between ticks */
	size_t		left;			/* queries before the next tick */
} KnnPacer;

static double
seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double) (now.tv_sec - t->tv_sec) + 1e-9 * (double) (now.tv_nsec - t->tv_nsec);
}

static void
pacer_tick(KnnPacer *pacer, int done)
{
	seg_check_interrupts(pacer->hooks);
	if (pacer->hooks != NULL && pacer->hooks->progress != NULL &&
		seconds_since(&pacer->last) >= PROGRESS_SECONDS)
	{
		char		msg[128];

		snprintf(msg, sizeof(msg), "nearest neighbours: %d of %d rows", done, pacer->n);
		seg_progress(pacer->hooks, msg);
		clock_gettime(CLOCK_MONOTONIC, &pacer->last);
	}
}

/* Sets the queries between ticks from the work of one. */
static void
pacer_pace(KnnPacer *pacer, size_t query_work)
{
	size_t		every = SEG_CHECK_WORK / (query_work > 0 ? query_work : 1);

	pacer->every = every < 1 ? 1 : every > QUERIES_PER_CHECK ? QUERIES_PER_CHECK : every;
	pacer->left = pacer->every;
}

/* After each query; done counts them. */
static inline void
pacer_query(KnnPacer *pacer, int done)
{
	if (--pacer->left == 0)
	{
		pacer->left = pacer->every;
		pacer_tick(pacer, done);
	}
}

/* ---------------------------------------------------------------------
 * k-d tree
 * ---------------------------------------------------------------------
 */

typedef struct KdNode
{
	int			start;			/* range of tree-ordered points */
	int			end;
	int			left;			/* child node numbers, -1 for a leaf */
	int			right;
	int			split_dim;
	double		left_hi;		/* largest split_dim coordinate on the left */
	double		right_lo;		/* smallest on the right */
	int			leaf;			/* leaf block number, -1 if none */
} KdNode;

/*
 * The tree splits at the median of the widest coordinate.  Queries bound
 * the distance to a far child incrementally (Arya and Mount): the squared
 * gap to each split plane crossed replaces the gap previously counted in
 * that dimension, an O(1) update per node instead of an O(d) box distance.
 */
typedef struct KdTree
{
	int			d;
	double	   *points;			/* n x d, in tree order */
	int		   *order;			/* tree position -> original row */
	KdNode	   *nodes;
	int			n_nodes;
	double	   *lo;				/* scratch for the build: one box */
	double	   *hi;

	/*
	 * Leaves of up to KD_LEAF_SIZE points also as blocks of columns
	 * (d x KD_LEAF_SIZE, padded) in single precision, so that screening a
	 * leaf is one vectorised loop; points are measured in double after.
	 */
	int			n_leaves;
	float	   *leaf_columns;
	double		filter_margin;	/* float rounding allowance, in distance units */
} KdTree;

static int
kd_max_nodes(int n)
{
	/* a binary tree whose leaves hold >= KD_LEAF_SIZE/2 points, with room */
	return 2 * (n / (KD_LEAF_SIZE / 2) + 1) + 1;
}

/* Moves the rows of order[start..end) so that position mid holds the
 * row with the median coordinate dim (quickselect). */
static void
kd_select(const double *x, int d, int *order, int start, int end, int mid, int dim)
{
	int			lo = start;
	int			hi = end - 1;

	while (lo < hi)
	{
		double		pivot = x[(size_t) order[(lo + hi) / 2] * d + dim];
		int			i = lo;
		int			j = hi;

		while (i <= j)
		{
			while (x[(size_t) order[i] * d + dim] < pivot)
				i++;
			while (x[(size_t) order[j] * d + dim] > pivot)
				j--;
			if (i <= j)
			{
				int			t = order[i];

				order[i] = order[j];
				order[j] = t;
				i++;
				j--;
			}
		}
		if (mid <= j)
			hi = j;
		else if (mid >= i)
			lo = i;
		else
			break;
	}
}

static double
kd_extreme(const double *x, int d, const int *order, int start, int end, int dim, bool max)
{
	double		best = x[(size_t) order[start] * d + dim];

	for (int p = start + 1; p < end; p++)
	{
		double		v = x[(size_t) order[p] * d + dim];

		if (max ? v > best : v < best)
			best = v;
	}
	return best;
}

static int
kd_build_node(KdTree *tree, const double *x, int start, int end)
{
	int			d = tree->d;
	int			node = tree->n_nodes++;
	KdNode	   *nd = &tree->nodes[node];
	double	   *lo = tree->lo;
	double	   *hi = tree->hi;
	int			split_dim = 0;
	double		widest = 0.0;

	for (int j = 0; j < d; j++)
	{
		lo[j] = INFINITY;
		hi[j] = -INFINITY;
	}
	for (int p = start; p < end; p++)
	{
		const double *row = x + (size_t) tree->order[p] * d;

		for (int j = 0; j < d; j++)
		{
			if (row[j] < lo[j])
				lo[j] = row[j];
			if (row[j] > hi[j])
				hi[j] = row[j];
		}
	}
	for (int j = 0; j < d; j++)
	{
		if (hi[j] - lo[j] > widest)
		{
			widest = hi[j] - lo[j];
			split_dim = j;
		}
	}

	nd->start = start;
	nd->end = end;
	nd->left = -1;
	nd->right = -1;
	nd->split_dim = split_dim;
	nd->leaf = -1;
	/* identical points cannot be split: they stay in one (large) leaf */
	if (end - start > KD_LEAF_SIZE && widest > 0.0)
	{
		int			mid = start + (end - start) / 2;
		int			left;
		int			right;

		kd_select(x, d, tree->order, start, end, mid, split_dim);
		nd->left_hi = kd_extreme(x, d, tree->order, start, mid, split_dim, true);
		nd->right_lo = kd_extreme(x, d, tree->order, mid, end, split_dim, false);
		left = kd_build_node(tree, x, start, mid);
		right = kd_build_node(tree, x, mid, end);
		/* children are numbered in build order, so known only now */
		tree->nodes[node].left = left;
		tree->nodes[node].right = right;
	}
	return node;
}

static void
kd_search_leaf(const KdTree *tree, const KdNode *nd, const double *q, int self,
			   NeighborList *list)
{
	int			d = tree->d;
	int			count = nd->end - nd->start;
	double		bound = neighbors_bound(list);
	float		dist[KD_LEAF_SIZE];
	float		qf[KNN_TREE_MAX_DIM];
	float		filter;
	const float *columns = tree->leaf_columns + (size_t) nd->leaf * d * KD_LEAF_SIZE;
	uint32_t	hits = 0;

	/*
	 * Single precision screens the leaf (half the memory traffic and twice
	 * the lanes); whatever may be within the bound, allowing for the
	 * rounding, is measured again in double.
	 */
	if (bound < INFINITY)
	{
		double		r = sqrt(bound) + tree->filter_margin;

		filter = (float) (r * r * (1.0 + 1e-5));
	}
	else
		filter = INFINITY;
	for (int j = 0; j < d; j++)
		qf[j] = (float) q[j];
	for (int p = 0; p < KD_LEAF_SIZE; p++)
		dist[p] = 0.0f;
	for (int j = 0; j < d; j++)
	{
		const float *col = columns + (size_t) j * KD_LEAF_SIZE;
		float		qj = qf[j];

		for (int p = 0; p < KD_LEAF_SIZE; p++)
		{
			float		e = col[p] - qj;

			dist[p] += e * e;
		}
	}
	/* usually no point qualifies: test every lane at once, then visit the few */
	for (int p = 0; p < KD_LEAF_SIZE; p++)
		hits |= (uint32_t) (dist[p] <= filter) << p;
	if (count < 32)
		hits &= (1u << count) - 1;
	while (hits != 0)
	{
		int			p = __builtin_ctz(hits);
		int			row_no = tree->order[nd->start + p];
		double		exact;

		hits &= hits - 1;
		if (row_no == self)
			continue;
		exact = linalg_sq_distance(tree->points + (size_t) (nd->start + p) * d, q, d);
		if (exact <= neighbors_bound(list))
			neighbors_offer(list, exact, row_no);
	}
}

/*
 * gaps[j] is the squared gap to the region in dimension j already counted
 * in min_dist, the lower bound of any distance from q into this node.
 */
static void
kd_search(const KdTree *tree, int node, const double *q, int self, double min_dist,
		  double *gaps, NeighborList *list)
{
	const KdNode *nd = &tree->nodes[node];

	if (nd->leaf >= 0)
		kd_search_leaf(tree, nd, q, self, list);
	else if (nd->left < 0)
	{
		int			d = tree->d;

		for (int p = nd->start; p < nd->end; p++)
		{
			double		dist = linalg_sq_distance(tree->points + (size_t) p * d, q, d);
			int			row_no = tree->order[p];

			if (row_no != self)
				neighbors_offer(list, dist, row_no);
		}
	}
	else
	{
		int			s = nd->split_dim;
		double		to_left = q[s] - nd->left_hi;	/* > 0: q right of the left part */
		double		to_right = nd->right_lo - q[s]; /* > 0: q left of the right part */
		bool		near_left = to_left < to_right;
		double		cut = near_left ? to_right : to_left;
		double		old_gap = gaps[s];
		double		far_dist;

		kd_search(tree, near_left ? nd->left : nd->right, q, self, min_dist, gaps, list);
		cut = (cut > 0.0) ? cut * cut : 0.0;
		if (cut < old_gap)
			cut = old_gap;
		far_dist = min_dist - old_gap + cut;
		/* a region exactly at the bound may hold an equal, lower-numbered row */
		if (far_dist <= neighbors_bound(list))
		{
			gaps[s] = cut;
			kd_search(tree, near_left ? nd->right : nd->left, q, self, far_dist, gaps, list);
			gaps[s] = old_gap;
		}
	}
}

static void
kd_build_leaf_blocks(KdTree *tree)
{
	int			d = tree->d;
	int			n_leaves = 0;

	for (int node = 0; node < tree->n_nodes; node++)
		n_leaves += (tree->nodes[node].left < 0);
	tree->leaf_columns = seg_alloc0(sizeof(float) * (size_t) n_leaves * d * KD_LEAF_SIZE);
	tree->n_leaves = 0;
	for (int node = 0; node < tree->n_nodes; node++)
	{
		KdNode	   *nd = &tree->nodes[node];
		int			leaf = tree->n_leaves;
		float	   *columns = tree->leaf_columns + (size_t) leaf * d * KD_LEAF_SIZE;

		/* a leaf of many identical points stays on the row-wise path */
		if (nd->left >= 0 || nd->end - nd->start > KD_LEAF_SIZE)
			continue;
		nd->leaf = tree->n_leaves++;
		for (int p = nd->start; p < nd->end; p++)
		{
			const double *row = tree->points + (size_t) p * d;

			for (int j = 0; j < d; j++)
				columns[(size_t) j * KD_LEAF_SIZE + (p - nd->start)] = (float) row[j];
		}
	}
}

static size_t
kd_memory(int n, int d, int k)
{
	size_t		nodes = (size_t) kd_max_nodes(n);
	size_t		leaves = (size_t) (n / (KD_LEAF_SIZE / 2) + 1);

	return (size_t) n * d * sizeof(double) + (size_t) n * sizeof(int) +
		nodes * sizeof(KdNode) + 3 * (size_t) d * sizeof(double) +
		leaves * KD_LEAF_SIZE * (size_t) d * sizeof(float) +
		(size_t) k * (sizeof(double) + sizeof(int));
}

static void
knn_tree(const double *x, int n, int d, int k, double largest, KnnPacer *pacer,
		 int *neighbors)
{
	KdTree		tree;
	NeighborList list;
	double	   *gaps;
	int			done = 0;

	tree.d = d;
	tree.n_nodes = 0;
	tree.order = seg_alloc(sizeof(int) * (size_t) n);
	tree.nodes = seg_alloc(sizeof(KdNode) * (size_t) kd_max_nodes(n));
	tree.lo = seg_alloc(sizeof(double) * d);
	tree.hi = seg_alloc(sizeof(double) * d);
	gaps = seg_alloc0(sizeof(double) * d);
	tree.points = seg_alloc(sizeof(double) * (size_t) n * d);
	for (int i = 0; i < n; i++)
		tree.order[i] = i;
	kd_build_node(&tree, x, 0, n);
	for (int p = 0; p < n; p++)
		memcpy(tree.points + (size_t) p * d, x + (size_t) tree.order[p] * d, sizeof(double) * d);
	kd_build_leaf_blocks(&tree);
	/* 8x the worst single-precision rounding of a difference vector */
	tree.filter_margin = 8.0 * sqrt((double) d) * ldexp(largest, -24) + 1e-300;

	list.k = k;
	list.dist = seg_alloc(sizeof(double) * k);
	list.index = seg_alloc(sizeof(int) * k);
	/* the sorted insertions, and at least k candidates' distances */
	pacer_pace(pacer, (size_t) k * k / 4 + (size_t) k * d);

	/* queries in tree order: consecutive queries walk the same branches */
	for (int p = 0; p < n; p++)
	{
		int			row_no = tree.order[p];

		list.count = 0;
		kd_search(&tree, 0, tree.points + (size_t) p * d, row_no, 0.0, gaps, &list);
		memcpy(neighbors + (size_t) row_no * k, list.index, sizeof(int) * k);
		pacer_query(pacer, ++done);
	}

	seg_free(list.dist);
	seg_free(list.index);
	seg_free(gaps);
	seg_free(tree.leaf_columns);
	seg_free(tree.points);
	seg_free(tree.hi);
	seg_free(tree.lo);
	seg_free(tree.nodes);
	seg_free(tree.order);
}

/* ---------------------------------------------------------------------
 * BLAS distance blocks
 * ---------------------------------------------------------------------
 */

static int
brute_block_rows(int n)
{
	size_t		rows = BRUTE_BLOCK_BYTES / ((size_t) n * sizeof(double));

	if (rows < 1)
		rows = 1;
	if (rows > (size_t) n)
		rows = (size_t) n;
	return (int) rows;
}

static size_t
brute_memory(int n, int k)
{
	return (size_t) n * sizeof(double) +
		(size_t) brute_block_rows(n) * n * sizeof(double) +
		(size_t) k * (sizeof(double) + sizeof(int));
}

static void
knn_brute(const double *x, int n, int d, int k, KnnPacer *pacer, int *neighbors)
{
	int			block = brute_block_rows(n);
	double	   *norms = seg_alloc(sizeof(double) * (size_t) n);
	double	   *dist = seg_alloc(sizeof(double) * (size_t) block * n);
	NeighborList list;

	list.k = k;
	list.dist = seg_alloc(sizeof(double) * k);
	list.index = seg_alloc(sizeof(int) * k);
	linalg_row_sq_norms(x, n, d, norms);
	/* n candidates offered a query, k^2 / 4 for the sorted insertions */
	pacer_pace(pacer, (size_t) n + (size_t) k * k / 4);

	for (int start = 0; start < n; start += block)
	{
		int			rows = (n - start < block) ? n - start : block;

		linalg_sq_distances(x + (size_t) start * d, norms + start, rows,
							x, norms, n, d, dist);
		for (int r = 0; r < rows; r++)
		{
			const double *drow = dist + (size_t) r * n;
			int			self = start + r;

			list.count = 0;
			for (int j = 0; j < n; j++)
			{
				if (j != self)
					neighbors_offer(&list, drow[j], j);
			}
			memcpy(neighbors + (size_t) self * k, list.index, sizeof(int) * k);
			pacer_query(pacer, self + 1);
		}
		/* and after each block's distances, which BLAS computes at once */
		pacer_tick(pacer, start + rows);
	}

	seg_free(list.dist);
	seg_free(list.index);
	seg_free(dist);
	seg_free(norms);
}

/* x minus its column means (computed in two passes for accuracy) */
static void
centre_columns(const double *x, int n, int d, double *out)
{
	for (int j = 0; j < d; j++)
	{
		double		mean = 0.0;
		double		correction = 0.0;

		for (int i = 0; i < n; i++)
			mean += x[(size_t) i * d + j];
		mean /= n;
		for (int i = 0; i < n; i++)
			correction += x[(size_t) i * d + j] - mean;
		mean += correction / n;
		for (int i = 0; i < n; i++)
			out[(size_t) i * d + j] = x[(size_t) i * d + j] - mean;
	}
}

size_t
knn_self_memory(int n, int d, int k)
{
	/* the larger of the two, as the choice depends on the values too */
	size_t		tree = (d <= KNN_TREE_MAX_DIM) ? kd_memory(n, d, k) : 0;
	size_t		brute = brute_memory(n, k);

	return (size_t) n * d * sizeof(double) + (tree > brute ? tree : brute);
}

SegStatus
knn_self(const double *x, int n, int d, int k, size_t memory_limit,
		 const SegHooks *hooks, int *neighbors, char *errmsg)
{
	KnnPacer	pacer;
	size_t		needed;
	double		largest = 0.0;
	double	   *centred;

	if (n < 2 || d < 1 || k < 1 || k >= n)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "nearest-neighbour search needs k (%d) below the number of rows (%d)", k, n);
		return SEG_ERR_INVALID;
	}
	needed = knn_self_memory(n, d, k);
	if (memory_limit != 0 && needed > memory_limit)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "nearest-neighbour search over %d rows of %d columns needs %zu kB of working memory",
				 n, d, (needed + 1023) / 1024);
		return SEG_ERR_NOMEM;
	}

	pacer.hooks = hooks;
	pacer.n = n;
	clock_gettime(CLOCK_MONOTONIC, &pacer.last);

	/*
	 * Distances do not change when the columns are centred, but their
	 * rounding does: |x|^2 - 2 x.y + |y|^2 cancels catastrophically far
	 * from the origin, and the tree's single-precision screen needs small
	 * magnitudes to be selective.
	 */
	centred = seg_alloc(sizeof(double) * (size_t) n * d);
	centre_columns(x, n, d, centred);
	for (size_t i = 0; i < (size_t) n * d; i++)
		largest = fmax(largest, fabs(centred[i]));
	/* the screen's squares must not overflow single precision */
	if (d <= KNN_TREE_MAX_DIM && largest <= KNN_TREE_MAX_ABS)
		knn_tree(centred, n, d, k, largest, &pacer, neighbors);
	else
		knn_brute(centred, n, d, k, &pacer, neighbors);
	seg_free(centred);
	return SEG_OK;
}
