"""segment_train against scikit-learn 1.2, in one run, side by side.

(a) Per epoch: 100k rows x 8 float features, 3 classes (sklearn
    make_classification, seed 42, an id primary key).  Both sides train the
    same network, hidden (64, 32), minibatches of 32, Adam at 1e-3, L2 1e-4,
    on the same rows (segment's train part, read back with
    segment.split_part), for a fixed number of epochs.  segment's per-epoch
    time is the report's training time over the epochs run; it includes a
    validation pass after every epoch, which scikit-learn
    (early_stopping=False) does not do.  segment runs twice: the plain
    network (dropout 0), and its defaults' regularisation (dropout 0.2).

(b) End to end, the training workload: segment_train with its defaults on
    segment.simulate_customers(100000) (the table with its primary key,
    loaded once; customer_id excluded) against scikit-learn's usual
    pipeline (ColumnTransformer: SimpleImputer + StandardScaler on numbers,
    OneHotEncoder on text columns when there are any, then
    MLPClassifier((64, 32), early_stopping=True), defaults otherwise) fitted
    on the same train + validation rows (segment's, by split_part) and
    scored on the same test rows.  segment's time is the whole call from
    the table (load, split, preprocess, every candidate, evaluation,
    registration); scikit-learn's the pipeline's fit on rows already in
    numpy.  The model is dropped before each segment run, so every run
    registers a first version.

(c) model => 'auto' beside it, on the same table: what auto tried (its
    report's trials), its time and test macro-F1.

Medians of interleaved runs (BENCH_TRAIN_RUNS, default 3).
"""
import os
import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.impute import SimpleImputer
from sklearn.metrics import f1_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

sys.path.insert(0, os.path.dirname(__file__))
from common import connect, machine_line, write_section  # noqa: E402

RUNS = int(os.environ.get("BENCH_TRAIN_RUNS", "3"))
N_ROWS, N_FEATURES, EPOCHS = 100_000, 8, 5
N_CUSTOMERS = int(os.environ.get("BENCH_TRAIN_CUSTOMERS", "100000"))
CUSTOMERS = "bench_customers"
LABEL = "customer_segment"
KEY = "customer_id"

med = statistics.median


def fmt_runs(values, digits=1, scale=1.0):
    return ", ".join(f"{v * scale:.{digits}f}" for v in values)


def split_parts(conn, name, table, key, version):
    """segment's part of every row of table (in key order), for one version."""
    return np.array([p for (p,) in conn.execute(
        f"SELECT segment.split_part(%s, t, %s) FROM {table} t ORDER BY {key}",
        (name, version)).fetchall()])


# ---- (a) per epoch --------------------------------------------------------

def per_epoch(conn):
    X, y = make_classification(n_samples=N_ROWS, n_features=N_FEATURES, n_informative=6,
                               n_redundant=1, n_classes=3, n_clusters_per_class=2,
                               random_state=42)
    conn.execute("DROP TABLE IF EXISTS bench_train_src")
    cols = ", ".join(f"f{j} float8" for j in range(N_FEATURES))
    conn.execute(f"CREATE TABLE bench_train_src (id int PRIMARY KEY, {cols}, label int)")
    with conn.cursor().copy("COPY bench_train_src FROM STDIN") as cp:
        for i, (row, label) in enumerate(zip(X.tolist(), y.tolist())):
            cp.write_row([i] + row + [label])
    conn.execute("VACUUM ANALYZE bench_train_src")

    def segment_epoch_ms(dropout):
        (report,) = conn.execute(
            "SELECT segment.segment_train('bench_train', 'bench_train_src', 'label', "
            "exclude => '{id}', hidden => '{64,32}', batch_size => 32, learning_rate => 1e-3, "
            f"l2 => 1e-4, epochs => {EPOCHS}, patience => {EPOCHS}, balance => 'none', "
            f"deploy => 'never', dropout => {dropout})").fetchone()
        return report["timings_ms"]["train"] / report["epochs_run"], report

    train = None

    def sklearn_epoch_ms():
        clf = MLPClassifier((64, 32), batch_size=32, learning_rate_init=1e-3, alpha=1e-4,
                            max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCHS + 1,
                            early_stopping=False, shuffle=True, random_state=42)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X[train], y[train])
        return (time.perf_counter() - t0) * 1000 / clf.n_iter_

    plain, regularised, ref = [], [], []
    for _ in range(RUNS):
        ms, report = segment_epoch_ms(0)
        plain.append(ms)
        if train is None:
            # the rows segment trained on: its train part, by each row's key
            parts = split_parts(conn, "bench_train", "bench_train_src", "id", report["version"])
            train = parts == "train"
            assert int(train.sum()) == report["rows"]["train"]
        regularised.append(segment_epoch_ms(0.2)[0])
        ref.append(sklearn_epoch_ms())
    conn.execute("SELECT segment.drop_model('bench_train')")
    conn.execute("DROP TABLE bench_train_src")

    body = f"""
Machine: {machine_line()}

Data: {N_ROWS:,} rows x {N_FEATURES} float8 features, 3 classes (sklearn make_classification,
seed 42, an id primary key); both sides train on the same {int(train.sum()):,} rows (segment's
train part, read back with segment.split_part), hidden (64, 32), batch 32, Adam 1e-3, L2 1e-4,
{EPOCHS} epochs.  segment's figure includes a validation pass over its
{report['rows']['validation']:,} validation rows each epoch.

| per epoch | median of {RUNS} interleaved runs (ms) | runs (ms) |
|---|---|---|
| segment_train, plain network (dropout 0) | {med(plain):.1f} | {fmt_runs(plain)} |
| segment_train, dropout 0.2 (the default) | {med(regularised):.1f} | {fmt_runs(regularised)} |
| scikit-learn MLPClassifier (same shape, in numpy) | {med(ref):.1f} | {fmt_runs(ref)} |

segment / scikit-learn per-epoch time: **{med(plain) / med(ref):.2f}** plain,
**{med(regularised) / med(ref):.2f}** with dropout 0.2 (target <= 0.20).
"""
    write_section("segment_train vs scikit-learn MLPClassifier (per epoch)", body)


# ---- (b), (c) end to end ---------------------------------------------------

def load_customers(conn):
    conn.execute(f"DROP TABLE IF EXISTS {CUSTOMERS}")
    conn.execute(f"CREATE TABLE {CUSTOMERS} AS SELECT * FROM segment.simulate_customers(%s)",
                 (N_CUSTOMERS,))
    conn.execute(f"ALTER TABLE {CUSTOMERS} ADD PRIMARY KEY ({KEY})")
    conn.execute(f"VACUUM ANALYZE {CUSTOMERS}")
    columns = conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (CUSTOMERS,)).fetchall()
    features = [(c, t) for c, t in columns if c not in (KEY, LABEL)]
    text = {"text", "character varying", "boolean"}
    numeric = [c for c, t in features if t not in text and not t.startswith("character")]
    categorical = [c for c, _ in features if c not in numeric]
    select = ", ".join([f'"{c}"::float8' for c in numeric] + [f'"{c}"::text' for c in categorical])
    rows = conn.execute(f'SELECT {select}, "{LABEL}"::text FROM {CUSTOMERS} ORDER BY {KEY}').fetchall()
    X_num = np.array([[np.nan if v is None else v for v in r[:len(numeric)]] for r in rows],
                     dtype=float)
    X_cat = np.array([r[len(numeric):-1] for r in rows], dtype=object).reshape(len(rows), -1)
    y = np.array([r[-1] for r in rows])
    return numeric, categorical, X_num, X_cat, y


def sklearn_pipeline(n_numeric, n_categorical, seed):
    steps = [("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()),
              list(range(n_numeric)))]
    if n_categorical > 0:
        steps.append(("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                                           OneHotEncoder(handle_unknown="ignore")),
                      list(range(n_numeric, n_numeric + n_categorical))))
    return make_pipeline(ColumnTransformer(steps),
                         MLPClassifier((64, 32), early_stopping=True, random_state=seed))


def backend_cpu(conn):
    """CPU seconds the connection's backend has used (user + system), from /proc."""
    pid = conn.info.backend_pid
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def segment_run(conn, name, extra=""):
    conn.execute("SELECT segment.drop_model(%s) FROM segment.models WHERE name = %s LIMIT 1",
                 (name, name))
    c0 = backend_cpu(conn)
    t0 = time.perf_counter()
    (report,) = conn.execute(
        f"SELECT segment.segment_train(%s, '{CUSTOMERS}', '{LABEL}', exclude => '{{{KEY}}}'{extra})",
        (name,)).fetchone()
    report["cpu_seconds"] = backend_cpu(conn) - c0
    return time.perf_counter() - t0, report


def trial_line(t):
    c = t["config"]
    learner = c.get("model", "mlp")
    raced = f", raced out at {t['stopped_by_race_at']}" if t.get("stopped_by_race_at") else ""
    unit = "epochs" if learner == "mlp" else "iterations"
    return (f"{learner} {c['balance']}: {t['epochs_run']} {unit}{raced}, {t['ms']:.0f} ms, "
            f"validation macro-F1 {t['validation_macro_f1']:.4f}")


def end_to_end(conn):
    numeric, categorical, X_num, X_cat, y = load_customers(conn)
    X = np.hstack([X_num.astype(object), X_cat]) if categorical else X_num
    seg, ref, auto, ref_cpu = [], [], [], []
    parts = None
    for _ in range(RUNS):
        seconds, report = segment_run(conn, "bench_customers")
        seg.append((seconds, report))
        if parts is None:
            parts = split_parts(conn, "bench_customers", CUSTOMERS, KEY, report["version"])
            assert int((parts == "test").sum()) == report["rows"]["test"]
        fit, test = parts != "test", parts == "test"
        pipe = sklearn_pipeline(len(numeric), len(categorical), 42)
        c0 = time.process_time()
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe.fit(X[fit], y[fit])
        seconds = time.perf_counter() - t0
        ref_cpu.append(time.process_time() - c0)
        ref.append((seconds, f1_score(y[test], pipe.predict(X[test]), average="macro"),
                    pipe[-1].n_iter_))
        auto.append(segment_run(conn, "bench_customers_auto", ", model => 'auto'"))
    conn.execute("SELECT segment.drop_model('bench_customers')")
    conn.execute("SELECT segment.drop_model('bench_customers_auto')")

    seg_s = [s for s, _ in seg]
    ref_s = [s for s, _, _ in ref]
    auto_s = [s for s, _ in auto]
    # the run whose time is the median shows what the time went to
    typical = sorted(seg, key=lambda r: r[0])[len(seg) // 2][1]
    typical_auto = sorted(auto, key=lambda r: r[0])[len(auto) // 2][1]
    f1 = [r["test"]["macro_f1"] for _, r in seg]
    auto_f1 = [r["test"]["macro_f1"] for _, r in auto]
    ref_f1 = [f for _, f, _ in ref]
    t = typical["timings_ms"]
    trials_ms = sum(tr["ms"] for tr in typical["trials"])
    epochs = sum(tr["epochs_run"] for tr in typical["trials"])
    row_epochs = sum(tr["epochs_run"] * tr["train_rows"] for tr in typical["trials"])
    ms_per_row_epoch = trials_ms / row_epochs
    leader = typical["trials"][0]
    leader_epoch_ms = leader["ms"] / leader["epochs_run"]
    cpu_share = typical["cpu_seconds"] / (t["total"] / 1000)
    pairs = [a / b for a, b in zip(seg_s, ref_s)]
    seg_cpu = [r["cpu_seconds"] for _, r in seg]
    auto_cpu = [r["cpu_seconds"] for _, r in auto]

    body = f"""
Machine: {machine_line()}

Data: segment.simulate_customers({N_CUSTOMERS:,}) in a table with its primary key
({len(numeric)} numeric feature columns, {len(categorical)} text, `{KEY}` excluded, label
`{LABEL}`); both sides fit on the same {int((parts != 'test').sum()):,} train + validation rows
(segment's split, read back with segment.split_part) and are scored on the same
{int((parts == 'test').sum()):,} test rows.  segment: `segment_train(name, table, label,
exclude => '{{{KEY}}}')`, everything else default, timed from the table to the registered
model; scikit-learn: impute + scale{' + one-hot' if categorical else ''} +
MLPClassifier((64, 32), early_stopping=True), defaults otherwise, `fit` on rows already in numpy.

| | median of {RUNS} interleaved runs (s) | runs (s) | CPU, median (s) | test macro-F1 |
|---|---|---|---|---|
| segment_train, defaults | {med(seg_s):.2f} | {fmt_runs(seg_s, 2)} | {med(seg_cpu):.2f} | {med(f1):.4f} |
| scikit-learn pipeline | {med(ref_s):.2f} | {fmt_runs(ref_s, 2)} | {med(ref_cpu):.2f} | {med(ref_f1):.4f} |
| segment_train, model => 'auto' | {med(auto_s):.2f} | {fmt_runs(auto_s, 2)} | {med(auto_cpu):.2f} | {med(auto_f1):.4f} |

CPU is the backend's user + system time for segment (one thread), the Python process's for
scikit-learn (numpy's OpenBLAS may run more than one thread): on a shared machine the wall
times move with the other work, the CPU times much less.

segment (defaults) / scikit-learn time: **{med(seg_s) / med(ref_s):.2f}** (ratio of the medians;
per interleaved pair {fmt_runs(pairs, 2)}; target <= 0.5); model => 'auto':
**{med(auto_s) / med(ref_s):.2f}**.  scikit-learn ran {', '.join(str(n) for _, _, n in ref)}
epochs (its early stopping: validation accuracy not better by 1e-4 for 10 epochs).

Where segment's time goes (the median run): load, split and preprocess {t['load'] / 1000:.2f} s,
candidates {trials_ms / 1000:.2f} s, evaluation and registration
{(t['total'] - t['load'] - t['train']) / 1000:.2f} s; the candidates:
{'; '.join(trial_line(tr) for tr in typical['trials'])}.
What dominates: {epochs} epochs over {row_epochs / epochs:,.0f} rows on average, {leader['epochs_run']}
of them the first candidate's (trained in full: its best epoch {leader['best_epoch']}, then
early stopping's patience); in that run's CPU time (its wall time scaled by the run's CPU / wall,
{typical['cpu_seconds']:.2f} s / {t['total'] / 1000:.2f} s) an epoch of the first candidate costs
{leader_epoch_ms * cpu_share:.0f} ms and a training row {ms_per_row_epoch * cpu_share * 1e6:.0f} ns,
so the epochs make {trials_ms * cpu_share / 1000:.2f} s of CPU and load, split, preprocessing,
evaluation and registration the other {(t['total'] - trials_ms) * cpu_share / 1000:.2f} s.  The
floor of this workload is the epochs early stopping needs times the cost of one epoch.

model => 'auto' tried (the median run): {'; '.join(trial_line(tr) for tr in typical_auto['trials'])};
kept {typical_auto['model']} (balance {typical_auto['balance']['chosen']}).
"""
    write_section(f"segment_train end to end vs scikit-learn's pipeline "
                  f"({N_CUSTOMERS:,} simulated customers)", body)


def main():
    conn = connect()
    conn.execute("SET client_min_messages = warning")
    which = sys.argv[1:] or ["epoch", "e2e"]
    if "epoch" in which:
        per_epoch(conn)
    if "e2e" in which:
        end_to_end(conn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
