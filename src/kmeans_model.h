/*-------------------------------------------------------------------------
 *
 * kmeans_model.h
 *	  The k-means model: centroids in the model's feature space, with an
 *	  optional preprocessor that maps named columns into that space, the
 *	  clusters' stable numbers and, for models fitted on a relation, the
 *	  profile stored at fit time (the personas).
 *
 * Payload of a SEG_MODEL_KMEANS value (little-endian), codec version 3:
 *	u8     3, the codec version
 *	u8     what the centroids are in: 0 feature arrays, 1 a preprocessor's
 *	       encoded space, 2 the code space of an embedding
 *	...    1: the preprocessor (prep_write)
 *	       2: u32 length, then that many bytes: the embedding's whole
 *	       model value (a PCA or autoencoder model, envelope included,
 *	       embedding_write), whose preprocessor reads the columns
 *	u32    k, clusters
 *	u32    d, features (the preprocessor's n_outputs; the embedding's
 *	       code_size)
 *	f64    inertia of the training data
 *	u32    Lloyd iterations of the chosen run
 *	f64    k x d centroids, row-major
 *	u32    k cluster numbers: distinct, kept across refits (what
 *	       segment_predict answers)
 *	u8     1 when personas follow, else 0 (always 1 with an embedding)
 *	u64    training rows, then per cluster:
 *	  u64    size (training rows nearest to its centroid)
 *	  f64    the means in original units of the preprocessor's outputs
 *	         (one-hot outputs: the share of the category): d of them,
 *	         or the embedding preprocessor's n_outputs
 *	  str    label (u32 length + bytes; 1 to PERSONA_LABEL_LEN - 1 bytes)
 *	  u8     1 when an action follows, then str action
 *	  u8     flags: 1 label edited, 2 action edited
 *
 * A model without an embedding is written as codec version 2, byte for
 * byte as before version 3 existed: the same layout with the flag 0 or 1.
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
#include "embedding.h"
#include "preprocess.h"

/* Caps on decoded sizes, so that corrupt counts cannot demand gigabytes. */
#define KMEANS_MAX_K 65536
#define KMEANS_MAX_FEATURES 65536

/*
 * The codec versions: 3 is written for models on an embedding, 2 for the
 * others (what 0.2.0 wrote before embeddings); 0.1.0's payloads are 1.
 */
#define KMEANS_CODEC_VERSION 3
#define KMEANS_CODEC_PLAIN 2

/* what the centroids are in (the byte after the codec version) */
#define KMEANS_INPUT_FEATURES 0
#define KMEANS_INPUT_PREPROCESSOR 1
#define KMEANS_INPUT_EMBEDDING 2

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
	/*
	 * The preprocessor of the columns: NULL when the model takes feature
	 * arrays; with an embedding, the embedding's own (owned by it).
	 */
	SegPreprocessor *prep;
	SegEmbedding *embedding;	/* NULL: centroids in prep's encoded space */
	int			k;
	int			d;				/* centroid width: encoded outputs, or code size */
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
 * Writes codec version 3 with an embedding, else version 2.  numbers may
 * be NULL (then 0 .. k-1), and so may personas (not with an embedding).
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

/*
 * Values per persona mean: the preprocessor's encoded outputs (which, but
 * for an embedding's model, are the centroids' d).
 */
static inline int
kmeans_model_profile_width(const KMeansModel *m)
{
	return m->embedding != NULL ? m->embedding->n_inputs : m->d;
}

/* doubles of scratch kmeans_model_nearest_encoded and _centroid_encoded need */
extern int	kmeans_model_row_scratch(const KMeansModel *m);

/*
 * The nearest centroid of a row in the preprocessor's encoded space
 * (kmeans_model_profile_width values): through the embedding's map into
 * code space first when the model has one.  Allocates nothing.
 */
extern int	kmeans_model_nearest_encoded(const KMeansModel *m, const double *encoded,
										 double *sq_dists, double *scratch);

/*
 * Centroid j in the preprocessor's encoded space (profile width values):
 * the centroid itself, or what the embedding decodes its code to.
 */
extern void kmeans_model_centroid_encoded(const KMeansModel *m, int j, double *out,
										  double *scratch);

#endif							/* SEGMENT_KMEANS_MODEL_H */
