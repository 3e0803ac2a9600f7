/*
 * tap.h
 *	  A minimal TAP producer for the core's unit tests (run with prove).
 */
#ifndef SEGMENT_TAP_H
#define SEGMENT_TAP_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	tap_count = 0;
static int	tap_failed = 0;

static inline void
tap_ok(int pass, const char *what)
{
	tap_count++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - %s\n", pass ? "" : "not ", tap_count, what);
}

/* |a - b| <= tol * max(1, |b|) */
static inline void
tap_close(double a, double b, double tol, const char *what)
{
	double		scale = fabs(b) > 1.0 ? fabs(b) : 1.0;
	int			pass = fabs(a - b) <= tol * scale;

	if (!pass)
		printf("# got %.17g, expected %.17g (tol %g)\n", a, b, tol);
	tap_ok(pass, what);
}

/* bytes written as hex (a model value kept in a test); the caller frees them */
static inline uint8_t *
tap_from_hex(const char *hex, size_t *len)
{
	size_t		n = strlen(hex) / 2;
	uint8_t    *out = malloc(n);

	for (size_t i = 0; i < n; i++)
	{
		unsigned int byte;

		sscanf(hex + 2 * i, "%2x", &byte);
		out[i] = (uint8_t) byte;
	}
	*len = n;
	return out;
}

/* a test this machine cannot run (TAP's SKIP directive) */
static inline void
tap_skip(const char *what)
{
	tap_count++;
	printf("ok %d # SKIP %s\n", tap_count, what);
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed == 0 ? 0 : 1;
}

#endif
