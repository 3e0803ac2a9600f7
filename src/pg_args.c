/*-------------------------------------------------------------------------
 *
 * pg_args.c
 *	  Argument validators shared by the SQL entry points (see pg_args.h).
 *
 * IDENTIFICATION
 *	  src/pg_args.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dataset.h"
#include "kmeans_model.h"
#include "pg_args.h"
#include "pg_core.h"

char *
segment_relation_name(Oid relid)
{
	char	   *name = OidIsValid(relid) ? get_rel_name(relid) : NULL;

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	return name;
}

char *
segment_readable_relation(Oid relid)
{
	char	   *name = segment_relation_name(relid);
	char		relkind = get_rel_relkind(relid);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, view, materialized view or foreign table", name)));
	return name;
}

static const char *
KindNoun(SegColumnKind kind)
{
	return kind == SEG_COL_CATEGORICAL ? "a text" : "a numeric or boolean";
}

void
segment_check_column_kind(const char *column, Oid typid, SegColumnKind expected)
{
	bool		is_integer;
	int			kind = dataset_column_kind(typid, &is_integer);

	if (kind < 0 || (kind == SEG_COL_CATEGORICAL) != (expected == SEG_COL_CATEGORICAL))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" has type %s, but the model expects %s column",
						column, format_type_be(typid), KindNoun(expected))));
}

void
segment_check_n_init(int64 n_init)
{
	if (n_init < 1 || n_init > SEGMENT_MAX_N_INIT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_init must be between 1 and %d, not " INT64_FORMAT,
						SEGMENT_MAX_N_INIT, n_init),
				 errhint("Each run starts k-means from new seeds; a few dozen runs are plenty.")));
}

void
segment_check_k(int64 k)
{
	if (k < 1 || k > KMEANS_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d, not " INT64_FORMAT, KMEANS_MAX_K, k),
				 errhint("A k-means model holds at most %d clusters.", KMEANS_MAX_K)));
}

int32
segment_version_arg(FunctionCallInfo fcinfo, int arg, const char *name)
{
	int32		version;

	if (PG_ARGISNULL(arg))
		return 0;
	version = PG_GETARG_INT32(arg);
	if (version < 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" version %d does not exist", name, version),
				 errhint("Versions are numbered from 1.")));
	return version;
}

void
segment_check_state_array(ArrayType *state, const char *what)
{
	if (ARR_ELEMTYPE(state) != FLOAT8OID || ARR_NDIM(state) != 1 ||
		(ARR_HASNULL(state) && array_contains_nulls(state)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional float8 array without nulls", what)));
}

int
segment_choice_arg(FunctionCallInfo fcinfo, int arg, const char *what,
				   const char *const *choices, int n)
{
	char	   *value;
	StringInfoData list;

	segment_require_arg(fcinfo, arg, what);
	value = text_to_cstring(PG_GETARG_TEXT_PP(arg));
	for (int i = 0; i < n; i++)
		if (strcmp(value, choices[i]) == 0)
			return i;
	/* "a or b", "a, b or c" */
	initStringInfo(&list);
	for (int i = 0; i < n; i++)
		appendStringInfo(&list, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", choices[i]);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be %s, not \"%s\"", what, list.data, value)));
	return -1;					/* keep compiler quiet */
}
