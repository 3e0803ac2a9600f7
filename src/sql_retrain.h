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

/*
 * Whether the running segment_train was called by segment.retrain, and
 * then the role that called retrain (the training itself runs as the
 * model's owner).
 */
extern bool segment_retrain_caller(Oid *caller);

#endif							/* SEGMENT_SQL_RETRAIN_H */
