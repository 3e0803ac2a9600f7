/*-------------------------------------------------------------------------
 *
 * sql_train.h
 *	  Pieces of segment_train shared between its files: the validated
 *	  arguments, the search-space parser, candidates, the registry and the
 *	  JSON of reports, specs and metrics.
 *
 * IDENTIFICATION
 *	  src/sql_train.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SQL_TRAIN_H
#define SEGMENT_SQL_TRAIN_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/jsonb.h"

#include "bytes.h"
#include "learner.h"
#include "metrics.h"
#include "search_space.h"
#include "evaluation.h"
#include "split.h"
#include "train.h"

/* how a new version is deployed */
typedef enum DeployPolicy
{
	DEPLOY_ALWAYS,
	DEPLOY_IF_BETTER,
	DEPLOY_NEVER
} DeployPolicy;

/* segment_train's arguments, validated */
typedef struct TrainArgs
{
	char	   *name;
	Oid			relid;
	char	   *label;
	ArrayType  *features;		/* NULL: every other column */
	ArrayType  *exclude;
	int			task;			/* SegTask, or -1 for auto */
	SegTrialConfig base;		/* the learner, its settings and the balance mode */
	bool		balance_auto;
	double		test_size;
	double		validation_size;
	Jsonb	   *search;
	int			trials;
	int64		seed;
	int64		split_seed;		/* the split's seed: seed unless given */
	DeployPolicy deploy;
	ArrayType  *key;			/* split key columns, or NULL for the default */
	int			cv;				/* folds of cross-validation, or 0 */
	bool		auto_model;		/* model => 'auto': several learners compete */
	Jsonb	   *params_json;	/* params as given (NULL when none) */
	bool		skip_if_unchanged;	/* no new version on the latest's data and arguments */
} TrainArgs;

/* The loaded, split data in the learner's input form. */
typedef struct TrainData
{
	SegTask		task;
	const char *task_reason;	/* why this task, for the report */
	SegPreprocessor *prep;
	SegInputSchema schema[2];	/* by SegInputForm */
	int			n_classes;		/* classification */
	char	  **class_names;
	int			d;				/* inputs per row (of the first form loaded) */
	int			n[3];			/* rows per SegSplitPart */
	double	   *x[2][3];		/* by SegInputForm and part; NULL for forms not needed */
	int		   *y[3];			/* classification */
	double	   *v[3];			/* regression */
	/* the split: key columns hashed, and each stratum's thresholds (split.h) */
	char	  **key_columns;
	int			n_key;
	const char *key_source;		/* "primary key", "key argument" or "every column" */
	int			n_strata;		/* classes, or 1 */
	SplitThreshold *thresholds;
	/* cross-validation: each train and validation row's fold (cv > 1) */
	int			n_folds;
	int		   *fold[2];		/* by part: SPLIT_TRAIN, SPLIT_VALIDATION */
	int			n_rows;			/* rows read */
	uint64		fingerprint;	/* of the rows read (fingerprint.h) */
} TrainData;

/* sql_train_args.c */

/* Checks segment_train's arguments into a. */
extern void segment_train_parse_args(FunctionCallInfo fcinfo, TrainArgs *a);

/* A learner's settings from a `params` object keyed by learner (model => 'auto'). */
extern void segment_train_learner_params(Jsonb *params, const SegLearner *l, void *out);

/* SEGMENT_SYNTHETIC_COLUMN (synthetic_writer.h) when the relation has it as a boolean column, else NULL. */
extern const char *segment_train_synthetic_column(const TrainArgs *a);

/*
 * The feature columns: given, or every other column but the synthetic
 * flag; minus exclude and the label.
 */
extern char **segment_train_feature_columns(const TrainArgs *a, int *n_out);

/* sql_train_data.c */

/*
 * Loads, splits, fits the preprocessor on the train part and encodes
 * into each input form forms[] asks for.
 */
extern void segment_train_load(const TrainArgs *a, char **features, int n_features,
							   const bool *forms, TrainData *e);


/* The train and validation parts as a learner of the given form sees them. */
extern void segment_train_set(const TrainData *e, SegInputForm form, SegTrainSet *set);

/* sql_train_registry.c */

extern const char *const segment_deploy_names[3];	/* by DeployPolicy */

/* What the deploy policy decided, and on what. */
typedef struct Deployment
{
	bool		deployed;
	const char *reason;
	bool		rescored;		/* if_better scored the deployed version again */
	int			deployed_version;	/* the version deployed before, or 0 */
	double		deployed_score; /* its score on the new test rows (rescored) */
	double		new_score;		/* the new version's on the same rows */
	int			rows;			/* the rows both were scored on */
} Deployment;

/*
 * Decides whether the new version (model, test_score on its test part)
 * is deployed, as a->deploy says; if_better scores the deployed version
 * again on the new version's test rows (see the file's comment).
 */
extern void segment_train_decide(const TrainArgs *a, const TrainData *e, char **features,
								 int n_features, bytea *model, double test_score,
								 Deployment *d);

/*
 * With skip_if_unchanged: the latest version of a->name when it was
 * trained on the same fingerprint (rows, arguments, library), else 0.
 */
extern int32 segment_train_unchanged(const TrainArgs *a, Jsonb *fingerprint);

/* Records the run in segment.training_runs; returns its number (or 0). */
extern int64 segment_train_record(const TrainArgs *a, const TrainData *e, TimestampTz started,
								  const char *status, int32 version, const Deployment *d);

/* sql_search.c */

/*
 * Parses a search jsonb over the settings of learner (and "balance");
 * ERROR (invalid_parameter_value) when malformed.  *halving gets its
 * "successive_halving" entry (default true).
 */
extern void segment_parse_search(Jsonb *search, const SegLearner *learner,
								 SegSearchSpace *space, bool *halving);

/* The balance mode named s, or -1. */
extern int	segment_balance_from_name(const char *s);

/* sql_trials.c */

/* What the report says about one candidate. */
typedef struct TrialResult
{
	SegTrialConfig config;		/* as trained at its last rung */
	double		score;			/* validation macro-F1, or R2 */
	double		accuracy;		/* classification */
	double		loss;			/* validation loss */
	int			iterations;
	int			best_iteration;
	const char *unit;			/* "epoch", "iteration", ... */
	int			train_rows;		/* after balancing */
	double		ms;
	int			n_rungs;		/* successive halving's rungs it ran */
	int			rung_iterations[3];
	double		rung_score[3];
	double		cv_std;			/* cross-validation: std of the folds' scores */
	int			raced_out_at;	/* the epoch the race stopped it at, or 0 */
} TrialResult;

/* The candidates trained, and the one kept. */
typedef struct TrialRun
{
	int			n;
	TrialResult *trials;
	char	   *schedule;
	int			best;			/* highest validation score */
	int			chosen;			/* the kept model's trial */
	bool		by_rule;		/* a simpler candidate within one standard error */
	double		margin;			/* score(best) - score(chosen) */
	double		standard_error;
	double	   *errors;			/* per trial: standard error of best - it (or NULL) */
	SegCandidate model;			/* the kept candidate */
	int			cv;				/* folds that scored the candidates, or 0 */
} TrialRun;

/*
 * Trains the n candidates on sets[learner's input form] (with e->n_folds
 * > 1, each first scored by cross-validation on the train and validation
 * rows, and the kept one then trained on the train part).  With simplicity
 * (per candidate, lower = simpler) all are kept and the one-standard-error
 * rule chooses; without, the best score wins.  Successive halving when
 * asked (see the file's comment).
 */
extern void segment_run_trials(const TrainData *e, const SegTrainSet *const *sets,
							   const SegTrialConfig *configs, const int *simplicity, int n,
							   int64 seed, bool halving, TrialRun *run);

/* sql_train_report.c */

/* The chosen model's figures on each part, and the baseline's on test. */
typedef struct TrainEvaluation
{
	PartScores	train;
	PartScores	validation;
	PartScores	test;
	PartScores	baseline;		/* predicting without the features, on the test rows */
} TrainEvaluation;

/* What happened besides the fit, for the report. */
typedef struct TrainOutcome
{
	int			version;
	int64		run;			/* its row in segment.training_runs, or 0 */
	Deployment	deployment;
	const char *balance_reason;
	char	  **warnings;
	int			n_warnings;
	double		load_ms;
	double		train_ms;
	double		evaluate_ms;
	double		total_ms;
} TrainOutcome;

/* Every setting of a learner as a JSON object. */
struct JsonBuilder;
extern void report_settings(struct JsonBuilder *b, const SegLearner *l, const void *params);

/*
 * The metrics stored with the model: the test part's, and the others';
 * the training history, the balance chosen (with the train part's class
 * counts before and after balancing) and the candidates tried, for the
 * report (o: its deployment and balance_reason).
 */
extern Jsonb *segment_train_metrics(const TrainArgs *a, const TrainData *e, const TrialRun *run,
									const TrainEvaluation *ev, const TrainOutcome *o);

/*
 * The stored spec: every argument by name, enough to call segment_train
 * again, and the split (key columns, seed, thresholds) split_part() reads.
 */
/*
 * What skip_if_unchanged compares: the rows read (fingerprint.h), the
 * arguments but the deploy policy, and the library version.
 */
extern Jsonb *segment_train_fingerprint(const TrainArgs *a, const TrainData *e, char **features,
										int n_features);
extern Jsonb *segment_train_spec(const TrainArgs *a, const TrainData *e, char **features,
								 int n_features, Jsonb *fingerprint);

/* segment_train's report. */
extern Jsonb *segment_train_report(const TrainArgs *a, const TrainData *e, const TrialRun *run,
								   const TrainEvaluation *ev, const TrainOutcome *o,
								   int n_features);

/* sql_model.c: model_info's fields of a classifier or regressor payload */
extern void segment_describe_supervised(StringInfo buf, int kind, SegReader *payload);

#endif							/* SEGMENT_SQL_TRAIN_H */
