/*-------------------------------------------------------------------------
 *
 * sql_search.c
 *	  segment_train's `search` argument: jsonb -> SegSearchSpace.
 *
 * Accepted form: an object whose keys are hyperparameters and whose
 * values are a non-empty list of values, or (for the numeric ones
 * dropout, learning_rate, l2, batch_size) {"uniform": [low, high]} or
 * {"log_uniform": [low, high]}:
 *	{"hidden": [[32], [64, 32]], "dropout": [0, 0.2],
 *	 "learning_rate": {"log_uniform": [1e-4, 1e-2]}, "batch_size": [32, 128],
 *	 "batch_norm": [true, false], "l2": [1e-4, 1e-3],
 *	 "balance": ["none", "class_weight", "smote"]}
 * and "successive_halving": false to train every trial for all the epochs
 * (by default a search of at least 9 trials halves them, see sql_trials.c).
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

/* Checks one number against the hyperparameter's range. */
static void
CheckNumber(SearchParam p, double v, const char *key)
{
	bool		ok = isfinite(v);

	switch (p)
	{
		case SEARCH_DROPOUT:
			ok = ok && v >= 0.0 && v < 1.0;
			break;
		case SEARCH_LEARNING_RATE:
			ok = ok && v > 0.0;
			break;
		case SEARCH_L2:
			ok = ok && v >= 0.0;
			break;
		case SEARCH_BATCH_SIZE:
			ok = ok && v >= 1.0 && v <= 1e6 && v == floor(v);
			break;
		default:
			break;
	}
	if (!ok)
		Malformed(key, p == SEARCH_DROPOUT ? "values must be in [0, 1)" :
				  p == SEARCH_LEARNING_RATE ? "values must be > 0" :
				  p == SEARCH_L2 ? "values must be >= 0" :
				  "values must be whole numbers from 1 to 1000000");
}

static void
ParseHidden(JsonbContainer *list, SearchDim *d, const char *key)
{
	for (int i = 0; i < d->n_choices; i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(list, i);
		JsonbContainer *sizes;
		int			n;

		if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
			Malformed(key, "must be a list of lists of layer sizes, e.g. [[32], [64, 32]]");
		sizes = v->val.binary.data;
		n = JsonContainerSize(sizes);
		if (n > MLP_MAX_HIDDEN)
			Malformed(key, "has too many layers (at most 8)");
		d->hidden[i].n = n;
		for (int l = 0; l < n; l++)
		{
			double		s = NumberValue(getIthJsonbValueFromContainer(sizes, l), key);

			if (!(s >= 1 && s <= MLP_MAX_WIDTH && s == floor(s)))
				Malformed(key, "layer sizes must be whole numbers from 1 to 65536");
			d->hidden[i].sizes[l] = (int) s;
		}
	}
}

static void
ParseDistribution(JsonbContainer *obj, SearchParam p, SearchDim *d, const char *key)
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
	if (p != SEARCH_DROPOUT && p != SEARCH_LEARNING_RATE && p != SEARCH_L2 &&
		p != SEARCH_BATCH_SIZE)
		Malformed(key, "takes a list of values only");
	pair = range->val.binary.data;
	d->low = NumberValue(getIthJsonbValueFromContainer(pair, 0), key);
	d->high = NumberValue(getIthJsonbValueFromContainer(pair, 1), key);
	if (!(d->low <= d->high))
		Malformed(key, "range must have low <= high");
	if (d->kind == SEARCH_LOG_UNIFORM && !(d->low > 0.0))
		Malformed(key, "log_uniform range must be positive");
	CheckNumber(p, d->low, key);
	if (p == SEARCH_DROPOUT && d->high >= 1.0)
		Malformed(key, "values must be in [0, 1)");
	if (p != SEARCH_BATCH_SIZE)
		CheckNumber(p, d->high, key);
}

void
segment_parse_search(Jsonb *search, SegSearchSpace *space, bool *halving)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	memset(space, 0, sizeof(*space));
	*halving = true;
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
		if (strcmp(key, "successive_halving") == 0)
		{
			value = getKeyJsonValueFromContainer(&search->root, v.val.string.val,
												 v.val.string.len, NULL);
			if (value == NULL || value->type != jbvBool)
				Malformed(key, "must be true or false");
			*halving = value->val.boolean;
			continue;
		}
		for (p = 0; p < SEARCH_N_PARAMS; p++)
			if (strcmp(key, search_param_name(p)) == 0)
				break;
		if (p == SEARCH_N_PARAMS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid search space: unknown hyperparameter \"%s\"", key),
					 errhint("Search over hidden, dropout, learning_rate, l2, batch_size, batch_norm or balance (and set successive_halving).")));
		value = getKeyJsonValueFromContainer(&search->root, v.val.string.val,
											 v.val.string.len, NULL);
		d = &space->dims[p];
		if (value == NULL || value->type != jbvBinary)
			Malformed(key, "must be a list or an object");
		if (JsonContainerIsObject(value->val.binary.data))
		{
			ParseDistribution(value->val.binary.data, p, d, key);
			continue;
		}
		d->kind = SEARCH_CHOICES;
		d->n_choices = JsonContainerSize(value->val.binary.data);
		if (d->n_choices == 0)
			Malformed(key, "must not be an empty list");
		if (p == SEARCH_HIDDEN)
		{
			d->hidden = palloc0(sizeof(SearchHidden) * d->n_choices);
			ParseHidden(value->val.binary.data, d, key);
			continue;
		}
		d->choices = palloc(sizeof(double) * d->n_choices);
		for (int i = 0; i < d->n_choices; i++)
		{
			JsonbValue *e = getIthJsonbValueFromContainer(value->val.binary.data, i);

			if (p == SEARCH_BATCH_NORM)
			{
				if (e->type != jbvBool)
					Malformed(key, "must hold booleans");
				d->choices[i] = e->val.boolean ? 1.0 : 0.0;
			}
			else if (p == SEARCH_BALANCE)
			{
				int			b = -1;

				if (e->type == jbvString)
					b = segment_balance_from_name(pnstrdup(e->val.string.val,
														   e->val.string.len));
				if (b < 0)
					Malformed(key, "must hold \"none\", \"class_weight\" or \"smote\"");
				d->choices[i] = b;
			}
			else
			{
				d->choices[i] = NumberValue(e, key);
				CheckNumber(p, d->choices[i], key);
			}
		}
	}
}
