/*-------------------------------------------------------------------------
 *
 * sql_model_part.h
 *	  One part of a trained model's split, read again from its relation.
 *
 * IDENTIFICATION
 *	  src/sql_model_part.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SQL_MODEL_PART_H
#define SEGMENT_SQL_MODEL_PART_H

#include "postgres.h"

#include "split.h"
#include "stored_split.h"
#include "supervised_model.h"

typedef struct ModelPart
{
	SegSupervised *model;		/* the version, decoded */
	StoredSplit split;
	int			n;				/* rows of the part */
	double	   *x;				/* n x model->schema.n_inputs, in its input form */
	int		   *y_class;		/* classification: the model's class indices */
	double	   *y_value;		/* regression */
	int			skipped;		/* rows of unknown classes or without a label */
} ModelPart;

/*
 * The rows of a version of name (0: the deployed one) that fall into
 * part, for a caller who may read the model; ERROR for models not
 * trained by segment_train since 0.2.0.
 */
extern void segment_model_part(const char *name, int32 version, SegSplitPart part,
							   ModelPart *out);

/*
 * The same for a model value and a split given (e.g. another version's):
 * the rows of split's relation in its part, in the model's input form.
 */
extern void segment_model_part_of(bytea *bytes, const char *name, const StoredSplit *split,
								  SegSplitPart part, ModelPart *out);

#endif							/* SEGMENT_SQL_MODEL_PART_H */
