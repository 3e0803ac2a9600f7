/*-------------------------------------------------------------------------
 *
 * core.h
 *	  Conventions shared by the numeric core (files that never include
 *	  postgres.h): status codes, allocation and small helpers.
 *
 * The core allocates through seg_alloc()/seg_free(), which the linking
 * layer defines: src/core_alloc_pg.c maps them to palloc (so an ERROR
 * frees everything with its memory context), test/unit/core_alloc_libc.c
 * to malloc for harnesses.  Core functions report failure with a
 * SegStatus and, where useful, a message in a caller-provided buffer; the
 * SQL layer turns those into ereport(ERROR).
 *
 * IDENTIFICATION
 *	  src/core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_CORE_H
#define SEGMENT_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

typedef enum SegStatus
{
	SEG_OK = 0,
	SEG_ERR_NOMEM,				/* allocation failed (libc builds only) */
	SEG_ERR_INVALID,			/* an argument breaks a documented rule */
	SEG_ERR_CORRUPT,			/* serialized bytes fail validation */
	SEG_ERR_UNSUPPORTED,		/* valid bytes of a format we cannot read */
	SEG_ERR_WRONG_KIND			/* a valid model, but not of the kind asked for */
} SegStatus;

/* marks a parameter an interface requires but an implementation ignores */
#define SEG_UNUSED __attribute__((unused))

/* size of the message buffers core functions fill on failure */
#define SEG_ERRMSG_LEN 256

/*
 * Hooks a long-running core loop calls between blocks of work.  In the
 * server, check_interrupts is CHECK_FOR_INTERRUPTS() (it may not return:
 * an ERROR unwinds the core, whose memory is in a memory context) and
 * progress emits a NOTICE.  Either may be NULL; a NULL SegHooks pointer
 * means no hooks.
 */
typedef struct SegHooks
{
	void		(*check_interrupts) (void);
	void		(*progress) (const char *message);
} SegHooks;

static inline void
seg_check_interrupts(const SegHooks *hooks)
{
	if (hooks != NULL && hooks->check_interrupts != NULL)
		hooks->check_interrupts();
}

/*
 * Work between two interrupt checks, in multiply-adds (or vector
 * multiply-adds, or comparable steps): a few milliseconds.
 */
#define SEG_CHECK_WORK ((size_t) 1 << 24)

/*
 * Checks for interrupts every so many units of a loop whose units of work
 * cost work_per_unit each: SEG_CHECK_WORK / work_per_unit units, at least
 * one and at most most.  A countdown, so a hot loop pays a decrement and a
 * branch per unit, not a division.
 */
typedef struct SegCountdown
{
	const SegHooks *hooks;
	size_t		every;			/* units between checks */
	size_t		left;			/* units before the next check */
} SegCountdown;

static inline void
seg_countdown_init(SegCountdown *c, const SegHooks *hooks, size_t work_per_unit, size_t most)
{
	size_t		every = SEG_CHECK_WORK / (work_per_unit > 0 ? work_per_unit : 1);

	if (every > most)
		every = most;
	c->hooks = hooks;
	c->every = every < 1 ? 1 : every;	/* a count of 0 would never reach a check */
	c->left = c->every;
}

/* after each unit of work */
static inline void
seg_countdown_tick(SegCountdown *c)
{
	if (--c->left == 0)
	{
		c->left = c->every;
		seg_check_interrupts(c->hooks);
	}
}

static inline void
seg_progress(const SegHooks *hooks, const char *message)
{
	if (hooks != NULL && hooks->progress != NULL)
		hooks->progress(message);
}

/* core_alloc_*.c */
extern void *seg_alloc(size_t size);
extern void *seg_alloc0(size_t size);
extern void *seg_realloc(void *ptr, size_t size);
extern void seg_free(void *ptr);

/*
 * Memory a caller can do without, such as a copy that only makes work
 * faster: NULL, not an error, when the call's budget (segment.memory_limit)
 * lacks twice the size, so that what it must still allocate keeps room.
 */
extern void *seg_alloc_optional(size_t size);

/*
 * Fails the current operation for a reason no status can carry, such as a
 * shared library that will not load: an ERROR in the server (like an
 * allocation that fails), an abort outside it.  detail and hint may be NULL.
 */
extern void seg_fail(const char *message, const char *detail, const char *hint)
			__attribute__((noreturn));

/* overflow-checked size arithmetic: false when a*b would overflow */
static inline bool
seg_mul_size(size_t a, size_t b, size_t *out)
{
	if (a != 0 && b > SIZE_MAX / a)
		return false;
	*out = a * b;
	return true;
}

/*
 * seg_alloc of n elements of size bytes each: within the call's memory
 * budget like any seg_alloc, and failing (as memory that cannot be had
 * does) when n * size overflows.
 */
static inline void *
seg_alloc_array(size_t n, size_t size)
{
	size_t		bytes;

	if (!seg_mul_size(n, size, &bytes))
		seg_fail("an array of this many elements is too large to allocate", NULL, NULL);
	return seg_alloc(bytes);
}

/* The index of name among the n names (columns, classes, categories), or -1. */
static inline int
seg_name_index(char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

#endif							/* SEGMENT_CORE_H */
