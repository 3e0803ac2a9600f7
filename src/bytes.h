/*-------------------------------------------------------------------------
 *
 * bytes.h
 *	  Bounds-checked little-endian byte writer and reader, and CRC-32C,
 *	  on which every model codec is built.
 *
 * The reader never reads past its end: every get_* checks the remaining
 * length first and latches `failed`, so a codec can read a whole section
 * and test once.  Array getters check the byte count before allocating,
 * so a corrupt count cannot make the decoder allocate gigabytes.
 *
 * IDENTIFICATION
 *	  src/bytes.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_BYTES_H
#define SEGMENT_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SegWriter
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
} SegWriter;

typedef struct SegReader
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	bool		failed;
} SegReader;

extern void writer_init(SegWriter *w, size_t initial_capacity);
extern void writer_put_bytes(SegWriter *w, const void *src, size_t n);
extern void writer_put_u8(SegWriter *w, uint8_t v);
extern void writer_put_u16(SegWriter *w, uint16_t v);
extern void writer_put_u32(SegWriter *w, uint32_t v);
extern void writer_put_u64(SegWriter *w, uint64_t v);
extern void writer_put_f64(SegWriter *w, double v);
extern void writer_put_f64_array(SegWriter *w, const double *v, size_t n);
extern void writer_put_string(SegWriter *w, const char *s);	/* u32 length + bytes */
extern void writer_patch_u32(SegWriter *w, size_t offset, uint32_t v);

extern void reader_init(SegReader *r, const uint8_t *data, size_t len);
extern size_t reader_remaining(const SegReader *r);
extern uint8_t reader_get_u8(SegReader *r);
extern uint16_t reader_get_u16(SegReader *r);
extern uint32_t reader_get_u32(SegReader *r);
extern uint64_t reader_get_u64(SegReader *r);
extern double reader_get_f64(SegReader *r);
/* NULL (and failed) when n values do not fit in what is left */
extern double *reader_get_f64_array(SegReader *r, size_t n);
/* NUL-terminated copy; NULL when too long for the buffer or holds a NUL */
extern char *reader_get_string(SegReader *r);
/* true when the reader is at its end without having failed */
extern bool reader_at_end(const SegReader *r);

extern uint32_t crc32c(const uint8_t *data, size_t len);

#endif							/* SEGMENT_BYTES_H */
