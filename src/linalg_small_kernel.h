/*-------------------------------------------------------------------------
 *
 * linalg_small_kernel.h
 *	  The small-product kernel of linalg_gemm_small, for one vector width:
 *	  a template included by linalg.c once per width, as PostgreSQL's
 *	  lib/sort_template.h is.
 *
 * Before including, define
 *	SK_VL		doubles per vector (4 or 8)
 *	SK_SUFFIX	appended to the names defined here (SmallKernel4, ...)
 *	SK_TARGET	a function attribute naming the instruction set, or nothing
 * and Strided, SmallDot and MULADD (linalg.c).  All are undefined at the end.
 *
 * IDENTIFICATION
 *	  src/linalg_small_kernel.h
 *
 *-------------------------------------------------------------------------
 */
#define SK_PASTE(a, b) a##b
#define SK_NAME_(a, b) SK_PASTE(a, b)
#define SK_NAME(a) SK_NAME_(a, SK_SUFFIX)

#define VL SK_VL
#define vd SK_NAME(vd)
#define SmallStore SK_NAME(SmallStore)
#define SmallRow SK_NAME(SmallRow)
#define SmallKernelBody SK_NAME(SmallKernelBody)
#define SmallKernel SK_NAME(SmallKernel)

/* VL doubles as one value: the compiler keeps these in vector registers */
typedef double vd __attribute__((vector_size(VL * sizeof(double))));

/*
 * Unaligned load and store of a vd (a memcpy the compiler turns into one
 * instruction).  Macros and pointers, not vd arguments: passing vectors
 * by value changes the ABI when the target lacks AVX.
 */
#define LOAD_V(v, p) memcpy(&(v), (p), sizeof(vd))
#define STORE_V(p, v) memcpy((p), &(v), sizeof(vd))

/* VL elements of a row of C (cs apart) from one accumulator */
SK_TARGET static inline void
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
 * One row of C, 2 VL columns at a time in two accumulators (the rows
 * left over below the blocks of four).
 */
SK_TARGET static void
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
SK_TARGET static inline __attribute__((always_inline)) void
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
SK_TARGET static void
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

#undef LOAD_V
#undef STORE_V
#undef SmallKernel
#undef SmallKernelBody
#undef SmallRow
#undef SmallStore
#undef vd
#undef VL
#undef SK_NAME
#undef SK_NAME_
#undef SK_PASTE
#undef SK_VL
#undef SK_SUFFIX
#undef SK_TARGET
