/*-------------------------------------------------------------------------
 *
 * sql_train_registry.c
 *	  segment_train and the model registry: the stored spec, the deploy
 *	  policy, saving the new version.
 *
 * IDENTIFICATION
 *	  src/sql_train_registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "registry.h"
#include "sql_train.h"

const char *const segment_deploy_names[3] = {"always", "if_better", "never"};

/* The deployed version's test macro-F1 of a name, or NaN when none is deployed. */
static double
DeployedMacroF1(const char *name, int *version)
{
	Jsonb	   *metrics = registry_deployed_metrics(name, version);
	JsonbValue	f1;

	if (metrics == NULL)
		return NAN;
	/* a deployed version without test metrics (not a classifier) counts as worse */
	if (!JB_ROOT_IS_OBJECT(metrics) ||
		!getKeyJsonValueFromContainer(&metrics->root, "macro_f1", strlen("macro_f1"), &f1) ||
		f1.type != jbvNumeric)
		return -INFINITY;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(f1.val.numeric)));
}

/*
 * {"function": "segment_train", "arguments": {...}}: every argument of
 * segment_train under its parameter name (features as resolved, so no
 * exclude), from which segment.retrain builds the call generically.
 */
char *
segment_train_spec(const TrainArgs *a, char **features, int n_features)
{
	StringInfoData buf;
	StringInfoData config;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"function\": \"segment_train\", \"arguments\": {\"relation\": ");
	escape_json(&buf, quote_qualified_identifier(get_namespace_name(get_rel_namespace(a->relid)),
												  get_rel_name(a->relid)));
	appendStringInfoString(&buf, ", \"label\": ");
	escape_json(&buf, a->label);
	appendStringInfoString(&buf, ", \"features\": [");
	for (int i = 0; i < n_features; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, features[i]);
	}
	/* the hyperparameters' keys are segment_train's argument names: splice them in */
	initStringInfo(&config);
	json_append_config(&config, &a->base, a->epochs, a->patience,
					   a->balance_auto ? "auto" : balance_name(a->base.balance));
	appendStringInfoString(&buf, "], ");
	appendBinaryStringInfo(&buf, config.data + 1, config.len - 2);
	appendStringInfo(&buf, ", \"test_size\": ");
	json_append_float8(&buf, a->test_size);
	appendStringInfo(&buf, ", \"validation_size\": ");
	json_append_float8(&buf, a->validation_size);
	appendStringInfo(&buf, ", \"search\": %s, \"trials\": %d, \"seed\": " INT64_FORMAT
					 ", \"split_seed\": " INT64_FORMAT ", \"deploy\": \"%s\"}}",
					 a->search ? JsonbToCString(NULL, &a->search->root, VARSIZE(a->search)) : "null",
					 a->trials, a->seed, a->split_seed, segment_deploy_names[a->deploy]);
	return buf.data;
}

int
segment_train_register(const TrainArgs *a, bytea *model, const char *spec, const char *metrics,
					   double test_macro_f1, bool *deployed, const char **reason)
{
	int			previous_version;
	double		previous_f1 = DeployedMacroF1(a->name, &previous_version);

	switch (a->deploy)
	{
		case DEPLOY_ALWAYS:
			*deployed = true;
			*reason = "deploy => always";
			break;
		case DEPLOY_NEVER:
			*deployed = false;
			*reason = "deploy => never";
			break;
		default:
			if (isnan(previous_f1))
			{
				*deployed = true;
				*reason = "first deployed version of this name";
			}
			else
			{
				*deployed = test_macro_f1 >= previous_f1;
				*reason = psprintf("test macro-F1 %s %s the deployed version %d's %s",
								   float8out_internal(test_macro_f1),
								   *deployed ? ">=" : "<", previous_version,
								   float8out_internal(previous_f1));
			}
			break;
	}
	return registry_save(a->name, model, segment_jsonb_from_text(spec),
						 segment_jsonb_from_text(metrics), *deployed);
}
