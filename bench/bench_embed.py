"""PCA and autoencoder fits against scikit-learn, and segment.project's cost per row.

- PCA: segment.pca_fit end to end from a table (scan, impute/scale, the
  covariance and its eigen-decomposition, the sign rule, the reconstruction
  error, the registry) against scikit-learn's StandardScaler + PCA(k,
  svd_solver='full') on the same rows already in numpy; 500,000 rows x 16
  correlated float8 columns, k = 5.  Interleaved runs, medians.
- Autoencoder: per-epoch time of segment.autoencoder_fit (hidden {32,16},
  code 4, minibatches of 32, Adam 1e-3, L2 1e-4; its report's fit time over
  the epochs run, which includes a pass over the validation rows after each
  epoch) against scikit-learn's MLPRegressor(hidden_layer_sizes=(32, 16, 4,
  16, 32)) fitted to reproduce its input (X -> X) on the same number of
  rows, same batch size, learning rate and alpha, early stopping off.  The
  networks have the same shape and parameter count; they differ in one
  activation (segment's code layer is linear, MLPRegressor puts ReLU on
  every hidden layer), which does not change the work per epoch.
  50,000 rows x 16, 5 epochs; both report the time per epoch.
- project: SELECT count(segment.project('m', t)) FROM t over 500,000 rows
  (by name and by model value, PCA and autoencoder) against the bare scan
  SELECT count(*) FROM t WHERE (t.*) IS NOT NULL: the cost per row is the
  difference over the rows; and one row by primary key, a client round
  trip, against the same query without project (median of 2,000 calls).
"""
import statistics
import time
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from common import connect, machine_line, median_time, write_section

N_PCA, N_AE, D, K, CODE, EPOCHS, RUNS = 500_000, 50_000, 16, 5, 4, 5, 5
SINGLE_CALLS = 2_000


def make_table(conn, table, n):
    """n rows of D float8 columns driven by 4 latent factors, plus noise (generated in SQL)."""
    cols = ", ".join(
        f"f1 * {np.cos(j):.6f} + f2 * {np.sin(2 * j):.6f} + f3 * {((j % 5) - 2) / 2:.3f} "
        f"+ f4 * {1 / (j + 1):.6f} + 0.3 * n{j % 4} AS x{j}" for j in range(D))
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute("SELECT setseed(0.42)")
    conn.execute(f"""
        CREATE TABLE {table} AS
        SELECT i AS id, {cols}
        FROM (SELECT i, random() - 0.5 AS f1, 2 * (random() - 0.5) AS f2,
                     (random() - 0.5) * 3 AS f3, random() AS f4,
                     random() AS n0, random() AS n1, random() AS n2, random() AS n3
              FROM generate_series(1, {n}) i) s""")
    conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
    conn.execute(f"VACUUM ANALYZE {table}")


def load_numpy(conn, table):
    names = ", ".join(f"x{j}" for j in range(D))
    return np.array(conn.execute(f"SELECT {names} FROM {table} ORDER BY id").fetchall(), dtype=float)


def columns_sql():
    return "ARRAY[" + ", ".join(f"'x{j}'" for j in range(D)) + "]"


def single_row_ms(conn, sql, n):
    """Median round trip (ms) of one-row queries by primary key."""
    times = []
    ids = np.random.default_rng(0).integers(1, n + 1, SINGLE_CALLS)
    for i in ids:
        t0 = time.perf_counter()
        conn.execute(sql, (int(i),)).fetchone()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def main():
    conn = connect()
    conn.execute("SET client_min_messages = warning")
    make_table(conn, "bench_embed", N_PCA)
    X = load_numpy(conn, "bench_embed")

    # ---- PCA ------------------------------------------------------------
    def segment_pca():
        return conn.execute(f"SELECT segment.pca_fit('bench_pca', 'bench_embed', {columns_sql()}, {K})"
                            ).fetchone()[0]

    def sklearn_pca():
        return PCA(n_components=K, svd_solver="full").fit(StandardScaler().fit_transform(X))

    report = segment_pca()
    ref = sklearn_pca()
    ev_diff = np.abs(np.array(report["explained_variance"]) / ref.explained_variance_ - 1).max()
    runs_seg, runs_sk, reports = [], [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        reports.append(segment_pca())
        runs_seg.append(time.perf_counter() - t0)
        runs_sk.append(median_time(sklearn_pca, repeats=1)[0])
    read_all = median_time(lambda: conn.execute(
        "SELECT sum(" + " + ".join(f"x{j}" for j in range(D)) + ") FROM bench_embed").fetchall(),
        repeats=RUNS)[0]
    load_ms = statistics.median(r["timings_ms"]["load"] for r in reports)
    fit_ms = statistics.median(r["timings_ms"]["fit"] for r in reports)
    seg_pca, sk_pca = statistics.median(runs_seg), statistics.median(runs_sk)

    # ---- autoencoder, per epoch ----------------------------------------
    make_table(conn, "bench_embed_ae", N_AE)
    Xa = load_numpy(conn, "bench_embed_ae")

    def segment_ae():
        return conn.execute(
            f"SELECT segment.autoencoder_fit('bench_ae', 'bench_embed_ae', {columns_sql()}, "
            f"code_size => {CODE}, hidden => '{{32,16}}', epochs => {EPOCHS}, patience => {EPOCHS}, "
            "batch_size => 32, learning_rate => 1e-3, l2 => 1e-4)").fetchone()[0]

    def sklearn_ae(n_train):
        Z = StandardScaler().fit_transform(Xa[:n_train])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            m = MLPRegressor((32, 16, CODE, 16, 32), batch_size=32, learning_rate_init=1e-3,
                             alpha=1e-4, max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCHS + 1,
                             early_stopping=False, shuffle=True, random_state=42).fit(Z, Z)
            elapsed = time.perf_counter() - t0
        return 1000 * elapsed / m.n_iter_, m

    ae_seg, ae_sk, ae_reports = [], [], []
    for _ in range(RUNS):
        r = segment_ae()
        ae_reports.append(r)
        ae_seg.append(r["timings_ms"]["fit"] / r["epochs_run"])
        ms, sk_model = sklearn_ae(r["rows"]["train"])
        ae_sk.append(ms)
    r = ae_reports[-1]
    seg_epoch, sk_epoch = statistics.median(ae_seg), statistics.median(ae_sk)
    Zt = StandardScaler().fit_transform(Xa[:r["rows"]["train"]])
    sk_mse = float(np.mean((Zt - sk_model.predict(Zt)) ** 2))

    # ---- project per row -------------------------------------------------
    (pca_bytes,) = conn.execute("SELECT segment.model('bench_pca')").fetchone()
    (ae_bytes,) = conn.execute("SELECT segment.model('bench_ae')").fetchone()

    def q(sql, *args):
        return lambda: conn.execute(sql, args).fetchall()

    scan, _ = median_time(q("SELECT count(*) FROM bench_embed t WHERE (t.*) IS NOT NULL"), RUNS)
    proj = {}
    for label, sql, args in (
            ("PCA by name", "SELECT count(segment.project('bench_pca', t)) FROM bench_embed t", ()),
            ("PCA by value", "SELECT count(segment.project(%s::bytea, t)) FROM bench_embed t",
             (pca_bytes,)),
            ("autoencoder by name", "SELECT count(segment.project('bench_ae', t)) FROM bench_embed t", ()),
            ("autoencoder by value", "SELECT count(segment.project(%s::bytea, t)) FROM bench_embed t",
             (ae_bytes,))):
        proj[label], _ = median_time(q(sql, *args), RUNS)
    one_scan = single_row_ms(conn, "SELECT t FROM bench_embed t WHERE id = %s", N_PCA)
    one_pca = single_row_ms(conn, "SELECT segment.project('bench_pca', t) FROM bench_embed t WHERE id = %s",
                            N_PCA)
    one_ae = single_row_ms(conn, "SELECT segment.project('bench_ae', t) FROM bench_embed t WHERE id = %s",
                           N_PCA)
    # scikit-learn's transform of one row, in Python (no database), for scale
    row = StandardScaler().fit(X).transform(X[:1])
    sk_one = median_time(lambda: ref.transform(row), repeats=2_000)[0] * 1e6

    proj_rows = "\n".join(
        f"| `segment.project` {label} | {t:.3f} | {N_PCA / t:,.0f} | {1e6 * (t - scan) / N_PCA:.2f} |"
        for label, t in proj.items())
    body = f"""
Machine: {machine_line()}

Data: {N_PCA:,} rows x {D} float8 columns driven by 4 latent factors plus noise
(generated in SQL, seed 0.42). Medians of {RUNS} interleaved runs.

### PCA, k = {K}

| | median (s) | runs (s) |
|---|---|---|
| `segment.pca_fit` end to end from the table | {seg_pca:.3f} | {', '.join(f'{t:.3f}' for t in runs_seg)} |
| scikit-learn StandardScaler + PCA(svd_solver='full'), rows already in numpy | {sk_pca:.3f} | {', '.join(f'{t:.3f}' for t in runs_sk)} |

segment / scikit-learn: **{seg_pca / sk_pca:.2f}**. Of segment's time (medians of its
reports), loading and preprocessing the rows took {load_ms:.0f} ms and the fit (covariance by
dsyrk, dsyevd, the sign rule) {fit_ms:.0f} ms; the rest is the reconstruction error pass and
the registry. The load is the shared row loader's (one SPI scan, then the canonical order:
a hash of each row and a sort), as `kmeans_fit` loads; reading the values alone
(`SELECT sum(x0 + ... + x15)`) takes {1000 * read_all:.0f} ms. Explained variances agree with
scikit-learn's to {ev_diff:.1e} (relative).

### Autoencoder, per epoch

{r['rows']['train']:,} training rows x {D} (segment's train part of {N_AE:,}; scikit-learn fits
the same number of rows), layers {r['layers']}, {r['parameters']} parameters, {EPOCHS} epochs.

| per epoch | median (ms) | runs (ms) |
|---|---|---|
| `segment.autoencoder_fit` (with a validation pass over {r['rows']['validation']:,} rows) | {seg_epoch:.1f} | {', '.join(f'{t:.1f}' for t in ae_seg)} |
| scikit-learn MLPRegressor, X -> X | {sk_epoch:.1f} | {', '.join(f'{t:.1f}' for t in ae_sk)} |

segment / scikit-learn per epoch: **{seg_epoch / sk_epoch:.2f}**. After {EPOCHS} epochs the
training rows' reconstruction MSE is {r['reconstruction_mse']['train']:.4f} (segment) and
{sk_mse:.4f} (scikit-learn, ReLU on its code layer); PCA with {CODE} components:
{r['pca_reconstruction_mse']['train']:.4f}.

### project, per row

| query (one backend, {N_PCA:,} rows) | median (s) | rows/s | cost per row over the scan (us) |
|---|---|---|---|
| `SELECT count(*) FROM t WHERE (t.*) IS NOT NULL` (floor) | {scan:.3f} | {N_PCA / scan:,.0f} | |
{proj_rows}

One row by primary key, one client round trip (median of {SINGLE_CALLS:,} calls): bare
`SELECT t FROM t WHERE id = $1` {one_scan:.3f} ms, with `segment.project('m', t)` PCA
{one_pca:.3f} ms, autoencoder {one_ae:.3f} ms. For scale, scikit-learn's `PCA.transform` of one
row in Python takes {sk_one:.1f} us.
"""
    write_section("embeddings: PCA and autoencoder vs scikit-learn, project per row", body)


if __name__ == "__main__":
    main()
