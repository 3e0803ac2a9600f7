"""k-means on preprocessed columns (kmeans_fit with preprocess => true, the
default) against scikit-learn 1.2's pipeline on the same rows: Train.csv
(8,068 customers; three numeric columns with NULLs, three text columns, two
of them with NULLs) through SimpleImputer(mean) + StandardScaler for the
numbers and SimpleImputer(constant) + OneHotEncoder for the text (NULL a
category of its own, last, as segment's preprocessor orders it), then
KMeans from the same initial centres.

Tolerances:
- the encoded matrix (segment.preprocess with the model) equals the
  pipeline's to 1e-9;
- from scikit-learn's k-means++ centres: identical labels (adjusted Rand
  index 1.0), the same iteration count, inertia within 1e-9 relative,
  centroids within 1e-9 (numbers back in original units, one-hot outputs
  as shares);
- the silhouette kmeans_fit reports equals sklearn.metrics.silhouette_score
  on the same labels to 1e-9;
- the stored personas: sizes equal to the label counts, means equal to the
  clusters' means of the imputed columns and the categories' shares, to
  1e-9 relative.
"""
import numpy as np
import pytest
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from conftest import load_table, read_csv

NUM = ["Age", "Work_Experience", "Family_Size"]
CAT = ["Gender", "Ever_Married", "Profession"]
MISSING = "\x00missing"  # the NULL category, ordered last as segment orders it
TOL = 1e-9


@pytest.fixture(scope="module")
def train(conn):
    rows = read_csv("Train.csv")
    cols = [(c.lower(), "float8") for c in NUM] + [(c.lower(), "text") for c in CAT]
    load_table(conn, "km_train", cols, [tuple(r[c] for c in NUM + CAT) for r in rows])
    X_num = np.array([[np.nan if r[c] == "" else float(r[c]) for c in NUM] for r in rows])
    X_cat = np.array([[MISSING if r[c] == "" else r[c] for c in CAT] for r in rows], dtype=object)
    categories = []
    for j in range(len(CAT)):
        seen = sorted({v for v in X_cat[:, j] if v != MISSING}, key=lambda s: s.encode())
        categories.append(seen + ([MISSING] if (X_cat[:, j] == MISSING).any() else []))
    pipe = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), list(range(3))),
        ("cat", OneHotEncoder(categories=categories, handle_unknown="ignore", sparse_output=False),
         list(range(3, 6))),
    ], sparse_threshold=0)
    data = np.empty((len(rows), 6), dtype=object)
    data[:, :3] = X_num
    data[:, 3:] = X_cat
    X = pipe.fit_transform(data).astype(float)
    return pipe, X, X_num, X_cat


def fit(conn, name, init):
    cols = "'{" + ",".join(c.lower() for c in NUM + CAT) + "}'"
    init_sql = "ARRAY[" + ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]"
                                    for row in init) + "]::float8[]"
    conn.execute("SET client_min_messages = warning")
    try:
        return conn.execute(
            f"SELECT k, inertia, silhouette, report FROM kmeans_fit('{name}', 'km_train', {cols}, "
            f"k => ARRAY[{len(init)}], n_init => 1, init => {init_sql}) WHERE chosen").fetchone()
    finally:
        conn.execute("RESET client_min_messages")


@pytest.mark.parametrize("k,seed", [(4, 0), (6, 1)])
def test_preprocessed_kmeans_matches_sklearn_pipeline(conn, train, k, seed):
    pipe, X, X_num, X_cat = train
    name = f"km_train_{k}"
    scaler = pipe.named_transformers_["num"][-1]
    init, _ = kmeans_plusplus(X, k, random_state=seed)
    ref = KMeans(n_clusters=k, init=init, n_init=1, max_iter=300, tol=1e-4).fit(X)
    # init in original units: numbers unscaled, one-hot outputs as shares
    init_raw = init.copy()
    init_raw[:, :3] = init[:, :3] * scaler.scale_ + scaler.mean_
    _, inertia, silhouette, report = fit(conn, name, init_raw)

    (model,) = conn.execute("SELECT model(%s)", (name,)).fetchone()
    names = conn.execute("SELECT preprocess_names(%s)", (model,)).fetchone()[0]
    assert len(names) == X.shape[1]
    encoded = np.array([r[0] for r in conn.execute(
        "SELECT preprocess(%s, t) FROM km_train t ORDER BY row_no", (model,))])
    np.testing.assert_allclose(encoded, X, rtol=TOL, atol=TOL)

    labels = np.array([int(r[0]) for r in conn.execute(
        "SELECT segment_predict(%s, t) FROM km_train t ORDER BY row_no", (name,))])
    assert adjusted_rand_score(ref.labels_, labels) == 1.0
    assert report["per_k"][0]["n_iter"] == ref.n_iter_
    assert inertia == pytest.approx(ref.inertia_, rel=TOL, abs=0)
    assert abs(silhouette - silhouette_score(X, labels)) <= TOL

    # centroids in original units, as the pipeline's inverse of its scaling
    rows = conn.execute("SELECT cluster, feature, value FROM centroids(%s)", (name,)).fetchall()
    ours = np.zeros((k, X.shape[1]))
    for cluster, feature, value in rows:
        ours[cluster, names.index(feature)] = value
    expected = ref.cluster_centers_.copy()
    expected[:, :3] = expected[:, :3] * scaler.scale_ + scaler.mean_
    # our cluster c is sklearn's cluster of the rows we label c
    order = [int(np.bincount(ref.labels_[labels == c]).argmax()) for c in range(k)]
    np.testing.assert_allclose(ours, expected[order], rtol=TOL, atol=TOL)

    # the stored personas: sizes and means of the training rows, in original units
    imputed = X[:, :3] * scaler.scale_ + scaler.mean_
    for cluster, size, means in conn.execute("SELECT cluster, size, means FROM personas(%s)", (name,)):
        members = labels == cluster
        assert size == members.sum()
        for t, feature in enumerate(names):
            value = imputed[members, t].mean() if t < 3 else X[members, t].mean()
            assert means[feature] == pytest.approx(value, rel=TOL, abs=TOL), (cluster, feature)
    print(f"k={k}: ARI 1.0, {ref.n_iter_} iterations, inertia {inertia:.6f} "
          f"(sklearn {ref.inertia_:.6f}), silhouette {silhouette:.6f}")


CHURN_NUM = ["female", "senior_citizen", "partner", "dependents", "tenure", "phone_service",
             "paperless_billing", "monthly_charges", "total_charges"]
CHURN_CAT = ["multiple_lines", "internet_service", "online_security", "online_backup",
             "device_protection", "tech_support", "streaming_tv", "streaming_movies", "contract",
             "payment_method"]


def test_churn_has_no_cluster_structure_and_says_so(conn):
    """The telco churn table (7,043 customers, every column but churn,
    text columns one-hot encoded, NULL total charges imputed): no k has a
    silhouette above 0.25, so kmeans_fit warns and its report says
    "structure": "none"; the silhouette it reports is scikit-learn's on the
    same rows and labels."""
    rows = read_csv("wa_churn.csv")
    cols = [(c, "float8") for c in CHURN_NUM] + [(c, "text") for c in CHURN_CAT]
    load_table(conn, "km_churn", cols, [tuple(r[c] for c in CHURN_NUM + CHURN_CAT) for r in rows])
    warnings = []
    conn.add_notice_handler(lambda d: warnings.append(d.message_primary)
                            if d.severity == "WARNING" else None)
    columns = "'{" + ",".join(CHURN_NUM + CHURN_CAT) + "}'"
    conn.execute("SET client_min_messages = warning")
    try:
        per_k = conn.execute(f"SELECT k, silhouette, chosen, report FROM kmeans_fit('km_churn', 'km_churn', "
                             f"{columns}, k => '{{2,3,4,5}}', silhouette_sample => 0)").fetchall()
    finally:
        conn.execute("RESET client_min_messages")
    assert max(s for _, s, _, _ in per_k) <= 0.25
    k, silhouette, _, report = next(r for r in per_k if r[2])
    assert report["structure"] == "none" and len(report["warnings"]) == 1
    assert any("no substantial cluster structure" in w for w in warnings), warnings
    (model,) = conn.execute("SELECT model('km_churn')").fetchone()
    X = np.array([r[0] for r in conn.execute(
        "SELECT preprocess(%s, t) FROM km_churn t ORDER BY row_no", (model,))])
    labels = np.array([int(r[0]) for r in conn.execute(
        "SELECT segment_predict('km_churn', t) FROM km_churn t ORDER BY row_no")])
    assert abs(silhouette - silhouette_score(X, labels)) <= TOL
    print(f"churn: best silhouette {silhouette:.3f} at k = {k}: structure none, warned")
