/*-------------------------------------------------------------------------
 *
 * lanes.h
 *	  Eight doubles as one value (GCC vector extensions, which clang
 *	  accepts too): with -march=native on AVX-512 one register, otherwise
 *	  split by the compiler into what the target has.  Used by the k-means
 *	  block kernels and the one-row MLP layers.
 *
 *	  Loads, stores and broadcasts are macros on local variables, never
 *	  vector arguments or results: passing vectors by value changes the
 *	  ABI when the target lacks AVX.  Loads and stores go through memcpy,
 *	  as palloc does not align to 64 bytes.
 *
 * IDENTIFICATION
 *	  src/lanes.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_LANES_H
#define SEGMENT_LANES_H

#include <stdbool.h>
#include <string.h>

#define SEG_LANES 8

typedef double LaneDoubles __attribute__((vector_size(SEG_LANES * sizeof(double))));
typedef long long LaneInts __attribute__((vector_size(SEG_LANES * sizeof(long long))));
typedef int LaneInt32s __attribute__((vector_size(SEG_LANES * sizeof(int))));

/*
 * Four doubles: one AVX2 register.  Code compiled only for the build's
 * target (x86-64-v3 by default) writes its vectors this wide: gcc handles
 * wider generic vectors poorly there (compares lane by lane, sums and
 * loads passed through the stack).
 */
typedef double Doubles4 __attribute__((vector_size(4 * sizeof(double))));

/*
 * a < b per lane, as all-ones or zero (LaneInts).  Without AVX-512, gcc
 * lowers a comparison of eight doubles to eight scalar compares and
 * branches (several times the cost of the kernels around it); compared
 * as two halves of four, AVX2 does each half in one instruction.
 */
#ifdef __AVX512F__
#define LANES_LESS(a, b) ((LaneInts) ((a) < (b)))
#else
typedef double HalfLaneDoubles __attribute__((vector_size(SEG_LANES / 2 * sizeof(double))));
typedef long long HalfLaneInts __attribute__((vector_size(SEG_LANES / 2 * sizeof(long long))));

#define LANES_LESS(a, b) \
	({ \
		LaneDoubles a_ = (a), \
					b_ = (b); \
		HalfLaneInts r0_ = (HalfLaneInts) (__builtin_shufflevector(a_, a_, 0, 1, 2, 3) < \
										   __builtin_shufflevector(b_, b_, 0, 1, 2, 3)); \
		HalfLaneInts r1_ = (HalfLaneInts) (__builtin_shufflevector(a_, a_, 4, 5, 6, 7) < \
										   __builtin_shufflevector(b_, b_, 4, 5, 6, 7)); \
		(LaneInts) __builtin_shufflevector(r0_, r1_, 0, 1, 2, 3, 4, 5, 6, 7); \
	})
#endif

/*
 * On a function that works in lanes: where the build targets AVX2 but not
 * AVX-512 (the default x86-64-v3), a second copy compiled for x86-64-v4
 * is chosen at load time on CPUs that have it, where eight doubles are
 * one register (the k-means kernels run about three times as fast).  Both
 * copies compute every lane with the same operations, so they give the
 * same numbers.
 */
/*
 * target_clones compiles both copies from one preprocessed text, so in
 * the x86-64-v4 copy LANES_LESS still compares in AVX2 halves.  A kernel
 * whose comparisons matter takes `native`, a constant, and compares with
 * LANES_LESS_AS; where LANES_DISPATCH is 1 it has a hand-made x86-64-v4
 * copy (LANES_V4_TARGET, chosen by lanes_v4()) with native true, which
 * compares eight doubles into a mask register, as the generic form
 * compiles there, and otherwise runs with native false (on an AVX-512
 * build LANES_LESS is that generic form already).
 */
#define LANES_LESS_AS(a, b, native) ((native) ? (LaneInts) ((a) < (b)) : LANES_LESS(a, b))

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__) && \
	!defined(SEGMENT_NO_CLONES)
#define LANES_CLONES __attribute__((target_clones("arch=x86-64-v4", "default")))
#define LANES_DISPATCH 1
#define LANES_V4_TARGET __attribute__((target("arch=x86-64-v4")))
static inline bool
lanes_v4(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("x86-64-v4");
}
#else
#define LANES_CLONES
#define LANES_DISPATCH 0
#endif

#define LOAD_LANES(v, p) memcpy(&(v), (p), sizeof(LaneDoubles))
#define STORE_LANES(p, v) memcpy((p), &(v), sizeof(LaneDoubles))
/*
 * Every lane set to s: a vector minus a scalar broadcasts the scalar, and
 * s - (+0) is s itself (-0 and NaN included).  A loop over the lanes
 * compiled to one broadcast in the x86-64-v4 copies but, in some AVX2
 * functions, to lane-by-lane inserts through the stack.
 */
#define SPLAT(v, s) ((v) = (s) - (__typeof__(v)) {0})

#endif							/* SEGMENT_LANES_H */
