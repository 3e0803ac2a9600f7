"""segment_predict throughput and latency.

- Throughput: SELECT count(segment.segment_predict('m', t)) FROM t over 1M
  simulated customers, in one backend, against the bare scan
  SELECT count(*) FROM t WHERE (t.*) IS NOT NULL (the floor), and against
  the peer a user would otherwise write: a PL/Python function that calls
  scikit-learn's predict per row (an MLPClassifier of the same shape,
  trained on the same rows, cached in the session).  PL/Python runs on the
  first 20,000 rows only (at its speed 1M rows would take minutes); its
  figure is rows per second all the same.
- Latency: one row by primary key under pgbench, 8 clients, with and
  without segment_predict, runs interleaved, in pgbench's simple protocol
  (each call parsed and planned) and its prepared one (parsed once per
  connection, as drivers do with repeated statements), pgbench on one CPU
  and the server on the other; p50 / p99 from
  pgbench's per-transaction log, leaving out each run's first second, in
  which every new connection loads the library and decodes the model
  (that first call is timed on its own).

Medians of 5 runs, written to bench/RESULTS.md.
"""
import glob
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import psycopg
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from common import connect, machine_line, median_time, write_section

N_ROWS, N_TRAIN, N_PLPY, RUNS = 1_000_000, 50_000, 20_000, 5
LATENCY_RUNS = 5
# the benchmark machine has two cores: one for pgbench, one for the server
SERVER_CPU, CLIENT_CPU = "0", "1"
FEATURES = ["monthly_spending", "engagement_score", "tenure", "complaint_count",
            "purchase_frequency", "discount_usage"]
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"


def pgbench_latencies(dbname, script_text, protocol, seconds=10, warmup=1.0, clients=8):
    """p50 and p99 latency (ms) and transactions/s after the warm-up."""
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "script.sql")
        with open(script, "w") as f:
            f.write(script_text)
        subprocess.run(["taskset", "-c", CLIENT_CPU, PGBENCH, "-n", "-c", str(clients), "-j", "2",
                        "-T", str(seconds),
                        "-M", protocol, "-f", script, "-l", "--log-prefix",
                        os.path.join(tmp, "log"), dbname],
                       check=True, capture_output=True, text=True)
        ends, us = [], []
        for path in glob.glob(os.path.join(tmp, "log*")):
            with open(path) as f:
                for line in f:
                    # client, transaction, latency (us), script, end time (s, us)
                    fields = line.split()
                    if fields:
                        us.append(int(fields[2]))
                        ends.append(int(fields[4]) + int(fields[5]) / 1e6)
    ends, us = np.array(ends), np.array(us) / 1000.0
    steady = us[ends >= ends.min() + warmup]
    return np.percentile(steady, 50), np.percentile(steady, 99), len(steady) / (seconds - warmup)


def pin_server(conn, cpus):
    """Sets the CPUs of the postmaster, which the backends it forks from now on inherit."""
    data_dir = conn.execute("SHOW data_directory").fetchone()[0]
    with open(os.path.join(data_dir, "postmaster.pid")) as f:
        pid = f.readline().strip()
    subprocess.run(["taskset", "-cp", cpus, pid], check=True, capture_output=True)


def first_call_ms(dbname, sql):
    """Milliseconds of the first and second call in a new connection (median of 5)."""
    first, second = [], []
    for _ in range(5):
        with psycopg.connect(dbname=dbname, autocommit=True) as c:
            for times in (first, second):
                t0 = time.perf_counter()
                c.execute(sql).fetchall()
                times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(first), statistics.median(second)


def main():
    conn = connect()
    dbname = conn.info.dbname
    conn.execute("DROP TABLE IF EXISTS bench_customers CASCADE")
    conn.execute(f"CREATE TABLE bench_customers AS SELECT * FROM segment.simulate_customers({N_ROWS}, 42)")
    conn.execute("ALTER TABLE bench_customers ADD PRIMARY KEY (customer_id)")
    conn.execute("VACUUM ANALYZE bench_customers")
    conn.execute(f"CREATE OR REPLACE VIEW bench_train AS SELECT * FROM bench_customers "
                 f"WHERE customer_id <= {N_TRAIN}")
    conn.execute("DELETE FROM segment.models WHERE name = 'bench_m'")
    conn.execute("SELECT segment.segment_train('bench_m', 'bench_train', 'customer_segment', "
                 "exclude => '{customer_id}', epochs => 20, balance => 'none', deploy => 'always')")

    # scikit-learn peer on the same training rows, stored for PL/Python
    rows = conn.execute(f"SELECT {', '.join(FEATURES)}, customer_segment FROM bench_train").fetchall()
    X = np.array([r[:-1] for r in rows], dtype=float)
    y = np.array([r[-1] for r in rows])
    peer = make_pipeline(StandardScaler(), MLPClassifier((64, 32), max_iter=20, random_state=42)).fit(X, y)
    conn.execute("CREATE EXTENSION IF NOT EXISTS plpython3u")
    conn.execute("DROP TABLE IF EXISTS bench_pickles")
    conn.execute("CREATE TABLE bench_pickles (name text PRIMARY KEY, model bytea)")
    conn.execute("INSERT INTO bench_pickles VALUES ('peer', %s)", (pickle.dumps(peer),))
    args = ", ".join(f"{c} float8" for c in FEATURES)
    conn.execute(f"""
        CREATE OR REPLACE FUNCTION sk_predict({args}) RETURNS int LANGUAGE plpython3u AS $$
            if 'peer' not in SD:
                import pickle
                SD['np'] = __import__('numpy')
                SD['peer'] = pickle.loads(plpy.execute(
                    "SELECT model FROM bench_pickles WHERE name = 'peer'")[0]['model'])
            return int(SD['peer'].predict(SD['np'].array([[{', '.join(FEATURES)}]]))[0])
        $$""")

    def q(sql):
        return lambda: conn.execute(sql).fetchall()

    floor, _ = median_time(q("SELECT count(*) FROM bench_customers t WHERE (t.*) IS NOT NULL"), RUNS)
    seg, _ = median_time(q("SELECT count(segment.segment_predict('bench_m', t)) FROM bench_customers t"), RUNS)
    plpy_sql = (f"SELECT count(sk_predict({', '.join(FEATURES)})) FROM bench_customers "
                f"WHERE customer_id <= {N_PLPY}")
    conn.execute(plpy_sql)  # warm the session's model cache
    plpy, _ = median_time(q(plpy_sql), RUNS)
    agree = conn.execute(
        "SELECT avg((segment.segment_predict('bench_m', t) = customer_segment::text)::int) "
        "FROM bench_customers t WHERE customer_id > %s AND customer_id <= %s",
        (N_TRAIN, N_TRAIN + 100_000)).fetchone()[0]

    seg_rate, floor_rate, plpy_rate = N_ROWS / seg, N_ROWS / floor, N_PLPY / plpy
    # interleaved runs, so that both queries see the same spells of a noisy machine
    queries = {"scan": "SELECT t FROM bench_customers t WHERE customer_id = :id;",
               "predict": "SELECT segment.segment_predict('bench_m', t) FROM bench_customers t "
                          "WHERE customer_id = :id;"}
    latency = {}
    # pgbench on one core, the server's new backends on the other: the
    # client does not take the server's CPU, and the runs vary far less
    pin_server(conn, SERVER_CPU)
    try:
        for protocol in ("simple", "prepared"):
            runs = {name: [] for name in queries}
            for _ in range(LATENCY_RUNS):
                for name, sql in queries.items():
                    runs[name].append(pgbench_latencies(
                        dbname, f"\\set id random(1, {N_ROWS})\n{sql}\n", protocol))
            lat = {name: tuple(statistics.median(r[i] for r in runs[name]) for i in range(3))
                   for name in queries}
            ratios = [p[1] / s[1] for p, s in zip(runs["predict"], runs["scan"])]
            latency[protocol] = (lat, ratios)
    finally:
        pin_server(conn, f"0-{os.cpu_count() - 1}")
    first_ms, second_ms = first_call_ms(
        dbname, "SELECT segment.segment_predict('bench_m', t) FROM bench_customers t "
                "WHERE customer_id = 1")

    labels = {"scan": "`SELECT t FROM t WHERE customer_id = :id`",
              "predict": "`SELECT segment_predict('m', t) FROM t WHERE customer_id = :id`"}
    latency_rows = "\n".join(
        f"| {protocol} | {labels[name]} | {lat[name][0]:.3f} | {lat[name][1]:.3f} | {lat[name][2]:,.0f} |"
        for protocol, (lat, _) in latency.items() for name in queries)
    ratio_lines = "\n".join(
        f"- {protocol}: **{lat['predict'][1] / lat['scan'][1]:.2f}** "
        f"({'met' if lat['predict'][1] / lat['scan'][1] <= 1.2 else 'NOT met'}; per pair: "
        f"{', '.join(f'{r:.2f}' for r in ratios)})"
        for protocol, (lat, ratios) in latency.items())

    body = f"""
Machine: {machine_line()}

Model: segment_train on {N_TRAIN:,} simulated customers, hidden (64, 32), 20 epochs; held-out
accuracy on the next 100,000 rows {float(agree):.3f}.

| query (one backend) | median of {RUNS} (s) | rows/s |
|---|---|---|
| `SELECT count(*) FROM t WHERE (t.*) IS NOT NULL` (floor), {N_ROWS:,} rows | {floor:.3f} | {floor_rate:,.0f} |
| `SELECT count(segment_predict('m', t)) FROM t`, {N_ROWS:,} rows | {seg:.3f} | {seg_rate:,.0f} |
| PL/Python calling scikit-learn predict per row, {N_PLPY:,} rows | {plpy:.3f} | {plpy_rate:,.0f} |

segment_predict: **{seg_rate:,.0f} rows/s** (target >= 500,000); {seg / floor:.2f}x the bare scan's
time; **{seg_rate / plpy_rate:,.0f}x** the PL/Python peer's rate (target >= 50x).

Single row by primary key, pgbench, 8 clients, 10 s per run, {LATENCY_RUNS} interleaved pairs per protocol,
medians; latencies after each run's first second. pgbench runs on CPU {CLIENT_CPU}, the server's backends
on CPU {SERVER_CPU}, which the 8 clients saturate: p99 is mostly queueing, and the throughput is
the server's.

| protocol | query | p50 (ms) | p99 (ms) | transactions/s |
|---|---|---|---|---|
{latency_rows}

p99 with segment_predict / without (ratio of the medians; target <= 1.2):
{ratio_lines}

The simple protocol parses and plans every call again, the choice among segment_predict's
overloads included; the prepared protocol does that once per connection.

First call in a new connection: {first_ms:.1f} ms (loading segment.so, which opens OpenBLAS only
when a function needs it, and decoding the model), the second {second_ms:.2f} ms.
"""
    write_section("segment_predict throughput and latency", body)
    conn.execute("DROP TABLE IF EXISTS bench_customers, bench_pickles CASCADE")
    conn.execute("DELETE FROM segment.models WHERE name = 'bench_m'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
