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

#include "importance.h"
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

/* Permutation importance of a part's model on the part's rows (sql_importance.c). */

/* most shuffles per column a call may ask for */
#define IMPORTANCE_MAX_REPEATS 1000

typedef struct PartImportance
{
	ImportanceResult result;	/* per column, in the model's column order */
	double	   *split_gain;		/* per column; meaningful when has_gain */
	bool		has_gain;
	int		   *order;			/* columns, the most important first */
} PartImportance;

/*
 * feature_importance's figures: repeats seeded shuffles per column (the
 * split's seed), ERROR when the part has no rows.
 */
extern void segment_part_importance(const char *name, const ModelPart *part, int repeats,
									PartImportance *out);

#endif							/* SEGMENT_SQL_MODEL_PART_H */
