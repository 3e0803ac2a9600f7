/*-------------------------------------------------------------------------
 *
 * scaler.c
 *	  Streaming mean/variance and the standard-scaler model.
 *
 * Rows are accumulated with Welford's update and partial states merged
 * with the pairwise formula of Chan, Golub and LeVeque (1979):
 *
 *	n = na + nb, delta = mean_b - mean_a
 *	mean = mean_a + delta * nb / n
 *	m2 = m2_a + m2_b + delta^2 * na * nb / n
 *
 * Both are stable where the textbook sum / sum-of-squares formula loses
 * every digit (large means, small spreads), so a parallel or distributed
 * run agrees with a serial one to rounding.
 *
 * Squares of values near DBL_MAX overflow even when their spread is a
 * finite number (PostgreSQL's float8_accum raises an overflow error
 * there).  So each feature keeps a binary exponent e: its mean and m2 are
 * held in units of 2^e, and e grows (rescaling both exactly) when a value
 * beyond STATS_SAFE_MAGNITUDE * 2^e arrives.  With every held magnitude
 * below 2^400, a squared difference stays below 2^802 and a sum of them
 * over 2^53 rows below 2^855: nothing overflows.  Below the threshold e
 * stays 0 and the arithmetic is exactly the unscaled one.
 *
 * IDENTIFICATION
 *	  src/scaler.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scaler.h"

/* the state's cells of feature j */
#define MEAN(state, d, j) ((state)[1 + (j)])
#define M2(state, d, j) ((state)[1 + (size_t) (d) + (j)])
#define EXPONENT(state, d, j) ((state)[1 + 2 * (size_t) (d) + (j)])

#define Max(a, b) ((a) > (b) ? (a) : (b))

/*
 * A held exponent as an int.  States are float8[] values a caller could
 * forge: clamp rather than convert an out-of-range double (undefined).
 */
static inline int
ExponentOf(double e)
{
	return e > 0.0 ? (int) fmin(e, 4096.0) : 0;
}

/*
 * Raises feature j's exponent so that x (in units of 2^0) is held below
 * STATS_SAFE_MAGNITUDE; returns x in the new units.
 */
static double
RaiseExponent(double *state, int d, int j, double x)
{
	int			e = ExponentOf(EXPONENT(state, d, j));
	/* |x| < 2^(ilogb(x) + 1), so this exponent brings it below 2^400 */
	int			e_new = Max(e, ilogb(x) + 1 - 400);

	MEAN(state, d, j) = ldexp(MEAN(state, d, j), e - e_new);
	M2(state, d, j) = ldexp(M2(state, d, j), 2 * (e - e_new));
	EXPONENT(state, d, j) = e_new;
	return ldexp(x, -e_new);
}

void
stats_accum(double *state, int d, const double *x)
{
	double		n = state[0] + 1.0;
	double	   *mean = state + 1;
	double	   *m2 = state + 1 + d;
	double	   *exponent = state + 1 + 2 * (size_t) d;
	bool		scaled = false;

	state[0] = n;
	/* one vectorizable test for the whole row keeps the usual loop plain */
	for (int j = 0; j < d; j++)
		scaled |= (fabs(x[j]) >= STATS_SAFE_MAGNITUDE) | (exponent[j] != 0.0);
	if (__builtin_expect(!scaled, 1))
	{
		for (int j = 0; j < d; j++)
			stats_welford_step(&mean[j], &m2[j], n, x[j]);
		return;
	}
	for (int j = 0; j < d; j++)
	{
		double		xj = ldexp(x[j], -ExponentOf(exponent[j]));

		if (fabs(xj) >= STATS_SAFE_MAGNITUDE)
			xj = RaiseExponent(state, d, j, x[j]);
		stats_welford_step(&mean[j], &m2[j], n, xj);
	}
}

void
stats_combine(double *state, const double *other, int d)
{
	double		na = state[0];
	double		nb = other[0];
	double		n = na + nb;

	if (nb == 0.0)
		return;
	if (na == 0.0)
	{
		memcpy(state, other, STATS_LEN(d) * sizeof(double));
		return;
	}
	for (int j = 0; j < d; j++)
	{
		double		mean_b = MEAN(other, d, j);
		double		m2_b = M2(other, d, j);
		double		delta;

		/* both sides in the units of the larger exponent */
		if (EXPONENT(other, d, j) != EXPONENT(state, d, j))
		{
			int			ea = ExponentOf(EXPONENT(state, d, j));
			int			eb = ExponentOf(EXPONENT(other, d, j));
			int			e = Max(ea, eb);

			MEAN(state, d, j) = ldexp(MEAN(state, d, j), ea - e);
			M2(state, d, j) = ldexp(M2(state, d, j), 2 * (ea - e));
			EXPONENT(state, d, j) = e;
			mean_b = ldexp(mean_b, eb - e);
			m2_b = ldexp(m2_b, 2 * (eb - e));
		}
		delta = mean_b - MEAN(state, d, j);
		MEAN(state, d, j) += delta * nb / n;
		M2(state, d, j) += m2_b + delta * delta * na * nb / n;
	}
	state[0] = n;
}

/*
 * sklearn 1.2's _is_constant_feature: a variance within the rounding error
 * of the mean's magnitude is treated as zero.  The test is invariant under
 * scaling both by powers of two, so it applies to held statistics too.
 */
static bool
IsConstantFeature(double variance, double mean, double n)
{
	const double eps = 2.220446049250313e-16;
	double		bound = n * eps * variance + (n * mean * eps) * (n * mean * eps);

	return variance <= bound;
}

/*
 * A zero scale becomes 1, as in sklearn.  A mean beyond 2^400 would
 * overflow the test's square: it is applied to both scaled down.
 */
double
scale_from_variance(double variance, double mean, double n)
{
	int			e = fabs(mean) > STATS_SAFE_MAGNITUDE ? ilogb(mean) : 0;

	return IsConstantFeature(ldexp(variance, -2 * e), ldexp(mean, -e), n) ? 1.0 : sqrt(variance);
}

void
stats_feature(const double *state, int d, int j, double n,
			  double *mean, double *var, double *scale)
{
	int			e = ExponentOf(EXPONENT(state, d, j));
	double		held_mean = MEAN(state, d, j);
	double		held_var = M2(state, d, j) / n;

	*mean = ldexp(held_mean, e);
	*var = ldexp(held_var, 2 * e);
	if (IsConstantFeature(held_var, held_mean, n))
		*scale = 1.0;
	else
		*scale = ldexp(sqrt(held_var), e);
	/* a mean or spread of finite values is finite: rounding may step past DBL_MAX */
	if (isinf(*mean))
		*mean = copysign(DBL_MAX, *mean);
	if (isinf(*scale))
		*scale = DBL_MAX;
}

static SegScaler *
ScalerAlloc(int d)
{
	SegScaler  *s = seg_alloc0(sizeof(SegScaler));

	if (s == NULL)
		return NULL;
	s->n_features = d;
	s->mean = seg_alloc0(sizeof(double) * (size_t) d);
	s->var = seg_alloc0(sizeof(double) * (size_t) d);
	s->scale = seg_alloc0(sizeof(double) * (size_t) d);
	if (s->mean == NULL || s->var == NULL || s->scale == NULL)
	{
		scaler_free(s);
		return NULL;
	}
	return s;
}

SegScaler *
scaler_from_stats(const double *state, int d)
{
	SegScaler  *s;

	if (state[0] <= 0.0)
		return NULL;
	s = ScalerAlloc(d);
	if (s == NULL)
		return NULL;
	s->n_samples = state[0];
	for (int j = 0; j < d; j++)
		stats_feature(state, d, j, state[0], &s->mean[j], &s->var[j], &s->scale[j]);
	return s;
}

void
scaler_transform(const SegScaler *s, const double *x, double *out)
{
	for (int j = 0; j < s->n_features; j++)
		out[j] = standardise(x[j], s->mean[j], s->scale[j]);
}

void
scaler_free(SegScaler *s)
{
	if (s == NULL)
		return;
	seg_free(s->mean);
	seg_free(s->var);
	seg_free(s->scale);
	seg_free(s);
}

/*
 * Payload: u32 n_features, f64 n_samples, f64 mean[n], f64 var[n].
 */
void
scaler_write(SegWriter *w, const SegScaler *s)
{
	writer_put_u32(w, (uint32_t) s->n_features);
	writer_put_f64(w, s->n_samples);
	writer_put_f64_array(w, s->mean, s->n_features);
	writer_put_f64_array(w, s->var, s->n_features);
}

SegStatus
scaler_read(SegReader *r, SegScaler **out, char *errmsg)
{
	uint32_t	d = reader_get_u32(r);
	double		n_samples = reader_get_f64(r);
	SegScaler  *s;

	*out = NULL;
	if (r->failed || d == 0 || d > reader_remaining(r) / 16)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "scaler model is truncated or has an invalid feature count");
		return SEG_ERR_CORRUPT;
	}
	if (!(n_samples >= 1.0) || !isfinite(n_samples))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "scaler model has an invalid sample count");
		return SEG_ERR_CORRUPT;
	}
	s = ScalerAlloc((int) d);
	if (s == NULL)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "out of memory");
		return SEG_ERR_NOMEM;
	}
	s->n_samples = n_samples;
	for (uint32_t j = 0; j < d; j++)
		s->mean[j] = reader_get_f64(r);
	for (uint32_t j = 0; j < d; j++)
		s->var[j] = reader_get_f64(r);
	for (uint32_t j = 0; j < d; j++)
	{
		if (!isfinite(s->mean[j]) || !isfinite(s->var[j]) || s->var[j] < 0.0)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN, "scaler model has a non-finite or negative statistic");
			scaler_free(s);
			return SEG_ERR_CORRUPT;
		}
		s->scale[j] = scale_from_variance(s->var[j], s->mean[j], s->n_samples);
	}
	if (!reader_at_end(r))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "scaler model has trailing or missing bytes");
		scaler_free(s);
		return SEG_ERR_CORRUPT;
	}
	*out = s;
	return SEG_OK;
}
