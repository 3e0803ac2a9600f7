"""smote_table against imbalanced-learn's SMOTE on the same data.

100k rows x 8 float features, 3 classes of about 70 / 23 / 7 %, strategy
'auto'.  segment is timed end to end (scan the table, generate, write the
target table); imbalanced-learn on the same numbers already in numpy.
Median of 5 runs each, the two sides interleaved, written to bench/RESULTS.md.
"""
import statistics
import sys

import numpy as np
from imblearn.over_sampling import SMOTE
from sklearn.datasets import make_classification

from common import connect, machine_line, median_time, write_section

N_ROWS, N_FEATURES, RUNS = 100_000, 8, 5


def main():
    X, y = make_classification(n_samples=N_ROWS, n_features=N_FEATURES, n_informative=6,
                               n_redundant=1, n_classes=3, n_clusters_per_class=2,
                               weights=[0.70, 0.23, 0.07], random_state=42)
    conn = connect()
    conn.execute("DROP TABLE IF EXISTS bench_smote_src, bench_smote_out")
    cols = ", ".join(f"f{j} float8" for j in range(N_FEATURES))
    conn.execute(f"CREATE TABLE bench_smote_src ({cols}, label int)")
    with conn.cursor().copy("COPY bench_smote_src FROM STDIN") as cp:
        for row, label in zip(X.tolist(), y.tolist()):
            cp.write_row(row + [label])
    conn.execute("VACUUM ANALYZE bench_smote_src")
    # read back what the table holds, so both sides see the same numbers
    rows = conn.execute(f"SELECT {', '.join(f'f{j}' for j in range(N_FEATURES))}, label "
                        "FROM bench_smote_src").fetchall()
    X = np.array([r[:-1] for r in rows], dtype=np.float64)
    y = np.array([r[-1] for r in rows])

    def run_segment():
        conn.execute("SELECT * FROM segment.smote_table('bench_smote_src', 'label', "
                     "'bench_smote_out')")

    def drop_target():
        conn.execute("DROP TABLE IF EXISTS bench_smote_out")

    # interleaved, so that both sides see the same spells of a noisy machine
    seg_times, imb_times = [], []
    for _ in range(RUNS):
        drop_target()
        seg_times += median_time(run_segment, 1)[1]
        imb_times += median_time(lambda: SMOTE(random_state=42).fit_resample(X, y), 1)[1]
    seg_median, imb_median = statistics.median(seg_times), statistics.median(imb_times)
    counts = conn.execute("SELECT label, count(*) FROM bench_smote_out GROUP BY 1 ORDER BY 1").fetchall()
    drop_target()
    _, y_res = SMOTE(random_state=42).fit_resample(X, y)
    imb_counts = sorted(zip(*np.unique(y_res, return_counts=True)))
    assert [tuple(c) for c in counts] == [(int(a), int(b)) for a, b in imb_counts], (counts, imb_counts)

    ratio = seg_median / imb_median
    pair_ratio = statistics.median(a / b for a, b in zip(seg_times, imb_times))
    body = f"""
Machine: {machine_line()}

Data: {N_ROWS:,} rows x {N_FEATURES} float8 features, 3 classes
{dict(zip(*np.unique(y, return_counts=True)))} (sklearn make_classification, seed 42),
sampling_strategy 'auto', k_neighbors 5; both sides produce {dict((int(a), int(b)) for a, b in imb_counts)}.

| | median of {RUNS} interleaved runs (s) | runs (s) |
|---|---|---|
| segment.smote_table (scan, generate, write table) | {seg_median:.3f} | {', '.join(f'{t:.3f}' for t in seg_times)} |
| imbalanced-learn SMOTE().fit_resample (numpy in memory) | {imb_median:.3f} | {', '.join(f'{t:.3f}' for t in imb_times)} |

segment / imbalanced-learn time: **{ratio:.2f}** (ratio of the medians; median of the
{RUNS} interleaved pairs' ratios {pair_ratio:.2f}; target <= 0.33).
"""
    write_section("smote_table vs imbalanced-learn SMOTE", body)
    conn.execute("DROP TABLE IF EXISTS bench_smote_src")
    return 0


if __name__ == "__main__":
    sys.exit(main())
