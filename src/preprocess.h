/*-------------------------------------------------------------------------
 *
 * preprocess.h
 *	  Impute, one-hot encode and standard-scale a frame's columns, fitted
 *	  on training rows only.
 *
 * Per input column:
 *	numeric, boolean  NULL -> the training mean; then (x - mean) / scale,
 *	                  with scale the population std of the imputed column
 *	                  (as SimpleImputer(strategy='mean') followed by
 *	                  StandardScaler) and 1 for a constant column
 *	categorical       one output per category seen in training (sorted),
 *	                  plus one for NULL when training had NULLs (the
 *	                  "missing" category); an unseen value encodes as all
 *	                  zeros (OneHotEncoder(handle_unknown='ignore'))
 * One-hot outputs are 0/1 and not scaled.
 *
 * IDENTIFICATION
 *	  src/preprocess.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PREPROCESS_H
#define SEGMENT_PREPROCESS_H

#include "bytes.h"
#include "core.h"
#include "frame.h"

typedef struct SegPrepColumn
{
	char	   *name;
	SegColumnKind kind;
	bool		is_integer;		/* numeric column of an integer type */
	int			out_offset;		/* first output of this column */
	int			n_outputs;		/* 1, or the one-hot width */
	/* numeric and boolean */
	double		mean;			/* imputes NULL */
	double		scale;
	/* categorical */
	int			n_categories;
	char	  **categories;		/* sorted, distinct */
	bool		has_missing;	/* a last output for NULL */
} SegPrepColumn;

typedef struct SegPreprocessor
{
	int			n_columns;
	int			n_outputs;
	SegPrepColumn *columns;
} SegPreprocessor;

/* Category index used for a value that training did not see. */
#define PREP_UNSEEN (-1.0)

/*
 * What a model takes as its input row (stored in model bytes: never
 * renumber):
 *	ENCODED  prep_encode_row's output: NULLs imputed, categories one-hot,
 *	         numbers standardised (n_outputs values, all finite)
 *	RAW      one value per column: numbers as they are, booleans 0 / 1,
 *	         categories as their index in the preprocessor's vocabulary;
 *	         NaN for NULL and for a category training never saw
 *	         (n_columns values)
 */
typedef enum SegInputForm
{
	SEG_INPUT_ENCODED = 0,
	SEG_INPUT_RAW = 1
} SegInputForm;

/* Fits on rows (all rows when rows is NULL) of frame. */
extern SegStatus prep_fit(const SegFrame *frame, const int *rows, int n_rows,
						  SegPreprocessor **out, char *errmsg);

/*
 * Encodes rows of frame into out (n_rows x n_outputs).  frame's columns
 * must be the preprocessor's, in order; its categorical codes index the
 * frame's own vocabulary and are mapped to the preprocessor's here.
 */
extern SegStatus prep_transform_frame(const SegPreprocessor *p, const SegFrame *frame,
									  const int *rows, int n_rows, double *out,
									  char *errmsg);

/* The same in either input form: out is n_rows x prep_width(p, form). */
extern SegStatus prep_transform_frame_as(const SegPreprocessor *p, const SegFrame *frame,
										 const int *rows, int n_rows, SegInputForm form,
										 double *out, char *errmsg);

/* Values per row of the given form. */
extern int	prep_width(const SegPreprocessor *p, SegInputForm form);

/*
 * A raw row (as prep_encode_row takes it) in the given form into out;
 * allocates nothing.
 */
extern void prep_row_as(const SegPreprocessor *p, const double *raw, SegInputForm form,
						double *out);

/*
 * Encodes one row of raw values: numeric/boolean as values, categorical
 * as an index into the preprocessor's categories (PREP_UNSEEN for a value
 * training never saw), NaN for NULL.  Allocates nothing.
 */
extern void prep_encode_row(const SegPreprocessor *p, const double *raw, double *out);

/* Index of a category (len bytes, not NUL-terminated), or -1. */
extern int	prep_category_index(const SegPrepColumn *c, const char *value, size_t len);

/* Name of output j: "col" or "col=value" or "col=NULL"; returns buf. */
extern char *prep_output_name(const SegPreprocessor *p, int j, char *buf, size_t buflen);

/*
 * Output j's value v in the original units of its column (scaling undone);
 * a one-hot output's value unchanged (0/1, or a share); v itself when p is
 * NULL.
 */
extern double prep_output_original(const SegPreprocessor *p, int j, double v);

extern void prep_free(SegPreprocessor *p);

extern void prep_write(SegWriter *w, const SegPreprocessor *p);
extern SegStatus prep_read(SegReader *r, SegPreprocessor **out, char *errmsg);

#endif							/* SEGMENT_PREPROCESS_H */
