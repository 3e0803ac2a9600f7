/*-------------------------------------------------------------------------
 *
 * pg_model.c
 *	  Core statuses to ereport, model bytea envelopes, float8[] arguments.
 *
 * IDENTIFICATION
 *	  src/pg_model.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/detoast.h"
#include "catalog/pg_type.h"
#include "nodes/pg_list.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "pg_core.h"
#include "supervised_model.h"

/*
 * Raises the ERROR for a failed core call.  Damaged model bytes are
 * invalid input (22P03 invalid_binary_representation, as PostgreSQL's
 * binary receive functions report bad bytes): they come from the caller,
 * not from the server's own storage.  A newer format version is an
 * unsupported feature, a model of another kind the wrong object type.
 */
void
segment_raise(SegStatus status, const char *message)
{
	switch (status)
	{
		case SEG_OK:
			return;
		case SEG_ERR_NOMEM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
			break;
		case SEG_ERR_INVALID:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s", message)));
			break;
		case SEG_ERR_CORRUPT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid segment model: %s", message)));
			break;
		case SEG_ERR_UNSUPPORTED:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s", message),
					 errhint("The model was written by a newer version of segment; update the extension.")));
			break;
		case SEG_ERR_WRONG_KIND:
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("%s", message)));
			break;
	}
	elog(ERROR, "unexpected segment status %d", (int) status);
}

bytea *
segment_writer_to_bytea(SegWriter *w)
{
	bytea	   *result;

	if (w->len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model of %zu bytes exceeds the maximum bytea size", w->len)));
	result = palloc(VARHDRSZ + w->len);
	SET_VARSIZE(result, VARHDRSZ + w->len);
	memcpy(VARDATA(result), w->data, w->len);
	return result;
}

/* Validates a model value's envelope; ERROR when it is not readable. */
void
segment_open_model(bytea *model, int expected_kind,
				   SegModelHeader *header, SegReader *payload)
{
	char		msg[SEG_ERRMSG_LEN];
	SegStatus	status;

	status = model_open((const uint8_t *) VARDATA_ANY(model), VARSIZE_ANY_EXHDR(model),
						expected_kind, header, payload, msg);
	segment_raise(status, msg);
}

SegSupervised *
segment_read_supervised(bytea *model, const char *name, const char *not_what, const char *hint)
{
	SegModelHeader header;
	SegReader	payload;
	SegSupervised *s;
	char		msg[SEG_ERRMSG_LEN];

	segment_open_model(model, 0, &header, &payload);
	if (header.kind != SEG_MODEL_CLASSIFIER && header.kind != SEG_MODEL_REGRESSOR)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a %s model, not %s", name,
						model_kind_name(header.kind), not_what),
				 hint != NULL ? errhint("%s", hint) : 0));
	segment_raise(supervised_read(header.kind, &payload, &s, msg), msg);
	return s;
}

/*
 * Returns the elements of a one-dimensional float8[] argument, rejecting
 * NULL elements, NaN and infinities.  expected_len < 0 accepts any
 * non-zero length.  `what` names the argument in messages.
 */
double *
segment_float8_array(ArrayType *array, const char *what, int expected_len, int *len_out)
{
	return segment_float8_array_missing(array, what, expected_len, false, len_out);
}

double *
segment_float8_array_missing(ArrayType *array, const char *what, int expected_len,
							 bool nan_is_missing, int *len_out)
{
	int			n;
	double	   *values;

	if (ARR_ELEMTYPE(array) != FLOAT8OID)
		elog(ERROR, "%s: expected a float8 array", what);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	if (ARR_HASNULL(array) && array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", what)));
	n = ARR_NDIM(array) == 0 ? 0 : ARR_DIMS(array)[0];
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must not be empty", what)));
	if (expected_len >= 0 && n != expected_len)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s has %d elements, expected %d", what, n, expected_len)));
	values = (double *) ARR_DATA_PTR(array);
	for (int i = 0; i < n; i++)
	{
		if (isnan(values[i]) && !nan_is_missing)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("NaN not allowed in %s", what)));
		if (isinf(values[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("infinite value not allowed in %s", what)));
	}
	*len_out = n;
	return values;
}

ArrayType *
segment_build_float8_array(const double *values, int n)
{
	Datum	   *datums = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	ArrayType  *result;

	for (int i = 0; i < n; i++)
		datums[i] = Float8GetDatum(values[i]);
	result = construct_array(datums, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
							 TYPALIGN_DOUBLE);
	pfree(datums);
	return result;
}

void
segment_require_arg(FunctionCallInfo fcinfo, int arg, const char *name)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

void
segment_model_arg_remember(FunctionCallInfo fcinfo, int arg, SegModelArgRef *ref)
{
	Node	   *expr = fcinfo->flinfo != NULL ? fcinfo->flinfo->fn_expr : NULL;
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(arg));

	memset(ref, 0, sizeof(*ref));
	if (expr != NULL && IsA(expr, FuncExpr) && arg < list_length(((FuncExpr *) expr)->args))
		ref->constant = IsA(list_nth(((FuncExpr *) expr)->args, arg), Const);
	if (VARATT_IS_EXTERNAL_ONDISK(raw))
	{
		ref->toasted = true;
		VARATT_EXTERNAL_GET_POINTER(ref->pointer, raw);
	}
}

bool
segment_model_arg_same(FunctionCallInfo fcinfo, int arg, const SegModelArgRef *ref)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(arg));
	struct varatt_external pointer;

	if (ref->constant)
		return true;
	if (!ref->toasted || !VARATT_IS_EXTERNAL_ONDISK(raw))
		return false;
	VARATT_EXTERNAL_GET_POINTER(pointer, raw);
	return memcmp(&pointer, &ref->pointer, sizeof(pointer)) == 0;
}
