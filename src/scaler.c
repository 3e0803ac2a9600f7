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
 * IDENTIFICATION
 *	  src/scaler.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scaler.h"

void
stats_accum(double *state, int d, const double *x)
{
	double		n = state[0] + 1.0;
	double	   *mean = state + 1;
	double	   *m2 = state + 1 + d;

	state[0] = n;
	for (int j = 0; j < d; j++)
	{
		double		delta = x[j] - mean[j];

		mean[j] += delta / n;
		m2[j] += delta * (x[j] - mean[j]);
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
		double		delta = other[1 + j] - state[1 + j];

		state[1 + j] += delta * nb / n;
		state[1 + d + j] += other[1 + d + j] + delta * delta * na * nb / n;
	}
	state[0] = n;
}

/*
 * sklearn 1.2's _is_constant_feature: a variance within the rounding error
 * of the mean's magnitude is treated as zero, and a zero scale becomes 1.
 */
double
scale_from_variance(double variance, double mean, double n)
{
	const double eps = 2.220446049250313e-16;
	double		bound = n * eps * variance + (n * mean * eps) * (n * mean * eps);

	return variance <= bound ? 1.0 : sqrt(variance);
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
	{
		s->mean[j] = state[1 + j];
		s->var[j] = state[1 + d + j] / state[0];
		s->scale[j] = scale_from_variance(s->var[j], s->mean[j], s->n_samples);
	}
	return s;
}

void
scaler_transform(const SegScaler *s, const double *x, double *out)
{
	for (int j = 0; j < s->n_features; j++)
		out[j] = (x[j] - s->mean[j]) / s->scale[j];
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
