/*-------------------------------------------------------------------------
 *
 * sql_embed.h
 *	  Pieces shared by segment.pca_fit and segment.autoencoder_fit (the
 *	  rows they load, the registry, the JSON they write) and by whatever
 *	  reads an embedding model in the server (segment.project, k-means on
 *	  codes).
 *
 * IDENTIFICATION
 *	  src/sql_embed.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SQL_EMBED_H
#define SEGMENT_SQL_EMBED_H

#include "postgres.h"

#include "fmgr.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "embedding.h"
#include "datatype/timestamp.h"
#include "split.h"

struct JsonBuilder;

/* The relation and columns of a fit, checked. */
typedef struct EmbedSource
{
	Oid			relid;
	char	   *relation;		/* qualified and quoted, for specs */
	char	  **columns;
	int			n_columns;
} EmbedSource;

/*
 * The rows of a fit, encoded: x[part] holds n[part] rows of d values in
 * a canonical order (dataset.h), so that the same rows in any scan order
 * give the same model.  The preprocessor is fitted on the train part.
 */
typedef struct EmbedData
{
	SegPreprocessor *prep;
	int			d;				/* encoded width */
	int			n_rows;			/* rows read */
	int			n[3];			/* rows per SegSplitPart */
	double	   *x[3];
	/* the split (autoencoder_fit): key columns and their source */
	char	  **key_columns;
	int			n_key;
	const char *key_source;
} EmbedData;

/* sql_embed_data.c */

/*
 * Checks the name (non-empty, and that the caller may add a version),
 * the relation (readable) and the columns (at least one, each existing)
 * of argument positions 0, 1 and 2.
 */
extern void embed_read_source(FunctionCallInfo fcinfo, EmbedSource *src);

/* Every row in one part (SPLIT_TRAIN), preprocessor fitted on all of them. */
extern void embed_load_all(const EmbedSource *src, EmbedData *data);

/*
 * Rows split by a hash of their key (dataset_split_key) and seed into
 * train, validation and test; the preprocessor fitted on train.
 */
extern void embed_load_split(const EmbedSource *src, ArrayType *key, double test_size,
							 double validation_size, int64 seed, EmbedData *data);

/*
 * Warns about columns constant on the train part; ERROR when every
 * encoded feature is, since there is no variance to describe.
 */
extern void embed_check_variation(const EmbedSource *src, const EmbedData *data);

/* Registers model as the next (deployed) version of name; returns it. */
/*
 * Saves the fitted model as the next (deployed) version of name and
 * records the run in segment.training_runs.
 */
extern int32 embed_save(const char *name, const char *function, const EmbedSource *src,
						const EmbedData *data, TimestampTz started, bytea *model, Jsonb *spec,
						Jsonb *metrics);

/* milliseconds since start */
extern double embed_elapsed_ms(instr_time start);

/* `"timings_ms": {"load": .., "fit": .., "total": ..}` into an open object */
extern void embed_json_timings(struct JsonBuilder *b, double load_ms, double fit_ms,
							   double total_ms);

/* `"features": [...]`, the encoded features' names, into an open object */
extern void embed_json_features(struct JsonBuilder *b, const SegPreprocessor *prep);

/* `"columns": [...]` of src into an open object */
extern void embed_json_columns(struct JsonBuilder *b, const EmbedSource *src);

/* sql_project.c */

/*
 * The embedding in model bytes; ERROR (wrong_object_type) for another
 * kind, invalid_binary_representation for damaged bytes.  `name` (or
 * NULL) names the model in messages.
 */
extern SegEmbedding *segment_decode_embedding(bytea *model, const char *name);

/*
 * The codes (n x e->code_size, n returned in *frame_out's n_rows) of
 * every row of relid through e: its preprocessor's columns found by name
 * and type-checked, read with the caller's privileges in the canonical
 * order of dataset_load_canonical, encoded and mapped a block at a time.
 * *frame_out (when not NULL) receives the raw columns, e.g. for profiles
 * in original units.  What k-means on an embedding clusters.
 */
extern double *segment_embed_relation(const SegEmbedding *e, Oid relid, SegFrame **frame_out);

#endif							/* SEGMENT_SQL_EMBED_H */
