"""segment.report and the segment.plot_* pictures on the demo's models.

The demo's pipeline (scripts/demo.sql: 10,000 customers; a classifier,
a regressor and k-means trained on them) runs in the benchmark database;
then each model's page is built RUNS times, interleaved, and the chief
pictures alone.  Times are client wall times of the whole call (reading
the registry, re-reading the test rows or the k-means relation,
permutation importance with 5 shuffles per column, drawing, sending the
text).  There is no reference implementation to compare with: scikit-learn
draws nothing, and a notebook's matplotlib figures are not a like-for-like
call.  Medians written to bench/RESULTS.md.
"""
import os
import pathlib
import subprocess

from common import connect, machine_line, median_time, write_section

ROOT = pathlib.Path(__file__).resolve().parents[1]
RUNS = 7
MODELS = ["value_tier", "spend", "personas"]
PICTURES = [("value_tier", "plot_confusion_matrix"), ("value_tier", "plot_importance"),
            ("spend", "plot_actual_vs_predicted"), ("personas", "plot_clusters")]


def main():
    conn = connect()
    env = dict(os.environ, PGDATABASE="segment_bench")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "scripts/demo.sql"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    rows = conn.execute("SELECT count(*) FROM public.customers").fetchone()[0]
    sizes = {m: len(conn.execute("SELECT segment.report(%s)", (m,)).fetchone()[0]) for m in MODELS}

    # interleaved: one run of every call per round
    times = {m: [] for m in MODELS}
    times.update({p: [] for p in PICTURES})
    for _ in range(RUNS):
        for m in MODELS:
            t, _ = median_time(lambda: conn.execute("SELECT segment.report(%s)", (m,)).fetchone(),
                               repeats=1)
            times[m].append(t)
        for m, p in PICTURES:
            t, _ = median_time(lambda: conn.execute(f"SELECT segment.{p}(%s)", (m,)).fetchone(),
                               repeats=1)
            times[(m, p)].append(t)

    def line(label, ts):
        ts_ms = [t * 1000 for t in ts]
        med = sorted(ts_ms)[len(ts_ms) // 2]
        return f"| {label} | {med:.1f} | {', '.join(f'{t:.1f}' for t in ts_ms)} |"

    body = [f"Machine: {machine_line()}", "",
            f"Data: the demo's {rows:,} customers (scripts/demo.sql): value_tier an MLP "
            "classifier and spend an MLP regressor (each scored on a test part of 2,000 rows, "
            "which the page reads again for importance and, for spend, its pictures), "
            "personas k-means over every row (the page assigns every row and maps a sample "
            f"of 2,000).  Client wall time of each call, {RUNS} interleaved runs.", "",
            "| call | median (ms) | runs (ms) |", "|---|---|---|"]
    for m in MODELS:
        body.append(line(f"segment.report('{m}') ({sizes[m] // 1000} kB of HTML)", times[m]))
    for m, p in PICTURES:
        body.append(line(f"segment.{p}('{m}')", times[(m, p)]))
    write_section("report", "\n".join(body))


if __name__ == "__main__":
    main()
