/*-------------------------------------------------------------------------
 *
 * split.c
 *	  Stratified train / validation / test split.
 *
 * IDENTIFICATION
 *	  src/split.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "row_order.h"
#include "split.h"

/* rows of a class of `count` a part of fraction `size` gets */
static int
PartRows(int count, double size)
{
	int			rows;

	if (size <= 0.0)
		return 0;
	rows = (int) floor(count * size + 0.5);
	return rows < 1 ? 1 : rows;
}

/* Checks the sizes; counts rows per stratum into counts (n_strata, zeroed). */
static SegStatus
CheckSizes(const int *labels, int n, int n_strata, double test_size, double validation_size,
		   const char *const *class_names, int *counts, char *errmsg)
{
	int			needed = 1 + (test_size > 0.0) + (validation_size > 0.0);

	if (!(test_size >= 0.0 && test_size < 1.0) ||
		!(validation_size >= 0.0 && validation_size < 1.0) ||
		!(test_size + validation_size < 1.0))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "test and validation sizes must be in [0, 1) with a sum below 1, not %g and %g",
				 test_size, validation_size);
		return SEG_ERR_INVALID;
	}
	for (int i = 0; i < n; i++)
	{
		if (labels[i] < 0 || labels[i] >= n_strata)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN, "class index %d out of range", labels[i]);
			return SEG_ERR_INVALID;
		}
		counts[labels[i]]++;
	}
	for (int c = 0; c < n_strata; c++)
	{
		int			n_test = PartRows(counts[c], test_size);
		int			n_val = PartRows(counts[c], validation_size);

		if (counts[c] < needed || counts[c] - n_test - n_val < 1)
		{
			char		name[64];

			if (class_names != NULL)
				snprintf(name, sizeof(name), "class \"%.48s\"", class_names[c]);
			else if (n_strata == 1)
				snprintf(name, sizeof(name), "the relation");
			else
				snprintf(name, sizeof(name), "class %d", c);
			snprintf(errmsg, SEG_ERRMSG_LEN,
					 "%s has %d row%s, too few to %s: train, validation and test need %d",
					 name, counts[c], counts[c] == 1 ? "" : "s",
					 class_names != NULL || n_strata > 1 ? "stratify" : "split",
					 needed > n_test + n_val + 1 ? needed : n_test + n_val + 1);
			return SEG_ERR_INVALID;
		}
	}
	return SEG_OK;
}

uint64_t
split_hash(uint64_t key_hash, uint64_t seed)
{
	/* splitmix64's finaliser over the key's hash and the seed */
	uint64_t	z = key_hash ^ (seed * 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

SegStatus
split_by_hash(const int *strata, const uint64_t *hashes, int n, int n_strata,
			  double test_size, double validation_size, const char *const *class_names,
			  uint8_t *part, SplitThreshold *thresholds, char *errmsg)
{
	int		   *counts = seg_alloc0(sizeof(int) * (n_strata > 0 ? n_strata : 1));
	int		   *start = seg_alloc0(sizeof(int) * (n_strata + 1));
	int		   *sorted = seg_alloc(sizeof(int) * (n > 0 ? n : 1));
	SegStatus	status = CheckSizes(strata, n, n_strata, test_size, validation_size,
									class_names, counts, errmsg);

	if (status != SEG_OK)
		goto done;
	/* rows grouped by stratum, each group ranked by hash */
	for (int c = 0; c < n_strata; c++)
		start[c + 1] = start[c] + counts[c];
	memset(counts, 0, sizeof(int) * n_strata);
	for (int i = 0; i < n; i++)
		sorted[start[strata[i]] + counts[strata[i]]++] = i;
	for (int c = 0; c < n_strata; c++)
	{
		int		   *rows = sorted + start[c];
		int			k = counts[c];
		int			train_rows = 0;
		int			n_test = PartRows(k, test_size);
		int			n_val = PartRows(k, validation_size);
		SplitThreshold *t = &thresholds[c];

		/* by hash alone: rows of equal hash get the same part */
		row_order_sort(hashes, rows, k, NULL, NULL);
		memset(t, 0, sizeof(*t));
		/* thresholds at the ranks' hashes: rows of equal hash stay together */
		if (n_test > 0)
		{
			t->has_test = true;
			t->test_max = hashes[rows[n_test - 1]];
		}
		if (n_val > 0)
		{
			int			first = 0;

			while (first < k && t->has_test && hashes[rows[first]] <= t->test_max)
				first++;
			if (first + n_val - 1 < k)
			{
				t->has_validation = true;
				t->validation_max = hashes[rows[first + n_val - 1]];
			}
		}
		for (int i = 0; i < k; i++)
		{
			part[rows[i]] = (uint8_t) split_part_of(t, hashes[rows[i]]);
			if (part[rows[i]] == SPLIT_TRAIN)
				train_rows++;
		}
		/* equal keys may fill test and validation and leave train nothing */
		if (train_rows == 0)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN,
					 "the rows of %s%.48s%s share too few distinct keys to split",
					 class_names != NULL ? "class \"" : "", class_names != NULL ?
					 class_names[c] : "the relation", class_names != NULL ? "\"" : "");
			status = SEG_ERR_INVALID;
			goto done;
		}
	}

done:
	seg_free(counts);
	seg_free(start);
	seg_free(sorted);
	return status;
}

SegSplitPart
split_part_of(const SplitThreshold *t, uint64_t hash)
{
	if (t->has_test && hash <= t->test_max)
		return SPLIT_TEST;
	if (t->has_validation && hash <= t->validation_max)
		return SPLIT_VALIDATION;
	return SPLIT_TRAIN;
}

SegStatus
split_stratified(const int *labels, int n, int n_classes, double test_size,
				 double validation_size, uint64_t seed, const char *const *class_names,
				 uint8_t *part, char *errmsg)
{
	int		   *counts = seg_alloc0(sizeof(int) * (n_classes > 0 ? n_classes : 1));
	int		   *rows;
	SegRng		rng;

	if (CheckSizes(labels, n, n_classes, test_size, validation_size, class_names, counts,
				   errmsg) != SEG_OK)
	{
		seg_free(counts);
		return SEG_ERR_INVALID;
	}

	/* shuffle each class's rows, then deal out test, validation, train */
	rng_seed(&rng, seed);
	rows = seg_alloc(sizeof(int) * (n > 0 ? n : 1));
	for (int c = 0; c < n_classes; c++)
	{
		int			k = 0;
		int			n_test = PartRows(counts[c], test_size);
		int			n_val = PartRows(counts[c], validation_size);

		for (int i = 0; i < n; i++)
			if (labels[i] == c)
				rows[k++] = i;
		rng_shuffle(&rng, rows, k);
		for (int i = 0; i < k; i++)
			part[rows[i]] = i < n_test ? SPLIT_TEST :
				i < n_test + n_val ? SPLIT_VALIDATION : SPLIT_TRAIN;
	}
	seg_free(rows);
	seg_free(counts);
	return SEG_OK;
}
