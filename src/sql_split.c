/*-------------------------------------------------------------------------
 *
 * sql_split.c
 *	  segment.stratified_split(): which part (train / validation / test)
 *	  segment_train puts each row in, for comparisons on the same rows.
 *
 * segment_train splits the rows in the order its scan reads them, with
 * class indices in the order of the sorted distinct labels; given the
 * labels in that order (and text labels, sorted bytewise as the loader
 * sorts text), this returns the same parts for the same sizes and seed.
 *
 * IDENTIFICATION
 *	  src/sql_split.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "dataset.h"
#include "split.h"

PG_FUNCTION_INFO_V1(stratified_split);

static int
CompareStrings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* index of s in the sorted distinct names */
static int
ClassIndex(char **names, int n, const char *s)
{
	char	  **hit = bsearch(&s, names, n, sizeof(char *), CompareStrings);

	return (int) (hit - names);
}

/*
 * segment.stratified_split(labels text[], test_size float8, validation_size
 * float8, seed int) -> text[] of 'train', 'validation' or 'test' per label.
 */
Datum
stratified_split(PG_FUNCTION_ARGS)
{
	int			n;
	char	  **labels = dataset_text_array(PG_GETARG_ARRAYTYPE_P(0), "labels", &n);
	double		test_size = PG_GETARG_FLOAT8(1);
	double		validation_size = PG_GETARG_FLOAT8(2);
	int32		seed = PG_GETARG_INT32(3);
	char	  **sorted = palloc(sizeof(char *) * (n > 0 ? n : 1));
	int			n_classes = 0;
	int		   *y = palloc(sizeof(int) * (n > 0 ? n : 1));
	uint8_t    *part = palloc(n > 0 ? n : 1);
	Datum	   *out = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	static const char *const part_names[3] = {"train", "validation", "test"};
	char		msg[SEG_ERRMSG_LEN];

	memcpy(sorted, labels, sizeof(char *) * n);
	qsort(sorted, n, sizeof(char *), CompareStrings);
	for (int i = 0; i < n; i++)
		if (n_classes == 0 || strcmp(sorted[i], sorted[n_classes - 1]) != 0)
			sorted[n_classes++] = sorted[i];
	for (int i = 0; i < n; i++)
		y[i] = ClassIndex(sorted, n_classes, labels[i]);
	if (split_stratified(y, n, n_classes, test_size, validation_size, (uint64_t) seed,
						 (const char *const *) sorted, part, msg) != SEG_OK)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", msg)));
	for (int i = 0; i < n; i++)
		out[i] = CStringGetTextDatum(part_names[part[i]]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, n, TEXTOID, -1, false, TYPALIGN_INT));
}
