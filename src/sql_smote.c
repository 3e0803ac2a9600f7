/*-------------------------------------------------------------------------
 *
 * sql_smote.c
 *	  segment.smote_table(): a class-balanced copy of a table, by SMOTE or,
 *	  with text or boolean features, SMOTE-NC.
 *
 * One scan loads the features and the label, in an order that does not
 * depend on the scan's (dataset_load_canonical), the core
 * (src/smote.c) generates the rows, synthetic_writer.c creates the
 * target.  Everything happens in the caller's transaction.
 *
 * IDENTIFICATION
 *	  src/sql_smote.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#include "dataset.h"
#include "pg_args.h"
#include "pg_core.h"
#include "smote.h"
#include "synthetic_writer.h"

PG_FUNCTION_INFO_V1(smote_table);

static const char *const strategy_names[] = {"auto", "not majority", "minority", "not minority", "all"};
static const SmoteStrategy strategy_values[] = {
	SMOTE_NOT_MAJORITY, SMOTE_NOT_MAJORITY, SMOTE_MINORITY, SMOTE_NOT_MINORITY, SMOTE_ALL
};

#define STRATEGY_HINT "Use 'auto', 'not majority', 'minority', 'not minority', 'all', a ratio such as '0.5' (two classes), or a json object of row counts per class such as '{\"1\": 500}'."

/* A jsonb object of target row counts per class (imbalanced-learn's dict). */
static void
targets_from_json(const char *text, const SegColumn *label, const int *counts, int *n_new)
{
	Jsonb	   *json = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(json))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sampling_strategy json must be an object of row counts per class"),
				 errhint(STRATEGY_HINT)));
	memset(n_new, 0, sizeof(int) * label->n_categories);
	it = JsonbIteratorInit(&json->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			int			c = seg_name_index(label->categories, label->n_categories, key);
			double		wanted;

			if (c < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("sampling_strategy names class \"%s\", which column \"%s\" does not have",
								key, label->name)));
			if (v.type != jbvNumeric)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("sampling_strategy count for class \"%s\" must be a number", key)));
			wanted = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
														NumericGetDatum(v.val.numeric)));
			if (wanted != floor(wanted) || wanted < 0 || wanted > INT32_MAX / 2)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("sampling_strategy count for class \"%s\" must be a whole number of rows, got %g",
								key, wanted)));
			if (wanted < counts[c])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("sampling_strategy asks for %.0f rows of class \"%s\", which already has %d",
								wanted, key, counts[c]),
						 errhint("SMOTE only adds rows: ask for at least the current count.")));
			n_new[c] = (int) wanted - counts[c];
		}
	}
}

static void
targets_from_strategy(const char *strategy, const SegColumn *label, const int *counts,
					  int *n_new)
{
	char	   *end;
	double		ratio;
	char		msg[SEG_ERRMSG_LEN];

	for (size_t s = 0; s < lengthof(strategy_names); s++)
	{
		if (pg_strcasecmp(strategy, strategy_names[s]) == 0)
		{
			smote_targets_by_strategy(strategy_values[s], counts, label->n_categories, n_new);
			return;
		}
	}
	if (strategy[strspn(strategy, " \t\n")] == '{')
	{
		targets_from_json(strategy, label, counts, n_new);
		return;
	}
	errno = 0;
	ratio = strtod(strategy, &end);
	if (end != strategy && *end == '\0' && errno == 0)
	{
		if (smote_targets_by_ratio(ratio, counts, label->n_categories, n_new, msg) != SEG_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s", msg),
					 errhint(STRATEGY_HINT)));
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown sampling_strategy \"%s\"", strategy),
			 errhint(STRATEGY_HINT)));
}

/* Label codes per row; ERROR on NULL labels or a single class. */
static int *
row_classes(const SegFrame *frame, int label_col, int *counts)
{
	const SegColumn *label = &frame->columns[label_col];
	int		   *classes = palloc(sizeof(int) * frame->n_rows);
	int			n_null = 0;

	memset(counts, 0, sizeof(int) * label->n_categories);
	for (int i = 0; i < frame->n_rows; i++)
	{
		double		v = FRAME_CELL(frame, i, label_col);

		if (SEG_IS_MISSING(v))
			n_null++;
		else
			counts[classes[i] = (int) v]++;
	}
	if (n_null > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("label column \"%s\" has %d null values", label->name, n_null),
				 errhint("Pass a view that leaves those rows out, or give them a class.")));
	if (label->n_categories < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("label column \"%s\" has a single class (%s); oversampling needs at least two",
						label->name, label->categories[0])));
	return classes;
}

/*
 * Fills the core's input with the feature matrix (without the label
 * column) and the per-column flags; ERROR on NULL features.
 */
static void
feature_matrix(const SegFrame *frame, int label_col, SmoteInput *in)
{
	int			width = frame->n_cols - 1;
	double	   *x = seg_alloc(sizeof(double) * (size_t) frame->n_rows * width);
	bool	   *categorical = palloc0(sizeof(bool) * width);
	bool	   *integer = palloc0(sizeof(bool) * width);
	int		   *n_categories = palloc0(sizeof(int) * width);
	int			f = 0;

	for (int j = 0; j < frame->n_cols; j++)
	{
		const SegColumn *col = &frame->columns[j];
		int			n_null = 0;

		if (j == label_col)
			continue;
		categorical[f] = (col->kind != SEG_COL_NUMERIC);
		n_categories[f] = (col->kind == SEG_COL_BOOLEAN) ? 2 : col->n_categories;
		integer[f] = col->is_integer;
		for (int i = 0; i < frame->n_rows; i++)
		{
			double		v = FRAME_CELL(frame, i, j);

			n_null += SEG_IS_MISSING(v);
			x[(size_t) i * width + f] = v;
		}
		if (n_null > 0)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("feature column \"%s\" has %d null values", col->name, n_null),
					 errhint("SMOTE needs complete rows: leave the column out of features, or fill the nulls in a view (for example with coalesce).")));
		f++;
	}
	in->x = x;
	in->n_rows = frame->n_rows;
	in->n_cols = width;
	in->categorical = categorical;
	in->n_categories = n_categories;
	in->integer = integer;
}

static void
check_class_sizes(const SegColumn *label, const int *counts, const int *n_new, int k)
{
	for (int c = 0; c < label->n_categories; c++)
	{
		/* in 64 bits: k_neighbors may be INT_MAX */
		if (n_new[c] > 0 && counts[c] < (int64) k + 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("class \"%s\" has %d rows, fewer than k_neighbors + 1 = " INT64_FORMAT,
							label->categories[c], counts[c], (int64) k + 1),
					 counts[c] > 1 ?
					 errhint("Lower k_neighbors to at most %d, or leave the class out with a json sampling_strategy.",
							 counts[c] - 1) :
					 errhint("Leave the class out with a json sampling_strategy.")));
	}
}

static const char *
required_text(FunctionCallInfo fcinfo, int arg, const char *name)
{
	segment_require_arg(fcinfo, arg, name);
	return text_to_cstring(PG_GETARG_TEXT_PP(arg));
}

/*
 * segment.smote_table(source regclass, label text, target text,
 *                     k_neighbors int DEFAULT 5, sampling_strategy text DEFAULT 'auto',
 *                     seed int DEFAULT 42, features text[] DEFAULT NULL)
 * RETURNS TABLE(class text, rows_before bigint, rows_after bigint)
 */
Datum
smote_table(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			source;
	const char *label_name = required_text(fcinfo, 1, "label");
	const char *target_name = required_text(fcinfo, 2, "target");
	const char *strategy = required_text(fcinfo, 4, "sampling_strategy");
	int			k;
	int64		seed;
	char	  **columns;
	int			n_columns;
	int			label_col;
	SegFrame   *frame;
	RangeVar   *target;
	SmoteInput	in;
	SmoteOutput out;
	int		   *counts;
	int		   *n_new;
	char		msg[SEG_ERRMSG_LEN];
	SegStatus	status;
	MemoryContext work;
	MemoryContext old;

	segment_require_arg(fcinfo, 0, "source");
	segment_require_arg(fcinfo, 3, "k_neighbors");
	segment_require_arg(fcinfo, 5, "seed");
	source = PG_GETARG_OID(0);
	k = PG_GETARG_INT32(3);
	seed = PG_GETARG_INT32(5);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k_neighbors must be at least 1, got %d", k)));
	(void) segment_readable_relation(source);
	dataset_column_type(source, label_name);
	target = synthetic_target_name(target_name);

	/* features, then the label as the last loaded column */
	if (PG_ARGISNULL(6))
		columns = dataset_default_columns(source, label_name, NULL, 0, &n_columns);
	else
	{
		columns = dataset_text_array(PG_GETARG_ARRAYTYPE_P(6), "features", &n_columns);
		for (int j = 0; j < n_columns; j++)
			if (strcmp(columns[j], label_name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("label column \"%s\" cannot also be a feature", label_name)));
	}
	if (n_columns == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no feature columns besides the label \"%s\"", label_name)));
	columns = repalloc(columns, sizeof(char *) * (n_columns + 1));
	columns[n_columns] = pstrdup(label_name);
	label_col = n_columns++;

	InitMaterializedSRF(fcinfo, 0);

	work = AllocSetContextCreate(CurrentMemoryContext, "segment smote_table",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "smote_table");
	frame = dataset_load_canonical(source, columns, n_columns, label_col);
	if (frame->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation \"%s\" has no rows", get_rel_name(source))));
	counts = palloc(sizeof(int) * frame->columns[label_col].n_categories);
	n_new = palloc(sizeof(int) * frame->columns[label_col].n_categories);
	in.labels = row_classes(frame, label_col, counts);
	in.n_classes = frame->columns[label_col].n_categories;
	feature_matrix(frame, label_col, &in);
	targets_from_strategy(strategy, &frame->columns[label_col], counts, n_new);
	check_class_sizes(&frame->columns[label_col], counts, n_new, k);

	/* the neighbour search gets what the loaded rows leave of the budget */
	status = smote_resample(&in, n_new, k, (uint64) seed, segment_memory_available(),
							segment_hooks(), &out, msg);
	if (status == SEG_ERR_NOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s, more than segment.memory_limit (%zu kB) leaves beside the loaded rows",
						msg, segment_memory_limit_bytes() / 1024),
				 errhint("Raise segment.memory_limit, or oversample fewer rows.")));
	segment_raise(status, msg);

	synthetic_write(source, target, frame, label_col, out.x, out.labels, out.n_rows);

	for (int c = 0; c < in.n_classes; c++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(frame->columns[label_col].categories[c]);
		values[1] = Int64GetDatum(counts[c]);
		values[2] = Int64GetDatum((int64) counts[c] + n_new[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	segment_budget_end();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	PG_RETURN_NULL();
}
