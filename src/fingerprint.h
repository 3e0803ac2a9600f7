/*-------------------------------------------------------------------------
 *
 * fingerprint.h
 *	  A 64-bit fingerprint of a loaded table: equal for the same rows in
 *	  any order, different (with overwhelming probability) when a row is
 *	  added, removed or changed.
 *
 * segment_train stores it with the arguments of a version, so that a
 * retraining on unchanged data can say so and add no version.  Each row
 * hashes its key hash, then every cell (numbers by their bits, with -0
 * as 0 and every NULL alike; categories by their text, not their index,
 * which shifts when another row brings a new value); the row hashes are
 * added, which makes the sum independent of row order, and the column
 * names, kinds and the row count are mixed in last.
 *
 * IDENTIFICATION
 *	  src/fingerprint.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_FINGERPRINT_H
#define SEGMENT_FINGERPRINT_H

#include <stdint.h>

#include "frame.h"

/* row_keys: one key hash per row (row_hash.h), or NULL. */
extern uint64_t frame_fingerprint(const SegFrame *frame, const uint64_t *row_keys);

/* The fingerprint as 16 lower-case hex digits plus the terminating NUL. */
extern void fingerprint_hex(uint64_t fingerprint, char out[17]);

#endif							/* SEGMENT_FINGERPRINT_H */
