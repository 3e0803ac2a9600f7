/*-------------------------------------------------------------------------
 *
 * svg.h
 *	  Building SVG text: a growable buffer, XML escaping, number and tick
 *	  formatting, a colour-blind-safe palette and the drawing primitives
 *	  the charts of plot.h are made of.
 *
 * Everything written is ASCII: text is taken as UTF-8 and every
 * character outside printable ASCII becomes a numeric character reference
 * (&#xE9;), so the SVG reads the same in any client encoding.  Characters
 * XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF) and malformed UTF-8
 * become U+FFFD; `<`, `&`, `>` and quotes are always escaped, so a
 * label such as "<script>" is text, never markup.
 *
 * Colours: categories take the Okabe-Ito palette (Okabe and Ito, "Color
 * Universal Design", 2008), readable with every common colour-vision
 * deficiency; sequential scales take viridis (van der Walt and Smith,
 * matplotlib 2.0), perceptually uniform and legible in grey.
 *
 * IDENTIFICATION
 *	  src/svg.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_SVG_H
#define SEGMENT_SVG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct SvgBuf
{
	char	   *data;			/* NUL-terminated */
	size_t		len;
	size_t		cap;
} SvgBuf;

extern void svg_buf_init(SvgBuf *b);
extern void svg_buf_free(SvgBuf *b);
extern void svg_puts(SvgBuf *b, const char *s);
extern void svg_printf(SvgBuf *b, const char *fmt,...) __attribute__((format(printf, 2, 3)));

/* XML-escapes UTF-8 text (for element text and attribute values alike). */
extern void svg_escape(SvgBuf *b, const char *s);

/*
 * The same, keeping at most max_chars characters: a longer text ends in
 * an ellipsis within that count.  Line breaks and tabs become spaces.
 */
extern void svg_escape_max(SvgBuf *b, const char *s, int max_chars);

/* Characters (code points; a malformed byte counts as one) of UTF-8 text. */
extern int	svg_text_chars(const char *s);

/*
 * Estimated width in pixels of text at a font size (DejaVu Sans-like
 * proportions), for layout: margins, truncation, overlap avoidance.
 */
extern double svg_text_width(const char *s, double font_size);

/* The most characters of s that fit in width pixels at font_size (at least 1). */
extern int	svg_chars_fitting(const char *s, double width, double font_size);

/* A coordinate: at most one decimal, no trailing zeros ("12", "12.5", "-0.3"). */
extern void svg_coord(SvgBuf *b, double v);

/*
 * A value for people: `digits` significant digits, thousands grouped
 * ("12,345", "0.9866", "1.2e+20"); NaN and infinities as "n/a", "inf".
 */
extern void svg_format_value(char *out, size_t size, double v, int digits);

/* ---- axes ---------------------------------------------------------- */

#define SVG_MAX_TICKS 16

/*
 * Round tick values covering [lo, hi], as Heckbert's "Nice numbers for
 * graph labels" (Graphics Gems, 1990): steps of 1, 2 or 5 times a power of
 * ten, the finest giving at most max_ticks ticks; lo and hi widen to the
 * outer ticks.
 */
typedef struct SvgTicks
{
	double		lo;				/* the first tick */
	double		hi;				/* the last tick */
	double		step;
	int			n;
	double		v[SVG_MAX_TICKS];
	int			decimals;		/* of the labels, after scaling */
	double		scale;			/* labels show v / scale */
	const char *suffix;			/* "", "k", "M", "G" */
	bool		exponent;		/* labels in %g form (extreme magnitudes) */
} SvgTicks;

extern void svg_nice_ticks(double lo, double hi, int max_ticks, SvgTicks *out);

/* Integer ticks (epochs, k, counts) over [lo, hi]: steps of at least 1. */
extern void svg_integer_ticks(double lo, double hi, int max_ticks, SvgTicks *out);

/* A tick's label ("0.25", "15k", "1e+20"). */
extern void svg_tick_label(const SvgTicks *t, double v, char *out, size_t size);

/* ---- colours ------------------------------------------------------- */

#define SVG_N_CATEGORY_COLOURS 8

/* Category i's colour (Okabe-Ito, cycling), as "#rrggbb". */
extern const char *svg_category_colour(int i);

/* viridis at t in [0, 1] into out ("#rrggbb"). */
extern void svg_viridis(double t, char out[8]);

/* "#000000" or "#ffffff", whichever reads better on a "#rrggbb" fill. */
extern const char *svg_text_colour_on(const char *fill);

/* ---- primitives ---------------------------------------------------- */

/* Marker shapes, so that categories differ in more than colour. */
typedef enum SvgShape
{
	SVG_CIRCLE,
	SVG_SQUARE,
	SVG_TRIANGLE,
	SVG_DIAMOND,
	SVG_N_SHAPES
} SvgShape;

typedef enum SvgAnchor
{
	SVG_START,
	SVG_MIDDLE,
	SVG_END
} SvgAnchor;

/*
 * Opens an <svg> of width x height pixels (with its viewBox), with a
 * <title> and <desc> for screen readers and the shared text style.
 */
extern void svg_begin(SvgBuf *b, double width, double height, const char *title,
					  const char *desc);
extern void svg_end(SvgBuf *b);

/* svg_text's style flags */
#define SVG_BOLD 0x01
#define SVG_HALO 0x02			/* a white outline under the glyphs, over busy plots */

/*
 * Text; style SVG_BOLD / SVG_HALO; rotate in degrees about (x, y);
 * max_chars 0: no limit (a longer text is cut, and whole in a tooltip).
 */
extern void svg_text(SvgBuf *b, double x, double y, SvgAnchor anchor, double size, int style,
					 const char *fill, double rotate, const char *text, int max_chars);
extern void svg_line(SvgBuf *b, double x1, double y1, double x2, double y2, const char *stroke,
					 double width, const char *dash);
/* A rectangle; tooltip (may be NULL) becomes its <title>. */
extern void svg_rect(SvgBuf *b, double x, double y, double w, double h, const char *fill,
					 const char *stroke, const char *tooltip);
extern void svg_marker(SvgBuf *b, SvgShape shape, double cx, double cy, double r,
					   const char *fill, const char *stroke, double opacity);
/* n points joined, skipping NaN ones (a gap). */
extern void svg_polyline(SvgBuf *b, const double *xs, const double *ys, int n,
						 const char *stroke, double width, const char *dash);

#endif							/* SEGMENT_SVG_H */
