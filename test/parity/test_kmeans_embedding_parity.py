"""k-means on the codes of a PCA (kmeans_fit(..., embedding => a pca_fit
model)) against scikit-learn 1.2 on the same rows: Train.csv (8,068
customers; numbers with NULLs, text columns with NULLs) through the
pipeline of test_kmeans_preprocess_parity.py (mean imputation and
StandardScaler, one-hot with NULL a category of its own), then
PCA(n_components=3, svd_solver='full').fit_transform, then KMeans from
scikit-learn's k-means++ centres on those codes (the existing k-means
parity tests' way of giving both sides the same start; with an embedding,
init holds codes).

Tolerances:
- the codes (segment.project) equal PCA.fit_transform's to 1e-9;
- identical labels (adjusted Rand index 1.0), the same iteration count,
  inertia within 1e-9 relative, centroids (in code space) within 1e-9;
- segment_predict of every raw row equals the label of the nearest
  centroid of the row's projected code (exactly: the same arithmetic on
  the same code);
- the personas: sizes equal to the label counts, means equal to the
  clusters' means of the imputed columns and the categories' shares, to
  1e-9 relative.
"""
import numpy as np
import pytest
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

from test_kmeans_preprocess_parity import CAT, NUM, train  # noqa: F401 (fixture)

TOL = 1e-9
COMPONENTS = 3


def fit(conn, name, embedding, init):
    init_sql = "ARRAY[" + ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]"
                                    for row in init) + "]::float8[]"
    conn.execute("SET client_min_messages = warning")
    try:
        return conn.execute(
            f"SELECT k, inertia, silhouette, report FROM kmeans_fit('{name}', 'km_train', NULL, "
            f"k => ARRAY[{len(init)}], n_init => 1, init => {init_sql}, "
            f"embedding => '{embedding}') WHERE chosen").fetchone()
    finally:
        conn.execute("RESET client_min_messages")


@pytest.fixture(scope="module")
def pca_codes(conn, train):  # noqa: F811 (the fixture imported above)
    _, X, _, _ = train
    cols = "'{" + ",".join(c.lower() for c in NUM + CAT) + "}'"
    conn.execute(f"SELECT pca_fit('kemb_pca', 'km_train', {cols}, components => {COMPONENTS})")
    ours = np.array([r[0] for r in conn.execute(
        "SELECT project('kemb_pca', t) FROM km_train t ORDER BY row_no")])
    ref = PCA(n_components=COMPONENTS, svd_solver="full").fit_transform(X)
    np.testing.assert_allclose(ours, ref, rtol=TOL, atol=TOL)
    return ref


@pytest.mark.parametrize("k,seed", [(4, 0), (6, 1)])
def test_kmeans_on_pca_codes_matches_sklearn(conn, train, pca_codes, k, seed):  # noqa: F811
    pipe, X, _, _ = train
    Z = pca_codes
    name = f"kemb_{k}"
    init, _ = kmeans_plusplus(Z, k, random_state=seed)
    ref = KMeans(n_clusters=k, init=init, n_init=1, max_iter=300, tol=1e-4).fit(Z)
    _, inertia, silhouette, report = fit(conn, name, "kemb_pca", init)

    assert report["embedding"]["name"] == "kemb_pca"
    assert report["embedding"]["code_size"] == COMPONENTS
    labels = np.array([int(r[0]) for r in conn.execute(
        "SELECT segment_predict(%s, t) FROM km_train t ORDER BY row_no", (name,))])
    assert adjusted_rand_score(ref.labels_, labels) == 1.0
    assert report["per_k"][0]["n_iter"] == ref.n_iter_
    assert inertia == pytest.approx(ref.inertia_, rel=TOL, abs=0)

    # centroids in code space (model_info), our cluster c being sklearn's
    # cluster of the rows we label c
    info = conn.execute("SELECT model_info(model(%s))::jsonb", (name,)).fetchone()[0]
    numbers = info["clusters"]
    centres = np.array(info["centroids"]).reshape(k, COMPONENTS)
    order = [int(np.bincount(ref.labels_[labels == c]).argmax()) for c in numbers]
    np.testing.assert_allclose(centres, ref.cluster_centers_[order], rtol=TOL, atol=TOL)

    # a raw row's cluster: the nearest centroid of its projected code
    codes = np.array([r[0] for r in conn.execute(
        "SELECT project('kemb_pca', t) FROM km_train t ORDER BY row_no")])
    nearest = ((codes[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    assert (np.array(numbers)[nearest] == labels).all()

    # the personas in original units: the clusters' means of the imputed columns
    scaler = pipe.named_transformers_["num"][-1]
    imputed = X[:, :3] * scaler.scale_ + scaler.mean_
    (model,) = conn.execute("SELECT model(%s)", (name,)).fetchone()
    names = conn.execute("SELECT preprocess_names(%s)", (model,)).fetchone()[0]
    for cluster, size, means in conn.execute("SELECT cluster, size, means FROM personas(%s)",
                                             (name,)):
        members = labels == cluster
        assert size == members.sum()
        for t, feature in enumerate(names):
            value = imputed[members, t].mean() if t < 3 else X[members, t].mean()
            assert means[feature] == pytest.approx(value, rel=TOL, abs=TOL), (cluster, feature)
    print(f"k={k} on {COMPONENTS} PCA codes of {len(Z)} rows: ARI 1.0, {ref.n_iter_} iterations, "
          f"inertia {inertia:.9f} vs sklearn {ref.inertia_:.9f} "
          f"(relative difference {abs(inertia - ref.inertia_) / ref.inertia_:.1e})")
