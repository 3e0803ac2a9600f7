"""Helpers of the tree learners' reference tests: the C harness
(test/trees/tree_harness.c, built by `make tree-harness`), CSV in its
format, and the public data sets of ../shared/data prepared the way the
pipeline hands RAW inputs to a learner (numbers as they are, categories as
codes of the train part's sorted vocabulary, NULL and unseen values NaN)."""
import csv
import math
import os
import pathlib
import subprocess

# scikit-learn's and XGBoost's OpenMP loops on one thread: deterministic
# sums (scikit-learn adds the root's gradients in thread order), and no
# threads spinning for a core that other processes hold
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
HARNESS = ROOT / "test" / "trees" / "bin" / "tree_harness"
DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def harness():
    subprocess.run(["make", "-s", "-C", str(ROOT), "tree-harness"], check=True,
                   capture_output=True)
    return HARNESS


def fmt(v):
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else repr(float(v))


def to_csv(X, kinds, target, part=None):
    """X: rows of floats (NaN for NULL); kinds: "num", "bool" or ("cat", n)."""
    names = []
    for j, k in enumerate(kinds):
        names.append(f"x{j}:cat:{k[1]}" if isinstance(k, tuple) else f"x{j}:{k}")
    lines = [",".join(names + ["target"] + (["part"] if part is not None else []))]
    for i, row in enumerate(X):
        fields = [fmt(v) for v in row] + [repr(float(target[i]))]
        if part is not None:
            fields.append(str(int(part[i])))
        lines.append(",".join(fields))
    return "\n".join(lines) + "\n"


def run(learner, csv_text, *args):
    """Runs the harness; returns (stdout lines, dict of stderr key: value)."""
    out = subprocess.run([str(HARNESS), "fit", learner, *map(str, args)], input=csv_text,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError(f"harness failed: {out.stderr}")
    info = {}
    for line in out.stderr.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            info[k] = v
    return out.stdout.splitlines(), info


def predictions(lines):
    return np.array([[float(v) for v in l.split(",")] for l in lines])


def is_number(v):
    try:
        float(v)
        return True
    except ValueError:
        return False


def load_dataset(name, label, exclude=()):
    """Rows of a CSV of ../shared/data as (numeric matrix of raw strings, kinds...)."""
    with open(DATA / name, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0].keys() if c != label and c not in exclude]
    numeric = [c for c in columns
               if all(r[c] in ("", "NA") or is_number(r[c]) for r in rows)]
    return rows, columns, numeric


def raw_inputs(rows, columns, numeric, train_mask):
    """The learner's RAW inputs: numbers, and codes of each text column's train
    vocabulary (sorted bytewise); NULL and unseen categories NaN."""
    n = len(rows)
    X = np.full((n, len(columns)), np.nan)
    kinds = []
    for j, c in enumerate(columns):
        if c in numeric:
            X[:, j] = [np.nan if r[c] in ("", "NA") else float(r[c]) for r in rows]
            kinds.append("num")
        else:
            vocab = sorted({r[c] for i, r in enumerate(rows)
                            if train_mask[i] and r[c] not in ("", "NA")},
                           key=lambda s: s.encode())
            code = {v: k for k, v in enumerate(vocab)}
            X[:, j] = [code.get(r[c], np.nan) if r[c] not in ("", "NA") else np.nan
                       for r in rows]
            kinds.append(("cat", len(vocab)))
    return X, kinds
