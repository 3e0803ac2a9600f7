/*-------------------------------------------------------------------------
 *
 * sql_kmeans_registry.c
 *	  kmeans_fit and the model registry: the deploy policy, the run
 *	  history, and the metrics and report of a fit.
 *
 * if_better compares the silhouettes of two labellings of the same rows
 * in the same geometry: the seeded sample the new version's silhouette
 * was computed on (today's rows), labelled once by the new version and
 * once by the deployed version (each row read and encoded by that
 * version's own preprocessor), both scored on the rows encoded by the new
 * version (its standardisation of today's data).  The new version is
 * deployed when its silhouette is at least the deployed version's.  A
 * deployed version that cannot label today's rows (another model kind, a
 * column this fit did not read) cannot be compared: the new version
 * replaces it, and says why.  With an embedding, the geometry is the new
 * version's code space, and the deployed version labels each row through
 * its own embedding when it has one.
 *
 * IDENTIFICATION
 *	  src/sql_kmeans_registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "cluster_metrics.h"
#include "model.h"
#include "pg_core.h"
#include "pg_json.h"
#include "registry.h"
#include "sql_kmeans.h"
#include "sql_retrain.h"

/* The frame column named name, or -1. */
static int
FrameColumn(const SegFrame *frame, const char *name)
{
	for (int j = 0; j < frame->n_cols; j++)
		if (strcmp(frame->columns[j].name, name) == 0)
			return j;
	return -1;
}

/*
 * The deployed model's labels of the frame's rows, each read by its own
 * preprocessor; NULL, with the reason in *why, when it cannot read them.
 */
static int *
DeployedLabels(const KMeansModel *old, const SegFrame *frame, char **why)
{
	const SegPreprocessor *p = old->prep;
	int		   *at;
	double	   *raw;
	double	   *encoded;
	double	   *scratch;
	int		   *labels;

	if (p == NULL)
	{
		*why = "it takes feature arrays, not columns";
		return NULL;
	}
	at = palloc(sizeof(int) * p->n_columns);
	for (int c = 0; c < p->n_columns; c++)
	{
		at[c] = FrameColumn(frame, p->columns[c].name);
		if (at[c] < 0)
		{
			*why = psprintf("it reads column \"%s\", which this fit does not", p->columns[c].name);
			return NULL;
		}
		if ((frame->columns[at[c]].kind == SEG_COL_CATEGORICAL) !=
			(p->columns[c].kind == SEG_COL_CATEGORICAL))
		{
			*why = psprintf("it reads column \"%s\" as %s", p->columns[c].name,
							p->columns[c].kind == SEG_COL_CATEGORICAL ? "text" : "numbers");
			return NULL;
		}
	}
	raw = palloc(sizeof(double) * p->n_columns);
	encoded = palloc(sizeof(double) * p->n_outputs);
	scratch = palloc(sizeof(double) * Max(kmeans_model_row_scratch(old), 1));
	labels = palloc(sizeof(int) * Max(frame->n_rows, 1));
	for (int i = 0; i < frame->n_rows; i++)
	{
		for (int c = 0; c < p->n_columns; c++)
		{
			double		v = FRAME_CELL(frame, i, at[c]);

			if (p->columns[c].kind == SEG_COL_CATEGORICAL && !SEG_IS_MISSING(v))
			{
				const char *value = frame->columns[at[c]].categories[(int) v];
				int			index = prep_category_index(&p->columns[c], value, strlen(value));

				v = index >= 0 ? index : PREP_UNSEEN;
			}
			raw[c] = v;
		}
		prep_encode_row(p, raw, encoded);
		/* through the deployed version's embedding, when it has one */
		labels[i] = kmeans_model_nearest_encoded(old, encoded, NULL, scratch);
		/* a row costs k x d; a check (a flag's test) is nothing beside it */
		CHECK_FOR_INTERRUPTS();
	}
	return labels;
}

void
kmeans_decide(const KFitRequest *req, const KMeansModel *model, const KFitRun *run,
			  const KFitSample *sample, bytea *deployed, int32 deployed_version,
			  KFitDeployment *d)
{
	SegModelHeader header;
	SegReader	payload;
	KMeansModel *old;
	char		msg[SEG_ERRMSG_LEN];
	char	   *why = NULL;
	int		   *old_labels;

	memset(d, 0, sizeof(*d));
	d->new_score = run->silhouette;
	d->previous_score = NAN;
	d->previous_version = deployed != NULL ? deployed_version : 0;
	if (req->deploy == KFIT_DEPLOY_ALWAYS)
	{
		d->deployed = true;
		d->reason = "deploy => always";
		return;
	}
	if (req->deploy == KFIT_DEPLOY_NEVER)
	{
		d->reason = "deploy => never";
		return;
	}
	if (deployed == NULL)
	{
		d->deployed = true;
		d->reason = "first deployed version of this name";
		return;
	}
	segment_open_model(deployed, 0, &header, &payload);
	if (header.kind != SEG_MODEL_KMEANS)
		why = psprintf("it is a %s model", model_kind_name(header.kind));
	else
	{
		segment_raise(kmeans_model_read(&payload, &old, msg), msg);
		old_labels = DeployedLabels(old, sample->frame, &why);
	}
	if (why != NULL)
	{
		d->deployed = true;
		d->reason = psprintf("the deployed version %d cannot be scored against it: %s",
							 deployed_version, why);
		return;
	}
	/* both labellings of the same rows, in the new version's geometry */
	d->rescored = true;
	d->rows = sample->sample_size > 0 && sample->sample_size < sample->n ?
		sample->sample_size : sample->n;
	d->new_score = silhouette_score(sample->x, sample->n, model->d, run->sample_labels, run->k,
									sample->sample_size, (uint64) req->seed,
									segment_memory_available(), segment_hooks());
	d->previous_score = silhouette_score(sample->x, sample->n, model->d, old_labels, old->k,
										 sample->sample_size, (uint64) req->seed,
										 segment_memory_available(), segment_hooks());
	d->deployed = d->new_score >= d->previous_score || isnan(d->previous_score);
	d->reason = psprintf("on the same %d sampled rows, in the new version's %s space, silhouette %s %s the deployed version %d's %s",
						 d->rows, model->embedding != NULL ? "code" : "standardised",
						 float8out_internal(d->new_score),
						 d->deployed ? ">=" : "<", deployed_version,
						 float8out_internal(d->previous_score));
	kmeans_model_free(old);
}

int64
kmeans_record_run(const KFitRequest *req, TimestampTz started, int64 n_rows,
				  const char *status, int32 version, const KFitDeployment *d)
{
	TrainingRun run;
	Oid			caller;
	bool		retraining = segment_retrain_caller(&caller);

	registry_run_init(&run, req->name, retraining ? "retrain" : "kmeans_fit");
	if (retraining)
		run.run_by = caller;
	run.started = started;
	run.relation = req->relation;
	run.relation_rows = n_rows;
	run.status = status;
	run.version = version;
	run.deployed = d->deployed;
	run.previous_version = d->previous_version;
	if (version > 0)
		run.score = "silhouette";
	run.new_score = d->new_score;
	run.previous_score = d->previous_score;
	run.reason = d->reason;
	return registry_record_run(&run);
}

static void
Deployment(JsonBuilder *b, const KFitDeployment *d)
{
	json_object_begin(b);
	json_key_bool(b, "deployed", d->deployed);
	json_key_string(b, "reason", d->reason);
	json_key_string(b, "score", "silhouette");
	if (d->previous_version > 0)
		json_key_integer(b, "previous_version", d->previous_version);
	if (d->rescored)
	{
		json_key_integer(b, "rows", d->rows);
		json_key_number(b, "new_score", d->new_score);
		json_key_number(b, "previous_score", d->previous_score);
	}
	json_object_end(b);
}

/* The model's cluster indexes by cluster number. */
static int *
ByNumber(const KMeansModel *model)
{
	int		   *order = palloc(sizeof(int) * model->k);

	for (int j = 0; j < model->k; j++)
	{
		int			at = j;

		while (at > 0 && model->numbers[order[at - 1]] > model->numbers[j])
		{
			order[at] = order[at - 1];
			at--;
		}
		order[at] = j;
	}
	return order;
}

/* Which clusters kept the deployed version's numbers, and which are new. */
static void
Identity(JsonBuilder *b, const KMeansModel *model, const KFitIdentity *id)
{
	int		   *order = ByNumber(model);

	json_object_begin(b);
	json_key(b, "against_version");
	if (id->against_version > 0)
		json_integer(b, id->against_version);
	else
		json_null(b);
	json_key(b, "pairs");
	json_array_begin(b);
	for (int r = 0; r < model->k; r++)
	{
		int			i = order[r];

		if (id->match[i] >= 0)
		{
			json_object_begin(b);
			json_key_integer(b, "cluster", model->numbers[i]);
			json_key_number(b, "distance", id->distance[i]);
			json_object_end(b);
		}
	}
	json_array_end(b);
	json_key(b, "new_clusters");
	json_array_begin(b);
	for (int r = 0; r < model->k; r++)
	{
		int			i = order[r];

		if (id->match[i] < 0)
		{
			json_object_begin(b);
			json_key_integer(b, "cluster", model->numbers[i]);
			if (!isnan(id->distance[i]))
				json_key_number(b, "nearest_distance", id->distance[i]);
			json_object_end(b);
		}
	}
	json_array_end(b);
	if (id->old_numbers != NULL)
	{
		/* the deployed version's clusters nothing was paired with */
		uint32	   *retired = palloc(sizeof(uint32) * id->n_old);
		int			n_retired = 0;

		for (int j = 0; j < id->n_old; j++)
		{
			bool		paired = false;
			int			at = n_retired++;

			for (int i = 0; i < model->k; i++)
				paired |= id->match[i] == j;
			if (paired)
			{
				n_retired--;
				continue;
			}
			/* in order of number */
			while (at > 0 && retired[at - 1] > id->old_numbers[j])
			{
				retired[at] = retired[at - 1];
				at--;
			}
			retired[at] = id->old_numbers[j];
		}
		json_key(b, "retired_clusters");
		json_array_begin(b);
		for (int r = 0; r < n_retired; r++)
			json_integer(b, retired[r]);
		json_array_end(b);
	}
	json_key_string(b, "reason", id->reason);
	json_key_string(b, "distance", id->space != NULL ? id->space :
					"Euclidean, in the new version's standardised space");
	json_object_end(b);
}

void
kmeans_clusters_json(JsonBuilder *b, const KMeansModel *model)
{
	int		   *order = ByNumber(model);

	json_array_begin(b);
	for (int r = 0; r < model->k; r++)
	{
		int			j = order[r];
		const KMeansPersona *p = &model->personas[j];

		json_object_begin(b);
		json_key_integer(b, "cluster", model->numbers[j]);
		json_key_integer(b, "size", (int64) p->size);
		json_key_number(b, "share", model->n_rows > 0 ? (double) p->size / model->n_rows : NAN);
		json_key_string(b, "label", p->label);
		json_key_string(b, "action", p->action);
		if (p->flags & KMEANS_PERSONA_LABEL_EDITED)
			json_key_bool(b, "label_edited", true);
		if (p->flags & KMEANS_PERSONA_ACTION_EDITED)
			json_key_bool(b, "action_edited", true);
		json_object_end(b);
	}
	json_array_end(b);
}

Jsonb *
kmeans_metrics(const KFitRequest *req, const KFitRun *runs, int chosen, const char *rule,
			   int elbow_k, int64 n_rows, const KMeansModel *model, const KFitIdentity *id,
			   const KFitDeployment *d, char **warnings, int n_warnings)
{
	JsonBuilder b;
	const KFitRun *c = &runs[chosen];

	json_begin(&b);
	json_object_begin(&b);
	json_key_integer(&b, "k", c->k);
	json_key_string(&b, "rule", rule);
	json_key_string(&b, "choose", req->choose_elbow ? "elbow" : "silhouette");
	json_key(&b, "elbow_k");
	if (elbow_k > 0)
		json_integer(&b, elbow_k);
	else
		json_null(&b);
	json_key_integer(&b, "n_rows", n_rows);
	json_key_number(&b, "inertia", c->inertia);
	json_key_number(&b, "silhouette", c->silhouette);
	json_key_number(&b, "davies_bouldin", c->davies_bouldin);
	json_key_string(&b, "structure", kmeans_structure(c->silhouette));
	if (req->emb != NULL)
	{
		json_key(&b, "embedding");
		kmeans_embedding_json(&b, req);
	}
	json_key(&b, "per_k");
	json_array_begin(&b);
	for (int r = 0; r < req->n_k; r++)
	{
		json_object_begin(&b);
		json_key_integer(&b, "k", runs[r].k);
		json_key_number(&b, "inertia", runs[r].inertia);
		json_key_number(&b, "silhouette", runs[r].silhouette);
		json_key_number(&b, "davies_bouldin", runs[r].davies_bouldin);
		json_key_integer(&b, "n_iter", runs[r].n_iter);
		json_key_integer(&b, "distinct_clusters", runs[r].n_distinct);
		json_object_end(&b);
	}
	json_array_end(&b);
	json_key(&b, "clusters");
	kmeans_clusters_json(&b, model);
	json_key(&b, "identity");
	Identity(&b, model, id);
	json_key(&b, "deployment");
	Deployment(&b, d);
	json_key(&b, "warnings");
	json_strings(&b, warnings, n_warnings);
	json_object_end(&b);
	return json_finish(&b);
}

Jsonb *
kmeans_report(const KFitRequest *req, int32 version, int64 run, Jsonb *metrics)
{
	JsonBuilder b;
	JsonbValue *deployment = getKeyJsonValueFromContainer(&metrics->root, "deployment",
														  strlen("deployment"), NULL);
	JsonbValue *deployed = getKeyJsonValueFromContainer(deployment->val.binary.data, "deployed",
														strlen("deployed"), NULL);
	JsonbValue *reason = getKeyJsonValueFromContainer(deployment->val.binary.data, "reason",
													  strlen("reason"), NULL);

	json_begin(&b);
	json_object_begin(&b);
	json_key_string(&b, "name", req->name);
	json_key_integer(&b, "version", version);
	if (run > 0)
		json_key_integer(&b, "run", run);
	json_key_bool(&b, "deployed", deployed->val.boolean);
	json_key_string(&b, "deploy_reason", pnstrdup(reason->val.string.val, reason->val.string.len));
	json_object_end(&b);
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(json_finish(&b)),
											  JsonbPGetDatum(metrics)));
}

Jsonb *
kmeans_skipped_report(const KFitRequest *req, int32 same, int64 n_rows, const char *reason,
					  int64 run)
{
	JsonBuilder b;

	json_begin(&b);
	json_object_begin(&b);
	json_key_string(&b, "name", req->name);
	json_key_bool(&b, "skipped", true);
	json_key(&b, "version");
	json_null(&b);
	json_key_integer(&b, "same_as_version", same);
	json_key_bool(&b, "deployed", false);
	json_key_string(&b, "reason", reason);
	json_key_integer(&b, "rows", n_rows);
	if (run > 0)
		json_key_integer(&b, "run", run);
	json_object_end(&b);
	return json_finish(&b);
}
