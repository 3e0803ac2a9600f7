/*-------------------------------------------------------------------------
 *
 * sql_simulate.c
 *	  segment.simulate_customers(n, seed): sample customers as a table.
 *
 * IDENTIFICATION
 *	  src/sql_simulate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"

#include "pg_core.h"
#include "simulate.h"

PG_FUNCTION_INFO_V1(simulate_customers);

#define SIMULATE_COLUMNS 8

Datum
simulate_customers(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	int32		seed = PG_GETARG_INT32(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SegCustomer *customers;
	size_t		bytes;

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of customers must not be negative")));
	bytes = mul_size((Size) n, sizeof(SegCustomer));
	segment_budget_check(bytes);

	InitMaterializedSRF(fcinfo, 0);
	customers = palloc_extended(bytes > 0 ? bytes : 1, MCXT_ALLOC_HUGE);
	if (simulate_customer_rows(n, (uint64_t) (uint32) seed, customers) != SEG_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	for (int32 i = 0; i < n; i++)
	{
		const SegCustomer *c = &customers[i];
		Datum		values[SIMULATE_COLUMNS];
		bool		nulls[SIMULATE_COLUMNS] = {false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = Float8GetDatum(c->monthly_spending);
		values[2] = Int32GetDatum(c->engagement_score);
		values[3] = Int32GetDatum(c->tenure);
		values[4] = Int32GetDatum(c->complaint_count);
		values[5] = Float8GetDatum(c->purchase_frequency);
		values[6] = Float8GetDatum(c->discount_usage);
		values[7] = Int32GetDatum(c->customer_segment);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(customers);
	return (Datum) 0;
}
