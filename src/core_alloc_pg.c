/*-------------------------------------------------------------------------
 *
 * core_alloc_pg.c
 *	  Backs the numeric core's allocator with palloc, so that core memory
 *	  lives in the caller's memory context and is released on ERROR, and
 *	  bounds it by segment.memory_limit through per-call memory budgets.
 *
 * A training entry point opens a budget on its work context with
 * segment_budget_begin().  Until segment_budget_end() (or until that
 * context is reset or deleted, which is what happens on ERROR), every
 * seg_alloc() first checks that the memory the budget's contexts already
 * hold plus the request stays within segment.memory_limit, and raises
 * program_limit_exceeded with both figures when it would not.  So one
 * limit bounds everything a call allocates in proportion to its inputs
 * (the loaded rows, network weights and optimizer moments, activations,
 * neighbour searches, k-means blocks) without a check at each call site.
 * Outside a budget (decoding a model for prediction, say) a single
 * request larger than the limit is refused, and nothing else is counted.
 *
 * The held figure is MemoryContextMemAllocated() of the budget's root and
 * its children: blocks, not chunks, so it is what the call really takes
 * from the operating system.
 *
 * IDENTIFICATION
 *	  src/core_alloc_pg.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/mman.h>

#include "utils/memutils.h"

#include "core.h"
#include "pg_core.h"

typedef struct SegmentBudget
{
	struct SegmentBudget *outer;
	MemoryContext root;
	const char *what;
	MemoryContextCallback on_reset;
} SegmentBudget;

/* innermost open budget; a stack because a budgeted call may nest another */
static SegmentBudget *current_budget = NULL;

#define MB(bytes) (((bytes) + (size_t) 1024 * 1024 - 1) / ((size_t) 1024 * 1024))

/* Unlinks a budget wherever it is in the stack; nothing if it is gone. */
static void
BudgetUnlink(SegmentBudget *budget)
{
	SegmentBudget **link = &current_budget;

	while (*link != NULL)
	{
		if (*link == budget)
		{
			*link = budget->outer;
			return;
		}
		link = &(*link)->outer;
	}
}

/* Reset callback of a budget's root: the call ended, normally or not. */
static void
BudgetRootReset(void *arg)
{
	BudgetUnlink((SegmentBudget *) arg);
}

void
segment_budget_begin(MemoryContext root, const char *what)
{
	SegmentBudget *budget = MemoryContextAllocZero(root, sizeof(SegmentBudget));

	budget->root = root;
	budget->what = what;
	budget->on_reset.func = BudgetRootReset;
	budget->on_reset.arg = budget;
	MemoryContextRegisterResetCallback(root, &budget->on_reset);
	budget->outer = current_budget;
	current_budget = budget;
}

void
segment_budget_end(void)
{
	if (current_budget != NULL)
		current_budget = current_budget->outer;
}

bool
segment_budget_active(void)
{
	return current_budget != NULL;
}

/* Bytes the open budgets' contexts hold. */
static size_t
BudgetHeld(void)
{
	size_t		held = 0;

	for (SegmentBudget *b = current_budget; b != NULL; b = b->outer)
		held += MemoryContextMemAllocated(b->root, true);
	return held;
}

size_t
segment_memory_available(void)
{
	size_t		limit = segment_memory_limit_bytes();
	size_t		held = BudgetHeld();

	return held >= limit ? 0 : limit - held;
}

void
segment_budget_check(size_t request)
{
	size_t		limit = segment_memory_limit_bytes();
	size_t		held = BudgetHeld();

	if (request <= limit && held <= limit - request)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("memory required is %zu MB, segment.memory_limit is %zu MB",
					MB(held) + MB(request), MB(limit)),
			 current_budget != NULL ?
			 errdetail("%s holds %zu MB and asked for %zu MB more.",
					   current_budget->what, MB(held), MB(request)) :
			 errdetail("One allocation asked for %zu MB.", MB(request)),
			 errhint("Raise segment.memory_limit (a superuser setting), or work on fewer rows, columns or classes, or a smaller model.")));
}

/* allocations from which on the whole 2 MB pages inside are asked to be huge pages */
#define HUGE_PAGE_FROM (4 * 1024 * 1024)
#define HUGE_PAGE_SIZE (2 * 1024 * 1024)

/*
 * Asks the kernel to back the whole 2 MB pages inside a large allocation
 * with transparent huge pages (where it is set to "madvise", the default
 * of many distributions), as numpy does for its arrays of 4 MB and more:
 * a first touch then faults once per 2 MB instead of once per 4 kB.  Only
 * a hint: an error, or a kernel without it, changes nothing.
 */
static void *
HugePages(void *ptr, size_t size)
{
#ifdef MADV_HUGEPAGE
	if (size >= HUGE_PAGE_FROM)
	{
		uintptr_t	start = TYPEALIGN(HUGE_PAGE_SIZE, (uintptr_t) ptr);
		uintptr_t	end = TYPEALIGN_DOWN(HUGE_PAGE_SIZE, (uintptr_t) ptr + size);

		if (end > start)
			(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
	}
#endif
	return ptr;
}

void *
seg_alloc(size_t size)
{
	segment_budget_check(size);
	return HugePages(palloc_extended(size == 0 ? 1 : size, MCXT_ALLOC_HUGE), size);
}

void *
seg_alloc0(size_t size)
{
	/* zeroed after the advice, so that the zeroing faults in huge pages */
	void	   *ptr;

	segment_budget_check(size);
	ptr = HugePages(palloc_extended(size == 0 ? 1 : size, MCXT_ALLOC_HUGE), size);
	memset(ptr, 0, size);
	return ptr;
}

void *
seg_alloc_optional(size_t size)
{
	if (segment_memory_available() / 2 < size)
		return NULL;
	return seg_alloc(size);
}

void *
seg_realloc(void *ptr, size_t size)
{
	size_t		old_size;

	if (ptr == NULL)
		return seg_alloc(size);
	old_size = GetMemoryChunkSpace(ptr);
	if (size > old_size)
		segment_budget_check(size - old_size);
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
