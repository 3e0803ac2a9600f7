#!/usr/bin/env bash
# Runs every test suite of segment against a throwaway PostgreSQL 15:
# core unit tests (TAP), the model-decoder fuzzer (bounded), pg_regress
# (plain and with force_parallel_mode), aggregate states forged at random
# and given to every state function, long calls cancelled by
# statement_timeout, pgTAP via pg_prove, the upgrade from the last
# release, predictions under concurrent deploys (pgbench, bounded),
# scheduled retraining on pg_cron, the reference-parity tests
# against scikit-learn and imbalanced-learn, the tree learners' core against
# scikit-learn and XGBoost (through test/trees/tree_harness.c), the demo's
# model reports rendered by a headless Chromium, and the scale-out tests on
# a Citus cluster of its own when CITUS_PG_BIN names a PostgreSQL bin
# directory with Citus (skipped otherwise: Citus is not in Debian's
# packages).  Exits non-zero when any suite fails; the cluster is stopped
# whatever happens.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

prepare || exit 1
trap stop_cluster EXIT

failed=()
run_suite() {
  local name=$1; shift
  log "suite: $name"
  if "$@"; then log "suite $name passed"; else failed+=("$name"); log "suite $name FAILED"; fi
}

show_diffs() { [ -f regression.diffs ] && cat regression.diffs; return 1; }

run_suite "core unit tests" make -s PG_CONFIG="$PG_CONFIG" unit
run_suite "model decoder fuzzing" make -s PG_CONFIG="$PG_CONFIG" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
run_suite "pg_regress" bash -c 'make -s PG_CONFIG="$PG_CONFIG" installcheck || { cat regression.diffs; exit 1; }'
run_suite "pg_regress (force_parallel_mode=regress)" bash -c \
  'PGOPTIONS="-c force_parallel_mode=regress" make -s PG_CONFIG="$PG_CONFIG" installcheck || { cat regression.diffs; exit 1; }'
run_suite "forged aggregate states" /usr/bin/python3 -m pytest -q -p no:cacheprovider test/states
run_suite "cancellation (statement_timeout)" /usr/bin/python3 -m pytest -q -p no:cacheprovider test/cancel
run_suite "pgTAP" bash -c 'psql -X -q -c "DROP DATABASE IF EXISTS segment_tap" -c "CREATE DATABASE segment_tap" >/dev/null &&
  PGDATABASE=segment_tap pg_prove --ext .sql -v test/pgtap/'
run_suite "upgrade from 0.1.0" /usr/bin/python3 -m pytest -q -p no:cacheprovider test/upgrade
run_suite "predictions under concurrent deploys (pgbench)" \
  /usr/bin/python3 -m pytest -q -s -p no:cacheprovider test/concurrency
run_suite "scheduled retraining (pg_cron)" /usr/bin/python3 -m pytest -q -p no:cacheprovider test/operations
run_suite "reference parity (scikit-learn)" /usr/bin/python3 -m pytest -q -p no:cacheprovider test/parity
run_suite "tree learners vs scikit-learn and XGBoost (core harness)" bash -c \
  'make -s PG_CONFIG="$PG_CONFIG" tree-harness && /usr/bin/python3 -m pytest -q -p no:cacheprovider test/trees'
run_suite "model reports (headless Chromium)" /usr/bin/python3 -m pytest -q -p no:cacheprovider test/report
run_suite "Citus scale-out (CITUS_PG_BIN=${CITUS_PG_BIN:-unset: skipped})" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider test/citus

if [ ${#failed[@]} -gt 0 ]; then
  printf '==> FAILED suites: %s\n' "${failed[*]}" >&2
  exit 1
fi
log "all suites passed"
