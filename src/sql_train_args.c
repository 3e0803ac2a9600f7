/*-------------------------------------------------------------------------
 *
 * sql_train_args.c
 *	  segment_train's arguments: checked, turned into a learner with its
 *	  settings, and the feature columns they name.
 *
 * A learner's settings come from `params` (jsonb, the learner's own names,
 * scikit-learn's where one exists) and, for the MLP, also from the
 * dedicated arguments hidden, dropout, ... that segment_train has had
 * since 0.1.0.  A setting given twice, or a dedicated MLP argument with
 * another model, is an error rather than a silent choice.
 *
 * IDENTIFICATION
 *	  src/sql_train_args.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "dataset.h"
#include "mlp.h"
#include "pg_args.h"
#include "pg_core.h"
#include "sql_train.h"
#include "synthetic_writer.h"

/* argument positions of segment_train */
enum
{
	ARG_NAME, ARG_RELATION, ARG_LABEL, ARG_FEATURES, ARG_EXCLUDE, ARG_HIDDEN, ARG_DROPOUT,
	ARG_BATCH_NORM, ARG_L2, ARG_EPOCHS, ARG_BATCH_SIZE, ARG_LEARNING_RATE, ARG_PATIENCE,
	ARG_BALANCE, ARG_TEST_SIZE, ARG_VALIDATION_SIZE, ARG_SEARCH, ARG_TRIALS, ARG_SEED,
	ARG_DEPLOY, ARG_SPLIT_SEED, ARG_MODEL, ARG_TASK, ARG_PARAMS, ARG_KEY, ARG_CV,
	ARG_SKIP_IF_UNCHANGED, N_ARGS
};

static const char *const arg_names[N_ARGS] = {
	"name", "relation", "label", "features", "exclude", "hidden", "dropout",
	"batch_norm", "l2", "epochs", "batch_size", "learning_rate", "patience",
	"balance", "test_size", "validation_size", "search", "trials", "seed", "deploy",
	"split_seed", "model", "task", "params", "key", "cv", "skip_if_unchanged"
};

/*
 * Whether argument arg is absent: NULL, or beyond the arguments of an
 * older SQL declaration.  A database not yet updated from 0.1.0 calls
 * this library with 0.1.0's 21 arguments; the later ones take their
 * defaults then.
 */
static bool
ArgAbsent(FunctionCallInfo fcinfo, int arg)
{
	return arg >= PG_NARGS() || PG_ARGISNULL(arg);
}

/* A text argument, or its default when absent from an older declaration. */
static char *
TextArg(FunctionCallInfo fcinfo, int arg, const char *absent_default)
{
	if (arg >= PG_NARGS())
		return pstrdup(absent_default);
	segment_require_arg(fcinfo, arg, arg_names[arg]);
	return text_to_cstring(PG_GETARG_TEXT_PP(arg));
}

/* most folds of cross-validation */
#define MAX_FOLDS 20

static void
BadArg(const char *what)
{
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", what)));
}

/* The names of a learner's settings, for hints. */
static char *
SettingNames(const SegLearner *l)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < l->n_params; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", l->params[i].name);
	return buf.data;
}

/* The learner named by `model`; ERROR listing the learners when unknown. */
static const SegLearner *
LearnerByName(const char *name)
{
	const SegLearner *l = learner_find(name);

	if (l == NULL)
	{
		StringInfoData names;

		initStringInfo(&names);
		for (int i = 0; i < learner_count(); i++)
			appendStringInfo(&names, "%s, ", learner_at(i)->name);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown model \"%s\"", name),
				 errhint("Use one of %sor auto.", names.data)));
	}
	return l;
}

static double
JsonbNumber(const JsonbValue *v)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

/* Sets one setting from a jsonb value: number, boolean, word or list. */
static void
SetFromJsonb(const SegParamSpec *spec, void *params, const JsonbValue *v)
{
	char		msg[SEG_ERRMSG_LEN];
	SegStatus	status = SEG_ERR_INVALID;

	switch (v->type)
	{
		case jbvNumeric:
			if (spec->type == SEG_PARAM_BOOL)
				snprintf(msg, sizeof(msg), "%s takes true or false, not a number", spec->name);
			else
				status = params_set_written_number(spec, params, JsonbNumber(v), msg);
			break;
		case jbvNull:
			/* null is scikit-learn's None: no limit, where the setting has one */
			if (params_word_of(spec, -1) != NULL &&
				strcmp(params_word_of(spec, -1), "none") == 0)
				status = params_set_word(spec, params, "none", msg);
			else
				snprintf(msg, sizeof(msg), "%s takes a %s, not null", spec->name,
						 spec->type == SEG_PARAM_BOOL ? "boolean" :
						 spec->type == SEG_PARAM_INT_LIST ? "list of whole numbers" : "number");
			break;
		case jbvBool:
			if (spec->type != SEG_PARAM_BOOL)
				snprintf(msg, sizeof(msg), "%s takes a %s, not a boolean", spec->name,
						 spec->type == SEG_PARAM_INT_LIST ? "list of whole numbers" : "number");
			else
				status = params_set_number(spec, params, v->val.boolean ? 1.0 : 0.0, msg);
			break;
		case jbvString:
			status = params_set_word(spec, params,
									 pnstrdup(v->val.string.val, v->val.string.len), msg);
			break;
		case jbvBinary:
			if (JsonContainerIsArray(v->val.binary.data))
			{
				JsonbContainer *list = v->val.binary.data;
				int			n = JsonContainerSize(list);
				int		   *values = palloc(sizeof(int) * Max(n, 1));

				for (int i = 0; i < n; i++)
				{
					JsonbValue *e = getIthJsonbValueFromContainer(list, i);
					double		x = e->type == jbvNumeric ? JsonbNumber(e) : NAN;

					if (!(x == floor(x) && fabs(x) < INT_MAX))
					{
						snprintf(msg, sizeof(msg), "%s must be a list of whole numbers",
								 spec->name);
						BadArg(msg);
					}
					values[i] = (int) x;
				}
				status = params_set_list(spec, params, values, n, msg);
				break;
			}
			/* FALLTHROUGH */
		default:
			snprintf(msg, sizeof(msg), "%s takes a %s", spec->name,
					 spec->type == SEG_PARAM_BOOL ? "boolean" :
					 spec->type == SEG_PARAM_INT_LIST ? "list of whole numbers" : "number");
			break;
	}
	if (status != SEG_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", msg)));
}

/*
 * Fills params from a `params` jsonb object; *given marks the settings
 * it named (given has learner->n_params entries).
 */
static void
ParamsFromJsonb(Jsonb *json, const SegLearner *l, void *params, bool *given)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(json))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params must be a jsonb object of settings"),
				 errhint("For example params => '{\"max_iter\": 200, \"learning_rate\": 0.05}'.")));
	it = JsonbIteratorInit(&json->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		const SegParamSpec *spec;
		JsonbValue *value;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		spec = params_find(l->params, l->n_params, key);
		if (spec == NULL && strcmp(key, "validation_fraction") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model %s has no setting \"%s\"", l->name, key),
					 errhint("Early stopping uses segment_train's validation part: set its share with validation_size (0.1 by default).")));
		if (spec == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model %s has no setting \"%s\"", l->name, key),
					 errhint("The settings of model %s are: %s.", l->name, SettingNames(l))));
		value = getKeyJsonValueFromContainer(&json->root, v.val.string.val, v.val.string.len,
											 NULL);
		SetFromJsonb(spec, params, value);
		given[spec - l->params] = true;
	}
}

void
segment_train_learner_params(Jsonb *params, const SegLearner *l, void *out)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&params->root, l->name, strlen(l->name), NULL);
	bool	   *given = palloc0(sizeof(bool) * Max(l->n_params, 1));

	if (v != NULL)
	{
		Jsonb	   *inner = JsonbValueToJsonb(v);

		ParamsFromJsonb(inner, l, out, given);
	}
}

/*
 * For model => 'auto', params is an object of settings per learner:
 * {"mlp": {...}, "gbdt": {...}}.  Checks every learner's part now (so a
 * mistake fails before training) and fills the MLP's into a->base.
 */
static void
CheckAutoParams(Jsonb *params, TrainArgs *a, bool *given)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(params))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params must be a jsonb object of settings per model for model auto"),
				 errhint("For example params => '{\"mlp\": {\"hidden\": [32]}, \"gbdt\": {\"max_iter\": 200}}'.")));
	it = JsonbIteratorInit(&params->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		const SegLearner *l;
		JsonbValue *inner;
		void	   *scratch;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		if (learner_find(key) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("params of model auto are keyed by model, and \"%s\" is no model", key),
					 errhint("For example params => '{\"mlp\": {\"hidden\": [32]}, \"logistic\": {\"C\": 0.5}}'.")));
		l = LearnerByName(key);
		inner = getKeyJsonValueFromContainer(&params->root, v.val.string.val,
											 v.val.string.len, NULL);
		if (inner->type != jbvBinary || !JsonContainerIsObject(inner->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("params of model %s must be a jsonb object of settings", key)));
		if (l == a->base.learner)
			ParamsFromJsonb(JsonbValueToJsonb(inner), l, a->base.params, given);
		else
		{
			scratch = palloc0(l->params_size);
			ParamsFromJsonb(JsonbValueToJsonb(inner), l, scratch, palloc0(sizeof(bool) * Max(l->n_params, 1)));
		}
	}
}

/* An MLP setting from its dedicated argument (ranges as 0.1.0 checked them). */
static void
SetMlpArgument(FunctionCallInfo fcinfo, int arg, TrainArgs *a, bool *given)
{
	const SegLearner *l = a->base.learner;
	const char *name = arg_names[arg];
	const SegParamSpec *spec;
	char		msg[SEG_ERRMSG_LEN];
	double		v = 0.0;

	if (ArgAbsent(fcinfo, arg))
		return;
	if (l != &seg_learner_mlp)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s applies to model mlp only", name),
				 errhint("Give model %s's settings in params: %s.", l->name, SettingNames(l))));
	spec = params_find(l->params, l->n_params, name);
	if (given[spec - l->params])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is given both as an argument and in params", name)));
	given[spec - l->params] = true;

	if (arg == ARG_HIDDEN)
	{
		ArrayType  *hidden = PG_GETARG_ARRAYTYPE_P(arg);
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			sizes[MLP_MAX_HIDDEN];

		if (ARR_NDIM(hidden) > 1)
			BadArg("hidden must be a one-dimensional array of layer sizes");
		deconstruct_array(hidden, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
		if (n > MLP_MAX_HIDDEN)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many hidden layers: %d (at most %d)", n, MLP_MAX_HIDDEN)));
		for (int i = 0; i < n; i++)
		{
			int			size = nulls[i] ? 0 : DatumGetInt32(elems[i]);

			if (nulls[i] || size < 1 || size > MLP_MAX_WIDTH)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("hidden layer sizes must be between 1 and %d, not %s",
								MLP_MAX_WIDTH, nulls[i] ? "null" : psprintf("%d", size))));
			sizes[i] = size;
		}
		if (params_set_list(spec, a->base.params, sizes, n, msg) != SEG_OK)
			BadArg(msg);
		return;
	}
	switch (arg)
	{
		case ARG_DROPOUT:
			v = PG_GETARG_FLOAT8(arg);
			if (!(v >= 0.0 && v < 1.0))
				BadArg(psprintf("dropout must be in [0, 1), not %g", v));
			break;
		case ARG_BATCH_NORM:
			v = PG_GETARG_BOOL(arg) ? 1.0 : 0.0;
			break;
		case ARG_L2:
			v = PG_GETARG_FLOAT8(arg);
			if (!(v >= 0.0 && isfinite(v)))
				BadArg(psprintf("l2 must be a finite number >= 0, not %g", v));
			break;
		case ARG_LEARNING_RATE:
			v = PG_GETARG_FLOAT8(arg);
			if (!(v > 0.0 && isfinite(v)))
				BadArg(psprintf("learning_rate must be a finite number > 0, not %g", v));
			break;
		default:				/* epochs, batch_size, patience */
			v = PG_GETARG_INT32(arg);
			if (v < 1)
				BadArg(psprintf("%s must be at least 1, not %d", name, (int) v));
			break;
	}
	if (params_set_number(spec, a->base.params, v, msg) != SEG_OK)
		BadArg(msg);
}

void
segment_train_parse_args(FunctionCallInfo fcinfo, TrainArgs *a)
{
	char	   *balance;
	char	   *model;
	char	   *task;
	bool	   *given;
	const SegLearner *l;
	int			b;
	char		msg[SEG_ERRMSG_LEN];

	for (int i = 0; i < N_ARGS && i < PG_NARGS(); i++)
		if (i == ARG_NAME || i == ARG_RELATION || i == ARG_LABEL || i == ARG_BALANCE ||
			i == ARG_TEST_SIZE || i == ARG_VALIDATION_SIZE || i == ARG_TRIALS ||
			i == ARG_SEED || i == ARG_DEPLOY || i == ARG_MODEL || i == ARG_TASK)
			segment_require_arg(fcinfo, i, arg_names[i]);
	memset(a, 0, sizeof(*a));
	a->name = text_to_cstring(PG_GETARG_TEXT_PP(ARG_NAME));
	if (a->name[0] == '\0')
		BadArg("model name must not be empty");
	a->relid = PG_GETARG_OID(ARG_RELATION);
	a->label = text_to_cstring(PG_GETARG_TEXT_PP(ARG_LABEL));
	a->features = ArgAbsent(fcinfo, ARG_FEATURES) ? NULL : PG_GETARG_ARRAYTYPE_P(ARG_FEATURES);
	a->exclude = ArgAbsent(fcinfo, ARG_EXCLUDE) ? NULL : PG_GETARG_ARRAYTYPE_P(ARG_EXCLUDE);

	task = TextArg(fcinfo, ARG_TASK, "auto");
	if (strcmp(task, "auto") == 0)
		a->task = -1;
	else if (strcmp(task, "classification") == 0)
		a->task = SEG_TASK_CLASSIFICATION;
	else if (strcmp(task, "regression") == 0)
		a->task = SEG_TASK_REGRESSION;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown task \"%s\"", task),
				 errhint("Use auto, classification or regression.")));

	model = TextArg(fcinfo, ARG_MODEL, "mlp");
	/* model => 'auto': several learners; the dedicated arguments are the MLP's */
	a->auto_model = strcmp(model, "auto") == 0;
	l = a->auto_model ? &seg_learner_mlp : LearnerByName(model);
	a->base.learner = l;
	a->base.params = palloc0(l->params_size);
	params_defaults(l->params, l->n_params, a->base.params);
	given = palloc0(sizeof(bool) * Max(l->n_params, 1));
	a->params_json = ArgAbsent(fcinfo, ARG_PARAMS) ? NULL : PG_GETARG_JSONB_P(ARG_PARAMS);
	if (a->params_json != NULL && a->auto_model)
		CheckAutoParams(a->params_json, a, given);
	else if (a->params_json != NULL)
		ParamsFromJsonb(a->params_json, l, a->base.params, given);
	for (int arg = ARG_HIDDEN; arg <= ARG_PATIENCE; arg++)
		SetMlpArgument(fcinfo, arg, a, given);
	if (!a->auto_model && l->check != NULL && a->task >= 0 &&
		l->check(a->base.params, (SegTask) a->task, msg) != SEG_OK)
		BadArg(msg);

	balance = text_to_cstring(PG_GETARG_TEXT_PP(ARG_BALANCE));
	a->balance_auto = strcmp(balance, "auto") == 0;
	b = segment_balance_from_name(balance);
	if (!a->balance_auto && b < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown balance \"%s\"", balance),
				 errhint("Use auto, smote, class_weight or none.")));
	a->base.balance = b < 0 ? BALANCE_NONE : b;

	a->test_size = PG_GETARG_FLOAT8(ARG_TEST_SIZE);
	a->validation_size = PG_GETARG_FLOAT8(ARG_VALIDATION_SIZE);
	if (!(a->test_size > 0.0 && a->test_size < 1.0) ||
		!(a->validation_size >= 0.0 && a->validation_size < 1.0) ||
		!(a->test_size + a->validation_size < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("test_size must be in (0, 1) and validation_size in [0, 1), with a sum below 1, not %g and %g",
						a->test_size, a->validation_size)));
	a->search = ArgAbsent(fcinfo, ARG_SEARCH) ? NULL : PG_GETARG_JSONB_P(ARG_SEARCH);
	if (a->search != NULL && a->auto_model)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search varies one model's settings; model auto compares several"),
				 errhint("Choose a model (mlp, logistic, ...) to search over.")));
	a->trials = PG_GETARG_INT32(ARG_TRIALS);
	if (a->trials < 1 || a->trials > 10000)
		BadArg(psprintf("trials must be between 1 and 10000, not %d", a->trials));
	a->seed = PG_GETARG_INT32(ARG_SEED);
	/* a split of its own seed keeps the test rows while the model seed varies */
	a->split_seed = ArgAbsent(fcinfo, ARG_SPLIT_SEED) ? a->seed : PG_GETARG_INT32(ARG_SPLIT_SEED);

	a->deploy = (DeployPolicy) segment_choice_arg(fcinfo, ARG_DEPLOY, "deploy", segment_deploy_names,
												   lengthof(segment_deploy_names));
	a->key = ArgAbsent(fcinfo, ARG_KEY) ? NULL : PG_GETARG_ARRAYTYPE_P(ARG_KEY);
	a->cv = ArgAbsent(fcinfo, ARG_CV) ? 0 : PG_GETARG_INT32(ARG_CV);
	if (!ArgAbsent(fcinfo, ARG_CV) && (a->cv < 2 || a->cv > MAX_FOLDS))
		BadArg(psprintf("cv must be between 2 and %d folds, not %d", MAX_FOLDS, a->cv));
	/* without validation rows (or folds) there is nothing to compare candidates on */
	if (a->validation_size == 0.0 && a->cv == 0 && (a->auto_model || a->search != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s compares candidates on validation rows, and validation_size => 0 leaves none",
						a->auto_model ? "model => 'auto'" : "search"),
				 errhint("Give validation_size > 0, or cv => 5 to compare them on folds of the train part.")));
	a->skip_if_unchanged = !ArgAbsent(fcinfo, ARG_SKIP_IF_UNCHANGED) &&
		PG_GETARG_BOOL(ARG_SKIP_IF_UNCHANGED);
}

const char *
segment_train_synthetic_column(const TrainArgs *a)
{
	AttrNumber	attno = get_attnum(a->relid, SEGMENT_SYNTHETIC_COLUMN);

	if (attno == InvalidAttrNumber || strcmp(a->label, SEGMENT_SYNTHETIC_COLUMN) == 0 ||
		getBaseType(get_atttype(a->relid, attno)) != BOOLOID)
		return NULL;
	return SEGMENT_SYNTHETIC_COLUMN;
}

char	  **
segment_train_feature_columns(const TrainArgs *a, int *n_out)
{
	char	  **exclude = NULL;
	int			n_exclude = 0;
	char	  **columns;
	int			n;
	int			kept = 0;

	(void) dataset_column_type(a->relid, a->label);
	if (a->exclude != NULL)
		exclude = dataset_text_array(a->exclude, "exclude", &n_exclude);
	if (a->features == NULL)
	{
		/* smote_table's row flag describes the row, not the customer */
		if (segment_train_synthetic_column(a) != NULL)
		{
			char	  **more = palloc(sizeof(char *) * (n_exclude + 1));

			if (n_exclude > 0)
				memcpy(more, exclude, sizeof(char *) * n_exclude);
			more[n_exclude++] = SEGMENT_SYNTHETIC_COLUMN;
			exclude = more;
		}
		columns = dataset_default_columns(a->relid, a->label, exclude, n_exclude, &n);
	}
	else
	{
		columns = dataset_text_array(a->features, "features", &n);
		for (int i = 0; i < n; i++)
		{
			bool		skip = false;

			if (strcmp(columns[i], a->label) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("label column \"%s\" cannot also be a feature", a->label)));
			for (int j = 0; j < i; j++)
				if (strcmp(columns[i], columns[j]) == 0)
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_COLUMN),
							 errmsg("feature column \"%s\" is listed twice", columns[i])));
			for (int e = 0; e < n_exclude; e++)
				if (strcmp(columns[i], exclude[e]) == 0)
					skip = true;
			if (!skip)
				columns[kept++] = columns[i];
		}
		n = kept;
	}
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no feature columns left to train on"),
				 errhint("Check the features and exclude arguments: every column but the label \"%s\" was left out.",
						 a->label)));
	*n_out = n;
	return columns;
}
