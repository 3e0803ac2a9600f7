/*-------------------------------------------------------------------------
 *
 * sql_preprocess.c
 *	  segment.preprocess_fit(), segment.preprocess() and
 *	  segment.preprocess_names(): the impute / one-hot / scale step on its
 *	  own, and the record-by-name encoder that predictions build on.
 *
 * IDENTIFICATION
 *	  src/sql_preprocess.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "dataset.h"
#include "pg_args.h"
#include "pg_core.h"
#include "predictor.h"
#include "preprocess.h"
#include "record_encoder.h"

PG_FUNCTION_INFO_V1(preprocess_fit);
PG_FUNCTION_INFO_V1(preprocess);
PG_FUNCTION_INFO_V1(preprocess_names);

SegPreprocessor *
segment_decode_preprocessor(bytea *model, int *form)
{
	SegModelHeader header;
	SegReader	payload;
	SegPreprocessor *p;
	SegPredictor predictor;
	char		msg[SEG_ERRMSG_LEN];

	segment_open_model(model, 0, &header, &payload);
	if (form != NULL)
		*form = SEG_INPUT_ENCODED;
	if (header.kind == SEG_MODEL_PREPROCESSOR)
	{
		segment_raise(prep_read(&payload, &p, msg), msg);
		if (!reader_at_end(&payload))
			segment_raise(SEG_ERR_CORRUPT, "preprocessor model has trailing bytes");
		return p;
	}

	if (header.kind == SEG_MODEL_SCALER)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("a scaler model has no preprocessor"),
				 errhint("Scale feature arrays with segment.scale().")));
	/* a classifier or k-means model: the preprocessor it encodes rows with */
	segment_raise(predictor_read_payload(header.kind, &payload, &predictor, msg), msg);
	if (predictor.prep == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("this %s model has no preprocessor: it was trained on feature arrays",
						model_kind_name(header.kind))));
	if (form != NULL)
		*form = predictor.input;
	return predictor.prep;
}

/*
 * segment.preprocess_fit(relation regclass, columns text[] DEFAULT NULL)
 * -> bytea: fits imputation, one-hot vocabularies and scaling on every row
 * of the relation (give it a training view or table).
 */
Datum
preprocess_fit(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	  **columns;
	int			n_columns;
	SegFrame   *frame;
	SegPreprocessor *p;
	SegWriter	w;
	char		msg[SEG_ERRMSG_LEN];
	MemoryContext work;
	MemoryContext old;
	bytea	   *result;

	segment_require_arg(fcinfo, 0, "relation");
	relid = PG_GETARG_OID(0);
	(void) segment_readable_relation(relid);
	work = AllocSetContextCreate(CurrentMemoryContext, "segment preprocess_fit",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "preprocess_fit");
	if (PG_ARGISNULL(1))
		columns = dataset_default_columns(relid, NULL, NULL, 0, &n_columns);
	else
		columns = dataset_text_array(PG_GETARG_ARRAYTYPE_P(1), "columns", &n_columns);
	if (n_columns == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no columns to preprocess")));
	frame = dataset_load(relid, columns, n_columns, -1);
	if (frame->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows", get_rel_name(relid))));
	segment_raise(prep_fit(frame, NULL, frame->n_rows, &p, msg), msg);

	writer_init(&w, 1024);
	model_begin(&w, SEG_MODEL_PREPROCESSOR);
	prep_write(&w, p);
	model_seal(&w);
	segment_budget_end();
	MemoryContextSwitchTo(old);
	result = segment_writer_to_bytea(&w);
	MemoryContextDelete(work);
	PG_RETURN_BYTEA_P(result);
}

typedef struct PreprocessCache
{
	bytea	   *model;			/* the bytes `encoder` was built from */
	SegModelArgRef value;		/* what they were, for a cheap check */
	RecordEncoder *encoder;
	MemoryContext cxt;
} PreprocessCache;

/*
 * segment.preprocess(model bytea, row record) -> float8[]: the encoded
 * features of one row, columns found by name.
 */
Datum
preprocess(PG_FUNCTION_ARGS)
{
	HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(1);
	PreprocessCache *cache = fcinfo->flinfo->fn_extra;
	double	   *out;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PreprocessCache));
		cache->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "segment preprocess cache",
										   ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = cache;
	}
	if (cache->model == NULL || !segment_model_arg_same(fcinfo, 0, &cache->value))
	{
		bytea	   *model = PG_GETARG_BYTEA_PP(0);

		if (cache->model == NULL || VARSIZE_ANY(cache->model) != VARSIZE_ANY(model) ||
			memcmp(cache->model, model, VARSIZE_ANY(model)) != 0)
		{
			MemoryContext old;
			SegPreprocessor *prep;
			int			form;

			MemoryContextReset(cache->cxt);
			cache->model = NULL;
			old = MemoryContextSwitchTo(cache->cxt);
			prep = segment_decode_preprocessor(model, &form);
			cache->encoder = record_encoder_create(prep, (SegInputForm) form);
			cache->model = palloc(VARSIZE_ANY(model));
			memcpy(cache->model, model, VARSIZE_ANY(model));
			MemoryContextSwitchTo(old);
		}
		segment_model_arg_remember(fcinfo, 0, &cache->value);
	}
	out = record_encoder_encode(cache->encoder, row);
	PG_RETURN_ARRAYTYPE_P(segment_build_float8_array(out, prep_width(cache->encoder->prep,
																	  cache->encoder->form)));
}

/* segment.preprocess_names(model bytea) -> text[]: the encoded features' names. */
Datum
preprocess_names(PG_FUNCTION_ARGS)
{
	int			form;
	SegPreprocessor *p = segment_decode_preprocessor(PG_GETARG_BYTEA_PP(0), &form);
	int			width = prep_width(p, (SegInputForm) form);
	Datum	   *names = palloc(sizeof(Datum) * Max(width, 1));
	char		buf[8192];

	/* a RAW-form model sees the columns themselves */
	for (int j = 0; j < width; j++)
		names[j] = CStringGetTextDatum(form == SEG_INPUT_RAW ? p->columns[j].name :
									   prep_output_name(p, j, buf, sizeof(buf)));
	PG_RETURN_ARRAYTYPE_P(construct_array(names, width, TEXTOID, -1, false, TYPALIGN_INT));
}
