"""segment_predict with the model by name against the same model as a
value: a subquery (SELECT segment.model('m')), a literal, and a bound
parameter, over 1M simulated customers, with the server's parallel
workers and without.  Interleaved runs (every form once per round),
medians of 5.

The figures are recorded under the label of the build measured
(BENCH_LABEL, default: the checkout's commit), beside those of other
builds already in the section, so that a run on the build before a change
and one after it stand side by side in bench/RESULTS.md.
"""
import os
import re
import statistics
import subprocess
import sys
import time

from common import RESULTS, connect, machine_line, write_section

N_ROWS, N_TRAIN, RUNS = 1_000_000, 50_000, 5
SECTION = "segment_predict: a model by name and as a value"
FORMS = {
    "by name": "SELECT count(segment.segment_predict('bench_v', t)) FROM bench_values t",
    "subquery": "SELECT count(segment.segment_predict((SELECT segment.model('bench_v')), t)) "
                "FROM bench_values t",
    "literal": "SELECT count(segment.segment_predict({literal}::bytea, t)) FROM bench_values t",
    "bound parameter": "SELECT count(segment.segment_predict(%s::bytea, t)) FROM bench_values t",
}


def label():
    if os.environ.get("BENCH_LABEL"):
        return os.environ["BENCH_LABEL"]
    here = os.path.dirname(os.path.abspath(__file__))
    commit = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return commit + (" (modified)" if dirty else "")


def earlier_rows(this_label):
    """The table rows of other builds already in the section."""
    if not RESULTS.exists():
        return []
    m = re.search(rf"^## {re.escape(SECTION)}\n(.*?)(?=^## |\Z)", RESULTS.read_text(), re.S | re.M)
    if not m:
        return []
    return [line for line in m.group(1).splitlines()
            if line.startswith("| ") and not line.startswith("| build ")
            and not line.startswith(f"| {this_label} |")]


def main():
    conn = connect()
    conn.execute("DROP TABLE IF EXISTS bench_values CASCADE")
    conn.execute(f"CREATE TABLE bench_values AS SELECT * FROM segment.simulate_customers({N_ROWS}, 42)")
    conn.execute("VACUUM ANALYZE bench_values")
    conn.execute(f"CREATE OR REPLACE VIEW bench_values_train AS SELECT * FROM bench_values "
                 f"WHERE customer_id <= {N_TRAIN}")
    conn.execute("SET segment.progress = off")
    if conn.execute("SELECT count(*) FROM segment.models WHERE name = 'bench_v'").fetchone()[0]:
        conn.execute("SELECT segment.drop_model('bench_v')")
    conn.execute("SELECT segment.segment_train('bench_v', 'bench_values_train', 'customer_segment', "
                 "exclude => '{customer_id}', epochs => 20, balance => 'none', deploy => 'always')")
    model = conn.execute("SELECT segment.model('bench_v')").fetchone()[0]
    literal = conn.execute("SELECT quote_literal(segment.model('bench_v'))").fetchone()[0]

    def run(form):
        sql = FORMS[form].format(literal=literal) if form == "literal" else FORMS[form]
        params = (model,) if form == "bound parameter" else None
        t0 = time.perf_counter()
        count = conn.execute(sql, params).fetchone()[0]
        assert count == N_ROWS
        return time.perf_counter() - t0

    # every form predicts what the name predicts
    agree = conn.execute(
        "SELECT count(*) FILTER (WHERE segment.segment_predict('bench_v', t) = "
        "segment.segment_predict(%s::bytea, t)) FROM bench_values t WHERE customer_id <= 10000",
        (model,)).fetchone()[0]
    assert agree == 10000

    times = {}
    for workers in (2, 0):
        conn.execute(f"SET max_parallel_workers_per_gather = {workers}")
        for form in FORMS:
            run(form)  # warm: decode once per backend, load pages
        runs = {form: [] for form in FORMS}
        for _ in range(RUNS):
            for form in FORMS:
                runs[form].append(run(form))
        times[workers] = {form: (statistics.median(r), r) for form, r in runs.items()}
    conn.execute("RESET max_parallel_workers_per_gather")

    this = label()
    rows = earlier_rows(this)
    for form in FORMS:
        rows.append(f"| {this} | {form} | {times[2][form][0]:.3f} | {times[0][form][0]:.3f} | "
                    f"{times[2][form][0] / times[2]['by name'][0]:.2f} | "
                    f"{times[0][form][0] / times[0]['by name'][0]:.2f} |")
    body = f"""
Machine: {machine_line()}

`SELECT count(segment_predict(<model>, t)) FROM t` over {N_ROWS:,} simulated customers; the model
(segment_train, hidden (64, 32), {N_TRAIN:,} rows) is {len(model):,} bytes. Forms: by name
(`'m'`), a subquery (`(SELECT segment.model('m'))`, an InitPlan), the bytes as a literal, and the
bytes as a bound parameter (the extended protocol's `$1`). Medians of {RUNS} interleaved rounds
(every form once per round), in seconds, with the server's default of 2 parallel workers and
with none; the ratio is to the by-name time of the same build. Each build's rows are written by
its own run (`BENCH_LABEL` names it).

| build | form | 2 workers (s) | no workers (s) | ratio, 2 workers | ratio, no workers |
|---|---|---|---|---|---|
""" + "\n".join(rows) + "\n"
    write_section(SECTION, body)
    conn.execute("DROP TABLE IF EXISTS bench_values CASCADE")
    conn.execute("SELECT segment.drop_model('bench_v')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
