/*-------------------------------------------------------------------------
 *
 * sql_retrain.c
 *	  segment.retrain(name, deploy): trains a new version of a model with
 *	  the arguments segment_train stored with its latest version, as the
 *	  model's owner.
 *
 * Who may: a role with the privileges of the model's owner (or a
 * superuser) that may also read the stored relation itself.  The training
 * then runs as the owner, the user id switched for its duration as a
 * SECURITY DEFINER function would, inside a security-restricted operation
 * whose setting changes are undone at its end: whatever a stored spec
 * names, the training reads only what the owner may read, and leaves no
 * settings behind in the calling session (a nightly job's).
 *
 * The spec stores every argument of the function that trained the version
 * by name ({"function": "segment_train", "arguments": {"relation": ...,
 * ...}}, or kmeans_fit's), and the call is built from the names and types
 * that function declares, so that new arguments need no change here
 * (missing ones get their defaults).  deploy and skip_if_unchanged replace
 * the stored ones.  k-means specs written before kmeans_fit stored its
 * arguments (0.1.0's: the arguments at the top level) are read as
 * arguments, streaming left to the size of the relation.
 *
 * With raise_errors => false (what scheduled jobs use) a failing training
 * is rolled back to a subtransaction around it, recorded in
 * segment.training_runs with its error, and returned as a report with
 * "status": "failed"; the run's row then commits with the statement.
 *
 * IDENTIFICATION
 *	  src/sql_retrain.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "pg_core.h"
#include "pg_json.h"
#include "registry.h"
#include "sql_retrain.h"

PG_FUNCTION_INFO_V1(segment_retrain);

/* What retrain can call, and how. */
typedef struct RetrainTarget
{
	const char *function;		/* as specs name it, and segment.<function> */
	const char *query;			/* the call (its arguments at %s) returning the report */
	const char *array_param;	/* the overload's parameter that must be text[], or NULL */
	const char *label_param;	/* a column argument of type text, or NULL */
	const char *columns_param;	/* the column argument of type text[] */
} RetrainTarget;

static const RetrainTarget targets[] = {
	{"segment_train", "SELECT segment.segment_train(%s)", NULL, "label", "features"},
	/* the report is on the chosen k's row (or the only row of a skipped run) */
	{"kmeans_fit", "SELECT r.report FROM segment.kmeans_fit(%s) r WHERE r.report IS NOT NULL",
	"columns", NULL, "columns"},
};

/* The role that called retrain, while the training it asked for runs. */
static Oid	retrain_caller = InvalidOid;

bool
segment_retrain_caller(Oid *caller)
{
	*caller = retrain_caller;
	return OidIsValid(retrain_caller);
}

/* A call of segment.segment_train with its arguments as SPI parameters. */
typedef struct TrainCall
{
	StringInfoData sql;
	int			nargs;
	char	  **names;
	Oid		   *types;
	Datum	   *values;
	char	   *nulls;			/* 'n' for NULL, as SPI wants */
} TrainCall;

/*
 * The argument names and types of segment.<function>: its one plain
 * function (aggregates of the name aside) whose array_param, if any, is
 * text[].
 */
static int
TrainSignature(const RetrainTarget *target, Oid **types, char ***names)
{
	Oid			nsp = get_namespace_oid("segment", false);
	CatCList   *list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(target->function));
	int			n = -1;

	for (int i = 0; i < list->n_members; i++)
	{
		HeapTuple	tuple = &list->members[i]->tuple;
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tuple);
		Oid		   *t;
		char	  **a;
		char	   *modes;
		int			m;
		bool		fits = target->array_param == NULL;

		if (proc->pronamespace != nsp || proc->prokind != PROKIND_FUNCTION)
			continue;
		m = get_func_arg_info(tuple, &t, &a, &modes);
		for (int p = 0; p < m && !fits && a != NULL; p++)
			fits = a[p] != NULL && strcmp(a[p], target->array_param) == 0 &&
				t[p] == TEXTARRAYOID;
		if (!fits)
			continue;
		if (n >= 0)
			elog(ERROR, "more than one segment.%s exists", target->function);
		n = m;
		*types = t;
		*names = a;
	}
	ReleaseSysCacheList(list);
	if (n < 0 || *names == NULL)
		elog(ERROR, "segment.%s does not exist", target->function);
	return n;
}

/* A stored scalar as text for a type's input function. */
static char *
ScalarText(const JsonbValue *v, const char *key, const char *function)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return v->val.boolean ? "true" : "false";
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stored argument \"%s\" of %s has an unexpected form", key,
							function)));
	}
	return NULL;				/* keep compiler quiet */
}

static Datum
InputValue(const char *text, Oid type)
{
	Oid			input;
	Oid			ioparam;

	getTypeInputInfo(type, &input, &ioparam);
	return OidInputFunctionCall(input, (char *) text, ioparam, -1);
}

/*
 * A stored value as a value of type (arrays from JSON arrays, nested ones
 * flattened in order, as kmeans_fit reads init; jsonb as is).
 */
static Datum
ArgumentValue(JsonbValue *v, Oid type, const char *key, const char *function, bool *isnull)
{
	Oid			element = get_element_type(type);

	*isnull = v->type == jbvNull;
	if (*isnull)
		return (Datum) 0;
	if (type == JSONBOID)
		return JsonbPGetDatum(JsonbValueToJsonb(v));
	if (OidIsValid(element) && v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data))
	{
		JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
		JsonbValue	e;
		JsonbIteratorToken tok;
		int			n = 0;
		int			cap = 8;
		Datum	   *elems = palloc(sizeof(Datum) * cap);
		bool	   *elem_nulls = palloc(sizeof(bool) * cap);
		int			dims[1];
		int			lbs[1] = {1};
		int16		typlen;
		bool		typbyval;
		char		typalign;

		while ((tok = JsonbIteratorNext(&it, &e, false)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (n == cap)
			{
				cap *= 2;
				elems = repalloc(elems, sizeof(Datum) * cap);
				elem_nulls = repalloc(elem_nulls, sizeof(bool) * cap);
			}
			elem_nulls[n] = e.type == jbvNull;
			elems[n] = elem_nulls[n] ? (Datum) 0 :
				InputValue(ScalarText(&e, key, function), element);
			n++;
		}
		dims[0] = n;
		get_typlenbyvalalign(element, &typlen, &typbyval, &typalign);
		return PointerGetDatum(construct_md_array(elems, elem_nulls, n > 0 ? 1 : 0, dims, lbs,
												  element, typlen, typbyval, typalign));
	}
	return InputValue(ScalarText(v, key, function), type);
}

/* An argument of the call that replaces the stored one (value NULL: not given). */
typedef struct Override
{
	const char *key;
	Oid			type;
	Datum		value;
	bool		given;
} Override;

#define N_OVERRIDES 2

static void
AddArgument(TrainCall *call, const char *key, Oid type, Datum value, bool isnull)
{
	call->names[call->nargs] = (char *) key;
	call->types[call->nargs] = type;
	call->values[call->nargs] = value;
	call->nulls[call->nargs] = isnull ? 'n' : ' ';
	call->nargs++;
}

/*
 * The call that retrains name: every stored argument passed by name as a
 * parameter of the type the target declares for it, the overrides given
 * replacing theirs.
 */
static void
BuildTrainCall(const RetrainTarget *target, const char *name, Jsonb *arguments,
			   const Override *overrides, TrainCall *call)
{
	Oid		   *types = NULL;
	char	  **names = NULL;
	int			n_params = TrainSignature(target, &types, &names);
	StringInfoData args;
	JsonbIterator *it = JsonbIteratorInit(&arguments->root);
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			cap = n_params + 1 + N_OVERRIDES;

	call->names = palloc(sizeof(char *) * cap);
	call->types = palloc(sizeof(Oid) * cap);
	call->values = palloc(sizeof(Datum) * cap);
	call->nulls = palloc(cap);
	call->nargs = 0;
	AddArgument(call, "name", TEXTOID, CStringGetTextDatum(name), false);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char	   *key;
		int			p;
		bool		isnull;
		bool		overridden = false;
		Datum		value;

		if (tok != WJB_KEY)
			continue;

		key = pnstrdup(k.val.string.val, k.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		for (int o = 0; o < N_OVERRIDES; o++)
			overridden |= overrides[o].given && strcmp(key, overrides[o].key) == 0;
		if (strcmp(key, "name") == 0 || overridden)
			continue;
		for (p = 0; p < n_params; p++)
			if (names[p] != NULL && strcmp(names[p], key) == 0)
				break;
		if (p == n_params || call->nargs == cap)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_PARAMETER),
					 errmsg("stored argument \"%s\" is not an argument of segment.%s", key,
							target->function),
					 errhint("Train a new version with segment.%s.", target->function)));
		value = ArgumentValue(&v, types[p], key, target->function, &isnull);
		AddArgument(call, key, types[p], value, isnull);
	}
	for (int o = 0; o < N_OVERRIDES; o++)
		if (overrides[o].given)
			AddArgument(call, overrides[o].key, overrides[o].type, overrides[o].value, false);
	initStringInfo(&args);
	for (int a = 0; a < call->nargs; a++)
		appendStringInfo(&args, "%s%s => $%d", a > 0 ? ", " : "",
						 quote_identifier(call->names[a]), a + 1);
	initStringInfo(&call->sql);
	appendStringInfo(&call->sql, target->query, args.data);
}

/* The value of the call's argument key, or NULL. */
static const Datum *
CallArgument(const TrainCall *call, const char *key)
{
	for (int a = 0; a < call->nargs; a++)
		if (strcmp(call->names[a], key) == 0 && call->nulls[a] != 'n')
			return &call->values[a];
	return NULL;
}

static void
DenyRead(Oid relid, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for table %s", get_rel_name(relid)),
			 errdetail("segment.retrain trains model \"%s\" as its owner, on data the calling role may read as well.",
					   name)));
}

static void
RequireColumn(Oid relid, const char *column, Oid roleid, const char *name)
{
	AttrNumber	attno = get_attnum(relid, column);

	if (attno == InvalidAttrNumber ||
		pg_attribute_aclcheck(relid, attno, roleid, ACL_SELECT) != ACLCHECK_OK)
		DenyRead(relid, name);
}

/* RequireColumn for every column a text[] argument names. */
static void
RequireColumns(Oid relid, Datum names, Oid roleid, const char *name)
{
	Datum	   *columns;
	bool	   *column_nulls;
	int			n;

	deconstruct_array(DatumGetArrayTypeP(names), TEXTOID, -1, false, TYPALIGN_INT,
					  &columns, &column_nulls, &n);
	for (int i = 0; i < n; i++)
		if (!column_nulls[i])
			RequireColumn(relid, TextDatumGetCString(columns[i]), roleid, name);
}

/*
 * ERROR unless the calling role may SELECT the relation the training
 * reads (the whole table, or the label, every feature column and every
 * key column named).
 */
static void
CheckCallerReads(const RetrainTarget *target, const TrainCall *call, const char *name)
{
	const Datum *relation = CallArgument(call, "relation");
	const Datum *label = target->label_param != NULL ?
		CallArgument(call, target->label_param) : NULL;
	const Datum *features = CallArgument(call, target->columns_param);
	const Datum *key = CallArgument(call, "key");
	Oid			roleid = GetUserId();
	Oid			relid;

	if (relation == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no stored relation to retrain on", name)));
	relid = DatumGetObjectId(*relation);
	if (pg_class_aclcheck(relid, roleid, ACL_SELECT) == ACLCHECK_OK)
		return;
	if ((target->label_param != NULL && label == NULL) || features == NULL)
		DenyRead(relid, name);
	if (label != NULL)
		RequireColumn(relid, TextDatumGetCString(*label), roleid, name);
	RequireColumns(relid, *features, roleid, name);
	if (key != NULL)
		RequireColumns(relid, *key, roleid, name);
}

/* Names the model and the role an error of the training ran as. */
static void
RetrainContext(void *arg)
{
	const char *const *names = arg;

	errcontext("retraining model \"%s\" as its owner \"%s\"", names[0], names[1]);
}

/*
 * Runs the call as owner inside a security-restricted operation, with the
 * search_path pinned and every setting changed inside undone.  An ERROR
 * leaves the user, the settings and the error context to the
 * (sub)transaction's abort, and retrain_caller to our callers.
 */
static Jsonb *
TrainAsOwner(const RetrainTarget *target, const char *name, Oid owner, const TrainCall *call)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext old;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	bool		isnull;
	Datum		report;
	Jsonb	   *result;
	const char *names[2] = {name, GetUserNameFromId(owner, false)};
	ErrorContextCallback context;

	context.callback = RetrainContext;
	context.arg = names;
	context.previous = error_context_stack;
	error_context_stack = &context;
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = segment_pin_search_path();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(call->sql.data, call->nargs, call->types, call->values,
							  call->nulls, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "segment.%s did not return a report", target->function);
	report = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	old = MemoryContextSwitchTo(caller);
	result = isnull ? NULL : DatumGetJsonbPCopy(report);
	MemoryContextSwitchTo(old);
	SPI_finish();
	/* undo every setting the training changed, not only the path */
	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	error_context_stack = context.previous;
	return result;
}

/* The stored relation's name for the run history, or NULL. */
static const char *
CallRelation(const TrainCall *call)
{
	const Datum *relation = CallArgument(call, "relation");
	Oid			relid = relation != NULL ? DatumGetObjectId(*relation) : InvalidOid;
	char	   *relname = OidIsValid(relid) ? get_rel_name(relid) : NULL;

	if (relname == NULL)
		return NULL;
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), relname);
}

/*
 * The training in a subtransaction: on an ERROR, rolled back and recorded
 * as a failed run, and the report says so.
 */
static Jsonb *
TrainOrRecordFailure(const RetrainTarget *target, const char *name, Oid owner,
					 const TrainCall *call)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner_before = CurrentResourceOwner;
	TrainingRun run;
	Jsonb	   *volatile report = NULL;
	ErrorData  *volatile error = NULL;
	JsonBuilder b;

	registry_run_init(&run, name, "retrain");
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		report = TrainAsOwner(target, name, owner, call);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner_before;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner_before;
	}
	PG_END_TRY();
	retrain_caller = InvalidOid;
	if (error == NULL)
		return report;

	run.relation = CallRelation(call);
	run.status = "failed";
	run.error = error->message;
	registry_record_run(&run);
	ereport(WARNING,
			(errcode(error->sqlerrcode),
			 errmsg("retraining model \"%s\" failed: %s", name, error->message)));
	json_begin(&b);
	json_object_begin(&b);
	json_key_string(&b, "name", name);
	json_key_string(&b, "status", "failed");
	json_key_string(&b, "error", error->message);
	json_key_string(&b, "sqlstate", unpack_sql_state(error->sqlerrcode));
	json_object_end(&b);
	return json_finish(&b);
}

/* 0.1.0's kmeans_fit spec: its arguments at the top level, streaming as it was decided. */
static Jsonb *
LegacyKMeansArguments(Jsonb *spec)
{
	Datum		j = JsonbPGetDatum(spec);

	j = DirectFunctionCall2(jsonb_delete, j, CStringGetTextDatum("function"));
	j = DirectFunctionCall2(jsonb_delete, j, CStringGetTextDatum("streaming"));
	return DatumGetJsonbP(j);
}

const char *
segment_retrain_spec(const char *name, Oid *owner, Jsonb **arguments)
{
	const char *functions[lengthof(targets) + 1];
	Jsonb	   *spec;
	JsonbValue	v;
	JsonbValue	args;
	const char *function;

	for (int t = 0; t < (int) lengthof(targets); t++)
		functions[t] = targets[t].function;
	functions[lengthof(targets)] = NULL;
	spec = registry_training_spec(name, functions, owner);
	if (spec == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version trained by segment_train or kmeans_fit", name),
				 errhint("segment.retrain calls again the function that trained a version, with its stored arguments.")));
	(void) getKeyJsonValueFromContainer(&spec->root, "function", strlen("function"), &v);
	function = pnstrdup(v.val.string.val, v.val.string.len);
	if (getKeyJsonValueFromContainer(&spec->root, "arguments", strlen("arguments"), &args) &&
		args.type == jbvBinary && JsonContainerIsObject(args.val.binary.data))
	{
		if (arguments != NULL)
			*arguments = JsonbValueToJsonb(&args);
	}
	else if (strcmp(function, "kmeans_fit") == 0 &&
			 getKeyJsonValueFromContainer(&spec->root, "relation", strlen("relation"), &args))
	{
		if (arguments != NULL)
			*arguments = LegacyKMeansArguments(spec);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version trained by segment_train or kmeans_fit with stored arguments",
						name)));
	return function;
}

/*
 * segment.retrain(name text, deploy text DEFAULT NULL,
 * skip_if_unchanged boolean DEFAULT true, raise_errors boolean DEFAULT
 * true) -> jsonb report
 */
Datum
segment_retrain(PG_FUNCTION_ARGS)
{
	char	   *name;
	Oid			owner;
	Jsonb	   *arguments;
	const char *function;
	const RetrainTarget *target = &targets[0];
	TrainCall	call;
	Jsonb	   *report;
	Override	overrides[N_OVERRIDES] = {
		{"deploy", TEXTOID, (Datum) 0, false},
		{"skip_if_unchanged", BOOLOID, BoolGetDatum(true), true}
	};
	bool		raise_errors = true;

	segment_require_arg(fcinfo, 0, "model name");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (!PG_ARGISNULL(1))
	{
		overrides[0].value = PG_GETARG_DATUM(1);
		overrides[0].given = true;
	}
	if (PG_NARGS() > 2)
	{
		segment_require_arg(fcinfo, 2, "skip_if_unchanged");
		segment_require_arg(fcinfo, 3, "raise_errors");
		overrides[1].value = PG_GETARG_DATUM(2);
		raise_errors = PG_GETARG_BOOL(3);
	}
	function = segment_retrain_spec(name, &owner, &arguments);
	for (int t = 0; t < (int) lengthof(targets); t++)
		if (strcmp(targets[t].function, function) == 0)
			target = &targets[t];
	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(owner)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("the owner of model \"%s\" no longer exists", name),
				 errhint("A superuser can give the model to another role with segment.set_model_owner(name, role).")));
	BuildTrainCall(target, name, arguments, overrides, &call);
	CheckCallerReads(target, &call, name);
	retrain_caller = GetUserId();
	if (raise_errors)
	{
		PG_TRY();
		{
			report = TrainAsOwner(target, name, owner, &call);
		}
		PG_FINALLY();
		{
			retrain_caller = InvalidOid;
		}
		PG_END_TRY();
	}
	else
		report = TrainOrRecordFailure(target, name, owner, &call);
	if (report == NULL)
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(report);
}
