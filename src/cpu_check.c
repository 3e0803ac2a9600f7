/*-------------------------------------------------------------------------
 *
 * cpu_check.c
 *	  The module's entry point: refuses to load on a CPU that lacks the
 *	  instructions the library was built for, then sets the module up.
 *
 * The rest of the library is compiled for the x86-64 level the build
 * chose (x86-64-v3 by default: AVX2 and FMA, see the Makefile).  Run on an
 * older CPU it would stop on an illegal instruction and take the server's
 * connections with it; this file alone is compiled for any x86-64 CPU, so
 * that the check itself runs everywhere and fails with an error instead.
 *
 * IDENTIFICATION
 *	  src/cpu_check.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "pg_core.h"

void		_PG_init(void);

#if defined(__x86_64__) && defined(SEGMENT_X86_LEVEL)
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define LEVEL_NAME "x86-64-v" STRINGIFY(SEGMENT_X86_LEVEL)

/*
 * Whether the CPU has the level's instructions, by the features that
 * mark it (every CPU that has these has the rest of its level); by
 * feature, since not every compiler knows the level names.
 */
static bool
CpuHasLevel(void)
{
	__builtin_cpu_init();
	if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
		  __builtin_cpu_supports("bmi2")))
		return false;
#if SEGMENT_X86_LEVEL >= 4
	if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")))
		return false;
#endif
	return true;
}
#endif

void
_PG_init(void)
{
#ifdef LEVEL_NAME
	if (!CpuHasLevel())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("segment was built for %s processors, and this CPU is not one", LEVEL_NAME),
				 errdetail("The library uses instructions (such as AVX2 and FMA) that this CPU lacks."),
				 errhint("Build and install segment again with make OPTFLAGS=\"\" for any x86-64 CPU.")));
#endif
	segment_init();
}
