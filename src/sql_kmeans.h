/*-------------------------------------------------------------------------
 *
 * sql_kmeans.h
 *	  Shared pieces of the k-means SQL functions: one fitted k of the
 *	  table form, model decoding, and the streaming driver.
 *
 * IDENTIFICATION
 *	  src/sql_kmeans.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SQL_KMEANS_H
#define SEGMENT_SQL_KMEANS_H

#include "postgres.h"

#include "utils/array.h"

#include "kmeans.h"
#include "kmeans_model.h"
#include "preprocess.h"

/* What the table form asks for, after argument checks. */
typedef struct KFitRequest
{
	Oid			relid;
	char	  **columns;
	int			d;
	int		   *ks;				/* increasing, distinct */
	int			n_k;
	int			n_init;
	int			max_iter;
	double		tol;
	int			seed;
	double	   *init;			/* init_k x d in original units, or NULL */
	int			init_k;
	int			silhouette_sample;	/* 0: always exact */
} KFitRequest;

/* The outcome for one k. */
typedef struct KFitRun
{
	int			k;
	double		inertia;
	double		silhouette;		/* NaN when undefined */
	double		davies_bouldin; /* NaN when undefined */
	int			n_iter;
	int			n_distinct;
	double	   *centroids;		/* k x d, standardised */
} KFitRun;

/* sql_kmeans.c */
extern void kmeans_warn_distinct(int n_distinct, int k);
extern void kmeans_report_k(const KFitRun *run);
extern void kmeans_score_sample(const double *x, int n, int d, KFitRun *run,
								int silhouette_sample, int seed, const int *labels);

/*
 * The state of segment.kmeans_step(), a float8[]:
 *	[0] k  [1] d  [2] rows  [3] inertia (sum of the squared, weighted
 *	distances to the nearest centroid)  [4] slot of the nearest of the
 *	farthest points, then counts[k], sums[k x d] and k slots of the points
 *	farthest from their centroids, each {squared distance (-1: empty),
 *	label, x[d]}.
 */
#define KSS_HEADER 5
/* most features the separate-argument form takes */
#define KSS_MAX_ARGS 16
#define KSS_COUNTS(s) ((s) + KSS_HEADER)
#define KSS_SUMS(s, k) ((s) + KSS_HEADER + (k))
#define KSS_FAR(s, k, d) ((s) + KSS_HEADER + (size_t) (k) + (size_t) (k) * (d))
#define KSS_SLOT(d) (2 + (size_t) (d))
#define KSS_LEN(k, d) (KSS_HEADER + (size_t) (k) + (size_t) (k) * (d) + (size_t) (k) * KSS_SLOT(d))

/* sql_kmeans_scan.c: the first streaming pass, read from its state */
typedef struct KMeansScan
{
	int64		n_rows;			/* all rows */
	bool		overflowed;		/* more sample rows than the limit: none kept */
	const double *nulls;		/* d: NULLs per column */
	const double *max_abs;		/* d: the largest magnitude of complete rows (NaN if any) */
	const double *stats;		/* the scaler's statistics of the complete rows */
	size_t		kept;			/* rows kept for the sample */
	double	   *rows;			/* kept x (3 + d): block, offset, hash, values */
} KMeansScan;

/* false for a state that saw no rows */
extern bool kmeans_scan_result(ArrayType *state, int d, KMeansScan *out);

/*
 * The values (into out, at most kept x d) of the kept rows that
 * TABLESAMPLE BERNOULLI with this cutoff keeps, in position order; returns
 * their number.
 */
extern int	kmeans_scan_sample(KMeansScan *scan, int d, uint64 cutoff, double *out);

/* tsm_bernoulli's cutoff of the 32-bit hash for a percentage */
extern uint64 kmeans_sample_cutoff(float4 percent);

/* sql_kmeans_step.c: a step state's k and d; false for the initial '{0}' */
extern bool kmeans_step_shape(ArrayType *state, int *k, int *d);

/* sql_kmeans_stream.c: fills runs[0..n_k) and returns the preprocessor. */
extern SegPreprocessor *kmeans_fit_streaming(const KFitRequest *req, KFitRun *runs,
											 int64 *n_rows);

/* sql_kmeans_report.c */
extern KMeansModel *segment_decode_kmeans(bytea *model);

#endif							/* SEGMENT_SQL_KMEANS_H */
