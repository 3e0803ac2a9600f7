/*-------------------------------------------------------------------------
 *
 * sql_predict.h
 *	  The decoded-model cache of segment_predict (sql_predict.c), for the
 *	  other functions that apply a model to a row: segment.project and
 *	  segment.reconstruction_error (sql_project.c).
 *
 * An entry is a model decoded once and kept: by name, per backend, with
 * the registry's deployed version and the caller's right to predict
 * checked as segment_predict checks them; by value, per call site while
 * the bytes repeat.  Its buffers (scores, scratch) are the entry's own,
 * so applying it to a row allocates nothing.
 *
 * IDENTIFICATION
 *	  src/sql_predict.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SQL_PREDICT_H
#define SEGMENT_SQL_PREDICT_H

#include "postgres.h"

#include "access/htup.h"
#include "fmgr.h"

#include "predictor.h"

typedef struct PredictEntry PredictEntry;

/* The entry of argument 0, a model name (text) or a model value (bytea). */
extern PredictEntry *predict_entry_by_name(FunctionCallInfo fcinfo);
extern PredictEntry *predict_entry_by_bytes(FunctionCallInfo fcinfo);

extern const SegPredictor *predict_entry_predictor(const PredictEntry *e);

/* the model's name, or NULL for a model value */
extern const char *predict_entry_name(const PredictEntry *e);

/* the entry's buffers: n_classes scores and scratch_len doubles of scratch */
extern double *predict_entry_scores(PredictEntry *e);
extern double *predict_entry_scratch(PredictEntry *e);

/*
 * A row (any composite value) in the model's input form, its columns
 * found by name; ERROR for a model trained on feature arrays.  The result
 * is the entry's buffer.
 */
extern const double *predict_entry_encode(PredictEntry *e, HeapTupleHeader row);

#endif							/* SEGMENT_SQL_PREDICT_H */
