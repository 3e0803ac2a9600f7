/*-------------------------------------------------------------------------
 *
 * search_space.h
 *	  Hyperparameter search spaces and the trial configurations drawn
 *	  from them.
 *
 * A space gives, for some hyperparameters, either a list of values or a
 * distribution ({"uniform": [a, b]} / {"log_uniform": [a, b]}); the
 * others keep the call's values.  When every given entry is a list and
 * the trials asked for cover the whole grid, the trials are the grid (in
 * order, the first entry varying slowest); otherwise they are drawn at
 * random, reproducibly for the seed.  The SQL layer parses the jsonb into
 * this struct.
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
#include "mlp.h"

/* what a trial can vary; balance is an index into the SQL layer's modes */
typedef enum SearchParam
{
	SEARCH_HIDDEN = 0,
	SEARCH_DROPOUT,
	SEARCH_LEARNING_RATE,
	SEARCH_L2,
	SEARCH_BATCH_SIZE,
	SEARCH_BATCH_NORM,
	SEARCH_BALANCE,
	SEARCH_N_PARAMS
} SearchParam;

typedef enum SearchKind
{
	SEARCH_ABSENT = 0,
	SEARCH_CHOICES,
	SEARCH_UNIFORM,
	SEARCH_LOG_UNIFORM
} SearchKind;

typedef struct SearchHidden
{
	int			n;
	int			sizes[MLP_MAX_HIDDEN];
} SearchHidden;

typedef struct SearchDim
{
	SearchKind	kind;
	int			n_choices;
	double	   *choices;		/* numbers (batch_norm 0/1, balance an index) */
	SearchHidden *hidden;		/* SEARCH_HIDDEN's choices */
	double		low;			/* distributions */
	double		high;
} SearchDim;

typedef struct SegSearchSpace
{
	SearchDim	dims[SEARCH_N_PARAMS];
} SegSearchSpace;

typedef struct SegTrialConfig
{
	SearchHidden hidden;
	double		dropout;
	double		learning_rate;
	double		l2;
	int			batch_size;
	bool		batch_norm;
	int			balance;
} SegTrialConfig;

/* "hidden", "dropout", ... */
extern const char *search_param_name(SearchParam p);

/* grid size when every present dimension is a list (1 for an empty space), else -1 */
extern long search_grid_size(const SegSearchSpace *space);

/*
 * Fills out[0 .. *n_out) with trial configurations: the grid when it has
 * at most `trials` points, else `trials` random draws; dimensions absent
 * from the space keep base's values.  out holds room for `trials`.
 */
extern void search_trials(const SegSearchSpace *space, const SegTrialConfig *base,
						  int trials, uint64_t seed, SegTrialConfig *out, int *n_out);

#endif							/* SEGMENT_SEARCH_SPACE_H */
