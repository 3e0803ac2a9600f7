/*-------------------------------------------------------------------------
 *
 * assignment.h
 *	  The linear assignment problem (Hungarian method): pairs the rows of
 *	  a cost matrix with its columns so that the total cost is least.
 *
 * k-means uses it to keep cluster numbers across refits: the new
 * centroids (rows) are paired with the deployed version's (columns) by
 * distance, and a new cluster takes the number of the old one it is
 * paired with.  Rectangular matrices pair min(rows, columns) of them;
 * the rest stay unpaired.
 *
 * IDENTIFICATION
 *	  src/assignment.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_ASSIGNMENT_H
#define SEGMENT_ASSIGNMENT_H

#include "core.h"

/*
 * cost is n_rows x n_cols, row-major, finite.  Fills row_to_col[i] with
 * the column paired with row i, or -1; returns the total cost of the
 * pairs.  O(n^2 m) time for n = min, m = max of the sizes; checks for
 * interrupts along the way.
 */
extern double assignment_solve(const double *cost, int n_rows, int n_cols, int *row_to_col,
							   const SegHooks *hooks);

#endif							/* SEGMENT_ASSIGNMENT_H */
