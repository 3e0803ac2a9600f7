"""Segment views for BI tools: SELECT * through segment.create_segment_view's
view against the plain table, and one customer by primary key.

- Data: 100,000 simulated customers (primary key customer_id), a k-means
  model of four personas with roles (kmeans_fit, k = 4), and the view
  create_segment_view makes: every column plus segment, persona and action
  (one segment.persona call per row).
- For reference, the view a user wrote before personas were stored: the
  cluster from segment_predict joined to profile(), which assigns the whole
  table on every query.
- Full reads: psql fetches every row in text format into /dev/null (what a
  BI tool receives, without the network), \\timing per query, the queries
  interleaved, median of 9 runs each.
- One customer: pgbench, one client, prepared protocol (as drivers repeat
  statements), 5 s per query, interleaved 3 times; average latency.

Written to bench/RESULTS.md.
"""
import os
import re
import statistics
import subprocess
import tempfile

from common import connect, machine_line, write_section

N_ROWS, RUNS, LOOKUP_RUNS = 100_000, 9, 3
DB = "segment_bench"
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
QUERIES = {
    "plain table": "SELECT * FROM bench_view_customers",
    "segment view (create_segment_view)": "SELECT * FROM bench_view_scored",
    "segment_predict only": "SELECT c.*, segment.segment_predict('bench_view_model', c) AS segment "
                            "FROM bench_view_customers c",
    "persona through a profile() join (before)": "SELECT * FROM bench_view_profiled",
}
# per-row cost of the functions, without sending rows
PER_ROW = {
    "scan": "SELECT count(*) FROM bench_view_customers c WHERE (c.*) IS NOT NULL",
    "segment_predict": "SELECT count(segment.segment_predict('bench_view_model', c)) "
                       "FROM bench_view_customers c",
    "persona": "SELECT count((segment.persona('bench_view_model', c)).label) "
               "FROM bench_view_customers c",
}
LOOKUPS = {
    "plain table": "SELECT * FROM bench_view_customers WHERE customer_id = :id",
    "segment view": "SELECT * FROM bench_view_scored WHERE customer_id = :id",
    "profile() join (before)": "SELECT * FROM bench_view_profiled WHERE customer_id = :id",
}


def setup(conn):
    conn.execute("SET client_min_messages = warning")
    conn.execute("DROP VIEW IF EXISTS bench_view_scored, bench_view_profiled")
    conn.execute("DROP TABLE IF EXISTS bench_view_customers")
    conn.execute("SELECT segment.drop_model('bench_view_model') "
                 "WHERE EXISTS (SELECT FROM segment.models WHERE name = 'bench_view_model')")
    conn.execute(f"CREATE TABLE bench_view_customers AS SELECT * FROM segment.simulate_customers({N_ROWS})")
    conn.execute("ALTER TABLE bench_view_customers ADD PRIMARY KEY (customer_id)")
    conn.execute("VACUUM ANALYZE bench_view_customers")
    conn.execute("SELECT count(*) FROM segment.kmeans_fit('bench_view_model', 'bench_view_customers', "
                 "'{monthly_spending,engagement_score,purchase_frequency,tenure}', k => '{4}', "
                 "roles => '{\"monetary\": \"monthly_spending\", \"frequency\": \"purchase_frequency\"}')")
    conn.execute("SELECT segment.create_segment_view('bench_view_scored', 'bench_view_customers', "
                 "'bench_view_model')")
    conn.execute("CREATE VIEW bench_view_profiled AS "
                 "SELECT c.*, s.segment, p.persona FROM bench_view_customers c "
                 "CROSS JOIN LATERAL (SELECT segment.segment_predict('bench_view_model', c)::int "
                 "AS segment) s "
                 "JOIN segment.profile('bench_view_model', 'bench_view_customers') p "
                 "ON p.cluster = s.segment")


def timed(queries):
    """{label: [ms, ...]}: every query RUNS times, interleaved, in one psql session."""
    script = ["\\timing on", "\\o /dev/null"]
    for _ in range(RUNS):
        for q in queries.values():
            script.append(q + ";")
    out = subprocess.run(["psql", "-X", "-q", "-d", DB], input="\n".join(script) + "\n",
                         capture_output=True, text=True, check=True).stdout
    times = [float(t) for t in re.findall(r"^Time: ([0-9.]+) ms", out, re.M)]
    labels = list(queries)
    return {label: times[i::len(labels)] for i, label in enumerate(labels)}


def lookup_latency(query):
    """pgbench's average latency (ms) of one query by a random customer_id."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lookup.sql")
        with open(path, "w") as f:
            f.write(f"\\set id random(1, {N_ROWS})\n{query};\n")
        out = subprocess.run([PGBENCH, "-n", "-c", "1", "-T", "5", "-M", "prepared", "-f", path, DB],
                             capture_output=True, text=True, check=True).stdout
    return float(re.search(r"latency average = ([0-9.]+) ms", out).group(1))


def load_average():
    return os.getloadavg()[0]


def main():
    load_start = load_average()
    conn = connect(DB)
    setup(conn)
    # warm up: buffers, the library, the model's decoding
    timed(QUERIES)
    reads = timed(QUERIES)
    per_row = {label: statistics.median(v) for label, v in timed(PER_ROW).items()}
    lookups = {label: [] for label in LOOKUPS}
    for _ in range(LOOKUP_RUNS):
        for label, q in LOOKUPS.items():
            lookups[label].append(lookup_latency(q))
    load_end = load_average()
    med = {label: statistics.median(v) for label, v in reads.items()}
    plain = med["plain table"]
    ratio = med["segment view (create_segment_view)"] / plain
    pair_ratios = [v / p for v, p in zip(reads["segment view (create_segment_view)"],
                                          reads["plain table"])]

    rows = "\n".join(
        f"| {label} | {med[label]:.1f} | {med[label] / plain:.2f} | "
        f"{', '.join(f'{t:.1f}' for t in reads[label])} |" for label in QUERIES)
    lk = {label: statistics.median(v) for label, v in lookups.items()}
    lrows = "\n".join(
        f"| {label} | {lk[label]:.3f} | {', '.join(f'{t:.3f}' for t in lookups[label])} |"
        for label in LOOKUPS)
    body = f"""
Machine: {machine_line()}

Load average (1 min) when this benchmark started and ended: {load_start:.1f} and {load_end:.1f}
on {os.cpu_count()} cores (a shared machine: the runs below show the noise).

Data: {N_ROWS:,} simulated customers (8 columns, primary key customer_id); a k-means model
of 4 personas (kmeans_fit on 4 columns, monetary and frequency roles). The segment view is
`segment.create_segment_view('bench_view_scored', 'bench_view_customers', 'bench_view_model')`:
every column plus `segment`, `persona` and `action`, one `segment.persona` call per row.
The "before" view adds the persona by joining `segment.profile()`, which assigns the whole
table on every query (the issue's workaround).

`SELECT *` of every row, psql into /dev/null (text format, as a client receives it), median of
{RUNS} interleaved runs after one warm-up round:

| query | median (ms) | vs the plain table | runs (ms) |
|---|---|---|---|
{rows}

Segment view / plain table: **{ratio:.2f}x** (target <= 3x: {"met" if ratio <= 3 else "NOT met"};
per interleaved pair: {', '.join(f'{r:.2f}' for r in pair_ratios)}).

Per row, in one backend (`SELECT count(f(...)) FROM t`, no rows sent; median of {RUNS}): the scan
{per_row["scan"] * 1000 / N_ROWS:.2f} us, `segment_predict` {(per_row["segment_predict"] - per_row["scan"]) * 1000 / N_ROWS:.2f} us
more, `segment.persona` (cluster, label and action) {(per_row["persona"] - per_row["scan"]) * 1000 / N_ROWS:.2f} us more.

One customer by primary key, pgbench, 1 client, prepared protocol, 5 s per run,
{LOOKUP_RUNS} interleaved runs; average latency:

| query | median (ms) | runs (ms) |
|---|---|---|
{lrows}
"""
    write_section("Segment views for BI tools", body)


if __name__ == "__main__":
    main()
