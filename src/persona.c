/*-------------------------------------------------------------------------
 *
 * persona.c
 *	  Persona labels and suggested actions of k-means clusters (the rules
 *	  are in persona.h).
 *
 * IDENTIFICATION
 *	  src/persona.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "persona.h"

void
persona_label(const double *z, const char *const *names, int d, char out[PERSONA_LABEL_LEN])
{
	int			chosen[PERSONA_MAX_TERMS];
	size_t		used = 0;
	int			terms = 0;

	out[0] = '\0';
	while (terms < PERSONA_MAX_TERMS)
	{
		int			best = -1;

		/* the strongest column not chosen yet (the first of equals, for a stable order) */
		for (int j = 0; j < d; j++)
		{
			bool		taken = false;

			for (int t = 0; t < terms; t++)
				taken |= chosen[t] == j;
			if (!taken && !isnan(z[j]) && fabs(z[j]) >= PERSONA_Z_THRESHOLD &&
				(best < 0 || fabs(z[j]) > fabs(z[best])))
				best = j;
		}
		if (best < 0)
			break;
		chosen[terms] = best;
		used += (size_t) snprintf(out + used, PERSONA_LABEL_LEN - used, "%s%s %s",
								  terms > 0 ? ", " : "", z[best] > 0 ? "high" : "low",
								  names[best]);
		if (used >= PERSONA_LABEL_LEN - 1)
		{
			used = PERSONA_LABEL_LEN - 1;
			break;
		}
		terms++;
	}
	if (terms == 0)
		snprintf(out, PERSONA_LABEL_LEN, "typical");
}

const char *
persona_action(const double role_z[PERSONA_N_ROLES])
{
	double		value = 0.0;
	int			n_value = 0;
	double		recency = role_z[PERSONA_RECENCY];

	if (!isnan(role_z[PERSONA_MONETARY]))
	{
		value += role_z[PERSONA_MONETARY];
		n_value++;
	}
	if (!isnan(role_z[PERSONA_FREQUENCY]))
	{
		value += role_z[PERSONA_FREQUENCY];
		n_value++;
	}
	if (n_value == 0)
		return NULL;
	value /= n_value;
	if (isnan(recency))
		return value >= 0.0 ? "Upsell" : "Nurture";
	if (value >= 0.0)
		return recency <= 0.0 ? "Upsell" : "Retain";
	return recency <= 0.0 ? "Nurture" : "Re-engage";
}
