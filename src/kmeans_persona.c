/*-------------------------------------------------------------------------
 *
 * kmeans_persona.c
 *	  Personas stored with a k-means model, and stable cluster numbers
 *	  across refits (the rules are in kmeans_persona.h).
 *
 * IDENTIFICATION
 *	  src/kmeans_persona.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "assignment.h"
#include "kmeans.h"
#include "kmeans_persona.h"
#include "linalg.h"

void
kmeans_overall_stats(const double *x, int n, int d, double **mean_out, double **sd_out)
{
	double	   *mean = seg_alloc(sizeof(double) * d);
	double	   *sd = seg_alloc(sizeof(double) * d);

	kmeans_column_moments(x, n, d, mean, sd);
	for (int t = 0; t < d; t++)
		sd[t] = sqrt(sd[t] / (n > 0 ? n : 1));
	*mean_out = mean;
	*sd_out = sd;
}

void
kmeans_cluster_means(const double *x, int n, int d, const int *labels, int k,
					 uint64_t **sizes_out, double **means_out)
{
	uint64_t   *sizes = seg_alloc0(sizeof(uint64_t) * k);
	double	   *means = seg_alloc0(sizeof(double) * (size_t) k * d);

	for (int i = 0; i < n; i++)
	{
		const double *row = x + (size_t) i * d;
		double	   *sum = means + (size_t) labels[i] * d;

		sizes[labels[i]]++;
		for (int t = 0; t < d; t++)
			sum[t] += row[t];
	}
	for (int j = 0; j < k; j++)
		for (int t = 0; t < d; t++)
			means[(size_t) j * d + t] /= sizes[j] > 0 ? (double) sizes[j] : 1.0;
	*sizes_out = sizes;
	*means_out = means;
}

void
kmeans_profile_stats(const double *x, int n, int d, const int *labels, int k,
					 KMeansProfileStats *out)
{
	out->k = k;
	out->d = d;
	out->n_rows = (uint64_t) n;
	kmeans_cluster_means(x, n, d, labels, k, &out->sizes, &out->means);
	kmeans_overall_stats(x, n, d, &out->overall_mean, &out->overall_sd);
}

void
kmeans_profile_stats_free(KMeansProfileStats *s)
{
	seg_free(s->sizes);
	seg_free(s->means);
	seg_free(s->overall_mean);
	seg_free(s->overall_sd);
}

static char *
CopyString(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *out = seg_alloc(n);

	memcpy(out, s, n);
	return out;
}

void
kmeans_personas_build(KMeansModel *m, const KMeansProfileStats *s, const char *const *names,
					  const int role_outputs[PERSONA_N_ROLES])
{
	int			width = kmeans_model_profile_width(m);
	double	   *z = seg_alloc(sizeof(double) * width);

	m->n_rows = s->n_rows;
	m->personas = seg_alloc0(sizeof(KMeansPersona) * m->k);
	for (int j = 0; j < m->k; j++)
	{
		KMeansPersona *p = &m->personas[j];
		const double *mean = s->means + (size_t) j * width;
		char		label[PERSONA_LABEL_LEN];
		double		role_z[PERSONA_N_ROLES];
		const char *action;

		p->size = s->sizes[j];
		p->means = seg_alloc(sizeof(double) * width);
		for (int t = 0; t < width; t++)
		{
			p->means[t] = prep_output_original(m->prep, t, mean[t]);
			z[t] = s->overall_sd[t] > 0.0 ?
				(mean[t] - s->overall_mean[t]) / s->overall_sd[t] : NAN;
		}
		persona_label(z, names, width, label);
		p->label = CopyString(label);
		for (int r = 0; r < PERSONA_N_ROLES; r++)
			role_z[r] = role_outputs[r] >= 0 ? z[role_outputs[r]] : NAN;
		/* a constant role column has no z: the rule reads it as not given */
		action = persona_action(role_z);
		p->action = action != NULL ? CopyString(action) : NULL;
	}
	seg_free(z);
}

void
kmeans_default_label(const KMeansModel *m, int j, const char *const *names,
					 char out[PERSONA_LABEL_LEN])
{
	double	   *z = seg_alloc(sizeof(double) * m->d);

	for (int t = 0; t < m->d; t++)
		z[t] = NAN;
	if (m->prep != NULL)
		for (int c = 0; c < m->prep->n_columns; c++)
		{
			const SegPrepColumn *col = &m->prep->columns[c];

			if (col->kind != SEG_COL_CATEGORICAL)
				z[col->out_offset] = m->centroids[(size_t) j * m->d + col->out_offset];
		}
	persona_label(z, names, m->d, out);
	seg_free(z);
}

static const SegPrepColumn *
FindColumn(const SegPreprocessor *p, const char *name)
{
	for (int c = 0; c < p->n_columns; c++)
		if (strcmp(p->columns[c].name, name) == 0)
			return &p->columns[c];
	return NULL;
}

/*
 * k_old rows of old_prep's outputs (width values apart) into new_prep's
 * encoded space: numbers standardised by new_prep (from old's
 * standardised values, or from original units when original), one-hot
 * shares by category name.
 */
static bool
IntoSpace(const SegPreprocessor *old_prep, const double *rows, int k_old, int width,
		  bool original, const SegPreprocessor *new_prep, double *out, char *why,
		  size_t why_len)
{
	int			d = new_prep->n_outputs;

	for (int c = 0; c < new_prep->n_columns; c++)
	{
		const SegPrepColumn *col = &new_prep->columns[c];
		const SegPrepColumn *was = FindColumn(old_prep, col->name);

		if (was == NULL)
		{
			snprintf(why, why_len, "it does not read column \"%s\"", col->name);
			return false;
		}
		if ((was->kind == SEG_COL_CATEGORICAL) != (col->kind == SEG_COL_CATEGORICAL))
		{
			snprintf(why, why_len, "it reads column \"%s\" as %s", col->name,
					 was->kind == SEG_COL_CATEGORICAL ? "categories" : "numbers");
			return false;
		}
		for (int j = 0; j < k_old; j++)
		{
			const double *c_old = rows + (size_t) j * width;
			double	   *c_new = out + (size_t) j * d;

			if (col->kind != SEG_COL_CATEGORICAL)
			{
				double		v = c_old[was->out_offset];

				if (!original)
					v = v * was->scale + was->mean;
				c_new[col->out_offset] = (v - col->mean) / col->scale;
				continue;
			}
			for (int v = 0; v < col->n_categories; v++)
			{
				int			at = prep_category_index(was, col->categories[v],
													 strlen(col->categories[v]));

				c_new[col->out_offset + v] = at >= 0 ? c_old[was->out_offset + at] : 0.0;
			}
			if (col->has_missing)
				c_new[col->out_offset + col->n_categories] = was->has_missing ?
					c_old[was->out_offset + was->n_categories] : 0.0;
		}
	}
	return true;
}

bool
kmeans_centroids_in_space(const KMeansModel *old, const SegPreprocessor *new_prep,
						  double *out, char *why, size_t why_len)
{
	if (old->prep == NULL)
	{
		snprintf(why, why_len, "it has no column names (it was fitted on feature arrays)");
		return false;
	}
	if (old->embedding != NULL)
	{
		snprintf(why, why_len, "its centroids are codes of an embedding");
		return false;
	}
	return IntoSpace(old->prep, old->centroids, old->k, old->d, false, new_prep, out, why,
					 why_len);
}

bool
kmeans_means_in_space(const KMeansModel *m, const SegPreprocessor *prep, double *out,
					  char *why, size_t why_len)
{
	int			width = kmeans_model_profile_width(m);
	double	   *means;
	bool		ok;

	if (m->prep == NULL || m->personas == NULL)
	{
		snprintf(why, why_len, "it stores no cluster means by column");
		return false;
	}
	means = seg_alloc(sizeof(double) * (size_t) m->k * width);
	for (int j = 0; j < m->k; j++)
		memcpy(means + (size_t) j * width, m->personas[j].means, sizeof(double) * width);
	ok = IntoSpace(m->prep, means, m->k, width, true, prep, out, why, why_len);
	seg_free(means);
	return ok;
}

void
kmeans_match(const double *new_c, int k_new, const double *old_c, int k_old, int d,
			 int *match, double *distance, const SegHooks *hooks)
{
	double	   *cost = seg_alloc(sizeof(double) * (size_t) k_new * k_old);

	for (int i = 0; i < k_new; i++)
	{
		/* a row of costs is k_old x d distances */
		seg_check_interrupts(hooks);
		for (int j = 0; j < k_old; j++)
		{
			double		dist = sqrt(linalg_sq_distance(new_c + (size_t) i * d,
													   old_c + (size_t) j * d, d));

			/* the assignment needs finite costs; such distances pair nothing anyway */
			cost[(size_t) i * k_old + j] = isfinite(dist) ? dist : 1e300;
		}
	}
	(void) assignment_solve(cost, k_new, k_old, match, hooks);
	for (int i = 0; i < k_new; i++)
	{
		const double *row = cost + (size_t) i * k_old;
		double		nearest = INFINITY;

		for (int j = 0; j < k_old; j++)
			nearest = fmin(nearest, row[j]);
		/* the old centroid must be the nearest one (ties count) */
		if (match[i] >= 0 && row[match[i]] > nearest)
			match[i] = -1;
		distance[i] = match[i] >= 0 ? row[match[i]] : nearest;
	}
	seg_free(cost);
}

void
kmeans_renumber(KMeansModel *m, const KMeansModel *old, const int *match, uint32_t next)
{
	if (m->numbers == NULL)
		m->numbers = seg_alloc(sizeof(uint32_t) * m->k);
	for (int i = 0; i < m->k; i++)
	{
		const KMeansPersona *was;
		KMeansPersona *p;

		if (match == NULL || match[i] < 0)
		{
			m->numbers[i] = next++;
			continue;
		}
		m->numbers[i] = old->numbers[match[i]];
		if (old->personas == NULL || m->personas == NULL)
			continue;
		was = &old->personas[match[i]];
		p = &m->personas[i];
		if (was->flags & KMEANS_PERSONA_LABEL_EDITED)
		{
			seg_free(p->label);
			p->label = CopyString(was->label);
			p->flags |= KMEANS_PERSONA_LABEL_EDITED;
		}
		if ((was->flags & KMEANS_PERSONA_ACTION_EDITED) && was->action != NULL)
		{
			if (p->action != NULL)
				seg_free(p->action);
			p->action = CopyString(was->action);
			p->flags |= KMEANS_PERSONA_ACTION_EDITED;
		}
	}
}
