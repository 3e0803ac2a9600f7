/*-------------------------------------------------------------------------
 *
 * rfm.h
 *	  RFM scoring: quintile scores from ranks and the segment map.
 *
 * IDENTIFICATION
 *	  src/rfm.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_RFM_H
#define SEGMENT_RFM_H

#include <stdint.h>

/* scores run from 1 to RFM_SCORES */
#define RFM_SCORES 5

/* rfm.c */
extern int	rfm_quintile(int64_t rank, int64_t n);
extern int	rfm_fm_score(int f_score, int m_score);
extern const char *rfm_segment_name(int r_score, int f_score, int m_score);

#endif							/* SEGMENT_RFM_H */
