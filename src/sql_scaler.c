/*-------------------------------------------------------------------------
 *
 * sql_scaler.c
 *	  segment.scaler_fit(float8[]) aggregate and segment.scale().
 *
 * The aggregate state is a plain float8[] laid out as STATS_LEN(d)
 * (scaler.h), not `internal`: Citus pushes an aggregate with a concrete
 * state type and a combine function down to its workers, and PostgreSQL's
 * parallel query needs only the combine function.  The state is updated
 * in place when AggCheckCallContext says we own it, as float8_accum does.
 *
 * IDENTIFICATION
 *	  src/sql_scaler.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/float.h"

#include "pg_args.h"
#include "pg_core.h"
#include "scaler.h"

PG_FUNCTION_INFO_V1(scaler_fit_accum);
PG_FUNCTION_INFO_V1(scaler_fit_combine);
PG_FUNCTION_INFO_V1(scaler_fit_final);
PG_FUNCTION_INFO_V1(scale);

/* Features in a stats state, or -1 for the empty initial state '{0}'. */
static int
StateFeatures(ArrayType *state, double **values)
{
	int			len;

	segment_check_state_array(state, "scaler state");
	len = ARR_DIMS(state)[0];
	*values = (double *) ARR_DATA_PTR(state);
	if (len == 1 && (*values)[0] == 0.0)
		return -1;
	if (len < (int) STATS_LEN(1) || (len - 1) % 3 != 0 || !((*values)[0] >= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid scaler state of %d elements", len)));
	return (len - 1) / 3;
}

static ArrayType *
NewState(const double *values, int d)
{
	return segment_build_float8_array(values, (int) STATS_LEN(d));
}

Datum
scaler_fit_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *row = PG_GETARG_ARRAYTYPE_P(1);
	double	   *stats;
	double	   *x;
	int			d;
	int			n;

	d = StateFeatures(state, &stats);
	x = segment_float8_array(row, "feature array", d, &n);
	if (d < 0)
	{
		/* first row: the array length fixes the state's width */
		double	   *fresh = palloc0(sizeof(double) * STATS_LEN(n));

		stats_accum(fresh, n, x);
		PG_RETURN_ARRAYTYPE_P(NewState(fresh, n));
	}
	if (AggCheckCallContext(fcinfo, NULL))
	{
		stats_accum(stats, d, x);
		PG_RETURN_ARRAYTYPE_P(state);
	}
	else
	{
		ArrayType  *copy = NewState(stats, d);

		stats_accum((double *) ARR_DATA_PTR(copy), d, x);
		PG_RETURN_ARRAYTYPE_P(copy);
	}
}

Datum
scaler_fit_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1;
	ArrayType  *state2;
	double	   *stats1;
	double	   *stats2;
	int			d1;
	int			d2;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	state2 = PG_GETARG_ARRAYTYPE_P(1);
	d2 = StateFeatures(state2, &stats2);
	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(d2 < 0 ? state2 : NewState(stats2, d2));
	state1 = PG_GETARG_ARRAYTYPE_P(0);
	d1 = StateFeatures(state1, &stats1);
	if (d2 < 0)
		PG_RETURN_ARRAYTYPE_P(state1);
	if (d1 < 0)
		PG_RETURN_ARRAYTYPE_P(NewState(stats2, d2));
	if (d1 != d2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot combine scaler states of %d and %d features", d1, d2)));
	if (AggCheckCallContext(fcinfo, NULL))
	{
		stats_combine(stats1, stats2, d1);
		PG_RETURN_ARRAYTYPE_P(state1);
	}
	else
	{
		ArrayType  *copy = NewState(stats1, d1);

		stats_combine((double *) ARR_DATA_PTR(copy), stats2, d1);
		PG_RETURN_ARRAYTYPE_P(copy);
	}
}

/* Builds the scaler model; NULL over no rows, as avg() is. */
Datum
scaler_fit_final(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	double	   *stats;
	int			d = StateFeatures(state, &stats);
	SegScaler  *scaler;
	SegWriter	w;

	if (d < 0)
		PG_RETURN_NULL();
	scaler = scaler_from_stats(stats, d);
	for (int j = 0; j < d; j++)
	{
		/* the model stores variances: refuse one a double cannot hold */
		if (isinf(scaler->var[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("variance of feature %d is out of range for type double precision", j + 1),
					 errdetail("Its standard deviation is %s; a scaler model stores the variance.",
							   float8out_internal(scaler->scale[j])),
					 errhint("Divide the feature by a power of ten before fitting, or use segment.preprocess_fit, which stores standard deviations.")));
		if (!isfinite(scaler->mean[j]) || !isfinite(scaler->var[j]) || scaler->var[j] < 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid scaler state: feature %d has no finite statistics", j + 1)));
	}
	writer_init(&w, 64 + 16 * (size_t) d);
	model_begin(&w, SEG_MODEL_SCALER);
	scaler_write(&w, scaler);
	model_seal(&w);
	PG_RETURN_BYTEA_P(segment_writer_to_bytea(&w));
}

/* Decodes a scaler model in the current memory context; ERROR if invalid. */
SegScaler *
segment_decode_scaler(bytea *model)
{
	SegModelHeader header;
	SegReader	payload;
	SegScaler  *scaler;
	char		msg[SEG_ERRMSG_LEN];

	segment_open_model(model, SEG_MODEL_SCALER, &header, &payload);
	segment_raise(scaler_read(&payload, &scaler, msg), msg);
	return scaler;
}

typedef struct ScaleCache
{
	bytea	   *model;			/* copy of the bytes the scaler came from */
	SegModelArgRef value;		/* what they were, for a cheap check */
	SegScaler  *scaler;
} ScaleCache;

/*
 * segment.scale(scaler bytea, features float8[]) -> float8[].  The decoded
 * scaler is kept in fn_extra while the same model bytes come in, so
 * scaling a table costs one decode, not one per row.
 */
Datum
scale(PG_FUNCTION_ARGS)
{
	ArrayType  *row = PG_GETARG_ARRAYTYPE_P(1);
	ScaleCache *cache = fcinfo->flinfo->fn_extra;
	double	   *x;
	double	   *out;
	int			n;

	if (cache == NULL || !segment_model_arg_same(fcinfo, 0, &cache->value))
	{
		bytea	   *model = PG_GETARG_BYTEA_PP(0);
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (cache == NULL || VARSIZE_ANY(cache->model) != VARSIZE_ANY(model) ||
			memcmp(cache->model, model, VARSIZE_ANY(model)) != 0)
		{
			SegScaler  *scaler = segment_decode_scaler(model);

			if (cache == NULL)
				cache = palloc0(sizeof(ScaleCache));
			else
			{
				pfree(cache->model);
				scaler_free(cache->scaler);
			}
			cache->model = palloc(VARSIZE_ANY(model));
			memcpy(cache->model, model, VARSIZE_ANY(model));
			cache->scaler = scaler;
			fcinfo->flinfo->fn_extra = cache;
		}
		segment_model_arg_remember(fcinfo, 0, &cache->value);
		MemoryContextSwitchTo(old);
	}
	x = segment_float8_array(row, "feature array", cache->scaler->n_features, &n);
	out = palloc(sizeof(double) * n);
	scaler_transform(cache->scaler, x, out);
	PG_RETURN_ARRAYTYPE_P(segment_build_float8_array(out, n));
}
