/*-------------------------------------------------------------------------
 *
 * sql_kmeans_scan.c
 *	  The parallel aggregate segment.kmeans_scan(): the first pass of
 *	  streaming k-means in one scan.  Per column it counts NULLs, it
 *	  accumulates the standardisation statistics of the complete rows (the
 *	  scaler's stats_accum, as segment.scaler_fit does), and it keeps the
 *	  rows that TABLESAMPLE BERNOULLI (percent) REPEATABLE (seed) would
 *	  return, with their positions, so that the seeding sample needs no
 *	  pass of its own.
 *
 * The sample is PostgreSQL's Bernoulli sampler (tsm_bernoulli's
 * bernoulli_nextsampletuple): a tuple is kept when the hash of its block
 * number, its offset and the seed (hashfloat8 of the REPEATABLE value) is
 * below percent / 100 of 2^32, with percent as float4.  Kept rows are
 * sorted by position at the end, the order in which a sample scan
 * starting at block 0 returns them.
 *
 * The state is a float8[] (a concrete type, as every streaming
 * aggregate's): d, rows, the most sample rows to keep, whether more came
 * (then none are kept: the caller takes its sample with TABLESAMPLE
 * instead), NULL counts (d), the statistics (STATS_LEN(d)), the capacity
 * and the count of sample rows, then the sample rows of 3 + d values
 * (block, offset, hash, values).
 *
 * The percentage that TABLESAMPLE would use depends on the row count,
 * which this very pass counts; the driver passes a larger one from the
 * planner's estimate, and since a tuple kept at one percentage is kept at
 * every larger one, the rows of the final percentage are those among the
 * kept ones whose hash is below its cutoff (kmeans_scan_result).
 *
 * IDENTIFICATION
 *	  src/sql_kmeans_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "storage/itemptr.h"
#include "utils/builtins.h"
#include "utils/array.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

#include "pg_args.h"
#include "pg_core.h"
#include "scaler.h"
#include "sql_kmeans.h"

PG_FUNCTION_INFO_V1(kmeans_scan_accum);
PG_FUNCTION_INFO_V1(kmeans_scan_combine);

/* the fixed arguments before the features: state, seed, percent, max rows, position */
#define SCAN_FIXED_ARGS 5

/* Offsets in the state. */
#define SCAN_MAX_KEPT 2
#define SCAN_OVERFLOW 3
#define SCAN_NULLS 4
#define SCAN_MAX_ABS(d) (SCAN_NULLS + (size_t) (d))
#define SCAN_STATS(d) (SCAN_MAX_ABS(d) + (size_t) (d))
#define SCAN_CAPACITY(d) (SCAN_STATS(d) + STATS_LEN(d))
#define SCAN_SAMPLED(d) (SCAN_CAPACITY(d) + 1)
#define SCAN_HEADER(d) (SCAN_SAMPLED(d) + 1)
#define SCAN_ROW(d) (3 + (size_t) (d))
#define SCAN_LEN(d, capacity) (SCAN_HEADER(d) + (size_t) (capacity) * SCAN_ROW(d))

/*
 * A scan state's d, or -1 for the initial '{0}'; ERROR if malformed.  A
 * state can come from anywhere (a direct call, another aggregate's
 * INITCOND), so every count that later sizes a copy or places a row is
 * checked against the array's own length: the rows it holds fit its
 * capacity, the capacity is what its length leaves after the header, and
 * it never exceeds the rows to keep.
 */
static int
ScanStateFeatures(ArrayType *state, double **values)
{
	int			len;
	double	   *s;
	int			d;
	size_t		capacity;

	segment_check_state_array(state, "k-means scan state");
	len = ARR_DIMS(state)[0];
	s = (double *) ARR_DATA_PTR(state);
	*values = s;
	if (len == 1 && s[0] == 0.0)
		return -1;
	if (len < 1 || !(s[0] >= 1 && s[0] <= FUNC_MAX_ARGS))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid k-means scan state of %d elements", len)));
	d = (int) s[0];
	if ((size_t) len < SCAN_HEADER(d) || ((size_t) len - SCAN_HEADER(d)) % SCAN_ROW(d) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid k-means scan state of %d elements", len)));
	capacity = ((size_t) len - SCAN_HEADER(d)) / SCAN_ROW(d);
	if (s[0] != d || s[SCAN_CAPACITY(d)] != (double) capacity ||
		!(s[SCAN_MAX_KEPT] >= (double) capacity && s[SCAN_MAX_KEPT] <= PG_INT32_MAX &&
		  s[SCAN_MAX_KEPT] == floor(s[SCAN_MAX_KEPT])) ||
		!(s[SCAN_SAMPLED(d)] >= 0 && s[SCAN_SAMPLED(d)] <= (double) capacity &&
		  s[SCAN_SAMPLED(d)] == floor(s[SCAN_SAMPLED(d)])) ||
		!(s[SCAN_OVERFLOW] == 0 || s[SCAN_OVERFLOW] == 1))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid k-means scan state of %d elements", len)));
	return d;
}

/*
 * A state for d features with room for capacity sample rows, holding s's
 * contents (or new, keeping at most max_kept rows).
 */
static ArrayType *
GrowState(const double *s, int d, size_t capacity, int max_kept)
{
	size_t		len = SCAN_LEN(d, capacity);
	ArrayType  *grown;
	double	   *g;

	if (len > MaxAllocSize / sizeof(double) / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("k-means seeding sample of %zu rows is too large", capacity)));
	g = palloc0(sizeof(double) * len);
	if (s != NULL)
		memcpy(g, s, sizeof(double) * SCAN_LEN(d, (size_t) s[SCAN_SAMPLED(d)]));
	else
	{
		g[0] = d;
		g[SCAN_MAX_KEPT] = max_kept;
	}
	g[SCAN_CAPACITY(d)] = (double) capacity;
	grown = segment_build_float8_array(g, (int) len);
	pfree(g);
	return grown;
}

/* The Bernoulli sampler's hash of the tuple at tid: kept when below the cutoff. */
static uint32
SampleHash(ItemPointer tid, uint32 seed)
{
	uint32		hashinput[3];

	hashinput[0] = ItemPointerGetBlockNumber(tid);
	hashinput[1] = ItemPointerGetOffsetNumber(tid);
	hashinput[2] = seed;
	return DatumGetUInt32(hash_any((const unsigned char *) hashinput, (int) sizeof(hashinput)));
}

uint64
kmeans_sample_cutoff(float4 percent)
{
	return (uint64) rint(((double) PG_UINT32_MAX + 1) * (double) percent / 100);
}

typedef struct ScanCall
{
	uint32		seed;
	uint64		cutoff;
	float4		percent;
	int32		repeatable;
} ScanCall;

/*
 * kmeans_scan_accum(state, seed int, percent float4, max_rows int,
 *                   position tid, VARIADIC x float8): one row.
 */
Datum
kmeans_scan_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	double	   *s;
	int			d = PG_NARGS() - SCAN_FIXED_ARGS;
	int			have;
	ScanCall   *call = (ScanCall *) fcinfo->flinfo->fn_extra;
	double		x[FUNC_MAX_ARGS];
	bool		complete = true;
	uint32		hash;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) ||
		PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("k-means scan needs a seed, a percentage, a row limit and the row position")));
	if (PG_GETARG_INT32(3) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means scan row limit must not be negative")));
	if (d < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means scan needs at least one feature")));
	if (call == NULL || call->repeatable != PG_GETARG_INT32(1) ||
		call->percent != PG_GETARG_FLOAT4(2))
	{
		float4		percent = PG_GETARG_FLOAT4(2);

		if (!(percent >= 0 && percent <= 100))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sample percentage must be between 0 and 100")));
		for (int t = 0; t < d; t++)
			if (get_fn_expr_argtype(fcinfo->flinfo, SCAN_FIXED_ARGS + t) != FLOAT8OID)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("k-means scan features must be float8")));
		if (call == NULL)
			call = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ScanCall));
		call->repeatable = PG_GETARG_INT32(1);
		call->percent = percent;
		/* as the executor seeds REPEATABLE (float8) and tsm_bernoulli its cutoff */
		call->seed = DatumGetUInt32(DirectFunctionCall1(hashfloat8,
														Float8GetDatum((float8) call->repeatable)));
		call->cutoff = kmeans_sample_cutoff(percent);
		fcinfo->flinfo->fn_extra = call;
	}

	state = PG_GETARG_ARRAYTYPE_P(0);
	have = ScanStateFeatures(state, &s);
	if (have < 0)
	{
		state = GrowState(NULL, d, Min(64, PG_GETARG_INT32(3)), PG_GETARG_INT32(3));
		s = (double *) ARR_DATA_PTR(state);
	}
	else if (have != d)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%d features given to a k-means scan of %d", d, have)));
	else if (!AggCheckCallContext(fcinfo, NULL))
	{
		state = GrowState(s, d, (size_t) s[SCAN_CAPACITY(d)], 0);
		s = (double *) ARR_DATA_PTR(state);
	}

	s[1] += 1;
	for (int t = 0; t < d; t++)
	{
		if (PG_ARGISNULL(SCAN_FIXED_ARGS + t))
		{
			s[SCAN_NULLS + t] += 1;
			complete = false;
		}
		else
			x[t] = PG_GETARG_FLOAT8(SCAN_FIXED_ARGS + t);
	}
	if (!complete)
		PG_RETURN_ARRAYTYPE_P(state);
	for (int t = 0; t < d; t++)
	{
		double		a = fabs(x[t]);
		double	   *max_abs = &s[SCAN_MAX_ABS(d) + t];

		/* a NaN, once seen, stays */
		if (isnan(a) || a > *max_abs)
			*max_abs = a;
	}
	stats_accum(s + SCAN_STATS(d), d, x);
	hash = SampleHash((ItemPointer) PG_GETARG_POINTER(4), call->seed);
	if (hash < call->cutoff && s[SCAN_OVERFLOW] == 0)
	{
		size_t		m = (size_t) s[SCAN_SAMPLED(d)];
		double	   *row;

		if (m == (size_t) s[SCAN_MAX_KEPT])
		{
			/* more than the caller can use: it samples with TABLESAMPLE */
			s[SCAN_OVERFLOW] = 1;
			s[SCAN_SAMPLED(d)] = 0;
			PG_RETURN_ARRAYTYPE_P(state);
		}
		if (m == (size_t) s[SCAN_CAPACITY(d)])
		{
			/* m < max kept here, so the new capacity exceeds m */
			state = GrowState(s, d, Min(Max(2 * m, 64), (size_t) s[SCAN_MAX_KEPT]), 0);
			s = (double *) ARR_DATA_PTR(state);
		}
		row = s + SCAN_HEADER(d) + m * SCAN_ROW(d);
		row[0] = ItemPointerGetBlockNumber((ItemPointer) PG_GETARG_POINTER(4));
		row[1] = ItemPointerGetOffsetNumber((ItemPointer) PG_GETARG_POINTER(4));
		row[2] = hash;
		memcpy(row + 3, x, sizeof(double) * d);
		s[SCAN_SAMPLED(d)] = (double) (m + 1);
	}
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
kmeans_scan_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1;
	ArrayType  *state2;
	double	   *s1;
	double	   *s2;
	int			d1,
				d2;
	size_t		m1,
				m2;
	bool		overflow;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	state2 = PG_GETARG_ARRAYTYPE_P(1);
	d2 = ScanStateFeatures(state2, &s2);
	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(d2 < 0 ? state2 : GrowState(s2, d2, (size_t) s2[SCAN_CAPACITY(d2)], 0));
	state1 = PG_GETARG_ARRAYTYPE_P(0);
	d1 = ScanStateFeatures(state1, &s1);
	if (d2 < 0)
		PG_RETURN_ARRAYTYPE_P(state1);
	if (d1 < 0)
		PG_RETURN_ARRAYTYPE_P(GrowState(s2, d2, (size_t) s2[SCAN_CAPACITY(d2)], 0));
	if (d1 != d2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot combine k-means scan states of %d and %d features", d1, d2)));
	m1 = (size_t) s1[SCAN_SAMPLED(d1)];
	m2 = (size_t) s2[SCAN_SAMPLED(d1)];
	overflow = s1[SCAN_OVERFLOW] != 0 || s2[SCAN_OVERFLOW] != 0 ||
		m1 + m2 > (size_t) s1[SCAN_MAX_KEPT];
	if (!AggCheckCallContext(fcinfo, NULL) ||
		(!overflow && m1 + m2 > (size_t) s1[SCAN_CAPACITY(d1)]))
	{
		state1 = GrowState(s1, d1, Max(overflow ? 0 : m1 + m2, (size_t) s1[SCAN_CAPACITY(d1)]), 0);
		s1 = (double *) ARR_DATA_PTR(state1);
	}
	s1[1] += s2[1];
	for (int t = 0; t < d1; t++)
	{
		double		a = s2[SCAN_MAX_ABS(d1) + t];

		s1[SCAN_NULLS + t] += s2[SCAN_NULLS + t];
		if (isnan(a) || a > s1[SCAN_MAX_ABS(d1) + t])
			s1[SCAN_MAX_ABS(d1) + t] = a;
	}
	stats_combine(s1 + SCAN_STATS(d1), s2 + SCAN_STATS(d1), d1);
	if (overflow)
	{
		/* more rows than the caller can use: none kept */
		s1[SCAN_OVERFLOW] = 1;
		s1[SCAN_SAMPLED(d1)] = 0;
	}
	else
	{
		memcpy(s1 + SCAN_HEADER(d1) + m1 * SCAN_ROW(d1), s2 + SCAN_HEADER(d1),
			   sizeof(double) * m2 * SCAN_ROW(d1));
		s1[SCAN_SAMPLED(d1)] = (double) (m1 + m2);
	}
	PG_RETURN_ARRAYTYPE_P(state1);
}

/*
 * Rows by position, as a sample scan returns them; rows at the same
 * position (a distributed table's shards each have a block 0) by their
 * hash and values, so that the order does not depend on the order the
 * states were combined in.
 */
static int
CompareRowPosition(const void *a, const void *b, void *arg)
{
	const double *x = (const double *) a;
	const double *y = (const double *) b;
	int			width = *(const int *) arg;

	for (int c = 0; c < width; c++)
		if (x[c] != y[c])
			return x[c] < y[c] ? -1 : 1;
	return 0;
}

bool
kmeans_scan_result(ArrayType *state, int d, KMeansScan *out)
{
	double	   *s;
	int			have = ScanStateFeatures(state, &s);

	if (have < 0)
		return false;
	if (have != d)
		elog(ERROR, "k-means scan state has %d features, not %d", have, d);
	out->n_rows = (int64) s[1];
	out->overflowed = s[SCAN_OVERFLOW] != 0;
	out->nulls = s + SCAN_NULLS;
	out->max_abs = s + SCAN_MAX_ABS(d);
	out->stats = s + SCAN_STATS(d);
	out->kept = (size_t) s[SCAN_SAMPLED(d)];
	out->rows = s + SCAN_HEADER(d);
	return true;
}

int
kmeans_scan_sample(KMeansScan *scan, int d, uint64 cutoff, double *out)
{
	int			m = 0;
	int			width = (int) SCAN_ROW(d);

	/* the rows in position order, as a sample scan from block 0 returns them */
	qsort_arg(scan->rows, scan->kept, sizeof(double) * SCAN_ROW(d), CompareRowPosition, &width);
	for (size_t i = 0; i < scan->kept; i++)
	{
		const double *row = scan->rows + i * SCAN_ROW(d);

		if (row[2] < (double) cutoff)
			memcpy(out + (size_t) m++ * d, row + 3, sizeof(double) * d);
	}
	return m;
}
