/*-------------------------------------------------------------------------
 *
 * sql_tree_rules.c
 *	  segment.tree_rules(name, version, tree): one tree of a tree model as
 *	  rows of readable rules, one per leaf.
 *
 * The trees see each column in its original units (learner.h's RAW
 * inputs: numbers as they are, booleans, categories by name), so the
 * rules are written straight from the thresholds, with no scaling to
 * undo.  What a leaf predicts depends on the learner:
 *	decision_tree, random_forest  the leaf's majority class and its share
 *	                              of the leaf's training rows, or the
 *	                              regressor's value
 *	gbdt                          the value the leaf adds to the raw score
 *	                              of the tree's class (each iteration
 *	                              grows one tree per class for three
 *	                              classes or more, tree t belonging to
 *	                              class t mod n_classes; one tree for the
 *	                              second class's log-odds for two), or to
 *	                              the regressor's value
 * Rules show the model's thresholds and category vocabularies, so they
 * need the right to read the model (as model() and model_info do).
 *
 * IDENTIFICATION
 *	  src/sql_tree_rules.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"

#include "pg_args.h"
#include "pg_core.h"
#include "registry.h"
#include "supervised_model.h"

PG_FUNCTION_INFO_V1(tree_rules);

/* The supervised model in bytes; ERROR for any other kind and for models without trees. */
static SegSupervised *
ReadTreeModel(bytea *bytes, const char *name)
{
	SegSupervised *s = segment_read_supervised(bytes, name, "a tree model",
											   "Train one with segment_train(..., model => 'decision_tree'), 'random_forest' or 'gbdt'.");

	if (s->learner->rules == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" (%s) has no trees", name, s->learner->name),
				 errhint("Rules come from the tree learners: decision_tree, random_forest and gbdt.")));
	return s;
}

/*
 * segment.tree_rules(name text, version integer, tree integer)
 * -> TABLE (leaf integer, rule text, samples float8, class text, prediction float8)
 */
Datum
tree_rules(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name;
	int32		version;
	int32		tree;
	SegSupervised *s;
	int			n_trees;
	const char *const **category_names;
	SegRule    *rules;
	int			n_rules;

	segment_require_arg(fcinfo, 0, "name");
	segment_require_arg(fcinfo, 2, "tree");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	version = segment_version_arg(fcinfo, 1, name);
	tree = PG_GETARG_INT32(2);
	InitMaterializedSRF(fcinfo, 0);

	s = ReadTreeModel(registry_model(name, version, REGISTRY_READ), name);
	n_trees = s->learner->n_trees(s->model);
	if (tree < 0 || tree >= n_trees)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tree %d is out of range for model \"%s\"", tree, name),
				 errdetail("The model has %d tree%s, numbered from 0 to %d.", n_trees,
						   n_trees == 1 ? "" : "s", n_trees - 1)));

	/* RAW inputs are the columns themselves: categories by their names */
	category_names = palloc0(sizeof(*category_names) * Max(s->schema.n_inputs, 1));
	for (int j = 0; j < s->schema.n_inputs; j++)
		if (s->schema.form == SEG_INPUT_RAW &&
			s->prep->columns[j].kind == SEG_COL_CATEGORICAL)
			category_names[j] = (const char *const *) s->prep->columns[j].categories;

	n_rules = s->learner->rules(s->model, tree, &s->schema,
								(const char *const *const *) category_names, &rules);
	for (int i = 0; i < n_rules; i++)
	{
		const SegRule *r = &rules[i];
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		int			k = 0;

		if (s->task == SEG_TASK_CLASSIFICATION && r->margin < 0)
		{
			/* a forest's leaf: class shares, the largest first on ties */
			for (int c = 1; c < r->n_values; c++)
				if (r->value[c] > r->value[k])
					k = c;
			values[3] = CStringGetTextDatum(s->class_names[k]);
		}
		else if (s->task == SEG_TASK_CLASSIFICATION)
		{
			/* a boosted tree adds to its class's margin; two classes share one */
			values[3] = CStringGetTextDatum(s->class_names[s->n_classes == 2 ? 1 : r->margin]);
		}
		else
			nulls[3] = true;
		values[0] = Int32GetDatum(r->leaf);
		values[1] = CStringGetTextDatum(r->text);
		values[2] = Float8GetDatum(r->samples);
		values[4] = Float8GetDatum(r->value[k]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	s->learner->rules_free(rules, n_rules);
	return (Datum) 0;
}
