/*-------------------------------------------------------------------------
 *
 * report_html.c
 *	  segment.report's page: one self-contained HTML document (inline
 *	  SVG, one <style>, no scripts, nothing fetched) that a browser opens
 *	  and an XML parser reads (every element closed, only XML's entities).
 *
 * Sections by model kind: the header (what, when, by whom, on what,
 * with which settings), then for classifiers the test figures, the
 * confusion matrix, per-class scores, training curves, the balance and
 * the candidates, feature importance; for regressors the test figures,
 * actual vs predicted and the residuals, then the same training pieces;
 * for k-means the choice of k (elbow, silhouette), the segments today
 * (sizes, profiles with personas) and their map.
 *
 * The page is ASCII: text goes through the core's escaper (svg.h), which
 * writes every other character as a reference.
 *
 * IDENTIFICATION
 *	  src/report_html.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "pg_json.h"
#include "report.h"

static const char page_style[] =
"body{font-family:\"DejaVu Sans\",Verdana,Arial,sans-serif;color:#222222;background:#ffffff;margin:0}\n"
"main{max-width:860px;margin:0 auto;padding:12px 20px 40px}\n"
"h1{font-size:24px;margin:12px 0 2px}\n"
"h2{font-size:18px;margin:30px 0 8px;padding-bottom:4px;border-bottom:1px solid #dddddd}\n"
"p{margin:6px 0;font-size:14px;line-height:1.45}\n"
"p.lead{color:#555555;margin-bottom:14px}\n"
"table{border-collapse:collapse;margin:8px 0 14px;font-size:13px}\n"
"th,td{padding:3px 10px;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}\n"
"th{background:#f4f4f4}\n"
"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
"tr.kept td{background:#fff1d0}\n"
"table.facts{width:100%}\n"
"table.facts th{background:none;font-weight:normal;color:#555555;width:170px}\n"
"figure{margin:14px 0 18px}\n"
"figure svg{display:block;max-width:100%;height:auto}\n"
"figcaption{font-size:12px;color:#555555;margin-top:2px}\n"
"code{font-family:\"DejaVu Sans Mono\",monospace;font-size:12px}\n"
"footer{margin-top:36px;font-size:12px;color:#555555}\n";

/* ---- text ----------------------------------------------------------------- */

/* Appends UTF-8 text, escaped. */
static void
EscUtf8(StringInfo out, const char *s)
{
	SvgBuf		b;

	svg_buf_init(&b);
	svg_escape(&b, s != NULL ? s : "");
	appendBinaryStringInfo(out, b.data, (int) b.len);
	svg_buf_free(&b);
}

/* Appends text in the server's encoding, escaped. */
static void
Esc(StringInfo out, const char *s)
{
	EscUtf8(out, report_utf8(s != NULL ? s : ""));
}

/* Text in the server's encoding, escaped, as a new string. */
static char *
EscText(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	Esc(&buf, s);
	return buf.data;
}

static void
Num(StringInfo out, double v, int digits)
{
	char		buf[64];

	svg_format_value(buf, sizeof(buf), v, digits);
	appendStringInfoString(out, buf);
}

/* A cell with a stored number (or an empty cell). */
static void
NumCell(StringInfo out, JsonbContainer *c, const char *key, int digits)
{
	double		v;

	appendStringInfoString(out, "<td class=\"n\">");
	if (json_get_number(c, key, &v))
		Num(out, v, digits);
	appendStringInfoString(out, "</td>");
}

static void
Fact(StringInfo out, const char *label, const char *value)
{
	if (value == NULL)
		return;
	appendStringInfoString(out, "<tr><th>");
	EscUtf8(out, label);
	appendStringInfoString(out, "</th><td>");
	Esc(out, value);
	appendStringInfoString(out, "</td></tr>\n");
}

/* A stored list of strings as "a, b, c" (NULL when not a list). */
static char *
JoinStrings(JsonbContainer *c, const char *key)
{
	int			n;
	JsonbContainer *list = json_get_array(c, key, &n);
	StringInfoData buf;

	if (list == NULL)
		return NULL;
	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
	{
		char	   *s = json_elem_string(list, i);

		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", s != NULL ? s : "?");
	}
	return buf.data;
}

/*
 * An object's entries as "key = value, ..." (values as stored, nulls
 * left out), but the keys in skip; with only, just the keys in that list.
 */
static char *
SettingsOf(JsonbContainer *obj, const char *const *skip, List *only)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	StringInfoData buf;
	char	   *key = NULL;

	if (obj == NULL)
		return NULL;
	initStringInfo(&buf);
	it = JsonbIteratorInit(obj);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		bool		wanted = only == NIL;
		ListCell   *lc;

		if (token == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (token != WJB_VALUE || v.type == jbvNull)
			continue;
		for (int i = 0; skip != NULL && skip[i] != NULL; i++)
			if (strcmp(skip[i], key) == 0)
				wanted = false;
		foreach(lc, only)
			if (strcmp((char *) lfirst(lc), key) == 0)
				wanted = true;
		if (wanted)
			appendStringInfo(&buf, "%s%s = %s", buf.len > 0 ? ", " : "", key,
							 json_get_text(obj, key));
	}
	return buf.data;
}

static char *
Settings(JsonbContainer *obj, const char *const *skip)
{
	return SettingsOf(obj, skip, NIL);
}

/* ---- pictures ------------------------------------------------------------- */

/*
 * A picture in a <figure>, captioned with the call that draws it alone;
 * unread is why the data it needs could not be read (or NULL).
 */
static void
Picture(StringInfo out, ReportModel *m, ReportPlot p, const char *unread)
{
	SvgBuf		b;
	char	   *why = NULL;
	const char *title = report_plot_title(p);

	svg_buf_init(&b);
	if (unread != NULL)
		why = psprintf("not drawn: %s", report_utf8(unread));
	else if (!report_draw(m, p, &b, &why))
		why = psprintf("not drawn: %s", report_utf8(why));
	if (why != NULL)
	{
		b.len = 0;
		b.data[0] = '\0';
		plot_figure_message(&b, title, why);
	}
	appendStringInfo(out, "<figure id=\"%s\">\n", report_plot_function(p));
	appendBinaryStringInfo(out, b.data, (int) b.len);
	appendStringInfoString(out, "<figcaption>Alone: <code>");
	Esc(out, psprintf("segment.%s(%s, %d)", report_plot_function(p),
					  quote_literal_cstr(m->name), m->row.version));
	appendStringInfoString(out, "</code></figcaption>\n</figure>\n");
	svg_buf_free(&b);
}

/* ---- header --------------------------------------------------------------- */

static void
Header(StringInfo out, ReportModel *m)
{
	JsonbContainer *args = json_get_object(m->spec, "arguments");
	JsonbContainer *split = json_get_object(m->spec, "split");
	JsonbContainer *deployment = json_get_object(m->metrics, "deployment");
	char	   *owner = OidIsValid(m->row.owner) ? GetUserNameFromId(m->row.owner, true) : NULL;
	const char *learner = NULL;
	StringInfoData rows;
	double		v;

	appendStringInfoString(out, "<h1>");
	Esc(out, m->name);
	appendStringInfo(out, ", version %d</h1>\n<p class=\"lead\">", m->row.version);
	if (m->supervised != NULL)
		learner = m->supervised->learner->title;
	appendStringInfoString(out, report_kind_noun(m));
	appendStringInfoString(out, " model");
	if (learner != NULL)
	{
		appendStringInfoString(out, " (");
		EscUtf8(out, learner);
		appendStringInfoString(out, ")");
	}
	appendStringInfoString(out, m->row.deployed ? ", deployed" : ", not deployed");
	appendStringInfoString(out, "</p>\n<table class=\"facts\">\n");
	Fact(out, "created", timestamptz_to_str(m->row.created));
	Fact(out, "created by", m->row.created_by);
	Fact(out, "owner", owner);
	Fact(out, "deployment", json_get_string(deployment, "reason"));
	if (m->supervised != NULL)
	{
		Fact(out, "training relation", json_get_string(args, "relation"));
		Fact(out, "label", json_get_string(args, "label"));
		Fact(out, "features", JoinStrings(args, "features"));
		initStringInfo(&rows);
		if (json_get_number(json_get_object(m->metrics, "train"), "rows", &v))
			appendStringInfo(&rows, "%.0f train", v);
		if (json_get_number(json_get_object(m->metrics, "validation"), "rows", &v))
			appendStringInfo(&rows, "%s%.0f validation", rows.len > 0 ? ", " : "", v);
		if (json_get_number(m->metrics, "rows", &v))
			appendStringInfo(&rows, "%s%.0f test", rows.len > 0 ? ", " : "", v);
		Fact(out, "rows", rows.len > 0 ? rows.data : NULL);
		if (split != NULL)
		{
			char	   *seed = json_get_text(split, "seed");
			char	   *key = JoinStrings(split, "key");
			char	   *source = json_get_string(split, "key_source");

			Fact(out, "split", psprintf("seeded %s by %s (%s)", seed != NULL ? seed : "?",
										key != NULL ? key : "?", source != NULL ? source : "?"));
		}
		Fact(out, "learner", m->supervised->learner->name);
		Fact(out, "settings", Settings(json_get_object(args, "params"), NULL));
		{
			static const char *const skip[] = {"relation", "label", "features", "params",
			"function", NULL};

			Fact(out, "arguments", Settings(args, skip));
		}
	}
	else
	{
		static const char *const skip[] = {"function", "relation", "columns", "embedding", NULL};
		JsonbContainer *kargs = json_get_object(m->spec, "arguments");
		JsonbContainer *spec = kargs != NULL ? kargs : m->spec;	/* 0.1.0: at the top */
		JsonbContainer *embedding = json_get_object(m->metrics, "embedding");
		const SegPreprocessor *p = m->kmeans != NULL ? m->kmeans->prep : NULL;
		char	   *columns = JoinStrings(spec, "columns");

		Fact(out, "training relation", json_get_string(spec, "relation"));
		/* columns => NULL with an embedding: the columns it reads */
		if (columns == NULL && p != NULL)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			for (int c = 0; c < p->n_columns; c++)
				appendStringInfo(&buf, "%s%s", c > 0 ? ", " : "", p->columns[c].name);
			columns = buf.data;
		}
		Fact(out, "columns", columns);
		if (m->kmeans != NULL && m->kmeans->embedding != NULL)
		{
			double		version = 0;
			char	   *name = json_get_string(embedding, "name");

			(void) json_get_number(embedding, "version", &version);
			Fact(out, "clusters on", psprintf("the codes of %s model \"%s\" version %.0f (%d values per row)",
											  model_kind_name(m->kmeans->embedding->kind),
											  name != NULL ? name : "?", version,
											  m->kmeans->embedding->code_size));
		}
		if (json_get_number(m->metrics, "n_rows", &v))
			Fact(out, "rows", psprintf("%.0f", v));
		Fact(out, "settings", Settings(spec, skip));
	}
	appendStringInfoString(out, "</table>\n");
}

/* ---- supervised ----------------------------------------------------------- */

/* A row of the parts table: a part's stored figures. */
static void
PartRow(StringInfo out, const char *part, JsonbContainer *c, const char *const *keys, int n_keys)
{
	if (c == NULL)
		return;
	appendStringInfo(out, "<tr><td>%s</td>", part);
	NumCell(out, c, "rows", 15);
	for (int k = 0; k < n_keys; k++)
		NumCell(out, c, keys[k], 4);
	appendStringInfoString(out, "</tr>\n");
}

static void
TestFigures(StringInfo out, ReportModel *m)
{
	bool		classification = m->kind == SEG_MODEL_CLASSIFIER;
	static const char *const class_keys[] = {"accuracy", "macro_f1", "log_loss", "roc_auc"};
	static const char *const class_heads[] = {"accuracy", "macro-F1", "log loss", "ROC AUC"};
	static const char *const reg_keys[] = {"r2", "mae", "rmse"};
	static const char *const reg_heads[] = {"R2", "MAE", "RMSE"};
	const char *const *keys = classification ? class_keys : reg_keys;
	const char *const *heads = classification ? class_heads : reg_heads;
	double		roc;
	int			n_keys = classification ? (json_get_number(m->metrics, "roc_auc", &roc) ? 4 : 3) : 3;
	double		v;

	appendStringInfoString(out, "<h2>Test figures</h2>\n");
	if (m->metrics == NULL || !json_get_number(m->metrics, "rows", &v))
	{
		appendStringInfo(out, "<p>Version %d stores no test figures.</p>\n", m->row.version);
		return;
	}
	appendStringInfoString(out, "<p>On the held-out test rows, which neither preprocessing, balancing nor the choice of candidate saw; the baseline predicts without the features (the train part's most frequent class, or its mean).</p>\n");
	appendStringInfoString(out, "<table>\n<tr><th>part</th><th class=\"n\">rows</th>");
	for (int k = 0; k < n_keys; k++)
		appendStringInfo(out, "<th class=\"n\">%s</th>", heads[k]);
	appendStringInfoString(out, "</tr>\n");
	PartRow(out, "test", m->metrics, keys, n_keys);
	PartRow(out, "baseline on test", json_get_object(m->metrics, "baseline"), keys, n_keys);
	PartRow(out, "validation", json_get_object(m->metrics, "validation"), keys, n_keys);
	PartRow(out, "train", json_get_object(m->metrics, "train"), keys, n_keys);
	appendStringInfoString(out, "</table>\n");
	if (classification)
	{
		char	   *positive = json_get_string(m->metrics, "positive_class");

		appendStringInfoString(out, "<p>Weighted F1 ");
		if (json_get_number(m->metrics, "weighted_f1", &v))
			Num(out, v, 4);
		if (positive != NULL && json_get_number(m->metrics, "pr_auc", &v))
		{
			appendStringInfoString(out, "; positive class ");
			Esc(out, positive);
			appendStringInfoString(out, ", PR AUC (average precision) ");
			Num(out, v, 4);
		}
		appendStringInfoString(out, ".</p>\n");
	}
	else
	{
		appendStringInfoString(out, "<p>Mean of the label on the test rows ");
		if (json_get_number(m->metrics, "mean", &v))
			Num(out, v, 6);
		if (json_get_number(m->metrics, "mape", &v))
		{
			appendStringInfoString(out, "; MAPE ");
			Num(out, v, 4);
		}
		appendStringInfoString(out, ".</p>\n");
	}
}

static void
PerClassTable(StringInfo out, ReportModel *m)
{
	int			n;
	JsonbContainer *classes = json_get_array(m->metrics, "classes", &n);
	static const char *const avg[] = {"macro", "weighted"};

	if (classes == NULL)
		return;
	appendStringInfoString(out, "<table>\n<tr><th>class</th><th class=\"n\">precision</th><th class=\"n\">recall</th><th class=\"n\">F1</th><th class=\"n\">support</th></tr>\n");
	for (int c = 0; c < n; c++)
	{
		JsonbContainer *cls = json_elem_container(classes, c);

		appendStringInfoString(out, "<tr><td>");
		Esc(out, json_get_string(cls, "class"));
		appendStringInfoString(out, "</td>");
		NumCell(out, cls, "precision", 4);
		NumCell(out, cls, "recall", 4);
		NumCell(out, cls, "f1", 4);
		NumCell(out, cls, "support", 15);
		appendStringInfoString(out, "</tr>\n");
	}
	for (int a = 0; a < 2; a++)
	{
		JsonbContainer *c = json_get_object(m->metrics, avg[a]);

		if (c == NULL)
			continue;
		appendStringInfo(out, "<tr><td>%s average</td>", avg[a]);
		NumCell(out, c, "precision", 4);
		NumCell(out, c, "recall", 4);
		NumCell(out, c, "f1", 4);
		NumCell(out, c, "support", 15);
		appendStringInfoString(out, "</tr>\n");
	}
	appendStringInfoString(out, "</table>\n");
}

static void
Training(StringInfo out, ReportModel *m)
{
	JsonbContainer *balance = json_get_object(m->metrics, "balance");
	JsonbContainer *choice = json_get_object(m->metrics, "choice");
	int			n;
	JsonbContainer *trials = json_get_array(m->metrics, "trials", &n);
	bool		classification = m->kind == SEG_MODEL_CLASSIFIER;
	double		chosen = 0;
	double		v;
	char	   *unit = json_get_string(m->metrics, "history_unit");

	/* the unit is a word of the extension's ("epoch"), but stored: escaped */
	unit = unit != NULL ? EscText(unit) : "iteration";
	appendStringInfoString(out, "<h2>Training</h2>\n<p>");
	if (json_get_number(m->metrics, "iterations", &v))
	{
		appendStringInfo(out, "%.0f %ss run", v, unit);
		if (json_get_number(m->metrics, "best_iteration", &v) && v > 0)
			appendStringInfo(out, "; the model after %s %.0f kept (early stopping keeps the best on the validation rows)",
							 unit, v);
		appendStringInfoString(out, ".");
	}
	appendStringInfoString(out, "</p>\n");
	Picture(out, m, PLOT_TRAINING_CURVE, NULL);

	if (classification)
	{
		appendStringInfoString(out, "<h2>Class balance</h2>\n");
		if (balance != NULL)
		{
			appendStringInfoString(out, "<p>Balance ");
			Esc(out, json_get_string(balance, "mode"));
			appendStringInfoString(out, ": <strong>");
			Esc(out, json_get_string(balance, "chosen"));
			appendStringInfoString(out, "</strong>, ");
			Esc(out, json_get_string(balance, "reason"));
			appendStringInfoString(out, ". Balancing touches the train part only.</p>\n");
		}
		Picture(out, m, PLOT_CLASS_BALANCE, NULL);
	}

	appendStringInfoString(out, "<h2>Candidates</h2>\n");
	if (choice != NULL)
	{
		appendStringInfoString(out, "<p>Kept: ");
		Esc(out, json_get_string(choice, "reason"));
		appendStringInfoString(out, ".</p>\n");
		(void) json_get_number(choice, "chosen_trial", &chosen);
	}
	if (trials != NULL && n > 0)
	{
		List	   *varying = report_varying_settings(trials, n);
		const char **common = palloc0(sizeof(char *) * (list_length(varying) + 1));
		ListCell   *lc;

		/* what every candidate shares once, then what tells them apart */
		foreach(lc, varying)
			common[foreach_current_index(lc)] = lfirst(lc);
		appendStringInfoString(out, "<p>Every candidate: ");
		Esc(out, Settings(json_get_object(json_elem_container(trials, 0), "config"), common));
		appendStringInfoString(out, ".</p>\n");
		appendStringInfo(out, "<table>\n<tr><th class=\"n\">trial</th><th>settings</th><th class=\"n\">validation %s</th><th class=\"n\">validation loss</th><th class=\"n\">epochs run</th><th class=\"n\">epoch kept</th></tr>\n",
						 classification ? "macro-F1" : "R2");
		for (int t = 0; t < Min(n, REPORT_MAX_ROWS); t++)
		{
			JsonbContainer *trial = json_elem_container(trials, t);

			appendStringInfo(out, "<tr%s><td class=\"n\">%d</td><td>",
							 chosen == t + 1 ? " class=\"kept\"" : "", t + 1);
			if (varying != NIL)
				Esc(out, SettingsOf(json_get_object(trial, "config"), NULL, varying));
			appendStringInfoString(out, "</td>");
			NumCell(out, trial, classification ? "validation_macro_f1" : "validation_r2", 4);
			NumCell(out, trial, "validation_loss", 4);
			NumCell(out, trial, "epochs_run", 15);
			NumCell(out, trial, "best_epoch", 15);
			appendStringInfoString(out, "</tr>\n");
		}
		appendStringInfoString(out, "</table>\n");
	}
	Picture(out, m, PLOT_TRIALS, NULL);
}

static void
LoadTestRows(void *arg)
{
	(void) report_test_rows((ReportModel *) arg);
}

static void
LoadImportance(void *arg)
{
	(void) report_importance((ReportModel *) arg);
}

static void
ImportanceSection(StringInfo out, ReportModel *m, const char *test_error)
{
	ReportImportance *imp;

	appendStringInfoString(out, "<h2>Feature importance</h2>\n");
	if (test_error == NULL && m->importance_error == NULL)
		m->importance_error = report_try(LoadImportance, m);
	Picture(out, m, PLOT_IMPORTANCE, test_error != NULL ? test_error : m->importance_error);
	if (m->importance == NULL)
		return;
	imp = m->importance;
	appendStringInfoString(out, "<table>\n<tr><th>column</th><th class=\"n\">importance</th><th class=\"n\">std</th>");
	if (imp->split_gain != NULL)
		appendStringInfoString(out, "<th class=\"n\">split gain</th>");
	appendStringInfoString(out, "</tr>\n");
	for (int i = 0; i < imp->n; i++)
	{
		appendStringInfoString(out, "<tr><td>");
		Esc(out, imp->features[i]);
		appendStringInfoString(out, "</td><td class=\"n\">");
		Num(out, imp->mean[i], 4);
		appendStringInfoString(out, "</td><td class=\"n\">");
		Num(out, imp->std[i], 4);
		if (imp->split_gain != NULL)
		{
			appendStringInfoString(out, "</td><td class=\"n\">");
			Num(out, imp->split_gain[i], 4);
		}
		appendStringInfoString(out, "</td></tr>\n");
	}
	appendStringInfoString(out, "</table>\n");
}

static void
Supervised(StringInfo out, ReportModel *m)
{
	char	   *test_error = report_try(LoadTestRows, m);

	TestFigures(out, m);
	if (m->kind == SEG_MODEL_CLASSIFIER)
	{
		appendStringInfoString(out, "<h2>Per class</h2>\n");
		PerClassTable(out, m);
		Picture(out, m, PLOT_CONFUSION_MATRIX, NULL);
		Picture(out, m, PLOT_CLASS_SCORES, NULL);
	}
	else
	{
		appendStringInfoString(out, "<h2>Predictions on the test rows</h2>\n<p>The test rows are read again from the training relation by their keys.</p>\n");
		Picture(out, m, PLOT_ACTUAL_VS_PREDICTED, test_error);
		Picture(out, m, PLOT_RESIDUALS, test_error);
	}
	Training(out, m);
	ImportanceSection(out, m, test_error);
}

/* ---- k-means -------------------------------------------------------------- */

static void
ChoiceOfK(StringInfo out, ReportModel *m)
{
	int			n;
	JsonbContainer *per_k = json_get_array(m->metrics, "per_k", &n);
	double		chosen = NAN;
	double		v;

	appendStringInfoString(out, "<h2>Choice of k</h2>\n<p>");
	if (json_get_number(m->metrics, "k", &chosen))
	{
		appendStringInfo(out, "k = %.0f chosen by ", chosen);
		Esc(out, json_get_string(m->metrics, "rule") != NULL ?
			json_get_string(m->metrics, "rule") : "?");
		if (json_get_number(m->metrics, "elbow_k", &v))
			appendStringInfo(out, "; the elbow of the inertia curve is at k = %.0f", v);
		appendStringInfoString(out, ".");
	}
	else
		appendStringInfo(out, "Version %d stores no choice of k.", m->row.version);
	appendStringInfoString(out, "</p>\n");
	if (per_k != NULL && n > 0)
	{
		appendStringInfoString(out, "<table>\n<tr><th class=\"n\">k</th><th class=\"n\">inertia</th><th class=\"n\">silhouette</th><th class=\"n\">Davies-Bouldin</th><th class=\"n\">iterations</th></tr>\n");
		for (int i = 0; i < Min(n, REPORT_MAX_ROWS); i++)
		{
			JsonbContainer *entry = json_elem_container(per_k, i);
			double		k = NAN;

			(void) json_get_number(entry, "k", &k);
			appendStringInfo(out, "<tr%s>", k == chosen ? " class=\"kept\"" : "");
			NumCell(out, entry, "k", 15);
			NumCell(out, entry, "inertia", 6);
			NumCell(out, entry, "silhouette", 4);
			NumCell(out, entry, "davies_bouldin", 4);
			NumCell(out, entry, "n_iter", 15);
			appendStringInfoString(out, "</tr>\n");
		}
		appendStringInfoString(out, "</table>\n");
	}
	Picture(out, m, PLOT_ELBOW, NULL);
	Picture(out, m, PLOT_SILHOUETTE, NULL);
}

static void
LoadClusters(void *arg)
{
	(void) report_clusters((ReportModel *) arg);
}

static void
Segments(StringInfo out, ReportModel *m)
{
	ReportClusters *c;
	int			shown_columns;

	appendStringInfoString(out, "<h2>Segments today</h2>\n");
	m->clusters_error = report_try(LoadClusters, m);
	if (m->clusters_error != NULL)
	{
		Picture(out, m, PLOT_CLUSTER_SIZES, m->clusters_error);
		Picture(out, m, PLOT_CLUSTERS, m->clusters_error);
		return;
	}
	c = m->clusters;
	appendStringInfoString(out, "<p>Every row of ");
	Esc(out, c->relation);
	appendStringInfo(out, " (%lld today) assigned to its nearest centroid, as segment_predict assigns it; personas as segment.profile words them.</p>\n",
					 (long long) c->n_rows);
	Picture(out, m, PLOT_CLUSTER_SIZES, NULL);
	shown_columns = Min(c->n_numeric, 8);
	appendStringInfoString(out, "<table>\n<tr><th class=\"n\">cluster</th><th class=\"n\">rows</th><th class=\"n\">share</th><th>persona</th>");
	for (int t = 0; t < shown_columns; t++)
	{
		appendStringInfoString(out, "<th class=\"n\">mean ");
		Esc(out, c->numeric_names[t]);
		appendStringInfoString(out, "</th>");
	}
	appendStringInfoString(out, "</tr>\n");
	for (int j = 0; j < Min(m->kmeans->k, REPORT_MAX_ROWS); j++)
	{
		appendStringInfo(out, "<tr><td class=\"n\">%u</td><td class=\"n\">",
						 m->kmeans->numbers[j]);
		Num(out, (double) c->sizes[j], 15);
		appendStringInfoString(out, "</td><td class=\"n\">");
		if (c->n_rows > 0)
			appendStringInfo(out, "%.1f%%", 100.0 * c->sizes[j] / c->n_rows);
		appendStringInfoString(out, "</td><td>");
		Esc(out, c->personas[j]);
		appendStringInfoString(out, "</td>");
		for (int t = 0; t < shown_columns; t++)
		{
			appendStringInfoString(out, "<td class=\"n\">");
			Num(out, c->means[(size_t) j * c->n_numeric + t], 4);
			appendStringInfoString(out, "</td>");
		}
		appendStringInfoString(out, "</tr>\n");
	}
	appendStringInfoString(out, "</table>\n");
	if (shown_columns < c->n_numeric)
		appendStringInfo(out, "<p>The means of %d more columns: <code>segment.profile</code>.</p>\n",
						 c->n_numeric - shown_columns);
	if (m->kmeans->embedding != NULL)
		appendStringInfoString(out, "<p>The map: the codes of a seeded sample of the rows (what the model clusters), on the sample's first two principal components; centroids projected alike.</p>\n");
	else
		appendStringInfoString(out, "<p>The map: a seeded sample of the rows, standardised as the model standardises them, on the sample's first two principal components; centroids projected alike.</p>\n");
	Picture(out, m, PLOT_CLUSTERS, NULL);
}

/* ---- the page ------------------------------------------------------------- */

char *
report_html(ReportModel *m)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoString(&out, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>");
	Esc(&out, psprintf("%s, version %d: segment report", m->name, m->row.version));
	appendStringInfo(&out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", page_style);
	Header(&out, m);
	if (m->kmeans != NULL)
	{
		ChoiceOfK(&out, m);
		Segments(&out, m);
	}
	else
		Supervised(&out, m);
	appendStringInfoString(&out, "<footer>segment " SEGMENT_VERSION ". Figures are those stored with the version, except the pictures that say they read the relation again (with the rights of the role that asked for the report).</footer>\n</main>\n</body>\n</html>\n");
	return out.data;
}
