/*-------------------------------------------------------------------------
 *
 * sql_kmeans_identity.c
 *	  What a k-means fit stores about its clusters: the personas (display
 *	  names, labels, actions) and the cluster numbers that survive a refit.
 *
 * Display names, per column clustered: the labels argument's name for it,
 * else its comment (COMMENT ON COLUMN) when that is one line of at most
 * PERSONA_NAME_MAX bytes, else the column name with underscores and
 * camelCase read as spaces, lower-cased ("NumWebPurchases" -> "num web
 * purchases").  A one-hot output is "share of <name> = <value>" (or
 * "share of <name> missing" for NULL), since its mean in a cluster is the
 * share of the category there.
 *
 * Cluster numbers: the new centroids are paired with those of the version
 * deployed now (kmeans_persona.h); clusters without a pair take numbers
 * above every number any version of the name used, so that a number never
 * comes to mean another group of customers.  Models on an embedding pair
 * in its code space when both versions hold the same embedding value;
 * when the embeddings differ (or only one version has one), the clusters'
 * stored means in original units are paired instead, both moved into the
 * new version's standardised encoded space, by the same rule.
 *
 * IDENTIFICATION
 *	  src/sql_kmeans_identity.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/pg_class.h"
#include "commands/comment.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/lsyscache.h"

#include "kmeans_persona.h"
#include "model.h"
#include "pg_core.h"
#include "registry.h"
#include "sql_kmeans.h"

/* "total_spent" -> "total spent", "NumWebPurchases" -> "num web purchases" */
char *
kmeans_column_phrase(const char *column)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const char *s = column; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '_')
		{
			appendStringInfoChar(&buf, ' ');
			continue;
		}
		/* a capital after a lower-case letter or a digit starts a word */
		if (isupper(c) && s > column &&
			(islower((unsigned char) s[-1]) || isdigit((unsigned char) s[-1])))
			appendStringInfoChar(&buf, ' ');
		appendStringInfoChar(&buf, (char) (c < 128 ? tolower(c) : c));
	}
	return buf.data;
}

/* A comment short enough to name a column in a label, trimmed; or NULL. */
static char *
ShortComment(Oid relid, const char *column)
{
	char	   *comment = GetComment(relid, RelationRelationId, get_attnum(relid, column));
	char	   *end;

	if (comment == NULL)
		return NULL;
	while (*comment == ' ' || *comment == '\t')
		comment++;
	end = comment + strlen(comment);
	while (end > comment && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (*comment == '\0' || strlen(comment) > PERSONA_NAME_MAX)
		return NULL;
	for (const char *s = comment; *s; s++)
		if ((unsigned char) *s < 0x20)
			return NULL;
	return comment;
}

/* The display name of column c of the fit. */
static char *
DisplayName(const KFitRequest *req, const char *column)
{
	char	   *comment;

	if (req->labels != NULL)
	{
		JsonbValue *v = getKeyJsonValueFromContainer(&req->labels->root, column,
													 strlen(column), NULL);

		if (v != NULL && v->type == jbvString)
			return pnstrdup(v->val.string.val, v->val.string.len);
	}
	comment = ShortComment(req->relid, column);
	return comment != NULL ? comment : kmeans_column_phrase(column);
}

/* name cut to PERSONA_TERM_MAX bytes at a character boundary */
static char *
Clip(char *name)
{
	int			len = strlen(name);

	if (len > PERSONA_TERM_MAX)
		name[pg_mbcliplen(name, len, PERSONA_TERM_MAX)] = '\0';
	return name;
}

char	  **
kmeans_output_names(const SegPreprocessor *prep, char **column_names)
{
	char	  **names = palloc(sizeof(char *) * prep->n_outputs);

	for (int c = 0; c < prep->n_columns; c++)
	{
		const SegPrepColumn *col = &prep->columns[c];

		if (col->kind != SEG_COL_CATEGORICAL)
		{
			names[col->out_offset] = Clip(pstrdup(column_names[c]));
			continue;
		}
		for (int v = 0; v < col->n_categories; v++)
			names[col->out_offset + v] = Clip(psprintf("share of %s = %s", column_names[c],
													   col->categories[v]));
		if (col->has_missing)
			names[col->out_offset + col->n_categories] =
				Clip(psprintf("share of %s missing", column_names[c]));
	}
	return names;
}

char	  **
kmeans_display_names(const KFitRequest *req, const SegPreprocessor *prep)
{
	char	  **columns = palloc(sizeof(char *) * prep->n_columns);

	for (int c = 0; c < prep->n_columns; c++)
		columns[c] = DisplayName(req, prep->columns[c].name);
	return kmeans_output_names(prep, columns);
}

void
kmeans_role_outputs(const KFitRequest *req, const SegPreprocessor *prep, int *outputs)
{
	for (int r = 0; r < PERSONA_N_ROLES; r++)
	{
		char	   *column = kmeans_role_column(req, r);

		outputs[r] = -1;
		for (int c = 0; column != NULL && c < prep->n_columns; c++)
			if (strcmp(prep->columns[c].name, column) == 0)
				outputs[r] = prep->columns[c].out_offset;
	}
}

void
kmeans_build_personas(const KFitRequest *req, KMeansModel *model, const KFitRun *run,
					  const KFitSample *sample)
{
	KMeansProfileStats s;
	int			roles[PERSONA_N_ROLES];
	uint64		n_rows = 0;

	for (int j = 0; j < run->k; j++)
		n_rows += run->sizes[j];
	s.k = run->k;
	s.d = model->d;
	s.n_rows = n_rows;
	s.sizes = run->sizes;
	s.means = run->means;
	s.overall_mean = sample->overall_mean;
	s.overall_sd = sample->overall_sd;
	kmeans_role_outputs(req, model->prep, roles);
	kmeans_personas_build(model, &s, (const char *const *) kmeans_display_names(req, model->prep),
						  roles);
}

/* One above the largest cluster number any k-means version of name has used. */
static uint32
NextNumber(const char *name)
{
	int			n;
	bytea	  **models = registry_version_models(name, &n);
	uint32		next = 0;

	for (int v = 0; v < n; v++)
	{
		SegModelHeader header;
		SegReader	payload;
		KMeansModel *m;
		char		msg[SEG_ERRMSG_LEN];

		if (model_open((const uint8_t *) VARDATA_ANY(models[v]), VARSIZE_ANY_EXHDR(models[v]),
					   SEG_MODEL_KMEANS, &header, &payload, msg) != SEG_OK ||
			kmeans_model_read(&payload, &m, msg) != SEG_OK)
			continue;
		for (int j = 0; j < m->k; j++)
			next = Max(next, m->numbers[j] + 1);
		kmeans_model_free(m);
	}
	return next;
}

/*
 * The deployed version's centroids in the new model's encoded space, or
 * NULL (the reason in msg) when they cannot be read there.
 */
static double *
CentroidsInSpace(const KMeansModel *model, const KMeansModel *old, char *msg)
{
	double	   *in_space = palloc(sizeof(double) * (size_t) old->k * model->d);

	if (!kmeans_centroids_in_space(old, model->prep, in_space, msg, SEG_ERRMSG_LEN))
		return NULL;
	return in_space;
}

void
kmeans_number_clusters(const char *name, KMeansModel *model, bytea *deployed,
					   int32 deployed_version, KFitIdentity *id)
{
	uint32		next = NextNumber(name);
	SegModelHeader header;
	SegReader	payload;
	KMeansModel *old = NULL;
	char		msg[SEG_ERRMSG_LEN];
	double	   *in_space;
	const double *new_points = model->centroids;
	int			width = model->d;

	memset(id, 0, sizeof(*id));
	id->match = palloc(sizeof(int) * model->k);
	id->distance = palloc(sizeof(double) * model->k);
	for (int i = 0; i < model->k; i++)
	{
		id->match[i] = -1;
		id->distance[i] = NAN;
	}
	if (deployed == NULL)
	{
		id->reason = next == 0 ? "the first version of this name" : "no version is deployed";
		kmeans_renumber(model, NULL, NULL, next);
		return;
	}
	id->against_version = deployed_version;
	segment_open_model(deployed, 0, &header, &payload);
	if (header.kind != SEG_MODEL_KMEANS)
	{
		id->reason = psprintf("the deployed version %d is a %s model", deployed_version,
							  model_kind_name(header.kind));
		kmeans_renumber(model, NULL, NULL, next);
		return;
	}
	segment_raise(kmeans_model_read(&payload, &old, msg), msg);
	if (model->embedding == NULL && old->embedding == NULL)
		in_space = CentroidsInSpace(model, old, msg);
	else if (model->embedding != NULL && old->embedding != NULL &&
			 old->d == model->d && embedding_equal(model->embedding, old->embedding))
	{
		/* the same map: the centroids are codes of one space */
		in_space = old->centroids;
		new_points = model->centroids;
		id->space = "Euclidean, in the code space of the embedding both versions use";
	}
	else
	{
		/* another map (or none on one side): the clusters' means by column */
		double	   *new_means = palloc(sizeof(double) * (size_t) model->k *
									   model->prep->n_outputs);

		new_points = new_means;
		in_space = palloc(sizeof(double) * (size_t) old->k * model->prep->n_outputs);
		width = model->prep->n_outputs;
		if (!kmeans_means_in_space(model, model->prep, new_means, msg, sizeof(msg)) ||
			!kmeans_means_in_space(old, model->prep, in_space, msg, sizeof(msg)))
			in_space = NULL;
		id->space = "Euclidean between the clusters' means, in the new version's standardised space (the versions cluster on different embeddings)";
	}
	if (in_space == NULL)
	{
		id->reason = psprintf("the deployed version %d cannot be compared: %s",
							  deployed_version, msg);
		kmeans_renumber(model, NULL, NULL, next);
		kmeans_model_free(old);
		return;
	}
	kmeans_match(new_points, model->k, in_space, old->k, width, id->match, id->distance,
				 segment_hooks());
	kmeans_renumber(model, old, id->match, next);
	id->n_old = old->k;
	id->old_numbers = palloc(sizeof(uint32) * old->k);
	memcpy(id->old_numbers, old->numbers, sizeof(uint32) * old->k);
	kmeans_model_free(old);
}

char *
kmeans_cluster_label(const KMeansModel *m, int j)
{
	char		label[PERSONA_LABEL_LEN];
	char	  **phrases;

	if (m->personas != NULL)
		return m->personas[j].label;
	if (m->prep == NULL)
		return NULL;
	phrases = palloc(sizeof(char *) * m->prep->n_columns);
	for (int c = 0; c < m->prep->n_columns; c++)
		phrases[c] = kmeans_column_phrase(m->prep->columns[c].name);
	kmeans_default_label(m, j, (const char *const *) kmeans_output_names(m->prep, phrases), label);
	return pstrdup(label);
}
