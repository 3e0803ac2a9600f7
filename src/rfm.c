/*-------------------------------------------------------------------------
 *
 * rfm.c
 *	  RFM scoring: quintile scores from ranks and the segment map.
 *
 * Scores are pandas' qcut(values.rank(method="first"), 5) of the usual
 * RFM notebook: the n customers are ranked 1..n (ties broken by the caller,
 * by customer), the bin edges are the 0, 20, ..., 100 % quantiles of the
 * ranks with linear interpolation, 1 + k (n - 1) / 5, and a rank belongs to
 * the first bin whose upper edge it does not exceed (the first bin also
 * holds its lower edge).  Exact integer arithmetic gives those bins
 * without qcut's floating-point edges; the two agree except where an edge
 * falls exactly on a rank (n - 1 divisible by 5), where the rule here is
 * the exact one.
 *
 * The segment map is the common 11-segment RFM grid over the R score and
 * the FM score (the mean of F and M rounded half up); docs/rfm.md shows it.
 *
 * IDENTIFICATION
 *	  src/rfm.c
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>

#include "rfm.h"

/*
 * The bin (1..5) of rank (1..n) among n ranks: ceil(5 (rank - 1) / (n - 1)),
 * at least 1.  A lone customer (n = 1) is rank 1, in bin 1.  Ranks outside
 * 1..n give 0.
 */
int
rfm_quintile(int64_t rank, int64_t n)
{
	if (rank < 1 || rank > n)
		return 0;
	if (rank == 1)
		return 1;
	/* 5 (rank - 1) cannot overflow for any count of rows PostgreSQL holds */
	return (int) ((RFM_SCORES * (rank - 1) + n - 2) / (n - 1));
}

/* The FM score: the mean of F and M rounded half up (0 for a bad score). */
int
rfm_fm_score(int f_score, int m_score)
{
	if (f_score < 1 || f_score > RFM_SCORES || m_score < 1 || m_score > RFM_SCORES)
		return 0;
	return (f_score + m_score + 1) / 2;
}

/* rows: R score 1..5; columns: FM score 1..5 */
static const char *const segment_map[RFM_SCORES][RFM_SCORES] = {
	/* R 1 */
	{"lost", "lost", "at_risk", "at_risk", "cant_lose_them"},
	/* R 2 */
	{"hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"},
	/* R 3 */
	{"about_to_sleep", "about_to_sleep", "need_attention", "loyal_customers", "loyal_customers"},
	/* R 4 */
	{"promising", "potential_loyalists", "potential_loyalists", "loyal_customers",
	"loyal_customers"},
	/* R 5 */
	{"new_customers", "potential_loyalists", "potential_loyalists", "champions", "champions"},
};

/* The segment of scores r, f, m (each 1..5), or NULL when one is out of range. */
const char *
rfm_segment_name(int r_score, int f_score, int m_score)
{
	int			fm = rfm_fm_score(f_score, m_score);

	if (r_score < 1 || r_score > RFM_SCORES || fm == 0)
		return NULL;
	return segment_map[r_score - 1][fm - 1];
}
