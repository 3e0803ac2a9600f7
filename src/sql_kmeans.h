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

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "embedding.h"
#include "kmeans.h"
#include "kmeans_model.h"
#include "persona.h"
#include "pg_json.h"
#include "preprocess.h"

/*
 * Display names in persona labels: a labels argument's name or a column
 * comment is at most PERSONA_NAME_MAX bytes; each term ("share of region
 * = north") is cut to PERSONA_TERM_MAX so that three of them fit a label.
 */
#define PERSONA_NAME_MAX 64
#define PERSONA_TERM_MAX 78

/* how a refit is deployed (the names are segment_train's) */
typedef enum KFitDeploy
{
	KFIT_DEPLOY_ALWAYS,
	KFIT_DEPLOY_IF_BETTER,
	KFIT_DEPLOY_NEVER
} KFitDeploy;

/* What the table form asks for, after argument checks. */
typedef struct KFitRequest
{
	char	   *name;
	Oid			relid;
	char	   *relation;		/* quoted, qualified */
	char	  **columns;
	int			d;				/* columns */
	int		   *ks;				/* increasing, distinct */
	int			n_k;
	int			n_init;
	int			max_iter;
	double		tol;
	int			seed;
	double	   *init;			/* init_k x init_d in original units, or NULL */
	int			init_values;	/* values given in init */
	int			init_dims;		/* its dimensions (1 or 2) */
	int			init_k;			/* rows when 2-D, else 0 until the width is known */
	int			silhouette_sample;	/* 0: always exact */
	bool		streaming_given;	/* streaming as given: NULL means auto */
	bool		streaming;		/* as chosen */
	bool		preprocess;		/* impute NULLs, one-hot encode text */
	bool		choose_elbow;	/* choose => 'elbow' */
	Jsonb	   *labels;			/* column -> display name, or NULL */
	Jsonb	   *roles;			/* role -> column, or NULL */
	KFitDeploy	deploy;
	bool		skip_if_unchanged;
	/* embedding => name: cluster the codes of that PCA or autoencoder */
	char	   *embedding;		/* its name, or NULL */
	int32		embedding_version;	/* the version read (deployed at fit time) */
	SegEmbedding *emb;			/* that version, decoded */
	uint64		embedding_hash; /* of its bytes, for the fingerprint */
	bool		columns_given;	/* columns was not NULL */
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
	uint64	   *sizes;			/* k: rows nearest to each centroid */
	double	   *means;			/* k x d: their mean, standardised */
	int		   *sample_labels;	/* the labels of the sample's rows */
} KFitRun;

/*
 * The seeded sample of rows the silhouettes are computed on (and if_better
 * compares versions on): its rows in the new model's encoded space, as
 * loaded (for another version's encoding), and the overall statistics of
 * the encoded columns.
 */
typedef struct KFitSample
{
	int			n;
	double	   *x;				/* n x d_out */
	SegFrame   *frame;			/* the same n rows as loaded */
	int			sample_size;	/* silhouette_score's sample_size for them */
	double	   *overall_mean;	/* d_out: of every row */
	double	   *overall_sd;		/* d_out: of every row, population */
	SegFrame   *full;			/* every row as loaded (in memory), or NULL */
} KFitSample;

/* How the new version was deployed, and why. */
typedef struct KFitDeployment
{
	bool		deployed;
	const char *reason;
	bool		rescored;		/* if_better scored the deployed version too */
	int32		previous_version;	/* the version deployed before, or 0 */
	double		new_score;		/* silhouette of the new version on the sample */
	double		previous_score; /* of the deployed version on the same rows */
	int			rows;
} KFitDeployment;

/* How the new clusters were numbered. */
typedef struct KFitIdentity
{
	int32		against_version;	/* the deployed version paired with, or 0 */
	const char *reason;			/* why no pairing was made, or NULL */
	const char *space;			/* what the distances were measured between */
	int		   *match;			/* k: index in the deployed version, or -1 */
	double	   *distance;		/* k: to the paired (or nearest) old centroid */
	uint32	   *old_numbers;	/* the deployed version's numbers, or NULL */
	int			n_old;			/* and how many */
} KFitIdentity;

/* Silhouettes at or below this: no substantial structure (Kaufman and Rousseeuw, 1990). */
#define KMEANS_SILHOUETTE_NO_STRUCTURE 0.25
#define KMEANS_SILHOUETTE_WEAK 0.50
#define KMEANS_SILHOUETTE_REASONABLE 0.70

/* sql_kmeans.c */
extern void kmeans_fit_rows(const KFitRequest *req, const SegFrame *frame, const double *x,
							int d, const double *profile, int d_profile, const double *init,
							KFitRun *runs, KFitSample *sample);
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

/*
 * sql_kmeans_stream.c: fills runs[0..n_k) and the sample, and returns the
 * preprocessor.
 */
extern SegPreprocessor *kmeans_fit_streaming(const KFitRequest *req, KFitRun *runs,
											 int64 *n_rows, KFitSample *sample);

/* sql_kmeans_args.c */
extern void kmeans_parse_request(FunctionCallInfo fcinfo, KFitRequest *req);
extern double *kmeans_init_standardised(const KFitRequest *req, const SegPreprocessor *prep);
extern Jsonb *kmeans_spec_arguments(const KFitRequest *req, bool with_policy);
extern Jsonb *kmeans_fingerprint(const KFitRequest *req, const SegFrame *frame);
extern const char *kmeans_deploy_name(KFitDeploy deploy);
extern const char *kmeans_structure(double silhouette);
extern char *kmeans_role_column(const KFitRequest *req, int role);

/* sql_kmeans_identity.c */
extern char *kmeans_column_phrase(const char *column);
extern char **kmeans_output_names(const SegPreprocessor *prep, char **column_names);

/*
 * Cluster j's persona label: stored at fit time (or edited), or for a
 * 0.1.0 model from its centroid; NULL for a model without a preprocessor.
 */
extern char *kmeans_cluster_label(const KMeansModel *m, int j);
extern char **kmeans_display_names(const KFitRequest *req, const SegPreprocessor *prep);
extern void kmeans_role_outputs(const KFitRequest *req, const SegPreprocessor *prep,
								int *outputs);
extern void kmeans_build_personas(const KFitRequest *req, KMeansModel *model,
								  const KFitRun *run, const KFitSample *sample);
extern void kmeans_number_clusters(const char *name, KMeansModel *model,
								   bytea *deployed, int32 deployed_version,
								   KFitIdentity *identity);

/* sql_kmeans_registry.c */
extern void kmeans_decide(const KFitRequest *req, const KMeansModel *model, const KFitRun *run,
						  const KFitSample *sample, bytea *deployed, int32 deployed_version,
						  KFitDeployment *d);
extern int64 kmeans_record_run(const KFitRequest *req, TimestampTz started, int64 n_rows,
							   const char *status, int32 version, const KFitDeployment *d);
extern Jsonb *kmeans_metrics(const KFitRequest *req, const KFitRun *runs, int chosen,
							 const char *rule, int elbow_k, int64 n_rows, const KMeansModel *model,
							 const KFitIdentity *id, const KFitDeployment *d,
							 char **warnings, int n_warnings);
extern void kmeans_clusters_json(JsonBuilder *b, const KMeansModel *model);
extern Jsonb *kmeans_report(const KFitRequest *req, int32 version, int64 run, Jsonb *metrics);
extern Jsonb *kmeans_skipped_report(const KFitRequest *req, int32 same, int64 n_rows,
									const char *reason, int64 run);

/* sql_kmeans_embed.c */
extern void kmeans_open_embedding(KFitRequest *req, const char *name);
extern SegFrame *kmeans_embedding_load(const KFitRequest *req, double **codes);
extern void kmeans_fit_embedded(const KFitRequest *req, const SegFrame *frame,
								const double *codes, KFitRun *runs, KFitSample *sample);
extern void kmeans_embedding_json(JsonBuilder *b, const KFitRequest *req);

/* sql_kmeans_report.c */
extern KMeansModel *segment_decode_kmeans(bytea *model);

#endif							/* SEGMENT_SQL_KMEANS_H */
