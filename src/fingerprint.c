/*-------------------------------------------------------------------------
 *
 * fingerprint.c
 *	  The order-independent fingerprint of a loaded table (fingerprint.h).
 *
 * IDENTIFICATION
 *	  src/fingerprint.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fingerprint.h"
#include "lanes.h"

/* splitmix64's finalizer: every input bit flips about half the output bits */
static inline uint64_t
Mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* Folds v into the running hash h (order matters within a row). */
static inline uint64_t
Fold(uint64_t h, uint64_t v)
{
	return Mix(h ^ Mix(v + UINT64_C(0x9e3779b97f4a7c15)));
}

static uint64_t
FoldText(uint64_t h, const char *s)
{
	size_t		n = strlen(s);

	for (size_t i = 0; i < n; i += 8)
	{
		uint64_t	word = 0;

		memcpy(&word, s + i, n - i < 8 ? n - i : 8);
		h = Fold(h, word);
	}
	return Fold(h, (uint64_t) n);
}

/*
 * A number's word: its bits, one word for -0 and 0, one for a missing
 * value; without a branch, so that lanes of rows can fold side by side.
 */
static inline uint64_t
NumberWord(double v)
{
	uint64_t	bits;

	v = v == 0.0 ? 0.0 : v;		/* -0 and 0 are one value */
	memcpy(&bits, &v, sizeof(bits));
	return isnan(v) ? UINT64_C(0x7ff8000000000000) : bits;
}

static inline uint64_t
FoldNumber(uint64_t h, double v)
{
	return Fold(h, NumberWord(v));
}

/*
 * Folds cell (i, j) into row i's running hash h: a number (or a missing
 * value) as its bits, a category as its text after a tag.  The columns'
 * kinds are folded in once at the end, so a number needs no tag of its
 * own (1M x 8 numbers: 27.7 -> 22.2 ms without it).
 */
static inline uint64_t
FoldCell(const SegFrame *frame, int i, int j, uint64_t h)
{
	const SegColumn *c = &frame->columns[j];
	double		v = FRAME_CELL(frame, i, j);

	if (c->kind == SEG_COL_CATEGORICAL && !SEG_IS_MISSING(v))
		return FoldText(Fold(h, 1), c->categories[(int) v]);
	return FoldNumber(h, v);
}

/*
 * The rows' mixes, eight rows side by side, of a frame of numbers only
 * (the same value FoldCell gives them): on x86-64-v4 the lanes are one
 * vector, whose 64-bit multiplications AVX2 lacks.
 */
LANES_CLONES static uint64_t
SumNumberRows(const SegFrame *frame, const uint64_t *row_keys, int *next_row)
{
	uint64_t	sum = 0;
	int			i = 0;
	int			d = frame->n_cols;

	for (; i + 8 <= frame->n_rows; i += 8)
	{
		uint64_t	r[8];
		const double *rows = &FRAME_CELL(frame, i, 0);

		for (int k = 0; k < 8; k++)
			r[k] = row_keys != NULL ? Mix(row_keys[i + k]) : 0;
		for (int j = 0; j < d; j++)
			for (int k = 0; k < 8; k++)
				r[k] = FoldNumber(r[k], rows[(size_t) k * d + j]);
		for (int k = 0; k < 8; k++)
			sum += Mix(r[k]);
	}
	*next_row = i;
	return sum;
}

static bool
AllNumbers(const SegFrame *frame)
{
	for (int j = 0; j < frame->n_cols; j++)
		if (frame->columns[j].kind == SEG_COL_CATEGORICAL)
			return false;
	return true;
}

uint64_t
frame_fingerprint(const SegFrame *frame, const uint64_t *row_keys)
{
	uint64_t	sum = 0;
	uint64_t	h;
	int			i = 0;

	if (AllNumbers(frame))
		sum = SumNumberRows(frame, row_keys, &i);

	/*
	 * A row's hash is its key's, then each cell folded in column order: one
	 * chain of dependent multiplications.  Four rows are folded side by
	 * side to keep the multiplier busy; the sum of the rows' mixes is the
	 * same in any order.
	 */
	for (; i + 4 <= frame->n_rows; i += 4)
	{
		uint64_t	r[4];

		for (int k = 0; k < 4; k++)
			r[k] = row_keys != NULL ? Mix(row_keys[i + k]) : 0;
		for (int j = 0; j < frame->n_cols; j++)
			for (int k = 0; k < 4; k++)
				r[k] = FoldCell(frame, i + k, j, r[k]);
		for (int k = 0; k < 4; k++)
			sum += Mix(r[k]);
	}
	for (; i < frame->n_rows; i++)
	{
		h = row_keys != NULL ? Mix(row_keys[i]) : 0;
		for (int j = 0; j < frame->n_cols; j++)
			h = FoldCell(frame, i, j, h);
		sum += Mix(h);
	}
	h = Fold(sum, (uint64_t) frame->n_rows);
	for (int j = 0; j < frame->n_cols; j++)
		h = Fold(FoldText(h, frame->columns[j].name), (uint64_t) frame->columns[j].kind);
	return h;
}

void
fingerprint_hex(uint64_t fingerprint, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long) fingerprint);
}
