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
 * VL doubles as one value, the width of the target's vector registers
 * (eight with AVX-512, else four; on AVX-512 the wide kernel trains the
 * default network 1.4 times as fast): the compiler keeps these in
 * registers.
 */
#ifdef __AVX512F__
#define VL 8
#else
#define VL 4
#endif
typedef double vd __attribute__((vector_size(VL * sizeof(double))));

/*
 * Unaligned load and store of a vd (a memcpy the compiler turns into one
 * instruction).  Macros and pointers, not vd arguments: passing vectors
 * by value changes the ABI when the target lacks AVX.
 */
#define LOAD_V(v, p) memcpy(&(v), (p), sizeof(vd))
#define STORE_V(p, v) memcpy((p), &(v), sizeof(vd))

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

/* VL elements of a row of C (cs apart) from one accumulator */
static inline void
SmallStore(double *c, long cs, double alpha, double beta, const vd *acc)
{
	vd			v = alpha * *acc;

	if (cs == 1)
	{
		if (beta != 0.0)
		{
			vd			old;

			LOAD_V(old, c);
			v += beta * old;
		}
		STORE_V(c, v);
		return;
	}
	for (int j = 0; j < VL; j++)
		c[j * cs] = beta == 0.0 ? v[j] : v[j] + beta * c[j * cs];
}

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
 * One row of C, 2 VL columns at a time in two accumulators (the rows
 * left over below the blocks of four).
 */
static void
SmallRow(int i, int n, int k, double alpha, Strided a, const double *b, int ldb,
		 double beta, double *c, long rsc, long csc)
{
	const double *ai = a.p + i * a.rs;
	double	   *ci = c + i * rsc;
	int			j = 0;

	for (; j + 2 * VL <= n; j += 2 * VL)
	{
		vd			c0 = {0},
					c1 = {0};

		for (int p = 0; p < k; p++)
		{
			vd			b0;
			vd			b1;

			LOAD_V(b0, b + (size_t) p * ldb + j);
			LOAD_V(b1, b + (size_t) p * ldb + j + VL);
			c0 += ai[p * a.cs] * b0;
			c1 += ai[p * a.cs] * b1;
		}
		SmallStore(ci + j * csc, csc, alpha, beta, &c0);
		SmallStore(ci + (j + VL) * csc, csc, alpha, beta, &c1);
	}
	for (; j < n; j++)
		SmallDot(i, j, k, alpha, a, b, ldb, beta, c, rsc, csc);
}

/*
 * C = alpha op(A) B + beta C for op(A) m x k (strided), row-major B (k x
 * n) and C written through its strides: each block of 4 rows x 2 VL
 * columns of C accumulates in eight vector registers over the whole of
 * k, so every loaded vector of B serves four rows (then blocks of 4 rows
 * x VL columns, then single rows).  Every element is one sum over p in
 * order, whatever block computes it, so the blocking does not change the
 * result.
 */
static inline __attribute__((always_inline)) void
SmallKernelBody(int m, int n, int k, double alpha, Strided a, const double *b, int ldb,
				double beta, double *c, long rsc, long csc)
{
	int			i = 0;

	for (; i + 4 <= m; i += 4)
	{
		const double *a0 = a.p + i * a.rs;
		const double *a1 = a0 + a.rs;
		const double *a2 = a1 + a.rs;
		const double *a3 = a2 + a.rs;
		double	   *c0 = c + i * rsc;
		int			j = 0;

		for (; j + 2 * VL <= n; j += 2 * VL)
		{
			/* eight named accumulators: an array would live in memory */
			vd			c00 = {0},
						c01 = {0},
						c10 = {0},
						c11 = {0},
						c20 = {0},
						c21 = {0},
						c30 = {0},
						c31 = {0};

			for (int p = 0; p < k; p++)
			{
				vd			b0;
				vd			b1;
				long		q = p * a.cs;

				LOAD_V(b0, b + (size_t) p * ldb + j);
				LOAD_V(b1, b + (size_t) p * ldb + j + VL);

				c00 += a0[q] * b0;
				c01 += a0[q] * b1;
				c10 += a1[q] * b0;
				c11 += a1[q] * b1;
				c20 += a2[q] * b0;
				c21 += a2[q] * b1;
				c30 += a3[q] * b0;
				c31 += a3[q] * b1;
			}
			SmallStore(c0 + j * csc, csc, alpha, beta, &c00);
			SmallStore(c0 + (j + VL) * csc, csc, alpha, beta, &c01);
			SmallStore(c0 + rsc + j * csc, csc, alpha, beta, &c10);
			SmallStore(c0 + rsc + (j + VL) * csc, csc, alpha, beta, &c11);
			SmallStore(c0 + 2 * rsc + j * csc, csc, alpha, beta, &c20);
			SmallStore(c0 + 2 * rsc + (j + VL) * csc, csc, alpha, beta, &c21);
			SmallStore(c0 + 3 * rsc + j * csc, csc, alpha, beta, &c30);
			SmallStore(c0 + 3 * rsc + (j + VL) * csc, csc, alpha, beta, &c31);
		}
		if (j + VL <= n)
		{
			vd			c00 = {0},
						c10 = {0},
						c20 = {0},
						c30 = {0};

			for (int p = 0; p < k; p++)
			{
				vd			b0;
				long		q = p * a.cs;

				LOAD_V(b0, b + (size_t) p * ldb + j);
				c00 += a0[q] * b0;
				c10 += a1[q] * b0;
				c20 += a2[q] * b0;
				c30 += a3[q] * b0;
			}
			SmallStore(c0 + j * csc, csc, alpha, beta, &c00);
			SmallStore(c0 + rsc + j * csc, csc, alpha, beta, &c10);
			SmallStore(c0 + 2 * rsc + j * csc, csc, alpha, beta, &c20);
			SmallStore(c0 + 3 * rsc + j * csc, csc, alpha, beta, &c30);
			j += VL;
		}
		for (; j < n; j++)
			for (int r = 0; r < 4; r++)
				SmallDot(i + r, j, k, alpha, a, b, ldb, beta, c, rsc, csc);
	}
	for (; i < m; i++)
		SmallRow(i, n, k, alpha, a, b, ldb, beta, c, rsc, csc);
}

/*
 * SmallKernelBody compiled twice: for contiguous rows of A and of C (the
 * common case, where the compiler knows the unit strides) and for any
 * strides.
 */
static void
SmallKernel(int m, int n, int k, double alpha, Strided a, const double *b, int ldb,
			double beta, double *c, long rsc, long csc)
{
	if (a.cs == 1 && csc == 1)
	{
		Strided		unit = {a.p, a.rs, 1};

		SmallKernelBody(m, n, k, alpha, unit, b, ldb, beta, c, rsc, 1);
	}
	else
		SmallKernelBody(m, n, k, alpha, a, b, ldb, beta, c, rsc, csc);
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
			SmallKernel(n, m, k, alpha, sbt, a, lda, beta, c, 1, ldc);
			return;
		}
		for (int i0 = 0; i0 < m;)
		{
			int			rows = k > 0 ? SMALL_GEMM_MAX_BT / k : m;

			if (rows > m - i0)
				rows = m - i0;
			for (int p = 0; p < k; p++)
				for (int i = 0; i < rows; i++)
					buf[(size_t) p * rows + i] = a[(size_t) (i0 + i) * lda + p];
			SmallKernel(n, rows, k, alpha, sbt, buf, rows, beta, c + (size_t) i0 * ldc, 1, ldc);
			i0 += rows;
		}
		return;
	}
	if (trans_b)
	{
		/* B is n x k: make it k x n so that the inner loop runs along rows */
		for (int j = 0; j < n; j++)
			for (int p = 0; p < k; p++)
				buf[(size_t) p * n + j] = b[(size_t) j * ldb + p];
		b = buf;
		ldb = n;
	}
	sa.p = a;
	sa.rs = trans_a ? 1 : lda;
	sa.cs = trans_a ? lda : 1;
	SmallKernel(m, n, k, alpha, sa, b, ldb, beta, c, ldc, 1);
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
