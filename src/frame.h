/*-------------------------------------------------------------------------
 *
 * frame.h
 *	  A loaded table in the numeric core: a dense row-major float8 matrix
 *	  plus what each column is.
 *
 * dataset.c fills a SegFrame from a relation in one scan; everything
 * downstream (preprocessing, SMOTE, k-means, the MLP) works on frames and
 * plain matrices without knowing about PostgreSQL.
 *
 * Cell encoding in `values` (row i, column j at values[i * n_cols + j]):
 *	numeric      the value as a double
 *	boolean      0 or 1
 *	categorical  the index of the value in the column's `categories`
 *	             (sorted bytewise, i.e. by code point for UTF-8)
 * and NaN for SQL NULL in every kind.  NaN and infinities in the data are
 * rejected at load time, so NaN means NULL and nothing else.
 *
 * IDENTIFICATION
 *	  src/frame.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_FRAME_H
#define SEGMENT_FRAME_H

#include <math.h>
#include <stdbool.h>

/* Stored in model bytes: never renumber. */
typedef enum SegColumnKind
{
	SEG_COL_NUMERIC = 0,		/* int2/4/8, float4/8, numeric */
	SEG_COL_BOOLEAN = 1,		/* bool */
	SEG_COL_CATEGORICAL = 2		/* text, varchar, char(n) */
} SegColumnKind;

typedef struct SegColumn
{
	char	   *name;
	SegColumnKind kind;
	bool		is_integer;		/* numeric column of an integer type */
	int			n_categories;	/* categorical only */
	char	  **categories;		/* sorted, distinct; categorical only */
} SegColumn;

typedef struct SegFrame
{
	int			n_rows;
	int			n_cols;
	double	   *values;			/* n_rows x n_cols, row-major */
	SegColumn  *columns;
} SegFrame;

#define FRAME_CELL(f, i, j) ((f)->values[(size_t) (i) * (f)->n_cols + (j)])
#define SEG_IS_MISSING(v) isnan(v)

#endif							/* SEGMENT_FRAME_H */
