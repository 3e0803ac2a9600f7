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

static double
ExactSilhouette(const double *x, int n, int d, const int *labels, int k,
				size_t memory_limit, const SegHooks *hooks)
{
	int		   *sizes = seg_alloc(sizeof(int) * k);
	double	   *norms = seg_alloc(sizeof(double) * (size_t) n);
	double	   *sums;
	double	   *dist;
	int			block;
	double		total = 0.0;
	int			present = CountLabels(labels, n, k, sizes);

	if (present < 2 || present > n - 1)
	{
		seg_free(sizes);
		seg_free(norms);
		return NAN;
	}
	/* rows per block so that the block's distances fit the memory limit */
	block = (int) (memory_limit / 2 / sizeof(double) / (size_t) n);
	if (block < 1)
		block = 1;
	if (block > n)
		block = n;
	if (block > 4096)
		block = 4096;
	dist = seg_alloc(sizeof(double) * (size_t) block * n);
	sums = seg_alloc(sizeof(double) * (size_t) block * k);
	linalg_row_sq_norms(x, n, d, norms);

	for (int start = 0; start < n; start += block)
	{
		int			rows = n - start < block ? n - start : block;

		seg_check_interrupts(hooks);
		linalg_gemm(false, true, rows, n, d, -2.0, x + (size_t) start * d, d, x, d,
					0.0, dist, n);
		memset(sums, 0, sizeof(double) * (size_t) rows * k);
		for (int r = 0; r < rows; r++)
		{
			const double *drow = dist + (size_t) r * n;
			double	   *srow = sums + (size_t) r * k;
			double		xn = norms[start + r];
			int			own = labels[start + r];
			double		a;
			double		b = INFINITY;

			for (int i = 0; i < n; i++)
			{
				double		v = drow[i] + xn + norms[i];

				if (i == start + r)
					continue;	/* zero diagonal */
				srow[labels[i]] += v > 0.0 ? sqrt(v) : 0.0;
			}
			if (sizes[own] <= 1)
				continue;		/* a lone row scores 0 */
			a = srow[own] / (sizes[own] - 1);
			for (int j = 0; j < k; j++)
				if (j != own && sizes[j] > 0 && srow[j] / sizes[j] < b)
					b = srow[j] / sizes[j];
			if (fmax(a, b) > 0.0)
				total += (b - a) / fmax(a, b);
		}
	}
	seg_free(sizes);
	seg_free(norms);
	seg_free(dist);
	seg_free(sums);
	return total / n;
}

double
silhouette_score(const double *x, int n, int d, const int *labels, int k,
				 int sample_size, uint64_t seed, size_t memory_limit,
				 const SegHooks *hooks)
{
	SegRng		rng;
	int		   *order;
	double	   *xs;
	int		   *ls;
	double		score;

	if (sample_size <= 0 || sample_size >= n)
		return ExactSilhouette(x, n, d, labels, k, memory_limit, hooks);

	order = seg_alloc(sizeof(int) * (size_t) n);
	for (int i = 0; i < n; i++)
		order[i] = i;
	rng_seed(&rng, seed);
	rng_shuffle(&rng, order, n);
	xs = seg_alloc(sizeof(double) * (size_t) sample_size * d);
	ls = seg_alloc(sizeof(int) * (size_t) sample_size);
	for (int s = 0; s < sample_size; s++)
	{
		memcpy(xs + (size_t) s * d, x + (size_t) order[s] * d, sizeof(double) * d);
		ls[s] = labels[order[s]];
	}
	score = ExactSilhouette(xs, sample_size, d, ls, k, memory_limit, hooks);
	seg_free(order);
	seg_free(xs);
	seg_free(ls);
	return score;
}

double
davies_bouldin_score(const double *x, int n, int d, const int *labels, int k)
{
	int		   *sizes = seg_alloc(sizeof(int) * k);
	double	   *centroids = seg_alloc0(sizeof(double) * (size_t) k * d);
	double	   *intra = seg_alloc0(sizeof(double) * k);
	int			present = CountLabels(labels, n, k, sizes);
	bool		intra_zero = true;
	bool		centres_same = true;
	double		total = 0.0;

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
	for (int a = 0; a < k; a++)
	{
		double		worst = 0.0;

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
