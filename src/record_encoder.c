/*-------------------------------------------------------------------------
 *
 * record_encoder.c
 *	  Row (composite datum) -> encoded features, columns found by name.
 *
 * IDENTIFICATION
 *	  src/record_encoder.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "dataset.h"
#include "pg_args.h"
#include "record_encoder.h"

RecordEncoder *
record_encoder_create(SegPreprocessor *prep, SegInputForm form)
{
	RecordEncoder *e = palloc0(sizeof(RecordEncoder));

	e->prep = prep;
	e->cxt = CurrentMemoryContext;
	e->tup_identifier = 0;
	e->attr_index = palloc(sizeof(int) * prep->n_columns);
	e->base_types = palloc(sizeof(Oid) * prep->n_columns);
	e->raw = palloc(sizeof(double) * prep->n_columns);
	e->form = form;
	e->out = palloc(sizeof(double) * Max(prep_width(prep, form), 1));
	return e;
}

/* Maps the preprocessor's columns onto the attributes of a row type. */
static void
BuildColumnMap(RecordEncoder *e, TupleDesc desc, uint64 tup_identifier)
{
	MemoryContext old = MemoryContextSwitchTo(e->cxt);

	if (e->values != NULL)
	{
		pfree(e->values);
		pfree(e->nulls);
	}
	e->natts = desc->natts;
	e->values = palloc(sizeof(Datum) * (desc->natts > 0 ? desc->natts : 1));
	e->nulls = palloc(sizeof(bool) * (desc->natts > 0 ? desc->natts : 1));
	MemoryContextSwitchTo(old);

	for (int j = 0; j < e->prep->n_columns; j++)
	{
		const SegPrepColumn *c = &e->prep->columns[j];
		int			found = -1;

		for (int a = 0; a < desc->natts && found < 0; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), c->name) == 0)
				found = a;
		}
		if (found < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("row has no column \"%s\", which the model uses", c->name),
					 errhint("Pass a row with every column the model was trained on; extra columns are ignored.")));
		e->attr_index[j] = found;
		e->base_types[j] = getBaseType(TupleDescAttr(desc, found)->atttypid);
		segment_check_column_kind(c->name, TupleDescAttr(desc, found)->atttypid, c->kind);
	}
	e->tup_identifier = tup_identifier;
}

double *
record_encoder_encode(RecordEncoder *e, HeapTupleHeader row)
{
	Oid			tup_type = HeapTupleHeaderGetTypeId(row);
	int32		tup_typmod = HeapTupleHeaderGetTypMod(row);
	HeapTupleData tuple;
	TupleDesc	desc;
	uint64		tup_identifier;

	/*
	 * The map is keyed by the row type's identifier, not its OID: ALTER
	 * TABLE keeps a table's row type OID but changes its identifier, and a
	 * map built before an ALTER COLUMN ... TYPE would read a value of the
	 * new type as one of the old.
	 */
	desc = lookup_rowtype_tupdesc(tup_type, tup_typmod);
	tup_identifier = assign_record_type_identifier(tup_type, tup_typmod);
	if (tup_identifier != e->tup_identifier)
	{
		/* no map until this one is complete (an ERROR leaves none) */
		e->tup_identifier = 0;
		BuildColumnMap(e, desc, tup_identifier);
	}

	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&(tuple.t_self));
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;
	heap_deform_tuple(&tuple, desc, e->values, e->nulls);
	ReleaseTupleDesc(desc);

	for (int j = 0; j < e->prep->n_columns; j++)
	{
		const SegPrepColumn *c = &e->prep->columns[j];
		int			a = e->attr_index[j];

		if (e->nulls[a])
			e->raw[j] = NAN;
		else if (c->kind == SEG_COL_CATEGORICAL)
		{
			text	   *t = DatumGetTextPP(e->values[a]);
			int			len = VARSIZE_ANY_EXHDR(t);
			int			k;

			if (e->base_types[j] == BPCHAROID)
				len = bpchartruelen(VARDATA_ANY(t), len);
			k = prep_category_index(c, VARDATA_ANY(t), len);

			e->raw[j] = k >= 0 ? k : PREP_UNSEEN;
			if ((Pointer) t != DatumGetPointer(e->values[a]))
				pfree(t);
		}
		else
		{
			e->raw[j] = dataset_datum_to_double(e->values[a], e->base_types[j]);
			dataset_check_finite(e->raw[j], c->name);
		}
	}
	prep_row_as(e->prep, e->raw, e->form, e->out);
	return e->out;
}
