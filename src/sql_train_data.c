/*-------------------------------------------------------------------------
 *
 * sql_train_data.c
 *	  segment_train's data: one scan of features and label, the task
 *	  (classification or regression), the split, the preprocessor fitted
 *	  on the train part, and every part in the learner's input form.
 *
 * Task `auto` follows the label's type: floating point and numeric labels
 * are regression targets, integer labels with more than
 * AUTO_REGRESSION_DISTINCT distinct values too, anything else
 * (text, boolean, integers with few values) names classes.
 *
 * IDENTIFICATION
 *	  src/sql_train_data.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dataset.h"
#include "fingerprint.h"
#include "synthetic_writer.h"
#include "pg_core.h"
#include "split.h"
#include "sql_train.h"
#include "supervised_model.h"

/* integer labels with more distinct values than this are regression targets */
#define AUTO_REGRESSION_DISTINCT 50

static bool
IsFloatType(Oid base)
{
	return base == FLOAT4OID || base == FLOAT8OID || base == NUMERICOID;
}

static bool
IsIntegerType(Oid base)
{
	return base == INT2OID || base == INT4OID || base == INT8OID;
}

/* The task the label calls for, and why (for the report). */
static SegTask
ResolveTask(const TrainArgs *a, Oid label_base, int n_distinct, const char **why)
{
	if (a->task >= 0)
	{
		*why = "set by the task argument";
		return (SegTask) a->task;
	}
	if (IsFloatType(label_base))
	{
		*why = psprintf("label of type %s", format_type_be(label_base));
		return SEG_TASK_REGRESSION;
	}
	if (IsIntegerType(label_base) && n_distinct > AUTO_REGRESSION_DISTINCT)
	{
		*why = psprintf("integer label with %d distinct values (more than %d)", n_distinct,
						AUTO_REGRESSION_DISTINCT);
		return SEG_TASK_REGRESSION;
	}
	*why = psprintf("label of type %s with %d distinct values", format_type_be(label_base),
					n_distinct);
	return SEG_TASK_CLASSIFICATION;
}

/* Class codes of the label column; ERROR on NULL and NaN labels. */
static int *
ClassLabels(const TrainArgs *a, const SegFrame *frame, int col)
{
	const SegColumn *label = &frame->columns[col];
	int		   *y = palloc(sizeof(int) * Max(frame->n_rows, 1));

	for (int k = 0; k < label->n_categories; k++)
		if (strcmp(label->categories[k], "NaN") == 0 &&
			IsFloatType(getBaseType(dataset_column_type(a->relid, a->label))))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("label column \"%s\" contains NaN", a->label),
					 errhint("Leave those rows out of the training relation.")));
	for (int i = 0; i < frame->n_rows; i++)
	{
		double		v = FRAME_CELL(frame, i, col);

		if (SEG_IS_MISSING(v))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("label column \"%s\" contains null values", a->label),
					 errhint("Train on a view that leaves out the rows without a label.")));
		y[i] = (int) v;
	}
	if (label->n_categories < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("label column \"%s\" has only one class", a->label),
				 errdetail("Every row has the label \"%s\".", label->categories[0]),
				 errhint("A classifier needs at least two classes.")));
	if (label->n_categories > SUPERVISED_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("label column \"%s\" has %d distinct values, more than the %d classes a classifier may have",
						a->label, label->n_categories, SUPERVISED_MAX_CLASSES),
				 errhint("For a numeric target use task => 'regression'; otherwise group the label into fewer classes.")));
	return y;
}

/* Regression targets from the label column, loaded as a number or as classes. */
static double *
TargetValues(const TrainArgs *a, const SegFrame *frame, int col, bool as_classes)
{
	const SegColumn *label = &frame->columns[col];
	double	   *y = palloc(sizeof(double) * Max(frame->n_rows, 1));
	double	   *class_value = NULL;

	if (as_classes)
	{
		/* an integer label first loaded as classes: their text is the number */
		class_value = palloc(sizeof(double) * Max(label->n_categories, 1));
		for (int k = 0; k < label->n_categories; k++)
			class_value[k] = strtod(label->categories[k], NULL);
	}
	for (int i = 0; i < frame->n_rows; i++)
	{
		double		v = FRAME_CELL(frame, i, col);

		if (SEG_IS_MISSING(v))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("label column \"%s\" contains null values", a->label),
					 errhint("Train on a view that leaves out the rows without a label.")));
		y[i] = as_classes ? class_value[(int) v] : v;
	}
	return y;
}

/*
 * Warns about feature columns that are constant (or NULL throughout) on
 * the train rows; ERROR when every one is, since nothing could be learnt.
 */
static void
CheckConstantFeatures(const SegFrame *feat)
{
	int			n = feat->n_rows;
	int			constant = 0;

	for (int j = 0; j < feat->n_cols; j++)
	{
		double		first = NAN;
		bool		varies = false;

		for (int i = 0; i < n && !varies; i++)
		{
			double		v = FRAME_CELL(feat, i, j);

			if (i == 0)
				first = v;
			else if (!(v == first || (isnan(v) && isnan(first))))
				varies = true;
		}
		if (!varies)
		{
			constant++;
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("feature column \"%s\" is constant on the training rows and does not affect the model",
							feat->columns[j].name)));
		}
	}
	if (constant == feat->n_cols)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("every feature column is constant or null on the training rows"),
				 errhint("Choose features that vary between customers.")));
}

/* The columns whose values key each row for the split (dataset_split_key). */
static void
ResolveKey(const TrainArgs *a, TrainData *e)
{
	DatasetKey	key;

	dataset_split_key(a->relid, a->key, &key, &e->key_source);
	e->key_columns = key.columns;
	e->n_key = key.n_columns;
}

/*
 * Cross-validation folds of the train and validation rows: within each
 * part and stratum, in the parts' canonical order, row r of the stratum
 * goes to fold r mod k.  The folds keep the class proportions, and like
 * the split they follow the rows' keys, not the scan.
 */
static void
AssignFolds(const TrainArgs *a, TrainData *e, const int *strata, int *const *rows)
{
	int			n_strata = e->n_strata;
	int		   *seen;

	e->n_folds = a->cv;
	if (a->cv < 2)
		return;
	seen = palloc(sizeof(int) * Max(n_strata, 1));
	for (int p = SPLIT_TRAIN; p <= SPLIT_VALIDATION; p++)
	{
		memset(seen, 0, sizeof(int) * n_strata);
		e->fold[p] = palloc(sizeof(int) * Max(e->n[p], 1));
		for (int i = 0; i < e->n[p]; i++)
		{
			int			st = strata[rows[p][i]];

			e->fold[p][i] = seen[st]++ % a->cv;
		}
	}
}

/*
 * ERROR when rows flagged synthetic (smote_table's output) fall into the
 * test or validation part: they were made up from rows that may be test
 * rows themselves, and would make the figures look better than they are.
 */
static void
RefuseSyntheticTestRows(const TrainArgs *a, const SegFrame *frame, int flag_col,
						const uint8 *part)
{
	int			n = 0;

	for (int i = 0; i < frame->n_rows; i++)
		if (part[i] != SPLIT_TRAIN && FRAME_CELL(frame, i, flag_col) == 1.0)
			n++;
	if (n > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation \"%s\" has %d synthetic rows (column \"%s\") in its test and validation parts",
						get_rel_name(a->relid), n, SEGMENT_SYNTHETIC_COLUMN),
				 errdetail("Scores on rows that SMOTE made up, partly from test rows, would overstate the model."),
				 errhint("Train on the table smote_table read, with balance => 'smote', which balances the train part only; or train on a view of the rows WHERE NOT %s.",
						 SEGMENT_SYNTHETIC_COLUMN)));
}

void
segment_train_load(const TrainArgs *a, char **features, int n_features, const bool *forms,
				   TrainData *e)
{
	char	  **columns = palloc(sizeof(char *) * (n_features + 2));
	int			n_columns = n_features + 1;
	const char *synthetic;
	Oid			label_base = getBaseType(dataset_column_type(a->relid, a->label));
	bool		load_as_classes;
	SegFrame   *frame;
	SegFrame	feat;
	SegFrame	part_view[3];	/* each part's rows of feat */
	DatasetKey	key;
	uint64	   *key_hash;
	uint64_t   *split_hashes;
	uint8_t    *part;
	int		   *strata;
	int			n_strata;
	int		   *rows[3];
	int		   *y_class = NULL;
	double	   *y_value = NULL;
	int			n;
	char		msg[SEG_ERRMSG_LEN];
	const SegLearner *learner = a->base.learner;
	bool		classification_ok = a->auto_model || learner->classification;
	bool		regression_ok = a->auto_model || learner->regression;

	/*
	 * A regression target is loaded as a number; a label that may name
	 * classes (or an integer that auto has yet to judge) as classes.
	 */
	if (a->task == SEG_TASK_REGRESSION && !IsFloatType(label_base) &&
		!IsIntegerType(label_base))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("regression needs a numeric label, but column \"%s\" has type %s",
						a->label, format_type_be(label_base)),
				 errhint("Use task => 'classification', or a numeric label.")));
	load_as_classes = a->task == SEG_TASK_CLASSIFICATION ||
		(a->task < 0 && !IsFloatType(label_base));

	memcpy(columns, features, sizeof(char *) * n_features);
	columns[n_features] = a->label;
	/* smote_table's flag, when not a feature: read to keep made-up rows out of the test */
	synthetic = segment_train_synthetic_column(a);
	for (int j = 0; j < n_features && synthetic != NULL; j++)
		if (strcmp(features[j], synthetic) == 0)
			synthetic = NULL;
	if (synthetic != NULL)
		columns[n_columns++] = (char *) synthetic;
	ResolveKey(a, e);
	key.columns = e->key_columns;
	key.n_columns = e->n_key;
	frame = dataset_load_keyed(a->relid, columns, n_columns,
							   load_as_classes ? n_features : -1, &key, &key_hash);
	n = frame->n_rows;
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows", get_rel_name(a->relid))));
	e->n_rows = n;
	e->fingerprint = frame_fingerprint(frame, key_hash);

	e->task = ResolveTask(a, label_base,
						  load_as_classes ? frame->columns[n_features].n_categories : 0,
						  &e->task_reason);
	if (e->task == SEG_TASK_CLASSIFICATION)
	{
		y_class = ClassLabels(a, frame, n_features);
		e->n_classes = frame->columns[n_features].n_categories;
		e->class_names = frame->columns[n_features].categories;
		strata = y_class;
		n_strata = e->n_classes;
	}
	else
	{
		if (!regression_ok)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model %s does not do regression", learner->name),
					 errhint("The task is regression (%s).", e->task_reason)));
		y_value = TargetValues(a, frame, n_features, load_as_classes);
		/* a regression split is random: one stratum */
		strata = palloc0(sizeof(int) * n);
		n_strata = 1;
	}
	if (e->task == SEG_TASK_CLASSIFICATION && !classification_ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model %s does not do classification", learner->name)));

	part = palloc(n);
	split_hashes = palloc(sizeof(uint64_t) * n);
	for (int i = 0; i < n; i++)
		split_hashes[i] = split_hash(key_hash[i], (uint64_t) a->split_seed);
	e->n_strata = n_strata;
	e->thresholds = palloc(sizeof(SplitThreshold) * n_strata);
	if (split_by_hash(strata, split_hashes, n, n_strata, a->test_size, a->validation_size,
					  (const char *const *) e->class_names, part, e->thresholds,
					  msg) != SEG_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s", msg),
				 strstr(msg, "distinct keys") != NULL ?
				 errhint("Rows are split by their key (the %s: %d column%s); give key => a column that tells the rows apart.",
						 e->key_source, e->n_key, e->n_key == 1 ? "" : "s") :
				 e->task == SEG_TASK_CLASSIFICATION ?
				 errhint("Collect more rows of that class, merge it with another, or leave it out.") :
				 errhint("Train on more rows.")));

	if (synthetic != NULL)
		RefuseSyntheticTestRows(a, frame, n_features + 1, part);

	for (int p = 0; p < 3; p++)
	{
		rows[p] = palloc(sizeof(int) * n);
		e->n[p] = 0;
	}
	for (int i = 0; i < n; i++)
		rows[part[i]][e->n[part[i]]++] = i;
	/* each part in a canonical order, so that nothing depends on the scan's */
	for (int p = 0; p < 3; p++)
		dataset_canonical_order(frame, split_hashes, rows[p], e->n[p]);

	/*
	 * The features alone, as a frame of their own: the train, validation
	 * and test rows one after the other, each part in its canonical order,
	 * gathered once so that the passes below read them in sequence (every
	 * pass in the order of rows[p], as before).
	 */
	feat.n_cols = n_features;
	feat.columns = frame->columns;
	feat.values = seg_alloc_array((size_t) n * n_features, sizeof(double));
	for (int p = 0, at = 0; p < 3; p++)
	{
		part_view[p] = feat;
		part_view[p].values = feat.values + (size_t) at * n_features;
		part_view[p].n_rows = e->n[p];
		for (int i = 0; i < e->n[p]; i++, at++)
			memcpy(feat.values + (size_t) at * n_features,
				   frame->values + (size_t) rows[p][i] * frame->n_cols,
				   sizeof(double) * n_features);
	}
	feat.n_rows = n;
	CheckConstantFeatures(&part_view[SPLIT_TRAIN]);
	segment_raise(prep_fit(&part_view[SPLIT_TRAIN], NULL, e->n[SPLIT_TRAIN], &e->prep, msg), msg);
	e->d = -1;
	for (int f = 0; f < 2; f++)
	{
		if (!forms[f])
			continue;
		supervised_schema(e->prep, (SegInputForm) f, &e->schema[f]);
		if (e->d < 0)
			e->d = e->schema[f].n_inputs;
		for (int p = 0; p < 3; p++)
		{
			/* one-hot columns can make this far wider than the rows loaded */
			double	   *x = seg_alloc_array((size_t) Max(e->n[p], 1) * e->schema[f].n_inputs,
											sizeof(double));

			segment_raise(prep_transform_frame_as(e->prep, &part_view[p], NULL, e->n[p],
												  (SegInputForm) f, x, msg), msg);
			e->x[f][p] = x;
		}
	}
	AssignFolds(a, e, strata, rows);
	for (int p = 0; p < 3; p++)
	{
		if (e->task == SEG_TASK_CLASSIFICATION)
		{
			e->y[p] = palloc(sizeof(int) * Max(e->n[p], 1));
			for (int i = 0; i < e->n[p]; i++)
				e->y[p][i] = y_class[rows[p][i]];
		}
		else
		{
			e->v[p] = palloc(sizeof(double) * Max(e->n[p], 1));
			for (int i = 0; i < e->n[p]; i++)
				e->v[p][i] = y_value[rows[p][i]];
		}
	}
}

void
segment_train_set(const TrainData *e, SegInputForm form, SegTrainSet *set)
{
	memset(set, 0, sizeof(*set));
	set->task = e->task;
	set->schema = &e->schema[form];
	set->n_classes = e->n_classes;
	set->train.x = e->x[form][SPLIT_TRAIN];
	set->train.y_class = e->y[SPLIT_TRAIN];
	set->train.y_value = e->v[SPLIT_TRAIN];
	set->train.n = e->n[SPLIT_TRAIN];
	set->val.x = e->x[form][SPLIT_VALIDATION];
	set->val.y_class = e->y[SPLIT_VALIDATION];
	set->val.y_value = e->v[SPLIT_VALIDATION];
	set->val.n = e->n[SPLIT_VALIDATION];
}
