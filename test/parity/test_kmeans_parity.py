"""k-means parity with scikit-learn 1.2 on Mall_Customers.csv (Age, Annual
Income, Spending Score, standardised).

Tolerances:
- k-means++ with n_init = 10 (different random streams): inertia within
  0.1% of KMeans(n_clusters=5, n_init=10).
- From scikit-learn's own initial centres: identical labels (adjusted Rand
  index exactly 1.0) and the same iteration count; inertia within 1e-9
  relative.
- Silhouette equal to sklearn.metrics.silhouette_score on the same labels
  to 1e-9 (absolute); Davies-Bouldin to 1e-9.
- Streaming mode (one parallel aggregate per Lloyd iteration) from the same
  initial centres: the same centroids as the in-memory mode to 1e-9, the
  same iteration count, and a `Partial Aggregate` in the step's plan.
- Wider data, yeast.data (1,484 rows, 8 features, standardised; k = 9 and
  13, more centres than one vector of the block kernels holds): from
  scikit-learn's initial centres, identical labels, the same iteration
  count, inertia within 1e-9 relative and centroids within 1e-9.
"""
import json

import numpy as np
import pytest
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.metrics import adjusted_rand_score, davies_bouldin_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from conftest import DATA, load_table, read_csv

COLUMNS = ["Age", "Annual Income (k$)", "Spending Score (1-100)"]
COLS_SQL = "ARRAY['age', 'income', 'score']"


@pytest.fixture(scope="module")
def mall(conn):
    rows = read_csv("Mall_Customers.csv")
    data = [tuple(r[c] for c in COLUMNS) for r in rows]
    load_table(conn, "mall", [("age", "float8"), ("income", "float8"), ("score", "float8")], data)
    X_raw = np.array([[float(v) for v in r] for r in data])
    scaler = StandardScaler().fit(X_raw)
    return X_raw, scaler, scaler.transform(X_raw)


def fit(conn, name, **kw):
    args = ", ".join(f"{k} => {v}" for k, v in kw.items())
    # quiet for this fit only: the connection is shared with other test modules
    conn.execute("SET client_min_messages = warning")
    try:
        rows = conn.execute(
            f"SELECT k, inertia, silhouette, chosen FROM kmeans_fit('{name}', 'mall', {COLS_SQL}, {args})"
        ).fetchall()
    finally:
        conn.execute("RESET client_min_messages")
    metrics = conn.execute(
        "SELECT metrics FROM models WHERE name = %s AND deployed", (name,)).fetchone()[0]
    return rows, metrics


def centroids(conn, name):
    """k x 3 centroids of a registered model, in original units."""
    rows = conn.execute("SELECT cluster, feature, value FROM centroids(%s) ORDER BY cluster, feature",
                        (name,)).fetchall()
    k = max(r[0] for r in rows) + 1
    order = {"age": 0, "income": 1, "score": 2}
    c = np.zeros((k, 3))
    for cluster, feature, value in rows:
        c[cluster, order[feature]] = value
    return c


def predicted_labels(conn, name):
    return np.array([int(r[0]) for r in conn.execute(
        f"SELECT segment_predict('{name}', m) FROM mall m ORDER BY row_no")])


def test_inertia_matches_sklearn_kmeanspp(conn, mall):
    X_raw, scaler, X = mall
    ref = KMeans(n_clusters=5, n_init=10, random_state=0).fit(X)
    rows, metrics = fit(conn, "mall_k5", k="ARRAY[5]", n_init=10)
    inertia = rows[0][1]
    assert abs(inertia - ref.inertia_) <= 1e-3 * ref.inertia_, (inertia, ref.inertia_)
    print(f"k=5 n_init=10: segment inertia {inertia:.6f}, sklearn {ref.inertia_:.6f}, "
          f"relative difference {abs(inertia - ref.inertia_) / ref.inertia_:.2e}")


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_same_init_same_labels_and_iterations(conn, mall, seed):
    X_raw, scaler, X = mall
    init, _ = kmeans_plusplus(X, 5, random_state=seed)
    ref = KMeans(n_clusters=5, init=init, n_init=1, max_iter=300, tol=1e-4).fit(X)
    init_raw = scaler.inverse_transform(init)
    init_sql = "ARRAY[" + ", ".join("[" + ", ".join(repr(v) for v in row) + "]" for row in init_raw) + "]::float8[]"
    name = f"mall_init{seed}"
    rows, metrics = fit(conn, name, k="ARRAY[5]", n_init=1, init=init_sql)
    labels = predicted_labels(conn, name)
    ari = adjusted_rand_score(ref.labels_, labels)
    n_iter = metrics["per_k"][0]["n_iter"]
    assert ari == 1.0
    assert n_iter == ref.n_iter_
    assert rows[0][1] == pytest.approx(ref.inertia_, rel=1e-9, abs=0)
    # the returned centroids are scikit-learn's, back in original units
    np.testing.assert_allclose(scaler.transform(centroids(conn, name)),
                               ref.cluster_centers_, rtol=1e-9, atol=1e-9)
    # silhouette and Davies-Bouldin on the same labels
    sil = silhouette_score(X, labels)
    assert abs(rows[0][2] - sil) <= 1e-9, (rows[0][2], sil)
    assert abs(metrics["davies_bouldin"] - davies_bouldin_score(X, labels)) <= 1e-9
    print(f"seed {seed}: ARI {ari}, n_iter {n_iter} (sklearn {ref.n_iter_}), "
          f"silhouette {rows[0][2]:.12f} (sklearn {sil:.12f})")


def test_streaming_matches_in_memory(conn, mall):
    X_raw, scaler, X = mall
    init, _ = kmeans_plusplus(X, 5, random_state=7)
    init_raw = scaler.inverse_transform(init)
    init_sql = "ARRAY[" + ", ".join("[" + ", ".join(repr(v) for v in row) + "]" for row in init_raw) + "]::float8[]"
    conn.execute("SET parallel_setup_cost = 0")
    conn.execute("SET parallel_tuple_cost = 0")
    conn.execute("SET min_parallel_table_scan_size = 0")
    conn.execute("SET max_parallel_workers_per_gather = 2")
    plan = "\n".join(r[0] for r in conn.execute(
        "EXPLAIN SELECT kmeans_step(ARRAY[age, income, score], "
        "'{{0,0,0},{1,1,1}}'::float8[]) FROM mall").fetchall())
    assert "Partial Aggregate" in plan, plan
    mem_rows, mem_metrics = fit(conn, "mall_mem", k="ARRAY[5]", n_init=1, init=init_sql,
                                streaming="false")
    str_rows, str_metrics = fit(conn, "mall_stream", k="ARRAY[5]", n_init=1, init=init_sql,
                                streaming="true", silhouette_sample=0)
    for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size",
                    "max_parallel_workers_per_gather"):
        conn.execute(f"RESET {setting}")
    c_mem = centroids(conn, "mall_mem")
    c_str = centroids(conn, "mall_stream")
    np.testing.assert_allclose(c_str, c_mem, rtol=1e-9, atol=1e-9)
    assert str_metrics["per_k"][0]["n_iter"] == mem_metrics["per_k"][0]["n_iter"]
    assert str_rows[0][1] == pytest.approx(mem_rows[0][1], rel=1e-9)
    assert str_rows[0][2] == pytest.approx(mem_rows[0][2], abs=1e-9)
    print(f"streaming vs in-memory: max centroid difference {np.abs(c_str - c_mem).max():.2e}, "
          f"{mem_metrics['per_k'][0]['n_iter']} iterations each")


def test_aggregate_form_matches_sklearn(conn, mall):
    X_raw, scaler, X = mall
    init, _ = kmeans_plusplus(X, 4, random_state=3)
    ref = KMeans(n_clusters=4, init=init, n_init=1).fit(X)
    conn.execute("DROP TABLE IF EXISTS mall_x")
    conn.execute("CREATE TABLE mall_x (row_no int, x float8[])")
    with conn.cursor().copy("COPY mall_x FROM STDIN") as cp:
        for i, r in enumerate(X):
            cp.write_row((i, [float(v) for v in r]))
    options = json.dumps({"init": init.tolist(), "n_init": 1})
    (model,) = conn.execute("SELECT kmeans_fit(x, 4, %s::jsonb ORDER BY row_no) FROM mall_x",
                            (options,)).fetchone()
    info = conn.execute("SELECT model_info(%s)", (model,)).fetchone()[0]
    assert info["n_iter"] == ref.n_iter_
    assert info["inertia"] == pytest.approx(ref.inertia_, rel=1e-9)
    np.testing.assert_allclose(np.array(info["centroids"]).reshape(4, 3), ref.cluster_centers_,
                               rtol=1e-9, atol=1e-9)
    labels = np.array([int(r[0]) for r in conn.execute(
        "SELECT segment_predict(%s::bytea, x) FROM mall_x ORDER BY row_no", (model,))])
    assert adjusted_rand_score(ref.labels_, labels) == 1.0


def test_predict_cache_follows_other_sessions(conn, mall):
    """A backend that cached a model sees a version deployed by another session."""
    import psycopg
    other = psycopg.connect(dbname="segment_parity", autocommit=True)
    other.execute("SET search_path = segment, public")
    other.execute("SET client_min_messages = warning")
    fit(conn, "mall_cache", k="ARRAY[5]", n_init=1)
    query = ("SELECT count(DISTINCT segment_predict('mall_cache', m)) FROM mall m")
    assert other.execute(query).fetchone()[0] == 5          # decoded and cached in `other`
    fit(conn, "mall_cache", k="ARRAY[3]", n_init=1)          # a new version, deployed
    assert other.execute(query).fetchone()[0] == 3          # `other` re-read the registry
    conn.execute("SELECT deploy('mall_cache', 1)")
    assert other.execute(query).fetchone()[0] == 5
    other.close()


@pytest.mark.parametrize("k", [9, 13])
def test_wider_data_same_init_same_result(conn, k):
    rows = [line.split() for line in open(DATA / "yeast.data") if line.strip()]
    X = StandardScaler().fit_transform(np.array([[float(v) for v in r[1:9]] for r in rows]))
    init, _ = kmeans_plusplus(X, k, random_state=k)
    ref = KMeans(n_clusters=k, init=init, n_init=1, max_iter=300, tol=1e-4).fit(X)
    conn.execute("DROP TABLE IF EXISTS yeast_x")
    conn.execute("CREATE TABLE yeast_x (row_no int, x float8[])")
    with conn.cursor().copy("COPY yeast_x FROM STDIN") as cp:
        for i, r in enumerate(X):
            cp.write_row((i, [float(v) for v in r]))
    options = json.dumps({"init": init.tolist(), "n_init": 1, "max_iter": 300, "tol": 1e-4})
    (model,) = conn.execute("SELECT kmeans_fit(x, %s, %s::jsonb ORDER BY row_no) FROM yeast_x",
                            (k, options)).fetchone()
    info = conn.execute("SELECT model_info(%s)", (model,)).fetchone()[0]
    labels = np.array([int(r[0]) for r in conn.execute(
        "SELECT segment_predict(%s::bytea, x) FROM yeast_x ORDER BY row_no", (model,))])
    assert adjusted_rand_score(ref.labels_, labels) == 1.0
    assert info["n_iter"] == ref.n_iter_
    assert info["inertia"] == pytest.approx(ref.inertia_, rel=1e-9)
    np.testing.assert_allclose(np.array(info["centroids"]).reshape(k, 8), ref.cluster_centers_,
                               rtol=1e-9, atol=1e-9)
    conn.execute("DROP TABLE yeast_x")
    print(f"yeast k={k}: {ref.n_iter_} iterations, inertia {info['inertia']:.9f} "
          f"(sklearn {ref.inertia_:.9f})")
