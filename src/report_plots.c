/*-------------------------------------------------------------------------
 *
 * report_plots.c
 *	  Each picture of a report, drawn from the stored metrics (or from
 *	  the data report_model.c reads again) with the charts of plot.h.
 *
 * Stored JSON is read without trusting its shape (save_model takes any
 * object as metrics): a piece missing or of the wrong form makes the picture say
 * what is missing, never a crash.  Every text passed to the core is
 * UTF-8 (report_utf8); the core escapes it.
 *
 * IDENTIFICATION
 *	  src/report_plots.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "nodes/pg_list.h"
#include "utils/builtins.h"

#include "pg_json.h"
#include "report.h"

typedef struct PlotInfo
{
	const char *function;
	const char *title;
	bool		classifier;
	bool		regressor;
	bool		kmeans;
} PlotInfo;

static const PlotInfo plots[PLOT_N_KINDS] = {
	[PLOT_CONFUSION_MATRIX] = {"plot_confusion_matrix", "Confusion matrix", true, false, false},
	[PLOT_CLASS_SCORES] = {"plot_class_scores", "Precision, recall and F1 per class", true, false, false},
	[PLOT_CLASS_BALANCE] = {"plot_class_balance", "Class balance", true, false, false},
	[PLOT_TRAINING_CURVE] = {"plot_training_curve", "Training curves", true, true, false},
	[PLOT_TRIALS] = {"plot_trials", "Candidates tried", true, true, false},
	[PLOT_IMPORTANCE] = {"plot_importance", "Feature importance", true, true, false},
	[PLOT_ACTUAL_VS_PREDICTED] = {"plot_actual_vs_predicted", "Actual vs predicted", false, true, false},
	[PLOT_RESIDUALS] = {"plot_residuals", "Residuals", false, true, false},
	[PLOT_ELBOW] = {"plot_elbow", "Inertia per k (elbow)", false, false, true},
	[PLOT_SILHOUETTE] = {"plot_silhouette", "Silhouette per k", false, false, true},
	[PLOT_CLUSTER_SIZES] = {"plot_cluster_sizes", "Cluster sizes", false, false, true},
	[PLOT_CLUSTERS] = {"plot_clusters", "Segments on a map", false, false, true},
};

const char *
report_plot_function(ReportPlot p)
{
	return plots[p].function;
}

const char *
report_plot_title(ReportPlot p)
{
	return plots[p].title;
}

bool
report_plot_applies(const ReportModel *m, ReportPlot p)
{
	switch (m->kind)
	{
		case SEG_MODEL_CLASSIFIER:
			return plots[p].classifier;
		case SEG_MODEL_REGRESSOR:
			return plots[p].regressor;
		case SEG_MODEL_KMEANS:
			return plots[p].kmeans;
	}
	return false;
}

static PlotSeries
Series(const char *name, const double *x, const double *y, int n, int colour, const char *dash,
	   bool markers)
{
	PlotSeries	s;

	s.name = name;
	s.x = x;
	s.y = y;
	s.n = n;
	s.colour = colour;
	s.dash = dash;
	s.markers = markers;
	return s;
}

static PlotMark
Mark(double x, double y, const char *label, int colour, SvgShape shape)
{
	PlotMark	m;

	m.x = x;
	m.y = y;
	m.label = label;
	m.colour = colour;
	m.shape = shape;
	return m;
}

static PlotRect
Rect(double x, double y, double w, double h)
{
	PlotRect	r;

	r.x = x;
	r.y = y;
	r.w = w;
	r.h = h;
	return r;
}

/* "version 3 of model "m" stores no X" */
static char *
StoresNo(const ReportModel *m, const char *what)
{
	return psprintf("version %d of model \"%s\" stores no %s", m->row.version, m->name, what);
}

static char *
Count(double v)
{
	char		buf[64];

	svg_format_value(buf, sizeof(buf), v, 15);
	return pstrdup(buf);
}

/* The class names of a classifier, in its output order (UTF-8). */
static char **
ClassNames(const ReportModel *m)
{
	char	  **names = palloc(sizeof(char *) * Max(m->supervised->n_classes, 1));

	for (int c = 0; c < m->supervised->n_classes; c++)
		names[c] = report_utf8(m->supervised->class_names[c]);
	return names;
}

/* ---- classifier ---------------------------------------------------------- */

static bool
ConfusionMatrix(ReportModel *m, SvgBuf *b, char **why)
{
	int			k = m->supervised->n_classes;
	int			rows;
	JsonbContainer *matrix = json_get_array(m->metrics, "confusion_matrix", &rows);
	double	   *counts;
	double		total = 0;
	PlotHeatmap h;

	if (matrix == NULL || rows != k)
	{
		*why = StoresNo(m, "confusion matrix of its classes");
		return false;
	}
	if (k > REPORT_MAX_MATRIX)
	{
		*why = psprintf("a confusion matrix of %d classes is too large to draw (at most %d); segment.confusion_matrix(name, version) lists it",
						k, REPORT_MAX_MATRIX);
		return false;
	}
	counts = palloc0(sizeof(double) * (size_t) k * k);
	for (int a = 0; a < k; a++)
	{
		JsonbContainer *row = json_elem_container(matrix, a);

		if (json_array_size(row) != k)
		{
			*why = StoresNo(m, "well-formed confusion matrix");
			return false;
		}
		for (int p = 0; p < k; p++)
			if (!json_elem_number(row, p, &counts[(size_t) a * k + p]) ||
				!(counts[(size_t) a * k + p] >= 0))
			{
				*why = StoresNo(m, "well-formed confusion matrix");
				return false;
			}
			else
				total += counts[(size_t) a * k + p];
	}
	memset(&h, 0, sizeof(h));
	h.title = psprintf("Confusion matrix on %s test rows", Count(total));
	h.x_label = "predicted class";
	h.y_label = "actual class";
	h.n = k;
	h.labels = ClassNames(m);
	h.counts = counts;
	plot_figure_heatmap(b, &h);
	return true;
}

static bool
ClassScores(ReportModel *m, SvgBuf *b, char **why)
{
	int			n;
	JsonbContainer *classes = json_get_array(m->metrics, "classes", &n);
	int			shown = Min(n, REPORT_MAX_BARS);
	char	   *groups[3] = {"precision", "recall", "F1"};
	const char *keys[3] = {"precision", "recall", "f1"};
	double	   *values;
	char	  **names;
	PlotBars	bars;

	if (classes == NULL || n == 0)
	{
		*why = StoresNo(m, "per-class figures");
		return false;
	}
	values = palloc(sizeof(double) * 3 * shown);
	names = palloc(sizeof(char *) * shown);
	for (int c = 0; c < shown; c++)
	{
		JsonbContainer *cls = json_elem_container(classes, c);
		char	   *name = json_get_string(cls, "class");

		names[c] = report_utf8(name != NULL ? name : psprintf("class %d", c + 1));
		for (int g = 0; g < 3; g++)
			if (!json_get_number(cls, keys[g], &values[g * shown + c]))
				values[g * shown + c] = NAN;
	}
	memset(&bars, 0, sizeof(bars));
	bars.title = n > shown ?
		psprintf("Precision, recall and F1 on the test rows (the first %d of %d classes)", shown, n) :
		"Precision, recall and F1 per class on the test rows";
	bars.x_label = "class";
	bars.y_label = "score";
	bars.n_categories = shown;
	bars.categories = names;
	bars.n_groups = 3;
	bars.group_names = groups;
	bars.values = values;
	bars.highlight = -1;
	bars.y_max = 1;
	bars.value_digits = shown <= 8 ? 3 : 0;
	plot_figure_bars(b, 380, &bars);
	return true;
}

static bool
ClassBalance(ReportModel *m, SvgBuf *b, char **why)
{
	JsonbContainer *balance = json_get_object(m->metrics, "balance");
	int			n,
				n_before,
				n_after;
	JsonbContainer *classes = json_get_array(balance, "classes", &n);
	JsonbContainer *before = json_get_array(balance, "train_rows", &n_before);
	JsonbContainer *after = json_get_array(balance, "balanced_rows", &n_after);
	char	   *chosen = json_get_string(balance, "chosen");
	char	   *as = json_get_string(balance, "balanced_as");
	int			shown;
	double	   *values;
	char	  **names;
	char	   *groups[2];
	PlotBars	bars;

	if (classes == NULL || before == NULL || after == NULL || n == 0 || n_before != n ||
		n_after != n || chosen == NULL)
	{
		*why = StoresNo(m, "class balance (versions trained before reports did not keep it)");
		return false;
	}
	shown = Min(n, REPORT_MAX_BARS);
	values = palloc(sizeof(double) * 2 * shown);
	names = palloc(sizeof(char *) * shown);
	for (int c = 0; c < shown; c++)
	{
		char	   *name = json_elem_string(classes, c);

		names[c] = report_utf8(name != NULL ? name : psprintf("class %d", c + 1));
		if (!json_elem_number(before, c, &values[c]))
			values[c] = NAN;
		if (!json_elem_number(after, c, &values[shown + c]))
			values[shown + c] = NAN;
	}
	groups[0] = "train part as split";
	groups[1] = psprintf("after balancing (%s%s%s)", report_utf8(chosen),
						 as != NULL && strcmp(as, "rows") != 0 ? ": " : "",
						 as != NULL && strcmp(as, "rows") != 0 ? report_utf8(as) : "");
	memset(&bars, 0, sizeof(bars));
	bars.title = psprintf("Training rows per class before and after balancing (%s)",
						  report_utf8(chosen));
	bars.x_label = "class";
	bars.y_label = "training rows";
	bars.n_categories = shown;
	bars.categories = names;
	bars.n_groups = 2;
	bars.group_names = groups;
	bars.values = values;
	bars.highlight = -1;
	bars.y_max = NAN;
	bars.value_digits = shown <= 8 ? 6 : 0;
	plot_figure_bars(b, 380, &bars);
	return true;
}

/* ---- supervised ----------------------------------------------------------- */

static bool
TrainingCurve(ReportModel *m, SvgBuf *b, char **why)
{
	int			n;
	JsonbContainer *history = json_get_array(m->metrics, "history", &n);
	char	   *unit = json_get_string(m->metrics, "history_unit");
	double		best = 0;
	double	   *x,
			   *train,
			   *val,
			   *score;
	PlotSeries	loss_series[2];
	PlotSeries	score_series;
	PlotLines	loss;
	PlotLines	scores;
	bool		classification = m->kind == SEG_MODEL_CLASSIFIER;
	char	   *vline_label = NULL;

	if (history == NULL || n == 0)
	{
		*why = StoresNo(m, "training history");
		return false;
	}
	if (unit == NULL)
		unit = "iteration";
	x = palloc(sizeof(double) * n);
	train = palloc(sizeof(double) * n);
	val = palloc(sizeof(double) * n);
	score = palloc(sizeof(double) * n);
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *point = json_elem_container(history, i);

		x[i] = i + 1;
		if (!json_get_number(point, "train_loss", &train[i]))
			train[i] = NAN;
		if (!json_get_number(point, "val_loss", &val[i]))
			val[i] = NAN;
		if (!json_get_number(point, "val_score", &score[i]))
			score[i] = NAN;
	}
	if (json_get_number(m->metrics, "best_iteration", &best) && best >= 1 && best <= n)
		vline_label = psprintf("kept: %s %d", unit, (int) best);
	else
		best = NAN;

	loss_series[0] = Series("training loss", x, train, n, 0, NULL, false);
	loss_series[1] = Series("validation loss", x, val, n, 1, "7 4", false);
	memset(&loss, 0, sizeof(loss));
	loss.title = psprintf("Loss per %s", unit);
	loss.x_label = unit;
	loss.y_label = classification ? "log loss" : "loss";
	loss.x_integer = true;
	loss.series = loss_series;
	loss.n_series = 2;
	loss.vline = best;
	loss.vline_label = vline_label;

	score_series = Series(classification ? "validation macro-F1" : "validation R2", x, score, n,
						  2, NULL, false);
	memset(&scores, 0, sizeof(scores));
	scores.title = psprintf("Validation %s per %s", classification ? "macro-F1" : "R2", unit);
	scores.x_label = unit;
	scores.y_label = classification ? "macro-F1" : "R2";
	scores.x_integer = true;
	scores.series = &score_series;
	scores.n_series = 1;
	/* the line again, labelled once above */
	scores.vline = best;

	svg_begin(b, PLOT_WIDTH, 630, "Training curves", NULL);
	plot_lines(b, Rect(0, 0, PLOT_WIDTH, 330), &loss);
	plot_lines(b, Rect(0, 330, PLOT_WIDTH, 300), &scores);
	svg_end(b);
	return true;
}

/* A trial's setting as text: a number, word or list as stored. */
char *
report_setting_text(JsonbContainer *config, const char *key)
{
	char	   *text = json_get_text(config, key);

	return text != NULL ? text : "";
}

List *
report_varying_settings(JsonbContainer *trials, int n)
{
	JsonbContainer *first = json_get_object(json_elem_container(trials, 0), "config");
	List	   *varying = NIL;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;

	if (first == NULL)
		return NIL;
	it = JsonbIteratorInit(first);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;

		if (token != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		for (int t = 1; t < n; t++)
		{
			JsonbContainer *config = json_get_object(json_elem_container(trials, t), "config");

			if (strcmp(report_setting_text(first, key), report_setting_text(config, key)) != 0)
			{
				varying = lappend(varying, key);
				break;
			}
		}
	}
	return varying;
}

static bool
Trials(ReportModel *m, SvgBuf *b, char **why)
{
	int			n;
	JsonbContainer *trials = json_get_array(m->metrics, "trials", &n);
	bool		classification = m->kind == SEG_MODEL_CLASSIFIER;
	const char *score_key = classification ? "validation_macro_f1" : "validation_r2";
	double		chosen = 0;
	int			shown = Min(n, REPORT_MAX_BARS);
	List	   *varying;
	char	  **labels;
	double	   *values;
	PlotHBars	h;

	if (trials == NULL || n == 0)
	{
		*why = StoresNo(m, "candidates (versions trained before reports did not keep them)");
		return false;
	}
	(void) json_get_number(json_get_object(m->metrics, "choice"), "chosen_trial", &chosen);
	varying = report_varying_settings(trials, n);
	labels = palloc(sizeof(char *) * shown);
	values = palloc(sizeof(double) * shown);
	for (int t = 0; t < shown; t++)
	{
		JsonbContainer *trial = json_elem_container(trials, t);
		JsonbContainer *config = json_get_object(trial, "config");
		StringInfoData label;
		ListCell   *lc;

		initStringInfo(&label);
		appendStringInfo(&label, "%d", t + 1);
		foreach(lc, varying)
		{
			char	   *key = lfirst(lc);

			appendStringInfo(&label, "%s %s %s", foreach_current_index(lc) == 0 ? ":" : ",",
							 key, report_setting_text(config, key));
		}
		labels[t] = report_utf8(label.data);
		if (!json_get_number(trial, score_key, &values[t]))
			values[t] = NAN;
	}
	memset(&h, 0, sizeof(h));
	h.title = n > shown ? psprintf("Candidates by validation score (the first %d of %d)", shown, n) :
		"Candidates by validation score (the kept one in orange)";
	h.x_label = classification ? "validation macro-F1" : "validation R2";
	h.n = shown;
	h.labels = labels;
	h.values = values;
	h.highlight = chosen >= 1 && chosen <= shown ? (int) chosen - 1 : -1;
	h.value_digits = 4;
	plot_figure_hbars(b, &h);
	return true;
}

static bool
Importance(ReportModel *m, SvgBuf *b, char **why pg_attribute_unused())
{
	ReportImportance *imp = report_importance(m);
	int			shown = Min(imp->n, REPORT_MAX_BARS);
	char	  **labels = palloc(sizeof(char *) * Max(shown, 1));
	PlotHBars	perm;
	PlotHBars	gain;
	double		h1,
				h2 = 0;

	for (int i = 0; i < shown; i++)
		labels[i] = report_utf8(imp->features[i]);
	memset(&perm, 0, sizeof(perm));
	perm.title = psprintf("Permutation importance on %s test rows (%d shuffles per column%s)",
						  Count(imp->rows), m->importance_repeats,
						  imp->n > shown ? psprintf("; the first %d of %d columns", shown, imp->n) : "");
	perm.x_label = psprintf("drop in test %s when the column is shuffled (mean +- std)",
							imp->score);
	perm.n = shown;
	perm.labels = labels;
	perm.values = imp->mean;
	perm.errors = imp->std;
	perm.highlight = -1;
	perm.value_digits = 3;
	h1 = plot_hbars_height(shown);
	if (imp->split_gain != NULL)
	{
		memset(&gain, 0, sizeof(gain));
		gain.title = "Share of the split gain (the learner's own importance)";
		gain.x_label = "share of the total split gain";
		gain.n = shown;
		gain.labels = labels;
		gain.values = imp->split_gain;
		gain.highlight = -1;
		gain.value_digits = 3;
		h2 = plot_hbars_height(shown);
	}
	svg_begin(b, PLOT_WIDTH, h1 + h2, "Feature importance", NULL);
	plot_hbars(b, Rect(0, 0, PLOT_WIDTH, h1), &perm);
	if (imp->split_gain != NULL)
		plot_hbars(b, Rect(0, h1, PLOT_WIDTH, h2), &gain);
	svg_end(b);
	return true;
}

/* ---- regressor ------------------------------------------------------------ */

static char *
LabelName(ReportModel *m)
{
	ReportTestRows *t = report_test_rows(m);

	return report_utf8(t->part.split.label);
}

static bool
ActualVsPredicted(ReportModel *m, SvgBuf *b, char **why pg_attribute_unused())
{
	ReportTestRows *t = report_test_rows(m);
	int			n = t->part.n;
	int			shown = Min(n, REPORT_MAX_POINTS);
	PlotScatter s;

	/* the part's rows are in their seeded canonical order: the first are a sample */
	memset(&s, 0, sizeof(s));
	s.title = shown < n ?
		psprintf("Actual vs predicted on the test rows (a sample of %s of %s)", Count(shown),
				 Count(n)) :
		psprintf("Actual vs predicted on %s test rows", Count(n));
	s.x_label = psprintf("actual %s", LabelName(m));
	s.y_label = psprintf("predicted %s", LabelName(m));
	s.n = shown;
	s.x = t->part.y_value;
	s.y = t->predicted;
	s.diagonal = true;
	plot_figure_scatter(b, 560, &s);
	return true;
}

static bool
Residuals(ReportModel *m, SvgBuf *b, char **why pg_attribute_unused())
{
	ReportTestRows *t = report_test_rows(m);
	int			n = t->part.n;
	double	   *residual = palloc(sizeof(double) * Max(n, 1));
	PlotHistogram h;

	for (int i = 0; i < n; i++)
		residual[i] = t->part.y_value[i] - t->predicted[i];
	memset(&h, 0, sizeof(h));
	h.title = psprintf("Residuals on %s test rows", Count(n));
	h.x_label = psprintf("residual: actual - predicted %s", LabelName(m));
	h.y_label = "test rows";
	h.n = n;
	h.values = residual;
	h.vline = 0;
	h.vline_label = "no error";
	plot_figure_histogram(b, 380, &h);
	return true;
}

/* ---- k-means -------------------------------------------------------------- */

/* Per k: its number and one figure ("inertia", "silhouette"). */
static int
PerK(ReportModel *m, const char *key, double **ks, double **values)
{
	int			n;
	JsonbContainer *per_k = json_get_array(m->metrics, "per_k", &n);

	n = Min(n, REPORT_MAX_ROWS);
	*ks = palloc(sizeof(double) * Max(n, 1));
	*values = palloc(sizeof(double) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *entry = json_elem_container(per_k, i);

		if (!json_get_number(entry, "k", &(*ks)[i]))
			(*ks)[i] = NAN;
		if (!json_get_number(entry, key, &(*values)[i]))
			(*values)[i] = NAN;
	}
	return n;
}

static bool
Elbow(ReportModel *m, SvgBuf *b, char **why)
{
	double	   *ks,
			   *inertia;
	int			n = PerK(m, "inertia", &ks, &inertia);
	double		chosen = NAN,
				elbow = NAN;
	char	   *rule = json_get_string(m->metrics, "rule");
	PlotSeries	series;
	PlotMark	marks[2];
	int			n_marks = 0;
	PlotLines	p;

	if (n == 0)
	{
		*why = StoresNo(m, "inertia per k");
		return false;
	}
	(void) json_get_number(m->metrics, "k", &chosen);
	(void) json_get_number(m->metrics, "elbow_k", &elbow);
	for (int i = 0; i < n && n_marks == 0; i++)
		if (ks[i] == chosen)
			marks[n_marks++] = Mark(ks[i], inertia[i],
									psprintf("chosen: k = %d%s%s%s%s", (int) chosen,
											 rule != NULL ? " (by " : "",
											 rule != NULL ? report_utf8(rule) : "",
											 rule != NULL ? ")" : "",
											 elbow == chosen ? ", also the elbow" : ""),
									3, SVG_DIAMOND);
	for (int i = 0; i < n; i++)
		if (ks[i] == elbow && elbow != chosen)
		{
			marks[n_marks++] = Mark(ks[i], inertia[i], psprintf("elbow: k = %d", (int) elbow), 4,
									SVG_SQUARE);
			break;
		}
	series = Series("inertia", ks, inertia, n, 0, NULL, true);
	memset(&p, 0, sizeof(p));
	p.title = "Inertia per number of clusters";
	p.x_label = "k (clusters)";
	p.y_label = "inertia (sum of squared distances)";
	p.x_integer = true;
	p.y_from_zero = true;
	p.series = &series;
	p.n_series = 1;
	p.vline = NAN;
	p.marks = marks;
	p.n_marks = n_marks;
	plot_figure_lines(b, 380, &p);
	return true;
}

static bool
Silhouette(ReportModel *m, SvgBuf *b, char **why)
{
	double	   *ks,
			   *silhouette;
	int			n = PerK(m, "silhouette", &ks, &silhouette);
	double		chosen = NAN;
	char	  **names;
	PlotBars	bars;
	bool		any = false;

	for (int i = 0; i < n; i++)
		any |= !isnan(silhouette[i]);
	if (!any)
	{
		*why = StoresNo(m, "silhouette per k");
		return false;
	}
	(void) json_get_number(m->metrics, "k", &chosen);
	names = palloc(sizeof(char *) * n);
	memset(&bars, 0, sizeof(bars));
	bars.highlight = -1;
	for (int i = 0; i < n; i++)
	{
		names[i] = isnan(ks[i]) ? "?" : psprintf("%d", (int) ks[i]);
		if (ks[i] == chosen)
			bars.highlight = i;
	}
	bars.title = "Mean silhouette per number of clusters (the chosen k in orange)";
	bars.x_label = "k (clusters)";
	bars.y_label = "silhouette (higher: better separated)";
	bars.n_categories = n;
	bars.categories = names;
	bars.n_groups = 1;
	bars.values = silhouette;
	bars.y_max = NAN;
	bars.value_digits = n <= 12 ? 3 : 0;
	plot_figure_bars(b, 380, &bars);
	return true;
}

static bool
ClusterSizes(ReportModel *m, SvgBuf *b, char **why pg_attribute_unused())
{
	ReportClusters *c = report_clusters(m);
	int			k = m->kmeans->k;
	int			shown = Min(k, REPORT_MAX_BARS);
	char	  **names = palloc(sizeof(char *) * shown);
	double	   *sizes = palloc(sizeof(double) * shown);
	int		   *colours = palloc(sizeof(int) * shown);
	PlotBars	bars;

	for (int j = 0; j < shown; j++)
	{
		/* the cluster's stable number, as segment_predict answers it */
		names[j] = psprintf("%u", m->kmeans->numbers[j]);
		sizes[j] = (double) c->sizes[j];
		colours[j] = j;
	}
	memset(&bars, 0, sizeof(bars));
	bars.title = psprintf("Rows per cluster: today's %s rows of %s", Count((double) c->n_rows),
						  report_utf8(c->relation));
	bars.x_label = "cluster";
	bars.y_label = "rows";
	bars.n_categories = shown;
	bars.categories = names;
	bars.n_groups = 1;
	bars.values = sizes;
	bars.category_colour = colours;
	bars.highlight = -1;
	bars.y_max = NAN;
	bars.value_digits = shown <= 12 ? 15 : 0;
	plot_figure_bars(b, 380, &bars);
	return true;
}

static bool
Clusters(ReportModel *m, SvgBuf *b, char **why)
{
	ReportClusters *c = report_clusters(m);
	int			k = m->kmeans->k;
	char	  **names = palloc(sizeof(char *) * k);
	double	   *x = palloc(sizeof(double) * Max(c->n_sample, 1));
	double	   *y = palloc(sizeof(double) * Max(c->n_sample, 1));
	double	   *cx = palloc(sizeof(double) * k);
	double	   *cy = palloc(sizeof(double) * k);
	PlotScatter s;

	if (c->map_missing != NULL)
	{
		*why = pstrdup(c->map_missing);
		return false;
	}
	for (int j = 0; j < k; j++)
		names[j] = report_utf8(psprintf("%u: %s", m->kmeans->numbers[j], c->personas[j]));
	memset(&s, 0, sizeof(s));
	s.title = c->n_sample < c->n_rows ?
		psprintf("Segments on the first two principal components (a sample of %s of %s rows)",
				 Count(c->n_sample), Count((double) c->n_rows)) :
		psprintf("Segments on the first two principal components (%s rows)",
				 Count(c->n_sample));
	s.x_label = psprintf("PC1 (%.1f%% of the variance)", c->explained[0] * 100);
	s.y_label = psprintf("PC2 (%.1f%% of the variance)", c->explained[1] * 100);
	s.n = c->n_sample;
	for (int i = 0; i < c->n_sample; i++)
	{
		x[i] = c->sample_xy[i * 2];
		y[i] = c->sample_xy[i * 2 + 1];
	}
	s.x = x;
	s.y = y;
	s.group = c->sample_cluster;
	s.n_groups = k;
	s.group_names = names;
	s.n_big = k;
	for (int j = 0; j < k; j++)
	{
		cx[j] = c->centroid_xy[j * 2];
		cy[j] = c->centroid_xy[j * 2 + 1];
	}
	s.big_x = cx;
	s.big_y = cy;
	s.big_name = "centroid (numbered)";
	s.big_numbers = m->kmeans->numbers;
	plot_figure_scatter(b, 600, &s);
	return true;
}

bool
report_draw(ReportModel *m, ReportPlot p, SvgBuf *b, char **why)
{
	if (!report_plot_applies(m, p))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a %s model, which has no %s picture", m->name,
						report_kind_noun(m), plots[p].function + strlen("plot_")),
				 errhint("%s is for %s.", plots[p].function,
						 plots[p].kmeans ? "k-means models" :
						 plots[p].classifier && plots[p].regressor ? "classifiers and regressors" :
						 plots[p].classifier ? "classifiers" : "regressors")));
	switch (p)
	{
		case PLOT_CONFUSION_MATRIX:
			return ConfusionMatrix(m, b, why);
		case PLOT_CLASS_SCORES:
			return ClassScores(m, b, why);
		case PLOT_CLASS_BALANCE:
			return ClassBalance(m, b, why);
		case PLOT_TRAINING_CURVE:
			return TrainingCurve(m, b, why);
		case PLOT_TRIALS:
			return Trials(m, b, why);
		case PLOT_IMPORTANCE:
			return Importance(m, b, why);
		case PLOT_ACTUAL_VS_PREDICTED:
			return ActualVsPredicted(m, b, why);
		case PLOT_RESIDUALS:
			return Residuals(m, b, why);
		case PLOT_ELBOW:
			return Elbow(m, b, why);
		case PLOT_SILHOUETTE:
			return Silhouette(m, b, why);
		case PLOT_CLUSTER_SIZES:
			return ClusterSizes(m, b, why);
		case PLOT_CLUSTERS:
			return Clusters(m, b, why);
		case PLOT_N_KINDS:
			break;
	}
	elog(ERROR, "unknown picture %d", (int) p);
	return false;
}
