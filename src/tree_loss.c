/*-------------------------------------------------------------------------
 *
 * tree_loss.c
 *	  Baselines, gradients and mean losses of gradient boosting (see
 *	  tree_loss.h).
 *
 * The gradients need an exponential per row and class at every
 * iteration (300 million for a million rows, three classes and a hundred
 * iterations), so they use ExpLanes, which the compiler vectorises, in
 * place of libm's exp: Cody and Waite's reduction and a degree-13 Taylor
 * polynomial, within two units in the last place of exp on the range
 * the gradients use.  The mean losses, computed on fewer rows, use libm.
 *
 * IDENTIFICATION
 *	  src/tree_loss.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "tree_loss.h"

#define BLOCK 256

/*
 * exp(x) = 2^k exp(r), x = k ln 2 + r, |r| <= ln 2 / 2: k rounded with
 * the 1.5 * 2^52 shifter (whose low bits then hold k), r with ln 2 split
 * in two (fdlibm's constants) so that k * ln2_hi is exact.
 */
/*
 * The gradient loops select between values (the exponential's clamp, the
 * logistic's two forms): gcc vectorizes a select on AVX2, which has no
 * masked operations, only when it may compute both sides unconditionally,
 * that is when floating-point comparisons may not trap.  Nothing here
 * reads exception flags, and the values are the same (test/trees checks
 * the trees node for node); on the x86-64-v3 build this takes the
 * gradients from a third of a gbdt fit to a tenth.  Clang if-converts
 * these selects without being told.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define GRADIENT_LOOPS __attribute__((optimize("no-trapping-math")))
#else
#define GRADIENT_LOOPS
#endif

GRADIENT_LOOPS static inline double
ExpLanes(double x)
{
	const double shifter = 0x1.8p52;
	const double log2e = 0x1.71547652b82fep0;
	const double ln2_hi = 6.93147180369123816490e-01;
	const double ln2_lo = 1.90821492927058770002e-10;
	double		xc = x < -708.0 ? -708.0 : x;
	double		kd;
	uint64_t	kbits;
	uint64_t	scale_bits;
	double		scale;
	double		r;
	double		p;

	xc = xc > 709.0 ? 709.0 : xc;
	kd = xc * log2e + shifter;
	memcpy(&kbits, &kd, sizeof(kbits));
	kd -= shifter;
	r = (xc - kd * ln2_hi) - kd * ln2_lo;
	p = 1.0 / 6227020800.0;
	p = p * r + 1.0 / 479001600.0;
	p = p * r + 1.0 / 39916800.0;
	p = p * r + 1.0 / 3628800.0;
	p = p * r + 1.0 / 362880.0;
	p = p * r + 1.0 / 40320.0;
	p = p * r + 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	p = p * r + 1.0;
	p = p * r + 1.0;
	/* kbits - bits(shifter) = k; 2^k has exponent field k + 1023 */
	scale_bits = (kbits - UINT64_C(0x4338000000000000) + 1023) << 52;
	memcpy(&scale, &scale_bits, sizeof(scale));
	return p * scale;
}

void
tree_loss_baseline(TreeLoss loss, int K, int n, const int *y, const double *yv,
				   const double *w, double *base)
{
	double		sw = 0;

	if (loss == TREE_LOSS_SQUARED)
	{
		double		s = 0;

		for (int i = 0; i < n; i++)
		{
			double		wi = w != NULL ? w[i] : 1.0;

			s += wi * yv[i];
			sw += wi;
		}
		base[0] = sw > 0 ? s / sw : 0.0;
		return;
	}
	else
	{
		int			C = loss == TREE_LOSS_LOGISTIC ? 2 : K;
		double	   *share = seg_alloc0(sizeof(double) * (size_t) C);
		double		mean_log = 0;

		for (int i = 0; i < n; i++)
		{
			double		wi = w != NULL ? w[i] : 1.0;

			share[y[i]] += wi;
			sw += wi;
		}
		for (int k = 0; k < C; k++)
		{
			share[k] = sw > 0 ? share[k] / sw : 1.0 / C;
			share[k] = fmin(fmax(share[k], DBL_EPSILON), 1 - DBL_EPSILON);
		}
		if (loss == TREE_LOSS_LOGISTIC)
			base[0] = log(share[1] / (1 - share[1]));
		else
		{
			for (int k = 0; k < K; k++)
				mean_log += log(share[k]);
			mean_log /= K;
			for (int k = 0; k < K; k++)
				base[k] = log(share[k]) - mean_log;
		}
		seg_free(share);
	}
}

GRADIENT_LOOPS static void
SoftmaxBlock(int K, int i0, int nb, double *const *raw, const int *y, const double *w,
			 float *const *out, double *e)
{
	double		mx[BLOCK];
	double		sum[BLOCK];
	double		wb[BLOCK];

	/*
	 * the test on w stays out of the loops: a masked load of w[i] with the
	 * mask off still costs a slow fault-suppression assist on some CPUs
	 */
	if (w != NULL)
		memcpy(wb, w + i0, sizeof(double) * nb);
	else
		for (int i = 0; i < nb; i++)
			wb[i] = 1.0;
	for (int i = 0; i < nb; i++)
	{
		mx[i] = raw[0][i0 + i];
		sum[i] = 0;
	}
	for (int k = 1; k < K; k++)
	{
		const double *rk = raw[k] + i0;

		for (int i = 0; i < nb; i++)
			mx[i] = rk[i] > mx[i] ? rk[i] : mx[i];
	}
	for (int k = 0; k < K; k++)
	{
		const double *rk = raw[k] + i0;
		double	   *ek = e + (size_t) k * BLOCK;

		for (int i = 0; i < nb; i++)
		{
			ek[i] = ExpLanes(rk[i] - mx[i]);
			sum[i] += ek[i];
		}
	}
	for (int k = 0; k < K; k++)
	{
		const double *ek = e + (size_t) k * BLOCK;
		const int  *yb = y + i0;
		float	   *ok = out[k] + 2 * (size_t) i0;

		/* scikit-learn divides by the sum, then subtracts the indicator */
		for (int i = 0; i < nb; i++)
		{
			double		p = ek[i] / sum[i];

			ok[2 * i] = (float) ((p - (double) (yb[i] == k)) * wb[i]);
			ok[2 * i + 1] = (float) (p * (1.0 - p) * wb[i]);
		}
	}
}

GRADIENT_LOOPS void
tree_loss_gradients(TreeLoss loss, int K, int n, double *const *raw, const int *y,
					const double *yv, const double *w, float *const *out)
{
	if (loss == TREE_LOSS_SQUARED)
	{
		const double *r = raw[0];
		float	   *g = out[0];

		for (int i = 0; i < n; i++)
			g[i] = (float) (r[i] - yv[i]);
	}
	else if (loss == TREE_LOSS_LOGISTIC)
	{
		const double *r = raw[0];
		float	   *gh = out[0];
		double		wb[BLOCK];

		/* scikit-learn's closure_gradient_hessian_half_binomial */
		for (int i0 = 0; i0 < n; i0 += BLOCK)
		{
			int			nb = n - i0 < BLOCK ? n - i0 : BLOCK;

			if (w != NULL)
				memcpy(wb, w + i0, sizeof(double) * nb);
			else
				for (int i = 0; i < nb; i++)
					wb[i] = 1.0;
			for (int i = 0; i < nb; i++)
			{
				double		ri = r[i0 + i];
				double		yi = y[i0 + i];
				bool		mid = ri > -37;
				double		e = ExpLanes(mid ? -ri : ri);
				/* both forms for every row, then one selected: vectorizes on AVX2 */
				double		g_mid = ((1 - yi) - yi * e) / (1 + e);
				double		h_mid = e / ((1 + e) * (1 + e));
				double		g = mid ? g_mid : e - yi;
				double		h = mid ? h_mid : e;

				gh[2 * (size_t) (i0 + i)] = (float) (g * wb[i]);
				gh[2 * (size_t) (i0 + i) + 1] = (float) (h * wb[i]);
			}
		}
	}
	else
	{
		double	   *e = seg_alloc(sizeof(double) * (size_t) K * BLOCK);

		for (int i0 = 0; i0 < n; i0 += BLOCK)
			SoftmaxBlock(K, i0, n - i0 < BLOCK ? n - i0 : BLOCK, raw, y, w, out, e);
		seg_free(e);
	}
}

/* log(1 + exp(x)) without overflow (scikit-learn's log1pexp) */
static double
Log1pExp(double x)
{
	if (x <= -37)
		return exp(x);
	if (x <= -2)
		return log1p(exp(x));
	if (x <= 18)
		return log(1 + exp(x));
	if (x <= 33.3)
		return x + exp(-x);
	return x;
}

double
tree_loss_mean(TreeLoss loss, int K, int n, const int *rows, double *const *raw,
			   const int *y, const double *yv, const double *w)
{
	double		total = 0;
	double		sw = 0;

	for (int t = 0; t < n; t++)
	{
		int			i = rows != NULL ? rows[t] : t;
		double		wi = w != NULL ? w[i] : 1.0;
		double		l;

		if (loss == TREE_LOSS_SQUARED)
		{
			double		r = yv[i] - raw[0][i];

			l = 0.5 * r * r;
		}
		else if (loss == TREE_LOSS_LOGISTIC)
			l = Log1pExp(raw[0][i]) - y[i] * raw[0][i];
		else
		{
			double		mx = raw[0][i];
			double		s = 0;

			for (int k = 1; k < K; k++)
				mx = fmax(mx, raw[k][i]);
			for (int k = 0; k < K; k++)
				s += exp(raw[k][i] - mx);
			l = mx + log(s) - raw[y[i]][i];
		}
		total += wi * l;
		sw += wi;
	}
	return sw > 0 ? total / sw : 0.0;
}
