/*-------------------------------------------------------------------------
 *
 * sql_report.c
 *	  segment.report(name, version) and the segment.plot_* functions: the
 *	  SQL entry points of report.h.
 *
 * Each reads one version (NULL: the deployed one) for a caller who may
 * read the model (as model_metrics), in a memory context and budget of
 * its own, and returns text: the HTML page, or one SVG picture.  A
 * picture alone fails with an error where the page would say what is
 * missing.
 *
 * IDENTIFICATION
 *	  src/sql_report.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "pg_core.h"
#include "report.h"

PG_FUNCTION_INFO_V1(segment_report);
PG_FUNCTION_INFO_V1(plot_confusion_matrix);
PG_FUNCTION_INFO_V1(plot_class_scores);
PG_FUNCTION_INFO_V1(plot_class_balance);
PG_FUNCTION_INFO_V1(plot_training_curve);
PG_FUNCTION_INFO_V1(plot_trials);
PG_FUNCTION_INFO_V1(plot_importance);
PG_FUNCTION_INFO_V1(plot_actual_vs_predicted);
PG_FUNCTION_INFO_V1(plot_residuals);
PG_FUNCTION_INFO_V1(plot_elbow);
PG_FUNCTION_INFO_V1(plot_silhouette);
PG_FUNCTION_INFO_V1(plot_cluster_sizes);
PG_FUNCTION_INFO_V1(plot_clusters);

/* The name and version arguments (0: the deployed version). */
static char *
NameAndVersion(FunctionCallInfo fcinfo, int32 *version)
{
	segment_require_arg(fcinfo, 0, "name");
	*version = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	if (!PG_ARGISNULL(1) && *version < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("version must be at least 1, not %d", *version),
				 errhint("Pass NULL for the deployed version.")));
	return text_to_cstring(PG_GETARG_TEXT_PP(0));
}

/*
 * Runs build in a context and memory budget of its own (what names the
 * call in memory errors); returns its text.
 */
static text *
Build(const char *what, char *(*build) (ReportModel *m, void *arg), const char *name,
	  int32 version, int repeats, void *arg)
{
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "segment report",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(work);
	ReportModel m;
	char	   *result;
	text	   *out;

	segment_budget_begin(work, what);
	report_open(name, version, &m);
	if (repeats > 0)
		m.importance_repeats = repeats;
	result = build(&m, arg);
	segment_budget_end();
	MemoryContextSwitchTo(old);
	out = cstring_to_text(result);
	MemoryContextDelete(work);
	return out;
}

static char *
Page(ReportModel *m, void *arg pg_attribute_unused())
{
	return report_html(m);
}

static char *
Picture(ReportModel *m, void *arg)
{
	ReportPlot	p = *(ReportPlot *) arg;
	SvgBuf		b;
	char	   *why = NULL;

	svg_buf_init(&b);
	if (!report_draw(m, p, &b, &why))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s", why),
				 errhint("segment_train and kmeans_fit store what their pictures need; segment.model_metrics(name, version) shows what this version stores.")));
	return b.data;
}

/* segment.report(name text, version integer DEFAULT NULL) RETURNS text */
Datum
segment_report(PG_FUNCTION_ARGS)
{
	int32		version;
	char	   *name = NameAndVersion(fcinfo, &version);

	PG_RETURN_TEXT_P(Build("segment report", Page, name, version, 0, NULL));
}

static Datum
Plot(FunctionCallInfo fcinfo, ReportPlot p)
{
	int32		version;
	char	   *name = NameAndVersion(fcinfo, &version);

	PG_RETURN_TEXT_P(Build("segment plot", Picture, name, version, 0, &p));
}

/* segment.plot_*(name text, version integer DEFAULT NULL) RETURNS text */
Datum
plot_confusion_matrix(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_CONFUSION_MATRIX);
}

Datum
plot_class_scores(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_CLASS_SCORES);
}

Datum
plot_class_balance(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_CLASS_BALANCE);
}

Datum
plot_training_curve(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_TRAINING_CURVE);
}

Datum
plot_trials(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_TRIALS);
}

Datum
plot_actual_vs_predicted(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_ACTUAL_VS_PREDICTED);
}

Datum
plot_residuals(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_RESIDUALS);
}

Datum
plot_elbow(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_ELBOW);
}

Datum
plot_silhouette(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_SILHOUETTE);
}

Datum
plot_cluster_sizes(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_CLUSTER_SIZES);
}

Datum
plot_clusters(PG_FUNCTION_ARGS)
{
	return Plot(fcinfo, PLOT_CLUSTERS);
}

/*
 * segment.plot_importance(name text, version integer DEFAULT NULL,
 *                         repeats integer DEFAULT 5) RETURNS text
 */
Datum
plot_importance(PG_FUNCTION_ARGS)
{
	int32		version;
	char	   *name = NameAndVersion(fcinfo, &version);
	ReportPlot	p = PLOT_IMPORTANCE;
	int			repeats;

	segment_require_arg(fcinfo, 2, "repeats");
	repeats = PG_GETARG_INT32(2);
	if (repeats < 1 || repeats > IMPORTANCE_MAX_REPEATS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("repeats must be between 1 and %d, not %d", IMPORTANCE_MAX_REPEATS,
						repeats)));
	PG_RETURN_TEXT_P(Build("segment plot", Picture, name, version, repeats, &p));
}
