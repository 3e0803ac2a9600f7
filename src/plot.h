/*-------------------------------------------------------------------------
 *
 * plot.h
 *	  Charts drawn into an SVG (svg.h): lines, grouped bars, horizontal
 *	  bars, a heatmap, a scatter, a histogram, and a message panel for a
 *	  picture that cannot be drawn.
 *
 * Each chart draws one panel into a rectangle of an open <svg>, so a
 * picture may hold several (the training curve's loss above its
 * validation score); plot_figure_* open and close a whole <svg> of one
 * panel.  Every panel has a title, axis labels, ticks at round values
 * and, when it shows more than one series, a legend; categories are told
 * apart by shape as well as by colour; labels that would collide are
 * thinned, rotated or shortened (the whole text stays in a tooltip).
 *
 * IDENTIFICATION
 *	  src/plot.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PLOT_H
#define SEGMENT_PLOT_H

#include <stdint.h>

#include "svg.h"

/* The width every figure is laid out for: readable at 800 px. */
#define PLOT_WIDTH 800

typedef struct PlotRect
{
	double		x;
	double		y;
	double		w;
	double		h;
} PlotRect;

/* A point marked on a line chart, with its own legend entry. */
typedef struct PlotMark
{
	double		x;
	double		y;
	const char *label;
	int			colour;			/* category index */
	SvgShape	shape;
} PlotMark;

typedef struct PlotSeries
{
	const char *name;
	const double *x;
	const double *y;			/* NaN: a gap */
	int			n;
	int			colour;			/* category index */
	const char *dash;			/* NULL: solid */
	bool		markers;
} PlotSeries;

typedef struct PlotLines
{
	const char *title;
	const char *x_label;
	const char *y_label;
	bool		x_integer;		/* ticks at whole numbers (epochs, k) */
	bool		y_from_zero;
	const PlotSeries *series;
	int			n_series;
	double		vline;			/* x of a dashed vertical line, or NaN */
	const char *vline_label;
	const PlotMark *marks;
	int			n_marks;
} PlotLines;

typedef struct PlotBars
{
	const char *title;
	const char *x_label;
	const char *y_label;
	int			n_categories;
	char	  **categories;
	int			n_groups;		/* bars per category */
	char	  **group_names;	/* legend, when n_groups > 1 */
	const double *values;		/* n_groups x n_categories, group by group */
	const int  *category_colour;	/* one group: colour per category, or NULL */
	int			highlight;		/* category drawn in bold, or -1 */
	double		y_max;			/* NaN: from the data */
	int			value_digits;	/* value labels on the bars; 0: none */
} PlotBars;

typedef struct PlotHBars
{
	const char *title;
	const char *x_label;
	int			n;
	char	  **labels;
	const double *values;		/* may be negative */
	const double *errors;		/* +- whiskers, or NULL */
	int			highlight;		/* drawn in another colour, or -1 */
	int			value_digits;
} PlotHBars;

typedef struct PlotHeatmap
{
	const char *title;
	const char *x_label;		/* columns */
	const char *y_label;		/* rows */
	int			n;				/* n x n cells */
	char	  **labels;
	const double *counts;		/* row-major */
} PlotHeatmap;

typedef struct PlotScatter
{
	const char *title;
	const char *x_label;
	const char *y_label;
	int			n;
	const double *x;
	const double *y;
	const int  *group;			/* per point, or NULL: one group */
	int			n_groups;
	char	  **group_names;	/* legend, or NULL */
	int			n_big;			/* emphasised points (centroids) */
	const double *big_x;
	const double *big_y;
	const char *big_name;
	const uint32_t *big_numbers;	/* each big point's number, or NULL: its index */
	bool		diagonal;		/* the y = x line, over equal ranges */
} PlotScatter;

typedef struct PlotHistogram
{
	const char *title;
	const char *x_label;
	const char *y_label;
	int			n;
	const double *values;
	double		vline;			/* or NaN */
	const char *vline_label;
} PlotHistogram;

/* Each draws one panel into area of an open <svg>. */
extern void plot_lines(SvgBuf *b, PlotRect area, const PlotLines *p);
extern void plot_bars(SvgBuf *b, PlotRect area, const PlotBars *p);
extern void plot_hbars(SvgBuf *b, PlotRect area, const PlotHBars *p);
extern void plot_heatmap(SvgBuf *b, PlotRect area, const PlotHeatmap *p);
extern void plot_scatter(SvgBuf *b, PlotRect area, const PlotScatter *p);
extern void plot_histogram(SvgBuf *b, PlotRect area, const PlotHistogram *p);
/* A panel that says why its picture is missing. */
extern void plot_message(SvgBuf *b, PlotRect area, const char *title, const char *message);

/* The height a horizontal bar chart of n bars needs (for the figure). */
extern double plot_hbars_height(int n);

/* The height a heatmap of n x n cells needs. */
extern double plot_heatmap_height(int n, char *const *labels);

/* Bins of a histogram: nice edges over the finite values (n_bins, edges[n_bins + 1]). */
extern int	plot_histogram_bins(const double *values, int n, double *edges, int max_bins);

/*
 * One-panel figures: an <svg> of PLOT_WIDTH x height holding the chart;
 * title doubles as the figure's accessible title.
 */
extern void plot_figure_lines(SvgBuf *b, double height, const PlotLines *p);
extern void plot_figure_bars(SvgBuf *b, double height, const PlotBars *p);
extern void plot_figure_hbars(SvgBuf *b, const PlotHBars *p);
extern void plot_figure_heatmap(SvgBuf *b, const PlotHeatmap *p);
extern void plot_figure_scatter(SvgBuf *b, double height, const PlotScatter *p);
extern void plot_figure_histogram(SvgBuf *b, double height, const PlotHistogram *p);
extern void plot_figure_message(SvgBuf *b, const char *title, const char *message);

#endif							/* SEGMENT_PLOT_H */
