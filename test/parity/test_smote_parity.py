"""smote_table against imbalanced-learn 0.10 (structural parity).

SMOTE draws random rows, so the synthetic rows themselves cannot equal
imbalanced-learn's; what must match is the structure:

- per-class counts after resampling equal imbalanced-learn's
  fit_resample for every sampling strategy;
- every synthetic row lies on a segment between a row of its class and
  one of that row's k nearest same-class neighbours (neighbours from
  scikit-learn's NearestNeighbors; a neighbour at the k-th distance within
  1e-9 counts, as equal distances may be ordered either way; the point is
  within 1e-9 of the segment, relative to the data's scale);
- SMOTE-NC: neighbours under imbalanced-learn's SMOTENC distance (one-hot
  categories weighted by median_std / 2, median_std read from a fitted
  imblearn SMOTENC), and each synthetic categorical value is a most
  frequent value among the base row's k neighbours.
"""
from collections import Counter

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, SMOTENC
from imblearn.utils import check_sampling_strategy
from sklearn.metrics import pairwise_distances

from conftest import DATA, load_table, read_csv

TOL = 1e-9
YEAST_FEATURES = ["mcg", "gvh", "alm", "mit", "erl", "pox", "vac", "nuc"]


@pytest.fixture(scope="module")
def yeast(conn):
    rows = [line.split() for line in open(DATA / "yeast.data") if line.strip()]
    cols = [(c, "float8") for c in YEAST_FEATURES] + [("localization", "text")]
    load_table(conn, "yeast", cols, [tuple(r[1:]) for r in rows])
    X = np.array([[float(v) for v in r[1:9]] for r in rows])
    y = np.array([r[9] for r in rows])
    return X, y


CHURN_CONT = ["tenure", "monthly_charges", "total_charges"]
CHURN_CAT = ["contract", "internet_service", "payment_method", "partner"]


@pytest.fixture(scope="module")
def churn(conn):
    rows = [r for r in read_csv("wa_churn.csv") if r["total_charges"] not in ("", "NA")]
    cols = ([("churn", "text")] + [(c, "float8") for c in CHURN_CONT] +
            [(c, "text") for c in CHURN_CAT[:3]] + [("partner", "boolean")])
    data = [tuple([r["churn"]] + [r[c] for c in CHURN_CONT] + [r[c] for c in CHURN_CAT[:3]] +
                  [r["partner"] == "1"]) for r in rows]
    load_table(conn, "churn", cols, data)
    X_cont = np.array([[float(r[c]) for c in CHURN_CONT] for r in rows])
    # categories as the table holds them (booleans print as t / f)
    X_cat = np.array([[r[c] for c in CHURN_CAT[:3]] + ["t" if r["partner"] == "1" else "f"]
                      for r in rows], dtype=object)
    y = np.array([r["churn"] for r in rows])
    return X_cont, X_cat, y


def smote_table(conn, source, label, target, features, k=5, strategy="auto"):
    conn.execute(f"DROP TABLE IF EXISTS {target}")
    conn.execute("SELECT * FROM segment.smote_table(%s, %s, %s, k_neighbors => %s, "
                 "sampling_strategy => %s, features => %s)",
                 (source, label, target, k, strategy, features))


def table_counts(conn, target, label):
    return {str(c): n for c, n in conn.execute(
        f"SELECT {label}::text, count(*) FROM {target} GROUP BY 1").fetchall()}


def imblearn_strategy(strategy):
    if strategy.startswith("{"):
        import json
        return {k: v for k, v in json.loads(strategy).items()}
    try:
        return float(strategy)
    except ValueError:
        return strategy


YEAST_STRATEGIES = ["auto", "minority", "not minority", "all", "not majority",
                    '{"CYT": 500, "ERL": 40, "POX": 25}']


@pytest.mark.parametrize("strategy", YEAST_STRATEGIES)
def test_yeast_counts_match_imblearn(conn, yeast, strategy):
    X, y = yeast
    smote_table(conn, "yeast", "localization", "yeast_bal", YEAST_FEATURES, k=4, strategy=strategy)
    ours = table_counts(conn, "yeast_bal", "localization")
    if strategy == "minority":
        # imbalanced-learn 0.10's parameter validation of SMOTE rejects
        # 'minority' (its list says 'majority'); its own resolution of the
        # strategy, which fit_resample uses, still gives the counts
        added = check_sampling_strategy("minority", y, "over-sampling")
        expected = Counter(y)
        for cls, n in added.items():
            expected[cls] += n
        assert ours == dict(expected)
        return
    _, y_ref = SMOTE(k_neighbors=4, sampling_strategy=imblearn_strategy(strategy),
                     random_state=0).fit_resample(X, y)
    assert ours == dict(Counter(y_ref)), strategy


def test_yeast_too_small_class_errors_like_imblearn(conn, yeast):
    """ERL has 5 rows: k_neighbors = 5 needs 6, in both implementations."""
    X, y = yeast
    with pytest.raises(ValueError):
        SMOTE(k_neighbors=5).fit_resample(X, y)
    with pytest.raises(Exception, match=r'class "ERL" has 5 rows, fewer than k_neighbors \+ 1 = 6'):
        smote_table(conn, "yeast", "localization", "yeast_bad", YEAST_FEATURES, k=5)


@pytest.mark.parametrize("strategy", ["auto", "0.5", "0.8", '{"Yes": 3000}'])
def test_churn_counts_match_imblearn(conn, churn, strategy):
    X_cont, _, y = churn
    smote_table(conn, "churn", "churn", "churn_bal", CHURN_CONT, strategy=strategy)
    ours = table_counts(conn, "churn_bal", "churn")
    _, y_ref = SMOTE(sampling_strategy=imblearn_strategy(strategy),
                     random_state=0).fit_resample(X_cont, y)
    assert ours == dict(Counter(y_ref)), strategy


def valid_pairs(X, k):
    """(a, b) pairs where b is among a's k nearest (ties at the k-th distance included)."""
    D = pairwise_distances(X) ** 2
    np.fill_diagonal(D, np.inf)
    kth = np.sort(D, axis=1)[:, k - 1]
    a, b = np.nonzero(D <= kth[:, None] + TOL * (1 + kth[:, None]))
    return a, b


def segment_residuals(S, A, B, tol=None):
    """For each row of S, the smallest distance to any segment A[i]-B[i]; with
    tol, also the indices i of every segment within tol."""
    AB = B - A
    len2 = np.einsum("ij,ij->i", AB, AB)
    best = np.full(len(S), np.inf)
    matches = []
    for start in range(0, len(S), 256):
        s = S[start:start + 256]
        t = np.einsum("sij,ij->si", s[:, None, :] - A[None], AB)
        t = np.where(len2 > 0, t / np.where(len2 > 0, len2, 1), 0.0).clip(0, 1)
        P = A[None] + t[..., None] * AB[None]
        r = np.sqrt(((P - s[:, None, :]) ** 2).sum(axis=2))
        best[start:start + 256] = r.min(axis=1)
        if tol is not None:
            matches.extend(np.nonzero(row <= tol)[0] for row in r)
    return best, matches


def synthetic_rows(conn, target, label, columns):
    cols = ", ".join(columns)
    return conn.execute(f"SELECT {label}::text, {cols} FROM {target} WHERE synthetic").fetchall()


@pytest.mark.parametrize("dataset", ["yeast", "churn"])
def test_synthetic_rows_lie_between_neighbours(conn, yeast, churn, dataset):
    if dataset == "yeast":
        X, y = yeast
        source, label, features, k = "yeast", "localization", YEAST_FEATURES, 4
    else:
        X, _, y = churn
        source, label, features, k = "churn", "churn", CHURN_CONT, 5
    smote_table(conn, source, label, f"{source}_seg", features, k=k)
    rows = synthetic_rows(conn, f"{source}_seg", label, features)
    assert rows, "no synthetic rows"
    scale = np.abs(X).max()
    worst = 0.0
    for cls in sorted(set(r[0] for r in rows)):
        S = np.array([r[1:] for r in rows if r[0] == cls], dtype=float)
        Xc = X[y == cls]
        a, b = valid_pairs(Xc, k)
        res, _ = segment_residuals(S, Xc[a], Xc[b])
        worst = max(worst, res.max() / scale)
    print(f"{dataset}: {len(rows)} synthetic rows, worst distance to a neighbour segment "
          f"{worst:.2e} (relative to the data's scale)")
    assert worst <= TOL


def test_smote_nc_follows_imblearn_rule(conn, churn):
    X_cont, X_cat, y = churn
    k = 5
    smote_table(conn, "churn", "churn", "churn_nc", CHURN_CONT + CHURN_CAT, k=k)
    ours = table_counts(conn, "churn_nc", "churn")
    X_all = np.hstack([X_cont, X_cat]).astype(object)
    cat_idx = list(range(len(CHURN_CONT), len(CHURN_CONT) + len(CHURN_CAT)))
    ref = SMOTENC(categorical_features=cat_idx, k_neighbors=k, random_state=0)
    _, y_ref = ref.fit_resample(X_all, y)
    assert ours == dict(Counter(y_ref))

    # the distance space of imblearn's SMOTENC: continuous + one-hot * median_std / 2
    minority = min(Counter(y).items(), key=lambda kv: kv[1])[0]
    median_std = np.median(X_cont[y == minority].std(axis=0))
    assert median_std == pytest.approx(ref.median_std_, rel=1e-12)
    rows = [r for r in conn.execute(
        f"SELECT churn, {', '.join(CHURN_CONT)}, {', '.join(c for c in CHURN_CAT[:3])}, "
        "partner::text FROM churn_nc WHERE synthetic").fetchall()]
    rows = [(r[0], r[1:4], tuple("t" if v == "true" else "f" if v == "false" else v
                                 for v in r[4:])) for r in rows]
    cats = [sorted(set(X_cat[:, j])) for j in range(X_cat.shape[1])]

    def encode(Xcont, Xcat):
        parts = [Xcont]
        for j, values in enumerate(cats):
            parts.append(np.array([[median_std / 2 if v == c else 0.0 for c in values]
                                   for v in Xcat[:, j]]))
        return np.hstack(parts)

    checked = 0
    for cls in sorted(set(r[0] for r in rows)):
        sel = y == cls
        Xc_cont, Xc_cat = X_cont[sel], X_cat[sel]
        E = encode(Xc_cont, Xc_cat)
        a, b = valid_pairs(E, k)
        S = np.array([r[1] for r in rows if r[0] == cls], dtype=float)
        S_cat = [r[2] for r in rows if r[0] == cls]
        scale = np.abs(X_cont).max()
        res, matches = segment_residuals(S, Xc_cont[a], Xc_cont[b], tol=TOL * scale)
        assert res.max() / scale <= TOL
        # the k nearest of each base row (exact order from the distances)
        D = pairwise_distances(E) ** 2
        np.fill_diagonal(D, np.inf)

        def follows_rule(s_cat, base):
            nn = np.argsort(D[base], kind="stable")[:k]
            for j in range(len(CHURN_CAT)):
                counts = Counter(Xc_cat[nn, j])
                top = max(counts.values())
                if s_cat[j] not in {v for v, c in counts.items() if c == top}:
                    return False
            return True

        for s_cat, segs in zip(S_cat, matches):
            # the base row is one end of a matching segment (either end, when
            # the two rows are each other's neighbours)
            bases = set(a[segs]) | set(b[segs])
            assert any(follows_rule(s_cat, base) for base in bases), (cls, s_cat)
            checked += 1
    print(f"SMOTE-NC: {checked} synthetic rows, categorical values all among the modes "
          f"of their base row's {k} neighbours; median_std {median_std:.6f}")
    assert checked == sum(ours.values()) - len(y)
