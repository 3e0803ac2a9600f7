/*-------------------------------------------------------------------------
 *
 * selection.h
 *	  Choosing among candidates by validation score without chasing the
 *	  validation set's noise.
 *
 * The best candidate by validation score (macro-F1, or R2) may beat a
 * simpler one by less than the score would move on another sample of
 * the same size.  So every candidate's validation predictions are scored
 * on the same seeded bootstrap resamples of the validation rows, and the
 * simplest candidate whose score is within one standard error of the
 * best's (the standard error of the paired difference best - candidate
 * over the resamples) is chosen: the one-standard-error rule of Breiman
 * et al. (1984) and Hastie et al., "The Elements of Statistical
 * Learning", 7.10, with a paired bootstrap for the error.
 *
 * IDENTIFICATION
 *	  src/selection.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SELECTION_H
#define SEGMENT_SELECTION_H

#include <stdint.h>

#include "core.h"

#define SELECTION_BOOTSTRAP 200

typedef struct SelectionInput
{
	bool		classification;
	int			n_classes;		/* classification */
	int			n;				/* validation rows */
	const int  *y_class;		/* truth */
	const double *y_value;
	int			n_candidates;
	const int *const *pred_class;	/* per candidate: n predicted classes */
	const double *const *pred_value;	/* per candidate: n predicted values */
	const int  *simplicity;		/* per candidate: lower is simpler */
	uint64_t	seed;
} SelectionInput;

typedef struct SelectionResult
{
	int			best;			/* highest validation score (first on ties) */
	int			chosen;			/* simplest within one standard error of best */
	double		margin;			/* score(best) - score(chosen), >= 0 */
	double		standard_error; /* of that difference over the resamples */
	double	   *scores;			/* per candidate, on all validation rows (seg_alloc'ed) */
	double	   *errors;			/* per candidate: standard error of best - it (0 for best) */
} SelectionResult;

/* Chooses; with fewer than 2 candidates or no rows, the first (or best) wins. */
extern void selection_choose(const SelectionInput *in, SelectionResult *out);

/*
 * The standard error of one candidate's validation score: its standard
 * deviation over the same bootstrap resamples selection_choose uses.
 */
extern double selection_standard_error(const SelectionInput *in, int candidate);

/* Macro-F1 of predicted against actual over rows weighted by counts (NULL: each once). */
extern double selection_macro_f1(const int *actual, const int *predicted, const int *counts,
								 int n, int n_classes);

/* R2 of predicted against actual over rows weighted by counts (NULL: each once). */
extern double selection_r2(const double *actual, const double *predicted, const int *counts,
						   int n);

#endif							/* SEGMENT_SELECTION_H */
