/*-------------------------------------------------------------------------
 *
 * sql_predict.c
 *	  segment_predict() and segment_predict_proba(): one entry point for
 *	  every model kind that predicts, through SegPredictor.
 *
 * By name, the deployed version is decoded once per backend and kept in
 * a small cache, which must answer exactly what an uncached call would:
 *
 * - the version: once per snapshot (a statement's), the registry's index
 *   of deployed versions is probed under the active snapshot, and the
 *   model is decoded again when the row found is not the one it was
 *   decoded from (its tid and xmin differ).  Invalidation messages alone
 *   cannot give that: a transaction's commit becomes visible to new
 *   snapshots before its invalidations are sent.
 * - the privileges: the check that the current role may predict with the
 *   model is made by the same function that refuses an uncached call,
 *   under the same snapshot, whenever the version is confirmed; within
 *   one snapshot it is remembered for that role and until roles,
 *   memberships or grants change (registry.c counts those changes), and
 *   redone after SET ROLE.
 *
 * Repeated calls under one snapshot cost a name comparison and a few
 * integer comparisons (fn_extra remembers the entry of the last name),
 * the row encoding and one pass over the centroids or network, with no
 * palloc and no SPI except for the result value itself.
 *
 * A model given as a value is decoded once per call site while the same
 * value comes in.  A constant of the query (a literal), or a TOAST pointer
 * to stored bytes (segment.model()'s result, a bytea column) is recognised
 * without reading the bytes (segment_model_arg_same()); any other value is
 * compared byte by byte with the bytes the model was decoded from.
 *
 * IDENTIFICATION
 *	  src/sql_predict.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "embedding.h"
#include "kmeans_model.h"
#include "kmeans_persona.h"
#include "model.h"
#include "pg_core.h"
#include "pg_snapshot.h"
#include "predictor.h"
#include "record_encoder.h"
#include "registry.h"
#include "sql_predict.h"
#include "sql_kmeans.h"

PG_FUNCTION_INFO_V1(segment_predict_name_row);
PG_FUNCTION_INFO_V1(segment_predict_name_features);
PG_FUNCTION_INFO_V1(segment_predict_bytes_row);
PG_FUNCTION_INFO_V1(segment_predict_bytes_features);
PG_FUNCTION_INFO_V1(segment_predict_proba_name_row);
PG_FUNCTION_INFO_V1(segment_predict_value_name_row);
PG_FUNCTION_INFO_V1(segment_predict_value_name_features);
PG_FUNCTION_INFO_V1(segment_predict_value_bytes_row);
PG_FUNCTION_INFO_V1(segment_predict_value_bytes_features);
PG_FUNCTION_INFO_V1(segment_persona_name_row);
PG_FUNCTION_INFO_V1(segment_persona_bytes_row);

/* most named models a backend keeps decoded */
#define MAX_NAMED_ENTRIES 32

/* A decoded model with its encoder and buffers, in a context of its own. */
struct PredictEntry
{
	struct PredictEntry *next;
	MemoryContext cxt;
	char	   *name;			/* NULL for a model given as bytes */
	RegistryDeployed row;		/* the registry row it was decoded from */
	SegPredictor pred;
	RecordEncoder *encoder;		/* NULL when the model takes encoded features */
	double	   *scores;
	double	   *scratch;
	/* k-means: each cluster's persona label and action as text, once asked for */
	Datum	   *persona_labels;
	Datum	   *persona_actions;	/* (Datum) 0: none */
	ConfirmedSnapshot confirmed;	/* the snapshot its row was last found deployed under */
	/* the role last allowed to predict with it, and when */
	Oid			allowed_role;
	uint64		allowed_generation;
};

/* the backend's cache of named models, most recently loaded first */
static PredictEntry *named_entries = NULL;

/* bumped whenever an entry is freed, so that no call site keeps a pointer to it */
static uint64 entries_generation = 1;

/* What one call site (fn_extra) remembers. */
typedef struct CallCache
{
	uint64		generation;
	PredictEntry *entry;
	int			name_len;
	char	   *name;			/* bytes of the last name, or of the model value */
	SegModelArgRef value;		/* what the model value was, for a cheap check */
	MemoryContext cxt;
	TupleDesc	result_desc;	/* a composite result's, blessed */
} CallCache;

static void
FreeEntry(PredictEntry *e)
{
	MemoryContextDelete(e->cxt);
	entries_generation++;
}

/* Decodes model bytes into an entry living in a new child context of parent. */
static PredictEntry *
BuildEntry(const uint8 *bytes, size_t len, const char *name, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "segment predictor",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	PredictEntry *e = palloc0(sizeof(PredictEntry));
	char		msg[SEG_ERRMSG_LEN];

	e->cxt = cxt;
	e->name = name != NULL ? pstrdup(name) : NULL;
	segment_raise(predictor_read(bytes, len, &e->pred, msg), msg);
	if (e->pred.prep != NULL)
		e->encoder = record_encoder_create(e->pred.prep, e->pred.input);
	e->scores = palloc(sizeof(double) * Max(e->pred.n_classes, 1));
	e->scratch = palloc(sizeof(double) * Max(e->pred.scratch_len, 1));
	MemoryContextSwitchTo(old);
	return e;
}

/*
 * The entry of a named model's version deployed under snapshot, after
 * checking that the current role may predict with it; decodes it when the
 * backend has not yet.
 */
static PredictEntry *
NamedEntry(const char *name, Snapshot snapshot)
{
	PredictEntry **link;
	PredictEntry *e;
	RegistryDeployed found;
	Oid			role = GetUserId();
	uint64		generation = registry_privileges_generation();
	int			kept;

	for (link = &named_entries; *link != NULL; link = &(*link)->next)
		if (strcmp((*link)->name, name) == 0)
			break;
	e = *link;
	if (!registry_find_deployed(name, snapshot, e != NULL ? &e->row : NULL, &found))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist or has no deployed version", name),
				 errhint("See SELECT name, version, deployed FROM segment.models.")));
	if (e != NULL && found.model != NULL)
	{
		/* another row is deployed now */
		*link = e->next;
		FreeEntry(e);
		e = NULL;
	}
	/*
	 * The same check as for a model not decoded yet, under this snapshot: a
	 * grant revoked by a transaction this snapshot sees committed is refused
	 * even where no invalidation has arrived yet.
	 */
	registry_check(name, found.owner, role, REGISTRY_PREDICT);
	if (e == NULL)
	{
		/* decoded under the caller's context, kept once decoded without error */
		e = BuildEntry((const uint8 *) VARDATA_ANY(found.model), VARSIZE_ANY_EXHDR(found.model),
					   name, CurrentMemoryContext);
		MemoryContextSetParent(e->cxt, CacheMemoryContext);
		pfree(found.model);
		found.model = NULL;
		e->row = found;
		e->next = named_entries;
		named_entries = e;
		for (link = &e->next, kept = 1; *link != NULL; kept++)
		{
			PredictEntry *old = *link;

			if (kept < MAX_NAMED_ENTRIES)
			{
				link = &old->next;
				continue;
			}
			*link = old->next;
			FreeEntry(old);
		}
	}
	e->allowed_role = role;
	e->allowed_generation = generation;
	segment_snapshot_confirm(&e->confirmed, snapshot, e->cxt);
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

/*
 * The entry for argument 0, a model name: the remembered one while the
 * name, the snapshot, the role and the privileges are those it was last
 * confirmed for.
 */
static PredictEntry *
EntryByName(FunctionCallInfo fcinfo)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	CallCache  *cc = GetCallCache(fcinfo);
	int			len = VARSIZE_ANY_EXHDR(name);
	Snapshot	snapshot = segment_read_snapshot();
	PredictEntry *e = cc->entry;

	if (e != NULL && cc->generation == entries_generation &&
		cc->name_len == len && memcmp(cc->name, VARDATA_ANY(name), len) == 0 &&
		segment_snapshot_matches(&e->confirmed, snapshot) &&
		e->allowed_role == GetUserId() &&
		e->allowed_generation == registry_privileges_generation())
		return e;
	e = NamedEntry(text_to_cstring(name), snapshot);
	cc->entry = e;
	cc->generation = entries_generation;
	if (cc->name_len != len || cc->name == NULL || memcmp(cc->name, VARDATA_ANY(name), len) != 0)
	{
		/* allocated before the old one is freed: an error leaves cc whole */
		char	   *copy = MemoryContextAlloc(cc->cxt, Max(len, 1));

		memcpy(copy, VARDATA_ANY(name), len);
		if (cc->name != NULL)
			pfree(cc->name);
		cc->name = copy;
		cc->name_len = len;
	}
	return e;
}

/* The entry for argument 0, a model value, cached while the bytes repeat. */
static PredictEntry *
EntryByBytes(FunctionCallInfo fcinfo)
{
	CallCache  *cc = GetCallCache(fcinfo);
	bytea	   *model;
	int			len;
	MemoryContext old;

	if (cc->entry != NULL && segment_model_arg_same(fcinfo, 0, &cc->value))
		return cc->entry;
	model = PG_GETARG_BYTEA_PP(0);
	len = VARSIZE_ANY_EXHDR(model);
	if (cc->entry != NULL && cc->name_len == len &&
		memcmp(cc->name, VARDATA_ANY(model), len) == 0)
	{
		segment_model_arg_remember(fcinfo, 0, &cc->value);
		return cc->entry;
	}
	if (cc->entry != NULL)
	{
		MemoryContextDelete(cc->entry->cxt);
		cc->entry = NULL;
	}
	old = MemoryContextSwitchTo(cc->cxt);
	cc->entry = BuildEntry((const uint8 *) VARDATA_ANY(model), len, NULL, cc->cxt);
	if (cc->name != NULL)
		pfree(cc->name);
	cc->name = palloc(Max(len, 1));
	memcpy(cc->name, VARDATA_ANY(model), len);
	cc->name_len = len;
	segment_model_arg_remember(fcinfo, 0, &cc->value);
	MemoryContextSwitchTo(old);
	return cc->entry;
}

PredictEntry *
predict_entry_by_name(FunctionCallInfo fcinfo)
{
	return EntryByName(fcinfo);
}

PredictEntry *
predict_entry_by_bytes(FunctionCallInfo fcinfo)
{
	return EntryByBytes(fcinfo);
}

const SegPredictor *
predict_entry_predictor(const PredictEntry *e)
{
	return &e->pred;
}

const char *
predict_entry_name(const PredictEntry *e)
{
	return e->name;
}

double *
predict_entry_scores(PredictEntry *e)
{
	return e->scores;
}

double *
predict_entry_scratch(PredictEntry *e)
{
	return e->scratch;
}

static const double *EncodeRow(PredictEntry *e, HeapTupleHeader row);

const double *
predict_entry_encode(PredictEntry *e, HeapTupleHeader row)
{
	return EncodeRow(e, row);
}

/*
 * ERROR for an embedding (PCA, autoencoder): it maps rows to codes, and
 * has neither classes nor a value.
 */
static void
RefuseEmbedding(const PredictEntry *e)
{
	if (unlikely(embedding_kind(e->pred.kind)))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 e->name != NULL ?
				 errmsg("model \"%s\" is an embedding (%s): it maps rows to codes and predicts nothing",
						e->name, model_kind_name(e->pred.kind)) :
				 errmsg("the model is an embedding (%s): it maps rows to codes and predicts nothing",
						model_kind_name(e->pred.kind)),
				 errhint("Use segment.project(model, row) for a row's code.")));
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

/* The row in the model's input form (the encoder's buffer). */
static const double *
EncodeRow(PredictEntry *e, HeapTupleHeader row)
{
	if (e->encoder == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 e->name != NULL ?
				 errmsg("model \"%s\" takes a feature array, not a row", e->name) :
				 errmsg("the model takes a feature array, not a row"),
				 errhint("It was trained on feature arrays; call segment_predict(model, features float8[]).")));
	return record_encoder_encode(e->encoder, row);
}

static int
PredictRow(PredictEntry *e, HeapTupleHeader row)
{
	const double *features;
	int			label;

	RefuseEmbedding(e);
	features = EncodeRow(e, row);
	label = e->pred.predict_row(e->pred.estimator, features, e->scores, e->scratch);
	CheckScore(e, label);
	return label;
}

static int
PredictFeatures(PredictEntry *e, ArrayType *features)
{
	int			n;
	double	   *x;
	int			label;

	RefuseEmbedding(e);
	/* a model of the RAW form reads NaN as a missing value */
	x = segment_float8_array_missing(features, "feature array", e->pred.n_features,
									 e->pred.input == SEG_INPUT_RAW, &n);
	label = e->pred.predict_row(e->pred.estimator, x, e->scores, e->scratch);

	CheckScore(e, label);
	return label;
}

/* The class's text, or a regressor's value as text. */
static Datum
ClassText(PredictEntry *e, int label)
{
	if (e->pred.kind == SEG_MODEL_REGRESSOR)
		return PointerGetDatum(cstring_to_text(float8out_internal(e->scores[0])));
	return PointerGetDatum(cstring_to_text(e->pred.class_names[label]));
}

/* A regressor's value; ERROR for models that predict classes. */
static Datum
PredictedValue(PredictEntry *e)
{
	if (e->pred.kind != SEG_MODEL_REGRESSOR)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 e->name != NULL ?
				 errmsg("model \"%s\" is a %s model, not a regressor", e->name,
						model_kind_name(e->pred.kind)) :
				 errmsg("the model is a %s model, not a regressor", model_kind_name(e->pred.kind)),
				 errhint("segment_predict_value returns a regressor's number; use segment_predict or segment_predict_proba for classes.")));
	return Float8GetDatum(e->scores[0]);
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

/* segment_predict_value(model text, row record) -> float8 */
Datum
segment_predict_value_name_row(PG_FUNCTION_ARGS)
{
	PredictEntry *e = EntryByName(fcinfo);

	(void) PredictRow(e, PG_GETARG_HEAPTUPLEHEADER(1));
	return PredictedValue(e);
}

/* segment_predict_value(model text, features float8[]) -> float8 */
Datum
segment_predict_value_name_features(PG_FUNCTION_ARGS)
{
	PredictEntry *e = EntryByName(fcinfo);

	(void) PredictFeatures(e, PG_GETARG_ARRAYTYPE_P(1));
	return PredictedValue(e);
}

/* segment_predict_value(model bytea, row record) -> float8 */
Datum
segment_predict_value_bytes_row(PG_FUNCTION_ARGS)
{
	PredictEntry *e = EntryByBytes(fcinfo);

	(void) PredictRow(e, PG_GETARG_HEAPTUPLEHEADER(1));
	return PredictedValue(e);
}

/* segment_predict_value(model bytea, features float8[]) -> float8 */
Datum
segment_predict_value_bytes_features(PG_FUNCTION_ARGS)
{
	PredictEntry *e = EntryByBytes(fcinfo);

	(void) PredictFeatures(e, PG_GETARG_ARRAYTYPE_P(1));
	return PredictedValue(e);
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

	RefuseEmbedding(e);
	if (e->pred.kind == SEG_MODEL_REGRESSOR)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a regressor: it predicts a value, not classes", e->name),
				 errhint("Use segment_predict_value(model, row).")));
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

/* A persona text as a text datum in cxt, checked against the database's encoding. */
static Datum
PersonaText(const char *s, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum		d;

	/* model bytes come from the caller: their labels must be valid text */
	(void) pg_verify_mbstr(GetDatabaseEncoding(), s, strlen(s), false);
	d = PointerGetDatum(cstring_to_text(s));
	MemoryContextSwitchTo(old);
	return d;
}

/*
 * The entry's personas as text, made once: the stored ones, or for a
 * 0.1.0 model the labels its centroids give.
 */
static void
PersonaTexts(PredictEntry *e)
{
	const KMeansModel *m = e->pred.estimator;

	if (e->persona_labels != NULL)
		return;
	e->persona_labels = MemoryContextAlloc(e->cxt, sizeof(Datum) * m->k);
	e->persona_actions = MemoryContextAllocZero(e->cxt, sizeof(Datum) * m->k);
	for (int j = 0; j < m->k; j++)
	{
		if (m->personas != NULL)
		{
			e->persona_labels[j] = PersonaText(m->personas[j].label, e->cxt);
			if (m->personas[j].action != NULL)
				e->persona_actions[j] = PersonaText(m->personas[j].action, e->cxt);
		}
		else
			e->persona_labels[j] = PersonaText(kmeans_cluster_label(m, j), e->cxt);
	}
}

/* The (cluster, label, action) of a row. */
static Datum
Persona(FunctionCallInfo fcinfo, PredictEntry *e)
{
	CallCache  *cc = GetCallCache(fcinfo);
	const KMeansModel *m;
	int			j;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (e->pred.kind != SEG_MODEL_KMEANS)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 e->name != NULL ?
				 errmsg("model \"%s\" is a %s model, not a k-means model", e->name,
						model_kind_name(e->pred.kind)) :
				 errmsg("the model is a %s model, not a k-means model",
						model_kind_name(e->pred.kind)),
				 errhint("segment.persona describes the clusters of kmeans_fit's models; segment_predict gives a classifier's class.")));
	j = PredictRow(e, PG_GETARG_HEAPTUPLEHEADER(1));
	m = e->pred.estimator;
	PersonaTexts(e);
	if (cc->result_desc == NULL)
	{
		TupleDesc	desc;
		MemoryContext old;

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "segment.persona must return a composite");
		old = MemoryContextSwitchTo(cc->cxt);
		cc->result_desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old);
	}
	values[0] = Int32GetDatum((int32) m->numbers[j]);
	values[1] = e->persona_labels[j];
	values[2] = e->persona_actions[j];
	nulls[2] = e->persona_actions[j] == (Datum) 0;
	return HeapTupleGetDatum(heap_form_tuple(cc->result_desc, values, nulls));
}

/* segment.persona(model text, row record) -> (cluster, label, action) */
Datum
segment_persona_name_row(PG_FUNCTION_ARGS)
{
	return Persona(fcinfo, EntryByName(fcinfo));
}

/* segment.persona(model bytea, row record) -> (cluster, label, action) */
Datum
segment_persona_bytes_row(PG_FUNCTION_ARGS)
{
	return Persona(fcinfo, EntryByBytes(fcinfo));
}
