/*-------------------------------------------------------------------------
 *
 * sql_trials.c
 *	  segment_train's candidates: train each (balance modes, learners of
 *	  model => 'auto', search trials), score them on the validation rows,
 *	  and keep one model.
 *
 * Candidates without a search (at most a few, each a simpler or richer
 * way to fit the same data) are all kept and chosen between by the
 * one-standard-error rule (selection.h): the simplest whose validation
 * score is within the noise of the best's.  A search's trials are ranked
 * by score alone, the best kept as it goes.
 *
 * With cv => k (k-fold cross-validation, as GridSearchCV does) every
 * candidate is first scored by the mean over k folds of the train and
 * validation rows (the test rows stay untouched): for fold f it trains on
 * the other folds but one, (f + 1) mod k, which stops it early, and is
 * scored on fold f.  The kept candidate is then trained on the train part
 * with the validation part, as without cv.
 *
 * With successive halving (Jamieson and Talwalkar, 2016; Li et al.,
 * "Hyperband", 2018; asked for with "successive_halving": true) the
 * trials first train for a ninth of the learner's epochs, the best third
 * again for a third, and the best third of those for all of them (eta =
 * 3).  It is off by default: early stopping already ends a trial once
 * its validation loss stops improving, and each rung trains from scratch.
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

#include "pg_core.h"
#include "importance.h"
#include "selection.h"
#include "sql_train.h"

#define HALVING_ETA 3

/* better trial first: higher score, then the earlier trial */
static int
CompareTrials(const void *a, const void *b, void *arg)
{
	const TrialResult *trials = arg;
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	if (trials[x].score != trials[y].score)
		return trials[x].score > trials[y].score ? -1 : 1;
	return x - y;
}

static int
CompareInts(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return x < y ? -1 : x > y;
}

/*
 * A copy of config with the learner's epochs (and patience, which cannot
 * exceed them) cut to budget; budget 0 leaves it as it is.
 */
static SegTrialConfig
WithBudget(const SegTrialConfig *config, int budget)
{
	SegTrialConfig copy = trial_config_copy(config);
	const SegLearner *l = config->learner;
	const SegParamSpec *epochs = params_find(l->params, l->n_params, "epochs");
	const SegParamSpec *patience = params_find(l->params, l->n_params, "patience");
	char		unused[SEG_ERRMSG_LEN];

	if (budget > 0 && epochs != NULL)
	{
		(void) params_set_number(epochs, copy.params, budget, unused);
		if (patience != NULL && params_get_number(patience, copy.params) > budget)
			(void) params_set_number(patience, copy.params, budget, unused);
	}
	return copy;
}

/*
 * The race between kept candidates: once one has trained in full, a
 * richer candidate is stopped as soon as it trails the leader by more
 * than one standard error of the leader's score (a bootstrap over the
 * validation rows), by either of two measures:
 *	- from RACE_EQUAL_EPOCHS on, its best validation score so far against
 *	  the leader's best after as much training: the leader's epochs that
 *	  had seen as many training rows (a SMOTE candidate's epoch holds the
 *	  synthetic rows too), when both are the same learner.  Learning
 *	  curves of one learner on one data set rarely cross by more than
 *	  their noise: a candidate behind at equal budget stays behind;
 *	- from RACE_MIN_EPOCHS on, its best so far against the leader's final
 *	  score.
 * Such a candidate could not be kept: the one-standard-error rule keeps a
 * richer candidate only when it beats the simpler one.  A candidate the
 * race stops still counts as trained, with its best epoch so far.
 */
#define RACE_EQUAL_EPOCHS 2
#define RACE_MIN_EPOCHS 5

typedef struct Race
{
	bool		active;			/* a leader exists */
	double		leader_score;
	double		leader_se;
	const SegLearner *leader_learner;
	int			leader_rows;	/* its training rows (after balancing) */
	int			leader_epochs;	/* iterations in leader_best */
	double	   *leader_best;	/* [e]: its best score in its first e iterations */
	/* of the candidate running */
	double		best_score;
	double		rows_ratio;		/* its training rows over the leader's, or 0: not comparable */
	int			stopped_at;		/* epoch the race stopped it at, or 0 */
} Race;

static bool
RaceKeepGoing(void *arg, int iteration, const SegFitPoint *point)
{
	Race	   *race = arg;

	if (!isnan(point->val_score) && !(point->val_score <= race->best_score))
		race->best_score = point->val_score;
	if (race->rows_ratio > 0.0 && iteration >= RACE_EQUAL_EPOCHS)
	{
		/* the leader's epochs that had seen as many rows */
		double		e = floor(iteration * race->rows_ratio);
		int			same = e < 1.0 ? 1 : e > race->leader_epochs ? race->leader_epochs : (int) e;

		if (race->best_score + race->leader_se < race->leader_best[same])
		{
			race->stopped_at = iteration;
			return false;
		}
	}
	if (iteration >= RACE_MIN_EPOCHS &&
		race->best_score + race->leader_se < race->leader_score)
	{
		race->stopped_at = iteration;
		return false;
	}
	return true;
}

static void
TrainRacing(const SegTrainSet *set, const SegTrialConfig *config, int64 seed,
			const char *label, Race *race, SegCandidate *out)
{
	SegLearnContext ctx;
	char		msg[SEG_ERRMSG_LEN];

	memset(&ctx, 0, sizeof(ctx));
	ctx.seed = (uint64_t) seed;
	ctx.hooks = segment_hooks();
	ctx.progress_label = label;
	ctx.memory_limit = segment_memory_available();	/* what the call's budget has left */
	if (race != NULL && race->active)
	{
		race->best_score = -INFINITY;
		race->stopped_at = 0;
		race->rows_ratio = race->leader_best != NULL && config->learner == race->leader_learner ?
			(double) balanced_train_rows(set, config->balance) / race->leader_rows : 0.0;
		ctx.keep_going = RaceKeepGoing;
		ctx.keep_going_arg = race;
	}
	if (train_candidate(set, config, &ctx, out, msg) != SEG_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", msg),
				 config->balance == BALANCE_SMOTE ?
				 errhint("balance => 'smote' needs at least %d training rows in every class; use class_weight instead.",
						 SMOTE_K_NEIGHBORS + 1) :
				 strstr(msg, "diverged") != NULL ? errhint("Try a lower learning_rate.") : 0));
}

static void
TrainOrRaise(const SegTrainSet *set, const SegTrialConfig *config, int64 seed,
			 const char *label, SegCandidate *out)
{
	TrainRacing(set, config, seed, label, NULL, out);
}

/* Makes a fully trained candidate the race's leader. */
static void
Lead(Race *race, const SegTrainSet *set, const SegCandidate *c, int64 seed)
{
	SelectionInput in;
	const int  *pred_class[1] = {c->val_class};
	const double *pred_value[1] = {c->val_value};
	int			simplicity[1] = {0};

	memset(&in, 0, sizeof(in));
	in.classification = set->task == SEG_TASK_CLASSIFICATION;
	in.n_classes = set->n_classes;
	in.n = set->val.n;
	in.y_class = set->val.y_class;
	in.y_value = set->val.y_value;
	in.n_candidates = 1;
	in.pred_class = pred_class;
	in.pred_value = pred_value;
	in.simplicity = simplicity;
	in.seed = (uint64_t) seed;
	race->active = set->val.n > 1 && !isnan(c->val_score);
	race->leader_score = c->val_score;
	race->leader_se = selection_standard_error(&in, 0);
	race->leader_learner = c->config.learner;
	race->leader_rows = c->n_train_rows;
	race->leader_best = NULL;
	race->leader_epochs = c->fit.n_history;
	if (c->fit.history != NULL && c->fit.n_history > 0 && c->n_train_rows > 0)
	{
		double		best = -INFINITY;

		race->leader_best = palloc(sizeof(double) * (c->fit.n_history + 1));
		race->leader_best[0] = -INFINITY;
		for (int e = 0; e < c->fit.n_history; e++)
		{
			double		v = c->fit.history[e].val_score;

			if (!isnan(v) && v > best)
				best = v;
			race->leader_best[e + 1] = best;
		}
	}
}

/* Copies the rows of the train and validation parts whose fold is in `want` into a set. */
static void
FoldSet(const TrainData *e, SegInputForm form, const bool *want, SegLearnSet *set)
{
	int			d = e->schema[form].n_inputs;
	int			n = 0;
	int			cap = 0;
	double	   *x;
	int		   *yc;
	double	   *yv;

	/* the fold's rows counted first: its copy is within the call's budget */
	for (int p = SPLIT_TRAIN; p <= SPLIT_VALIDATION; p++)
		for (int i = 0; i < e->n[p]; i++)
			cap += want[e->fold[p][i]];
	x = seg_alloc_array((size_t) Max(cap, 1) * d, sizeof(double));
	yc = e->task == SEG_TASK_CLASSIFICATION ? palloc(sizeof(int) * Max(cap, 1)) : NULL;
	yv = e->task == SEG_TASK_REGRESSION ? palloc(sizeof(double) * Max(cap, 1)) : NULL;

	for (int p = SPLIT_TRAIN; p <= SPLIT_VALIDATION; p++)
		for (int i = 0; i < e->n[p]; i++)
		{
			if (!want[e->fold[p][i]])
				continue;
			memcpy(x + (size_t) n * d, e->x[form][p] + (size_t) i * d, sizeof(double) * d);
			if (yc != NULL)
				yc[n] = e->y[p][i];
			else
				yv[n] = e->v[p][i];
			n++;
		}
	set->x = x;
	set->n = n;
	set->y_class = yc;
	set->y_value = yv;
}

/* A candidate's mean score over the folds, and their standard deviation. */
static double
CrossValidate(const TrainData *e, const SegTrialConfig *config, int64 seed, double *std)
{
	SegInputForm form = config->learner->input;
	int			k = e->n_folds;
	bool	   *want = palloc(sizeof(bool) * k);
	double		sum = 0.0;
	double		sq = 0.0;

	for (int f = 0; f < k; f++)
	{
		SegTrainSet fold_set;
		SegLearnSet scored;
		SegCandidate c;
		double	   *out;
		double		score;
		int			n_out = e->task == SEG_TASK_CLASSIFICATION ? e->n_classes : 1;

		memset(&fold_set, 0, sizeof(fold_set));
		fold_set.task = e->task;
		fold_set.schema = &e->schema[form];
		fold_set.n_classes = e->n_classes;
		for (int g = 0; g < k; g++)
			want[g] = g != f && g != (f + 1) % k;
		FoldSet(e, form, want, &fold_set.train);
		for (int g = 0; g < k; g++)
			want[g] = g == (f + 1) % k;
		FoldSet(e, form, want, &fold_set.val);
		for (int g = 0; g < k; g++)
			want[g] = g == f;
		FoldSet(e, form, want, &scored);

		TrainOrRaise(&fold_set, config, seed, NULL, &c);
		out = seg_alloc_array((size_t) Max(scored.n, 1) * n_out, sizeof(double));
		learner_predict(config->learner, c.model, scored.x, scored.n,
						e->schema[form].n_inputs, n_out, out, segment_hooks());
		score = importance_score(e->task, e->n_classes, out, scored.y_class, scored.y_value,
								 scored.n);
		train_candidate_free(&c);
		sum += score;
		sq += score * score;
		pfree(out);
		pfree((double *) fold_set.train.x);
		pfree((double *) fold_set.val.x);
		pfree((double *) scored.x);
	}
	*std = sqrt(fmax(sq / k - (sum / k) * (sum / k), 0.0));
	return sum / k;
}

/* The halving budgets, or false when halving does not apply. */
static bool
HalvingBudgets(const SegTrialConfig *configs, int n, bool halving, int budgets[3])
{
	const SegLearner *l = configs[0].learner;
	const SegParamSpec *epochs = params_find(l->params, l->n_params, "epochs");
	int			e;

	if (!halving || epochs == NULL || n < HALVING_ETA * HALVING_ETA)
		return false;
	for (int t = 1; t < n; t++)
		if (configs[t].learner != l)
			return false;
	e = (int) params_get_number(epochs, configs[0].params);
	if (e < HALVING_ETA * HALVING_ETA)
		return false;
	budgets[0] = e / (HALVING_ETA * HALVING_ETA);
	budgets[1] = e / HALVING_ETA;
	budgets[2] = e;
	return true;
}

/*
 * Candidates scored by cross-validation; the kept one (the best, or with
 * simplicity the simplest within one standard error of the best's mean,
 * its error the folds' standard deviation over sqrt(k)) is then trained
 * on the train part.
 */
static void
RunCrossValidated(const TrainData *e, const SegTrainSet *const *sets,
				  const SegTrialConfig *configs, const int *simplicity, int n, int64 seed,
				  TrialRun *run)
{
	double		se;

	memset(run, 0, sizeof(*run));
	run->n = n;
	run->cv = e->n_folds;
	run->trials = palloc0(sizeof(TrialResult) * n);
	run->schedule = psprintf("%d trial%s, each scored by %d-fold cross-validation", n,
							 n > 1 ? "s" : "", e->n_folds);
	for (int t = 0; t < n; t++)
	{
		TrialResult *rec = &run->trials[t];
		instr_time	t0;
		instr_time	t1;

		INSTR_TIME_SET_CURRENT(t0);
		rec->config = trial_config_copy(&configs[t]);
		rec->score = CrossValidate(e, &configs[t], seed, &rec->cv_std);
		rec->accuracy = NAN;
		rec->loss = NAN;
		INSTR_TIME_SET_CURRENT(t1);
		INSTR_TIME_SUBTRACT(t1, t0);
		rec->ms = INSTR_TIME_GET_MILLISEC(t1);
		rec->rung_score[rec->n_rungs++] = rec->score;
		if (rec->score > run->trials[run->best].score)
			run->best = t;
	}
	run->chosen = run->best;
	se = run->trials[run->best].cv_std / sqrt((double) e->n_folds);
	if (simplicity != NULL)
		for (int t = 0; t < n; t++)
			if (run->trials[t].score >= run->trials[run->best].score - se &&
				simplicity[t] < simplicity[run->chosen])
				run->chosen = t;
	run->by_rule = run->chosen != run->best;
	run->margin = run->trials[run->best].score - run->trials[run->chosen].score;
	run->standard_error = se;
	TrainOrRaise(sets[configs[run->chosen].learner->input], &configs[run->chosen], seed, NULL,
				 &run->model);
	run->trials[run->chosen].iterations = run->model.fit.iterations;
	run->trials[run->chosen].best_iteration = run->model.fit.best_iteration;
	run->trials[run->chosen].train_rows = run->model.n_train_rows;
	run->trials[run->chosen].unit = run->model.fit.unit;
}

void
segment_run_trials(const TrainData *e, const SegTrainSet *const *sets,
				   const SegTrialConfig *configs, const int *simplicity, int n, int64 seed,
				   bool halving, TrialRun *run)
{
	int		   *alive = palloc(sizeof(int) * n);
	int			n_alive = n;
	int			budgets[3] = {0, 0, 0};
	int			n_rungs = HalvingBudgets(configs, n, halving, budgets) ? 3 : 1;
	bool		keep_all = simplicity != NULL;
	Race		race;
	SegCandidate *kept = keep_all ? palloc0(sizeof(SegCandidate) * n) : NULL;
	const SegTrainSet *first = sets[configs[0].learner->input];

	if (e->n_folds > 1)
	{
		RunCrossValidated(e, sets, configs, simplicity, n, seed, run);
		return;
	}
	memset(run, 0, sizeof(*run));
	run->n = n;
	run->trials = palloc0(sizeof(TrialResult) * n);
	if (n_rungs > 1)
		run->schedule = psprintf("successive halving: %d trials for %d epoch%s, the best %d "
								 "for %d, the best %d for %d", n, budgets[0],
								 budgets[0] > 1 ? "s" : "", (n + HALVING_ETA - 1) / HALVING_ETA,
								 budgets[1],
								 (n + HALVING_ETA * HALVING_ETA - 1) / (HALVING_ETA * HALVING_ETA),
								 budgets[2]);
	else
		run->schedule = psprintf("%d trial%s", n, n > 1 ? "s" : "");
	for (int t = 0; t < n; t++)
		alive[t] = t;
	memset(&race, 0, sizeof(race));

	for (int r = 0; r < n_rungs; r++)
	{
		bool		last_rung = r == n_rungs - 1;

		for (int i = 0; i < n_alive; i++)
		{
			int			t = alive[i];
			TrialResult *rec = &run->trials[t];
			SegTrialConfig config = WithBudget(&configs[t], budgets[r]);
			SegCandidate c;
			char		label[128];
			instr_time	t0;
			instr_time	t1;

			if (n > 1)
				snprintf(label, sizeof(label), "trial %d/%d (%s, balance %s%s):", t + 1, n,
						 config.learner->name, balance_name(config.balance),
						 n_rungs > 1 ? psprintf(", rung %d/%d", r + 1, n_rungs) : "");
			INSTR_TIME_SET_CURRENT(t0);
			TrainRacing(sets[config.learner->input], &config, seed, n > 1 ? label : NULL,
						keep_all && n_rungs == 1 ? &race : NULL, &c);
			INSTR_TIME_SET_CURRENT(t1);
			INSTR_TIME_SUBTRACT(t1, t0);
			rec->raced_out_at = race.active ? race.stopped_at : 0;
			if (keep_all && n_rungs == 1 && race.stopped_at == 0 &&
				(!race.active || c.val_score > race.leader_score))
				Lead(&race, first, &c, seed);

			if (rec->config.params != NULL)
				pfree(rec->config.params);
			rec->config = config;
			rec->score = c.val_score;
			rec->accuracy = c.val != NULL ? c.val->accuracy : NAN;
			rec->loss = c.fit.val_loss;
			rec->iterations = c.fit.iterations;
			rec->best_iteration = c.fit.best_iteration;
			rec->unit = c.fit.unit;
			rec->train_rows = c.n_train_rows;
			rec->ms += INSTR_TIME_GET_MILLISEC(t1);
			rec->rung_iterations[rec->n_rungs] = budgets[r];
			rec->rung_score[rec->n_rungs++] = c.val_score;

			/* only the last rung's models can be chosen */
			if (last_rung && keep_all)
				kept[t] = c;
			else if (last_rung && (run->model.model == NULL || c.val_score > run->model.val_score))
			{
				if (run->model.model != NULL)
					train_candidate_free(&run->model);
				run->model = c;
				run->best = run->chosen = t;
			}
			else
				train_candidate_free(&c);
		}
		if (!last_rung)
		{
			qsort_arg(alive, n_alive, sizeof(int), CompareTrials, run->trials);
			n_alive = (n_alive + HALVING_ETA - 1) / HALVING_ETA;
			/* keep the survivors in trial order, so the run order is the same */
			qsort(alive, n_alive, sizeof(int), CompareInts);
		}
	}

	if (keep_all)
	{
		SelectionInput in;
		SelectionResult sel;
		const int **pred_class = palloc(sizeof(int *) * n);
		const double **pred_value = palloc(sizeof(double *) * n);

		for (int t = 0; t < n; t++)
		{
			pred_class[t] = kept[t].val_class;
			pred_value[t] = kept[t].val_value;
		}
		memset(&in, 0, sizeof(in));
		in.classification = first->task == SEG_TASK_CLASSIFICATION;
		in.n_classes = first->n_classes;
		in.n = first->val.n;
		in.y_class = first->val.y_class;
		in.y_value = first->val.y_value;
		in.n_candidates = n;
		in.pred_class = pred_class;
		in.pred_value = pred_value;
		in.simplicity = simplicity;
		in.seed = (uint64_t) seed;
		selection_choose(&in, &sel);
		run->best = sel.best;
		run->chosen = sel.chosen;
		run->by_rule = sel.chosen != sel.best;
		run->margin = sel.margin;
		run->standard_error = sel.standard_error;
		run->errors = sel.errors;
		run->model = kept[sel.chosen];
		for (int t = 0; t < n; t++)
			if (t != sel.chosen)
				train_candidate_free(&kept[t]);
	}
}
