/*-------------------------------------------------------------------------
 *
 * linalg.h
 *	  Thin row-major wrappers over OpenBLAS for the numeric core.
 *
 * Every matrix in the core is row-major, contiguous float8 (double), with
 * an explicit leading dimension where a wrapper takes one.  Keeping BLAS
 * behind these names lets kernels be read without CBLAS's argument soup.
 *
 * IDENTIFICATION
 *	  src/linalg.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_LINALG_H
#define SEGMENT_LINALG_H

#include <stdbool.h>

/* C = alpha * op(A) * op(B) + beta * C, all row-major. */
extern void linalg_gemm(bool trans_a, bool trans_b, int m, int n, int k,
						double alpha, const double *a, int lda,
						const double *b, int ldb,
						double beta, double *c, int ldc);

/*
 * linalg_gemm for the small products of minibatch training (a few
 * thousand to a few hundred thousand multiply-adds), where a BLAS call's
 * fixed cost and a generic kernel dominate: plain loops the compiler
 * vectorizes for the build machine.  Larger products go to linalg_gemm.
 */
extern void linalg_gemm_small(bool trans_a, bool trans_b, int m, int n, int k,
							  double alpha, const double *a, int lda,
							  const double *b, int ldb,
							  double beta, double *c, int ldc);

/*
 * Which vector width linalg_gemm_small's kernel uses: 0 chooses the
 * widest this CPU runs (the default, chosen on first use), 4 or 8 forces
 * one (tests compare them; 8 needs AVX-512).
 */
extern void linalg_small_kernel_width(int width);

/*
 * The upper triangle of C (n x n) = alpha * A^T A + beta * C for a
 * row-major A of k rows and n columns (a Gram matrix, BLAS's dsyrk): the
 * lower triangle is left as it was.
 */
extern void linalg_syrk_t(int n, int k, double alpha, const double *a, int lda,
						  double beta, double *c, int ldc);

/*
 * Eigenvalues and eigenvectors of a symmetric n x n matrix whose upper
 * triangle (row-major) is in a, by LAPACK's dsyevd: w receives the n
 * eigenvalues in ascending order and row j of a the unit eigenvector of
 * w[j].  Returns LAPACK's info (0: converged; > 0: it did not).
 * Allocates dsyevd's workspace (about 2 n^2 doubles) with seg_alloc.
 */
extern int	linalg_symmetric_eigen(int n, double *a, double *w);

/* out[i] = |row i of X|^2 for an n x d matrix. */
extern void linalg_row_sq_norms(const double *x, int n, int d, double *out);

/*
 * Squared Euclidean distances between the rows of X (n x d) and Y (m x d)
 * as |x|^2 - 2 x.y + |y|^2 with one GEMM; out is n x m.  x_norms / y_norms
 * are the rows' squared norms (linalg_row_sq_norms).  Rounding can make
 * the expansion slightly negative: results are clamped at zero.
 */
extern void linalg_sq_distances(const double *x, const double *x_norms, int n,
								const double *y, const double *y_norms, int m,
								int d, double *out);

/* |a - b|^2 for two d-vectors (inline: the k-means and neighbour loops call it per row). */
static inline double
linalg_sq_distance(const double *a, const double *b, int d)
{
	double		s = 0.0;

	for (int t = 0; t < d; t++)
	{
		double		diff = a[t] - b[t];

		s += diff * diff;
	}
	return s;
}

/* Number of threads OpenBLAS may use in this process. */
extern void linalg_set_threads(int n_threads);

#endif							/* SEGMENT_LINALG_H */
