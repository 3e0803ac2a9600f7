/*-------------------------------------------------------------------------
 *
 * sql_kmeans_args.c
 *	  The arguments of kmeans_fit's table form: validation, the spec that
 *	  stores every one of them by name (so that segment.retrain can call
 *	  kmeans_fit again) and the fingerprint that skip_if_unchanged
 *	  compares.
 *
 * IDENTIFICATION
 *	  src/sql_kmeans_args.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dataset.h"
#include "fingerprint.h"
#include "pg_args.h"
#include "pg_core.h"
#include "pg_json.h"
#include "registry.h"
#include "sql_kmeans.h"

/* the arguments of kmeans_fit's table form, by position */
enum
{
	ARG_NAME, ARG_RELATION, ARG_COLUMNS, ARG_K, ARG_N_INIT, ARG_MAX_ITER, ARG_TOL, ARG_SEED,
	ARG_INIT, ARG_STREAMING, ARG_SILHOUETTE_SAMPLE,
	/* 0.2.0 */
	ARG_PREPROCESS, ARG_CHOOSE, ARG_LABELS, ARG_ROLES, ARG_DEPLOY, ARG_SKIP_IF_UNCHANGED,
	ARG_EMBEDDING,
	N_ARGS
};

/* 0.1.0's declaration has the first eleven arguments; 0.2.0's all */
#define HAS_020_ARGS(nargs) ((nargs) >= N_ARGS)

static const char *const deploy_names[] = {"always", "if_better", "never"};
static const char *const role_names[] = {"monetary", "frequency", "recency"};

const char *
kmeans_deploy_name(KFitDeploy deploy)
{
	return deploy_names[deploy];
}

/* Kaufman and Rousseeuw's reading of a silhouette; NULL when undefined. */
const char *
kmeans_structure(double silhouette)
{
	if (isnan(silhouette))
		return NULL;
	if (silhouette > KMEANS_SILHOUETTE_REASONABLE)
		return "strong";
	if (silhouette > KMEANS_SILHOUETTE_WEAK)
		return "reasonable";
	if (silhouette > KMEANS_SILHOUETTE_NO_STRUCTURE)
		return "weak";
	return "none";
}

static int
CompareInt(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

/* The k[] argument: positive, sorted, duplicates removed. */
static int *
ReadKs(ArrayType *array, int *n_out)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int		   *ks;
	int			m = 0;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("k must be a one-dimensional array")));
	deconstruct_array(array, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must hold at least one number of clusters")));
	ks = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("k must not contain nulls")));
		ks[i] = DatumGetInt32(elems[i]);
		segment_check_k(ks[i]);
	}
	qsort(ks, n, sizeof(int), CompareInt);
	for (int i = 0; i < n; i++)
		if (m == 0 || ks[m - 1] != ks[i])
			ks[m++] = ks[i];
	*n_out = m;
	return ks;
}

static void
BadInitShape(int width)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("init must be a k x %d array of initial centroids", width)));
}

/*
 * Checks init against a width (the model's features) and the k asked
 * for; returns its number of centroids.
 */
static int
CheckInitShape(const KFitRequest *req, int width)
{
	int			k;

	if (req->init_values % width != 0 || (req->init_dims == 2 && req->init_k * width != req->init_values))
		BadInitShape(width);
	k = req->init_values / width;
	if (req->n_k != 1 || req->ks[0] != k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("init has %d centroids, so k must be {%d}", k, k),
				 errhint("Pass k => ARRAY[%d] with init.", k)));
	return k;
}

/* init: centroids in original units (read now, its width checked once known). */
static void
ReadInit(KFitRequest *req, ArrayType *array, bool width_known)
{
	int			n = ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));

	if (ARR_HASNULL(array) && array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("init must not contain nulls")));
	if (n == 0 || ARR_NDIM(array) > 2)
		BadInitShape(req->d);
	req->init = (double *) ARR_DATA_PTR(array);
	req->init_values = n;
	req->init_dims = ARR_NDIM(array);
	req->init_k = ARR_NDIM(array) == 2 ? ARR_DIMS(array)[0] : 0;
	if (width_known)
		req->init_k = CheckInitShape(req, req->d);
	else if (req->init_dims == 2 && (req->n_k != 1 || req->ks[0] != req->init_k))
		(void) CheckInitShape(req, n / req->init_k);
	for (int i = 0; i < n; i++)
		if (!isfinite(req->init[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("init must hold finite numbers")));
}

double *
kmeans_init_standardised(const KFitRequest *req, const SegPreprocessor *prep)
{
	int			d = prep->n_outputs;
	int			k = CheckInitShape(req, d);
	double	   *out = palloc(sizeof(double) * (size_t) k * d);

	for (int c = 0; c < prep->n_columns; c++)
	{
		const SegPrepColumn *col = &prep->columns[c];

		for (int j = 0; j < k; j++)
			for (int t = col->out_offset; t < col->out_offset + col->n_outputs; t++)
			{
				double		v = req->init[(size_t) j * d + t];

				/* a one-hot output is a share already */
				out[(size_t) j * d + t] = col->kind == SEG_COL_CATEGORICAL ? v :
					(v - col->mean) / col->scale;
			}
	}
	return out;
}

static bool
IsText(const KFitRequest *req, int j)
{
	bool		is_integer;

	return dataset_column_kind(dataset_column_type(req->relid, req->columns[j]),
							   &is_integer) == SEG_COL_CATEGORICAL;
}

/* labels: {"column": "display name", ...} over the fit's columns. */
static void
CheckLabels(const KFitRequest *req, Jsonb *labels)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(labels) || JB_ROOT_IS_SCALAR(labels))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("labels must be a json object of column names and display names"),
				 errhint("For example labels => '{\"mnt_wines\": \"wine spend\"}'.")));
	it = JsonbIteratorInit(&labels->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			if (seg_name_index(req->columns, req->d, key) < 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("labels names column \"%s\", which is not among the columns clustered",
								key)));
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		if (v.type != jbvString || v.val.string.len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the display name of column \"%s\" must be a non-empty string", key)));
		if (v.val.string.len > PERSONA_NAME_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("the display name of column \"%s\" is %d bytes long, more than %d",
							key, v.val.string.len, PERSONA_NAME_MAX)));
	}
}

/* roles: {"monetary": column, "frequency": column, "recency": column}, any of them. */
static void
CheckRoles(const KFitRequest *req, Jsonb *roles)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *role = NULL;

	if (!JB_ROOT_IS_OBJECT(roles) || JB_ROOT_IS_SCALAR(roles))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roles must be a json object of roles and column names"),
				 errhint("For example roles => '{\"monetary\": \"total_spent\", \"frequency\": \"num_purchases\", \"recency\": \"last_purchase_days\"}'.")));
	it = JsonbIteratorInit(&roles->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *column;
		int			j;
		bool		known = false;

		if (tok == WJB_KEY)
		{
			role = pnstrdup(v.val.string.val, v.val.string.len);
			for (int r = 0; r < PERSONA_N_ROLES; r++)
				known |= strcmp(role, role_names[r]) == 0;
			if (!known)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("roles has no role \"%s\"", role),
						 errhint("The roles are monetary, frequency and recency.")));
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		if (v.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("role \"%s\" must name a column", role)));
		column = pnstrdup(v.val.string.val, v.val.string.len);
		j = seg_name_index(req->columns, req->d, column);
		if (j < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("role \"%s\" names column \"%s\", which is not among the columns clustered",
							role, column)));
		if (IsText(req, j))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("role \"%s\" needs a numeric column, and \"%s\" is text", role,
							column)));
	}
}

/* The column that plays role in roles, or NULL. */
char *
kmeans_role_column(const KFitRequest *req, int role)
{
	JsonbValue *v;

	if (req->roles == NULL)
		return NULL;
	v = getKeyJsonValueFromContainer(&req->roles->root, role_names[role],
									 strlen(role_names[role]), NULL);
	return v != NULL && v->type == jbvString ? pnstrdup(v->val.string.val, v->val.string.len) :
		NULL;
}

/*
 * What does not go with embedding => name: preprocess => false (the
 * embedding's preprocessor encodes the rows) and streaming => true (the
 * streaming driver clusters raw columns, not codes).
 */
static void
CheckEmbeddingOptions(const KFitRequest *req)
{
	if (!req->preprocess)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("preprocess => false cannot be combined with embedding"),
				 errdetail("The rows are encoded by the preprocessor of embedding model \"%s\".",
						   req->embedding),
				 errhint("Leave preprocess at its default (true).")));
	if (req->streaming_given && req->streaming)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("streaming => true cannot be combined with embedding"),
				 errdetail("kmeans_fit clusters an embedding's codes in memory."),
				 errhint("Leave streaming NULL, or fit without embedding; segment.memory_limit bounds the codes held.")));
}

void
kmeans_parse_request(FunctionCallInfo fcinfo, KFitRequest *req)
{
	text	   *name;
	bool		width_known = true;
	int			nargs = PG_NARGS();

	memset(req, 0, sizeof(*req));
	segment_require_arg(fcinfo, ARG_NAME, "model name");
	segment_require_arg(fcinfo, ARG_RELATION, "relation");
	/* with an embedding, columns may be left NULL: the embedding's */
	if (!HAS_020_ARGS(nargs) || PG_ARGISNULL(ARG_EMBEDDING))
		segment_require_arg(fcinfo, ARG_COLUMNS, "columns");
	segment_require_arg(fcinfo, ARG_K, "k");
	segment_require_arg(fcinfo, ARG_N_INIT, "n_init");
	segment_require_arg(fcinfo, ARG_MAX_ITER, "max_iter");
	segment_require_arg(fcinfo, ARG_TOL, "tol");
	segment_require_arg(fcinfo, ARG_SEED, "seed");
	segment_require_arg(fcinfo, ARG_SILHOUETTE_SAMPLE, "silhouette_sample");
	/* 0.1.0's declaration has the first eleven; the rest take their defaults */
	if (HAS_020_ARGS(nargs))
	{
		segment_require_arg(fcinfo, ARG_PREPROCESS, "preprocess");
		segment_require_arg(fcinfo, ARG_SKIP_IF_UNCHANGED, "skip_if_unchanged");
	}
	name = PG_GETARG_TEXT_PP(ARG_NAME);
	if (VARSIZE_ANY_EXHDR(name) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must not be empty")));
	req->name = text_to_cstring(name);
	/* before the work: may the caller add a version to this name? */
	registry_check_change(req->name);
	req->relid = PG_GETARG_OID(ARG_RELATION);
	(void) segment_readable_relation(req->relid);
	req->relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(req->relid)),
											   get_rel_name(req->relid));
	req->columns_given = !PG_ARGISNULL(ARG_COLUMNS);
	if (req->columns_given)
	{
		req->columns = dataset_text_array(PG_GETARG_ARRAYTYPE_P(ARG_COLUMNS), "columns", &req->d);
		if (req->d == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("columns must name at least one column")));
	}
	/* the embedding's columns replace (or must equal) those given */
	if (HAS_020_ARGS(nargs) && !PG_ARGISNULL(ARG_EMBEDDING))
		kmeans_open_embedding(req, text_to_cstring(PG_GETARG_TEXT_PP(ARG_EMBEDDING)));
	for (int j = 0; j < req->d; j++)
		(void) dataset_column_type(req->relid, req->columns[j]);
	req->ks = ReadKs(PG_GETARG_ARRAYTYPE_P(ARG_K), &req->n_k);
	req->n_init = PG_GETARG_INT32(ARG_N_INIT);
	req->max_iter = PG_GETARG_INT32(ARG_MAX_ITER);
	req->tol = PG_GETARG_FLOAT8(ARG_TOL);
	req->seed = PG_GETARG_INT32(ARG_SEED);
	req->silhouette_sample = PG_GETARG_INT32(ARG_SILHOUETTE_SAMPLE);
	segment_check_n_init(req->n_init);
	if (req->max_iter < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iter must be at least 1")));
	if (!(req->tol >= 0.0) || isinf(req->tol))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tol must be a finite number of at least 0")));
	if (req->silhouette_sample < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("silhouette_sample must not be negative")));
	req->preprocess = HAS_020_ARGS(nargs) ? PG_GETARG_BOOL(ARG_PREPROCESS) : true;
	req->choose_elbow = HAS_020_ARGS(nargs) &&
		segment_choice_arg(fcinfo, ARG_CHOOSE, "choose", (const char *const[]) {"silhouette", "elbow"}, 2) == 1;
	req->deploy = HAS_020_ARGS(nargs) ?
		(KFitDeploy) segment_choice_arg(fcinfo, ARG_DEPLOY, "deploy", deploy_names, 3) : KFIT_DEPLOY_ALWAYS;
	req->skip_if_unchanged = HAS_020_ARGS(nargs) && PG_GETARG_BOOL(ARG_SKIP_IF_UNCHANGED);
	req->streaming_given = !PG_ARGISNULL(ARG_STREAMING);
	req->streaming = req->streaming_given && PG_GETARG_BOOL(ARG_STREAMING);
	if (req->emb != NULL)
		CheckEmbeddingOptions(req);
	/* a text column is one-hot encoded: the model's width is known once it is */
	for (int j = 0; j < req->d; j++)
		width_known &= !IsText(req, j);
	if (!PG_ARGISNULL(ARG_INIT))
	{
		/* with an embedding, init holds codes: k x code_size */
		int			saved_d = req->d;

		if (req->emb != NULL)
			req->d = req->emb->code_size;
		ReadInit(req, PG_GETARG_ARRAYTYPE_P(ARG_INIT), width_known || req->emb != NULL);
		req->d = saved_d;
	}
	if (HAS_020_ARGS(nargs) && !PG_ARGISNULL(ARG_LABELS))
	{
		req->labels = PG_GETARG_JSONB_P(ARG_LABELS);
		CheckLabels(req, req->labels);
	}
	if (HAS_020_ARGS(nargs) && !PG_ARGISNULL(ARG_ROLES))
	{
		req->roles = PG_GETARG_JSONB_P(ARG_ROLES);
		CheckRoles(req, req->roles);
	}
}

/*
 * Every argument under its parameter name, as given (streaming NULL when
 * it was left to the size of the relation); the deploy policy and
 * skip_if_unchanged only with_policy, since they do not change what is
 * fitted.
 */
static void
Arguments(JsonBuilder *b, const KFitRequest *req, bool with_policy)
{
	json_object_begin(b);
	json_key_string(b, "relation", req->relation);
	json_key(b, "columns");
	if (req->columns_given)
		json_strings(b, req->columns, req->d);
	else
		json_null(b);
	json_key(b, "k");
	json_array_begin(b);
	for (int r = 0; r < req->n_k; r++)
		json_integer(b, req->ks[r]);
	json_array_end(b);
	json_key_integer(b, "n_init", req->n_init);
	json_key_integer(b, "max_iter", req->max_iter);
	json_key_number(b, "tol", req->tol);
	json_key_integer(b, "seed", req->seed);
	json_key(b, "init");
	if (req->init == NULL)
		json_null(b);
	else if (req->init_dims == 1)
		json_numbers(b, req->init, req->init_values);
	else
	{
		int			width = req->init_values / req->init_k;

		json_array_begin(b);
		for (int j = 0; j < req->init_k; j++)
			json_numbers(b, req->init + (size_t) j * width, width);
		json_array_end(b);
	}
	json_key(b, "streaming");
	if (req->streaming_given)
		json_bool(b, req->streaming);
	else
		json_null(b);
	json_key_integer(b, "silhouette_sample", req->silhouette_sample);
	json_key_bool(b, "preprocess", req->preprocess);
	json_key_string(b, "choose", req->choose_elbow ? "elbow" : "silhouette");
	json_key(b, "labels");
	json_jsonb(b, req->labels);
	json_key(b, "roles");
	json_jsonb(b, req->roles);
	/* only when given, so that the specs of other fits read as before */
	if (req->embedding != NULL)
		json_key_string(b, "embedding", req->embedding);
	if (with_policy)
	{
		json_key_string(b, "deploy", deploy_names[req->deploy]);
		json_key_bool(b, "skip_if_unchanged", req->skip_if_unchanged);
	}
	json_object_end(b);
}

Jsonb *
kmeans_spec_arguments(const KFitRequest *req, bool with_policy)
{
	JsonBuilder b;

	json_begin(&b);
	Arguments(&b, req, with_policy);
	return json_finish(&b);
}

/*
 * What skip_if_unchanged compares: the rows (in any order), the
 * arguments but the policy, and the library version.
 */
Jsonb *
kmeans_fingerprint(const KFitRequest *req, const SegFrame *frame)
{
	JsonBuilder b;
	char		hex[17];
	char	   *text = JsonbToCString(NULL, &kmeans_spec_arguments(req, false)->root, 0);

	json_begin(&b);
	json_object_begin(&b);
	fingerprint_hex(frame_fingerprint(frame, NULL), hex);
	json_key_string(&b, "data", hex);
	json_key_integer(&b, "rows", frame->n_rows);
	fingerprint_hex(DatumGetUInt64(hash_bytes_extended((const unsigned char *) text,
													   (int) strlen(text), 0)), hex);
	json_key_string(&b, "arguments", hex);
	/* a new version of the embedding makes other codes of the same rows */
	if (req->emb != NULL)
	{
		fingerprint_hex(req->embedding_hash, hex);
		json_key_string(&b, "embedding", hex);
	}
	json_key_string(&b, "library", SEGMENT_VERSION);
	json_object_end(&b);
	return json_finish(&b);
}
