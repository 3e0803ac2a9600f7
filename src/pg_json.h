/*-------------------------------------------------------------------------
 *
 * pg_json.h
 *	  Small helpers that append JSON fragments for reports and model_info.
 *
 * IDENTIFICATION
 *	  src/pg_json.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PG_JSON_H
#define SEGMENT_PG_JSON_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "preprocess.h"

/* Appends `, "key": [v0, v1, ...]`. */
extern void json_append_float8_array(StringInfo buf, const char *key,
									 const double *values, int n);
/* Appends `"columns": [...], "outputs": [...]` describing p. */
extern void json_append_preprocessor(StringInfo buf, const SegPreprocessor *p);

#endif							/* SEGMENT_PG_JSON_H */
