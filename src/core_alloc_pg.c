/*-------------------------------------------------------------------------
 *
 * core_alloc_pg.c
 *	  Backs the numeric core's allocator with palloc, so that core memory
 *	  lives in the caller's memory context and is released on ERROR, and
 *	  its failures with ereport.
 *
 * IDENTIFICATION
 *	  src/core_alloc_pg.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "core.h"

void *
seg_alloc(size_t size)
{
	return palloc_extended(size == 0 ? 1 : size, MCXT_ALLOC_HUGE);
}

void *
seg_alloc0(size_t size)
{
	return palloc_extended(size == 0 ? 1 : size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

void *
seg_realloc(void *ptr, size_t size)
{
	if (ptr == NULL)
		return seg_alloc(size);
	return repalloc_huge(ptr, size == 0 ? 1 : size);
}

void
seg_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

void
seg_fail(const char *message, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYSTEM_ERROR),
			 errmsg("%s", message),
			 detail != NULL ? errdetail_internal("%s", detail) : 0,
			 hint != NULL ? errhint("%s", hint) : 0));
	pg_unreachable();
}
