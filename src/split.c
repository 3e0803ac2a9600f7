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

#include "rng.h"
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

SegStatus
split_stratified(const int *labels, int n, int n_classes, double test_size,
				 double validation_size, uint64_t seed, const char *const *class_names,
				 uint8_t *part, char *errmsg)
{
	int		   *counts;
	int		   *rows;
	SegRng		rng;
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
	counts = seg_alloc0(sizeof(int) * n_classes);
	for (int i = 0; i < n; i++)
	{
		if (labels[i] < 0 || labels[i] >= n_classes)
		{
			seg_free(counts);
			snprintf(errmsg, SEG_ERRMSG_LEN, "class index %d out of range", labels[i]);
			return SEG_ERR_INVALID;
		}
		counts[labels[i]]++;
	}
	for (int c = 0; c < n_classes; c++)
	{
		int			n_test = PartRows(counts[c], test_size);
		int			n_val = PartRows(counts[c], validation_size);

		if (counts[c] < needed || counts[c] - n_test - n_val < 1)
		{
			char		name[64];

			if (class_names != NULL)
				snprintf(name, sizeof(name), "\"%.48s\"", class_names[c]);
			else
				snprintf(name, sizeof(name), "%d", c);
			snprintf(errmsg, SEG_ERRMSG_LEN,
					 "class %s has %d row%s, too few to stratify: train, validation and test need %d",
					 name, counts[c], counts[c] == 1 ? "" : "s",
					 needed > n_test + n_val + 1 ? needed : n_test + n_val + 1);
			seg_free(counts);
			return SEG_ERR_INVALID;
		}
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
