/*-------------------------------------------------------------------------
 *
 * scaler.h
 *	  Standard scaling: streaming mean/variance statistics and the scaler
 *	  model built from them.
 *
 * Semantics follow scikit-learn's StandardScaler: population variance
 * (ddof = 0) and a scale of 1 for a zero-variance feature.
 *
 * IDENTIFICATION
 *	  src/scaler.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SCALER_H
#define SEGMENT_SCALER_H

#include <math.h>

#include "bytes.h"
#include "core.h"

/*
 * Running statistics for d features.  A flat array layout, so the SQL
 * aggregate can keep it in a float8[] state:
 *
 *	[n, mean[0..d), m2[0..d), exponent[0..d)]
 *
 * where m2 is the sum of squared deviations from the mean.  A feature's
 * mean and m2 are kept in units of 2^exponent (mean * 2^e, m2 * 4^e), an
 * exponent that stays 0 until a value beyond STATS_SAFE_MAGNITUDE
 * arrives: then squares of finite values up to DBL_MAX cannot overflow,
 * and data below it get exactly the unscaled arithmetic.  Scaling by
 * powers of two is exact, so the state still round-trips through
 * float8[]'s text form.
 */
#define STATS_LEN(d) (1 + 3 * (size_t) (d))
#define STATS_SAFE_MAGNITUDE 0x1p400

extern void stats_accum(double *state, int d, const double *x);

/* Welford's update of a feature's mean and m2 by x, the n-th value */
static inline void
stats_welford_step(double *mean, double *m2, double n, double x)
{
	double		delta = x - *mean;

	*mean += delta / n;
	*m2 += delta * (x - *mean);
}

/*
 * stats_accum of one value into a state of one feature (d = 1), its usual
 * case inline: a caller folding every cell of a large frame saves a call
 * per cell.  The same arithmetic, so the same state.
 */
static inline void
stats_accum_one(double *state, double x)
{
	if (fabs(x) < STATS_SAFE_MAGNITUDE && state[3] == 0.0)
	{
		state[0] += 1.0;
		stats_welford_step(&state[1], &state[2], state[0], x);
		return;
	}
	stats_accum(state, 1, &x);
}
extern void stats_combine(double *state, const double *other, int d);

/*
 * Mean, population variance and scale of feature j of a state, with the
 * squared deviations divided by n (the state's rows, or more when rows
 * imputed at the mean count too).  *var is +Infinity when the variance of
 * finite data exceeds the range of a double; *scale, its square root or 1
 * for a constant feature, is always finite.
 */
extern void stats_feature(const double *state, int d, int j, double n,
						  double *mean, double *var, double *scale);

/* sqrt(variance), or 1 for a (numerically) constant feature, as sklearn */
extern double scale_from_variance(double variance, double mean, double n);

/*
 * (x - mean) / scale without overflow where x - mean exceeds a double
 * (both near DBL_MAX, opposite signs); the usual arithmetic otherwise.
 */
static inline double
standardise(double x, double mean, double scale)
{
	double		diff = x - mean;

	if (__builtin_expect(isinf(diff), 0))
		return (x * 0.5 - mean * 0.5) / scale * 2.0;
	return diff / scale;
}

typedef struct SegScaler
{
	int			n_features;
	double		n_samples;
	double	   *mean;
	double	   *var;			/* population variance */
	double	   *scale;			/* derived from var, not stored */
} SegScaler;

/*
 * Builds a scaler from a stats state; NULL when the state saw no rows.  A
 * feature whose variance overflows has var +Infinity: check before
 * writing the model, which stores var.
 */
extern SegScaler *scaler_from_stats(const double *state, int d);
extern void scaler_transform(const SegScaler *s, const double *x, double *out);
extern void scaler_free(SegScaler *s);

extern void scaler_write(SegWriter *w, const SegScaler *s);
extern SegStatus scaler_read(SegReader *r, SegScaler **out, char *errmsg);

#endif							/* SEGMENT_SCALER_H */
