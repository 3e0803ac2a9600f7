/*-------------------------------------------------------------------------
 *
 * sql_pca.c
 *	  segment.pca_fit(name, relation, columns, components): principal
 *	  components of a relation's columns after the shared preprocessing
 *	  (impute, one-hot, scale), registered as the next version of name;
 *	  returns a report (explained variance and ratios).
 *
 * Every row is fitted on (PCA has no held-out part), in a canonical order;
 * the preprocessor too, so the encoded matrix is exactly what
 * segment.preprocess(model, row) gives for those rows and the components
 * are scikit-learn's PCA(svd_solver='full') of it (pca.h).
 *
 * IDENTIFICATION
 *	  src/sql_pca.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "pg_core.h"
#include "pg_json.h"
#include "sql_embed.h"

PG_FUNCTION_INFO_V1(segment_pca_fit);

/* ERROR unless k components fit the encoded width and the rows. */
static void
CheckComponents(int k, const EmbedData *data)
{
	int			n = data->n[SPLIT_TRAIN];

	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("PCA needs at least 2 rows, and the relation has %d", n)));
	if (k > data->d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("components (%d) must be at most the number of encoded features (%d)",
						k, data->d),
				 errhint("Numeric and boolean columns encode into one feature each, text columns into one per value.")));
	if (k > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("components (%d) must be at most the number of rows (%d)", k, n)));
	if (data->d > PCA_MAX_FIT_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("PCA takes at most %d encoded features, and the columns encode into %d",
						PCA_MAX_FIT_WIDTH, data->d),
				 errdetail("The eigen-decomposition of a wider covariance matrix would run for seconds or minutes without answering a cancel request or statement_timeout."),
				 errhint("Leave out text columns with many distinct values.")));
}

/* The figures of a fit: what the report shows and the metrics keep. */
static void
Figures(JsonBuilder *b, const SegPca *pca, double mse)
{
	double	   *ratio = palloc(sizeof(double) * pca->k);
	double	   *singular = palloc(sizeof(double) * pca->k);
	double		cumulative = 0.0;

	for (int j = 0; j < pca->k; j++)
	{
		ratio[j] = pca->explained_variance[j] / pca->total_variance;
		cumulative += ratio[j];
		/* scikit-learn's singular_values_: of the centred rows */
		singular[j] = sqrt(pca->explained_variance[j] * (pca->n_samples - 1.0));
	}
	json_key_integer(b, "rows", (int64) pca->n_samples);
	json_key_integer(b, "n_inputs", pca->d);
	json_key_integer(b, "components", pca->k);
	json_key(b, "explained_variance");
	json_numbers(b, pca->explained_variance, pca->k);
	json_key(b, "explained_variance_ratio");
	json_numbers(b, ratio, pca->k);
	json_key_number(b, "explained_variance_ratio_total", cumulative);
	json_key(b, "singular_values");
	json_numbers(b, singular, pca->k);
	json_key_number(b, "total_variance", pca->total_variance);
	json_key_number(b, "noise_variance", pca->noise_variance);
	json_key_number(b, "reconstruction_mse", mse);
}

static Jsonb *
Spec(const EmbedSource *src, int k)
{
	JsonBuilder b;

	json_begin(&b);
	json_object_begin(&b);
	json_key_string(&b, "function", "pca_fit");
	json_key(&b, "arguments");
	json_object_begin(&b);
	json_key_string(&b, "relation", src->relation);
	embed_json_columns(&b, src);
	json_key_integer(&b, "components", k);
	json_object_end(&b);
	json_object_end(&b);
	return json_finish(&b);
}

/*
 * segment.pca_fit(name text, relation regclass, columns text[],
 *                 components int DEFAULT 2) RETURNS jsonb
 */
Datum
segment_pca_fit(PG_FUNCTION_ARGS)
{
	EmbedSource src;
	EmbedData	data;
	SegEmbedding e;
	SegWriter	w;
	JsonBuilder metrics;
	JsonBuilder report;
	char	   *name;
	int			k;
	int32		version;
	double		mse;
	char		msg[SEG_ERRMSG_LEN];
	MemoryContext work;
	instr_time	start;
	TimestampTz started = GetCurrentTimestamp();
	double		load_ms;
	double		fit_ms;
	MemoryContext old;
	Jsonb	   *result;

	segment_require_arg(fcinfo, 3, "components");
	k = PG_GETARG_INT32(3);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("components must be at least 1, not %d", k)));

	INSTR_TIME_SET_CURRENT(start);
	work = AllocSetContextCreate(CurrentMemoryContext, "segment pca_fit", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "pca_fit");
	embed_read_source(fcinfo, &src);
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	embed_load_all(&src, &data);
	load_ms = embed_elapsed_ms(start);
	CheckComponents(k, &data);
	embed_check_variation(&src, &data);

	memset(&e, 0, sizeof(e));
	e.kind = SEG_MODEL_PCA;
	e.prep = data.prep;
	e.n_inputs = data.d;
	e.code_size = k;
	segment_raise(pca_fit(data.x[SPLIT_TRAIN], data.n[SPLIT_TRAIN], data.d, k, segment_hooks(),
						  &e.pca, msg), msg);
	fit_ms = embed_elapsed_ms(start) - load_ms;
	mse = pca_reconstruction_mse(e.pca, data.x[SPLIT_TRAIN], data.n[SPLIT_TRAIN],
								 segment_hooks());

	json_begin(&metrics);
	json_object_begin(&metrics);
	Figures(&metrics, e.pca, mse);
	json_object_end(&metrics);

	writer_init(&w, 1024 + sizeof(double) * (size_t) (k + 1) * data.d);
	embedding_write(&w, &e);
	version = embed_save(name, "pca_fit", &src, &data, started, segment_writer_to_bytea(&w), Spec(&src, k), json_finish(&metrics));

	json_begin(&report);
	json_object_begin(&report);
	json_key_string(&report, "name", name);
	json_key_integer(&report, "version", version);
	json_key_string(&report, "kind", "pca");
	json_key_string(&report, "relation", src.relation);
	Figures(&report, e.pca, mse);
	embed_json_features(&report, e.prep);
	embed_json_timings(&report, load_ms, fit_ms, embed_elapsed_ms(start));
	json_object_end(&report);
	if (segment_progress_notices())
	{
		double		kept = 0.0;

		for (int j = 0; j < k; j++)
			kept += e.pca->explained_variance[j];
		ereport(NOTICE,
				(errmsg("pca model \"%s\" version %d: %d component%s explain%s %.1f%% of the variance",
						name, version, k, k == 1 ? "" : "s", k == 1 ? "s" : "",
						100.0 * kept / e.pca->total_variance)));
	}

	segment_budget_end();
	MemoryContextSwitchTo(old);
	/* the report outlives the work context */
	result = json_finish(&report);
	MemoryContextDelete(work);
	PG_RETURN_JSONB_P(result);
}
