/*
 * test_fingerprint.c
 *	  Unit tests of the table fingerprint: the same rows in any order give
 *	  the same value; any changed cell, key, row or column gives another.
 */
#include <math.h>
#include <string.h>

#include "fingerprint.h"
#include "tap.h"

#define ROWS 4
#define COLS 3

static char *cats[] = {"gold", "silver"};
static char *cats_more[] = {"bronze", "gold", "silver"};

static void
MakeFrame(SegFrame *f, SegColumn *cols, double *values, const double *src)
{
	cols[0] = (SegColumn) {.name = "spend", .kind = SEG_COL_NUMERIC};
	cols[1] = (SegColumn) {.name = "tier", .kind = SEG_COL_CATEGORICAL, .n_categories = 2,
	.categories = cats};
	cols[2] = (SegColumn) {.name = "active", .kind = SEG_COL_BOOLEAN};
	memcpy(values, src, sizeof(double) * ROWS * COLS);
	f->n_rows = ROWS;
	f->n_cols = COLS;
	f->columns = cols;
	f->values = values;
}

/*
 * A frame of numbers only folds eight rows side by side and the rest one
 * or four at a time: reversing the rows moves rows between the two ways,
 * so equal fingerprints say both give every row the same mix.
 */
static void
TestNumbersOnly(void)
{
	enum
	{
		N = 21, D = 3
	};
	SegColumn	cols[D] = {{.name = "a", .kind = SEG_COL_NUMERIC},
	{.name = "b", .kind = SEG_COL_NUMERIC},
	{.name = "c", .kind = SEG_COL_BOOLEAN}};
	double		values[N * D];
	double		reversed[N * D];
	uint64_t	keys[N];
	uint64_t	reversed_keys[N];
	SegFrame	f = {.n_rows = N, .n_cols = D, .columns = cols, .values = values};
	SegFrame	r = {.n_rows = N, .n_cols = D, .columns = cols, .values = reversed};

	for (int i = 0; i < N; i++)
	{
		values[i * D] = i % 5 == 0 ? NAN : i * 1.25 - 7;
		values[i * D + 1] = i % 3 == 0 ? -0.0 : 1e300 / (i + 1);
		values[i * D + 2] = i % 2;
		keys[i] = (uint64_t) i * UINT64_C(0x9e3779b97f4a7c15);
	}
	for (int i = 0; i < N; i++)
	{
		memcpy(reversed + i * D, values + (N - 1 - i) * D, sizeof(double) * D);
		reversed_keys[i] = keys[N - 1 - i];
	}
	tap_ok(frame_fingerprint(&f, keys) == frame_fingerprint(&r, reversed_keys),
		   "numbers only: rows folded eight at a time and alone mix alike");
	tap_ok(frame_fingerprint(&f, NULL) == frame_fingerprint(&r, NULL),
		   "numbers only, without keys: the same");
	values[17 * D] += 1.0;
	tap_ok(frame_fingerprint(&f, NULL) != frame_fingerprint(&r, NULL),
		   "numbers only: a changed cell in the tail counts");
	values[17 * D] -= 1.0;
	values[3 * D + 1] = 2.0;
	tap_ok(frame_fingerprint(&f, NULL) != frame_fingerprint(&r, NULL),
		   "numbers only: a changed cell among the eight-row groups counts");
}

int
main(void)
{
	const double base[ROWS * COLS] = {
		10.5, 0, 1,
		-0.0, 1, 0,
		NAN, NAN, 1,
		3.25, 0, NAN};
	const uint64_t keys[ROWS] = {11, 22, 33, 44};
	/* the same rows, keys alongside, in another order */
	const double shuffled[ROWS * COLS] = {
		3.25, 0, NAN,
		10.5, 0, 1,
		NAN, NAN, 1,
		0.0, 1, 0};
	const uint64_t shuffled_keys[ROWS] = {44, 11, 33, 22};
	SegColumn	cols[COLS];
	double		values[ROWS * COLS];
	SegFrame	f;
	uint64_t	ref;
	uint64_t	fp;
	char		hex[17];

	MakeFrame(&f, cols, values, base);
	ref = frame_fingerprint(&f, keys);
	tap_ok(frame_fingerprint(&f, keys) == ref, "deterministic");

	MakeFrame(&f, cols, values, shuffled);
	tap_ok(frame_fingerprint(&f, shuffled_keys) == ref, "row order and -0 vs 0 do not matter");

	MakeFrame(&f, cols, values, base);
	values[0] = 10.500000000000002;
	tap_ok(frame_fingerprint(&f, keys) != ref, "a number changed by one ulp");

	MakeFrame(&f, cols, values, base);
	values[1] = 1;
	tap_ok(frame_fingerprint(&f, keys) != ref, "a category changed");

	MakeFrame(&f, cols, values, base);
	values[2] = NAN;
	tap_ok(frame_fingerprint(&f, keys) != ref, "a value became NULL");

	/* a new category elsewhere renumbers the others: the text decides */
	MakeFrame(&f, cols, values, base);
	cols[1].categories = cats_more;
	cols[1].n_categories = 3;
	for (int i = 0; i < ROWS; i++)
		if (!isnan(values[i * COLS + 1]))
			values[i * COLS + 1] += 1;
	tap_ok(frame_fingerprint(&f, keys) == ref, "category indices shifted, same texts");

	MakeFrame(&f, cols, values, base);
	{
		uint64_t	other_keys[ROWS] = {11, 22, 33, 45};

		tap_ok(frame_fingerprint(&f, other_keys) != ref, "a key changed");
	}

	MakeFrame(&f, cols, values, base);
	f.n_rows = ROWS - 1;
	tap_ok(frame_fingerprint(&f, keys) != ref, "a row removed");

	/* two equal rows are not one: the sum counts duplicates */
	MakeFrame(&f, cols, values, base);
	memcpy(values + COLS, values, sizeof(double) * COLS);
	fp = frame_fingerprint(&f, NULL);
	memcpy(values + 2 * COLS, values, sizeof(double) * COLS);
	tap_ok(frame_fingerprint(&f, NULL) != fp, "a duplicate row counts");

	MakeFrame(&f, cols, values, base);
	cols[0].name = "spent";
	tap_ok(frame_fingerprint(&f, keys) != ref, "a column renamed");

	MakeFrame(&f, cols, values, base);
	fingerprint_hex(UINT64_C(0x00ab), hex);
	tap_ok(strcmp(hex, "00000000000000ab") == 0, "hex form");
	TestNumbersOnly();
	return tap_done();
}
