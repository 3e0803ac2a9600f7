/*-------------------------------------------------------------------------
 *
 * lbfgs.c
 *	  L-BFGS with a backtracking Armijo line search.
 *
 * IDENTIFICATION
 *	  src/lbfgs.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "lbfgs.h"

#define ARMIJO_C1 1e-4
#define MAX_BACKTRACKS 40

static double
Dot(const double *a, const double *b, int n)
{
	double		s = 0.0;

	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static double
MaxAbs(const double *a, int n)
{
	double		m = 0.0;

	for (int i = 0; i < n; i++)
		m = fmax(m, fabs(a[i]));
	return m;
}

void
lbfgs_minimize(LbfgsObjective f, void *arg, double *x, int n, int m, int max_iter,
			   double gtol, const SegHooks *hooks, LbfgsResult *result)
{
	double	   *g = seg_alloc(sizeof(double) * n);
	double	   *d = seg_alloc(sizeof(double) * n);
	double	   *x_new = seg_alloc(sizeof(double) * n);
	double	   *g_new = seg_alloc(sizeof(double) * n);
	double	   *s = seg_alloc(sizeof(double) * (size_t) m * n);	/* ring of s_k */
	double	   *y = seg_alloc(sizeof(double) * (size_t) m * n);	/* ring of y_k */
	double	   *rho = seg_alloc(sizeof(double) * m);
	double	   *alpha = seg_alloc(sizeof(double) * m);
	double	   *y_k = seg_alloc(sizeof(double) * n);	/* a pair's y before it is kept */
	int			stored = 0;
	int			newest = -1;
	double		fx = f(x, g, arg);
	int			it;

	memset(result, 0, sizeof(*result));
	for (it = 0; it < max_iter; it++)
	{
		double		gmax = MaxAbs(g, n);
		double		step = 1.0;
		double		slope;
		double		f_new = fx;
		int			tries;

		if (gmax <= gtol)
			break;
		seg_check_interrupts(hooks);

		/* d = -H g by the two-loop recursion over the stored pairs */
		for (int i = 0; i < n; i++)
			d[i] = -g[i];
		for (int k = 0; k < stored; k++)
		{
			int			j = (newest - k + m) % m;

			alpha[j] = rho[j] * Dot(s + (size_t) j * n, d, n);
			for (int i = 0; i < n; i++)
				d[i] -= alpha[j] * y[(size_t) j * n + i];
		}
		if (stored > 0)
		{
			const double *sy = s + (size_t) newest * n;
			const double *yy = y + (size_t) newest * n;
			double		gamma = Dot(sy, yy, n) / Dot(yy, yy, n);

			for (int i = 0; i < n; i++)
				d[i] *= gamma;
		}
		else
		{
			/* first step: a steepest-descent step of length at most 1 */
			double		norm = sqrt(Dot(d, d, n));

			if (norm > 1.0)
				for (int i = 0; i < n; i++)
					d[i] /= norm;
		}
		for (int k = stored - 1; k >= 0; k--)
		{
			int			j = (newest - k + m) % m;
			double		beta = rho[j] * Dot(y + (size_t) j * n, d, n);

			for (int i = 0; i < n; i++)
				d[i] += (alpha[j] - beta) * s[(size_t) j * n + i];
		}
		slope = Dot(g, d, n);
		if (!(slope < 0.0))
		{
			/* not a descent direction: restart from steepest descent */
			stored = 0;
			for (int i = 0; i < n; i++)
				d[i] = -g[i];
			slope = -Dot(g, g, n);
		}

		for (tries = 0; tries < MAX_BACKTRACKS; tries++)
		{
			for (int i = 0; i < n; i++)
				x_new[i] = x[i] + step * d[i];
			f_new = f(x_new, g_new, arg);
			if (isfinite(f_new) && f_new <= fx + ARMIJO_C1 * step * slope)
				break;
			step *= 0.5;
			/* up to 40 more evaluations of the objective in this iteration */
			seg_check_interrupts(hooks);
		}
		if (tries == MAX_BACKTRACKS || !(f_new < fx))
			break;				/* no decrease left to find */

		/* remember the curvature pair when it keeps H positive definite */
		{
			double		sy;
			double		yy;

			for (int i = 0; i < n; i++)
			{
				d[i] = x_new[i] - x[i];		/* d is free again: s_k */
				y_k[i] = g_new[i] - g[i];	/* y_k */
			}
			sy = Dot(d, y_k, n);
			yy = Dot(y_k, y_k, n);
			if (sy > 1e-12 * yy)
			{
				int			j = (newest + 1) % m;

				memcpy(s + (size_t) j * n, d, sizeof(double) * n);
				memcpy(y + (size_t) j * n, y_k, sizeof(double) * n);
				rho[j] = 1.0 / sy;
				newest = j;
				if (stored < m)
					stored++;
			}
		}
		memcpy(x, x_new, sizeof(double) * n);
		memcpy(g, g_new, sizeof(double) * n);
		fx = f_new;
	}
	result->iterations = it;
	result->value = fx;
	result->gradient_max = MaxAbs(g, n);
	result->converged = result->gradient_max <= gtol;
	seg_free(g);
	seg_free(d);
	seg_free(x_new);
	seg_free(g_new);
	seg_free(s);
	seg_free(y);
	seg_free(rho);
	seg_free(alpha);
	seg_free(y_k);
}
