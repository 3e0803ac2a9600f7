/*-------------------------------------------------------------------------
 *
 * sql_trials.c
 *	  segment_train's candidates: train each (balance modes, search
 *	  trials), rank by validation score (macro-F1, or R2 for regression),
 *	  keep the best model, and describe every trial for the report.
 *
 * With successive halving (Jamieson and Talwalkar, 2016; Li et al.,
 * "Hyperband", 2018) the trials first train for a ninth of the learner's
 * iteration budget (the MLP's epochs), the best third again for a third,
 * and the best third of those for all of it (eta = 3); each rung
 * retrains from the same seed, so a trial's result depends only on its
 * configuration and budget.  Only learners with an iteration budget
 * setting take part in halving.
 *
 * IDENTIFICATION
 *	  src/sql_trials.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"

#include "pg_core.h"
#include "sql_train.h"

#define HALVING_ETA 3

/* what the report says about one trial */
typedef struct TrialRecord
{
	int			index;
	double		score;			/* validation score at its last rung */
	double		accuracy;		/* classification */
	double		loss;
	int			epochs_run;
	int			best_epoch;
	int			train_rows;
	int			budget;			/* iterations of its last rung, 0 without halving */
	double		ms;
	StringInfoData rungs;		/* [{"epochs": b, "validation_macro_f1": f}, ...] */
} TrialRecord;

/* better trial first: higher score, then the earlier trial */
static int
CompareTrials(const void *a, const void *b)
{
	const TrialRecord *x = *(TrialRecord *const *) a;
	const TrialRecord *y = *(TrialRecord *const *) b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->index - y->index;
}

/*
 * A copy of config with the learner's iteration budget (and patience,
 * which cannot exceed it) cut to budget; budget 0 leaves it as it is.
 */
static SegTrialConfig
WithBudget(const SegTrialConfig *config, int budget)
{
	SegTrialConfig copy = trial_config_copy(config);
	const SegLearner *l = config->learner;
	const SegParamSpec *iterations = params_find(l->params, l->n_params, "epochs");
	const SegParamSpec *patience = params_find(l->params, l->n_params, "patience");
	char		unused[SEG_ERRMSG_LEN];

	if (budget > 0 && iterations != NULL)
	{
		(void) params_set_number(iterations, copy.params, budget, unused);
		if (patience != NULL && params_get_number(patience, copy.params) > budget)
			(void) params_set_number(patience, copy.params, budget, unused);
	}
	return copy;
}

static void
TrainOrRaise(const SegTrainSet *set, const SegTrialConfig *config, int64 seed,
			 const char *label, SegCandidate *out)
{
	char		msg[SEG_ERRMSG_LEN];

	if (train_candidate(set, config, (uint64_t) seed, label, segment_memory_limit_bytes(),
						segment_hooks(), out, msg) != SEG_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", msg),
				 config->balance == BALANCE_SMOTE ?
				 errhint("balance => 'smote' needs at least %d training rows in every class; use class_weight instead.",
						 SMOTE_K_NEIGHBORS + 1) :
				 errhint("Try a lower learning_rate.")));
}

void
segment_run_trials(const SegTrainSet *set, const SegTrialConfig *configs, int n,
				   int64 seed, bool halving, StringInfo trials_json, StringInfo schedule,
				   double *trial_score, SegCandidate *best)
{
	TrialRecord *records = palloc0(sizeof(TrialRecord) * n);
	TrialRecord **alive = palloc(sizeof(TrialRecord *) * n);
	const SegLearner *learner = configs[0].learner;
	const SegParamSpec *iterations = params_find(learner->params, learner->n_params, "epochs");
	bool		classification = set->task == SEG_TASK_CLASSIFICATION;
	int			n_alive = n;
	int			n_rungs = 1;
	int			epochs = iterations != NULL ?
		(int) params_get_number(iterations, configs[0].params) : 0;
	int			budgets[3] = {0, 0, 0};

	if (halving && iterations != NULL && n >= HALVING_ETA * HALVING_ETA &&
		epochs >= HALVING_ETA * HALVING_ETA)
	{
		n_rungs = 3;
		budgets[0] = epochs / (HALVING_ETA * HALVING_ETA);
		budgets[1] = epochs / HALVING_ETA;
		budgets[2] = epochs;
		appendStringInfo(schedule, "successive halving: %d trials for %d epoch%s, the best %d "
						 "for %d, the best %d for %d", n, budgets[0], budgets[0] > 1 ? "s" : "",
						 (n + HALVING_ETA - 1) / HALVING_ETA, budgets[1],
						 (n + HALVING_ETA * HALVING_ETA - 1) / (HALVING_ETA * HALVING_ETA),
						 budgets[2]);
	}
	else if (iterations != NULL)
		appendStringInfo(schedule, "%d trial%s for %d epoch%s", n, n > 1 ? "s" : "", epochs,
						 epochs > 1 ? "s" : "");
	else
		appendStringInfo(schedule, "%d trial%s", n, n > 1 ? "s" : "");

	for (int t = 0; t < n; t++)
	{
		records[t].index = t;
		initStringInfo(&records[t].rungs);
		alive[t] = &records[t];
	}
	memset(best, 0, sizeof(*best));

	for (int r = 0; r < n_rungs; r++)
	{
		bool		last_rung = r == n_rungs - 1;

		for (int i = 0; i < n_alive; i++)
		{
			TrialRecord *rec = alive[i];
			SegTrialConfig config = WithBudget(&configs[rec->index], budgets[r]);
			SegCandidate c;
			char		label[96];
			instr_time	t0;
			instr_time	t1;

			if (n > 1)
				snprintf(label, sizeof(label), "trial %d/%d (balance %s%s):", rec->index + 1, n,
						 balance_name(config.balance),
						 n_rungs > 1 ? psprintf(", rung %d/%d", r + 1, n_rungs) : "");
			INSTR_TIME_SET_CURRENT(t0);
			TrainOrRaise(set, &config, seed, n > 1 ? label : NULL, &c);
			INSTR_TIME_SET_CURRENT(t1);
			INSTR_TIME_SUBTRACT(t1, t0);
			seg_free(config.params);

			rec->score = c.val_score;
			rec->accuracy = classification && c.val != NULL ? c.val->accuracy : NAN;
			rec->loss = c.fit.val_loss;
			rec->epochs_run = c.fit.iterations;
			rec->best_epoch = c.fit.best_iteration;
			rec->train_rows = c.n_train_rows;
			rec->budget = budgets[r];
			rec->ms += INSTR_TIME_GET_MILLISEC(t1);
			if (n_rungs > 1)
			{
				appendStringInfo(&rec->rungs, "%s{\"epochs\": %d, \"validation_%s\": ",
								 r > 0 ? ", " : "", budgets[r],
								 classification ? "macro_f1" : "r2");
				json_append_float8(&rec->rungs, rec->score);
				appendStringInfoChar(&rec->rungs, '}');
			}
			else
			{
				appendStringInfo(&rec->rungs, "{\"epochs\": %d, \"validation_%s\": ", epochs,
								 classification ? "macro_f1" : "r2");
				json_append_float8(&rec->rungs, rec->score);
				appendStringInfoChar(&rec->rungs, '}');
			}

			/* only the last rung's models can be chosen */
			if (last_rung && (best->model == NULL || c.val_score > best->val_score))
			{
				if (best->model != NULL)
					train_candidate_free(best);
				*best = c;
			}
			else
				train_candidate_free(&c);
		}
		if (!last_rung)
		{
			qsort(alive, n_alive, sizeof(TrialRecord *), CompareTrials);
			n_alive = (n_alive + HALVING_ETA - 1) / HALVING_ETA;
			/* keep the survivors in trial order, so the run order is the same */
			for (int i = 1; i < n_alive; i++)
				for (int j = i; j > 0 && alive[j - 1]->index > alive[j]->index; j--)
				{
					TrialRecord *tmp = alive[j];

					alive[j] = alive[j - 1];
					alive[j - 1] = tmp;
				}
		}
	}

	for (int t = 0; t < n; t++)
	{
		TrialRecord *rec = &records[t];
		SegTrialConfig shown = WithBudget(&configs[t], rec->budget);

		trial_score[t] = rec->score;
		appendStringInfo(trials_json, "%s{\"trial\": %d, \"config\": ", t > 0 ? ", " : "", t + 1);
		json_append_config(trials_json, &shown, balance_name(configs[t].balance));
		seg_free(shown.params);
		appendStringInfo(trials_json, ", \"validation_%s\": ",
						 classification ? "macro_f1" : "r2");
		json_append_float8(trials_json, rec->score);
		if (classification)
		{
			appendStringInfoString(trials_json, ", \"validation_accuracy\": ");
			json_append_float8(trials_json, rec->accuracy);
		}
		appendStringInfoString(trials_json, ", \"validation_loss\": ");
		json_append_float8(trials_json, rec->loss);
		appendStringInfo(trials_json, ", \"epochs_run\": %d, \"best_epoch\": %d, "
						 "\"train_rows\": %d, \"rungs\": [%s], \"ms\": ",
						 rec->epochs_run, rec->best_epoch, rec->train_rows, rec->rungs.data);
		json_append_float8(trials_json, rint(rec->ms * 10) / 10);
		appendStringInfoChar(trials_json, '}');
	}
}
