/*-------------------------------------------------------------------------
 *
 * sql_kmeans_stream.c
 *	  Streaming k-means: the driver that runs each Lloyd iteration as one
 *	  parallel aggregate query (segment.kmeans_step) over the relation.
 *
 * Passes: one parallel segment.kmeans_scan for the NULL counts, the
 * standardisation statistics and the rows of the seeded Bernoulli sample
 * (k-means++ seeding and the silhouette) all at once; one step per
 * iteration; and a last step for the inertia of the final centres unless
 * the iterations ended on a zero shift.  (Partitioned tables, tables the
 * planner has no row count for or that grew well past it, and more than
 * 96 columns take a second pass for the sample: TABLESAMPLE BERNOULLI
 * itself.)  Steps read the raw
 * columns as separate float8 arguments and weight distances by
 * 1 / scale^2, which equals clustering the standardised columns without
 * per-row arithmetic.  Labels are not kept, so "labels unchanged" is
 * detected as a zero centre shift, which it implies.
 *
 * IDENTIFICATION
 *	  src/sql_kmeans_stream.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "dataset.h"
#include "pg_core.h"
#include "scaler.h"
#include "sql_kmeans.h"

/*
 * Largest magnitude a streamed column may hold: steps weight squared raw
 * differences by 1 / scale^2, and both must stay finite.
 */
#define STREAM_MAX_MAGNITUDE 1e150

typedef struct StreamSource
{
	char	   *relation;		/* quoted, qualified */
	char	   *features;		/* ARRAY[...] of standardised columns */
	char	   *raw_args;		/* "c1::float8, c2::float8, ...": raw columns */
	char	   *step_sql;		/* the Lloyd step query: $1 centroids, $2 weights */
	Datum		weights;		/* float8[] 1 / scale^2 per column */
	const SegPreprocessor *prep;
	int			d;
	double	   *stat_sd;		/* the standardised columns' spread: 1, or 0 when constant */
} StreamSource;

/* SQL text of column j as float8 (booleans through integer). */
static char *
ColumnAsFloat8(Oid relid, const char *column)
{
	Oid			typid = getBaseType(dataset_column_type(relid, column));
	bool		is_integer;
	int			kind = dataset_column_kind(typid, &is_integer);

	if (kind == SEG_COL_CATEGORICAL || kind < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" is not numeric", column),
				 errdetail("Streaming k-means reads numeric and boolean columns only."),
				 errhint("Fit in memory (streaming => false, with a larger segment.memory_limit if needed), where preprocess => true one-hot encodes text columns.")));
	if (kind == SEG_COL_BOOLEAN)
		return psprintf("%s::int4::float8", quote_identifier(column));
	return psprintf("%s::float8", quote_identifier(column));
}

/* Runs one single-row, single-column query; returns the datum copied out. */
static Datum
QueryValue(const char *sql, int nargs, Oid *types, Datum *values, bool *isnull, bool byval,
		   int typlen)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext old;
	Datum		result;
	int			search_path = segment_pin_search_path();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, nargs, types, values, NULL, true, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "query did not return one row: %s", sql);
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	old = MemoryContextSwitchTo(caller);
	if (!*isnull)
		result = datumCopy(result, byval, typlen);
	MemoryContextSwitchTo(old);
	SPI_finish();
	segment_restore_search_path(search_path);
	return result;
}

/* Runs a query of one row of two columns (the first never NULL); copies both out. */
static void
QueryTwoValues(const char *sql, Datum *first, Datum *second, bool *second_isnull)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext old;
	bool		isnull;
	Datum		a;
	Datum		b;
	int			search_path = segment_pin_search_path();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "query did not return one row: %s", sql);
	a = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	b = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, second_isnull);
	old = MemoryContextSwitchTo(caller);
	*first = datumCopy(a, false, -1);
	*second = *second_isnull ? (Datum) 0 : datumCopy(b, false, -1);
	MemoryContextSwitchTo(old);
	SPI_finish();
	segment_restore_search_path(search_path);
}

/* the fixed arguments of segment.kmeans_scan before the features */
#define SCAN_ARGS 4
/*
 * The most rows segment.kmeans_scan keeps for a sample of target rows: it
 * expects twice the target (its percentage is from half the planned
 * rows); beyond four times that, the table outgrew its statistics and the
 * sample comes from TABLESAMPLE instead.
 */
#define SCAN_MAX_ROWS(target) (8 * (target) + 1000)

/* The percentage of rows TABLESAMPLE BERNOULLI draws for the seeding sample. */
static double
SamplePercent(const KFitRequest *req, int64 n_rows)
{
	int			target = Max(req->silhouette_sample, 10000);

	return Min(100.0, 100.0 * target / (double) n_rows);
}

/* That percentage as TABLESAMPLE sees it: its SQL text coerced to float4. */
static float4
SamplePercentFloat4(double percent)
{
	return DatumGetFloat4(DirectFunctionCall1(float4in,
											  CStringGetDatum(float8out_internal(percent))));
}

/*
 * The first pass: checks for NULLs, fits the standardisation and builds
 * the preprocessor; when it can, keeps the seeding sample's rows in the
 * same scan (segment.kmeans_scan: the rows of TABLESAMPLE BERNOULLI at a
 * percentage from half the planner's row count, at least the one the true
 * count gives), and returns its standardised rows in *sample (else NULL).
 */
static SegPreprocessor *
StreamStatistics(const KFitRequest *req, StreamSource *src, int64 *n_rows, double *mean_var,
				 double **sample, int *m_out)
{
	double		planned = -1;
	float4		kept_percent = 0;
	bool		one_pass;
	KMeansScan	scan;
	StringInfoData sql;
	StringInfoData arr;
	char	  **raw = palloc(sizeof(char *) * req->d);
	Datum		result;
	bool		isnull;
	ArrayType  *counts;
	Datum		counts_datum;
	double	   *cv;
	SegScaler  *scaler;
	SegPreprocessor *prep;

	initStringInfo(&arr);
	for (int j = 0; j < req->d; j++)
	{
		raw[j] = ColumnAsFloat8(req->relid, req->columns[j]);
		appendStringInfo(&arr, "%s%s", j > 0 ? ", " : "", raw[j]);
	}
	src->raw_args = pstrdup(arr.data);
	resetStringInfo(&arr);
	appendStringInfo(&arr, "ARRAY[%s]", src->raw_args);

	*sample = NULL;
	initStringInfo(&sql);
	if (get_rel_relkind(req->relid) != RELKIND_PARTITIONED_TABLE &&
		req->d <= FUNC_MAX_ARGS - SCAN_ARGS)
	{
		Relation	rel = relation_open(req->relid, AccessShareLock);

		/* as the planner: the analysed density times the current size */
		planned = rel->rd_rel->reltuples;
		if (planned > 0 && rel->rd_rel->relpages > 0)
			planned *= (double) RelationGetNumberOfBlocks(rel) / rel->rd_rel->relpages;
		relation_close(rel, AccessShareLock);
	}
	one_pass = planned >= 1;
	if (one_pass)
	{
		/*
		 * One parallel pass: NULL counts, row count, statistics and the
		 * sample's rows, kept at the percentage for half the planned rows.
		 */
		kept_percent = SamplePercentFloat4(SamplePercent(req, (int64) ceil(planned / 2)));
		appendStringInfo(&sql, "SELECT segment.kmeans_scan(%d, %s::float4, %d, ctid, %s) FROM %s",
						 req->seed, float8out_internal(kept_percent),
						 SCAN_MAX_ROWS(Max(req->silhouette_sample, 10000)), src->raw_args,
						 src->relation);
		result = QueryValue(sql.data, 0, NULL, NULL, &isnull, false, -1);
		if (isnull || !kmeans_scan_result(DatumGetArrayTypeP(result), req->d, &scan))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("relation \"%s\" has no rows", get_rel_name(req->relid))));
		/* as the query below: NULL counts, the row count, the largest magnitudes */
		cv = palloc(sizeof(double) * (2 * req->d + 1));
		memcpy(cv, scan.nulls, sizeof(double) * req->d);
		cv[req->d] = (double) scan.n_rows;
		memcpy(cv + req->d + 1, scan.max_abs, sizeof(double) * req->d);
		isnull = scan.stats[0] == 0.0;	/* no complete row */
	}
	else
	{
		/*
		 * One parallel pass: NULL counts per column and the row count, and
		 * the standardisation statistics of the complete rows.
		 */
		appendStringInfoString(&sql, "SELECT ARRAY[");
		for (int j = 0; j < req->d; j++)
			appendStringInfo(&sql, "count(*) FILTER (WHERE %s IS NULL), ",
							 quote_identifier(req->columns[j]));
		appendStringInfoString(&sql, "count(*)");
		for (int j = 0; j < req->d; j++)
			appendStringInfo(&sql, ", COALESCE(pg_catalog.max(pg_catalog.abs(%s)), 0)",
							 raw[j]);
		appendStringInfo(&sql, "]::float8[], segment.scaler_fit(%s) FILTER (WHERE true",
						 arr.data);
		/* rows the magnitude check below refuses stay out of the statistics */
		for (int j = 0; j < req->d; j++)
			appendStringInfo(&sql, " AND pg_catalog.abs(%s) OPERATOR(pg_catalog.<) %s",
							 raw[j], float8out_internal(STREAM_MAX_MAGNITUDE));
		appendStringInfo(&sql, ") FROM %s", src->relation);
		QueryTwoValues(sql.data, &counts_datum, &result, &isnull);
		counts = DatumGetArrayTypeP(counts_datum);
		if (ARR_NDIM(counts) != 1 || ARR_DIMS(counts)[0] != 2 * req->d + 1 || ARR_HASNULL(counts))
			elog(ERROR, "statistics query returned a malformed array");
		cv = (double *) ARR_DATA_PTR(counts);
	}
	for (int j = 0; j < req->d; j++)
		if (cv[j] > 0)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("column \"%s\" contains NULL values", req->columns[j]),
					 errdetail("Streaming k-means does not impute missing values."),
					 errhint("Fit in memory (streaming => false, with a larger segment.memory_limit if needed), where preprocess => true imputes them with the column's mean, or filter the rows with a view.")));
	/* max(abs(x)) is NaN or Infinity when a column holds one */
	for (int j = 0; j < req->d; j++)
		dataset_check_finite(cv[req->d + 1 + j], req->columns[j]);
	for (int j = 0; j < req->d; j++)
		if (cv[req->d + 1 + j] >= STREAM_MAX_MAGNITUDE)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("column \"%s\" holds values too large for streaming k-means",
							req->columns[j]),
					 errdetail("Its largest magnitude is %s; streaming steps square differences of raw values, which overflow beyond %s.",
							   float8out_internal(cv[req->d + 1 + j]),
							   float8out_internal(STREAM_MAX_MAGNITUDE)),
					 errhint("Pass streaming => false to cluster it in memory, or divide the column by a power of ten.")));
	*n_rows = (int64) cv[req->d];
	if (*n_rows == 0 || isnull)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows", get_rel_name(req->relid))));
	/* the scaler of the same statistics, as segment.scaler_fit builds it */
	scaler = one_pass ? scaler_from_stats(scan.stats, req->d) :
		segment_decode_scaler(DatumGetByteaPP(result));

	src->stat_sd = palloc(sizeof(double) * req->d);
	prep = palloc0(sizeof(SegPreprocessor));
	prep->n_columns = req->d;
	prep->n_outputs = req->d;
	prep->columns = palloc0(sizeof(SegPrepColumn) * req->d);
	*mean_var = 0.0;
	resetStringInfo(&arr);
	for (int j = 0; j < req->d; j++)
	{
		SegPrepColumn *c = &prep->columns[j];
		bool		is_integer;
		Oid			typid = getBaseType(dataset_column_type(req->relid, req->columns[j]));

		c->name = pstrdup(req->columns[j]);
		c->kind = (SegColumnKind) dataset_column_kind(typid, &is_integer);
		c->is_integer = is_integer;
		c->out_offset = j;
		c->n_outputs = 1;
		c->mean = scaler->mean[j];
		c->scale = scaler->scale[j];
		src->stat_sd[j] = sqrt(scaler->var[j]) / c->scale;
		if (scaler->var[j] == 0.0)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("column \"%s\" has zero variance and does not affect the clustering",
							req->columns[j])));
		*mean_var += scaler->var[j] / (c->scale * c->scale) / req->d;
		appendStringInfo(&arr, "%s(%s - %s::float8) / %s::float8", j > 0 ? ", " : "ARRAY[", raw[j],
						 float8out_internal(c->mean), float8out_internal(c->scale));
	}
	appendStringInfoChar(&arr, ']');
	src->features = arr.data;
	{
		double	   *w = palloc(sizeof(double) * req->d);

		for (int j = 0; j < req->d; j++)
			w[j] = 1.0 / (prep->columns[j].scale * prep->columns[j].scale);
		src->weights = PointerGetDatum(segment_build_float8_array(w, req->d));
	}
	/*
	 * Raw columns with distances weighted by 1 / scale^2 are standardised
	 * distances without per-row arithmetic in SQL; separate float8
	 * arguments avoid building an array per row.
	 */
	if (req->d <= KSS_MAX_ARGS)
		src->step_sql = psprintf("SELECT segment.kmeans_step($1, $2, %s) FROM %s",
								 src->raw_args, src->relation);
	else
		src->step_sql = psprintf("SELECT segment.kmeans_step(ARRAY[%s], $1, $2) FROM %s",
								 src->raw_args, src->relation);
	src->prep = prep;

	/* the sample's rows from the scan when its percentage covers TABLESAMPLE's */
	if (one_pass)
	{
		uint64		cutoff = kmeans_sample_cutoff(SamplePercentFloat4(SamplePercent(req, *n_rows)));

		if (!scan.overflowed && cutoff <= kmeans_sample_cutoff(kept_percent))
		{
			double	   *x = MemoryContextAllocHuge(CurrentMemoryContext,
												   sizeof(double) * Max(scan.kept, 1) * req->d);
			int			m = kmeans_scan_sample(&scan, req->d, cutoff, x);

			/* standardised as the sample query's (x - mean::float8) / scale::float8 */
			for (int i = 0; i < m; i++)
				for (int j = 0; j < req->d; j++)
					x[(size_t) i * req->d + j] =
						(x[(size_t) i * req->d + j] - prep->columns[j].mean) /
						prep->columns[j].scale;
			*sample = x;
			*m_out = m;
		}
	}
	return prep;
}

/* A seeded sample of standardised rows, for seeding and the silhouette. */
static double *
StreamSample(const KFitRequest *req, const StreamSource *src, int64 n_rows, int *m_out)
{
	double		percent = SamplePercent(req, n_rows);
	char	   *sql;
	double	   *x;
	int			m = 0;
	MemoryContext caller = CurrentMemoryContext;
	int			search_path;

	/*
	 * In position order, as the scan of a plain table returns the rows and
	 * segment.kmeans_scan orders them; rows at the same position (shards of
	 * a distributed table) by their values, not by which shard answers first.
	 */
	sql = psprintf("SELECT %s FROM %s TABLESAMPLE BERNOULLI (%s) REPEATABLE (%d) "
				   "ORDER BY ctid, 1",
				   src->features, src->relation, float8out_internal(percent), req->seed);
	search_path = segment_pin_search_path();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "sample query failed");
	x = MemoryContextAllocHuge(caller,
							   sizeof(double) * Max(SPI_processed, 1) * req->d);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int			len;
		ArrayType  *a = DatumGetArrayTypeP(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));
		double	   *v = segment_float8_array(a, "feature array", req->d, &len);

		memcpy(x + (size_t) m++ * req->d, v, sizeof(double) * req->d);
	}
	SPI_finish();
	segment_restore_search_path(search_path);
	*m_out = m;
	return x;
}

/*
 * One Lloyd step over the relation from standardised centers: the
 * aggregate's state, whose sums are in the columns' original units.
 */
static ArrayType *
StreamStep(const StreamSource *src, const double *centers, int k)
{
	int			d = src->d;
	Datum		args[2];
	Oid			types[2] = {FLOAT8ARRAYOID, FLOAT8ARRAYOID};
	int			dims[2] = {k, d};
	int			lbs[2] = {1, 1};
	Datum	   *elems = palloc(sizeof(Datum) * k * d);
	bool		isnull;
	ArrayType  *state;
	int			sk,
				sd;

	for (int j = 0; j < k; j++)
		for (int t = 0; t < d; t++)
			elems[j * d + t] = Float8GetDatum(src->prep->columns[t].mean +
											  src->prep->columns[t].scale * centers[j * d + t]);
	args[0] = PointerGetDatum(construct_md_array(elems, NULL, 2, dims, lbs, FLOAT8OID,
												 sizeof(float8), FLOAT8PASSBYVAL,
												 TYPALIGN_DOUBLE));
	args[1] = src->weights;
	state = DatumGetArrayTypeP(QueryValue(src->step_sql, 2, types, args, &isnull, false, -1));
	if (isnull || !kmeans_step_shape(state, &sk, &sd) || sk != k || sd != d)
		elog(ERROR, "k-means step returned no state");
	pfree(elems);
	return state;
}

static int
CompareFarDesc(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x < y) - (x > y);
}

/*
 * Streaming Lloyd from standardised centers (replaced); returns the
 * iteration count.  The steps work in original units; centres are
 * standardised back after each one.
 */
static int
StreamLloyd(const StreamSource *src, int k, double *centers,
			int max_iter, double tol_abs, double *inertia, int *n_distinct,
			uint64 *sizes, double *means)
{
	int			d = src->d;
	double	   *raw_old = palloc(sizeof(double) * k * d);
	double	   *raw_new = palloc(sizeof(double) * k * d);
	double	   *far_points = palloc(sizeof(double) * k * d);
	int		   *far_labels = palloc(sizeof(int) * k);
	ArrayType  *state = NULL;
	double	   *s;
	int			n_iter = max_iter;

	for (int it = 0; it < max_iter; it++)
	{
		double	   *counts;
		double	   *far;
		int			n_empty = 0;
		double		shift = 0.0;

		CHECK_FOR_INTERRUPTS();
		state = StreamStep(src, centers, k);
		s = (double *) ARR_DATA_PTR(state);
		counts = KSS_COUNTS(s);
		for (int j = 0; j < k; j++)
			n_empty += counts[j] == 0.0;
		if (n_empty > 0)
		{
			far = KSS_FAR(s, k, d);
			qsort(far, k, sizeof(double) * KSS_SLOT(d), CompareFarDesc);
			for (int r = 0; r < n_empty && far[r * KSS_SLOT(d)] >= 0; r++)
			{
				memcpy(far_points + (size_t) r * d, far + r * KSS_SLOT(d) + 2, sizeof(double) * d);
				far_labels[r] = (int) far[r * KSS_SLOT(d) + 1];
			}
			kmeans_relocate_empty(k, d, KSS_SUMS(s, k), counts, far_points, far_labels, n_empty,
								  NULL);
		}
		for (int j = 0; j < k; j++)
			for (int t = 0; t < d; t++)
				raw_old[j * d + t] = src->prep->columns[t].mean +
					src->prep->columns[t].scale * centers[j * d + t];
		(void) kmeans_update_centers(k, d, KSS_SUMS(s, k), counts, raw_old, raw_new);
		for (int j = 0; j < k; j++)
			for (int t = 0; t < d; t++)
			{
				double		c = (raw_new[j * d + t] - src->prep->columns[t].mean) /
					src->prep->columns[t].scale;

				shift += (c - centers[j * d + t]) * (c - centers[j * d + t]);
				centers[j * d + t] = c;
			}
		ereport(NOTICE,
				(errmsg_internal("k = %d, iteration %d: inertia %.6g, centre shift %.6g",
								 k, it + 1, s[3], shift)));
		/*
		 * A zero shift means the labels did not change (strict
		 * convergence): this step already measured the final centres.
		 */
		if (shift == 0.0)
		{
			n_iter = it + 1;
			break;
		}
		pfree(state);
		state = NULL;
		if (shift <= tol_abs)
		{
			n_iter = it + 1;
			break;
		}
	}
	/* inertia and occupancy of the final centres */
	if (state == NULL)
		state = StreamStep(src, centers, k);
	s = (double *) ARR_DATA_PTR(state);
	*inertia = s[3];
	*n_distinct = 0;
	for (int j = 0; j < k; j++)
	{
		double		count = KSS_COUNTS(s)[j];

		*n_distinct += count > 0;
		/* the final centres' clusters: their sizes, and means standardised */
		sizes[j] = (uint64) count;
		for (int t = 0; t < d; t++)
			means[j * d + t] = count > 0 ?
				(KSS_SUMS(s, k)[j * d + t] / count - src->prep->columns[t].mean) /
				src->prep->columns[t].scale : 0.0;
	}
	return n_iter;
}

/* The sample's rows as loaded (original units), for another version's encoding. */
static SegFrame *
SampleFrame(const SegPreprocessor *prep, const double *x, int m)
{
	SegFrame   *f = palloc(sizeof(SegFrame));
	int			d = prep->n_columns;

	f->n_rows = m;
	f->n_cols = d;
	f->columns = palloc0(sizeof(SegColumn) * d);
	for (int j = 0; j < d; j++)
	{
		f->columns[j].name = prep->columns[j].name;
		f->columns[j].kind = prep->columns[j].kind;
		f->columns[j].is_integer = prep->columns[j].is_integer;
	}
	f->values = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(m, 1) * d);
	for (int i = 0; i < m; i++)
		for (int j = 0; j < d; j++)
			f->values[(size_t) i * d + j] = prep->columns[j].mean +
				prep->columns[j].scale * x[(size_t) i * d + j];
	return f;
}

SegPreprocessor *
kmeans_fit_streaming(const KFitRequest *req, KFitRun *runs, int64 *n_rows, KFitSample *out)
{
	StreamSource src;
	SegPreprocessor *prep;
	double		mean_var;
	double	   *sample;
	int			m;
	char		relkind = get_rel_relkind(req->relid);
	double	   *init;

	if (relkind != RELKIND_RELATION && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("streaming k-means needs a table or materialized view"),
				 errhint("Pass streaming => false to load a view into memory.")));
	src.relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(req->relid)),
											  get_rel_name(req->relid));
	src.d = req->d;
	prep = StreamStatistics(req, &src, n_rows, &mean_var, &sample, &m);
	if (sample == NULL)
		sample = StreamSample(req, &src, *n_rows, &m);
	init = req->init != NULL ? kmeans_init_standardised(req, prep) : NULL;

	for (int r = 0; r < req->n_k; r++)
	{
		int			k = req->ks[r];
		KFitRun    *run = &runs[r];
		SegRng		rng;
		double	   *centers = palloc(sizeof(double) * k * req->d);
		int			n_init = req->init != NULL ? 1 : req->n_init;
		int		   *labels;

		if (k > *n_rows)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k = %d is greater than the number of rows (" INT64_FORMAT ")",
							k, *n_rows)));
		if (req->init == NULL && k > m)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k = %d is greater than the %d sampled rows that seed streaming k-means",
							k, m)));
		rng_seed(&rng, (uint64_t) (int64) req->seed);
		run->k = k;
		run->inertia = INFINITY;
		run->centroids = palloc(sizeof(double) * k * req->d);
		run->sizes = palloc(sizeof(uint64) * k);
		run->means = palloc(sizeof(double) * k * req->d);
		for (int attempt = 0; attempt < n_init; attempt++)
		{
			double		inertia;
			int			n_distinct;
			int			n_iter;
			uint64	   *sizes = palloc(sizeof(uint64) * k);
			double	   *means = palloc(sizeof(double) * k * req->d);

			if (init != NULL)
				memcpy(centers, init, sizeof(double) * k * req->d);
			else
				kmeans_plusplus(sample, m, req->d, k, &rng, segment_hooks(), centers);
			n_iter = StreamLloyd(&src, k, centers, req->max_iter,
								 req->tol * mean_var, &inertia, &n_distinct, sizes, means);
			if (attempt == 0 || inertia < run->inertia)
			{
				run->inertia = inertia;
				run->n_iter = n_iter;
				run->n_distinct = n_distinct;
				memcpy(run->centroids, centers, sizeof(double) * k * req->d);
				memcpy(run->sizes, sizes, sizeof(uint64) * k);
				memcpy(run->means, means, sizeof(double) * k * req->d);
			}
			pfree(sizes);
			pfree(means);
		}
		kmeans_warn_distinct(run->n_distinct, k);
		labels = palloc(sizeof(int) * Max(m, 1));
		kmeans_assign(sample, m, req->d, run->centroids, k, labels, NULL);
		kmeans_score_sample(sample, m, req->d, run, req->silhouette_sample, req->seed, labels);
		run->sample_labels = labels;
		pfree(centers);
		kmeans_report_k(run);
	}
	out->n = m;
	out->x = sample;
	out->frame = SampleFrame(prep, sample, m);
	out->sample_size = req->silhouette_sample;
	out->overall_mean = palloc0(sizeof(double) * req->d);
	out->overall_sd = palloc(sizeof(double) * req->d);
	for (int t = 0; t < req->d; t++)
		out->overall_sd[t] = src.stat_sd[t];
	return prep;
}
