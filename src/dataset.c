/*-------------------------------------------------------------------------
 *
 * dataset.c
 *	  One scan of (relation, columns) into a dense float8 frame.
 *
 * The scan is `SELECT "c1", "c2", ... FROM "schema"."rel"` run through
 * SPI with a DestReceiver of our own, so rows stream straight into the
 * growing matrix without a tuplestore in between.  Identifiers come from
 * the catalogs and are quoted with quote_identifier, so a column named
 * `a"; drop table x; --` is just a column.
 *
 * IDENTIFICATION
 *	  src/dataset.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/genam.h"
#include "access/relation.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/typcache.h"

#include "dataset.h"
#include "pg_args.h"
#include "pg_core.h"
#include "row_hash.h"
#include "row_order.h"

typedef struct CategoryEntry
{
	char	   *key;			/* must be first: the hash key */
	int			code;			/* first-seen order, until sorted */
} CategoryEntry;

typedef struct ColumnLoader
{
	Oid			typid;
	Oid			output_func;	/* label columns: the type's output */
	HTAB	   *categories;		/* categorical columns */
	int			n_categories;
	char	  **first_seen;		/* code -> string, in first-seen order */
	int			first_seen_cap;
	double	   *numeric_key;	/* label of a numeric type: its value */
	/* label of an integer type: the codes of the first values seen, by value */
	bool		integer_label;
	int			n_known;
	int64		known_value[16];
	int			known_code[16];
} ColumnLoader;

typedef struct FrameReceiver
{
	DestReceiver pub;
	SegFrame   *frame;
	ColumnLoader *loaders;
	int			label_index;
	size_t		capacity_rows;
	MemoryContext cxt;
	/* key hashing (dataset_load_keyed); n_key 0 when off */
	int			n_key;
	int		   *key_attr;		/* position of each key column in the scan */
	RowHasher	hasher;
	Datum	   *key_values;
	bool	   *key_nulls;
	uint64	   *row_hash;		/* capacity_rows entries */
	bool		hash_after_scan;	/* float8 key columns among the loaded ones:
									 * hashed from the frame after the scan */
	/* dataset_load_filtered's: NULL keeps every row */
	DatasetRowFilter filter;
	void	   *filter_arg;
} FrameReceiver;

int
dataset_column_kind(Oid typid, bool *is_integer)
{
	*is_integer = false;
	switch (getBaseType(typid))
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			*is_integer = true;
			return SEG_COL_NUMERIC;
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			return SEG_COL_NUMERIC;
		case BOOLOID:
			return SEG_COL_BOOLEAN;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			return SEG_COL_CATEGORICAL;
		default:
			return -1;
	}
}

double
dataset_datum_to_double(Datum value, Oid base_typid)
{
	switch (base_typid)
	{
		case INT2OID:
			return (double) DatumGetInt16(value);
		case INT4OID:
			return (double) DatumGetInt32(value);
		case INT8OID:
			return (double) DatumGetInt64(value);
		case FLOAT4OID:
			return (double) DatumGetFloat4(value);
		case FLOAT8OID:
			return DatumGetFloat8(value);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, value));
		case BOOLOID:
			return DatumGetBool(value) ? 1.0 : 0.0;
	}
	elog(ERROR, "type %u is not numeric", base_typid);
	return 0.0;					/* keep compiler quiet */
}

void
dataset_check_finite(double value, const char *column)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in column \"%s\"", column),
				 errhint("Filter the rows or replace NaN with NULL, which is imputed.")));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in column \"%s\"", column)));
}

/* char(n) pads with spaces that PostgreSQL itself treats as insignificant */
char *
dataset_text_value(Datum value, Oid base_typid)
{
	char	   *s = TextDatumGetCString(value);

	if (base_typid == BPCHAROID)
		s[bpchartruelen(s, strlen(s))] = '\0';
	return s;
}

Oid
dataset_column_type(Oid relid, const char *column)
{
	const char *relname = segment_relation_name(relid);
	AttrNumber	attnum = get_attnum(relid, column);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						column, relname)));
	return get_atttype(relid, attnum);
}

char **
dataset_text_array(ArrayType *array, const char *what, int *n_out)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	char	  **result;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	result = palloc(sizeof(char *) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain nulls", what)));
		result[i] = TextDatumGetCString(elems[i]);
	}
	*n_out = n;
	return result;
}

char **
dataset_default_columns(Oid relid, const char *label, char **exclude, int n_exclude,
						int *n_out)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	char	  **names = palloc(sizeof(char *) * (desc->natts > 0 ? desc->natts : 1));
	int			n = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *name = NameStr(att->attname);
		bool		skip = att->attisdropped || (label != NULL && strcmp(name, label) == 0);

		for (int e = 0; e < n_exclude && !skip; e++)
			skip = strcmp(name, exclude[e]) == 0;
		if (!skip)
			names[n++] = pstrdup(name);
	}
	relation_close(rel, AccessShareLock);
	*n_out = n;
	return names;
}

/* ---- category dictionaries ------------------------------------------- */

static uint32
CategoryHash(const void *key, Size keysize pg_attribute_unused())
{
	const char *s = *(const char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
CategoryMatch(const void *key1, const void *key2, Size keysize pg_attribute_unused())
{
	return strcmp(*(const char *const *) key1, *(const char *const *) key2);
}

static int
CategoryCode(ColumnLoader *loader, char *value, double numeric_key)
{
	CategoryEntry *entry;
	bool		found;

	entry = hash_search(loader->categories, &value, HASH_ENTER, &found);
	if (found)
	{
		pfree(value);
		return entry->code;
	}
	entry->key = value;
	entry->code = loader->n_categories;
	if (loader->n_categories == loader->first_seen_cap)
	{
		loader->first_seen_cap *= 2;
		loader->first_seen = repalloc(loader->first_seen,
									  sizeof(char *) * loader->first_seen_cap);
		if (loader->numeric_key != NULL)
			loader->numeric_key = repalloc(loader->numeric_key,
										   sizeof(double) * loader->first_seen_cap);
	}
	loader->first_seen[loader->n_categories] = value;
	if (loader->numeric_key != NULL)
		loader->numeric_key[loader->n_categories] = numeric_key;
	return loader->n_categories++;
}

/*
 * The code of a label value.  Labels are categories named by their text;
 * an integer label's text is a function of its value, so the codes of the
 * first few integers seen are kept by value, sparing a text conversion
 * and a hash lookup per row.
 */
static int
LabelCode(ColumnLoader *loader, Datum value)
{
	double		key = 0.0;
	int64		v = 0;
	int			code;

	if (loader->integer_label)
	{
		v = loader->typid == INT2OID ? DatumGetInt16(value) :
			loader->typid == INT4OID ? DatumGetInt32(value) : DatumGetInt64(value);
		for (int i = 0; i < loader->n_known; i++)
			if (loader->known_value[i] == v)
				return loader->known_code[i];
	}
	if (loader->numeric_key != NULL)
		key = dataset_datum_to_double(value, loader->typid);
	code = CategoryCode(loader, OidOutputFunctionCall(loader->output_func, value), key);
	if (loader->integer_label && loader->n_known < (int) lengthof(loader->known_value))
	{
		loader->known_value[loader->n_known] = v;
		loader->known_code[loader->n_known++] = code;
	}
	return code;
}

/* ---- the receiver ---------------------------------------------------- */

/*
 * Rows to allocate before the scan: the planner's row estimate of a table
 * (a little over, for rows added since the last ANALYZE), so that a large
 * load does not copy itself while it doubles, or 1024 when unknown;
 * at most what the call's memory budget has left.
 */
static size_t
InitialCapacity(Oid relid, int n_columns)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	double		estimate = rel->rd_rel->reltuples * 1.1 + 1024.0;
	double		limit_rows = (double) segment_memory_available() / (sizeof(double) * n_columns);

	relation_close(rel, AccessShareLock);
	if (!(estimate > 1024.0))
		estimate = 1024.0;
	return (size_t) Max(1.0, Min(estimate, limit_rows));
}

/*
 * Doubles the frame's rows, or takes what the call's memory budget has
 * left (core_alloc_pg.c); the budget's ERROR when not one more row fits.
 * Rows are counted in an int, so one call loads at most INT_MAX of them.
 */
static void
GrowFrame(FrameReceiver *r)
{
	SegFrame   *f = r->frame;
	size_t		row_bytes = sizeof(double) * f->n_cols;
	/* a row's cells and, when keyed, its hash */
	size_t		room = segment_memory_available() /
		(row_bytes + (r->row_hash != NULL ? sizeof(uint64) : 0));
	size_t		new_rows = r->capacity_rows * 2;

	if (new_rows - r->capacity_rows > room)
		new_rows = r->capacity_rows + room;
	if (new_rows > (size_t) INT_MAX)
		new_rows = INT_MAX;
	if (new_rows == r->capacity_rows && r->capacity_rows == (size_t) INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("relation has more than %d rows, the most one call loads", INT_MAX),
				 errhint("Work on a sample, or fit k-means with streaming => true.")));
	if (new_rows == r->capacity_rows)
		segment_budget_check(row_bytes);
	f->values = repalloc_huge(f->values, mul_size(new_rows, row_bytes));
	if (r->row_hash != NULL)
		r->row_hash = repalloc_huge(r->row_hash, mul_size(new_rows, sizeof(uint64)));
	r->capacity_rows = new_rows;
}

/* dataset_load_filtered's filter on the row just read (its hash at the frame's end) */
static bool
KeepRow(FrameReceiver *r, const double *row)
{
	const char *text = NULL;

	if (r->label_index >= 0 && !SEG_IS_MISSING(row[r->label_index]))
		text = r->loaders[r->label_index].first_seen[(int) row[r->label_index]];
	return r->filter(r->filter_arg, r->n_key > 0 ? r->row_hash[r->frame->n_rows] : 0, row, text);
}

static bool
ReceiveRow(TupleTableSlot *slot, DestReceiver *self)
{
	FrameReceiver *r = (FrameReceiver *) self;
	SegFrame   *f = r->frame;
	MemoryContext old = MemoryContextSwitchTo(r->cxt);
	double	   *row;

	if ((size_t) f->n_rows == r->capacity_rows)
		GrowFrame(r);
	row = f->values + (size_t) f->n_rows * f->n_cols;
	slot_getallattrs(slot);
	for (int j = 0; j < f->n_cols; j++)
	{
		ColumnLoader *loader = &r->loaders[j];
		Datum		value = slot->tts_values[j];

		if (slot->tts_isnull[j])
		{
			row[j] = NAN;
			continue;
		}
		if (j == r->label_index)
			row[j] = LabelCode(loader, value);
		else if (f->columns[j].kind == SEG_COL_CATEGORICAL)
			row[j] = CategoryCode(loader, dataset_text_value(value, loader->typid), 0.0);
		else
		{
			/* the common case without a call per cell */
			double		v = loader->typid == FLOAT8OID ? DatumGetFloat8(value) :
				dataset_datum_to_double(value, loader->typid);

			if (unlikely(!isfinite(v)))
				dataset_check_finite(v, f->columns[j].name);
			row[j] = v;
		}
	}
	if (r->n_key > 0 && !r->hash_after_scan)
	{
		for (int k = 0; k < r->n_key; k++)
		{
			r->key_values[k] = slot->tts_values[r->key_attr[k]];
			r->key_nulls[k] = slot->tts_isnull[r->key_attr[k]];
		}
		r->row_hash[f->n_rows] = row_hasher_hash(&r->hasher, r->key_values, r->key_nulls);
	}
	/* a row the filter drops is not counted: the next one overwrites its cells */
	if (r->filter == NULL || KeepRow(r, row))
		f->n_rows++;
	MemoryContextSwitchTo(old);
	return true;
}

static void
ReceiverStartup(DestReceiver *self pg_attribute_unused(), int operation pg_attribute_unused(),
				TupleDesc typeinfo pg_attribute_unused())
{
}

static void
ReceiverShutdown(DestReceiver *self pg_attribute_unused())
{
}

static void
ReceiverDestroy(DestReceiver *self pg_attribute_unused())
{
}

/* ---- sorting the vocabularies ----------------------------------------- */

typedef struct SortItem
{
	const char *text;
	double		numeric_key;
	int			code;
} SortItem;

static int
CompareText(const void *a, const void *b)
{
	return strcmp(((const SortItem *) a)->text, ((const SortItem *) b)->text);
}

static int
CompareNumeric(const void *a, const void *b)
{
	double		x = ((const SortItem *) a)->numeric_key;
	double		y = ((const SortItem *) b)->numeric_key;

	if (x != y)
		return x < y ? -1 : 1;
	return CompareText(a, b);
}

/* Sorts a column's vocabulary and renumbers its cells to match. */
static void
FinishCategories(SegFrame *f, int j, ColumnLoader *loader)
{
	int			n = loader->n_categories;
	SortItem   *items = palloc(sizeof(SortItem) * (n > 0 ? n : 1));
	int		   *new_code = palloc(sizeof(int) * (n > 0 ? n : 1));
	SegColumn  *col = &f->columns[j];

	for (int k = 0; k < n; k++)
	{
		items[k].text = loader->first_seen[k];
		items[k].numeric_key = loader->numeric_key ? loader->numeric_key[k] : 0.0;
		items[k].code = k;
	}
	qsort(items, n, sizeof(SortItem), loader->numeric_key ? CompareNumeric : CompareText);
	col->n_categories = n;
	col->categories = palloc(sizeof(char *) * (n > 0 ? n : 1));
	for (int k = 0; k < n; k++)
	{
		col->categories[k] = (char *) items[k].text;
		new_code[items[k].code] = k;
	}
	for (int i = 0; i < f->n_rows; i++)
	{
		double	   *cell = &FRAME_CELL(f, i, j);

		if (!SEG_IS_MISSING(*cell))
			*cell = new_code[(int) *cell];
	}
	pfree(items);
	pfree(new_code);
	hash_destroy(loader->categories);
}

/* Two rows' values in canonical order (row_order.h): NULL first, then by value. */
static int
CompareRowValues(int i, int j, void *arg)
{
	const SegFrame *frame = arg;
	const double *ri = &FRAME_CELL(frame, i, 0);
	const double *rj = &FRAME_CELL(frame, j, 0);

	for (int c = 0; c < frame->n_cols; c++)
	{
		if (isnan(ri[c]) != isnan(rj[c]))
			return isnan(ri[c]) ? -1 : 1;
		if (!isnan(ri[c]) && ri[c] != rj[c])
			return ri[c] < rj[c] ? -1 : 1;
	}
	return 0;
}

void
dataset_canonical_order(const SegFrame *frame, const uint64 *hashes, int *rows, int n)
{
	row_order_sort(hashes, rows, n, CompareRowValues, (void *) frame);
}

/* how many rows ahead the canonical copy prefetches */
#define ROW_PREFETCH_AHEAD 16

SegFrame *
dataset_load_canonical(Oid relid, char **columns, int n_columns, int label_index)
{
	DatasetKey	key = {NULL, 0};
	uint64	   *hashes;
	SegFrame   *frame = dataset_load_keyed(relid, columns, n_columns, label_index, &key,
										   &hashes);
	int		   *rows = palloc(sizeof(int) * Max(frame->n_rows, 1));
	double	   *values;

	for (int i = 0; i < frame->n_rows; i++)
		rows[i] = i;
	dataset_canonical_order(frame, hashes, rows, frame->n_rows);
	/* seg_alloc: a large copy is asked for huge pages, which halves its page faults */
	values = seg_alloc(sizeof(double) * (size_t) frame->n_rows * frame->n_cols);
	for (int i = 0; i < frame->n_rows; i++)
	{
		/* the rows are read in hash order, at random: ask for later ones early */
		if (i + ROW_PREFETCH_AHEAD < frame->n_rows)
			__builtin_prefetch(&FRAME_CELL(frame, rows[i + ROW_PREFETCH_AHEAD], 0));
		memcpy(values + (size_t) i * frame->n_cols, &FRAME_CELL(frame, rows[i], 0),
			   sizeof(double) * frame->n_cols);
	}
	pfree(frame->values);
	frame->values = values;
	pfree(rows);
	pfree(hashes);
	return frame;
}

SegFrame *
dataset_load(Oid relid, char **columns, int n_columns, int label_index)
{
	return dataset_load_keyed(relid, columns, n_columns, label_index, NULL, NULL);
}

void
dataset_split_key(Oid relid, ArrayType *key, DatasetKey *out, const char **source)
{
	char	  **all;
	int			n_all;

	if (key != NULL)
	{
		out->columns = dataset_text_array(key, "key", &out->n_columns);
		if (out->n_columns == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key must name at least one column")));
		*source = "key argument";
		return;
	}
	out->columns = dataset_primary_key(relid, &out->n_columns);
	if (out->n_columns > 0)
	{
		*source = "primary key";
		return;
	}
	all = dataset_default_columns(relid, NULL, NULL, 0, &n_all);
	out->columns = palloc(sizeof(char *) * Max(n_all, 1));
	out->n_columns = 0;
	for (int j = 0; j < n_all; j++)
	{
		TypeCacheEntry *t = lookup_type_cache(dataset_column_type(relid, all[j]),
											  TYPECACHE_HASH_EXTENDED_PROC);

		if (OidIsValid(t->hash_extended_proc))
			out->columns[out->n_columns++] = all[j];
	}
	*source = "every column";
}

char	  **
dataset_primary_key(Oid relid, int *n_out)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	Oid			pk = RelationGetPrimaryKeyIndex(rel);
	char	  **names = NULL;

	*n_out = 0;
	if (OidIsValid(pk))
	{
		Relation	index = index_open(pk, AccessShareLock);
		int			n = index->rd_index->indnkeyatts;

		names = palloc(sizeof(char *) * n);
		for (int k = 0; k < n; k++)
			names[k] = get_attname(relid, index->rd_index->indkey.values[k], false);
		*n_out = n;
		index_close(index, AccessShareLock);
	}
	relation_close(rel, AccessShareLock);
	return names;
}

/* Sets up hashing of the key columns: the loaded ones, or extra ones appended to the scan. */
static void
PrepareKey(FrameReceiver *r, Oid relid, char **columns, int n_columns, const DatasetKey *key,
		   StringInfo sql)
{
	int			n = key->columns != NULL ? key->n_columns : n_columns;
	char	  **names = key->columns != NULL ? key->columns : columns;
	Oid		   *types = palloc(sizeof(Oid) * Max(n, 1));
	Oid		   *collations = palloc(sizeof(Oid) * Max(n, 1));
	int			extra = 0;

	r->n_key = n;
	r->key_attr = palloc(sizeof(int) * Max(n, 1));
	r->key_values = palloc(sizeof(Datum) * Max(n, 1));
	r->key_nulls = palloc(sizeof(bool) * Max(n, 1));
	for (int k = 0; k < n; k++)
	{
		AttrNumber	attnum;
		int			found = -1;

		int32		typmod;

		(void) dataset_column_type(relid, names[k]);	/* ERROR when unknown */
		attnum = get_attnum(relid, names[k]);
		get_atttypetypmodcoll(relid, attnum, &types[k], &typmod, &collations[k]);
		for (int j = 0; j < k; j++)
			if (strcmp(names[j], names[k]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("key column \"%s\" is listed twice", names[k])));
		for (int j = 0; j < n_columns && found < 0; j++)
			if (strcmp(columns[j], names[k]) == 0)
				found = j;
		if (found < 0)
		{
			found = n_columns + extra++;
			appendStringInfo(sql, ", %s", quote_identifier(names[k]));
		}
		r->key_attr[k] = found;
	}
	row_hasher_init(&r->hasher, n, types, collations, names);
	/* a frame cell keeps a float8 value exactly, and NaN only for NULL */
	r->hash_after_scan = r->filter == NULL && row_hasher_all_float8(&r->hasher);
	for (int k = 0; k < n && r->hash_after_scan; k++)
		r->hash_after_scan = r->key_attr[k] < n_columns && r->key_attr[k] != r->label_index &&
			r->loaders[r->key_attr[k]].typid == FLOAT8OID;
}

SegFrame *
dataset_load_keyed(Oid relid, char **columns, int n_columns, int label_index,
				   const DatasetKey *key, uint64 **row_hash)
{
	return dataset_load_filtered(relid, columns, n_columns, label_index, key, NULL, NULL,
								 row_hash);
}

SegFrame *
dataset_load_filtered(Oid relid, char **columns, int n_columns, int label_index,
					  const DatasetKey *key, DatasetRowFilter filter, void *filter_arg,
					  uint64 **row_hash)
{
	SegFrame   *f = palloc0(sizeof(SegFrame));
	FrameReceiver receiver;
	StringInfoData sql;
	SPIExecuteOptions options;
	char	   *relname;
	int			ret;
	int			save_nestlevel;
	bool		own_budget;

	if (n_columns < 1)
		elog(ERROR, "dataset_load called without columns");
	relname = segment_readable_relation(relid);
	/* the frame counts against the caller's memory budget, or its own */
	own_budget = !segment_budget_active();
	if (own_budget)
		segment_budget_begin(CurrentMemoryContext, "loading a relation");

	memset(&receiver, 0, sizeof(receiver));
	f->n_cols = n_columns;
	f->columns = palloc0(sizeof(SegColumn) * n_columns);
	receiver.loaders = palloc0(sizeof(ColumnLoader) * n_columns);
	receiver.label_index = label_index;
	receiver.filter = filter;
	receiver.filter_arg = filter_arg;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (int j = 0; j < n_columns; j++)
	{
		ColumnLoader *loader = &receiver.loaders[j];
		SegColumn  *col = &f->columns[j];
		int			kind;
		bool		is_varlena;

		for (int k = 0; k < j; k++)
			if (strcmp(columns[k], columns[j]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column \"%s\" is listed more than once", columns[j])));
		loader->typid = getBaseType(dataset_column_type(relid, columns[j]));
		col->name = pstrdup(columns[j]);
		kind = dataset_column_kind(loader->typid, &col->is_integer);
		if (j == label_index)
		{
			kind = SEG_COL_CATEGORICAL;
			getTypeOutputInfo(loader->typid, &loader->output_func, &is_varlena);
			if (dataset_column_kind(loader->typid, &col->is_integer) == SEG_COL_NUMERIC)
				loader->numeric_key = palloc(sizeof(double) * 16);
			loader->integer_label = loader->typid == INT2OID || loader->typid == INT4OID ||
				loader->typid == INT8OID;
		}
		else if (kind < 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" has unsupported type %s", columns[j],
							format_type_be(loader->typid)),
					 errhint("Feature columns must be numeric (smallint, integer, bigint, real, double precision, numeric), boolean or text (text, varchar, char); cast or exclude the column.")));
		col->kind = (SegColumnKind) kind;
		if (kind == SEG_COL_CATEGORICAL)
		{
			HASHCTL		ctl;

			ctl.keysize = sizeof(char *);
			ctl.entrysize = sizeof(CategoryEntry);
			ctl.hash = CategoryHash;
			ctl.match = CategoryMatch;
			ctl.hcxt = CurrentMemoryContext;
			loader->categories = hash_create("segment categories", 64, &ctl,
											 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
			loader->first_seen_cap = 16;
			loader->first_seen = palloc(sizeof(char *) * loader->first_seen_cap);
		}
		appendStringInfo(&sql, "%s%s", j > 0 ? ", " : "", quote_identifier(columns[j]));
	}
	if (key != NULL)
		PrepareKey(&receiver, relid, columns, n_columns, key, &sql);
	appendStringInfo(&sql, " FROM %s",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												relname));

	receiver.pub.receiveSlot = ReceiveRow;
	receiver.pub.rStartup = ReceiverStartup;
	receiver.pub.rShutdown = ReceiverShutdown;
	receiver.pub.rDestroy = ReceiverDestroy;
	receiver.pub.mydest = DestNone;
	receiver.frame = f;
	receiver.cxt = CurrentMemoryContext;
	/* a filtered load keeps an unknown share of the rows: it grows from a small frame */
	receiver.capacity_rows = filter != NULL ? Min(InitialCapacity(relid, n_columns), 1024) :
		InitialCapacity(relid, n_columns);
	f->values = seg_alloc(mul_size(mul_size(receiver.capacity_rows, n_columns), sizeof(double)));
	if (key != NULL)
		receiver.row_hash = seg_alloc(mul_size(receiver.capacity_rows, sizeof(uint64)));

	/*
	 * Rows arrive in physical order, which the splits and samples of the
	 * training functions depend on: no parallel workers (whose rows
	 * interleave at random) and no synchronized scan (which may start in
	 * the middle of a large table), as SET LOCAL would for this statement.
	 */
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("max_parallel_workers_per_gather", "0", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("synchronize_seqscans", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	/* the text names the relation qualified; nothing else may resolve by the caller's path */
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	memset(&options, 0, sizeof(options));
	options.read_only = false;
	options.dest = &receiver.pub;
	ret = SPI_execute_extended(sql.data, &options);
	/* SPI reports a SELECT into a DestNone receiver as a utility command */
	if (ret != SPI_OK_SELECT && ret != SPI_OK_UTILITY)
		elog(ERROR, "SPI_execute_extended returned %s", SPI_result_code_string(ret));
	SPI_finish();
	AtEOXact_GUC(true, save_nestlevel);

	if (receiver.hash_after_scan)
		row_hasher_hash_doubles(&receiver.hasher, f->values, f->n_rows, n_columns,
								receiver.key_attr, receiver.row_hash);
	for (int j = 0; j < n_columns; j++)
		if (f->columns[j].kind == SEG_COL_CATEGORICAL)
			FinishCategories(f, j, &receiver.loaders[j]);
	if (row_hash != NULL)
		*row_hash = receiver.row_hash;
	if (own_budget)
		segment_budget_end();
	return f;
}
