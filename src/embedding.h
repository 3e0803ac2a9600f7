/*-------------------------------------------------------------------------
 *
 * embedding.h
 *	  The PCA and AUTOENCODER model kinds: a preprocessor and a map from
 *	  its encoded rows to codes (pca.h or autoencoder.h), in one value;
 *	  and what any caller (segment.project, k-means on embeddings) needs
 *	  to turn raw rows into codes.
 *
 * Payload (after the envelope of model.h), little-endian:
 *	u16   codec version (1)
 *	...   the preprocessor (prep_write); its n_outputs is the width d the
 *	      map reads
 *	...   the map's section: pca_write or autoencoder_write
 * The reader validates everything and must consume the payload exactly.
 *
 * Use from another model (k-means on codes, say): embedding_read() the
 * bytes (any kind other than these two is SEG_ERR_WRONG_KIND), then
 * embedding_project_frame() the raw rows of a frame whose columns are the
 * preprocessor's, or embedding_project_row() one encoded row in a
 * predictor's hot path; embedding_write() stores the embedding again
 * whole inside another model's payload (embedding_read_payload reads it
 * back after model_open).
 *
 * IDENTIFICATION
 *	  src/embedding.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_EMBEDDING_H
#define SEGMENT_EMBEDDING_H

#include "autoencoder.h"
#include "bytes.h"
#include "core.h"
#include "frame.h"
#include "model.h"
#include "pca.h"
#include "predictor.h"
#include "preprocess.h"

#define EMBEDDING_CODEC_VERSION 1

typedef struct SegEmbedding
{
	int			kind;			/* SEG_MODEL_PCA or SEG_MODEL_AUTOENCODER */
	SegPreprocessor *prep;
	int			n_inputs;		/* encoded width: prep->n_outputs */
	int			code_size;
	SegPca	   *pca;			/* kind PCA */
	SegAutoencoder *autoencoder;	/* kind AUTOENCODER */
} SegEmbedding;

/* Whether a model kind is an embedding. */
static inline bool
embedding_kind(int kind)
{
	return kind == SEG_MODEL_PCA || kind == SEG_MODEL_AUTOENCODER;
}

/* Writes a whole model value (envelope included); e keeps its parts. */
extern void embedding_write(SegWriter *w, const SegEmbedding *e);

/*
 * Decodes model bytes of either kind; SEG_ERR_WRONG_KIND (with a message
 * naming the kind) for any other valid model.
 */
extern SegStatus embedding_read(const uint8_t *bytes, size_t len, SegEmbedding **out,
								char *errmsg);

/* The same from the payload of an envelope already opened (model_open). */
extern SegStatus embedding_read_payload(int kind, SegReader *payload, SegEmbedding **out,
										char *errmsg);

/* Whether a and b are the same model value (the same bytes written). */
extern bool embedding_equal(const SegEmbedding *a, const SegEmbedding *b);

/* Frees e with its preprocessor and map. */
extern void embedding_free(SegEmbedding *e);

/* doubles of scratch the row functions below need */
extern int	embedding_row_scratch(const SegEmbedding *e);

/* code (code_size) of one encoded row (n_inputs); allocates nothing */
extern void embedding_project_row(const SegEmbedding *e, const double *x, double *code,
								  double *scratch);

/* reconstruction (n_inputs) of one encoded row; allocates nothing */
extern void embedding_reconstruct_row(const SegEmbedding *e, const double *x, double *out,
									  double *scratch);

/*
 * The encoded row (n_inputs) a code (code_size) decodes to: k-means
 * centroids in code space back in the encoded space, and from there in
 * original units through the preprocessor's means and scales.  Allocates
 * nothing.
 */
extern void embedding_decode_row(const SegEmbedding *e, const double *code, double *out,
								 double *scratch);

/* codes (n x code_size) of n encoded rows */
extern void embedding_project(const SegEmbedding *e, const double *x, int n, double *codes);

/* mean squared reconstruction error of n encoded rows (over rows and values) */
extern double embedding_reconstruction_mse(const SegEmbedding *e, const double *x, int n,
										   const SegHooks *hooks);

/*
 * Codes (n_rows x code_size) of rows of frame (all rows when rows is
 * NULL), encoding them through the preprocessor a block at a time, so
 * that no n_rows x n_inputs matrix is held.  frame's columns must be the
 * preprocessor's, in order (as prep_transform_frame wants them).
 */
extern SegStatus embedding_project_frame(const SegEmbedding *e, const SegFrame *frame,
										 const int *rows, int n_rows, double *codes,
										 const SegHooks *hooks, char *errmsg);

/*
 * A predictor (predictor.h) over an embedding: its scores are the code
 * (n_classes = code_size values, no class names) and predict_row returns
 * 0; its scratch (scratch_len doubles) holds embedding_row_scratch()
 * doubles and then room for a reconstruction (n_inputs).
 */
extern SegStatus embedding_predictor_read(int kind, SegReader *payload, SegPredictor *out,
										  char *errmsg);

#endif							/* SEGMENT_EMBEDDING_H */
