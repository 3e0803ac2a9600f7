/*-------------------------------------------------------------------------
 *
 * sql_rfm.c
 *	  segment.rfm, segment.rfm_split and segment.rfm_segment: RFM features,
 *	  quintile scores and segments of customers from a transactions table.
 *
 * The features come from one query (rfm_query.c) run through SPI into a
 * DestReceiver of our own, which turns each customer's ranks into scores
 * and a segment (rfm.c) and writes the result row into the function's
 * tuplestore: no second copy of the customers in SPI's tuple table.  The
 * query is planned with CURSOR_OPT_PARALLEL_OK and run to completion, so
 * its scan may use parallel workers; the functions themselves are
 * PARALLEL RESTRICTED, since they read a relation named at run time (a
 * temporary table, say, which workers cannot read).
 *
 * IDENTIFICATION
 *	  src/sql_rfm.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "nodes/params.h"
#include "tcop/dest.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "dataset.h"
#include "pg_core.h"
#include "rfm.h"
#include "rfm_query.h"

PG_FUNCTION_INFO_V1(rfm);
PG_FUNCTION_INFO_V1(rfm_split);
PG_FUNCTION_INFO_V1(rfm_segment);

/* columns of the functions' results */
enum
{
	OUT_CUSTOMER_ID,
	OUT_RECENCY,
	OUT_FREQUENCY,
	OUT_MONETARY,
	OUT_AVERAGE_ORDER_VALUE,
	OUT_TENURE,
	OUT_INTER_PURCHASE_TIME,
	OUT_R_SCORE,
	OUT_F_SCORE,
	OUT_M_SCORE,
	OUT_SEGMENT,
	OUT_FUTURE_SPEND,			/* rfm_split only */
	OUT_COLUMNS
};

typedef struct RfmReceiver
{
	DestReceiver pub;
	Tuplestorestate *store;
	TupleDesc	result_desc;
	const RfmRequest *req;
	MemoryContext row_cxt;		/* reset after each row */
} RfmReceiver;

static void
CheckQueryColumn(TupleDesc desc, int column, Oid type)
{
	if (TupleDescAttr(desc, column)->atttypid != type)
		elog(ERROR, "rfm query column %d has type %u, not %u", column + 1,
			 TupleDescAttr(desc, column)->atttypid, type);
}

static void
ReceiverStartup(DestReceiver *self, int operation, TupleDesc desc)
{
	RfmReceiver *r = (RfmReceiver *) self;
	int			n_columns = r->req->split ? RFM_QUERY_COLUMNS : RFM_QUERY_COLUMNS - 1;

	(void) operation;
	if (desc->natts != n_columns)
		elog(ERROR, "rfm query returned %d columns, not %d", desc->natts, n_columns);
	CheckQueryColumn(desc, RFM_COL_CUSTOMER, TEXTOID);
	CheckQueryColumn(desc, RFM_COL_RECENCY, FLOAT8OID);
	CheckQueryColumn(desc, RFM_COL_FREQUENCY, INT8OID);
	CheckQueryColumn(desc, RFM_COL_MONETARY, FLOAT8OID);
	CheckQueryColumn(desc, RFM_COL_TENURE, FLOAT8OID);
	CheckQueryColumn(desc, RFM_COL_INTER_PURCHASE, FLOAT8OID);
	for (int c = RFM_COL_R_RANK; c <= RFM_COL_N; c++)
		CheckQueryColumn(desc, c, INT8OID);
	if (r->req->split)
		CheckQueryColumn(desc, RFM_COL_FUTURE_SPEND, FLOAT8OID);
	r->row_cxt = AllocSetContextCreate(CurrentMemoryContext, "rfm row", ALLOCSET_SMALL_SIZES);
}

/* A sum of amounts is NaN or infinite only when an amount was. */
static void
CheckSum(double value, const char *column)
{
	if (isnan(value) || isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("amount column \"%s\" holds NaN or infinite values", column),
				 errhint("Amounts must be finite; filter those rows in a view or set them to NULL, which is skipped.")));
}

static int
Score(Datum rank, Datum n)
{
	int			score = rfm_quintile(DatumGetInt64(rank), DatumGetInt64(n));

	if (score == 0)
		elog(ERROR, "rank " INT64_FORMAT " of " INT64_FORMAT " customers",
			 DatumGetInt64(rank), DatumGetInt64(n));
	return score;
}

/* one customer: the query's row in, the function's row out */
static bool
ReceiveCustomer(TupleTableSlot *slot, DestReceiver *self)
{
	RfmReceiver *r = (RfmReceiver *) self;
	MemoryContext old = MemoryContextSwitchTo(r->row_cxt);
	Datum		values[OUT_COLUMNS];
	bool		nulls[OUT_COLUMNS];
	int			r_score;
	int			f_score;
	int			m_score;
	double		monetary;

	slot_getallattrs(slot);
	for (int c = RFM_COL_CUSTOMER; c <= RFM_COL_N; c++)
		if (slot->tts_isnull[c] && c != RFM_COL_INTER_PURCHASE)
			elog(ERROR, "rfm query returned a NULL in column %d", c + 1);
	memset(nulls, 0, sizeof(nulls));

	monetary = DatumGetFloat8(slot->tts_values[RFM_COL_MONETARY]);
	CheckSum(monetary, r->req->amount);
	r_score = RFM_SCORES + 1 - Score(slot->tts_values[RFM_COL_R_RANK],
									 slot->tts_values[RFM_COL_N]);
	f_score = Score(slot->tts_values[RFM_COL_F_RANK], slot->tts_values[RFM_COL_N]);
	m_score = Score(slot->tts_values[RFM_COL_M_RANK], slot->tts_values[RFM_COL_N]);

	values[OUT_CUSTOMER_ID] = slot->tts_values[RFM_COL_CUSTOMER];
	values[OUT_RECENCY] = slot->tts_values[RFM_COL_RECENCY];
	values[OUT_FREQUENCY] = slot->tts_values[RFM_COL_FREQUENCY];
	values[OUT_MONETARY] = Float8GetDatum(monetary);
	values[OUT_AVERAGE_ORDER_VALUE] =
		Float8GetDatum(monetary / (double) DatumGetInt64(slot->tts_values[RFM_COL_FREQUENCY]));
	values[OUT_TENURE] = slot->tts_values[RFM_COL_TENURE];
	values[OUT_INTER_PURCHASE_TIME] = slot->tts_values[RFM_COL_INTER_PURCHASE];
	nulls[OUT_INTER_PURCHASE_TIME] = slot->tts_isnull[RFM_COL_INTER_PURCHASE];
	values[OUT_R_SCORE] = Int32GetDatum(r_score);
	values[OUT_F_SCORE] = Int32GetDatum(f_score);
	values[OUT_M_SCORE] = Int32GetDatum(m_score);
	values[OUT_SEGMENT] = CStringGetTextDatum(rfm_segment_name(r_score, f_score, m_score));
	if (r->req->split)
	{
		if (slot->tts_isnull[RFM_COL_FUTURE_SPEND])
			elog(ERROR, "rfm query returned a NULL future spend");
		CheckSum(DatumGetFloat8(slot->tts_values[RFM_COL_FUTURE_SPEND]), r->req->amount);
		values[OUT_FUTURE_SPEND] = slot->tts_values[RFM_COL_FUTURE_SPEND];
	}
	tuplestore_putvalues(r->store, r->result_desc, values, nulls);
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->row_cxt);
	return true;
}

static void
ReceiverShutdown(DestReceiver *self)
{
	(void) self;
}

static void
ReceiverDestroy(DestReceiver *self)
{
	(void) self;
}

/* the relation of argument 0: one that can be read like a table */
static Oid
TransactionsRelation(FunctionCallInfo fcinfo)
{
	Oid			relid = PG_GETARG_OID(0);
	char		relkind = get_rel_relkind(relid);

	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, view, materialized view or foreign table",
						get_rel_name(relid))));
	return relid;
}

/* Checks the arguments rfm and rfm_split share: relation and columns. */
static void
CheckColumns(FunctionCallInfo fcinfo, RfmRequest *req)
{
	TypeCacheEntry *tc;

	segment_require_arg(fcinfo, 0, "transactions");
	segment_require_arg(fcinfo, 1, "customer");
	segment_require_arg(fcinfo, 2, "at");
	segment_require_arg(fcinfo, 3, "amount");
	req->relid = TransactionsRelation(fcinfo);
	req->customer = text_to_cstring(PG_GETARG_TEXT_PP(1));
	req->at = text_to_cstring(PG_GETARG_TEXT_PP(2));
	req->amount = text_to_cstring(PG_GETARG_TEXT_PP(3));
	req->customer_type = getBaseType(dataset_column_type(req->relid, req->customer));
	req->at_type = getBaseType(dataset_column_type(req->relid, req->at));
	req->amount_type = getBaseType(dataset_column_type(req->relid, req->amount));

	/* grouped by, and ties broken by, the customer's default b-tree order */
	tc = lookup_type_cache(req->customer_type, TYPECACHE_EQ_OPR | TYPECACHE_LT_OPR);
	if (!OidIsValid(tc->eq_opr) || !OidIsValid(tc->lt_opr))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("customer column \"%s\" has type %s, which has no default ordering",
						req->customer, format_type_be(req->customer_type)),
				 errhint("Use a column of a type with a default b-tree operator class (text, bigint, uuid, ...), or cast it in a view.")));
	if (req->at_type != DATEOID && req->at_type != TIMESTAMPOID &&
		req->at_type != TIMESTAMPTZOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("at column \"%s\" must be date, timestamp or timestamp with time zone, not %s",
						req->at, format_type_be(req->at_type))));
	switch (req->amount_type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case FLOAT4OID:
		case FLOAT8OID:
		case MONEYOID:
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("amount column \"%s\" must be of a numeric type, not %s",
							req->amount, format_type_be(req->amount_type)),
					 errhint("Use smallint, integer, bigint, numeric, real, double precision or money, or cast the column in a view.")));
	}
}

static TimestampTz
FiniteTimestampArg(FunctionCallInfo fcinfo, int arg, const char *name)
{
	TimestampTz value;

	segment_require_arg(fcinfo, arg, name);
	value = PG_GETARG_TIMESTAMPTZ(arg);
	if (TIMESTAMP_NOT_FINITE(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be finite", name)));
	return value;
}

/* Runs the request's query into the function's result; params: $1, $2. */
static void
RunQuery(FunctionCallInfo fcinfo, const RfmRequest *req, int nargs, const TimestampTz *args)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RfmReceiver receiver;
	SPIExecuteOptions options;
	SPIPlanPtr	plan;
	Oid			types[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	ParamListInfo params = NULL;
	char	   *sql = rfm_query_text(req);
	int			search_path;
	int			ret;

	InitMaterializedSRF(fcinfo, 0);

	memset(&receiver, 0, sizeof(receiver));
	receiver.pub.receiveSlot = ReceiveCustomer;
	receiver.pub.rStartup = ReceiverStartup;
	receiver.pub.rShutdown = ReceiverShutdown;
	receiver.pub.rDestroy = ReceiverDestroy;
	receiver.pub.mydest = DestNone;
	receiver.store = rsinfo->setResult;
	receiver.result_desc = rsinfo->setDesc;
	receiver.req = req;

	if (nargs > 0)
	{
		params = makeParamList(nargs);
		for (int i = 0; i < nargs; i++)
		{
			params->params[i].value = TimestampTzGetDatum(args[i]);
			params->params[i].isnull = false;
			params->params[i].pflags = PARAM_FLAG_CONST;
			params->params[i].ptype = TIMESTAMPTZOID;
		}
	}

	search_path = segment_pin_search_path();

	/*
	 * Group by sorting: one sort by (customer, instant) makes both groupings
	 * stream, with one numeric sum alive at a time.  The planner cannot know
	 * how many purchases a customer makes and hashes a million groups of
	 * order lines as readily as a thousand (twice as slow on CDNOW and on a
	 * million order lines, and spilling).  Restored with the search_path.
	 */
	(void) set_config_option("enable_hashagg", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* a plan run to completion may use parallel workers */
	plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_PARALLEL_OK);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare_cursor failed: %s", SPI_result_code_string(SPI_result));
	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = true;
	options.dest = &receiver.pub;
	ret = SPI_execute_plan_extended(plan, &options);
	/* SPI reports a SELECT into a DestNone receiver as a utility command */
	if (ret != SPI_OK_SELECT && ret != SPI_OK_UTILITY)
		elog(ERROR, "SPI_execute_plan_extended returned %s", SPI_result_code_string(ret));
	SPI_finish();
	segment_restore_search_path(search_path);
}

/*
 * segment.rfm(transactions regclass, customer text, at text, amount text,
 *			   as_of timestamptz DEFAULT NULL)
 */
Datum
rfm(PG_FUNCTION_ARGS)
{
	RfmRequest	req;
	TimestampTz as_of = 0;

	memset(&req, 0, sizeof(req));
	CheckColumns(fcinfo, &req);
	req.has_as_of = !PG_ARGISNULL(4);
	if (req.has_as_of)
		as_of = FiniteTimestampArg(fcinfo, 4, "as_of");
	RunQuery(fcinfo, &req, req.has_as_of ? 1 : 0, &as_of);
	return (Datum) 0;
}

/*
 * segment.rfm_split(transactions regclass, customer text, at text,
 *					 amount text, cutoff timestamptz,
 *					 horizon interval DEFAULT '180 days')
 */
Datum
rfm_split(PG_FUNCTION_ARGS)
{
	RfmRequest	req;
	TimestampTz window[2];

	memset(&req, 0, sizeof(req));
	CheckColumns(fcinfo, &req);
	req.split = true;
	window[0] = FiniteTimestampArg(fcinfo, 4, "cutoff");
	segment_require_arg(fcinfo, 5, "horizon");
	/* cutoff + horizon as PostgreSQL adds them: days and months by the calendar */
	window[1] = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
														TimestampTzGetDatum(window[0]),
														PG_GETARG_DATUM(5)));
	if (window[1] <= window[0])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be positive")));
	RunQuery(fcinfo, &req, 2, window);
	return (Datum) 0;
}

/* segment.rfm_segment(r_score integer, f_score integer, m_score integer) */
Datum
rfm_segment(PG_FUNCTION_ARGS)
{
	int32		r = PG_GETARG_INT32(0);
	int32		f = PG_GETARG_INT32(1);
	int32		m = PG_GETARG_INT32(2);
	const char *name = rfm_segment_name(r, f, m);

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("RFM scores must be between 1 and %d, not %d, %d and %d",
						RFM_SCORES, r, f, m)));
	PG_RETURN_TEXT_P(cstring_to_text(name));
}
