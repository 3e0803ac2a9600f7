/*
 * test_kmeans_persona.c
 *	  The k-means codec's version 2 (stable numbers, personas) and 0.1.0's
 *	  version 1 bytes; personas built from fit statistics; pairing of
 *	  refitted centroids with the deployed ones and renumbering.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans_model.h"
#include "kmeans_persona.h"
#include "model.h"
#include "predictor.h"
#include "preprocess.h"
#include "tap.h"

/*
 * A model written by segment 0.1.0 (test/fuzz/seeds/kmeans_model.bin):
 * a preprocessor of columns age, income and score, k = 3.
 */
static const char *const V1_MODEL_HEX =
"5345474d0100030000000000b7000000be4cd13d01030000000300000061676500000000cdcccccccc6c4340"
"eff4eaa03ade2b4006000000696e636f6d65000000004ae17a14ae474e40dc1b7029f0323a40050000007363"
"6f72650000000099999999991949406ff69d1646c2394003000000030000003317cc7f0b9072400e000000a1"
"12f8d0940ca33ffdca1fa305afef3f5a87ce1d2605f3bf26a39086e998ef3f7f21632f05b2e1bfe082601cc5"
"ffdabff231a3c2fcede7bf5eef620c9f66773fb9d0be13228fe93f";

static void
TestVersion1Bytes(void)
{
	size_t		len;
	uint8_t    *bytes = tap_from_hex(V1_MODEL_HEX, &len);
	SegModelHeader header;
	SegReader	payload;
	char		msg[SEG_ERRMSG_LEN];
	KMeansModel *m;
	SegPredictor p;
	double		raw[3] = {40, 60, 50};
	double		encoded[3];
	double		scores[3];
	double		scratch[3];
	int			label;
	int			nearest = 0;
	double		best = INFINITY;

	tap_ok(model_open(bytes, len, SEG_MODEL_KMEANS, &header, &payload, msg) == SEG_OK,
		   "0.1.0 k-means bytes open");
	tap_ok(kmeans_model_read(&payload, &m, msg) == SEG_OK, "0.1.0 k-means payload decodes");
	tap_ok(m->codec == 1 && m->k == 3 && m->d == 3 && m->prep != NULL &&
		   strcmp(m->prep->columns[1].name, "income") == 0, "codec 1: shape and columns");
	tap_ok(m->numbers[0] == 0 && m->numbers[1] == 1 && m->numbers[2] == 2 && m->personas == NULL,
		   "codec 1: clusters numbered 0 .. k-1, no personas");
	/* its prediction is the nearest centroid, numbered as 0.1.0 numbered it */
	prep_encode_row(m->prep, raw, encoded);
	for (int j = 0; j < 3; j++)
	{
		double		s = 0;

		for (int t = 0; t < 3; t++)
			s += (encoded[t] - m->centroids[j * 3 + t]) * (encoded[t] - m->centroids[j * 3 + t]);
		if (s < best)
		{
			best = s;
			nearest = j;
		}
	}
	tap_ok(predictor_read(bytes, len, &p, msg) == SEG_OK, "0.1.0 bytes make a predictor");
	label = p.predict_row(p.estimator, encoded, scores, scratch);
	tap_ok(label == nearest && atoi(p.class_names[label]) == nearest,
		   "0.1.0 model predicts the nearest centroid under its old number");
	predictor_free(&p);
	kmeans_model_free(m);
	free(bytes);
}

/* Two clusters on one standardised column and a one-hot column. */
static SegPreprocessor *
TwoColumns(void)
{
	SegPreprocessor *p = calloc(1, sizeof(SegPreprocessor));
	static char *cats[2] = {"north", "south"};

	p->n_columns = 2;
	p->n_outputs = 3;
	p->columns = calloc(2, sizeof(SegPrepColumn));
	p->columns[0].name = strdup("spend");
	p->columns[0].kind = SEG_COL_NUMERIC;
	p->columns[0].out_offset = 0;
	p->columns[0].n_outputs = 1;
	p->columns[0].mean = 100;
	p->columns[0].scale = 10;
	p->columns[1].name = strdup("region");
	p->columns[1].kind = SEG_COL_CATEGORICAL;
	p->columns[1].out_offset = 1;
	p->columns[1].n_outputs = 2;
	p->columns[1].n_categories = 2;
	p->columns[1].categories = malloc(sizeof(char *) * 2);
	p->columns[1].categories[0] = strdup(cats[0]);
	p->columns[1].categories[1] = strdup(cats[1]);
	return p;
}

static KMeansModel *
ModelOf(const double *centroids, int k)
{
	KMeansModel *m = calloc(1, sizeof(KMeansModel));

	m->prep = TwoColumns();
	m->k = k;
	m->d = 3;
	m->centroids = malloc(sizeof(double) * k * 3);
	memcpy(m->centroids, centroids, sizeof(double) * k * 3);
	return m;
}

static KMeansModel *
RoundTrip(const KMeansModel *m)
{
	SegWriter	w;
	SegModelHeader header;
	SegReader	payload;
	KMeansModel *back = NULL;
	char		msg[SEG_ERRMSG_LEN];

	writer_init(&w, 256);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, m);
	model_seal(&w);
	if (model_open(w.data, w.len, SEG_MODEL_KMEANS, &header, &payload, msg) != SEG_OK ||
		kmeans_model_read(&payload, &back, msg) != SEG_OK)
		back = NULL;
	free(w.data);
	return back;
}

static void
TestPersonasAndCodec(void)
{
	/* rows: spend standardised, region one-hot; two rich northerners, two poor southerners */
	double		x[4 * 3] = {1.0, 1, 0, 1.2, 1, 0, -1.0, 0, 1, -1.2, 0, 1};
	int			labels[4] = {0, 0, 1, 1};
	double		centroids[2 * 3] = {1.1, 1, 0, -1.1, 0, 1};
	KMeansProfileStats s;
	KMeansModel *m = ModelOf(centroids, 2);
	const char *names[3] = {"spend", "share of region = north", "share of region = south"};
	int			roles[PERSONA_N_ROLES] = {0, -1, -1};
	KMeansModel *back;
	int			rejected = 0;
	SegWriter	w;

	kmeans_profile_stats(x, 4, 3, labels, 2, &s);
	tap_ok(s.sizes[0] == 2 && s.sizes[1] == 2, "profile sizes");
	tap_close(s.overall_sd[1], 0.5, 1e-15, "one-hot output's spread is sqrt(p (1 - p))");
	kmeans_personas_build(m, &s, names, roles);
	tap_close(m->personas[0].means[0], 111.0, 1e-12, "means in original units");
	tap_close(m->personas[0].means[1], 1.0, 1e-15, "one-hot means are shares");
	tap_ok(strcmp(m->personas[0].label,
				  "high share of region = north, low share of region = south, high spend") == 0,
		   "label from z of every output");
	tap_ok(strcmp(m->personas[0].action, "Upsell") == 0 &&
		   strcmp(m->personas[1].action, "Nurture") == 0, "action from the monetary role");
	kmeans_renumber(m, NULL, NULL, 0);
	tap_ok(m->numbers[0] == 0 && m->numbers[1] == 1, "first version numbered from 0");

	back = RoundTrip(m);
	tap_ok(back != NULL && back->codec == KMEANS_CODEC_PLAIN && back->personas != NULL &&
		   back->n_rows == 4 && back->personas[1].size == 2 &&
		   strcmp(back->personas[1].label, m->personas[1].label) == 0 &&
		   strcmp(back->personas[1].action, "Nurture") == 0,
		   "codec 2 round trip keeps the personas");

	/* corrupt personas: duplicate numbers, sizes that do not add up */
	back->numbers[1] = back->numbers[0];
	{
		KMeansModel *bad = RoundTrip(back);

		tap_ok(bad == NULL, "duplicate cluster numbers are rejected");
	}
	back->numbers[1] = 7;
	back->personas[1].size = 3;
	tap_ok(RoundTrip(back) == NULL, "sizes that do not add up are rejected");
	back->personas[1].size = 2;
	back->personas[1].means[0] = NAN;
	tap_ok(RoundTrip(back) == NULL, "a non-finite mean is rejected");
	back->personas[1].means[0] = 0;

	/* every truncation of a version 2 payload is rejected */
	writer_init(&w, 256);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, back);
	model_seal(&w);
	for (size_t len = SEG_MODEL_HEADER_SIZE; len < w.len; len++)
	{
		SegWriter	t;
		SegModelHeader header;
		SegReader	payload;
		KMeansModel *partial;
		char		msg[SEG_ERRMSG_LEN];

		writer_init(&t, w.len);
		model_begin(&t, SEG_MODEL_KMEANS);
		writer_put_bytes(&t, w.data + SEG_MODEL_HEADER_SIZE, len - SEG_MODEL_HEADER_SIZE);
		model_seal(&t);
		if (model_open(t.data, t.len, SEG_MODEL_KMEANS, &header, &payload, msg) != SEG_OK ||
			kmeans_model_read(&payload, &partial, msg) != SEG_OK)
			rejected++;
		else
			kmeans_model_free(partial);
		free(t.data);
	}
	tap_ok(rejected == (int) (w.len - SEG_MODEL_HEADER_SIZE), "every truncation is rejected");
	free(w.data);
	kmeans_model_free(back);
	kmeans_profile_stats_free(&s);
	kmeans_model_free(m);
}

static void
TestMatching(void)
{
	/* old: three clusters numbered 4, 9, 2; the middle one's label was edited */
	double		old_c[3 * 3] = {-1, 1, 0, 0, 0.5, 0.5, 1, 0, 1};
	KMeansModel *old = ModelOf(old_c, 3);
	/* new: the same three slightly moved, listed in another order, plus a far new one */
	double		new_c[4 * 3] = {1.05, 0, 1, 5, 0, 0, -0.95, 1, 0, 0.02, 0.5, 0.5};
	KMeansModel *m = ModelOf(new_c, 4);
	double		in_space[3 * 3];
	int			match[4];
	double		distance[4];
	char		why[128];
	uint32_t	numbers[3] = {4, 9, 2};

	old->numbers = malloc(sizeof(numbers));
	memcpy(old->numbers, numbers, sizeof(numbers));
	old->personas = calloc(3, sizeof(KMeansPersona));
	for (int j = 0; j < 3; j++)
		old->personas[j].label = strdup("typical");
	free(old->personas[1].label);
	old->personas[1].label = strdup("Weekend bargain hunters");
	old->personas[1].flags = KMEANS_PERSONA_LABEL_EDITED;
	m->personas = calloc(4, sizeof(KMeansPersona));
	for (int j = 0; j < 4; j++)
		m->personas[j].label = strdup("automatic");

	tap_ok(kmeans_centroids_in_space(old, m->prep, in_space, why, sizeof(why)),
		   "same columns: comparable");
	tap_close(in_space[0], -1, 1e-15, "same scaling: the same coordinates");
	kmeans_match(new_c, 4, in_space, 3, 3, match, distance, NULL);
	tap_ok(match[0] == 2 && match[1] == -1 && match[2] == 0 && match[3] == 1,
		   "each moved centroid pairs with its old one; the far one with none");
	tap_close(distance[2], 0.05, 1e-12, "distance of a pair");
	kmeans_renumber(m, old, match, 10);
	tap_ok(m->numbers[0] == 2 && m->numbers[1] == 10 && m->numbers[2] == 4 && m->numbers[3] == 9,
		   "paired clusters keep their numbers, the new one gets the next");
	tap_ok(strcmp(m->personas[3].label, "Weekend bargain hunters") == 0 &&
		   (m->personas[3].flags & KMEANS_PERSONA_LABEL_EDITED) &&
		   strcmp(m->personas[2].label, "automatic") == 0,
		   "an edited label follows its cluster; automatic ones are recomputed");

	/* k = 2 now: two old centroids stay unpaired, a pair must be each other's nearest */
	{
		double		two[2 * 3] = {0.9, 0.1, 0.9, 0.6, 0.2, 0.8};
		int			m2[2];
		double		d2[2];

		kmeans_match(two, 2, in_space, 3, 3, m2, d2, NULL);
		tap_ok(m2[0] == 2 && m2[1] == -1,
			   "a centroid whose nearest old one is taken is not paired with another");
	}

	/* a column the deployed version does not read: not comparable */
	free(old->prep->columns[0].name);
	old->prep->columns[0].name = strdup("income");
	tap_ok(!kmeans_centroids_in_space(old, m->prep, in_space, why, sizeof(why)) &&
		   strstr(why, "\"spend\"") != NULL, "another column: not comparable, and why");
	kmeans_model_free(old);
	kmeans_model_free(m);
}

static void
TestUnseenCategory(void)
{
	double		old_c[1 * 3] = {0, 0.25, 0.75};
	KMeansModel *old = ModelOf(old_c, 1);
	SegPreprocessor *p = TwoColumns();
	double		in_space[3];
	char		why[128];

	/* the new fit's region column has "west", which the old model never saw */
	free(p->columns[1].categories[0]);
	p->columns[1].categories[0] = strdup("south");
	free(p->columns[1].categories[1]);
	p->columns[1].categories[1] = strdup("west");
	p->columns[0].mean = 90;
	p->columns[0].scale = 5;
	tap_ok(kmeans_centroids_in_space(old, p, in_space, why, sizeof(why)), "new category: comparable");
	tap_close(in_space[0], 2.0, 1e-15, "numbers move into the new scaling");
	tap_ok(in_space[1] == 0.75 && in_space[2] == 0.0,
		   "known categories keep their share, unseen ones have none");
	prep_free(p);
	kmeans_model_free(old);
}

int
main(void)
{
	TestVersion1Bytes();
	TestPersonasAndCodec();
	TestMatching();
	TestUnseenCategory();
	return tap_done();
}
