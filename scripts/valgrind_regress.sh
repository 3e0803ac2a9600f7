#!/usr/bin/env bash
# Runs the pg_regress suite once against a throwaway PostgreSQL 15 whose
# postmaster (and so every backend it forks) runs under valgrind's
# memcheck, then reports the errors valgrind found and which of them have
# a frame in segment.so.  Not part of CI: it takes tens of minutes.
#
#   VALGRIND_SUPP=/path/to/postgresql/src/tools/valgrind.supp \
#     SEGMENT_PG_BIN=... SEGMENT_PGPORT=... bash scripts/valgrind_regress.sh
#
# VALGRIND_SUPP is PostgreSQL's own suppression file (src/tools/valgrind.supp
# of the PostgreSQL 15 source).  Debian's postgres binary is stripped, so
# its suppressions that name static functions (the WAL and relcache-file
# padding writes) match only with the debug symbols installed; without
# them those reports remain, all in the server's own stacks, and the
# verdict below counts only reports with a frame of segment's code on the
# failing stack.  The extension is built with OPTFLAGS="" (no
# -march=native), and OpenBLAS is held to its AVX2 kernels: valgrind 3.19
# does not emulate AVX-512.  Logs stay in the printed directory.
#
# Debian's PostgreSQL is not built with USE_VALGRIND, so memcheck sees
# palloc's blocks, not its chunks: a read past the end of a palloc'd
# chunk inside a larger block goes unseen; reads past a block (every
# allocation over 8 kB is a block of its own), use of freed blocks and
# uses of uninitialised memory are seen.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

: "${VALGRIND_SUPP:?set VALGRIND_SUPP to src/tools/valgrind.supp of the PostgreSQL 15 source}"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

log "building segment with OPTFLAGS=\"\""
make -s PG_CONFIG="$PG_CONFIG" clean >/dev/null
make -s PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null || exit 1
make -s PG_CONFIG="$PG_CONFIG" OPTFLAGS="" install >/dev/null || exit 1

dir=$(mktemp -d /tmp/segment-valgrind.XXXXXX)
port=${SEGMENT_PGPORT:-5499}
chown postgres:postgres "$dir"
chmod 700 "$dir"
mkdir "$dir/logs"
chown postgres:postgres "$dir/logs"

# pg_ctl starts this instead of postgres; the backends are forks of it
cat >"$dir/postgres-under-valgrind" <<WRAPPER
#!/bin/sh
exec valgrind --tool=memcheck --quiet --error-limit=no --num-callers=40 \
  --track-origins=yes --read-var-info=yes --leak-check=no \
  --suppressions="$VALGRIND_SUPP" \
  --log-file="$dir/logs/valgrind.%p.log" "$PG_BIN/postgres" "\$@"
WRAPPER
chmod 755 "$dir/postgres-under-valgrind"

log "starting PostgreSQL 15 under valgrind in $dir"
(cd / && runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" --auth=trust --no-sync \
    -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1) || { cat "$dir/initdb.log" >&2; exit 1; }
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_parallel_workers_per_gather = 2
shared_buffers = 128MB
work_mem = 64MB
CONF
stop() {
  (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 600 stop >/dev/null 2>&1) || true
}
trap stop EXIT
(cd / && runuser -u postgres -- env OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell \
    "$PG_BIN/pg_ctl" -D "$dir/data" -p "$dir/postgres-under-valgrind" -l "$dir/server.log" \
    -w -t 600 start >/dev/null) || { cat "$dir/server.log" >&2; exit 1; }
export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres

log "running pg_regress under valgrind (slow)"
start=$(date +%s)
make -s PG_CONFIG="$PG_CONFIG" installcheck || regress_failed=1
cp regression.out "$dir/" 2>/dev/null
cp regression.diffs "$dir/" 2>/dev/null
log "pg_regress took $(( $(date +%s) - start )) s${regress_failed:+ and FAILED (see $dir/regression.diffs)}"
stop
trap - EXIT

# Error reports are blocks of a log separated by an empty "==pid== " line,
# their first line naming the error.  A report concerns this project when
# a frame of its own stack (not of the stack that allocated the memory it
# complains about, after "was created by") is in one of segment's source
# files; both kinds are written to segment-errors.txt for reading.
OURS_RE="($(cd src && ls *.c | sed 's/\./\\./' | paste -sd'|')):[0-9]+\\)"
export OURS_RE
summary="$dir/segment-errors.txt"
awk '
  BEGIN { ours = ENVIRON["OURS_RE"] }
  function flush() {
    if (first ~ /(Invalid|uninitialised|unaddressable|Mismatched|overlap|free)/) {
      total++
      if (mine) { n++; print "== error in segment code ==\n" block > "/dev/stderr" }
      else if (origin_mine) print "== origin in segment code ==\n" block > "/dev/stderr"
    }
    block = ""; first = ""; mine = 0; origin_mine = 0; in_origin = 0
  }
  FNR == 1 { flush() }
  /^==[0-9]+== *$/ { flush(); next }
  /^==[0-9]+== / {
    if (first == "") first = $0
    if ($0 ~ /(was created by|was alloc.d by|free.d by|Address 0x)/) in_origin = 1
    if ($0 ~ ours) { if (in_origin) origin_mine = 1; else mine = 1 }
    block = block $0 "\n"
  }
  END { flush(); printf "%d %d\n", total, n }
' "$dir"/logs/valgrind.*.log 2>"$summary" >"$dir/counts"
read -r total ours <"$dir/counts"
log "valgrind: $(ls "$dir"/logs | wc -l) process logs, $total error reports, $ours with a frame in segment's code"
[ "$ours" -gt 0 ] && cat "$summary"
log "logs kept in $dir/logs"
# rebuild with the default flags next time
make -s PG_CONFIG="$PG_CONFIG" clean >/dev/null
[ -z "${regress_failed:-}" ] && [ "$ours" -eq 0 ]
