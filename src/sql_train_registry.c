/*-------------------------------------------------------------------------
 *
 * sql_train_registry.c
 *	  segment_train and the model registry: the deploy policy, saving the
 *	  new version (through registry.h).
 *
 * if_better compares like with like: the deployed version is scored
 * again on the new version's test rows (today's rows of the relation
 * whose keys fall into the new split's test part, each read and encoded
 * by that version's own preprocessor), and the new version is deployed
 * when it scores at least as well there.  A deployed version of another
 * kind or task, or one that cannot read today's rows (a column gone),
 * cannot be compared: the new version replaces it, and says why.
 *
 * IDENTIFICATION
 *	  src/sql_train_registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "importance.h"
#include "model.h"
#include "pg_core.h"
#include "registry.h"
#include "sql_model_part.h"
#include "sql_retrain.h"
#include "sql_train.h"

const char *const segment_deploy_names[3] = {"always", "if_better", "never"};

/* The split of a training run, as split_part() will read it once stored. */
static void
SplitOf(const TrainArgs *a, const TrainData *e, char **features, int n_features,
		StoredSplit *out)
{
	memset(out, 0, sizeof(*out));
	out->classification = e->task == SEG_TASK_CLASSIFICATION;
	out->relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(a->relid)),
											   get_rel_name(a->relid));
	out->label = a->label;
	out->features = features;
	out->n_features = n_features;
	out->key = e->key_columns;
	out->n_key = e->n_key;
	out->seed = (uint64) a->split_seed;
	out->n_strata = e->n_strata;
	out->stratum_names = palloc(sizeof(char *) * Max(e->n_strata, 1));
	for (int c = 0; c < e->n_strata; c++)
		out->stratum_names[c] = out->classification ? e->class_names[c] : "";
	out->thresholds = e->thresholds;
}

/* The model's score (macro-F1 or R2) on a part of the split, and its rows. */
static double
ScoreOn(bytea *model, const char *name, const StoredSplit *split, int *rows)
{
	ModelPart	part;
	double	   *out;
	double		score;

	segment_model_part_of(model, name, split, SPLIT_TEST, &part);
	*rows = part.n;
	out = seg_alloc_array((size_t) Max(part.n, 1) * part.model->n_outputs, sizeof(double));
	learner_predict(part.model->learner, part.model->model, part.x, part.n,
					part.model->schema.n_inputs, part.model->n_outputs, out, segment_hooks());
	score = importance_score(part.model->task, part.model->n_classes, out, part.y_class,
							 part.y_value, part.n);
	supervised_free(part.model);
	return score;
}

/* Why a deployed version cannot be scored against the new one, or NULL. */
static char *
NotComparable(bytea *deployed, SegTask task, Oid relid)
{
	SegModelHeader header;
	SegReader	payload;
	SegSupervised *s;
	char		msg[SEG_ERRMSG_LEN];
	int			kind = task == SEG_TASK_REGRESSION ? SEG_MODEL_REGRESSOR : SEG_MODEL_CLASSIFIER;
	char	   *why = NULL;

	segment_open_model(deployed, 0, &header, &payload);
	if (header.kind != kind)
		return psprintf("it is a %s model", model_kind_name(header.kind));
	segment_raise(supervised_read(header.kind, &payload, &s, msg), msg);
	for (int j = 0; j < s->prep->n_columns && why == NULL; j++)
		if (get_attnum(relid, s->prep->columns[j].name) == InvalidAttrNumber)
			why = psprintf("it reads column \"%s\", which the relation no longer has",
						   s->prep->columns[j].name);
	supervised_free(s);
	return why;
}

void
segment_train_decide(const TrainArgs *a, const TrainData *e, char **features, int n_features,
					 bytea *model, double test_score, Deployment *d)
{
	const char *score_name = e->task == SEG_TASK_REGRESSION ? "R2" : "macro-F1";
	bytea	   *deployed;
	char	   *why_not;
	StoredSplit split;

	memset(d, 0, sizeof(*d));
	d->new_score = test_score;
	d->deployed_score = NAN;
	if (a->deploy == DEPLOY_ALWAYS)
	{
		d->deployed = true;
		d->reason = "deploy => always";
		return;
	}
	if (a->deploy == DEPLOY_NEVER)
	{
		d->reason = "deploy => never";
		return;
	}
	if (!registry_deployed_version(a->name, &d->deployed_version, &deployed))
	{
		d->deployed = true;
		d->reason = "first deployed version of this name";
		return;
	}
	why_not = NotComparable(deployed, e->task, a->relid);
	if (why_not != NULL)
	{
		d->deployed = true;
		d->reason = psprintf("the deployed version %d cannot be scored against it: %s",
							 d->deployed_version, why_not);
		return;
	}
	/* both versions on the same rows: the new split's test part */
	SplitOf(a, e, features, n_features, &split);
	d->rescored = true;
	d->deployed_score = ScoreOn(deployed, a->name, &split, &d->rows);
	d->new_score = ScoreOn(model, a->name, &split, &d->rows);
	d->deployed = d->new_score >= d->deployed_score || isnan(d->deployed_score);
	d->reason = psprintf("on the same %d test rows, test %s %s %s the deployed version %d's %s",
						 d->rows, score_name, float8out_internal(d->new_score),
						 d->deployed ? ">=" : "<", d->deployed_version,
						 float8out_internal(d->deployed_score));
}

int32
segment_train_unchanged(const TrainArgs *a, Jsonb *fingerprint)
{
	int32		version;
	Jsonb	   *spec;
	JsonbValue *stored;

	if (!a->skip_if_unchanged)
		return 0;
	spec = registry_latest_spec(a->name, &version);
	if (spec == NULL)
		return 0;
	stored = getKeyJsonValueFromContainer(&spec->root, "fingerprint", strlen("fingerprint"),
										  NULL);
	if (stored == NULL || stored->type != jbvBinary)
		return 0;
	return compareJsonbContainers(stored->val.binary.data, &fingerprint->root) == 0 ?
		version : 0;
}

int64
segment_train_record(const TrainArgs *a, const TrainData *e, TimestampTz started,
					 const char *status, int32 version, const Deployment *d)
{
	TrainingRun run;
	Oid			caller;
	bool		retraining = segment_retrain_caller(&caller);

	registry_run_init(&run, a->name, retraining ? "retrain" : "segment_train");
	if (retraining)
		run.run_by = caller;
	run.started = started;
	run.relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(a->relid)),
											  get_rel_name(a->relid));
	run.relation_rows = e->n_rows;
	run.status = status;
	run.version = version;
	run.deployed = d->deployed;
	run.previous_version = d->deployed_version;
	if (version > 0)
		run.score = e->task == SEG_TASK_REGRESSION ? "R2" : "macro-F1";
	run.new_score = d->new_score;
	run.previous_score = d->deployed_score;
	run.reason = d->reason;
	return registry_record_run(&run);
}
