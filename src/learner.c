/*-------------------------------------------------------------------------
 *
 * learner.c
 *	  The registered learners: adding a learner is one line here.
 *
 * IDENTIFICATION
 *	  src/learner.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "learner.h"

static const SegLearner *const learners[] = {
	&seg_learner_mlp,
	&seg_learner_logistic,
	&seg_learner_gbdt,
	&seg_learner_random_forest,
	&seg_learner_decision_tree,
	NULL						/* end of the list */
};

#define N_LEARNERS ((int) (sizeof(learners) / sizeof(learners[0])) - 1)

const SegLearner *
learner_find(const char *name)
{
	for (int i = 0; i < N_LEARNERS; i++)
		if (strcmp(learners[i]->name, name) == 0)
			return learners[i];
	return NULL;
}

int
learner_count(void)
{
	return N_LEARNERS;
}

const SegLearner *
learner_at(int i)
{
	return i >= 0 && i < N_LEARNERS ? learners[i] : NULL;
}

void
fit_info_free(SegFitInfo *info)
{
	seg_free(info->history);
	info->history = NULL;
	info->n_history = 0;
}

void
learner_predict(const SegLearner *learner, const void *model, const double *x, int n,
				int n_inputs, int n_outputs, double *out, const SegHooks *hooks)
{
	for (int start = 0; start < n; start += LEARNER_PREDICT_BLOCK)
	{
		int			rows = n - start < LEARNER_PREDICT_BLOCK ? n - start : LEARNER_PREDICT_BLOCK;

		seg_check_interrupts(hooks);
		learner->predict(model, x + (size_t) start * n_inputs, rows,
						 out + (size_t) start * n_outputs);
	}
}

void
learner_margins(const SegLearner *learner, const void *model, const double *x, int n,
				int n_inputs, double *out, const SegHooks *hooks)
{
	int			n_margins = learner->n_margins(model);

	for (int start = 0; start < n; start += LEARNER_PREDICT_BLOCK)
	{
		int			rows = n - start < LEARNER_PREDICT_BLOCK ? n - start : LEARNER_PREDICT_BLOCK;

		seg_check_interrupts(hooks);
		learner->margins(model, x + (size_t) start * n_inputs, rows,
						 out + (size_t) start * n_margins);
	}
}
