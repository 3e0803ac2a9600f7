/*-------------------------------------------------------------------------
 *
 * model.h
 *	  The binary envelope shared by every model kind.
 *
 * A model is one bytea value:
 *
 *	offset size  field
 *	0      4     magic "SEGM"
 *	4      2     format version (SEG_MODEL_FORMAT)
 *	6      2     kind (SegModelKind)
 *	8      4     reserved, always zero
 *	12     4     payload length in bytes
 *	16     4     CRC-32C of the payload
 *	20     ...   payload, written by the kind's codec
 *
 * All integers are little-endian.  model_open() validates the whole
 * header and the checksum before any codec reads a byte of payload, and a
 * codec must consume the payload exactly (reader_at_end), so truncated,
 * padded or bit-flipped values are rejected.
 *
 * IDENTIFICATION
 *	  src/model.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_MODEL_H
#define SEGMENT_MODEL_H

#include "bytes.h"
#include "core.h"

#define SEG_MODEL_MAGIC "SEGM"
#define SEG_MODEL_FORMAT 1
#define SEG_MODEL_HEADER_SIZE 20

/* Numbers are stored in model bytes: never renumber, only append. */
typedef enum SegModelKind
{
	SEG_MODEL_SCALER = 1,
	SEG_MODEL_PREPROCESSOR = 2,
	SEG_MODEL_KMEANS = 3,
	SEG_MODEL_CLASSIFIER = 4,
	SEG_MODEL_REGRESSOR = 5,
	SEG_MODEL_PCA = 6,			/* embeddings (embedding.h) */
	SEG_MODEL_AUTOENCODER = 7
} SegModelKind;

#define SEG_MODEL_KIND_MAX SEG_MODEL_AUTOENCODER

typedef struct SegModelHeader
{
	uint16_t	format;
	uint16_t	kind;
	uint32_t	payload_len;
} SegModelHeader;

/* "scaler", ... ; NULL for an unknown kind number */
extern const char *model_kind_name(int kind);

/* Starts a model: reserves the header.  Codecs then append the payload. */
extern void model_begin(SegWriter *w, SegModelKind kind);
/* Completes the header (length, checksum) of a model begun with model_begin. */
extern void model_seal(SegWriter *w);

/*
 * Validates the envelope of (data, len) and points *payload at the payload.
 * expected_kind 0 accepts any kind.  On failure fills errmsg and returns
 * SEG_ERR_CORRUPT (damaged bytes), SEG_ERR_UNSUPPORTED (a format version
 * this build cannot read) or SEG_ERR_WRONG_KIND.
 */
extern SegStatus model_open(const uint8_t *data, size_t len, int expected_kind,
							SegModelHeader *header, SegReader *payload,
							char *errmsg);

#endif							/* SEGMENT_MODEL_H */
