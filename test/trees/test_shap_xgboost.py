"""TreeSHAP against XGBoost's pred_contribs (exact path-dependent TreeSHAP).

An XGBoost model (tree_method hist, NULLs in the data) is read from its
JSON form into segment's tree format by the harness (shap-trees): the same
splits (XGBoost sends x < c left, so the threshold becomes the largest
double below c; the data are float32 values, as XGBoost reads them), the
same NULL directions, its hessian sums as covers, its leaf values and base
score.  segment's contributions must equal XGBoost's to 1e-6 (XGBoost
computes them in float32) and sum to the margin."""
import json
import subprocess

import numpy as np
import pytest
import xgboost as xgb

from conftest import HARNESS


def trees_file(booster, n_inputs, n_margins, path):
    model = json.loads(booster.save_raw("json"))
    base = float(model["learner"]["learner_model_param"]["base_score"])
    trees = model["learner"]["gradient_booster"]["model"]["trees"]
    tree_class = model["learner"]["gradient_booster"]["model"]["tree_info"]
    lines = [f"inputs {n_inputs} margins {n_margins}",
             "base " + " ".join(repr(base) for _ in range(n_margins))]
    for t, tree in enumerate(trees):
        left, right = tree["left_children"], tree["right_children"]
        # breadth first, so that children are adjacent and after their parent
        order, pos = [0], {0: 0}
        for i in order:
            if left[i] >= 0:
                for c in (left[i], right[i]):
                    pos[c] = len(order)
                    order.append(c)
        lines.append(f"tree {tree_class[t]} {len(order)}")
        for i in order:
            cover = tree["sum_hessian"][i]
            if left[i] < 0:
                lines.append(f"-1 0 0 0 {cover!r} {tree['split_conditions'][i]!r}")
            else:
                cond = np.float64(np.float32(tree["split_conditions"][i]))
                threshold = np.nextafter(cond, -np.inf)
                lines.append(f"{tree['split_indices'][i]} {threshold!r} "
                             f"{int(tree['default_left'][i])} {pos[left[i]]} {cover!r} 0")
    path.write_text("\n".join(lines) + "\n")


def our_contributions(path, X):
    rows = "\n".join(",".join("" if np.isnan(v) else repr(float(v)) for v in r) for r in X)
    header = ",".join(f"x{j}" for j in range(X.shape[1]))
    out = subprocess.run([str(HARNESS), "shap-trees", str(path)], input=header + "\n" + rows + "\n",
                         capture_output=True, text=True, check=True)
    return np.array([[float(v) for v in l.split(",")] for l in out.stdout.splitlines()])


@pytest.mark.parametrize("objective", ["reg:squarederror", "multi:softprob"])
def test_treeshap_equals_xgboost(objective, tmp_path):
    rng = np.random.RandomState(5)
    n, d = 600, 6
    X = rng.normal(size=(n, d)).astype(np.float32)
    X[rng.rand(n, d) < 0.1] = np.nan
    score = np.nan_to_num(X[:, 0]) * 2 + np.where(np.isnan(X[:, 1]), 1.0, X[:, 1]) \
        - np.nan_to_num(X[:, 2]) * np.nan_to_num(X[:, 3])
    K = 1
    params = {"tree_method": "hist", "max_depth": 5, "eta": 0.3, "base_score": 0.5,
              "objective": objective, "nthread": 1}
    if objective.startswith("multi"):
        K = 3
        y = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
        params["num_class"] = K
    else:
        y = score
    booster = xgb.train(params, xgb.DMatrix(X, y), 8)
    expected = booster.predict(xgb.DMatrix(X), pred_contribs=True)
    margins = booster.predict(xgb.DMatrix(X), output_margin=True).reshape(n, K)
    expected = expected.reshape(n, K, d + 1)

    path = tmp_path / "trees.txt"
    trees_file(booster, d, K, path)
    got = our_contributions(path, X.astype(np.float64))
    phi = got[:, :(d + 1) * K].reshape(n, d + 1, K).transpose(0, 2, 1)
    ours_margin = got[:, (d + 1) * K:]

    assert np.abs(ours_margin - margins).max() < 1e-5
    assert np.abs(phi.sum(axis=2) - ours_margin).max() < 1e-9
    worst = np.abs(phi - expected).max()
    print(f"\n{objective}: max |segment - xgboost pred_contribs| = {worst:.3g}")
    assert worst < 1e-6
