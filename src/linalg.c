/*-------------------------------------------------------------------------
 *
 * linalg.c
 *	  Row-major BLAS wrappers (OpenBLAS through CBLAS) and the one LAPACK
 *	  routine the core needs (dsyevd, which OpenBLAS carries too).
 *
 * OpenBLAS is opened on the first BLAS call instead of being linked:
 * loading it costs a backend several milliseconds (thousands of symbol
 * relocations), which segment_predict, a connection's typical first and
 * only call, never needs.  LAPACK's symbol is looked up on its first use,
 * so a BLAS library without LAPACK still serves everything else.
 *
 * IDENTIFICATION
 *	  src/linalg.c
 *
 *-------------------------------------------------------------------------
 */
#include <cblas.h>
#include <dlfcn.h>
#include <string.h>

#include "core.h"
#include "linalg.h"

/* the OpenBLAS library to open; a build may name another */
#ifndef SEGMENT_BLAS_LIBRARY
#define SEGMENT_BLAS_LIBRARY "libopenblas.so.0"
#endif

/*
 * LAPACK's symmetric eigensolver (Fortran calling convention: every
 * argument by reference, and gfortran's hidden lengths of the two
 * character arguments at the end).
 */
typedef void (*DsyevdFunc) (const char *jobz, const char *uplo, const int *n, double *a,
							const int *lda, double *w, double *work, const int *lwork,
							int *iwork, const int *liwork, int *info,
							size_t jobz_len, size_t uplo_len);

/* the functions used, with cblas.h's prototypes */
static struct
{
	bool		loaded;
	int			threads;		/* applied when the library is opened */
	void	   *handle;
	__typeof__(&cblas_dgemm) dgemm;
	__typeof__(&cblas_dsyrk) dsyrk;
	__typeof__(&openblas_set_num_threads) set_num_threads;
	DsyevdFunc	dsyevd;
}			blas = {.threads = 1};

/* POSIX's way to store dlsym's result in a function pointer */
#define RESOLVE(handle, field, name) \
	do { \
		void	   *sym_ = dlsym((handle), (name)); \
		if (sym_ == NULL) \
			seg_fail("could not find " name " in " SEGMENT_BLAS_LIBRARY, NULL, NULL); \
		memcpy(&blas.field, &sym_, sizeof(sym_)); \
	} while (0)

static void
OpenBlas(void)
{
	void	   *handle = dlopen(SEGMENT_BLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);

	if (handle == NULL)
		seg_fail("could not load " SEGMENT_BLAS_LIBRARY, dlerror(),
				 "Install OpenBLAS (on Debian, the package libopenblas0).");
	RESOLVE(handle, dgemm, "cblas_dgemm");
	RESOLVE(handle, dsyrk, "cblas_dsyrk");
	RESOLVE(handle, set_num_threads, "openblas_set_num_threads");
	blas.set_num_threads(blas.threads);
	blas.handle = handle;
	blas.loaded = true;
}

static void
OpenLapack(void)
{
	void	   *sym;

	if (!blas.loaded)
		OpenBlas();
	sym = dlsym(blas.handle, "dsyevd_");
	if (sym == NULL)
		seg_fail("could not find dsyevd_ in " SEGMENT_BLAS_LIBRARY, NULL,
				 "PCA needs LAPACK: use an OpenBLAS build that includes it (Debian's libopenblas0 does).");
	memcpy(&blas.dsyevd, &sym, sizeof(sym));
}

void
linalg_gemm(bool trans_a, bool trans_b, int m, int n, int k,
			double alpha, const double *a, int lda,
			const double *b, int ldb,
			double beta, double *c, int ldc)
{
	if (m == 0 || n == 0)
		return;
	if (!blas.loaded)
		OpenBlas();
	blas.dgemm(CblasRowMajor,
			   trans_a ? CblasTrans : CblasNoTrans,
			   trans_b ? CblasTrans : CblasNoTrans,
			   m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
linalg_syrk_t(int n, int k, double alpha, const double *a, int lda, double beta,
			  double *c, int ldc)
{
	if (n == 0)
		return;
	if (!blas.loaded)
		OpenBlas();
	blas.dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, alpha, a, lda, beta, c, ldc);
}

int
linalg_symmetric_eigen(int n, double *a, double *w)
{
	int			lda = n > 1 ? n : 1;
	int			lwork = -1;
	int			liwork = -1;
	int			iwork_query = 0;
	double		work_query = 0.0;
	int			info = 0;
	double	   *work;
	int		   *iwork;
	size_t		lwork_bytes;

	if (n == 0)
		return 0;
	if (blas.dsyevd == NULL)
		OpenLapack();
	/* a row-major upper triangle is a column-major lower one */
	blas.dsyevd("V", "L", &n, a, &lda, w, &work_query, &lwork, &iwork_query, &liwork,
				&info, 1, 1);
	if (info != 0)
		return info;
	lwork = (int) work_query;
	liwork = iwork_query;
	if (!seg_mul_size((size_t) lwork, sizeof(double), &lwork_bytes))
		return -1;
	work = seg_alloc(lwork_bytes);
	iwork = seg_alloc(sizeof(int) * (size_t) liwork);
	blas.dsyevd("V", "L", &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
	seg_free(work);
	seg_free(iwork);
	return info;
}

/* products up to this many multiply-adds take the loop path */
#define SMALL_GEMM_MAX_FLOPS (1L << 18)
/* op(B) is transposed into a stack buffer of at most this many doubles */
#define SMALL_GEMM_MAX_BT 4096

/* four doubles as one value: the compiler keeps these in vector registers */
typedef double v4d __attribute__((vector_size(32)));

/*
 * Unaligned load and store of a v4d (a memcpy the compiler turns into one
 * instruction).  Macros and pointers, not v4d arguments: passing vectors
 * by value changes the ABI when the target lacks AVX.
 */
#define LOAD_V4(v, p) memcpy(&(v), (p), sizeof(v4d))
#define STORE_V4(p, v) memcpy((p), &(v), sizeof(v4d))

/* eight elements of a row of C from their accumulators */
static inline void
SmallStore(double *c, double alpha, double beta, const v4d *acc_lo, const v4d *acc_hi)
{
	v4d			lo = alpha * *acc_lo;
	v4d			hi = alpha * *acc_hi;

	if (beta != 0.0)
	{
		v4d			c_lo;
		v4d			c_hi;

		LOAD_V4(c_lo, c);
		LOAD_V4(c_hi, c + 4);
		lo += beta * c_lo;
		hi += beta * c_hi;
	}
	STORE_V4(c, lo);
	STORE_V4(c + 4, hi);
}

/* one element of C: alpha * row i of A . column j of B + beta * C */
static inline void
SmallDot(int i, int j, int k, double alpha, const double *a, int lda,
		 const double *b, int ldb, double beta, double *c, int ldc)
{
	double		s = 0.0;
	double	   *cij = c + (size_t) i * ldc + j;

	for (int p = 0; p < k; p++)
		s += a[(size_t) i * lda + p] * b[(size_t) p * ldb + j];
	*cij = alpha * s + (beta == 0.0 ? 0.0 : beta * *cij);
}

/*
 * C = alpha A B + beta C for row-major A (m x k), B (k x n): each block of
 * 4 rows x 8 columns of C accumulates in eight 4-wide registers over the
 * whole of k, so every loaded value of B serves four rows.
 */
static void
SmallKernel(int m, int n, int k, double alpha, const double *a, int lda,
			const double *b, int ldb, double beta, double *c, int ldc)
{
	int			i = 0;

	for (; i + 4 <= m; i += 4)
	{
		int			j = 0;

		for (; j + 8 <= n; j += 8)
		{
			/* eight named accumulators: an array would live in memory */
			v4d			c00 = {0},
						c01 = {0},
						c10 = {0},
						c11 = {0},
						c20 = {0},
						c21 = {0},
						c30 = {0},
						c31 = {0};
			const double *a0 = a + (size_t) i * lda;
			const double *a1 = a0 + lda;
			const double *a2 = a1 + lda;
			const double *a3 = a2 + lda;

			for (int p = 0; p < k; p++)
			{
				v4d			b0;
				v4d			b1;

				LOAD_V4(b0, b + (size_t) p * ldb + j);
				LOAD_V4(b1, b + (size_t) p * ldb + j + 4);

				c00 += a0[p] * b0;
				c01 += a0[p] * b1;
				c10 += a1[p] * b0;
				c11 += a1[p] * b1;
				c20 += a2[p] * b0;
				c21 += a2[p] * b1;
				c30 += a3[p] * b0;
				c31 += a3[p] * b1;
			}
			SmallStore(c + (size_t) i * ldc + j, alpha, beta, &c00, &c01);
			SmallStore(c + (size_t) (i + 1) * ldc + j, alpha, beta, &c10, &c11);
			SmallStore(c + (size_t) (i + 2) * ldc + j, alpha, beta, &c20, &c21);
			SmallStore(c + (size_t) (i + 3) * ldc + j, alpha, beta, &c30, &c31);
		}
		for (; j < n; j++)
			for (int r = 0; r < 4; r++)
				SmallDot(i + r, j, k, alpha, a, lda, b, ldb, beta, c, ldc);
	}
	for (; i < m; i++)
		for (int j = 0; j < n; j++)
			SmallDot(i, j, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
linalg_gemm_small(bool trans_a, bool trans_b, int m, int n, int k,
				  double alpha, const double *a, int lda,
				  const double *b, int ldb,
				  double beta, double *c, int ldc)
{
	double		bt[2 * SMALL_GEMM_MAX_BT];

	if ((long) m * n * k > SMALL_GEMM_MAX_FLOPS ||
		(trans_b && (long) n * k > SMALL_GEMM_MAX_BT))
	{
		linalg_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
		return;
	}
	if (trans_b)
	{
		/* B is n x k: make it k x n so that the inner loop runs along rows */
		for (int j = 0; j < n; j++)
			for (int p = 0; p < k; p++)
				bt[(size_t) p * n + j] = b[(size_t) j * ldb + p];
		b = bt;
		ldb = n;
	}
	if (trans_a)
	{
		/* A is k x m: make it m x k (as for B, bounded by the flop limit) */
		double	   *at = m * (size_t) k <= SMALL_GEMM_MAX_BT ? bt + SMALL_GEMM_MAX_BT : NULL;

		if (at == NULL)
		{
			linalg_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
			return;
		}
		for (int p = 0; p < k; p++)
			for (int i = 0; i < m; i++)
				at[(size_t) i * k + p] = a[(size_t) p * lda + i];
		a = at;
		lda = k;
	}
	SmallKernel(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
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
	blas.threads = n_threads;
	if (blas.loaded)
		blas.set_num_threads(n_threads);
}
