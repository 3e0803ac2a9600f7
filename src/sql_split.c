/*-------------------------------------------------------------------------
 *
 * sql_split.c
 *	  segment.stratified_split(): which part (train / validation / test)
 *	  segment_train puts each row in, for comparisons on the same rows.
 *
 * segment_train splits the rows in the order its scan reads them, with
 * class indices in the order of the sorted distinct labels; given the
 * labels in that order (and text labels, sorted bytewise as the loader
 * sorts text), this returns the same parts for the same sizes and seed.
 *
 * IDENTIFICATION
 *	  src/sql_split.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

#include "dataset.h"
#include "pg_snapshot.h"
#include "registry.h"
#include "row_hash.h"
#include "stored_split.h"
#include "split.h"

PG_FUNCTION_INFO_V1(stratified_split);
PG_FUNCTION_INFO_V1(split_part);

static int
CompareStrings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* index of s in the sorted distinct names */
static int
ClassIndex(char **names, int n, const char *s)
{
	char	  **hit = bsearch(&s, names, n, sizeof(char *), CompareStrings);

	return (int) (hit - names);
}

/*
 * segment.stratified_split(labels text[], test_size float8, validation_size
 * float8, seed int) -> text[] of 'train', 'validation' or 'test' per label.
 */
Datum
stratified_split(PG_FUNCTION_ARGS)
{
	int			n;
	char	  **labels = dataset_text_array(PG_GETARG_ARRAYTYPE_P(0), "labels", &n);
	double		test_size = PG_GETARG_FLOAT8(1);
	double		validation_size = PG_GETARG_FLOAT8(2);
	int32		seed = PG_GETARG_INT32(3);
	char	  **sorted = palloc(sizeof(char *) * (n > 0 ? n : 1));
	int			n_classes = 0;
	int		   *y = palloc(sizeof(int) * (n > 0 ? n : 1));
	uint8_t    *part = palloc(n > 0 ? n : 1);
	Datum	   *out = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	static const char *const part_names[3] = {"train", "validation", "test"};
	char		msg[SEG_ERRMSG_LEN];

	memcpy(sorted, labels, sizeof(char *) * n);
	qsort(sorted, n, sizeof(char *), CompareStrings);
	for (int i = 0; i < n; i++)
		if (n_classes == 0 || strcmp(sorted[i], sorted[n_classes - 1]) != 0)
			sorted[n_classes++] = sorted[i];
	for (int i = 0; i < n; i++)
		y[i] = ClassIndex(sorted, n_classes, labels[i]);
	if (split_stratified(y, n, n_classes, test_size, validation_size, (uint64_t) seed,
						 (const char *const *) sorted, part, msg) != SEG_OK)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", msg)));
	for (int i = 0; i < n; i++)
		out[i] = CStringGetTextDatum(part_names[part[i]]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * What split_part keeps for one query in fn_extra, in a context of its
 * own.  Like the named-model cache of segment_predict, it answers what an
 * uncached call would: the spec is read again (and the read right checked
 * again) under each new snapshot, after SET ROLE and when roles,
 * memberships or grants change, so a version dropped or a right revoked is
 * seen at the next statement, and an expression kept across statements
 * (PL/pgSQL's) never reuses a spec read as another role.
 */
typedef struct SplitSpec
{
	MemoryContext cxt;
	char	   *name;			/* the model name and version asked for */
	int32		version;
	Oid			role;			/* the role it was read as, and when */
	uint64		privileges_generation;
	ConfirmedSnapshot confirmed;
	StoredSplit split;
	/* the row type the key columns were found in */
	uint64		tup_identifier;
	int		   *key_attr;
	int			label_attr;
	Oid			label_output;
	RowHasher	hasher;
	Datum	   *values;
	bool	   *nulls;
} SplitSpec;

/* Whether s is the spec asked for, read as this role under this snapshot. */
static bool
SplitSpecCurrent(const SplitSpec *s, const char *name, int32 version)
{
	return s != NULL && strcmp(s->name, name) == 0 && s->version == version &&
		s->role == GetUserId() && s->privileges_generation == registry_privileges_generation() &&
		segment_snapshot_matches(&s->confirmed, segment_read_snapshot());
}

/*
 * Reads the split of a version (-1: the deployed one) into a new context
 * under parent.  The spec names the training relation, its key and label
 * columns: reading it needs the read right, not a predict grant.
 */
static SplitSpec *
LoadSplitSpec(const char *name, int32 version, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "segment split_part", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	SplitSpec  *s = palloc0(sizeof(SplitSpec));

	s->cxt = cxt;
	s->name = pstrdup(name);
	s->version = version;
	s->role = GetUserId();
	s->privileges_generation = registry_privileges_generation();
	stored_split_read(registry_spec(name, Max(version, 0), REGISTRY_READ), name, &s->split);
	segment_snapshot_confirm(&s->confirmed, segment_read_snapshot(), cxt);
	MemoryContextSwitchTo(old);
	return s;
}

/* Finds the key and label columns in a row type. */
static void
MapRow(SplitSpec *s, TupleDesc desc, uint64 identifier, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Oid		   *types = palloc(sizeof(Oid) * Max(s->split.n_key, 1));
	Oid		   *collations = palloc(sizeof(Oid) * Max(s->split.n_key, 1));

	s->key_attr = palloc(sizeof(int) * Max(s->split.n_key, 1));
	s->values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	s->nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	s->label_attr = -1;
	for (int k = -1; k < s->split.n_key; k++)
	{
		const char *want = k < 0 ? s->split.label : s->split.key[k];
		int			found = -1;

		for (int a = 0; a < desc->natts && found < 0; a++)
			if (!TupleDescAttr(desc, a)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, a)->attname), want) == 0)
				found = a;
		if (found < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("row has no column \"%s\", which the model's split uses", want),
					 errhint("Pass a row of the training relation: the split reads its key and label columns.")));
		if (k < 0)
		{
			bool		varlena;

			s->label_attr = found;
			getTypeOutputInfo(TupleDescAttr(desc, found)->atttypid, &s->label_output, &varlena);
			continue;
		}
		s->key_attr[k] = found;
		types[k] = TupleDescAttr(desc, found)->atttypid;
		collations[k] = TupleDescAttr(desc, found)->attcollation;
	}
	row_hasher_init(&s->hasher, s->split.n_key, types, collations, s->split.key);
	s->tup_identifier = identifier;
	MemoryContextSwitchTo(old);
}

/*
 * segment.split_part(name text, row_value record, version integer) ->
 * text: the part ('train', 'validation' or 'test') segment_train gave this
 * row when it trained the version, from the row's key and label alone.
 */
Datum
split_part(PG_FUNCTION_ARGS)
{
	static const char *const part_names[3] = {"train", "validation", "test"};
	char	   *name;
	HeapTupleHeader row;
	bool		has_version = PG_NARGS() > 2 && !PG_ARGISNULL(2);
	int32		version = has_version ? PG_GETARG_INT32(2) : 0;
	SplitSpec  *s = fcinfo->flinfo->fn_extra;
	Oid			tup_type;
	int32		tup_typmod;
	TupleDesc	desc;
	uint64		identifier;
	HeapTupleData tuple;
	uint64		key_hash;
	int			stratum = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	row = PG_GETARG_HEAPTUPLEHEADER(1);
	if (!SplitSpecCurrent(s, name, has_version ? version : -1))
	{
		SplitSpec  *fresh = LoadSplitSpec(name, has_version ? version : -1,
										  fcinfo->flinfo->fn_mcxt);

		if (s != NULL)
			MemoryContextDelete(s->cxt);
		s = fresh;
		fcinfo->flinfo->fn_extra = s;
	}

	tup_type = HeapTupleHeaderGetTypeId(row);
	tup_typmod = HeapTupleHeaderGetTypMod(row);
	desc = lookup_rowtype_tupdesc(tup_type, tup_typmod);
	identifier = assign_record_type_identifier(tup_type, tup_typmod);
	if (identifier != s->tup_identifier)
	{
		s->tup_identifier = 0;
		MapRow(s, desc, identifier, s->cxt);
	}
	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;
	heap_deform_tuple(&tuple, desc, s->values, s->nulls);
	ReleaseTupleDesc(desc);

	{
		Datum	   *key_values = palloc(sizeof(Datum) * Max(s->split.n_key, 1));
		bool	   *key_nulls = palloc(sizeof(bool) * Max(s->split.n_key, 1));

		for (int k = 0; k < s->split.n_key; k++)
		{
			key_values[k] = s->values[s->key_attr[k]];
			key_nulls[k] = s->nulls[s->key_attr[k]];
		}
		key_hash = row_hasher_hash(&s->hasher, key_values, key_nulls);
	}
	if (s->split.classification)
	{
		char	   *label;

		if (s->nulls[s->label_attr])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the row's label \"%s\" is null", s->split.label)));
		label = OidOutputFunctionCall(s->label_output, s->values[s->label_attr]);
		stratum = stored_split_stratum(&s->split, label);
		if (stratum < 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("class \"%s\" was not in the training data of model \"%s\"", label,
							s->name)));
	}
	PG_RETURN_TEXT_P(cstring_to_text(part_names[split_part_of(&s->split.thresholds[stratum],
															   split_hash(key_hash, s->split.seed))]));
}
