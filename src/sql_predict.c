/*-------------------------------------------------------------------------
 *
 * sql_predict.c
 *	  segment_predict() and segment_predict_proba(): one entry point for
 *	  every model kind that predicts, through SegPredictor.
 *
 * By name, the deployed version is decoded once per backend and kept in
 * a small cache.  A statement-level trigger on segment.models sends a
 * relcache invalidation for the table whenever the registry changes; our
 * relcache callback marks the cache stale, and the next call re-reads the
 * registry.  In between, a call costs a name comparison (the function's
 * fn_extra remembers the entry of the last name and the cache generation),
 * the row encoding and one pass over the centroids or network, with no
 * palloc and no SPI except for the result value itself.
 *
 * IDENTIFICATION
 *	  src/sql_predict.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "model.h"
#include "pg_core.h"
#include "predictor.h"
#include "record_encoder.h"

PG_FUNCTION_INFO_V1(segment_predict_name_row);
PG_FUNCTION_INFO_V1(segment_predict_name_features);
PG_FUNCTION_INFO_V1(segment_predict_bytes_row);
PG_FUNCTION_INFO_V1(segment_predict_bytes_features);
PG_FUNCTION_INFO_V1(segment_predict_proba_name_row);
PG_FUNCTION_INFO_V1(segment_models_changed);

/* A decoded model with its encoder and buffers, in a context of its own. */
typedef struct PredictEntry
{
	struct PredictEntry *next;
	MemoryContext cxt;
	char	   *name;			/* NULL for a model given as bytes */
	int			version;
	SegPredictor pred;
	RecordEncoder *encoder;		/* NULL when the model takes encoded features */
	double	   *scores;
	double	   *scratch;
} PredictEntry;

/* the backend's cache of named models */
static PredictEntry *named_entries = NULL;
static bool cache_stale = false;
static uint64 cache_generation = 1;
static Oid	models_relid = InvalidOid;
static bool callback_registered = false;

/* What one call site (fn_extra) remembers. */
typedef struct CallCache
{
	uint64		generation;
	PredictEntry *entry;
	int			name_len;
	char	   *name;			/* bytes of the last name, or of the model value */
	MemoryContext cxt;
} CallCache;

static Oid
ModelsRelid(void)
{
	Oid			nsp = get_namespace_oid("segment", true);

	return OidIsValid(nsp) ? get_relname_relid("models", nsp) : InvalidOid;
}

static void
RegistryChanged(Datum arg pg_attribute_unused(), Oid relid)
{
	if (relid == InvalidOid || relid == models_relid)
		cache_stale = true;
}

/*
 * segment.models_changed(): statement trigger on segment.models that
 * invalidates every backend's cache of decoded models.
 */
Datum
segment_models_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("segment.models_changed() was not called by the trigger manager")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}

static void
DropNamedEntries(void)
{
	while (named_entries != NULL)
	{
		PredictEntry *e = named_entries;

		named_entries = e->next;
		MemoryContextDelete(e->cxt);
	}
	cache_generation++;
}

/* Decodes model bytes into an entry living in a new child context of parent. */
static PredictEntry *
BuildEntry(const uint8 *bytes, size_t len, const char *name, int version,
		   MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "segment predictor",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	PredictEntry *e = palloc0(sizeof(PredictEntry));
	char		msg[SEG_ERRMSG_LEN];

	e->cxt = cxt;
	e->version = version;
	e->name = name != NULL ? pstrdup(name) : NULL;
	segment_raise(predictor_read(bytes, len, &e->pred, msg), msg);
	if (e->pred.prep != NULL)
		e->encoder = record_encoder_create(e->pred.prep);
	e->scores = palloc(sizeof(double) * Max(e->pred.n_classes, 1));
	e->scratch = palloc(sizeof(double) * Max(e->pred.scratch_len, 1));
	MemoryContextSwitchTo(old);
	return e;
}

/* The entry of a named model's deployed version, loading it when needed. */
static PredictEntry *
NamedEntry(const char *name)
{
	PredictEntry *e;
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;
	int			version;
	bytea	   *model;
	MemoryContext caller = CurrentMemoryContext;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(RegistryChanged, (Datum) 0);
		callback_registered = true;
	}
	if (cache_stale || !OidIsValid(models_relid))
	{
		DropNamedEntries();
		cache_stale = false;
		models_relid = ModelsRelid();
	}
	for (e = named_entries; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;

	values[0] = CStringGetTextDatum(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT version, model FROM segment.models WHERE name = $1 AND deployed",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read segment.models");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist or has no deployed version", name),
				 errhint("See SELECT name, version, deployed FROM segment.models.")));
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	model = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	/* under the caller's context: SPI_finish frees SPI's */
	e = BuildEntry((const uint8 *) VARDATA_ANY(model), VARSIZE_ANY_EXHDR(model), name, version,
				   caller);
	SPI_finish();
	/* decoded without error: keep it for the backend's lifetime */
	MemoryContextSetParent(e->cxt, CacheMemoryContext);
	e->next = named_entries;
	named_entries = e;
	return e;
}

static CallCache *
GetCallCache(FunctionCallInfo fcinfo)
{
	CallCache  *cc = fcinfo->flinfo->fn_extra;

	if (cc == NULL)
	{
		cc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CallCache));
		cc->cxt = fcinfo->flinfo->fn_mcxt;
		fcinfo->flinfo->fn_extra = cc;
	}
	return cc;
}

/* The entry for argument 0, a model name; cheap while nothing changed. */
static PredictEntry *
EntryByName(FunctionCallInfo fcinfo)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	CallCache  *cc = GetCallCache(fcinfo);
	int			len = VARSIZE_ANY_EXHDR(name);

	if (cc->entry != NULL && !cache_stale && cc->generation == cache_generation &&
		cc->name_len == len && memcmp(cc->name, VARDATA_ANY(name), len) == 0)
		return cc->entry;
	cc->entry = NamedEntry(text_to_cstring(name));
	cc->generation = cache_generation;
	if (cc->name != NULL)
		pfree(cc->name);
	cc->name = MemoryContextAlloc(cc->cxt, Max(len, 1));
	memcpy(cc->name, VARDATA_ANY(name), len);
	cc->name_len = len;
	return cc->entry;
}

/* The entry for argument 0, a model value, cached while the bytes repeat. */
static PredictEntry *
EntryByBytes(FunctionCallInfo fcinfo)
{
	bytea	   *model = PG_GETARG_BYTEA_PP(0);
	CallCache  *cc = GetCallCache(fcinfo);
	int			len = VARSIZE_ANY_EXHDR(model);
	MemoryContext old;

	if (cc->entry != NULL && cc->name_len == len &&
		memcmp(cc->name, VARDATA_ANY(model), len) == 0)
		return cc->entry;
	if (cc->entry != NULL)
	{
		MemoryContextDelete(cc->entry->cxt);
		cc->entry = NULL;
	}
	old = MemoryContextSwitchTo(cc->cxt);
	cc->entry = BuildEntry((const uint8 *) VARDATA_ANY(model), len, NULL, 0, cc->cxt);
	if (cc->name != NULL)
		pfree(cc->name);
	cc->name = palloc(Max(len, 1));
	memcpy(cc->name, VARDATA_ANY(model), len);
	cc->name_len = len;
	MemoryContextSwitchTo(old);
	return cc->entry;
}

/*
 * ERROR when score j is not a number: a row far beyond the training data
 * (1e308, say) overflows the distances or the network, and any label or
 * probability drawn from infinities would be noise.
 */
static void
CheckScore(const PredictEntry *e, int j)
{
	if (unlikely(!isfinite(e->scores[j])))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the model's scores for this row are out of range for type double precision"),
				 errdetail("The row's features are so far from the training data that %s overflows.",
						   e->pred.kind == SEG_MODEL_KMEANS ?
						   "the distance to a centroid" : "the network's output"),
				 errhint("Check the row's values against the data the model was trained on.")));
}

static int
PredictRow(PredictEntry *e, HeapTupleHeader row)
{
	const double *features;
	int			label;

	if (e->encoder == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 e->name != NULL ?
				 errmsg("model \"%s\" takes a feature array, not a row", e->name) :
				 errmsg("the model takes a feature array, not a row"),
				 errhint("It was trained on feature arrays; call segment_predict(model, features float8[]).")));
	features = record_encoder_encode(e->encoder, row);
	label = e->pred.predict_row(e->pred.estimator, features, e->scores, e->scratch);
	CheckScore(e, label);
	return label;
}

static int
PredictFeatures(PredictEntry *e, ArrayType *features)
{
	int			n;
	double	   *x = segment_float8_array(features, "feature array", e->pred.n_features, &n);
	int			label = e->pred.predict_row(e->pred.estimator, x, e->scores, e->scratch);

	CheckScore(e, label);
	return label;
}

static Datum
ClassText(PredictEntry *e, int label)
{
	return PointerGetDatum(cstring_to_text(e->pred.class_names[label]));
}

/* segment_predict(model text, row record) -> text */
Datum
segment_predict_name_row(PG_FUNCTION_ARGS)
{
	PredictEntry *e = EntryByName(fcinfo);

	return ClassText(e, PredictRow(e, PG_GETARG_HEAPTUPLEHEADER(1)));
}

/* segment_predict(model text, features float8[]) -> text */
Datum
segment_predict_name_features(PG_FUNCTION_ARGS)
{
	PredictEntry *e = EntryByName(fcinfo);

	return ClassText(e, PredictFeatures(e, PG_GETARG_ARRAYTYPE_P(1)));
}

/* segment_predict(model bytea, row record) -> text */
Datum
segment_predict_bytes_row(PG_FUNCTION_ARGS)
{
	PredictEntry *e = EntryByBytes(fcinfo);

	return ClassText(e, PredictRow(e, PG_GETARG_HEAPTUPLEHEADER(1)));
}

/* segment_predict(model bytea, features float8[]) -> text */
Datum
segment_predict_bytes_features(PG_FUNCTION_ARGS)
{
	PredictEntry *e = EntryByBytes(fcinfo);

	return ClassText(e, PredictFeatures(e, PG_GETARG_ARRAYTYPE_P(1)));
}

/*
 * segment_predict_proba(model text, row record) -> jsonb: one score per
 * class.  Classifiers give probabilities; k-means gives the Euclidean
 * distance to each centroid in the model's (standardised) feature space,
 * the nearest being the predicted cluster.
 */
Datum
segment_predict_proba_name_row(PG_FUNCTION_ARGS)
{
	PredictEntry *e = EntryByName(fcinfo);
	StringInfoData buf;

	(void) PredictRow(e, PG_GETARG_HEAPTUPLEHEADER(1));
	for (int j = 0; j < e->pred.n_classes; j++)
		CheckScore(e, j);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int j = 0; j < e->pred.n_classes; j++)
	{
		double		v = e->scores[j];

		if (e->pred.kind == SEG_MODEL_KMEANS)
			v = sqrt(-v);
		if (j > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, e->pred.class_names[j]);
		appendStringInfo(&buf, ": %s", float8out_internal(v));
	}
	appendStringInfoChar(&buf, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}
