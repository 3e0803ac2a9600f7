/*-------------------------------------------------------------------------
 *
 * model.c
 *	  Model envelope: header, kind names and checksum validation.
 *
 * IDENTIFICATION
 *	  src/model.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

static const char *const kind_names[] = {
	[SEG_MODEL_SCALER] = "scaler",
	[SEG_MODEL_PREPROCESSOR] = "preprocessor",
	[SEG_MODEL_KMEANS] = "kmeans",
	[SEG_MODEL_CLASSIFIER] = "classifier",
	[SEG_MODEL_REGRESSOR] = "regressor",
	[SEG_MODEL_PCA] = "pca",
	[SEG_MODEL_AUTOENCODER] = "autoencoder",
};

const char *
model_kind_name(int kind)
{
	if (kind < 1 || kind > SEG_MODEL_KIND_MAX)
		return NULL;
	return kind_names[kind];
}

void
model_begin(SegWriter *w, SegModelKind kind)
{
	writer_put_bytes(w, SEG_MODEL_MAGIC, 4);
	writer_put_u16(w, SEG_MODEL_FORMAT);
	writer_put_u16(w, (uint16_t) kind);
	writer_put_u32(w, 0);		/* reserved */
	writer_put_u32(w, 0);		/* payload length, patched by model_seal */
	writer_put_u32(w, 0);		/* checksum, patched by model_seal */
}

void
model_seal(SegWriter *w)
{
	size_t		payload_len = w->len - SEG_MODEL_HEADER_SIZE;

	writer_patch_u32(w, 12, (uint32_t) payload_len);
	writer_patch_u32(w, 16, crc32c(w->data + SEG_MODEL_HEADER_SIZE, payload_len));
}

SegStatus
model_open(const uint8_t *data, size_t len, int expected_kind,
		   SegModelHeader *header, SegReader *payload, char *errmsg)
{
	SegReader	r;
	uint32_t	reserved;
	uint32_t	checksum;

	if (len < SEG_MODEL_HEADER_SIZE)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "model is %zu bytes, shorter than its %d-byte header",
				 len, SEG_MODEL_HEADER_SIZE);
		return SEG_ERR_CORRUPT;
	}
	if (memcmp(data, SEG_MODEL_MAGIC, 4) != 0)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "bytes are not a segment model (bad magic number)");
		return SEG_ERR_CORRUPT;
	}
	reader_init(&r, data + 4, SEG_MODEL_HEADER_SIZE - 4);
	header->format = reader_get_u16(&r);
	header->kind = reader_get_u16(&r);
	reserved = reader_get_u32(&r);
	header->payload_len = reader_get_u32(&r);
	checksum = reader_get_u32(&r);

	if (header->format != SEG_MODEL_FORMAT)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "model format version %u is not supported (this build reads version %d)",
				 header->format, SEG_MODEL_FORMAT);
		return SEG_ERR_UNSUPPORTED;
	}
	if (model_kind_name(header->kind) == NULL)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "unknown model kind %u", header->kind);
		return SEG_ERR_CORRUPT;
	}
	if (reserved != 0)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "expected reserved header field to be 0, not %u",
				 reserved);
		return SEG_ERR_CORRUPT;
	}
	if ((size_t) header->payload_len != len - SEG_MODEL_HEADER_SIZE)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "model header says %u payload bytes but %zu are present",
				 header->payload_len, len - SEG_MODEL_HEADER_SIZE);
		return SEG_ERR_CORRUPT;
	}
	if (crc32c(data + SEG_MODEL_HEADER_SIZE, header->payload_len) != checksum)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "model checksum does not match its contents");
		return SEG_ERR_CORRUPT;
	}
	if (expected_kind != 0 && header->kind != expected_kind)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "model is a %s model, not a %s model",
				 model_kind_name(header->kind), model_kind_name(expected_kind));
		return SEG_ERR_WRONG_KIND;
	}
	reader_init(payload, data + SEG_MODEL_HEADER_SIZE, header->payload_len);
	return SEG_OK;
}
