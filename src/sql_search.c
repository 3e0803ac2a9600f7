/*-------------------------------------------------------------------------
 *
 * sql_search.c
 *	  segment_train's `search` argument: jsonb -> SegSearchSpace over the
 *	  chosen learner's settings.
 *
 * Accepted form: an object whose keys are settings of the learner (its
 * `params` names) or "balance", and whose values are a non-empty list of
 * values, or, for number settings, {"uniform": [low, high]} or
 * {"log_uniform": [low, high]}:
 *	{"hidden": [[32], [64, 32]], "dropout": [0, 0.2],
 *	 "learning_rate": {"log_uniform": [1e-4, 1e-2]}, "batch_size": [32, 128],
 *	 "batch_norm": [true, false], "l2": [1e-4, 1e-3],
 *	 "balance": ["none", "class_weight", "smote"]}
 * and "successive_halving": true to spend less on the weaker trials (see
 * sql_trials.c; off by default, since early stopping already ends a
 * trial whose validation loss stops improving).  Every value is checked
 * against the setting's bounds.
 *
 * IDENTIFICATION
 *	  src/sql_search.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "sql_train.h"

int
segment_balance_from_name(const char *s)
{
	for (int b = 0; b < BALANCE_N_MODES; b++)
		if (strcmp(s, balance_name(b)) == 0)
			return b;
	return -1;
}

static void
Malformed(const char *key, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid search space: \"%s\" %s", key, what),
			 errhint("Give a list of values, e.g. {\"dropout\": [0, 0.2]}, or for numbers "
					 "{\"uniform\": [low, high]} / {\"log_uniform\": [low, high]}.")));
}

static double
NumberValue(const JsonbValue *v, const char *key)
{
	if (v->type != jbvNumeric)
		Malformed(key, "must hold numbers");
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

/* Checks one value against the setting's bounds by setting it on a scratch copy. */
static void
CheckValue(const SegParamSpec *spec, size_t params_size, double v, const char *key)
{
	void	   *scratch = palloc0(params_size);
	char		msg[SEG_ERRMSG_LEN];

	if (params_set_written_number(spec, scratch, v, msg) != SEG_OK)
		Malformed(key, psprintf("values are out of range: %s", msg));
	pfree(scratch);
}

static void
ParseLists(JsonbContainer *list, SearchDim *d, const char *key)
{
	const SegParamSpec *spec = d->spec;

	d->lists = palloc0(sizeof(SegIntList) * d->n_choices);
	for (int i = 0; i < d->n_choices; i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(list, i);
		JsonbContainer *values;
		int			n;

		if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
			Malformed(key, psprintf("must be a list of lists of %s, e.g. [[32], [64, 32]]",
									spec->help != NULL ? spec->help : "whole numbers"));
		values = v->val.binary.data;
		n = JsonContainerSize(values);
		if (n > spec->max_list_len)
			Malformed(key, psprintf("has too many values (at most %d)", spec->max_list_len));
		d->lists[i].n = n;
		for (int l = 0; l < n; l++)
		{
			double		s = NumberValue(getIthJsonbValueFromContainer(values, l), key);

			if (!(s >= spec->min && s <= spec->max && s == floor(s)))
				Malformed(key, psprintf("values must be whole numbers from %g to %g",
										spec->min, spec->max));
			d->lists[i].v[l] = (int) s;
		}
	}
}

static void
ParseRange(JsonbContainer *obj, SearchDim *d, size_t params_size, const char *key)
{
	JsonbValue *range = NULL;
	JsonbContainer *pair;

	if (JsonContainerSize(obj) == 1)
	{
		if ((range = getKeyJsonValueFromContainer(obj, "uniform", 7, NULL)) != NULL)
			d->kind = SEARCH_UNIFORM;
		else if ((range = getKeyJsonValueFromContainer(obj, "log_uniform", 11, NULL)) != NULL)
			d->kind = SEARCH_LOG_UNIFORM;
	}
	if (range == NULL || range->type != jbvBinary ||
		!JsonContainerIsArray(range->val.binary.data) ||
		JsonContainerSize(range->val.binary.data) != 2)
		Malformed(key, "must be a list or {\"uniform\" | \"log_uniform\": [low, high]}");
	if (d->spec == NULL || d->spec->type == SEG_PARAM_BOOL || d->spec->type == SEG_PARAM_INT_LIST)
		Malformed(key, "takes a list of values only");
	pair = range->val.binary.data;
	d->low = NumberValue(getIthJsonbValueFromContainer(pair, 0), key);
	d->high = NumberValue(getIthJsonbValueFromContainer(pair, 1), key);
	if (!(d->low <= d->high))
		Malformed(key, "range must have low <= high");
	if (d->kind == SEARCH_LOG_UNIFORM && !(d->low > 0.0))
		Malformed(key, "log_uniform range must be positive");
	CheckValue(d->spec, params_size, d->low, key);
	CheckValue(d->spec, params_size, d->spec->type == SEG_PARAM_INT ? floor(d->high) : d->high,
			   key);
}

static void
ParseChoices(JsonbContainer *list, SearchDim *d, size_t params_size, const char *key)
{
	d->choices = palloc(sizeof(double) * d->n_choices);
	for (int i = 0; i < d->n_choices; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(list, i);

		if (d->spec == NULL)
		{
			int			b = -1;

			if (e->type == jbvString)
				b = segment_balance_from_name(pnstrdup(e->val.string.val, e->val.string.len));
			if (b < 0)
				Malformed(key, "must hold \"none\", \"class_weight\" or \"smote\"");
			d->choices[i] = b;
		}
		else if (d->spec->type == SEG_PARAM_BOOL)
		{
			if (e->type != jbvBool)
				Malformed(key, "must hold booleans");
			d->choices[i] = e->val.boolean ? 1.0 : 0.0;
		}
		else if (e->type == jbvString && d->spec->words != NULL)
		{
			char	   *word = pnstrdup(e->val.string.val, e->val.string.len);
			void	   *scratch = palloc0(params_size);
			char		msg[SEG_ERRMSG_LEN];

			if (params_set_word(d->spec, scratch, word, msg) != SEG_OK)
				Malformed(key, psprintf("values are out of range: %s", msg));
			d->choices[i] = params_get_number(d->spec, scratch);
		}
		else
		{
			d->choices[i] = NumberValue(e, key);
			CheckValue(d->spec, params_size, d->choices[i], key);
		}
	}
}

/* Index of a setting in the learner's table, n_params for balance, -1 when unknown. */
static int
DimensionIndex(const SegLearner *learner, const char *key)
{
	if (strcmp(key, "balance") == 0)
		return learner->n_params;
	for (int i = 0; i < learner->n_params; i++)
		if (strcmp(learner->params[i].name, key) == 0)
			return i;
	return -1;
}

void
segment_parse_search(Jsonb *search, const SegLearner *learner, SegSearchSpace *space,
					 bool *halving)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	SearchDim  *by_index = palloc0(sizeof(SearchDim) * (learner->n_params + 1));

	memset(space, 0, sizeof(*space));
	*halving = false;
	if (!JB_ROOT_IS_OBJECT(search) || JB_ROOT_COUNT(search) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid search space: must be a non-empty jsonb object"),
				 errhint("For example {\"hidden\": [[32], [64, 32]], \"dropout\": [0, 0.2]}.")));

	it = JsonbIteratorInit(&search->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		int			p;
		JsonbValue *value;
		SearchDim  *d;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		value = getKeyJsonValueFromContainer(&search->root, v.val.string.val,
											 v.val.string.len, NULL);
		if (strcmp(key, "successive_halving") == 0)
		{
			if (value == NULL || value->type != jbvBool)
				Malformed(key, "must be true or false");
			*halving = value->val.boolean;
			continue;
		}
		p = DimensionIndex(learner, key);
		if (p < 0)
		{
			StringInfoData names;

			initStringInfo(&names);
			for (int i = 0; i < learner->n_params; i++)
				appendStringInfo(&names, "%s, ", learner->params[i].name);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid search space: unknown hyperparameter \"%s\"", key),
					 errhint("Search over the settings of model %s (%sor balance), and set successive_halving.",
							 learner->name, names.data)));
		}
		d = &by_index[p];
		d->spec = p < learner->n_params ? &learner->params[p] : NULL;
		if (value == NULL || value->type != jbvBinary)
			Malformed(key, "must be a list or an object");
		if (JsonContainerIsObject(value->val.binary.data))
		{
			ParseRange(value->val.binary.data, d, learner->params_size, key);
			continue;
		}
		d->kind = SEARCH_CHOICES;
		d->n_choices = JsonContainerSize(value->val.binary.data);
		if (d->n_choices == 0)
			Malformed(key, "must not be an empty list");
		if (d->spec != NULL && d->spec->type == SEG_PARAM_INT_LIST)
			ParseLists(value->val.binary.data, d, key);
		else
			ParseChoices(value->val.binary.data, d, learner->params_size, key);
	}
	/* the learner's order, balance last: trials do not depend on the jsonb's order */
	for (int p = 0; p <= learner->n_params; p++)
		if (by_index[p].kind != SEARCH_ABSENT)
			space->dims[space->n_dims++] = by_index[p];
}
