"""decision_tree against scikit-learn 1.2's DecisionTreeClassifier and
DecisionTreeRegressor, and the rules of a tree.

With at most 255 distinct values per input the bins hold one value each
and their edges are scikit-learn's thresholds (midpoints), so a tree grown
on the Gini impurity as multi-output squared error of one-hot targets
must be scikit-learn's Gini tree: the same predictions on every row, for
the same depth limit.  (Thresholds may differ: scikit-learn cuts midway
between the values present in the node, segment midway between the
values of the whole train part, the same partition of the node's rows.)
Of two splits of exactly equal gain scikit-learn keeps the first in an
order of the inputs it draws at random, segment the lowest input: tiny
nodes of a few rows have such ties, so the deepest case asks for leaves
of 30 rows or more on both sides.  Inputs have no NULLs here:
scikit-learn 1.2's trees take none."""
import re

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from conftest import predictions, run, to_csv


def data(n, seed, n_classes):
    rng = np.random.RandomState(seed)
    X = np.column_stack([np.round(rng.normal(size=n) * 10) / 10,
                         rng.randint(0, 40, size=n).astype(float),
                         np.round(rng.exponential(size=n) * 20) / 20,
                         rng.randint(0, 2, size=n).astype(float)])
    score = X[:, 0] + 0.05 * X[:, 1] * (X[:, 3] * 2 - 1) + np.log1p(X[:, 2]) \
        + 0.4 * rng.normal(size=n)
    if n_classes:
        return X, np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return X, score


@pytest.mark.parametrize("depth,leaf", [(2, 1), (5, 1), (8, 30)])
def test_decision_tree_classifier_is_scikit_learns(depth, leaf):
    X, y = data(2000, depth, 3)
    lines, _ = run("decision_tree", to_csv(X, ["num", "num", "num", "bool"], y),
                   f"max_depth={depth}", f"min_samples_leaf={leaf}")
    ref = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf,
                                 random_state=0).fit(X, y)
    worst = np.abs(predictions(lines) - ref.predict_proba(X)).max()
    print(f"\ndepth {depth}: max |segment - scikit-learn| probability = {worst:.3g}")
    assert worst < 1e-12


@pytest.mark.parametrize("depth", [3, 6])
def test_decision_tree_regressor_is_scikit_learns(depth):
    X, y = data(2000, 10 + depth, 0)
    lines, _ = run("decision_tree", to_csv(X, ["num", "num", "num", "bool"], y),
                   f"max_depth={depth}", "min_samples_leaf=5", "--regression")
    ref = DecisionTreeRegressor(max_depth=depth, min_samples_leaf=5, random_state=0).fit(X, y)
    worst = np.abs(predictions(lines)[:, 0] - ref.predict(X)).max()
    print(f"\ndepth {depth}: max |segment - scikit-learn| value = {worst:.3g}")
    assert worst < 1e-9


def test_rules_describe_the_tree():
    """Each row satisfies exactly one rule, the rule of the leaf it reaches,
    read back as a Python expression over the row."""
    X, y = data(500, 1, 2)
    X[::9, 0] = np.nan
    csv_text = to_csv(X, ["num", "num", "num", "bool"], y)
    lines, _ = run("decision_tree", csv_text, "max_depth=3", "--rules", 0)
    rules = []
    for line in lines:
        m = re.match(r"rule (\d+) (\S+) (.*) \| (.*)", line)
        rules.append((m.group(3), float(m.group(2)), [float(v) for v in m.group(4).split()]))
    assert 2 <= len(rules) <= 8
    probs = predictions(run("decision_tree", csv_text, "max_depth=3")[0])

    def holds(rule, row):
        expr = rule.replace(" AND ", " and ").replace(" OR ", " or ")
        expr = re.sub(r"(x\d) IS NOT NULL", r"(not isnan(\1))", expr)
        expr = re.sub(r"(x\d) IS NULL", r"isnan(\1)", expr)
        expr = re.sub(r"(x\d) = (true|false)", r"(\1 == \2)", expr)
        env = {f"x{j}": row[j] for j in range(len(row))}
        env["isnan"] = np.isnan
        env["true"] = True
        env["false"] = False
        return bool(eval(expr, env))

    covered = 0
    for i, row in enumerate(X):
        matching = [r for r in rules if holds(r[0], row)]
        assert len(matching) == 1
        assert np.allclose(matching[0][2], probs[i])
        covered += 1
    assert sum(r[1] for r in rules) == len(X)
    print("\n" + "\n".join(f"{r[0]}  ->  {r[2]}" for r in rules))
