/*
 * core_alloc_libc.c
 *	  Backs the numeric core's allocator with malloc for unit tests, fuzz
 *	  harnesses and benchmarks that run outside the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

void *
seg_alloc(size_t size)
{
	return malloc(size == 0 ? 1 : size);
}

void *
seg_alloc0(size_t size)
{
	return calloc(1, size == 0 ? 1 : size);
}

void *
seg_alloc_optional(size_t size)
{
	return malloc(size == 0 ? 1 : size);
}

void *
seg_realloc(void *ptr, size_t size)
{
	return realloc(ptr, size == 0 ? 1 : size);
}

void
seg_free(void *ptr)
{
	free(ptr);
}

void
seg_fail(const char *message, const char *detail, const char *hint)
{
	fprintf(stderr, "%s\n", message);
	if (detail != NULL)
		fprintf(stderr, "detail: %s\n", detail);
	if (hint != NULL)
		fprintf(stderr, "hint: %s\n", hint);
	abort();
}
