# segment: customer segmentation inside PostgreSQL (PGXS build)

EXTENSION = segment
# the version lives in the control file only
EXTVERSION = $(shell sed -n "s/^default_version = '\\(.*\\)'$$/\\1/p" $(EXTENSION).control)

MODULE_big = segment

# The numeric core: plain C, no postgres.h (unit tests and the fuzz
# harness link these alone).
CORE_SRCS = src/autoencoder.c src/bytes.c src/cluster_metrics.c src/embedding.c src/kmeans.c src/kmeans_blocks.c src/kmeans_hamerly.c \
	src/kmeans_screen.c \
	src/kmeans_model.c src/knn.c src/lbfgs.c src/learner.c src/learner_logistic.c src/learner_mlp.c src/linalg.c src/metrics.c src/mlp.c src/mlp_train.c \
	src/model.c src/params.c src/pca.c src/predictor.c src/preprocess.c src/rfm.c src/rng.c src/scaler.c \
	src/importance.c src/search_space.c src/selection.c src/simulate.c src/smote.c src/split.c src/supervised_model.c \
	src/assignment.c src/evaluation.c src/kmeans_persona.c src/persona.c src/fingerprint.c src/train.c src/svg.c src/plot.c \
	src/projection.c src/row_order.c
# The tree learners (gbdt, random_forest, decision_tree) on their shared core.
CORE_SRCS += src/learner_forest.c src/learner_gbdt.c src/tree_bins.c src/tree_codec.c \
	src/tree_grow.c src/tree_hist.c src/tree_learn.c src/tree_loss.c src/tree_model.c \
	src/tree_predict.c src/tree_rules.c src/tree_shap.c src/tree_split.c
# The PostgreSQL layer.
PG_SRCS = src/core_alloc_pg.c src/cpu_check.c src/dataset.c src/pg_args.c src/pg_json.c src/pg_model.c src/pg_snapshot.c \
	src/pg_search_path.c src/record_encoder.c src/registry.c src/registry_replica.c src/registry_runs.c src/row_hash.c \
	src/segment.c src/sql_kmeans.c src/sql_kmeans_agg.c src/sql_kmeans_args.c src/sql_kmeans_identity.c \
	src/sql_kmeans_registry.c src/sql_kmeans_embed.c \
	src/sql_kmeans_report.c src/sql_kmeans_scan.c src/sql_kmeans_step.c src/sql_kmeans_stream.c \
	src/sql_autoencoder.c src/sql_embed_data.c src/sql_pca.c src/sql_project.c \
	src/sql_explain.c src/sql_importance.c src/sql_metrics.c src/sql_model.c src/sql_model_part.c \
	src/sql_persona.c src/sql_predict.c src/sql_preprocess.c src/sql_rfm.c src/rfm_query.c \
	src/sql_registry.c src/sql_retrain.c src/sql_schedule.c src/sql_segment_view.c \
	src/sql_scaler.c src/sql_search.c src/sql_simulate.c src/sql_smote.c \
	src/sql_split.c src/stored_split.c src/sql_train.c src/sql_train_args.c src/sql_train_data.c \
	src/sql_train_registry.c src/sql_train_report.c src/report_model.c src/report_plots.c \
	src/report_html.c src/sql_report.c \
	src/sql_trials.c src/sql_tree_rules.c src/synthetic_writer.c

OBJS = $(CORE_SRCS:.c=.o) $(PG_SRCS:.c=.o)
# (not HEADERS: PGXS would install every one of them; none is public)
SEGMENT_HEADERS = $(wildcard src/*.h)

# The install script is generated from one file per concern in sql/install/
# (numbered for their order), as pgvector generates its own.
INSTALL_PARTS = $(sort $(wildcard sql/install/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
# Released install scripts (frozen: never edited) and upgrade scripts.
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

# pg_regress: sql/NAME.sql with expected/NAME.out; the install and
# upgrade scripts (sql/segment--*.sql) live beside them and are not tests.
REGRESS = $(sort $(patsubst sql/%.sql,%,$(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config

# segment.so opens OpenBLAS on its first BLAS call (src/linalg.c) and does
# not link it; the programs that run outside the server link it.
BLAS_CFLAGS ?= $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS ?= $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)

# The instruction set: on x86-64, x86-64-v3 (AVX2 and FMA: Intel since
# Haswell, AMD since Excavator), which the kernels' vectors need to be fast
# (a build without AVX runs MLP training about 20 times slower), while the
# library stays portable across servers of that level; _PG_init refuses to
# load on an older CPU (src/cpu_check.c).  The small-product kernel of MLP
# training picks its AVX-512 form at run time where the CPU has it
# (src/linalg_small_kernel.h).  OPTFLAGS=-march=native builds for this
# machine alone (on AVX-512 an epoch about 1.1 times as fast);
# OPTFLAGS="" builds for any x86-64 CPU.
ifeq ($(shell uname -m),x86_64)
OPTFLAGS ?= -march=x86-64-v3
else
OPTFLAGS ?=
endif
# the x86-64 level OPTFLAGS asks for (3 or 4), which the CPU check requires
X86_LEVEL = $(patsubst -march=x86-64-v%,%,$(filter -march=x86-64-v%,$(OPTFLAGS)))
# CI adds -Werror (scripts/lib.sh with SEGMENT_WERROR=1); a user's build
# with a newer compiler should not fail on a new warning.
WARNFLAGS ?= -Wall -Wextra

# The server's headers are system headers to us, so -Wextra judges only our code.
PG_CPPFLAGS = -Isrc $(BLAS_CFLAGS) -isystem $(shell $(PG_CONFIG) --includedir-server) \
	-DSEGMENT_VERSION=\"$(EXTVERSION)\" $(if $(X86_LEVEL),-DSEGMENT_X86_LEVEL=$(X86_LEVEL))
PG_CFLAGS = $(OPTFLAGS) $(WARNFLAGS)
# Export only what PostgreSQL looks up: the magic block, _PG_init and the
# SQL functions' symbols (each with its pg_finfo_ record), read from every
# install and upgrade script; every internal symbol stays local.
SHLIB_LINK = -lm -Wl,--version-script=$(EXTENSION).map
SQL_SYMBOL_SOURCES = $(INSTALL_PARTS) $(DATA)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(shlib): $(EXTENSION).map
$(EXTENSION).map: $(SQL_SYMBOL_SOURCES)
	{ echo '{ global: Pg_magic_func; _PG_init;'; \
	  grep -ho "'MODULE_PATHNAME', '[A-Za-z_0-9]*'" $^ | sed "s/.*, '\(.*\)'/\1/" | sort -u | \
	  sed 's/.*/  &; pg_finfo_&;/'; \
	  echo 'local: *; };'; } > $@

# PGXS tracks no header dependencies unless the server was configured with
# --enable-depend (Debian's is not): rebuild on any header change.
$(OBJS): $(SEGMENT_HEADERS)
# the library's version is compiled in from the control file
$(OBJS): $(EXTENSION).control

# Minibatch training and the k-d tree's distances run short loops of
# run-time length (a batch times a layer width, a leaf times the columns):
# let gcc vectorize them (its -O2 cost model does not), and vectorize sqrt
# (nothing here reads errno).
VECFLAGS = -fvect-cost-model=dynamic -fno-math-errno
src/cluster_metrics.o src/kmeans_hamerly.o src/knn.o src/linalg.o src/mlp.o src/mlp_train.o: override CFLAGS += $(VECFLAGS)
# The streaming k-means step computes its distances in vectors across
# centres; without contraction each lane rounds as the scalar loop it
# replaced (which gcc did not contract), so labels stay bit for bit.
src/sql_kmeans_step.o: override CFLAGS += -ffp-contract=off
# the CPU check runs before anything else: it must run on any x86-64 CPU
ifeq ($(shell uname -m),x86_64)
src/cpu_check.o: override CFLAGS += -march=x86-64
endif
# The boosting gradients (an exponential per row and class) and histogram
# subtraction run over rows in vector lanes.
src/tree_hist.o src/tree_loss.o: override CFLAGS += $(VECFLAGS)
# The tree learners round every operation on its own (no fused multiply-add):
# their trees are scikit-learn's node for node (test/trees), and the same
# on every instruction set the library is built for.
TREE_OBJS = $(patsubst %.c,%.o,$(filter src/tree_%.c src/learner_gbdt.c src/learner_forest.c,$(CORE_SRCS)))
$(TREE_OBJS): override CFLAGS += -ffp-contract=off

# ---- tests that run outside the server -------------------------------

UNIT_BIN = test/unit/bin
UNIT_TESTS = $(patsubst test/unit/%.c,$(UNIT_BIN)/%,$(wildcard test/unit/test_*.c))
UNIT_CFLAGS = -O2 -g $(OPTFLAGS) $(VECFLAGS) $(WARNFLAGS) -Isrc $(BLAS_CFLAGS)

$(UNIT_BIN)/%: test/unit/%.c test/unit/tap.h test/unit/core_alloc_libc.c $(CORE_SRCS) $(SEGMENT_HEADERS)
	@mkdir -p $(UNIT_BIN)
	$(CC) $(UNIT_CFLAGS) -o $@ $< test/unit/core_alloc_libc.c $(CORE_SRCS) $(BLAS_LIBS) -lm

.PHONY: unit fuzz
unit: $(UNIT_TESTS)
	prove $(UNIT_TESTS)

FUZZ_BIN = test/fuzz/bin/fuzz_model
FUZZ_SECONDS ?= 30
$(FUZZ_BIN): test/fuzz/fuzz_model.c test/unit/core_alloc_libc.c $(CORE_SRCS) $(SEGMENT_HEADERS)
	@mkdir -p test/fuzz/bin
	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(BLAS_CFLAGS) -o $@ \
		test/fuzz/fuzz_model.c test/unit/core_alloc_libc.c $(CORE_SRCS) $(BLAS_LIBS) -lm

fuzz: $(FUZZ_BIN)
	@mkdir -p test/fuzz/corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 \
		test/fuzz/corpus test/fuzz/seeds

# The cost of one training epoch of the core, outside the server (bench/mlp_epoch.c).
EPOCH_BENCH = bench/bin/mlp_epoch
$(EPOCH_BENCH): bench/mlp_epoch.c test/unit/core_alloc_libc.c $(CORE_SRCS) $(SEGMENT_HEADERS)
	@mkdir -p bench/bin
	$(CC) $(UNIT_CFLAGS) -o $@ $< test/unit/core_alloc_libc.c $(CORE_SRCS) $(BLAS_LIBS) -lm

.PHONY: bench-epoch
bench-epoch: $(EPOCH_BENCH)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS)
	awk 'FNR == 1 && NR != 1 { print "" } { print }' $^ > $@

EXTRA_CLEAN = $(EXTENSION).map test/unit/bin test/fuzz/bin test/trees/bin bench/bin results regression.diffs regression.out

# The tree learners' harness for the reference-parity tests and the core
# benchmark (test/trees/tree_harness.c), linked with the core only.
TREE_HARNESS = test/trees/bin/tree_harness
$(TREE_HARNESS): test/trees/tree_harness.c test/unit/core_alloc_libc.c $(CORE_SRCS) $(SEGMENT_HEADERS)
	@mkdir -p test/trees/bin
	$(CC) $(UNIT_CFLAGS) -ffp-contract=off -o $@ test/trees/tree_harness.c test/unit/core_alloc_libc.c \
		$(CORE_SRCS) $(BLAS_LIBS) -lm

.PHONY: tree-harness
tree-harness: $(TREE_HARNESS)
