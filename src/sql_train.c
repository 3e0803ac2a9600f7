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

#include "dataset.h"
#include "mlp.h"
#include "pg_core.h"
#include "split.h"
#include "sql_train.h"
#include "supervised_model.h"

PG_FUNCTION_INFO_V1(segment_train);

/*
 * Why auto balancing cannot use SMOTE (a class of the train part with
 * fewer rows than SMOTE's k + 1), or NULL when it can.
 */
static char *
SmoteUnusable(const TrainData *e)
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

		segment_parse_search(a->search, a->base.learner, &space, halving);
		if (a->balance_auto)
		{
			bool		has_balance = false;

			for (int p = 0; p < space.n_dims; p++)
				has_balance |= space.dims[p].spec == NULL;
			if (!has_balance)
			{
				SearchDim  *d = &space.dims[space.n_dims++];

				memset(d, 0, sizeof(*d));
				d->kind = SEARCH_CHOICES;
				d->n_choices = n_modes;
				d->choices = palloc(sizeof(double) * n_modes);
				for (int b = 0; b < n_modes; b++)
					d->choices[b] = b;
			}
		}
		out = palloc(sizeof(SegTrialConfig) * a->trials);
		search_trials(&space, &a->base, a->trials, (uint64_t) a->seed, out, n_out);
		return out;
	}
	if (!a->balance_auto)
	{
		out = palloc(sizeof(SegTrialConfig));
		out[0] = trial_config_copy(&a->base);
		*n_out = 1;
		return out;
	}
	out = palloc(sizeof(SegTrialConfig) * n_modes);
	for (int b = 0; b < n_modes; b++)
	{
		out[b] = trial_config_copy(&a->base);
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

/* The most probable class of each of n rows of probabilities. */
static int *
ArgmaxRows(const double *proba, int n, int k)
{
	int		   *out = palloc(sizeof(int) * Max(n, 1));

	for (int i = 0; i < n; i++)
		out[i] = mlp_argmax(proba + (size_t) i * k, k);
	return out;
}

/*
 * segment.segment_train(name, relation, label, features, exclude, hidden,
 * dropout, batch_norm, l2, epochs, batch_size, learning_rate, patience,
 * balance, test_size, validation_size, search, trials, seed, deploy,
 * split_seed, model, task, params) -> jsonb report.
 */
Datum
segment_train(PG_FUNCTION_ARGS)
{
	TrainArgs	a;
	TrainData	e;
	SegTrainSet set;
	SegTrialConfig *configs;
	int			n_configs;
	bool		halving;
	char	   *smote_skipped;
	SegCandidate best;
	StringInfoData trials_json;
	StringInfoData schedule;
	double	   *trial_score;
	StringInfoData report;
	StringInfoData metrics_json;
	MemoryContext work;
	MemoryContext old;
	instr_time	start;
	double		load_ms;
	double		train_ms;
	double		evaluate_ms;
	double		test_score;
	SegWriter	w;
	SegSupervised sup;
	bytea	   *model;
	char	   *spec;
	int			version;
	bool		deploy;
	const char *deploy_reason;
	char	  **features;
	int			n_features;
	Jsonb	   *result;
	bool		classification;
	int			n_outputs;

	INSTR_TIME_SET_CURRENT(start);
	segment_train_parse_args(fcinfo, &a);
	work = AllocSetContextCreate(CurrentMemoryContext, "segment_train",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);

	memset(&e, 0, sizeof(e));
	features = segment_train_feature_columns(&a, &n_features);
	segment_train_load(&a, features, n_features, &e);
	classification = e.task == SEG_TASK_CLASSIFICATION;
	n_outputs = classification ? e.n_classes : 1;
	if (a.base.learner->check != NULL)
	{
		char		msg[SEG_ERRMSG_LEN];

		if (a.base.learner->check(a.base.params, e.task, msg) != SEG_OK)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", msg)));
	}
	load_ms = ElapsedMs(start);

	/* balancing is about classes: a regressor trains on its rows as they are */
	if (!classification)
	{
		if (!a.balance_auto && a.base.balance != BALANCE_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("balance %s applies to classification only", balance_name(a.base.balance)),
					 errhint("The task is regression (%s); use balance => 'none'.", e.task_reason)));
		a.balance_auto = false;
		a.base.balance = BALANCE_NONE;
	}
	smote_skipped = a.balance_auto ? SmoteUnusable(&e) : NULL;
	configs = Candidates(&a, smote_skipped, &n_configs, &halving);
	segment_train_set(&e, &set);

	initStringInfo(&trials_json);
	initStringInfo(&schedule);
	trial_score = palloc(sizeof(double) * n_configs);
	segment_run_trials(&set, configs, n_configs, a.seed, halving, &trials_json, &schedule,
					   trial_score, &best);
	train_ms = ElapsedMs(start) - load_ms;

	/* the test part, touched once, by the chosen model only */
	initStringInfo(&metrics_json);
	{
		int			nt = e.n[SPLIT_TEST];
		double	   *out = palloc(sizeof(double) * (size_t) Max(nt, 1) * n_outputs);

		best.config.learner->predict(best.model, e.x[SPLIT_TEST], nt, out);
		if (classification)
		{
			int		   *predicted = ArgmaxRows(out, nt, e.n_classes);
			SegMetrics *test = metrics_compute(e.y[SPLIT_TEST], predicted, nt, e.n_classes);

			json_append_metrics(&metrics_json, test, e.class_names,
								metrics_log_loss(out, e.y[SPLIT_TEST], nt, e.n_classes));
			test_score = test->macro.f1;
		}
		else
		{
			SegRegressionMetrics rm;

			metrics_regression(e.v[SPLIT_TEST], out, nt, &rm);
			json_append_regression_metrics(&metrics_json, &rm);
			test_score = rm.r2;
		}
	}

	memset(&sup, 0, sizeof(sup));
	sup.task = e.task;
	sup.learner = best.config.learner;
	sup.prep = e.prep;
	sup.schema = e.schema;
	sup.n_classes = e.n_classes;
	sup.class_names = e.class_names;
	sup.n_outputs = n_outputs;
	sup.model = best.model;
	writer_init(&w, 4096);
	supervised_write(&w, &sup);
	model = segment_writer_to_bytea(&w);
	spec = segment_train_spec(&a, &e, features, n_features);
	evaluate_ms = ElapsedMs(start) - load_ms - train_ms;

	version = segment_train_register(&a, e.task, model, spec, metrics_json.data, test_score,
									 &deploy, &deploy_reason);

	initStringInfo(&report);
	appendStringInfoString(&report, "{\"name\": ");
	escape_json(&report, a.name);
	appendStringInfo(&report, ", \"version\": %d, \"deployed\": %s, \"deploy_reason\": ",
					 version, deploy ? "true" : "false");
	escape_json(&report, deploy_reason);
	appendStringInfoString(&report, ", \"model\": ");
	escape_json(&report, best.config.learner->name);
	appendStringInfo(&report, ", \"task\": \"%s\", \"task_reason\": ",
					 classification ? "classification" : "regression");
	escape_json(&report, e.task_reason);
	appendStringInfo(&report, ", \"rows\": {\"train\": %d, \"validation\": %d, \"test\": %d}",
					 e.n[SPLIT_TRAIN], e.n[SPLIT_VALIDATION], e.n[SPLIT_TEST]);
	appendStringInfo(&report, ", \"features\": %d, \"inputs\": %d", n_features, e.d);
	if (classification)
	{
		appendStringInfo(&report, ", \"classes\": %d", e.n_classes);
		appendStringInfo(&report, ", \"balance\": {\"mode\": \"%s\", \"chosen\": \"%s\", \"reason\": ",
						 a.balance_auto ? "auto" : balance_name(a.base.balance),
						 balance_name(best.config.balance));
		escape_json(&report, BalanceReason(&a, configs, trial_score, n_configs, smote_skipped));
		appendStringInfoChar(&report, '}');
	}
	appendStringInfoString(&report, ", \"schedule\": ");
	escape_json(&report, schedule.data);
	appendStringInfoString(&report, ", \"hyperparameters\": ");
	json_append_config(&report, &best.config, balance_name(best.config.balance));
	appendStringInfo(&report, ", \"epochs_run\": %d, \"best_epoch\": %d, \"validation\": {\"loss\": ",
					 best.fit.iterations, best.fit.best_iteration);
	json_append_float8(&report, best.fit.val_loss);
	if (classification)
	{
		appendStringInfoString(&report, ", \"accuracy\": ");
		json_append_float8(&report, best.val->accuracy);
		appendStringInfoString(&report, ", \"macro_f1\": ");
		json_append_float8(&report, best.val->macro.f1);
	}
	else
	{
		appendStringInfoString(&report, ", \"r2\": ");
		json_append_float8(&report, best.val_regression.r2);
		appendStringInfoString(&report, ", \"mae\": ");
		json_append_float8(&report, best.val_regression.mae);
	}
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

	MemoryContextSwitchTo(old);
	result = segment_jsonb_from_text(report.data);
	MemoryContextDelete(work);
	PG_RETURN_JSONB_P(result);
}
