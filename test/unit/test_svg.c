/*
 * test_svg.c
 *	  Unit tests of the picture core: XML escaping (svg.h), tick values and
 *	  labels, number formatting, the palette, every chart's output being
 *	  well-formed XML (plot.h), and the two-component map (projection.h).
 */
#include <math.h>
#include <string.h>

#include "plot.h"
#include "projection.h"
#include "svg.h"
#include "tap.h"

/*
 * A small well-formedness check: tags nest and close, attribute values
 * are quoted, text and attributes hold no raw '<' and only the five
 * entities or character references, and every byte is ASCII.
 */
static int
well_formed(const char *s, char *why, size_t size)
{
	char		stack[64][32];
	int			depth = 0;
	int			roots = 0;

	for (const char *p = s; *p; p++)
	{
		if ((unsigned char) *p >= 0x80)
		{
			snprintf(why, size, "non-ASCII byte at %ld", (long) (p - s));
			return 0;
		}
		if (*p == '&')
		{
			const char *end = strchr(p, ';');

			if (end == NULL || end - p > 10 ||
				!(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
				  strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0 ||
				  strncmp(p, "&#", 2) == 0))
			{
				snprintf(why, size, "bad reference at %ld", (long) (p - s));
				return 0;
			}
			continue;
		}
		if (*p != '<')
			continue;
		if (p[1] == '/')
		{
			size_t		n = strcspn(p + 2, ">");

			if (depth == 0 || n != strlen(stack[depth - 1]) ||
				strncmp(p + 2, stack[depth - 1], n) != 0)
			{
				snprintf(why, size, "unbalanced </%.*s> at %ld", (int) n, p + 2, (long) (p - s));
				return 0;
			}
			depth--;
			p += n + 2;
			continue;
		}
		else
		{
			size_t		n = strcspn(p + 1, " />");
			const char *q = p + 1 + n;
			int			quotes = 0;

			if (n == 0 || n >= 32)
			{
				snprintf(why, size, "bad tag at %ld", (long) (p - s));
				return 0;
			}
			while (*q && (*q != '>' || quotes % 2 == 1))
			{
				if (*q == '"')
					quotes++;
				else if (*q == '<')
				{
					snprintf(why, size, "raw < inside a tag at %ld", (long) (q - s));
					return 0;
				}
				q++;
			}
			if (*q != '>' || quotes % 2 != 0)
			{
				snprintf(why, size, "unterminated tag at %ld", (long) (p - s));
				return 0;
			}
			if (q[-1] != '/')
			{
				if (depth == 64)
					return 0;
				memcpy(stack[depth], p + 1, n);
				stack[depth][n] = '\0';
				if (depth == 0)
					roots++;
				depth++;
			}
			p = q;
		}
	}
	if (depth != 0 || roots != 1)
	{
		snprintf(why, size, "depth %d, roots %d at the end", depth, roots);
		return 0;
	}
	return 1;
}

static int
check_figure(SvgBuf *b, const char *what)
{
	char		why[128] = "";
	int			ok = well_formed(b->data, why, sizeof(why));

	if (!ok)
		printf("# %s: %s\n", what, why);
	tap_ok(ok, what);
	return ok;
}

static void
test_escaping(void)
{
	SvgBuf		b;

	svg_buf_init(&b);
	svg_escape(&b, "<script>alert(\"x\" & 'y')</script>");
	tap_ok(strcmp(b.data, "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;") == 0,
		   "markup characters are escaped: <script> is text");
	b.len = 0;
	svg_escape(&b, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	tap_ok(strcmp(b.data, "caf&#xE9; &#x20AC; &#x1F600;") == 0,
		   "UTF-8 becomes character references (2, 3 and 4 bytes)");
	b.len = 0;
	svg_escape(&b, "a\x01" "b\x1f" "c\tline\nbreak");
	tap_ok(strcmp(b.data, "a&#xFFFD;b&#xFFFD;c line break") == 0,
		   "controls XML forbids become U+FFFD; tab and newline become spaces");
	b.len = 0;
	svg_escape(&b, "\xff\xc3(\xe2\x82 \xc0\xaf \xed\xa0\x80");
	tap_ok(strstr(b.data, "&#xFFFD;") == b.data && strchr(b.data, '\xff') == NULL &&
		   strstr(b.data, "&#x2F;") == NULL && strstr(b.data, "&#xD800;") == NULL,
		   "malformed, overlong and surrogate UTF-8 become U+FFFD");
	b.len = 0;
	svg_escape_max(&b, "abcdefghij", 5);
	tap_ok(strcmp(b.data, "abcd&#x2026;") == 0, "a text cut to 5 characters ends in an ellipsis");
	b.len = 0;
	svg_escape_max(&b, "abcde", 5);
	tap_ok(strcmp(b.data, "abcde") == 0, "a text of exactly the limit is whole");
	tap_ok(svg_text_chars("\xc3\xa9t\xc3\xa9") == 3, "characters, not bytes, are counted");
	tap_ok(svg_text_width("MMMM", 10) > svg_text_width("iiii", 10),
		   "estimated widths follow the glyphs");
	b.len = 0;
	svg_text(&b, 1, 2, SVG_START, 12, 0, NULL, 0, "a very long label indeed", 6);
	tap_ok(strstr(b.data, "a ver&#x2026;<title>a very long label indeed</title>") != NULL,
		   "a shortened label keeps its whole text in a tooltip");
	svg_buf_free(&b);
}

static void
test_numbers(void)
{
	char		s[64];
	SvgTicks	t;
	SvgBuf		b;

	svg_format_value(s, sizeof(s), 0.98664440734, 4);
	tap_ok(strcmp(s, "0.9866") == 0, "4 significant digits: 0.9866");
	svg_format_value(s, sizeof(s), 1234567.0, 4);
	tap_ok(strcmp(s, "1,234,567") == 0, "an integer part is never cut, and is grouped");
	svg_format_value(s, sizeof(s), 1234.0, 4);
	tap_ok(strcmp(s, "1234") == 0, "four digits are not grouped");
	svg_format_value(s, sizeof(s), 0.5, 4);
	tap_ok(strcmp(s, "0.5") == 0, "trailing zeros dropped");
	svg_format_value(s, sizeof(s), -0.000001, 3);
	tap_ok(strcmp(s, "-1e-06") == 0, "tiny values in exponent form");
	svg_format_value(s, sizeof(s), NAN, 3);
	tap_ok(strcmp(s, "n/a") == 0, "NaN is n/a");
	svg_format_value(s, sizeof(s), -0.0, 3);
	tap_ok(strcmp(s, "0") == 0, "-0 is 0");

	svg_nice_ticks(0.13, 0.97, 6, &t);
	tap_ok(t.lo == 0 && fabs(t.hi - 1) < 1e-12 && fabs(t.step - 0.2) < 1e-12 && t.n == 6,
		   "ticks over [0.13, 0.97]: 0, 0.2, ..., 1");
	svg_tick_label(&t, t.v[3], s, sizeof(s));
	tap_ok(strcmp(s, "0.6") == 0, "tick label 0.6 (no rounding noise)");
	svg_nice_ticks(0, 48213, 6, &t);
	svg_tick_label(&t, t.v[1], s, sizeof(s));
	tap_ok(t.step == 10000 && strcmp(s, "10k") == 0, "ticks of tens of thousands read 10k");
	svg_nice_ticks(0, 2.5e6, 6, &t);
	svg_tick_label(&t, t.v[1], s, sizeof(s));
	tap_ok(strcmp(s, "0.5M") == 0 && t.hi == 2.5e6, "millions read 0.5M, up to 2.5M");
	svg_nice_ticks(-3.7, 2.2, 7, &t);
	tap_ok(t.lo <= -3.7 && t.hi >= 2.2 && t.n <= 7 && t.v[0] == -4, "negative ranges: from -4");
	svg_nice_ticks(-4.6, 6.5, 8, &t);
	tap_ok(t.lo == -6 && t.hi == 8 && t.step == 2, "the finest step that fits: -6 to 8 by 2");
	svg_nice_ticks(-4.6, 6.5, 7, &t);
	tap_ok(t.lo == -5 && t.hi == 10 && t.step == 5, "else the next: -5 to 10 by 5");
	svg_nice_ticks(5, 5, 6, &t);
	tap_ok(t.lo < 5 && t.hi > 5, "a single value gets a range around it");
	svg_nice_ticks(NAN, INFINITY, 6, &t);
	tap_ok(t.lo == 0 && t.hi == 1, "no finite range: [0, 1]");
	svg_nice_ticks(0, 1e300, 6, &t);
	svg_tick_label(&t, t.v[1], s, sizeof(s));
	tap_ok(t.exponent && strchr(s, 'e') != NULL, "extreme magnitudes in exponent form");
	svg_integer_ticks(1, 4, 10, &t);
	tap_ok(t.step == 1 && t.n == 4 && t.v[0] == 1, "integer ticks 1, 2, 3, 4 (no 1.5)");
	svg_integer_ticks(1, 200, 10, &t);
	tap_ok(t.n <= 10 && t.step >= 20, "integer ticks over 200 epochs: at most 10");
	for (int max_ticks = 3, ok = 1; max_ticks <= 12; max_ticks++)
	{
		for (double hi = 0.001; hi < 1e7 && ok; hi *= 3.7)
		{
			svg_nice_ticks(-hi / 7, hi, max_ticks, &t);
			ok = t.n <= max_ticks && t.lo <= -hi / 7 && t.hi >= hi;
		}
		if (max_ticks == 12)
			tap_ok(ok, "ticks always cover the range within the count asked for");
	}

	svg_buf_init(&b);
	svg_coord(&b, 12.04);
	svg_puts(&b, " ");
	svg_coord(&b, -0.01);
	svg_puts(&b, " ");
	svg_coord(&b, 3.25);
	tap_ok(strcmp(b.data, "12 0 3.2") == 0 || strcmp(b.data, "12 0 3.3") == 0,
		   "coordinates: one decimal at most, no -0");
	svg_buf_free(&b);
}

static void
test_colours(void)
{
	char		c[8];

	svg_viridis(0, c);
	tap_ok(strcmp(c, "#440154") == 0, "viridis starts dark purple");
	svg_viridis(1, c);
	tap_ok(strcmp(c, "#fde725") == 0, "viridis ends yellow");
	svg_viridis(0.5, c);
	tap_ok(strcmp(c, "#21918c") == 0, "viridis middle is teal");
	tap_ok(strcmp(svg_text_colour_on("#440154"), "#ffffff") == 0 &&
		   strcmp(svg_text_colour_on("#fde725"), "#000000") == 0,
		   "white text on dark cells, black on light ones");
	tap_ok(strcmp(svg_category_colour(0), "#0072B2") == 0 &&
		   strcmp(svg_category_colour(8), svg_category_colour(0)) == 0,
		   "Okabe-Ito categories, cycling after 8");
}

static void
test_figures(void)
{
	SvgBuf		b;
	double		epochs[30],
				loss[30],
				val[30],
				score[30];
	PlotSeries	series[2];
	PlotLines	lines;
	PlotMark	mark = {4, 0.3, "chosen: k = 4", 3, SVG_DIAMOND};
	char	   *classes[3] = {"<script>", "medium & more", "caf\xc3\xa9"};
	double		values[9] = {0.9, 0.5, 0.7, 0.8, 0.6, 0.75, 0.85, 0.55, 0.72};
	char	   *groups[3] = {"precision", "recall", "F1"};
	PlotBars	bars;
	double		counts[9] = {409, 1, 0, 5, 145, 1, 0, 1, 37};
	PlotHeatmap heat;
	double		xs[200],
				ys[200],
				cx[3] = {0, 1, 2},
				cy[3] = {0, 1, 0};
	int			group[200];
	PlotScatter scatter;
	PlotHistogram hist;
	PlotHBars	hbars;
	char	   *features[4] = {"monthly_spending", "a_rather_long_feature_name_that_goes_on_and_on",
	"tenure", "x"};
	double		imp[4] = {0.45, 0.2, -0.01, 0.05},
				err[4] = {0.03, 0.02, 0.01, 0.0};
	double		edges[41];
	int			bins;

	for (int i = 0; i < 30; i++)
	{
		epochs[i] = i + 1;
		loss[i] = 1.0 / (i + 1);
		val[i] = 1.2 / (i + 1) + 0.01 * i;
		score[i] = 1 - loss[i];
	}
	series[0] = (PlotSeries)
	{
		"training loss", epochs, loss, 30, 0, NULL, false
	};
	series[1] = (PlotSeries)
	{
		"validation loss", epochs, val, 30, 1, "7 4", false
	};
	memset(&lines, 0, sizeof(lines));
	lines.title = "Loss per epoch";
	lines.x_label = "epoch";
	lines.y_label = "loss";
	lines.x_integer = true;
	lines.series = series;
	lines.n_series = 2;
	lines.vline = 12;
	lines.vline_label = "best epoch 12";
	svg_buf_init(&b);
	plot_figure_lines(&b, 360, &lines);
	check_figure(&b, "line chart is well-formed");
	tap_ok(strstr(b.data, ">training loss<") != NULL && strstr(b.data, ">best epoch 12<") != NULL &&
		   strstr(b.data, ">epoch<") != NULL, "line chart has its legend, marker label and axis label");

	lines.n_series = 1;
	series[0].y = score;
	series[0].markers = true;
	lines.marks = &mark;
	lines.n_marks = 1;
	lines.vline = NAN;
	b.len = 0;
	plot_figure_lines(&b, 360, &lines);
	check_figure(&b, "line chart with a marked point is well-formed");

	memset(&bars, 0, sizeof(bars));
	bars.title = "Per class";
	bars.y_label = "score";
	bars.x_label = "class";
	bars.n_categories = 3;
	bars.categories = classes;
	bars.n_groups = 3;
	bars.group_names = groups;
	bars.values = values;
	bars.highlight = -1;
	bars.y_max = 1;
	bars.value_digits = 2;
	b.len = 0;
	plot_figure_bars(&b, 360, &bars);
	check_figure(&b, "grouped bars are well-formed");
	tap_ok(strstr(b.data, "<script>") == NULL && strstr(b.data, "&lt;script&gt;") != NULL,
		   "a class named <script> is drawn as text");

	memset(&heat, 0, sizeof(heat));
	heat.title = "Confusion matrix";
	heat.x_label = "predicted class";
	heat.y_label = "actual class";
	heat.n = 3;
	heat.labels = classes;
	heat.counts = counts;
	b.len = 0;
	plot_figure_heatmap(&b, &heat);
	check_figure(&b, "heatmap is well-formed");
	tap_ok(strstr(b.data, ">409<") != NULL && strstr(b.data, ">100%<") != NULL,
		   "heatmap cells show counts and the colour bar's scale");

	for (int i = 0; i < 200; i++)
	{
		xs[i] = sin(i * 0.7) * 3 + (i % 3);
		ys[i] = cos(i * 1.3) * 2 + (i % 3);
		group[i] = i % 3;
	}
	memset(&scatter, 0, sizeof(scatter));
	scatter.title = "Segments";
	scatter.x_label = "PC1";
	scatter.y_label = "PC2";
	scatter.n = 200;
	scatter.x = xs;
	scatter.y = ys;
	scatter.group = group;
	scatter.n_groups = 3;
	scatter.group_names = classes;
	scatter.n_big = 3;
	scatter.big_x = cx;
	scatter.big_y = cy;
	scatter.big_name = "centroid";
	b.len = 0;
	plot_figure_scatter(&b, 520, &scatter);
	check_figure(&b, "scatter is well-formed");
	scatter.diagonal = true;
	scatter.group = NULL;
	scatter.group_names = NULL;
	scatter.n_big = 0;
	b.len = 0;
	plot_figure_scatter(&b, 520, &scatter);
	check_figure(&b, "scatter with the diagonal is well-formed");

	memset(&hist, 0, sizeof(hist));
	hist.title = "Residuals";
	hist.x_label = "actual - predicted";
	hist.y_label = "rows";
	hist.n = 200;
	hist.values = xs;
	hist.vline = 0;
	hist.vline_label = "0";
	b.len = 0;
	plot_figure_histogram(&b, 360, &hist);
	check_figure(&b, "histogram is well-formed");
	bins = plot_histogram_bins(xs, 200, edges, 40);
	{
		double		lo = INFINITY,
					hi = -INFINITY;

		for (int i = 0; i < 200; i++)
			lo = fmin(lo, xs[i]), hi = fmax(hi, xs[i]);
		tap_ok(bins >= 5 && bins <= 40 && edges[0] <= lo && edges[bins] > hi,
			   "histogram bins cover every value");
	}

	memset(&hbars, 0, sizeof(hbars));
	hbars.title = "Importance";
	hbars.x_label = "drop in macro-F1";
	hbars.n = 4;
	hbars.labels = features;
	hbars.values = imp;
	hbars.errors = err;
	hbars.highlight = -1;
	hbars.value_digits = 3;
	b.len = 0;
	plot_figure_hbars(&b, &hbars);
	check_figure(&b, "horizontal bars are well-formed");
	tap_ok(strstr(b.data, "<title>a_rather_long_feature_name_that_goes_on_and_on</title>") != NULL ||
		   strstr(b.data, ">a_rather_long_feature_name_that_goes_on_and_on<") != NULL,
		   "a long feature name is kept whole (in a tooltip when cut)");

	b.len = 0;
	plot_figure_message(&b, "Actual vs predicted",
						"relation public.gone, which model \"m\" was trained on, does not exist & cannot be read again <now>");
	check_figure(&b, "message panel is well-formed");
	svg_buf_free(&b);
}

static void
test_projection(void)
{
	/* a 3 x 3 symmetric matrix with known eigenvalues */
	double		a[9] = {4, 1, 1, 1, 3, 1, 1, 1, 3};
	double		copy[9];
	double		values[3],
				vectors[9];
	double		x[400 * 3];
	Projection2 p;
	char		msg[SEG_ERRMSG_LEN];
	double		coords[400 * 2];
	double		var0 = 0,
				var1 = 0,
				cross = 0;
	int			ok = 1;

	memcpy(copy, a, sizeof(a));
	symmetric_eigen(copy, 3, values, vectors);
	/* eigenvalues of [[4,1,1],[1,3,1],[1,1,3]]: 4 + sqrt(2), 4 - sqrt(2) and 2 */
	tap_close(values[0], 4 + sqrt(2), 1e-12, "largest eigenvalue");
	tap_close(values[1], 4 - sqrt(2), 1e-12, "middle eigenvalue");
	tap_close(values[2], 2, 1e-12, "smallest eigenvalue");
	for (int j = 0; j < 3; j++)
		for (int i = 0; i < 3; i++)
		{
			double		av = 0;

			for (int k = 0; k < 3; k++)
				av += a[i * 3 + k] * vectors[k * 3 + j];
			ok &= fabs(av - values[j] * vectors[i * 3 + j]) < 1e-12;
		}
	tap_ok(ok, "A v = lambda v for every pair");

	/* rows along (1, 1, 0) with small noise across: PC1 takes nearly all */
	for (int i = 0; i < 400; i++)
	{
		double		t = (i - 200) / 50.0;
		double		e = sin(i * 12.9898) * 0.05;

		x[i * 3 + 0] = t + e;
		x[i * 3 + 1] = t - e;
		x[i * 3 + 2] = cos(i * 78.233) * 0.05;
	}
	tap_ok(projection_fit(x, 400, 3, &p, msg) == SEG_OK, "a map is fitted");
	tap_close(fabs(p.components[0]), sqrt(0.5), 1e-3, "PC1 is along (1, 1, 0)");
	tap_ok(p.components[0] > 0 || p.components[1] > 0, "PC1's largest loading is positive");
	tap_ok(p.explained[0] > 0.99 && p.explained[0] + p.explained[1] <= 1 + 1e-12,
		   "PC1 explains nearly all the variance");
	projection_apply(&p, x, 400, coords);
	for (int i = 0; i < 400; i++)
	{
		var0 += coords[i * 2] * coords[i * 2];
		var1 += coords[i * 2 + 1] * coords[i * 2 + 1];
		cross += coords[i * 2] * coords[i * 2 + 1];
	}
	tap_ok(var0 > var1 && fabs(cross) < 1e-8 * var0, "the coordinates are uncorrelated, PC1 the wider");
	projection_free(&p);
	tap_ok(projection_fit(x, 400, 1, &p, msg) == SEG_OK && p.explained[0] == 1 &&
		   p.components[1] == 0, "one feature: PC1 is it, PC2 is empty");
	projection_free(&p);
	tap_ok(projection_fit(x, 0, 3, &p, msg) == SEG_ERR_INVALID, "no rows: an error");
}

int
main(void)
{
	test_escaping();
	test_numbers();
	test_colours();
	test_figures();
	test_projection();
	return tap_done();
}
