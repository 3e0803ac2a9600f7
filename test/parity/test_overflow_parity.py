"""Statistics of finite values near DBL_MAX, against scikit-learn 1.2.

scikit-learn's StandardScaler squares the raw values and returns NaN for
data near 1e303 (its own overflow), so the reference is StandardScaler on
the same data multiplied by 2^-1000, an exact scaling, with its mean and
scale multiplied back by 2^1000.  Tolerances: means and scales agree to
1e-9 relative; standardised values to 1e-9 absolute.  A column of spread
1e298 around 1e303 is in the test because a mean 1e5 times the spread is
where a one-pass variance loses digits.

Below the threshold where segment rescales (values under about 2^400),
scaler_fit is compared with StandardScaler on the raw data directly: a
spread of 1e150 has a variance of 1e300, which both hold.
"""
import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from conftest import load_table

TOL = 1e-9
DOWN = 2.0 ** -1000
UP = 2.0 ** 1000
N = 5000


def huge_data():
    rng = np.random.default_rng(7)
    return np.column_stack([
        rng.normal(3.0, 1.0, N) * 1e303,            # about 3e303, spread 1e303
        rng.uniform(-1.0, 1.0, N) * 1.7e308,         # the whole positive and negative range
        1e303 + rng.normal(0.0, 1.0, N) * 1e298,     # large mean, small spread
        rng.normal(10.0, 2.0, N),                    # an ordinary column beside them
    ])


COLUMNS = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def huge_table(conn):
    X = huge_data()
    load_table(conn, "huge_values", [(c, "float8") for c in COLUMNS],
               [tuple(repr(v) for v in row) for row in X])
    return X


def test_preprocess_fit_near_dbl_max(conn, huge_table):
    X = huge_table
    big = StandardScaler().fit(X[:, :3] * DOWN)       # columns a, b, c, scaled down
    ordinary = StandardScaler().fit(X[:, 3:])          # column d as it is
    ref_mean = np.concatenate([big.mean_ * UP, ordinary.mean_])
    ref_scale = np.concatenate([big.scale_ * UP, ordinary.scale_])
    (model,) = conn.execute(
        "SELECT preprocess_fit('huge_values', %s)", (COLUMNS,)).fetchone()
    info = conn.execute("SELECT model_info(%s)", (model,)).fetchone()[0]
    mean = np.array([c["mean"] for c in info["columns"]], dtype=float)
    scale = np.array([c["scale"] for c in info["columns"]], dtype=float)
    assert np.all(np.isfinite(mean)) and np.all(np.isfinite(scale))
    np.testing.assert_allclose(mean, ref_mean, rtol=TOL, atol=0)
    np.testing.assert_allclose(scale, ref_scale, rtol=TOL, atol=0)

    ours = np.array([r[0] for r in conn.execute(
        "SELECT preprocess(%s, h) FROM huge_values h ORDER BY row_no", (model,))])
    expected = np.column_stack([big.transform(X[:, :3] * DOWN), ordinary.transform(X[:, 3:])])
    np.testing.assert_allclose(ours, expected, rtol=TOL, atol=TOL)
    print(f"{N} rows near DBL_MAX: max |segment - sklearn (scaled by 2^-1000)| = "
          f"{np.abs(ours - expected).max():.3e}")


def test_scaler_fit_refuses_an_unrepresentable_variance(conn, huge_table):
    with pytest.raises(Exception) as err:
        conn.execute("SELECT scaler_fit(ARRAY[d, a]) FROM huge_values")
    assert err.value.sqlstate == "22003"
    assert "variance of feature 2 is out of range" in str(err.value)


def test_scaler_fit_with_variance_near_1e300(conn):
    rng = np.random.default_rng(11)
    X = np.column_stack([rng.normal(0.0, 1.0, N) * 1e150,
                         2e149 + rng.normal(0.0, 1.0, N) * 1e145])
    load_table(conn, "wide_values", [("x", "float8"), ("y", "float8")],
               [tuple(repr(v) for v in row) for row in X])
    ref = StandardScaler().fit(X)
    assert np.all(np.isfinite(ref.var_))
    (model,) = conn.execute("SELECT scaler_fit(ARRAY[x, y]) FROM wide_values").fetchone()
    info = conn.execute("SELECT model_info(%s)", (model,)).fetchone()[0]
    # jsonb prints large numbers as integers: read them as doubles
    for key, expected in (("mean", ref.mean_), ("var", ref.var_), ("scale", ref.scale_)):
        np.testing.assert_allclose(np.array(info[key], dtype=float), expected, rtol=TOL, atol=0)
    ours = np.array([r[0] for r in conn.execute(
        "SELECT scale(%s, ARRAY[x, y]) FROM wide_values ORDER BY row_no", (model,))])
    np.testing.assert_allclose(ours, ref.transform(X), rtol=TOL, atol=TOL)
