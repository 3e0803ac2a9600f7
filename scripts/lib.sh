#!/usr/bin/env bash
# Shared steps of scripts/demo.sh and scripts/test.sh: install what is
# missing, build and install the extension, start and stop a throwaway
# PostgreSQL 15 cluster.  Source it; it defines functions only.

# SEGMENT_PG_BIN lets a developer use a private copy of the PostgreSQL 15 tree.
PG_BIN=${SEGMENT_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PG_BIN/pg_config
export PG_CONFIG

APT_PACKAGES="build-essential pkg-config postgresql-15 postgresql-server-dev-15 libopenblas-dev
  postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl postgresql-15-cron
  python3-numpy python3-sklearn python3-imblearn python3-pandas python3-psycopg python3-pytest
  postgresql-plpython3-15 clang libclang-rt-14-dev chromium fonts-dejavu-core
  python3-xgboost"

log() { printf '==> %s\n' "$*" >&2; }

# Installs the Debian packages that are not installed yet.
install_dependencies() {
  local missing=()
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "all packages present"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages: ${missing[*]} (run as root, or install them with apt-get)" >&2
    return 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=60 update -qq
  apt-get -o DPkg::Lock::Timeout=60 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds and installs into PostgreSQL 15; SEGMENT_WERROR=1 (CI) makes
# every warning an error.
build_and_install() {
  WARNFLAGS="-Wall -Wextra"
  [ "${SEGMENT_WERROR:-0}" = 1 ] && WARNFLAGS="$WARNFLAGS -Werror"
  export WARNFLAGS   # for the later make calls too (unit tests, fuzzer)
  log "building segment"
  make -s PG_CONFIG="$PG_CONFIG" >/dev/null
  make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# OpenBLAS 0.3.21 picks its kernels by CPU model and falls back to its
# oldest (Prescott, SSE3) on virtual CPUs it does not know, several times
# slower than the CPU allows.  Name the kernel family from the CPU's
# flags unless OPENBLAS_CORETYPE is already set.
openblas_coretype() {
  if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    echo "$OPENBLAS_CORETYPE"
  elif grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
    echo SkylakeX
  elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
    echo Haswell
  fi
}

# Starts a cluster owned by postgres in a new temp directory and exports
# PGHOST/PGPORT/PGUSER/PGDATABASE plus SEGMENT_PGDATA for stop_cluster.
start_cluster() {
  local dir port
  dir=$(mktemp -d /tmp/segment-pg.XXXXXX)
  port=${SEGMENT_PGPORT:-5499}
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  log "starting PostgreSQL 15 in $dir"
  (cd / && runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" --auth=trust --no-sync \
      -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1) || {
    cat "$dir/initdb.log" >&2; return 1; }
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
max_parallel_workers_per_gather = 2
shared_buffers = 256MB
work_mem = 64MB
maintenance_work_mem = 256MB
CONF
  # One OpenBLAS thread per backend: parallelism comes from parallel workers.
  local coretype
  coretype=$(openblas_coretype)
  (cd / && runuser -u postgres -- env OPENBLAS_NUM_THREADS=1 ${coretype:+OPENBLAS_CORETYPE=$coretype} \
      "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null) || {
    cat "$dir/server.log" >&2; return 1; }
  export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres SEGMENT_PGDATA=$dir/data
}

stop_cluster() {
  if [ -n "${SEGMENT_PGDATA:-}" ] && [ -d "$SEGMENT_PGDATA" ]; then
    log "stopping the cluster in $(dirname "$SEGMENT_PGDATA")"
    (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$SEGMENT_PGDATA" -m fast -w stop >/dev/null 2>&1) || true
    rm -rf "$(dirname "$SEGMENT_PGDATA")"
    unset SEGMENT_PGDATA
  fi
}

# What every runner does first: packages, build and install, a cluster.
prepare() {
  install_dependencies && build_and_install && start_cluster
}
