#!/usr/bin/env bash
# The demo: installs what is missing, builds and installs segment, starts a
# throwaway PostgreSQL 15 of its own, loads sample customers, runs the
# pipeline and prints a report, then writes the HTML report of each model
# it trained (SEGMENT_REPORTS_DIR, default a new directory under /tmp).
# The cluster keeps running afterwards so you can explore it; the last
# lines say where the reports are, how to connect and how to stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

prepare
trap 'echo "demo failed; stopping the cluster" >&2; stop_cluster' ERR

psql -X -q -v ON_ERROR_STOP=1 -f scripts/demo.sql

# one self-contained page per model (inline SVG, no scripts): open in a browser
reports=${SEGMENT_REPORTS_DIR:-$(mktemp -d /tmp/segment-reports.XXXXXX)}
mkdir -p "$reports"
for model in value_tier spend personas; do
  psql -X -q -At -v ON_ERROR_STOP=1 -c "SELECT segment.report('$model')" -o "$reports/$model.html"
done

trap - ERR
cat <<MSG

The models' reports (open them in a browser):
  $reports/value_tier.html   the value-tier classifier
  $reports/spend.html        the monthly-spending regressor
  $reports/personas.html     the k-means personas

The cluster is still running. Connect with:
  psql -h $PGHOST -p $PGPORT -U postgres postgres
Stop it and remove its files with:
  runuser -u postgres -- $PG_BIN/pg_ctl -D $SEGMENT_PGDATA stop && rm -rf $PGHOST
MSG
