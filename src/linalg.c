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
#include "lanes.h"
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

/*
 * Products up to this many multiply-adds, over at most SMALL_GEMM_MAX_K
 * terms (a panel of B then stays in the first-level cache), take the loop
 * path: measured as fast as OpenBLAS or faster for minibatches of 32 to
 * 1,000 rows through layers of 6 to 64 units.
 */
#define SMALL_GEMM_MAX_FLOPS (1L << 21)
#define SMALL_GEMM_MAX_K 512
/* op(B), or a block of rows of A, is transposed into a stack buffer of at most this many doubles */
#define SMALL_GEMM_MAX_BT 4096
/* narrower products than this are computed as their transpose (see linalg_gemm_small) */
#define SMALL_GEMM_NARROW 8

/*
 * A matrix operand as strides: element (i, j) at p[i * rs + j * cs].  A
 * transposed operand is the same memory with the strides swapped, so the
 * kernel reads op(A) in place and writes C or its transpose.
 */
typedef struct Strided
{
	const double *p;
	long		rs;
	long		cs;
} Strided;

/*
 * s + x * y rounded as the vector kernels round it: once, where the
 * compiler contracts their multiply-adds into FMA instructions (it does
 * wherever the target has them), so an element of C is the same number
 * whichever of the loops below computes it.
 */
#ifdef __FMA__
#define MULADD(s, x, y) __builtin_fma((x), (y), (s))
#else
#define MULADD(s, x, y) ((s) + (x) * (y))
#endif

/* one element of C: alpha * row i of op(A) . column j of B + beta * C */
static inline void
SmallDot(int i, int j, int k, double alpha, Strided a, const double *b, int ldb,
		 double beta, double *c, long rsc, long csc)
{
	double		s = 0.0;
	double	   *cij = c + i * rsc + j * csc;

	for (int p = 0; p < k; p++)
		s = MULADD(s, a.p[i * a.rs + p * a.cs], b[(size_t) p * ldb + j]);
	s *= alpha;
	*cij = beta == 0.0 ? s : s + beta * *cij;
}

/*
 * The kernels, in vectors of four doubles (AVX2) and, where the build
 * does not target AVX-512 itself, eight (AVX-512, chosen when the CPU has
 * it: the kernel is 1.5 times as fast there).  Every element of C is one
 * sum over p in order with fused multiply-adds in either width, so the
 * two give the same numbers (test/unit/test_mlp.c compares them).
 */
#define SK_VL 4
#define SK_SUFFIX 4
#define SK_TARGET
#include "linalg_small_kernel.h"

#if defined(__x86_64__) && defined(__FMA__) && !defined(__AVX512F__)
#define HAVE_WIDE_KERNEL 1
#define SK_VL 8
#define SK_SUFFIX 8
#define SK_TARGET __attribute__((target("avx512f")))
#include "linalg_small_kernel.h"
#elif defined(__AVX512F__)
#define SK_VL 8
#define SK_SUFFIX 8
#define SK_TARGET
#include "linalg_small_kernel.h"
#endif

typedef void (*SmallKernelFunc) (int m, int n, int k, double alpha, Strided a,
								 const double *b, int ldb, double beta, double *c,
								 long rsc, long csc);

static SmallKernelFunc small_kernel;

/* The widest kernel this CPU runs (0: choose; 4 or 8: that width, for tests). */
void
linalg_small_kernel_width(int width)
{
#if defined(__AVX512F__)
	small_kernel = width == 4 ? SmallKernel4 : SmallKernel8;
#elif defined(HAVE_WIDE_KERNEL)
	if (width == 0)
	{
		__builtin_cpu_init();
		width = __builtin_cpu_supports("avx512f") ? 8 : 4;
	}
	small_kernel = width == 8 ? SmallKernel8 : SmallKernel4;
#else
	(void) width;
	small_kernel = SmallKernel4;
#endif
}

/*
 * dst[c * rows + r] = src[r * ld + c] for r < rows, c < cols: four rows
 * at a time in 4 x 4 blocks of vector shuffles.  The backward pass
 * transposes a weight matrix for every minibatch, and element by element
 * that took 8% of an epoch.
 */
static void
Transpose(const double *src, int rows, int cols, int ld, double *dst)
{
	int			r = 0;

	for (; r + 4 <= rows; r += 4)
	{
		int			c = 0;

		for (; c + 4 <= cols; c += 4)
		{
			Doubles4	r0,
						r1,
						r2,
						r3,
						t0,
						t1,
						t2,
						t3,
						o;

			memcpy(&r0, src + (size_t) r * ld + c, sizeof(Doubles4));
			memcpy(&r1, src + (size_t) (r + 1) * ld + c, sizeof(Doubles4));
			memcpy(&r2, src + (size_t) (r + 2) * ld + c, sizeof(Doubles4));
			memcpy(&r3, src + (size_t) (r + 3) * ld + c, sizeof(Doubles4));
			t0 = __builtin_shufflevector(r0, r1, 0, 4, 2, 6);
			t1 = __builtin_shufflevector(r0, r1, 1, 5, 3, 7);
			t2 = __builtin_shufflevector(r2, r3, 0, 4, 2, 6);
			t3 = __builtin_shufflevector(r2, r3, 1, 5, 3, 7);
			o = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
			memcpy(dst + (size_t) c * rows + r, &o, sizeof(Doubles4));
			o = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
			memcpy(dst + (size_t) (c + 1) * rows + r, &o, sizeof(Doubles4));
			o = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
			memcpy(dst + (size_t) (c + 2) * rows + r, &o, sizeof(Doubles4));
			o = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
			memcpy(dst + (size_t) (c + 3) * rows + r, &o, sizeof(Doubles4));
		}
		for (; c < cols; c++)
			for (int i = r; i < r + 4; i++)
				dst[(size_t) c * rows + i] = src[(size_t) i * ld + c];
	}
	for (; r < rows; r++)
		for (int c = 0; c < cols; c++)
			dst[(size_t) c * rows + r] = src[(size_t) r * ld + c];
}

/*
 * The shapes of minibatch training: op(A) is read in place through its
 * strides; the kernel needs B row-major, so a transposed B is copied
 * (it is a layer's weights, a few thousand values).  A product with fewer
 * than SMALL_GEMM_NARROW columns (a softmax layer of a few classes) is
 * computed as its transpose, C^T = op(B)^T op(A)^T, whose rows are the
 * narrow side: then the vector registers run along the long side.  That
 * needs op(A)^T row-major: read in place when A is transposed, else
 * copied a block of rows at a time.
 */
void
linalg_gemm_small(bool trans_a, bool trans_b, int m, int n, int k,
				  double alpha, const double *a, int lda,
				  const double *b, int ldb,
				  double beta, double *c, int ldc)
{
	double		buf[SMALL_GEMM_MAX_BT] __attribute__((aligned(64)));
	Strided		sa;
	bool		narrow;

	if (m == 0 || n == 0)
		return;
	if (small_kernel == NULL)
		linalg_small_kernel_width(0);
	narrow = n < SMALL_GEMM_NARROW && m >= SMALL_GEMM_NARROW;
	if ((long) m * n * k > SMALL_GEMM_MAX_FLOPS || k > SMALL_GEMM_MAX_K ||
		(!narrow && trans_b && (long) n * k > SMALL_GEMM_MAX_BT))
	{
		linalg_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
		return;
	}
	if (narrow)
	{
		/* C^T (n x m) = op(B)^T op(A)^T, written to C through swapped strides */
		Strided		sbt;

		sbt.p = b;
		sbt.rs = trans_b ? ldb : 1;
		sbt.cs = trans_b ? 1 : ldb;
		if (trans_a)
		{
			/* op(A)^T is A itself: k x m, row-major */
			small_kernel(n, m, k, alpha, sbt, a, lda, beta, c, 1, ldc);
			return;
		}
		for (int i0 = 0; i0 < m;)
		{
			int			rows = k > 0 ? SMALL_GEMM_MAX_BT / k : m;

			if (rows > m - i0)
				rows = m - i0;
			Transpose(a + (size_t) i0 * lda, rows, k, lda, buf);
			small_kernel(n, rows, k, alpha, sbt, buf, rows, beta, c + (size_t) i0 * ldc, 1, ldc);
			i0 += rows;
		}
		return;
	}
	if (trans_b)
	{
		/* B is n x k: make it k x n so that the inner loop runs along rows */
		Transpose(b, n, k, ldb, buf);
		b = buf;
		ldb = n;
	}
	sa.p = a;
	sa.rs = trans_a ? 1 : lda;
	sa.cs = trans_a ? lda : 1;
	small_kernel(m, n, k, alpha, sa, b, ldb, beta, c, ldc, 1);
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
