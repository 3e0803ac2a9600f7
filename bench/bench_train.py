"""segment_train's per-epoch training time against scikit-learn's MLPClassifier.

100k rows x 8 float features, 3 classes (sklearn make_classification, seed
42).  Both sides train the same network shape, hidden (64, 32), minibatches
of 32, Adam at 1e-3, L2 1e-4, on the same 70,000 training rows (segment's
stratified train part, reproduced with segment.stratified_split), for a
fixed number of epochs (early stopping effectively off).

segment's per-epoch time is the report's training time divided by the
epochs run; it includes a validation pass over 10,000 rows after every
epoch, which sklearn (early_stopping=False) does not do.  segment runs
twice: the same plain network as sklearn (batch_norm off, dropout 0), and
its defaults (batch normalisation and dropout 0.2).  Median of 3 runs each.
"""
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier

from common import connect, machine_line, median_time, write_section

N_ROWS, N_FEATURES, EPOCHS, RUNS = 100_000, 8, 5, 3


def main():
    X, y = make_classification(n_samples=N_ROWS, n_features=N_FEATURES, n_informative=6,
                               n_redundant=1, n_classes=3, n_clusters_per_class=2,
                               random_state=42)
    conn = connect()
    conn.execute("SET client_min_messages = warning")
    conn.execute("DROP TABLE IF EXISTS bench_train_src")
    cols = ", ".join(f"f{j} float8" for j in range(N_FEATURES))
    conn.execute(f"CREATE TABLE bench_train_src (id int, {cols}, label int)")
    with conn.cursor().copy("COPY bench_train_src FROM STDIN") as cp:
        for i, (row, label) in enumerate(zip(X.tolist(), y.tolist())):
            cp.write_row([i] + row + [label])
    conn.execute("VACUUM ANALYZE bench_train_src")
    (parts,) = conn.execute("SELECT segment.stratified_split(array_agg(label::text ORDER BY id)) "
                            "FROM bench_train_src").fetchone()
    train = np.array(parts) == "train"

    def segment_epoch_ms(options):
        (report,) = conn.execute(
            "SELECT segment.segment_train('bench_train', 'bench_train_src', 'label', "
            "exclude => '{id}', hidden => '{64,32}', batch_size => 32, learning_rate => 1e-3, "
            f"l2 => 1e-4, epochs => {EPOCHS}, patience => {EPOCHS}, balance => 'none', "
            f"deploy => 'never', {options})").fetchone()
        assert report["rows"]["train"] == int(train.sum())
        return report["timings_ms"]["train"] / report["epochs_run"]

    plain = sorted(segment_epoch_ms("batch_norm => false, dropout => 0") for _ in range(RUNS))
    default = sorted(segment_epoch_ms("batch_norm => true, dropout => 0.2") for _ in range(RUNS))

    def sklearn_epoch_ms():
        clf = MLPClassifier((64, 32), batch_size=32, learning_rate_init=1e-3, alpha=1e-4,
                            max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCHS + 1,
                            early_stopping=False, shuffle=True, random_state=42)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X[train], y[train])
        return (time.perf_counter() - t0) * 1000 / clf.n_iter_

    ref = sorted(sklearn_epoch_ms() for _ in range(RUNS))
    med = lambda v: v[len(v) // 2]
    conn.execute("SELECT segment.drop_model('bench_train')")
    conn.execute("DROP TABLE bench_train_src")

    body = f"""
Machine: {machine_line()}

Data: {N_ROWS:,} rows x {N_FEATURES} float8 features, 3 classes (sklearn make_classification,
seed 42); both sides train on the same {int(train.sum()):,} rows (segment's train part), hidden
(64, 32), batch 32, Adam 1e-3, L2 1e-4, {EPOCHS} epochs.  segment's figure includes a validation
pass over {N_ROWS // 10:,} rows each epoch.

| per epoch | median of {RUNS} (ms) | runs (ms) |
|---|---|---|
| segment_train, plain network (batch_norm off, dropout 0) | {med(plain):.1f} | {', '.join(f'{t:.1f}' for t in plain)} |
| segment_train, defaults (batch norm, dropout 0.2) | {med(default):.1f} | {', '.join(f'{t:.1f}' for t in default)} |
| scikit-learn MLPClassifier (same shape, in numpy) | {med(ref):.1f} | {', '.join(f'{t:.1f}' for t in ref)} |

segment / scikit-learn per-epoch time: **{med(plain) / med(ref):.2f}** plain,
**{med(default) / med(ref):.2f}** with the defaults (target <= 0.20).
"""
    write_section("segment_train vs scikit-learn MLPClassifier (per epoch)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
