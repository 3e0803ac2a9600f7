/*-------------------------------------------------------------------------
 *
 * sql_kmeans.c
 *	  The table form segment.kmeans_fit(name, relation, columns, k[], ...):
 *	  standardises the columns, runs k-means for every k, scores each k
 *	  (inertia, silhouette, Davies-Bouldin, the elbow), chooses one,
 *	  registers its model and returns one row per k.
 *
 * The chosen k is the one with the best silhouette (ties: the smaller k);
 * when no silhouette is defined (a single k of 1, say), the elbow of the
 * inertia curve, else the first k.  The rule is stored in the model's
 * metrics and reported in a NOTICE.
 *
 * Small tables are loaded once and clustered in memory; a relation larger
 * than segment.memory_limit (or streaming => true) is clustered by the
 * streaming driver of sql_kmeans_stream.c instead.  Progress: a NOTICE per
 * k, and per Lloyd iteration when streaming or fitting a million rows or
 * more in memory.
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

#include "cluster_metrics.h"
#include "dataset.h"
#include "pg_args.h"
#include "pg_core.h"
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
	run->davies_bouldin = davies_bouldin_score(x, n, d, labels, run->k);
}

static int
CompareInt(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

/* The k[] argument: positive, sorted, duplicates removed. */
static int *
ReadKs(ArrayType *array, int *n_out)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int		   *ks;
	int			m = 0;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("k must be a one-dimensional array")));
	deconstruct_array(array, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must hold at least one number of clusters")));
	ks = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("k must not contain nulls")));
		ks[i] = DatumGetInt32(elems[i]);
		if (ks[i] < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k must be at least 1, not %d", ks[i])));
	}
	qsort(ks, n, sizeof(int), CompareInt);
	for (int i = 0; i < n; i++)
		if (m == 0 || ks[m - 1] != ks[i])
			ks[m++] = ks[i];
	*n_out = m;
	return ks;
}

/* init: a k x d array (or k * d values) of centroids in original units. */
static double *
ReadInit(ArrayType *array, int d, int *k_out)
{
	int			n = ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
	double	   *values = (double *) ARR_DATA_PTR(array);

	if (ARR_HASNULL(array) && array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("init must not contain nulls")));
	if (n == 0 || ARR_NDIM(array) > 2 || (ARR_NDIM(array) == 2 && ARR_DIMS(array)[1] != d) ||
		n % d != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("init must be a k x %d array of initial centroids", d)));
	for (int i = 0; i < n; i++)
		if (!isfinite(values[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("init must hold finite numbers")));
	*k_out = n / d;
	return values;
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
	/* the in-memory fit holds about three copies of the matrix */
	return estimate * 3 > (double) segment_memory_limit_bytes();
}

/* Loads, checks and standardises the columns; returns the n x d matrix. */
static double *
LoadStandardised(const KFitRequest *req, SegPreprocessor **prep_out, int *n_out)
{
	SegFrame   *frame = dataset_load_canonical(req->relid, req->columns, req->d, -1);
	SegPreprocessor *prep;
	double	   *x;
	bool	   *has_null;
	bool	   *varies;
	char		msg[SEG_ERRMSG_LEN];

	for (int j = 0; j < req->d; j++)
		if (frame->columns[j].kind == SEG_COL_CATEGORICAL)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" is not numeric", req->columns[j]),
					 errhint("k-means clusters numeric and boolean columns; encode categories first.")));
	if (frame->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows", get_rel_name(req->relid))));
	/* row by row: the frame is row-major */
	has_null = palloc0(sizeof(bool) * req->d);
	varies = palloc0(sizeof(bool) * req->d);
	for (int i = 0; i < frame->n_rows; i++)
		for (int j = 0; j < req->d; j++)
		{
			double		v = FRAME_CELL(frame, i, j);

			has_null[j] |= SEG_IS_MISSING(v);
			varies[j] |= v != FRAME_CELL(frame, 0, j);
		}
	for (int j = 0; j < req->d; j++)
		if (has_null[j])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("column \"%s\" contains NULL values", req->columns[j]),
					 errhint("k-means needs every feature: filter or impute the rows first, for example with a view.")));
	for (int j = 0; j < req->d; j++)
		if (!varies[j])
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("column \"%s\" has zero variance and does not affect the clustering",
							req->columns[j])));
	pfree(has_null);
	pfree(varies);
	segment_raise(prep_fit(frame, NULL, frame->n_rows, &prep, msg), msg);
	x = seg_alloc(sizeof(double) * (size_t) frame->n_rows * req->d);
	segment_raise(prep_transform_frame(prep, frame, NULL, frame->n_rows, x, msg), msg);
	*prep_out = prep;
	*n_out = frame->n_rows;
	return x;
}

/* Original units -> the standardised space of the model. */
static double *
StandardiseInit(const KFitRequest *req, const SegPreprocessor *prep)
{
	double	   *out = palloc(sizeof(double) * (size_t) req->init_k * req->d);

	for (int j = 0; j < req->init_k; j++)
		for (int t = 0; t < req->d; t++)
			out[(size_t) j * req->d + t] =
				(req->init[(size_t) j * req->d + t] - prep->columns[t].mean) /
				prep->columns[t].scale;
	return out;
}

/*
 * Every k from one preparation of the data (loaded and standardised once,
 * centred, blocked and normed once: kmeans_fit_data), and the silhouettes
 * of all k from one pass of distances over one sample (silhouette_scores),
 * which needs only the sampled rows' labels of each k.  Each k's result is
 * the same as fitting and scoring it alone.
 */
static void
FitInMemory(const KFitRequest *req, KFitRun *runs, SegPreprocessor **prep_out, int64 *n_rows)
{
	int			n;
	SegPreprocessor *prep;
	double	   *x = LoadStandardised(req, &prep, &n);
	double	   *init = req->init != NULL ? StandardiseInit(req, prep) : NULL;
	KMeansData	data;
	char		msg[SEG_ERRMSG_LEN];
	int		   *rows = palloc_extended(sizeof(int) * (size_t) n, MCXT_ALLOC_HUGE);
	int			n_sample = silhouette_sample_rows(n, req->silhouette_sample,
												  (uint64_t) req->seed, rows);
	double	   *xs = palloc_extended(sizeof(double) * (size_t) n_sample * req->d, MCXT_ALLOC_HUGE);
	int		  **sample_labels = palloc(sizeof(int *) * req->n_k);
	double	   *silhouettes = palloc(sizeof(double) * req->n_k);

	for (int s = 0; s < n_sample; s++)
		memcpy(xs + (size_t) s * req->d, x + (size_t) rows[s] * req->d,
			   sizeof(double) * req->d);
	segment_raise(kmeans_data_init(&data, x, n, req->d, msg), msg);
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
		run->davies_bouldin = davies_bouldin_score(x, n, req->d, result.labels, run->k);
		sample_labels[r] = palloc(sizeof(int) * (size_t) Max(n_sample, 1));
		for (int s = 0; s < n_sample; s++)
			sample_labels[r][s] = result.labels[rows[s]];
		pfree(result.labels);
	}
	kmeans_data_free(&data);
	silhouette_scores(xs, n_sample, req->d, (const int *const *) sample_labels, req->ks, req->n_k,
					  0, 0, segment_memory_limit_bytes(), segment_hooks(), silhouettes);
	for (int r = 0; r < req->n_k; r++)
	{
		runs[r].silhouette = silhouettes[r];
		kmeans_warn_distinct(runs[r].n_distinct, runs[r].k);
		kmeans_report_k(&runs[r]);
	}
	*prep_out = prep;
	*n_rows = n;
}

/* Index of the chosen run and the rule that chose it. */
static int
ChooseK(const KFitRun *runs, int n_k, const char **rule, int *elbow_k)
{
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
	if (best >= 0)
	{
		*rule = "silhouette";
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

static void
AppendFloat(StringInfo buf, double v)
{
	if (isfinite(v))
		appendStringInfoString(buf, float8out_internal(v));
	else
		appendStringInfoString(buf, "null");
}

static char *
SpecJson(const KFitRequest *req, bool streaming, char *relname)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"function\": \"kmeans_fit\", \"relation\": ");
	escape_json(&buf, relname);
	appendStringInfoString(&buf, ", \"columns\": [");
	for (int j = 0; j < req->d; j++)
	{
		if (j > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, req->columns[j]);
	}
	appendStringInfoString(&buf, "], \"k\": [");
	for (int r = 0; r < req->n_k; r++)
		appendStringInfo(&buf, "%s%d", r > 0 ? ", " : "", req->ks[r]);
	appendStringInfo(&buf, "], \"n_init\": %d, \"max_iter\": %d, \"tol\": ", req->n_init,
					 req->max_iter);
	AppendFloat(&buf, req->tol);
	appendStringInfo(&buf, ", \"seed\": %d, \"streaming\": %s, \"silhouette_sample\": %d, \"init\": ",
					 req->seed, streaming ? "true" : "false", req->silhouette_sample);
	if (req->init == NULL)
		appendStringInfoString(&buf, "null");
	else
	{
		appendStringInfoChar(&buf, '[');
		for (int j = 0; j < req->init_k; j++)
		{
			appendStringInfoString(&buf, j > 0 ? ", [" : "[");
			for (int t = 0; t < req->d; t++)
			{
				if (t > 0)
					appendStringInfoString(&buf, ", ");
				AppendFloat(&buf, req->init[(size_t) j * req->d + t]);
			}
			appendStringInfoChar(&buf, ']');
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static char *
MetricsJson(const KFitRun *runs, int n_k, int chosen, const char *rule, int elbow_k,
			int64 n_rows)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"k\": %d, \"rule\": \"%s\", \"elbow_k\": ", runs[chosen].k, rule);
	if (elbow_k > 0)
		appendStringInfo(&buf, "%d", elbow_k);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfo(&buf, ", \"n_rows\": " INT64_FORMAT ", \"inertia\": ", n_rows);
	AppendFloat(&buf, runs[chosen].inertia);
	appendStringInfoString(&buf, ", \"silhouette\": ");
	AppendFloat(&buf, runs[chosen].silhouette);
	appendStringInfoString(&buf, ", \"davies_bouldin\": ");
	AppendFloat(&buf, runs[chosen].davies_bouldin);
	appendStringInfoString(&buf, ", \"per_k\": [");
	for (int r = 0; r < n_k; r++)
	{
		appendStringInfo(&buf, "%s{\"k\": %d, \"inertia\": ", r > 0 ? ", " : "", runs[r].k);
		AppendFloat(&buf, runs[r].inertia);
		appendStringInfoString(&buf, ", \"silhouette\": ");
		AppendFloat(&buf, runs[r].silhouette);
		appendStringInfoString(&buf, ", \"davies_bouldin\": ");
		AppendFloat(&buf, runs[r].davies_bouldin);
		appendStringInfo(&buf, ", \"n_iter\": %d, \"distinct_clusters\": %d}",
						 runs[r].n_iter, runs[r].n_distinct);
	}
	appendStringInfoString(&buf, "]}");
	return buf.data;
}

/* Registers the model as the next version of name; returns the version. */
static int
SaveModel(text *name, bytea *model, const char *spec, const char *metrics)
{
	return registry_save(text_to_cstring(name), model,
						 DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(spec))),
						 DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(metrics))),
						 true);
}

/*
 * segment.kmeans_fit(name text, relation regclass, columns text[],
 *                    k int[], n_init int, max_iter int, tol float8,
 *                    seed int, init float8[], streaming bool,
 *                    silhouette_sample int)
 *   RETURNS TABLE (k int, inertia float8, silhouette float8, chosen bool)
 */
Datum
kmeans_fit_table(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KFitRequest req;
	KFitRun    *runs;
	SegPreprocessor *prep;
	KMeansModel model;
	SegWriter	w;
	bool		streaming;
	int64		n_rows;
	int			chosen;
	int			elbow_k;
	const char *rule;
	int			version;
	text	   *name;
	MemoryContext work;
	MemoryContext old;
	char	   *relname;

	segment_require_arg(fcinfo, 0, "model name");
	segment_require_arg(fcinfo, 1, "relation");
	segment_require_arg(fcinfo, 2, "columns");
	segment_require_arg(fcinfo, 3, "k");
	segment_require_arg(fcinfo, 4, "n_init");
	segment_require_arg(fcinfo, 5, "max_iter");
	segment_require_arg(fcinfo, 6, "tol");
	segment_require_arg(fcinfo, 7, "seed");
	segment_require_arg(fcinfo, 10, "silhouette_sample");
	InitMaterializedSRF(fcinfo, 0);

	work = AllocSetContextCreate(CurrentMemoryContext, "segment kmeans_fit",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "kmeans_fit");
	memset(&req, 0, sizeof(req));
	name = PG_GETARG_TEXT_PP(0);
	if (VARSIZE_ANY_EXHDR(name) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must not be empty")));
	/* before the work: may the caller add a version to this name? */
	registry_check_change(text_to_cstring(name));
	req.relid = PG_GETARG_OID(1);
	relname = segment_readable_relation(req.relid);
	req.columns = dataset_text_array(PG_GETARG_ARRAYTYPE_P(2), "columns", &req.d);
	if (req.d == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("columns must name at least one column")));
	for (int j = 0; j < req.d; j++)
		(void) dataset_column_type(req.relid, req.columns[j]);
	req.ks = ReadKs(PG_GETARG_ARRAYTYPE_P(3), &req.n_k);
	req.n_init = PG_GETARG_INT32(4);
	req.max_iter = PG_GETARG_INT32(5);
	req.tol = PG_GETARG_FLOAT8(6);
	req.seed = PG_GETARG_INT32(7);
	req.silhouette_sample = PG_GETARG_INT32(10);
	segment_check_n_init(req.n_init);
	if (req.max_iter < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iter must be at least 1")));
	if (!(req.tol >= 0.0) || isinf(req.tol))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tol must be a finite number of at least 0")));
	if (req.silhouette_sample < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("silhouette_sample must not be negative")));
	if (!PG_ARGISNULL(8))
	{
		req.init = ReadInit(PG_GETARG_ARRAYTYPE_P(8), req.d, &req.init_k);
		if (req.n_k != 1 || req.ks[0] != req.init_k)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("init has %d centroids, so k must be {%d}", req.init_k, req.init_k),
					 errhint("Pass k => ARRAY[%d] with init.", req.init_k)));
	}
	streaming = PG_ARGISNULL(9) ? ShouldStream(req.relid, req.d) : PG_GETARG_BOOL(9);

	runs = palloc0(sizeof(KFitRun) * req.n_k);
	if (streaming)
		prep = kmeans_fit_streaming(&req, runs, &n_rows);
	else
		FitInMemory(&req, runs, &prep, &n_rows);

	chosen = ChooseK(runs, req.n_k, &rule, &elbow_k);
	memset(&model, 0, sizeof(model));
	model.prep = prep;
	model.k = runs[chosen].k;
	model.d = req.d;
	model.inertia = runs[chosen].inertia;
	model.n_iter = runs[chosen].n_iter;
	model.centroids = runs[chosen].centroids;
	writer_init(&w, 1024 + sizeof(double) * (size_t) model.k * model.d);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, &model);
	model_seal(&w);
	version = SaveModel(name, segment_writer_to_bytea(&w), SpecJson(&req, streaming, relname),
						MetricsJson(runs, req.n_k, chosen, rule, elbow_k, n_rows));
	ereport(NOTICE,
			(errmsg("k-means model \"%s\" version %d: k = %d chosen by %s%s",
					text_to_cstring(name), version, runs[chosen].k, rule,
					elbow_k > 0 ? psprintf(" (elbow at k = %d)", elbow_k) : "")));

	segment_budget_end();
	MemoryContextSwitchTo(old);
	for (int r = 0; r < req.n_k; r++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Int32GetDatum(runs[r].k);
		values[1] = Float8GetDatum(runs[r].inertia);
		values[2] = Float8GetDatum(runs[r].silhouette);
		nulls[2] = isnan(runs[r].silhouette);
		values[3] = BoolGetDatum(r == chosen);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(work);
	return (Datum) 0;
}
