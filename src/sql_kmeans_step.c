/*-------------------------------------------------------------------------
 *
 * sql_kmeans_step.c
 *	  The parallel aggregate segment.kmeans_step(): one Lloyd iteration
 *	  over any query, as partial states that workers (and Citus shards)
 *	  compute and a combine function merges.
 *
 * The state is a float8[] (a concrete type: parallel workers and Citus
 * ship it as an ordinary value), updated in place while the aggregate
 * owns it; its layout is in sql_kmeans.h.  The farthest points it keeps
 * let the driver relocate empty clusters exactly as the in-memory Lloyd
 * does, without another pass.
 *
 * IDENTIFICATION
 *	  src/sql_kmeans_step.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/primnodes.h"
#include "nodes/pg_list.h"
#include "utils/array.h"

#include "lanes.h"
#include "pg_args.h"
#include "pg_core.h"
#include "sql_kmeans.h"

PG_FUNCTION_INFO_V1(kmeans_step_accum);
PG_FUNCTION_INFO_V1(kmeans_step_accum_args);
PG_FUNCTION_INFO_V1(kmeans_step_combine);

/* A step state's k and d; false for the initial '{0}'. */
bool
kmeans_step_shape(ArrayType *state, int *k, int *d)
{
	double	   *s;
	int			len;

	segment_check_state_array(state, "k-means step state");
	len = ARR_DIMS(state)[0];
	s = (double *) ARR_DATA_PTR(state);
	if (len == 1 && s[0] == 0.0)
		return false;
	if (len < KSS_HEADER || !(s[0] >= 1 && s[0] <= KMEANS_MAX_K) ||
		!(s[1] >= 1 && s[1] <= KMEANS_MAX_FEATURES) ||
		(size_t) len != KSS_LEN((size_t) s[0], (size_t) s[1]) ||
		!(s[4] >= 0 && s[4] < (int) s[0]))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid k-means step state of %d elements", len)));
	*k = (int) s[0];
	*d = (int) s[1];
	return true;
}

/* Validates a k x d centroid array; returns its values. */
static double *
CentroidArray(ArrayType *a, int *k, int *d)
{
	double	   *v;
	int			n;

	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "centroids: expected a float8 array");
	if (ARR_NDIM(a) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("centroids must be a two-dimensional array, one row per centroid")));
	if (ARR_HASNULL(a) && array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("centroids must not contain nulls")));
	*k = ARR_DIMS(a)[0];
	*d = ARR_DIMS(a)[1];
	if (*k > KMEANS_MAX_K || *d > KMEANS_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("centroids must be at most %d x %d", KMEANS_MAX_K, KMEANS_MAX_FEATURES)));
	v = (double *) ARR_DATA_PTR(a);
	n = *k * *d;
	for (int i = 0; i < n; i++)
		if (!isfinite(v[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("centroids must be finite")));
	return v;
}

static ArrayType *
CopyStep(const double *s, int k, int d)
{
	return segment_build_float8_array(s, (int) KSS_LEN(k, d));
}

/* Recomputes the slot holding the smallest far-point distance. */
static void
FindMinSlot(double *s, int k, int d)
{
	double	   *far = KSS_FAR(s, k, d);
	int			min_slot = 0;

	for (int j = 1; j < k; j++)
		if (far[j * KSS_SLOT(d)] < far[min_slot * KSS_SLOT(d)])
			min_slot = j;
	s[4] = min_slot;
}

static void
OfferFarPoint(double *s, int k, int d, double dist, int label, const double *x)
{
	double	   *slot = KSS_FAR(s, k, d) + (size_t) s[4] * KSS_SLOT(d);

	if (dist <= slot[0])
		return;
	slot[0] = dist;
	slot[1] = label;
	memcpy(slot + 2, x, sizeof(double) * d);
	FindMinSlot(s, k, d);
}

/* Validates per-feature distance weights (positive, finite, d of them). */
static double *
WeightArray(ArrayType *a, int d)
{
	int			n;
	double	   *w = segment_float8_array(a, "weights", d, &n);

	for (int t = 0; t < d; t++)
		if (!(w[t] > 0.0))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("weights must be positive")));
	return w;
}

/*
 * The state to update for this row: a fresh one on the first row (which
 * fixes k and d from the centroids), the given one in place while the
 * aggregate owns it, else a copy.  *c points at the centroids.
 */
static ArrayType *
StepState(FunctionCallInfo fcinfo, int centroids_arg, int *k, int *d, double **c, bool *first)
{
	ArrayType  *state;
	ArrayType  *centroids;

	segment_require_arg(fcinfo, 0, "k-means step state");
	if (PG_ARGISNULL(centroids_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("centroids must not be null")));
	state = PG_GETARG_ARRAYTYPE_P(0);
	centroids = PG_GETARG_ARRAYTYPE_P(centroids_arg);
	*first = !kmeans_step_shape(state, k, d);
	if (*first)
	{
		double	   *fresh;

		*c = CentroidArray(centroids, k, d);
		fresh = palloc0(sizeof(double) * KSS_LEN(*k, *d));
		fresh[0] = *k;
		fresh[1] = *d;
		for (int j = 0; j < *k; j++)
			KSS_FAR(fresh, *k, *d)[j * KSS_SLOT(*d)] = -1.0;
		return CopyStep(fresh, *k, *d);
	}
	/* the centroids were validated on the first row; check the shape only */
	if (ARR_NDIM(centroids) != 2 || ARR_DIMS(centroids)[0] != *k ||
		ARR_DIMS(centroids)[1] != *d || ARR_HASNULL(centroids))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("centroids changed between rows")));
	*c = (double *) ARR_DATA_PTR(centroids);
	if (!AggCheckCallContext(fcinfo, NULL))
		state = CopyStep((double *) ARR_DATA_PTR(state), *k, *d);
	return state;
}

/*
 * Centroids as the per-row loop wants them: transposed in groups of
 * SEG_LANES centres, so that one vector holds feature t of eight centres
 * and the distances to eight centres take d vector steps.  Each lane does
 * the very operations of the scalar loop (weight times difference times
 * difference, added in feature order), so the distances, and hence the
 * labels, are the same to the last bit; lanes past k hold infinity.
 * Kept in fn_extra with a copy of the centroids and weights it was built
 * from.  When the aggregate's centroids and weights are constants or
 * query parameters (the streaming driver's $1 and $2), they cannot change
 * during the query and the cache is used as it is; otherwise each row's
 * are compared with the copy.
 */
typedef struct StepCentres
{
	bool		stable;			/* centroids and weights fixed for the query */
	double	   *c;				/* k x d: the centroids the cache was built from */
	int			k;
	int			d;
	int			n_groups;		/* ceil(k / SEG_LANES) */
	double	   *ct;				/* n_groups x d x SEG_LANES */
	double	   *w;				/* d weights, or NULL */
} StepCentres;

/* Is the aggregate's argument (0-based) a constant or a query parameter? */
static bool
AggArgStable(FunctionCallInfo fcinfo, int argno)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	TargetEntry *tle;

	if (aggref == NULL || argno >= list_length(aggref->args))
		return false;
	tle = list_nth_node(TargetEntry, aggref->args, argno);
	return IsA(tle->expr, Const) ||
		(IsA(tle->expr, Param) && ((Param *) tle->expr)->paramkind == PARAM_EXTERN);
}

/*
 * The cache for this row's centroids and weights; centroids_arg and
 * weights_arg are their positions among the aggregate's arguments
 * (weights_arg -1: none).
 */
static StepCentres *
CachedCentres(FunctionCallInfo fcinfo, const double *c, int k, int d, const double *w,
			  int centroids_arg, int weights_arg)
{
	StepCentres *sc = (StepCentres *) fcinfo->flinfo->fn_extra;

	if (sc != NULL && sc->stable)
		return sc;
	if (sc != NULL && sc->k == k && sc->d == d && (sc->w == NULL) == (w == NULL) &&
		memcmp(sc->c, c, sizeof(double) * k * d) == 0 &&
		(w == NULL || memcmp(sc->w, w, sizeof(double) * d) == 0))
		return sc;
	if (sc == NULL)
		sc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(StepCentres));
	else
	{
		pfree(sc->c);
		pfree(sc->ct);
		if (sc->w != NULL)
			pfree(sc->w);
	}
	sc->c = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * k * d);
	memcpy(sc->c, c, sizeof(double) * k * d);
	sc->k = k;
	sc->d = d;
	sc->n_groups = (k + SEG_LANES - 1) / SEG_LANES;
	sc->ct = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
								sizeof(double) * sc->n_groups * d * SEG_LANES);
	for (int g = 0; g < sc->n_groups; g++)
		for (int t = 0; t < d; t++)
			for (int l = 0; l < SEG_LANES; l++)
			{
				int			j = g * SEG_LANES + l;

				sc->ct[((size_t) g * d + t) * SEG_LANES + l] = j < k ? c[(size_t) j * d + t] : 0.0;
			}
	sc->w = NULL;
	if (w != NULL)
	{
		sc->w = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * d);
		memcpy(sc->w, w, sizeof(double) * d);
	}
	sc->stable = AggArgStable(fcinfo, centroids_arg) &&
		(weights_arg < 0 || AggArgStable(fcinfo, weights_arg));
	fcinfo->flinfo->fn_extra = sc;
	return sc;
}

/*
 * Adds row x to the sums and count of its nearest centroid (the first on
 * ties); distances are weighted per feature when the cache has weights.
 */
LANES_CLONES static void
StepAddRow(double *s, const StepCentres *sc, const double *x)
{
	int			k = sc->k;
	int			d = sc->d;
	int			best = 0;
	double		best_dist = INFINITY;
	double	   *sum;

	for (int g = 0; g < sc->n_groups; g++)
	{
		const double *cg = sc->ct + (size_t) g * d * SEG_LANES;
		LaneDoubles dist;
		int			lanes = k - g * SEG_LANES < SEG_LANES ? k - g * SEG_LANES : SEG_LANES;

		SPLAT(dist, 0.0);
		if (sc->w == NULL)
			for (int t = 0; t < d; t++)
			{
				LaneDoubles ct;
				LaneDoubles xt;

				LOAD_LANES(ct, cg + (size_t) t * SEG_LANES);
				SPLAT(xt, x[t]);
				dist += (xt - ct) * (xt - ct);
			}
		else
			for (int t = 0; t < d; t++)
			{
				LaneDoubles ct;
				LaneDoubles xt;
				LaneDoubles wt;

				LOAD_LANES(ct, cg + (size_t) t * SEG_LANES);
				SPLAT(xt, x[t]);
				SPLAT(wt, sc->w[t]);
				dist += wt * (xt - ct) * (xt - ct);
			}
		/* in centre order with a strict comparison, as the scalar loop (without branches) */
		for (int l = 0; l < lanes; l++)
		{
			bool		nearer = dist[l] < best_dist;

			best_dist = nearer ? dist[l] : best_dist;
			best = nearer ? g * SEG_LANES + l : best;
		}
	}
	s[2] += 1;
	s[3] += best_dist;
	KSS_COUNTS(s)[best] += 1;
	sum = KSS_SUMS(s, k) + (size_t) best * d;
	for (int t = 0; t < d; t++)
		sum[t] += x[t];
	OfferFarPoint(s, k, d, best_dist, best, x);
}

static const double *
StepWeights(FunctionCallInfo fcinfo, int argno, int d, bool first)
{
	ArrayType  *a;
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("weights must not be null")));
	a = PG_GETARG_ARRAYTYPE_P(argno);
	if (first)
		return WeightArray(a, d);
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != d || ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("weights changed between rows")));
	return (const double *) ARR_DATA_PTR(a);
}

/*
 * kmeans_step_accum(state, features float8[], centroids [, weights]):
 * adds one row to the sums and count of its nearest centroid.
 */
Datum
kmeans_step_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	double	   *c;
	double	   *x;
	const double *w;
	int			k;
	int			d;
	int			n;
	bool		first;

	state = StepState(fcinfo, 2, &k, &d, &c, &first);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("feature array must not be null"),
				 errhint("Filter out or impute rows with missing features.")));
	x = segment_float8_array(PG_GETARG_ARRAYTYPE_P(1), "feature array", d, &n);
	w = PG_NARGS() > 3 ? StepWeights(fcinfo, 3, d, first) : NULL;
	StepAddRow((double *) ARR_DATA_PTR(state),
			   CachedCentres(fcinfo, c, k, d, w, 1, w != NULL ? 2 : -1), x);
	PG_RETURN_ARRAYTYPE_P(state);
}

/* Features given as separate float8 arguments from first on: not null, finite. */
static inline void
ReadFeatures(FunctionCallInfo fcinfo, int first, int d, double *x)
{
	for (int t = 0; t < d; t++)
	{
		if (PG_ARGISNULL(first + t))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("features must not be null"),
					 errhint("Filter out or impute rows with missing features.")));
		x[t] = PG_GETARG_FLOAT8(first + t);
		if (!isfinite(x[t]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("features must be finite")));
	}
}

/*
 * kmeans_step_accum_args(state, centroids, weights, x1, ..., xd): the
 * same with the features as separate float8 arguments, which saves
 * building an array per row (the streaming driver's form).
 */
Datum
kmeans_step_accum_args(PG_FUNCTION_ARGS)
{
	StepCentres *sc = (StepCentres *) fcinfo->flinfo->fn_extra;
	ArrayType  *state;
	double	   *c;
	double		x[KSS_MAX_ARGS];
	int			k;
	int			d;
	int			nx = PG_NARGS() - 3;
	bool		first;

	/*
	 * The common case: a state of this cache's shape that the aggregate
	 * owns, and centroids and weights that are constants or parameters,
	 * validated on the first row.
	 */
	if (sc != NULL && sc->stable && !PG_ARGISNULL(0) && nx == sc->d &&
		AggCheckCallContext(fcinfo, NULL))
	{
		double	   *s;

		state = PG_GETARG_ARRAYTYPE_P(0);
		s = (double *) ARR_DATA_PTR(state);
		/* a group's first state can be any INITCOND: check all the shape */
		if (ARR_NDIM(state) == 1 && !ARR_HASNULL(state) &&
			ARR_ELEMTYPE(state) == FLOAT8OID &&
			(size_t) ARR_DIMS(state)[0] == KSS_LEN(sc->k, sc->d) &&
			s[0] == sc->k && s[1] == sc->d && s[4] >= 0 && s[4] < sc->k)
		{
			ReadFeatures(fcinfo, 3, sc->d, x);
			StepAddRow(s, sc, x);
			PG_RETURN_ARRAYTYPE_P(state);
		}
	}

	state = StepState(fcinfo, 1, &k, &d, &c, &first);
	if (nx != d)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%d features given for centroids of %d", nx, d)));
	ReadFeatures(fcinfo, 3, d, x);
	StepAddRow((double *) ARR_DATA_PTR(state),
			   CachedCentres(fcinfo, c, k, d, StepWeights(fcinfo, 2, d, first), 0, 1), x);
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
kmeans_step_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1;
	ArrayType  *state2;
	double	   *s1;
	double	   *s2;
	int			k1,
				d1,
				k2,
				d2;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	state2 = PG_GETARG_ARRAYTYPE_P(1);
	if (!kmeans_step_shape(state2, &k2, &d2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_ARRAYTYPE_P(state2);
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	s2 = (double *) ARR_DATA_PTR(state2);
	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(CopyStep(s2, k2, d2));
	state1 = PG_GETARG_ARRAYTYPE_P(0);
	if (!kmeans_step_shape(state1, &k1, &d1))
		PG_RETURN_ARRAYTYPE_P(CopyStep(s2, k2, d2));
	if (k1 != k2 || d1 != d2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot combine k-means step states of %d x %d and %d x %d centroids",
						k1, d1, k2, d2)));
	if (!AggCheckCallContext(fcinfo, NULL))
		state1 = CopyStep((double *) ARR_DATA_PTR(state1), k1, d1);
	s1 = (double *) ARR_DATA_PTR(state1);
	s1[2] += s2[2];
	s1[3] += s2[3];
	for (size_t i = 0; i < (size_t) k1 + (size_t) k1 * d1; i++)
		KSS_COUNTS(s1)[i] += KSS_COUNTS(s2)[i];
	for (int j = 0; j < k1; j++)
	{
		const double *slot = KSS_FAR(s2, k1, d1) + (size_t) j * KSS_SLOT(d1);

		if (slot[0] >= 0)
			OfferFarPoint(s1, k1, d1, slot[0], (int) slot[1], slot + 2);
	}
	PG_RETURN_ARRAYTYPE_P(state1);
}
