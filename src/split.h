/*-------------------------------------------------------------------------
 *
 * split.h
 *	  Seeded stratified train / validation / test splits.
 *
 * Both cut each class (stratum) so that every part holds round(count *
 * size) of its rows, at least one: the parts keep the class proportions
 * of the whole, as scikit-learn's stratified splits do.
 *
 * split_by_hash is segment_train's: a row's part follows from a 64-bit
 * hash of its key and the seed, never from its position, so the same
 * table gives the same split whatever order a scan returns its rows in
 * (parallel workers, Citus shards, VACUUM FULL).  Within a stratum rows
 * are ranked by hash; the lowest go to test, the next to validation.
 * Rows of equal hash (equal keys) always share a part.  Two thresholds
 * per stratum describe the split, so split_part_of finds one row's part
 * from its hash alone, as segment.split_part() does from SQL.
 *
 * split_stratified shuffles each class by position (the 0.1.0 split,
 * kept for segment.stratified_split()).
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

/* The hashes of a stratum's last test row and last validation row. */
typedef struct SplitThreshold
{
	uint64_t	test_max;
	uint64_t	validation_max;
	bool		has_test;
	bool		has_validation;
} SplitThreshold;

/* A row's split hash: its key's hash mixed with the split's seed. */
extern uint64_t split_hash(uint64_t key_hash, uint64_t seed);

/*
 * Parts of n rows from their split hashes, stratified by strata (values
 * 0 .. n_strata - 1); fills part and thresholds (n_strata entries).
 * SEG_ERR_INVALID when a stratum is too small for the three parts
 * (class_names, or NULL, name it in the message).
 */
extern SegStatus split_by_hash(const int *strata, const uint64_t *hashes, int n, int n_strata,
							   double test_size, double validation_size,
							   const char *const *class_names, uint8_t *part,
							   SplitThreshold *thresholds, char *errmsg);

/* The part of a row of the given split hash in a stratum. */
extern SegSplitPart split_part_of(const SplitThreshold *t, uint64_t hash);

#endif							/* SEGMENT_SPLIT_H */
