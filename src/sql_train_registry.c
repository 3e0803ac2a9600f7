/*-------------------------------------------------------------------------
 *
 * sql_train_registry.c
 *	  segment_train and the model registry: the deploy policy, saving the
 *	  new version (through registry.h).
 *
 * IDENTIFICATION
 *	  src/sql_train_registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "registry.h"
#include "sql_train.h"

const char *const segment_deploy_names[3] = {"always", "if_better", "never"};

/*
 * The deployed version's stored test score of a name (score_key:
 * "macro_f1" or "r2"), or NaN when none is deployed.
 */
static double
DeployedScore(const char *name, const char *score_key, int *version)
{
	Jsonb	   *metrics = registry_deployed_metrics(name, version);
	JsonbValue	score;

	if (metrics == NULL)
		return NAN;
	/* a deployed version without that score (another kind) counts as worse */
	if (!JB_ROOT_IS_OBJECT(metrics) ||
		!getKeyJsonValueFromContainer(&metrics->root, score_key, strlen(score_key), &score) ||
		score.type != jbvNumeric)
		return -INFINITY;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(score.val.numeric)));
}

int
segment_train_register(const TrainArgs *a, SegTask task, bytea *model, Jsonb *spec,
					   Jsonb *metrics, double test_score, bool *deployed, const char **reason)
{
	int			previous_version = 0;
	const char *score_name = task == SEG_TASK_REGRESSION ? "R2" : "macro-F1";
	double		previous_score = DeployedScore(a->name,
											   task == SEG_TASK_REGRESSION ? "r2" : "macro_f1",
											   &previous_version);

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
			if (isnan(previous_score))
			{
				*deployed = true;
				*reason = "first deployed version of this name";
			}
			else
			{
				*deployed = test_score >= previous_score;
				*reason = psprintf("test %s %s %s the deployed version %d's %s", score_name,
								   float8out_internal(test_score),
								   *deployed ? ">=" : "<", previous_version,
								   float8out_internal(previous_score));
			}
			break;
	}
	return registry_save(a->name, model, spec, metrics, *deployed);
}
