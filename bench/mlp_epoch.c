/*-------------------------------------------------------------------------
 *
 * mlp_epoch.c
 *	  The cost of one training epoch of the numeric core, outside the
 *	  server: segment_train's default network (hidden 64, 32; Adam 1e-3,
 *	  L2 1e-4) on 100,000 simulated customers (six standardised features,
 *	  three segments), the first 70,000 rows trained on and the next
 *	  10,000 scored after every epoch, as segment_train does.
 *
 *	  make bench-epoch
 *	  bench/bin/mlp_epoch [batch_size [epochs [dropout [batch_norm]]]]
 *
 *	  Prints the CPU time of an epoch (this process's, so that other work
 *	  on a shared machine moves it less than wall time) and the last
 *	  epoch's validation loss to every digit: a change that claims to
 *	  leave training as it was must print the same number.
 *
 * IDENTIFICATION
 *	  bench/mlp_epoch.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlp.h"
#include "simulate.h"

#define N_ROWS 100000
#define N_TRAIN 70000
#define N_VALIDATION 10000
#define N_FEATURES 6

static double
CpuSeconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	int			batch_size = argc > 1 ? atoi(argv[1]) : 32;
	int			epochs = argc > 2 ? atoi(argv[2]) : 5;
	double		dropout = argc > 3 ? atof(argv[3]) : 0.2;
	bool		batch_norm = argc > 4 && atoi(argv[4]) != 0;
	SegCustomer *c = malloc(sizeof(SegCustomer) * N_ROWS);
	double	   *x = malloc(sizeof(double) * N_ROWS * N_FEATURES);
	int		   *y = malloc(sizeof(int) * N_ROWS);
	MlpShape	shape = {N_FEATURES, 3, MLP_OUTPUT_SOFTMAX, 2, {64, 32}, batch_norm};
	MlpTrainParams p;
	MlpFitResult result;
	MlpData		train;
	MlpData		val;
	Mlp		   *m;
	SegRng		rng;
	char		msg[SEG_ERRMSG_LEN];
	double		t0;

	if (simulate_customer_rows(N_ROWS, 42, c) != SEG_OK)
		return 1;
	for (int i = 0; i < N_ROWS; i++)
	{
		double	   *row = x + (size_t) i * N_FEATURES;

		row[0] = c[i].monthly_spending;
		row[1] = c[i].engagement_score;
		row[2] = c[i].tenure;
		row[3] = c[i].complaint_count;
		row[4] = c[i].purchase_frequency;
		row[5] = c[i].discount_usage;
		y[i] = c[i].customer_segment;
	}
	/* standardise each feature (population standard deviation) */
	for (int j = 0; j < N_FEATURES; j++)
	{
		double		mean = 0.0;
		double		sq = 0.0;

		for (int i = 0; i < N_ROWS; i++)
			mean += x[(size_t) i * N_FEATURES + j];
		mean /= N_ROWS;
		for (int i = 0; i < N_ROWS; i++)
			sq += pow(x[(size_t) i * N_FEATURES + j] - mean, 2);
		sq = sqrt(sq / N_ROWS);
		for (int i = 0; i < N_ROWS; i++)
			x[(size_t) i * N_FEATURES + j] = (x[(size_t) i * N_FEATURES + j] - mean) /
				(sq > 0.0 ? sq : 1.0);
	}

	if (mlp_create(&shape, &m, msg) != SEG_OK)
	{
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	rng_seed(&rng, 42);
	mlp_init_params(m, &rng);
	train.x = x;
	train.t.y = y;
	train.t.value = NULL;
	train.n = N_TRAIN;
	val.x = x + (size_t) N_TRAIN * N_FEATURES;
	val.t.y = y + N_TRAIN;
	val.t.value = NULL;
	val.n = N_VALIDATION;
	memset(&p, 0, sizeof(p));
	p.dropout = dropout;
	p.l2 = 1e-4;
	p.epochs = epochs;
	p.batch_size = batch_size;
	p.learning_rate = 1e-3;
	p.patience = epochs;

	t0 = CpuSeconds();
	if (mlp_fit(m, &train, &val, &p, &rng, NULL, &result, msg) != SEG_OK)
	{
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	printf("batch %d, dropout %g, batch norm %s: %.1f ms of CPU an epoch over %d epochs; "
		   "last validation loss %.17g\n", batch_size, dropout, batch_norm ? "on" : "off",
		   (CpuSeconds() - t0) * 1e3 / result.epochs_run, result.epochs_run,
		   result.history[result.epochs_run - 1].val_loss);
	seg_free(result.history);
	mlp_free(m);
	free(c);
	free(x);
	free(y);
	return 0;
}
