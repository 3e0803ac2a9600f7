/*-------------------------------------------------------------------------
 *
 * rng.c
 *	  xoshiro256** generator and the distributions the core draws from.
 *
 * IDENTIFICATION
 *	  src/rng.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "rng.h"

static inline uint64_t
Rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
SplitMix64(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void
rng_seed(SegRng *rng, uint64_t seed)
{
	uint64_t	sm = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = SplitMix64(&sm);
	rng->has_spare = 0;
	rng->spare_normal = 0.0;
}

uint64_t
rng_next(SegRng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = Rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = Rotl(s[3], 45);
	return result;
}

void
rng_fill(SegRng *rng, uint64_t *out, size_t n)
{
	uint64_t	s0 = rng->s[0];
	uint64_t	s1 = rng->s[1];
	uint64_t	s2 = rng->s[2];
	uint64_t	s3 = rng->s[3];

	for (size_t i = 0; i < n; i++)
	{
		uint64_t	t = s1 << 17;

		out[i] = Rotl(s1 * 5, 7) * 9;
		s2 ^= s0;
		s3 ^= s1;
		s1 ^= s2;
		s0 ^= s3;
		s2 ^= t;
		s3 = Rotl(s3, 45);
	}
	rng->s[0] = s0;
	rng->s[1] = s1;
	rng->s[2] = s2;
	rng->s[3] = s3;
}

double
rng_uniform(SegRng *rng)
{
	return (double) (rng_next(rng) >> 11) * 0x1.0p-53;
}

/*
 * Unbiased integer in [0, n) by rejection (no modulo bias); n must be > 0.
 */
uint64_t
rng_below(SegRng *rng, uint64_t n)
{
	uint64_t	limit = UINT64_MAX - (UINT64_MAX % n);
	uint64_t	x;

	do
		x = rng_next(rng);
	while (x >= limit);
	return x % n;
}

/* Marsaglia's polar method; keeps the second value of each pair. */
double
rng_normal(SegRng *rng)
{
	double		u,
				v,
				s,
				f;

	if (rng->has_spare)
	{
		rng->has_spare = 0;
		return rng->spare_normal;
	}
	do
	{
		u = 2.0 * rng_uniform(rng) - 1.0;
		v = 2.0 * rng_uniform(rng) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	f = sqrt(-2.0 * log(s) / s);
	rng->spare_normal = v * f;
	rng->has_spare = 1;
	return u * f;
}

/* Knuth's multiplication method: fine for the small rates we draw. */
int
rng_poisson(SegRng *rng, double lambda)
{
	double		limit = exp(-lambda);
	double		p = 1.0;
	int			k = 0;

	if (lambda <= 0.0)
		return 0;
	do
	{
		k++;
		p *= rng_uniform(rng);
	} while (p > limit);
	return k - 1;
}

/* Fisher-Yates. */
void
rng_shuffle(SegRng *rng, int *items, int n)
{
	for (int i = n - 1; i > 0; i--)
	{
		int			j = (int) rng_below(rng, (uint64_t) i + 1);
		int			tmp = items[i];

		items[i] = items[j];
		items[j] = tmp;
	}
}
