/*
 * test_kmeans.c
 *	  Unit tests of k-means (seeding, Lloyd, empty clusters), the cluster
 *	  metrics, knee detection and the k-means model codec and predictor.
 */
#include <math.h>
#include <string.h>

#include "cluster_metrics.h"
#include "kmeans.h"
#include "kmeans_blocks.h"
#include "kmeans_hamerly.h"
#include "kmeans_screen.h"
#include "linalg.h"
#include "kmeans_model.h"
#include "model.h"
#include "predictor.h"
#include "rng.h"
#include "tap.h"

/* three blobs of 100 rows around (0,0), (10,0), (0,10) */
static double *
Blobs(int *n_out)
{
	int			n = 300;
	double	   *x = malloc(sizeof(double) * n * 2);
	SegRng		rng;

	rng_seed(&rng, 7);
	for (int i = 0; i < n; i++)
	{
		x[2 * i] = (i % 3 == 1 ? 10.0 : 0.0) + 0.5 * rng_normal(&rng);
		x[2 * i + 1] = (i % 3 == 2 ? 10.0 : 0.0) + 0.5 * rng_normal(&rng);
	}
	*n_out = n;
	return x;
}

static void
TestFitBlobs(void)
{
	int			n;
	double	   *x = Blobs(&n);
	KMeansOptions opt = {.k = 3, .n_init = 4, .max_iter = 300, .tol = 1e-4, .seed = 1};
	KMeansResult r;
	char		msg[SEG_ERRMSG_LEN];
	int			consistent = 1;
	double		direct = 0.0;

	tap_ok(kmeans_fit(x, n, 2, &opt, &r, msg) == SEG_OK, "fit three blobs");
	tap_ok(r.n_distinct == 3, "three clusters used");
	for (int i = 3; i < n; i++)
		consistent &= r.labels[i] == r.labels[i % 3];
	tap_ok(consistent, "every blob is one cluster");
	for (int i = 0; i < n; i++)
		for (int t = 0; t < 2; t++)
			direct += pow(x[2 * i + t] - r.centroids[2 * r.labels[i] + t], 2);
	tap_close(r.inertia, direct, 1e-12, "inertia is the sum of squared distances");
	tap_ok(r.n_iter >= 1 && r.n_iter <= 300, "iteration count in range");
	kmeans_result_free(&r);

	/* the same seed gives the same result */
	{
		KMeansResult a,
					b;

		kmeans_fit(x, n, 2, &opt, &a, msg);
		kmeans_fit(x, n, 2, &opt, &b, msg);
		tap_ok(memcmp(a.centroids, b.centroids, sizeof(double) * 6) == 0, "seeded runs repeat");
		kmeans_result_free(&a);
		kmeans_result_free(&b);
	}
	free(x);
}

static void
TestSeeding(void)
{
	int			n;
	double	   *x = Blobs(&n);
	double		centers[6];
	int			blob_seen = 0;
	SegRng		rng;
	double		column[] = {1, 10, 3, 20, 5, 30};

	rng_seed(&rng, 11);
	kmeans_plusplus(x, n, 2, 3, &rng, NULL, centers);
	/* greedy k-means++ puts one seed in each well-separated blob */
	for (int j = 0; j < 3; j++)
	{
		int			blob = centers[2 * j] > 5 ? 1 : centers[2 * j + 1] > 5 ? 2 : 0;

		blob_seen |= 1 << blob;
	}
	tap_ok(blob_seen == 7, "k-means++ seeds every blob");
	/* population variances 8/3 and 200/3: their mean times tol */
	tap_close(kmeans_tolerance(column, 3, 2, 1e-4), 1e-4 * (8.0 / 3.0 + 200.0 / 3.0) / 2.0,
			  1e-15, "tolerance is tol times the mean column variance");
	free(x);
}

static void
TestExplicitInit(void)
{
	/* 1-D: 0, 1, 2, 10, 11, 12 from centres 0 and 1 */
	double		x[] = {0, 1, 2, 10, 11, 12};
	double		init[] = {0, 1};
	KMeansOptions opt = {.k = 2, .n_init = 10, .max_iter = 100, .tol = 0, .seed = 3, .init = init};
	KMeansResult r;
	char		msg[SEG_ERRMSG_LEN];

	tap_ok(kmeans_fit(x, 6, 1, &opt, &r, msg) == SEG_OK, "fit from explicit init");
	tap_close(r.centroids[0], 1.0, 1e-12, "first centre converges to 1");
	tap_close(r.centroids[1], 11.0, 1e-12, "second centre converges to 11");
	tap_close(r.inertia, 4.0, 1e-12, "inertia 4");
	/* iteration 1: {0} {1..12}; 2: {0,1,2} {10,11,12}, 3: labels unchanged */
	tap_ok(r.n_iter == 3, "three iterations to strict convergence");
	kmeans_result_free(&r);
}

static void
TestBadInputs(void)
{
	double		x[] = {1, 1, 1, 1};
	KMeansOptions opt = {.k = 3, .n_init = 1, .max_iter = 10, .tol = 0, .seed = 1};
	KMeansResult r;
	char		msg[SEG_ERRMSG_LEN];

	opt.k = 0;
	tap_ok(kmeans_fit(x, 4, 1, &opt, &r, msg) == SEG_ERR_INVALID, "k < 1 rejected");
	opt.k = 5;
	tap_ok(kmeans_fit(x, 4, 1, &opt, &r, msg) == SEG_ERR_INVALID, "k > n rejected");
	tap_ok(strstr(msg, "greater than the number of rows") != NULL, "message says why");
	opt.k = 2;
	opt.tol = -1;
	tap_ok(kmeans_fit(x, 4, 1, &opt, &r, msg) == SEG_ERR_INVALID, "negative tol rejected");
	opt.tol = 0;
	tap_ok(kmeans_fit(x, 4, 1, &opt, &r, msg) == SEG_OK, "identical points fit");
	tap_ok(r.n_distinct == 1, "identical points: one distinct cluster");
	tap_close(r.inertia, 0.0, 0, "identical points: zero inertia");
	kmeans_result_free(&r);
}

static void
TestEmptyClusterRelocation(void)
{
	/* cluster 1 is empty; the farthest point (label 0) moves to it */
	double		sums[] = {10, 0};
	double		counts[] = {3, 0};
	double		far[] = {7};
	int			far_labels[] = {0};
	double		old[] = {0, 100};
	double		centres[2];

	kmeans_relocate_empty(2, 1, sums, counts, far, far_labels, 1, NULL);
	tap_ok(counts[0] == 2 && counts[1] == 1, "relocation moves one point");
	kmeans_update_centers(2, 1, sums, counts, old, centres);
	tap_close(centres[0], 1.5, 1e-15, "old cluster loses the point");
	tap_close(centres[1], 7.0, 1e-15, "empty cluster takes the point");
}

/*
 * Lloyd's later steps move only the rows whose label changed between the
 * centroid sums.  After a fit of many steps that converged (its labels no
 * longer change), each centre must still be the mean of its rows added
 * up afresh: the additions and subtractions leave no visible drift.
 */
static void
TestIncrementalSums(void)
{
	int			n = 20000,
				d = 3,
				k = 12;
	double	   *x = malloc(sizeof(double) * n * d);
	double	   *mean = calloc((size_t) k * d, sizeof(double));
	double	   *count = calloc(k, sizeof(double));
	double		worst = 0.0;
	KMeansOptions opt = {.k = k, .n_init = 1, .max_iter = 300, .tol = 0.0, .seed = 5};
	KMeansResult res;
	SegRng		rng;
	char		msg[SEG_ERRMSG_LEN];

	rng_seed(&rng, 77);
	for (int i = 0; i < n * d; i++)
		x[i] = 1e3 + rng_normal(&rng);
	kmeans_fit(x, n, d, &opt, &res, msg);
	for (int i = 0; i < n; i++)
	{
		count[res.labels[i]] += 1.0;
		for (int t = 0; t < d; t++)
			mean[res.labels[i] * d + t] += x[i * d + t];
	}
	for (int j = 0; j < k * d; j++)
	{
		double		err = fabs(res.centroids[j] - mean[j] / count[j / d]);

		worst = err > worst ? err : worst;
	}
	tap_ok(res.n_iter > 20 && res.n_iter < 300, "a fit of many steps that converges");
	tap_ok(worst < 1e-10, "centres are the means of their rows after incremental updates "
		   "(values near 1e3, within 1e-10)");
	kmeans_result_free(&res);
	free(x);
	free(mean);
	free(count);
}

static void
TestMetrics(void)
{
	/* two pairs on a line: 0, 1 | 10, 12 */
	double		x[] = {0, 1, 10, 12};
	int			labels[] = {0, 0, 1, 1};
	double		expected = 0.0;
	double		ys[] = {100, 40, 12, 10, 9};
	double		xs[] = {1, 2, 3, 4, 5};

	/* by hand: a = distance to the partner, b = mean distance to the other pair */
	{
		double		a[] = {1, 1, 2, 2};
		double		b[] = {11, 10, 9.5, 11.5};

		for (int i = 0; i < 4; i++)
			expected += (b[i] - a[i]) / fmax(a[i], b[i]);
		expected /= 4;
	}
	tap_close(silhouette_score(x, 4, 1, labels, 2, 0, 0, 1 << 20, NULL), expected, 1e-12,
			  "silhouette by hand");
	tap_ok(isnan(silhouette_score(x, 4, 1, (int[]) {0, 0, 0, 0}, 2, 0, 0, 1 << 20, NULL)),
		   "silhouette undefined for one cluster");
	/* Davies-Bouldin: intra 0.5 and 1, centres 0.5 and 11 */
	tap_close(davies_bouldin_score(x, 4, 1, labels, 2, NULL), (0.5 + 1.0) / 10.5, 1e-12,
			  "Davies-Bouldin by hand");
	tap_ok(knee_index(xs, ys, 5) == 2, "knee of a decreasing curve");
	tap_ok(knee_index(xs, ys, 2) == -1, "no knee with two points");
}

static void
TestModelCodec(void)
{
	double		centroids[] = {0, 0, 10, 10};
	KMeansModel m = {.prep = NULL, .k = 2, .d = 2, .inertia = 3.5, .n_iter = 4,
	.centroids = centroids};
	SegWriter	w;
	SegPredictor p;
	char		msg[SEG_ERRMSG_LEN];
	double		scores[2];
	double		scratch[2];
	double		row[] = {9, 8};
	int			rejected = 0;

	writer_init(&w, 64);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, &m);
	model_seal(&w);
	tap_ok(predictor_read(w.data, w.len, &p, msg) == SEG_OK, "k-means model decodes");
	tap_ok(p.n_classes == 2 && p.n_features == 2 && p.prep == NULL, "predictor shape");
	tap_ok(p.predict_row(p.estimator, row, scores, scratch) == 1, "nearest centroid");
	tap_close(scores[1], -5.0, 1e-15, "score is the negated squared distance");
	tap_ok(strcmp(p.class_names[1], "1") == 0, "class names are cluster numbers");
	kmeans_model_free((KMeansModel *) p.estimator);
	for (int j = 0; j < 2; j++)
		free(p.class_names[j]);
	free(p.class_names);

	/* every truncation is rejected */
	for (size_t len = 0; len < w.len; len++)
	{
		SegWriter	t;

		writer_init(&t, w.len);
		model_begin(&t, SEG_MODEL_KMEANS);
		writer_put_bytes(&t, w.data + SEG_MODEL_HEADER_SIZE,
						 len > SEG_MODEL_HEADER_SIZE ? len - SEG_MODEL_HEADER_SIZE : 0);
		model_seal(&t);
		if (predictor_read(t.data, t.len, &p, msg) != SEG_OK)
			rejected++;
		free(t.data);
	}
	tap_ok(rejected == (int) w.len, "truncated payloads rejected");
	free(w.data);

	/* a scaler does not predict */
	writer_init(&w, 64);
	model_begin(&w, SEG_MODEL_SCALER);
	model_seal(&w);
	tap_ok(predictor_read(w.data, w.len, &p, msg) == SEG_ERR_WRONG_KIND, "scaler does not predict");
	tap_ok(strcmp(msg, "models of kind scaler do not predict") == 0, "wrong-kind message");
	free(w.data);
}

/*
 * The block kernels against plain loops over rows, for row counts that
 * leave a partial last block and centre counts around the unroll of four.
 */
static void
TestBlockKernels(void)
{
	int			shapes[][3] = {{1, 1, 1}, {7, 3, 2}, {8, 1, 4}, {29, 5, 5}, {101, 8, 8}, {203, 11, 13}};
	SegRng		rng;
	bool		labels_ok = true;
	bool		dist_ok = true;
	bool		sums_ok = true;
	bool		pots_ok = true;
	bool		lower_ok = true;
	bool		running_ok = true;
	bool		rows_ok = true;

	rng_seed(&rng, 3);
	for (int s = 0; s < (int) (sizeof(shapes) / sizeof(shapes[0])); s++)
	{
		int			n = shapes[s][0], d = shapes[s][1], k = shapes[s][2];
		double	   *x = malloc(sizeof(double) * n * d);
		double	   *c = malloc(sizeof(double) * k * d);
		double	   *norms = malloc(sizeof(double) * n);
		double	   *closest = malloc(sizeof(double) * n);
		double	   *running = malloc(sizeof(double) * n);
		double	   *min_sq = malloc(sizeof(double) * n);
		double	   *sums = malloc(sizeof(double) * k * d);
		double	   *counts = malloc(sizeof(double) * k);
		double	   *row = malloc(sizeof(double) * d);
		double		pots[13];
		int		   *labels = malloc(sizeof(int) * n);
		KMeansBlocks b;

		for (int i = 0; i < n * d; i++)
			x[i] = rng_normal(&rng);
		for (int j = 0; j < k * d; j++)
			c[j] = rng_normal(&rng);
		/* a duplicated centre: the first of the two must win the tie */
		if (k >= 3)
			memcpy(c + 2 * d, c + d, sizeof(double) * d);
		kmeans_blocks_init(&b, x, n, d, NULL, NULL);
		kmeans_blocks_sq_norms(&b, norms);
		kmeans_blocks_assign(&b, c, k, labels, min_sq, sums, counts, NULL);
		for (int i = 0; i < n; i++)
		{
			const double *xi = x + (size_t) i * d;
			int			best = 0;
			double		best_d = linalg_sq_distance(xi, c, d);

			for (int j = 1; j < k; j++)
			{
				double		dj = linalg_sq_distance(xi, c + (size_t) j * d, d);

				if (dj < best_d - 1e-9)
				{
					best_d = dj;
					best = j;
				}
			}
			labels_ok &= labels[i] == best;
			dist_ok &= fabs(min_sq[i] - best_d) <= 1e-12 * (1.0 + best_d);
			kmeans_blocks_row(&b, i, row);
			rows_ok &= memcmp(row, xi, sizeof(double) * d) == 0;
		}
		for (int j = 0; j < k; j++)
		{
			double		cnt = 0.0;

			for (int t = 0; t < d; t++)
			{
				double		sum = 0.0;

				for (int i = 0; i < n; i++)
					if (labels[i] == j)
						sum += x[(size_t) i * d + t];
				/* the same additions in the same order: equal to the last bit */
				sums_ok &= sums[(size_t) j * d + t] == sum;
			}
			for (int i = 0; i < n; i++)
				cnt += labels[i] == j;
			sums_ok &= counts[j] == cnt;
		}
		/* potentials of every centre as a candidate against the distance to centre 0 */
		kmeans_blocks_distances(&b, norms, c, false, closest, NULL, NULL);
		kmeans_blocks_potentials(&b, norms, c, k, closest, pots, NULL);
		for (int j = 0; j < k; j++)
		{
			double		pot = 0.0;

			for (int i = 0; i < n; i++)
			{
				double		dj = linalg_sq_distance(x + (size_t) i * d, c + (size_t) j * d, d);
				double		d0 = linalg_sq_distance(x + (size_t) i * d, c, d);

				pot += dj < d0 ? dj : d0;
			}
			pots_ok &= fabs(pots[j] - pot) <= 1e-10 * (1.0 + pot);
		}
		tap_close(kmeans_blocks_sum(closest, n), pots[0], 1e-12 * (1.0 + pots[0]),
				  "block sum equals centre 0's own potential");
		/* lowered towards the last centre, with the running sum */
		memcpy(min_sq, closest, sizeof(double) * n);
		kmeans_blocks_distances(&b, norms, c + (size_t) (k - 1) * d, true, closest, running,
								NULL);
		{
			double		acc = 0.0;

			for (int i = 0; i < n; i++)
			{
				double		dk = linalg_sq_distance(x + (size_t) i * d,
													c + (size_t) (k - 1) * d, d);

				lower_ok &= closest[i] <= min_sq[i] &&
					(closest[i] == min_sq[i] || fabs(closest[i] - dk) <= 1e-10 * (1.0 + dk));
				acc += closest[i];
				/* the same additions in row order: equal to the last bit */
				running_ok &= running[i] == acc;
			}
		}
		kmeans_blocks_free(&b);
		free(x);
		free(c);
		free(norms);
		free(closest);
		free(running);
		free(min_sq);
		free(sums);
		free(counts);
		free(row);
		free(labels);
	}
	tap_ok(labels_ok, "block assignment picks the nearest centre, the first on ties");
	tap_ok(dist_ok, "block assignment's squared distances match");
	tap_ok(sums_ok, "block assignment's sums (in row order, exactly) and counts match");
	tap_ok(pots_ok, "k-means++ potentials match");
	tap_ok(lower_ok, "lowered distances are the smaller of the old and the new");
	tap_ok(running_ok, "the distances' running sum is added in row order, exactly");
	tap_ok(rows_ok, "rows read back from blocks unchanged");
}

/*
 * Data for the comparison of the bounded and the plain Lloyd: kind 0
 * Gaussian blobs, 1 small integers (many duplicate points and exact
 * ties), 2 uniform, 3 blobs far from the origin plus rows on the bisector
 * of two blob centres (near-ties at large norms, where rounding decides),
 * 4 every row the same point.
 */
static double *
CompareData(int kind, int n, int d, uint64_t seed)
{
	double	   *x = malloc(sizeof(double) * n * d);
	SegRng		rng;

	rng_seed(&rng, seed);
	for (int i = 0; i < n; i++)
		for (int t = 0; t < d; t++)
		{
			double	   *v = x + (size_t) i * d + t;

			switch (kind)
			{
				case 0:
					*v = 4.0 * (i % 5 == t % 5) + rng_normal(&rng);
					break;
				case 1:
					*v = (double) rng_below(&rng, 3);
					break;
				case 2:
					*v = rng_uniform(&rng);
					break;
				case 3:
					/* rows with i % 4 == 3 sit at +-1e-9 of the plane t0 = 0.5e6 */
					if (i % 4 == 3)
						*v = t == 0 ? 0.5e6 + 1e-9 * (rng_uniform(&rng) - 0.5) : 1e6 + rng_normal(&rng);
					else
						*v = (t == 0 ? 1e6 * (i % 2) : 1e6) + 1e-3 * rng_normal(&rng);
					break;
				default:
					*v = 2.5;
			}
		}
	return x;
}

/*
 * Hamerly's bounds against plain Lloyd: the same labels, iteration count,
 * inertia and centres, bit for bit, after every number of iterations
 * (each max_iter runs that many iterations from the same seeds, then
 * assigns to the final centres), and for whole fits with n_init and tol.
 */
static void
TestBoundedEqualsPlain(void)
{
	static const int shapes[][3] = {
		{1, 1, 1}, {9, 1, 2}, {17, 2, 3}, {100, 2, 5}, {257, 3, 4}, {300, 5, 7},
		{1000, 8, 8}, {777, 5, 10}, {500, 2, 16}, {2000, 3, 3}, {64, 4, 13},
	};
	int			fits_same = 1;
	int			steps_same = 1;
	int			n_fits = 0;
	char		msg[SEG_ERRMSG_LEN];

	for (int kind = 0; kind < 5; kind++)
		for (int s = 0; s < (int) (sizeof(shapes) / sizeof(shapes[0])); s++)
			for (uint64_t seed = 1; seed <= 3; seed++)
			{
				int			n = shapes[s][0], d = shapes[s][1], k = shapes[s][2];
				double	   *x = CompareData(kind, n, d, seed * 131 + kind);
				KMeansOptions opt = {.k = k, .n_init = 2, .max_iter = 300, .seed = seed};
				KMeansResult plain;
				KMeansResult bounded;

				for (int tol_case = 0; tol_case < 2; tol_case++)
				{
					opt.tol = tol_case == 0 ? 0.0 : 1e-4;
					opt.method = KMEANS_PLAIN;
					kmeans_fit(x, n, d, &opt, &plain, msg);
					opt.method = KMEANS_HAMERLY;
					kmeans_fit(x, n, d, &opt, &bounded, msg);
					fits_same &= memcmp(plain.labels, bounded.labels, sizeof(int) * n) == 0 &&
						memcmp(plain.centroids, bounded.centroids, sizeof(double) * k * d) == 0 &&
						plain.inertia == bounded.inertia && plain.n_iter == bounded.n_iter &&
						plain.n_distinct == bounded.n_distinct;
					n_fits++;
					kmeans_result_free(&plain);
					kmeans_result_free(&bounded);
				}
				/* every iteration of one run (small shapes: quadratic in the iterations) */
				if (n <= 1000)
				{
					opt.n_init = 1;
					opt.tol = 0.0;
					for (int m = 1; m <= 12; m++)
					{
						opt.max_iter = m;
						opt.method = KMEANS_PLAIN;
						kmeans_fit(x, n, d, &opt, &plain, msg);
						opt.method = KMEANS_HAMERLY;
						kmeans_fit(x, n, d, &opt, &bounded, msg);
						steps_same &= memcmp(plain.labels, bounded.labels, sizeof(int) * n) == 0 &&
							memcmp(plain.centroids, bounded.centroids,
								   sizeof(double) * k * d) == 0 &&
							plain.inertia == bounded.inertia && plain.n_iter == bounded.n_iter;
						kmeans_result_free(&plain);
						kmeans_result_free(&bounded);
					}
				}
				free(x);
			}
	tap_ok(n_fits == 5 * 11 * 3 * 2, "bounded and plain Lloyd compared on every case");
	tap_ok(fits_same, "Hamerly's bounds give plain Lloyd's labels, centres, inertia, iterations");
	tap_ok(steps_same, "Hamerly's bounds give plain Lloyd's result after every iteration");
}

/*
 * Data for the screen: kind 0 rows in [0, 1) and centres within 1e-6 of
 * one point (the float values are off by more than the double values
 * differ: trusting the float order alone, many labels would be wrong),
 * 1 CompareData's near-ties at 1e6, 2 small integers (exact ties), 3
 * values up to 2^39.
 */
static void
ScreenCase(int kind, int n, int d, int k, SegRng *rng, double *x, double *c)
{
	for (int i = 0; i < n * d; i++)
		x[i] = kind == 2 ? (double) rng_below(rng, 3) :
			kind == 3 ? 0x1p39 * rng_uniform(rng) : rng_uniform(rng);
	if (kind == 1)
	{
		double	   *y = CompareData(3, n, d, 11);

		memcpy(x, y, sizeof(double) * n * d);
		free(y);
	}
	for (int j = 0; j < k; j++)
		for (int t = 0; t < d; t++)
			c[j * d + t] = kind == 0 ? 0.5 + 1e-6 * rng_normal(rng) :
				x[(size_t) rng_below(rng, (uint64_t) n) * d + t];
}

/*
 * The float screen against the double kernel: from the same old labels,
 * centres and sums, the same labels, moved rows, sums and counts, bit for
 * bit; and no screen where values exceed its range.
 */
static void
TestScreen(void)
{
	static const int shapes[][3] = {{1, 1, 1}, {15, 2, 3}, {16, 5, 2}, {333, 3, 7},
	{1000, 5, 10}, {2049, 8, 4}, {500, 11, 6}};
	bool		expect = false;
	bool		attached = true;
	bool		same = true;
	SegRng		rng;

#if LANES_DISPATCH
	expect = lanes_v4();
#elif defined(__AVX512F__) && defined(__x86_64__)
	expect = true;
#endif
	rng_seed(&rng, 17);
	for (int kind = 0; kind < 4; kind++)
		for (int s = 0; s < (int) (sizeof(shapes) / sizeof(shapes[0])); s++)
		{
			int			n = shapes[s][0], d = shapes[s][1], k = shapes[s][2];
			double	   *x = malloc(sizeof(double) * n * d);
			double	   *c = malloc(sizeof(double) * k * d);
			double	   *norms = malloc(sizeof(double) * n);
			int		   *old = malloc(sizeof(int) * n);
			int		   *plain_labels = malloc(sizeof(int) * n);
			int		   *screen_labels = malloc(sizeof(int) * n);
			double	   *sums[2];
			double	   *counts[2];
			int64_t		moved[2];
			KMeansBlocks plain;
			KMeansBlocks screened;

			ScreenCase(kind, n, d, k, &rng, x, c);
			for (int i = 0; i < n; i++)
				old[i] = (int) rng_below(&rng, (uint64_t) k);
			for (int m = 0; m < 2; m++)
			{
				sums[m] = malloc(sizeof(double) * k * d);
				counts[m] = malloc(sizeof(double) * k);
				for (int j = 0; j < k * d; j++)
					sums[m][j] = 0.25 * j;
				for (int j = 0; j < k; j++)
					counts[m][j] = (double) n;
			}
			kmeans_blocks_init(&plain, x, n, d, NULL, NULL);
			kmeans_blocks_init(&screened, x, n, d, NULL, NULL);
			kmeans_blocks_sq_norms(&screened, norms);
			kmeans_screen_attach(&screened, x, NULL, norms);
			attached &= (screened.screen != NULL) == expect;
			moved[0] = kmeans_blocks_reassign(&plain, c, k, old, plain_labels, sums[0],
											  counts[0], NULL);
			moved[1] = kmeans_blocks_reassign(&screened, c, k, old, screen_labels, sums[1],
											  counts[1], NULL);
			same &= moved[0] == moved[1] &&
				memcmp(plain_labels, screen_labels, sizeof(int) * n) == 0 &&
				memcmp(sums[0], sums[1], sizeof(double) * k * d) == 0 &&
				memcmp(counts[0], counts[1], sizeof(double) * k) == 0;
			kmeans_blocks_free(&plain);
			kmeans_blocks_free(&screened);
			for (int m = 0; m < 2; m++)
			{
				free(sums[m]);
				free(counts[m]);
			}
			free(x);
			free(c);
			free(norms);
			free(old);
			free(plain_labels);
			free(screen_labels);
		}
	tap_ok(attached, expect ? "the screen is attached on this CPU" :
		   "no screen without AVX-512");
	tap_ok(same, "the float screen gives the double kernel's labels, moves and sums, bit for bit");

	/* a value beyond 2^40: no screen, and the fit is the double kernel's */
	{
		double		x[] = {0.0, 1.0, 0x1p41, 3.0, 4.0, 5.0, 6.0, 7.0};
		double		norms[8];
		KMeansBlocks b;

		kmeans_blocks_init(&b, x, 8, 1, NULL, NULL);
		kmeans_blocks_sq_norms(&b, norms);
		kmeans_screen_attach(&b, x, NULL, norms);
		tap_ok(b.screen == NULL, "no screen for values beyond its range");
		kmeans_blocks_free(&b);
	}
	/* values at the range's edge, in rows whose norms are beyond its square: checked one by one */
	{
		double		x[] = {0x1p40, -0x1p40, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0,
		7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0};
		double		norms[9];
		KMeansBlocks b;

		kmeans_blocks_init(&b, x, 9, 2, NULL, NULL);
		kmeans_blocks_sq_norms(&b, norms);
		kmeans_screen_attach(&b, x, NULL, norms);
		tap_ok((b.screen != NULL) == expect, "a screen for values within its range, whatever the norms");
		kmeans_blocks_free(&b);
	}
}

/*
 * The shared preparation: fitting several k from one KMeansData gives
 * kmeans_fit's results bit for bit.
 */
static void
TestPreparedData(void)
{
	int			n = 603;		/* the last block has 5 padding lanes */
	int			d = 4;
	double	   *x = CompareData(0, n, d, 5);
	KMeansData	data;
	char		msg[SEG_ERRMSG_LEN];
	int			same = 1;
	int			padding_zero = 1;

	tap_ok(kmeans_data_init(&data, x, n, d, msg) == SEG_OK, "data prepared");
	tap_ok(data.variance == kmeans_tolerance(x, n, d, 1.0),
		   "the centring pass's variance is kmeans_tolerance's, bit for bit");
	for (int t = 0; t < d; t++)
		for (int l = n % KMEANS_LANES; l < KMEANS_LANES; l++)
			padding_zero &= data.xc.v[((size_t) (data.xc.n_blocks - 1) * d + t) * KMEANS_LANES + l] == 0.0;
	tap_ok(padding_zero, "the last block's padding lanes are zero");
	for (int k = 2; k <= 6; k++)
	{
		KMeansOptions opt = {.k = k, .n_init = 3, .max_iter = 300, .tol = 1e-4, .seed = 9};
		KMeansResult a;
		KMeansResult b;

		kmeans_fit(x, n, d, &opt, &a, msg);
		kmeans_fit_data(&data, &opt, &b, msg);
		same &= memcmp(a.labels, b.labels, sizeof(int) * n) == 0 &&
			memcmp(a.centroids, b.centroids, sizeof(double) * k * d) == 0 &&
			a.inertia == b.inertia && a.n_iter == b.n_iter;
		kmeans_result_free(&a);
		kmeans_result_free(&b);
	}
	tap_ok(same, "fits from prepared data equal kmeans_fit's");
	kmeans_data_free(&data);
	free(x);
}

/*
 * The bounds at the scale of rounding: rows within a few units in the
 * last place of the bisector of two or three centres far from the origin
 * (where the kernel's |c|^2 - 2 x.c loses the most digits), centres then
 * moved by a few units in the last place: the bounded pass must give
 * exactly the kernel's labels.  Without the margin of kmeans_hamerly.c
 * the bounds would claim labels that the kernel's rounding contradicts.
 */
static void
TestBoundsAtRounding(void)
{
	int			same = 1;
	int			skipped = 0;
	SegRng		rng;

	rng_seed(&rng, 77);
	for (int trial = 0; trial < 400; trial++)
	{
		int			d = 1 + trial % 4;
		int			k = 2 + trial % 2;
		int			n = 64;
		double		scale = trial % 3 == 0 ? 1e3 : trial % 3 == 1 ? 1e6 : 1.0;
		double	   *c = malloc(sizeof(double) * k * d);
		double	   *c2 = malloc(sizeof(double) * k * d);
		double	   *x = malloc(sizeof(double) * n * d);
		double	   *sums = malloc(sizeof(double) * k * d);
		double	   *counts = malloc(sizeof(double) * k);
		int		   *lb = malloc(sizeof(int) * n);
		int		   *lp = malloc(sizeof(int) * n);
		double		max_sq = 0.0;
		KMeansBlocks b;
		KMeansBounds bd;

		for (int t = 0; t < d; t++)
		{
			double		base = scale * (1.0 + rng_uniform(&rng));

			for (int j = 0; j < k; j++)
				c[j * d + t] = base + rng_normal(&rng);
		}
		for (int i = 0; i < n; i++)
		{
			int			j = 1 + (int) rng_below(&rng, (uint64_t) (k - 1));
			double		sq = 0.0;

			for (int t = 0; t < d; t++)
			{
				double		v = 0.5 * (c[t] + c[j * d + t]);
				int			steps = (int) rng_below(&rng, 7) - 3;

				for (; steps > 0; steps--)
					v = nextafter(v, INFINITY);
				for (; steps < 0; steps++)
					v = nextafter(v, -INFINITY);
				x[i * d + t] = v;
				sq += v * v;
			}
			if (sq > max_sq)
				max_sq = sq;
		}
		kmeans_blocks_init(&b, x, n, d, NULL, NULL);
		kmeans_bounds_init(&bd, &b, k, max_sq);
		kmeans_bounds_first(&bd, &b, c, lb, sums, counts, NULL);
		for (int pass = 0; pass < 4; pass++)
		{
			for (int j = 0; j < k * d; j++)
			{
				int			steps = (int) rng_below(&rng, 9) - 4;

				c2[j] = c[j];
				for (; steps > 0; steps--)
					c2[j] = nextafter(c2[j], INFINITY);
				for (; steps < 0; steps++)
					c2[j] = nextafter(c2[j], -INFINITY);
			}
			kmeans_bounds_moved(&bd, c, c2, NULL);
			skipped += n - (int) kmeans_bounds_pass(&bd, &b, lb, NULL, NULL, NULL);
			kmeans_blocks_assign(&b, c2, k, lp, NULL, NULL, NULL, NULL);
			same &= memcmp(lb, lp, sizeof(int) * n) == 0;
			memcpy(c, c2, sizeof(double) * k * d);
		}
		kmeans_bounds_free(&bd);
		kmeans_blocks_free(&b);
		free(c);
		free(c2);
		free(x);
		free(sums);
		free(counts);
		free(lb);
		free(lp);
	}
	tap_ok(skipped > 0, "near-tie rows keep their labels");
	tap_ok(same, "bounded pass gives the kernel's labels on rows within rounding of a tie");
}

/* silhouette_scores: several labelings at once, each as silhouette_score alone */
static void
TestSilhouettes(void)
{
	int			n = 900;
	int			d = 3;
	double	   *x = CompareData(0, n, d, 21);
	int		   *labels[3];
	int			ks[3] = {2, 5, 9};
	double		together[3];
	int			same = 1;
	int		   *rows = malloc(sizeof(int) * n);
	double	   *xs = malloc(sizeof(double) * 300 * d);
	int		   *ls = malloc(sizeof(int) * 300);
	int			n_rows;

	for (int c = 0; c < 3; c++)
	{
		labels[c] = malloc(sizeof(int) * n);
		for (int i = 0; i < n; i++)
			labels[c][i] = (i * 7 + c) % ks[c];
	}
	labels[1][0] = 4;			/* a lone row in cluster 4 of the second labeling */
	for (int i = 1; i < n; i++)
		if (labels[1][i] == 4)
			labels[1][i] = 3;
	for (int sample = 0; sample <= 300; sample += 300)
	{
		silhouette_scores(x, n, d, (const int *const *) labels, ks, 3, sample, 5, 1 << 20, NULL,
						  together);
		for (int c = 0; c < 3; c++)
		{
			double		alone = silhouette_score(x, n, d, labels[c], ks[c], sample, 5, 1 << 20,
												 NULL);

			same &= memcmp(&alone, &together[c], sizeof(double)) == 0 && !isnan(alone);
		}
	}
	/* the sample's rows, scored exactly, give the sampled score */
	n_rows = silhouette_sample_rows(n, 300, 5, rows);
	for (int s = 0; s < n_rows; s++)
	{
		memcpy(xs + s * d, x + rows[s] * d, sizeof(double) * d);
		ls[s] = labels[2][rows[s]];
	}
	tap_ok(n_rows == 300, "sample rows drawn");
	same &= silhouette_score(xs, 300, d, ls, 9, 0, 0, 1 << 20, NULL) ==
		silhouette_score(x, n, d, labels[2], 9, 300, 5, 1 << 20, NULL);
	tap_ok(same, "silhouettes of several labelings at once equal each alone, bit for bit");
	for (int c = 0; c < 3; c++)
		free(labels[c]);
	free(rows);
	free(xs);
	free(ls);
	free(x);
}

int
main(void)
{
	TestFitBlobs();
	TestSeeding();
	TestExplicitInit();
	TestBadInputs();
	TestEmptyClusterRelocation();
	TestIncrementalSums();
	TestMetrics();
	TestModelCodec();
	TestBlockKernels();
	TestBoundedEqualsPlain();
	TestBoundsAtRounding();
	TestScreen();
	TestPreparedData();
	TestSilhouettes();
	return tap_done();
}
