/*-------------------------------------------------------------------------
 *
 * sql_segment_view.c
 *	  segment.create_segment_view(): a view for BI tools that adds a
 *	  model's predictions to a relation's rows.
 *
 * The view is plain SQL that calls the model by name, so it answers with
 * the version deployed when its query runs (a retraining that deploys
 * changes it at once) and reads like a table:
 *
 *	k-means     segment (the stable cluster number), persona, action, from
 *	            one call of segment.persona per row in a LATERAL subquery
 *	classifier  segment (the class) and probability (the class's)
 *	regressor   prediction
 *
 * It is created with the caller's rights, through SPI, from text whose
 * names are quoted (quote_identifier, quote_literal) and whose functions
 * are schema-qualified, under search_path = pg_catalog, pg_temp; the view
 * lands in the schema its name gives, or the caller's creation schema.
 * Queries of the view call the functions as the querying role: a BI role
 * needs segment.grant_predict on the model besides SELECT on the view.
 *
 * materialized => true makes a materialized view instead; refresh (a cron
 * schedule) has pg_cron refresh it (sql_schedule.c), CONCURRENTLY when a
 * key column gives it the unique index that needs.
 *
 * IDENTIFICATION
 *	  src/sql_segment_view.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "dataset.h"
#include "kmeans_model.h"
#include "model.h"
#include "pg_args.h"
#include "pg_core.h"
#include "predictor.h"
#include "registry.h"
#include "sql_kmeans.h"
#include "sql_schedule.h"

PG_FUNCTION_INFO_V1(segment_create_segment_view);

#define REFRESH_JOB_PREFIX "segment.refresh "

/* ERROR when the relation already has a column the view adds. */
static void
CheckFree(Oid relid, const char *column, const char *added, const char *relname)
{
	if (column != NULL ? strcmp(column, added) == 0 :
		get_attnum(relid, added) != InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("relation \"%s\" already has a column named \"%s\", which the view adds",
						relname, added),
				 errhint("Create the view over a view of the relation that renames that column, or name a key column with key =>.")));
}

/* The model's kind; ERROR when it cannot read the relation's rows by name. */
static int
ModelKind(const char *model, Oid relid, const char *relname)
{
	bytea	   *bytes = registry_model(model, 0, REGISTRY_PREDICT);
	SegModelHeader header;
	SegReader	payload;
	const SegPreprocessor *prep = NULL;

	segment_open_model(bytes, 0, &header, &payload);
	if (header.kind == SEG_MODEL_KMEANS)
		prep = segment_decode_kmeans(bytes)->prep;
	else if (header.kind == SEG_MODEL_CLASSIFIER || header.kind == SEG_MODEL_REGRESSOR)
	{
		SegPredictor p;
		char		msg[SEG_ERRMSG_LEN];

		segment_raise(predictor_read_payload(header.kind, &payload, &p, msg), msg);
		prep = p.prep;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a %s model, which does not predict", model,
						model_kind_name(header.kind))));
	if (prep == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" takes feature arrays, not rows", model),
				 errhint("A segment view needs a model trained on named columns.")));
	for (int c = 0; c < prep->n_columns; c++)
		if (get_attnum(relid, prep->columns[c].name) == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("relation \"%s\" has no column \"%s\", which model \"%s\" reads",
							relname, prep->columns[c].name, model)));
	return header.kind;
}

/* Runs one statement of the caller's under the pinned search_path. */
static void
Execute(const char *sql)
{
	int			search_path = segment_pin_search_path();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "statement failed: %s", sql);
	SPI_finish();
	segment_restore_search_path(search_path);
}

/*
 * segment.create_segment_view(view_name text, relation regclass,
 *     model text, key text DEFAULT NULL, materialized boolean DEFAULT
 *     false, refresh text DEFAULT NULL) RETURNS regclass
 */
Datum
segment_create_segment_view(PG_FUNCTION_ARGS)
{
	RangeVar   *target;
	Oid			nsp;
	char	   *view;
	Oid			relid;
	char	   *relname;
	char	   *relation;
	char	   *model;
	char	   *key = NULL;
	bool		materialized;
	char	   *refresh = NULL;
	int			kind;
	char	   *m;
	StringInfoData sql;
	Oid			viewid;

	segment_require_arg(fcinfo, 0, "view name");
	segment_require_arg(fcinfo, 1, "relation");
	segment_require_arg(fcinfo, 2, "model");
	segment_require_arg(fcinfo, 4, "materialized");
	target = makeRangeVarFromNameList(textToQualifiedNameList(PG_GETARG_TEXT_PP(0)));
	relid = PG_GETARG_OID(1);
	relname = segment_readable_relation(relid);
	relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), relname);
	model = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (!PG_ARGISNULL(3))
	{
		key = text_to_cstring(PG_GETARG_TEXT_PP(3));
		(void) dataset_column_type(relid, key);
	}
	materialized = PG_GETARG_BOOL(4);
	if (!PG_ARGISNULL(5))
	{
		refresh = text_to_cstring(PG_GETARG_TEXT_PP(5));
		if (!materialized)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("refresh schedules the refresh of a materialized view"),
					 errhint("Pass materialized => true, or leave refresh NULL: a plain view is always current.")));
	}
	kind = ModelKind(model, relid, relname);

	/* the schema the caller's path gives a new relation, checked for CREATE */
	nsp = RangeVarGetAndCheckCreationNamespace(target, NoLock, NULL);
	view = quote_qualified_identifier(get_namespace_name(nsp), target->relname);

	m = quote_literal_cstr(model);
	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE %sVIEW %s AS SELECT %s", materialized ? "MATERIALIZED " : "",
					 view, key != NULL ? psprintf("r.%s", quote_identifier(key)) : "r.*");
	if (kind == SEG_MODEL_KMEANS)
	{
		CheckFree(relid, key, "segment", relname);
		CheckFree(relid, key, "persona", relname);
		CheckFree(relid, key, "action", relname);
		/*
		 * One call per row gives the cluster, its label and its action: the
		 * LATERAL subquery's OFFSET 0 keeps the planner from copying the
		 * call into each column, and costs less per row than a function
		 * scan (which fills a tuplestore per row); a filter on the
		 * relation's columns still reaches its scan and indexes.
		 */
		appendStringInfo(&sql, ", (p.persona).cluster AS segment, (p.persona).label AS persona, "
						 "(p.persona).action AS action FROM %s r CROSS JOIN LATERAL "
						 "(SELECT segment.persona(%s::pg_catalog.text, r) AS persona OFFSET 0) p",
						 relation, m);
	}
	else if (kind == SEG_MODEL_CLASSIFIER)
	{
		CheckFree(relid, key, "segment", relname);
		CheckFree(relid, key, "probability", relname);
		appendStringInfo(&sql, ", p.segment, (p.probabilities OPERATOR(pg_catalog.->>) p.segment)"
						 "::pg_catalog.float8 AS probability FROM %s r CROSS JOIN LATERAL "
						 "(SELECT segment.segment_predict(%s::pg_catalog.text, r) AS segment, "
						 "segment.segment_predict_proba(%s::pg_catalog.text, r) AS probabilities "
						 "OFFSET 0) p", relation, m, m);
	}
	else
	{
		CheckFree(relid, key, "prediction", relname);
		appendStringInfo(&sql, ", segment.segment_predict_value(%s::pg_catalog.text, r) AS prediction "
						 "FROM %s r", m, relation);
	}
	Execute(sql.data);
	CommandCounterIncrement();
	viewid = get_relname_relid(target->relname, nsp);
	if (materialized && key != NULL)
		Execute(psprintf("CREATE UNIQUE INDEX ON %s (%s)", view, quote_identifier(key)));
	if (refresh != NULL)
	{
		int64		job = segment_cron_schedule(segment_cron_job_name(REFRESH_JOB_PREFIX, view),
												refresh,
												psprintf("REFRESH MATERIALIZED VIEW %s%s",
														 key != NULL ? "CONCURRENTLY " : "",
														 view));

		ereport(NOTICE,
				(errmsg("pg_cron job " INT64_FORMAT " refreshes %s on schedule \"%s\"", job, view,
						refresh)));
	}
	PG_RETURN_OID(viewid);
}
