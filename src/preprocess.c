/*-------------------------------------------------------------------------
 *
 * preprocess.c
 *	  Fitting, applying and (de)serialising the preprocessor.
 *
 * IDENTIFICATION
 *	  src/preprocess.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "preprocess.h"
#include "scaler.h"

/* PostgreSQL's own limit on a table's columns bounds a sane model. */
#define PREP_MAX_COLUMNS 1600

static char *
CopyString(const char *s)
{
	size_t		n = strlen(s);
	char	   *copy = seg_alloc(n + 1);

	if (copy != NULL)
		memcpy(copy, s, n + 1);
	return copy;
}

/* Sets out_offset / n_outputs of every column and the total width. */
static void
LayOutOutputs(SegPreprocessor *p)
{
	int			offset = 0;

	for (int j = 0; j < p->n_columns; j++)
	{
		SegPrepColumn *c = &p->columns[j];

		c->out_offset = offset;
		c->n_outputs = c->kind == SEG_COL_CATEGORICAL ?
			c->n_categories + (c->has_missing ? 1 : 0) : 1;
		offset += c->n_outputs;
	}
	p->n_outputs = offset;
}

/*
 * Mean of the non-NULL values and population std after mean imputation,
 * for every numeric column in one pass over the rows (the frame is
 * row-major: a pass per column would stride across all of it).
 */
static SegStatus
FitNumericColumns(const SegFrame *f, const int *rows, int n_rows, SegPreprocessor *p)
{
	/* one stats_accum state with d = 1 per column */
	const size_t width = STATS_LEN(1);
	double	   *state = seg_alloc0(sizeof(double) * width * (size_t) f->n_cols);

	if (state == NULL)
		return SEG_ERR_NOMEM;
	for (int i = 0; i < n_rows; i++)
	{
		const double *row = &FRAME_CELL(f, rows ? rows[i] : i, 0);

		for (int j = 0; j < f->n_cols; j++)
			if (p->columns[j].kind != SEG_COL_CATEGORICAL && !SEG_IS_MISSING(row[j]))
				stats_accum_one(state + width * j, row[j]);
	}
	for (int j = 0; j < f->n_cols; j++)
	{
		SegPrepColumn *c = &p->columns[j];
		const double *st = state + width * j;
		double		var;

		if (c->kind == SEG_COL_CATEGORICAL)
			continue;
		/* an all-NULL column encodes as 0 */
		c->mean = 0.0;
		c->scale = 1.0;
		/* imputed cells sit at the mean: they add rows but no squared deviation */
		if (st[0] > 0.0)
			stats_feature(st, 1, 0, (double) n_rows, &c->mean, &var, &c->scale);
	}
	seg_free(state);
	return SEG_OK;
}

static SegStatus
FitCategorical(const SegFrame *f, const int *rows, int n_rows, int j, SegPrepColumn *c)
{
	const SegColumn *src = &f->columns[j];
	int		   *counts = seg_alloc0(sizeof(int) * (size_t) (src->n_categories + 1));
	int			kept = 0;

	if (counts == NULL)
		return SEG_ERR_NOMEM;
	for (int i = 0; i < n_rows; i++)
	{
		double		v = FRAME_CELL(f, rows ? rows[i] : i, j);

		if (SEG_IS_MISSING(v))
			c->has_missing = true;
		else
			counts[(int) v]++;
	}
	c->categories = seg_alloc0(sizeof(char *) * (size_t) (src->n_categories + 1));
	if (c->categories == NULL)
	{
		seg_free(counts);
		return SEG_ERR_NOMEM;
	}
	/* the frame's vocabulary is sorted, so the kept subset is too */
	for (int k = 0; k < src->n_categories; k++)
	{
		if (counts[k] == 0)
			continue;
		c->categories[kept] = CopyString(src->categories[k]);
		if (c->categories[kept] == NULL)
		{
			seg_free(counts);
			return SEG_ERR_NOMEM;
		}
		kept++;
	}
	c->n_categories = kept;
	seg_free(counts);
	return SEG_OK;
}

SegStatus
prep_fit(const SegFrame *frame, const int *rows, int n_rows,
		 SegPreprocessor **out, char *errmsg)
{
	SegPreprocessor *p;

	*out = NULL;
	if (frame->n_cols < 1 || frame->n_cols > PREP_MAX_COLUMNS)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "a preprocessor needs between 1 and %d columns, not %d",
				 PREP_MAX_COLUMNS, frame->n_cols);
		return SEG_ERR_INVALID;
	}
	p = seg_alloc0(sizeof(SegPreprocessor));
	if (p == NULL)
		goto nomem;
	p->n_columns = frame->n_cols;
	p->columns = seg_alloc0(sizeof(SegPrepColumn) * (size_t) frame->n_cols);
	if (p->columns == NULL)
		goto nomem;
	for (int j = 0; j < frame->n_cols; j++)
	{
		const SegColumn *src = &frame->columns[j];
		SegPrepColumn *c = &p->columns[j];

		c->name = CopyString(src->name);
		if (c->name == NULL)
			goto nomem;
		c->kind = src->kind;
		c->is_integer = src->is_integer;
		if (src->kind == SEG_COL_CATEGORICAL &&
			FitCategorical(frame, rows, n_rows, j, c) != SEG_OK)
			goto nomem;
	}
	if (FitNumericColumns(frame, rows, n_rows, p) != SEG_OK)
		goto nomem;
	LayOutOutputs(p);
	*out = p;
	return SEG_OK;

nomem:
	prep_free(p);
	snprintf(errmsg, SEG_ERRMSG_LEN, "out of memory");
	return SEG_ERR_NOMEM;
}

int
prep_category_index(const SegPrepColumn *c, const char *value, size_t len)
{
	int			lo = 0;
	int			hi = c->n_categories - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		const char *cat = c->categories[mid];
		size_t		cat_len = strlen(cat);
		int			cmp = memcmp(cat, value, cat_len < len ? cat_len : len);

		if (cmp == 0)
			cmp = (cat_len > len) - (cat_len < len);
		if (cmp == 0)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

void
prep_encode_row(const SegPreprocessor *p, const double *raw, double *out)
{
	for (int j = 0; j < p->n_columns; j++)
	{
		const SegPrepColumn *c = &p->columns[j];
		double	   *o = out + c->out_offset;
		double		v = raw[j];

		if (c->kind != SEG_COL_CATEGORICAL)
		{
			o[0] = SEG_IS_MISSING(v) ? 0.0 : standardise(v, c->mean, c->scale);
			continue;
		}
		memset(o, 0, sizeof(double) * (size_t) c->n_outputs);
		if (SEG_IS_MISSING(v))
		{
			if (c->has_missing)
				o[c->n_categories] = 1.0;
		}
		else if (v >= 0.0 && v < c->n_categories)
			o[(int) v] = 1.0;
	}
}

SegStatus
prep_transform_frame(const SegPreprocessor *p, const SegFrame *frame,
					 const int *rows, int n_rows, double *out, char *errmsg)
{
	return prep_transform_frame_as(p, frame, rows, n_rows, SEG_INPUT_ENCODED, out, errmsg);
}

int
prep_width(const SegPreprocessor *p, SegInputForm form)
{
	return form == SEG_INPUT_RAW ? p->n_columns : p->n_outputs;
}

void
prep_row_as(const SegPreprocessor *p, const double *raw, SegInputForm form, double *out)
{
	if (form == SEG_INPUT_ENCODED)
	{
		prep_encode_row(p, raw, out);
		return;
	}
	for (int j = 0; j < p->n_columns; j++)
		out[j] = raw[j] == PREP_UNSEEN && p->columns[j].kind == SEG_COL_CATEGORICAL ?
			NAN : raw[j];
}

SegStatus
prep_transform_frame_as(const SegPreprocessor *p, const SegFrame *frame, const int *rows,
						int n_rows, SegInputForm form, double *out, char *errmsg)
{
	int			width = prep_width(p, form);

	int		  **remap;
	double	   *raw;
	SegStatus	status = SEG_OK;

	if (frame->n_cols != p->n_columns)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "expected %d columns, not %d",
				 p->n_columns, frame->n_cols);
		return SEG_ERR_INVALID;
	}
	remap = seg_alloc0(sizeof(int *) * (size_t) p->n_columns);
	raw = seg_alloc(sizeof(double) * (size_t) p->n_columns);
	if (remap == NULL || raw == NULL)
	{
		status = SEG_ERR_NOMEM;
		goto done;
	}
	/* frame vocabulary index -> preprocessor vocabulary index */
	for (int j = 0; j < p->n_columns; j++)
	{
		const SegColumn *fc = &frame->columns[j];

		if (p->columns[j].kind != SEG_COL_CATEGORICAL)
		{
			/* category codes are not values */
			if (fc->kind == SEG_COL_CATEGORICAL)
			{
				snprintf(errmsg, SEG_ERRMSG_LEN, "column \"%s\" is categorical, but the model expects a numeric or boolean column",
						 fc->name);
				status = SEG_ERR_INVALID;
				goto done;
			}
			continue;
		}
		if (fc->kind != SEG_COL_CATEGORICAL)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN, "column \"%s\" is not categorical", fc->name);
			status = SEG_ERR_INVALID;
			goto done;
		}
		remap[j] = seg_alloc(sizeof(int) * (size_t) (fc->n_categories + 1));
		if (remap[j] == NULL)
		{
			status = SEG_ERR_NOMEM;
			goto done;
		}
		for (int k = 0; k < fc->n_categories; k++)
			remap[j][k] = prep_category_index(&p->columns[j], fc->categories[k],
											  strlen(fc->categories[k]));
	}
	for (int i = 0; i < n_rows; i++)
	{
		int			r = rows ? rows[i] : i;

		for (int j = 0; j < p->n_columns; j++)
		{
			double		v = FRAME_CELL(frame, r, j);

			raw[j] = (remap[j] != NULL && !SEG_IS_MISSING(v)) ? remap[j][(int) v] : v;
		}
		prep_row_as(p, raw, form, out + (size_t) i * width);
	}

done:
	if (status == SEG_ERR_NOMEM)
		snprintf(errmsg, SEG_ERRMSG_LEN, "out of memory");
	if (remap != NULL)
		for (int j = 0; j < p->n_columns; j++)
			seg_free(remap[j]);
	seg_free(remap);
	seg_free(raw);
	return status;
}

double
prep_output_original(const SegPreprocessor *p, int j, double v)
{
	if (p == NULL)
		return v;
	for (int c = 0; c < p->n_columns; c++)
	{
		const SegPrepColumn *col = &p->columns[c];

		if (j >= col->out_offset && j < col->out_offset + col->n_outputs)
			return col->kind == SEG_COL_CATEGORICAL ? v : v * col->scale + col->mean;
	}
	return v;
}

char *
prep_output_name(const SegPreprocessor *p, int j, char *buf, size_t buflen)
{
	buf[0] = '\0';
	for (int c = 0; c < p->n_columns; c++)
	{
		const SegPrepColumn *col = &p->columns[c];
		int			k = j - col->out_offset;

		if (k < 0 || k >= col->n_outputs)
			continue;
		if (col->kind != SEG_COL_CATEGORICAL)
			snprintf(buf, buflen, "%s", col->name);
		else if (k < col->n_categories)
			snprintf(buf, buflen, "%s=%s", col->name, col->categories[k]);
		else
			snprintf(buf, buflen, "%s=NULL", col->name);
		break;
	}
	return buf;
}

void
prep_free(SegPreprocessor *p)
{
	if (p == NULL)
		return;
	if (p->columns != NULL)
	{
		for (int j = 0; j < p->n_columns; j++)
		{
			SegPrepColumn *c = &p->columns[j];

			seg_free(c->name);
			if (c->categories != NULL)
				for (int k = 0; k < c->n_categories; k++)
					seg_free(c->categories[k]);
			seg_free(c->categories);
		}
		seg_free(p->columns);
	}
	seg_free(p);
}

/*
 * Payload section: u32 n_columns, then per column:
 *	string name, u8 kind, u8 is_integer, u8 has_missing, u8 reserved (0),
 *	numeric/boolean: f64 mean, f64 scale
 *	categorical: u32 n_categories, string categories[n] (sorted, distinct)
 */
void
prep_write(SegWriter *w, const SegPreprocessor *p)
{
	writer_put_u32(w, (uint32_t) p->n_columns);
	for (int j = 0; j < p->n_columns; j++)
	{
		const SegPrepColumn *c = &p->columns[j];

		writer_put_string(w, c->name);
		writer_put_u8(w, (uint8_t) c->kind);
		writer_put_u8(w, c->is_integer ? 1 : 0);
		writer_put_u8(w, c->has_missing ? 1 : 0);
		writer_put_u8(w, 0);
		if (c->kind == SEG_COL_CATEGORICAL)
		{
			writer_put_u32(w, (uint32_t) c->n_categories);
			for (int k = 0; k < c->n_categories; k++)
				writer_put_string(w, c->categories[k]);
		}
		else
		{
			writer_put_f64(w, c->mean);
			writer_put_f64(w, c->scale);
		}
	}
}

static bool
ReadColumn(SegReader *r, SegPrepColumn *c)
{
	uint8_t		kind;
	uint8_t		reserved;

	c->name = reader_get_string(r);
	kind = reader_get_u8(r);
	c->is_integer = reader_get_u8(r) != 0;
	c->has_missing = reader_get_u8(r) != 0;
	reserved = reader_get_u8(r);
	if (r->failed || c->name == NULL || reserved != 0 || kind > SEG_COL_CATEGORICAL)
		return false;
	c->kind = (SegColumnKind) kind;
	if (c->kind != SEG_COL_CATEGORICAL)
	{
		c->mean = reader_get_f64(r);
		c->scale = reader_get_f64(r);
		return !r->failed && isfinite(c->mean) && isfinite(c->scale) && c->scale > 0.0 &&
			!c->has_missing;
	}
	else
	{
		uint32_t	n = reader_get_u32(r);

		/* every category takes at least its 4-byte length */
		if (r->failed || n > reader_remaining(r) / 4)
			return false;
		c->categories = seg_alloc0(sizeof(char *) * ((size_t) n + 1));
		if (c->categories == NULL)
			return false;
		for (uint32_t k = 0; k < n; k++)
		{
			c->categories[k] = reader_get_string(r);
			if (c->categories[k] == NULL)
				return false;
			c->n_categories = (int) k + 1;
			/* binary search needs strictly increasing categories */
			if (k > 0 && strcmp(c->categories[k - 1], c->categories[k]) >= 0)
				return false;
		}
		return true;
	}
}

SegStatus
prep_read(SegReader *r, SegPreprocessor **out, char *errmsg)
{
	uint32_t	n = reader_get_u32(r);
	SegPreprocessor *p;

	*out = NULL;
	if (r->failed || n < 1 || n > PREP_MAX_COLUMNS || n > reader_remaining(r) / 8)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "preprocessor section is truncated or has an invalid column count");
		return SEG_ERR_CORRUPT;
	}
	p = seg_alloc0(sizeof(SegPreprocessor));
	if (p == NULL || (p->columns = seg_alloc0(sizeof(SegPrepColumn) * n)) == NULL)
	{
		seg_free(p);
		snprintf(errmsg, SEG_ERRMSG_LEN, "out of memory");
		return SEG_ERR_NOMEM;
	}
	p->n_columns = (int) n;
	for (uint32_t j = 0; j < n; j++)
	{
		if (!ReadColumn(r, &p->columns[j]))
		{
			prep_free(p);
			snprintf(errmsg, SEG_ERRMSG_LEN, "preprocessor column %u is truncated or invalid", j + 1);
			return SEG_ERR_CORRUPT;
		}
	}
	LayOutOutputs(p);
	*out = p;
	return SEG_OK;
}
