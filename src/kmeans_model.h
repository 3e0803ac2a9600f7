/*-------------------------------------------------------------------------
 *
 * kmeans_model.h
 *	  The k-means model: centroids in the model's feature space, with an
 *	  optional preprocessor that maps named columns into that space.
 *
 * Payload of a SEG_MODEL_KMEANS value (little-endian):
 *	u8     1 when a preprocessor section follows, else 0
 *	...    preprocessor (prep_write), when present
 *	u32    k, clusters
 *	u32    d, features (the preprocessor's n_outputs when present)
 *	f64    inertia of the training data
 *	u32    Lloyd iterations of the chosen run
 *	f64    k x d centroids, row-major
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

typedef struct KMeansModel
{
	SegPreprocessor *prep;		/* NULL: the model takes encoded features */
	int			k;
	int			d;
	double		inertia;
	int			n_iter;
	double	   *centroids;		/* k x d */
	double	   *c_norms;		/* k squared norms, derived when read */
} KMeansModel;

extern void kmeans_model_write(SegWriter *w, const KMeansModel *m);
extern SegStatus kmeans_model_read(SegReader *r, KMeansModel **out, char *errmsg);
extern void kmeans_model_free(KMeansModel *m);

/*
 * The nearest centroid of x (first on ties); when sq_dists is not NULL
 * it receives the k squared distances.  Allocates nothing.
 */
extern int	kmeans_model_nearest(const KMeansModel *m, const double *x, double *sq_dists);

#endif							/* SEGMENT_KMEANS_MODEL_H */
