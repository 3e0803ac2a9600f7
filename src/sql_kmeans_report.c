/*-------------------------------------------------------------------------
 *
 * sql_kmeans_report.c
 *	  Describing k-means segments: segment.centroids() in original units
 *	  and segment.profile() with sizes, means and persona labels.
 *
 * The persona of a cluster is the label the model stored at fit time
 * (sql_kmeans_identity.c; edited with segment.set_persona), or for a
 * 0.1.0 model the label its centroid gives by the same rule.  For a model
 * on an embedding, rows go through the embedding to their cluster, and a
 * centroid in original units is its code decoded by the embedding (PCA's
 * inverse map, the autoencoder's decoder) with the scaling undone.
 *
 * IDENTIFICATION
 *	  src/sql_kmeans_report.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "dataset.h"
#include "kmeans_persona.h"
#include "pg_args.h"
#include "pg_core.h"
#include "registry.h"
#include "sql_kmeans.h"

PG_FUNCTION_INFO_V1(kmeans_centroids);
PG_FUNCTION_INFO_V1(kmeans_profile);

KMeansModel *
segment_decode_kmeans(bytea *model)
{
	SegModelHeader header;
	SegReader	payload;
	KMeansModel *m;
	char		msg[SEG_ERRMSG_LEN];

	segment_open_model(model, SEG_MODEL_KMEANS, &header, &payload);
	segment_raise(kmeans_model_read(&payload, &m, msg), msg);
	return m;
}

static KMeansModel *
ModelArgument(FunctionCallInfo fcinfo)
{
	if (get_fn_expr_argtype(fcinfo->flinfo, 0) == TEXTOID)
		return segment_decode_kmeans(registry_model(text_to_cstring(PG_GETARG_TEXT_PP(0)), 0,
													 REGISTRY_READ));
	return segment_decode_kmeans(PG_GETARG_BYTEA_PP(0));
}

static char *
FeatureName(const SegPreprocessor *p, int t)
{
	char		buf[1024];

	if (p == NULL)
		return psprintf("f%d", t + 1);
	return pstrdup(prep_output_name(p, t, buf, sizeof(buf)));
}

/*
 * segment.centroids(name text | model bytea)
 *   RETURNS TABLE (cluster int, feature text, value float8)
 */
Datum
kmeans_centroids(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KMeansModel *m;
	int			width;
	double	   *centroid;
	double	   *scratch;

	InitMaterializedSRF(fcinfo, 0);
	m = ModelArgument(fcinfo);
	/* a model on an embedding: each code decoded into the encoded space */
	width = kmeans_model_profile_width(m);
	centroid = palloc(sizeof(double) * width);
	scratch = palloc(sizeof(double) * Max(kmeans_model_row_scratch(m), 1));
	for (int j = 0; j < m->k; j++)
	{
		kmeans_model_centroid_encoded(m, j, centroid, scratch);
		for (int t = 0; t < width; t++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			values[0] = Int32GetDatum((int32) m->numbers[j]);
			values[1] = CStringGetTextDatum(FeatureName(m->prep, t));
			values[2] = Float8GetDatum(prep_output_original(m->prep, t, centroid[t]));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/*
 * segment.profile(name text, relation regclass)
 *   RETURNS TABLE (cluster int, size bigint, share float8, means jsonb, persona text)
 * Assigns every row of relation to its segment (NULL features imputed as
 * in training) and describes each segment.
 */
Datum
kmeans_profile(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			relid = PG_GETARG_OID(1);
	KMeansModel *m;
	SegPreprocessor *p;
	char	  **columns;
	SegFrame   *frame;
	double	   *encoded;
	double	   *scratch;
	int64	   *sizes;
	double	   *sums;
	int64	   *counts;
	char		msg[SEG_ERRMSG_LEN];
	MemoryContext work;
	MemoryContext old;

	InitMaterializedSRF(fcinfo, 0);
	work = AllocSetContextCreate(CurrentMemoryContext, "segment profile",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "profile");
	/* a grant to predict suffices: the result describes the caller's relation */
	m = segment_decode_kmeans(registry_model(name, 0, REGISTRY_PREDICT));
	p = m->prep;
	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" has no column names to profile a relation with", name),
				 errhint("Profile models trained with segment.kmeans_fit(name, relation, columns).")));
	(void) segment_readable_relation(relid);
	columns = palloc(sizeof(char *) * p->n_columns);
	for (int c = 0; c < p->n_columns; c++)
	{
		columns[c] = p->columns[c].name;
		/* a text column where the model has a number would load as codes */
		segment_check_column_kind(columns[c], dataset_column_type(relid, columns[c]),
								  p->columns[c].kind);
	}
	frame = dataset_load(relid, columns, p->n_columns, -1);
	encoded = seg_alloc(sizeof(double) * (size_t) Max(frame->n_rows, 1) * p->n_outputs);
	segment_raise(prep_transform_frame(p, frame, NULL, frame->n_rows, encoded, msg), msg);

	sizes = palloc0(sizeof(int64) * m->k);
	sums = palloc0(sizeof(double) * (size_t) m->k * p->n_columns);
	counts = palloc0(sizeof(int64) * (size_t) m->k * p->n_columns);
	scratch = palloc(sizeof(double) * Max(kmeans_model_row_scratch(m), 1));
	for (int i = 0; i < frame->n_rows; i++)
	{
		int			j = kmeans_model_nearest_encoded(m, encoded + (size_t) i * p->n_outputs,
													 NULL, scratch);

		sizes[j]++;
		for (int c = 0; c < p->n_columns; c++)
		{
			double		v = FRAME_CELL(frame, i, c);

			if (!SEG_IS_MISSING(v) && p->columns[c].kind != SEG_COL_CATEGORICAL)
			{
				sums[(size_t) j * p->n_columns + c] += v;
				counts[(size_t) j * p->n_columns + c]++;
			}
		}
		/* a row costs k x d; a check (a flag's test) is nothing beside it */
		CHECK_FOR_INTERRUPTS();
	}

	for (int j = 0; j < m->k; j++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		StringInfoData means;

		initStringInfo(&means);
		appendStringInfoChar(&means, '{');
		for (int c = 0, shown = 0; c < p->n_columns; c++)
		{
			int64		cnt = counts[(size_t) j * p->n_columns + c];

			if (p->columns[c].kind == SEG_COL_CATEGORICAL)
				continue;
			appendStringInfoString(&means, shown++ > 0 ? ", " : "");
			escape_json(&means, p->columns[c].name);
			appendStringInfoString(&means, ": ");
			if (cnt > 0)
				appendStringInfoString(&means,
									   float8out_internal(sums[(size_t) j * p->n_columns + c] / cnt));
			else
				appendStringInfoString(&means, "null");
		}
		appendStringInfoChar(&means, '}');
		values[0] = Int32GetDatum((int32) m->numbers[j]);
		values[1] = Int64GetDatum(sizes[j]);
		values[2] = Float8GetDatum(frame->n_rows > 0 ? (double) sizes[j] / frame->n_rows : 0.0);
		nulls[2] = frame->n_rows == 0;
		values[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum(means.data));
		{
			char	   *persona = kmeans_cluster_label(m, j);

			(void) pg_verify_mbstr(GetDatabaseEncoding(), persona, strlen(persona), false);
			values[4] = CStringGetTextDatum(persona);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	segment_budget_end();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	return (Datum) 0;
}
