/*-------------------------------------------------------------------------
 *
 * pca.c
 *	  Principal components by the eigen-decomposition of the covariance
 *	  (LAPACK's dsyevd), with scikit-learn 1.2's conventions (see pca.h).
 *
 * IDENTIFICATION
 *	  src/pca.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "linalg.h"
#include "pca.h"

/* rows centred and multiplied at a time */
#define PCA_BLOCK 512

void
pca_free(SegPca *p)
{
	if (p == NULL)
		return;
	seg_free(p->mean);
	seg_free(p->explained_variance);
	seg_free(p->components);
	seg_free(p);
}

/* rows [start, start + rows) of x minus the mean, into block */
static void
CenterBlock(const double *x, int d, const double *mean, int start, int rows, double *block)
{
	for (int i = 0; i < rows; i++)
	{
		const double *src = x + (size_t) (start + i) * d;
		double	   *dst = block + (size_t) i * d;

		/* Auto-vectorized */
		for (int j = 0; j < d; j++)
			dst[j] = src[j] - mean[j];
	}
}

/*
 * Flips components so that, on each, the training row of largest absolute
 * score scores positive (sklearn 1.2's svd_flip on U = scores / S; the
 * first row on ties, as numpy's argmax).
 */
static void
FlipSigns(SegPca *p, const double *x, int n, double *block, double *scores,
		  const SegHooks *hooks)
{
	int			d = p->d;
	int			k = p->k;
	double	   *largest = seg_alloc0(sizeof(double) * k);
	double	   *sign = seg_alloc(sizeof(double) * k);

	for (int j = 0; j < k; j++)
		sign[j] = 1.0;
	for (int start = 0; start < n; start += PCA_BLOCK)
	{
		int			rows = n - start < PCA_BLOCK ? n - start : PCA_BLOCK;

		seg_check_interrupts(hooks);
		CenterBlock(x, d, p->mean, start, rows, block);
		linalg_gemm(false, true, rows, k, d, 1.0, block, d, p->components, d, 0.0, scores, k);
		for (int i = 0; i < rows; i++)
			for (int j = 0; j < k; j++)
			{
				double		t = scores[(size_t) i * k + j];

				if (fabs(t) > largest[j])
				{
					largest[j] = fabs(t);
					sign[j] = t < 0.0 ? -1.0 : 1.0;
				}
			}
	}
	for (int j = 0; j < k; j++)
		if (sign[j] < 0.0)
			for (int t = 0; t < d; t++)
				p->components[(size_t) j * d + t] = -p->components[(size_t) j * d + t];
	seg_free(largest);
	seg_free(sign);
}

static SegStatus
Invalid(char *errmsg, const char *format, int a, int b)
{
	snprintf(errmsg, SEG_ERRMSG_LEN, format, a, b);
	return SEG_ERR_INVALID;
}

SegStatus
pca_fit(const double *x, int n, int d, int k, const SegHooks *hooks, SegPca **out,
		char *errmsg)
{
	SegPca	   *p;
	double	   *gram;
	double	   *eigenvalues;
	double	   *block;
	double	   *scores;
	size_t		gram_cells;
	int			rank_bound = n < d ? n : d;
	double		left_out = 0.0;
	int			info;

	if (d < 1 || d > PCA_MAX_FIT_WIDTH)
		return Invalid(errmsg, "PCA takes 1 to %d input values a row, not %d",
					   PCA_MAX_FIT_WIDTH, d);
	if (n < 2)
		return Invalid(errmsg, "PCA needs at least %d rows, not %d", 2, n);
	if (k < 1 || k > rank_bound)
		return Invalid(errmsg, "components must be between 1 and %d (the fewer of rows and encoded features), not %d",
					   rank_bound, k);

	p = seg_alloc0(sizeof(SegPca));
	p->d = d;
	p->k = k;
	p->n_samples = n;
	p->mean = seg_alloc0(sizeof(double) * d);
	for (int i = 0; i < n; i++)
	{
		const double *row = x + (size_t) i * d;

		for (int j = 0; j < d; j++)
		{
			if (!isfinite(row[j]))
			{
				pca_free(p);
				return Invalid(errmsg, "value %d of row %d is not finite", j + 1, i + 1);
			}
			p->mean[j] += row[j];
		}
		if (i % 65536 == 65535)
			seg_check_interrupts(hooks);
	}
	for (int j = 0; j < d; j++)
		p->mean[j] /= n;

	/* the covariance's upper triangle, a block of centred rows at a time */
	gram_cells = (size_t) d * d;
	gram = seg_alloc0(sizeof(double) * gram_cells);
	block = seg_alloc(sizeof(double) * (size_t) PCA_BLOCK * d);
	for (int start = 0; start < n; start += PCA_BLOCK)
	{
		int			rows = n - start < PCA_BLOCK ? n - start : PCA_BLOCK;

		seg_check_interrupts(hooks);
		CenterBlock(x, d, p->mean, start, rows, block);
		linalg_syrk_t(d, rows, 1.0 / (n - 1), block, d, 1.0, gram, d);
	}
	for (int j = 0; j < d; j++)
		p->total_variance += gram[(size_t) j * d + j];
	if (!(p->total_variance > 0.0))
	{
		seg_free(gram);
		seg_free(block);
		pca_free(p);
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "every column is constant: there is no variance to explain");
		return SEG_ERR_INVALID;
	}

	eigenvalues = seg_alloc(sizeof(double) * d);
	seg_check_interrupts(hooks);
	info = linalg_symmetric_eigen(d, gram, eigenvalues);
	if (info != 0)
	{
		seg_free(eigenvalues);
		seg_free(gram);
		seg_free(block);
		pca_free(p);
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "the eigenvalue solver did not converge (LAPACK dsyevd info %d)", info);
		return SEG_ERR_INVALID;
	}

	/* the k largest, descending; rounding may leave a null one below 0 */
	p->explained_variance = seg_alloc(sizeof(double) * k);
	p->components = seg_alloc(sizeof(double) * (size_t) k * d);
	for (int j = 0; j < k; j++)
	{
		int			idx = d - 1 - j;

		p->explained_variance[j] = eigenvalues[idx] > 0.0 ? eigenvalues[idx] : 0.0;
		memcpy(p->components + (size_t) j * d, gram + (size_t) idx * d, sizeof(double) * d);
	}
	for (int idx = 0; idx < d - k; idx++)
		left_out += eigenvalues[idx] > 0.0 ? eigenvalues[idx] : 0.0;
	p->noise_variance = k < rank_bound ? left_out / (rank_bound - k) : 0.0;
	seg_free(eigenvalues);
	seg_free(gram);

	scores = seg_alloc(sizeof(double) * (size_t) PCA_BLOCK * k);
	FlipSigns(p, x, n, block, scores, hooks);
	seg_free(scores);
	seg_free(block);
	*out = p;
	return SEG_OK;
}

void
pca_project_row(const SegPca *p, const double *x, double *code)
{
	for (int j = 0; j < p->k; j++)
	{
		const double *c = p->components + (size_t) j * p->d;
		double		s = 0.0;

		for (int t = 0; t < p->d; t++)
			s += (x[t] - p->mean[t]) * c[t];
		code[j] = s;
	}
}

void
pca_reconstruct_code(const SegPca *p, const double *code, double *x)
{
	memcpy(x, p->mean, sizeof(double) * p->d);
	for (int j = 0; j < p->k; j++)
	{
		const double *c = p->components + (size_t) j * p->d;
		double		v = code[j];

		/* Auto-vectorized */
		for (int t = 0; t < p->d; t++)
			x[t] += v * c[t];
	}
}

void
pca_project(const SegPca *p, const double *x, int n, double *codes)
{
	double	   *block = seg_alloc(sizeof(double) * (size_t) PCA_BLOCK * p->d);

	for (int start = 0; start < n; start += PCA_BLOCK)
	{
		int			rows = n - start < PCA_BLOCK ? n - start : PCA_BLOCK;

		CenterBlock(x, p->d, p->mean, start, rows, block);
		linalg_gemm(false, true, rows, p->k, p->d, 1.0, block, p->d, p->components, p->d,
					0.0, codes + (size_t) start * p->k, p->k);
	}
	seg_free(block);
}

double
pca_reconstruction_mse(const SegPca *p, const double *x, int n, const SegHooks *hooks)
{
	int			d = p->d;
	int			k = p->k;
	double	   *block = seg_alloc(sizeof(double) * (size_t) PCA_BLOCK * d);
	double	   *codes = seg_alloc(sizeof(double) * (size_t) PCA_BLOCK * k);
	double	   *back = seg_alloc(sizeof(double) * (size_t) PCA_BLOCK * d);
	double		sum = 0.0;

	for (int start = 0; start < n; start += PCA_BLOCK)
	{
		int			rows = n - start < PCA_BLOCK ? n - start : PCA_BLOCK;

		seg_check_interrupts(hooks);
		CenterBlock(x, d, p->mean, start, rows, block);
		linalg_gemm(false, true, rows, k, d, 1.0, block, d, p->components, d, 0.0, codes, k);
		linalg_gemm(false, false, rows, d, k, 1.0, codes, k, p->components, d, 0.0, back, d);
		for (size_t c = 0; c < (size_t) rows * d; c++)
		{
			double		e = block[c] - back[c];

			sum += e * e;
		}
	}
	seg_free(block);
	seg_free(codes);
	seg_free(back);
	return n > 0 ? sum / ((double) n * d) : 0.0;
}

void
pca_write(SegWriter *w, const SegPca *p)
{
	writer_put_u32(w, (uint32_t) p->d);
	writer_put_u32(w, (uint32_t) p->k);
	writer_put_f64(w, p->n_samples);
	writer_put_f64(w, p->total_variance);
	writer_put_f64(w, p->noise_variance);
	writer_put_f64_array(w, p->mean, p->d);
	writer_put_f64_array(w, p->explained_variance, p->k);
	writer_put_f64_array(w, p->components, (size_t) p->k * p->d);
}

static SegStatus
Corrupt(SegPca *p, char *errmsg, const char *what)
{
	snprintf(errmsg, SEG_ERRMSG_LEN, "pca model: %s", what);
	pca_free(p);
	return SEG_ERR_CORRUPT;
}

static bool
AllFinite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

SegStatus
pca_read(SegReader *r, int d, SegPca **out, char *errmsg)
{
	SegPca	   *p = seg_alloc0(sizeof(SegPca));
	uint32_t	d_read = reader_get_u32(r);
	uint32_t	k = reader_get_u32(r);
	size_t		need;

	p->n_samples = reader_get_f64(r);
	p->total_variance = reader_get_f64(r);
	p->noise_variance = reader_get_f64(r);
	if (r->failed)
		return Corrupt(p, errmsg, "truncated header");
	if (d_read != (uint32_t) d || d < 1 || d > PCA_MAX_WIDTH)
		return Corrupt(p, errmsg, "input width differs from the preprocessor's");
	if (k < 1 || k > (uint32_t) d)
		return Corrupt(p, errmsg, "bad number of components");
	if (!(p->n_samples >= 2.0) || !isfinite(p->n_samples) ||
		!(p->total_variance > 0.0) || !isfinite(p->total_variance) ||
		!(p->noise_variance >= 0.0) || !isfinite(p->noise_variance))
		return Corrupt(p, errmsg, "bad variance figures");
	p->d = d;
	p->k = (int) k;
	/* the arrays must be there before anything is allocated for them */
	need = sizeof(double) * ((size_t) d + k + (size_t) k * d);
	if (need > reader_remaining(r))
		return Corrupt(p, errmsg, "arrays truncated");
	p->mean = reader_get_f64_array(r, d);
	p->explained_variance = reader_get_f64_array(r, k);
	p->components = reader_get_f64_array(r, (size_t) k * d);
	if (p->mean == NULL || p->explained_variance == NULL || p->components == NULL)
		return Corrupt(p, errmsg, "arrays truncated");
	if (!AllFinite(p->mean, d) || !AllFinite(p->components, (size_t) k * d))
		return Corrupt(p, errmsg, "non-finite mean or component");
	for (uint32_t j = 0; j < k; j++)
		if (!(p->explained_variance[j] >= 0.0) || !isfinite(p->explained_variance[j]))
			return Corrupt(p, errmsg, "bad explained variance");
	*out = p;
	return SEG_OK;
}
