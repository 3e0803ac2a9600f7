/*-------------------------------------------------------------------------
 *
 * lbfgs.h
 *	  Limited-memory BFGS for smooth unconstrained minimisation.
 *
 * Nocedal and Wright, "Numerical Optimization" (2006), Algorithm 7.4
 * (the two-loop recursion) with a backtracking line search on the Armijo
 * condition, skipping curvature pairs with y's <= 0.  Stops when the
 * largest gradient component is at most gtol (scipy's pgtol, which
 * scikit-learn's lbfgs solver sets from its `tol`), when the objective
 * stops decreasing, or after max_iter iterations.
 *
 * IDENTIFICATION
 *	  src/lbfgs.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_LBFGS_H
#define SEGMENT_LBFGS_H

#include "core.h"

/* Writes the gradient at x into grad and returns the objective. */
typedef double (*LbfgsObjective) (const double *x, double *grad, void *arg);

typedef struct LbfgsResult
{
	int			iterations;
	double		value;			/* objective at the solution */
	double		gradient_max;	/* largest |gradient component| there */
	bool		converged;		/* gradient_max <= gtol */
} LbfgsResult;

/*
 * Minimises f from x (n values, updated in place), remembering m
 * curvature pairs.  Calls the interrupt hook every iteration.
 */
extern void lbfgs_minimize(LbfgsObjective f, void *arg, double *x, int n, int m,
						   int max_iter, double gtol, const SegHooks *hooks,
						   LbfgsResult *result);

#endif							/* SEGMENT_LBFGS_H */
