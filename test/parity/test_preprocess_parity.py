"""Scaler and preprocessing parity with scikit-learn 1.2.

Tolerances: scaled values agree to 1e-9 (absolute and relative) with
StandardScaler; one-hot outputs are exactly equal to
OneHotEncoder(handle_unknown='ignore'), including the NULL category
(sklearn's missing-value category, sorted last) and all-zero rows for
unseen categories.
"""
import numpy as np
import pytest
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from conftest import load_table, read_csv

TOL = 1e-9

TRAIN_NUM = ["Age", "Work_Experience", "Family_Size"]
TRAIN_CAT = ["Gender", "Ever_Married", "Graduated", "Profession", "Spending_Score", "Var_1"]
CHURN_NUM = ["female", "senior_citizen", "partner", "dependents", "tenure", "phone_service",
             "paperless_billing", "monthly_charges", "total_charges"]
CHURN_CAT = ["multiple_lines", "internet_service", "online_security", "contract", "payment_method"]


def dataset(conn, name):
    if name == "Train.csv":
        rows = read_csv("Train.csv")
        num, cat, table = TRAIN_NUM, TRAIN_CAT, "train_csv"
    else:
        rows = read_csv("wa_churn.csv")
        num, cat, table = CHURN_NUM, CHURN_CAT, "churn_csv"
    cols = [(c, "float8") for c in num] + [(c, "text") for c in cat]
    data = [tuple(r[c] for c in num + cat) for r in rows]
    load_table(conn, table, cols, data)
    X_num = np.array([[np.nan if r[c] in ("", "NA") else float(r[c]) for c in num] for r in rows])
    X_cat = np.array([[None if r[c] in ("", "NA") else r[c] for c in cat] for r in rows], dtype=object)
    return table, num, cat, X_num, X_cat


@pytest.mark.parametrize("name", ["Train.csv", "wa_churn.csv"])
def test_scaler_matches_standard_scaler(conn, name):
    table, num, _, X_num, _ = dataset(conn, name)
    complete = ~np.isnan(X_num).any(axis=1)
    arr = "ARRAY[" + ", ".join(f'"{c}"' for c in num) + "]"
    where = " AND ".join(f'"{c}" IS NOT NULL' for c in num)
    (model,) = conn.execute(f"SELECT scaler_fit({arr}) FROM {table} WHERE {where}").fetchone()
    ours = np.array([r[0] for r in conn.execute(
        f"SELECT scale(%s, {arr}) FROM {table} WHERE {where} ORDER BY row_no", (model,))])
    ref = StandardScaler().fit(X_num[complete])
    expected = ref.transform(X_num[complete])
    info = conn.execute("SELECT model_info(%s)", (model,)).fetchone()[0]
    np.testing.assert_allclose(info["mean"], ref.mean_, rtol=TOL, atol=0)
    np.testing.assert_allclose(info["scale"], ref.scale_, rtol=TOL, atol=0)
    np.testing.assert_allclose(ours, expected, rtol=TOL, atol=TOL)
    print(f"{name}: {complete.sum()} rows x {len(num)} features, "
          f"max |segment - sklearn| = {np.abs(ours - expected).max():.3e}")


@pytest.mark.parametrize("name", ["Train.csv", "wa_churn.csv"])
def test_preprocess_matches_impute_scale_onehot(conn, name):
    table, num, cat, X_num, X_cat = dataset(conn, name)
    n = len(X_num)
    n_train = int(n * 0.8)
    conn.execute(f"CREATE OR REPLACE VIEW {table}_fit AS SELECT * FROM {table} WHERE row_no < {n_train}")
    # a row of categories nobody has seen, and NULLs everywhere
    conn.execute(f"INSERT INTO {table} (row_no) VALUES ({n})")
    conn.execute(f"UPDATE {table} SET " + ", ".join(f'"{c}" = %s' for c in cat) + f" WHERE row_no = {n}",
                 tuple(f"unseen {c}" for c in cat))
    cols = "ARRAY[" + ", ".join(f"'{c}'" for c in num + cat) + "]"
    (model,) = conn.execute(f"SELECT preprocess_fit('{table}_fit', {cols})").fetchone()
    names = conn.execute("SELECT preprocess_names(%s)", (model,)).fetchone()[0]
    ours = np.array([r[0] for r in conn.execute(
        f"SELECT preprocess(%s, t) FROM {table} t ORDER BY row_no", (model,))])

    X_num_all = np.vstack([X_num, np.full((1, len(num)), np.nan)])
    X_cat_all = np.vstack([X_cat, np.array([[f"unseen {c}" for c in cat]], dtype=object)])
    num_pipe = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()).fit(X_num[:n_train])
    ohe = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(X_cat[:n_train])
    ref_num = num_pipe.transform(X_num_all)
    ref_cat = ohe.transform(X_cat_all)

    # numeric outputs come first, in column order
    np.testing.assert_allclose(ours[:, :len(num)], ref_num, rtol=TOL, atol=TOL)
    # one-hot outputs, matched by name: "col=value" or "col=NULL"
    ref_index = {}
    offset = 0
    for c, cats in zip(cat, ohe.categories_):
        for k, v in enumerate(cats):
            key = f"{c}=NULL" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{c}={v}"
            ref_index[key] = offset + k
        offset += len(cats)
    assert sorted(names[len(num):]) == sorted(ref_index), "same one-hot vocabulary"
    for j, nm in enumerate(names[len(num):], start=len(num)):
        np.testing.assert_array_equal(ours[:, j], ref_cat[:, ref_index[nm]], err_msg=nm)
    assert not ours[-1, len(num):].any(), "unseen categories encode as all zeros"
    print(f"{name}: {len(names)} outputs, max numeric diff "
          f"{np.abs(ours[:, :len(num)] - ref_num).max():.3e}, one-hot identical")
