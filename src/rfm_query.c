/*-------------------------------------------------------------------------
 *
 * rfm_query.c
 *	  The one query behind segment.rfm and segment.rfm_split.
 *
 * One scan of the transactions: rows with a customer, an instant and an
 * amount are grouped by (customer, instant), which makes one purchase of
 * the rows a customer has at the same instant (CDNOW's several rows a
 * day; lifetimes' summary_data_from_transaction_data does the same per
 * day), then by customer.  Both groupings use built-in aggregates, so the
 * first runs as partial aggregates in parallel workers.  Amounts are
 * summed as numeric: exact, so the same rows give the same figures, and
 * the same ties between customers, whatever order the workers read them in.
 * Window functions then rank the customers for the scores.
 *
 * The text runs under search_path = pg_catalog, pg_temp; the relation is
 * schema-qualified and the columns quoted, operators that touch the
 * caller's columns are named OPERATOR(pg_catalog.op).  $1 is as_of (rfm)
 * or the cutoff (rfm_split), $2 the end of the split's horizon, both
 * timestamptz: a date compares as its midnight, a timestamp as that local
 * time, in the session's time zone (PostgreSQL's cross-type operators).
 *
 * IDENTIFICATION
 *	  src/rfm_query.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "rfm_query.h"

/* the time between two instants of the at column, in days, as float8 */
static void
AppendDays(StringInfo sql, Oid at_type, const char *to, const char *from)
{
	if (at_type == DATEOID)
		appendStringInfo(sql, "(%s OPERATOR(pg_catalog.-) %s)::pg_catalog.float8", to, from);
	else
		appendStringInfo(sql,
						 "(EXTRACT(epoch FROM %s OPERATOR(pg_catalog.-) %s)"
						 " / 86400)::pg_catalog.float8", to, from);
}

static const char *
AtTypeName(Oid at_type)
{
	switch (at_type)
	{
		case DATEOID:
			return "pg_catalog.date";
		case TIMESTAMPOID:
			return "pg_catalog.timestamp";
		default:
			return "pg_catalog.timestamptz";
	}
}

/*
 * The query's text; its columns are those of RfmQueryColumn, one row per
 * customer in customer order.
 */
char *
rfm_query_text(const RfmRequest *req)
{
	StringInfoData sql;
	const char *relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(req->relid)),
													  get_rel_name(req->relid));
	const char *customer = quote_identifier(req->customer);
	const char *at = quote_identifier(req->at);
	const char *amount = quote_identifier(req->amount);
	const char *at_type = AtTypeName(req->at_type);
	/* rfm_split: the features come from purchases before the cutoff */
	const char *before = req->split ? " FILTER (WHERE instant OPERATOR(pg_catalog.<) $1)" : "";
	/* ties are broken by customer, independent of the database's collation */
	const char *order = type_is_collatable(req->customer_type) ?
		"customer COLLATE pg_catalog.\"C\"" : "customer";

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "WITH purchases AS ("
					 "SELECT t.%s AS customer, t.%s::%s AS instant,"
					 " pg_catalog.sum(t.%s::pg_catalog.numeric) AS amount"
					 " FROM %s t"
					 " WHERE t.%s IS NOT NULL AND t.%s IS NOT NULL AND t.%s IS NOT NULL",
					 customer, at, at_type, amount, relation, customer, at, amount);
	if (req->split)
		appendStringInfo(&sql, " AND t.%s OPERATOR(pg_catalog.<) $2", at);
	else if (req->has_as_of)
		appendStringInfo(&sql, " AND t.%s OPERATOR(pg_catalog.<=) $1", at);
	appendStringInfoString(&sql, " GROUP BY 1, 2), ");

	appendStringInfo(&sql,
					 "customers AS ("
					 "SELECT customer, pg_catalog.count(*)%s AS frequency,"
					 " pg_catalog.min(instant)%s AS first_at, pg_catalog.max(instant)%s AS last_at,"
					 " pg_catalog.sum(amount)%s AS monetary",
					 before, before, before, before);
	if (req->split)
		appendStringInfoString(&sql,
							   ", coalesce(pg_catalog.sum(amount)"
							   " FILTER (WHERE instant OPERATOR(pg_catalog.>=) $1), 0) AS future_spend");
	appendStringInfoString(&sql, " FROM purchases GROUP BY customer");
	if (req->split)
		appendStringInfo(&sql, " HAVING pg_catalog.count(*)%s > 0", before);
	appendStringInfoString(&sql, "), ");

	/* as of $1 in the column's type, or of the last purchase of all */
	if (req->split || req->has_as_of)
		appendStringInfo(&sql, "dated AS (SELECT *, $1::%s AS as_of FROM customers), ", at_type);
	else
		appendStringInfoString(&sql,
							   "dated AS (SELECT *, pg_catalog.max(last_at) OVER () AS as_of"
							   " FROM customers), ");

	appendStringInfoString(&sql,
						   "measured AS ("
						   "SELECT customer, frequency, monetary::pg_catalog.float8 AS monetary, ");
	AppendDays(&sql, req->at_type, "as_of", "last_at");
	appendStringInfoString(&sql, " AS recency, ");
	AppendDays(&sql, req->at_type, "as_of", "first_at");
	appendStringInfoString(&sql, " AS tenure, CASE WHEN frequency > 1 THEN ");
	AppendDays(&sql, req->at_type, "last_at", "first_at");
	appendStringInfoString(&sql, " / (frequency - 1) END AS inter_purchase_time");
	if (req->split)
		appendStringInfoString(&sql, ", future_spend::pg_catalog.float8 AS future_spend");
	appendStringInfoString(&sql, " FROM dated) ");

	/* ORDER BY customer: the column's own order, not its text */
	appendStringInfo(&sql,
					 "SELECT customer::pg_catalog.text AS customer_id, recency, frequency, monetary, tenure,"
					 " inter_purchase_time,"
					 " pg_catalog.row_number() OVER (ORDER BY recency, %s),"
					 " pg_catalog.row_number() OVER (ORDER BY frequency, %s),"
					 " pg_catalog.row_number() OVER (ORDER BY monetary, %s),"
					 " pg_catalog.count(*) OVER ()%s"
					 " FROM measured ORDER BY %s",
					 order, order, order, req->split ? ", future_spend" : "", order);
	return sql.data;
}
