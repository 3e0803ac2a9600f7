/*-------------------------------------------------------------------------
 *
 * pg_json.c
 *	  JSON for reports and model descriptions: a builder over the jsonb
 *	  API, and older StringInfo helpers.
 *
 * IDENTIFICATION
 *	  src/pg_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "pg_json.h"

void
json_begin(JsonBuilder *b)
{
	b->state = NULL;
	b->result = NULL;
}

Jsonb *
json_finish(JsonBuilder *b)
{
	if (b->result == NULL || b->state != NULL)
		elog(ERROR, "JSON builder finished with open containers");
	return JsonbValueToJsonb(b->result);
}

static void
Push(JsonBuilder *b, JsonbIteratorToken token, JsonbValue *v)
{
	JsonbValue *r = pushJsonbValue(&b->state, token, v);

	/* the outermost container's end hands back the whole value */
	if (b->state == NULL)
		b->result = r;
}

/* A scalar: an object's value after json_key, else an array element. */
static void
PushScalar(JsonBuilder *b, JsonbValue *v)
{
	Push(b, b->state->contVal.type == jbvObject ? WJB_VALUE : WJB_ELEM, v);
}

void
json_object_begin(JsonBuilder *b)
{
	Push(b, WJB_BEGIN_OBJECT, NULL);
}

void
json_object_end(JsonBuilder *b)
{
	Push(b, WJB_END_OBJECT, NULL);
}

void
json_array_begin(JsonBuilder *b)
{
	Push(b, WJB_BEGIN_ARRAY, NULL);
}

void
json_array_end(JsonBuilder *b)
{
	Push(b, WJB_END_ARRAY, NULL);
}

void
json_key(JsonBuilder *b, const char *key)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) key;
	v.val.string.len = strlen(key);
	Push(b, WJB_KEY, &v);
}

void
json_string(JsonBuilder *b, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = pstrdup(s);
	v.val.string.len = strlen(s);
	PushScalar(b, &v);
}

void
json_null(JsonBuilder *b)
{
	JsonbValue	v;

	v.type = jbvNull;
	PushScalar(b, &v);
}

void
json_number(JsonBuilder *b, double d)
{
	JsonbValue	v;

	if (!isfinite(d))
	{
		json_null(b);
		return;
	}
	/* from the shortest text that reads back as d, so no digit is lost or made up */
	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
														CStringGetDatum(float8out_internal(d)),
														ObjectIdGetDatum(InvalidOid),
														Int32GetDatum(-1)));
	PushScalar(b, &v);
}

void
json_integer(JsonBuilder *b, int64 i)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(i);
	PushScalar(b, &v);
}

void
json_bool(JsonBuilder *b, bool flag)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = flag;
	PushScalar(b, &v);
}

void
json_jsonb(JsonBuilder *b, Jsonb *j)
{
	JsonbValue	v;

	if (j == NULL)
	{
		json_null(b);
		return;
	}
	/* a container is unpacked into the builder by pushJsonbValue */
	v.type = jbvBinary;
	v.val.binary.data = &j->root;
	v.val.binary.len = VARSIZE(j) - VARHDRSZ;
	PushScalar(b, &v);
}

void
json_numbers(JsonBuilder *b, const double *v, int n)
{
	json_array_begin(b);
	for (int i = 0; i < n; i++)
		json_number(b, v[i]);
	json_array_end(b);
}

void
json_strings(JsonBuilder *b, char *const *v, int n)
{
	json_array_begin(b);
	for (int i = 0; i < n; i++)
		json_string(b, v[i]);
	json_array_end(b);
}

void
json_key_string(JsonBuilder *b, const char *key, const char *v)
{
	json_key(b, key);
	if (v == NULL)
		json_null(b);
	else
		json_string(b, v);
}

void
json_key_number(JsonBuilder *b, const char *key, double v)
{
	json_key(b, key);
	json_number(b, v);
}

void
json_key_integer(JsonBuilder *b, const char *key, int64 v)
{
	json_key(b, key);
	json_integer(b, v);
}

void
json_key_bool(JsonBuilder *b, const char *key, bool v)
{
	json_key(b, key);
	json_bool(b, v);
}

/* ---- reading --------------------------------------------------------- */

static bool
Get(JsonbContainer *c, const char *key, JsonbValue *v)
{
	if (c == NULL || !JsonContainerIsObject(c))
		return false;
	return getKeyJsonValueFromContainer(c, key, strlen(key), v) != NULL;
}

static bool
NumberOf(const JsonbValue *v, double *out)
{
	if (v->type != jbvNumeric)
		return false;
	*out = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(v->val.numeric)));
	return true;
}

static JsonbContainer *
ContainerOf(const JsonbValue *v)
{
	return v->type == jbvBinary ? v->val.binary.data : NULL;
}

bool
json_get_number(JsonbContainer *c, const char *key, double *out)
{
	JsonbValue	v;

	return Get(c, key, &v) && NumberOf(&v, out);
}

char *
json_get_string(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	if (!Get(c, key, &v) || v.type != jbvString)
		return NULL;
	return pnstrdup(v.val.string.val, v.val.string.len);
}

bool
json_get_bool(JsonbContainer *c, const char *key, bool *out)
{
	JsonbValue	v;

	if (!Get(c, key, &v) || v.type != jbvBool)
		return false;
	*out = v.val.boolean;
	return true;
}

JsonbContainer *
json_get_object(JsonbContainer *c, const char *key)
{
	JsonbValue	v;
	JsonbContainer *inner;

	if (!Get(c, key, &v) || (inner = ContainerOf(&v)) == NULL || !JsonContainerIsObject(inner))
		return NULL;
	return inner;
}

JsonbContainer *
json_get_array(JsonbContainer *c, const char *key, int *n)
{
	JsonbValue	v;
	JsonbContainer *inner;

	*n = 0;
	if (!Get(c, key, &v) || (inner = ContainerOf(&v)) == NULL || !JsonContainerIsArray(inner))
		return NULL;
	*n = JsonContainerSize(inner);
	return inner;
}

int
json_array_size(JsonbContainer *c)
{
	return c != NULL && JsonContainerIsArray(c) ? JsonContainerSize(c) : 0;
}

JsonbContainer *
json_elem_container(JsonbContainer *c, int i)
{
	JsonbValue *v;

	if (i < 0 || i >= json_array_size(c) ||
		(v = getIthJsonbValueFromContainer(c, (uint32) i)) == NULL)
		return NULL;
	return ContainerOf(v);
}

bool
json_elem_number(JsonbContainer *c, int i, double *out)
{
	JsonbValue *v;

	if (i < 0 || i >= json_array_size(c) ||
		(v = getIthJsonbValueFromContainer(c, (uint32) i)) == NULL)
		return false;
	return NumberOf(v, out);
}

char *
json_elem_string(JsonbContainer *c, int i)
{
	JsonbValue *v;

	if (i < 0 || i >= json_array_size(c) ||
		(v = getIthJsonbValueFromContainer(c, (uint32) i)) == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

char *
json_get_text(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	if (!Get(c, key, &v))
		return NULL;
	if (v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	if (v.type == jbvBinary)
		return JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
	{
		/* a scalar: through a one-element array's text */
		Jsonb	   *j = JsonbValueToJsonb(&v);

		return JsonbToCString(NULL, &j->root, VARSIZE(j));
	}
}

void
json_append_float8_array(StringInfo buf, const char *key, const double *values, int n)
{
	appendStringInfo(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": [");
	for (int i = 0; i < n; i++)
		appendStringInfo(buf, "%s%s", i > 0 ? ", " : "", float8out_internal(values[i]));
	appendStringInfoChar(buf, ']');
}

static const char *
KindName(SegColumnKind kind)
{
	switch (kind)
	{
		case SEG_COL_NUMERIC:
			return "numeric";
		case SEG_COL_BOOLEAN:
			return "boolean";
		case SEG_COL_CATEGORICAL:
			return "categorical";
	}
	return "unknown";
}

void
json_append_preprocessor(StringInfo buf, const SegPreprocessor *p)
{
	char		name[8192];

	appendStringInfoString(buf, "\"columns\": [");
	for (int j = 0; j < p->n_columns; j++)
	{
		const SegPrepColumn *c = &p->columns[j];

		appendStringInfoString(buf, j > 0 ? ", {\"name\": " : "{\"name\": ");
		escape_json(buf, c->name);
		appendStringInfo(buf, ", \"kind\": \"%s\"", KindName(c->kind));
		if (c->kind == SEG_COL_CATEGORICAL)
		{
			appendStringInfoString(buf, ", \"categories\": [");
			for (int k = 0; k < c->n_categories; k++)
			{
				if (k > 0)
					appendStringInfoString(buf, ", ");
				escape_json(buf, c->categories[k]);
			}
			appendStringInfo(buf, "], \"has_missing\": %s", c->has_missing ? "true" : "false");
		}
		else
			appendStringInfo(buf, ", \"mean\": %s, \"scale\": %s",
							 float8out_internal(c->mean), float8out_internal(c->scale));
		appendStringInfoChar(buf, '}');
	}
	appendStringInfoString(buf, "], \"outputs\": [");
	for (int j = 0; j < p->n_outputs; j++)
	{
		if (j > 0)
			appendStringInfoString(buf, ", ");
		escape_json(buf, prep_output_name(p, j, name, sizeof(name)));
	}
	appendStringInfoChar(buf, ']');
}
