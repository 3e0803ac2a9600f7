/*-------------------------------------------------------------------------
 *
 * record_encoder.h
 *	  Encodes a row (any composite value) into a preprocessor's features,
 *	  finding the preprocessor's columns by name.
 *
 * The column map is built once per row type and reused, and the encoder
 * owns its buffers, so encoding a row allocates nothing: this is the hot
 * path of per-row prediction.
 *
 * IDENTIFICATION
 *	  src/record_encoder.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_RECORD_ENCODER_H
#define SEGMENT_RECORD_ENCODER_H

#include "postgres.h"

#include "access/htup.h"

#include "preprocess.h"

typedef struct RecordEncoder
{
	SegPreprocessor *prep;
	SegInputForm form;			/* what encode returns */
	MemoryContext cxt;			/* where the encoder and its buffers live */
	/* the row type the column map was built for (0: none yet) */
	uint64		tup_identifier;
	int			natts;
	int		   *attr_index;		/* preprocessor column -> attribute index */
	Oid		   *base_types;		/* preprocessor column -> base type */
	Datum	   *values;			/* natts, deform buffer */
	bool	   *nulls;
	double	   *raw;			/* prep->n_columns */
	double	   *out;			/* prep_width(prep, form) */
} RecordEncoder;

/*
 * Creates an encoder of rows into the given input form, in
 * CurrentMemoryContext; it takes ownership of prep.
 */
extern RecordEncoder *record_encoder_create(SegPreprocessor *prep, SegInputForm form);

/* Encodes row; the result is the encoder's buffer (prep_width values). */
extern double *record_encoder_encode(RecordEncoder *e, HeapTupleHeader row);

#endif							/* SEGMENT_RECORD_ENCODER_H */
