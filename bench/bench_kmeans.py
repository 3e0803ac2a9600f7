"""k-means benchmark: segment against scikit-learn 1.2 on the same data.

1M rows x 8 features in a table (uniform random numbers from setseed/random(),
so that Lloyd keeps moving for all 50 iterations), k = 8, n_init = 1,
max_iter = 50, tol = 0:

- segment end to end from the table: segment.kmeans_fit(name, relation, ...)
  (load, standardise, seed, 50 Lloyd iterations, score on a 1,000-row
  silhouette sample, register the model), and the aggregate
  kmeans_fit(ARRAY[...], 8, options) over the same table;
- scikit-learn KMeans(algorithm='lloyd') fit on the same standardised numbers
  in numpy (already in memory: its time excludes any loading).

Each is timed as the median of 5 interleaved runs.  GFLOP/s per iteration counts the
distances only (2 n k d flops per iteration) over the time of one
iteration, taken as (time at max_iter 50 - time at max_iter 1) / 49.

Optionally (BENCH_KMEANS_STREAM_ROWS, default 10000000; 0 skips it): the
streaming mode on a table of that many rows with 2 parallel workers,
20 iterations.
"""
import gc
import os
import statistics
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(__file__))
from common import connect, machine_line, median_time, write_section  # noqa: E402

N = int(os.environ.get("BENCH_KMEANS_ROWS", "1000000"))
D = 8
K = 8
ITERS = 50
STREAM_ROWS = int(os.environ.get("BENCH_KMEANS_STREAM_ROWS", "10000000"))
STREAM_ITERS = 20
COLS = [f"x{j}" for j in range(1, D + 1)]
COLS_SQL = "ARRAY[" + ", ".join(f"'{c}'" for c in COLS) + "]"


def make_table(conn, table, n):
    exists = conn.execute("SELECT count(*) FROM pg_class WHERE relname = %s", (table,)).fetchone()[0]
    if exists and conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == n:
        return
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute("SELECT setseed(0.42)")
    cols = ", ".join(f"random() AS {c}" for c in COLS)
    conn.execute(f"CREATE TABLE {table} AS SELECT i AS id, {cols} FROM generate_series(1, {n}) AS i")
    conn.execute(f"VACUUM ANALYZE {table}")


def load_numpy(conn, table):
    buf = bytearray()
    with conn.cursor().copy(f"COPY (SELECT {', '.join(COLS)} FROM {table} ORDER BY id) TO STDOUT") as cp:
        for chunk in cp:
            buf += chunk
    # parsed in C, without a Python object per value
    text = buf.decode().replace("\t", " ").replace("\n", " ")
    del buf
    return np.fromstring(text, dtype=np.float64, sep=" ").reshape(-1, D)


def segment_table_fit(conn, table, max_iter, streaming=False):
    conn.execute(
        f"SELECT * FROM segment.kmeans_fit('bench_kmeans', '{table}', {COLS_SQL}, k => '{{{K}}}', "
        f"n_init => 1, max_iter => {max_iter}, tol => 0, silhouette_sample => 1000, "
        f"streaming => {'true' if streaming else 'false'})").fetchall()


def segment_aggregate_fit(conn, table, max_iter):
    conn.execute(
        f"SELECT segment.kmeans_fit(ARRAY[{', '.join(COLS)}], {K}, "
        f"'{{\"n_init\": 1, \"max_iter\": {max_iter}, \"tol\": 0}}') FROM {table}").fetchone()


def main():
    conn = connect()
    conn.execute("SET client_min_messages = warning")
    conn.execute("SET segment.memory_limit = '4GB'")
    make_table(conn, "bench_kmeans_1m", N)
    X = StandardScaler().fit_transform(load_numpy(conn, "bench_kmeans_1m"))
    gc.collect()
    flops = 2.0 * N * K * D

    def sk(max_iter):
        return KMeans(n_clusters=K, n_init=1, max_iter=max_iter, tol=0, algorithm="lloyd",
                      random_state=0).fit(X)

    # a quiet server first: no checkpoint or autovacuum of the new table
    # during the timed runs (scikit-learn's OpenMP threads slow down badly
    # when a core is busy)
    conn.execute("CHECKPOINT")
    time.sleep(5)
    sk_model = sk(ITERS)
    segment_table_fit(conn, "bench_kmeans_1m", ITERS)
    # interleaved, so that both sides see the same machine
    runs_sk, runs_seg, runs_sk1, runs_seg1, runs_agg = [], [], [], [], []
    for _ in range(5):
        runs_sk.append(median_time(lambda: sk(ITERS), repeats=1)[0])
        runs_seg.append(median_time(lambda: segment_table_fit(conn, "bench_kmeans_1m", ITERS),
                                    repeats=1)[0])
        runs_sk1.append(median_time(lambda: sk(1), repeats=1)[0])
        runs_seg1.append(median_time(lambda: segment_table_fit(conn, "bench_kmeans_1m", 1),
                                     repeats=1)[0])
        runs_agg.append(median_time(lambda: segment_aggregate_fit(conn, "bench_kmeans_1m", ITERS),
                                    repeats=1)[0])
    t_sk, t_seg, t_sk1, t_seg1, t_agg = (statistics.median(r) for r in
                                         (runs_sk, runs_seg, runs_sk1, runs_seg1, runs_agg))
    segment_table_fit(conn, "bench_kmeans_1m", ITERS)
    seg_iters = conn.execute(
        "SELECT (metrics -> 'per_k' -> 0 ->> 'n_iter')::int FROM segment.models "
        "WHERE name = 'bench_kmeans' AND deployed").fetchone()[0]
    # keep only the last version of the benchmark model
    conn.execute("DELETE FROM segment.models WHERE name = 'bench_kmeans' AND NOT deployed")

    it_seg = (t_seg - t_seg1) / (ITERS - 1)
    it_sk = (t_sk - t_sk1) / (ITERS - 1)
    # what one process cannot go below: reading the table's values once,
    # and reading the in-memory matrix once per iteration (numpy's sum
    # streams it at the memory bandwidth of one core)
    conn.execute("SET max_parallel_workers_per_gather = 0")
    t_read, _ = median_time(lambda: conn.execute(
        f"SELECT sum({' + '.join(COLS)}) FROM bench_kmeans_1m").fetchone())
    conn.execute("RESET max_parallel_workers_per_gather")
    t_pass, _ = median_time(lambda: X.sum())
    floor = t_read + ITERS * t_pass
    lines = [
        machine_line(), "",
        f"{N:,} rows x {D} features (uniform random, standardised), k = {K}, n_init = 1, "
        f"max_iter = {ITERS}, tol = 0; median of 5 interleaved runs.", "",
        "| | time (s) | vs scikit-learn | iterations | one iteration (ms) | GFLOP/s (distances) |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| scikit-learn KMeans(algorithm='lloyd') fit, data already in numpy | {t_sk:.3f} | 1.00 | "
        f"{sk_model.n_iter_} | {1000 * it_sk:.2f} | {flops / it_sk / 1e9:.2f} |",
        f"| segment.kmeans_fit(name, relation, ...) end to end from the table | {t_seg:.3f} | "
        f"{t_seg / t_sk:.2f} | {seg_iters} | {1000 * it_seg:.2f} | {flops / it_seg / 1e9:.2f} |",
        f"| segment.kmeans_fit(ARRAY[...], 8, options) aggregate over the table | {t_agg:.3f} | "
        f"{t_agg / t_sk:.2f} | | | |",
        "",
        f"segment's fixed cost (load, standardise, seed, score, register: the time at max_iter = 1) "
        f"is {t_seg1:.3f} s; scikit-learn's at max_iter = 1 is {t_sk1:.3f} s.",
        "Threads: scikit-learn runs its Lloyd loop with "
        + ", ".join(f"{i['num_threads']} {i['internal_api']} threads" for i in threadpool_info()
                    if i['user_api'] == 'openmp')
        + " (OpenBLAS kernels: " + ", ".join(str(i.get('architecture')) for i in threadpool_info()
                                             if i['internal_api'] == 'openblas')
        + "); a segment backend computes on one core (segment.blas_threads = 1, parallelism "
        "comes from parallel workers), with the same OpenBLAS.",
        f"Target: segment end to end <= 1/3 of scikit-learn's fit time: "
        f"{'met' if t_seg <= t_sk / 3 else 'NOT met'} (ratio {t_seg / t_sk:.2f}).",
        f"Runs (s): scikit-learn {', '.join(f'{t:.3f}' for t in runs_sk)}; "
        f"segment {', '.join(f'{t:.3f}' for t in runs_seg)}.",
        f"Floor for one backend: reading the table's values once takes {t_read:.3f} s (one "
        f"backend, SELECT sum(x1 + ... + x8)), and one pass over the {X.nbytes / 2**20:.0f} MB "
        f"matrix {1000 * t_pass:.1f} ms (numpy sum: one core's memory bandwidth), so "
        f"{ITERS} iterations cannot take less than {floor:.3f} s from the table, "
        f"{floor / t_sk:.2f} of scikit-learn's fit time.",
    ]

    # one Lloyd step pass: features as one array or as separate arguments
    conn.execute("SET max_parallel_workers_per_gather = 2")
    cents = "'{" + ",".join("{" + ",".join(str((j + t) % 3 / 2) for t in range(D)) + "}"
                            for j in range(K)) + "}'::float8[]"
    weights = "'{" + ",".join("1" for _ in range(D)) + "}'::float8[]"
    t_arr, _ = median_time(lambda: conn.execute(
        f"SELECT segment.kmeans_step(ARRAY[{', '.join(COLS)}], {cents}, {weights}) "
        "FROM bench_kmeans_1m").fetchone())
    t_args, _ = median_time(lambda: conn.execute(
        f"SELECT segment.kmeans_step({cents}, {weights}, {', '.join(COLS)}) "
        "FROM bench_kmeans_1m").fetchone())
    t_count, _ = median_time(lambda: conn.execute(
        f"SELECT count({COLS[-1]}) FROM bench_kmeans_1m").fetchone())
    lines += [
        "",
        "One Lloyd step pass over the 1M-row table (segment.kmeans_step, 2 parallel workers, median "
        f"of 5): features as one array {t_arr * 1000:.0f} ms, as separate float8 arguments "
        f"{t_args * 1000:.0f} ms, so the streaming driver passes separate arguments (up to 16 "
        f"features); a bare count() over the same table takes {t_count * 1000:.0f} ms.",
    ]

    if STREAM_ROWS > 0:
        make_table(conn, "bench_kmeans_stream", STREAM_ROWS)
        conn.execute("SET max_parallel_workers_per_gather = 2")
        t_count10, _ = median_time(lambda: conn.execute(
            f"SELECT count({COLS[-1]}) FROM bench_kmeans_stream").fetchone(), repeats=3)
        t0 = time.perf_counter()
        conn.execute(
            f"SELECT * FROM segment.kmeans_fit('bench_kmeans_stream', 'bench_kmeans_stream', "
            f"{COLS_SQL}, k => '{{{K}}}', n_init => 1, max_iter => {STREAM_ITERS}, tol => 0, "
            f"silhouette_sample => 1000, streaming => true)").fetchall()
        t_stream = time.perf_counter() - t0
        n_iter = conn.execute(
            "SELECT (metrics -> 'per_k' -> 0 ->> 'n_iter')::int FROM segment.models "
            "WHERE name = 'bench_kmeans_stream' AND deployed").fetchone()[0]
        conn.execute("DELETE FROM segment.models WHERE name = 'bench_kmeans_stream' AND NOT deployed")
        lines += [
            "",
            f"Streaming mode: {STREAM_ROWS:,} rows x {D}, k = {K}, {n_iter} iterations, each one "
            f"parallel aggregate query (segment.kmeans_step with the features as separate float8 "
            f"arguments, max_parallel_workers_per_gather = 2), plus the statistics, sample and "
            f"final inertia passes: {t_stream:.1f} s end to end, one run "
            f"(target < 10 s for 20 iterations: {'met' if t_stream < 10 else 'NOT met'}). "
            f"For scale: one bare count() pass over this table takes {t_count10:.2f} s, so "
            f"its {n_iter + 3} passes (statistics, sample, iterations, final inertia) cost at least "
            f"{(n_iter + 3) * t_count10:.1f} s on this machine.",
        ]
    write_section("kmeans", "\n".join(lines))


if __name__ == "__main__":
    main()
