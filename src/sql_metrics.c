/*-------------------------------------------------------------------------
 *
 * sql_metrics.c
 *	  Classification metrics as plain parallel aggregates over any query:
 *	  segment.accuracy(actual, predicted) and segment.precision / recall /
 *	  f1_score(actual, predicted, positive).
 *
 * States are float8[] counts (accuracy: {correct, rows}; the others:
 * {true positives, false positives, false negatives}) updated in place
 * when AggCheckCallContext allows, and summed by one combine function, so
 * the aggregates run in parallel workers and push down to Citus shards.
 * Values are compared with their type's default equality operator under
 * the call's collation, as GROUP BY and DISTINCT compare them: numeric
 * 1.0 equals 1, float8 -0 equals 0, citext 'A' equals 'a'.
 *
 * Each aggregate has concrete-typed forms (text, integer, bigint, numeric,
 * double precision, boolean), which PostgreSQL prefers for those types and
 * what casts to them implicitly, and an anyelement form for every other
 * type (both sides of one type).  The concrete forms' transition functions
 * know their type's equality without the call's expression: Citus runs an
 * aggregate's transition function on its workers through fmgr_info()
 * alone, where get_fn_expr_argtype() has nothing to look at, and fails on
 * aggregates over anyelement ("could not confirm type correctness").
 * There the call has no collation either (Citus passes the arguments as
 * one record): text is then compared under the database's default
 * collation.
 *
 * IDENTIFICATION
 *	  src/sql_metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/nodeFuncs.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "pg_core.h"

PG_FUNCTION_INFO_V1(metric_accuracy_accum);
PG_FUNCTION_INFO_V1(metric_binary_accum);
PG_FUNCTION_INFO_V1(metric_combine);
PG_FUNCTION_INFO_V1(metric_accuracy_final);
PG_FUNCTION_INFO_V1(metric_precision_final);
PG_FUNCTION_INFO_V1(metric_recall_final);
PG_FUNCTION_INFO_V1(metric_f1_final);

/* The compared values' equality function, looked up once per call site. */
typedef struct ValueEquality
{
	FmgrInfo	eq;
	Oid			collation;
} ValueEquality;

static ValueEquality *
ArgEquality(FunctionCallInfo fcinfo)
{
	ValueEquality *e = fcinfo->flinfo->fn_extra;

	if (e == NULL)
	{
		Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 1);
		TypeCacheEntry *tc;

		if (!OidIsValid(typid))
			ereport(ERROR,
					(errcode(ERRCODE_INDETERMINATE_DATATYPE),
					 errmsg("could not determine the type of the compared values")));
		tc = lookup_type_cache(typid, TYPECACHE_EQ_OPR_FINFO);
		if (!OidIsValid(tc->eq_opr_finfo.fn_oid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("could not identify an equality operator for type %s",
							format_type_be(typid)),
					 errhint("Compare values of a type with a default equality operator, or cast them, for example to text.")));
		e = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ValueEquality));
		fmgr_info_copy(&e->eq, &tc->eq_opr_finfo, fcinfo->flinfo->fn_mcxt);
		e->collation = PG_GET_COLLATION();
		fcinfo->flinfo->fn_extra = e;
	}
	return e;
}

static bool
Same(FunctionCallInfo fcinfo, int a, int b)
{
	ValueEquality *e = ArgEquality(fcinfo);

	return DatumGetBool(FunctionCall2Coll(&e->eq, e->collation,
										  PG_GETARG_DATUM(a), PG_GETARG_DATUM(b)));
}

/*
 * A state's counts of rows (len of them, or any number when len is -1):
 * whole and not negative, and accuracy's correct rows at most its rows.  A
 * state can be forged by a direct call; refusing one keeps a metric in
 * [0, 1].
 */
static double *
StateCounts(ArrayType *state, int len, int *n)
{
	double	   *c = segment_float8_array(state, "metric state", len, n);

	for (int i = 0; i < *n; i++)
		if (!(c[i] >= 0 && c[i] == floor(c[i])))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid metric state"),
					 errdetail("A metric state holds counts of rows, which are whole numbers and not negative.")));
	if (*n == 2 && c[0] > c[1])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid metric state"),
				 errdetail("An accuracy state's correct rows cannot exceed its rows.")));
	return c;
}

/* The counts of a state of `len` cells, copied unless we own the state. */
static double *
Counts(FunctionCallInfo fcinfo, int len, ArrayType **state)
{
	ArrayType  *s = PG_GETARG_ARRAYTYPE_P(0);
	int			n;
	double	   *values = StateCounts(s, len, &n);

	if (AggCheckCallContext(fcinfo, NULL))
	{
		*state = s;
		return (double *) ARR_DATA_PTR(s);
	}
	*state = segment_build_float8_array(values, len);
	return (double *) ARR_DATA_PTR(*state);
}

/* Whether arguments a and b are equal, for one type of arguments. */
typedef bool (*SameFn) (FunctionCallInfo fcinfo, int a, int b);

/* accuracy_accum(state, actual, predicted): {correct, rows} */
static Datum
AccuracyAccum(FunctionCallInfo fcinfo, SameFn same)
{
	ArrayType  *state;
	double	   *c = Counts(fcinfo, 2, &state);

	if (same(fcinfo, 1, 2))
		c[0] += 1;
	c[1] += 1;
	PG_RETURN_ARRAYTYPE_P(state);
}

/* binary_accum(state, actual, predicted, positive): {tp, fp, fn} */
static Datum
BinaryAccum(FunctionCallInfo fcinfo, SameFn same)
{
	ArrayType  *state;
	double	   *c = Counts(fcinfo, 3, &state);
	bool		actual_pos = same(fcinfo, 1, 3);
	bool		predicted_pos = same(fcinfo, 2, 3);

	if (actual_pos && predicted_pos)
		c[0] += 1;
	else if (predicted_pos)
		c[1] += 1;
	else if (actual_pos)
		c[2] += 1;
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
metric_accuracy_accum(PG_FUNCTION_ARGS)
{
	return AccuracyAccum(fcinfo, Same);
}

Datum
metric_binary_accum(PG_FUNCTION_ARGS)
{
	return BinaryAccum(fcinfo, Same);
}

/*
 * The type the text forms' arguments had before PostgreSQL cast them to
 * text to call them: citext, say, whose implicit cast to text is a
 * relabeling, resolves to the text form rather than the anyelement one.
 * The aggregate call shows the relabelings (constants are left out: the
 * planner folds their relabeling away).  TEXTOID when the non-constant
 * arguments were text already or do not agree on one type.
 */
static Oid
TextArgSourceType(FunctionCallInfo fcinfo)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	Oid			source = InvalidOid;
	ListCell   *lc;

	if (aggref == NULL)
		return TEXTOID;
	foreach(lc, aggref->args)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);
		Node	   *expr = (Node *) te->expr;
		Oid			type;

		if (te->resjunk || IsA(expr, Const))
			continue;
		type = IsA(expr, RelabelType) ? exprType((Node *) ((RelabelType *) expr)->arg) :
			exprType(expr);
		if (OidIsValid(source) && type != source)
			return TEXTOID;
		source = type;
	}
	return OidIsValid(source) ? source : TEXTOID;
}

/*
 * The text forms' equality: texteq under the call's collation, or, when
 * the values were relabeled to text from another type with an equality
 * operator of its own, that operator (citext ignores case), as the
 * anyelement form would compare them.  Citus's workers call the transition
 * function without the call (fn_expr) and without a collation: there it is
 * texteq under the database's default collation.
 */
static bool
SameText(FunctionCallInfo fcinfo, int a, int b)
{
	ValueEquality *e = fcinfo->flinfo->fn_extra;

	if (fcinfo->flinfo->fn_expr == NULL)
		return DatumGetBool(DirectFunctionCall2Coll(texteq,
													OidIsValid(PG_GET_COLLATION()) ?
													PG_GET_COLLATION() : DEFAULT_COLLATION_OID,
													PG_GETARG_DATUM(a), PG_GETARG_DATUM(b)));
	if (e == NULL)
	{
		Oid			source = TextArgSourceType(fcinfo);
		TypeCacheEntry *tc = source != TEXTOID ?
			lookup_type_cache(source, TYPECACHE_EQ_OPR_FINFO) : NULL;

		e = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ValueEquality));
		if (tc != NULL && OidIsValid(tc->eq_opr_finfo.fn_oid))
			fmgr_info_copy(&e->eq, &tc->eq_opr_finfo, fcinfo->flinfo->fn_mcxt);
		else
			fmgr_info_cxt(F_TEXTEQ, &e->eq, fcinfo->flinfo->fn_mcxt);
		e->collation = OidIsValid(PG_GET_COLLATION()) ? PG_GET_COLLATION() : DEFAULT_COLLATION_OID;
		fcinfo->flinfo->fn_extra = e;
	}
	return DatumGetBool(FunctionCall2Coll(&e->eq, e->collation,
										  PG_GETARG_DATUM(a), PG_GETARG_DATUM(b)));
}

static bool
SameInt4(FunctionCallInfo fcinfo, int a, int b)
{
	return PG_GETARG_INT32(a) == PG_GETARG_INT32(b);
}

static bool
SameInt8(FunctionCallInfo fcinfo, int a, int b)
{
	return PG_GETARG_INT64(a) == PG_GETARG_INT64(b);
}

/* numeric_eq: 1.0 = 1 */
static bool
SameNumeric(FunctionCallInfo fcinfo, int a, int b)
{
	return DatumGetBool(DirectFunctionCall2(numeric_eq, PG_GETARG_DATUM(a), PG_GETARG_DATUM(b)));
}

/* float8eq: -0 = 0, NaN = NaN */
static bool
SameFloat8(FunctionCallInfo fcinfo, int a, int b)
{
	return float8_eq(PG_GETARG_FLOAT8(a), PG_GETARG_FLOAT8(b));
}

static bool
SameBool(FunctionCallInfo fcinfo, int a, int b)
{
	return PG_GETARG_BOOL(a) == PG_GETARG_BOOL(b);
}

/*
 * The transition functions of the concrete-typed forms, written out one
 * by one so that each SQL-visible symbol can be found by its name.
 */
PG_FUNCTION_INFO_V1(metric_accuracy_accum_text);

Datum
metric_accuracy_accum_text(PG_FUNCTION_ARGS)
{
	return AccuracyAccum(fcinfo, SameText);
}

PG_FUNCTION_INFO_V1(metric_binary_accum_text);

Datum
metric_binary_accum_text(PG_FUNCTION_ARGS)
{
	return BinaryAccum(fcinfo, SameText);
}

PG_FUNCTION_INFO_V1(metric_accuracy_accum_int4);

Datum
metric_accuracy_accum_int4(PG_FUNCTION_ARGS)
{
	return AccuracyAccum(fcinfo, SameInt4);
}

PG_FUNCTION_INFO_V1(metric_binary_accum_int4);

Datum
metric_binary_accum_int4(PG_FUNCTION_ARGS)
{
	return BinaryAccum(fcinfo, SameInt4);
}

PG_FUNCTION_INFO_V1(metric_accuracy_accum_int8);

Datum
metric_accuracy_accum_int8(PG_FUNCTION_ARGS)
{
	return AccuracyAccum(fcinfo, SameInt8);
}

PG_FUNCTION_INFO_V1(metric_binary_accum_int8);

Datum
metric_binary_accum_int8(PG_FUNCTION_ARGS)
{
	return BinaryAccum(fcinfo, SameInt8);
}

PG_FUNCTION_INFO_V1(metric_accuracy_accum_numeric);

Datum
metric_accuracy_accum_numeric(PG_FUNCTION_ARGS)
{
	return AccuracyAccum(fcinfo, SameNumeric);
}

PG_FUNCTION_INFO_V1(metric_binary_accum_numeric);

Datum
metric_binary_accum_numeric(PG_FUNCTION_ARGS)
{
	return BinaryAccum(fcinfo, SameNumeric);
}

PG_FUNCTION_INFO_V1(metric_accuracy_accum_float8);

Datum
metric_accuracy_accum_float8(PG_FUNCTION_ARGS)
{
	return AccuracyAccum(fcinfo, SameFloat8);
}

PG_FUNCTION_INFO_V1(metric_binary_accum_float8);

Datum
metric_binary_accum_float8(PG_FUNCTION_ARGS)
{
	return BinaryAccum(fcinfo, SameFloat8);
}

PG_FUNCTION_INFO_V1(metric_accuracy_accum_bool);

Datum
metric_accuracy_accum_bool(PG_FUNCTION_ARGS)
{
	return AccuracyAccum(fcinfo, SameBool);
}

PG_FUNCTION_INFO_V1(metric_binary_accum_bool);

Datum
metric_binary_accum_bool(PG_FUNCTION_ARGS)
{
	return BinaryAccum(fcinfo, SameBool);
}

Datum
metric_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *s1;
	ArrayType  *s2;
	double	   *v1;
	double	   *v2;
	int			n1;
	int			n2;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_ARGISNULL(0) ? PG_GETARG_DATUM(1) : PG_GETARG_DATUM(0));
	}
	s1 = PG_GETARG_ARRAYTYPE_P(0);
	s2 = PG_GETARG_ARRAYTYPE_P(1);
	v1 = StateCounts(s1, -1, &n1);
	v2 = StateCounts(s2, n1, &n2);
	for (int i = 0; i < n1; i++)
		v1[i] += v2[i];
	if (AggCheckCallContext(fcinfo, NULL))
	{
		memcpy(ARR_DATA_PTR(s1), v1, sizeof(double) * n1);
		PG_RETURN_ARRAYTYPE_P(s1);
	}
	PG_RETURN_ARRAYTYPE_P(segment_build_float8_array(v1, n1));
}

static double *
FinalCounts(FunctionCallInfo fcinfo, int len)
{
	int			n;

	return StateCounts(PG_GETARG_ARRAYTYPE_P(0), len, &n);
}

/* NULL without rows, as avg() */
Datum
metric_accuracy_final(PG_FUNCTION_ARGS)
{
	double	   *c = FinalCounts(fcinfo, 2);

	if (c[1] == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(c[0] / c[1]);
}

/* zero_division=0, as scikit-learn */
static double
Ratio(double num, double den)
{
	return den > 0 ? num / den : 0.0;
}

Datum
metric_precision_final(PG_FUNCTION_ARGS)
{
	double	   *c = FinalCounts(fcinfo, 3);

	PG_RETURN_FLOAT8(Ratio(c[0], c[0] + c[1]));
}

Datum
metric_recall_final(PG_FUNCTION_ARGS)
{
	double	   *c = FinalCounts(fcinfo, 3);

	PG_RETURN_FLOAT8(Ratio(c[0], c[0] + c[2]));
}

Datum
metric_f1_final(PG_FUNCTION_ARGS)
{
	double	   *c = FinalCounts(fcinfo, 3);

	PG_RETURN_FLOAT8(Ratio(2 * c[0], 2 * c[0] + c[1] + c[2]));
}
