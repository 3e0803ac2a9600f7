/*-------------------------------------------------------------------------
 *
 * pg_core.h
 *	  The bridge between the numeric core and the server: GUCs, turning
 *	  core statuses into ereport, model bytea helpers, argument checks.
 *
 * IDENTIFICATION
 *	  src/pg_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PG_CORE_H
#define SEGMENT_PG_CORE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#include "bytes.h"
#include "core.h"
#include "model.h"

/* segment.c */
extern void segment_init(void);
extern int	segment_memory_limit_kb;
extern size_t segment_memory_limit_bytes(void);
extern const SegHooks *segment_hooks(void);

/*
 * segment.progress: whether progress messages (NOTICE) are sent, and
 * whether a run logs one summary line instead (auto, in a session no one
 * watches: a pg_cron job, a background worker).
 */
extern bool segment_progress_notices(void);
extern bool segment_progress_summary(void);

/*
 * core_alloc_pg.c: per-call memory budgets.  A training entry point opens
 * one on its work context (`what` names the call in the error's detail);
 * until segment_budget_end(), or until that context is reset or deleted
 * (as on ERROR), every core allocation checks that what the budget holds
 * plus the request stays within segment.memory_limit.
 */
extern void segment_budget_begin(MemoryContext root, const char *what);
extern void segment_budget_end(void);
extern bool segment_budget_active(void);
/* ERROR program_limit_exceeded unless request more bytes fit the budget */
extern void segment_budget_check(size_t request);
/* segment.memory_limit minus what the open budgets hold */
extern size_t segment_memory_available(void);

/* pg_model.c */
extern void segment_raise(SegStatus status, const char *errmsg);
extern bytea *segment_writer_to_bytea(SegWriter *w);
extern void segment_open_model(bytea *model, int expected_kind,
							   SegModelHeader *header, SegReader *payload);

/*
 * A classifier's or regressor's bytes, decoded (supervised_model.h); for
 * any other kind ERROR wrong_object_type "model "name" is a <kind> model,
 * not <not_what>", with hint unless NULL.
 */
struct SegSupervised;
extern struct SegSupervised *segment_read_supervised(bytea *model, const char *name,
													 const char *not_what, const char *hint);
extern double *segment_float8_array(ArrayType *array, const char *what,
									int expected_len, int *len_out);
/* The same, with NaN accepted as a missing value (a RAW-form model's input). */
extern double *segment_float8_array_missing(ArrayType *array, const char *what,
											int expected_len, bool nan_is_missing,
											int *len_out);
extern ArrayType *segment_build_float8_array(const double *values, int n);

/*
 * What tells a model value argument apart without reading its bytes, so
 * that a call site decodes a model once while the same value comes in:
 * - a constant of the query (a Const node) never changes at that call
 *   site;
 * - a TOAST pointer (a value stored out of line, as segment.model() and a
 *   bytea column give it) names stored bytes that do not change, and that
 *   no other value takes over while the query that read it runs.
 * The same memory address is not the same value: a per-row value is read
 * into memory that the next row's value reuses.  Anything else is compared
 * byte by byte.
 */
typedef struct SegModelArgRef
{
	bool		constant;
	bool		toasted;
	struct varatt_external pointer;
} SegModelArgRef;

/* Remembers argument arg, whose bytes a cache was just filled from. */
extern void segment_model_arg_remember(FunctionCallInfo fcinfo, int arg, SegModelArgRef *ref);
/* Whether argument arg is the value remembered, known without reading it. */
extern bool segment_model_arg_same(FunctionCallInfo fcinfo, int arg, const SegModelArgRef *ref);

/* ERROR "<name> must not be null" when argument arg of a non-strict function is NULL. */
extern void segment_require_arg(FunctionCallInfo fcinfo, int arg, const char *name);

/* pg_search_path.c: SQL the extension builds runs under pg_catalog, pg_temp */
extern int	segment_pin_search_path(void);
extern void segment_restore_search_path(int nestlevel);

/* sql_scaler.c */
struct SegScaler;
extern struct SegScaler *segment_decode_scaler(bytea *model);

/* sql_preprocess.c */
struct SegPreprocessor;
/*
 * The preprocessor of a preprocessor, classifier, regressor or k-means
 * model, and (form != NULL) the input form the model encodes rows into.
 */
extern struct SegPreprocessor *segment_decode_preprocessor(bytea *model, int *form);

#endif							/* SEGMENT_PG_CORE_H */
