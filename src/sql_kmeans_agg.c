/*-------------------------------------------------------------------------
 *
 * sql_kmeans_agg.c
 *	  The aggregate segment.kmeans_fit(features float8[], k int
 *	  [, options jsonb]) -> k-means model bytea.
 *
 * The state is a float8[] (not `internal`, so that parallel workers and
 * Citus can ship it as an ordinary value) laid out as
 *
 *	[0] k (0 in the initial state '{0}')    [4] max_iter
 *	[1] d                                   [5] tol
 *	[2] rows held                           [6] seed
 *	[3] n_init                              [7] rows of init (0 or k)
 *	then init (k x d, when given), then the rows, row-major, then spare
 *	capacity: the array is allocated for a power of two of rows and
 *	filled in place while the aggregate owns it, as float8_accum does.
 *
 * The final function clusters the buffered rows with kmeans_fit().
 *
 * IDENTIFICATION
 *	  src/sql_kmeans_agg.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "kmeans.h"
#include "kmeans_model.h"
#include "pg_args.h"
#include "pg_core.h"
#include "sql_kmeans.h"

PG_FUNCTION_INFO_V1(kmeans_fit_accum);
PG_FUNCTION_INFO_V1(kmeans_fit_combine);
PG_FUNCTION_INFO_V1(kmeans_fit_final);

#define KFS_HEADER 8
#define KFS_K 0
#define KFS_D 1
#define KFS_ROWS 2
#define KFS_N_INIT 3
#define KFS_MAX_ITER 4
#define KFS_TOL 5
#define KFS_SEED 6
#define KFS_INIT_ROWS 7

/* Values before the first row. */
#define KFS_ROWS_OFFSET(h) (KFS_HEADER + (size_t) (h)[KFS_INIT_ROWS] * (size_t) (h)[KFS_D])

/* Header of a state; NULL for the initial '{0}'.  *capacity: rows that fit. */
static double *
StateHeader(ArrayType *state, int64 *capacity)
{
	double	   *h;
	int			len;

	segment_check_state_array(state, "k-means state");
	len = ARR_DIMS(state)[0];
	h = (double *) ARR_DATA_PTR(state);
	if (len == 1 && h[0] == 0.0)
		return NULL;
	/* a state is a value a caller can forge: bound it before any cast */
	if (len < KFS_HEADER || !(h[KFS_K] >= 1 && h[KFS_K] <= KMEANS_MAX_K) ||
		!(h[KFS_D] >= 1 && h[KFS_D] <= KMEANS_MAX_FEATURES) ||
		!(h[KFS_ROWS] >= 0 && h[KFS_ROWS] <= len) ||
		!(h[KFS_N_INIT] >= 1 && h[KFS_N_INIT] <= SEGMENT_MAX_N_INIT) ||
		!(h[KFS_MAX_ITER] >= 1 && h[KFS_MAX_ITER] <= PG_INT32_MAX) ||
		!(h[KFS_SEED] >= PG_INT32_MIN && h[KFS_SEED] <= PG_INT32_MAX) ||
		!(h[KFS_INIT_ROWS] == 0 || (h[KFS_INIT_ROWS] == h[KFS_K] && h[KFS_K] <= len)) ||
		(size_t) len < KFS_ROWS_OFFSET(h) + (size_t) h[KFS_ROWS] * (size_t) h[KFS_D])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid k-means state of %d elements", len)));
	*capacity = (len - (int64) KFS_ROWS_OFFSET(h)) / (int64) h[KFS_D];
	return h;
}

/* A new state array with room for `capacity` rows, header and rows copied. */
static ArrayType *
NewState(const double *h, int64 capacity)
{
	size_t		prefix = KFS_ROWS_OFFSET(h);
	size_t		used = prefix + (size_t) h[KFS_ROWS] * (size_t) h[KFS_D];
	size_t		len = prefix + (size_t) capacity * (size_t) h[KFS_D];
	size_t		nbytes;
	ArrayType  *a;

	if (len > (MaxAllocSize - ARR_OVERHEAD_NONULLS(1)) / sizeof(double) ||
		len * sizeof(double) > segment_memory_limit_bytes())
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("k-means aggregate data exceed the memory limit (%zu MB)",
						segment_memory_limit_bytes() / (1024 * 1024)),
				 errhint("Raise segment.memory_limit, or use segment.kmeans_fit(name, relation, ...), which streams large tables.")));
	nbytes = ARR_OVERHEAD_NONULLS(1) + len * sizeof(double);
	a = palloc0(nbytes);
	SET_VARSIZE(a, nbytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) len;
	ARR_LBOUND(a)[0] = 1;
	memcpy(ARR_DATA_PTR(a), h, used * sizeof(double));
	return a;
}

static int64
GrownCapacity(int64 needed)
{
	int64		cap = 16;

	while (cap < needed)
		cap *= 2;
	return cap;
}

static double
JsonbNumber(JsonbValue *v, const char *key)
{
	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means option \"%s\" must be a number", key)));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

static int
JsonbInt(JsonbValue *v, const char *key)
{
	double		x = JsonbNumber(v, key);

	if (x != floor(x) || x < PG_INT32_MIN || x > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means option \"%s\" must be an integer", key)));
	return (int) x;
}

/* Reads "init": [[c11, c12, ...], ...] into a palloc'd k x d array. */
static double *
JsonbInit(JsonbValue *v, int k, int d)
{
	JsonbIterator *it;
	JsonbValue	row;
	JsonbIteratorToken tok;
	double	   *init;
	int			rows = 0;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means option \"init\" must be an array of k arrays of d numbers")));
	/* counted before k x d cells are allocated: k may be anything */
	if (JsonContainerSize(v->val.binary.data) != (uint32) k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means option \"init\" has %u centroids, expected k = %d",
						JsonContainerSize(v->val.binary.data), k)));
	init = palloc(sizeof(double) * k * d);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &row, true)) != WJB_DONE)
	{
		JsonbIterator *inner;
		JsonbValue	cell;
		int			cols = 0;

		if (tok != WJB_ELEM)
			continue;
		if (row.type != jbvBinary || !JsonContainerIsArray(row.val.binary.data) || rows >= k)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k-means option \"init\" must be an array of k arrays of d numbers")));
		inner = JsonbIteratorInit(row.val.binary.data);
		while ((tok = JsonbIteratorNext(&inner, &cell, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (cols >= d)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("k-means option \"init\" must be an array of k arrays of d numbers")));
			init[rows * d + cols++] = JsonbNumber(&cell, "init");
		}
		if (cols != d)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k-means option \"init\" must be an array of k arrays of d numbers")));
		rows++;
	}
	if (rows != k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means option \"init\" has %d centroids, expected k = %d", rows, k)));
	for (int i = 0; i < k * d; i++)
		if (!isfinite(init[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("k-means option \"init\" must hold finite numbers")));
	return init;
}

/* The first state: header from k and the options, init when given. */
static ArrayType *
FirstState(int k, int d, Jsonb *options)
{
	double		h[KFS_HEADER] = {k, d, 0, 10, 300, 1e-4, 42, 0};
	double	   *init = NULL;
	double	   *full;
	ArrayType  *state;

	if (options != NULL)
	{
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;
		char	   *key = NULL;

		if (!JB_ROOT_IS_OBJECT(options))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k-means options must be a JSON object")));
		it = JsonbIteratorInit(&options->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				key = pnstrdup(v.val.string.val, v.val.string.len);
				continue;
			}
			if (tok != WJB_VALUE)
				continue;
			if (strcmp(key, "n_init") == 0)
				h[KFS_N_INIT] = JsonbInt(&v, key);
			else if (strcmp(key, "max_iter") == 0)
				h[KFS_MAX_ITER] = JsonbInt(&v, key);
			else if (strcmp(key, "tol") == 0)
				h[KFS_TOL] = JsonbNumber(&v, key);
			else if (strcmp(key, "seed") == 0)
				h[KFS_SEED] = JsonbInt(&v, key);
			else if (strcmp(key, "init") == 0)
			{
				init = JsonbInit(&v, k, d);
				h[KFS_INIT_ROWS] = k;
			}
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown k-means option \"%s\"", key),
						 errhint("Options are n_init, max_iter, tol, seed and init.")));
		}
	}
	segment_check_n_init((int64) h[KFS_N_INIT]);
	if (h[KFS_MAX_ITER] < 1 || !(h[KFS_TOL] >= 0) || isinf(h[KFS_TOL]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iter must be at least 1 and tol a finite number of at least 0")));
	/* k x d cells only for an init: k is checked against the rows at the end */
	full = palloc(sizeof(double) * (KFS_HEADER + (init != NULL ? (size_t) k * d : 0)));
	memcpy(full, h, sizeof(h));
	if (init != NULL)
		memcpy(full + KFS_HEADER, init, sizeof(double) * k * d);
	state = NewState(full, 16);
	return state;
}

/*
 * kmeans_fit_accum(state, features, k [, options]): appends one row.
 * Not strict, so that a NULL row or k is an error rather than skipped:
 * silently clustering fewer rows than asked would mislead.
 */
Datum
kmeans_fit_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	double	   *h;
	double	   *x;
	int64		capacity = 0;
	int			d;
	int			k;

	segment_require_arg(fcinfo, 0, "k-means state");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("feature array must not be null"),
				 errhint("Filter out or impute rows with missing features.")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("k must not be null")));
	state = PG_GETARG_ARRAYTYPE_P(0);
	k = PG_GETARG_INT32(2);
	h = StateHeader(state, &capacity);
	if (h == NULL)
	{
		segment_check_k(k);
		x = segment_float8_array(PG_GETARG_ARRAYTYPE_P(1), "feature array", -1, &d);
		state = FirstState(k, d, PG_NARGS() > 3 && !PG_ARGISNULL(3) ? PG_GETARG_JSONB_P(3) : NULL);
		h = StateHeader(state, &capacity);
	}
	else
	{
		int			n;

		if (k != (int) h[KFS_K])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k changed from %d to %d between rows", (int) h[KFS_K], k)));
		d = (int) h[KFS_D];
		x = segment_float8_array(PG_GETARG_ARRAYTYPE_P(1), "feature array", d, &n);
		if (!AggCheckCallContext(fcinfo, NULL) || h[KFS_ROWS] >= capacity)
		{
			state = NewState(h, GrownCapacity((int64) h[KFS_ROWS] + 1));
			h = StateHeader(state, &capacity);
		}
	}
	memcpy(h + KFS_ROWS_OFFSET(h) + (size_t) h[KFS_ROWS] * d, x, sizeof(double) * d);
	h[KFS_ROWS] += 1;
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
kmeans_fit_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1;
	ArrayType  *state2;
	double	   *h1;
	double	   *h2;
	int64		cap1 = 0;
	int64		cap2 = 0;
	size_t		d;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	state2 = PG_GETARG_ARRAYTYPE_P(1);
	h2 = StateHeader(state2, &cap2);
	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(h2 == NULL ? state2 : NewState(h2, Max(cap2, 16)));
	state1 = PG_GETARG_ARRAYTYPE_P(0);
	h1 = StateHeader(state1, &cap1);
	if (h2 == NULL)
		PG_RETURN_ARRAYTYPE_P(state1);
	if (h1 == NULL)
		PG_RETURN_ARRAYTYPE_P(NewState(h2, Max(cap2, 16)));
	if (memcmp(h1, h2, sizeof(double) * KFS_ROWS) != 0 ||
		memcmp(h1 + KFS_N_INIT, h2 + KFS_N_INIT, sizeof(double) * (KFS_HEADER - KFS_N_INIT)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot combine k-means states with different k, widths or options")));
	d = (size_t) h1[KFS_D];
	if (!AggCheckCallContext(fcinfo, NULL) || h1[KFS_ROWS] + h2[KFS_ROWS] > cap1)
	{
		state1 = NewState(h1, GrownCapacity((int64) (h1[KFS_ROWS] + h2[KFS_ROWS])));
		h1 = StateHeader(state1, &cap1);
	}
	memcpy(h1 + KFS_ROWS_OFFSET(h1) + (size_t) h1[KFS_ROWS] * d,
		   h2 + KFS_ROWS_OFFSET(h2), sizeof(double) * (size_t) h2[KFS_ROWS] * d);
	h1[KFS_ROWS] += h2[KFS_ROWS];
	PG_RETURN_ARRAYTYPE_P(state1);
}

/* Clusters the buffered rows; NULL over no rows, as avg() is. */
Datum
kmeans_fit_final(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int64		capacity;
	double	   *h = StateHeader(state, &capacity);
	KMeansOptions opt;
	KMeansResult result;
	KMeansModel model;
	SegWriter	w;
	char		msg[SEG_ERRMSG_LEN];
	int			n;
	int			d;
	MemoryContext work;
	MemoryContext old;
	bytea	   *bytes;

	if (h == NULL || h[KFS_ROWS] == 0)
		PG_RETURN_NULL();
	if (h[KFS_ROWS] > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for k-means")));
	n = (int) h[KFS_ROWS];
	d = (int) h[KFS_D];
	/* rows of a forged state: the accumulator let no NaN or infinity in */
	for (size_t i = 0; i < (size_t) n * d; i++)
		if (!isfinite(h[KFS_ROWS_OFFSET(h) + i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid k-means state: rows must hold finite numbers")));
	memset(&opt, 0, sizeof(opt));
	opt.k = (int) h[KFS_K];
	opt.n_init = (int) h[KFS_N_INIT];
	opt.max_iter = (int) h[KFS_MAX_ITER];
	opt.tol = h[KFS_TOL];
	opt.seed = (uint64_t) (int64) h[KFS_SEED];
	opt.init = h[KFS_INIT_ROWS] > 0 ? h + KFS_HEADER : NULL;
	opt.hooks = segment_hooks();

	work = AllocSetContextCreate(CurrentMemoryContext, "segment kmeans_fit",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "kmeans_fit");
	segment_raise(kmeans_fit(h + KFS_ROWS_OFFSET(h), n, d, &opt, &result, msg), msg);
	kmeans_warn_distinct(result.n_distinct, opt.k);

	memset(&model, 0, sizeof(model));
	model.k = opt.k;
	model.d = d;
	model.inertia = result.inertia;
	model.n_iter = result.n_iter;
	model.centroids = result.centroids;
	writer_init(&w, 64 + sizeof(double) * (size_t) opt.k * d);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, &model);
	model_seal(&w);
	segment_budget_end();
	MemoryContextSwitchTo(old);
	bytes = segment_writer_to_bytea(&w);
	MemoryContextDelete(work);
	PG_RETURN_BYTEA_P(bytes);
}
