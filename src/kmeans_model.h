/*-------------------------------------------------------------------------
 *
 * kmeans_model.h
 *	  The k-means model: centroids in the model's feature space, with an
 *	  optional preprocessor that maps named columns into that space, the
 *	  clusters' stable numbers and, for models fitted on a relation, the
 *	  profile stored at fit time (the personas).
 *
 * Payload of a SEG_MODEL_KMEANS value (little-endian), codec version 2:
 *	u8     2, the codec version
 *	u8     1 when a preprocessor section follows, else 0
 *	...    preprocessor (prep_write), when present
 *	u32    k, clusters
 *	u32    d, features (the preprocessor's n_outputs when present)
 *	f64    inertia of the training data
 *	u32    Lloyd iterations of the chosen run
 *	f64    k x d centroids, row-major
 *	u32    k cluster numbers: distinct, kept across refits (what
 *	       segment_predict answers)
 *	u8     1 when personas follow, else 0
 *	u64    training rows, then per cluster:
 *	  u64    size (training rows nearest to its centroid)
 *	  f64    d means in original units (one-hot outputs: the share of
 *	         the category)
 *	  str    label (u32 length + bytes; 1 to PERSONA_LABEL_LEN - 1 bytes)
 *	  u8     1 when an action follows, then str action
 *	  u8     flags: 1 label edited, 2 action edited
 *
 * Codec version 1 is 0.1.0's payload, which began directly with the
 * preprocessor flag (0 or 1) and ended after the centroids; it still
 * decodes, with clusters numbered 0 .. k-1 and no personas.
 *
 * IDENTIFICATION
 *	  src/kmeans_model.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_KMEANS_MODEL_H
#define SEGMENT_KMEANS_MODEL_H

#include "bytes.h"
#include "core.h"
#include "preprocess.h"

/* Caps on decoded sizes, so that corrupt counts cannot demand gigabytes. */
#define KMEANS_MAX_K 65536
#define KMEANS_MAX_FEATURES 65536

/* the codec version written; 0.1.0's payloads are version 1 */
#define KMEANS_CODEC_VERSION 2

#define KMEANS_PERSONA_LABEL_EDITED 0x01
#define KMEANS_PERSONA_ACTION_EDITED 0x02

/* What a cluster is, as stored at fit time (and edited since). */
typedef struct KMeansPersona
{
	uint64_t	size;			/* training rows nearest to the centroid */
	double	   *means;			/* d, original units; one-hot outputs: shares */
	char	   *label;
	char	   *action;			/* NULL: none */
	uint8_t		flags;			/* KMEANS_PERSONA_*_EDITED */
} KMeansPersona;

typedef struct KMeansModel
{
	SegPreprocessor *prep;		/* NULL: the model takes encoded features */
	int			k;
	int			d;
	double		inertia;
	int			n_iter;
	double	   *centroids;		/* k x d */
	uint32_t   *numbers;		/* k stable cluster numbers */
	uint64_t	n_rows;			/* training rows (0 without personas) */
	KMeansPersona *personas;	/* k, or NULL */
	int			codec;			/* the codec version read */
	double	   *c_norms;		/* k squared norms, derived when read */
} KMeansModel;

/*
 * Writes codec version 2.  numbers may be NULL (then 0 .. k-1), and so
 * may personas.
 */
extern void kmeans_model_write(SegWriter *w, const KMeansModel *m);
extern SegStatus kmeans_model_read(SegReader *r, KMeansModel **out, char *errmsg);
extern void kmeans_model_free(KMeansModel *m);

/* The index of the cluster numbered number, or -1. */
extern int	kmeans_model_cluster(const KMeansModel *m, uint32_t number);

/*
 * The nearest centroid of x (first on ties); when sq_dists is not NULL
 * it receives the k squared distances.  Allocates nothing.
 */
extern int	kmeans_model_nearest(const KMeansModel *m, const double *x, double *sq_dists);

#endif							/* SEGMENT_KMEANS_MODEL_H */
