/*-------------------------------------------------------------------------
 *
 * sql_model_part.c
 *	  One part of a trained model's split, read again from its relation:
 *	  the rows whose key hashes into that part (split_part's rule), in the
 *	  model's input form, with their truth.
 *
 * Feature importance scores a model on its test rows this way; the rows
 * are today's rows of the relation, so rows added since training that
 * hash into the part take part too.  Rows of a class the model never saw
 * are left out (and counted).  The relation is read with the caller's
 * privileges, like any training scan.
 *
 * IDENTIFICATION
 *	  src/sql_model_part.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "utils/builtins.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "dataset.h"
#include "pg_core.h"
#include "registry.h"
#include "sql_model_part.h"
#include "sql_train.h"

/* The supervised model in bytes; ERROR for any other kind. */
static SegSupervised *
ReadSupervised(bytea *bytes, const char *name)
{
	return segment_read_supervised(bytes, name, "a classifier or regressor",
								   "Feature importance and explanations are for models trained by segment_train.");
}

static void ReadPart(SegSupervised *model, const char *name, const StoredSplit *split,
					 SegSplitPart part, ModelPart *out);

void
segment_model_part(const char *name, int32 version, SegSplitPart part, ModelPart *out)
{
	SegSupervised *model = ReadSupervised(registry_model(name, version, REGISTRY_READ), name);
	StoredSplit split;

	stored_split_read(registry_spec(name, version, REGISTRY_READ), name, &split);
	ReadPart(model, name, &split, part, out);
}

void
segment_model_part_of(bytea *bytes, const char *name, const StoredSplit *split,
					  SegSplitPart part, ModelPart *out)
{
	ReadPart(ReadSupervised(bytes, name), name, split, part, out);
}

/*
 * What decides, row by row as the relation is read, whether a row is in
 * the part: split_part's rule on its key hash and its class's stratum.
 * Rows without a label, or of a class the model never saw, are counted
 * and left out.
 */
typedef struct PartFilter
{
	const SegSupervised *model;
	const StoredSplit *split;
	SegSplitPart part;
	int			label_column;
	const char *last_text;		/* the label text last seen, and its stratum */
	int			last_stratum;
} PartFilter;

static bool
InPart(void *arg, uint64 key_hash, const double *row, const char *label_text)
{
	PartFilter *pf = (PartFilter *) arg;
	int			stratum = 0;

	/* rows without a label, or of a class the model does not know, are in no part */
	if (SEG_IS_MISSING(row[pf->label_column]))
		return false;
	if (pf->model->task == SEG_TASK_CLASSIFICATION)
	{
		/* the loader keeps one string per label value: the same pointer is the same class */
		if (label_text != pf->last_text)
		{
			int			c = seg_name_index(pf->model->class_names, pf->model->n_classes,
										   label_text);

			/* the split's strata follow the model's classes */
			pf->last_stratum = c >= 0 ?
				stored_split_stratum(pf->split, pf->model->class_names[c]) : -1;
			pf->last_text = label_text;
		}
		stratum = pf->last_stratum;
		if (stratum < 0)
			return false;
	}
	return split_part_of(&pf->split->thresholds[stratum],
						 split_hash(key_hash, pf->split->seed)) == pf->part;
}

/* The rows of one part of split, read again from its relation, encoded for model. */
static void
ReadPart(SegSupervised *model, const char *name, const StoredSplit *split,
		 SegSplitPart part, ModelPart *out)
{
	SegPreprocessor *prep;
	Oid			relid;
	char	  **columns;
	int			n_cols;
	DatasetKey	key;
	uint64	   *hashes;
	uint64	   *split_hashes;
	SegFrame   *frame;
	SegFrame	feat;
	int		   *class_of = NULL;
	int		   *rows;
	int			kept;
	char		msg[SEG_ERRMSG_LEN];
	PartFilter	filter;

	memset(out, 0, sizeof(*out));
	out->model = model;
	out->split = *split;
	relid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(out->split.relation)),
							 AccessShareLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation %s, which model \"%s\" was trained on, does not exist",
						out->split.relation, name)));

	/* the model's columns, then its label */
	prep = out->model->prep;
	n_cols = prep->n_columns + 1;
	columns = palloc(sizeof(char *) * n_cols);
	for (int j = 0; j < prep->n_columns; j++)
		columns[j] = prep->columns[j].name;
	columns[prep->n_columns] = out->split.label;
	key.columns = out->split.key;
	key.n_columns = out->split.n_key;
	memset(&filter, 0, sizeof(filter));
	filter.model = out->model;
	filter.split = &out->split;
	filter.part = part;
	filter.label_column = prep->n_columns;
	/* only the part's rows are kept as the relation is read */
	frame = dataset_load_filtered(relid, columns, n_cols,
								  out->model->task == SEG_TASK_CLASSIFICATION ? prep->n_columns : -1,
								  &key, InPart, &filter, &hashes);

	/* the frame's label vocabulary -> the model's classes */
	if (out->model->task == SEG_TASK_CLASSIFICATION)
	{
		const SegColumn *label = &frame->columns[prep->n_columns];

		class_of = palloc(sizeof(int) * Max(label->n_categories, 1));
		for (int k = 0; k < label->n_categories; k++)
			class_of[k] = seg_name_index(out->model->class_names, out->model->n_classes,
										label->categories[k]);
	}

	kept = frame->n_rows;
	rows = palloc(sizeof(int) * Max(kept, 1));
	split_hashes = palloc(sizeof(uint64) * Max(kept, 1));
	for (int i = 0; i < kept; i++)
	{
		rows[i] = i;
		split_hashes[i] = split_hash(hashes[i], out->split.seed);
	}
	dataset_canonical_order(frame, split_hashes, rows, kept);

	/* the part's features alone, its rows gathered once in their canonical order */
	feat.n_rows = kept;
	feat.n_cols = prep->n_columns;
	feat.columns = frame->columns;
	feat.values = seg_alloc_array((size_t) Max(kept, 1) * prep->n_columns, sizeof(double));
	for (int i = 0; i < kept; i++)
		memcpy(feat.values + (size_t) i * prep->n_columns,
			   frame->values + (size_t) rows[i] * frame->n_cols, sizeof(double) * prep->n_columns);
	out->n = kept;
	out->x = seg_alloc_array((size_t) Max(kept, 1) * out->model->schema.n_inputs, sizeof(double));
	segment_raise(prep_transform_frame_as(prep, &feat, NULL, kept, out->model->learner->input,
										  out->x, msg), msg);
	if (out->model->task == SEG_TASK_CLASSIFICATION)
	{
		out->y_class = palloc(sizeof(int) * Max(kept, 1));
		for (int i = 0; i < kept; i++)
			out->y_class[i] = class_of[(int) FRAME_CELL(frame, rows[i], prep->n_columns)];
	}
	else
	{
		out->y_value = palloc(sizeof(double) * Max(kept, 1));
		for (int i = 0; i < kept; i++)
			out->y_value[i] = FRAME_CELL(frame, rows[i], prep->n_columns);
	}
}
