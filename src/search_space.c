/*-------------------------------------------------------------------------
 *
 * search_space.c
 *	  Grid and seeded random trials over a hyperparameter space.
 *
 * IDENTIFICATION
 *	  src/search_space.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "rng.h"
#include "search_space.h"

static const char *const param_names[SEARCH_N_PARAMS] = {
	"hidden", "dropout", "learning_rate", "l2", "batch_size", "batch_norm", "balance"
};

const char *
search_param_name(SearchParam p)
{
	return p < SEARCH_N_PARAMS ? param_names[p] : "?";
}

long
search_grid_size(const SegSearchSpace *space)
{
	long		size = 1;

	for (int p = 0; p < SEARCH_N_PARAMS; p++)
	{
		const SearchDim *d = &space->dims[p];

		if (d->kind == SEARCH_ABSENT)
			continue;
		if (d->kind != SEARCH_CHOICES)
			return -1;
		if (size > (1L << 40) / (d->n_choices > 0 ? d->n_choices : 1))
			return -1;
		size *= d->n_choices;
	}
	return size;
}

/* Sets parameter p of cfg to choice k of its dimension. */
static void
SetChoice(SegTrialConfig *cfg, const SearchDim *d, SearchParam p, int k)
{
	double		v = d->choices != NULL ? d->choices[k] : 0.0;

	switch (p)
	{
		case SEARCH_HIDDEN:
			cfg->hidden = d->hidden[k];
			break;
		case SEARCH_DROPOUT:
			cfg->dropout = v;
			break;
		case SEARCH_LEARNING_RATE:
			cfg->learning_rate = v;
			break;
		case SEARCH_L2:
			cfg->l2 = v;
			break;
		case SEARCH_BATCH_SIZE:
			cfg->batch_size = (int) v;
			break;
		case SEARCH_BATCH_NORM:
			cfg->batch_norm = v != 0.0;
			break;
		case SEARCH_BALANCE:
			cfg->balance = (int) v;
			break;
		default:
			break;
	}
}

/* A draw from a distribution dimension. */
static double
Draw(const SearchDim *d, SegRng *rng)
{
	double		u = rng_uniform(rng);

	if (d->kind == SEARCH_LOG_UNIFORM)
		return exp(log(d->low) + u * (log(d->high) - log(d->low)));
	return d->low + u * (d->high - d->low);
}

void
search_trials(const SegSearchSpace *space, const SegTrialConfig *base, int trials,
			  uint64_t seed, SegTrialConfig *out, int *n_out)
{
	long		grid = search_grid_size(space);
	SegRng		rng;

	if (grid >= 1 && grid <= trials)
	{
		for (long t = 0; t < grid; t++)
		{
			long		rest = t;

			out[t] = *base;
			/* the last dimension varies fastest */
			for (int p = SEARCH_N_PARAMS - 1; p >= 0; p--)
			{
				const SearchDim *d = &space->dims[p];

				if (d->kind == SEARCH_ABSENT)
					continue;
				SetChoice(&out[t], d, (SearchParam) p, (int) (rest % d->n_choices));
				rest /= d->n_choices;
			}
		}
		*n_out = (int) grid;
		return;
	}

	rng_seed(&rng, seed);
	for (int t = 0; t < trials; t++)
	{
		out[t] = *base;
		for (int p = 0; p < SEARCH_N_PARAMS; p++)
		{
			const SearchDim *d = &space->dims[p];

			if (d->kind == SEARCH_ABSENT)
				continue;
			if (d->kind == SEARCH_CHOICES)
				SetChoice(&out[t], d, (SearchParam) p, (int) rng_below(&rng, d->n_choices));
			else
			{
				double		v = Draw(d, &rng);

				if (p == SEARCH_BATCH_SIZE)
					out[t].batch_size = (int) floor(v + 0.5);
				else if (p == SEARCH_DROPOUT)
					out[t].dropout = v;
				else if (p == SEARCH_LEARNING_RATE)
					out[t].learning_rate = v;
				else if (p == SEARCH_L2)
					out[t].l2 = v;
			}
		}
	}
	*n_out = trials;
}
