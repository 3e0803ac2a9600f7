/*
 * test_rfm.c
 *	  Unit tests of RFM scoring (rfm.h): quintile bins of ranks as pandas'
 *	  qcut forms them, the FM score and the segment map.
 */
#include <string.h>

#include "rfm.h"
#include "tap.h"

/* qcut's bin by its definition: the first k with rank <= 1 + k (n - 1) / 5 */
static int
bin_by_edges(long rank, long n)
{
	for (int k = 1; k <= 5; k++)
		if ((rank - 1) * 5 <= k * (n - 1))
			return k;
	return -1;
}

int
main(void)
{
	static const char *const names[] = {"champions", "loyal_customers", "potential_loyalists",
		"new_customers", "promising", "need_attention", "about_to_sleep", "at_risk",
	"cant_lose_them", "hibernating", "lost"};
	int			seen[11] = {0};
	int			all_named = 1;
	int			agree = 1;
	int			sizes[6] = {0};

	for (long n = 2; n <= 300 && agree; n++)
		for (long r = 1; r <= n; r++)
			if (rfm_quintile(r, n) != bin_by_edges(r, n))
			{
				printf("# n %ld rank %ld: %d, edges say %d\n", n, r, rfm_quintile(r, n),
					   bin_by_edges(r, n));
				agree = 0;
				break;
			}
	tap_ok(agree, "quintile = the first bin whose upper edge 1 + k(n-1)/5 the rank does not exceed, n = 2..300");

	/* n = 7: edges 1, 2.2, 3.4, 4.6, 5.8, 7 (ntile would give 2, 2, 1, 1, 1) */
	for (long r = 1; r <= 7; r++)
		sizes[rfm_quintile(r, 7)]++;
	tap_ok(sizes[1] == 2 && sizes[2] == 1 && sizes[3] == 1 && sizes[4] == 1 && sizes[5] == 2,
		   "7 ranks fall 2, 1, 1, 1, 2 into the bins");
	/* n = 6: edges 1, 2, 3, 4, 5, 6 exactly: a rank on an edge is in the lower bin */
	tap_ok(rfm_quintile(2, 6) == 1 && rfm_quintile(3, 6) == 2 && rfm_quintile(6, 6) == 5,
		   "a rank on an edge belongs to the bin below it");
	tap_ok(rfm_quintile(1, 1) == 1, "a lone customer is in bin 1");
	tap_ok(rfm_quintile(1, 2) == 1 && rfm_quintile(2, 2) == 5, "two customers: bins 1 and 5");
	tap_ok(rfm_quintile(23570, 23570) == 5 && rfm_quintile(4714, 23570) == 1 &&
		   rfm_quintile(4715, 23570) == 2, "23,570 ranks: the first edge is 4,714.8");
	tap_ok(rfm_quintile(0, 5) == 0 && rfm_quintile(6, 5) == 0, "ranks outside 1..n give 0");

	tap_ok(rfm_fm_score(1, 2) == 2 && rfm_fm_score(4, 5) == 5 && rfm_fm_score(3, 3) == 3 &&
		   rfm_fm_score(1, 1) == 1, "FM is the mean of F and M rounded half up");
	tap_ok(rfm_fm_score(0, 3) == 0 && rfm_fm_score(3, 6) == 0, "FM of a bad score is 0");

	for (int r = 1; r <= 5; r++)
		for (int f = 1; f <= 5; f++)
			for (int m = 1; m <= 5; m++)
			{
				const char *s = rfm_segment_name(r, f, m);
				int			found = 0;

				for (int i = 0; i < 11; i++)
					if (s != NULL && strcmp(s, names[i]) == 0)
					{
						seen[i] = 1;
						found = 1;
					}
				all_named &= found;
			}
	tap_ok(all_named, "every score triple has one of the 11 segments");
	for (int i = 0; i < 11; i++)
		tap_ok(seen[i], names[i]);
	tap_ok(strcmp(rfm_segment_name(5, 5, 5), "champions") == 0 &&
		   strcmp(rfm_segment_name(5, 4, 3), "champions") == 0 &&
		   strcmp(rfm_segment_name(5, 1, 1), "new_customers") == 0 &&
		   strcmp(rfm_segment_name(4, 1, 1), "promising") == 0 &&
		   strcmp(rfm_segment_name(3, 3, 3), "need_attention") == 0 &&
		   strcmp(rfm_segment_name(3, 1, 2), "about_to_sleep") == 0 &&
		   strcmp(rfm_segment_name(2, 1, 2), "hibernating") == 0 &&
		   strcmp(rfm_segment_name(1, 2, 1), "lost") == 0 &&
		   strcmp(rfm_segment_name(1, 5, 5), "cant_lose_them") == 0 &&
		   strcmp(rfm_segment_name(2, 3, 3), "at_risk") == 0 &&
		   strcmp(rfm_segment_name(3, 5, 4), "loyal_customers") == 0 &&
		   strcmp(rfm_segment_name(4, 2, 3), "potential_loyalists") == 0,
		   "cells of the documented grid");
	tap_ok(rfm_segment_name(0, 3, 3) == NULL && rfm_segment_name(3, 3, 6) == NULL,
		   "scores out of range have no segment");
	return tap_done();
}
