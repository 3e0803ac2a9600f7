/*-------------------------------------------------------------------------
 *
 * simulate.c
 *	  Sample customer generator.
 *
 * Each customer has a latent engagement and spending propensity; the six
 * observed features are noisy functions of them.  The segment is a
 * function of the observed features (a weighted value score plus a little
 * noise), so a classifier can learn it, and it is cut by rank so that the
 * classes are imbalanced in the proportions 1,067 : 393 : 100 of the
 * classic simulated table (about 68 / 25 / 6 %).
 *
 * IDENTIFICATION
 *	  src/simulate.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>

#include "rng.h"
#include "simulate.h"

typedef struct ScoredRow
{
	double		score;
	int64_t		row;
} ScoredRow;

static int
CompareScores(const void *a, const void *b)
{
	const ScoredRow *x = a;
	const ScoredRow *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static double
Clamp(double v, double lo, double hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/* Rounds to `per_unit` steps; dividing (not multiplying by 0.01) gives the nearest double. */
static double
Round(double v, double per_unit)
{
	return round(v * per_unit) / per_unit;
}

/* The value a customer brings, from the observed features only. */
static double
ValueScore(const SegCustomer *c)
{
	return 1.0 * (log(c->monthly_spending) - 4.6) / 0.54
		+ 0.7 * (log(c->purchase_frequency) - 0.8) / 0.57
		+ 0.5 * (c->engagement_score - 50.0) / 18.0
		+ 0.3 * (c->tenure - 36.5) / 20.8
		- 0.4 * (c->discount_usage - 0.4) / 0.2
		- 0.25 * c->complaint_count;
}

SegStatus
simulate_customer_rows(int64_t n, uint64_t seed, SegCustomer *out)
{
	SegRng		rng;
	ScoredRow  *scored;
	int64_t		n_high;
	int64_t		n_medium;

	if (n <= 0)
		return SEG_OK;
	scored = seg_alloc(sizeof(ScoredRow) * (size_t) n);
	if (scored == NULL)
		return SEG_ERR_NOMEM;
	rng_seed(&rng, seed);
	for (int64_t i = 0; i < n; i++)
	{
		SegCustomer *c = &out[i];
		double		engagement = rng_normal(&rng);
		double		spending = rng_normal(&rng);

		c->tenure = 1 + (int) rng_below(&rng, 72);
		c->engagement_score = (int) Clamp(round(50.0 + 18.0 * engagement), 1, 100);
		c->purchase_frequency =
			Round(exp(0.8 + 0.35 * engagement + 0.45 * rng_normal(&rng)), 100);
		if (c->purchase_frequency < 0.01)
			c->purchase_frequency = 0.01;
		c->monthly_spending =
			Round(exp(4.6 + 0.5 * spending + 0.2 * engagement), 100);
		c->discount_usage = Round(1.0 / (1.0 + exp(0.4 + 0.6 * spending
													 - 0.8 * rng_normal(&rng))), 1000);
		c->complaint_count = rng_poisson(&rng, exp(-0.7 - 0.5 * engagement));
		scored[i].score = ValueScore(c) + 0.03 * rng_normal(&rng);
		scored[i].row = i;
	}

	/* cut by rank in the classic table's proportions 1,067 : 393 : 100 */
	n_high = (int64_t) llround((double) n * 100.0 / 1560.0);
	n_medium = (int64_t) llround((double) n * 393.0 / 1560.0);
	qsort(scored, (size_t) n, sizeof(ScoredRow), CompareScores);
	for (int64_t r = 0; r < n; r++)
	{
		int64_t		from_top = n - 1 - r;

		out[scored[r].row].customer_segment =
			from_top < n_high ? 2 : (from_top < n_high + n_medium ? 1 : 0);
	}
	seg_free(scored);
	return SEG_OK;
}
