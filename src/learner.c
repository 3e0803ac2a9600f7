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
