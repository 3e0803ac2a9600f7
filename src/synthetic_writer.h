/*-------------------------------------------------------------------------
 *
 * synthetic_writer.h
 *	  Creating a resampled copy of a relation: every original row plus
 *	  synthetic rows, with a `synthetic boolean` column telling them apart.
 *
 * IDENTIFICATION
 *	  src/synthetic_writer.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SYNTHETIC_WRITER_H
#define SEGMENT_SYNTHETIC_WRITER_H

#include "postgres.h"

#include "nodes/primnodes.h"

#include "frame.h"

/* The column that tells synthetic rows apart (segment_train leaves it out) */
#define SEGMENT_SYNTHETIC_COLUMN "synthetic"

/*
 * Parses a target table name (qualified or not, quoted as in SQL) and
 * raises an ERROR when that table already exists.
 */
extern RangeVar *synthetic_target_name(const char *target);

/*
 * Creates `target` as a copy of source's rows with synthetic = false, then
 * appends n_rows synthetic rows.  x is n_rows x (frame->n_cols - 1): the
 * frame's columns without the label column label_col, in frame encoding
 * (categorical and boolean cells as category codes); labels[i] indexes
 * the label column's categories.  Columns of the source that are not features or
 * the label are NULL in synthetic rows.
 */
extern void synthetic_write(Oid source_relid, RangeVar *target, const SegFrame *frame,
							int label_col, const double *x, const int *labels, int n_rows);

#endif							/* SEGMENT_SYNTHETIC_WRITER_H */
