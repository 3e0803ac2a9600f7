/*
 * test_kmeans_embedding.c
 *	  k-means models on an embedding: codec version 3 (the embedding's
 *	  whole value inside the k-means payload), its checks, the predictor
 *	  that takes an encoded row through the embedding, centroids decoded
 *	  into the encoded space; and the previous codec's bytes (version 2),
 *	  which still decode and are written again byte for byte.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedding.h"
#include "kmeans_model.h"
#include "kmeans_persona.h"
#include "model.h"
#include "predictor.h"
#include "preprocess.h"
#include "tap.h"

/*
 * A model written by segment 0.2.0 before embeddings (codec version 2):
 * kmeans_fit('v2', 'pts', '{x,y,g}', k => '{3}') on the twelve rows of
 * sql/kmeans_embedding.sql, with its personas.
 */
static const char *const V2_MODEL_HEX =
"5345474d0100030000000000160200004aa6c1930201030000000100000078000000009999999999991440df7c"
"7574a8240a400100000079000000006666666666e611400af4a4e99e2d04400100000067020000000300000001"
"000000610100000062010000006303000000050000004e220dfb0d48a63f02000000000000000080a33c87cd95"
"9d2a40f53f0000000000000000000000000000f03f0000000000000000f1ac77419e95f3bf9d08f6c43549f1bf"
"000000000000f03f00000000000000000000000000000000f3ac77419e95f33f4627fec4a6b7cfbf0000000000"
"0000000000000000000000000000000000f03f000000000100000002000000010c000000000000000400000000"
"0000009999999999991440cdcccccccc4c1f400000000000000000000000000000f03f00000000000000002f00"
"000068696768207368617265206f662067203d20622c206869676820792c206c6f77207368617265206f662067"
"203d206100000400000000000000656666666666f23f010000000000fc3f000000000000f03f00000000000000"
"0000000000000000002100000068696768207368617265206f662067203d20612c206c6f7720782c206c6f7720"
"7900000400000000000000cdcccccccc4c2240cdcccccccccc0e40000000000000000000000000000000000000"
"00000000f03f2f00000068696768207368617265206f662067203d20632c206869676820782c206c6f77207368"
"617265206f662067203d20610000";

static void
TestVersion2Bytes(void)
{
	size_t		len;
	uint8_t    *bytes = tap_from_hex(V2_MODEL_HEX, &len);
	SegModelHeader header;
	SegReader	payload;
	char		msg[SEG_ERRMSG_LEN];
	KMeansModel *m;
	SegWriter	w;

	tap_ok(model_open(bytes, len, SEG_MODEL_KMEANS, &header, &payload, msg) == SEG_OK &&
		   kmeans_model_read(&payload, &m, msg) == SEG_OK, "version 2 bytes decode");
	tap_ok(m->codec == KMEANS_CODEC_PLAIN && m->embedding == NULL && m->prep != NULL &&
		   m->k == 3 && m->d == 5 && m->personas != NULL && m->personas[2].size == 4,
		   "version 2: a preprocessor, five outputs, three personas");
	tap_ok(kmeans_model_profile_width(m) == m->d && kmeans_model_row_scratch(m) == 0,
		   "without an embedding the profile is as wide as the centroids");
	writer_init(&w, len);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, m);
	model_seal(&w);
	tap_ok(w.len == len && memcmp(w.data, bytes, len) == 0,
		   "a model without an embedding is written again as the same version 2 bytes");
	free(w.data);
	kmeans_model_free(m);
	free(bytes);
}

/* A PCA of two components on x, y and a category c (as test_embed.c's). */
static SegEmbedding *
Embedding(double **encoded_out, int *n_out)
{
	static char *cats[3] = {"a", "b", "c"};
	static SegColumn cols[3] = {{"x", SEG_COL_NUMERIC, false, 0, NULL},
	{"y", SEG_COL_NUMERIC, false, 0, NULL},
	{"c", SEG_COL_CATEGORICAL, false, 3, cats}};
	static double values[60 * 3];
	SegFrame	frame = {60, 3, values, cols};
	SegEmbedding *e = calloc(1, sizeof(SegEmbedding));
	double	   *encoded;
	char		msg[SEG_ERRMSG_LEN];

	for (int i = 0; i < 60; i++)
	{
		values[i * 3] = i % 9 == 0 ? NAN : sin(i) * 3.0 + (i % 3) * 4.0;
		values[i * 3 + 1] = cos(i * 0.7) + 0.1 * i;
		values[i * 3 + 2] = i % 3;
	}
	e->kind = SEG_MODEL_PCA;
	prep_fit(&frame, NULL, 60, &e->prep, msg);
	e->n_inputs = e->prep->n_outputs;
	encoded = malloc(sizeof(double) * 60 * e->n_inputs);
	prep_transform_frame(e->prep, &frame, NULL, 60, encoded, msg);
	pca_fit(encoded, 60, e->n_inputs, 2, NULL, &e->pca, msg);
	e->code_size = 2;
	*encoded_out = encoded;
	*n_out = 60;
	return e;
}

/* Two clusters of codes with personas of the encoded rows. */
static KMeansModel *
ModelOn(SegEmbedding *e, const double *encoded, int n)
{
	KMeansModel *m = calloc(1, sizeof(KMeansModel));
	double	   *codes = malloc(sizeof(double) * n * 2);
	int		   *labels = malloc(sizeof(int) * n);
	const char **names = malloc(sizeof(char *) * e->n_inputs);
	int			roles[PERSONA_N_ROLES] = {-1, -1, -1};
	KMeansProfileStats s;

	embedding_project(e, encoded, n, codes);
	m->embedding = e;
	m->prep = e->prep;
	m->k = 2;
	m->d = 2;
	m->centroids = calloc(4, sizeof(double));
	m->centroids[0] = -1.0;
	m->centroids[2] = 1.0;
	for (int i = 0; i < n; i++)
		labels[i] = codes[i * 2] >= 0.0;
	for (int t = 0; t < e->n_inputs; t++)
		names[t] = "output";
	kmeans_profile_stats(encoded, n, e->n_inputs, labels, 2, &s);
	kmeans_personas_build(m, &s, names, roles);
	kmeans_renumber(m, NULL, NULL, 5);
	kmeans_profile_stats_free(&s);
	free(codes);
	free(labels);
	free(names);
	return m;
}

static bool
Decodes(const uint8_t *payload, size_t len)
{
	SegWriter	t;
	SegModelHeader header;
	SegReader	r;
	KMeansModel *m;
	char		msg[SEG_ERRMSG_LEN];
	bool		ok;

	writer_init(&t, len + SEG_MODEL_HEADER_SIZE);
	model_begin(&t, SEG_MODEL_KMEANS);
	writer_put_bytes(&t, payload, len);
	model_seal(&t);
	ok = model_open(t.data, t.len, SEG_MODEL_KMEANS, &header, &r, msg) == SEG_OK &&
		kmeans_model_read(&r, &m, msg) == SEG_OK;
	if (ok)
		kmeans_model_free(m);
	free(t.data);
	return ok;
}

static void
TestVersion3(void)
{
	double	   *encoded;
	int			n;
	SegEmbedding *e = Embedding(&encoded, &n);
	KMeansModel *m = ModelOn(e, encoded, n);
	SegWriter	w;
	SegModelHeader header;
	SegReader	payload;
	KMeansModel *back;
	SegPredictor p;
	char		msg[SEG_ERRMSG_LEN];
	const uint8_t *body;
	size_t		body_len;
	uint32_t	section;
	int			rejected = 0;
	int			agree = 0;

	writer_init(&w, 1024);
	model_begin(&w, SEG_MODEL_KMEANS);
	kmeans_model_write(&w, m);
	model_seal(&w);
	body = w.data + SEG_MODEL_HEADER_SIZE;
	body_len = w.len - SEG_MODEL_HEADER_SIZE;
	tap_ok(body[0] == KMEANS_CODEC_VERSION && body[1] == KMEANS_INPUT_EMBEDDING,
		   "a model on an embedding is written as version 3");
	memcpy(&section, body + 2, 4);
	tap_ok(model_open(w.data, w.len, SEG_MODEL_KMEANS, &header, &payload, msg) == SEG_OK &&
		   kmeans_model_read(&payload, &back, msg) == SEG_OK, "version 3 decodes");
	tap_ok(back->codec == 3 && back->embedding != NULL && back->prep == back->embedding->prep &&
		   back->embedding->kind == SEG_MODEL_PCA && back->d == 2 &&
		   kmeans_model_profile_width(back) == e->n_inputs &&
		   back->numbers[0] == 5 && back->numbers[1] == 6,
		   "the embedding, its preprocessor and the cluster numbers come back");
	tap_ok(embedding_equal(back->embedding, e), "the embedding reads back as the same value");
	tap_ok(memcmp(back->personas[1].means, m->personas[1].means,
				  sizeof(double) * e->n_inputs) == 0 &&
		   strcmp(back->personas[0].label, m->personas[0].label) == 0,
		   "personas as wide as the encoded outputs");

	/* a centroid decodes into the encoded space: PCA's inverse map */
	{
		double	   *row = malloc(sizeof(double) * e->n_inputs);
		double	   *direct = malloc(sizeof(double) * e->n_inputs);
		double	   *scratch = calloc(kmeans_model_row_scratch(back) + 1, sizeof(double));

		kmeans_model_centroid_encoded(back, 1, row, scratch);
		pca_reconstruct_code(e->pca, back->centroids + 2, direct);
		tap_ok(memcmp(row, direct, sizeof(double) * e->n_inputs) == 0,
			   "a centroid in the encoded space is its code decoded");
		free(row);
		free(direct);
		free(scratch);
	}

	/* the predictor takes encoded rows: the nearest centroid of their code */
	tap_ok(predictor_read(w.data, w.len, &p, msg) == SEG_OK && p.input == SEG_INPUT_ENCODED &&
		   p.n_features == e->n_inputs && p.n_classes == 2 && p.prep != NULL &&
		   strcmp(p.class_names[1], "6") == 0, "the predictor reads encoded rows");
	{
		double	   *scratch = calloc(p.scratch_len, sizeof(double));
		double		scores[2];
		double		code[2];

		for (int i = 0; i < n; i++)
		{
			int			label = p.predict_row(p.estimator, encoded + (size_t) i * e->n_inputs,
											  scores, scratch);
			double		d0;
			double		d1;

			pca_project_row(e->pca, encoded + (size_t) i * e->n_inputs, code);
			d0 = (code[0] + 1) * (code[0] + 1) + code[1] * code[1];
			d1 = (code[0] - 1) * (code[0] - 1) + code[1] * code[1];
			agree += label == (d1 < d0 ? 1 : 0) && fabs(scores[0] + d0) < 1e-12 &&
				fabs(scores[1] + d1) < 1e-12;
		}
		tap_ok(agree == n, "every row's cluster and distances are those of its code");
		free(scratch);
	}
	predictor_free(&p);

	/* damage */
	for (size_t len = 0; len < body_len; len++)
		rejected += !Decodes(body, len);
	tap_ok(rejected == (int) body_len, "every truncated payload is rejected");
	{
		uint8_t    *copy = malloc(body_len);
		uint32_t	v;

		memcpy(copy, body, body_len);
		v = section + 1;
		memcpy(copy + 2, &v, 4);
		tap_ok(!Decodes(copy, body_len), "an embedding section one byte longer is rejected");
		v = section - 1;
		memcpy(copy + 2, &v, 4);
		tap_ok(!Decodes(copy, body_len), "one byte shorter too");
		v = 0xFFFFFFF0u;
		memcpy(copy + 2, &v, 4);
		tap_ok(!Decodes(copy, body_len), "a length beyond the payload is rejected");
		memcpy(copy, body, body_len);
		copy[2 + 4 + 30] ^= 0x01;
		tap_ok(!Decodes(copy, body_len), "a flipped bit inside the embedding fails its checksum");
		memcpy(copy, body, body_len);
		copy[1] = 3;
		tap_ok(!Decodes(copy, body_len), "an unknown input byte is rejected");
		memcpy(copy, body, body_len);
		copy[0] = KMEANS_CODEC_PLAIN;
		tap_ok(!Decodes(copy, body_len), "version 2 has no embedding section");
		free(copy);
	}
	/* a k-means value where the embedding belongs */
	{
		SegWriter	inner;
		SegWriter	outer;

		writer_init(&inner, 256);
		model_begin(&inner, SEG_MODEL_KMEANS);
		kmeans_model_write(&inner, back);
		model_seal(&inner);
		writer_init(&outer, 512);
		writer_put_u8(&outer, KMEANS_CODEC_VERSION);
		writer_put_u8(&outer, KMEANS_INPUT_EMBEDDING);
		writer_put_u32(&outer, (uint32_t) inner.len);
		writer_put_bytes(&outer, inner.data, inner.len);
		writer_put_bytes(&outer, body + 6 + section, body_len - 6 - section);
		tap_ok(!Decodes(outer.data, outer.len), "another kind in the embedding section is rejected");
		free(inner.data);
		free(outer.data);
	}
	/* without personas a model on codes could not describe its clusters */
	{
		KMeansPersona *personas = back->personas;
		SegWriter	t;

		back->personas = NULL;
		writer_init(&t, 1024);
		kmeans_model_write(&t, back);
		tap_ok(!Decodes(t.data, t.len), "a model on an embedding without personas is rejected");
		back->personas = personas;
		free(t.data);
	}
	/* the same map or another */
	{
		SegEmbedding *other;
		double	   *encoded2;
		int			n2;

		other = Embedding(&encoded2, &n2);
		tap_ok(embedding_equal(other, e), "the same fit gives an equal embedding");
		other->pca->components[0] += 1e-9;
		tap_ok(!embedding_equal(other, e), "another component does not");
		embedding_free(other);
		free(encoded2);
	}
	free(w.data);
	kmeans_model_free(back);
	kmeans_model_free(m);
	free(encoded);
}

/* Pairing across maps: the clusters' means, moved into one encoded space. */
static void
TestMeansInSpace(void)
{
	double	   *encoded;
	int			n;
	SegEmbedding *e = Embedding(&encoded, &n);
	KMeansModel *m = ModelOn(e, encoded, n);
	int			d = e->n_inputs;
	double	   *out = malloc(sizeof(double) * 2 * d);
	char		why[128];
	bool		ok = kmeans_means_in_space(m, m->prep, out, why, sizeof(why));
	bool		same = ok;

	/* into its own space: the standardised cluster means */
	for (int j = 0; j < 2 && same; j++)
		for (int t = 0; t < d; t++)
		{
			double		back = prep_output_original(m->prep, t, out[j * d + t]);

			same &= fabs(back - m->personas[j].means[t]) < 1e-9;
		}
	tap_ok(same, "a model's means in its own space are its standardised cluster means");
	tap_ok(!kmeans_centroids_in_space(m, m->prep, out, why, sizeof(why)) &&
		   strstr(why, "codes") != NULL, "codes are not centroids in a column space");
	free(out);
	kmeans_model_free(m);
	free(encoded);
}

int
main(void)
{
	TestVersion2Bytes();
	TestVersion3();
	TestMeansInSpace();
	return tap_done();
}
