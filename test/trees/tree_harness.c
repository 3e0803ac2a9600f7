/*
 * tree_harness.c
 *	  Fits and applies the tree learners outside the server, for the
 *	  reference-parity tests (test/trees/test_*.py) and the core benchmark
 *	  (bench/bench_trees_core.py).  Linked with the numeric core only.
 *
 *	tree_harness fit LEARNER [options] [param=value ...] < data.csv
 *	tree_harness shap-trees TREES_FILE < rows.csv
 *
 * data.csv: a header of input specs "name:num", "name:bool" or
 * "name:cat:N" (codes 0 .. N-1), then "target" and optionally "part";
 * then one row per line, an empty field for NULL, the target a class
 * index or a value, part 0 (train), 1 (validation) or 2 (test).  Options:
 *	--regression       the target is a value (default: class indexes)
 *	--classes K        number of classes (default: the largest + 1)
 *	--seed N           the fit's seed (default 42)
 *	--binary FILE      read the data from FILE (see ReadBinary) instead
 *	--predict FILE     write every row's outputs there as doubles
 *	                   (default: as text on stdout)
 *	--no-predict       do not predict
 *	--shap             print every row's contributions (inputs + base)
 *	                   per margin, and its margins, instead of outputs
 *	--dump             print the trees' nodes
 *	--rules T          print the rules of tree T
 *	--importances      print the split-gain importances
 *	--model FILE       write the payload there, then read it back and
 *	                   check the predictions do not change
 *	--load FILE        read the model from FILE (written by --model) instead
 *	                   of fitting one
 *	--bench-predict R  time R passes of one-row predictions over the rows
 *	--class-weight a,b,...
 *	--verbose          progress lines on stderr
 * The fit's time, iterations and losses go to stderr as "key: value".
 *
 * shap-trees reads trees written out by a test (for example XGBoost's
 * JSON dump) and prints TreeSHAP contributions and margins for the rows
 * of rows.csv (a header, then numbers).  TREES_FILE:
 *	inputs D margins M
 *	base b_1 .. b_M
 *	tree MARGIN NODES, then per node:
 *	  FEATURE THRESHOLD MISSING_LEFT LEFT COVER VALUE
 *	(FEATURE -1 for a leaf; children LEFT, LEFT + 1 in tree order)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learner.h"
#include "tree_model.h"

typedef struct Data
{
	int			n;
	int			d;
	SegInputColumn *cols;
	double	   *x;
	double	   *target;
	int		   *part;
} Data;

static void
Die(const char *msg)
{
	fprintf(stderr, "tree_harness: %s\n", msg);
	exit(2);
}

static double
Now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of this process: the machine is shared, so both are reported */
static double
CpuNow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Splits line at commas in place; returns the field count. */
static int
Fields(char *line, char **out, int max)
{
	int			n = 0;
	char	   *p = line;

	for (;;)
	{
		char	   *c = strchr(p, ',');

		if (n == max)
			Die("too many fields");
		out[n++] = p;
		if (c == NULL)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

static void
ReadCsv(FILE *in, Data *data)
{
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		len;
	char	   *f[4096];
	int			nf;
	int			has_part = 0;
	int			row_cap = 1024;

	if ((len = getline(&line, &cap, in)) <= 0)
		Die("no header");
	line[strcspn(line, "\r\n")] = '\0';
	nf = Fields(line, f, 4096);
	has_part = strcmp(f[nf - 1], "part") == 0;
	data->d = nf - 1 - has_part;
	data->cols = calloc(data->d + 1, sizeof(SegInputColumn));
	for (int j = 0; j < data->d; j++)
	{
		char	   *spec = strdup(f[j]);
		char	   *kind = strchr(spec, ':');

		if (kind == NULL)
			Die("an input spec lacks its kind");
		*kind++ = '\0';
		data->cols[j].name = spec;
		data->cols[j].group = j;
		if (strncmp(kind, "num", 3) == 0)
			data->cols[j].kind = SEG_COL_NUMERIC;
		else if (strncmp(kind, "bool", 4) == 0)
			data->cols[j].kind = SEG_COL_BOOLEAN;
		else if (strncmp(kind, "cat:", 4) == 0)
		{
			data->cols[j].kind = SEG_COL_CATEGORICAL;
			data->cols[j].n_categories = atoi(kind + 4);
		}
		else
			Die("unknown input kind");
	}
	data->x = malloc(sizeof(double) * row_cap * (data->d + 1));
	data->target = malloc(sizeof(double) * row_cap);
	data->part = malloc(sizeof(int) * row_cap);
	data->n = 0;
	while ((len = getline(&line, &cap, in)) > 0)
	{
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (data->n == row_cap)
		{
			row_cap *= 2;
			data->x = realloc(data->x, sizeof(double) * row_cap * (data->d + 1));
			data->target = realloc(data->target, sizeof(double) * row_cap);
			data->part = realloc(data->part, sizeof(int) * row_cap);
		}
		if (Fields(line, f, 4096) != nf)
			Die("a row has the wrong number of fields");
		for (int j = 0; j < data->d; j++)
			data->x[(size_t) data->n * data->d + j] = f[j][0] == '\0' ? NAN : strtod(f[j], NULL);
		data->target[data->n] = f[data->d][0] == '\0' ? NAN : strtod(f[data->d], NULL);
		data->part[data->n] = has_part ? atoi(f[data->d + 1]) : 0;
		data->n++;
	}
	free(line);
}

/*
 * Binary data: int32 n, int32 d, int32 kinds[d] (SegColumnKind),
 * int32 n_categories[d], double x[n * d] (row-major), double target[n],
 * int32 part[n].
 */
static void
ReadBinary(const char *path, Data *data)
{
	FILE	   *f = fopen(path, "rb");
	int32_t		hdr[2];

	if (f == NULL || fread(hdr, sizeof(int32_t), 2, f) != 2)
		Die("cannot read the binary data");
	data->n = hdr[0];
	data->d = hdr[1];
	data->cols = calloc(data->d + 1, sizeof(SegInputColumn));
	for (int pass = 0; pass < 2; pass++)
		for (int j = 0; j < data->d; j++)
		{
			int32_t		v;

			if (fread(&v, sizeof(v), 1, f) != 1)
				Die("truncated binary header");
			if (pass == 0)
				data->cols[j].kind = (SegColumnKind) v;
			else
				data->cols[j].n_categories = v;
		}
	for (int j = 0; j < data->d; j++)
	{
		char		name[32];

		snprintf(name, sizeof(name), "x%d", j + 1);
		data->cols[j].name = strdup(name);
		data->cols[j].group = j;
	}
	data->x = malloc(sizeof(double) * (size_t) data->n * data->d);
	data->target = malloc(sizeof(double) * data->n);
	data->part = malloc(sizeof(int) * data->n);
	if (fread(data->x, sizeof(double), (size_t) data->n * data->d, f) != (size_t) data->n * data->d ||
		fread(data->target, sizeof(double), data->n, f) != (size_t) data->n ||
		fread(data->part, sizeof(int32_t), data->n, f) != (size_t) data->n)
		Die("truncated binary data");
	fclose(f);
}

static void
Progress(const char *msg)
{
	fprintf(stderr, "progress: %s\n", msg);
}

/* Gathers the rows of one part. */
static void
Part(const Data *data, int part, bool regression, SegLearnSet *set)
{
	int			n = 0;
	double	   *x = malloc(sizeof(double) * ((size_t) data->n * data->d + 1));
	int		   *yc = malloc(sizeof(int) * (data->n + 1));
	double	   *yv = malloc(sizeof(double) * (data->n + 1));

	for (int i = 0; i < data->n; i++)
	{
		if (data->part[i] != part)
			continue;
		memcpy(x + (size_t) n * data->d, data->x + (size_t) i * data->d,
			   sizeof(double) * data->d);
		yc[n] = (int) data->target[i];
		yv[n] = data->target[i];
		n++;
	}
	set->x = x;
	set->n = n;
	set->y_class = regression ? NULL : yc;
	set->y_value = regression ? yv : NULL;
}

static void
SetParam(const SegLearner *l, void *params, const char *kv)
{
	char		key[128];
	const char *eq = strchr(kv, '=');
	const SegParamSpec *spec;
	char		msg[SEG_ERRMSG_LEN];
	char	   *end;
	double		v;
	SegStatus	st;

	if (eq == NULL || eq - kv >= (long) sizeof(key))
		Die("parameters are key=value");
	memcpy(key, kv, eq - kv);
	key[eq - kv] = '\0';
	spec = params_find(l->params, l->n_params, key);
	if (spec == NULL)
	{
		fprintf(stderr, "error: %s has no parameter %s\n", l->name, key);
		exit(3);
	}
	v = strtod(eq + 1, &end);
	if (strcmp(eq + 1, "true") == 0)
		st = params_set_number(spec, params, 1, msg);
	else if (strcmp(eq + 1, "false") == 0)
		st = params_set_number(spec, params, 0, msg);
	else if (*end == '\0' && end != eq + 1)
		st = params_set_number(spec, params, v, msg);
	else
		st = params_set_word(spec, params, eq + 1, msg);
	if (st != SEG_OK)
	{
		fprintf(stderr, "error: %s\n", msg);
		exit(3);
	}
}

static void
DumpTrees(const TreeModel *m)
{
	for (int t = 0; t < m->n_trees; t++)
	{
		int			first = m->tree_first[t];

		printf("tree %d margin %d nodes %d\n", t,
			   m->kind == TREE_KIND_BOOSTED ? m->tree_margin[t] : -1,
			   m->tree_first[t + 1] - first);
		for (int i = first; i < m->tree_first[t + 1]; i++)
		{
			printf("node %d feature %d", i - first, m->feature[i]);
			if (m->feature[i] >= 0)
			{
				printf(" left %d missing_left %d gain %.17g", m->left[i] - first,
					   (m->flags[i] & TREE_NODE_MISSING_LEFT) != 0, m->gain[i]);
				if (m->flags[i] & TREE_NODE_CATEGORICAL)
				{
					printf(" codes");
					for (int c = 0; c < m->n_categories[m->feature[i]]; c++)
						if ((m->bitsets[m->bitset[i] + c / 64] >> (c % 64)) & 1)
							printf(" %d", c);
				}
				else
					printf(" threshold %.17g", m->threshold[i]);
			}
			printf(" cover %.17g value", m->cover[i]);
			for (int k = 0; k < m->n_values; k++)
				printf(" %.17g", m->value[(size_t) i * m->n_values + k]);
			printf("\n");
		}
	}
}

static double
BenchPredict(const SegLearner *l, const void *model, const Data *data, int reps, int n_out)
{
	int			ns = l->row_scratch(model);
	double	   *scratch = malloc(sizeof(double) * (ns + 1));
	double	   *out = malloc(sizeof(double) * (n_out + 1));
	double		check = 0;
	double		t0 = Now();
	double		c0 = CpuNow();
	double		seconds;

	for (int r = 0; r < reps; r++)
		for (int i = 0; i < data->n; i++)
		{
			l->predict_row(model, data->x + (size_t) i * data->d, out, scratch);
			check += out[0];
		}
	seconds = Now() - t0;
	fprintf(stderr, "predict_rows_per_second: %.0f\n", (double) reps * data->n / seconds);
	fprintf(stderr, "predict_rows_per_cpu_second: %.0f\n",
			(double) reps * data->n / (CpuNow() - c0));
	fprintf(stderr, "predict_checksum: %.17g\n", check);
	free(scratch);
	free(out);
	return seconds;
}

static int
Fit(int argc, char **argv)
{
	const SegLearner *l = learner_find(argv[2]);
	void	   *params;
	bool		regression = false;
	int			n_classes = 0;
	uint64_t	seed = 42;
	const char *binary = NULL;
	const char *predict_file = NULL;
	const char *model_file = NULL;
	const char *load_file = NULL;
	bool		no_predict = false,
				shap = false,
				dump = false,
				importances = false,
				verbose = false;
	int			rules_tree = -1;
	int			bench_reps = 0;
	double	   *class_weight = NULL;
	Data		data;
	SegInputSchema schema;
	SegLearnProblem pb;
	SegLearnContext ctx;
	SegHooks	hooks = {NULL, Progress};
	SegFitInfo	info;
	void	   *model = NULL;
	char		msg[SEG_ERRMSG_LEN];
	SegStatus	st;
	double		t0,
				seconds;
	int			n_out;

	if (l == NULL)
		Die("unknown learner");
	params = calloc(1, l->params_size + 1);
	params_defaults(l->params, l->n_params, params);
	for (int a = 3; a < argc; a++)
	{
		if (strcmp(argv[a], "--regression") == 0)
			regression = true;
		else if (strcmp(argv[a], "--classes") == 0 && a + 1 < argc)
			n_classes = atoi(argv[++a]);
		else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
			seed = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--binary") == 0 && a + 1 < argc)
			binary = argv[++a];
		else if (strcmp(argv[a], "--predict") == 0 && a + 1 < argc)
			predict_file = argv[++a];
		else if (strcmp(argv[a], "--model") == 0 && a + 1 < argc)
			model_file = argv[++a];
		else if (strcmp(argv[a], "--load") == 0 && a + 1 < argc)
			load_file = argv[++a];
		else if (strcmp(argv[a], "--no-predict") == 0)
			no_predict = true;
		else if (strcmp(argv[a], "--shap") == 0)
			shap = true;
		else if (strcmp(argv[a], "--dump") == 0)
			dump = true;
		else if (strcmp(argv[a], "--importances") == 0)
			importances = true;
		else if (strcmp(argv[a], "--verbose") == 0)
			verbose = true;
		else if (strcmp(argv[a], "--rules") == 0 && a + 1 < argc)
			rules_tree = atoi(argv[++a]);
		else if (strcmp(argv[a], "--bench-predict") == 0 && a + 1 < argc)
			bench_reps = atoi(argv[++a]);
		else if (strcmp(argv[a], "--class-weight") == 0 && a + 1 < argc)
		{
			char	   *p = argv[++a];
			int			k = 0;

			class_weight = calloc(1024, sizeof(double));
			while (*p && k < 1024)
			{
				class_weight[k++] = strtod(p, &p);
				if (*p == ',')
					p++;
			}
		}
		else if (strchr(argv[a], '=') != NULL)
			SetParam(l, params, argv[a]);
		else
			Die("unknown option");
	}
	if (binary != NULL)
		ReadBinary(binary, &data);
	else
		ReadCsv(stdin, &data);
	if (!regression && n_classes == 0)
		for (int i = 0; i < data.n; i++)
			if (data.target[i] + 1 > n_classes)
				n_classes = (int) data.target[i] + 1;

	schema.form = SEG_INPUT_RAW;
	schema.n_inputs = data.d;
	schema.columns = data.cols;
	schema.n_groups = data.d;
	memset(&pb, 0, sizeof(pb));
	pb.task = regression ? SEG_TASK_REGRESSION : SEG_TASK_CLASSIFICATION;
	pb.schema = &schema;
	pb.n_classes = regression ? 0 : n_classes;
	pb.class_weight = class_weight;
	Part(&data, 0, regression, &pb.train);
	Part(&data, 1, regression, &pb.val);
	memset(&ctx, 0, sizeof(ctx));
	ctx.seed = seed;
	ctx.hooks = verbose ? &hooks : NULL;

	n_out = regression ? 1 : n_classes;
	if (load_file != NULL)
	{
		FILE	   *f = fopen(load_file, "rb");
		static uint8_t bytes[1 << 26];
		size_t		len;
		SegReader	r;
		SegModelShape shape = {pb.task, n_out, &schema};

		if (f == NULL)
			Die("cannot open the model");
		len = fread(bytes, 1, sizeof(bytes), f);
		fclose(f);
		reader_init(&r, bytes, len);
		t0 = Now();
		if (l->read(&r, &shape, &model, msg) != SEG_OK)
		{
			fprintf(stderr, "error: %s\n", msg);
			return 3;
		}
		fprintf(stderr, "read_seconds: %.6f\n", Now() - t0);
	}
	else
	{
		double		c0 = CpuNow();

		t0 = Now();
		st = l->fit(&pb, params, &ctx, &model, &info, msg);
		seconds = Now() - t0;
		fprintf(stderr, "fit_cpu_seconds: %.6f\n", CpuNow() - c0);
		if (st != SEG_OK)
		{
			fprintf(stderr, "error: %s\n", msg);
			return 3;
		}
		fprintf(stderr, "fit_seconds: %.6f\n", seconds);
		fprintf(stderr, "iterations: %d\nbest_iteration: %d\n", info.iterations,
				info.best_iteration);
		fprintf(stderr, "train_loss: %.17g\nval_loss: %.17g\n", info.train_loss,
				info.val_loss);
		fit_info_free(&info);
	}

	if (model_file != NULL)
	{
		SegWriter	w;
		SegReader	r;
		SegModelShape shape = {pb.task, n_out, &schema};
		void	   *back;
		FILE	   *f = fopen(model_file, "wb");
		double	   *a = malloc(sizeof(double) * n_out * (data.n + 1));
		double	   *b = malloc(sizeof(double) * n_out * (data.n + 1));

		writer_init(&w, 1024);
		l->write(&w, model);
		if (f == NULL || fwrite(w.data, 1, w.len, f) != w.len)
			Die("cannot write the model");
		fclose(f);
		reader_init(&r, w.data, w.len);
		if (l->read(&r, &shape, &back, msg) != SEG_OK || !reader_at_end(&r))
		{
			fprintf(stderr, "error: reading back: %s\n", msg);
			return 4;
		}
		l->predict(model, data.x, data.n, a);
		l->predict(back, data.x, data.n, b);
		if (memcmp(a, b, sizeof(double) * n_out * data.n) != 0)
			Die("a model read back predicts differently");
		fprintf(stderr, "model_bytes: %zu\n", w.len);
		l->free(back);
		free(w.data);
		free(a);
		free(b);
	}
	if (bench_reps > 0)
		BenchPredict(l, model, &data, bench_reps, n_out);
	if (dump)
		DumpTrees(model);
	if (importances)
	{
		double	   *imp = calloc(data.d + 1, sizeof(double));

		l->importances(model, imp);
		printf("importances");
		for (int j = 0; j < data.d; j++)
			printf(" %.17g", imp[j]);
		printf("\n");
		free(imp);
	}
	if (rules_tree >= 0)
	{
		TreeRule   *rules;
		int			n = tree_model_rules(model, rules_tree, &schema, NULL, &rules);

		for (int i = 0; i < n; i++)
		{
			printf("rule %d %.17g %s |", rules[i].leaf, rules[i].samples, rules[i].text);
			for (int k = 0; k < ((TreeModel *) model)->n_values; k++)
				printf(" %.17g", rules[i].value[k]);
			printf("\n");
		}
		tree_rules_free(rules, n);
	}
	if (shap)
	{
		int			M = l->n_margins(model);
		double	   *phi = malloc(sizeof(double) * (data.d + 1) * M);
		double	   *margin = malloc(sizeof(double) * M);
		double	   *scratch = malloc(sizeof(double) * l->row_scratch(model));

		for (int i = 0; i < data.n; i++)
		{
			l->contributions(model, data.x + (size_t) i * data.d, phi);
			l->margin_row(model, data.x + (size_t) i * data.d, margin, scratch);
			for (int k = 0; k < (data.d + 1) * M; k++)
				printf("%s%.17g", k ? "," : "", phi[k]);
			for (int k = 0; k < M; k++)
				printf(",%.17g", margin[k]);
			printf("\n");
		}
		free(phi);
		free(margin);
		free(scratch);
	}
	else if (!no_predict && !dump && rules_tree < 0 && !importances)
	{
		double	   *out = malloc(sizeof(double) * n_out * ((size_t) data.n + 1));

		l->predict(model, data.x, data.n, out);
		if (predict_file != NULL)
		{
			FILE	   *f = fopen(predict_file, "wb");

			if (f == NULL || fwrite(out, sizeof(double), (size_t) n_out * data.n, f) !=
				(size_t) n_out * data.n)
				Die("cannot write the predictions");
			fclose(f);
		}
		else
			for (int i = 0; i < data.n; i++)
			{
				for (int k = 0; k < n_out; k++)
					printf("%s%.17g", k ? "," : "", out[(size_t) i * n_out + k]);
				printf("\n");
			}
		free(out);
	}
	l->free(model);
	return 0;
}

/* Builds a boosted model from TREES_FILE and prints contributions for stdin's rows. */
static int
ShapTrees(const char *path)
{
	FILE	   *f = fopen(path, "r");
	int			d,
				M,
				margin,
				n_nodes;
	SegInputSchema schema;
	SegInputColumn *cols;
	TreeModel  *m;
	char		word[32];
	Data		data;
	double	   *phi;
	double	   *margins;
	double	   *scratch;

	if (f == NULL || fscanf(f, " inputs %d margins %d", &d, &M) != 2)
		Die("bad trees file");
	cols = calloc(d + 1, sizeof(SegInputColumn));
	for (int j = 0; j < d; j++)
	{
		cols[j].name = "x";
		cols[j].kind = SEG_COL_NUMERIC;
		cols[j].group = j;
	}
	schema.form = SEG_INPUT_RAW;
	schema.n_inputs = d;
	schema.columns = cols;
	schema.n_groups = d;
	m = tree_model_new(TREE_KIND_BOOSTED, TREE_LINK_IDENTITY, &schema, M, 1);
	if (fscanf(f, " base") != 0)
		Die("bad trees file");
	for (int k = 0; k < M; k++)
		if (fscanf(f, "%lf", &m->base[k]) != 1)
			Die("bad base");
	while (fscanf(f, " %31s %d %d", word, &margin, &n_nodes) == 3 && strcmp(word, "tree") == 0)
	{
		int		   *feature = malloc(sizeof(int) * n_nodes);
		double	   *threshold = malloc(sizeof(double) * n_nodes);
		int		   *missing_left = malloc(sizeof(int) * n_nodes);
		int		   *left = malloc(sizeof(int) * n_nodes);

		tree_model_begin_tree(m, margin);
		for (int i = 0; i < n_nodes; i++)
		{
			double		cover,
						value;

			if (fscanf(f, "%d %lf %d %d %lf %lf", &feature[i], &threshold[i], &missing_left[i],
					   &left[i], &cover, &value) != 6)
				Die("bad node");
			tree_model_add_node(m, cover, &value);
		}
		for (int i = 0; i < n_nodes; i++)
			if (feature[i] >= 0)
				tree_model_set_numeric(m, i, feature[i], threshold[i], missing_left[i] != 0,
									   0, left[i]);
		tree_model_end_tree(m);
		free(feature);
		free(threshold);
		free(missing_left);
		free(left);
	}
	fclose(f);
	tree_model_finish(m);

	{
		char	   *line = NULL;
		size_t		cap = 0;
		char	   *fields[4096];

		data.n = 0;
		if (getline(&line, &cap, stdin) <= 0)
			Die("no header");
		phi = malloc(sizeof(double) * (d + 1) * M);
		margins = malloc(sizeof(double) * M);
		scratch = malloc(sizeof(double) * tree_model_row_scratch(m));
		data.x = malloc(sizeof(double) * (d + 1));
		while (getline(&line, &cap, stdin) > 0)
		{
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0')
				continue;
			if (Fields(line, fields, 4096) < d)
				Die("short row");
			for (int j = 0; j < d; j++)
				data.x[j] = fields[j][0] == '\0' ? NAN : strtod(fields[j], NULL);
			tree_model_contributions(m, data.x, phi);
			tree_model_margins_row(m, data.x, margins, scratch);
			for (int k = 0; k < (d + 1) * M; k++)
				printf("%s%.17g", k ? "," : "", phi[k]);
			for (int k = 0; k < M; k++)
				printf(",%.17g", margins[k]);
			printf("\n");
		}
		free(line);
	}
	tree_model_free(m);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "fit") == 0)
		return Fit(argc, argv);
	if (argc == 3 && strcmp(argv[1], "shap-trees") == 0)
		return ShapTrees(argv[2]);
	fprintf(stderr, "usage: tree_harness fit LEARNER [options] [param=value ...] < data.csv\n"
			"       tree_harness shap-trees TREES_FILE < rows.csv\n");
	return 2;
}
