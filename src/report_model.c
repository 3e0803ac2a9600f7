/*-------------------------------------------------------------------------
 *
 * report_model.c
 *	  What a report reads: the version's registry row, decoded, and the
 *	  data its pictures need that the stored metrics do not hold, read
 *	  again from the model's relation with the caller's privileges.
 *
 * A k-means model's map is drawn from a sample of the relation's rows:
 * the REPORT_MAX_POINTS rows whose keys (the primary key, else every
 * clustered column) hash first under the model's seed, the order
 * training uses for its split, so the same rows in any scan order give
 * the same picture.  The rows are standardised by the model's own
 * preprocessor (the space its centroids live in) and projected on the
 * sample's first two principal components (projection.h).
 *
 * IDENTIFICATION
 *	  src/report_model.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/resowner.h"
#include "utils/varlena.h"

#include "dataset.h"
#include "pg_args.h"
#include "pg_core.h"
#include "pg_json.h"
#include "report.h"
#include "split.h"
#include "sql_kmeans.h"

/* the persona rule of segment.profile (sql_kmeans_report.c) */

char *
report_utf8(const char *s)
{
	if (s == NULL)
		return NULL;
	return pg_server_to_any(s, strlen(s), PG_UTF8);
}

void
report_open(const char *name, int32 version, ReportModel *m)
{
	SegModelHeader header;
	SegReader	payload;
	char		msg[SEG_ERRMSG_LEN];

	memset(m, 0, sizeof(*m));
	m->name = name;
	m->importance_repeats = REPORT_IMPORTANCE_REPEATS;
	registry_read_version(name, version, REGISTRY_READ, &m->row);
	segment_open_model(m->row.model, 0, &header, &payload);
	m->kind = header.kind;
	switch (header.kind)
	{
		case SEG_MODEL_CLASSIFIER:
		case SEG_MODEL_REGRESSOR:
			segment_raise(supervised_read(header.kind, &payload, &m->supervised, msg), msg);
			break;
		case SEG_MODEL_KMEANS:
			m->kmeans = segment_decode_kmeans(m->row.model);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("model \"%s\" is a %s model, which has no report or pictures", name,
							model_kind_name(header.kind)),
					 errhint("Reports are for classifiers and regressors (segment_train) and k-means models (kmeans_fit).")));
	}
	m->metrics = JB_ROOT_IS_OBJECT(m->row.metrics) ? &m->row.metrics->root : NULL;
	m->spec = JB_ROOT_IS_OBJECT(m->row.spec) ? &m->row.spec->root : NULL;
}

const char *
report_kind_noun(const ReportModel *m)
{
	switch (m->kind)
	{
		case SEG_MODEL_CLASSIFIER:
			return "classifier";
		case SEG_MODEL_REGRESSOR:
			return "regressor";
		default:
			return "k-means";
	}
}

/* ---- test rows and importance ------------------------------------------- */

ReportTestRows *
report_test_rows(ReportModel *m)
{
	ReportTestRows *t;

	if (m->test != NULL)
		return m->test;
	if (m->supervised == NULL)
		elog(ERROR, "test rows of a model that is not supervised");
	t = palloc0(sizeof(ReportTestRows));
	segment_model_part(m->name, m->row.version, SPLIT_TEST, &t->part);
	if (t->part.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("model \"%s\" has no test rows left in relation %s", m->name,
						t->part.split.relation)));
	t->predicted = seg_alloc_array((size_t) t->part.n * t->part.model->n_outputs,
								   sizeof(double));
	learner_predict(t->part.model->learner, t->part.model->model, t->part.x, t->part.n,
					t->part.model->schema.n_inputs, t->part.model->n_outputs, t->predicted,
					segment_hooks());
	m->test = t;
	return t;
}

ReportImportance *
report_importance(ReportModel *m)
{
	ReportTestRows *t;
	PartImportance imp;
	ReportImportance *r;
	int			n;

	if (m->importance != NULL)
		return m->importance;
	t = report_test_rows(m);
	segment_part_importance(m->name, &t->part, m->importance_repeats, &imp);
	n = imp.result.n_groups;
	r = palloc0(sizeof(ReportImportance));
	r->n = n;
	r->features = palloc(sizeof(char *) * Max(n, 1));
	r->mean = palloc(sizeof(double) * Max(n, 1));
	r->std = palloc(sizeof(double) * Max(n, 1));
	r->split_gain = imp.has_gain ? palloc(sizeof(double) * Max(n, 1)) : NULL;
	for (int i = 0; i < n; i++)
	{
		int			g = imp.order[i];

		r->features[i] = t->part.model->prep->columns[g].name;
		r->mean[i] = imp.result.mean[g];
		r->std[i] = imp.result.std[g];
		if (r->split_gain != NULL)
			r->split_gain[i] = imp.split_gain[g];
	}
	r->rows = t->part.n;
	r->score = t->part.model->task == SEG_TASK_CLASSIFICATION ? "macro-F1" : "R2";
	m->importance = r;
	return r;
}

/* ---- k-means: the relation today ----------------------------------------- */

/* kmeans_fit's stored arguments; a 0.1.0 spec kept them at its top level */
static JsonbContainer *
KMeansArguments(ReportModel *m)
{
	JsonbContainer *args = json_get_object(m->spec, "arguments");

	return args != NULL ? args : m->spec;
}

/*
 * The relation a k-means spec names: kmeans_fit stores it qualified among
 * its arguments, and only that qualified name is looked up (a relation
 * literally named "s.t" on the caller's path must not stand in for it);
 * a 0.1.0 spec stored its bare name at the top (found through the search
 * path, as the caller would).
 */
static Oid
KMeansRelation(ReportModel *m, char **qualified)
{
	bool		bare = json_get_object(m->spec, "arguments") == NULL;
	char	   *stored = json_get_string(KMeansArguments(m), "relation");
	Oid			relid;

	if (stored == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" version %d does not name the relation it was trained on",
						m->name, m->row.version),
				 errhint("Models fitted by segment.kmeans_fit(name, relation, columns) name it.")));
	if (bare)
		relid = RelnameGetRelid(stored);
	else
		relid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(stored)),
								 AccessShareLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation %s, which model \"%s\" was trained on, does not exist",
						stored, m->name)));
	(void) segment_readable_relation(relid);
	*qualified = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											get_rel_name(relid));
	return relid;
}

/*
 * The sample's map: PCA of the standardised rows (of their codes, for a
 * model on an embedding), centroids projected alike.
 */
static void
MapSample(ReportModel *m, ReportClusters *c, const double *encoded, const int *rows, int n)
{
	const KMeansModel *km = m->kmeans;
	int			d = km->d;
	double	   *x;
	Projection2 proj;
	char		msg[SEG_ERRMSG_LEN];

	if (d > PROJECTION_MAX_FEATURES)
	{
		c->map_missing = psprintf("the map is drawn for models of at most %d features; this one has %d",
								  PROJECTION_MAX_FEATURES, d);
		return;
	}
	if (n == 0)
	{
		c->map_missing = "the relation has no rows to draw";
		return;
	}
	x = palloc(sizeof(double) * (size_t) n * d);
	c->sample_cluster = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
	{
		memcpy(x + (size_t) i * d, encoded + (size_t) rows[i] * d, sizeof(double) * d);
		c->sample_cluster[i] = kmeans_model_nearest(km, x + (size_t) i * d, NULL);
	}
	segment_raise(projection_fit(x, n, d, &proj, msg), msg);
	c->n_sample = n;
	c->sample_xy = palloc(sizeof(double) * (size_t) n * 2);
	c->centroid_xy = palloc(sizeof(double) * (size_t) km->k * 2);
	projection_apply(&proj, x, n, c->sample_xy);
	projection_apply(&proj, km->centroids, km->k, c->centroid_xy);
	c->explained[0] = proj.explained[0];
	c->explained[1] = proj.explained[1];
}

ReportClusters *
report_clusters(ReportModel *m)
{
	const KMeansModel *km = m->kmeans;
	const SegPreprocessor *p;
	ReportClusters *c;
	Oid			relid;
	char	  **columns;
	DatasetKey	key;
	uint64	   *hashes;
	uint64	   *mixed;
	SegFrame   *frame;
	double	   *encoded;
	double	   *sums;
	int64	   *counts;
	int		   *rows;
	int			n;
	double		seed = 42;
	char		msg[SEG_ERRMSG_LEN];

	if (m->clusters != NULL)
		return m->clusters;
	if (km == NULL)
		elog(ERROR, "clusters of a model that is not k-means");
	p = km->prep;
	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" has no column names to read a relation with", m->name),
				 errhint("Models fitted by segment.kmeans_fit(name, relation, columns) have them.")));
	c = palloc0(sizeof(ReportClusters));
	relid = KMeansRelation(m, &c->relation);
	columns = palloc(sizeof(char *) * p->n_columns);
	for (int j = 0; j < p->n_columns; j++)
	{
		columns[j] = p->columns[j].name;
		segment_check_column_kind(columns[j], dataset_column_type(relid, columns[j]),
								  p->columns[j].kind);
	}
	key.columns = dataset_primary_key(relid, &key.n_columns);
	if (key.n_columns == 0)
		key.columns = NULL;
	frame = dataset_load_keyed(relid, columns, p->n_columns, -1, &key, &hashes);
	n = frame->n_rows;
	encoded = seg_alloc(sizeof(double) * (size_t) Max(n, 1) * p->n_outputs);
	segment_raise(prep_transform_frame(p, frame, NULL, n, encoded, msg), msg);
	/* a model on an embedding clusters (and maps) the rows' codes */
	if (km->embedding != NULL)
	{
		double	   *codes = seg_alloc(sizeof(double) * (size_t) Max(n, 1) * km->d);

		embedding_project(km->embedding, encoded, n, codes);
		seg_free(encoded);
		encoded = codes;
	}

	/* every row to its cluster: sizes and the numeric columns' means */
	c->n_rows = n;
	c->sizes = palloc0(sizeof(int64) * km->k);
	c->numeric_names = palloc(sizeof(char *) * p->n_columns);
	for (int j = 0; j < p->n_columns; j++)
		if (p->columns[j].kind != SEG_COL_CATEGORICAL)
			c->numeric_names[c->n_numeric++] = p->columns[j].name;
	sums = palloc0(sizeof(double) * (size_t) km->k * p->n_columns);
	counts = palloc0(sizeof(int64) * (size_t) km->k * p->n_columns);
	for (int i = 0; i < n; i++)
	{
		int			j = kmeans_model_nearest(km, encoded + (size_t) i * km->d, NULL);

		c->sizes[j]++;
		for (int col = 0; col < p->n_columns; col++)
		{
			double		v = FRAME_CELL(frame, i, col);

			if (!SEG_IS_MISSING(v))
			{
				sums[(size_t) j * p->n_columns + col] += v;
				counts[(size_t) j * p->n_columns + col]++;
			}
		}
		if (i % 65536 == 65535)
			CHECK_FOR_INTERRUPTS();
	}
	c->means = palloc(sizeof(double) * (size_t) km->k * Max(c->n_numeric, 1));
	c->personas = palloc(sizeof(char *) * km->k);
	for (int j = 0; j < km->k; j++)
	{
		int			t = 0;

		for (int col = 0; col < p->n_columns; col++)
		{
			int64		cnt = counts[(size_t) j * p->n_columns + col];

			if (p->columns[col].kind == SEG_COL_CATEGORICAL)
				continue;
			c->means[(size_t) j * c->n_numeric + t++] = cnt > 0 ?
				sums[(size_t) j * p->n_columns + col] / cnt : NAN;
		}
		c->personas[j] = kmeans_cluster_label(km, j);
	}

	/* the map's sample: the rows whose keys hash first under the model's seed */
	(void) json_get_number(KMeansArguments(m), "seed", &seed);
	mixed = palloc(sizeof(uint64) * Max(n, 1));
	rows = palloc(sizeof(int) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		mixed[i] = split_hash(hashes[i], (uint64) (int64) seed);
		rows[i] = i;
	}
	dataset_canonical_order(frame, mixed, rows, n);
	MapSample(m, c, encoded, rows, Min(n, REPORT_MAX_POINTS));
	m->clusters = c;
	return c;
}

/* ---- catching what cannot be read ------------------------------------- */

char *
report_try(void (*fn) (void *arg), void *arg)
{
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	char	   *volatile message = NULL;

	/* (report is parallel unsafe; a caller in parallel mode gets the error) */
	if (IsInParallelMode())
	{
		fn(arg);
		return NULL;
	}
	/* as PL/pgSQL runs a block with an EXCEPTION clause */
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(context);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *error;
		int			category;

		MemoryContextSwitchTo(context);
		error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
		category = ERRCODE_TO_CATEGORY(error->sqlerrcode);
		if (category == ERRCODE_OPERATOR_INTERVENTION ||
			category == ERRCODE_INSUFFICIENT_RESOURCES ||
			category == ERRCODE_INTERNAL_ERROR)
			ReThrowError(error);
		message = error->message;
	}
	PG_END_TRY();
	return message;
}
