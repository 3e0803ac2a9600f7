/*
 * test_persona.c
 *	  Persona labels (threshold, order, at most three terms, "typical",
 *	  truncation) and the action rule table of persona.h.
 */
#include <math.h>
#include <string.h>

#include "persona.h"
#include "tap.h"

int
main(void)
{
	const char *names[5] = {"spend", "visits", "tenure", "complaints", "discounts"};
	char		label[PERSONA_LABEL_LEN];
	const double z1[5] = {1.2, -0.7, 0.1, NAN, 0.49};
	const double z2[5] = {0.6, -0.9, 2.0, 0.55, -1.5};
	const double flat[5] = {0.1, -0.2, 0.49, -0.49, 0.0};
	char		long_name[200];
	const char *long_names[3];
	const double z3[3] = {1, 1, 1};

	persona_label(z1, names, 5, label);
	tap_ok(strcmp(label, "high spend, low visits") == 0, "strongest first, threshold 0.5, NaN skipped");
	persona_label(z2, names, 5, label);
	tap_ok(strcmp(label, "high tenure, low discounts, low visits") == 0, "at most three terms");
	persona_label(flat, names, 5, label);
	tap_ok(strcmp(label, "typical") == 0, "nothing stands out: typical");

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	long_names[0] = long_names[1] = long_names[2] = long_name;
	persona_label(z3, long_names, 3, label);
	tap_ok(strlen(label) == PERSONA_LABEL_LEN - 1, "long names are cut to the buffer");

	{
		const double upsell[3] = {1.0, 0.5, -0.3};
		const double retain[3] = {0.8, 0.2, 0.9};
		const double nurture[3] = {-0.4, -1.0, -0.2};
		const double reengage[3] = {-0.5, -0.5, 1.1};
		const double no_recency[3] = {-0.1, NAN, NAN};
		const double monetary_only[3] = {0.3, NAN, 0.4};
		const double none[3] = {NAN, NAN, 0.4};

		tap_ok(strcmp(persona_action(upsell), "Upsell") == 0, "high value, recent: Upsell");
		tap_ok(strcmp(persona_action(retain), "Retain") == 0, "high value, lapsing: Retain");
		tap_ok(strcmp(persona_action(nurture), "Nurture") == 0, "low value, recent: Nurture");
		tap_ok(strcmp(persona_action(reengage), "Re-engage") == 0, "low value, lapsing: Re-engage");
		tap_ok(strcmp(persona_action(no_recency), "Nurture") == 0, "no recency role: by value");
		tap_ok(strcmp(persona_action(monetary_only), "Retain") == 0, "monetary alone is the value");
		tap_ok(persona_action(none) == NULL, "no value role: no action");
	}
	return tap_done();
}
