/*-------------------------------------------------------------------------
 *
 * assignment.c
 *	  Hungarian method for the rectangular assignment problem.
 *
 * The shortest-augmenting-path form with row and column potentials
 * (Kuhn-Munkres as in Jonker and Volgenant's presentation): each row is
 * added in turn and matched along the cheapest reduced-cost path, so the
 * matching stays optimal for the rows added so far.  It needs
 * n_rows <= n_cols; a taller matrix is solved transposed.
 *
 * IDENTIFICATION
 *	  src/assignment.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "assignment.h"

/* rows <= cols; cost(i, j) read through a stride so that both layouts work */
static double
Solve(const double *cost, int rows, int cols, int row_stride, int col_stride, int *row_to_col,
	  const SegHooks *hooks)
{
	/* 1-based arrays with a virtual column 0, as the classic formulation */
	double	   *u = seg_alloc0(sizeof(double) * (rows + 1));
	double	   *v = seg_alloc0(sizeof(double) * (cols + 1));
	double	   *min_to = seg_alloc(sizeof(double) * (cols + 1));
	int		   *row_of = seg_alloc0(sizeof(int) * (cols + 1));	/* column -> row, 0 none */
	int		   *way = seg_alloc0(sizeof(int) * (cols + 1));
	bool	   *used = seg_alloc(sizeof(bool) * (cols + 1));
	double		total = 0.0;
	SegCountdown check;

#define COST(i, j) cost[(size_t) ((i) - 1) * row_stride + (size_t) ((j) - 1) * col_stride]

	/* a path's step costs cols, and a row's path up to rows steps: 8.5 s at 8192 x 8192 */
	seg_countdown_init(&check, hooks, (size_t) cols, SIZE_MAX);

	for (int i = 1; i <= rows; i++)
	{
		int			j0 = 0;

		row_of[0] = i;
		for (int j = 0; j <= cols; j++)
		{
			min_to[j] = INFINITY;
			used[j] = false;
		}
		do
		{
			int			i0 = row_of[j0];
			double		delta = INFINITY;
			int			j1 = 0;

			seg_countdown_tick(&check);
			used[j0] = true;
			for (int j = 1; j <= cols; j++)
			{
				double		reduced;

				if (used[j])
					continue;
				reduced = COST(i0, j) - u[i0] - v[j];
				if (reduced < min_to[j])
				{
					min_to[j] = reduced;
					way[j] = j0;
				}
				if (min_to[j] < delta)
				{
					delta = min_to[j];
					j1 = j;
				}
			}
			for (int j = 0; j <= cols; j++)
			{
				if (used[j])
				{
					u[row_of[j]] += delta;
					v[j] -= delta;
				}
				else
					min_to[j] -= delta;
			}
			j0 = j1;
		} while (row_of[j0] != 0);
		/* flip the path's pairs */
		do
		{
			int			j1 = way[j0];

			row_of[j0] = row_of[j1];
			j0 = j1;
		} while (j0 != 0);
	}
	for (int i = 0; i < rows; i++)
		row_to_col[i] = -1;
	for (int j = 1; j <= cols; j++)
		if (row_of[j] != 0)
		{
			row_to_col[row_of[j] - 1] = j - 1;
			total += COST(row_of[j], j);
		}
#undef COST
	seg_free(u);
	seg_free(v);
	seg_free(min_to);
	seg_free(row_of);
	seg_free(way);
	seg_free(used);
	return total;
}

double
assignment_solve(const double *cost, int n_rows, int n_cols, int *row_to_col,
				 const SegHooks *hooks)
{
	int		   *col_to_row;
	double		total;

	if (n_rows <= n_cols)
		return Solve(cost, n_rows, n_cols, n_cols, 1, row_to_col, hooks);
	/* more rows than columns: pair every column with a row */
	col_to_row = seg_alloc(sizeof(int) * n_cols);
	total = Solve(cost, n_cols, n_rows, 1, n_cols, col_to_row, hooks);
	for (int i = 0; i < n_rows; i++)
		row_to_col[i] = -1;
	for (int j = 0; j < n_cols; j++)
		if (col_to_row[j] >= 0)
			row_to_col[col_to_row[j]] = j;
	seg_free(col_to_row);
	return total;
}
