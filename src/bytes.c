/*-------------------------------------------------------------------------
 *
 * bytes.c
 *	  Little-endian byte writer/reader and CRC-32C (Castagnoli).
 *
 * Values are written byte by byte in little-endian order, so that model
 * bytes mean the same on every platform that restores a dump.
 *
 * IDENTIFICATION
 *	  src/bytes.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "bytes.h"
#include "core.h"

void
writer_init(SegWriter *w, size_t initial_capacity)
{
	w->cap = initial_capacity < 64 ? 64 : initial_capacity;
	w->data = seg_alloc(w->cap);
	w->len = 0;
}

static void
WriterReserve(SegWriter *w, size_t n)
{
	if (w->len + n <= w->cap)
		return;
	while (w->len + n > w->cap)
		w->cap *= 2;
	w->data = seg_realloc(w->data, w->cap);
}

void
writer_put_bytes(SegWriter *w, const void *src, size_t n)
{
	WriterReserve(w, n);
	memcpy(w->data + w->len, src, n);
	w->len += n;
}

static void
WriterPutLE(SegWriter *w, uint64_t v, int nbytes)
{
	WriterReserve(w, nbytes);
	for (int i = 0; i < nbytes; i++)
		w->data[w->len++] = (uint8_t) (v >> (8 * i));
}

void
writer_put_u8(SegWriter *w, uint8_t v)
{
	WriterPutLE(w, v, 1);
}

void
writer_put_u16(SegWriter *w, uint16_t v)
{
	WriterPutLE(w, v, 2);
}

void
writer_put_u32(SegWriter *w, uint32_t v)
{
	WriterPutLE(w, v, 4);
}

void
writer_put_u64(SegWriter *w, uint64_t v)
{
	WriterPutLE(w, v, 8);
}

void
writer_put_f64(SegWriter *w, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	WriterPutLE(w, bits, 8);
}

void
writer_put_f64_array(SegWriter *w, const double *v, size_t n)
{
	WriterReserve(w, n * 8);
	for (size_t i = 0; i < n; i++)
		writer_put_f64(w, v[i]);
}

void
writer_put_string(SegWriter *w, const char *s)
{
	size_t		n = strlen(s);

	writer_put_u32(w, (uint32_t) n);
	writer_put_bytes(w, s, n);
}

void
writer_patch_u32(SegWriter *w, size_t offset, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		w->data[offset + i] = (uint8_t) (v >> (8 * i));
}

void
reader_init(SegReader *r, const uint8_t *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->failed = false;
}

size_t
reader_remaining(const SegReader *r)
{
	return r->failed ? 0 : r->len - r->pos;
}

static uint64_t
ReaderGetLE(SegReader *r, int nbytes)
{
	uint64_t	v = 0;

	if (r->failed || r->len - r->pos < (size_t) nbytes)
	{
		r->failed = true;
		return 0;
	}
	for (int i = 0; i < nbytes; i++)
		v |= (uint64_t) r->data[r->pos + i] << (8 * i);
	r->pos += nbytes;
	return v;
}

uint8_t
reader_get_u8(SegReader *r)
{
	return (uint8_t) ReaderGetLE(r, 1);
}

uint16_t
reader_get_u16(SegReader *r)
{
	return (uint16_t) ReaderGetLE(r, 2);
}

uint32_t
reader_get_u32(SegReader *r)
{
	return (uint32_t) ReaderGetLE(r, 4);
}

uint64_t
reader_get_u64(SegReader *r)
{
	return ReaderGetLE(r, 8);
}

double
reader_get_f64(SegReader *r)
{
	uint64_t	bits = ReaderGetLE(r, 8);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

double *
reader_get_f64_array(SegReader *r, size_t n)
{
	double	   *v;

	if (r->failed || n > (r->len - r->pos) / 8)
	{
		r->failed = true;
		return NULL;
	}
	v = seg_alloc(n * sizeof(double));
	if (v == NULL)
	{
		r->failed = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = reader_get_f64(r);
	return v;
}

char *
reader_get_string(SegReader *r)
{
	uint32_t	n = reader_get_u32(r);
	char	   *s;

	if (r->failed || n > r->len - r->pos ||
		memchr(r->data + r->pos, '\0', n) != NULL)
	{
		r->failed = true;
		return NULL;
	}
	s = seg_alloc((size_t) n + 1);
	if (s == NULL)
	{
		r->failed = true;
		return NULL;
	}
	memcpy(s, r->data + r->pos, n);
	s[n] = '\0';
	r->pos += n;
	return s;
}

bool
reader_at_end(const SegReader *r)
{
	return !r->failed && r->pos == r->len;
}

/*
 * CRC-32C with the reflected polynomial 0x82F63B78, table-driven.  The
 * table is built on first use; building it twice is harmless.
 */
uint32_t
crc32c(const uint8_t *data, size_t len)
{
	static uint32_t table[256];
	static bool table_ready = false;
	uint32_t	crc = 0xFFFFFFFFu;

	if (!table_ready)
	{
		for (uint32_t i = 0; i < 256; i++)
		{
			uint32_t	c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
			table[i] = c;
		}
		table_ready = true;
	}
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}
