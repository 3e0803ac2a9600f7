/*-------------------------------------------------------------------------
 *
 * search_space.h
 *	  Hyperparameter search spaces over any learner's settings, and the
 *	  trials drawn from them.
 *
 * A dimension varies one setting of the learner (found by name in its
 * SegParamSpec table) or the balance mode, either over a list of values
 * or, for numbers, a uniform or log-uniform range.  When every dimension
 * is a list and the grid has at most `trials` points, the trials are the
 * grid (the last dimension varying fastest); otherwise `trials` seeded
 * random draws.  Dimensions are ordered by the learner's table, balance
 * last, so the trials of a search do not depend on how its jsonb was
 * written.
 *
 * IDENTIFICATION
 *	  src/search_space.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SEARCH_SPACE_H
#define SEGMENT_SEARCH_SPACE_H

#include <stdint.h>

#include "core.h"
#include "learner.h"
#include "params.h"

#define SEARCH_MAX_DIMS 64

typedef enum SearchKind
{
	SEARCH_ABSENT = 0,
	SEARCH_CHOICES,
	SEARCH_UNIFORM,
	SEARCH_LOG_UNIFORM
} SearchKind;

typedef struct SearchDim
{
	const SegParamSpec *spec;	/* the setting, or NULL for the balance mode */
	SearchKind	kind;
	int			n_choices;
	double	   *choices;		/* numbers (bools 0 / 1, balance an index) */
	SegIntList *lists;			/* an INT_LIST setting's choices */
	double		low;			/* ranges */
	double		high;
} SearchDim;

typedef struct SegSearchSpace
{
	int			n_dims;
	SearchDim	dims[SEARCH_MAX_DIMS];
} SegSearchSpace;

/* One candidate: a learner with its settings and a balance mode. */
typedef struct SegTrialConfig
{
	const SegLearner *learner;
	void	   *params;			/* learner->params_size bytes, seg_alloc'ed */
	int			balance;		/* SegBalance (train.h) */
} SegTrialConfig;

/* Grid size when every dimension is a list (1 for an empty space), else -1. */
extern long search_grid_size(const SegSearchSpace *space);

/*
 * Fills out (room for `trials` configurations) with the trials of the
 * space around base and sets *n_out.  Each trial gets its own copy of
 * the params.
 */
extern void search_trials(const SegSearchSpace *space, const SegTrialConfig *base,
						  int trials, uint64_t seed, SegTrialConfig *out, int *n_out);

/* A copy of config with its own params. */
extern SegTrialConfig trial_config_copy(const SegTrialConfig *config);

#endif							/* SEGMENT_SEARCH_SPACE_H */
