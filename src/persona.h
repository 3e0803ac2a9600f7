/*-------------------------------------------------------------------------
 *
 * persona.h
 *	  What a k-means cluster is, in words a marketer reads: a label from
 *	  the columns where the cluster stands out, and a suggested action
 *	  from where it stands on spend, frequency and recency.
 *
 * Both work on standardised differences: z = (cluster mean - overall
 * mean) / overall standard deviation, per column, in original units.
 *
 * Label: the columns with |z| >= PERSONA_Z_THRESHOLD, strongest first,
 * at most PERSONA_MAX_TERMS of them, as "high <name>" or "low <name>";
 * "typical" when no column stands out.
 *
 * Action (when the fit names the columns that play these roles):
 *   value   = the mean of z(monetary) and z(frequency) (those given)
 *   recent  = z(recency) <= 0 (recency counts days since the last
 *             purchase: fewer than average is recent)
 *   value >= 0, recent      Upsell      (buys much and lately)
 *   value >= 0, not recent  Retain      (bought much, drifting away)
 *   value <  0, recent      Nurture     (new or small, still active)
 *   value <  0, not recent  Re-engage   (small and lapsing)
 * Without a recency role: Upsell (value >= 0) or Nurture; without
 * monetary and frequency roles: no action.
 *
 * IDENTIFICATION
 *	  src/persona.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PERSONA_H
#define SEGMENT_PERSONA_H

#include <stddef.h>

#define PERSONA_Z_THRESHOLD 0.5
#define PERSONA_MAX_TERMS 3
#define PERSONA_LABEL_LEN 256

typedef enum PersonaRole
{
	PERSONA_MONETARY = 0,
	PERSONA_FREQUENCY = 1,
	PERSONA_RECENCY = 2,
	PERSONA_N_ROLES
} PersonaRole;

/*
 * The label of a cluster whose columns (display names in names) have the
 * standardised differences z[0..d-1] (NaN: skipped), into out.
 */
extern void persona_label(const double *z, const char *const *names, int d,
						  char out[PERSONA_LABEL_LEN]);

/*
 * The suggested action, or NULL; role_z[role] is the z of the column
 * playing that role, NaN when no column does.
 */
extern const char *persona_action(const double role_z[PERSONA_N_ROLES]);

#endif							/* SEGMENT_PERSONA_H */
