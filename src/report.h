/*-------------------------------------------------------------------------
 *
 * report.h
 *	  Model reports: segment.report(name, version), one self-contained
 *	  HTML page, and the segment.plot_* functions that return its pictures
 *	  alone as SVG.
 *
 * A report shows what segment.model_metrics shows (the caller needs the
 * model's REGISTRY_READ right): the registry row, the stored spec and
 * metrics, and pictures drawn from them.  What the stored metrics do not
 * hold is read again at report time, with the caller's privileges:
 * a regressor's test rows (for actual vs predicted and the residuals)
 * and any model's test rows for permutation importance, through the
 * stored split (sql_model_part.h); a k-means model's relation for the
 * cluster sizes, profiles and the two-dimensional map.  When that cannot
 * be read (the relation dropped, a column gone, no privilege), the page
 * says so where the picture would be.
 *
 * Files: report_model.c reads a version and what its pictures need,
 * report_plots.c draws each picture, report_html.c composes the page,
 * sql_report.c holds the SQL entry points.
 *
 * IDENTIFICATION
 *	  src/report.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_REPORT_H
#define SEGMENT_REPORT_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"

#include "importance.h"
#include "kmeans_model.h"
#include "model.h"
#include "plot.h"
#include "projection.h"
#include "registry.h"
#include "sql_model_part.h"
#include "supervised_model.h"

/* importance repeats of the page (feature_importance's default) */
#define REPORT_IMPORTANCE_REPEATS 5
/* points drawn in scatters: a seeded sample beyond this */
#define REPORT_MAX_POINTS 2000
/* bars and rows drawn before the rest is summarised */
#define REPORT_MAX_BARS 40
/* classes of the largest confusion matrix drawn */
#define REPORT_MAX_MATRIX 60
/* rows of the page's tables (trials, k, clusters) */
#define REPORT_MAX_ROWS 200

/* The pictures, by SQL function. */
typedef enum ReportPlot
{
	PLOT_CONFUSION_MATRIX,
	PLOT_CLASS_SCORES,
	PLOT_CLASS_BALANCE,
	PLOT_TRAINING_CURVE,
	PLOT_TRIALS,
	PLOT_IMPORTANCE,
	PLOT_ACTUAL_VS_PREDICTED,
	PLOT_RESIDUALS,
	PLOT_ELBOW,
	PLOT_SILHOUETTE,
	PLOT_CLUSTER_SIZES,
	PLOT_CLUSTERS,
	PLOT_N_KINDS
} ReportPlot;

/* A regressor's or classifier's test rows, read again, and their predictions. */
typedef struct ReportTestRows
{
	ModelPart	part;
	double	   *predicted;		/* n x n_outputs */
} ReportTestRows;

/* Permutation importance on the test rows, most important first. */
typedef struct ReportImportance
{
	int			n;
	char	  **features;
	double	   *mean;
	double	   *std;
	double	   *split_gain;		/* or NULL: the learner has none */
	int			rows;			/* test rows scored */
	const char *score;			/* "macro-F1" or "R2" */
} ReportImportance;

/* A k-means model's relation today: every row assigned, and a map of a sample. */
typedef struct ReportClusters
{
	char	   *relation;		/* as resolved, qualified */
	int64		n_rows;
	int64	   *sizes;			/* k */
	int			n_numeric;		/* numeric columns, for the means */
	char	  **numeric_names;
	double	   *means;			/* k x n_numeric, NaN where a cluster has none */
	char	  **personas;		/* k */
	/* the map */
	const char *map_missing;	/* why there is no map, or NULL */
	int			n_sample;
	double	   *sample_xy;		/* n_sample x 2 */
	int		   *sample_cluster;
	double	   *centroid_xy;	/* k x 2 */
	double		explained[2];
} ReportClusters;

/* One version of a named model and what has been read for its pictures. */
typedef struct ReportModel
{
	const char *name;
	RegistryVersion row;
	int			kind;			/* SEG_MODEL_* */
	SegSupervised *supervised;	/* classifier or regressor */
	KMeansModel *kmeans;
	JsonbContainer *metrics;	/* the stored metrics (an object, else NULL) */
	JsonbContainer *spec;
	int			importance_repeats;

	/*
	 * Read on first use; a failure is kept (its message) so that every
	 * picture that needs the same data says the same, and it is read once.
	 */
	ReportTestRows *test;
	char	   *test_error;
	ReportImportance *importance;
	char	   *importance_error;
	ReportClusters *clusters;
	char	   *clusters_error;
} ReportModel;

/* report_model.c */

/*
 * Reads version (0: the deployed one) of name for a caller with the
 * REGISTRY_READ right and decodes it; ERROR for a model kind that has no
 * report (scalers, preprocessors).
 */
extern void report_open(const char *name, int32 version, ReportModel *m);

/* "classifier", "regressor", "k-means" */
extern const char *report_kind_noun(const ReportModel *m);

/*
 * The data read again for the pictures; ERROR when they cannot be read
 * (report_try catches that for the page).
 */
extern ReportTestRows *report_test_rows(ReportModel *m);
extern ReportImportance *report_importance(ReportModel *m);
extern ReportClusters *report_clusters(ReportModel *m);

/*
 * Runs fn(arg) in a subtransaction; on an ERROR (other than a cancel, a
 * shutdown, running out of resources or an internal error, which are
 * raised again) returns the error's message, else NULL.
 */
extern char *report_try(void (*fn) (void *arg), void *arg);

/* report_plots.c */

/* The SQL name of a picture ("plot_confusion_matrix") and its heading. */
extern const char *report_plot_function(ReportPlot p);
extern const char *report_plot_title(ReportPlot p);

/* Whether a model kind has the picture at all. */
extern bool report_plot_applies(const ReportModel *m, ReportPlot p);

/*
 * Draws a picture into b.  Returns false with *why when the stored
 * metrics lack what it needs; ERROR when data read again cannot be read.
 */
extern bool report_draw(ReportModel *m, ReportPlot p, SvgBuf *b, char **why);

/* The settings whose values differ between stored trials ("config"), by name. */
extern List *report_varying_settings(JsonbContainer *trials, int n);
/* A stored setting as text ("" when missing). */
extern char *report_setting_text(JsonbContainer *config, const char *key);

/* report_html.c: the whole page */
extern char *report_html(ReportModel *m);

/* Text for the core (svg.h): server encoding to UTF-8. */
extern char *report_utf8(const char *s);

#endif							/* SEGMENT_REPORT_H */
