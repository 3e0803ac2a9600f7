/*-------------------------------------------------------------------------
 *
 * sql_autoencoder.c
 *	  segment.autoencoder_fit(name, relation, columns, code_size, hidden,
 *	  ...): a dense autoencoder (autoencoder.h) of a relation's columns
 *	  after the shared preprocessing, registered as the next version of
 *	  name; returns a report.
 *
 * The rows are split by their key as segment_train splits them: the
 * network and the preprocessor learn from the train part, training stops
 * early on the validation part, and the test part gives the held-out
 * reconstruction error.  Beside it the report shows the error of a PCA
 * with as many components as the code, fitted on the same train rows and
 * measured on the same parts: what the network gains over a linear map.
 *
 * IDENTIFICATION
 *	  src/sql_autoencoder.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "pg_core.h"
#include "pg_json.h"
#include "sql_embed.h"

PG_FUNCTION_INFO_V1(segment_autoencoder_fit);

/* the most epochs, rows per batch and patience one call may ask for */
#define AE_MAX_EPOCHS 1000000

/* autoencoder_fit's arguments beyond the source, checked */
typedef struct AutoencoderArgs
{
	AutoencoderParams params;
	double		test_size;
	double		validation_size;
	int64		seed;
	ArrayType  *key;
} AutoencoderArgs;

static void
CheckRange(const char *what, int64 v, int64 lo, int64 hi)
{
	if (v < lo || v > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between " INT64_FORMAT " and " INT64_FORMAT ", not " INT64_FORMAT,
						what, lo, hi, v)));
}

/* hidden: encoder layer sizes, 0 .. AE_MAX_ENCODER_LAYERS of them */
static void
ReadHidden(ArrayType *array, AutoencoderParams *p)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("hidden must be a one-dimensional array")));
	deconstruct_array(array, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
	if (n > AE_MAX_ENCODER_LAYERS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hidden lists %d encoder layers, more than the %d an autoencoder may have",
						n, AE_MAX_ENCODER_LAYERS),
				 errhint("The decoder mirrors the encoder, and a network has at most %d hidden layers.",
						 MLP_MAX_HIDDEN)));
	for (int l = 0; l < n; l++)
	{
		if (nulls[l])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("hidden must not contain nulls")));
		CheckRange("a hidden layer size", DatumGetInt32(elems[l]), 1, MLP_MAX_WIDTH);
		p->hidden[l] = DatumGetInt32(elems[l]);
	}
	p->n_hidden = n;
}

static void
CheckFraction(const char *what, double v)
{
	if (!(v >= 0.0 && v < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least 0 and below 1", what)));
}

static void
ReadArgs(FunctionCallInfo fcinfo, AutoencoderArgs *a)
{
	static const char *const names[] = {
		NULL, NULL, NULL, "code_size", "hidden", "epochs", "batch_size", "learning_rate",
		"l2", "patience", "test_size", "validation_size", "seed"
	};

	for (int i = 3; i <= 12; i++)
		segment_require_arg(fcinfo, i, names[i]);
	memset(a, 0, sizeof(*a));
	a->params.code_size = PG_GETARG_INT32(3);
	CheckRange("code_size", a->params.code_size, 1, MLP_MAX_WIDTH);
	ReadHidden(PG_GETARG_ARRAYTYPE_P(4), &a->params);
	a->params.epochs = PG_GETARG_INT32(5);
	CheckRange("epochs", a->params.epochs, 1, AE_MAX_EPOCHS);
	a->params.batch_size = PG_GETARG_INT32(6);
	CheckRange("batch_size", a->params.batch_size, 1, AE_MAX_EPOCHS);
	a->params.learning_rate = PG_GETARG_FLOAT8(7);
	if (!(a->params.learning_rate > 0.0) || !isfinite(a->params.learning_rate))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("learning_rate must be a finite number above 0")));
	a->params.l2 = PG_GETARG_FLOAT8(8);
	if (!(a->params.l2 >= 0.0) || !isfinite(a->params.l2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("l2 must be a finite number of at least 0")));
	a->params.patience = PG_GETARG_INT32(9);
	CheckRange("patience", a->params.patience, 1, AE_MAX_EPOCHS);
	a->test_size = PG_GETARG_FLOAT8(10);
	a->validation_size = PG_GETARG_FLOAT8(11);
	CheckFraction("test_size", a->test_size);
	CheckFraction("validation_size", a->validation_size);
	if (!(a->test_size + a->validation_size < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("test_size and validation_size must add up to less than 1")));
	a->seed = PG_GETARG_INT32(12);
	a->key = PG_ARGISNULL(13) ? NULL : PG_GETARG_ARRAYTYPE_P(13);
	a->params.progress_label = "autoencoder";
}

/* {"train": ..., "validation": ..., "test": ...}: null for a part without rows */
static void
PartErrors(JsonBuilder *b, const char *key, const double *mse, const EmbedData *data)
{
	static const char *const parts[3] = {"train", "validation", "test"};

	json_key(b, key);
	json_object_begin(b);
	for (int p = 0; p < 3; p++)
	{
		json_key(b, parts[p]);
		if (data->n[p] > 0 && !isnan(mse[p]))
			json_number(b, mse[p]);
		else
			json_null(b);
	}
	json_object_end(b);
}

static void
Settings(JsonBuilder *b, const EmbedSource *src, const AutoencoderArgs *a, const EmbedData *data,
		 bool with_source)
{
	json_object_begin(b);
	if (with_source)
	{
		json_key_string(b, "relation", src->relation);
		embed_json_columns(b, src);
	}
	json_key_integer(b, "code_size", a->params.code_size);
	json_key(b, "hidden");
	json_array_begin(b);
	for (int l = 0; l < a->params.n_hidden; l++)
		json_integer(b, a->params.hidden[l]);
	json_array_end(b);
	json_key_integer(b, "epochs", a->params.epochs);
	json_key_integer(b, "batch_size", a->params.batch_size);
	json_key_number(b, "learning_rate", a->params.learning_rate);
	json_key_number(b, "l2", a->params.l2);
	json_key_integer(b, "patience", a->params.patience);
	json_key_number(b, "test_size", a->test_size);
	json_key_number(b, "validation_size", a->validation_size);
	json_key_integer(b, "seed", a->seed);
	json_key(b, "key");
	if (a->key != NULL)
		json_strings(b, data->key_columns, data->n_key);
	else
		json_null(b);
	json_object_end(b);
}

/* What the report shows and the metrics keep. */
static void
Figures(JsonBuilder *b, const EmbedData *data, const SegAutoencoder *ae,
		const MlpFitResult *fit, const double *ae_mse, const double *pca_mse)
{
	json_key(b, "rows");
	json_object_begin(b);
	json_key_integer(b, "read", data->n_rows);
	json_key_integer(b, "train", data->n[SPLIT_TRAIN]);
	json_key_integer(b, "validation", data->n[SPLIT_VALIDATION]);
	json_key_integer(b, "test", data->n[SPLIT_TEST]);
	json_object_end(b);
	json_key_integer(b, "n_inputs", data->d);
	json_key_integer(b, "code_size", ae->code_size);
	json_key(b, "layers");
	json_array_begin(b);
	json_integer(b, data->d);
	for (int l = 0; l < ae->mlp->shape.n_hidden; l++)
		json_integer(b, ae->mlp->shape.hidden[l]);
	json_integer(b, data->d);
	json_array_end(b);
	json_key_integer(b, "parameters", (int64) ae->mlp->n_params);
	json_key_integer(b, "epochs_run", fit->epochs_run);
	json_key_integer(b, "best_epoch", fit->best_epoch);
	json_key_number(b, "train_loss", fit->train_loss);
	json_key_number(b, "validation_loss", fit->val_loss);
	PartErrors(b, "reconstruction_mse", ae_mse, data);
	PartErrors(b, "pca_reconstruction_mse", pca_mse, data);
}

static void
Split(JsonBuilder *b, const AutoencoderArgs *a, const EmbedData *data)
{
	json_key(b, "split");
	json_object_begin(b);
	json_key(b, "key");
	json_strings(b, data->key_columns, data->n_key);
	json_key_string(b, "key_source", data->key_source);
	json_key_integer(b, "seed", a->seed);
	json_object_end(b);
}

static void
History(JsonBuilder *b, const MlpFitResult *fit)
{
	json_key(b, "history");
	json_array_begin(b);
	for (int i = 0; i < fit->epochs_run; i++)
	{
		json_object_begin(b);
		json_key_integer(b, "epoch", i + 1);
		json_key_number(b, "loss", fit->history[i].train_loss);
		json_key_number(b, "validation_loss", fit->history[i].val_loss);
		json_object_end(b);
	}
	json_array_end(b);
}

/*
 * segment.autoencoder_fit(name text, relation regclass, columns text[],
 *     code_size int, hidden int[], epochs int, batch_size int,
 *     learning_rate float8, l2 float8, patience int, test_size float8,
 *     validation_size float8, seed int, key text[]) RETURNS jsonb
 */
Datum
segment_autoencoder_fit(PG_FUNCTION_ARGS)
{
	EmbedSource src;
	EmbedData	data;
	AutoencoderArgs a;
	SegEmbedding e;
	SegPca	   *pca = NULL;
	MlpFitResult fit;
	double		ae_mse[3];
	double		pca_mse[3];
	SegWriter	w;
	JsonBuilder metrics;
	JsonBuilder spec;
	JsonBuilder report;
	char	   *name;
	int32		version;
	char		msg[SEG_ERRMSG_LEN];
	MemoryContext work;
	instr_time	start;
	TimestampTz started = GetCurrentTimestamp();
	double		load_ms;
	double		fit_ms;
	MemoryContext old;
	Jsonb	   *result;

	ReadArgs(fcinfo, &a);
	INSTR_TIME_SET_CURRENT(start);
	work = AllocSetContextCreate(CurrentMemoryContext, "segment autoencoder_fit",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	segment_budget_begin(work, "autoencoder_fit");
	embed_read_source(fcinfo, &src);
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	embed_load_split(&src, a.key, a.test_size, a.validation_size, a.seed, &data);
	load_ms = embed_elapsed_ms(start);
	if (a.params.code_size > data.d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("code_size (%d) must be at most the number of encoded features (%d)",
						a.params.code_size, data.d),
				 errhint("Numeric and boolean columns encode into one feature each, text columns into one per value.")));
	if (data.n[SPLIT_TRAIN] < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("an autoencoder needs at least 2 training rows, and the train part has %d",
						data.n[SPLIT_TRAIN]),
				 errhint("Fit on more rows, or on a larger train part (test_size, validation_size).")));
	embed_check_variation(&src, &data);

	memset(&e, 0, sizeof(e));
	e.kind = SEG_MODEL_AUTOENCODER;
	e.prep = data.prep;
	e.n_inputs = data.d;
	e.code_size = a.params.code_size;
	segment_raise(autoencoder_fit(data.x[SPLIT_TRAIN], data.n[SPLIT_TRAIN],
								  data.x[SPLIT_VALIDATION], data.n[SPLIT_VALIDATION], data.d,
								  &a.params, (uint64_t) a.seed, segment_hooks(),
								  &e.autoencoder, &fit, msg), msg);
	fit_ms = embed_elapsed_ms(start) - load_ms;

	/*
	 * The same parts through a PCA of the code's size, fitted on the train
	 * part; left out (null figures) when it could not be fitted (wider than
	 * PCA_MAX_FIT_WIDTH: its eigen-solver cannot be interrupted) or its
	 * covariance and eigen-solver (about 3 d^2 doubles) would not fit in
	 * what the memory budget has left: the baseline must not fail the fit.
	 */
	if (a.params.code_size <= data.n[SPLIT_TRAIN] && data.d <= PCA_MAX_FIT_WIDTH &&
		3.0 * data.d * data.d * sizeof(double) < (double) segment_memory_available())
		segment_raise(pca_fit(data.x[SPLIT_TRAIN], data.n[SPLIT_TRAIN], data.d,
							  a.params.code_size, segment_hooks(), &pca, msg), msg);
	for (int p = 0; p < 3; p++)
	{
		ae_mse[p] = autoencoder_reconstruction_mse(e.autoencoder, data.x[p], data.n[p],
												   segment_hooks());
		pca_mse[p] = pca != NULL ?
			pca_reconstruction_mse(pca, data.x[p], data.n[p], segment_hooks()) : NAN;
	}

	json_begin(&metrics);
	json_object_begin(&metrics);
	Figures(&metrics, &data, e.autoencoder, &fit, ae_mse, pca_mse);
	History(&metrics, &fit);
	json_object_end(&metrics);

	json_begin(&spec);
	json_object_begin(&spec);
	json_key_string(&spec, "function", "autoencoder_fit");
	json_key(&spec, "arguments");
	Settings(&spec, &src, &a, &data, true);
	Split(&spec, &a, &data);
	json_object_end(&spec);

	writer_init(&w, 1024 + sizeof(double) * e.autoencoder->mlp->n_params);
	embedding_write(&w, &e);
	version = embed_save(name, "autoencoder_fit", &src, &data, started, segment_writer_to_bytea(&w), json_finish(&spec),
						 json_finish(&metrics));

	json_begin(&report);
	json_object_begin(&report);
	json_key_string(&report, "name", name);
	json_key_integer(&report, "version", version);
	json_key_string(&report, "kind", "autoencoder");
	json_key_string(&report, "relation", src.relation);
	Figures(&report, &data, e.autoencoder, &fit, ae_mse, pca_mse);
	json_key(&report, "settings");
	Settings(&report, &src, &a, &data, false);
	Split(&report, &a, &data);
	embed_json_features(&report, e.prep);
	embed_json_timings(&report, load_ms, fit_ms, embed_elapsed_ms(start));
	json_object_end(&report);
	if (segment_progress_notices())
		ereport(NOTICE,
				(errmsg("autoencoder model \"%s\" version %d: reconstruction MSE %.4g on %s (PCA with %d components: %.4g), best epoch %d of %d",
						name, version,
						data.n[SPLIT_TEST] > 0 ? ae_mse[SPLIT_TEST] : ae_mse[SPLIT_TRAIN],
						data.n[SPLIT_TEST] > 0 ? "the test rows" : "the train rows",
						a.params.code_size,
						data.n[SPLIT_TEST] > 0 ? pca_mse[SPLIT_TEST] : pca_mse[SPLIT_TRAIN],
						fit.best_epoch, fit.epochs_run)));

	segment_budget_end();
	MemoryContextSwitchTo(old);
	/* the report outlives the work context */
	result = json_finish(&report);
	MemoryContextDelete(work);
	PG_RETURN_JSONB_P(result);
}
