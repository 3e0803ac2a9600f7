/*-------------------------------------------------------------------------
 *
 * sql_train.c
 *	  segment_train(): the supervised pipeline from a relation to a
 *	  registered, evaluated MLP classifier.
 *
 * One scan loads features and label; a seeded stratified split makes
 * train / validation / test parts; the preprocessor is fitted on the
 * train part only and balancing (class weights or SMOTE) touches the
 * train part only, so the test figures are honest.  Candidates (balance
 * modes and search trials) are ranked by validation macro-F1; the best
 * is evaluated once on the test part, saved as the next version of the
 * name, and deployed by the `deploy` policy.  Everything runs inside the
 * calling statement: a cancel or an error leaves the registry unchanged.
 *
 * IDENTIFICATION
 *	  src/sql_train.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "classifier_model.h"
#include "dataset.h"
#include "pg_core.h"
#include "split.h"
#include "sql_train.h"

PG_FUNCTION_INFO_V1(segment_train);

/* the encoded split */
typedef struct EncodedData
{
	SegPreprocessor *prep;
	int			n_classes;
	char	  **class_names;
	int			d;
	int			n[3];			/* rows per SegSplitPart */
	double	   *x[3];
	int		   *y[3];
} EncodedData;

static void
BadArg(const char *what)
{
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", what)));
}

static void
ParseArgs(FunctionCallInfo fcinfo, TrainArgs *a)
{
	static const char *const names[] = {
		"name", "relation", "label", "features", "exclude", "hidden", "dropout",
		"batch_norm", "l2", "epochs", "batch_size", "learning_rate", "patience",
		"balance", "test_size", "validation_size", "search", "trials", "seed", "deploy",
		"split_seed"
	};
	ArrayType  *hidden;
	int			n_hidden;
	Datum	   *elems;
	bool	   *nulls;
	char	   *balance;
	char	   *deploy;
	int			b;

	for (int i = 0; i < (int) lengthof(names); i++)
		if (i != 3 && i != 4 && i != 16 && i != 20)
			segment_require_arg(fcinfo, i, names[i]);
	memset(a, 0, sizeof(*a));
	a->name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (a->name[0] == '\0')
		BadArg("model name must not be empty");
	a->relid = PG_GETARG_OID(1);
	a->label = text_to_cstring(PG_GETARG_TEXT_PP(2));
	a->features = PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3);
	a->exclude = PG_ARGISNULL(4) ? NULL : PG_GETARG_ARRAYTYPE_P(4);

	hidden = PG_GETARG_ARRAYTYPE_P(5);
	if (ARR_NDIM(hidden) > 1)
		BadArg("hidden must be a one-dimensional array of layer sizes");
	deconstruct_array(hidden, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n_hidden);
	if (n_hidden > MLP_MAX_HIDDEN)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many hidden layers: %d (at most %d)", n_hidden, MLP_MAX_HIDDEN)));
	a->base.hidden.n = n_hidden;
	for (int l = 0; l < n_hidden; l++)
	{
		int			size = nulls[l] ? 0 : DatumGetInt32(elems[l]);

		if (nulls[l] || size < 1 || size > MLP_MAX_WIDTH)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hidden layer sizes must be between 1 and %d, not %s",
							MLP_MAX_WIDTH, nulls[l] ? "null" : psprintf("%d", size))));
		a->base.hidden.sizes[l] = size;
	}

	a->base.dropout = PG_GETARG_FLOAT8(6);
	if (!(a->base.dropout >= 0.0 && a->base.dropout < 1.0))
		BadArg(psprintf("dropout must be in [0, 1), not %g", a->base.dropout));
	a->base.batch_norm = PG_GETARG_BOOL(7);
	a->base.l2 = PG_GETARG_FLOAT8(8);
	if (!(a->base.l2 >= 0.0 && isfinite(a->base.l2)))
		BadArg(psprintf("l2 must be a finite number >= 0, not %g", a->base.l2));
	a->epochs = PG_GETARG_INT32(9);
	if (a->epochs < 1)
		BadArg(psprintf("epochs must be at least 1, not %d", a->epochs));
	a->base.batch_size = PG_GETARG_INT32(10);
	if (a->base.batch_size < 1)
		BadArg(psprintf("batch_size must be at least 1, not %d", a->base.batch_size));
	a->base.learning_rate = PG_GETARG_FLOAT8(11);
	if (!(a->base.learning_rate > 0.0 && isfinite(a->base.learning_rate)))
		BadArg(psprintf("learning_rate must be a finite number > 0, not %g",
						a->base.learning_rate));
	a->patience = PG_GETARG_INT32(12);
	if (a->patience < 1)
		BadArg(psprintf("patience must be at least 1, not %d", a->patience));

	balance = text_to_cstring(PG_GETARG_TEXT_PP(13));
	a->balance_auto = strcmp(balance, "auto") == 0;
	b = segment_balance_from_name(balance);
	if (!a->balance_auto && b < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown balance \"%s\"", balance),
				 errhint("Use auto, smote, class_weight or none.")));
	a->base.balance = b < 0 ? BALANCE_NONE : b;

	a->test_size = PG_GETARG_FLOAT8(14);
	a->validation_size = PG_GETARG_FLOAT8(15);
	if (!(a->test_size > 0.0 && a->test_size < 1.0) ||
		!(a->validation_size > 0.0 && a->validation_size < 1.0) ||
		!(a->test_size + a->validation_size < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("test_size and validation_size must be in (0, 1) with a sum below 1, not %g and %g",
						a->test_size, a->validation_size)));
	a->search = PG_ARGISNULL(16) ? NULL : PG_GETARG_JSONB_P(16);
	a->trials = PG_GETARG_INT32(17);
	if (a->trials < 1 || a->trials > 10000)
		BadArg(psprintf("trials must be between 1 and 10000, not %d", a->trials));
	a->seed = PG_GETARG_INT32(18);
	/* a split of its own seed keeps the test rows while the model seed varies */
	a->split_seed = PG_ARGISNULL(20) ? a->seed : PG_GETARG_INT32(20);

	deploy = text_to_cstring(PG_GETARG_TEXT_PP(19));
	for (b = 0; b < (int) lengthof(segment_deploy_names); b++)
		if (strcmp(deploy, segment_deploy_names[b]) == 0)
			break;
	if (b == (int) lengthof(segment_deploy_names))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown deploy policy \"%s\"", deploy),
				 errhint("Use always, if_better or never.")));
	a->deploy = (DeployPolicy) b;
}

/* The feature columns: given or every other column, minus exclude and the label. */
static char **
FeatureColumns(const TrainArgs *a, int *n_out)
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
		columns = dataset_default_columns(a->relid, a->label, exclude, n_exclude, &n);
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

/*
 * Loads, splits and encodes: the frame's label column becomes class
 * indices, the preprocessor is fitted on the train part.
 */
static void
LoadAndEncode(const TrainArgs *a, char **features, int n_features, EncodedData *e)
{
	char	  **columns = palloc(sizeof(char *) * (n_features + 1));
	SegFrame   *frame;
	SegFrame	feat;
	SegColumn  *label_col;
	int		   *y;
	uint8_t    *part;
	int		   *rows[3];
	double	   *encoded;
	int			n;
	char		msg[SEG_ERRMSG_LEN];

	memcpy(columns, features, sizeof(char *) * n_features);
	columns[n_features] = a->label;
	frame = dataset_load(a->relid, columns, n_features + 1, n_features);
	n = frame->n_rows;
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows", get_rel_name(a->relid))));

	label_col = &frame->columns[n_features];
	y = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
	{
		double		v = FRAME_CELL(frame, i, n_features);

		if (SEG_IS_MISSING(v))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("label column \"%s\" contains null values", a->label),
					 errhint("Train on a view that leaves out the rows without a label.")));
		y[i] = (int) v;
	}
	if (label_col->n_categories < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("label column \"%s\" has only one class", a->label),
				 errdetail("Every row has the label \"%s\".", label_col->categories[0]),
				 errhint("A classifier needs at least two classes.")));
	if (label_col->n_categories > MLP_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("label column \"%s\" has %d classes (at most %d)", a->label,
						label_col->n_categories, MLP_MAX_WIDTH)));
	e->n_classes = label_col->n_categories;
	e->class_names = label_col->categories;

	part = palloc(n);
	if (split_stratified(y, n, e->n_classes, a->test_size, a->validation_size,
						 (uint64_t) a->split_seed, (const char *const *) e->class_names,
						 part, msg) != SEG_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s", msg),
				 errhint("Collect more rows of that class, merge it with another, or leave it out.")));

	/* the features alone, as a frame of their own */
	feat.n_rows = n;
	feat.n_cols = n_features;
	feat.columns = frame->columns;
	feat.values = palloc_extended(sizeof(double) * (size_t) n * n_features, MCXT_ALLOC_HUGE);
	for (int i = 0; i < n; i++)
		memcpy(feat.values + (size_t) i * n_features,
			   frame->values + (size_t) i * frame->n_cols, sizeof(double) * n_features);

	for (int p = 0; p < 3; p++)
	{
		rows[p] = palloc(sizeof(int) * n);
		e->n[p] = 0;
	}
	for (int i = 0; i < n; i++)
		rows[part[i]][e->n[part[i]]++] = i;
	segment_raise(prep_fit(&feat, rows[SPLIT_TRAIN], e->n[SPLIT_TRAIN], &e->prep, msg), msg);
	e->d = e->prep->n_outputs;
	if (e->d > MLP_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the features encode to %d inputs (at most %d)", e->d, MLP_MAX_WIDTH),
				 errhint("Leave out text columns with many distinct values.")));
	for (int p = 0; p < 3; p++)
	{
		encoded = palloc_extended(sizeof(double) * (size_t) (e->n[p] > 0 ? e->n[p] : 1) * e->d,
								  MCXT_ALLOC_HUGE);
		segment_raise(prep_transform_frame(e->prep, &feat, rows[p], e->n[p], encoded, msg), msg);
		e->x[p] = encoded;
		e->y[p] = palloc(sizeof(int) * (e->n[p] > 0 ? e->n[p] : 1));
		for (int i = 0; i < e->n[p]; i++)
			e->y[p][i] = y[rows[p][i]];
	}
}

/*
 * Why auto balancing cannot use SMOTE (a class of the train part with
 * fewer rows than SMOTE's k + 1), or NULL when it can.
 */
static char *
SmoteUnusable(const EncodedData *e)
{
	int		   *counts = palloc0(sizeof(int) * e->n_classes);
	int			largest = 0;
	char	   *why = NULL;

	for (int i = 0; i < e->n[SPLIT_TRAIN]; i++)
		counts[e->y[SPLIT_TRAIN][i]]++;
	for (int c = 1; c < e->n_classes; c++)
		if (counts[c] > counts[largest])
			largest = c;
	for (int c = 0; c < e->n_classes && why == NULL; c++)
		if (c != largest && counts[c] < SMOTE_K_NEIGHBORS + 1)
			why = psprintf("class \"%s\" has %d training rows, SMOTE needs %d",
						   e->class_names[c], counts[c], SMOTE_K_NEIGHBORS + 1);
	return why;
}

/*
 * The candidates: a search's trials, or the call's configuration per
 * balance mode (auto) or as given.  Auto balancing leaves SMOTE out when
 * smote_skipped says why.
 */
static SegTrialConfig *
Candidates(const TrainArgs *a, const char *smote_skipped, int *n_out, bool *halving)
{
	SegTrialConfig *out;
	int			n_modes = smote_skipped != NULL ? BALANCE_SMOTE : BALANCE_N_MODES;

	*halving = false;
	if (a->search != NULL)
	{
		SegSearchSpace space;

		segment_parse_search(a->search, &space, halving);
		if (a->balance_auto && space.dims[SEARCH_BALANCE].kind == SEARCH_ABSENT)
		{
			SearchDim  *d = &space.dims[SEARCH_BALANCE];

			d->kind = SEARCH_CHOICES;
			d->n_choices = n_modes;
			d->choices = palloc(sizeof(double) * n_modes);
			for (int b = 0; b < n_modes; b++)
				d->choices[b] = b;
		}
		out = palloc(sizeof(SegTrialConfig) * a->trials);
		search_trials(&space, &a->base, a->trials, (uint64_t) a->seed, out, n_out);
		return out;
	}
	if (!a->balance_auto)
	{
		out = palloc(sizeof(SegTrialConfig));
		out[0] = a->base;
		*n_out = 1;
		return out;
	}
	out = palloc(sizeof(SegTrialConfig) * n_modes);
	for (int b = 0; b < n_modes; b++)
	{
		out[b] = a->base;
		out[b].balance = b;
	}
	*n_out = n_modes;
	return out;
}

/* The report's reason for the balance mode. */
static char *
BalanceReason(const TrainArgs *a, const SegTrialConfig *configs, const double *trial_f1,
			  int n_configs, const char *smote_skipped)
{
	StringInfoData buf;

	if (!a->balance_auto)
		return "set by the balance argument";
	initStringInfo(&buf);
	if (a->search == NULL)
	{
		appendStringInfoString(&buf, "highest validation macro-F1 of");
		for (int t = 0; t < n_configs; t++)
			appendStringInfo(&buf, "%s %s %s", t > 0 ? "," : "",
							 balance_name(configs[t].balance), float8out_internal(trial_f1[t]));
	}
	else
		appendStringInfoString(&buf, "the balance of the search's best trial by validation macro-F1");
	if (smote_skipped != NULL)
		appendStringInfo(&buf, " (smote not tried: %s)", smote_skipped);
	return buf.data;
}

static double
ElapsedMs(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_MILLISEC(now);
}

/*
 * segment.segment_train(name, relation, label, features, exclude, hidden,
 * dropout, batch_norm, l2, epochs, batch_size, learning_rate, patience,
 * balance, test_size, validation_size, search, trials, seed, deploy)
 * -> jsonb report.
 */
Datum
segment_train(PG_FUNCTION_ARGS)
{
	TrainArgs	a;
	EncodedData e;
	SegTrainSet set;
	SegTrialConfig *configs;
	int			n_configs;
	bool		halving;
	char	   *smote_skipped;
	SegCandidate best;
	StringInfoData trials_json;
	StringInfoData schedule;
	double	   *trial_f1;
	StringInfoData report;
	StringInfoData metrics_json;
	MemoryContext work;
	MemoryContext old;
	instr_time	start;
	double		load_ms;
	double		train_ms;
	double		evaluate_ms;
	SegMetrics *test;
	double		test_log_loss;
	SegWriter	w;
	bytea	   *model;
	char	   *spec;
	int			version;
	bool		deploy;
	const char *deploy_reason;
	char	  **features;
	int			n_features;
	Jsonb	   *result;

	INSTR_TIME_SET_CURRENT(start);
	ParseArgs(fcinfo, &a);
	work = AllocSetContextCreate(CurrentMemoryContext, "segment_train",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "segment_train");

	memset(&e, 0, sizeof(e));
	features = FeatureColumns(&a, &n_features);
	LoadAndEncode(&a, features, n_features, &e);
	load_ms = ElapsedMs(start);

	smote_skipped = a.balance_auto ? SmoteUnusable(&e) : NULL;
	configs = Candidates(&a, smote_skipped, &n_configs, &halving);
	set.n_features = e.d;
	set.n_classes = e.n_classes;
	set.x_train = e.x[SPLIT_TRAIN];
	set.y_train = e.y[SPLIT_TRAIN];
	set.n_train = e.n[SPLIT_TRAIN];
	set.x_val = e.x[SPLIT_VALIDATION];
	set.y_val = e.y[SPLIT_VALIDATION];
	set.n_val = e.n[SPLIT_VALIDATION];

	initStringInfo(&trials_json);
	initStringInfo(&schedule);
	trial_f1 = palloc(sizeof(double) * n_configs);
	segment_run_trials(&set, configs, n_configs, a.epochs, a.patience, a.seed, halving,
					   &trials_json, &schedule, trial_f1, &best);
	train_ms = ElapsedMs(start) - load_ms;

	/* the test part, touched once, by the chosen model only */
	{
		MlpDense   *dense = mlp_dense_create(best.mlp);
		int			nt = e.n[SPLIT_TEST];
		double	   *proba = palloc(sizeof(double) * (size_t) nt * e.n_classes);
		int		   *predicted = palloc(sizeof(int) * nt);

		mlp_dense_predict(dense, e.x[SPLIT_TEST], nt, proba);
		for (int i = 0; i < nt; i++)
			predicted[i] = mlp_argmax(proba + (size_t) i * e.n_classes, e.n_classes);
		test = metrics_compute(e.y[SPLIT_TEST], predicted, nt, e.n_classes);
		test_log_loss = metrics_log_loss(proba, e.y[SPLIT_TEST], nt, e.n_classes);
	}
	initStringInfo(&metrics_json);
	json_append_metrics(&metrics_json, test, e.class_names, test_log_loss);

	writer_init(&w, 4096);
	classifier_write(&w, e.prep, e.class_names, best.mlp);
	model = segment_writer_to_bytea(&w);
	spec = segment_train_spec(&a, features, n_features);
	evaluate_ms = ElapsedMs(start) - load_ms - train_ms;

	version = segment_train_register(&a, model, spec, metrics_json.data, test->macro.f1,
									 &deploy, &deploy_reason);

	initStringInfo(&report);
	appendStringInfoString(&report, "{\"name\": ");
	escape_json(&report, a.name);
	appendStringInfo(&report, ", \"version\": %d, \"deployed\": %s, \"deploy_reason\": ",
					 version, deploy ? "true" : "false");
	escape_json(&report, deploy_reason);
	appendStringInfo(&report, ", \"rows\": {\"train\": %d, \"validation\": %d, \"test\": %d}",
					 e.n[SPLIT_TRAIN], e.n[SPLIT_VALIDATION], e.n[SPLIT_TEST]);
	appendStringInfo(&report, ", \"features\": %d, \"inputs\": %d, \"classes\": %d",
					 n_features, e.d, e.n_classes);
	appendStringInfo(&report, ", \"balance\": {\"mode\": \"%s\", \"chosen\": \"%s\", \"reason\": ",
					 a.balance_auto ? "auto" : balance_name(a.base.balance),
					 balance_name(best.config.balance));
	escape_json(&report, BalanceReason(&a, configs, trial_f1, n_configs, smote_skipped));
	appendStringInfoString(&report, "}, \"schedule\": ");
	escape_json(&report, schedule.data);
	appendStringInfoString(&report, ", \"hyperparameters\": ");
	json_append_config(&report, &best.config, a.epochs, a.patience,
					   balance_name(best.config.balance));
	appendStringInfo(&report, ", \"epochs_run\": %d, \"best_epoch\": %d, \"validation\": {\"loss\": ",
					 best.fit.epochs_run, best.fit.best_epoch);
	json_append_float8(&report, best.fit.val_loss);
	appendStringInfoString(&report, ", \"accuracy\": ");
	json_append_float8(&report, best.val->accuracy);
	appendStringInfoString(&report, ", \"macro_f1\": ");
	json_append_float8(&report, best.val->macro.f1);
	appendStringInfoString(&report, "}, \"test\": ");
	appendStringInfoString(&report, metrics_json.data);
	appendStringInfo(&report, ", \"trials\": [%s], \"timings_ms\": {\"load\": ", trials_json.data);
	json_append_float8(&report, rint(load_ms * 10) / 10);
	appendStringInfoString(&report, ", \"train\": ");
	json_append_float8(&report, rint(train_ms * 10) / 10);
	appendStringInfoString(&report, ", \"evaluate\": ");
	json_append_float8(&report, rint(evaluate_ms * 10) / 10);
	appendStringInfoString(&report, ", \"total\": ");
	json_append_float8(&report, rint(ElapsedMs(start) * 10) / 10);
	appendStringInfoString(&report, "}}");

	segment_budget_end();
	MemoryContextSwitchTo(old);
	result = segment_jsonb_from_text(report.data);
	MemoryContextDelete(work);
	PG_RETURN_JSONB_P(result);
}
