/*-------------------------------------------------------------------------
 *
 * kmeans.c
 *	  k-means++ seeding and Lloyd iterations, following scikit-learn 1.2
 *	  (sklearn/cluster/_kmeans.py, _k_means_lloyd.pyx, _k_means_common.pyx)
 *	  so that results can be compared with it:
 *
 *	- the data are centred on their mean first (better conditioned
 *	  distance expansions); centres are shifted back at the end;
 *	- k-means++ draws the first centre uniformly, then for each further
 *	  centre 2 + floor(ln k) candidates with probability proportional to
 *	  the squared distance to the closest centre so far, and keeps the
 *	  candidate that minimises the total potential (greedy k-means++);
 *	- a Lloyd iteration assigns each row to argmin_j |c_j|^2 - 2 x.c_j,
 *	  computed for a block of rows with one GEMM, sums the rows per
 *	  cluster, relocates empty clusters to the points farthest from their
 *	  centres, and averages;
 *	- it stops when the labels stop changing (strict convergence) or when
 *	  the total squared centre shift is at most tol * mean feature
 *	  variance, then re-assigns the labels to the final centres;
 *	- the best of n_init runs by inertia (sum of squared distances) wins,
 *	  unless it is the same partition as the best so far.
 *
 * IDENTIFICATION
 *	  src/kmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kmeans.h"
#include "linalg.h"

double
kmeans_tolerance(const double *x, int n, int d, double tol)
{
	double	   *mean;
	double	   *ss;
	double		total = 0.0;

	if (n == 0 || tol == 0.0)
		return 0.0;
	mean = seg_alloc0(sizeof(double) * d);
	ss = seg_alloc0(sizeof(double) * d);
	/* two row-wise passes: the mean, then squared deviations from it */
	for (int i = 0; i < n; i++)
		for (int t = 0; t < d; t++)
			mean[t] += x[(size_t) i * d + t];
	for (int t = 0; t < d; t++)
		mean[t] /= n;
	for (int i = 0; i < n; i++)
		for (int t = 0; t < d; t++)
		{
			double		diff = x[(size_t) i * d + t] - mean[t];

			ss[t] += diff * diff;
		}
	for (int t = 0; t < d; t++)
		total += ss[t] / n;
	seg_free(mean);
	seg_free(ss);
	return total / d * tol;
}

/*
 * Assigns a block of rows and, when sums is not NULL, adds each row to
 * its cluster's sum and count.  dist is scratch of rows * k doubles.
 */
static void
AssignBlock(const double *x, int rows, int d, const double *centers, const double *c_norms,
			int k, double *dist, int *labels, double *min_sq_dist,
			double *sums, double *counts)
{
	/* dist = |c|^2 - 2 x.c: the GEMM accumulates onto the centre norms */
	for (int i = 0; i < rows; i++)
		memcpy(dist + (size_t) i * k, c_norms, sizeof(double) * k);
	linalg_gemm(false, true, rows, k, d, -2.0, x, d, centers, d, 1.0, dist, k);
	for (int i = 0; i < rows; i++)
	{
		const double *row = dist + (size_t) i * k;
		const double *xi = x + (size_t) i * d;
		double		best = row[0];
		int			label = 0;

		for (int j = 1; j < k; j++)
		{
			double		v = row[j];

			if (v < best)
			{
				best = v;
				label = j;
			}
		}
		labels[i] = label;
		if (min_sq_dist != NULL)
			min_sq_dist[i] = linalg_sq_distance(xi, centers + (size_t) label * d, d);
		if (sums != NULL)
		{
			double	   *s = sums + (size_t) label * d;

			for (int t = 0; t < d; t++)
				s[t] += xi[t];
			counts[label] += 1.0;
		}
	}
}

/* One assignment pass over all rows, optionally accumulating sums. */
static void
AssignAll(const double *x, int n, int d, const double *centers, int k,
		  double *c_norms, double *dist, int *labels, double *min_sq_dist,
		  double *sums, double *counts, const SegHooks *hooks)
{
	linalg_row_sq_norms(centers, k, d, c_norms);
	if (sums != NULL)
	{
		memset(sums, 0, sizeof(double) * (size_t) k * d);
		memset(counts, 0, sizeof(double) * k);
	}
	for (int start = 0; start < n; start += KMEANS_BLOCK_ROWS)
	{
		int			rows = n - start < KMEANS_BLOCK_ROWS ? n - start : KMEANS_BLOCK_ROWS;

		AssignBlock(x + (size_t) start * d, rows, d, centers, c_norms, k, dist,
					labels + start, min_sq_dist != NULL ? min_sq_dist + start : NULL,
					sums, counts);
		if ((start / KMEANS_BLOCK_ROWS) % 64 == 63)
			seg_check_interrupts(hooks);
	}
}

void
kmeans_assign(const double *x, int n, int d, const double *centers, int k,
			  int *labels, double *min_sq_dist)
{
	double	   *c_norms = seg_alloc(sizeof(double) * k);
	double	   *dist = seg_alloc(sizeof(double) * (size_t) KMEANS_BLOCK_ROWS * k);

	AssignAll(x, n, d, centers, k, c_norms, dist, labels, min_sq_dist, NULL, NULL, NULL);
	seg_free(dist);
	seg_free(c_norms);
}

void
kmeans_relocate_empty(int k, int d, double *sums, double *counts,
					  const double *far_points, const int *far_labels, int n_far)
{
	int			used = 0;

	for (int j = 0; j < k && used < n_far; j++)
	{
		const double *p;
		int			old;

		if (counts[j] != 0.0)
			continue;
		p = far_points + (size_t) used * d;
		old = far_labels[used];
		for (int t = 0; t < d; t++)
		{
			sums[(size_t) old * d + t] -= p[t];
			sums[(size_t) j * d + t] = p[t];
		}
		counts[j] = 1.0;
		counts[old] -= 1.0;
		used++;
	}
}

double
kmeans_update_centers(int k, int d, const double *sums, const double *counts,
					  const double *old_centers, double *new_centers)
{
	double		shift = 0.0;

	for (int j = 0; j < k; j++)
	{
		double		alpha = counts[j] > 0.0 ? 1.0 / counts[j] : 1.0;

		for (int t = 0; t < d; t++)
			new_centers[(size_t) j * d + t] = sums[(size_t) j * d + t] * alpha;
		shift += linalg_sq_distance(new_centers + (size_t) j * d, old_centers + (size_t) j * d, d);
	}
	return shift;
}

/*
 * Finds the n_far points farthest from their centres (decreasing
 * distance) for the relocation of empty clusters.
 */
static void
FarthestPoints(const double *x, int n, int d, const double *centers, const int *labels,
			   int n_far, double *points, int *far_labels)
{
	double	   *best = seg_alloc(sizeof(double) * n_far);
	int		   *idx = seg_alloc(sizeof(int) * n_far);
	int			have = 0;

	for (int i = 0; i < n; i++)
	{
		double		dist = linalg_sq_distance(x + (size_t) i * d, centers + (size_t) labels[i] * d, d);
		int			pos;

		if (have == n_far && dist <= best[have - 1])
			continue;
		pos = have < n_far ? have++ : n_far - 1;
		while (pos > 0 && best[pos - 1] < dist)
		{
			best[pos] = best[pos - 1];
			idx[pos] = idx[pos - 1];
			pos--;
		}
		best[pos] = dist;
		idx[pos] = i;
	}
	for (int r = 0; r < have; r++)
	{
		memcpy(points + (size_t) r * d, x + (size_t) idx[r] * d, sizeof(double) * d);
		far_labels[r] = labels[idx[r]];
	}
	seg_free(best);
	seg_free(idx);
}

int
kmeans_lloyd(const double *x, int n, int d, int k, double *centers,
			 int max_iter, double tol_abs, const SegHooks *hooks, bool progress,
			 int *labels, double *inertia)
{
	double	   *sums = seg_alloc(sizeof(double) * (size_t) k * d);
	double	   *counts = seg_alloc(sizeof(double) * k);
	double	   *new_centers = seg_alloc(sizeof(double) * (size_t) k * d);
	double	   *c_norms = seg_alloc(sizeof(double) * k);
	double	   *dist = seg_alloc(sizeof(double) * (size_t) KMEANS_BLOCK_ROWS * k);
	double	   *far_points = seg_alloc(sizeof(double) * (size_t) k * d);
	int		   *far_labels = seg_alloc(sizeof(int) * k);
	int		   *spare = seg_alloc(sizeof(int) * (size_t) n);
	/* the two label buffers swap roles each iteration instead of copying */
	int		   *cur = labels;
	int		   *prev = spare;
	bool		strict = false;
	int			n_iter = max_iter;
	double		total = 0.0;

	for (int i = 0; i < n; i++)
		prev[i] = -1;
	for (int it = 0; it < max_iter; it++)
	{
		int			n_empty = 0;
		double		shift;

		seg_check_interrupts(hooks);
		AssignAll(x, n, d, centers, k, c_norms, dist, cur, NULL, sums, counts, hooks);
		for (int j = 0; j < k; j++)
			n_empty += counts[j] == 0.0;
		if (n_empty > 0)
		{
			FarthestPoints(x, n, d, centers, cur, n_empty, far_points, far_labels);
			kmeans_relocate_empty(k, d, sums, counts, far_points, far_labels, n_empty);
		}
		shift = kmeans_update_centers(k, d, sums, counts, centers, new_centers);
		memcpy(centers, new_centers, sizeof(double) * (size_t) k * d);
		if (progress)
		{
			char		msg[128];

			snprintf(msg, sizeof(msg), "k = %d, iteration %d: centre shift %.6g", k, it + 1, shift);
			seg_progress(hooks, msg);
		}
		if (memcmp(cur, prev, sizeof(int) * (size_t) n) == 0)
		{
			strict = true;
			n_iter = it + 1;
			break;
		}
		if (shift <= tol_abs)
		{
			n_iter = it + 1;
			break;
		}
		{
			int		   *swap = cur;

			cur = prev;
			prev = swap;
		}
	}
	/* as scikit-learn: labels must describe the returned centres */
	if (!strict)
		AssignAll(x, n, d, centers, k, c_norms, dist, labels, NULL, NULL, NULL, hooks);
	else if (cur != labels)
		memcpy(labels, cur, sizeof(int) * (size_t) n);
	for (int i = 0; i < n; i++)
		total += linalg_sq_distance(x + (size_t) i * d, centers + (size_t) labels[i] * d, d);
	*inertia = total;

	seg_free(sums);
	seg_free(counts);
	seg_free(new_centers);
	seg_free(c_norms);
	seg_free(dist);
	seg_free(far_points);
	seg_free(far_labels);
	seg_free(spare);
	return n_iter;
}

/* Squared distances from every row to one point p, as |x|^2 - 2 x.p + |p|^2. */
static void
DistancesTo(const double *x, const double *x_norms, int n, int d, const double *p, double *out)
{
	double		p_norm = 0.0;

	for (int t = 0; t < d; t++)
		p_norm += p[t] * p[t];
	linalg_gemv(false, n, d, -2.0, x, d, p, 0.0, out);
	for (int i = 0; i < n; i++)
	{
		double		v = out[i] + x_norms[i] + p_norm;

		out[i] = v > 0.0 ? v : 0.0;
	}
}

/* First index whose cumulative sum reaches r (numpy's searchsorted 'left'). */
static int
SearchSorted(const double *cumsum, int n, double r)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (cumsum[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n ? lo : n - 1;
}

void
kmeans_plusplus(const double *x, const double *x_norms, int n, int d, int k,
				SegRng *rng, const SegHooks *hooks, double *centers)
{
	int			n_trials = 2 + (int) log((double) k);
	double	   *closest = seg_alloc(sizeof(double) * (size_t) n);
	double	   *cumsum = seg_alloc(sizeof(double) * (size_t) n);
	/* distances of every row to every candidate: one GEMM per block */
	double	   *cand_dist = seg_alloc(sizeof(double) * (size_t) n * n_trials);
	double	   *cand_x = seg_alloc(sizeof(double) * (size_t) n_trials * d);
	double	   *cand_norms = seg_alloc(sizeof(double) * n_trials);
	double	   *cand_pot = seg_alloc(sizeof(double) * n_trials);
	int		   *cand = seg_alloc(sizeof(int) * n_trials);
	double		pot = 0.0;
	int			first = (int) rng_below(rng, (uint64_t) n);

	memcpy(centers, x + (size_t) first * d, sizeof(double) * d);
	DistancesTo(x, x_norms, n, d, centers, closest);
	for (int i = 0; i < n; i++)
		pot += closest[i];

	for (int c = 1; c < k; c++)
	{
		double		acc = 0.0;
		int			best = 0;

		seg_check_interrupts(hooks);
		for (int i = 0; i < n; i++)
		{
			acc += closest[i];
			cumsum[i] = acc;
		}
		for (int t = 0; t < n_trials; t++)
		{
			cand[t] = SearchSorted(cumsum, n, rng_uniform(rng) * pot);
			memcpy(cand_x + (size_t) t * d, x + (size_t) cand[t] * d, sizeof(double) * d);
			cand_norms[t] = x_norms[cand[t]];
			cand_pot[t] = 0.0;
		}
		for (int start = 0; start < n; start += KMEANS_BLOCK_ROWS)
		{
			int			rows = n - start < KMEANS_BLOCK_ROWS ? n - start : KMEANS_BLOCK_ROWS;
			double	   *block = cand_dist + (size_t) start * n_trials;

			linalg_gemm(false, true, rows, n_trials, d, -2.0, x + (size_t) start * d, d,
						cand_x, d, 0.0, block, n_trials);
			for (int i = 0; i < rows; i++)
				for (int t = 0; t < n_trials; t++)
				{
					double		v = block[(size_t) i * n_trials + t] + x_norms[start + i] +
						cand_norms[t];

					v = v > 0.0 ? v : 0.0;
					block[(size_t) i * n_trials + t] = v;
					cand_pot[t] += v < closest[start + i] ? v : closest[start + i];
				}
		}
		for (int t = 1; t < n_trials; t++)
			if (cand_pot[t] < cand_pot[best])
				best = t;
		for (int i = 0; i < n; i++)
		{
			double		v = cand_dist[(size_t) i * n_trials + best];

			if (v < closest[i])
				closest[i] = v;
		}
		pot = cand_pot[best];
		memcpy(centers + (size_t) c * d, cand_x + (size_t) best * d, sizeof(double) * d);
	}
	seg_free(closest);
	seg_free(cumsum);
	seg_free(cand_dist);
	seg_free(cand_x);
	seg_free(cand_norms);
	seg_free(cand_pot);
	seg_free(cand);
}

/*
 * Whether two labelings are the same partition up to a renaming of the
 * clusters (scikit-learn's _is_same_clustering): a run that finds the
 * same clustering with a rounding-lower inertia does not replace the
 * earlier one.
 */
static bool
SameClustering(const int *a, const int *b, int n, int k)
{
	int		   *map = seg_alloc(sizeof(int) * k);
	bool		same = true;

	for (int j = 0; j < k; j++)
		map[j] = -1;
	for (int i = 0; i < n && same; i++)
	{
		if (map[a[i]] == -1)
			map[a[i]] = b[i];
		else if (map[a[i]] != b[i])
			same = false;
	}
	seg_free(map);
	return same;
}

static SegStatus
CheckOptions(int n, int d, const KMeansOptions *opt, char *errmsg)
{
	if (opt->k < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "k must be at least 1, not %d", opt->k);
		return SEG_ERR_INVALID;
	}
	if (n < opt->k)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "k = %d is greater than the number of rows (%d)",
				 opt->k, n);
		return SEG_ERR_INVALID;
	}
	if (d < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "rows must have at least one feature");
		return SEG_ERR_INVALID;
	}
	if (opt->n_init < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "n_init must be at least 1, not %d", opt->n_init);
		return SEG_ERR_INVALID;
	}
	if (opt->max_iter < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "max_iter must be at least 1, not %d", opt->max_iter);
		return SEG_ERR_INVALID;
	}
	if (!(opt->tol >= 0.0) || isinf(opt->tol))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "tol must be a finite number of at least 0");
		return SEG_ERR_INVALID;
	}
	return SEG_OK;
}

SegStatus
kmeans_fit(const double *x, int n, int d, const KMeansOptions *opt,
		   KMeansResult *out, char *errmsg)
{
	SegStatus	status = CheckOptions(n, d, opt, errmsg);
	int			k = opt->k;
	size_t		cells;
	double	   *xc;
	double	   *mean;
	double	   *x_norms;
	double	   *centers;
	int		   *labels;
	SegRng		rng;
	double		tol_abs;
	int			n_init = opt->init != NULL ? 1 : opt->n_init;

	if (status != SEG_OK)
		return status;
	if (!seg_mul_size((size_t) n, (size_t) d, &cells) || cells > SIZE_MAX / sizeof(double))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%d rows of %d features are too many", n, d);
		return SEG_ERR_INVALID;
	}

	/* centre the data, as scikit-learn does, for accurate expansions */
	mean = seg_alloc0(sizeof(double) * d);
	for (int i = 0; i < n; i++)
		for (int t = 0; t < d; t++)
			mean[t] += x[(size_t) i * d + t];
	for (int t = 0; t < d; t++)
		mean[t] /= n;
	xc = seg_alloc(sizeof(double) * cells);
	for (int i = 0; i < n; i++)
		for (int t = 0; t < d; t++)
			xc[(size_t) i * d + t] = x[(size_t) i * d + t] - mean[t];
	x_norms = seg_alloc(sizeof(double) * (size_t) n);
	linalg_row_sq_norms(xc, n, d, x_norms);
	tol_abs = kmeans_tolerance(xc, n, d, opt->tol);

	centers = seg_alloc(sizeof(double) * (size_t) k * d);
	labels = seg_alloc(sizeof(int) * (size_t) n);
	out->k = k;
	out->d = d;
	out->centroids = seg_alloc(sizeof(double) * (size_t) k * d);
	out->labels = seg_alloc(sizeof(int) * (size_t) n);
	out->inertia = INFINITY;
	out->n_iter = 0;

	rng_seed(&rng, opt->seed);
	for (int run = 0; run < n_init; run++)
	{
		double		inertia;
		int			n_iter;

		if (opt->init != NULL)
		{
			for (int j = 0; j < k; j++)
				for (int t = 0; t < d; t++)
					centers[(size_t) j * d + t] = opt->init[(size_t) j * d + t] - mean[t];
		}
		else
			kmeans_plusplus(xc, x_norms, n, d, k, &rng, opt->hooks, centers);
		n_iter = kmeans_lloyd(xc, n, d, k, centers, opt->max_iter, tol_abs, opt->hooks,
							  opt->progress_per_iteration, labels, &inertia);
		if (run == 0 ||
			(inertia < out->inertia && !SameClustering(labels, out->labels, n, k)))
		{
			out->inertia = inertia;
			out->n_iter = n_iter;
			memcpy(out->centroids, centers, sizeof(double) * (size_t) k * d);
			memcpy(out->labels, labels, sizeof(int) * (size_t) n);
		}
	}
	for (int j = 0; j < k; j++)
		for (int t = 0; t < d; t++)
			out->centroids[(size_t) j * d + t] += mean[t];

	{
		bool	   *seen = seg_alloc0(sizeof(bool) * k);

		out->n_distinct = 0;
		for (int i = 0; i < n; i++)
			if (!seen[out->labels[i]])
			{
				seen[out->labels[i]] = true;
				out->n_distinct++;
			}
		seg_free(seen);
	}
	seg_free(mean);
	seg_free(xc);
	seg_free(x_norms);
	seg_free(centers);
	seg_free(labels);
	return SEG_OK;
}

void
kmeans_result_free(KMeansResult *r)
{
	if (r->centroids != NULL)
		seg_free(r->centroids);
	if (r->labels != NULL)
		seg_free(r->labels);
	r->centroids = NULL;
	r->labels = NULL;
}
