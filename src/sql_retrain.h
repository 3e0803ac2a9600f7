/*-------------------------------------------------------------------------
 *
 * sql_retrain.h
 *	  What segment_train needs to know of a retraining around it.
 *
 * IDENTIFICATION
 *	  src/sql_retrain.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SQL_RETRAIN_H
#define SEGMENT_SQL_RETRAIN_H

#include "postgres.h"

#include "utils/jsonb.h"

/*
 * Whether the running segment_train was called by segment.retrain, and
 * then the role that called retrain (the training itself runs as the
 * model's owner).
 */
extern bool segment_retrain_caller(Oid *caller);

/*
 * The function (segment_train or kmeans_fit) that trained name's latest
 * version retrain can repeat, its owner, and (arguments not NULL) the
 * arguments it stored; for a caller that may change the model.
 */
extern const char *segment_retrain_spec(const char *name, Oid *owner, Jsonb **arguments);

#endif							/* SEGMENT_SQL_RETRAIN_H */
