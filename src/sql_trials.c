/*-------------------------------------------------------------------------
 *
 * sql_trials.c
 *	  segment_train's candidates: train each (balance modes, search
 *	  trials), rank by validation macro-F1, keep the best network, and
 *	  describe every trial for the report.
 *
 * With successive halving (Jamieson and Talwalkar, 2016; Li et al.,
 * "Hyperband", 2018) the trials first train for epochs / 9, the best
 * third again for epochs / 3, and the best third of those for all the
 * epochs (eta = 3); each rung retrains from the same seed, so a trial's
 * result depends only on its configuration and budget.
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
	double		f1;				/* validation macro-F1 at its last rung */
	double		accuracy;
	double		loss;
	int			epochs_run;
	int			best_epoch;
	int			train_rows;
	int			budget;			/* epochs of its last rung */
	double		ms;
	StringInfoData rungs;		/* [{"epochs": b, "validation_macro_f1": f}, ...] */
} TrialRecord;

/* better trial first: higher F1, then the earlier trial */
static int
CompareTrials(const void *a, const void *b)
{
	const TrialRecord *x = *(TrialRecord *const *) a;
	const TrialRecord *y = *(TrialRecord *const *) b;

	if (x->f1 != y->f1)
		return x->f1 > y->f1 ? -1 : 1;
	return x->index - y->index;
}

static void
TrainOrRaise(const SegTrainSet *set, const SegTrialConfig *config, int epochs, int patience,
			 int64 seed, const char *label, SegCandidate *out)
{
	char		msg[SEG_ERRMSG_LEN];

	if (train_candidate(set, config, epochs, patience, (uint64_t) seed, label,
						segment_memory_limit_bytes(), segment_hooks(), out, msg) != SEG_OK)
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
				   int epochs, int patience, int64 seed, bool halving,
				   StringInfo trials_json, StringInfo schedule, double *trial_f1,
				   SegCandidate *best)
{
	TrialRecord *records = palloc0(sizeof(TrialRecord) * n);
	TrialRecord **alive = palloc(sizeof(TrialRecord *) * n);
	int			n_alive = n;
	int			n_rungs = 1;
	int			budgets[3] = {epochs, epochs, epochs};

	if (halving && n >= HALVING_ETA * HALVING_ETA && epochs >= HALVING_ETA * HALVING_ETA)
	{
		n_rungs = 3;
		budgets[0] = epochs / (HALVING_ETA * HALVING_ETA);
		budgets[1] = epochs / HALVING_ETA;
		appendStringInfo(schedule, "successive halving: %d trials for %d epoch%s, the best %d "
						 "for %d, the best %d for %d", n, budgets[0], budgets[0] > 1 ? "s" : "",
						 (n + HALVING_ETA - 1) / HALVING_ETA, budgets[1],
						 (n + HALVING_ETA * HALVING_ETA - 1) / (HALVING_ETA * HALVING_ETA),
						 budgets[2]);
	}
	else
		appendStringInfo(schedule, "%d trial%s for %d epoch%s", n, n > 1 ? "s" : "", epochs,
						 epochs > 1 ? "s" : "");

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
			const SegTrialConfig *config = &configs[rec->index];
			SegCandidate c;
			char		label[96];
			instr_time	t0;
			instr_time	t1;

			if (n > 1)
				snprintf(label, sizeof(label), "trial %d/%d (balance %s%s):", rec->index + 1, n,
						 balance_name(config->balance),
						 n_rungs > 1 ? psprintf(", rung %d/%d", r + 1, n_rungs) : "");
			INSTR_TIME_SET_CURRENT(t0);
			TrainOrRaise(set, config, budgets[r], patience < budgets[r] ? patience : budgets[r],
						 seed, n > 1 ? label : NULL, &c);
			INSTR_TIME_SET_CURRENT(t1);
			INSTR_TIME_SUBTRACT(t1, t0);

			rec->f1 = c.val->macro.f1;
			rec->accuracy = c.val->accuracy;
			rec->loss = c.fit.val_loss;
			rec->epochs_run = c.fit.epochs_run;
			rec->best_epoch = c.fit.best_epoch;
			rec->train_rows = c.n_train_rows;
			rec->budget = budgets[r];
			rec->ms += INSTR_TIME_GET_MILLISEC(t1);
			appendStringInfo(&rec->rungs, "%s{\"epochs\": %d, \"validation_macro_f1\": ",
							 r > 0 ? ", " : "", budgets[r]);
			json_append_float8(&rec->rungs, rec->f1);
			appendStringInfoChar(&rec->rungs, '}');

			/* only the last rung's networks can be chosen */
			if (last_rung && (best->mlp == NULL || c.val->macro.f1 > best->val->macro.f1))
			{
				if (best->mlp != NULL)
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

		trial_f1[t] = rec->f1;
		appendStringInfo(trials_json, "%s{\"trial\": %d, \"config\": ", t > 0 ? ", " : "", t + 1);
		json_append_config(trials_json, &configs[t], rec->budget,
						   patience < rec->budget ? patience : rec->budget,
						   balance_name(configs[t].balance));
		appendStringInfoString(trials_json, ", \"validation_macro_f1\": ");
		json_append_float8(trials_json, rec->f1);
		appendStringInfoString(trials_json, ", \"validation_accuracy\": ");
		json_append_float8(trials_json, rec->accuracy);
		appendStringInfoString(trials_json, ", \"validation_loss\": ");
		json_append_float8(trials_json, rec->loss);
		appendStringInfo(trials_json, ", \"epochs_run\": %d, \"best_epoch\": %d, "
						 "\"train_rows\": %d, \"rungs\": [%s], \"ms\": ",
						 rec->epochs_run, rec->best_epoch, rec->train_rows, rec->rungs.data);
		json_append_float8(trials_json, rint(rec->ms * 10) / 10);
		appendStringInfoChar(trials_json, '}');
	}
}
