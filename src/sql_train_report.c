/*-------------------------------------------------------------------------
 *
 * sql_train_report.c
 *	  The JSON segment_train writes: the report it returns, the metrics
 *	  and the spec it stores with the model (all through the jsonb
 *	  builder of pg_json.h).
 *
 * The stored metrics are the test part's figures (what evaluate(),
 * confusion_matrix() and model_metrics() read), with the train and
 * validation figures, the no-feature baseline on the test rows and the
 * training history beside them.  The spec holds every argument of the
 * call by name (what retrain() passes back) and the split.
 *
 * IDENTIFICATION
 *	  src/sql_train_report.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"

#include "fingerprint.h"
#include "pg_json.h"
#include "sql_train.h"

/* One setting's value: a number, word, boolean or list. */
static void
Setting(JsonBuilder *b, const SegParamSpec *spec, const void *params)
{
	if (spec->type == SEG_PARAM_INT_LIST)
	{
		const SegIntList *list = params_get_list(spec, params);

		json_array_begin(b);
		for (int i = 0; i < list->n; i++)
			json_integer(b, list->v[i]);
		json_array_end(b);
	}
	else
	{
		double		v = params_get_number(spec, params);
		const char *word = params_word_of(spec, v);

		if (word != NULL)
			json_string(b, word);
		else if (spec->type == SEG_PARAM_BOOL)
			json_bool(b, v != 0.0);
		else if (spec->type == SEG_PARAM_INT)
			json_integer(b, (int64) v);
		else
			json_number(b, v);
	}
}

void
report_settings(JsonBuilder *b, const SegLearner *l, const void *params)
{
	json_object_begin(b);
	for (int i = 0; i < l->n_params; i++)
	{
		json_key(b, l->params[i].name);
		Setting(b, &l->params[i], params);
	}
	json_object_end(b);
}

/* A candidate's settings, its balance mode (and model, when several compete). */
static void
Config(JsonBuilder *b, const SegTrialConfig *c, bool with_model)
{
	const SegLearner *l = c->learner;

	json_object_begin(b);
	if (with_model)
		json_key_string(b, "model", l->name);
	for (int i = 0; i < l->n_params; i++)
	{
		json_key(b, l->params[i].name);
		Setting(b, &l->params[i], c->params);
	}
	json_key_string(b, "balance", balance_name(c->balance));
	json_object_end(b);
}

static void
ClassScores(JsonBuilder *b, const SegClassScores *s)
{
	json_object_begin(b);
	json_key_number(b, "precision", s->precision);
	json_key_number(b, "recall", s->recall);
	json_key_number(b, "f1", s->f1);
	json_key_integer(b, "support", s->support);
	json_object_end(b);
}

/* The headline figures of a part (train, validation, baseline). */
static void
Summary(JsonBuilder *b, SegTask task, const PartScores *s, double loss)
{
	json_object_begin(b);
	json_key_integer(b, "rows", s->rows);
	if (s->scored_rows < s->rows)
		json_key_integer(b, "scored_rows", s->scored_rows);
	if (s->rows == 0)
	{
		/* validation_size => 0: no figures */
	}
	else if (task == SEG_TASK_CLASSIFICATION)
	{
		json_key_number(b, "accuracy", s->metrics->accuracy);
		json_key_number(b, "macro_f1", s->metrics->macro.f1);
		json_key_number(b, "log_loss", s->log_loss);
		if (!isnan(s->roc_auc))
			json_key_number(b, "roc_auc", s->roc_auc);
	}
	else
	{
		json_key_number(b, "r2", s->regression.r2);
		json_key_number(b, "mae", s->regression.mae);
		json_key_number(b, "rmse", s->regression.rmse);
	}
	if (!isnan(loss))
		json_key_number(b, "loss", loss);
	json_object_end(b);
}

/* The training history: one point per epoch or iteration. */
static void
History(JsonBuilder *b, const SegFitInfo *fit)
{
	json_array_begin(b);
	for (int i = 0; i < fit->n_history; i++)
	{
		json_object_begin(b);
		json_key_integer(b, fit->unit != NULL ? fit->unit : "iteration", i + 1);
		json_key_number(b, "train_loss", fit->history[i].train_loss);
		json_key_number(b, "val_loss", fit->history[i].val_loss);
		json_key_number(b, "val_score", fit->history[i].val_score);
		json_object_end(b);
	}
	json_array_end(b);
}

/* The deploy decision: both scores on the same rows when if_better rescored. */
static void
Deploy(JsonBuilder *b, const Deployment *d)
{
	json_object_begin(b);
	json_key_bool(b, "deployed", d->deployed);
	json_key_string(b, "reason", d->reason);
	if (d->deployed_version > 0)
		json_key_integer(b, "previous_version", d->deployed_version);
	if (d->rescored)
	{
		json_key_integer(b, "rows", d->rows);
		json_key_number(b, "new_score", d->new_score);
		json_key_number(b, "previous_score", d->deployed_score);
	}
	json_object_end(b);
}

/* The test figures' keys, as stored with the model and shown in the report. */
static void
TestMetricsKeys(JsonBuilder *b, const TrainData *e, const TrialRun *run,
				const TrainEvaluation *ev, const Deployment *d)
{
	const PartScores *t = &ev->test;

	json_key_string(b, "task", e->task == SEG_TASK_CLASSIFICATION ? "classification" :
					"regression");
	if (e->task == SEG_TASK_CLASSIFICATION)
	{
		const SegMetrics *m = t->metrics;
		int			k = m->n_classes;

		json_key_number(b, "accuracy", m->accuracy);
		json_key_number(b, "macro_f1", m->macro.f1);
		json_key_number(b, "weighted_f1", m->weighted.f1);
		json_key_number(b, "log_loss", t->log_loss);
		if (k == 2)
		{
			/* scikit-learn's convention: the second class is the positive one */
			json_key_string(b, "positive_class", e->class_names[1]);
			json_key_number(b, "roc_auc", t->roc_auc);
			json_key_number(b, "pr_auc", t->pr_auc);
		}
		json_key_integer(b, "rows", m->n);
		json_key(b, "macro");
		ClassScores(b, &m->macro);
		json_key(b, "weighted");
		ClassScores(b, &m->weighted);
		json_key(b, "classes");
		json_array_begin(b);
		for (int c = 0; c < k; c++)
		{
			json_object_begin(b);
			json_key_string(b, "class", e->class_names[c]);
			json_key_number(b, "precision", m->per_class[c].precision);
			json_key_number(b, "recall", m->per_class[c].recall);
			json_key_number(b, "f1", m->per_class[c].f1);
			json_key_integer(b, "support", m->per_class[c].support);
			json_object_end(b);
		}
		json_array_end(b);
		json_key(b, "confusion_matrix");
		json_array_begin(b);
		for (int a = 0; a < k; a++)
		{
			json_array_begin(b);
			for (int p = 0; p < k; p++)
				json_integer(b, m->confusion[(size_t) a * k + p]);
			json_array_end(b);
		}
		json_array_end(b);
	}
	else
	{
		json_key_number(b, "mae", t->regression.mae);
		json_key_number(b, "rmse", t->regression.rmse);
		json_key_number(b, "r2", t->regression.r2);
		json_key_number(b, "mape", t->regression.mape);
		json_key_number(b, "mean", t->regression.mean_actual);
		json_key_integer(b, "rows", t->regression.n);
	}
	json_key(b, "baseline");
	Summary(b, e->task, &ev->baseline, NAN);
	json_key(b, "train");
	Summary(b, e->task, &ev->train, run->model.fit.train_loss);
	json_key(b, "validation");
	Summary(b, e->task, &ev->validation, run->model.fit.val_loss);
	json_key_string(b, "model", run->model.config.learner->name);
	json_key_string(b, "history_unit", run->model.fit.unit);
	json_key(b, "history");
	History(b, &run->model.fit);
	if (d != NULL)
	{
		json_key(b, "deployment");
		Deploy(b, d);
	}
}

static void
TestMetrics(JsonBuilder *b, const TrainData *e, const TrialRun *run,
			const TrainEvaluation *ev, const Deployment *d)
{
	json_object_begin(b);
	TestMetricsKeys(b, e, run, ev, d);
	json_object_end(b);
}

static void Trials(JsonBuilder *b, const TrialRun *run, bool classification,
				   bool several_models, bool timings);
static void Choice(JsonBuilder *b, const TrialRun *run, bool search);

/*
 * The balance: mode asked for, mode chosen and why, and the train part's
 * rows per class before and after balancing (SMOTE brings every class to
 * the majority's count; class weights make each class weigh n / k rows).
 */
static void
Balance(JsonBuilder *b, const TrainArgs *a, const TrainData *e, const TrialRun *run,
		const char *reason)
{
	int			k = e->n_classes;
	int			n = e->n[SPLIT_TRAIN];
	int		   *counts = palloc0(sizeof(int) * Max(k, 1));
	double	   *weights = palloc0(sizeof(double) * Max(k, 1));
	int			chosen = run->model.config.balance;
	int			largest = 0;

	for (int i = 0; i < n; i++)
		counts[e->y[SPLIT_TRAIN][i]]++;
	for (int c = 0; c < k; c++)
		largest = Max(largest, counts[c]);
	balanced_class_weights(e->y[SPLIT_TRAIN], n, k, weights);

	json_object_begin(b);
	json_key_string(b, "mode", a->balance_auto ? "auto" : balance_name(a->base.balance));
	json_key_string(b, "chosen", balance_name(chosen));
	json_key_string(b, "reason", reason);
	json_key(b, "classes");
	json_strings(b, e->class_names, k);
	json_key(b, "train_rows");
	json_array_begin(b);
	for (int c = 0; c < k; c++)
		json_integer(b, counts[c]);
	json_array_end(b);
	json_key_string(b, "balanced_as", chosen == BALANCE_CLASS_WEIGHT ? "weighted rows" : "rows");
	json_key(b, "balanced_rows");
	json_array_begin(b);
	for (int c = 0; c < k; c++)
	{
		if (chosen == BALANCE_SMOTE && counts[c] > 0)
			json_integer(b, largest);
		else if (chosen == BALANCE_CLASS_WEIGHT)
			json_number(b, counts[c] * weights[c]);
		else
			json_integer(b, counts[c]);
	}
	json_array_end(b);
	json_object_end(b);
}

Jsonb *
segment_train_metrics(const TrainArgs *a, const TrainData *e, const TrialRun *run,
					  const TrainEvaluation *ev, const TrainOutcome *o)
{
	JsonBuilder b;
	bool		classification = e->task == SEG_TASK_CLASSIFICATION;

	json_begin(&b);
	json_object_begin(&b);
	TestMetricsKeys(&b, e, run, ev, &o->deployment);
	json_key_integer(&b, "iterations", run->model.fit.iterations);
	json_key_integer(&b, "best_iteration", run->model.fit.best_iteration);
	if (classification)
	{
		json_key(&b, "balance");
		Balance(&b, a, e, run, o->balance_reason);
	}
	json_key(&b, "choice");
	Choice(&b, run, a->search != NULL);
	json_key(&b, "trials");
	Trials(&b, run, classification, a->auto_model, false);
	json_object_end(&b);
	return json_finish(&b);
}

/* The split: key columns, seed and each stratum's thresholds. */
static void
Split(JsonBuilder *b, const TrainArgs *a, const TrainData *e)
{
	json_object_begin(b);
	json_key_string(b, "task", e->task == SEG_TASK_CLASSIFICATION ? "classification" :
					"regression");
	json_key_integer(b, "seed", a->split_seed);
	json_key_string(b, "key_source", e->key_source);
	json_key(b, "key");
	json_strings(b, e->key_columns, e->n_key);
	/* thresholds as decimal strings: they are unsigned 64-bit */
	json_key(b, "strata");
	json_object_begin(b);
	for (int c = 0; c < e->n_strata; c++)
	{
		const SplitThreshold *t = &e->thresholds[c];

		json_key(b, e->task == SEG_TASK_CLASSIFICATION ? e->class_names[c] : "");
		json_array_begin(b);
		if (t->has_test)
			json_string(b, psprintf(UINT64_FORMAT, t->test_max));
		else
			json_null(b);
		if (t->has_validation)
			json_string(b, psprintf(UINT64_FORMAT, t->validation_max));
		else
			json_null(b);
		json_array_end(b);
	}
	json_object_end(b);
	json_object_end(b);
}

/*
 * Every argument under its parameter name (features as resolved, so no
 * exclude; the learner's settings, defaults included, in params); the
 * deploy policy and skip_if_unchanged only when asked, since they do not
 * change what is trained.
 */
static void
Arguments(JsonBuilder *b, const TrainArgs *a, const TrainData *e, char **features,
		  int n_features, bool with_policy)
{
	json_object_begin(b);
	json_key_string(b, "relation",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(a->relid)),
											   get_rel_name(a->relid)));
	json_key_string(b, "label", a->label);
	json_key(b, "features");
	json_strings(b, features, n_features);
	json_key_string(b, "model", a->auto_model ? "auto" : a->base.learner->name);
	json_key_string(b, "task", a->task < 0 ? "auto" :
					a->task == SEG_TASK_REGRESSION ? "regression" : "classification");
	json_key(b, "params");
	if (a->auto_model)
		json_jsonb(b, a->params_json);
	else
		report_settings(b, a->base.learner, a->base.params);
	json_key_string(b, "balance", a->balance_auto ? "auto" : balance_name(a->base.balance));
	json_key_number(b, "test_size", a->test_size);
	json_key_number(b, "validation_size", a->validation_size);
	json_key(b, "search");
	json_jsonb(b, a->search);
	json_key_integer(b, "trials", a->trials);
	json_key_integer(b, "seed", a->seed);
	json_key_integer(b, "split_seed", a->split_seed);
	/* the key argument as given; the resolved key is in "split" */
	json_key(b, "key");
	if (a->key != NULL)
		json_strings(b, e->key_columns, e->n_key);
	else
		json_null(b);
	json_key(b, "cv");
	if (a->cv > 1)
		json_integer(b, a->cv);
	else
		json_null(b);
	if (with_policy)
	{
		json_key_string(b, "deploy", segment_deploy_names[a->deploy]);
		json_key_bool(b, "skip_if_unchanged", a->skip_if_unchanged);
	}
	json_object_end(b);
}

Jsonb *
segment_train_fingerprint(const TrainArgs *a, const TrainData *e, char **features,
						  int n_features)
{
	JsonBuilder args;
	JsonBuilder b;
	char		hex[17];
	char	   *text;

	json_begin(&args);
	Arguments(&args, a, e, features, n_features, false);
	text = JsonbToCString(NULL, &json_finish(&args)->root, 0);
	json_begin(&b);
	json_object_begin(&b);
	fingerprint_hex(e->fingerprint, hex);
	json_key_string(&b, "data", hex);
	json_key_integer(&b, "rows", e->n_rows);
	fingerprint_hex(DatumGetUInt64(hash_bytes_extended((const unsigned char *) text,
													   (int) strlen(text), 0)), hex);
	json_key_string(&b, "arguments", hex);
	json_key_string(&b, "library", SEGMENT_VERSION);
	json_object_end(&b);
	return json_finish(&b);
}

/*
 * {"function": "segment_train", "arguments": {...}, "split": {...},
 * "fingerprint": {...}}: the arguments from which segment.retrain builds
 * the call generically, the split, and what skip_if_unchanged compares.
 */
Jsonb *
segment_train_spec(const TrainArgs *a, const TrainData *e, char **features, int n_features,
				   Jsonb *fingerprint)
{
	JsonBuilder b;

	json_begin(&b);
	json_object_begin(&b);
	json_key_string(&b, "function", "segment_train");
	json_key(&b, "arguments");
	Arguments(&b, a, e, features, n_features, true);
	json_key(&b, "split");
	Split(&b, a, e);
	json_key(&b, "fingerprint");
	json_jsonb(&b, fingerprint);
	json_object_end(&b);
	return json_finish(&b);
}

/*
 * The candidates: settings, validation figures, epochs; their training
 * times only in the report (the stored metrics stay the same for the
 * same call).
 */
static void
Trials(JsonBuilder *b, const TrialRun *run, bool classification, bool several_models,
	   bool timings)
{
	json_array_begin(b);
	for (int t = 0; t < run->n; t++)
	{
		const TrialResult *r = &run->trials[t];

		json_object_begin(b);
		json_key_integer(b, "trial", t + 1);
		json_key(b, "config");
		Config(b, &r->config, several_models);
		json_key_number(b, classification ? "validation_macro_f1" : "validation_r2", r->score);
		if (classification)
			json_key_number(b, "validation_accuracy", r->accuracy);
		json_key_number(b, "validation_loss", r->loss);
		if (run->errors != NULL && t != run->best)
			json_key_number(b, "standard_error_to_best", run->errors[t]);
		if (r->raced_out_at > 0)
			json_key_integer(b, "stopped_by_race_at", r->raced_out_at);
		if (run->cv > 1)
		{
			json_key_integer(b, "cv_folds", run->cv);
			json_key_number(b, "cv_std", r->cv_std);
		}
		json_key_integer(b, "epochs_run", r->iterations);
		json_key_integer(b, "best_epoch", r->best_iteration);
		json_key_integer(b, "train_rows", r->train_rows);
		json_key(b, "rungs");
		json_array_begin(b);
		for (int g = 0; g < r->n_rungs; g++)
		{
			json_object_begin(b);
			if (r->rung_iterations[g] > 0)
				json_key_integer(b, "epochs", r->rung_iterations[g]);
			json_key_number(b, classification ? "validation_macro_f1" : "validation_r2",
							r->rung_score[g]);
			json_object_end(b);
		}
		json_array_end(b);
		if (timings)
			json_key_number(b, "ms", rint(r->ms * 10) / 10);
		json_object_end(b);
	}
	json_array_end(b);
}

static char *ChoiceReason(const TrialRun *run, bool search);

/* Which candidate was kept, and why. */
static void
Choice(JsonBuilder *b, const TrialRun *run, bool search)
{
	json_object_begin(b);
	json_key_string(b, "reason", ChoiceReason(run, search));
	json_key_integer(b, "chosen_trial", run->chosen + 1);
	json_key_integer(b, "best_trial", run->best + 1);
	if (run->by_rule)
	{
		json_key_number(b, "margin", run->margin);
		json_key_number(b, "standard_error", run->standard_error);
	}
	json_object_end(b);
}

/* Why the kept candidate was kept. */
static char *
ChoiceReason(const TrialRun *run, bool search)
{
	const TrialResult *best = &run->trials[run->best];
	const TrialResult *chosen = &run->trials[run->chosen];

	if (run->n == 1)
		return "the only candidate";
	if (run->cv > 1 && !run->by_rule)
		return psprintf("highest mean score over %d folds (trial %d of %d)", run->cv,
						run->best + 1, run->n);
	if (run->cv > 1)
		return psprintf("simpler than the best (trial %d) and within one standard error of its mean over %d folds",
						run->best + 1, run->cv);
	if (search)
		return psprintf("the search's best trial (%d of %d) by validation score", run->best + 1,
						run->n);
	if (!run->by_rule)
		return psprintf("highest validation score %s; no simpler candidate within one standard error",
						float8out_internal(best->score));
	return psprintf("simpler than the best (trial %d, %s) and within one standard error of it: "
					"validation score %s against %s, a margin of %s with a standard error of %s",
					run->best + 1, best->config.learner->name,
					float8out_internal(chosen->score), float8out_internal(best->score),
					float8out_internal(run->margin), float8out_internal(run->standard_error));
}

Jsonb *
segment_train_report(const TrainArgs *a, const TrainData *e, const TrialRun *run,
					 const TrainEvaluation *ev, const TrainOutcome *o, int n_features)
{
	JsonBuilder b;
	const SegCandidate *m = &run->model;
	bool		classification = e->task == SEG_TASK_CLASSIFICATION;
	bool		several_models = a->auto_model;

	json_begin(&b);
	json_object_begin(&b);
	json_key_string(&b, "name", a->name);
	json_key_integer(&b, "version", o->version);
	if (o->run > 0)
		json_key_integer(&b, "run", o->run);
	json_key_bool(&b, "deployed", o->deployment.deployed);
	json_key_string(&b, "deploy_reason", o->deployment.reason);
	json_key(&b, "deployment");
	Deploy(&b, &o->deployment);
	json_key_string(&b, "model", m->config.learner->name);
	json_key_string(&b, "task", classification ? "classification" : "regression");
	json_key_string(&b, "task_reason", e->task_reason);
	json_key(&b, "rows");
	json_object_begin(&b);
	json_key_integer(&b, "train", e->n[SPLIT_TRAIN]);
	json_key_integer(&b, "validation", e->n[SPLIT_VALIDATION]);
	json_key_integer(&b, "test", e->n[SPLIT_TEST]);
	json_object_end(&b);
	json_key(&b, "split");
	json_object_begin(&b);
	json_key_string(&b, "key_source", e->key_source);
	json_key(&b, "key");
	json_strings(&b, e->key_columns, e->n_key);
	json_key_integer(&b, "seed", a->split_seed);
	json_object_end(&b);
	json_key_integer(&b, "features", n_features);
	json_key_integer(&b, "inputs", e->d);
	if (classification)
	{
		json_key_integer(&b, "classes", e->n_classes);
		json_key(&b, "balance");
		json_object_begin(&b);
		json_key_string(&b, "mode", a->balance_auto ? "auto" : balance_name(a->base.balance));
		json_key_string(&b, "chosen", balance_name(m->config.balance));
		json_key_string(&b, "reason", o->balance_reason);
		json_object_end(&b);
	}
	json_key(&b, "choice");
	Choice(&b, run, a->search != NULL);
	json_key_string(&b, "schedule", run->schedule);
	json_key(&b, "hyperparameters");
	Config(&b, &m->config, false);
	json_key_integer(&b, "epochs_run", m->fit.iterations);
	json_key_integer(&b, "best_epoch", m->fit.best_iteration);
	json_key(&b, "train");
	Summary(&b, e->task, &ev->train, m->fit.train_loss);
	json_key(&b, "validation");
	Summary(&b, e->task, &ev->validation, m->fit.val_loss);
	json_key(&b, "test");
	TestMetrics(&b, e, run, ev, NULL);
	json_key(&b, "trials");
	Trials(&b, run, classification, several_models, true);
	json_key(&b, "warnings");
	json_strings(&b, o->warnings, o->n_warnings);
	json_key(&b, "timings_ms");
	json_object_begin(&b);
	json_key_number(&b, "load", rint(o->load_ms * 10) / 10);
	json_key_number(&b, "train", rint(o->train_ms * 10) / 10);
	json_key_number(&b, "evaluate", rint(o->evaluate_ms * 10) / 10);
	json_key_number(&b, "total", rint(o->total_ms * 10) / 10);
	json_object_end(&b);
	json_object_end(&b);
	return json_finish(&b);
}
