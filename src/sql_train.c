/*-------------------------------------------------------------------------
 *
 * sql_train.c
 *	  segment_train(): the supervised pipeline from a relation to a
 *	  registered, evaluated classifier or regressor.
 *
 * One scan loads features and label; a split by each row's key makes
 * train / validation / test parts; the preprocessor is fitted on the
 * train part only and balancing (class weights or SMOTE) touches the
 * train part only, so the test figures are honest.  Candidates (balance
 * modes, the learners of model => 'auto', search trials) are scored on
 * the validation part and one is kept (sql_trials.c); it alone is scored
 * on the test part, saved as the next version of the name, and deployed
 * by the `deploy` policy.  Everything runs inside the calling statement:
 * a cancel or an error leaves the registry unchanged.
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
#include "utils/timestamp.h"

#include "dataset.h"
#include "pg_json.h"
#include "mlp.h"
#include "pg_core.h"
#include "registry.h"
#include "split.h"
#include "sql_train.h"
#include "supervised_model.h"

PG_FUNCTION_INFO_V1(segment_train);

/* fewer validation rows than this in a class: a warning */
#define MIN_VALIDATION_ROWS 5

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

/* Learners model => 'auto' tries, simplest first (rank = simplicity). */
static const char *const auto_learners[] = {"logistic", "gbdt", "mlp"};

/* A learner's settings for model => 'auto': params->"<name>", else defaults. */
static SegTrialConfig
AutoConfig(const TrainArgs *a, const SegLearner *l)
{
	SegTrialConfig c;

	c.learner = l;
	c.balance = a->base.balance;
	if (l == a->base.learner)
	{
		/* the learner the dedicated arguments were parsed into (the MLP) */
		c.params = a->base.params;
		return trial_config_copy(&c);
	}
	c.params = palloc0(l->params_size);
	params_defaults(l->params, l->n_params, c.params);
	if (a->params_json != NULL)
		segment_train_learner_params(a->params_json, l, c.params);
	return c;
}

/*
 * The candidates: a search's trials, or per learner (several for
 * model => 'auto') the call's settings per balance mode (auto) or as
 * given.  simplicity gets each one's rank (NULL for a search).  Auto
 * balancing leaves SMOTE out when smote_skipped says why, and for
 * learners that read the columns as they are.
 */
static SegTrialConfig *
Candidates(const TrainArgs *a, SegTask task, const char *smote_skipped, int *n_out,
		   int **simplicity, bool *halving)
{
	SegTrialConfig *out;
	const SegLearner *learners[lengthof(auto_learners)];
	int			n_learners = 0;
	int			n = 0;

	*halving = false;
	*simplicity = NULL;
	if (a->search != NULL)
	{
		SegSearchSpace space;
		int			n_modes = smote_skipped != NULL || a->base.learner->input != SEG_INPUT_ENCODED ?
			BALANCE_SMOTE : BALANCE_N_MODES;

		segment_parse_search(a->search, a->base.learner, &space, halving);
		if (a->balance_auto && task == SEG_TASK_CLASSIFICATION)
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

	if (a->auto_model)
	{
		for (int i = 0; i < (int) lengthof(auto_learners); i++)
		{
			const SegLearner *l = learner_find(auto_learners[i]);

			if (l != NULL && (task == SEG_TASK_REGRESSION ? l->regression : l->classification))
				learners[n_learners++] = l;
		}
	}
	else
		learners[n_learners++] = a->base.learner;

	out = palloc(sizeof(SegTrialConfig) * n_learners * BALANCE_N_MODES);
	*simplicity = palloc(sizeof(int) * n_learners * BALANCE_N_MODES);
	for (int i = 0; i < n_learners; i++)
	{
		SegTrialConfig base = a->auto_model ? AutoConfig(a, learners[i]) : a->base;
		bool		balancing = a->balance_auto && task == SEG_TASK_CLASSIFICATION;
		int			n_modes = !balancing ? 1 :
			smote_skipped != NULL || learners[i]->input != SEG_INPUT_ENCODED ?
			BALANCE_SMOTE : BALANCE_N_MODES;

		for (int b = 0; b < n_modes; b++)
		{
			out[n] = trial_config_copy(&base);
			if (balancing)
				out[n].balance = b;
			/* simpler learner first, then the simpler balance */
			(*simplicity)[n] = i * BALANCE_N_MODES + out[n].balance;
			n++;
		}
	}
	*n_out = n;
	return out;
}

/* The report's reason for the balance mode. */
static char *
BalanceReason(const TrainArgs *a, const TrialRun *run, const char *smote_skipped)
{
	StringInfoData buf;

	if (!a->balance_auto)
		return "set by the balance argument";
	initStringInfo(&buf);
	if (a->search == NULL)
	{
		appendStringInfoString(&buf, "validation macro-F1 of");
		for (int t = 0; t < run->n; t++)
			appendStringInfo(&buf, "%s %s%s%s %s", t > 0 ? "," : "",
							 a->auto_model ? run->trials[t].config.learner->name : "",
							 a->auto_model ? " " : "",
							 balance_name(run->trials[t].config.balance),
							 float8out_internal(run->trials[t].score));
		appendStringInfo(&buf, "; %s", run->by_rule ?
						 "kept the simplest within one standard error of the best" :
						 "kept the best");
	}
	else
		appendStringInfoString(&buf, "the balance of the search's best trial by validation macro-F1");
	if (smote_skipped != NULL)
		appendStringInfo(&buf, " (smote not tried: %s)", smote_skipped);
	return buf.data;
}

/*
 * Warnings about the data: classes with so few validation rows that the
 * validation scores ranking the candidates are mostly noise.
 */
static void
CheckValidation(const TrainData *e, TrainOutcome *o)
{
	int		   *counts;
	StringInfoData few;
	int			n_few = 0;

	if (e->task != SEG_TASK_CLASSIFICATION || e->n[SPLIT_VALIDATION] == 0)
		return;
	counts = palloc0(sizeof(int) * e->n_classes);
	for (int i = 0; i < e->n[SPLIT_VALIDATION]; i++)
		counts[e->y[SPLIT_VALIDATION][i]]++;
	initStringInfo(&few);
	for (int c = 0; c < e->n_classes; c++)
		if (counts[c] < MIN_VALIDATION_ROWS)
		{
			/* name the first few; count the rest */
			if (n_few < 3)
				appendStringInfo(&few, "%s\"%s\" (%d)", n_few > 0 ? ", " : "",
								 e->class_names[c], counts[c]);
			n_few++;
		}
	if (n_few > 0)
	{
		char	   *w = psprintf("%d class%s fewer than %d validation rows, %s%s: validation scores of those classes are mostly noise",
								 n_few, n_few == 1 ? " has" : "es have", MIN_VALIDATION_ROWS,
								 few.data, n_few > 3 ? ", ..." : "");

		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s", w),
				 errhint("Raise validation_size, or collect more rows of those classes.")));
		o->warnings[o->n_warnings++] = w;
	}
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
 * The train part is scored on at most this many of its rows, evenly
 * spaced in its canonical order.  Its figures say how closely the model
 * follows the rows it learned from, which a sample this size measures to
 * about 0.003; scoring all 900,000 train rows of a 1M-row table took 6%
 * of a gbdt training call.
 */
#define TRAIN_SCORED_ROWS 100000

/* The kept model's figures on part p, from at most max_rows of its rows. */
static void
ScorePart(const TrainData *e, const SegCandidate *m, int p, int max_rows, PartScores *scores)
{
	SegInputForm form = m->config.learner->input;
	int			d = e->schema[form].n_inputs;
	int			k = e->task == SEG_TASK_CLASSIFICATION ? e->n_classes : 1;
	int			n = e->n[p];
	int			take = Min(n, max_rows);
	const double *x = e->x[form][p];
	const int  *y = e->y[p];
	const double *v = e->v[p];
	double	   *out = seg_alloc_array((size_t) Max(take, 1) * k, sizeof(double));

	if (take < n)
	{
		double	   *xs = seg_alloc_array((size_t) take * d, sizeof(double));
		int		   *ys = y != NULL ? palloc(sizeof(int) * (size_t) take) : NULL;
		double	   *vs = v != NULL ? palloc(sizeof(double) * (size_t) take) : NULL;

		for (int i = 0; i < take; i++)
		{
			int			r = (int) ((int64) i * n / take);

			memcpy(xs + (size_t) i * d, x + (size_t) r * d, sizeof(double) * d);
			if (ys != NULL)
				ys[i] = y[r];
			if (vs != NULL)
				vs[i] = v[r];
		}
		x = xs;
		y = ys;
		v = vs;
	}
	learner_predict(m->config.learner, m->model, x, take, d, k, out, segment_hooks());
	evaluation_score(e->task, e->n_classes, y, v, out, take, scores);
	scores->rows = n;
	pfree(out);
	if (take < n)
	{
		pfree((void *) x);
		if (y != NULL)
			pfree((void *) y);
		if (v != NULL)
			pfree((void *) v);
	}
}

/* The kept model's figures on every part, and the baseline's on test. */
static void
Evaluate(const TrainData *e, const TrialRun *run, TrainEvaluation *ev)
{
	const SegCandidate *m = &run->model;
	int			k = e->task == SEG_TASK_CLASSIFICATION ? e->n_classes : 1;
	double	   *out;

	ScorePart(e, m, SPLIT_TRAIN, TRAIN_SCORED_ROWS, &ev->train);
	ScorePart(e, m, SPLIT_VALIDATION, INT_MAX, &ev->validation);
	ScorePart(e, m, SPLIT_TEST, INT_MAX, &ev->test);
	out = seg_alloc_array((size_t) Max(e->n[SPLIT_TEST], 1) * k, sizeof(double));
	evaluation_baseline(e->task, e->n_classes, e->y[SPLIT_TRAIN], e->v[SPLIT_TRAIN],
						e->n[SPLIT_TRAIN], e->n[SPLIT_TEST], out);
	evaluation_score(e->task, e->n_classes, e->y[SPLIT_TEST], e->v[SPLIT_TEST], out,
					 e->n[SPLIT_TEST], &ev->baseline);
}

/* The model value: preprocessor, what the label means, the learner's model. */
static bytea *
ModelBytes(const TrainData *e, const SegCandidate *m)
{
	SegSupervised sup;
	SegWriter	w;

	memset(&sup, 0, sizeof(sup));
	sup.task = e->task;
	sup.learner = m->config.learner;
	sup.prep = e->prep;
	sup.schema = e->schema[m->config.learner->input];
	sup.n_classes = e->n_classes;
	sup.class_names = e->class_names;
	sup.n_outputs = e->task == SEG_TASK_CLASSIFICATION ? e->n_classes : 1;
	sup.model = m->model;
	writer_init(&w, 4096);
	supervised_write(&w, &sup);
	return segment_writer_to_bytea(&w);
}

/*
 * The one line a non-interactive run (a scheduled job) logs instead of
 * progress messages.
 */
static void
Summarize(const TrainArgs *a, int32 version, const Deployment *d)
{
	if (!segment_progress_summary())
		return;
	if (version > 0)
		ereport(LOG,
				(errmsg("segment_train: model \"%s\" version %d %s: %s", a->name, version,
						d->deployed ? "deployed" : "not deployed", d->reason)));
	else
		ereport(LOG,
				(errmsg("segment_train: model \"%s\": no new version: %s", a->name, d->reason)));
}

/*
 * skip_if_unchanged found the latest version trained on these rows with
 * these arguments: the run is recorded, and the report says so.
 */
static Jsonb *
Skipped(const TrainArgs *a, const TrainData *e, TimestampTz started, int32 same)
{
	Deployment	d;
	JsonBuilder b;
	int64		run;

	memset(&d, 0, sizeof(d));
	d.new_score = NAN;
	d.deployed_score = NAN;
	d.reason = psprintf("the rows (%d), the arguments and the library version are those version %d was trained on",
						e->n_rows, same);
	run = segment_train_record(a, e, started, "skipped", 0, &d);
	Summarize(a, 0, &d);
	json_begin(&b);
	json_object_begin(&b);
	json_key_string(&b, "name", a->name);
	json_key_bool(&b, "skipped", true);
	json_key(&b, "version");
	json_null(&b);
	json_key_integer(&b, "same_as_version", same);
	json_key_bool(&b, "deployed", false);
	json_key_string(&b, "reason", d.reason);
	json_key_integer(&b, "rows", e->n_rows);
	if (run > 0)
		json_key_integer(&b, "run", run);
	json_object_end(&b);
	return json_finish(&b);
}

/*
 * segment.segment_train(name, relation, label, features, exclude, hidden,
 * dropout, batch_norm, l2, epochs, batch_size, learning_rate, patience,
 * balance, test_size, validation_size, search, trials, seed, deploy,
 * split_seed, model, task, params, key) -> jsonb report.
 */
Datum
segment_train(PG_FUNCTION_ARGS)
{
	TrainArgs	a;
	TrainData	e;
	SegTrainSet sets[2];
	const SegTrainSet *set_by_form[2] = {&sets[0], &sets[1]};
	SegTrialConfig *configs;
	int		   *simplicity;
	int			n_configs;
	bool		halving;
	char	   *smote_skipped;
	TrialRun	run;
	TrainEvaluation ev;
	TrainOutcome o;
	MemoryContext work;
	MemoryContext old;
	instr_time	start;
	double		test_score;
	bytea	   *model;
	Jsonb	   *metrics;
	char	  **features;
	int			n_features;
	Jsonb	   *result;
	bool		forms[2] = {false, false};
	TimestampTz started = GetCurrentTimestamp();
	Jsonb	   *fingerprint;
	int32		unchanged;
	const char *balance_reason = NULL;

	INSTR_TIME_SET_CURRENT(start);
	segment_train_parse_args(fcinfo, &a);
	/* before the work: may the caller add a version to this name? */
	registry_check_change(a.name);
	work = AllocSetContextCreate(CurrentMemoryContext, "segment_train",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "segment_train");
	memset(&o, 0, sizeof(o));
	o.warnings = palloc(sizeof(char *) * 8);

	/* the input forms the candidate learners read */
	if (a.auto_model)
	{
		for (int i = 0; i < (int) lengthof(auto_learners); i++)
			if (learner_find(auto_learners[i]) != NULL)
				forms[learner_find(auto_learners[i])->input] = true;
	}
	else
		forms[a.base.learner->input] = true;

	memset(&e, 0, sizeof(e));
	features = segment_train_feature_columns(&a, &n_features);
	segment_train_load(&a, features, n_features, forms, &e);

	/*
	 * balancing is about classes: a regressor trains on its rows as they
	 * are.  Settled before the fingerprint, which must be that of the
	 * arguments stored with the version, for retrain to recognise them.
	 */
	if (e.task == SEG_TASK_REGRESSION)
	{
		if (!a.balance_auto && a.base.balance != BALANCE_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("balance %s applies to classification only", balance_name(a.base.balance)),
					 errhint("The task is regression (%s); use balance => 'none'.", e.task_reason)));
		a.balance_auto = false;
		a.base.balance = BALANCE_NONE;
	}
	if (a.balance_auto && a.validation_size == 0.0 && a.cv == 0)
	{
		/* nothing to compare the modes on: the simplest, as the rule would prefer */
		a.balance_auto = false;
		a.base.balance = BALANCE_NONE;
		balance_reason = "validation_size => 0 leaves no rows to compare balance modes on: none, the simplest";
	}
	fingerprint = segment_train_fingerprint(&a, &e, features, n_features);
	unchanged = segment_train_unchanged(&a, fingerprint);
	if (unchanged > 0)
	{
		result = Skipped(&a, &e, started, unchanged);
		segment_budget_end();
		MemoryContextSwitchTo(old);
		result = DatumGetJsonbPCopy(JsonbPGetDatum(result));
		MemoryContextDelete(work);
		PG_RETURN_JSONB_P(result);
	}
	if (!a.auto_model && a.base.learner->check != NULL)
	{
		char		msg[SEG_ERRMSG_LEN];

		if (a.base.learner->check(a.base.params, e.task, msg) != SEG_OK)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", msg)));
	}
	o.load_ms = ElapsedMs(start);

	CheckValidation(&e, &o);
	smote_skipped = a.balance_auto ? SmoteUnusable(&e) : NULL;
	configs = Candidates(&a, e.task, smote_skipped, &n_configs, &simplicity, &halving);
	for (int f = 0; f < 2; f++)
		if (forms[f])
			segment_train_set(&e, (SegInputForm) f, &sets[f]);

	segment_run_trials(&e, set_by_form, configs, simplicity, n_configs, a.seed, halving, &run);
	o.train_ms = ElapsedMs(start) - o.load_ms;

	/* the test part is scored once, by the kept model only */
	memset(&ev, 0, sizeof(ev));
	Evaluate(&e, &run, &ev);
	test_score = e.task == SEG_TASK_CLASSIFICATION ? ev.test.metrics->macro.f1 :
		ev.test.regression.r2;
	model = ModelBytes(&e, &run.model);
	segment_train_decide(&a, &e, features, n_features, model, test_score, &o.deployment);
	o.balance_reason = balance_reason != NULL ? balance_reason :
		BalanceReason(&a, &run, smote_skipped);
	metrics = segment_train_metrics(&a, &e, &run, &ev, &o);
	o.evaluate_ms = ElapsedMs(start) - o.load_ms - o.train_ms;
	o.version = registry_save(a.name, model,
							  segment_train_spec(&a, &e, features, n_features, fingerprint),
							  metrics, o.deployment.deployed);
	o.run = segment_train_record(&a, &e, started, "trained", o.version, &o.deployment);
	o.total_ms = ElapsedMs(start);

	result = segment_train_report(&a, &e, &run, &ev, &o, n_features);
	Summarize(&a, o.version, &o.deployment);
	segment_budget_end();
	MemoryContextSwitchTo(old);
	result = DatumGetJsonbPCopy(JsonbPGetDatum(result));
	MemoryContextDelete(work);
	PG_RETURN_JSONB_P(result);
}
