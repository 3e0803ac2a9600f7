"""The learners against scikit-learn 1.2 on the same rows.

Every comparison uses segment's own split: segment.split_part() names
each row's part from its key, so both sides train on the same rows
(segment's train and validation parts; scikit-learn holds out its own
validation share where it stops early) and are scored on the same test
rows.  Tolerances are stated per test; both figures are printed.

- logistic: test accuracy within 0.005 of LogisticRegression's (same L2
  objective, C = 1, on the same encoded inputs of the same train rows);
- the MLP regressor on CDNOW (next six months' spend from the first
  twelve months' RFM features, 23,570 customers): test R2 >= MLPRegressor's
  - 0.02, each the mean over three initialisations;
- the default MLP (batch norm off) on a heavy-tailed set of rare
  indicator columns: test macro-F1 within 0.01 of the better of batch norm
  on and off, over three seeds;
- ROC-AUC and PR-AUC in the report equal scikit-learn's on the model's
  own test predictions;
- permutation importance: the column that alone decides the label ranks
  first by a wide margin, and on a fixed logistic model the ranking and
  the values agree with sklearn.inspection.permutation_importance (same
  model: its coefficients copied into scikit-learn's estimator).
"""
import warnings

import numpy as np
import pytest
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, average_precision_score, r2_score, roc_auc_score
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from conftest import DATA, load_table
import test_train_quality as q


def parts(conn, table, model):
    """segment's part of every row, in row_no order."""
    return np.array([p for (p,) in conn.execute(
        f"SELECT split_part(%s, t) FROM {table} t ORDER BY row_no", (model,)).fetchall()])


def encoded(conn, table, model):
    """The inputs segment's model sees, for every row in row_no order."""
    return np.array([x for (x,) in conn.execute(
        f"SELECT preprocess(model(%s), t) FROM {table} t ORDER BY row_no", (model,)).fetchall()])


def test_logistic_matches_sklearn(conn):
    table, X, n_numeric, y = q.load(conn, "Train.csv", "Segmentation", {"ID"})
    (report,) = conn.execute(
        "SELECT segment_train('logit', %s::regclass, 'Segmentation', exclude => '{ID,row_no}', "
        "model => 'logistic', balance => 'none', deploy => 'always')", (table,)).fetchone()
    part = parts(conn, table, "logit")
    Z = encoded(conn, table, "logit")
    # a logistic model does not stop early: both fit the train part alone
    fit, test = part == "train", part == "test"
    ref = LogisticRegression(C=1.0, max_iter=1000).fit(Z[fit], y[fit])
    ours = report["test"]["accuracy"]
    theirs = accuracy_score(y[test], ref.predict(Z[test]))
    print(f"\nTrain.csv logistic: test accuracy segment {ours:.4f}, scikit-learn {theirs:.4f} "
          f"on the same {test.sum()} rows")
    assert abs(ours - theirs) <= 0.005


def cdnow_features():
    """Per customer: RFM of 1997 and the spend of the first half of 1998."""
    rows = [line.split() for line in open(DATA / "CDNOW_master.txt").read().splitlines()[1:]
            if line.strip()]
    cutoff, end = 19980101, 19980701
    customers = {}
    for cid, day, cds, dollars in rows:
        day, cds, dollars = int(day), int(cds), float(dollars)
        c = customers.setdefault(cid, {"days": [], "cds": 0, "spend": 0.0, "future": 0.0})
        if day < cutoff:
            c["days"].append(day)
            c["cds"] += cds
            c["spend"] += dollars
        elif day < end:
            c["future"] += dollars

    def ordinal(d):
        import datetime
        return datetime.date(d // 10000, d // 100 % 100, d % 100).toordinal()
    last = ordinal(19971231)
    out = []
    for cid, c in sorted(customers.items()):
        days = sorted(ordinal(d) for d in c["days"])
        out.append((last - days[-1], len(days), c["spend"], c["spend"] / len(days),
                    last - days[0], c["cds"], c["future"]))
    return out


def test_mlp_regressor_on_cdnow(conn):
    rows = cdnow_features()
    cols = [("recency", "float8"), ("frequency", "float8"), ("monetary", "float8"),
            ("average_order", "float8"), ("tenure", "float8"), ("cds", "float8"),
            ("next_spend", "float8")]
    load_table(conn, "cdnow", cols, rows)
    data = np.array(rows)
    X, y = data[:, :6], data[:, 6]
    ours, refs = [], []
    for seed in (42, 43, 44):
        (report,) = conn.execute(
            "SELECT segment_train('clv', 'cdnow', 'next_spend', exclude => '{row_no}', "
            "seed => %s, split_seed => 42, deploy => 'always')", (seed,)).fetchone()
        assert report["task"] == "regression"
        ours.append(report["test"]["r2"])
    part = parts(conn, "cdnow", "clv")
    fit, test = part != "test", part == "test"
    for seed in (42, 43, 44):
        scaler = StandardScaler().fit(X[fit])
        ref = MLPRegressor((64, 32), early_stopping=True, random_state=seed, max_iter=500)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref.fit(scaler.transform(X[fit]), y[fit])
        refs.append(r2_score(y[test], ref.predict(scaler.transform(X[test]))))
    print(f"\nCDNOW next-6-months spend: test R2 on the same {test.sum()} customers: segment "
          f"{np.mean(ours):.4f} ({', '.join(f'{v:.4f}' for v in ours)}) vs MLPRegressor "
          f"{np.mean(refs):.4f} ({', '.join(f'{v:.4f}' for v in refs)})")
    assert np.mean(ours) >= np.mean(refs) - 0.02


def test_default_batch_norm_on_heavy_tails(conn):
    """Rare 0/1 indicators standardise to values of dozens of standard
    deviations (kurtosis in the thousands), the case where minibatch
    statistics of batch normalisation misled the 0.1.0 default."""
    rng = np.random.default_rng(1)
    n, k_soil = 12000, 40
    p = 1.0 / np.arange(1, k_soil + 1) ** 2.2
    soil = rng.choice(k_soil, size=n, p=p / p.sum())
    cont = rng.normal(size=(n, 6))
    effect = rng.normal(size=(k_soil, 5)) * 2.0
    cls = np.argmax(np.hstack([cont[:, :5] * 1.5]) + effect[soil] + rng.gumbel(size=(n, 5)), axis=1)
    onehot = np.eye(k_soil, dtype=int)[soil]
    cols = [(f"c{j}", "float8") for j in range(6)] + [(f"soil{j}", "int") for j in range(k_soil)] \
        + [("y", "int")]
    load_table(conn, "heavy", cols, [tuple(cont[i].tolist()) + tuple(onehot[i].tolist())
                                     + (int(cls[i]),) for i in range(n)])
    z = (onehot - onehot.mean(0)) / onehot.std(0)
    scores = {}
    for setting, arg in (("default", ""), ("on", ", batch_norm => true"),
                         ("off", ", batch_norm => false")):
        f1 = []
        for seed in (42, 43, 44):
            (report,) = conn.execute(
                f"SELECT segment_train('heavy', 'heavy', 'y', exclude => '{{row_no}}', "
                f"balance => 'none', seed => %s, split_seed => 42, deploy => 'always' {arg})",
                (seed,)).fetchone()
            f1.append(report["test"]["macro_f1"])
        scores[setting] = np.mean(f1)
    print(f"\nheavy tails (standardised indicators up to {np.abs(z).max():.0f}): test macro-F1 "
          f"default {scores['default']:.4f}, batch norm on {scores['on']:.4f}, "
          f"off {scores['off']:.4f}")
    assert scores["default"] >= max(scores["on"], scores["off"]) - 0.01


def test_binary_ranking_metrics_match_sklearn(conn):
    table, X, n_numeric, y = q.load(conn, "wa_churn.csv", "churn", set())
    (report,) = conn.execute(
        "SELECT segment_train('churn_auc', %s::regclass, 'churn', exclude => '{row_no}', "
        "model => 'logistic', deploy => 'always')", (table,)).fetchone()
    part = parts(conn, table, "churn_auc")
    proba = np.array([p for (p,) in conn.execute(
        f"SELECT (segment_predict_proba('churn_auc', t)->>'Yes')::float8 FROM {table} t "
        "ORDER BY row_no").fetchall()])
    test = part == "test"
    assert report["test"]["positive_class"] == "Yes"
    assert report["test"]["roc_auc"] == pytest.approx(roc_auc_score(y[test] == "Yes", proba[test]),
                                                      abs=1e-12)
    assert report["test"]["pr_auc"] == pytest.approx(
        average_precision_score(y[test] == "Yes", proba[test]), abs=1e-12)


def test_permutation_importance(conn):
    rng = np.random.default_rng(3)
    n = 4000
    X = rng.normal(size=(n, 5))
    y = (X[:, 2] > 0).astype(int)          # column x2 alone decides the label
    cols = [(f"x{j}", "float8") for j in range(5)] + [("y", "int")]
    load_table(conn, "decided", cols, [tuple(X[i].tolist()) + (int(y[i]),) for i in range(n)])
    conn.execute("SELECT segment_train('decided', 'decided', 'y', exclude => '{row_no}', "
                 "model => 'logistic', balance => 'none', deploy => 'always')")
    rows = conn.execute("SELECT feature, importance, std FROM feature_importance('decided', "
                        "repeats => 5)").fetchall()
    print("\none deciding column:", ", ".join(f"{f} {m:.4f}±{s:.4f}" for f, m, s in rows))
    assert rows[0][0] == "x2"
    assert rows[0][1] > 0.3 and all(m < 0.02 for _, m, _ in rows[1:])

    # the same logistic model in scikit-learn: its permutation importance agrees
    table, Xc, n_numeric, yc = q.load(conn, "wa_churn.csv", "churn", set())
    conn.execute("SELECT segment_train('churn_imp', %s::regclass, 'churn', exclude => '{row_no}', "
                 "model => 'logistic', balance => 'none', deploy => 'always')", (table,))
    info = conn.execute("SELECT model_info(model('churn_imp'))").fetchone()[0]
    d = len(info["outputs"])
    ref = LogisticRegression()
    ref.classes_ = np.array(info["classes"])
    ref.coef_ = np.array(info["coefficients"]).reshape(d, -1).T
    ref.intercept_ = np.array(info["intercepts"])
    ref.n_features_in_ = d
    part = parts(conn, table, "churn_imp")
    Z = encoded(conn, table, "churn_imp")
    test = part == "test"
    ours = {f: (m, s) for f, m, s in conn.execute(
        "SELECT feature, importance, std FROM feature_importance('churn_imp', repeats => 10)")}
    res = permutation_importance(ref, Z[test], yc[test], scoring="f1_macro", n_repeats=10,
                                 random_state=0)
    # the one-hot inputs of a column are shuffled together: group scikit-learn's by column
    groups = {}
    for j, name in enumerate(info["outputs"]):
        groups.setdefault(name.split("=")[0], []).append(j)
    # columns with a single input compare directly
    single = [c for c, idx in groups.items() if len(idx) == 1]
    top_ours = sorted(single, key=lambda c: -ours[c][0])[:3]
    top_theirs = sorted(single, key=lambda c: -res.importances_mean[groups[c][0]])[:3]
    print("top numeric columns, segment:", top_ours, "scikit-learn:", top_theirs)
    assert top_ours[0] == top_theirs[0]
    for c in single:
        m, s = ours[c]
        j = groups[c][0]
        tol = 3 * max(s, res.importances_std[j]) + 0.005
        assert abs(m - res.importances_mean[j]) <= tol, (c, m, res.importances_mean[j])
