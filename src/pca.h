/*-------------------------------------------------------------------------
 *
 * pca.h
 *	  Principal component analysis of a dense matrix, as scikit-learn 1.2's
 *	  PCA(n_components=k, svd_solver='full') computes it.
 *
 * Fit, for n rows x of d values:
 *	mean      the column means
 *	C         (X - mean)^T (X - mean) / (n - 1), the sample covariance
 *	          (a Gram matrix accumulated over blocks of centred rows)
 *	C = V diag(lambda) V^T by LAPACK's dsyevd; the k largest eigenvalues
 *	          are the explained variances (sklearn's S^2 / (n - 1)), their
 *	          eigenvectors the components
 *	ratio     lambda_j / trace(C): the share of the total variance
 *	noise     the mean of the eigenvalues left out, over min(n, d) - k of
 *	          them (sklearn's noise_variance_), 0 when none is left out
 * Signs follow scikit-learn 1.2's svd_flip (u_based_decision): on each
 * component, the row of the training data with the largest absolute
 * score (the first such row in the order given) scores positive.  Rows
 * whose scores tie in absolute value (within rounding) may flip a
 * component against scikit-learn's.
 *
 * project:      code = (x - mean) components^T          (k values)
 * reconstruct:  x' = code components + mean             (d values)
 *
 * Eigen-decomposing the covariance rather than taking the SVD of the
 * centred rows costs half the arithmetic, streams the rows in blocks and
 * holds d x d numbers, not n x d; its eigenvalues agree with the SVD's to
 * a relative error of about 1e-16 lambda_1 / lambda_j, which for the
 * leading components is far inside 1e-9.
 *
 * IDENTIFICATION
 *	  src/pca.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PCA_H
#define SEGMENT_PCA_H

#include "bytes.h"
#include "core.h"

/*
 * Widest input of a stored model: dsyevd's workspace (2 d^2 doubles) must
 * fit an int.  Models this wide are still read and applied.
 */
#define PCA_MAX_WIDTH 16384

/*
 * Widest input pca_fit takes.  The eigen-decomposition (LAPACK's dsyevd)
 * is one call that cannot be interrupted, and it grows as d^3: on this
 * project's machine 0.12 s at d = 1,024, 0.8 s at 2,048, 6.3 s at 4,000
 * (minutes at PCA_MAX_WIDTH), so a cancel or statement_timeout would wait
 * for it that long.
 */
#define PCA_MAX_FIT_WIDTH 1024

typedef struct SegPca
{
	int			d;				/* inputs */
	int			k;				/* components */
	double		n_samples;		/* rows fitted on */
	double		total_variance; /* trace of the covariance */
	double		noise_variance;
	double	   *mean;			/* d */
	double	   *explained_variance; /* k, descending */
	double	   *components;		/* k x d, row-major, unit rows */
} SegPca;

/*
 * Fits k components on n rows of x (n x d, row-major, finite), reading x
 * in the order given (which decides sign ties only).  SEG_ERR_INVALID
 * with a message when n < 2, k is not in 1 .. min(n, d), d exceeds
 * PCA_MAX_FIT_WIDTH, a value is not finite, or every column is constant.
 * Calls the interrupt hook between blocks of rows.
 */
extern SegStatus pca_fit(const double *x, int n, int d, int k, const SegHooks *hooks,
						 SegPca **out, char *errmsg);

extern void pca_free(SegPca *p);

/* code (k) of one row x (d); allocates nothing */
extern void pca_project_row(const SegPca *p, const double *x, double *code);

/* x' (d) of one code (k); allocates nothing */
extern void pca_reconstruct_code(const SegPca *p, const double *code, double *x);

/* codes (n x k) of n rows, in blocks through GEMM */
extern void pca_project(const SegPca *p, const double *x, int n, double *codes);

/*
 * Mean squared reconstruction error of n rows: sum over rows and inputs
 * of (x - x')^2 / (n d); 0 for no rows.
 */
extern double pca_reconstruction_mse(const SegPca *p, const double *x, int n,
									 const SegHooks *hooks);

/*
 * Section codec (little-endian):
 *	u32 d, u32 k, f64 n_samples, f64 total_variance, f64 noise_variance,
 *	f64[d] mean, f64[k] explained variances, f64[k x d] components
 * The reader checks d against the width expected and every number.
 */
extern void pca_write(SegWriter *w, const SegPca *p);
extern SegStatus pca_read(SegReader *r, int d, SegPca **out, char *errmsg);

#endif							/* SEGMENT_PCA_H */
