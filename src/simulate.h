/*-------------------------------------------------------------------------
 *
 * simulate.h
 *	  Deterministic sample customers for demos, tests and benchmarks.
 *
 * IDENTIFICATION
 *	  src/simulate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SIMULATE_H
#define SEGMENT_SIMULATE_H

#include <stdint.h>

#include "core.h"

typedef struct SegCustomer
{
	double		monthly_spending;	/* currency units, two decimals */
	int			engagement_score;	/* 1 .. 100 */
	int			tenure;			/* months, 1 .. 72 */
	int			complaint_count;	/* Poisson */
	double		purchase_frequency; /* purchases a month */
	double		discount_usage; /* share of purchases with a discount, 0 .. 1 */
	int			customer_segment;	/* 0 low, 1 medium, 2 high value */
} SegCustomer;

/*
 * Fills out[0..n) from seed.  Segments come from a value score of the
 * features, cut at ranks so that the shares are the classic simulated
 * table's proportions 1,067 : 393 : 100.
 */
extern SegStatus simulate_customer_rows(int64_t n, uint64_t seed, SegCustomer *out);

#endif							/* SEGMENT_SIMULATE_H */
