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

#include "bytes.h"
#include "core.h"

/*
 * Running statistics for d features.  A flat array layout, so the SQL
 * aggregate can keep it in a float8[] state:  [n, mean[0..d), m2[0..d)]
 * where m2 is the sum of squared deviations from the mean.
 */
#define STATS_LEN(d) (1 + 2 * (size_t) (d))

extern void stats_accum(double *state, int d, const double *x);
extern void stats_combine(double *state, const double *other, int d);

/* sqrt(variance), or 1 for a (numerically) constant feature, as sklearn */
extern double scale_from_variance(double variance, double mean, double n);

typedef struct SegScaler
{
	int			n_features;
	double		n_samples;
	double	   *mean;
	double	   *var;			/* population variance */
	double	   *scale;			/* derived from var, not stored */
} SegScaler;

/* Builds a scaler from a stats state; NULL when the state saw no rows. */
extern SegScaler *scaler_from_stats(const double *state, int d);
extern void scaler_transform(const SegScaler *s, const double *x, double *out);
extern void scaler_free(SegScaler *s);

extern void scaler_write(SegWriter *w, const SegScaler *s);
extern SegStatus scaler_read(SegReader *r, SegScaler **out, char *errmsg);

#endif							/* SEGMENT_SCALER_H */
