/*-------------------------------------------------------------------------
 *
 * sql_embed_data.c
 *	  The rows segment.pca_fit and segment.autoencoder_fit learn from:
 *	  argument checks, one scan, the split, the preprocessor, the encoded
 *	  parts; and the registry and JSON pieces both use.
 *
 * PCA reads every row in the canonical order of dataset_load_canonical.
 * The autoencoder splits its rows as segment_train does, by a hash of
 * each row's key (split.h), into train, validation (early stopping) and
 * test (the held-out reconstruction error), each part in a canonical
 * order.  Either way the preprocessor (impute, one-hot, scale) is fitted
 * on the rows the map learns from, and the same rows in any scan order
 * give the same model.
 *
 * IDENTIFICATION
 *	  src/sql_embed_data.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dataset.h"
#include "pg_args.h"
#include "pg_core.h"
#include "pg_json.h"
#include "registry.h"
#include "sql_embed.h"

void
embed_read_source(FunctionCallInfo fcinfo, EmbedSource *src)
{
	text	   *name;

	segment_require_arg(fcinfo, 0, "model name");
	segment_require_arg(fcinfo, 1, "relation");
	segment_require_arg(fcinfo, 2, "columns");
	name = PG_GETARG_TEXT_PP(0);
	if (VARSIZE_ANY_EXHDR(name) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must not be empty")));
	/* before the work: may the caller add a version to this name? */
	registry_check_change(text_to_cstring(name));
	memset(src, 0, sizeof(*src));
	src->relid = PG_GETARG_OID(1);
	(void) segment_readable_relation(src->relid);
	src->relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(src->relid)),
											   get_rel_name(src->relid));
	src->columns = dataset_text_array(PG_GETARG_ARRAYTYPE_P(2), "columns", &src->n_columns);
	if (src->n_columns == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("columns must name at least one column")));
	for (int j = 0; j < src->n_columns; j++)
	{
		(void) dataset_column_type(src->relid, src->columns[j]);
		for (int i = 0; i < j; i++)
			if (strcmp(src->columns[i], src->columns[j]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column \"%s\" is named twice in columns", src->columns[j])));
	}
}

static void
NoRows(const EmbedSource *src)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("relation \"%s\" has no rows", get_rel_name(src->relid))));
}

void
embed_check_variation(const EmbedSource *src, const EmbedData *data)
{
	const double *x = data->x[SPLIT_TRAIN];
	int			n = data->n[SPLIT_TRAIN];
	int			d = data->d;
	bool	   *varies = palloc0(sizeof(bool) * d);
	bool		any = false;

	for (int i = 1; i < n; i++)
		for (int t = 0; t < d; t++)
			varies[t] |= x[(size_t) i * d + t] != x[t];
	for (int c = 0; c < data->prep->n_columns; c++)
	{
		const SegPrepColumn *col = &data->prep->columns[c];
		bool		column_varies = false;

		for (int t = col->out_offset; t < col->out_offset + col->n_outputs; t++)
			column_varies |= varies[t];
		any |= column_varies;
		if (!column_varies)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("column \"%s\" is constant on the rows fitted on and does not shape the embedding",
							col->name)));
	}
	pfree(varies);
	if (!any)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("every column of \"%s\" is constant or null on the rows fitted on",
						get_rel_name(src->relid)),
				 errhint("Choose columns that vary between rows.")));
}

/* Encodes rows (n of them, indices into frame) of every part into data. */
static void
Encode(const SegFrame *frame, int *const *rows, EmbedData *data)
{
	char		msg[SEG_ERRMSG_LEN];

	segment_raise(prep_fit(frame, rows[SPLIT_TRAIN], data->n[SPLIT_TRAIN], &data->prep, msg),
				  msg);
	data->d = data->prep->n_outputs;
	for (int p = 0; p < 3; p++)
	{
		size_t		cells;

		if (!seg_mul_size((size_t) Max(data->n[p], 1), (size_t) data->d, &cells) ||
			!seg_mul_size(cells, sizeof(double), &cells))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%d rows of %d encoded features do not fit in memory",
							data->n[p], data->d)));
		data->x[p] = seg_alloc(cells);
		segment_raise(prep_transform_frame(data->prep, frame, rows[p], data->n[p], data->x[p],
										   msg), msg);
	}
}

void
embed_load_all(const EmbedSource *src, EmbedData *data)
{
	SegFrame   *frame = dataset_load_canonical(src->relid, src->columns, src->n_columns, -1);
	int		   *rows[3];

	memset(data, 0, sizeof(*data));
	if (frame->n_rows == 0)
		NoRows(src);
	data->n_rows = frame->n_rows;
	data->n[SPLIT_TRAIN] = frame->n_rows;
	rows[SPLIT_TRAIN] = NULL;
	rows[SPLIT_VALIDATION] = rows[SPLIT_TEST] = NULL;
	/* prep_fit and the encoder read every row when rows is NULL */
	Encode(frame, rows, data);
}

void
embed_load_split(const EmbedSource *src, ArrayType *key_array, double test_size,
				 double validation_size, int64 seed, EmbedData *data)
{
	DatasetKey	key;
	uint64	   *key_hash;
	uint64_t   *split_hashes;
	uint8_t    *part;
	int		   *strata;
	int		   *rows[3];
	SplitThreshold threshold;
	SegFrame   *frame;
	int			n;
	char		msg[SEG_ERRMSG_LEN];

	memset(data, 0, sizeof(*data));
	dataset_split_key(src->relid, key_array, &key, &data->key_source);
	data->key_columns = key.columns;
	data->n_key = key.n_columns;
	frame = dataset_load_keyed(src->relid, src->columns, src->n_columns, -1, &key, &key_hash);
	n = frame->n_rows;
	if (n == 0)
		NoRows(src);
	data->n_rows = n;

	split_hashes = palloc(sizeof(uint64_t) * n);
	for (int i = 0; i < n; i++)
		split_hashes[i] = split_hash(key_hash[i], (uint64_t) seed);
	strata = palloc0(sizeof(int) * n);
	part = palloc(n);
	if (split_by_hash(strata, split_hashes, n, 1, test_size, validation_size, NULL, part,
					  &threshold, msg) != SEG_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s", msg),
				 strstr(msg, "distinct keys") != NULL ?
				 errhint("Rows are split by their key (the %s: %d column%s); give key => a column that tells the rows apart.",
						 data->key_source, data->n_key, data->n_key == 1 ? "" : "s") :
				 errhint("Fit on more rows, or pass test_size => 0 or validation_size => 0.")));
	for (int p = 0; p < 3; p++)
	{
		rows[p] = palloc(sizeof(int) * n);
		data->n[p] = 0;
	}
	for (int i = 0; i < n; i++)
		rows[part[i]][data->n[part[i]]++] = i;
	/* each part in a canonical order, so that nothing depends on the scan's */
	for (int p = 0; p < 3; p++)
		dataset_canonical_order(frame, split_hashes, rows[p], data->n[p]);
	Encode(frame, rows, data);
}

int32
embed_save(const char *name, const char *function, const EmbedSource *src,
		   const EmbedData *data, TimestampTz started, bytea *model, Jsonb *spec,
		   Jsonb *metrics)
{
	int32		version = registry_save(name, model, spec, metrics, true);
	TrainingRun run;

	registry_run_init(&run, name, function);
	run.started = started;
	run.relation = src->relation;
	run.relation_rows = data->n_rows;
	run.status = "trained";
	run.version = version;
	run.deployed = true;
	run.reason = "a fit deploys its version";
	registry_record_run(&run);
	return version;
}

double
embed_elapsed_ms(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_MILLISEC(now);
}

void
embed_json_timings(JsonBuilder *b, double load_ms, double fit_ms, double total_ms)
{
	json_key(b, "timings_ms");
	json_object_begin(b);
	json_key_number(b, "load", load_ms);
	json_key_number(b, "fit", fit_ms);
	json_key_number(b, "total", total_ms);
	json_object_end(b);
}

void
embed_json_features(JsonBuilder *b, const SegPreprocessor *prep)
{
	char		buf[1024];

	json_key(b, "features");
	json_array_begin(b);
	for (int t = 0; t < prep->n_outputs; t++)
		json_string(b, prep_output_name(prep, t, buf, sizeof(buf)));
	json_array_end(b);
}

void
embed_json_columns(JsonBuilder *b, const EmbedSource *src)
{
	json_key(b, "columns");
	json_strings(b, src->columns, src->n_columns);
}
