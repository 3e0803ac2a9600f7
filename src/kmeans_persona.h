/*-------------------------------------------------------------------------
 *
 * kmeans_persona.h
 *	  The profile a k-means model stores at fit time (per cluster: size,
 *	  means in original units, a persona label and a suggested action),
 *	  and the stable identity of its clusters across refits.
 *
 * Labels and actions follow persona.h's rules on z = (cluster mean -
 * overall mean) / overall standard deviation per output of the model's
 * encoding: a standardised column's z is its centroid coordinate, a
 * one-hot output's compares the category's share in the cluster with its
 * share overall.
 *
 * A refit keeps cluster numbers: the new centroids are paired with the
 * deployed version's by the Hungarian method (assignment.h) on Euclidean
 * distances in the new model's encoded space, and a pair holds only when
 * the old centroid is also the nearest old centroid to the new one (the
 * deployed version would put the new centre in that cluster).  A paired
 * cluster keeps the old number and the label / action that were edited
 * there; the others get numbers above every number used before.
 *
 * IDENTIFICATION
 *	  src/kmeans_persona.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_KMEANS_PERSONA_H
#define SEGMENT_KMEANS_PERSONA_H

#include "core.h"
#include "kmeans_model.h"
#include "persona.h"

/* What personas are built from, in the model's encoded space. */
typedef struct KMeansProfileStats
{
	int			k;
	int			d;
	uint64_t	n_rows;
	uint64_t   *sizes;			/* k */
	double	   *means;			/* k x d: each cluster's mean */
	double	   *overall_mean;	/* d */
	double	   *overall_sd;		/* d, population; 0 for a constant output */
} KMeansProfileStats;

/* The statistics of n rows x (n x d) labelled in [0, k). */
extern void kmeans_profile_stats(const double *x, int n, int d, const int *labels, int k,
								 KMeansProfileStats *out);

/*
 * Its two parts, for a caller that labels the same rows several times:
 * each cluster's size and mean, and the columns' mean and population sd
 * (the same for every labelling).
 */
extern void kmeans_cluster_means(const double *x, int n, int d, const int *labels, int k,
								 uint64_t **sizes, double **means);
extern void kmeans_overall_stats(const double *x, int n, int d, double **mean, double **sd);
extern void kmeans_profile_stats_free(KMeansProfileStats *s);

/*
 * Fills m->personas (m->k, m->d and m->prep set) from s: sizes, means in
 * original units, labels from names (a display name per output) and, when
 * role_outputs names an output per role (-1: none), actions.
 */
extern void kmeans_personas_build(KMeansModel *m, const KMeansProfileStats *s,
								  const char *const *names,
								  const int role_outputs[PERSONA_N_ROLES]);

/*
 * The label of cluster j of a model without personas (0.1.0's), from its
 * centroid: a standardised output's coordinate is its z; one-hot outputs
 * are left out (the overall shares are not stored).
 */
extern void kmeans_default_label(const KMeansModel *m, int j, const char *const *names,
								 char out[PERSONA_LABEL_LEN]);

/*
 * old's centroids in the encoded space of new_prep (k_old x its
 * n_outputs) into out; false, with the reason in why, when a column of
 * new_prep cannot be read from old (old reads no such column, or another
 * kind of it, or has no preprocessor, or its centroids are codes of an
 * embedding).  A category old never saw has a share of 0 there.
 */
extern bool kmeans_centroids_in_space(const KMeansModel *old, const SegPreprocessor *new_prep,
									  double *out, char *why, size_t why_len);

/*
 * m's clusters' means (its personas' means, in original units) in the
 * encoded space of prep (m->k x its n_outputs) into out, by column name
 * as kmeans_centroids_in_space; false, with the reason in why, when m
 * stores no personas or a column of prep cannot be read from m.  What
 * clusters are paired on when their centroids are not in one space (a
 * model on an embedding against one on another embedding, or on none).
 */
extern bool kmeans_means_in_space(const KMeansModel *m, const SegPreprocessor *prep,
								  double *out, char *why, size_t why_len);

/*
 * Pairs k_new centroids with k_old (both d wide, the same space): match[i]
 * is the old index paired with new i, or -1; distance[i] the distance to
 * it (or to the nearest old centroid when unpaired).  Checks for
 * interrupts between rows of the cost matrix and in the assignment.
 */
extern void kmeans_match(const double *new_c, int k_new, const double *old_c, int k_old, int d,
						 int *match, double *distance, const SegHooks *hooks);

/*
 * Numbers m's clusters: new i takes old's number match[i] when paired
 * (match NULL: none is), with old's label and action where those were
 * edited; the rest take next, next + 1, ... in index order.
 */
extern void kmeans_renumber(KMeansModel *m, const KMeansModel *old, const int *match,
							uint32_t next);

#endif							/* SEGMENT_KMEANS_PERSONA_H */
