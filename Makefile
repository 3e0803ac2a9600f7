# segment: customer segmentation inside PostgreSQL (PGXS build)

EXTENSION = segment
# the version lives in the control file only
EXTVERSION = $(shell sed -n "s/^default_version = '\\(.*\\)'$$/\\1/p" $(EXTENSION).control)

MODULE_big = segment

# The numeric core: plain C, no postgres.h (unit tests and the fuzz
# harness link these alone).
CORE_SRCS = src/bytes.c src/classifier_model.c src/cluster_metrics.c src/kmeans.c src/kmeans_blocks.c \
	src/kmeans_model.c src/knn.c src/learner.c src/linalg.c src/metrics.c src/mlp.c src/mlp_train.c \
	src/model.c src/params.c src/predictor.c src/preprocess.c src/rng.c src/scaler.c \
	src/search_space.c src/simulate.c src/smote.c src/split.c src/train.c
# The tree learners (gbdt, random_forest, decision_tree) on their shared core.
CORE_SRCS += src/learner_forest.c src/learner_gbdt.c src/tree_bins.c src/tree_codec.c \
	src/tree_grow.c src/tree_hist.c src/tree_learn.c src/tree_loss.c src/tree_model.c \
	src/tree_predict.c src/tree_rules.c src/tree_shap.c src/tree_split.c
# The PostgreSQL layer.
PG_SRCS = src/core_alloc_pg.c src/dataset.c src/pg_json.c src/pg_model.c \
	src/record_encoder.c src/segment.c src/sql_kmeans.c src/sql_kmeans_agg.c \
	src/sql_kmeans_report.c src/sql_kmeans_step.c src/sql_kmeans_stream.c \
	src/sql_metrics.c src/sql_model.c src/sql_predict.c src/sql_preprocess.c \
	src/sql_scaler.c src/sql_search.c src/sql_simulate.c src/sql_smote.c \
	src/sql_split.c src/sql_train.c src/sql_train_json.c src/sql_train_registry.c \
	src/sql_trials.c src/synthetic_writer.c

OBJS = $(CORE_SRCS:.c=.o) $(PG_SRCS:.c=.o)
HEADERS = $(wildcard src/*.h)

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

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config

# segment.so opens OpenBLAS on its first BLAS call (src/linalg.c) and does
# not link it; the programs that run outside the server link it.
BLAS_CFLAGS ?= $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS ?= $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)

# To compile for portability, run: make OPTFLAGS=""
OPTFLAGS ?= -march=native
WARNFLAGS ?= -Wall -Wextra -Werror

# The server's headers are system headers to us, so -Wextra judges only our code.
PG_CPPFLAGS = -Isrc $(BLAS_CFLAGS) -isystem $(shell $(PG_CONFIG) --includedir-server)
PG_CFLAGS = $(OPTFLAGS) $(WARNFLAGS)
SHLIB_LINK = -lm

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Minibatch training and the k-d tree's distances run short loops of
# run-time length (a batch times a layer width, a leaf times the columns):
# let gcc vectorize them (its -O2 cost model does not), and vectorize sqrt
# (nothing here reads errno).
VECFLAGS = -fvect-cost-model=dynamic -fno-math-errno
src/knn.o src/linalg.o src/mlp.o src/mlp_train.o: override CFLAGS += $(VECFLAGS)
# The boosting gradients (an exponential per row and class) and histogram
# subtraction run over rows in vector lanes.
src/tree_hist.o src/tree_loss.o: override CFLAGS += $(VECFLAGS)

# ---- tests that run outside the server -------------------------------

UNIT_BIN = test/unit/bin
UNIT_TESTS = $(patsubst test/unit/%.c,$(UNIT_BIN)/%,$(wildcard test/unit/test_*.c))
UNIT_CFLAGS = -O2 -g $(OPTFLAGS) $(VECFLAGS) -Wall -Wextra -Werror -Isrc $(BLAS_CFLAGS)

$(UNIT_BIN)/%: test/unit/%.c test/unit/tap.h test/unit/core_alloc_libc.c $(CORE_SRCS) $(HEADERS)
	@mkdir -p $(UNIT_BIN)
	$(CC) $(UNIT_CFLAGS) -o $@ $< test/unit/core_alloc_libc.c $(CORE_SRCS) $(BLAS_LIBS) -lm

.PHONY: unit fuzz
unit: $(UNIT_TESTS)
	prove $(UNIT_TESTS)

FUZZ_BIN = test/fuzz/bin/fuzz_model
FUZZ_SECONDS ?= 30
$(FUZZ_BIN): test/fuzz/fuzz_model.c test/unit/core_alloc_libc.c $(CORE_SRCS) $(HEADERS)
	@mkdir -p test/fuzz/bin
	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(BLAS_CFLAGS) -o $@ \
		test/fuzz/fuzz_model.c test/unit/core_alloc_libc.c $(CORE_SRCS) $(BLAS_LIBS) -lm

fuzz: $(FUZZ_BIN)
	@mkdir -p test/fuzz/corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 \
		test/fuzz/corpus test/fuzz/seeds

sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS)
	awk 'FNR == 1 && NR != 1 { print "" } { print }' $^ > $@

EXTRA_CLEAN = test/unit/bin test/fuzz/bin test/trees/bin results regression.diffs regression.out

# The tree learners' harness for the reference-parity tests and the core
# benchmark (test/trees/tree_harness.c), linked with the core only.
TREE_HARNESS = test/trees/bin/tree_harness
$(TREE_HARNESS): test/trees/tree_harness.c test/unit/core_alloc_libc.c $(CORE_SRCS) $(HEADERS)
	@mkdir -p test/trees/bin
	$(CC) $(UNIT_CFLAGS) -o $@ test/trees/tree_harness.c test/unit/core_alloc_libc.c \
		$(CORE_SRCS) $(BLAS_LIBS) -lm

.PHONY: tree-harness
tree-harness: $(TREE_HARNESS)
