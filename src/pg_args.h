/*-------------------------------------------------------------------------
 *
 * pg_args.h
 *	  One validator per argument rule, shared by every SQL entry point, so
 *	  that the same bad input gets the same error wherever it is passed.
 *
 * IDENTIFICATION
 *	  src/pg_args.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PG_ARGS_H
#define SEGMENT_PG_ARGS_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#include "frame.h"

/* most k-means runs from new seeds one call may ask for */
#define SEGMENT_MAX_N_INIT 1000

/*
 * A text argument that must be one of n choices (not NULL); returns its
 * index.  ERROR invalid_parameter_value naming them all otherwise.
 */
extern int	segment_choice_arg(FunctionCallInfo fcinfo, int arg, const char *what,
							   const char *const *choices, int n);

/* The name of a relation; ERROR undefined_table when relid names none. */
extern char *segment_relation_name(Oid relid);

/*
 * The same for a relation whose rows a training function reads: ERROR
 * wrong_object_type unless it is a table, view, materialized view or
 * foreign table.
 */
extern char *segment_readable_relation(Oid relid);

/*
 * ERROR datatype_mismatch unless a column of type typid can feed a model
 * column of the given kind (text-like for categorical, numeric or boolean
 * otherwise).
 */
extern void segment_check_column_kind(const char *column, Oid typid, SegColumnKind expected);

/*
 * ERROR unless an aggregate state argument is a one-dimensional float8[]
 * without nulls (states are values a caller can pass by hand).
 */
extern void segment_check_state_array(ArrayType *state, const char *what);

/* ERROR unless 1 <= k <= KMEANS_MAX_K, the most clusters a model holds */
extern void segment_check_k(int64 k);

/* ERROR unless 1 <= n_init <= SEGMENT_MAX_N_INIT */
extern void segment_check_n_init(int64 n_init);

/*
 * Argument arg, the version of model name: 0 when NULL (the deployed or
 * every version), ERROR undefined_object below 1.
 */
extern int32 segment_version_arg(FunctionCallInfo fcinfo, int arg, const char *name);

#endif							/* SEGMENT_PG_ARGS_H */
