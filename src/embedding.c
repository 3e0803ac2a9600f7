/*-------------------------------------------------------------------------
 *
 * embedding.c
 *	  Codec of the PCA and AUTOENCODER model kinds, and projecting rows
 *	  through either (see embedding.h).
 *
 * IDENTIFICATION
 *	  src/embedding.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "embedding.h"

/* raw rows encoded at a time by embedding_project_frame */
#define EMBEDDING_FRAME_BLOCK 4096

void
embedding_free(SegEmbedding *e)
{
	if (e == NULL)
		return;
	if (e->prep != NULL)
		prep_free(e->prep);
	pca_free(e->pca);
	autoencoder_free(e->autoencoder);
	seg_free(e);
}

void
embedding_write(SegWriter *w, const SegEmbedding *e)
{
	model_begin(w, (SegModelKind) e->kind);
	writer_put_u16(w, EMBEDDING_CODEC_VERSION);
	prep_write(w, e->prep);
	if (e->kind == SEG_MODEL_PCA)
		pca_write(w, e->pca);
	else
		autoencoder_write(w, e->autoencoder);
	model_seal(w);
}

bool
embedding_equal(const SegEmbedding *a, const SegEmbedding *b)
{
	SegWriter	wa;
	SegWriter	wb;
	bool		same;

	writer_init(&wa, 1024);
	writer_init(&wb, 1024);
	embedding_write(&wa, a);
	embedding_write(&wb, b);
	same = wa.len == wb.len && memcmp(wa.data, wb.data, wa.len) == 0;
	seg_free(wa.data);
	seg_free(wb.data);
	return same;
}

SegStatus
embedding_read(const uint8_t *bytes, size_t len, SegEmbedding **out, char *errmsg)
{
	SegModelHeader header;
	SegReader	payload;
	SegStatus	status = model_open(bytes, len, 0, &header, &payload, errmsg);

	if (status != SEG_OK)
		return status;
	if (!embedding_kind(header.kind))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "model is a %s model, not a pca or autoencoder model",
				 model_kind_name(header.kind));
		return SEG_ERR_WRONG_KIND;
	}
	return embedding_read_payload(header.kind, &payload, out, errmsg);
}

SegStatus
embedding_read_payload(int kind, SegReader *payload, SegEmbedding **out, char *errmsg)
{
	SegEmbedding *e;
	uint16_t	version = reader_get_u16(payload);
	SegStatus	status;

	if (payload->failed)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s model: payload truncated", model_kind_name(kind));
		return SEG_ERR_CORRUPT;
	}
	if (version != EMBEDDING_CODEC_VERSION)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s model codec version %u is not supported",
				 model_kind_name(kind), version);
		return SEG_ERR_UNSUPPORTED;
	}
	e = seg_alloc0(sizeof(SegEmbedding));
	e->kind = kind;
	status = prep_read(payload, &e->prep, errmsg);
	if (status != SEG_OK)
	{
		seg_free(e);
		return status;
	}
	e->n_inputs = e->prep->n_outputs;
	if (kind == SEG_MODEL_PCA)
	{
		status = pca_read(payload, e->n_inputs, &e->pca, errmsg);
		if (status == SEG_OK)
			e->code_size = e->pca->k;
	}
	else
	{
		status = autoencoder_read(payload, e->n_inputs, &e->autoencoder, errmsg);
		if (status == SEG_OK)
			e->code_size = e->autoencoder->code_size;
	}
	if (status == SEG_OK && !reader_at_end(payload))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s model: trailing bytes", model_kind_name(kind));
		status = SEG_ERR_CORRUPT;
	}
	if (status != SEG_OK)
	{
		embedding_free(e);
		return status;
	}
	*out = e;
	return SEG_OK;
}

int
embedding_row_scratch(const SegEmbedding *e)
{
	/* the autoencoder's layer buffers; PCA needs a code for reconstruction */
	if (e->kind == SEG_MODEL_PCA)
		return e->code_size;
	return autoencoder_row_scratch(e->autoencoder);
}

void
embedding_project_row(const SegEmbedding *e, const double *x, double *code, double *scratch)
{
	if (e->kind == SEG_MODEL_PCA)
		pca_project_row(e->pca, x, code);
	else
		autoencoder_project_row(e->autoencoder, x, code, scratch);
}

void
embedding_reconstruct_row(const SegEmbedding *e, const double *x, double *out, double *scratch)
{
	if (e->kind == SEG_MODEL_PCA)
	{
		pca_project_row(e->pca, x, scratch);
		pca_reconstruct_code(e->pca, scratch, out);
	}
	else
		autoencoder_reconstruct_row(e->autoencoder, x, out, scratch);
}

void
embedding_decode_row(const SegEmbedding *e, const double *code, double *out, double *scratch)
{
	if (e->kind == SEG_MODEL_PCA)
		pca_reconstruct_code(e->pca, code, out);
	else
		autoencoder_decode_row(e->autoencoder, code, out, scratch);
}

/*
 * The codes of n rows; an autoencoder checks for interrupts between its
 * blocks of rows (4,096 rows through three layers of 2,048 units take
 * about a second).
 */
static void
Project(const SegEmbedding *e, const double *x, int n, double *codes, const SegHooks *hooks)
{
	if (e->kind == SEG_MODEL_PCA)
		pca_project(e->pca, x, n, codes);
	else
		autoencoder_project(e->autoencoder, x, n, codes, hooks);
}

void
embedding_project(const SegEmbedding *e, const double *x, int n, double *codes)
{
	Project(e, x, n, codes, NULL);
}

double
embedding_reconstruction_mse(const SegEmbedding *e, const double *x, int n,
							 const SegHooks *hooks)
{
	if (e->kind == SEG_MODEL_PCA)
		return pca_reconstruction_mse(e->pca, x, n, hooks);
	return autoencoder_reconstruction_mse(e->autoencoder, x, n, hooks);
}

SegStatus
embedding_project_frame(const SegEmbedding *e, const SegFrame *frame, const int *rows,
						int n_rows, double *codes, const SegHooks *hooks, char *errmsg)
{
	int			block_rows = n_rows < EMBEDDING_FRAME_BLOCK ? n_rows : EMBEDDING_FRAME_BLOCK;
	double	   *encoded;
	int		   *index = NULL;
	SegStatus	status = SEG_OK;

	if (n_rows == 0)
		return SEG_OK;
	encoded = seg_alloc(sizeof(double) * (size_t) block_rows * e->n_inputs);
	if (rows == NULL)
		index = seg_alloc(sizeof(int) * block_rows);
	for (int start = 0; start < n_rows && status == SEG_OK; start += block_rows)
	{
		int			n = n_rows - start < block_rows ? n_rows - start : block_rows;
		const int  *block = rows != NULL ? rows + start : index;

		seg_check_interrupts(hooks);
		if (rows == NULL)
			for (int i = 0; i < n; i++)
				index[i] = start + i;
		status = prep_transform_frame(e->prep, frame, block, n, encoded, errmsg);
		if (status == SEG_OK)
			Project(e, encoded, n, codes + (size_t) start * e->code_size, hooks);
	}
	seg_free(encoded);
	seg_free(index);
	return status;
}

/* predict_row of an embedding: the code as scores. */
static int
EmbeddingPredictRow(const void *estimator, const double *features, double *scores,
					double *scratch)
{
	embedding_project_row(estimator, features, scores, scratch);
	return 0;
}

SegStatus
embedding_predictor_read(int kind, SegReader *payload, SegPredictor *out, char *errmsg)
{
	SegEmbedding *e;
	SegStatus	status = embedding_read_payload(kind, payload, &e, errmsg);

	if (status != SEG_OK)
		return status;
	memset(out, 0, sizeof(SegPredictor));
	out->kind = kind;
	out->prep = e->prep;
	out->input = SEG_INPUT_ENCODED;
	out->n_features = e->n_inputs;
	out->n_classes = e->code_size;
	out->class_names = NULL;
	out->estimator = e;
	out->predict_row = EmbeddingPredictRow;
	/* the row functions' scratch, then room for a reconstruction */
	out->scratch_len = embedding_row_scratch(e) + e->n_inputs;
	return SEG_OK;
}
