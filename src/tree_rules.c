/*-------------------------------------------------------------------------
 *
 * tree_rules.c
 *	  One tree as readable rules: for each leaf, the conditions on the way
 *	  to it, in SQL-like text ("monthly_charges > 70.35 AND tenure <= 14.5").
 *
 * The conditions on one input along a path are merged: numbers into one
 * interval (lo < x <= hi), categories into the set of codes that still
 * reach the leaf, with "OR x IS NULL" when NULL (and, for categories, a
 * value training never saw) follows the path too.  Numbers are printed in
 * the shortest form that reads back as the same double.
 *
 * IDENTIFICATION
 *	  src/tree_rules.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree_model.h"

typedef struct TextBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} TextBuf;

static void
Append(TextBuf *b, const char *s)
{
	size_t		n = strlen(s);

	if (b->len + n + 1 > b->cap)
	{
		size_t		cap = b->cap < 64 ? 64 : b->cap;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = seg_realloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n + 1);
	b->len += n;
}

static void
AppendChar(TextBuf *b, char c)
{
	char		s[2] = {c, '\0'};

	Append(b, s);
}

/* The shortest %g form that reads back as v. */
static void
AppendNumber(TextBuf *b, double v)
{
	char		tmp[40];

	for (int p = 1; p <= 17; p++)
	{
		snprintf(tmp, sizeof(tmp), "%.*g", p, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	Append(b, tmp);
}

/* The input's name, double-quoted unless it is a plain lower-case identifier. */
static void
AppendName(TextBuf *b, const char *name)
{
	bool		plain = name[0] != '\0' && !(name[0] >= '0' && name[0] <= '9');

	for (const char *p = name; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (plain)
	{
		Append(b, name);
		return;
	}
	AppendChar(b, '"');
	for (const char *p = name; *p; p++)
	{
		if (*p == '"')
			AppendChar(b, '"');
		AppendChar(b, *p);
	}
	AppendChar(b, '"');
}

static void
AppendCategory(TextBuf *b, const char *const *names, int code)
{
	if (names == NULL)
	{
		char		tmp[16];

		snprintf(tmp, sizeof(tmp), "%d", code);
		Append(b, tmp);
		return;
	}
	AppendChar(b, '\'');
	for (const char *p = names[code]; *p; p++)
	{
		if (*p == '\'')
			AppendChar(b, '\'');
		AppendChar(b, *p);
	}
	AppendChar(b, '\'');
}

/* What a path allows of one input. */
typedef struct InputRange
{
	int			rank;			/* order of first use on the path; 0: unused */
	double		lo;				/* numbers: x > lo */
	double		hi;				/* numbers: x <= hi */
	bool		null_ok;		/* NULL follows the path */
	uint64_t   *codes;			/* categories that follow the path */
} InputRange;

static void
Restrict(const TreeModel *m, InputRange *in, int node, bool left, int *rank)
{
	int			j = m->feature[node];
	InputRange *r = &in[j];
	bool		missing_left = (m->flags[node] & TREE_NODE_MISSING_LEFT) != 0;

	if (r->rank == 0)
		r->rank = ++*rank;
	r->null_ok = r->null_ok && missing_left == left;
	if (m->flags[node] & TREE_NODE_CATEGORICAL)
	{
		const uint64_t *bits = m->bitsets + m->bitset[node];

		for (int k = 0; k < TREE_BITSET_WORDS(m->n_categories[j]); k++)
			r->codes[k] &= left ? bits[k] : ~bits[k];
	}
	else if (left)
		r->hi = fmin(r->hi, m->threshold[node]);
	else
		r->lo = fmax(r->lo, m->threshold[node]);
}

/*
 * A boolean input (0 / 1) as "flag = true" or "flag = false": the one
 * value of the two that the interval (lo, hi] still allows.
 */
static bool
AppendBoolean(TextBuf *b, const InputRange *r, const char *name)
{
	bool		false_ok = r->lo < 0 && 0 <= r->hi;
	bool		true_ok = r->lo < 1 && 1 <= r->hi;

	if (false_ok && true_ok)
	{
		if (r->null_ok)
			return false;
		AppendName(b, name);
		Append(b, " IS NOT NULL");
		return true;
	}
	if (!false_ok && !true_ok)
	{
		AppendName(b, name);
		Append(b, r->null_ok ? " IS NULL" : " IS NULL AND false");
		return true;
	}
	if (r->null_ok)
		AppendChar(b, '(');
	AppendName(b, name);
	Append(b, true_ok ? " = true" : " = false");
	if (r->null_ok)
	{
		Append(b, " OR ");
		AppendName(b, name);
		Append(b, " IS NULL)");
	}
	return true;
}

/* Appends the condition of one input; false when it says nothing. */
static bool
AppendCondition(TextBuf *b, const TreeModel *m, const InputRange *r, int j,
				const SegInputColumn *column, const char *const *names)
{
	const char *name = column->name;

	if (column->kind == SEG_COL_BOOLEAN && m->known[j] == NULL)
		return AppendBoolean(b, r, name);
	if (m->known[j] != NULL)
	{
		int			n_codes = 0;
		int			n_known = 0;
		bool		complement = r->null_ok;

		for (int c = 0; c < m->n_categories[j]; c++)
		{
			n_known += (m->known[j][c >> 6] >> (c & 63)) & 1;
			n_codes += (r->codes[c >> 6] >> (c & 63)) & 1;
		}
		if (n_codes == n_known && r->null_ok)
			return false;
		if (n_codes == 0 && !r->null_ok)
		{
			AppendName(b, name);
			Append(b, " IS NULL AND false");
			return true;
		}

		/*
		 * Values training never saw follow NULL: where NULL reaches the
		 * leaf, name the seen categories that do not, so that the text
		 * holds for every value as the tree decides it.
		 */
		if (complement)
			AppendChar(b, '(');
		AppendName(b, name);
		Append(b, complement ? " NOT IN (" : " IN (");
		for (int c = 0, first = 1; c < m->n_categories[j]; c++)
		{
			bool		known = (m->known[j][c >> 6] >> (c & 63)) & 1;
			bool		reaches = (r->codes[c >> 6] >> (c & 63)) & 1;

			if (known && reaches != complement)
			{
				if (!first)
					Append(b, ", ");
				AppendCategory(b, names, c);
				first = 0;
			}
		}
		AppendChar(b, ')');
	}
	else
	{
		bool		has_lo = r->lo > -INFINITY;
		bool		has_hi = r->hi < INFINITY;

		if (r->lo == INFINITY || r->lo >= r->hi)
		{
			/* no number follows the path (a "split on NaN") */
			AppendName(b, name);
			Append(b, r->null_ok ? " IS NULL" : " IS NULL AND false");
			return true;
		}
		if (!has_lo && !has_hi)
		{
			if (r->null_ok)
				return false;
			AppendName(b, name);
			Append(b, " IS NOT NULL");
			return true;
		}
		if (r->null_ok)
			Append(b, has_lo && has_hi ? "((" : "(");
		if (has_lo)
		{
			AppendName(b, name);
			Append(b, " > ");
			AppendNumber(b, r->lo);
		}
		if (has_hi)
		{
			if (has_lo)
				Append(b, " AND ");
			AppendName(b, name);
			Append(b, " <= ");
			AppendNumber(b, r->hi);
		}
		if (r->null_ok && has_lo && has_hi)
			AppendChar(b, ')');
	}
	if (r->null_ok)
	{
		Append(b, " OR ");
		AppendName(b, name);
		Append(b, " IS NULL)");
	}
	return true;
}

int
tree_model_rules(const TreeModel *m, int t, const SegInputSchema *schema,
				 const char *const *const *category_names, TreeRule **rules)
{
	int			first = m->tree_first[t];
	int			n = m->tree_first[t + 1] - first;
	int		   *parent = seg_alloc(sizeof(int) * (size_t) n);
	int		   *path = seg_alloc(sizeof(int) * (size_t) n);
	int		   *stack = seg_alloc(sizeof(int) * (size_t) (n + 1));
	InputRange *in = seg_alloc0(sizeof(InputRange) * (size_t) (m->n_inputs + 1));
	TreeRule   *out = seg_alloc0(sizeof(TreeRule) * (size_t) n);
	int			n_rules = 0;
	int			top = 0;

	parent[0] = -1;
	for (int i = 0; i < n; i++)
		if (m->feature[first + i] >= 0)
		{
			int			l = m->left[first + i] - first;

			parent[l] = parent[l + 1] = i;
		}
	for (int j = 0; j < m->n_inputs; j++)
		if (m->known[j] != NULL)
			in[j].codes = seg_alloc(sizeof(uint64_t) *
									(size_t) (TREE_BITSET_WORDS(m->n_categories[j]) + 1));

	/* leaves left to right: depth first, left child first */
	stack[top++] = 0;
	while (top > 0)
	{
		int			i = stack[--top];
		int			depth = 0;
		int			rank = 0;
		TextBuf		b = {NULL, 0, 0};
		bool		any = false;

		if (m->feature[first + i] >= 0)
		{
			int			l = m->left[first + i] - first;

			stack[top++] = l + 1;
			stack[top++] = l;
			continue;
		}
		for (int j = 0; j < m->n_inputs; j++)
		{
			in[j].rank = 0;
			in[j].lo = -INFINITY;
			in[j].hi = INFINITY;
			in[j].null_ok = true;
			if (in[j].codes != NULL)
				memcpy(in[j].codes, m->known[j],
					   sizeof(uint64_t) * TREE_BITSET_WORDS(m->n_categories[j]));
		}
		for (int c = i; parent[c] >= 0; c = parent[c])
			path[depth++] = c;
		for (int k = depth - 1; k >= 0; k--)
		{
			int			child = path[k];
			int			p = parent[child];

			Restrict(m, in, first + p, child == m->left[first + p] - first, &rank);
		}
		for (int r = 1; r <= rank; r++)
			for (int j = 0; j < m->n_inputs; j++)
			{
				size_t		mark = b.len;

				if (in[j].rank != r)
					continue;
				if (any)
					Append(&b, " AND ");
				if (AppendCondition(&b, m, &in[j], j, &schema->columns[j],
									category_names != NULL ? category_names[j] : NULL))
					any = true;
				else if (b.data != NULL)
				{
					b.len = mark;
					b.data[mark] = '\0';
				}
			}
		if (!any)
			Append(&b, "true");
		out[n_rules].leaf = i;
		out[n_rules].text = b.data;
		out[n_rules].samples = m->cover[first + i];
		out[n_rules].margin = m->kind == TREE_KIND_BOOSTED ? m->tree_margin[t] : -1;
		out[n_rules].n_values = m->n_values;
		out[n_rules].value = m->value + (size_t) (first + i) * m->n_values;
		n_rules++;
	}
	for (int j = 0; j < m->n_inputs; j++)
		seg_free(in[j].codes);
	seg_free(in);
	seg_free(parent);
	seg_free(path);
	seg_free(stack);
	*rules = out;
	return n_rules;
}

void
tree_rules_free(TreeRule *rules, int n)
{
	for (int i = 0; i < n; i++)
		seg_free(rules[i].text);
	seg_free(rules);
}
