#!/usr/bin/env bash
# The demo: installs what is missing, builds and installs segment, starts a
# throwaway PostgreSQL 15 of its own, loads sample customers, runs the
# pipeline and prints a report.  The cluster keeps running afterwards so
# you can explore it; the last lines say how to connect and how to stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

prepare
trap 'echo "demo failed; stopping the cluster" >&2; stop_cluster' ERR

psql -X -q -v ON_ERROR_STOP=1 -f scripts/demo.sql

trap - ERR
cat <<MSG

The cluster is still running. Connect with:
  psql -h $PGHOST -p $PGPORT -U postgres postgres
Stop it and remove its files with:
  runuser -u postgres -- $PG_BIN/pg_ctl -D $SEGMENT_PGDATA stop && rm -rf $PGHOST
MSG
