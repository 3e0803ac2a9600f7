/*-------------------------------------------------------------------------
 *
 * rng.h
 *	  Seeded, reproducible pseudo-random numbers for the numeric core.
 *
 * xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64: the
 * same seed gives the same stream on every platform, independent of
 * PostgreSQL's global PRNG, so that a training run is repeatable bit for
 * bit from its seed.
 *
 * IDENTIFICATION
 *	  src/rng.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_RNG_H
#define SEGMENT_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct SegRng
{
	uint64_t	s[4];
	double		spare_normal;	/* second value of the last polar pair */
	int			has_spare;
} SegRng;

extern void rng_seed(SegRng *rng, uint64_t seed);
extern uint64_t rng_next(SegRng *rng);
/* out[0 .. n) = the next n values of rng_next, with the state in registers */
extern void rng_fill(SegRng *rng, uint64_t *out, size_t n);
extern double rng_uniform(SegRng *rng);	/* [0, 1) with 53 random bits */
extern uint64_t rng_below(SegRng *rng, uint64_t n);	/* uniform in [0, n) */
extern double rng_normal(SegRng *rng);	/* standard normal */
extern int	rng_poisson(SegRng *rng, double lambda);
extern void rng_shuffle(SegRng *rng, int *items, int n);

#endif							/* SEGMENT_RNG_H */
