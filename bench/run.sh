#!/usr/bin/env bash
# Runs the benchmarks (all, or those named: smote kmeans train predict rfm
# embed report views model_value trees_sql citus; trees_core only when named)
# against a throwaway PostgreSQL 15
# and writes bench/RESULTS.md.  citus starts a Citus cluster of its own from
# CITUS_PG_BIN (skipped without it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

prepare
trap stop_cluster EXIT
# the same OpenBLAS kernels for numpy in the benchmark processes as in the server
coretype=$(openblas_coretype)
[ -z "$coretype" ] || export OPENBLAS_CORETYPE=$coretype

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(smote kmeans train predict rfm embed report views model_value trees_sql citus)
for n in "${names[@]}"; do
  if [ -f "bench/bench_$n.py" ]; then
    log "benchmark: $n"
    /usr/bin/python3 "bench/bench_$n.py"
  else
    log "no benchmark named $n"
  fi
done
