"""segment.rfm against the usual pandas RFM recipe on the same transactions.

CDNOW_master.txt (69,659 transactions, 23,570 customers) and 1,000,000
synthetic order lines of 100,000 customers.  segment is timed end to end
(scan the table, group, rank, score, fill the function's result: a count(*)
over it, so that no rows travel to the client), serially and with two
parallel workers; pandas on the same rows already in a DataFrame (group per
customer and day, then per customer, qcut on ranks, the segment map).
Medians of interleaved runs, written to bench/RESULTS.md.
"""
import io
import statistics
import sys

import pandas as pd

from common import connect, machine_line, median_time, write_section

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "test" / "parity"))
from test_rfm_parity import segment_of  # noqa: E402  (the documented map, as rules)

DATA = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "data"
RUNS = 5
PARALLEL = {"parallel_setup_cost": "0", "parallel_tuple_cost": "0",
            "min_parallel_table_scan_size": "0", "max_parallel_workers_per_gather": "2"}


def pandas_rfm(tx):
    """The recipe of RFM notebooks: purchases per customer and day, then per customer."""
    purchases = tx.groupby(["customer", "day"], as_index=False)["amount"].sum()
    g = purchases.groupby("customer")
    out = pd.DataFrame({"frequency": g.size(), "first": g["day"].min(), "last": g["day"].max(),
                        "monetary": g["amount"].sum()}).sort_index()
    as_of = purchases["day"].max()
    out["recency"] = (as_of - out["last"]).dt.days
    out["tenure"] = (as_of - out["first"]).dt.days
    out["inter_purchase_time"] = ((out["last"] - out["first"]).dt.days / (out["frequency"] - 1)) \
        .where(out["frequency"] > 1)
    out["average_order_value"] = out["monetary"] / out["frequency"]
    out["r_score"] = pd.qcut(out["recency"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int)
    out["f_score"] = pd.qcut(out["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    out["m_score"] = pd.qcut(out["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    out["segment"] = [segment_of(r, f, m) for r, f, m in
                      zip(out["r_score"], out["f_score"], out["m_score"])]
    return out


def read_back(conn, table):
    """The table's rows as a DataFrame (customer, day, amount)."""
    with conn.cursor().copy(f"COPY (SELECT customer, day, amount FROM {table}) TO STDOUT "
                            "WITH (FORMAT csv)") as cp:
        data = b"".join(bytes(block) for block in cp)
    return pd.read_csv(io.BytesIO(data), names=["customer", "day", "amount"],
                       dtype={"customer": str}, parse_dates=["day"])


def settings(conn, values):
    for name, value in values.items():
        conn.execute(f"SET {name} = {value}")


def measure(conn, table, tx):
    sql = f"SELECT count(*) FROM segment.rfm('{table}', 'customer', 'day', 'amount')"
    times = {"serial": [], "parallel": [], "pandas": [], "export": []}
    for _ in range(RUNS):
        settings(conn, {"max_parallel_workers_per_gather": "0"})
        times["serial"] += median_time(lambda: conn.execute(sql).fetchone(), 1)[1]
        settings(conn, PARALLEL)
        times["parallel"] += median_time(lambda: conn.execute(sql).fetchone(), 1)[1]
        for name in PARALLEL:
            conn.execute(f"RESET {name}")
        times["pandas"] += median_time(lambda: pandas_rfm(tx), 1)[1]
        times["export"] += median_time(lambda: pandas_rfm(read_back(conn, table)), 1)[1]
    (n,) = conn.execute(sql).fetchone()
    assert n == tx["customer"].nunique(), (n, tx["customer"].nunique())
    return n, {k: (statistics.median(v), v) for k, v in times.items()}


def rows_md(results):
    labels = {"serial": "segment.rfm, no parallel workers",
              "parallel": "segment.rfm, 2 parallel workers (forced)",
              "pandas": "pandas recipe (DataFrame in memory)",
              "export": "pandas recipe, reading the table first (COPY to CSV, read_csv)"}
    return "\n".join(f"| {labels[k]} | {m:.3f} | {', '.join(f'{t:.3f}' for t in ts)} |"
                     for k, (m, ts) in results.items())


def main():
    conn = connect()
    conn.execute("DROP TABLE IF EXISTS bench_rfm_cdnow, bench_rfm_lines")
    conn.execute("CREATE TABLE bench_rfm_cdnow (customer text, day date, amount numeric)")
    lines = open(DATA / "CDNOW_master.txt").read().splitlines()[1:]
    text = "".join(f"{c}\t{d}\t{a}\n" for c, d, _n, a in (line.split() for line in lines if line.strip()))
    with conn.cursor().copy("COPY bench_rfm_cdnow FROM STDIN") as cp:
        cp.write(text)
    # order lines: 100,000 customers, 10 lines each on average, over 540 days
    conn.execute("CREATE TABLE bench_rfm_lines AS SELECT "
                 "(i * 7919 % 100000)::bigint AS customer, "
                 "date '2023-01-01' + (i * 104729 % 540)::int AS day, "
                 "round((5 + i * 31 % 9500 / 100.0)::numeric, 2) AS amount "
                 "FROM generate_series(1::bigint, 1000000) AS i")
    conn.execute("VACUUM ANALYZE bench_rfm_cdnow")
    conn.execute("VACUUM ANALYZE bench_rfm_lines")

    sections = []
    for table, what in [("bench_rfm_cdnow", "CDNOW_master.txt: 69,659 transactions"),
                        ("bench_rfm_lines", "synthetic order lines: 1,000,000 rows")]:
        tx = read_back(conn, table)
        n, results = measure(conn, table, tx)
        ratio = results["serial"][0] / results["pandas"][0]
        export = results["serial"][0] / results["export"][0]
        sections.append(f"""
{what}, {n:,} customers

| | median of {RUNS} interleaved runs (s) | runs (s) |
|---|---|---|
{rows_md(results)}

segment (serial) / pandas time: **{ratio:.2f}** with the DataFrame in memory, **{export:.2f}**
with the read of the table; with 2 workers: **{results['parallel'][0] / results['pandas'][0]:.2f}**.
""")
    body = f"""
Machine: {machine_line()}; pandas {pd.__version__}

segment is timed end to end (scan, group per customer and day, then per customer, rank,
score, fill the result; `SELECT count(*) FROM segment.rfm(...)`, no rows to the client); pandas
on the same rows already in a DataFrame (the recipe of the parity test, with float sums), and
with the read of the table into a DataFrame first, what a notebook pays to get the rows. On 2
shared cores, forced parallel workers compete with the leader and other work.
{''.join(sections)}"""
    write_section("rfm vs the pandas RFM recipe", body)
    conn.execute("DROP TABLE IF EXISTS bench_rfm_cdnow, bench_rfm_lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
