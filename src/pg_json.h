/*-------------------------------------------------------------------------
 *
 * pg_json.h
 *	  JSON for reports, specs, metrics and model_info.
 *
 * JsonBuilder builds a Jsonb value through the jsonb API
 * (pushJsonbValue): nesting is checked as it goes, strings are escaped
 * by the server, and numbers keep float8's shortest exact form (NaN and
 * infinities become null, which JSON has no number for).  The older
 * StringInfo helpers below it remain for the texts not yet moved to it.
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
#include "utils/jsonb.h"

#include "preprocess.h"

typedef struct JsonBuilder
{
	JsonbParseState *state;
	JsonbValue *result;			/* set when the outermost container closes */
} JsonBuilder;

extern void json_begin(JsonBuilder *b);	/* an empty builder */
extern Jsonb *json_finish(JsonBuilder *b);	/* the value built */

extern void json_object_begin(JsonBuilder *b);
extern void json_object_end(JsonBuilder *b);
extern void json_array_begin(JsonBuilder *b);
extern void json_array_end(JsonBuilder *b);
extern void json_key(JsonBuilder *b, const char *key);

/* values: in an array an element, after json_key an object's value */
extern void json_string(JsonBuilder *b, const char *v);
extern void json_number(JsonBuilder *b, double v);
extern void json_integer(JsonBuilder *b, int64 v);
extern void json_bool(JsonBuilder *b, bool v);
extern void json_null(JsonBuilder *b);
extern void json_jsonb(JsonBuilder *b, Jsonb *v);	/* NULL: null */
extern void json_numbers(JsonBuilder *b, const double *v, int n);	/* an array */
extern void json_strings(JsonBuilder *b, char *const *v, int n);	/* an array */

/* key and value in one call */
extern void json_key_string(JsonBuilder *b, const char *key, const char *v);
extern void json_key_number(JsonBuilder *b, const char *key, double v);
extern void json_key_integer(JsonBuilder *b, const char *key, int64 v);
extern void json_key_bool(JsonBuilder *b, const char *key, bool v);

/*
 * Reading stored JSON (metrics, specs) without trusting its shape: each
 * getter returns false / NULL when the container is not an object (or
 * array), the key or element is missing, or the value has another type.
 */
extern bool json_get_number(JsonbContainer *c, const char *key, double *out);
extern char *json_get_string(JsonbContainer *c, const char *key);	/* palloc'd */
extern bool json_get_bool(JsonbContainer *c, const char *key, bool *out);
extern JsonbContainer *json_get_object(JsonbContainer *c, const char *key);
extern JsonbContainer *json_get_array(JsonbContainer *c, const char *key, int *n);
extern int	json_array_size(JsonbContainer *c);	/* 0 unless an array */
extern JsonbContainer *json_elem_container(JsonbContainer *c, int i);	/* object or array */
extern bool json_elem_number(JsonbContainer *c, int i, double *out);
extern char *json_elem_string(JsonbContainer *c, int i);
/* A scalar or container as JSON text (for settings shown as they are stored). */
extern char *json_get_text(JsonbContainer *c, const char *key);

/* Appends `, "key": [v0, v1, ...]`. */
extern void json_append_float8_array(StringInfo buf, const char *key,
									 const double *values, int n);
/* Appends `"columns": [...], "outputs": [...]` describing p. */
extern void json_append_preprocessor(StringInfo buf, const SegPreprocessor *p);

#endif							/* SEGMENT_PG_JSON_H */
