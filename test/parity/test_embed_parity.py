"""PCA and autoencoder parity with scikit-learn 1.2.

PCA: segment.pca_fit against PCA(n_components=k, svd_solver='full') fitted on
the very matrix segment.preprocess gives for the same rows (numbers imputed and
standardised, categories one-hot with a NULL category), and against
StandardScaler + PCA on raw numeric columns.  Tolerances: explained_variance_,
explained_variance_ratio_, singular_values_ and noise_variance_ to 1e-9
relative; components_ and transform() to 1e-8 absolute, with scikit-learn's
signs (svd_flip: on each component the row of largest |score| scores
positive), not merely up to sign.

Autoencoder: on rows along a curve and on a swiss roll, each embedded in more
dimensions (non-linear manifolds of dimension 1 and 2), the autoencoder's
reconstruction error at code size k is below that of a PCA with k components,
both as segment reports it on the held-out rows and against scikit-learn's PCA
fitted on every row (which favours PCA: it has seen the rows it is scored on).

Determinism: the same rows in another physical order give the same model bytes.
"""
import csv

import numpy as np
import pytest
from sklearn.datasets import make_swiss_roll
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from conftest import DATA, load_table, read_csv

RTOL = 1e-9
ATOL_VECTORS = 1e-8

TRAIN_NUM = ["Age", "Work_Experience", "Family_Size"]
TRAIN_CAT = ["Gender", "Ever_Married", "Graduated", "Profession", "Spending_Score", "Var_1"]
CHURN_NUM = ["female", "senior_citizen", "partner", "dependents", "tenure", "phone_service",
             "paperless_billing", "monthly_charges", "total_charges"]
CHURN_CAT = ["multiple_lines", "internet_service", "online_security", "contract", "payment_method"]
WINE = ["Alcohol", "Malic_Acid", "Ash", "Ash_Alcanity", "Magnesium", "Total_Phenols",
        "Flavanoids", "Nonflavanoid_Phenols", "Proanthocyanins", "Color_Intensity", "Hue",
        "OD280", "Proline"]


def fetch(conn, sql, *args):
    return np.array([r[0] for r in conn.execute(sql, args)])


def mixed_table(conn, name):
    rows = read_csv(name)
    if name == "Train.csv":
        num, cat, table = TRAIN_NUM, TRAIN_CAT, "pca_train_csv"
    else:
        num, cat, table = CHURN_NUM, CHURN_CAT, "pca_churn_csv"
    cols = [(c, "float8") for c in num] + [(c, "text") for c in cat]
    load_table(conn, table, cols, [tuple(r[c] for c in num + cat) for r in rows])
    return table, num + cat


def compare(ours_report, model, ours_codes, X, k):
    """Checks a segment PCA against scikit-learn's on the matrix X."""
    ref = PCA(n_components=k, svd_solver="full").fit(X)
    np.testing.assert_allclose(ours_report["explained_variance"], ref.explained_variance_,
                               rtol=RTOL, atol=0)
    np.testing.assert_allclose(ours_report["explained_variance_ratio"],
                               ref.explained_variance_ratio_, rtol=RTOL, atol=0)
    np.testing.assert_allclose(ours_report["singular_values"], ref.singular_values_,
                               rtol=RTOL, atol=0)
    np.testing.assert_allclose(ours_report["noise_variance"], ref.noise_variance_, rtol=RTOL)
    np.testing.assert_allclose(model["mean"], ref.mean_, rtol=0, atol=1e-12)
    components = np.array(model["components"])
    # the same signs as scikit-learn's, not just up to sign
    np.testing.assert_allclose(components, ref.components_, rtol=0, atol=ATOL_VECTORS)
    expected = ref.transform(X)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(ours_codes, expected, rtol=0, atol=ATOL_VECTORS * scale)
    return (np.abs(np.array(ours_report["explained_variance"]) / ref.explained_variance_ - 1).max(),
            np.abs(components - ref.components_).max(),
            np.abs(ours_codes - expected).max() / scale)


@pytest.mark.parametrize("name,k", [("Train.csv", 5), ("wa_churn.csv", 8)])
def test_pca_matches_sklearn_on_the_encoded_matrix(conn, name, k):
    table, columns = mixed_table(conn, name)
    report = conn.execute("SELECT segment.pca_fit(%s, %s, %s, %s)",
                          (f"parity_{table}", table, columns, k)).fetchone()[0]
    (model,) = conn.execute("SELECT segment.model(%s)", (f"parity_{table}",)).fetchone()
    info = conn.execute("SELECT segment.model_info(%s)", (model,)).fetchone()[0]
    # the encoded matrix of the rows fitted on, as segment.preprocess gives it
    X = np.array(fetch(conn, f"SELECT segment.preprocess(%s, t) FROM {table} t ORDER BY row_no",
                       model).tolist())
    codes = np.array(fetch(conn, f"SELECT segment.project(%s, t) FROM {table} t ORDER BY row_no",
                           model).tolist())
    assert report["rows"] == len(X) and report["n_inputs"] == X.shape[1]
    ev, comp, proj = compare(report, info, codes, X, k)
    print(f"{name}: {X.shape[0]} rows x {X.shape[1]} encoded features, k = {k}: "
          f"max relative difference of the explained variances {ev:.2e}, "
          f"of the components {comp:.2e}, of the projections {proj:.2e}")


def test_pca_matches_standard_scaler_then_pca(conn):
    # scikit-learn's wine file: a header line of counts, then 13 features and the class
    with open(DATA / "wine_data.csv", newline="") as f:
        rows = [r[:13] for r in list(csv.reader(f))[1:]]
    load_table(conn, "pca_wine", [(c, "float8") for c in WINE], rows)
    X = np.array(rows, dtype=float)
    Z = StandardScaler().fit_transform(X)
    report = conn.execute("SELECT segment.pca_fit('parity_wine', 'pca_wine', %s, 4)",
                          (WINE,)).fetchone()[0]
    (model,) = conn.execute("SELECT segment.model('parity_wine')").fetchone()
    info = conn.execute("SELECT segment.model_info(%s)", (model,)).fetchone()[0]
    codes = np.array(fetch(conn, "SELECT segment.project('parity_wine', t) FROM pca_wine t "
                                 "ORDER BY row_no").tolist())
    ev, comp, proj = compare(report, info, codes, Z, 4)
    # every component: the whole variance, and exact reconstructions
    full = conn.execute("SELECT segment.pca_fit('parity_wine_all', 'pca_wine', %s, 13)",
                        (WINE,)).fetchone()[0]
    ref = PCA(n_components=13, svd_solver="full").fit(Z)
    np.testing.assert_allclose(full["explained_variance"], ref.explained_variance_, rtol=1e-8)
    assert abs(full["explained_variance_ratio_total"] - 1) < 1e-12
    worst = conn.execute("SELECT max(segment.reconstruction_error('parity_wine_all', t)) "
                         "FROM pca_wine t").fetchone()[0]
    assert worst < 1e-20
    print(f"wine: {len(X)} rows, StandardScaler + PCA(4): explained variances {ev:.2e}, "
          f"components {comp:.2e}, projections {proj:.2e}; all 13 components to 1e-8, "
          f"worst reconstruction error {worst:.1e}")


def test_pca_does_not_depend_on_row_order(conn):
    table, columns = mixed_table(conn, "wa_churn.csv")
    conn.execute(f"CREATE TABLE {table}_shuffled AS SELECT * FROM {table} ORDER BY md5(row_no::text)")
    a = conn.execute("SELECT segment.pca_fit('parity_order_a', %s, %s, 3)",
                     (table, columns)).fetchone()[0]
    b = conn.execute("SELECT segment.pca_fit('parity_order_b', %s, %s, 3)",
                     (f"{table}_shuffled", columns)).fetchone()[0]
    same = conn.execute("SELECT segment.model('parity_order_a') = segment.model('parity_order_b')"
                        ).fetchone()[0]
    assert same and a["explained_variance"] == b["explained_variance"]


def manifold_table(conn, table, X):
    cols = [(f"x{j}", "float8") for j in range(X.shape[1])]
    load_table(conn, table, cols, [tuple(r) for r in X])
    return [c for c, _ in cols]


def embed(rng, points, dims, noise):
    """points (n x m) mapped into dims dimensions by an orthonormal map, plus noise"""
    q, _ = np.linalg.qr(rng.normal(size=(dims, dims)))
    return points @ q[:points.shape[1]] + noise * rng.normal(size=(len(points), dims))


def curve(rng, n):
    t = rng.uniform(-2, 2, n)
    return np.c_[t, t ** 2, np.sin(2 * t)]


def swiss_roll(rng, n):
    return make_swiss_roll(n, noise=0.05, random_state=0)[0]


@pytest.mark.parametrize("shape,dims,code", [("curve", 8, 1), ("swiss_roll", 10, 2)])
def test_autoencoder_beats_pca_on_a_manifold(conn, shape, dims, code):
    rng = np.random.default_rng(0)
    points = curve(rng, 3000) if shape == "curve" else swiss_roll(rng, 4000)
    X = embed(rng, points, dims, 0.01)
    table = f"ae_{shape}"
    columns = manifold_table(conn, table, X)
    report = conn.execute("SELECT segment.autoencoder_fit(%s, %s, %s, code_size => %s)",
                          (f"parity_{table}", table, columns, code)).fetchone()[0]
    ours = report["reconstruction_mse"]
    theirs = report["pca_reconstruction_mse"]
    assert ours["test"] < theirs["test"] and ours["validation"] < theirs["validation"]
    # against scikit-learn's PCA on every row, scored on every row
    Z = StandardScaler().fit_transform(X)
    ref = PCA(n_components=code, svd_solver="full").fit(Z)
    ref_mse = np.mean((Z - ref.inverse_transform(ref.transform(Z))) ** 2)
    ae_mse = conn.execute(f"SELECT avg(segment.reconstruction_error(%s, t)) FROM {table} t",
                          (f"parity_{table}",)).fetchone()[0]
    assert ae_mse < ref_mse
    # the report's PCA baseline is of the same order as scikit-learn's
    assert abs(theirs["train"] / ref_mse - 1) < 0.1
    print(f"{shape} ({len(X)} rows in {dims} dimensions), code size {code}: held-out MSE "
          f"autoencoder {ours['test']:.4g} vs PCA {theirs['test']:.4g}; every row: autoencoder "
          f"{ae_mse:.4g} vs scikit-learn PCA fitted on every row {ref_mse:.4g}; "
          f"{report['epochs_run']} epochs (best {report['best_epoch']})")


def test_autoencoder_does_not_depend_on_row_order(conn):
    rng = np.random.default_rng(1)
    X = embed(rng, curve(rng, 600), 5, 0.01)
    columns = manifold_table(conn, "ae_order", X)
    conn.execute("CREATE TABLE ae_order_shuffled AS SELECT * FROM ae_order ORDER BY md5(row_no::text)")
    conn.execute("ALTER TABLE ae_order_shuffled ADD PRIMARY KEY (row_no)")
    for suffix, table in (("a", "ae_order"), ("b", "ae_order_shuffled")):
        conn.execute("SELECT segment.autoencoder_fit(%s, %s, %s, code_size => 1, epochs => 20)",
                     (f"parity_ae_order_{suffix}", table, columns))
    assert conn.execute("SELECT segment.model('parity_ae_order_a') = "
                        "segment.model('parity_ae_order_b')").fetchone()[0]
