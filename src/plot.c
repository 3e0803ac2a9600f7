/*-------------------------------------------------------------------------
 *
 * plot.c
 *	  Charts: lines, grouped bars, horizontal bars, heatmap, scatter,
 *	  histogram, message.
 *
 * Layout is computed from estimated text widths (svg_text_width): the
 * left margin fits the widest tick label, category labels rotate when
 * they do not fit their slot and are thinned or shortened when even that
 * is not enough, legends wrap into rows.
 *
 * IDENTIFICATION
 *	  src/plot.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "plot.h"

#define TITLE_SIZE 15
#define LABEL_SIZE 13
#define TICK_SIZE 12
#define TEXT_COLOUR "#222222"
#define AXIS_COLOUR "#555555"
#define GRID_COLOUR "#e4e4e4"
#define NOTE_COLOUR "#555555"

/* legend entries drawn; the rest are counted */
#define MAX_LEGEND_ITEMS 24
/* longest category label drawn before it is shortened */
#define MAX_LABEL_CHARS 28

/* The plotting frame of a panel and its axes' ticks. */
typedef struct Frame
{
	double		x;
	double		y;
	double		w;
	double		h;
	SvgTicks	xt;
	SvgTicks	yt;
} Frame;

typedef struct LegendItem
{
	const char *name;
	int			colour;
	SvgShape	shape;
	bool		marker;			/* a marker (else a bar swatch) */
	bool		line;			/* a line segment behind it */
	const char *dash;
	bool		outlined;		/* drawn with a black outline (centroids) */
} LegendItem;

static LegendItem
Item(const char *name, int colour, SvgShape shape, bool marker, bool line, const char *dash,
	 bool outlined)
{
	LegendItem	it;

	it.name = name;
	it.colour = colour;
	it.shape = shape;
	it.marker = marker;
	it.line = line;
	it.dash = dash;
	it.outlined = outlined;
	return it;
}

static double
FX(const Frame *f, double v)
{
	return f->x + (v - f->xt.lo) / (f->xt.hi - f->xt.lo) * f->w;
}

static double
FY(const Frame *f, double v)
{
	return f->y + f->h - (v - f->yt.lo) / (f->yt.hi - f->yt.lo) * f->h;
}

static double
Clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The panel's title; returns the y below it. */
static double
Title(SvgBuf *b, PlotRect a, const char *title)
{
	if (title == NULL)
		return a.y + 6;
	svg_text(b, a.x + a.w / 2, a.y + 19, SVG_MIDDLE, TITLE_SIZE, SVG_BOLD, TEXT_COLOUR, 0,
			 title, svg_chars_fitting(title, a.w - 10, TITLE_SIZE));
	return a.y + 30;
}

/* The longest a legend entry's text may be: a row of the panel. */
static double
LegendTextRoom(PlotRect a)
{
	return a.w - 26 - 30 - 18;
}

static double
LegendItemWidth(PlotRect a, const LegendItem *it)
{
	return 24 + 6 + fmin(svg_text_width(it->name, TICK_SIZE), LegendTextRoom(a)) + 18;
}

/* Draws or (draw = false) measures a legend in rows; returns the y below it. */
static double
Legend(SvgBuf *b, PlotRect a, double y, const LegendItem *items, int n, bool draw)
{
	double		left = a.x + 16;
	double		right = a.x + a.w - 10;
	double		x = left;
	double		row_y = y + 12;

	if (n == 0)
		return y;
	for (int i = 0; i < n && i < MAX_LEGEND_ITEMS; i++)
	{
		const LegendItem *it = &items[i];
		double		w = LegendItemWidth(a, it);
		const char *colour = svg_category_colour(it->colour);

		if (x > left && x + w > right)
		{
			x = left;
			row_y += 18;
		}
		if (draw)
		{
			if (it->line)
				svg_line(b, x, row_y - 4, x + 24, row_y - 4, colour, 2.5, it->dash);
			if (it->marker)
				svg_marker(b, it->shape, x + 12, row_y - 4, it->outlined ? 5.5 : 4, colour,
						   it->outlined ? "#000000" : NULL, 1);
			if (!it->line && !it->marker)
				svg_rect(b, x + 4, row_y - 11, 16, 12, colour, NULL, NULL);
			svg_text(b, x + 30, row_y, SVG_START, TICK_SIZE, 0, TEXT_COLOUR, 0, it->name,
					 svg_chars_fitting(it->name, LegendTextRoom(a), TICK_SIZE));
		}
		x += w;
	}
	if (n > MAX_LEGEND_ITEMS)
	{
		char		more[64];

		snprintf(more, sizeof(more), "and %d more", n - MAX_LEGEND_ITEMS);
		if (x > left && x + svg_text_width(more, TICK_SIZE) > right)
		{
			x = left;
			row_y += 18;
		}
		if (draw)
			svg_text(b, x + 4, row_y, SVG_START, TICK_SIZE, 0, NOTE_COLOUR, 0, more, 0);
	}
	return row_y + 10;
}

static double
MaxTickLabelWidth(const SvgTicks *t)
{
	double		w = 0;

	for (int i = 0; i < t->n; i++)
	{
		char		label[64];
		double		lw;

		svg_tick_label(t, t->v[i], label, sizeof(label));
		lw = svg_text_width(label, TICK_SIZE);
		if (lw > w)
			w = lw;
	}
	return w;
}

/*
 * Places the frame in area below top, leaving room on the left for the y
 * ticks (yt) and label, and bottom pixels below it.
 */
static void
PlaceFrame(Frame *f, PlotRect a, double top, const SvgTicks *yt, double bottom)
{
	double		left = 24 + MaxTickLabelWidth(yt) + 10;

	f->x = a.x + left;
	f->y = top + 8;
	f->w = a.x + a.w - 20 - f->x;
	f->h = a.y + a.h - bottom - f->y;
	if (f->h < 20)
		f->h = 20;
	f->yt = *yt;
}

/* Grid lines, the y axis's ticks and label. */
static void
YAxis(SvgBuf *b, PlotRect a, const Frame *f, const char *label)
{
	for (int i = 0; i < f->yt.n; i++)
	{
		char		text[64];
		double		y = FY(f, f->yt.v[i]);

		svg_line(b, f->x, y, f->x + f->w, y, GRID_COLOUR, 1, NULL);
		svg_tick_label(&f->yt, f->yt.v[i], text, sizeof(text));
		svg_text(b, f->x - 6, y + 4, SVG_END, TICK_SIZE, 0, TEXT_COLOUR, 0, text, 0);
	}
	svg_line(b, f->x, f->y, f->x, f->y + f->h, AXIS_COLOUR, 1, NULL);
	if (label != NULL)
		svg_text(b, a.x + 15, f->y + f->h / 2, SVG_MIDDLE, LABEL_SIZE, 0, TEXT_COLOUR, -90,
				 label, svg_chars_fitting(label, f->h, LABEL_SIZE));
}

/* The x axis of numbers: ticks (thinned so that labels never touch) and label. */
static void
XAxis(SvgBuf *b, const Frame *f, const char *label)
{
	double		widest = MaxTickLabelWidth(&f->xt);
	double		spacing = f->xt.n > 1 ? f->w / (f->xt.n - 1) : f->w;
	int			every = (int) ceil((widest + 10) / spacing);
	double		base = f->y + f->h;

	if (every < 1)
		every = 1;
	svg_line(b, f->x, base, f->x + f->w, base, AXIS_COLOUR, 1, NULL);
	for (int i = 0; i < f->xt.n; i++)
	{
		char		text[64];
		double		x = FX(f, f->xt.v[i]);

		svg_line(b, x, base, x, base + 5, AXIS_COLOUR, 1, NULL);
		if (i % every != 0)
			continue;
		svg_tick_label(&f->xt, f->xt.v[i], text, sizeof(text));
		svg_text(b, x, base + 19, SVG_MIDDLE, TICK_SIZE, 0, TEXT_COLOUR, 0, text, 0);
	}
	if (label != NULL)
		svg_text(b, f->x + f->w / 2, base + 40, SVG_MIDDLE, LABEL_SIZE, 0, TEXT_COLOUR, 0,
				 label, svg_chars_fitting(label, f->w, LABEL_SIZE));
}

/* A labelled dashed vertical line at data x. */
static void
VLine(SvgBuf *b, const Frame *f, double v, const char *label)
{
	double		x;

	if (!isfinite(v) || v < f->xt.lo || v > f->xt.hi)
		return;
	x = FX(f, v);
	svg_line(b, x, f->y, x, f->y + f->h, "#444444", 1.5, "6 4");
	if (label != NULL)
	{
		double		w = svg_text_width(label, TICK_SIZE);
		bool		right = x + 5 + w <= f->x + f->w;

		svg_text(b, right ? x + 5 : x - 5, f->y + 13, right ? SVG_START : SVG_END, TICK_SIZE,
				 SVG_HALO, TEXT_COLOUR, 0, label, 0);
	}
}

static void
Range(const double *v, int n, double *lo, double *hi)
{
	for (int i = 0; i < n; i++)
		if (isfinite(v[i]))
		{
			if (v[i] < *lo)
				*lo = v[i];
			if (v[i] > *hi)
				*hi = v[i];
		}
}

/* ---- lines ---------------------------------------------------------- */

void
plot_lines(SvgBuf *b, PlotRect a, const PlotLines *p)
{
	LegendItem	items[16];
	int			n_items = 0;
	double		xlo = INFINITY,
				xhi = -INFINITY,
				ylo = INFINITY,
				yhi = -INFINITY;
	double		top;
	Frame		f;
	SvgTicks	yt;

	for (int s = 0; s < p->n_series; s++)
	{
		Range(p->series[s].x, p->series[s].n, &xlo, &xhi);
		Range(p->series[s].y, p->series[s].n, &ylo, &yhi);
		if (n_items < 16 && (p->n_series > 1 || p->n_marks > 0))
			items[n_items++] = Item(p->series[s].name, p->series[s].colour, SVG_CIRCLE,
									p->series[s].markers, true, p->series[s].dash, false);
	}
	for (int m = 0; m < p->n_marks; m++)
	{
		Range(&p->marks[m].x, 1, &xlo, &xhi);
		Range(&p->marks[m].y, 1, &ylo, &yhi);
		if (n_items < 16)
			items[n_items++] = Item(p->marks[m].label, p->marks[m].colour, p->marks[m].shape,
									true, false, NULL, true);
	}
	if (xlo > xhi)
		xlo = 0, xhi = 1;
	if (ylo > yhi)
		ylo = 0, yhi = 1;
	if (p->y_from_zero && ylo > 0)
		ylo = 0;

	top = Title(b, a, p->title);
	top = Legend(b, a, top, items, n_items, true);
	svg_nice_ticks(ylo, yhi, 6, &yt);
	PlaceFrame(&f, a, top, &yt, 50);
	if (p->x_integer)
		svg_integer_ticks(xlo, xhi, (int) Clamp(f.w / 60, 2, 12), &f.xt);
	else
		svg_nice_ticks(xlo, xhi, (int) Clamp(f.w / 70, 2, 10), &f.xt);
	/* a little room at both ends, so that markers on the first and last x are whole */
	{
		double		pad = (f.xt.hi - f.xt.lo) * 0.02;

		f.xt.lo -= pad;
		f.xt.hi += pad;
	}
	YAxis(b, a, &f, p->y_label);
	XAxis(b, &f, p->x_label);
	VLine(b, &f, p->vline, p->vline_label);

	for (int s = 0; s < p->n_series; s++)
	{
		const PlotSeries *ser = &p->series[s];
		double	   *xs = seg_alloc(sizeof(double) * (ser->n > 0 ? ser->n : 1));
		double	   *ys = seg_alloc(sizeof(double) * (ser->n > 0 ? ser->n : 1));
		const char *colour = svg_category_colour(ser->colour);

		for (int i = 0; i < ser->n; i++)
		{
			xs[i] = isfinite(ser->x[i]) ? FX(&f, ser->x[i]) : NAN;
			ys[i] = isfinite(ser->y[i]) ? FY(&f, ser->y[i]) : NAN;
		}
		svg_polyline(b, xs, ys, ser->n, colour, 2.5, ser->dash);
		if (ser->markers)
			for (int i = 0; i < ser->n; i++)
				if (isfinite(xs[i]) && isfinite(ys[i]))
					svg_marker(b, SVG_CIRCLE, xs[i], ys[i], 4, colour, "#ffffff", 1);
		seg_free(xs);
		seg_free(ys);
	}
	for (int m = 0; m < p->n_marks; m++)
		if (isfinite(p->marks[m].x) && isfinite(p->marks[m].y))
			svg_marker(b, p->marks[m].shape, FX(&f, p->marks[m].x), FY(&f, p->marks[m].y), 8,
					   svg_category_colour(p->marks[m].colour), "#000000", 1);
}

/* ---- grouped bars ---------------------------------------------------- */

/* How category labels fit under slots of a width: every n-th, rotated, cut to chars. */
typedef struct CategoryLabels
{
	int			every;
	bool		rotate;
	int			chars;
	double		height;			/* below the axis */
} CategoryLabels;

static CategoryLabels
FitCategoryLabels(char *const *labels, int n, double slot)
{
	CategoryLabels c = {1, false, MAX_LABEL_CHARS, 24};
	double		widest = 0;

	for (int i = 0; i < n; i++)
	{
		double		w = svg_text_width(labels[i], TICK_SIZE);

		if (svg_text_chars(labels[i]) > MAX_LABEL_CHARS)
			w = w * MAX_LABEL_CHARS / svg_text_chars(labels[i]);
		if (w > widest)
			widest = w;
	}
	if (widest + 8 <= slot)
		return c;
	/* rotated 40 degrees, a label needs about 0.7 of its height across */
	c.rotate = true;
	c.every = (int) ceil(TICK_SIZE * 1.6 / slot);
	if (c.every < 1)
		c.every = 1;
	if (widest > 150)
	{
		c.chars = (int) (MAX_LABEL_CHARS * 150 / widest);
		if (c.chars < 4)
			c.chars = 4;
		widest = 150;
	}
	c.height = 16 + widest * 0.65;
	return c;
}

static void
CategoryAxis(SvgBuf *b, const Frame *f, char *const *labels, int n, const CategoryLabels *c,
			 int highlight, const char *label)
{
	double		slot = f->w / n;
	double		base = f->y + f->h;

	svg_line(b, f->x, base, f->x + f->w, base, AXIS_COLOUR, 1, NULL);
	for (int i = 0; i < n; i++)
	{
		double		x = f->x + slot * (i + 0.5);

		if (i % c->every != 0 && i != highlight)
			continue;
		if (c->rotate)
			svg_text(b, x + 4, base + 14, SVG_END, TICK_SIZE, i == highlight ? SVG_BOLD : 0,
					 TEXT_COLOUR, -40, labels[i], c->chars);
		else
			svg_text(b, x, base + 18, SVG_MIDDLE, TICK_SIZE, i == highlight ? SVG_BOLD : 0,
					 TEXT_COLOUR, 0, labels[i], c->chars);
	}
	if (label != NULL)
		svg_text(b, f->x + f->w / 2, base + c->height + 18, SVG_MIDDLE, LABEL_SIZE, 0,
				 TEXT_COLOUR, 0, label, svg_chars_fitting(label, f->w, LABEL_SIZE));
}

void
plot_bars(SvgBuf *b, PlotRect a, const PlotBars *p)
{
	LegendItem	items[16];
	int			n_items = 0;
	double		lo = 0,
				hi = -INFINITY;
	double		top;
	Frame		f;
	SvgTicks	yt;
	CategoryLabels cl;
	int			nc = p->n_categories > 0 ? p->n_categories : 1;
	double		slot;
	double		bar;

	for (int g = 0; g < p->n_groups && p->n_groups > 1 && n_items < 16; g++)
		items[n_items++] = Item(p->group_names[g], g, SVG_SQUARE, false, false, NULL, false);
	Range(p->values, p->n_groups * p->n_categories, &lo, &hi);
	if (isfinite(p->y_max))
		hi = p->y_max;
	if (hi <= lo)
		hi = lo + 1;

	top = Title(b, a, p->title);
	top = Legend(b, a, top, items, n_items, true);
	svg_nice_ticks(lo, hi, 6, &yt);
	/* the frame's width decides the labels' layout, which decides its height */
	PlaceFrame(&f, a, top, &yt, 50);
	slot = f.w / nc;
	cl = FitCategoryLabels(p->categories, p->n_categories, slot);
	PlaceFrame(&f, a, top, &yt, cl.height + 30);
	bar = slot * 0.8 / (p->n_groups > 0 ? p->n_groups : 1);
	YAxis(b, a, &f, p->y_label);

	for (int c = 0; c < p->n_categories; c++)
		for (int g = 0; g < p->n_groups; g++)
		{
			double		v = p->values[(size_t) g * p->n_categories + c];
			double		x = f.x + slot * c + slot * 0.1 + bar * g;
			double		y0 = FY(&f, 0 > f.yt.lo ? 0 : f.yt.lo);
			double		y1;
			/* one group: the highlighted bar stands out in the second colour */
			int			colour = p->n_groups > 1 ? g :
				p->category_colour != NULL ? p->category_colour[c] : c == p->highlight ? 1 : 0;
			char		text[64];
			char		tip[256];

			if (!isfinite(v))
				continue;
			y1 = FY(&f, Clamp(v, f.yt.lo, f.yt.hi));
			svg_format_value(text, sizeof(text), v, p->value_digits > 0 ? p->value_digits : 4);
			snprintf(tip, sizeof(tip), "%s%s%s: %s", p->categories[c],
					 p->n_groups > 1 ? ", " : "", p->n_groups > 1 ? p->group_names[g] : "", text);
			svg_rect(b, x, y1, bar - 1, y0 - y1, svg_category_colour(colour),
					 c == p->highlight ? "#000000" : NULL, tip);
			/* a value label no wider than its bar cannot touch its neighbours' */
			if (p->value_digits > 0 && svg_text_width(text, 11) <= bar)
				svg_text(b, x + bar / 2, y1 - 4, SVG_MIDDLE, 11, 0, TEXT_COLOUR, 0, text, 0);
		}
	CategoryAxis(b, &f, p->categories, p->n_categories, &cl, p->highlight, p->x_label);
}

/* ---- horizontal bars --------------------------------------------------- */

#define HBAR_ROW 24

double
plot_hbars_height(int n)
{
	return 30 + (n > 0 ? n : 1) * HBAR_ROW + 58;
}

void
plot_hbars(SvgBuf *b, PlotRect a, const PlotHBars *p)
{
	double		lo = 0,
				hi = 0;
	double		label_w = 0;
	double		top = Title(b, a, p->title);
	Frame		f;
	int			chars;

	for (int i = 0; i < p->n; i++)
	{
		double		e = p->errors != NULL && isfinite(p->errors[i]) ? p->errors[i] : 0;
		double		w = svg_text_width(p->labels[i], TICK_SIZE);

		if (isfinite(p->values[i]))
		{
			lo = fmin(lo, p->values[i] - e);
			hi = fmax(hi, p->values[i] + e);
		}
		label_w = fmax(label_w, w);
	}
	if (hi <= lo)
		hi = lo + 1;
	label_w = fmin(label_w, a.w * 0.35);
	f.x = a.x + 14 + label_w + 10;
	f.y = top + 6;
	f.w = a.x + a.w - 70 - f.x;	/* room for the value labels */
	f.h = (p->n > 0 ? p->n : 1) * HBAR_ROW;
	svg_nice_ticks(lo, hi, (int) Clamp(f.w / 80, 2, 8), &f.xt);
	/* FX only */
	f.yt = f.xt;

	for (int i = 0; i < f.xt.n; i++)
	{
		double		x = FX(&f, f.xt.v[i]);

		svg_line(b, x, f.y, x, f.y + f.h, f.xt.v[i] == 0 ? AXIS_COLOUR : GRID_COLOUR, 1, NULL);
	}
	XAxis(b, &f, p->x_label);
	for (int i = 0; i < p->n; i++)
	{
		double		cy = f.y + HBAR_ROW * (i + 0.5);
		double		v = p->values[i];
		double		x0 = FX(&f, 0 > f.xt.lo ? 0 : f.xt.lo);
		double		x1;
		char		text[64];
		const char *colour = svg_category_colour(i == p->highlight ? 1 : 0);

		chars = svg_chars_fitting(p->labels[i], label_w, TICK_SIZE);
		svg_text(b, f.x - 8, cy + 4, SVG_END, TICK_SIZE, i == p->highlight ? SVG_BOLD : 0,
				 TEXT_COLOUR, 0, p->labels[i], chars);
		if (!isfinite(v))
			continue;
		x1 = FX(&f, v);
		svg_format_value(text, sizeof(text), v, p->value_digits > 0 ? p->value_digits : 3);
		svg_rect(b, x0, cy - 8, x1 - x0, 16, colour, NULL, text);
		if (p->errors != NULL && isfinite(p->errors[i]) && p->errors[i] > 0)
		{
			double		e0 = FX(&f, v - p->errors[i]);
			double		e1 = FX(&f, v + p->errors[i]);

			svg_line(b, e0, cy, e1, cy, "#000000", 1.2, NULL);
			svg_line(b, e0, cy - 4, e0, cy + 4, "#000000", 1.2, NULL);
			svg_line(b, e1, cy - 4, e1, cy + 4, "#000000", 1.2, NULL);
		}
		if (p->value_digits > 0)
		{
			double		end = fmax(x0, x1);

			if (p->errors != NULL && isfinite(p->errors[i]))
				end = fmax(end, FX(&f, v + p->errors[i]));
			svg_text(b, end + 5, cy + 4, SVG_START, 11, 0, TEXT_COLOUR, 0, text, 0);
		}
	}
}

/* ---- heatmap --------------------------------------------------------- */

typedef struct HeatLayout
{
	double		label_w;		/* row labels */
	double		cell;
	double		indent;			/* left of the whole, to centre it */
	CategoryLabels cols;
	double		height;
} HeatLayout;

static HeatLayout
LayoutHeatmap(int n, char *const *labels, double width)
{
	HeatLayout	l;
	double		widest = 0;

	if (n < 1)
		n = 1;
	for (int i = 0; i < n; i++)
		widest = fmax(widest, svg_text_width(labels[i], TICK_SIZE));
	l.label_w = fmin(widest, 160);
	/* room right of the cells for the colour bar */
	l.cell = fmin((width - (24 + l.label_w + 12) - 110) / n, 90);
	if (l.cell < 4)
		l.cell = 4;
	/* centred: what the labels, cells and colour bar leave of the width, halved */
	l.indent = fmax(0, (width - (24 + l.label_w + 12 + n * l.cell + 110)) / 2);
	l.cols = FitCategoryLabels(labels, n, l.cell);
	l.height = 30 + 8 + n * l.cell + l.cols.height + 36;
	return l;
}

double
plot_heatmap_height(int n, char *const *labels)
{
	return LayoutHeatmap(n, labels, PLOT_WIDTH).height;
}

void
plot_heatmap(SvgBuf *b, PlotRect a, const PlotHeatmap *p)
{
	HeatLayout	l = LayoutHeatmap(p->n, p->labels, a.w);
	double		top = Title(b, a, p->title);
	Frame		f;
	double		cbar_x;

	f.x = a.x + l.indent + 24 + l.label_w + 12;
	f.y = top + 8;
	f.w = l.cell * p->n;
	f.h = l.cell * p->n;
	for (int r = 0; r < p->n; r++)
	{
		double		total = 0;
		double		cy = f.y + l.cell * (r + 0.5);

		for (int c = 0; c < p->n; c++)
			total += p->counts[(size_t) r * p->n + c];
		svg_text(b, f.x - 6, cy + 4, SVG_END, TICK_SIZE, 0, TEXT_COLOUR, 0, p->labels[r],
				 svg_chars_fitting(p->labels[r], l.label_w, TICK_SIZE));
		for (int c = 0; c < p->n; c++)
		{
			double		count = p->counts[(size_t) r * p->n + c];
			double		share = total > 0 ? count / total : 0;
			char		fill[8];
			char		count_text[64];
			char		tip[512];
			double		x = f.x + l.cell * c;
			double		y = f.y + l.cell * r;

			svg_viridis(share, fill);
			svg_format_value(count_text, sizeof(count_text), count, 15);
			snprintf(tip, sizeof(tip), "actual %.200s, predicted %.200s: %s (%.1f%% of the actual class)",
					 p->labels[r], p->labels[c], count_text, share * 100);
			svg_rect(b, x, y, l.cell, l.cell, fill, "#ffffff", tip);
			if (l.cell >= 22 && svg_text_width(count_text, fmin(13, l.cell / 3)) < l.cell - 4)
			{
				double		size = fmin(13, l.cell / 3);
				const char *ink = svg_text_colour_on(fill);

				if (l.cell >= 44)
				{
					char		pct[32];

					snprintf(pct, sizeof(pct), "%.0f%%", share * 100);
					svg_text(b, x + l.cell / 2, y + l.cell / 2 - 1, SVG_MIDDLE, size, SVG_BOLD,
							 ink, 0, count_text, 0);
					svg_text(b, x + l.cell / 2, y + l.cell / 2 + size + 1, SVG_MIDDLE, size - 2,
							 0, ink, 0, pct, 0);
				}
				else
					svg_text(b, x + l.cell / 2, y + l.cell / 2 + size / 3, SVG_MIDDLE, size, 0,
							 ink, 0, count_text, 0);
			}
		}
	}
	svg_text(b, a.x + l.indent + 15, f.y + f.h / 2, SVG_MIDDLE, LABEL_SIZE, 0, TEXT_COLOUR, -90,
			 p->y_label, svg_chars_fitting(p->y_label, f.h + 40, LABEL_SIZE));
	CategoryAxis(b, &f, p->labels, p->n, &l.cols, -1, p->x_label);

	/* the colour bar: share of the row's total */
	cbar_x = f.x + f.w + 24;
	for (int s = 0; s < 20; s++)
	{
		char		fill[8];
		double		seg = f.h / 20;

		svg_viridis(1 - (s + 0.5) / 20, fill);
		svg_rect(b, cbar_x, f.y + seg * s, 14, seg + 0.5, fill, NULL, NULL);
	}
	for (int t = 0; t <= 4; t++)
	{
		char		text[16];
		double		y = f.y + f.h * (1 - t / 4.0);

		snprintf(text, sizeof(text), "%d%%", t * 25);
		svg_line(b, cbar_x + 14, y, cbar_x + 18, y, AXIS_COLOUR, 1, NULL);
		svg_text(b, cbar_x + 21, y + 4, SVG_START, 11, 0, TEXT_COLOUR, 0, text, 0);
	}
	svg_text(b, cbar_x + 66, f.y + f.h / 2, SVG_MIDDLE, 11, 0, TEXT_COLOUR, 90,
			 "share of the actual class", 0);
}

/* ---- scatter --------------------------------------------------------- */

/* Past the palette's colours, groups differ by shape too. */
static SvgShape
GroupShape(int g)
{
	return (SvgShape) ((g / SVG_N_CATEGORY_COLOURS) % SVG_N_SHAPES);
}

void
plot_scatter(SvgBuf *b, PlotRect a, const PlotScatter *p)
{
	LegendItem *items = seg_alloc(sizeof(LegendItem) * (p->n_groups + 1));
	int			n_items = 0;
	double		xlo = INFINITY,
				xhi = -INFINITY,
				ylo = INFINITY,
				yhi = -INFINITY;
	double		top;
	Frame		f;
	SvgTicks	yt;
	double		radius = p->n > 1500 ? 2.2 : p->n > 300 ? 2.8 : 3.5;
	double		opacity = p->n > 1500 ? 0.5 : p->n > 300 ? 0.65 : 0.8;

	/* the centroids' entry first: a long legend is cut after MAX_LEGEND_ITEMS */
	if (p->n_big > 0 && p->big_name != NULL)
		items[n_items++] = Item(p->big_name, 6, SVG_CIRCLE, true, false, NULL, true);
	if (p->group_names != NULL)
		for (int g = 0; g < p->n_groups; g++)
			items[n_items++] = Item(p->group_names[g], g, GroupShape(g), true, false, NULL,
									false);
	Range(p->x, p->n, &xlo, &xhi);
	Range(p->y, p->n, &ylo, &yhi);
	Range(p->big_x, p->n_big, &xlo, &xhi);
	Range(p->big_y, p->n_big, &ylo, &yhi);
	if (xlo > xhi)
		xlo = 0, xhi = 1;
	if (ylo > yhi)
		ylo = 0, yhi = 1;
	if (p->diagonal)
	{
		xlo = ylo = fmin(xlo, ylo);
		xhi = yhi = fmax(xhi, yhi);
	}

	top = Title(b, a, p->title);
	top = Legend(b, a, top, items, n_items, true);
	svg_nice_ticks(ylo, yhi, (int) Clamp((a.y + a.h - top) / 55, 4, 10), &yt);
	PlaceFrame(&f, a, top, &yt, 50);
	if (p->diagonal)
		f.xt = f.yt;
	else
		svg_nice_ticks(xlo, xhi, (int) Clamp(f.w / 80, 2, 10), &f.xt);
	YAxis(b, a, &f, p->y_label);
	XAxis(b, &f, p->x_label);
	if (p->diagonal)
	{
		double		d0 = fmax(f.xt.lo, f.yt.lo);
		double		d1 = fmin(f.xt.hi, f.yt.hi);

		svg_line(b, FX(&f, d0), FY(&f, d0), FX(&f, d1), FY(&f, d1), "#444444", 1.5, "6 4");
		svg_text(b, FX(&f, d1) - 4, FY(&f, d1) + 16, SVG_END, TICK_SIZE, SVG_HALO, TEXT_COLOUR,
				 0, "predicted = actual", 0);
	}
	for (int i = 0; i < p->n; i++)
	{
		int			g = p->group != NULL ? p->group[i] : 0;

		if (!isfinite(p->x[i]) || !isfinite(p->y[i]))
			continue;
		svg_marker(b, GroupShape(g), FX(&f, p->x[i]), FY(&f, p->y[i]), radius,
				   svg_category_colour(g), NULL, opacity);
	}
	for (int j = 0; j < p->n_big; j++)
	{
		char		label[16];
		double		x = FX(&f, p->big_x[j]);
		double		y = FY(&f, p->big_y[j]);

		svg_marker(b, GroupShape(j), x, y, 9, svg_category_colour(j), "#000000", 1);
		snprintf(label, sizeof(label), "%u",
				 p->big_numbers != NULL ? (unsigned) p->big_numbers[j] : (unsigned) j);
		svg_text(b, x + 11, y - 9, SVG_START, 13, SVG_BOLD | SVG_HALO, TEXT_COLOUR, 0, label, 0);
	}
	seg_free(items);
}

/* ---- histogram ------------------------------------------------------- */

int
plot_histogram_bins(const double *values, int n, double *edges, int max_bins)
{
	double		lo = INFINITY,
				hi = -INFINITY;
	int			finite = 0;
	int			target;
	double		step;
	double		e;
	double		first;
	int			bins;

	for (int i = 0; i < n; i++)
		if (isfinite(values[i]))
		{
			lo = fmin(lo, values[i]);
			hi = fmax(hi, values[i]);
			finite++;
		}
	if (finite == 0)
	{
		edges[0] = 0;
		edges[1] = 1;
		return 1;
	}
	if (hi <= lo)
	{
		double		pad = lo == 0 ? 0.5 : fabs(lo) * 0.05;

		lo -= pad;
		hi += pad;
	}
	/* the square-root rule, between 5 and max_bins */
	target = (int) ceil(sqrt((double) finite));
	target = target < 5 ? 5 : target > max_bins ? max_bins : target;
	step = (hi - lo) / target;
	e = pow(10, floor(log10(step)));
	step = step / e <= 1 ? e : step / e <= 2 ? 2 * e : step / e <= 2.5 ? 2.5 * e :
		step / e <= 5 ? 5 * e : 10 * e;
	first = floor(lo / step) * step;
	bins = (int) ceil((hi - first) / step);
	if (first + bins * step <= hi)
		bins++;
	if (bins < 1)
		bins = 1;
	if (bins > max_bins)
	{
		/* a rounded step can still ask for a few more */
		step = (hi - first) / max_bins * 1.0000001;
		bins = max_bins;
	}
	for (int k = 0; k <= bins; k++)
		edges[k] = first + k * step;
	return bins;
}

#define HISTOGRAM_MAX_BINS 40

void
plot_histogram(SvgBuf *b, PlotRect a, const PlotHistogram *p)
{
	double		edges[HISTOGRAM_MAX_BINS + 1];
	double		counts[HISTOGRAM_MAX_BINS];
	int			bins = plot_histogram_bins(p->values, p->n, edges, HISTOGRAM_MAX_BINS);
	double		top;
	double		most = 0;
	Frame		f;
	SvgTicks	yt;

	memset(counts, 0, sizeof(counts));
	for (int i = 0; i < p->n; i++)
	{
		int			k;

		if (!isfinite(p->values[i]))
			continue;
		k = (int) floor((p->values[i] - edges[0]) / (edges[1] - edges[0]));
		counts[k < 0 ? 0 : k >= bins ? bins - 1 : k]++;
	}
	for (int k = 0; k < bins; k++)
		most = fmax(most, counts[k]);

	top = Title(b, a, p->title);
	svg_integer_ticks(0, most > 0 ? most : 1, 6, &yt);
	PlaceFrame(&f, a, top, &yt, 50);
	{
		/* the axis spans the bins (and the marked value), ticks inside it only */
		double		lo = fmin(edges[0], isfinite(p->vline) ? p->vline : edges[0]);
		double		hi = fmax(edges[bins], isfinite(p->vline) ? p->vline : edges[bins]);
		int			kept = 0;

		svg_nice_ticks(lo, hi, (int) Clamp(f.w / 80, 2, 10), &f.xt);
		for (int i = 0; i < f.xt.n; i++)
			if (f.xt.v[i] >= lo - 1e-9 * (hi - lo) && f.xt.v[i] <= hi + 1e-9 * (hi - lo))
				f.xt.v[kept++] = f.xt.v[i];
		f.xt.n = kept;
		f.xt.lo = lo;
		f.xt.hi = hi;
	}
	YAxis(b, a, &f, p->y_label);
	for (int k = 0; k < bins; k++)
	{
		char		tip[160];
		char		lo_text[64];
		char		hi_text[64];
		double		x0 = FX(&f, edges[k]);
		double		x1 = FX(&f, edges[k + 1]);

		svg_format_value(lo_text, sizeof(lo_text), edges[k], 4);
		svg_format_value(hi_text, sizeof(hi_text), edges[k + 1], 4);
		snprintf(tip, sizeof(tip), "[%s, %s): %.0f", lo_text, hi_text, counts[k]);
		svg_rect(b, x0, FY(&f, counts[k]), x1 - x0, FY(&f, 0) - FY(&f, counts[k]),
				 svg_category_colour(0), "#ffffff", tip);
	}
	XAxis(b, &f, p->x_label);
	VLine(b, &f, p->vline, p->vline_label);
}

/* ---- message --------------------------------------------------------- */

void
plot_message(SvgBuf *b, PlotRect a, const char *title, const char *message)
{
	double		top = Title(b, a, title);
	double		width = a.w - 80;
	const char *p = message;
	double		y;
	int			lines = 0;

	svg_puts(b, "<rect x=\"");
	svg_coord(b, a.x + 20);
	svg_puts(b, "\" y=\"");
	svg_coord(b, top + 6);
	svg_puts(b, "\" width=\"");
	svg_coord(b, a.w - 40);
	svg_puts(b, "\" height=\"");
	svg_coord(b, a.y + a.h - top - 20);
	svg_puts(b, "\" fill=\"#f6f6f6\" stroke=\"#999999\" stroke-dasharray=\"5 4\"/>\n");
	y = top + 40;
	/* word-wrapped lines */
	while (*p && lines < 6)
	{
		char		line[512];
		int			fit = svg_chars_fitting(p, width, LABEL_SIZE);
		int			bytes = 0;
		int			cut = -1;

		/* bytes of the first fit characters, and the last space among them */
		for (int c = 0; c < fit && p[bytes]; c++)
		{
			unsigned char ch = (unsigned char) p[bytes];
			int			len = ch < 0x80 ? 1 : (ch & 0xE0) == 0xC0 ? 2 : (ch & 0xF0) == 0xE0 ? 3 : 4;

			if (ch == ' ')
				cut = bytes;
			for (int k = 0; k < len && p[bytes]; k++)
				bytes++;
		}
		if (p[bytes] != '\0' && cut > 0)
			bytes = cut;
		if (bytes >= (int) sizeof(line))
			bytes = sizeof(line) - 1;
		memcpy(line, p, bytes);
		line[bytes] = '\0';
		svg_text(b, a.x + a.w / 2, y, SVG_MIDDLE, LABEL_SIZE, 0, NOTE_COLOUR, 0, line, 0);
		y += 19;
		p += bytes;
		while (*p == ' ')
			p++;
		lines++;
	}
}

/* ---- whole figures --------------------------------------------------- */

static PlotRect
Whole(double height)
{
	PlotRect	r = {0, 0, PLOT_WIDTH, height};

	return r;
}

void
plot_figure_lines(SvgBuf *b, double height, const PlotLines *p)
{
	svg_begin(b, PLOT_WIDTH, height, p->title, NULL);
	plot_lines(b, Whole(height), p);
	svg_end(b);
}

void
plot_figure_bars(SvgBuf *b, double height, const PlotBars *p)
{
	svg_begin(b, PLOT_WIDTH, height, p->title, NULL);
	plot_bars(b, Whole(height), p);
	svg_end(b);
}

void
plot_figure_hbars(SvgBuf *b, const PlotHBars *p)
{
	double		height = plot_hbars_height(p->n);

	svg_begin(b, PLOT_WIDTH, height, p->title, NULL);
	plot_hbars(b, Whole(height), p);
	svg_end(b);
}

void
plot_figure_heatmap(SvgBuf *b, const PlotHeatmap *p)
{
	double		height = plot_heatmap_height(p->n, p->labels);

	svg_begin(b, PLOT_WIDTH, height, p->title, NULL);
	plot_heatmap(b, Whole(height), p);
	svg_end(b);
}

void
plot_figure_scatter(SvgBuf *b, double height, const PlotScatter *p)
{
	svg_begin(b, PLOT_WIDTH, height, p->title, NULL);
	plot_scatter(b, Whole(height), p);
	svg_end(b);
}

void
plot_figure_histogram(SvgBuf *b, double height, const PlotHistogram *p)
{
	svg_begin(b, PLOT_WIDTH, height, p->title, NULL);
	plot_histogram(b, Whole(height), p);
	svg_end(b);
}

void
plot_figure_message(SvgBuf *b, const char *title, const char *message)
{
	svg_begin(b, PLOT_WIDTH, 130, title, message);
	plot_message(b, Whole(130), title, message);
	svg_end(b);
}
