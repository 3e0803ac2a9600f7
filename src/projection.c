/*-------------------------------------------------------------------------
 *
 * projection.c
 *	  Two principal components of a sample (see projection.h).
 *
 * The cyclic Jacobi eigenvalue method (Golub and Van Loan, Matrix
 * Computations, 4th ed., 8.5): rotations zero the off-diagonal entries
 * one by one until their sum of squares is negligible; it needs no
 * library and is accurate for small symmetric matrices.
 *
 * IDENTIFICATION
 *	  src/projection.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "projection.h"

#define MAX_SWEEPS 100

void
symmetric_eigen(double *a, int d, double *values, double *vectors)
{
	int		   *order;
	double	   *sorted;

	for (int i = 0; i < d; i++)
		for (int j = 0; j < d; j++)
			vectors[(size_t) i * d + j] = i == j ? 1.0 : 0.0;

	for (int sweep = 0; sweep < MAX_SWEEPS; sweep++)
	{
		double		off = 0;
		double		diag = 0;

		for (int i = 0; i < d; i++)
		{
			diag += a[(size_t) i * d + i] * a[(size_t) i * d + i];
			for (int j = i + 1; j < d; j++)
				off += a[(size_t) i * d + j] * a[(size_t) i * d + j];
		}
		if (off <= 1e-30 * diag || off == 0)
			break;
		for (int p = 0; p < d; p++)
			for (int q = p + 1; q < d; q++)
			{
				double		apq = a[(size_t) p * d + q];
				double		app,
							aqq,
							theta,
							t,
							c,
							s;

				if (apq == 0)
					continue;
				app = a[(size_t) p * d + p];
				aqq = a[(size_t) q * d + q];
				/* the rotation that zeroes a[p][q] (the smaller angle) */
				theta = (aqq - app) / (2 * apq);
				t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
				c = 1 / sqrt(t * t + 1);
				s = t * c;
				for (int k = 0; k < d; k++)
				{
					double		akp = a[(size_t) k * d + p];
					double		akq = a[(size_t) k * d + q];

					a[(size_t) k * d + p] = c * akp - s * akq;
					a[(size_t) k * d + q] = s * akp + c * akq;
				}
				for (int k = 0; k < d; k++)
				{
					double		apk = a[(size_t) p * d + k];
					double		aqk = a[(size_t) q * d + k];

					a[(size_t) p * d + k] = c * apk - s * aqk;
					a[(size_t) q * d + k] = s * apk + c * aqk;
				}
				for (int k = 0; k < d; k++)
				{
					double		vkp = vectors[(size_t) k * d + p];
					double		vkq = vectors[(size_t) k * d + q];

					vectors[(size_t) k * d + p] = c * vkp - s * vkq;
					vectors[(size_t) k * d + q] = s * vkp + c * vkq;
				}
			}
	}

	/* descending eigenvalues, vectors alongside (insertion sort: d is small) */
	order = seg_alloc(sizeof(int) * d);
	for (int i = 0; i < d; i++)
	{
		int			j = i;

		while (j > 0 && a[(size_t) order[j - 1] * d + order[j - 1]] < a[(size_t) i * d + i])
		{
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	sorted = seg_alloc(sizeof(double) * (size_t) d * d);
	for (int j = 0; j < d; j++)
	{
		values[j] = a[(size_t) order[j] * d + order[j]];
		for (int k = 0; k < d; k++)
			sorted[(size_t) k * d + j] = vectors[(size_t) k * d + order[j]];
	}
	memcpy(vectors, sorted, sizeof(double) * (size_t) d * d);
	seg_free(sorted);
	seg_free(order);
}

SegStatus
projection_fit(const double *x, int n, int d, Projection2 *out, char *errmsg)
{
	double	   *cov;
	double	   *values;
	double	   *vectors;
	double		total = 0;

	memset(out, 0, sizeof(*out));
	if (n < 1 || d < 1 || d > PROJECTION_MAX_FEATURES)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "a map needs at least one row and 1 to %d features, not %d",
				 PROJECTION_MAX_FEATURES, d);
		return SEG_ERR_INVALID;
	}
	out->d = d;
	out->mean = seg_alloc0(sizeof(double) * d);
	out->components = seg_alloc0(sizeof(double) * 2 * d);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			out->mean[j] += x[(size_t) i * d + j];
	for (int j = 0; j < d; j++)
		out->mean[j] /= n;

	cov = seg_alloc0(sizeof(double) * (size_t) d * d);
	for (int i = 0; i < n; i++)
	{
		const double *row = x + (size_t) i * d;

		for (int j = 0; j < d; j++)
		{
			double		cj = row[j] - out->mean[j];

			for (int k = j; k < d; k++)
				cov[(size_t) j * d + k] += cj * (row[k] - out->mean[k]);
		}
	}
	for (int j = 0; j < d; j++)
		for (int k = j; k < d; k++)
		{
			cov[(size_t) j * d + k] /= n > 1 ? n - 1 : 1;
			cov[(size_t) k * d + j] = cov[(size_t) j * d + k];
		}

	values = seg_alloc(sizeof(double) * d);
	vectors = seg_alloc(sizeof(double) * (size_t) d * d);
	symmetric_eigen(cov, d, values, vectors);
	for (int j = 0; j < d; j++)
		total += values[j] > 0 ? values[j] : 0;
	for (int c = 0; c < 2 && c < d; c++)
	{
		double	   *comp = out->components + (size_t) c * d;
		int			largest = 0;

		for (int k = 0; k < d; k++)
		{
			comp[k] = vectors[(size_t) k * d + c];
			if (fabs(comp[k]) > fabs(comp[largest]) + 1e-12)
				largest = k;
		}
		if (comp[largest] < 0)
			for (int k = 0; k < d; k++)
				comp[k] = -comp[k];
		out->explained[c] = total > 0 && values[c] > 0 ? values[c] / total : 0;
	}
	seg_free(cov);
	seg_free(values);
	seg_free(vectors);
	return SEG_OK;
}

void
projection_apply(const Projection2 *p, const double *x, int n, double *out)
{
	for (int i = 0; i < n; i++)
		for (int c = 0; c < 2; c++)
		{
			const double *comp = p->components + (size_t) c * p->d;
			double		s = 0;

			for (int k = 0; k < p->d; k++)
				s += (x[(size_t) i * p->d + k] - p->mean[k]) * comp[k];
			out[(size_t) i * 2 + c] = s;
		}
}

void
projection_free(Projection2 *p)
{
	seg_free(p->mean);
	seg_free(p->components);
	p->mean = p->components = NULL;
}
