"""segment on a Citus cluster (docs/scale.md): a coordinator and two
workers on this machine (test/citus/citus_cluster.py starts them from
CITUS_PG_BIN and installs this checkout's build there), 1M simulated
customers in 8 shards beside a plain copy on the coordinator.

- predicting by name over every row: the distributed table against the
  copy, and the model as a subquery;
- the metric aggregates over every row (pushed down);
- one row by the distribution key (a router query) under pgbench, prepared
  protocol, 4 clients: the bare lookup and with segment_predict by name;
- segment.deploy with the registry replicated (a two-phase commit over the
  three nodes) and before it is;
- segment.replicate_registry() itself.

All nodes share this machine's cores, so the figures measure Citus's
overhead and segment's on top of it, not a scale-out.  Medians of
interleaved runs.  Without CITUS_PG_BIN, nothing is measured.
"""
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from common import machine_line, write_section

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "citus"))
import citus_cluster  # noqa: E402

N_ROWS, N_TRAIN, RUNS, LATENCY_RUNS = 1_000_000, 50_000, 5, 3


def timed(conn, sql, params=None):
    t0 = time.perf_counter()
    conn.execute(sql, params).fetchall()
    return time.perf_counter() - t0


def interleaved(conn, queries, runs=RUNS):
    times = {name: [] for name in queries}
    for sql in queries.values():
        conn.execute(sql).fetchall()  # warm
    for _ in range(runs):
        for name, sql in queries.items():
            times[name].append(timed(conn, sql))
    return {name: statistics.median(t) for name, t in times.items()}


def pgbench(cluster, script_text, seconds=10, clients=4, warmup=1.0):
    """p50 latency (ms) and transactions/s after the warm-up, prepared protocol."""
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "script.sql")
        with open(script, "w") as f:
            f.write(script_text)
        subprocess.run([os.path.join(citus_cluster.pg_bin(), "pgbench"), "-n", "-c", str(clients),
                        "-j", "2", "-T", str(seconds), "-M", "prepared", "-f", script, "-l",
                        "--log-prefix", os.path.join(tmp, "log"), "-h", cluster.dir,
                        "-p", str(cluster.port("coordinator")), "-U", "postgres", "postgres"],
                       check=True, capture_output=True, text=True)
        ends, us = [], []
        for path in glob.glob(os.path.join(tmp, "log*")):
            with open(path) as f:
                for line in f:
                    fields = line.split()
                    if fields:
                        us.append(int(fields[2]))
                        ends.append(int(fields[4]) + int(fields[5]) / 1e6)
    ends, ms = np.array(ends), np.array(us) / 1000.0
    steady = ms[ends >= ends.min() + warmup]
    return float(np.percentile(steady, 50)), len(steady) / (seconds - warmup)


def main():
    reason = citus_cluster.unavailable()
    if reason:
        print(f"bench_citus: skipped: {reason}")
        return 0
    citus_cluster.build_and_install()
    cluster = citus_cluster.Cluster()
    try:
        cluster.start()
        return measure(cluster)
    finally:
        cluster.stop()


def measure(cluster):
    conn = cluster.connect()
    conn.execute("CREATE EXTENSION segment")
    conn.execute("SET segment.progress = off")
    conn.execute("SET citus.shard_count = 8")
    conn.execute(f"CREATE TABLE customers AS SELECT * FROM segment.simulate_customers({N_ROWS}, 42)")
    conn.execute("ALTER TABLE customers ADD PRIMARY KEY (customer_id)")
    conn.execute("CREATE TABLE customers_local AS SELECT * FROM customers")
    conn.execute("ALTER TABLE customers_local ADD PRIMARY KEY (customer_id)")
    conn.execute("SELECT create_distributed_table('customers', 'customer_id')")
    conn.execute("SELECT truncate_local_data_after_distributing_table('customers')")
    conn.execute("VACUUM ANALYZE customers_local")
    conn.execute(f"CREATE VIEW train AS SELECT * FROM customers_local WHERE customer_id <= {N_TRAIN}")
    for _ in range(2):
        conn.execute("SELECT segment.segment_train('m', 'train', 'customer_segment', "
                     "exclude => '{customer_id}', epochs => 20, balance => 'none', deploy => 'always')")
    size = conn.execute("SELECT length(segment.model('m'))").fetchone()[0]

    def deploys():
        times = []
        for i in range(10):
            times.append(timed(conn, f"SELECT segment.deploy('m', {1 + i % 2})"))
        return statistics.median(times)

    deploy_local = deploys()
    t0 = time.perf_counter()
    replicated = conn.execute("SELECT segment.replicate_registry()").fetchone()[0]
    replicate_s = time.perf_counter() - t0
    deploy_replicated = deploys()
    conn.execute("SELECT segment.deploy('m', 2)")

    scans = interleaved(conn, {
        "distributed, by name": "SELECT count(segment.segment_predict('m', c)) FROM customers c",
        "distributed, subquery": "SELECT count(segment.segment_predict((SELECT segment.model('m')), c)) "
                                 "FROM customers c",
        "local copy, by name": "SELECT count(segment.segment_predict('m', c)) FROM customers_local c",
        "distributed, bare scan": "SELECT count(*) FROM customers c WHERE (c.*) IS NOT NULL",
        "local copy, bare scan": "SELECT count(*) FROM customers_local c WHERE (c.*) IS NOT NULL",
    })
    metric = ("SELECT segment.accuracy(customer_segment::text, segment.segment_predict('m', c)), "
              "segment.f1_score(customer_segment::text, segment.segment_predict('m', c), '2') FROM ")
    metrics = interleaved(conn, {"distributed": metric + "customers c",
                                 "local copy": metric + "customers_local c"})
    assert conn.execute(metric + "customers c").fetchone() == \
        conn.execute(metric + "customers_local c").fetchone()

    lookups = {
        "bare lookup": "SELECT c FROM customers c WHERE customer_id = :id;",
        "segment_predict by name": "SELECT segment.segment_predict('m', c) FROM customers c "
                                   "WHERE customer_id = :id;",
    }
    runs = {name: [] for name in lookups}
    for _ in range(LATENCY_RUNS):
        for name, sql in lookups.items():
            runs[name].append(pgbench(cluster, f"\\set id random(1, {N_ROWS})\n{sql}\n"))
    latency = {name: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
               for name, rs in runs.items()}

    scan_rows = "\n".join(f"| {name} | {t:.3f} | {N_ROWS / t:,.0f} |" for name, t in scans.items())
    latency_rows = "\n".join(f"| {name} | {p50:.3f} | {tps:,.0f} |" for name, (p50, tps) in latency.items())
    body = f"""
Machine: {machine_line()}; Citus {conn.execute("SELECT citus_version()").fetchone()[0].split()[1]}

A coordinator and two workers on this machine (they share its cores: these figures are the
overhead of going through Citus, not a scale-out), {N_ROWS:,} simulated customers in 8 shards
(4 per worker) beside a plain copy on the coordinator; the model (segment_train, hidden (64, 32),
{N_TRAIN:,} rows) is {size:,} bytes. Medians of {RUNS} interleaved runs.

| query: `SELECT count(...) FROM customers` | seconds | rows/s |
|---|---|---|
{scan_rows}

Metric aggregates, `accuracy(...)` and `f1_score(...)` of by-name predictions over every row
(pushed down: one partial state per shard): distributed {metrics['distributed']:.3f} s,
local copy {metrics['local copy']:.3f} s, same figures.

One row by the distribution key (a router query to one worker), pgbench, prepared protocol,
4 clients, 10 s per run, {LATENCY_RUNS} interleaved pairs, medians after each run's first second:

| query | p50 (ms) | transactions/s |
|---|---|---|
{latency_rows}

`segment.replicate_registry()` with {replicated} versions: {replicate_s * 1000:.0f} ms (creating the
reference table included). `segment.deploy` (median of 10): {deploy_local * 1000:.1f} ms before the
registry is replicated, {deploy_replicated * 1000:.1f} ms after (the replica's rows are updated on
every node in the same two-phase commit).
"""
    write_section("Citus: segment on a coordinator and two workers", body)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
