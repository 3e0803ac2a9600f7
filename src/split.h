/*-------------------------------------------------------------------------
 *
 * split.h
 *	  Seeded stratified train / validation / test split.
 *
 * Each class is shuffled on its own and cut so that every part holds
 * round(count * size) of its rows, at least one: the parts keep the
 * class proportions of the whole (as scikit-learn's stratified splits
 * do, though not with the same random stream).  The split depends only
 * on the labels in row order, the sizes and the seed.
 *
 * IDENTIFICATION
 *	  src/split.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SPLIT_H
#define SEGMENT_SPLIT_H

#include <stdint.h>

#include "core.h"

typedef enum SegSplitPart
{
	SPLIT_TRAIN = 0,
	SPLIT_VALIDATION = 1,
	SPLIT_TEST = 2
} SegSplitPart;

/*
 * Assigns part[i] for each of n rows of labels (0 .. n_classes-1).
 * test_size and validation_size are fractions in [0, 1) summing below 1;
 * a part of size 0 gets no rows.  SEG_ERR_INVALID, with a message naming
 * the class (class_names may be NULL) and the counts, when a class is too
 * small to put a row in every non-empty part.
 */
extern SegStatus split_stratified(const int *labels, int n, int n_classes,
								  double test_size, double validation_size,
								  uint64_t seed, const char *const *class_names,
								  uint8_t *part, char *errmsg);

#endif							/* SEGMENT_SPLIT_H */
