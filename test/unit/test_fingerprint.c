/*
 * test_fingerprint.c
 *	  Unit tests of the table fingerprint: the same rows in any order give
 *	  the same value; any changed cell, key, row or column gives another.
 */
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
	return tap_done();
}
