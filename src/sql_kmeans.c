/*-------------------------------------------------------------------------
 *
 * sql_kmeans.c
 *	  The table form segment.kmeans_fit(name, relation, columns, k[], ...):
 *	  standardises the columns, runs k-means for every k, scores each k
 *	  (inertia, silhouette, Davies-Bouldin, the elbow), chooses one,
 *	  registers its model and returns one row per k.
 *
 * The chosen k is the one with the best silhouette (ties: the smaller k),
 * or with choose => 'elbow' the elbow of the inertia curve (Kneedle, as
 * the metrics' elbow_k); when the rule has nothing to go on (no
 * silhouette is defined, no elbow among fewer than three k), the other
 * rule, else the first k.  The rule is stored in the model's metrics and
 * reported.  A chosen silhouette at or below 0.25 means no substantial
 * cluster structure (Kaufman and Rousseeuw): a WARNING, and the metrics
 * and report say "structure": "none".
 *
 * In memory, the columns go through segment_train's preprocessor
 * (preprocess => true, the default: NULLs imputed with the column mean,
 * text and boolean columns one-hot or 0/1, numbers standardised); the
 * model stores the profile of its clusters (sql_kmeans_identity.c) and
 * numbers them as the deployed version did.  A relation larger than
 * segment.memory_limit (or streaming => true) is clustered by the
 * streaming driver of sql_kmeans_stream.c instead, on numeric columns
 * without NULLs.  With embedding => name, the codes of a PCA or
 * autoencoder model are clustered in memory instead (sql_kmeans_embed.c),
 * and the model keeps the embedding to map raw rows.  Progress: a NOTICE per k, and per Lloyd iteration when
 * streaming or fitting a million rows or more in memory (in interactive
 * sessions; others get one LOG line per fit, as segment_train's).
 *
 * IDENTIFICATION
 *	  src/sql_kmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "cluster_metrics.h"
#include "dataset.h"
#include "kmeans_persona.h"
#include "model.h"
#include "pg_args.h"
#include "pg_core.h"
#include "pg_json.h"
#include "registry.h"
#include "sql_kmeans.h"

PG_FUNCTION_INFO_V1(kmeans_fit_table);

/* in-memory fits of at least this many rows report every Lloyd iteration */
#define PROGRESS_ITERATION_ROWS 1000000

void
kmeans_warn_distinct(int n_distinct, int k)
{
	if (n_distinct < k)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("number of distinct clusters (%d) found smaller than k (%d)",
						n_distinct, k),
				 errdetail("The data hold fewer distinct points than clusters asked for.")));
}

void
kmeans_report_k(const KFitRun *run)
{
	if (segment_progress_notices())
		ereport(NOTICE,
				(errmsg_internal("k = %d: inertia %.6g, silhouette %.4f, Davies-Bouldin %.4f, %d iterations",
								 run->k, run->inertia, run->silhouette, run->davies_bouldin,
								 run->n_iter)));
}

/* Silhouette and Davies-Bouldin of labels over rows x. */
void
kmeans_score_sample(const double *x, int n, int d, KFitRun *run,
					int silhouette_sample, int seed, const int *labels)
{
	/* distance blocks sized to what the call's memory budget has left */
	run->silhouette = silhouette_score(x, n, d, labels, run->k, silhouette_sample,
									   (uint64_t) seed, segment_memory_available(),
									   segment_hooks());
	run->davies_bouldin = davies_bouldin_score(x, n, d, labels, run->k, segment_hooks());
}

/*
 * Is the relation too large to cluster in memory?  Estimated from the
 * planner's row count, or from the relation's size when it was never
 * analysed.
 */
static bool
ShouldStream(Oid relid, int d)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	double		estimate = 0;

	if (rel->rd_rel->reltuples > 0)
		estimate = rel->rd_rel->reltuples * (double) d * sizeof(double);
	else if (RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		estimate = (double) RelationGetNumberOfBlocks(rel) * BLCKSZ;
	relation_close(rel, AccessShareLock);
	/*
	 * the in-memory fit holds about three copies of the matrix (and a float
	 * copy, half the size, only where the budget has room: kmeans_screen.h)
	 */
	return estimate * 3 > (double) segment_memory_limit_bytes();
}

/* Whether any column clustered is text (to be one-hot encoded). */
static bool
HasTextColumn(const KFitRequest *req)
{
	for (int j = 0; j < req->d; j++)
	{
		bool		is_integer;

		if (dataset_column_kind(dataset_column_type(req->relid, req->columns[j]),
								&is_integer) == SEG_COL_CATEGORICAL)
			return true;
	}
	return false;
}

/*
 * Loads the columns in canonical order and checks them: without
 * preprocessing, text columns and NULLs are refused; constant columns get
 * a warning.
 */
static SegFrame *
LoadFrame(const KFitRequest *req)
{
	SegFrame   *frame = dataset_load_canonical(req->relid, req->columns, req->d, -1);
	bool	   *has_null = palloc0(sizeof(bool) * req->d);
	bool	   *varies = palloc0(sizeof(bool) * req->d);
	double	   *first = palloc(sizeof(double) * req->d);

	for (int j = 0; j < req->d && !req->preprocess; j++)
		if (frame->columns[j].kind == SEG_COL_CATEGORICAL)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" is not numeric", req->columns[j]),
					 errhint("With preprocess => true (the default) kmeans_fit one-hot encodes text columns, as segment_train does.")));
	if (frame->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows", get_rel_name(req->relid))));
	/* row by row: the frame is row-major */
	for (int j = 0; j < req->d; j++)
		first[j] = NAN;
	for (int i = 0; i < frame->n_rows; i++)
		for (int j = 0; j < req->d; j++)
		{
			double		v = FRAME_CELL(frame, i, j);

			if (SEG_IS_MISSING(v))
			{
				has_null[j] = true;
				continue;
			}
			if (isnan(first[j]))
				first[j] = v;
			varies[j] |= v != first[j];
		}
	for (int j = 0; j < req->d && !req->preprocess; j++)
		if (has_null[j])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("column \"%s\" contains NULL values", req->columns[j]),
					 errhint("With preprocess => true (the default) kmeans_fit imputes them with the column's mean, as segment_train does.")));
	for (int j = 0; j < req->d; j++)
		/*
		 * NULLs of a number become its mean, which a constant column
		 * already has; NULLs of a text column are a category of their own
		 */
		if (!varies[j] && !(has_null[j] && !isnan(first[j]) &&
							frame->columns[j].kind == SEG_COL_CATEGORICAL))
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("column \"%s\" has zero variance and does not affect the clustering",
							req->columns[j])));
	pfree(has_null);
	pfree(varies);
	pfree(first);
	return frame;
}

/* The frame's rows at rows[0..n), sharing its column descriptions. */
static SegFrame *
FrameRows(const SegFrame *frame, const int *rows, int n)
{
	SegFrame   *out = palloc(sizeof(SegFrame));

	out->n_rows = n;
	out->n_cols = frame->n_cols;
	out->columns = frame->columns;
	out->values = seg_alloc_array(Max((size_t) n * frame->n_cols, 1), sizeof(double));
	for (int i = 0; i < n; i++)
		memcpy(out->values + (size_t) i * frame->n_cols, &FRAME_CELL(frame, rows[i], 0),
			   sizeof(double) * frame->n_cols);
	return out;
}

/*
 * Every k from one preparation of the data (encoded once, centred,
 * blocked and normed once: kmeans_fit_data), and the silhouettes of all k
 * from one pass of distances over one sample (silhouette_scores), which
 * needs only the sampled rows' labels of each k.  Each k's result is the
 * same as fitting and scoring it alone.  x (n x d) is what is clustered;
 * profile (n x d_profile) the same rows in the preprocessor's encoded
 * space, what personas describe (x itself, but for codes of an
 * embedding); init, when not NULL, the first centroids in x's space.
 */
void
kmeans_fit_rows(const KFitRequest *req, const SegFrame *frame, const double *x, int d,
				const double *profile, int d_profile, const double *init, KFitRun *runs,
				KFitSample *sample)
{
	int			n = frame->n_rows;
	KMeansData	data;
	char		msg[SEG_ERRMSG_LEN];
	int		   *rows = seg_alloc_array(Max(n, 1), sizeof(int));
	int			n_sample = silhouette_sample_rows(n, req->silhouette_sample,
												  (uint64_t) req->seed, rows);
	double	   *xs = seg_alloc_array((size_t) Max(n_sample, 1) * d, sizeof(double));
	int		  **sample_labels = palloc(sizeof(int *) * req->n_k);
	double	   *silhouettes = palloc(sizeof(double) * req->n_k);

	for (int s = 0; s < n_sample; s++)
		memcpy(xs + (size_t) s * d, x + (size_t) rows[s] * d, sizeof(double) * d);
	segment_raise(kmeans_data_init(&data, x, n, d, msg), msg);
	for (int r = 0; r < req->n_k; r++)
	{
		KMeansOptions opt;
		KMeansResult result;
		KFitRun    *run = &runs[r];

		memset(&opt, 0, sizeof(opt));
		opt.k = req->ks[r];
		opt.n_init = req->n_init;
		opt.max_iter = req->max_iter;
		opt.tol = req->tol;
		opt.seed = (uint64_t) (int64) req->seed;
		opt.init = init;
		opt.hooks = segment_hooks();
		opt.progress_per_iteration = n >= PROGRESS_ITERATION_ROWS;
		segment_raise(kmeans_fit_data(&data, &opt, &result, msg), msg);
		run->k = opt.k;
		run->inertia = result.inertia;
		run->n_iter = result.n_iter;
		run->n_distinct = result.n_distinct;
		run->centroids = result.centroids;
		run->davies_bouldin = davies_bouldin_score(x, n, d, result.labels, run->k,
												   segment_hooks());
		kmeans_cluster_means(profile, n, d_profile, result.labels, run->k, &run->sizes,
							 &run->means);
		sample_labels[r] = palloc(sizeof(int) * (size_t) Max(n_sample, 1));
		for (int s = 0; s < n_sample; s++)
			sample_labels[r][s] = result.labels[rows[s]];
		run->sample_labels = sample_labels[r];
		pfree(result.labels);
	}
	kmeans_data_free(&data);
	silhouette_scores(xs, n_sample, d, (const int *const *) sample_labels, req->ks, req->n_k,
					  0, 0, segment_memory_limit_bytes(), segment_hooks(), silhouettes);
	for (int r = 0; r < req->n_k; r++)
	{
		runs[r].silhouette = silhouettes[r];
		kmeans_warn_distinct(runs[r].n_distinct, runs[r].k);
		kmeans_report_k(&runs[r]);
	}
	sample->n = n_sample;
	sample->x = xs;
	sample->frame = FrameRows(frame, rows, n_sample);
	sample->sample_size = 0;
	kmeans_overall_stats(profile, n, d_profile, &sample->overall_mean, &sample->overall_sd);
}

/* The columns through the preprocessor, then every k on the encoded rows. */
static void
FitInMemory(const KFitRequest *req, SegFrame *frame, const SegPreprocessor *prep, KFitRun *runs,
			KFitSample *sample)
{
	int			n = frame->n_rows;
	int			d = prep->n_outputs;
	double	   *x = seg_alloc(sizeof(double) * (size_t) n * d);
	char		msg[SEG_ERRMSG_LEN];

	segment_raise(prep_transform_frame(prep, frame, NULL, n, x, msg), msg);
	kmeans_fit_rows(req, frame, x, d, x, d,
					req->init != NULL ? kmeans_init_standardised(req, prep) : NULL, runs, sample);
	seg_free(x);
}

/* Index of the chosen run and the rule that chose it. */
static int
ChooseK(const KFitRequest *req, const KFitRun *runs, const char **rule, int *elbow_k)
{
	int			n_k = req->n_k;
	double	   *xs = palloc(sizeof(double) * n_k);
	double	   *ys = palloc(sizeof(double) * n_k);
	int			best = -1;
	int			knee;

	for (int r = 0; r < n_k; r++)
	{
		xs[r] = runs[r].k;
		ys[r] = runs[r].inertia;
		if (!isnan(runs[r].silhouette) &&
			(best < 0 || runs[r].silhouette > runs[best].silhouette))
			best = r;
	}
	knee = knee_index(xs, ys, n_k);
	*elbow_k = knee >= 0 ? runs[knee].k : -1;
	if (req->choose_elbow && knee >= 0)
	{
		*rule = "elbow";
		return knee;
	}
	if (best >= 0)
	{
		*rule = req->choose_elbow ? "silhouette (no elbow among the k tried)" : "silhouette";
		return best;
	}
	if (knee >= 0)
	{
		*rule = "elbow";
		return knee;
	}
	*rule = n_k == 1 ? "only k" : "first k";
	return 0;
}

/* The version skip_if_unchanged finds trained on the same rows and arguments, or 0. */
static int32
Unchanged(const KFitRequest *req, Jsonb *fingerprint)
{
	int32		version;
	Jsonb	   *spec;
	JsonbValue *stored;

	if (!req->skip_if_unchanged || fingerprint == NULL)
		return 0;
	spec = registry_latest_spec(req->name, &version);
	if (spec == NULL || !JB_ROOT_IS_OBJECT(spec))
		return 0;
	stored = getKeyJsonValueFromContainer(&spec->root, "fingerprint", strlen("fingerprint"),
										  NULL);
	if (stored == NULL || stored->type != jbvBinary)
		return 0;
	return compareJsonbContainers(stored->val.binary.data, &fingerprint->root) == 0 ?
		version : 0;
}

static Jsonb *
Spec(const KFitRequest *req, Jsonb *fingerprint)
{
	JsonBuilder b;

	json_begin(&b);
	json_object_begin(&b);
	json_key_string(&b, "function", "kmeans_fit");
	json_key(&b, "arguments");
	json_jsonb(&b, kmeans_spec_arguments(req, true));
	json_key(&b, "fingerprint");
	json_jsonb(&b, fingerprint);
	json_object_end(&b);
	return json_finish(&b);
}

/* The one line a non-interactive run (a scheduled job) logs instead of notices. */
static void
Summarize(const KFitRequest *req, int32 version, int k, const char *rule,
		  const KFitDeployment *d)
{
	if (!segment_progress_summary())
		return;
	if (version > 0)
		ereport(LOG,
				(errmsg("kmeans_fit: model \"%s\" version %d (k = %d by %s) %s: %s", req->name,
						version, k, rule, d->deployed ? "deployed" : "not deployed", d->reason)));
	else
		ereport(LOG,
				(errmsg("kmeans_fit: model \"%s\": no new version: %s", req->name, d->reason)));
}

/* One row of the result: a k's figures, and the report on the chosen k's row. */
static void
PutRow(ReturnSetInfo *rsinfo, const KFitRun *run, bool chosen, Jsonb *report)
{
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, true};

	if (run != NULL)
	{
		values[0] = Int32GetDatum(run->k);
		values[1] = Float8GetDatum(run->inertia);
		values[2] = Float8GetDatum(run->silhouette);
		nulls[2] = isnan(run->silhouette);
	}
	else
		nulls[0] = nulls[1] = nulls[2] = true;
	values[3] = BoolGetDatum(chosen);
	if (report != NULL)
	{
		values[4] = JsonbPGetDatum(report);
		nulls[4] = false;
	}
	/* 0.1.0's declaration returns the first four columns */
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * skip_if_unchanged found a version trained on these rows with these
 * arguments: the run is recorded, and one row (no k) carries the report.
 */
static void
Skipped(ReturnSetInfo *rsinfo, const KFitRequest *req, TimestampTz started, int64 n_rows,
		int32 same, MemoryContext caller)
{
	KFitDeployment d;
	int64		run;
	Jsonb	   *report;
	MemoryContext old;

	memset(&d, 0, sizeof(d));
	d.new_score = NAN;
	d.previous_score = NAN;
	d.reason = psprintf("the rows (" INT64_FORMAT "), the arguments and the library version are those version %d was fitted on",
						n_rows, same);
	run = kmeans_record_run(req, started, n_rows, "skipped", 0, &d);
	Summarize(req, 0, 0, NULL, &d);
	if (segment_progress_notices())
		ereport(NOTICE, (errmsg("k-means model \"%s\": no new version: %s", req->name, d.reason)));
	report = kmeans_skipped_report(req, same, n_rows, d.reason, run);
	old = MemoryContextSwitchTo(caller);
	PutRow(rsinfo, NULL, false, DatumGetJsonbPCopy(JsonbPGetDatum(report)));
	MemoryContextSwitchTo(old);
}

/*
 * segment.kmeans_fit(name text, relation regclass, columns text[],
 *                    k int[], n_init int, max_iter int, tol float8,
 *                    seed int, init float8[], streaming bool,
 *                    silhouette_sample int, preprocess bool, choose text,
 *                    labels jsonb, roles jsonb, deploy text,
 *                    skip_if_unchanged bool)
 *   RETURNS TABLE (k int, inertia float8, silhouette float8, chosen bool,
 *                  report jsonb)
 */
Datum
kmeans_fit_table(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KFitRequest req;
	KFitRun    *runs;
	KFitSample	sample;
	SegPreprocessor *prep;
	KMeansModel model;
	KFitIdentity identity;
	KFitDeployment deployment;
	SegWriter	w;
	int64		n_rows;
	int			chosen;
	int			elbow_k;
	const char *rule;
	int32		version;
	int32		deployed_version;
	bytea	   *deployed = NULL;
	Jsonb	   *fingerprint = NULL;
	Jsonb	   *metrics;
	Jsonb	   *report;
	int64		run;
	char	  **warnings;
	int			n_warnings = 0;
	const char *structure;
	TimestampTz started = GetCurrentTimestamp();
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext work;
	MemoryContext old;

	InitMaterializedSRF(fcinfo, 0);
	work = AllocSetContextCreate(CurrentMemoryContext, "segment kmeans_fit",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "kmeans_fit");
	kmeans_parse_request(fcinfo, &req);
	/* codes are clustered in memory (kmeans_parse_request refuses streaming) */
	if (!req.streaming_given && req.emb == NULL)
		req.streaming = !HasTextColumn(&req) && ShouldStream(req.relid, req.d);

	memset(&sample, 0, sizeof(sample));
	runs = palloc0(sizeof(KFitRun) * req.n_k);
	if (req.streaming)
		prep = kmeans_fit_streaming(&req, runs, &n_rows, &sample);
	else
	{
		double	   *codes = NULL;
		SegFrame   *frame = req.emb != NULL ? kmeans_embedding_load(&req, &codes) :
			LoadFrame(&req);
		char		msg[SEG_ERRMSG_LEN];
		int32		same;

		n_rows = frame->n_rows;
		fingerprint = kmeans_fingerprint(&req, frame);
		same = Unchanged(&req, fingerprint);
		if (same > 0)
		{
			Skipped(rsinfo, &req, started, n_rows, same, old);
			segment_budget_end();
			MemoryContextSwitchTo(old);
			MemoryContextDelete(work);
			return (Datum) 0;
		}
		if (req.emb != NULL)
		{
			prep = req.emb->prep;
			kmeans_fit_embedded(&req, frame, codes, runs, &sample);
		}
		else
		{
			segment_raise(prep_fit(frame, NULL, frame->n_rows, &prep, msg), msg);
			FitInMemory(&req, frame, prep, runs, &sample);
		}
	}

	chosen = ChooseK(&req, runs, &rule, &elbow_k);
	warnings = palloc(sizeof(char *) * 2);
	structure = kmeans_structure(runs[chosen].silhouette);
	if (structure != NULL && strcmp(structure, "none") == 0)
	{
		char	   *w_text = psprintf("the silhouette of the chosen k = %d is %.3f: the data show no substantial cluster structure",
									  runs[chosen].k, runs[chosen].silhouette);

		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s", w_text),
				 errdetail("A silhouette at or below %.2f means no substantial structure (Kaufman and Rousseeuw); the clusters and their personas cut a continuum rather than find groups.",
						   KMEANS_SILHOUETTE_NO_STRUCTURE),
				 errhint("Try other columns, or treat the segments as ranges rather than groups.")));
		warnings[n_warnings++] = w_text;
	}

	memset(&model, 0, sizeof(model));
	model.prep = prep;
	model.embedding = req.emb;
	model.k = runs[chosen].k;
	model.d = req.emb != NULL ? req.emb->code_size : prep->n_outputs;
	model.inertia = runs[chosen].inertia;
	model.n_iter = runs[chosen].n_iter;
	model.centroids = runs[chosen].centroids;
	kmeans_build_personas(&req, &model, &runs[chosen], &sample);
	/* the name is locked from here to the end of the transaction */
	if (!registry_deployed_version(req.name, &deployed_version, &deployed))
		deployed = NULL;
	kmeans_number_clusters(req.name, &model, deployed, deployed_version, &identity);
	kmeans_decide(&req, &model, &runs[chosen], &sample, deployed, deployed_version, &deployment);

	writer_init(&w, 1024 + sizeof(double) * (size_t) model.k * model.d * 2);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, &model);
	model_seal(&w);
	metrics = kmeans_metrics(&req, runs, chosen, rule, elbow_k, n_rows, &model, &identity,
							 &deployment, warnings, n_warnings);
	version = registry_save(req.name, segment_writer_to_bytea(&w), Spec(&req, fingerprint),
							metrics, deployment.deployed);
	run = kmeans_record_run(&req, started, n_rows, "trained", version, &deployment);
	report = kmeans_report(&req, version, run, metrics);
	if (segment_progress_notices())
		ereport(NOTICE,
				(errmsg("k-means model \"%s\" version %d: k = %d chosen by %s%s; %s: %s",
						req.name, version, runs[chosen].k, rule,
						elbow_k > 0 ? psprintf(" (elbow at k = %d)", elbow_k) : "",
						deployment.deployed ? "deployed" : "not deployed", deployment.reason)));
	Summarize(&req, version, runs[chosen].k, rule, &deployment);

	segment_budget_end();
	MemoryContextSwitchTo(caller);
	report = DatumGetJsonbPCopy(JsonbPGetDatum(report));
	for (int r = 0; r < req.n_k; r++)
		PutRow(rsinfo, &runs[r], r == chosen, r == chosen ? report : NULL);
	MemoryContextDelete(work);
	return (Datum) 0;
}
