/*
 * test_core.c
 *	  Unit tests of the foundation's numeric core: RNG, byte codec and
 *	  CRC, model envelope, scaler statistics, preprocessing, simulation.
 */
#include <string.h>

#include "bytes.h"
#include "linalg.h"
#include "model.h"
#include "preprocess.h"
#include "rng.h"
#include "row_order.h"
#include "scaler.h"
#include "simulate.h"
#include "tap.h"

static void
TestRng(void)
{
	SegRng		a,
				b;
	double		sum = 0.0,
				sumsq = 0.0;
	int			perm[10];
	int			seen = 0;

	rng_seed(&a, 42);
	rng_seed(&b, 42);
	tap_ok(rng_next(&a) == rng_next(&b), "same seed, same stream");
	rng_seed(&b, 43);
	tap_ok(rng_next(&a) != rng_next(&b), "other seed, other stream");
	for (int i = 0; i < 100000; i++)
	{
		double		z = rng_normal(&a);

		sum += z;
		sumsq += z * z;
	}
	tap_close(sum / 100000, 0.0, 0.02, "normal mean near 0");
	tap_close(sumsq / 100000, 1.0, 0.02, "normal variance near 1");
	for (int i = 0; i < 10; i++)
		perm[i] = i;
	rng_shuffle(&a, perm, 10);
	for (int i = 0; i < 10; i++)
		seen |= 1 << perm[i];
	tap_ok(seen == 0x3FF, "shuffle is a permutation");
}

static void
TestBytes(void)
{
	SegWriter	w;
	SegReader	r;
	double		arr[3] = {1.5, -2.25, 1e300};
	double	   *back;
	char	   *s;

	/* the CRC-32C check value of "123456789" */
	tap_ok(crc32c((const uint8_t *) "123456789", 9) == 0xE3069283u, "crc32c check value");
	writer_init(&w, 8);
	writer_put_u16(&w, 0xBEEF);
	writer_put_string(&w, "hello");
	writer_put_f64_array(&w, arr, 3);
	reader_init(&r, w.data, w.len);
	tap_ok(reader_get_u16(&r) == 0xBEEF, "u16 round trip");
	s = reader_get_string(&r);
	tap_ok(s != NULL && strcmp(s, "hello") == 0, "string round trip");
	back = reader_get_f64_array(&r, 3);
	tap_ok(back != NULL && memcmp(back, arr, sizeof(arr)) == 0, "f64 array round trip");
	tap_ok(reader_at_end(&r), "reader consumed everything");
	reader_get_u8(&r);
	tap_ok(r.failed, "reading past the end fails instead of reading");
	reader_init(&r, w.data, 4);
	tap_ok(reader_get_u16(&r) == 0xBEEF && reader_get_string(&r) == NULL && r.failed,
		   "a string longer than the buffer is refused");
	reader_init(&r, w.data, w.len);
	tap_ok(reader_get_f64_array(&r, (size_t) 1 << 60) == NULL && r.failed,
		   "a huge array count is refused before allocating");
	free(s);
	free(back);
	free(w.data);
}

static void
TestScalerAndEnvelope(void)
{
	double		x[4][2] = {{1, 10}, {2, 10}, {3, 10}, {4, 10}};
	double		all[STATS_LEN(2)] = {0},
				left[STATS_LEN(2)] = {0},
				right[STATS_LEN(2)] = {0};
	SegScaler  *s,
			   *back;
	SegWriter	w;
	SegReader	payload;
	SegModelHeader h;
	char		msg[SEG_ERRMSG_LEN];
	int			rejected = 0;

	for (int i = 0; i < 4; i++)
	{
		stats_accum(all, 2, x[i]);
		stats_accum(i < 1 ? left : right, 2, x[i]);
	}
	stats_combine(left, right, 2);
	tap_close(left[1], all[1], 1e-15, "combined mean equals one pass");
	tap_close(left[3], all[3], 1e-15, "combined m2 equals one pass");
	s = scaler_from_stats(all, 2);
	tap_close(s->var[0], 1.25, 1e-15, "population variance");
	tap_ok(s->scale[1] == 1.0, "constant feature scales by 1");

	writer_init(&w, 16);
	model_begin(&w, SEG_MODEL_SCALER);
	scaler_write(&w, s);
	model_seal(&w);
	tap_ok(model_open(w.data, w.len, SEG_MODEL_SCALER, &h, &payload, msg) == SEG_OK &&
		   scaler_read(&payload, &back, msg) == SEG_OK && back->mean[0] == s->mean[0],
		   "scaler model round trip");
	scaler_free(back);
	tap_ok(model_open(w.data, w.len, SEG_MODEL_PREPROCESSOR, &h, &payload, msg) == SEG_ERR_WRONG_KIND,
		   "wrong kind is reported as such");
	for (size_t n = 0; n < w.len; n++)
		if (model_open(w.data, n, 0, &h, &payload, msg) != SEG_OK)
			rejected++;
	tap_ok(rejected == (int) w.len, "every truncation is rejected");
	scaler_free(s);
	free(w.data);
}

/*
 * Finite values near DBL_MAX: their squares overflow, their spread does
 * not.  The statistics must equal those of the same data scaled down by
 * a power of two (exact), scaled back up, in one pass and combined.
 */
static void
TestStatsNearOverflow(void)
{
	const double big = 0x1p1000;	/* about 1.07e301 */
	double		x[6] = {1.5e303, -1.2e303, 0.7e303, 1.7e308, -1.6e308, 3.0e303};
	double		all[STATS_LEN(1)] = {0},
				left[STATS_LEN(1)] = {0},
				right[STATS_LEN(1)] = {0},
				small[STATS_LEN(1)] = {0};
	double		mean,
				var,
				scale,
				ref_mean,
				ref_var,
				ref_scale;
	double		y[3][2] = {{1e303, 5.0}, {-1e303, 5.0}, {3e303, 5.0}};
	double		two[STATS_LEN(2)] = {0};

	for (int i = 0; i < 6; i++)
	{
		double		xs = x[i] / big;

		stats_accum(all, 1, &x[i]);
		stats_accum(i < 3 ? left : right, 1, &x[i]);
		stats_accum(small, 1, &xs);
	}
	stats_combine(left, right, 1);
	stats_feature(small, 1, 0, 6, &ref_mean, &ref_var, &ref_scale);
	stats_feature(all, 1, 0, 6, &mean, &var, &scale);
	tap_close(mean, ref_mean * big, 1e-14, "mean of values near DBL_MAX");
	tap_close(scale, ref_scale * big, 1e-14, "scale of values near DBL_MAX is finite and right");
	tap_ok(isinf(var), "a variance beyond DBL_MAX is reported as infinite");
	stats_feature(left, 1, 0, 6, &mean, &var, &scale);
	tap_close(mean, ref_mean * big, 1e-14, "combined mean near DBL_MAX");
	tap_close(scale, ref_scale * big, 1e-14, "combined scale near DBL_MAX");
	tap_close(standardise(1.7e308, -1.6e308, 1.6e308), (1.7e308 / 1.6e308) + 1.0, 1e-15,
			  "standardising across the whole range does not overflow");

	/* a huge column beside an ordinary constant one */
	for (int i = 0; i < 3; i++)
		stats_accum(two, 2, y[i]);
	stats_feature(two, 2, 0, 3, &mean, &var, &scale);
	tap_close(mean, 1e303, 1e-14, "mean near 1e303");
	tap_close(scale, sqrt(8.0 / 3.0) * 1e303, 1e-14, "population std near 1e303");
	stats_feature(two, 2, 1, 3, &mean, &var, &scale);
	tap_ok(mean == 5.0 && var == 0.0 && scale == 1.0, "the other column is untouched");
	tap_ok(two[1 + 2 * 2 + 1] == 0.0, "an ordinary column keeps exponent 0");
}

static void
TestPreprocess(void)
{
	char	   *cats[2] = {"a", "b"};
	SegColumn	cols[2] = {{"num", SEG_COL_NUMERIC, false, 0, NULL},
	{"cat", SEG_COL_CATEGORICAL, false, 2, cats}};
	double		values[8] = {1, 0, NAN, 1, 3, NAN, 2, 1};
	SegFrame	f = {4, 2, values, cols};
	SegPreprocessor *p,
			   *back;
	double		out[4 * 4];
	char		msg[SEG_ERRMSG_LEN];
	SegWriter	w;
	SegReader	r;
	double		unseen[2] = {2, PREP_UNSEEN};
	char		name[64];

	tap_ok(prep_fit(&f, NULL, 4, &p, msg) == SEG_OK, "fit");
	tap_ok(p->n_outputs == 4, "one numeric + two categories + NULL category");
	tap_close(p->columns[0].mean, 2.0, 1e-15, "mean ignores NULL");
	tap_close(p->columns[0].scale, sqrt(0.5), 1e-15, "std after mean imputation");
	prep_transform_frame(p, &f, NULL, 4, out, msg);
	tap_ok(out[4] == 0.0, "NULL numeric encodes as 0 after scaling");
	tap_ok(out[8 + 3] == 1.0 && out[8 + 1] == 0.0, "NULL category gets its own output");
	prep_encode_row(p, unseen, out);
	tap_ok(out[1] == 0 && out[2] == 0 && out[3] == 0, "unseen category encodes as zeros");
	tap_ok(prep_category_index(&p->columns[1], "bx", 1) == 1, "category lookup by length");
	tap_ok(strcmp(prep_output_name(p, 3, name, sizeof(name)), "cat=NULL") == 0, "output names");

	writer_init(&w, 16);
	prep_write(&w, p);
	reader_init(&r, w.data, w.len);
	tap_ok(prep_read(&r, &back, msg) == SEG_OK && reader_at_end(&r) &&
		   back->n_outputs == 4, "preprocessor round trip");
	prep_free(back);
	{
		int			rejected = 0;

		for (size_t n = 0; n < w.len; n++)
		{
			reader_init(&r, w.data, n);
			if (prep_read(&r, &back, msg) != SEG_OK)
				rejected++;
			else
				prep_free(back);
		}
		tap_ok(rejected == (int) w.len, "every truncated preprocessor section is rejected");
	}
	free(w.data);
	prep_free(p);
}

static void
TestSimulate(void)
{
	SegCustomer *c = calloc(1560, sizeof(SegCustomer));	/* zeroed padding: compared bytewise */
	SegCustomer *d = calloc(1560, sizeof(SegCustomer));
	int			counts[3] = {0};

	simulate_customer_rows(1560, 42, c);
	simulate_customer_rows(1560, 42, d);
	for (int i = 0; i < 1560; i++)
		counts[c[i].customer_segment]++;
	tap_ok(counts[0] == 1067 && counts[1] == 393 && counts[2] == 100, "class counts 1067/393/100");
	tap_ok(memcmp(c, d, sizeof(SegCustomer) * 1560) == 0, "deterministic for a seed");
	free(c);
	free(d);
}

/* the canonical order: by hash, then by value; a permutation; linear time */
static int
CompareTestValues(int a, int b, void *arg)
{
	const double *v = arg;

	return v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : 0;
}

static void
TestRowOrder(void)
{
	int			n = 200000;
	uint64_t   *hashes = malloc(sizeof(uint64_t) * n);
	double	   *values = malloc(sizeof(double) * n);
	int		   *rows = malloc(sizeof(int) * n);
	int		   *seen = calloc(n, sizeof(int));
	SegRng		rng;
	bool		sorted = true,
				permutation = true;
	int			subset[5] = {9, 3, 7, 3, 1};

	rng_seed(&rng, 11);
	for (int i = 0; i < n; i++)
	{
		/* a few hundred distinct hashes in the low bits only, and many in all bits */
		hashes[i] = i % 3 == 0 ? rng_below(&rng, 300) : rng_next(&rng);
		values[i] = (double) rng_below(&rng, 50);
		rows[i] = n - 1 - i;
	}
	row_order_sort(hashes, rows, n, CompareTestValues, values);
	for (int i = 0; i < n; i++)
	{
		if (rows[i] < 0 || rows[i] >= n || seen[rows[i]]++)
			permutation = false;
		if (i > 0 && (hashes[rows[i - 1]] > hashes[rows[i]] ||
					  (hashes[rows[i - 1]] == hashes[rows[i]] &&
					   values[rows[i - 1]] > values[rows[i]])))
			sorted = false;
	}
	tap_ok(permutation, "row order: a permutation of the rows");
	tap_ok(sorted, "row order: by hash, then by value where hashes are equal");

	/* a subset of the rows, as a part of a split sorts them */
	hashes[9] = 5;
	hashes[3] = 5;
	hashes[7] = 1;
	hashes[1] = 5;
	values[9] = 2;
	values[3] = 1;
	values[1] = 1;
	row_order_sort(hashes, subset, 4, CompareTestValues, values);
	tap_ok(subset[0] == 7 && subset[1] == 3 && subset[2] == 3 && subset[3] == 9 && subset[4] == 1,
		   "row order: sorts only the rows given, and only n of them");
	free(hashes);
	free(values);
	free(rows);
	free(seen);
}

int
main(void)
{
	TestRng();
	TestBytes();
	TestScalerAndEnvelope();
	TestStatsNearOverflow();
	TestPreprocess();
	TestSimulate();
	TestRowOrder();
	return tap_done();
}
