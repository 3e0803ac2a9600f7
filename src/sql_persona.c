/*-------------------------------------------------------------------------
 *
 * sql_persona.c
 *	  The personas a k-means model stores: segment.personas() lists them,
 *	  segment.set_persona() edits one (segment.persona(), per row, is in
 *	  sql_predict.c beside segment_predict, whose cache it shares).
 *
 * Models are immutable rows of the registry, so an edit saves a new
 * version: the same centroids and preprocessor, the persona edited and
 * marked as edited (a refit keeps marked labels and actions for the
 * cluster it pairs with this one, and recomputes the others), the spec of
 * the version edited (so that a retraining is unchanged by it), and the
 * metrics with the new clusters.  It is deployed when the version edited
 * was.  Editing needs the rights of a deploy.
 *
 * IDENTIFICATION
 *	  src/sql_persona.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "kmeans_persona.h"
#include "model.h"
#include "pg_core.h"
#include "pg_json.h"
#include "registry.h"
#include "sql_kmeans.h"

PG_FUNCTION_INFO_V1(segment_personas);
PG_FUNCTION_INFO_V1(segment_set_persona);

/* "Its clusters are 0, 1 and 4." */
static char *
ClusterList(const KMeansModel *m)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int j = 0; j < m->k; j++)
		appendStringInfo(&buf, "%s%u", j == 0 ? "" : j == m->k - 1 ? " and " : ", ",
						 m->numbers[j]);
	return buf.data;
}

/* A text datum of model bytes, checked against the database's encoding. */
static Datum
CheckedText(const char *s)
{
	(void) pg_verify_mbstr(GetDatabaseEncoding(), s, strlen(s), false);
	return CStringGetTextDatum(s);
}

/* {"output": value, ...}: a persona's means, or a 0.1.0 model's centroid, in original units */
static Datum
Means(const KMeansModel *m, int j)
{
	JsonBuilder b;
	char		name[1024];

	json_begin(&b);
	json_object_begin(&b);
	for (int t = 0; t < kmeans_model_profile_width(m); t++)
	{
		double		v;

		if (m->personas != NULL)
			v = m->personas[j].means[t];
		else
		{
			const SegPrepColumn *col = NULL;

			v = m->centroids[(size_t) j * m->d + t];
			for (int c = 0; m->prep != NULL && c < m->prep->n_columns; c++)
				if (t >= m->prep->columns[c].out_offset &&
					t < m->prep->columns[c].out_offset + m->prep->columns[c].n_outputs)
					col = &m->prep->columns[c];
			if (col != NULL && col->kind != SEG_COL_CATEGORICAL)
				v = v * col->scale + col->mean;
		}
		/* the builder keeps the key's pointer: a copy of each name */
		json_key(&b, m->prep != NULL ? pstrdup(prep_output_name(m->prep, t, name, sizeof(name))) :
				 psprintf("f%d", t + 1));
		json_number(&b, v);
	}
	json_object_end(&b);
	return JsonbPGetDatum(json_finish(&b));
}

/*
 * segment.personas(name text, version integer DEFAULT NULL) | (model bytea)
 *   RETURNS TABLE (cluster int, size bigint, share float8, label text,
 *                  action text, label_edited bool, action_edited bool,
 *                  means jsonb)
 */
Datum
segment_personas(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KMeansModel *m;
	int		   *order;

	InitMaterializedSRF(fcinfo, 0);
	if (get_fn_expr_argtype(fcinfo->flinfo, 0) == TEXTOID)
	{
		int32		version = 0;

		segment_require_arg(fcinfo, 0, "model name");
		if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
			version = PG_GETARG_INT32(1);
		/* means are centroids in original units: the right to read the model */
		m = segment_decode_kmeans(registry_model(text_to_cstring(PG_GETARG_TEXT_PP(0)), version,
												 REGISTRY_READ));
	}
	else
	{
		segment_require_arg(fcinfo, 0, "model");
		m = segment_decode_kmeans(PG_GETARG_BYTEA_PP(0));
	}
	/* by cluster number */
	order = palloc(sizeof(int) * m->k);
	for (int j = 0; j < m->k; j++)
	{
		int			at = j;

		while (at > 0 && m->numbers[order[at - 1]] > m->numbers[j])
		{
			order[at] = order[at - 1];
			at--;
		}
		order[at] = j;
	}
	for (int r = 0; r < m->k; r++)
	{
		int			j = order[r];
		const KMeansPersona *p = m->personas != NULL ? &m->personas[j] : NULL;
		char	   *label = kmeans_cluster_label(m, j);
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};

		values[0] = Int32GetDatum((int32) m->numbers[j]);
		values[1] = Int64GetDatum(p != NULL ? (int64) p->size : 0);
		nulls[1] = p == NULL;
		values[2] = Float8GetDatum(p != NULL && m->n_rows > 0 ? (double) p->size / m->n_rows : 0);
		nulls[2] = p == NULL || m->n_rows == 0;
		values[3] = label != NULL ? CheckedText(label) : (Datum) 0;
		nulls[3] = label == NULL;
		values[4] = p != NULL && p->action != NULL ? CheckedText(p->action) : (Datum) 0;
		nulls[4] = p == NULL || p->action == NULL;
		values[5] = BoolGetDatum(p != NULL && (p->flags & KMEANS_PERSONA_LABEL_EDITED));
		values[6] = BoolGetDatum(p != NULL && (p->flags & KMEANS_PERSONA_ACTION_EDITED));
		values[7] = Means(m, j);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* A label or action given to set_persona: one line, 1 to PERSONA_LABEL_LEN - 1 bytes. */
static char *
PersonaText(FunctionCallInfo fcinfo, int arg, const char *what)
{
	char	   *s;
	size_t		len;

	if (PG_ARGISNULL(arg))
		return NULL;
	s = text_to_cstring(PG_GETARG_TEXT_PP(arg));
	len = strlen(s);
	if (len == 0 || strspn(s, " \t") == len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", what)));
	if (len >= PERSONA_LABEL_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("%s is %zu bytes long, more than %d", what, len, PERSONA_LABEL_LEN - 1)));
	for (const char *c = s; *c; c++)
		if ((unsigned char) *c < 0x20)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be one line without control characters", what)));
	return s;
}

/*
 * segment.set_persona(name text, cluster integer, label text,
 *                     action text DEFAULT NULL, version integer DEFAULT NULL)
 *   RETURNS integer: the new version
 */
Datum
segment_set_persona(PG_FUNCTION_ARGS)
{
	char	   *name;
	int32		cluster;
	char	   *label;
	char	   *action;
	int32		version;
	int32		deployed_version = 0;
	bytea	   *deployed_bytes;
	bytea	   *bytes;
	bool		was_deployed;
	SegModelHeader header;
	SegReader	payload;
	KMeansModel *m;
	char		msg[SEG_ERRMSG_LEN];
	int			j;
	SegWriter	w;
	JsonBuilder b;
	Jsonb	   *metrics;

	segment_require_arg(fcinfo, 0, "model name");
	segment_require_arg(fcinfo, 1, "cluster");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	cluster = PG_GETARG_INT32(1);
	label = PersonaText(fcinfo, 2, "label");
	action = PersonaText(fcinfo, 3, "action");
	if (label == NULL && action == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("set_persona needs a label or an action"),
				 errhint("Pass label => NULL to change only the action, or action => NULL to change only the label.")));
	/* checks the name, the version and the right to change it */
	version = PG_ARGISNULL(4) ? 0 : PG_GETARG_INT32(4);
	bytes = registry_model(name, version, REGISTRY_CHANGE);
	/* then locks the name: what is deployed stays so until the new version is saved */
	if (!registry_deployed_version(name, &deployed_version, &deployed_bytes))
		deployed_version = 0;
	if (version == 0)
	{
		if (deployed_version == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model \"%s\" does not exist or has no deployed version", name)));
		version = deployed_version;
		bytes = deployed_bytes;
	}
	was_deployed = version == deployed_version;
	segment_open_model(bytes, 0, &header, &payload);
	if (header.kind != SEG_MODEL_KMEANS)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" version %d is a %s model, not a k-means model", name, version,
						model_kind_name(header.kind)),
				 errhint("Personas describe the clusters of kmeans_fit's models.")));
	segment_raise(kmeans_model_read(&payload, &m, msg), msg);
	if (m->personas == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" version %d has no stored personas", name, version),
				 errdetail("It was fitted by segment 0.1.0, or from feature arrays."),
				 errhint("Fit it again with segment.kmeans_fit(name, relation, columns), or segment.retrain(name).")));
	j = cluster >= 0 ? kmeans_model_cluster(m, (uint32) cluster) : -1;
	if (j < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" version %d has no cluster %d", name, version, cluster),
				 errhint("Its clusters are %s.", ClusterList(m))));
	if (label != NULL)
	{
		m->personas[j].label = label;
		m->personas[j].flags |= KMEANS_PERSONA_LABEL_EDITED;
	}
	if (action != NULL)
	{
		m->personas[j].action = action;
		m->personas[j].flags |= KMEANS_PERSONA_ACTION_EDITED;
	}
	writer_init(&w, VARSIZE_ANY_EXHDR(bytes) + 2 * PERSONA_LABEL_LEN);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, m);
	model_seal(&w);

	/* the metrics of the version edited, with its clusters as they are now */
	json_begin(&b);
	json_object_begin(&b);
	json_key(&b, "clusters");
	kmeans_clusters_json(&b, m);
	json_key(&b, "persona_edit");
	json_object_begin(&b);
	json_key_integer(&b, "from_version", version);
	json_key_integer(&b, "cluster", cluster);
	json_key_string(&b, "label", label);
	json_key_string(&b, "action", action);
	json_object_end(&b);
	json_object_end(&b);
	metrics = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat,
												 JsonbPGetDatum(registry_metrics(name, version)),
												 JsonbPGetDatum(json_finish(&b))));
	PG_RETURN_INT32(registry_save(name, segment_writer_to_bytea(&w),
								  registry_spec(name, version, REGISTRY_READ), metrics,
								  was_deployed));
}
