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
	SegModelHeader header;
	SegReader	payload;
	char		msg[SEG_ERRMSG_LEN];
	SegSupervised *model;

	segment_open_model(bytes, 0, &header, &payload);
	if (header.kind != SEG_MODEL_CLASSIFIER && header.kind != SEG_MODEL_REGRESSOR)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a %s model, not a classifier or regressor", name,
						model_kind_name(header.kind)),
				 errhint("Feature importance and explanations are for models trained by segment_train.")));
	segment_raise(supervised_read(header.kind, &payload, &model, msg), msg);
	return model;
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
	int			kept = 0;
	char		msg[SEG_ERRMSG_LEN];

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
	frame = dataset_load_keyed(relid, columns, n_cols,
							   out->model->task == SEG_TASK_CLASSIFICATION ? prep->n_columns : -1,
							   &key, &hashes);

	/* the frame's label vocabulary -> the model's classes */
	if (out->model->task == SEG_TASK_CLASSIFICATION)
	{
		const SegColumn *label = &frame->columns[prep->n_columns];

		class_of = palloc(sizeof(int) * Max(label->n_categories, 1));
		for (int k = 0; k < label->n_categories; k++)
		{
			class_of[k] = -1;
			for (int c = 0; c < out->model->n_classes; c++)
				if (strcmp(out->model->class_names[c], label->categories[k]) == 0)
					class_of[k] = c;
		}
	}

	rows = palloc(sizeof(int) * Max(frame->n_rows, 1));
	split_hashes = palloc(sizeof(uint64) * Max(frame->n_rows, 1));
	for (int i = 0; i < frame->n_rows; i++)
	{
		double		label = FRAME_CELL(frame, i, prep->n_columns);
		int			stratum = 0;

		split_hashes[i] = split_hash(hashes[i], out->split.seed);
		if (SEG_IS_MISSING(label))
		{
			out->skipped++;
			continue;
		}
		if (class_of != NULL)
		{
			int			c = class_of[(int) label];

			/* the split's strata follow the model's classes */
			stratum = c >= 0 ? stored_split_stratum(&out->split, out->model->class_names[c]) : -1;
			if (stratum < 0)
			{
				out->skipped++;
				continue;
			}
		}
		if (split_part_of(&out->split.thresholds[stratum], split_hashes[i]) == part)
			rows[kept++] = i;
	}
	dataset_canonical_order(frame, split_hashes, rows, kept);

	/* the part's features alone, its rows gathered once in their canonical order */
	feat.n_rows = kept;
	feat.n_cols = prep->n_columns;
	feat.columns = frame->columns;
	feat.values = palloc_extended(sizeof(double) * (size_t) Max(kept, 1) * prep->n_columns,
								  MCXT_ALLOC_HUGE);
	for (int i = 0; i < kept; i++)
		memcpy(feat.values + (size_t) i * prep->n_columns,
			   frame->values + (size_t) rows[i] * frame->n_cols, sizeof(double) * prep->n_columns);
	out->n = kept;
	out->x = palloc_extended(sizeof(double) * (size_t) Max(kept, 1) * out->model->schema.n_inputs,
							 MCXT_ALLOC_HUGE);
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
