/*-------------------------------------------------------------------------
 *
 * svg.c
 *	  SVG text: buffer, escaping, formatting, ticks, palette, primitives.
 *
 * IDENTIFICATION
 *	  src/svg.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "svg.h"

/* ---- buffer -------------------------------------------------------- */

void
svg_buf_init(SvgBuf *b)
{
	b->cap = 1024;
	b->len = 0;
	b->data = seg_alloc(b->cap);
	b->data[0] = '\0';
}

void
svg_buf_free(SvgBuf *b)
{
	seg_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static void
Reserve(SvgBuf *b, size_t more)
{
	size_t		need = b->len + more + 1;

	if (need <= b->cap)
		return;
	while (b->cap < need)
		b->cap *= 2;
	b->data = seg_realloc(b->data, b->cap);
}

static void
PutBytes(SvgBuf *b, const char *s, size_t n)
{
	Reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
svg_puts(SvgBuf *b, const char *s)
{
	PutBytes(b, s, strlen(s));
}

void
svg_printf(SvgBuf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t) n >= b->cap - b->len)
	{
		Reserve(b, (size_t) n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t) n;
}

/* ---- text ---------------------------------------------------------- */

#define REPLACEMENT 0xFFFD

/*
 * Decodes one UTF-8 character at s (not at its NUL); *len gets the bytes
 * it took.  Malformed, overlong or surrogate sequences give U+FFFD over
 * one byte.
 */
static uint32_t
DecodeUtf8(const unsigned char *s, int *len)
{
	uint32_t	c = s[0];
	int			n;
	uint32_t	min;

	*len = 1;
	if (c < 0x80)
		return c;
	if ((c & 0xE0) == 0xC0)
		n = 2, c &= 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		n = 3, c &= 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return REPLACEMENT;
	for (int i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return REPLACEMENT;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return REPLACEMENT;
	*len = n;
	return c;
}

/* One character as XML text: printable ASCII as itself, the rest as references. */
static void
PutChar(SvgBuf *b, uint32_t c)
{
	char		ch;

	switch (c)
	{
		case '&':
			svg_puts(b, "&amp;");
			return;
		case '<':
			svg_puts(b, "&lt;");
			return;
		case '>':
			svg_puts(b, "&gt;");
			return;
		case '"':
			svg_puts(b, "&quot;");
			return;
		case '\'':
			svg_puts(b, "&#39;");
			return;
		case '\t':
		case '\n':
		case '\r':
			/* labels are one line */
			PutBytes(b, " ", 1);
			return;
	}
	if (c < 0x20 || c == 0xFFFE || c == 0xFFFF)
		c = REPLACEMENT;		/* not allowed in XML 1.0, even as a reference */
	if (c < 0x7F)
	{
		ch = (char) c;
		PutBytes(b, &ch, 1);
	}
	else
		svg_printf(b, "&#x%X;", (unsigned) c);
}

void
svg_escape_max(SvgBuf *b, const char *s, int max_chars)
{
	const unsigned char *p = (const unsigned char *) s;
	int			total = max_chars > 0 ? svg_text_chars(s) : 0;
	int			keep = max_chars > 0 && total > max_chars ? max_chars - 1 : -1;

	for (int i = 0; *p; i++)
	{
		int			len;
		uint32_t	c;

		if (keep >= 0 && i == keep)
		{
			PutChar(b, 0x2026);	/* ... */
			return;
		}
		c = DecodeUtf8(p, &len);
		PutChar(b, c);
		p += len;
	}
}

void
svg_escape(SvgBuf *b, const char *s)
{
	svg_escape_max(b, s, 0);
}

int
svg_text_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	int			n = 0;

	while (*p)
	{
		int			len;

		(void) DecodeUtf8(p, &len);
		p += len;
		n++;
	}
	return n;
}

/* Width of one character in ems, roughly as DejaVu Sans draws it. */
static double
CharEms(uint32_t c)
{
	if (c >= '0' && c <= '9')
		return 0.64;
	if (c >= 'A' && c <= 'Z')
		return c == 'I' ? 0.3 : (c == 'M' || c == 'W') ? 0.86 : 0.7;
	if (c == 'm' || c == 'w')
		return 0.9;
	if (c == 'i' || c == 'j' || c == 'l' || c == 't' || c == 'f' || c == 'r')
		return 0.35;
	if (c >= 'a' && c <= 'z')
		return 0.6;
	if (c == ' ' || c == '.' || c == ',' || c == ':' || c == ';' || c == '\'' || c == '|')
		return 0.32;
	if (c < 0x80)
		return 0.55;
	/* wide scripts (CJK) take a whole em; other letters are taken as capitals */
	return c >= 0x2E80 ? 1.0 : 0.72;
}

double
svg_text_width(const char *s, double font_size)
{
	const unsigned char *p = (const unsigned char *) s;
	double		ems = 0;

	while (*p)
	{
		int			len;

		ems += CharEms(DecodeUtf8(p, &len));
		p += len;
	}
	return ems * font_size;
}

int
svg_chars_fitting(const char *s, double width, double font_size)
{
	const unsigned char *p = (const unsigned char *) s;
	double		used = 0;
	int			n = 0;

	while (*p)
	{
		int			len;
		double		w = CharEms(DecodeUtf8(p, &len)) * font_size;

		if (used + w > width + 0.01)
			break;
		used += w;
		p += len;
		n++;
	}
	return n > 0 ? n : 1;
}

/* ---- numbers ------------------------------------------------------- */

void
svg_coord(SvgBuf *b, double v)
{
	char		buf[64];
	char	   *dot;

	if (!isfinite(v))
		v = 0;
	snprintf(buf, sizeof(buf), "%.1f", v);
	dot = strchr(buf, '.');
	if (dot != NULL && dot[1] == '0')
		*dot = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	svg_puts(b, buf);
}

/* Inserts thousands separators into the integer part of a plain decimal. */
static void
GroupThousands(char *s, size_t size)
{
	char		out[96];
	char	   *digits = s + (s[0] == '-' ? 1 : 0);
	size_t		int_len = strcspn(digits, ".e");
	size_t		o = 0;

	if (int_len <= 4 || strlen(s) + int_len / 3 + 1 > sizeof(out) || strlen(s) + int_len / 3 >= size)
		return;
	if (s[0] == '-')
		out[o++] = '-';
	for (size_t i = 0; i < int_len; i++)
	{
		if (i > 0 && (int_len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	strcpy(out + o, digits + int_len);
	strcpy(s, out);
}

void
svg_format_value(char *out, size_t size, double v, int digits)
{
	double		mag;
	int			decimals;

	if (isnan(v))
	{
		snprintf(out, size, "n/a");
		return;
	}
	if (isinf(v))
	{
		snprintf(out, size, v > 0 ? "inf" : "-inf");
		return;
	}
	mag = fabs(v);
	if (mag != 0 && (mag >= 1e15 || mag < 1e-4))
	{
		snprintf(out, size, "%.*g", digits, v);
		return;
	}
	/* digits significant, but never fewer than the integer part */
	decimals = mag == 0 ? 0 : digits - 1 - (int) floor(log10(mag));
	if (decimals < 0)
		decimals = 0;
	if (decimals > 12)
		decimals = 12;
	snprintf(out, size, "%.*f", decimals, v);
	/* trailing zeros of the fraction say nothing */
	if (strchr(out, '.') != NULL)
	{
		size_t		n = strlen(out);

		while (n > 0 && out[n - 1] == '0')
			out[--n] = '\0';
		if (n > 0 && out[n - 1] == '.')
			out[--n] = '\0';
	}
	if (strcmp(out, "-0") == 0)
		snprintf(out, size, "0");
	GroupThousands(out, size);
}

/* ---- ticks --------------------------------------------------------- */

#define lengthof_multiples(a) (sizeof(a) / sizeof((a)[0]))

/* Decimals that show every multiple of step exactly (at most 10). */
static int
DecimalsFor(double step)
{
	for (int d = 0; d < 10; d++)
	{
		double		scaled = step * pow(10, d);

		if (fabs(scaled - rint(scaled)) < 1e-6 * scaled)
			return d;
	}
	return 10;
}

/* Fills the labels' scale, suffix and decimals from the ticks. */
static void
LabelStyle(SvgTicks *t)
{
	double		top = fmax(fabs(t->lo), fabs(t->hi));

	t->scale = 1;
	t->suffix = "";
	t->exponent = top >= 1e15 || (top > 0 && top < 1e-4) || t->step < 1e-9 * top;
	if (t->exponent)
		return;
	if (top >= 1e9)
		t->scale = 1e9, t->suffix = "G";
	else if (top >= 1e6)
		t->scale = 1e6, t->suffix = "M";
	else if (top >= 1e4)
		t->scale = 1e3, t->suffix = "k";
	t->decimals = DecimalsFor(t->step / t->scale);
}

static void
FillTicks(SvgTicks *t, double lo, double step, double hi)
{
	t->step = step;
	t->lo = lo;
	t->n = 0;
	for (int i = 0; i < SVG_MAX_TICKS; i++)
	{
		double		v = lo + i * step;

		if (v > hi + step * 1e-6)
			break;
		/* -0 and rounding noise ("0.30000000000000004") off */
		if (fabs(v) < step * 1e-9)
			v = 0;
		t->v[t->n++] = v;
	}
	t->hi = t->v[t->n - 1];
	LabelStyle(t);
}

void
svg_nice_ticks(double lo, double hi, int max_ticks, SvgTicks *out)
{
	/* steps of 1, 2 or 5 times a power of ten, the finest that fits */
	static const double multiples[] = {1, 2, 5, 10, 20, 50, 100};
	double		raw;
	double		magnitude;
	double		step = 0;
	double		first = 0;
	double		last = 0;

	memset(out, 0, sizeof(*out));
	if (!isfinite(lo) || !isfinite(hi))
		lo = 0, hi = 1;
	if (lo > hi)
	{
		double		tmp = lo;

		lo = hi;
		hi = tmp;
	}
	if (hi - lo <= fabs(hi) * 1e-12 || hi == lo)
	{
		/* one value: a range around it */
		double		pad = lo == 0 ? 1 : fabs(lo) * 0.1;

		lo -= pad;
		hi += pad;
	}
	/* a range across zero may need three ticks whatever the step */
	if (max_ticks < 3)
		max_ticks = 3;
	if (max_ticks > SVG_MAX_TICKS)
		max_ticks = SVG_MAX_TICKS;
	raw = (hi - lo) / (max_ticks - 1);
	magnitude = pow(10, floor(log10(raw)));
	for (int i = 0; i < (int) lengthof_multiples(multiples); i++)
	{
		step = multiples[i] * magnitude;
		first = floor(lo / step) * step;
		last = ceil(hi / step) * step;
		if ((last - first) / step + 1 <= max_ticks + 0.5)
			break;
	}
	FillTicks(out, first, step, last);
}

void
svg_integer_ticks(double lo, double hi, int max_ticks, SvgTicks *out)
{
	svg_nice_ticks(lo, hi, max_ticks, out);
	if (out->step < 1)
	{
		double		first = floor(lo);
		double		last = ceil(hi);

		if (last <= first)
			last = first + 1;
		FillTicks(out, first, 1, last);
		if (out->n < (int) (last - first) + 1)
			svg_nice_ticks(lo, hi, max_ticks, out);
	}
}

void
svg_tick_label(const SvgTicks *t, double v, char *out, size_t size)
{
	if (t->exponent)
	{
		snprintf(out, size, "%.3g", v);
		return;
	}
	if (v == 0)
	{
		/* "0", not "0k" or "0.00" */
		snprintf(out, size, "%.*f", t->scale == 1 ? t->decimals : 0, 0.0);
		return;
	}
	snprintf(out, size, "%.*f%s", t->decimals, v / t->scale, t->suffix);
	if (t->scale == 1)
		GroupThousands(out, size);
}

/* ---- colours ------------------------------------------------------- */

/* Okabe-Ito, the darker hues first (yellow reads worst on white) */
static const char *const okabe_ito[SVG_N_CATEGORY_COLOURS] = {
	"#0072B2",					/* blue */
	"#E69F00",					/* orange */
	"#009E73",					/* bluish green */
	"#D55E00",					/* vermillion */
	"#CC79A7",					/* reddish purple */
	"#56B4E9",					/* sky blue */
	"#000000",					/* black */
	"#F0E442"					/* yellow */
};

const char *
svg_category_colour(int i)
{
	if (i < 0)
		i = -i;
	return okabe_ito[i % SVG_N_CATEGORY_COLOURS];
}

/* viridis sampled at t = 0, 1/8, ..., 1 (matplotlib's table) */
static const unsigned char viridis[9][3] = {
	{0x44, 0x01, 0x54}, {0x47, 0x2d, 0x7b}, {0x3b, 0x52, 0x8b},
	{0x2c, 0x72, 0x8e}, {0x21, 0x91, 0x8c}, {0x28, 0xae, 0x80},
	{0x5e, 0xc9, 0x62}, {0xad, 0xdc, 0x30}, {0xfd, 0xe7, 0x25}
};

void
svg_viridis(double t, char out[8])
{
	double		pos;
	int			i;
	double		f;
	int			rgb[3];

	if (!(t >= 0))
		t = 0;
	if (t > 1)
		t = 1;
	pos = t * 8;
	i = (int) floor(pos);
	if (i >= 8)
		i = 7;
	f = pos - i;
	for (int c = 0; c < 3; c++)
		rgb[c] = (int) lrint(viridis[i][c] + f * (viridis[i + 1][c] - viridis[i][c]));
	snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* Relative luminance of an sRGB channel (WCAG 2). */
static double
Linear(int c)
{
	double		v = c / 255.0;

	return v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

const char *
svg_text_colour_on(const char *fill)
{
	unsigned int r = 0,
				g = 0,
				bl = 0;
	double		lum;

	if (fill == NULL || sscanf(fill, "#%02x%02x%02x", &r, &g, &bl) != 3)
		return "#000000";
	lum = 0.2126 * Linear((int) r) + 0.7152 * Linear((int) g) + 0.0722 * Linear((int) bl);
	/* the larger WCAG contrast ratio against black (0) or white (1) */
	return (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) ? "#000000" : "#ffffff";
}

/* ---- primitives ---------------------------------------------------- */

void
svg_begin(SvgBuf *b, double width, double height, const char *title, const char *desc)
{
	svg_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
	svg_coord(b, width);
	svg_puts(b, "\" height=\"");
	svg_coord(b, height);
	svg_puts(b, "\" viewBox=\"0 0 ");
	svg_coord(b, width);
	svg_puts(b, " ");
	svg_coord(b, height);
	svg_puts(b, "\" role=\"img\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" "
			 "font-size=\"12\">\n<title>");
	svg_escape(b, title != NULL ? title : "");
	svg_puts(b, "</title>\n");
	if (desc != NULL)
	{
		svg_puts(b, "<desc>");
		svg_escape(b, desc);
		svg_puts(b, "</desc>\n");
	}
	svg_puts(b, "<rect x=\"0\" y=\"0\" width=\"");
	svg_coord(b, width);
	svg_puts(b, "\" height=\"");
	svg_coord(b, height);
	svg_puts(b, "\" fill=\"#ffffff\"/>\n");
}

void
svg_end(SvgBuf *b)
{
	svg_puts(b, "</svg>\n");
}

void
svg_text(SvgBuf *b, double x, double y, SvgAnchor anchor, double size, int style,
		 const char *fill, double rotate, const char *text, int max_chars)
{
	static const char *const anchors[] = {"start", "middle", "end"};

	svg_puts(b, "<text x=\"");
	svg_coord(b, x);
	svg_puts(b, "\" y=\"");
	svg_coord(b, y);
	svg_printf(b, "\" text-anchor=\"%s\"", anchors[anchor]);
	if (size != 12)
	{
		svg_puts(b, " font-size=\"");
		svg_coord(b, size);
		svg_puts(b, "\"");
	}
	if (style & SVG_BOLD)
		svg_puts(b, " font-weight=\"bold\"");
	if (style & SVG_HALO)
		svg_puts(b, " stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"");
	if (fill != NULL)
		svg_printf(b, " fill=\"%s\"", fill);
	if (rotate != 0)
	{
		svg_puts(b, " transform=\"rotate(");
		svg_coord(b, rotate);
		svg_puts(b, " ");
		svg_coord(b, x);
		svg_puts(b, " ");
		svg_coord(b, y);
		svg_puts(b, ")\"");
	}
	svg_puts(b, ">");
	svg_escape_max(b, text, max_chars);
	if (max_chars > 0 && svg_text_chars(text) > max_chars)
	{
		/* the whole text as a tooltip */
		svg_puts(b, "<title>");
		svg_escape(b, text);
		svg_puts(b, "</title>");
	}
	svg_puts(b, "</text>\n");
}

void
svg_line(SvgBuf *b, double x1, double y1, double x2, double y2, const char *stroke,
		 double width, const char *dash)
{
	svg_puts(b, "<line x1=\"");
	svg_coord(b, x1);
	svg_puts(b, "\" y1=\"");
	svg_coord(b, y1);
	svg_puts(b, "\" x2=\"");
	svg_coord(b, x2);
	svg_puts(b, "\" y2=\"");
	svg_coord(b, y2);
	svg_printf(b, "\" stroke=\"%s\" stroke-width=\"", stroke);
	svg_coord(b, width);
	svg_puts(b, "\"");
	if (dash != NULL)
		svg_printf(b, " stroke-dasharray=\"%s\"", dash);
	svg_puts(b, "/>\n");
}

void
svg_rect(SvgBuf *b, double x, double y, double w, double h, const char *fill,
		 const char *stroke, const char *tooltip)
{
	if (w < 0)
		x += w, w = -w;
	if (h < 0)
		y += h, h = -h;
	svg_puts(b, "<rect x=\"");
	svg_coord(b, x);
	svg_puts(b, "\" y=\"");
	svg_coord(b, y);
	svg_puts(b, "\" width=\"");
	svg_coord(b, w);
	svg_puts(b, "\" height=\"");
	svg_coord(b, h);
	svg_printf(b, "\" fill=\"%s\"", fill != NULL ? fill : "none");
	if (stroke != NULL)
		svg_printf(b, " stroke=\"%s\"", stroke);
	if (tooltip != NULL)
	{
		svg_puts(b, "><title>");
		svg_escape(b, tooltip);
		svg_puts(b, "</title></rect>\n");
	}
	else
		svg_puts(b, "/>\n");
}

void
svg_marker(SvgBuf *b, SvgShape shape, double cx, double cy, double r, const char *fill,
		   const char *stroke, double opacity)
{
	switch (shape)
	{
		case SVG_SQUARE:
			svg_puts(b, "<rect x=\"");
			svg_coord(b, cx - r * 0.9);
			svg_puts(b, "\" y=\"");
			svg_coord(b, cy - r * 0.9);
			svg_puts(b, "\" width=\"");
			svg_coord(b, r * 1.8);
			svg_puts(b, "\" height=\"");
			svg_coord(b, r * 1.8);
			svg_puts(b, "\"");
			break;
		case SVG_TRIANGLE:
		case SVG_DIAMOND:
			svg_puts(b, "<path d=\"M");
			if (shape == SVG_TRIANGLE)
			{
				svg_coord(b, cx);
				svg_puts(b, " ");
				svg_coord(b, cy - r * 1.2);
				svg_puts(b, "L");
				svg_coord(b, cx + r * 1.1);
				svg_puts(b, " ");
				svg_coord(b, cy + r * 0.8);
				svg_puts(b, "L");
				svg_coord(b, cx - r * 1.1);
				svg_puts(b, " ");
				svg_coord(b, cy + r * 0.8);
			}
			else
			{
				svg_coord(b, cx);
				svg_puts(b, " ");
				svg_coord(b, cy - r * 1.3);
				svg_puts(b, "L");
				svg_coord(b, cx + r * 1.1);
				svg_puts(b, " ");
				svg_coord(b, cy);
				svg_puts(b, "L");
				svg_coord(b, cx);
				svg_puts(b, " ");
				svg_coord(b, cy + r * 1.3);
				svg_puts(b, "L");
				svg_coord(b, cx - r * 1.1);
				svg_puts(b, " ");
				svg_coord(b, cy);
			}
			svg_puts(b, "Z\"");
			break;
		default:
			svg_puts(b, "<circle cx=\"");
			svg_coord(b, cx);
			svg_puts(b, "\" cy=\"");
			svg_coord(b, cy);
			svg_puts(b, "\" r=\"");
			svg_coord(b, r);
			svg_puts(b, "\"");
			break;
	}
	svg_printf(b, " fill=\"%s\"", fill != NULL ? fill : "none");
	if (stroke != NULL)
		svg_printf(b, " stroke=\"%s\"", stroke);
	if (opacity < 1)
		svg_printf(b, " fill-opacity=\"%.2f\"", opacity);
	svg_puts(b, "/>\n");
}

void
svg_polyline(SvgBuf *b, const double *xs, const double *ys, int n, const char *stroke,
			 double width, const char *dash)
{
	bool		open = false;

	for (int i = 0; i < n; i++)
	{
		if (!isfinite(xs[i]) || !isfinite(ys[i]))
		{
			if (open)
				svg_puts(b, "\"/>\n");
			open = false;
			continue;
		}
		if (!open)
		{
			svg_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"", stroke);
			svg_coord(b, width);
			svg_puts(b, "\" stroke-linejoin=\"round\"");
			if (dash != NULL)
				svg_printf(b, " stroke-dasharray=\"%s\"", dash);
			svg_puts(b, " points=\"");
			open = true;
		}
		else
			svg_puts(b, " ");
		svg_coord(b, xs[i]);
		svg_puts(b, ",");
		svg_coord(b, ys[i]);
	}
	if (open)
		svg_puts(b, "\"/>\n");
}
