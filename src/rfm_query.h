/*-------------------------------------------------------------------------
 *
 * rfm_query.h
 *	  The one query behind segment.rfm and segment.rfm_split.
 *
 * IDENTIFICATION
 *	  src/rfm_query.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_RFM_QUERY_H
#define SEGMENT_RFM_QUERY_H

#include "postgres.h"

/* A checked request: the relation, its three columns and the window. */
typedef struct RfmRequest
{
	Oid			relid;
	const char *customer;		/* column names, as given */
	const char *at;
	const char *amount;
	Oid			customer_type;	/* base types of those columns */
	Oid			at_type;		/* DATEOID, TIMESTAMPOID or TIMESTAMPTZOID */
	Oid			amount_type;
	bool		split;			/* rfm_split: features before $1, spend in [$1, $2) */
	bool		has_as_of;		/* rfm: rows up to $1 (else all, as of the last) */
} RfmRequest;

/*
 * Columns of the query's result, in order; RFM_COL_FUTURE_SPEND only for
 * a split.
 */
typedef enum RfmQueryColumn
{
	RFM_COL_CUSTOMER,			/* text */
	RFM_COL_RECENCY,			/* float8, days */
	RFM_COL_FREQUENCY,			/* int8, purchases */
	RFM_COL_MONETARY,			/* float8 */
	RFM_COL_TENURE,				/* float8, days */
	RFM_COL_INTER_PURCHASE,		/* float8, days; NULL for one purchase */
	RFM_COL_R_RANK,				/* int8: 1..n by recency, customer */
	RFM_COL_F_RANK,				/* int8: 1..n by frequency, customer */
	RFM_COL_M_RANK,				/* int8: 1..n by monetary, customer */
	RFM_COL_N,					/* int8: customers */
	RFM_COL_FUTURE_SPEND,		/* float8 */
	RFM_QUERY_COLUMNS
} RfmQueryColumn;

/* rfm_query.c */
extern char *rfm_query_text(const RfmRequest *req);

#endif							/* SEGMENT_RFM_QUERY_H */
