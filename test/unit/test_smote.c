/*
 * test_smote.c
 *	  Unit tests of the exact neighbour search and SMOTE / SMOTE-NC core,
 *	  against a naive O(n^2) reference computed here.
 */
#include <string.h>

#include "knn.h"
#include "rng.h"
#include "smote.h"
#include "tap.h"

static double
sq_dist(const double *a, const double *b, int d)
{
	double		s = 0.0;

	for (int j = 0; j < d; j++)
		s += (a[j] - b[j]) * (a[j] - b[j]);
	return s;
}

/*
 * True when every reported neighbour list is a valid exact answer: sorted,
 * never the row itself, and the k-th distance equals the naive k-th
 * distance (tolerance for the BLAS expansion's rounding).
 */
static int
neighbours_exact(const double *x, int n, int d, int k, const int *nn, double tol)
{
	double	   *all = malloc(sizeof(double) * n);

	for (int i = 0; i < n; i++)
	{
		double		kth;
		int			m = 0;

		for (int j = 0; j < n; j++)
			if (j != i)
				all[m++] = sq_dist(x + i * d, x + j * d, d);
		/* partial selection sort for the k smallest */
		for (int a = 0; a < k; a++)
			for (int b = a + 1; b < m; b++)
				if (all[b] < all[a])
				{
					double		t = all[a];

					all[a] = all[b];
					all[b] = t;
				}
		kth = all[k - 1];
		for (int a = 0; a < k; a++)
		{
			int			j = nn[i * k + a];
			double		dj = sq_dist(x + i * d, x + j * d, d);

			if (j == i || j < 0 || j >= n || fabs(dj - all[a]) > tol * (1 + kth))
			{
				printf("# row %d neighbour %d: got row %d at %g, expected distance %g\n",
					   i, a, j, dj, all[a]);
				free(all);
				return 0;
			}
		}
	}
	free(all);
	return 1;
}

static double *
random_points(int n, int d, uint64_t seed, int grid)
{
	SegRng		rng;
	double	   *x = malloc(sizeof(double) * n * d);

	rng_seed(&rng, seed);
	for (int i = 0; i < n * d; i++)
		x[i] = grid ? (double) rng_below(&rng, (uint64_t) grid) : rng_normal(&rng);
	return x;
}

static void
test_knn(void)
{
	char		err[SEG_ERRMSG_LEN];
	int			cases[][3] = {{500, 8, 5}, {300, 2, 7}, {400, 20, 5}, {40, 3, 1}, {17, 1, 16}};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
	{
		int			n = cases[c][0],
					d = cases[c][1],
					k = cases[c][2];
		double	   *x = random_points(n, d, 7 + c, 0);
		int		   *nn = malloc(sizeof(int) * n * k);
		char		what[96];

		snprintf(what, sizeof(what), "knn exact on %d x %d, k = %d (%s)", n, d, k,
				 d <= KNN_TREE_MAX_DIM ? "k-d tree" : "BLAS blocks");
		tap_ok(knn_self(x, n, d, k, 0, NULL, nn, err) == SEG_OK &&
			   neighbours_exact(x, n, d, k, nn, 1e-9), what);
		free(nn);
		free(x);
	}

	/* many exact duplicates and ties: grid points, one identical block */
	{
		int			n = 600,
					d = 3,
					k = 5;
		double	   *x = random_points(n, d, 99, 4);
		int		   *nn = malloc(sizeof(int) * n * k);
		int			lowest_first = 1;

		tap_ok(knn_self(x, n, d, k, 0, NULL, nn, err) == SEG_OK &&
			   neighbours_exact(x, n, d, k, nn, 0), "knn exact with many ties and duplicates");
		/* ties at equal distance come lower row first */
		for (int i = 0; i < n; i++)
			for (int a = 1; a < k; a++)
			{
				double		d0 = sq_dist(x + i * d, x + nn[i * k + a - 1] * d, d);
				double		d1 = sq_dist(x + i * d, x + nn[i * k + a] * d, d);

				if (d0 == d1 && nn[i * k + a - 1] > nn[i * k + a])
					lowest_first = 0;
			}
		tap_ok(lowest_first, "equal distances are ordered by row number");
		free(nn);
		free(x);
	}

	/*
	 * Far from the origin with a small spread: the tree's single-precision
	 * screen and the BLAS expansion |x|^2 - 2 x.y + |y|^2 would both lose
	 * the differences without centring; and beyond the screen's range the
	 * BLAS path serves narrow data too.
	 */
	{
		struct
		{
			int			d;
			double		offset;
			double		spread;
		}			far[3] = {{3, 1e6, 1e-3}, {20, 1e8, 1.0}, {3, 1e20, 1e18}};

		for (int o = 0; o < 3; o++)
		{
			int			n = 400,
						d = far[o].d,
						k = 5;
			double	   *x = random_points(n, d, 11 + o, 0);
			int		   *nn = malloc(sizeof(int) * n * k);
			char		what[96];

			for (int i = 0; i < n * d; i++)
				x[i] = far[o].offset + x[i] * far[o].spread;
			snprintf(what, sizeof(what), "knn exact on %d columns around %g, spread %g",
					 d, far[o].offset, far[o].spread);
			tap_ok(knn_self(x, n, d, k, 0, NULL, nn, err) == SEG_OK &&
				   neighbours_exact(x, n, d, k, nn, 1e-9), what);
			free(nn);
			free(x);
		}
	}

	{
		double		x[4] = {0, 1, 2, 3};
		int			nn[8];

		tap_ok(knn_self(x, 4, 1, 4, 0, NULL, nn, err) == SEG_ERR_INVALID,
			   "k equal to the row count is refused");
		tap_ok(knn_self(x, 4, 1, 2, 8, NULL, nn, err) == SEG_ERR_NOMEM &&
			   strstr(err, "kB") != NULL, "memory limit: the message says how much is needed");
	}
}

static void
test_strategies(void)
{
	int			counts[4] = {50, 200, 10, 200};
	int			n_new[4];
	char		err[SEG_ERRMSG_LEN];

	smote_targets_by_strategy(SMOTE_NOT_MAJORITY, counts, 4, n_new);
	tap_ok(n_new[0] == 150 && n_new[1] == 0 && n_new[2] == 190 && n_new[3] == 0,
		   "'auto': every class but the first majority up to the majority");
	smote_targets_by_strategy(SMOTE_MINORITY, counts, 4, n_new);
	tap_ok(n_new[0] == 0 && n_new[1] == 0 && n_new[2] == 190 && n_new[3] == 0,
		   "'minority': the minority class only");
	smote_targets_by_strategy(SMOTE_NOT_MINORITY, counts, 4, n_new);
	tap_ok(n_new[0] == 150 && n_new[1] == 0 && n_new[2] == 0 && n_new[3] == 0,
		   "'not minority': all but the minority");
	smote_targets_by_strategy(SMOTE_ALL, counts, 4, n_new);
	tap_ok(n_new[0] == 150 && n_new[2] == 190 && n_new[3] == 0, "'all': every class");

	{
		int			two[2] = {90, 30};

		tap_ok(smote_targets_by_ratio(0.5, two, 2, n_new, err) == SEG_OK &&
			   n_new[0] == 0 && n_new[1] == 15, "ratio 0.5: int(0.5 * 90 - 30) = 15 rows");
		tap_ok(smote_targets_by_ratio(0.2, two, 2, n_new, err) == SEG_ERR_INVALID,
			   "a ratio below the current one is refused");
		tap_ok(smote_targets_by_ratio(1.5, two, 2, n_new, err) == SEG_ERR_INVALID,
			   "a ratio above 1 is refused");
		tap_ok(smote_targets_by_ratio(0.5, counts, 4, n_new, err) == SEG_ERR_INVALID,
			   "a ratio with more than two classes is refused");
	}
}

/* Is p on the segment a-b (continuous columns), within tol? */
static int
on_segment(const double *p, const double *a, const double *b, int d, const bool *skip, double tol)
{
	double		t = -1;

	for (int j = 0; j < d; j++)
	{
		if (skip && skip[j])
			continue;
		if (fabs(b[j] - a[j]) > 1e-12)
		{
			t = (p[j] - a[j]) / (b[j] - a[j]);
			break;
		}
	}
	if (t < -tol || t > 1 + tol)
		return t == -1;			/* a == b: p must equal a, checked below */
	for (int j = 0; j < d; j++)
	{
		if (skip && skip[j])
			continue;
		if (fabs(a[j] + t * (b[j] - a[j]) - p[j]) > tol)
			return 0;
	}
	return 1;
}

static void
test_resample(void)
{
	int			n = 300,
				d = 4,
				k = 5;
	double	   *x = random_points(n, d, 3, 0);
	int		   *labels = malloc(sizeof(int) * n);
	int			n_new[2];
	int			counts[2] = {0, 0};
	SmoteInput	in = {0};
	SmoteOutput out,
				again;
	char		err[SEG_ERRMSG_LEN];
	int		   *nn;
	int			all_on_segments = 1;

	for (int i = 0; i < n; i++)
	{
		labels[i] = (i % 5 == 0);
		counts[labels[i]]++;
	}
	in.x = x;
	in.n_rows = n;
	in.n_cols = d;
	in.labels = labels;
	in.n_classes = 2;
	smote_targets_by_strategy(SMOTE_NOT_MAJORITY, counts, 2, n_new);
	tap_ok(smote_resample(&in, n_new, k, 42, 0, NULL, &out, err) == SEG_OK &&
		   out.n_rows == counts[0] - counts[1], "SMOTE adds majority - minority rows");

	/* every synthetic row lies between a minority row and one of its k neighbours */
	{
		int			m = counts[1];
		int		   *rows = malloc(sizeof(int) * m);
		double	   *xm = malloc(sizeof(double) * m * d);
		int			r = 0;

		for (int i = 0; i < n; i++)
			if (labels[i] == 1)
			{
				rows[r] = i;
				memcpy(xm + r * d, x + i * d, sizeof(double) * d);
				r++;
			}
		nn = malloc(sizeof(int) * m * k);
		knn_self(xm, m, d, k, 0, NULL, nn, err);
		for (int s = 0; s < out.n_rows; s++)
		{
			int			found = 0;

			for (int a = 0; a < m && !found; a++)
				for (int b = 0; b < k && !found; b++)
					found = on_segment(out.x + s * d, xm + a * d, xm + nn[a * k + b] * d, d, NULL, 1e-9);
			if (!found || out.labels[s] != 1)
				all_on_segments = 0;
		}
		tap_ok(all_on_segments, "every synthetic row is on a segment to a k-nearest neighbour");
		free(rows);
		free(xm);
		free(nn);
	}

	tap_ok(smote_resample(&in, n_new, k, 42, 0, NULL, &again, err) == SEG_OK &&
		   again.n_rows == out.n_rows &&
		   memcmp(again.x, out.x, sizeof(double) * out.n_rows * d) == 0,
		   "same seed, same rows");
	smote_output_free(&again);
	smote_output_free(&out);

	tap_ok(smote_resample(&in, n_new, 0, 42, 0, NULL, &out, err) == SEG_ERR_INVALID,
		   "k_neighbors 0 is refused");
	tap_ok(smote_resample(&in, n_new, counts[1], 42, 0, NULL, &out, err) == SEG_ERR_INVALID &&
		   strstr(err, "k_neighbors + 1") != NULL, "a class with k_neighbors rows is refused");
	free(labels);
	free(x);
}

static void
test_smote_nc(void)
{
	/* columns: continuous, integer, categorical (3 codes) */
	int			n = 200,
				d = 3,
				k = 5;
	double	   *x = malloc(sizeof(double) * n * d);
	int		   *labels = malloc(sizeof(int) * n);
	bool		categorical[3] = {false, false, true};
	bool		integer[3] = {false, true, false};
	int			n_categories[3] = {0, 0, 3};
	int			n_new[2] = {0, 0};
	int			counts[2] = {0, 0};
	SmoteInput	in = {0};
	SmoteOutput out;
	char		err[SEG_ERRMSG_LEN];
	SegRng		rng;
	int			ints_ok = 1,
				codes_ok = 1;

	rng_seed(&rng, 5);
	for (int i = 0; i < n; i++)
	{
		labels[i] = (i % 4 == 0);
		counts[labels[i]]++;
		x[i * d] = rng_normal(&rng);
		x[i * d + 1] = (double) rng_below(&rng, 50);
		x[i * d + 2] = (double) (labels[i] ? (i % 3 == 0 ? 2 : 1) : rng_below(&rng, 3));
	}
	in.x = x;
	in.n_rows = n;
	in.n_cols = d;
	in.labels = labels;
	in.n_classes = 2;
	in.categorical = categorical;
	in.n_categories = n_categories;
	in.integer = integer;
	n_new[1] = 100;
	tap_ok(smote_resample(&in, n_new, k, 1, 0, NULL, &out, err) == SEG_OK && out.n_rows == 100,
		   "SMOTE-NC adds the rows asked for");
	for (int s = 0; s < out.n_rows; s++)
	{
		double		v = out.x[s * d + 1];
		double		c = out.x[s * d + 2];

		if (v != round(v) || v < 0 || v > 49)
			ints_ok = 0;
		if (c != 1 && c != 2)	/* minority rows only carry codes 1 and 2 */
			codes_ok = 0;
	}
	tap_ok(ints_ok, "integer columns are whole numbers within the data's range");
	tap_ok(codes_ok, "categorical values come from the class's neighbours");
	smote_output_free(&out);

	{
		bool		all_cat[3] = {true, true, true};
		int			ncat[3] = {50, 50, 3};

		for (int i = 0; i < n; i++)
			x[i * d] = (double) (i % 50);
		in.categorical = all_cat;
		in.n_categories = ncat;
		tap_ok(smote_resample(&in, n_new, k, 1, 0, NULL, &out, err) == SEG_ERR_INVALID,
			   "only categorical features are refused");
	}
	free(labels);
	free(x);
}

int
main(void)
{
	test_knn();
	test_strategies();
	test_resample();
	test_smote_nc();
	return tap_done();
}
