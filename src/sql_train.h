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
#include "fmgr.h"
#include "utils/jsonb.h"

#include "bytes.h"
#include "learner.h"
#include "metrics.h"
#include "search_space.h"
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
} TrainArgs;

/* The loaded, split data in the learner's input form. */
typedef struct TrainData
{
	SegTask		task;
	const char *task_reason;	/* why this task, for the report */
	SegPreprocessor *prep;
	SegInputSchema schema;
	int			n_classes;		/* classification */
	char	  **class_names;
	int			d;				/* inputs per row */
	int			n[3];			/* rows per SegSplitPart */
	double	   *x[3];
	int		   *y[3];			/* classification */
	double	   *v[3];			/* regression */
	/* the split: key columns hashed, and each stratum's thresholds (split.h) */
	char	  **key_columns;
	int			n_key;
	const char *key_source;		/* "primary key", "key argument" or "every column" */
	int			n_strata;		/* classes, or 1 */
	SplitThreshold *thresholds;
} TrainData;

/* sql_train_args.c */

/* Checks segment_train's arguments into a. */
extern void segment_train_parse_args(FunctionCallInfo fcinfo, TrainArgs *a);

/* The feature columns: given or every other column, minus exclude and the label. */
extern char **segment_train_feature_columns(const TrainArgs *a, int *n_out);

/* sql_train_data.c */

/* Loads, splits, fits the preprocessor on the train part and encodes. */
extern void segment_train_load(const TrainArgs *a, char **features, int n_features,
							   TrainData *e);

/* The train and validation parts as a learner sees them. */
extern void segment_train_set(const TrainData *e, SegTrainSet *set);

/* sql_train_registry.c */

extern const char *const segment_deploy_names[3];	/* by DeployPolicy */

/*
 * The stored spec: every argument, enough to call segment_train again,
 * and the split (key columns, seed, thresholds) that split_part() reads.
 */
extern char *segment_train_spec(const TrainArgs *a, const TrainData *e, char **features,
								int n_features);

/*
 * Saves the model as the next version of a->name, deployed as a->deploy
 * says (if_better: the test score (macro-F1, or R2 for a regressor) at
 * least the deployed version's, or no version deployed); returns the
 * version, whether it was deployed and why.
 */
extern int	segment_train_register(const TrainArgs *a, SegTask task, bytea *model,
								   const char *spec, const char *metrics, double test_score,
								   bool *deployed, const char **reason);

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

/*
 * Trains the n candidates (successive halving over epochs when asked and
 * there are at least 9 trials and 9 epochs), appends each trial's JSON
 * object to trials_json and a description of the schedule to schedule,
 * stores each trial's validation score in trial_score and leaves the
 * best trained candidate (by validation score, the first on ties) in best.
 */
extern void segment_run_trials(const SegTrainSet *set, const SegTrialConfig *configs, int n,
							   int64 seed, bool halving, StringInfo trials_json,
							   StringInfo schedule, double *trial_score, SegCandidate *best);

/* sql_train_json.c */

/* Appends a float8 as JSON (shortest exact form; null when not finite). */
extern void json_append_float8(StringInfo buf, double v);

/* Appends "key": value pairs (with a leading comma when not first). */
extern void json_append_key(StringInfo buf, const char *key, bool first);

/* Appends every setting of a learner as a JSON object. */
extern void json_append_settings(StringInfo buf, const SegLearner *l, const void *params);

/*
 * Appends a candidate's settings as a JSON object: every setting of its
 * learner, then "balance" (as given).
 */
extern void json_append_config(StringInfo buf, const SegTrialConfig *c, const char *balance);

/*
 * Appends the metrics object stored with a model: accuracy, macro and
 * weighted averages, per-class scores, confusion matrix, log loss.
 */
extern void json_append_metrics(StringInfo buf, const SegMetrics *m,
								char *const *class_names, double log_loss);

/* Appends the metrics object of a regressor: MAE, RMSE, R2, MAPE, rows. */
extern void json_append_regression_metrics(StringInfo buf, const SegRegressionMetrics *m);

extern Jsonb *segment_jsonb_from_text(const char *text);

/* Appends model_info's fields of a classifier or regressor payload. */
extern void segment_describe_supervised(StringInfo buf, int kind, SegReader *payload);

#endif							/* SEGMENT_SQL_TRAIN_H */
