/*-------------------------------------------------------------------------
 *
 * sql_registry.c
 *	  The registry's SQL functions: save_model, deploy, drop_model, model,
 *	  model_metrics, grant_predict, revoke_predict, set_model_owner.  Each
 *	  checks its arguments and calls registry.c, which checks the caller.
 *
 * IDENTIFICATION
 *	  src/sql_registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pg_args.h"
#include "pg_core.h"
#include "registry.h"

PG_FUNCTION_INFO_V1(segment_save_model);
PG_FUNCTION_INFO_V1(segment_deploy);
PG_FUNCTION_INFO_V1(segment_drop_model);
PG_FUNCTION_INFO_V1(segment_model);
PG_FUNCTION_INFO_V1(segment_model_metrics);
PG_FUNCTION_INFO_V1(segment_grant_predict);
PG_FUNCTION_INFO_V1(segment_revoke_predict);
PG_FUNCTION_INFO_V1(segment_set_model_owner);
PG_FUNCTION_INFO_V1(segment_replicate_registry);

static char *
NameArg(FunctionCallInfo fcinfo)
{
	segment_require_arg(fcinfo, 0, "model name");
	return text_to_cstring(PG_GETARG_TEXT_PP(0));
}

/* A role named by argument arg; InvalidOid for PUBLIC when allowed. */
static Oid
RoleArg(FunctionCallInfo fcinfo, int arg, bool public_allowed)
{
	char	   *role;

	segment_require_arg(fcinfo, arg, "role");
	role = text_to_cstring(PG_GETARG_TEXT_PP(arg));
	if (pg_strcasecmp(role, "public") == 0)
	{
		if (!public_allowed)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a model cannot belong to PUBLIC")));
		return InvalidOid;
	}
	return get_role_oid(role, false);
}

/* A spec or metrics argument: a JSON object, '{}' for NULL. */
static Jsonb *
JsonbObjectArg(FunctionCallInfo fcinfo, int arg, const char *what)
{
	Jsonb	   *value;

	if (PG_ARGISNULL(arg))
		return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
	value = PG_GETARG_JSONB_P(arg);
	if (!JB_ROOT_IS_OBJECT(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", what),
				 errhint("Pass '{}' when there is nothing to store.")));
	return value;
}

/*
 * segment.save_model(name text, model bytea, spec jsonb DEFAULT '{}',
 *                    metrics jsonb DEFAULT '{}', deploy boolean DEFAULT true)
 *   -> the new version
 */
Datum
segment_save_model(PG_FUNCTION_ARGS)
{
	char	   *name = NameArg(fcinfo);

	segment_require_arg(fcinfo, 1, "model");
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("deploy must not be null"),
				 errhint("Pass deploy => true to deploy the new version (the default) or false to keep the deployed one.")));
	PG_RETURN_INT32(registry_save(name, PG_GETARG_BYTEA_P(1), JsonbObjectArg(fcinfo, 2, "spec"),
								  JsonbObjectArg(fcinfo, 3, "metrics"), PG_GETARG_BOOL(4)));
}

/* segment.deploy(name text, version integer) */
Datum
segment_deploy(PG_FUNCTION_ARGS)
{
	char	   *name = NameArg(fcinfo);

	segment_require_arg(fcinfo, 1, "version");
	registry_deploy(name, segment_version_arg(fcinfo, 1, name));
	PG_RETURN_VOID();
}

/* segment.drop_model(name text, version integer DEFAULT NULL) -> versions dropped */
Datum
segment_drop_model(PG_FUNCTION_ARGS)
{
	char	   *name = NameArg(fcinfo);

	PG_RETURN_INT32(registry_drop(name, segment_version_arg(fcinfo, 1, name)));
}

/* segment.model(name text, version integer DEFAULT NULL) -> bytea */
Datum
segment_model(PG_FUNCTION_ARGS)
{
	char	   *name = NameArg(fcinfo);

	PG_RETURN_DATUM(registry_model_value(name, segment_version_arg(fcinfo, 1, name)));
}

/* segment.model_metrics(name text, version integer DEFAULT NULL) -> jsonb */
Datum
segment_model_metrics(PG_FUNCTION_ARGS)
{
	char	   *name = NameArg(fcinfo);
	Jsonb	   *metrics = registry_metrics(name, segment_version_arg(fcinfo, 1, name));
	JsonbValue	v;

	/* a classifier's (0.1.0's had no "task") or a regressor's */
	if (!JB_ROOT_IS_OBJECT(metrics) ||
		(!getKeyJsonValueFromContainer(&metrics->root, "classes", strlen("classes"), &v) &&
		 !getKeyJsonValueFromContainer(&metrics->root, "task", strlen("task"), &v)))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" has no test metrics", name),
				 errhint("Only models trained by segment_train have them.")));
	PG_RETURN_JSONB_P(metrics);
}

/* segment.grant_predict(name text, role text): role may be 'public' */
Datum
segment_grant_predict(PG_FUNCTION_ARGS)
{
	char	   *name = NameArg(fcinfo);

	registry_grant_predict(name, RoleArg(fcinfo, 1, true), true);
	PG_RETURN_VOID();
}

/* segment.revoke_predict(name text, role text) */
Datum
segment_revoke_predict(PG_FUNCTION_ARGS)
{
	char	   *name = NameArg(fcinfo);

	registry_grant_predict(name, RoleArg(fcinfo, 1, true), false);
	PG_RETURN_VOID();
}

/* segment.set_model_owner(name text, role text) */
Datum
segment_set_model_owner(PG_FUNCTION_ARGS)
{
	char	   *name = NameArg(fcinfo);

	registry_set_owner(name, RoleArg(fcinfo, 1, false));
	PG_RETURN_VOID();
}

/* segment.replicate_registry() -> the number of versions copied to the Citus workers */
Datum
segment_replicate_registry(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(registry_replicate());
}
