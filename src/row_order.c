/*-------------------------------------------------------------------------
 *
 * row_order.c
 *	  Rows by key hash, then by value (see row_order.h).
 *
 * IDENTIFICATION
 *	  src/row_order.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "row_order.h"

/* 16-bit digits: four counting passes over the rows */
#define DIGIT_BITS 16
#define DIGIT_VALUES (1 << DIGIT_BITS)

/* Stable merge sort of rows[0 .. n) by compare, through tmp (n ints). */
static void
MergeSort(int *rows, int *tmp, int n, RowValueCompare compare, void *arg)
{
	int			half = n / 2;
	int			i = 0,
				j = half,
				out = 0;

	if (n < 2)
		return;
	MergeSort(rows, tmp, half, compare, arg);
	MergeSort(rows + half, tmp, n - half, compare, arg);
	if (compare(rows[half - 1], rows[half], arg) <= 0)
		return;					/* already in order */
	while (i < half && j < n)
		tmp[out++] = compare(rows[j], rows[i], arg) < 0 ? rows[j++] : rows[i++];
	while (i < half)
		tmp[out++] = rows[i++];
	while (j < n)
		tmp[out++] = rows[j++];
	memcpy(rows, tmp, sizeof(int) * n);
}

void
row_order_sort(const uint64_t *hashes, int *rows, int n, RowValueCompare compare, void *arg)
{
	enum
	{
		N_DIGITS = 64 / DIGIT_BITS
	};
	uint64_t   *key;
	uint64_t   *key_tmp;
	int		   *row;
	int		   *row_tmp;
	uint32_t   *count;

	if (n < 2)
		return;
	key = seg_alloc(sizeof(uint64_t) * (size_t) n);
	key_tmp = seg_alloc(sizeof(uint64_t) * (size_t) n);
	row = rows;
	row_tmp = seg_alloc(sizeof(int) * (size_t) n);
	count = seg_alloc(sizeof(uint32_t) * DIGIT_VALUES);
	for (int i = 0; i < n; i++)
		key[i] = hashes[rows[i]];

	/* least significant digit first; each pass is stable */
	for (int g = 0; g < N_DIGITS; g++)
	{
		int			shift = g * DIGIT_BITS;
		uint32_t	at = 0;
		uint64_t   *swap_key;
		int		   *swap_row;

		memset(count, 0, sizeof(uint32_t) * DIGIT_VALUES);
		for (int i = 0; i < n; i++)
			count[(key[i] >> shift) & (DIGIT_VALUES - 1)]++;
		if (count[(key[0] >> shift) & (DIGIT_VALUES - 1)] == (uint32_t) n)
			continue;			/* every row has this digit: nothing moves */
		for (int v = 0; v < DIGIT_VALUES; v++)
		{
			uint32_t	here = count[v];

			count[v] = at;
			at += here;
		}
		for (int i = 0; i < n; i++)
		{
			uint32_t	to = count[(key[i] >> shift) & (DIGIT_VALUES - 1)]++;

			key_tmp[to] = key[i];
			row_tmp[to] = row[i];
		}
		swap_key = key;
		key = key_tmp;
		key_tmp = swap_key;
		swap_row = row;
		row = row_tmp;
		row_tmp = swap_row;
	}
	/* the passes leave the rows in one of the two arrays */
	if (row != rows)
	{
		memcpy(rows, row, sizeof(int) * n);
		row_tmp = row;
	}

	/* runs of equal hashes by value */
	if (compare != NULL)
		for (int start = 0; start < n;)
		{
			int			end = start + 1;

			while (end < n && key[end] == key[start])
				end++;
			if (end - start > 1)
				MergeSort(rows + start, row_tmp, end - start, compare, arg);
			start = end;
		}
	seg_free(key);
	seg_free(key_tmp);
	seg_free(row_tmp);
	seg_free(count);
}
