/*
 * test_assignment.c
 *	  The Hungarian method against brute force over every pairing, on
 *	  square and rectangular random matrices, with ties and negatives.
 */
#include <math.h>
#include <string.h>

#include "assignment.h"
#include "rng.h"
#include "tap.h"

/* the least total over every injective pairing of the smaller side */
static double
BruteForce(const double *cost, int rows, int cols, int row, bool *col_used)
{
	double		best = INFINITY;
	int			free_cols = 0;

	if (row == rows)
		return 0.0;
	/* a row may stay unpaired while more rows remain than free columns */
	for (int j = 0; j < cols; j++)
		free_cols += !col_used[j];
	if (rows - row > free_cols)
		best = BruteForce(cost, rows, cols, row + 1, col_used);
	for (int j = 0; j < cols; j++)
	{
		double		rest;

		if (col_used[j])
			continue;
		col_used[j] = true;
		rest = BruteForce(cost, rows, cols, row + 1, col_used);
		col_used[j] = false;
		if (cost[row * cols + j] + rest < best)
			best = cost[row * cols + j] + rest;
	}
	return best;
}

static bool
ValidPairing(const int *row_to_col, int rows, int cols, const double *cost, double total)
{
	bool		used[16] = {false};
	int			paired = 0;
	double		sum = 0.0;

	for (int i = 0; i < rows; i++)
	{
		if (row_to_col[i] < 0)
			continue;
		if (row_to_col[i] >= cols || used[row_to_col[i]])
			return false;
		used[row_to_col[i]] = true;
		sum += cost[i * cols + row_to_col[i]];
		paired++;
	}
	return paired == (rows < cols ? rows : cols) && fabs(sum - total) < 1e-9;
}

int
main(void)
{
	SegRng		rng;
	int			optimal = 0;
	int			valid = 0;
	int			trials = 0;
	const double known[9] = {4, 1, 3, 2, 0, 5, 3, 2, 2};
	int			pairs[8];
	bool		used[8] = {false};

	/* scikit-learn's linear_sum_assignment doc example: rows 0,1,2 -> cols 1,0,2, total 5 */
	tap_close(assignment_solve(known, 3, 3, pairs, NULL), 5.0, 1e-12, "the documented 3x3 example");
	tap_ok(pairs[0] == 1 && pairs[1] == 0 && pairs[2] == 2, "its pairs");

	rng_seed(&rng, 7);
	for (int rows = 1; rows <= 6; rows++)
		for (int cols = 1; cols <= 6; cols++)
			for (int t = 0; t < 20; t++)
			{
				double		cost[36];
				double		total;

				for (int i = 0; i < rows * cols; i++)
					/* small integers: many ties; some negatives */
					cost[i] = t % 2 == 0 ? (double) rng_below(&rng, 5) - 1.0 : rng_normal(&rng);
				total = assignment_solve(cost, rows, cols, pairs, NULL);
				memset(used, 0, sizeof(used));
				optimal += fabs(total - BruteForce(cost, rows, cols, 0, used)) < 1e-9;
				valid += ValidPairing(pairs, rows, cols, cost, total);
				trials++;
			}
	tap_ok(optimal == trials, "least total on 720 random matrices up to 6x6 (brute force)");
	tap_ok(valid == trials, "every pairing is one-to-one, pairs min(rows, cols), sums to the total");
	return tap_done();
}
