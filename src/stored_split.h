/*-------------------------------------------------------------------------
 *
 * stored_split.h
 *	  The split segment_train stored with a model version ("split" in its
 *	  spec): which columns key a row, the seed, and each stratum's
 *	  thresholds, so that any row's part can be found again from SQL.
 *
 * IDENTIFICATION
 *	  src/stored_split.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_STORED_SPLIT_H
#define SEGMENT_STORED_SPLIT_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "split.h"

typedef struct StoredSplit
{
	bool		classification;
	char	   *relation;		/* the training relation, qualified */
	char	   *label;
	int			n_features;
	char	  **features;
	int			n_key;
	char	  **key;
	uint64		seed;
	int			n_strata;
	char	  **stratum_names;	/* class texts; "" for a regressor */
	SplitThreshold *thresholds;
} StoredSplit;

/*
 * Reads the split of a spec; ERROR naming the model when the spec has
 * none (versions before 0.2.0, models not trained by segment_train).
 */
extern void stored_split_read(Jsonb *spec, const char *name, StoredSplit *out);

/* The stratum of a class text, or -1 when training had no such class. */
extern int	stored_split_stratum(const StoredSplit *s, const char *class_text);

#endif							/* SEGMENT_STORED_SPLIT_H */
