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
#include <string.h>

#include "rng.h"
#include "search_space.h"

long
search_grid_size(const SegSearchSpace *space)
{
	long		size = 1;

	for (int p = 0; p < space->n_dims; p++)
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

SegTrialConfig
trial_config_copy(const SegTrialConfig *config)
{
	SegTrialConfig copy = *config;

	copy.params = seg_alloc(config->learner->params_size);
	memcpy(copy.params, config->params, config->learner->params_size);
	return copy;
}

/*
 * Sets a dimension's value in cfg: v for numbers (rounded for integers,
 * as a range over an integer setting draws reals), list k for INT_LIST.
 * Values were validated when the space was parsed.
 */
static void
SetValue(SegTrialConfig *cfg, const SearchDim *d, double v, int k)
{
	char		unused[SEG_ERRMSG_LEN];

	if (d->spec == NULL)
	{
		cfg->balance = (int) v;
		return;
	}
	if (d->spec->type == SEG_PARAM_INT_LIST)
	{
		(void) params_set_list(d->spec, cfg->params, d->lists[k].v, d->lists[k].n, unused);
		return;
	}
	if (d->spec->type == SEG_PARAM_INT)
		v = floor(v + 0.5);
	(void) params_set_number(d->spec, cfg->params, v, unused);
}

static void
SetChoice(SegTrialConfig *cfg, const SearchDim *d, int k)
{
	SetValue(cfg, d, d->choices != NULL ? d->choices[k] : 0.0, k);
}

/* A draw from a range dimension. */
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

			out[t] = trial_config_copy(base);
			/* the last dimension varies fastest */
			for (int p = space->n_dims - 1; p >= 0; p--)
			{
				const SearchDim *d = &space->dims[p];

				if (d->kind == SEARCH_ABSENT)
					continue;
				SetChoice(&out[t], d, (int) (rest % d->n_choices));
				rest /= d->n_choices;
			}
		}
		*n_out = (int) grid;
		return;
	}

	rng_seed(&rng, seed);
	for (int t = 0; t < trials; t++)
	{
		out[t] = trial_config_copy(base);
		for (int p = 0; p < space->n_dims; p++)
		{
			const SearchDim *d = &space->dims[p];

			if (d->kind == SEARCH_ABSENT)
				continue;
			if (d->kind == SEARCH_CHOICES)
				SetChoice(&out[t], d, (int) rng_below(&rng, d->n_choices));
			else
				SetValue(&out[t], d, Draw(d, &rng), 0);
		}
	}
	*n_out = trials;
}
