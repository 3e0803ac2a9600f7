/*-------------------------------------------------------------------------
 *
 * smote.c
 *	  SMOTE and SMOTE-NC oversampling (imbalanced-learn 0.10 semantics).
 *
 * IDENTIFICATION
 *	  src/smote.c
 *
 *-------------------------------------------------------------------------
 */
#include "smote.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"
#include "rng.h"

/* first class with the largest / smallest count, as Python's max()/min() */
static int
majority_class(const int *counts, int n_classes)
{
	int			best = 0;

	for (int c = 1; c < n_classes; c++)
		if (counts[c] > counts[best])
			best = c;
	return best;
}

static int
minority_class(const int *counts, int n_classes)
{
	int			best = 0;

	for (int c = 1; c < n_classes; c++)
		if (counts[c] < counts[best])
			best = c;
	return best;
}

void
smote_targets_by_strategy(SmoteStrategy strategy, const int *class_counts,
						  int n_classes, int *n_new)
{
	int			majority = majority_class(class_counts, n_classes);
	int			minority = minority_class(class_counts, n_classes);
	int			top = class_counts[majority];

	for (int c = 0; c < n_classes; c++)
	{
		bool		selected;

		switch (strategy)
		{
			case SMOTE_MINORITY:
				selected = (c == minority);
				break;
			case SMOTE_NOT_MINORITY:
				selected = (c != minority);
				break;
			case SMOTE_ALL:
				selected = true;
				break;
			case SMOTE_NOT_MAJORITY:
			default:
				selected = (c != majority);
				break;
		}
		n_new[c] = selected ? top - class_counts[c] : 0;
	}
}

SegStatus
smote_targets_by_ratio(double ratio, const int *class_counts, int n_classes,
					   int *n_new, char *errmsg)
{
	int			majority;

	if (n_classes != 2)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "a numeric sampling_strategy needs exactly two classes, found %d", n_classes);
		return SEG_ERR_INVALID;
	}
	if (!(ratio > 0.0 && ratio <= 1.0))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN,
				 "a numeric sampling_strategy must be in (0, 1], got %g", ratio);
		return SEG_ERR_INVALID;
	}
	majority = majority_class(class_counts, n_classes);
	for (int c = 0; c < n_classes; c++)
	{
		/* Python's int() truncates toward zero */
		double		wanted = trunc(ratio * class_counts[majority] - class_counts[c]);

		n_new[c] = 0;
		if (c == majority)
			continue;
		if (wanted < 0)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN,
					 "sampling_strategy %g would remove rows from the minority class (%d rows, majority %d)",
					 ratio, class_counts[c], class_counts[majority]);
			return SEG_ERR_INVALID;
		}
		if (wanted == 0)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN,
					 "sampling_strategy %g would add no rows (minority %d rows, majority %d)",
					 ratio, class_counts[c], class_counts[majority]);
			return SEG_ERR_INVALID;
		}
		n_new[c] = (int) wanted;
	}
	return SEG_OK;
}

/* ---------------------------------------------------------------------
 * Resampling
 * ---------------------------------------------------------------------
 */

/* How the columns of a SmoteInput map to the distance space. */
typedef struct SmoteLayout
{
	int			n_cols;
	int			width;			/* columns of the distance space */
	int		   *offset;			/* per input column: first distance column */
	bool		nominal;		/* any categorical column (SMOTE-NC) */
	double		one_hot_value;	/* median_std / 2 */
	int			max_categories;
} SmoteLayout;

static bool
is_categorical(const SmoteInput *in, int j)
{
	return in->categorical != NULL && in->categorical[j];
}

/*
 * SMOTE-NC's categorical weight: the median of the continuous columns'
 * population standard deviations within the minority class.
 */
static double
median_minority_std(const SmoteInput *in, const int *class_counts)
{
	int			minority = minority_class(class_counts, in->n_classes);
	double	   *stds = seg_alloc(sizeof(double) * in->n_cols);
	int			n_cont = 0;
	double		median;

	for (int j = 0; j < in->n_cols; j++)
	{
		double		mean = 0.0;
		double		m2 = 0.0;
		int			count = 0;

		if (is_categorical(in, j))
			continue;
		for (int i = 0; i < in->n_rows; i++)
		{
			double		v;
			double		delta;

			if (in->labels[i] != minority)
				continue;
			v = in->x[(size_t) i * in->n_cols + j];
			count++;
			delta = v - mean;
			mean += delta / count;
			m2 += delta * (v - mean);
		}
		stds[n_cont++] = sqrt(m2 / count);
	}
	/* numpy's median: the mean of the two middle values for an even count */
	for (int a = 1; a < n_cont; a++)
		for (int b = a; b > 0 && stds[b - 1] > stds[b]; b--)
		{
			double		t = stds[b];

			stds[b] = stds[b - 1];
			stds[b - 1] = t;
		}
	median = (n_cont % 2 == 1) ? stds[n_cont / 2]
		: 0.5 * (stds[n_cont / 2 - 1] + stds[n_cont / 2]);
	seg_free(stds);
	return median;
}

static void
layout_init(const SmoteInput *in, const int *class_counts, SmoteLayout *layout)
{
	layout->n_cols = in->n_cols;
	layout->offset = seg_alloc(sizeof(int) * in->n_cols);
	layout->width = 0;
	layout->nominal = false;
	layout->max_categories = 0;
	for (int j = 0; j < in->n_cols; j++)
	{
		layout->offset[j] = layout->width;
		if (is_categorical(in, j))
		{
			layout->nominal = true;
			layout->width += in->n_categories[j];
			if (in->n_categories[j] > layout->max_categories)
				layout->max_categories = in->n_categories[j];
		}
		else
			layout->width += 1;
	}
	layout->one_hot_value = layout->nominal ? median_minority_std(in, class_counts) / 2.0 : 0.0;
}

/* The rows of one class in the distance space (one-hot for categories). */
static void
encode_class(const SmoteInput *in, const SmoteLayout *layout, const int *rows, int n_rows,
			 double *out)
{
	memset(out, 0, sizeof(double) * (size_t) n_rows * layout->width);
	for (int r = 0; r < n_rows; r++)
	{
		const double *src = in->x + (size_t) rows[r] * in->n_cols;
		double	   *dst = out + (size_t) r * layout->width;

		for (int j = 0; j < in->n_cols; j++)
		{
			if (is_categorical(in, j))
				dst[layout->offset[j] + (int) src[j]] = layout->one_hot_value;
			else
				dst[layout->offset[j]] = src[j];
		}
	}
}

/*
 * The most frequent code of categorical column j among the k neighbours,
 * ties broken uniformly at random among the tied codes in ascending
 * order (so that a seed decides a tie the same way).  counts has
 * max_categories zeros on entry and on exit; tied holds k ints.
 */
static double
neighbour_mode(const SmoteInput *in, int j, const int *rows, const int *nn, int k,
			   int *counts, int *tied, SegRng *rng)
{
	int			best = 0;
	int			n_tied = 0;
	int			winner;

	for (int m = 0; m < k; m++)
	{
		int			code = (int) in->x[(size_t) rows[nn[m]] * in->n_cols + j];

		if (++counts[code] > best)
			best = counts[code];
	}
	for (int m = 0; m < k; m++)
	{
		int			code = (int) in->x[(size_t) rows[nn[m]] * in->n_cols + j];
		int			pos = n_tied;

		if (counts[code] != best)
			continue;
		/* insert once, keeping tied[] ascending */
		while (pos > 0 && tied[pos - 1] > code)
			pos--;
		if (pos > 0 && tied[pos - 1] == code)
			continue;
		memmove(tied + pos + 1, tied + pos, sizeof(int) * (n_tied - pos));
		tied[pos] = code;
		n_tied++;
	}
	winner = (n_tied > 1) ? tied[rng_below(rng, (uint64_t) n_tied)] : tied[0];
	for (int m = 0; m < k; m++)
		counts[(int) in->x[(size_t) rows[nn[m]] * in->n_cols + j]] = 0;
	return (double) winner;
}

static void
generate_class(const SmoteInput *in, const int *rows, int n_rows, const int *nn, int k,
			   int n_new, int class_index, SegRng *rng, int *counts, int *tied,
			   double *out_x, int *out_labels, const SegHooks *hooks)
{
	int			d = in->n_cols;
	SegCountdown check;

	/* a row costs d, or k per categorical column: every 1,024 rows, or fewer */
	seg_countdown_init(&check, hooks, (size_t) d * (k + 1), 1024);
	for (int s = 0; s < n_new; s++)
	{
		uint64_t	pick = rng_below(rng, (uint64_t) n_rows * k);
		int			r = (int) (pick / k);
		int			partner = nn[(size_t) r * k + pick % k];
		double		step = rng_uniform(rng);
		const double *a = in->x + (size_t) rows[r] * d;
		const double *b = in->x + (size_t) rows[partner] * d;
		double	   *dst = out_x + (size_t) s * d;

		for (int j = 0; j < d; j++)
		{
			if (is_categorical(in, j))
				dst[j] = neighbour_mode(in, j, rows, nn + (size_t) r * k, k, counts, tied, rng);
			else
			{
				dst[j] = a[j] + step * (b[j] - a[j]);
				if (in->integer != NULL && in->integer[j])
					dst[j] = round(dst[j]);
			}
		}
		out_labels[s] = class_index;
		seg_countdown_tick(&check);
	}
}

SegStatus
smote_resample(const SmoteInput *in, const int *n_new, int k_neighbors, uint64_t seed,
			   size_t memory_limit, const SegHooks *hooks, SmoteOutput *out, char *errmsg)
{
	int		   *class_counts;
	SmoteLayout layout;
	SegRng		rng;
	size_t		total = 0;
	int		   *counts;
	int		   *tied;
	int		   *rows;
	SegStatus	status = SEG_OK;

	memset(out, 0, sizeof(*out));
	if (k_neighbors < 1)
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "k_neighbors must be at least 1, got %d", k_neighbors);
		return SEG_ERR_INVALID;
	}
	class_counts = seg_alloc0(sizeof(int) * in->n_classes);
	for (int i = 0; i < in->n_rows; i++)
	{
		if (in->labels[i] < 0 || in->labels[i] >= in->n_classes)
		{
			seg_free(class_counts);
			snprintf(errmsg, SEG_ERRMSG_LEN, "row %d has class %d, outside 0 .. %d",
					 i, in->labels[i], in->n_classes - 1);
			return SEG_ERR_INVALID;
		}
		class_counts[in->labels[i]]++;
	}
	for (int c = 0; c < in->n_classes; c++)
	{
		if (n_new[c] < 0)
		{
			seg_free(class_counts);
			snprintf(errmsg, SEG_ERRMSG_LEN, "cannot add %d rows to class %d", n_new[c], c);
			return SEG_ERR_INVALID;
		}
		if (n_new[c] > 0 && class_counts[c] < k_neighbors + 1)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN,
					 "class %d has %d rows, fewer than k_neighbors + 1 = %d",
					 c, class_counts[c], k_neighbors + 1);
			seg_free(class_counts);
			return SEG_ERR_INVALID;
		}
		total += (size_t) n_new[c];
	}
	if (total > (size_t) INT32_MAX / 2)
	{
		seg_free(class_counts);
		snprintf(errmsg, SEG_ERRMSG_LEN, "cannot add %zu rows", total);
		return SEG_ERR_INVALID;
	}

	if (in->categorical != NULL)
	{
		int			n_continuous = 0;

		for (int j = 0; j < in->n_cols; j++)
			n_continuous += !in->categorical[j];
		if (n_continuous == 0)
		{
			seg_free(class_counts);
			snprintf(errmsg, SEG_ERRMSG_LEN,
					 "SMOTE-NC needs at least one numeric feature besides the categorical ones");
			return SEG_ERR_INVALID;
		}
	}

	layout_init(in, class_counts, &layout);
	for (int c = 0; c < in->n_classes; c++)
	{
		size_t		needed;

		if (n_new[c] == 0)
			continue;
		needed = (size_t) class_counts[c] * (layout.width * sizeof(double) + sizeof(int) * (k_neighbors + 1)) +
			knn_self_memory(class_counts[c], layout.width, k_neighbors) +
			total * (in->n_cols * sizeof(double) + sizeof(int));
		if (memory_limit != 0 && needed > memory_limit)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN,
					 "adding %zu rows to a class of %d rows (%d distance columns) needs %zu kB of working memory",
					 total, class_counts[c], layout.width, (needed + 1023) / 1024);
			seg_free(layout.offset);
			seg_free(class_counts);
			return SEG_ERR_NOMEM;
		}
	}

	out->n_rows = (int) total;
	out->x = seg_alloc(sizeof(double) * (total > 0 ? total : 1) * in->n_cols);
	out->labels = seg_alloc(sizeof(int) * (total > 0 ? total : 1));
	counts = seg_alloc0(sizeof(int) * (layout.max_categories > 0 ? layout.max_categories : 1));
	tied = seg_alloc(sizeof(int) * k_neighbors);
	rows = seg_alloc(sizeof(int) * in->n_rows);
	rng_seed(&rng, seed);

	total = 0;
	for (int c = 0; c < in->n_classes && status == SEG_OK; c++)
	{
		int			n_rows = 0;
		double	   *encoded;
		int		   *nn;

		if (n_new[c] == 0)
			continue;
		for (int i = 0; i < in->n_rows; i++)
			if (in->labels[i] == c)
				rows[n_rows++] = i;
		encoded = seg_alloc(sizeof(double) * (size_t) n_rows * layout.width);
		nn = seg_alloc(sizeof(int) * (size_t) n_rows * k_neighbors);
		encode_class(in, &layout, rows, n_rows, encoded);
		status = knn_self(encoded, n_rows, layout.width, k_neighbors, 0, hooks, nn, errmsg);
		if (status == SEG_OK)
			generate_class(in, rows, n_rows, nn, k_neighbors, n_new[c], c, &rng, counts, tied,
						   out->x + total * in->n_cols, out->labels + total, hooks);
		total += (size_t) n_new[c];
		seg_free(nn);
		seg_free(encoded);
	}

	seg_free(rows);
	seg_free(counts);
	seg_free(tied);
	seg_free(layout.offset);
	seg_free(class_counts);
	if (status != SEG_OK)
		smote_output_free(out);
	return status;
}

void
smote_output_free(SmoteOutput *out)
{
	if (out->x != NULL)
		seg_free(out->x);
	if (out->labels != NULL)
		seg_free(out->labels);
	memset(out, 0, sizeof(*out));
}
