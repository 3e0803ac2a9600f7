/*-------------------------------------------------------------------------
 *
 * synthetic_writer.c
 *	  The target table of smote_table(): CREATE TABLE AS for the original
 *	  rows, then the synthetic rows appended in batches.
 *
 * The original rows are copied by the server itself (one CREATE TABLE AS
 * through SPI, so the caller's privileges apply to the source).  The
 * synthetic rows go in with table_multi_insert(), as COPY does: the table
 * was created a moment ago in this transaction, so it has no indexes,
 * triggers, constraints or policies to maintain, which we check rather
 * than assume (an event trigger could have added some).  Everything is
 * in the caller's transaction: an ERROR at any point leaves no table.
 *
 * IDENTIFICATION
 *	  src/synthetic_writer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "synthetic_writer.h"

#define INSERT_BATCH 1000

/* What a synthetic row holds in one column of the target. */
typedef enum CellSource
{
	CELL_NULL,					/* a column that is not a feature */
	CELL_FEATURE,				/* computed value of a feature */
	CELL_LABEL,					/* the class of the row */
	CELL_SYNTHETIC_FLAG			/* true */
} CellSource;

typedef struct TargetColumn
{
	CellSource	source;
	int			feature;		/* index into a row of x */
	Oid			typid;			/* declared type (maybe a domain) */
	Oid			base_typid;
	int32		typmod;
	Datum	   *category_datums;	/* categorical: one datum per category */
	void	   *domain_extra;	/* domain_check() cache, in domain_cxt */
	MemoryContext domain_cxt;	/* lives as long as the writer, not a batch */
} TargetColumn;

RangeVar *
synthetic_target_name(const char *target)
{
	RangeVar   *rv = makeRangeVarFromNameList(stringToQualifiedNameList(target));

	if (OidIsValid(RangeVarGetRelid(rv, NoLock, true)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", target),
				 errhint("Choose another target name, or drop the table first.")));
	return rv;
}

static void
create_copy(Oid source_relid, RangeVar *target)
{
	StringInfoData sql;
	char	   *source_name;
	int			ret;

	if (get_attnum(source_relid, SEGMENT_SYNTHETIC_COLUMN) != InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("relation \"%s\" already has a column named \"%s\"",
						get_rel_name(source_relid), SEGMENT_SYNTHETIC_COLUMN),
				 errhint("The target adds a column \"%s\"; rename the source's column, or pass a view without it.",
						 SEGMENT_SYNTHETIC_COLUMN)));
	source_name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(source_relid)),
											 get_rel_name(source_relid));
	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TABLE %s AS SELECT s.*, false AS %s FROM %s s",
					 quote_qualified_identifier(target->schemaname, target->relname),
					 SEGMENT_SYNTHETIC_COLUMN, source_name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute(sql.data, false, 0);
	if (ret != SPI_OK_UTILITY)
		elog(ERROR, "CREATE TABLE AS returned %s", SPI_result_code_string(ret));
	SPI_finish();
}

/* A value of the label's or a categorical column's type from its text. */
static Datum
datum_from_text(const char *text, Oid typid, int32 typmod)
{
	Oid			input_func;
	Oid			typioparam;

	getTypeInputInfo(typid, &input_func, &typioparam);
	return OidInputFunctionCall(input_func, (char *) text, typioparam, typmod);
}

/* A computed numeric or boolean feature as a datum of its base type. */
static Datum
numeric_datum(double v, const TargetColumn *col)
{
	switch (col->base_typid)
	{
		case INT2OID:
			return Int16GetDatum((int16) rint(v));
		case INT4OID:
			return Int32GetDatum((int32) rint(v));
		case INT8OID:
			return Int64GetDatum((int64) rint(v));
		case FLOAT4OID:
			return Float4GetDatum((float4) v);
		case FLOAT8OID:
			return Float8GetDatum(v);
		case BOOLOID:
			return BoolGetDatum(v != 0.0);
		case NUMERICOID:
			{
				Datum		d = DirectFunctionCall1(float8_numeric, Float8GetDatum(v));

				/* respect numeric(p, s) as an INSERT would */
				if (col->typmod >= 0)
					d = DirectFunctionCall2(numeric, d, Int32GetDatum(col->typmod));
				return d;
			}
		default:
			elog(ERROR, "unexpected feature type %u", col->base_typid);
	}
	return (Datum) 0;
}

static TargetColumn *
map_columns(Relation rel, const SegFrame *frame, int label_col)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TargetColumn *cols = palloc0(sizeof(TargetColumn) * desc->natts);

	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);
		TargetColumn *col = &cols[a];
		int			feature = 0;

		col->source = CELL_NULL;
		if (att->attisdropped)
			continue;
		col->typid = att->atttypid;
		/* a domain over numeric(p, s) carries the typmod of its base type */
		col->typmod = att->atttypmod;
		col->base_typid = getBaseTypeAndTypmod(att->atttypid, &col->typmod);
		col->domain_cxt = CurrentMemoryContext;
		if (strcmp(NameStr(att->attname), SEGMENT_SYNTHETIC_COLUMN) == 0 && a == desc->natts - 1)
		{
			col->source = CELL_SYNTHETIC_FLAG;
			continue;
		}
		for (int j = 0; j < frame->n_cols; j++)
		{
			const SegColumn *fc = &frame->columns[j];

			if (strcmp(fc->name, NameStr(att->attname)) == 0)
			{
				col->source = (j == label_col) ? CELL_LABEL : CELL_FEATURE;
				col->feature = feature;
				if (j == label_col || fc->kind == SEG_COL_CATEGORICAL)
				{
					col->category_datums = palloc(sizeof(Datum) * fc->n_categories);
					for (int c = 0; c < fc->n_categories; c++)
						col->category_datums[c] = datum_from_text(fc->categories[c],
																  att->atttypid, att->atttypmod);
				}
				break;
			}
			if (j != label_col)
				feature++;
		}
	}
	return cols;
}

/* The new table must be as plain as CREATE TABLE AS makes it. */
static void
check_plain_table(Relation rel)
{
	TupleConstr *constr = RelationGetDescr(rel)->constr;

	if (RelationGetIndexList(rel) != NIL || rel->trigdesc != NULL ||
		rel->rd_rel->relrowsecurity ||
		(constr != NULL && (constr->num_check > 0 || constr->has_not_null)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" gained indexes, triggers, constraints or policies while it was created",
						RelationGetRelationName(rel)),
				 errhint("An event trigger probably altered the new table; smote_table writes only plain tables.")));
}

static void
fill_slot(TupleTableSlot *slot, TargetColumn *cols, int natts,
		  const double *row, int label)
{
	ExecClearTuple(slot);
	for (int a = 0; a < natts; a++)
	{
		TargetColumn *col = &cols[a];
		Datum		value = (Datum) 0;
		bool		isnull = false;

		switch (col->source)
		{
			case CELL_NULL:
				isnull = true;
				break;
			case CELL_SYNTHETIC_FLAG:
				value = BoolGetDatum(true);
				break;
			case CELL_LABEL:
				value = col->category_datums[label];
				break;
			case CELL_FEATURE:
				if (col->category_datums != NULL)
					value = col->category_datums[(int) row[col->feature]];
				else
				{
					value = numeric_datum(row[col->feature], col);
					/*
					 * domain_check caches its state in domain_extra; that
					 * cache must outlive the batch context reset below.
					 */
					if (col->typid != col->base_typid)
						domain_check(value, false, col->typid,
									 &col->domain_extra, col->domain_cxt);
				}
				break;
		}
		slot->tts_values[a] = value;
		slot->tts_isnull[a] = isnull;
	}
	ExecStoreVirtualTuple(slot);
}

void
synthetic_write(Oid source_relid, RangeVar *target, const SegFrame *frame,
				int label_col, const double *x, const int *labels, int n_rows)
{
	Relation	rel;
	TargetColumn *cols;
	TupleTableSlot **slots;
	BulkInsertState bistate;
	CommandId	cid;
	MemoryContext batch_cxt;
	MemoryContext old;
	int			natts;
	int			width = frame->n_cols - 1;

	create_copy(source_relid, target);
	rel = table_open(RangeVarGetRelid(target, NoLock, false), RowExclusiveLock);
	check_plain_table(rel);
	natts = RelationGetDescr(rel)->natts;
	cols = map_columns(rel, frame, label_col);

	slots = palloc(sizeof(TupleTableSlot *) * INSERT_BATCH);
	for (int b = 0; b < INSERT_BATCH; b++)
		slots[b] = table_slot_create(rel, NULL);
	bistate = GetBulkInsertState();
	cid = GetCurrentCommandId(true);
	batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "smote rows",
									  ALLOCSET_DEFAULT_SIZES);

	for (int start = 0; start < n_rows; start += INSERT_BATCH)
	{
		int			count = Min(INSERT_BATCH, n_rows - start);

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(batch_cxt);
		for (int b = 0; b < count; b++)
			fill_slot(slots[b], cols, natts, x + (size_t) (start + b) * width, labels[start + b]);
		table_multi_insert(rel, slots, count, cid, 0, bistate);
		MemoryContextSwitchTo(old);
		for (int b = 0; b < count; b++)
			ExecClearTuple(slots[b]);
		MemoryContextReset(batch_cxt);
	}

	FreeBulkInsertState(bistate);
	table_finish_bulk_insert(rel, 0);
	for (int b = 0; b < INSERT_BATCH; b++)
		ExecDropSingleTupleTableSlot(slots[b]);
	MemoryContextDelete(batch_cxt);
	table_close(rel, NoLock);
	/* make the rows visible to the rest of the statement's transaction */
	CommandCounterIncrement();
}
