/*-------------------------------------------------------------------------
 *
 * cluster_metrics.c
 *	  Silhouette, Davies-Bouldin and knee detection.
 *
 * The silhouette of row i is (b - a) / max(a, b), with a the mean distance
 * to the other rows of its cluster and b the smallest mean distance to the
 * rows of another cluster; rows alone in their cluster score 0 (Rousseeuw,
 * 1987; scikit-learn's silhouette_samples).  Distances use the expansion
 * |x|^2 - 2 x.y + |y|^2 clamped at 0 and a zero diagonal, as
 * scikit-learn's euclidean_distances does, so results agree to rounding.
 *
 * IDENTIFICATION
 *	  src/cluster_metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "cluster_metrics.h"
#include "linalg.h"
#include "rng.h"

/* Distinct labels among n. */
static int
CountLabels(const int *labels, int n, int k, int *sizes)
{
	int			present = 0;

	memset(sizes, 0, sizeof(int) * k);
	for (int i = 0; i < n; i++)
		sizes[labels[i]]++;
	for (int j = 0; j < k; j++)
		present += sizes[j] > 0;
	return present;
}

/*
 * The indices of n labelled rows grouped by label, each group in row
 * order: group j is order[starts[j]] .. order[starts[j] + sizes[j] - 1].
 */
static void
GroupByLabel(const int *labels, int n, int k, const int *sizes, int *starts, int *order)
{
	int		   *next = seg_alloc(sizeof(int) * k);

	for (int j = 0, at = 0; j < k; j++)
	{
		starts[j] = at;
		next[j] = at;
		at += sizes[j];
	}
	for (int i = 0; i < n; i++)
		order[next[labels[i]]++] = i;
	seg_free(next);
}

/*
 * The sum of dist over one group's rows, in four running sums (element t
 * into sum t mod 4) added pairwise at the end.  Four independent chains
 * of loads and additions: adding each distance into its cluster's sum
 * through memory made a chain of store-to-load forwarding whenever two
 * rows in a row share a label, nine tenths of the silhouette's time.
 */
static double
GroupSum(const double *dist, const int *rows, int count)
{
	double		s0 = 0.0,
				s1 = 0.0,
				s2 = 0.0,
				s3 = 0.0;
	int			t = 0;

	for (; t + 4 <= count; t += 4)
	{
		s0 += dist[rows[t]];
		s1 += dist[rows[t + 1]];
		s2 += dist[rows[t + 2]];
		s3 += dist[rows[t + 3]];
	}
	if (t < count)
		s0 += dist[rows[t++]];
	if (t < count)
		s1 += dist[rows[t++]];
	if (t < count)
		s2 += dist[rows[t]];
	return (s0 + s1) + (s2 + s3);
}

/*
 * Silhouettes of m labelings of the same rows (labels[c] with ks[c]
 * clusters) into out[c]: each block of distances is computed once and
 * serves every labeling.  Each labeling gets the same additions in the
 * same order as when scored alone, so the same score to the last bit.
 */
static void
ExactSilhouettes(const double *x, int n, int d, const int *const *labels, const int *ks, int m,
				 size_t memory_limit, const SegHooks *hooks, double *out)
{
	int		  **sizes = seg_alloc(sizeof(int *) * m);
	int		  **starts = seg_alloc0(sizeof(int *) * m);
	int		  **order = seg_alloc0(sizeof(int *) * m);
	double	  **sums = seg_alloc0(sizeof(double *) * m);
	double	   *totals = seg_alloc0(sizeof(double) * m);
	int		   *live = seg_alloc(sizeof(int) * m);
	int			n_live = 0;
	double	   *norms = NULL;
	double	   *dist = NULL;
	int			block;
	size_t		row_work = (size_t) n;
	SegCountdown check;

	for (int c = 0; c < m; c++)
	{
		int			present;

		sizes[c] = seg_alloc(sizeof(int) * ks[c]);
		present = CountLabels(labels[c], n, ks[c], sizes[c]);
		out[c] = NAN;
		if (present >= 2 && present <= n - 1)
		{
			live[n_live++] = c;
			starts[c] = seg_alloc(sizeof(int) * ks[c]);
			order[c] = seg_alloc(sizeof(int) * (size_t) n);
			sums[c] = seg_alloc(sizeof(double) * ks[c]);
			GroupByLabel(labels[c], n, ks[c], sizes[c], starts[c], order[c]);
			row_work += (size_t) n + ks[c];
		}
	}
	/* a block's rows cost n (n_live + 1) + the k's each: checked within it too */
	seg_countdown_init(&check, hooks, row_work, SIZE_MAX);
	if (n_live > 0)
	{
		/* rows per block so that the block's distances fit the memory limit */
		block = (int) (memory_limit / 2 / sizeof(double) / (size_t) n);
		if (block < 1)
			block = 1;
		if (block > n)
			block = n;
		if (block > 4096)
			block = 4096;
		norms = seg_alloc(sizeof(double) * (size_t) n);
		dist = seg_alloc(sizeof(double) * (size_t) block * n);
		linalg_row_sq_norms(x, n, d, norms);
	}

	for (int start = 0; n_live > 0 && start < n; start += block)
	{
		int			rows = n - start < block ? n - start : block;

		seg_check_interrupts(hooks);
		linalg_gemm(false, true, rows, n, d, -2.0, x + (size_t) start * d, d, x, d,
					0.0, dist, n);
		for (int r = 0; r < rows; r++)
		{
			double	   *drow = dist + (size_t) r * n;
			double		xn = norms[start + r];

			/* the distances once, in place, then each labeling's sums */
			for (int i = 0; i < n; i++)
			{
				double		v = drow[i] + xn + norms[i];

				drow[i] = v > 0.0 ? sqrt(v) : 0.0;
			}
			/* the zero diagonal adds +0 to the row's own cluster: no change */
			drow[start + r] = 0.0;
			for (int q = 0; q < n_live; q++)
			{
				int			c = live[q];
				double	   *srow = sums[c];
				int			own = labels[c][start + r];
				double		a;
				double		b = INFINITY;

				if (sizes[c][own] <= 1)
					continue;	/* a lone row scores 0 */
				for (int j = 0; j < ks[c]; j++)
					srow[j] = GroupSum(drow, order[c] + starts[c][j], sizes[c][j]);
				a = srow[own] / (sizes[c][own] - 1);
				for (int j = 0; j < ks[c]; j++)
					if (j != own && sizes[c][j] > 0 && srow[j] / sizes[c][j] < b)
						b = srow[j] / sizes[c][j];
				if (fmax(a, b) > 0.0)
					totals[c] += (b - a) / fmax(a, b);
			}
			seg_countdown_tick(&check);
		}
	}
	for (int q = 0; q < n_live; q++)
		out[live[q]] = totals[live[q]] / n;
	for (int c = 0; c < m; c++)
	{
		seg_free(sizes[c]);
		if (order[c] != NULL)
		{
			seg_free(starts[c]);
			seg_free(order[c]);
			seg_free(sums[c]);
		}
	}
	seg_free(sizes);
	seg_free(starts);
	seg_free(order);
	seg_free(sums);
	seg_free(totals);
	seg_free(live);
	if (norms != NULL)
	{
		seg_free(norms);
		seg_free(dist);
	}
}

int
silhouette_sample_rows(int n, int sample_size, uint64_t seed, int *rows)
{
	SegRng		rng;
	int		   *order;

	if (sample_size <= 0 || sample_size >= n)
	{
		for (int i = 0; i < n; i++)
			rows[i] = i;
		return n;
	}
	order = seg_alloc(sizeof(int) * (size_t) n);
	for (int i = 0; i < n; i++)
		order[i] = i;
	rng_seed(&rng, seed);
	rng_shuffle(&rng, order, n);
	memcpy(rows, order, sizeof(int) * (size_t) sample_size);
	seg_free(order);
	return sample_size;
}

void
silhouette_scores(const double *x, int n, int d, const int *const *labels, const int *ks,
				  int m, int sample_size, uint64_t seed, size_t memory_limit,
				  const SegHooks *hooks, double *out)
{
	int		   *rows;
	int			n_rows;
	double	   *xs;
	int		  **ls;

	if (sample_size <= 0 || sample_size >= n)
	{
		ExactSilhouettes(x, n, d, labels, ks, m, memory_limit, hooks, out);
		return;
	}
	rows = seg_alloc(sizeof(int) * (size_t) sample_size);
	n_rows = silhouette_sample_rows(n, sample_size, seed, rows);
	xs = seg_alloc(sizeof(double) * (size_t) n_rows * d);
	ls = seg_alloc(sizeof(int *) * m);
	for (int c = 0; c < m; c++)
		ls[c] = seg_alloc(sizeof(int) * (size_t) n_rows);
	for (int s = 0; s < n_rows; s++)
	{
		memcpy(xs + (size_t) s * d, x + (size_t) rows[s] * d, sizeof(double) * d);
		for (int c = 0; c < m; c++)
			ls[c][s] = labels[c][rows[s]];
	}
	ExactSilhouettes(xs, n_rows, d, (const int *const *) ls, ks, m, memory_limit, hooks, out);
	for (int c = 0; c < m; c++)
		seg_free(ls[c]);
	seg_free(ls);
	seg_free(rows);
	seg_free(xs);
}

double
silhouette_score(const double *x, int n, int d, const int *labels, int k,
				 int sample_size, uint64_t seed, size_t memory_limit,
				 const SegHooks *hooks)
{
	double		score;

	silhouette_scores(x, n, d, &labels, &k, 1, sample_size, seed, memory_limit, hooks, &score);
	return score;
}

double
davies_bouldin_score(const double *x, int n, int d, const int *labels, int k,
					 const SegHooks *hooks)
{
	int		   *sizes = seg_alloc(sizeof(int) * k);
	double	   *centroids = seg_alloc0(sizeof(double) * (size_t) k * d);
	double	   *intra = seg_alloc0(sizeof(double) * k);
	int			present = CountLabels(labels, n, k, sizes);
	bool		intra_zero = true;
	bool		centres_same = true;
	double		total = 0.0;
	SegCountdown check;

	if (present < 2 || present > n - 1)
	{
		seg_free(sizes);
		seg_free(centroids);
		seg_free(intra);
		return NAN;
	}
	for (int i = 0; i < n; i++)
		for (int t = 0; t < d; t++)
			centroids[(size_t) labels[i] * d + t] += x[(size_t) i * d + t];
	for (int j = 0; j < k; j++)
		for (int t = 0; t < d && sizes[j] > 0; t++)
			centroids[(size_t) j * d + t] /= sizes[j];
	for (int i = 0; i < n; i++)
		intra[labels[i]] += sqrt(linalg_sq_distance(x + (size_t) i * d,
													centroids + (size_t) labels[i] * d, d));
	for (int j = 0; j < k; j++)
		if (sizes[j] > 0)
		{
			intra[j] /= sizes[j];
			if (intra[j] > 1e-8)
				intra_zero = false;
		}
	/* each centroid against every other: k^2 d, 6.6 s at k = 8192, d = 256 */
	seg_countdown_init(&check, hooks, (size_t) k * d, SIZE_MAX);
	for (int a = 0; a < k; a++)
	{
		double		worst = 0.0;

		seg_countdown_tick(&check);
		if (sizes[a] == 0)
			continue;
		for (int b = 0; b < k; b++)
		{
			double		s;

			if (b == a || sizes[b] == 0)
				continue;
			s = linalg_sq_distance(centroids + (size_t) a * d, centroids + (size_t) b * d, d);
			if (sqrt(s) > 1e-8)
				centres_same = false;
			if (s > 0.0 && (intra[a] + intra[b]) / sqrt(s) > worst)
				worst = (intra[a] + intra[b]) / sqrt(s);
		}
		total += worst;
	}
	seg_free(sizes);
	seg_free(centroids);
	seg_free(intra);
	/* scikit-learn's convention for degenerate clusterings */
	if (intra_zero || centres_same)
		return 0.0;
	return total / present;
}

int
knee_index(const double *xs, const double *ys, int n)
{
	double		ymin = INFINITY;
	double		ymax = -INFINITY;
	double		best = 0.0;
	int			knee = -1;

	if (n < 3 || !(xs[n - 1] > xs[0]))
		return -1;
	for (int i = 0; i < n; i++)
	{
		ymin = fmin(ymin, ys[i]);
		ymax = fmax(ymax, ys[i]);
	}
	if (!(ymax > ymin))
		return -1;
	for (int i = 0; i < n; i++)
	{
		double		xn = (xs[i] - xs[0]) / (xs[n - 1] - xs[0]);
		/* decreasing convex: flip y so that the curve rises, then compare with y = x */
		double		yn = (ymax - ys[i]) / (ymax - ymin);

		if (yn - xn > best)
		{
			best = yn - xn;
			knee = i;
		}
	}
	return knee;
}
