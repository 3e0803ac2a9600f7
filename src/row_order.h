/*-------------------------------------------------------------------------
 *
 * row_order.h
 *	  Sorting rows by their 64-bit key hash, then by a comparison of their
 *	  values where hashes are equal: the canonical order that makes a
 *	  result independent of the order a scan returned the rows in.
 *
 * A radix sort on the hashes (linear in the rows; a comparison sort of a
 * million rows took a third of a second of kmeans_fit's fixed cost), then
 * a merge sort of each run of equal hashes by the caller's comparison.
 * Rows that compare equal keep their input order, which does not matter
 * to callers: such rows have the same hash and the same values.
 *
 * IDENTIFICATION
 *	  src/row_order.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_ROW_ORDER_H
#define SEGMENT_ROW_ORDER_H

#include <stdint.h>

#include "core.h"

/* < 0, 0 or > 0 as row a's values sort before, with or after row b's */
typedef int (*RowValueCompare) (int a, int b, void *arg);

/*
 * Sorts the n row indices in rows by hashes[row], then by compare (may
 * be NULL: equal hashes then keep their input order).
 */
extern void row_order_sort(const uint64_t *hashes, int *rows, int n,
						   RowValueCompare compare, void *arg);

#endif							/* SEGMENT_ROW_ORDER_H */
