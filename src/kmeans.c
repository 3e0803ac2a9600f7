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
 *	  computed for eight rows at a time in vector registers (the data are
 *	  kept in kmeans_blocks.h's layout: for segmentation's few features
 *	  and centres this beats a GEMM per block of rows, which scikit-learn
 *	  uses), sums the rows per cluster, relocates empty clusters to the
 *	  points farthest from their centres, and averages; with many centres
 *	  in few dimensions Hamerly's bounds (kmeans_hamerly.c) spare most
 *	  rows the distances, with the same labels to the last bit;
 *	- it stops when the labels stop changing (strict convergence) or when
 *	  the total squared centre shift is at most tol * mean feature
 *	  variance, then re-assigns the labels to the final centres;
 *	- the best of n_init runs by inertia (sum of squared distances) wins,
 *	  unless it is the same partition as the best so far;
 *	- the centred blocks, norms and variance are prepared once
 *	  (KMeansData) for all runs and, in the table form, for every k.
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
#include "kmeans_blocks.h"
#include "kmeans_hamerly.h"
#include "kmeans_screen.h"
#include "linalg.h"

/* The mean over the d features of their sums of squared deviations over n. */
static double
MeanVariance(const double *sq_dev, int n, int d)
{
	double		total = 0.0;

	for (int t = 0; t < d; t++)
		total += sq_dev[t] / n;
	return total / d;
}

void
kmeans_column_moments(const double *x, int n, int d, double *mean, double *sq_dev)
{
	memset(mean, 0, sizeof(double) * d);
	for (int i = 0; i < n; i++)
		for (int t = 0; t < d; t++)
			mean[t] += x[(size_t) i * d + t];
	for (int t = 0; t < d; t++)
		mean[t] /= n > 0 ? n : 1;
	if (sq_dev == NULL)
		return;
	/* a second row-wise pass: squared deviations from the mean */
	memset(sq_dev, 0, sizeof(double) * d);
	for (int i = 0; i < n; i++)
		for (int t = 0; t < d; t++)
		{
			double		diff = x[(size_t) i * d + t] - mean[t];

			sq_dev[t] += diff * diff;
		}
}

double
kmeans_tolerance(const double *x, int n, int d, double tol)
{
	double	   *mean;
	double	   *ss;
	double		total;

	if (n == 0 || tol == 0.0)
		return 0.0;
	mean = seg_alloc(sizeof(double) * d);
	ss = seg_alloc(sizeof(double) * d);
	kmeans_column_moments(x, n, d, mean, ss);
	total = MeanVariance(ss, n, d);
	seg_free(mean);
	seg_free(ss);
	return total * tol;
}

void
kmeans_assign(const double *x, int n, int d, const double *centers, int k,
			  int *labels, double *min_sq_dist)
{
	KMeansBlocks b;

	kmeans_blocks_init(&b, x, n, d, NULL, NULL);
	kmeans_blocks_assign(&b, centers, k, labels, min_sq_dist, NULL, NULL, NULL);
	kmeans_blocks_free(&b);
}

void
kmeans_relocate_empty(int k, int d, double *sums, double *counts,
					  const double *far_points, const int *far_labels, int n_far,
					  int *taken_by)
{
	int			used = 0;

	for (int r = 0; r < n_far && taken_by != NULL; r++)
		taken_by[r] = -1;

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
		if (taken_by != NULL)
			taken_by[used] = j;
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
FarthestPoints(const KMeansBlocks *x, const double *centers, const int *labels,
			   int n_far, double *points, int *far_labels, int *far_rows,
			   const SegHooks *hooks)
{
	double	   *dist = seg_alloc(sizeof(double) * (size_t) x->n);
	double	   *best = seg_alloc(sizeof(double) * n_far);
	int		   *idx = seg_alloc(sizeof(int) * n_far);
	int			have = 0;
	SegCountdown check;

	/* a row may shift the n_far kept: n x n_far with many empty clusters */
	seg_countdown_init(&check, hooks, (size_t) n_far, SIZE_MAX);
	kmeans_blocks_label_distances(x, centers, labels, dist);
	for (int i = 0; i < x->n; i++)
	{
		int			pos;

		seg_countdown_tick(&check);
		if (have == n_far && dist[i] <= best[have - 1])
			continue;
		pos = have < n_far ? have++ : n_far - 1;
		while (pos > 0 && best[pos - 1] < dist[i])
		{
			best[pos] = best[pos - 1];
			idx[pos] = idx[pos - 1];
			pos--;
		}
		best[pos] = dist[i];
		idx[pos] = i;
	}
	for (int r = 0; r < have; r++)
	{
		kmeans_blocks_row(x, idx[r], points + (size_t) r * x->d);
		far_labels[r] = labels[idx[r]];
		far_rows[r] = idx[r];
	}
	for (int r = have; r < n_far; r++)
		far_rows[r] = -1;
	seg_free(dist);
	seg_free(best);
	seg_free(idx);
}

KMeansMethod
kmeans_choose_method(int k, int d)
{
	/*
	 * Measured (one core of this project's AMD EPYC, AVX-512; 200,000 rows of
	 * 7 Gaussian blobs unless said, 30 to 100 iterations from k-means++;
	 * time per iteration, Hamerly / plain): d = 2: k = 16 2.15, k = 64
	 * 0.79; d = 4: k = 16 2.27, k = 32 1.67, k = 64 0.79, k = 128 1.11;
	 * d = 5: k = 3 1.95, k = 10 2.22; d = 8: k = 8 2.40 (1M uniform rows),
	 * k = 16 1.92, k = 32 1.55, k = 64 1.58, k = 128 1.25; d = 16: k = 16
	 * 1.75, k = 32 1.41, k = 64 1.49; d = 32, k = 32 1.37.  The blocked
	 * kernel computes the k distances of eight rows in a few dozen vector
	 * instructions, about what the bounds' bookkeeping costs, and both
	 * must add every row to the centroid sums; a single lower bound is
	 * weak with many nearby centres.  The bounds pay off only with many
	 * centres in few dimensions.  Measured again after the comparison
	 * stall of the x86-64-v4 kernels was fixed (200,000 normal rows, 60
	 * iterations, whole fit): d = 2, k = 64 0.56; d = 4: k = 64 0.71,
	 * k = 128 0.66; d = 8, k = 64 0.92; plain Lloyd's incremental sums
	 * made the plain step cheaper too, and the rule stands.
	 */
	return k >= 64 && d <= 4 ? KMEANS_HAMERLY : KMEANS_PLAIN;
}

int
kmeans_lloyd(const KMeansBlocks *x, double max_sq_norm, KMeansMethod method, int k,
			 double *centers, int max_iter, double tol_abs, const SegHooks *hooks,
			 bool progress, int *labels, double *inertia)
{
	int			n = x->n;
	int			d = x->d;
	double	   *sums = seg_alloc(sizeof(double) * (size_t) k * d);
	double	   *counts = seg_alloc(sizeof(double) * k);
	double	   *new_centers = seg_alloc(sizeof(double) * (size_t) k * d);
	double	   *far_points = seg_alloc(sizeof(double) * (size_t) k * d);
	int		   *far_labels = seg_alloc(sizeof(int) * k);
	int		   *far_rows = seg_alloc(sizeof(int) * k);
	int		   *taken_by = seg_alloc(sizeof(int) * k);
	bool		bounded = (method == KMEANS_AUTO ? kmeans_choose_method(k, d) : method) ==
		KMEANS_HAMERLY;
	KMeansBounds bd;
	int		   *spare = bounded ? NULL : seg_alloc(sizeof(int) * (size_t) n);
	/* plain: the two label buffers swap roles each iteration instead of copying */
	int		   *cur = labels;
	int		   *prev = spare;
	bool		strict = false;
	int			n_iter = max_iter;
	double	   *dist;
	double		total = 0.0;

	if (bounded)
		kmeans_bounds_init(&bd, x, k, max_sq_norm);
	else
		for (int i = 0; i < n; i++)
			prev[i] = -1;
	for (int it = 0; it < max_iter; it++)
	{
		int			n_empty = 0;
		double		shift;
		bool		same;

		seg_check_interrupts(hooks);

		/*
		 * The first step adds every row to its centre's sum; later steps
		 * move only the rows whose label changed (the same operations in
		 * the same order with or without bounds).  The first pass changes
		 * every label (from none): same is false.
		 */
		if (it == 0)
		{
			if (bounded)
				kmeans_bounds_first(&bd, x, centers, cur, sums, counts, hooks);
			else
				kmeans_blocks_assign(x, centers, k, cur, NULL, sums, counts, hooks);
			same = false;
		}
		else if (bounded)
			same = kmeans_bounds_pass(&bd, x, cur, sums, counts, hooks) == 0;
		else
			same = kmeans_blocks_reassign(x, centers, k, prev, cur, sums, counts, hooks) == 0;
		for (int j = 0; j < k; j++)
			n_empty += counts[j] == 0.0;
		if (n_empty > 0)
		{
			FarthestPoints(x, centers, cur, n_empty, far_points, far_labels, far_rows,
						   hooks);
			kmeans_relocate_empty(k, d, sums, counts, far_points, far_labels, n_empty, taken_by);
			/* the sums are updated from label changes: a moved row's label follows it */
			for (int r = 0; r < n_empty; r++)
				if (taken_by[r] >= 0 && far_rows[r] >= 0)
				{
					cur[far_rows[r]] = taken_by[r];
					if (bounded)
						kmeans_bounds_forget(&bd, far_rows[r]);
				}
		}
		shift = kmeans_update_centers(k, d, sums, counts, centers, new_centers);
		if (bounded)
			kmeans_bounds_moved(&bd, centers, new_centers, hooks);
		memcpy(centers, new_centers, sizeof(double) * (size_t) k * d);
		if (progress)
		{
			char		msg[128];

			snprintf(msg, sizeof(msg), "k = %d, iteration %d: centre shift %.6g", k, it + 1, shift);
			seg_progress(hooks, msg);
		}
		if (same)
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
		if (!bounded)
		{
			int		   *swap = cur;

			cur = prev;
			prev = swap;
		}
	}
	/* as scikit-learn: labels must describe the returned centres */
	dist = seg_alloc(sizeof(double) * (size_t) n);
	if (!strict && !bounded)
		kmeans_blocks_assign(x, centers, k, labels, dist, NULL, NULL, hooks);
	else
	{
		if (!strict)
			(void) kmeans_bounds_pass(&bd, x, labels, NULL, NULL, hooks);
		else if (cur != labels)
			memcpy(labels, cur, sizeof(int) * (size_t) n);
		kmeans_blocks_label_distances(x, centers, labels, dist);
	}
	for (int i = 0; i < n; i++)
		total += dist[i];
	*inertia = total;

	if (bounded)
		kmeans_bounds_free(&bd);
	seg_free(sums);
	seg_free(counts);
	seg_free(new_centers);
	seg_free(dist);
	seg_free(far_points);
	seg_free(far_labels);
	seg_free(far_rows);
	seg_free(taken_by);
	if (spare != NULL)
		seg_free(spare);
	return n_iter;
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

/*
 * Greedy k-means++ on blocks; see kmeans_plusplus.  Each step costs two
 * passes: the candidates' potentials, then the new closest distances.
 */
static void
PlusPlus(const KMeansBlocks *x, const double *x_norms, int k, SegRng *rng,
		 const SegHooks *hooks, double *centers)
{
	int			n = x->n;
	int			d = x->d;
	int			n_trials = 2 + (int) log((double) k);
	double	   *closest = seg_alloc(sizeof(double) * (size_t) n);
	double	   *cumsum = seg_alloc(sizeof(double) * (size_t) n);
	double	   *cand_x = seg_alloc(sizeof(double) * (size_t) n_trials * d);
	double	   *cand_pot = seg_alloc(sizeof(double) * n_trials);
	double		pot;

	kmeans_blocks_row(x, (int) rng_below(rng, (uint64_t) n), centers);
	kmeans_blocks_distances(x, x_norms, centers, false, closest, k > 1 ? cumsum : NULL,
							hooks);
	pot = kmeans_blocks_sum(closest, n);

	for (int c = 1; c < k; c++)
	{
		int			best = 0;

		seg_check_interrupts(hooks);
		/* cumsum holds the running sum of closest, from its last update */
		for (int t = 0; t < n_trials; t++)
			kmeans_blocks_row(x, SearchSorted(cumsum, n, rng_uniform(rng) * pot),
							  cand_x + (size_t) t * d);
		kmeans_blocks_potentials(x, x_norms, cand_x, n_trials, closest, cand_pot, hooks);
		for (int t = 1; t < n_trials; t++)
			if (cand_pot[t] < cand_pot[best])
				best = t;
		kmeans_blocks_distances(x, x_norms, cand_x + (size_t) best * d, true, closest,
								c + 1 < k ? cumsum : NULL, hooks);
		pot = cand_pot[best];
		memcpy(centers + (size_t) c * d, cand_x + (size_t) best * d, sizeof(double) * d);
	}
	seg_free(closest);
	seg_free(cumsum);
	seg_free(cand_x);
	seg_free(cand_pot);
}

void
kmeans_plusplus(const double *x, int n, int d, int k, SegRng *rng,
				const SegHooks *hooks, double *centers)
{
	KMeansBlocks b;
	double	   *norms = seg_alloc(sizeof(double) * (size_t) n);

	kmeans_blocks_init(&b, x, n, d, NULL, NULL);
	kmeans_blocks_sq_norms(&b, norms);
	PlusPlus(&b, norms, k, rng, hooks, centers);
	seg_free(norms);
	kmeans_blocks_free(&b);
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
kmeans_data_init(KMeansData *data, const double *x, int n, int d, char *errmsg)
{
	size_t		cells;
	double	   *sq_dev;

	memset(data, 0, sizeof(*data));
	if (d < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "rows must have at least one feature");
		return SEG_ERR_INVALID;
	}
	if (!seg_mul_size((size_t) n, (size_t) d, &cells) || cells > SIZE_MAX / sizeof(double))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%d rows of %d features are too many", n, d);
		return SEG_ERR_INVALID;
	}
	data->x = x;
	data->n = n;
	data->d = d;
	/* centre the data, as scikit-learn does, for accurate expansions */
	data->mean = seg_alloc(sizeof(double) * d);
	kmeans_column_moments(x, n, d, data->mean, NULL);
	/* the centring pass also sums the squared deviations kmeans_tolerance would */
	sq_dev = seg_alloc(sizeof(double) * d);
	kmeans_blocks_init(&data->xc, x, n, d, data->mean, sq_dev);
	data->x_norms = seg_alloc(sizeof(double) * (size_t) n);
	kmeans_blocks_sq_norms(&data->xc, data->x_norms);
	data->max_sq_norm = 0.0;
	for (int i = 0; i < n; i++)
		if (data->x_norms[i] > data->max_sq_norm)
			data->max_sq_norm = data->x_norms[i];
	kmeans_screen_attach(&data->xc, x, data->mean, data->x_norms);
	data->variance = n > 0 ? MeanVariance(sq_dev, n, d) : 0.0;
	seg_free(sq_dev);
	return SEG_OK;
}

void
kmeans_data_free(KMeansData *data)
{
	if (data->mean != NULL)
		seg_free(data->mean);
	if (data->x_norms != NULL)
		seg_free(data->x_norms);
	kmeans_blocks_free(&data->xc);
	data->mean = NULL;
	data->x_norms = NULL;
}

SegStatus
kmeans_fit(const double *x, int n, int d, const KMeansOptions *opt,
		   KMeansResult *out, char *errmsg)
{
	KMeansData data;
	SegStatus	status = CheckOptions(n, d, opt, errmsg);

	if (status != SEG_OK)
		return status;
	status = kmeans_data_init(&data, x, n, d, errmsg);
	if (status == SEG_OK)
		status = kmeans_fit_data(&data, opt, out, errmsg);
	kmeans_data_free(&data);
	return status;
}

SegStatus
kmeans_fit_data(const KMeansData *data, const KMeansOptions *opt,
				KMeansResult *out, char *errmsg)
{
	int			n = data->n;
	int			d = data->d;
	SegStatus	status = CheckOptions(n, d, opt, errmsg);
	int			k = opt->k;
	const double *mean = data->mean;
	double	   *centers;
	int		   *labels;
	SegRng		rng;
	/* kmeans_tolerance's value: the mean variance times tol, 0 when tol is */
	double		tol_abs = opt->tol == 0.0 || n == 0 ? 0.0 : data->variance * opt->tol;
	int			n_init = opt->init != NULL ? 1 : opt->n_init;

	if (status != SEG_OK)
		return status;

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
			PlusPlus(&data->xc, data->x_norms, k, &rng, opt->hooks, centers);
		n_iter = kmeans_lloyd(&data->xc, data->max_sq_norm, opt->method, k, centers,
							  opt->max_iter, tol_abs, opt->hooks,
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
