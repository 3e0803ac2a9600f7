/*-------------------------------------------------------------------------
 *
 * params.h
 *	  Hyperparameters described by tables: one SegParamSpec per setting of
 *	  a learner, pointing into the learner's own parameter struct.
 *
 * A learner declares its settings once (name, type, default, bounds,
 * named values such as "sqrt"); everything generic is done from that
 * table: defaults, validation with uniform messages, the SQL layer's
 * `params` jsonb, search spaces over any setting, the stored spec and the
 * report.  Names follow scikit-learn's where one exists, so that users
 * can carry settings over.
 *
 * IDENTIFICATION
 *	  src/params.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PARAMS_H
#define SEGMENT_PARAMS_H

#include <stddef.h>

#include "core.h"

#define SEG_PARAM_MAX_LIST 8

typedef enum SegParamType
{
	SEG_PARAM_INT,				/* int; numbers must be whole */
	SEG_PARAM_REAL,				/* double */
	SEG_PARAM_BOOL,				/* bool */
	SEG_PARAM_INT_LIST			/* SegIntList, e.g. hidden layer sizes */
} SegParamType;

typedef struct SegIntList
{
	int			n;
	int			v[SEG_PARAM_MAX_LIST];
} SegIntList;

/* A word that stands for a number, e.g. max_features "sqrt" = -1. */
typedef struct SegParamName
{
	const char *word;
	double		value;
} SegParamName;

typedef struct SegParamSpec
{
	const char *name;
	SegParamType type;
	size_t		offset;			/* of the field in the learner's params struct */
	double		default_value;	/* numbers and bools (1 = true); lists: see default_list */
	double		min;			/* inclusive bounds of a number or of list elements */
	double		max;
	bool		min_exclusive;	/* > min rather than >= min */
	bool		max_exclusive;	/* < max rather than <= max */
	int			max_list_len;	/* INT_LIST: longest list (<= SEG_PARAM_MAX_LIST) */
	const SegIntList *default_list;
	const SegParamName *words;	/* NULL-terminated; NULL when none */
	bool		log_scale;		/* search draws it log-uniformly by default */
	const char *help;			/* one line for docs and errors */
} SegParamSpec;

/* Fills every field of params (params_size bytes) with its default. */
extern void params_defaults(const SegParamSpec *specs, int n_specs, void *params);

/* The spec named name, or NULL. */
extern const SegParamSpec *params_find(const SegParamSpec *specs, int n_specs,
									   const char *name);

/*
 * Sets a number or bool (bools as 0 / 1).  SEG_ERR_INVALID with a
 * message naming the setting and its range when v does not fit.
 */
extern SegStatus params_set_number(const SegParamSpec *spec, void *params, double v,
								   char *errmsg);

/*
 * The same for a number the user wrote: a word's value outside the range
 * (-1 for "none") is refused, since only the word stands for it.
 */
extern SegStatus params_set_written_number(const SegParamSpec *spec, void *params, double v,
										   char *errmsg);

/* Sets a named value ("sqrt"); SEG_ERR_INVALID listing the words when unknown. */
extern SegStatus params_set_word(const SegParamSpec *spec, void *params, const char *word,
								 char *errmsg);

/* Sets an INT_LIST. */
extern SegStatus params_set_list(const SegParamSpec *spec, void *params, const int *v,
								 int n, char *errmsg);

/* Reads a number / bool (as 0 / 1) / list of params. */
extern double params_get_number(const SegParamSpec *spec, const void *params);
extern const SegIntList *params_get_list(const SegParamSpec *spec, const void *params);

/* The word for v of spec, or NULL when v is a plain number. */
extern const char *params_word_of(const SegParamSpec *spec, double v);

/* Whether two param structs hold the same value for spec. */
extern bool params_equal(const SegParamSpec *spec, const void *a, const void *b);

#endif							/* SEGMENT_PARAMS_H */
