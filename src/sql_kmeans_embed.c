/*-------------------------------------------------------------------------
 *
 * sql_kmeans_embed.c
 *	  kmeans_fit(..., embedding => name): k-means on the codes of a PCA or
 *	  autoencoder model of the registry.
 *
 * The embedding is the version of name deployed when the fit runs, read
 * with the right to read its bytes (REGISTRY_READ, not merely to predict
 * with it), since the k-means model stores the embedding's whole value
 * and whoever reads the k-means model reads the embedding too.  Its
 * preprocessor names the columns: columns must be NULL or the same
 * columns (in any order).  Every row of the relation is read in canonical
 * order, encoded and mapped to its code a block at a time
 * (segment_embed_relation), and k-means runs on the codes as they are:
 * PCA scores keep the encoded space's distances within the components'
 * span, and an autoencoder's code space has no other scale.  The personas
 * describe the same rows in the preprocessor's encoded space (per-cluster
 * means of the raw columns, shares of categories), as a fit without an
 * embedding does.
 *
 * IDENTIFICATION
 *	  src/sql_kmeans_embed.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "model.h"
#include "pg_core.h"
#include "pg_json.h"
#include "registry.h"
#include "sql_embed.h"
#include "sql_kmeans.h"

/* "a, b and c": the embedding's columns, for messages */
static char *
ColumnList(const SegPreprocessor *p)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int c = 0; c < p->n_columns; c++)
		appendStringInfo(&buf, "%s%s", c == 0 ? "" : c == p->n_columns - 1 ? " and " : ", ",
						 quote_identifier(p->columns[c].name));
	return buf.data;
}

void
kmeans_open_embedding(KFitRequest *req, const char *name)
{
	RegistryVersion row;
	SegEmbedding *e;
	const SegPreprocessor *p;
	bool		same;

	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("embedding must name a model"),
				 errhint("Leave embedding NULL to cluster the columns themselves.")));
	if (strcmp(name, req->name) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("embedding must name another model than \"%s\", the one fitted", name)));
	/* its bytes go into the k-means model: the right to read them */
	registry_read_version(name, 0, REGISTRY_READ, &row);
	e = segment_decode_embedding(row.model, name);
	req->embedding = pstrdup(name);
	req->embedding_version = row.version;
	req->emb = e;
	req->embedding_hash = DatumGetUInt64(hash_bytes_extended((const unsigned char *) VARDATA_ANY(row.model),
															 (int) VARSIZE_ANY_EXHDR(row.model),
															 0));
	p = e->prep;
	if (req->columns_given)
	{
		same = req->d == p->n_columns;
		for (int c = 0; c < p->n_columns && same; c++)
			same = seg_name_index(req->columns, req->d, p->columns[c].name) >= 0;
		for (int j = 0; j < req->d && same; j++)
			same = seg_name_index(req->columns, j, req->columns[j]) < 0;
		if (!same)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("columns must be those embedding model \"%s\" reads", name),
					 errdetail("Version %d of \"%s\" reads %s.", row.version, name,
							   ColumnList(p)),
					 errhint("Pass columns => NULL to cluster on the embedding's columns.")));
	}
	/* the embedding's order: its preprocessor's */
	req->d = p->n_columns;
	req->columns = palloc(sizeof(char *) * p->n_columns);
	for (int c = 0; c < p->n_columns; c++)
		req->columns[c] = p->columns[c].name;
}

SegFrame *
kmeans_embedding_load(const KFitRequest *req, double **codes)
{
	SegFrame   *frame;

	*codes = segment_embed_relation(req->emb, req->relid, &frame);
	if (frame->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows", get_rel_name(req->relid))));
	return frame;
}

void
kmeans_fit_embedded(const KFitRequest *req, const SegFrame *frame, const double *codes,
					KFitRun *runs, KFitSample *sample)
{
	const SegEmbedding *e = req->emb;
	int			n = frame->n_rows;
	size_t		bytes;
	double	   *encoded;
	char		msg[SEG_ERRMSG_LEN];

	/* the rows as the preprocessor encodes them: what the personas describe */
	if (!seg_mul_size((size_t) n * sizeof(double), (size_t) e->n_inputs, &bytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%d rows of %d encoded values do not fit in memory", n, e->n_inputs)));
	encoded = seg_alloc(bytes);
	segment_raise(prep_transform_frame(e->prep, frame, NULL, n, encoded, msg), msg);
	/* init, when given, holds codes (kmeans_parse_request checked k x code_size) */
	kmeans_fit_rows(req, frame, codes, e->code_size, encoded, e->n_inputs, req->init, runs,
					sample);
	seg_free(encoded);
}

void
kmeans_embedding_json(JsonBuilder *b, const KFitRequest *req)
{
	json_object_begin(b);
	json_key_string(b, "name", req->embedding);
	json_key_integer(b, "version", req->embedding_version);
	json_key_string(b, "kind", model_kind_name(req->emb->kind));
	json_key_integer(b, "code_size", req->emb->code_size);
	json_key_integer(b, "encoded_features", req->emb->n_inputs);
	json_object_end(b);
}
