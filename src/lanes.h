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

#include <string.h>

#define SEG_LANES 8

typedef double LaneDoubles __attribute__((vector_size(SEG_LANES * sizeof(double))));
typedef long long LaneInts __attribute__((vector_size(SEG_LANES * sizeof(long long))));

#define LOAD_LANES(v, p) memcpy(&(v), (p), sizeof(LaneDoubles))
#define STORE_LANES(p, v) memcpy((p), &(v), sizeof(LaneDoubles))
#define SPLAT(v, s) \
	do { \
		for (int l_ = 0; l_ < SEG_LANES; l_++) \
			(v)[l_] = (s); \
	} while (0)

#endif							/* SEGMENT_LANES_H */
