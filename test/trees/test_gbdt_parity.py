"""gbdt against scikit-learn 1.2's HistGradientBoosting on the same rows.

The tree builder follows scikit-learn's algorithm step for step (its bins,
its gain, its scans and tie-breaking, its categorical splits, its
treatment of NULL), so on the same binned data the same trees come out:
the first tree is compared node by node (input, threshold, NULL
direction, categories, leaf values), then every tree of 100 iterations,
and the predictions to 1e-9.  scikit-learn runs on one OpenMP thread
(conftest.py): on several it adds the root's gradients in another order,
and a near tie between two splits, deep in the boosting, may then go the
other way (seen once in 400 trees on this data).  Early stopping is off on
both sides."""
import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from conftest import predictions, run, to_csv


def make_data(n, seed, n_classes=0, categorical=True):
    """Numbers (some NULL), a boolean and a categorical input (some NULL)."""
    rng = np.random.RandomState(seed)
    X = np.empty((n, 5))
    X[:, 0] = rng.normal(size=n)
    X[:, 1] = np.round(rng.normal(size=n) * 4) / 4
    X[:, 2] = rng.randint(0, 2, size=n)
    X[:, 3] = rng.exponential(size=n)
    X[:, 4] = rng.randint(0, 7, size=n)
    score = X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + np.sin(X[:, 3]) + \
        (np.array([0.0, 1.2, -0.7, 0.3, 0.9, -1.1, 0.1])[X[:, 4].astype(int)] if categorical else 0)
    X[rng.rand(n) < 0.1, 1] = np.nan
    X[rng.rand(n) < 0.05, 4] = np.nan
    X[rng.rand(n) < 0.03, 0] = np.nan
    score += 0.5 * rng.normal(size=n)
    if n_classes:
        cuts = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
        y = np.searchsorted(cuts, score)
    else:
        y = score
    kinds = ["num", "num", "bool", "num", ("cat", 7) if categorical else "num"]
    return X, y, kinds


def sklearn_nodes(predictor):
    """(feature, threshold, missing_left, left categories, value) in depth-first order."""
    nodes = predictor.nodes
    out = []

    def visit(i):
        nd = nodes[i]
        if nd["is_leaf"]:
            out.append(("leaf", round(float(nd["value"]), 12)))
            return
        if nd["is_categorical"]:
            bits = predictor.raw_left_cat_bitsets[nd["bitset_idx"]]
            cats = tuple(c for c in range(256) if (int(bits[c // 32]) >> (c % 32)) & 1)
            out.append(("cat", int(nd["feature_idx"]), cats, bool(nd["missing_go_to_left"])))
        else:
            out.append(("num", int(nd["feature_idx"]), float(nd["num_threshold"]),
                        bool(nd["missing_go_to_left"])))
        visit(nd["left"])
        visit(nd["right"])
    visit(0)
    return out


def our_trees(lines):
    """Trees of the harness's --dump, each as the same depth-first list."""
    trees, cur = [], None
    for line in lines:
        t = line.split()
        if t[0] == "tree":
            cur = {}
            trees.append(cur)
        elif t[0] == "node":
            cur[int(t[1])] = t
    result = []
    for nodes in trees:
        out = []

        def visit(i):
            t = nodes[i]
            if int(t[3]) < 0:
                out.append(("leaf", round(float(t[t.index("value") + 1]), 12)))
                return
            left = int(t[t.index("left") + 1])
            ml = t[t.index("missing_left") + 1] == "1"
            if "codes" in t:
                k = t.index("codes") + 1
                cats = tuple(int(c) for c in t[k:t.index("cover")])
                out.append(("cat", int(t[3]), cats, ml))
            else:
                out.append(("num", int(t[3]), float(t[t.index("threshold") + 1]), ml))
            visit(left)
            visit(left + 1)
        visit(0)
        result.append(out)
    return result


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_first_tree_is_scikit_learns(task):
    n_classes = {"regression": 0, "binary": 2, "multiclass": 3}[task]
    X, y, kinds = make_data(3000, 7, n_classes)
    csv_text = to_csv(X, kinds, y)
    args = ["max_iter=1", "early_stopping=false", "--dump"]
    if task == "regression":
        args.append("--regression")
        ref = HistGradientBoostingRegressor(max_iter=1, early_stopping=False,
                                            categorical_features=[4])
    else:
        ref = HistGradientBoostingClassifier(max_iter=1, early_stopping=False,
                                             categorical_features=[4])
    ref.fit(X, y)
    lines, _ = run("gbdt", csv_text, *args)
    ours = our_trees(lines)
    theirs = [sklearn_nodes(p) for p in ref._predictors[0]]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a == b


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_predictions_after_100_iterations(task):
    n_classes = {"regression": 0, "binary": 2, "multiclass": 4}[task]
    X, y, kinds = make_data(4000, 11, n_classes)
    part = np.where(np.arange(len(y)) < 3000, 0, 2)
    csv_text = to_csv(X, kinds, y, part)
    train = part == 0
    args = ["early_stopping=false"]
    if task == "regression":
        args.append("--regression")
        ref = HistGradientBoostingRegressor(early_stopping=False, categorical_features=[4])
        ref.fit(X[train], y[train])
        expected = ref.predict(X)[:, None]
    else:
        ref = HistGradientBoostingClassifier(early_stopping=False, categorical_features=[4])
        ref.fit(X[train], y[train])
        expected = ref.predict_proba(X)
    lines, _ = run("gbdt", csv_text, *args)
    got = predictions(lines)
    dump, _ = run("gbdt", csv_text, *args, "--dump")
    ours = our_trees(dump)
    theirs = [sklearn_nodes(p) for it in ref._predictors for p in it]
    same = 0
    while same < len(ours) and ours[same] == theirs[same]:
        same += 1
    worst = np.abs(got - expected).max()
    print(f"\n{task}: {same} of {len(ours)} trees identical; "
          f"max |ours - scikit-learn| over {len(y)} rows = {worst:.3g}")
    assert same == len(ours) == len(theirs)
    assert worst < 1e-9


def test_settings_follow_scikit_learn():
    """l2_regularization, max_depth, min_samples_leaf, max_bins, learning_rate."""
    X, y, kinds = make_data(2500, 3, 3)
    csv_text = to_csv(X, kinds, y)
    settings = dict(max_iter=20, learning_rate=0.3, max_depth=4, min_samples_leaf=7,
                    l2_regularization=2.0, max_bins=40, max_leaf_nodes=12)
    ref = HistGradientBoostingClassifier(early_stopping=False, categorical_features=[4],
                                         **settings).fit(X, y)
    lines, _ = run("gbdt", csv_text, "early_stopping=false",
                   *[f"{k}={v}" for k, v in settings.items()])
    worst = np.abs(predictions(lines) - ref.predict_proba(X)).max()
    print(f"\nmax |ours - scikit-learn| = {worst:.3g}")
    assert worst < 1e-9


def test_class_weights_are_scikit_learns():
    """Class weights multiply gradients and hessians (scikit-learn 1.2's
    class_weight on HistGradientBoostingClassifier)."""
    X, y, kinds = make_data(3000, 5, 3)
    weights = {0: 1.0, 1: 4.0, 2: 0.5}
    ref = HistGradientBoostingClassifier(max_iter=30, early_stopping=False,
                                         categorical_features=[4], class_weight=weights).fit(X, y)
    lines, _ = run("gbdt", to_csv(X, kinds, y), "max_iter=30", "early_stopping=false",
                   "--class-weight", "1,4,0.5")
    worst = np.abs(predictions(lines) - ref.predict_proba(X)).max()
    print(f"\nclass weights: max |ours - scikit-learn| = {worst:.3g}")
    assert worst < 1e-9
