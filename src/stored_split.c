/*-------------------------------------------------------------------------
 *
 * stored_split.c
 *	  Reading the split segment_train stores in a model version's spec.
 *
 * IDENTIFICATION
 *	  src/stored_split.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "stored_split.h"

static JsonbValue *
Member(JsonbContainer *c, const char *key)
{
	return c != NULL ? getKeyJsonValueFromContainer(c, key, strlen(key), NULL) : NULL;
}

static char *
Text(JsonbValue *v)
{
	return v != NULL && v->type == jbvString ? pnstrdup(v->val.string.val, v->val.string.len) :
		NULL;
}

static char **
Texts(JsonbValue *v, int *n)
{
	char	  **out;

	*n = v != NULL && v->type == jbvBinary ? JsonContainerSize(v->val.binary.data) : 0;
	out = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		out[i] = Text(getIthJsonbValueFromContainer(v->val.binary.data, i));
	return out;
}

/* An unsigned 64-bit threshold, stored as a decimal string (null: none). */
static uint64
Threshold(JsonbValue *v, bool *present)
{
	char	   *text = Text(v);

	*present = text != NULL;
	return text != NULL ? strtou64(text, NULL, 10) : 0;
}

void
stored_split_read(Jsonb *spec, const char *name, StoredSplit *out)
{
	JsonbContainer *root = JB_ROOT_IS_OBJECT(spec) ? &spec->root : NULL;
	JsonbValue *split = Member(root, "split");
	JsonbValue *arguments = Member(root, "arguments");
	JsonbContainer *c;
	JsonbContainer *args;
	JsonbValue *v;

	memset(out, 0, sizeof(*out));
	if (split == NULL || split->type != jbvBinary || arguments == NULL ||
		arguments->type != jbvBinary)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" has no stored split", name),
				 errhint("Versions trained by segment_train since 0.2.0 store theirs; retrain the model.")));
	c = split->val.binary.data;
	args = arguments->val.binary.data;
	out->relation = Text(Member(args, "relation"));
	out->label = Text(Member(args, "label"));
	out->features = Texts(Member(args, "features"), &out->n_features);
	v = Member(c, "task");
	out->classification = v != NULL && v->type == jbvString &&
		v->val.string.len == (int) strlen("classification") &&
		memcmp(v->val.string.val, "classification", v->val.string.len) == 0;
	v = Member(c, "seed");
	out->seed = v != NULL && v->type == jbvNumeric ?
		(uint64) DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(v->val.numeric))) : 0;
	out->key = Texts(Member(c, "key"), &out->n_key);
	v = Member(c, "strata");
	if (out->relation == NULL || out->label == NULL || v == NULL || v->type != jbvBinary)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the stored split of model \"%s\" is incomplete", name)));
	{
		JsonbContainer *strata = v->val.binary.data;
		JsonbIterator *it = JsonbIteratorInit(strata);
		JsonbValue	item;
		JsonbIteratorToken tok;
		int			i = 0;

		out->n_strata = JsonContainerSize(strata);
		out->stratum_names = palloc(sizeof(char *) * Max(out->n_strata, 1));
		out->thresholds = palloc0(sizeof(SplitThreshold) * Max(out->n_strata, 1));
		while ((tok = JsonbIteratorNext(&it, &item, true)) != WJB_DONE)
		{
			JsonbValue *pair;

			if (tok != WJB_KEY)
				continue;
			out->stratum_names[i] = pnstrdup(item.val.string.val, item.val.string.len);
			pair = getKeyJsonValueFromContainer(strata, item.val.string.val,
												item.val.string.len, NULL);
			out->thresholds[i].test_max =
				Threshold(getIthJsonbValueFromContainer(pair->val.binary.data, 0),
						  &out->thresholds[i].has_test);
			out->thresholds[i].validation_max =
				Threshold(getIthJsonbValueFromContainer(pair->val.binary.data, 1),
						  &out->thresholds[i].has_validation);
			i++;
		}
	}
}

int
stored_split_stratum(const StoredSplit *s, const char *class_text)
{
	if (!s->classification)
		return 0;
	return seg_name_index(s->stratum_names, s->n_strata, class_text);
}
