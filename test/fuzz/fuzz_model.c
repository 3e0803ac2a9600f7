/*
 * fuzz_model.c
 *	  libFuzzer harness for the model decoder.
 *
 * Each input is decoded twice: as it is (exercising the envelope checks),
 * and as a payload wrapped in a valid envelope with a correct checksum
 * for the kind named by its first byte (exercising every section codec
 * past the checksum, which random bytes would otherwise never pass).
 * The decoder must reject or accept without reading out of bounds,
 * leaking or crashing; ASan and UBSan watch.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classifier_model.h"
#include "model.h"
#include "preprocess.h"
#include "scaler.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
DecodeModel(const uint8_t *data, size_t size)
{
	SegModelHeader header;
	SegReader	payload;
	char		msg[SEG_ERRMSG_LEN];

	if (model_open(data, size, 0, &header, &payload, msg) != SEG_OK)
		return;
	if (header.kind == SEG_MODEL_SCALER)
	{
		SegScaler  *s;

		if (scaler_read(&payload, &s, msg) == SEG_OK)
			scaler_free(s);
	}
	else if (header.kind == SEG_MODEL_PREPROCESSOR)
	{
		SegPreprocessor *p;

		if (prep_read(&payload, &p, msg) == SEG_OK)
		{
			double	   *raw = calloc(p->n_columns, sizeof(double));
			double	   *out = calloc(p->n_outputs + 1, sizeof(double));

			prep_encode_row(p, raw, out);
			free(raw);
			free(out);
			prep_free(p);
		}
	}
	else if (header.kind == SEG_MODEL_CLASSIFIER)
	{
		SegClassifier *c;

		if (classifier_read(&payload, &c, msg) == SEG_OK)
		{
			double	   *x = calloc(c->dense->n_in[0], sizeof(double));
			double	   *proba = calloc(c->n_classes, sizeof(double));
			double	   *scratch = calloc(MLP_ROW_SCRATCH(c->dense), sizeof(double));

			mlp_dense_predict_row(c->dense, x, proba, scratch);
			free(x);
			free(proba);
			free(scratch);
			mlp_dense_free(c->dense);
			mlp_free(c->mlp);
			for (int k = 0; k < c->n_classes; k++)
				free(c->class_names[k]);
			free(c->class_names);
			prep_free(c->prep);
			free(c);
		}
	}
}

/* the kinds whose payload codecs the wrapped inputs exercise */
static const SegModelKind payload_kinds[] = {
	SEG_MODEL_SCALER, SEG_MODEL_PREPROCESSOR, SEG_MODEL_CLASSIFIER
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SegWriter	w;

	DecodeModel(data, size);
	if (size < 1)
		return 0;
	writer_init(&w, size + SEG_MODEL_HEADER_SIZE);
	model_begin(&w, payload_kinds[data[0] % (sizeof(payload_kinds) / sizeof(payload_kinds[0]))]);
	writer_put_bytes(&w, data + 1, size - 1);
	model_seal(&w);
	DecodeModel(w.data, w.len);
	free(w.data);
	return 0;
}
