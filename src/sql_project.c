/*-------------------------------------------------------------------------
 *
 * sql_project.c
 *	  segment.project() and segment.reconstruction_error(): a row through
 *	  a PCA or autoencoder model, by model value or by name; and the
 *	  decoding other server code uses (segment_decode_embedding,
 *	  segment_embed_relation for k-means on codes).
 *
 * Both go through segment_predict's cache (sql_predict.h): by name the
 * deployed version, decoded once per backend, and the caller's right to
 * predict with it, checked as segment_predict checks it; by value, the
 * bytes decoded once per call site.  Per row: the encoding of the row by
 * name, and one pass of the map, without palloc but for the result.
 *
 * IDENTIFICATION
 *	  src/sql_project.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "dataset.h"
#include "pg_args.h"
#include "pg_core.h"
#include "sql_embed.h"
#include "sql_predict.h"

PG_FUNCTION_INFO_V1(segment_project_bytes_row);
PG_FUNCTION_INFO_V1(segment_project_name_row);
PG_FUNCTION_INFO_V1(segment_reconstruction_error_bytes_row);
PG_FUNCTION_INFO_V1(segment_reconstruction_error_name_row);

SegEmbedding *
segment_decode_embedding(bytea *model, const char *name)
{
	SegModelHeader header;
	SegReader	payload;
	SegEmbedding *e;
	char		msg[SEG_ERRMSG_LEN];

	segment_open_model(model, 0, &header, &payload);
	if (!embedding_kind(header.kind))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 name != NULL ?
				 errmsg("model \"%s\" is a %s model, not a pca or autoencoder model", name,
						model_kind_name(header.kind)) :
				 errmsg("the model is a %s model, not a pca or autoencoder model",
						model_kind_name(header.kind)),
				 errhint("Embeddings come from segment.pca_fit or segment.autoencoder_fit.")));
	segment_raise(embedding_read_payload(header.kind, &payload, &e, msg), msg);
	return e;
}

double *
segment_embed_relation(const SegEmbedding *e, Oid relid, SegFrame **frame_out)
{
	const SegPreprocessor *p = e->prep;
	char	  **columns = palloc(sizeof(char *) * p->n_columns);
	SegFrame   *frame;
	double	   *codes;
	size_t		bytes;
	char		msg[SEG_ERRMSG_LEN];

	(void) segment_readable_relation(relid);
	for (int c = 0; c < p->n_columns; c++)
	{
		columns[c] = p->columns[c].name;
		/* a text column where the model has a number would load as codes */
		segment_check_column_kind(columns[c], dataset_column_type(relid, columns[c]),
								  p->columns[c].kind);
	}
	frame = dataset_load_canonical(relid, columns, p->n_columns, -1);
	if (!seg_mul_size((size_t) Max(frame->n_rows, 1) * sizeof(double), (size_t) e->code_size,
					  &bytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%d codes of %d values do not fit in memory", frame->n_rows,
						e->code_size)));
	codes = seg_alloc(bytes);
	segment_raise(embedding_project_frame(e, frame, NULL, frame->n_rows, codes, segment_hooks(),
										  msg), msg);
	if (frame_out != NULL)
		*frame_out = frame;
	return codes;
}

/* The embedding behind an entry; ERROR for models of other kinds. */
static const SegEmbedding *
EntryEmbedding(PredictEntry *e)
{
	const SegPredictor *pred = predict_entry_predictor(e);
	const char *name = predict_entry_name(e);

	if (!embedding_kind(pred->kind))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 name != NULL ?
				 errmsg("model \"%s\" is a %s model, not a pca or autoencoder model", name,
						model_kind_name(pred->kind)) :
				 errmsg("the model is a %s model, not a pca or autoencoder model",
						model_kind_name(pred->kind)),
				 errhint("segment.project maps rows to codes with a model of segment.pca_fit or segment.autoencoder_fit; use segment_predict for this one.")));
	return pred->estimator;
}

/*
 * ERROR when a figure of the row is not finite: a row so far beyond the
 * training data (1e308, say) that the map overflows.
 */
static void
CheckFinite(const double *v, int n, const char *what)
{
	for (int j = 0; j < n; j++)
		if (unlikely(!isfinite(v[j])))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the %s of this row is out of range for type double precision", what),
					 errdetail("The row's features are so far from the training data that the map overflows."),
					 errhint("Check the row's values against the data the model was trained on.")));
}

static Datum
Project(PredictEntry *entry, HeapTupleHeader row)
{
	const SegEmbedding *e = EntryEmbedding(entry);
	const double *x = predict_entry_encode(entry, row);
	double	   *code = predict_entry_scores(entry);

	embedding_project_row(e, x, code, predict_entry_scratch(entry));
	CheckFinite(code, e->code_size, "code");
	PG_RETURN_ARRAYTYPE_P(segment_build_float8_array(code, e->code_size));
}

/* mean over the encoded features of (x - x')^2 */
static Datum
ReconstructionError(PredictEntry *entry, HeapTupleHeader row)
{
	const SegEmbedding *e = EntryEmbedding(entry);
	const double *x = predict_entry_encode(entry, row);
	double	   *scratch = predict_entry_scratch(entry);
	/* the predictor's scratch ends with room for a reconstruction */
	double	   *back = scratch + embedding_row_scratch(e);
	double		sum = 0.0;
	double		mse;

	embedding_reconstruct_row(e, x, back, scratch);
	for (int t = 0; t < e->n_inputs; t++)
		sum += (x[t] - back[t]) * (x[t] - back[t]);
	mse = sum / e->n_inputs;
	CheckFinite(&mse, 1, "reconstruction error");
	PG_RETURN_FLOAT8(mse);
}

/* segment.project(model bytea, row_value record) -> float8[] */
Datum
segment_project_bytes_row(PG_FUNCTION_ARGS)
{
	return Project(predict_entry_by_bytes(fcinfo), PG_GETARG_HEAPTUPLEHEADER(1));
}

/* segment.project(model text, row_value record) -> float8[] */
Datum
segment_project_name_row(PG_FUNCTION_ARGS)
{
	return Project(predict_entry_by_name(fcinfo), PG_GETARG_HEAPTUPLEHEADER(1));
}

/* segment.reconstruction_error(model bytea, row_value record) -> float8 */
Datum
segment_reconstruction_error_bytes_row(PG_FUNCTION_ARGS)
{
	return ReconstructionError(predict_entry_by_bytes(fcinfo), PG_GETARG_HEAPTUPLEHEADER(1));
}

/* segment.reconstruction_error(model text, row_value record) -> float8 */
Datum
segment_reconstruction_error_name_row(PG_FUNCTION_ARGS)
{
	return ReconstructionError(predict_entry_by_name(fcinfo), PG_GETARG_HEAPTUPLEHEADER(1));
}
