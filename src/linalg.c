/*-------------------------------------------------------------------------
 *
 * linalg.c
 *	  Row-major BLAS wrappers (OpenBLAS through CBLAS).
 *
 * IDENTIFICATION
 *	  src/linalg.c
 *
 *-------------------------------------------------------------------------
 */
#include <cblas.h>

#include "linalg.h"

void
linalg_gemm(bool trans_a, bool trans_b, int m, int n, int k,
			double alpha, const double *a, int lda,
			const double *b, int ldb,
			double beta, double *c, int ldc)
{
	if (m == 0 || n == 0)
		return;
	cblas_dgemm(CblasRowMajor,
				trans_a ? CblasTrans : CblasNoTrans,
				trans_b ? CblasTrans : CblasNoTrans,
				m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
linalg_gemv(bool trans_a, int m, int n, double alpha,
			const double *a, int lda, const double *x,
			double beta, double *y)
{
	if (m == 0 || n == 0)
		return;
	cblas_dgemv(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
				m, n, alpha, a, lda, x, 1, beta, y, 1);
}

double
linalg_dot(int n, const double *x, const double *y)
{
	return cblas_ddot(n, x, 1, y, 1);
}

void
linalg_axpy(int n, double alpha, const double *x, double *y)
{
	cblas_daxpy(n, alpha, x, 1, y, 1);
}

void
linalg_row_sq_norms(const double *x, int n, int d, double *out)
{
	for (int i = 0; i < n; i++)
	{
		const double *row = x + (size_t) i * d;
		double		s = 0.0;

		/* Auto-vectorized */
		for (int j = 0; j < d; j++)
			s += row[j] * row[j];
		out[i] = s;
	}
}

void
linalg_sq_distances(const double *x, const double *x_norms, int n,
					const double *y, const double *y_norms, int m,
					int d, double *out)
{
	linalg_gemm(false, true, n, m, d, -2.0, x, d, y, d, 0.0, out, m);
	for (int i = 0; i < n; i++)
	{
		double	   *row = out + (size_t) i * m;
		double		xn = x_norms[i];

		for (int j = 0; j < m; j++)
		{
			double		v = row[j] + xn + y_norms[j];

			row[j] = v > 0.0 ? v : 0.0;
		}
	}
}

void
linalg_set_threads(int n_threads)
{
	openblas_set_num_threads(n_threads);
}

int
linalg_get_threads(void)
{
	return openblas_get_num_threads();
}
