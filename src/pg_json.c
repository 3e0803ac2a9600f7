/*-------------------------------------------------------------------------
 *
 * pg_json.c
 *	  JSON fragments for reports and model descriptions.
 *
 * IDENTIFICATION
 *	  src/pg_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/float.h"
#include "utils/json.h"

#include "pg_json.h"

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
