/*-------------------------------------------------------------------------
 *
 * params.c
 *	  Defaults, lookup and validated assignment of table-described
 *	  hyperparameters.
 *
 * IDENTIFICATION
 *	  src/params.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "params.h"

#define FIELD(params, spec, type) ((type *) ((char *) (params) + (spec)->offset))
#define CFIELD(params, spec, type) ((const type *) ((const char *) (params) + (spec)->offset))

void
params_defaults(const SegParamSpec *specs, int n_specs, void *params)
{
	for (int i = 0; i < n_specs; i++)
	{
		const SegParamSpec *s = &specs[i];

		switch (s->type)
		{
			case SEG_PARAM_INT:
				*FIELD(params, s, int) = (int) s->default_value;
				break;
			case SEG_PARAM_REAL:
				*FIELD(params, s, double) = s->default_value;
				break;
			case SEG_PARAM_BOOL:
				*FIELD(params, s, bool) = s->default_value != 0.0;
				break;
			case SEG_PARAM_INT_LIST:
				if (s->default_list != NULL)
					*FIELD(params, s, SegIntList) = *s->default_list;
				else
					memset(FIELD(params, s, SegIntList), 0, sizeof(SegIntList));
				break;
		}
	}
}

const SegParamSpec *
params_find(const SegParamSpec *specs, int n_specs, const char *name)
{
	for (int i = 0; i < n_specs; i++)
		if (strcmp(specs[i].name, name) == 0)
			return &specs[i];
	return NULL;
}

const char *
params_word_of(const SegParamSpec *spec, double v)
{
	if (spec->words == NULL)
		return NULL;
	for (const SegParamName *w = spec->words; w->word != NULL; w++)
		if (w->value == v)
			return w->word;
	return NULL;
}

/* Whether v is within the spec's bounds (and whole for integers). */
static bool
InRange(const SegParamSpec *spec, double v)
{
	if (!isfinite(v) || (spec->max_exclusive ? !(v < spec->max) : !(v <= spec->max)))
		return false;
	if (spec->min_exclusive ? !(v > spec->min) : !(v >= spec->min))
		return false;
	if ((spec->type == SEG_PARAM_INT || spec->type == SEG_PARAM_INT_LIST) && v != floor(v))
		return false;
	return true;
}

static void
RangeMessage(const SegParamSpec *spec, const char *what, double v, char *errmsg)
{
	const char *kind = spec->type == SEG_PARAM_REAL ? "a number" : "a whole number";

	if (spec->max >= 1e300)
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s must be %s %s %.15g, not %.15g", what, kind,
				 spec->min_exclusive ? ">" : ">=", spec->min, v);
	else
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s must be %s %s %.15g and %s %.15g, not %.15g", what, kind,
				 spec->min_exclusive ? ">" : ">=", spec->min,
				 spec->max_exclusive ? "<" : "<=", spec->max, v);
}

SegStatus
params_set_number(const SegParamSpec *spec, void *params, double v, char *errmsg)
{
	/* a word's value may lie outside the numeric range (e.g. -1 for "sqrt") */
	bool		is_word = params_word_of(spec, v) != NULL;

	switch (spec->type)
	{
		case SEG_PARAM_BOOL:
			if (v != 0.0 && v != 1.0)
			{
				snprintf(errmsg, SEG_ERRMSG_LEN, "%s must be true or false", spec->name);
				return SEG_ERR_INVALID;
			}
			*FIELD(params, spec, bool) = v != 0.0;
			return SEG_OK;
		case SEG_PARAM_INT:
			if (!is_word && !InRange(spec, v))
			{
				RangeMessage(spec, spec->name, v, errmsg);
				return SEG_ERR_INVALID;
			}
			*FIELD(params, spec, int) = (int) v;
			return SEG_OK;
		case SEG_PARAM_REAL:
			if (!is_word && !InRange(spec, v))
			{
				RangeMessage(spec, spec->name, v, errmsg);
				return SEG_ERR_INVALID;
			}
			*FIELD(params, spec, double) = v;
			return SEG_OK;
		case SEG_PARAM_INT_LIST:
			snprintf(errmsg, SEG_ERRMSG_LEN, "%s must be a list of whole numbers", spec->name);
			return SEG_ERR_INVALID;
	}
	return SEG_ERR_INVALID;
}

/*
 * A number as a user wrote it: a word's value (-1 for "none") stands for
 * the word only when the word is written, so a written -1 is out of range.
 */
SegStatus
params_set_written_number(const SegParamSpec *spec, void *params, double v, char *errmsg)
{
	if ((spec->type == SEG_PARAM_INT || spec->type == SEG_PARAM_REAL) &&
		params_word_of(spec, v) != NULL && !InRange(spec, v))
	{
		char		range[SEG_ERRMSG_LEN];
		char	   *tail;
		int			len;

		/* "x must be ... <= 512, not -1" -> "... <= 512 or "none", not -1" */
		RangeMessage(spec, spec->name, v, range);
		tail = strstr(range, ", not ");
		if (tail != NULL)
			*tail = '\0';
		len = snprintf(errmsg, SEG_ERRMSG_LEN, "%s", range);
		for (const SegParamName *w = spec->words; w->word != NULL && len < SEG_ERRMSG_LEN; w++)
			len += snprintf(errmsg + len, SEG_ERRMSG_LEN - len, "%s\"%s\"",
							w == spec->words ? " or " : ", ", w->word);
		if (len < SEG_ERRMSG_LEN)
			snprintf(errmsg + len, SEG_ERRMSG_LEN - len, ", not %.15g", v);
		return SEG_ERR_INVALID;
	}
	return params_set_number(spec, params, v, errmsg);
}

SegStatus
params_set_word(const SegParamSpec *spec, void *params, const char *word, char *errmsg)
{
	if (spec->words != NULL)
		for (const SegParamName *w = spec->words; w->word != NULL; w++)
			if (strcmp(w->word, word) == 0)
				return params_set_number(spec, params, w->value, errmsg);
	if (spec->words == NULL)
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s takes a %s, not \"%.64s\"", spec->name,
				 spec->type == SEG_PARAM_BOOL ? "boolean" :
				 spec->type == SEG_PARAM_INT_LIST ? "list of whole numbers" : "number", word);
	else
	{
		int			len = snprintf(errmsg, SEG_ERRMSG_LEN, "%s takes a number or one of",
								   spec->name);

		for (const SegParamName *w = spec->words; w->word != NULL && len < SEG_ERRMSG_LEN; w++)
			len += snprintf(errmsg + len, SEG_ERRMSG_LEN - len, "%s \"%s\"",
							w == spec->words ? "" : ",", w->word);
		if (len < SEG_ERRMSG_LEN)
			snprintf(errmsg + len, SEG_ERRMSG_LEN - len, ", not \"%.64s\"", word);
	}
	return SEG_ERR_INVALID;
}

SegStatus
params_set_list(const SegParamSpec *spec, void *params, const int *v, int n, char *errmsg)
{
	SegIntList *list;

	if (spec->type != SEG_PARAM_INT_LIST)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s takes a single value, not a list", spec->name);
		return SEG_ERR_INVALID;
	}
	if (n < 0 || n > spec->max_list_len)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s has %d values (at most %d)", spec->name, n,
				 spec->max_list_len);
		return SEG_ERR_INVALID;
	}
	for (int i = 0; i < n; i++)
		if (!InRange(spec, v[i]))
		{
			char		what[96];

			snprintf(what, sizeof(what), "values of %s", spec->name);
			RangeMessage(spec, what, v[i], errmsg);
			return SEG_ERR_INVALID;
		}
	list = FIELD(params, spec, SegIntList);
	list->n = n;
	for (int i = 0; i < n; i++)
		list->v[i] = v[i];
	return SEG_OK;
}

double
params_get_number(const SegParamSpec *spec, const void *params)
{
	switch (spec->type)
	{
		case SEG_PARAM_INT:
			return *CFIELD(params, spec, int);
		case SEG_PARAM_REAL:
			return *CFIELD(params, spec, double);
		case SEG_PARAM_BOOL:
			return *CFIELD(params, spec, bool) ? 1.0 : 0.0;
		case SEG_PARAM_INT_LIST:
			break;
	}
	return NAN;
}

const SegIntList *
params_get_list(const SegParamSpec *spec, const void *params)
{
	return spec->type == SEG_PARAM_INT_LIST ? CFIELD(params, spec, SegIntList) : NULL;
}

bool
params_equal(const SegParamSpec *spec, const void *a, const void *b)
{
	if (spec->type == SEG_PARAM_INT_LIST)
	{
		const SegIntList *x = params_get_list(spec, a);
		const SegIntList *y = params_get_list(spec, b);

		return x->n == y->n && memcmp(x->v, y->v, sizeof(int) * x->n) == 0;
	}
	return params_get_number(spec, a) == params_get_number(spec, b);
}
