"""segment.accuracy / precision_score / recall_score / f1_score against
scikit-learn 1.2 (accuracy_score, and precision / recall / f1 of one
positive label with zero_division=0) on the same labels, for every form:
text, integer, bigint, numeric, double precision, boolean (the forms
Citus pushes down) and the anyelement one (date here), serial and in
parallel workers, which combine partial states.  Counts are exact, so the
figures agree to the last bit but for the final division's rounding."""
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

N = 5000
RNG = np.random.default_rng(20240613)
CLASSES = np.array([0, 1, 2, 3])
ACTUAL = RNG.choice(CLASSES, size=N, p=[0.55, 0.25, 0.15, 0.05])
# right 70% of the time, else a random class
PREDICTED = np.where(RNG.random(N) < 0.7, ACTUAL, RNG.choice(CLASSES, size=N))

# how each SQL type writes a class, and the positive class in that type
FORMS = {
    "text": (lambda c: f"class_{c}", "'class_2'"),
    "integer": (int, "2"),
    "bigint": (lambda c: int(c) + 10**12, f"{2 + 10**12}::bigint"),
    "numeric": (lambda c: f"{c}.50", "2.5"),
    "double precision": (lambda c: float(c) / 4, "0.5::float8"),
    "boolean": (lambda c: c == 2, "true"),
    "date": (lambda c: f"2024-01-0{c + 1}", "'2024-01-03'::date"),
}


def sklearn_figures(actual, predicted, positive):
    return (accuracy_score(actual, predicted),
            precision_score(actual, predicted, labels=[positive], average="micro", zero_division=0),
            recall_score(actual, predicted, labels=[positive], average="micro", zero_division=0),
            f1_score(actual, predicted, labels=[positive], average="micro", zero_division=0))


@pytest.fixture(scope="module")
def metric_tables(conn):
    for sqltype, (write, _) in FORMS.items():
        table = "metric_" + sqltype.replace(" ", "_")
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (actual {sqltype}, predicted {sqltype})")
        with conn.cursor().copy(f"COPY {table} FROM STDIN") as cp:
            for a, p in zip(ACTUAL, PREDICTED):
                cp.write_row((write(int(a)), write(int(p))))
        conn.execute(f"ANALYZE {table}")
    yield
    for sqltype in FORMS:
        conn.execute(f"DROP TABLE {'metric_' + sqltype.replace(' ', '_')}")


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("sqltype", list(FORMS))
def test_metrics_match_sklearn(conn, metric_tables, sqltype, parallel):
    write, positive = FORMS[sqltype]
    table = "metric_" + sqltype.replace(" ", "_")
    settings = (["parallel_setup_cost = 0", "parallel_tuple_cost = 0",
                 "min_parallel_table_scan_size = 0", "max_parallel_workers_per_gather = 2"]
                if parallel else ["max_parallel_workers_per_gather = 0"])
    for s in settings:
        conn.execute(f"SET {s}")
    try:
        query = (f"SELECT accuracy(actual, predicted), precision_score(actual, predicted, {positive}), "
                 f"recall_score(actual, predicted, {positive}), f1_score(actual, predicted, {positive}) "
                 f"FROM {table}")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query).fetchall())
        assert ("Partial Aggregate" in plan) == parallel
        got = conn.execute(query).fetchone()
    finally:
        conn.execute("RESET ALL")
        conn.execute("SET search_path = segment, public")
    # scikit-learn on the same labels as the table holds them (boolean: class 2 or not)
    # (as strings: scikit-learn takes floats for a regression's targets)
    expected = sklearn_figures([str(write(int(a))) for a in ACTUAL],
                               [str(write(int(p))) for p in PREDICTED], str(write(2)))
    assert got == pytest.approx(expected, rel=1e-15, abs=0)
    # the positive class is not a trivial one: all four figures differ from 0 and 1
    assert all(0 < v < 1 for v in got)


def test_overloads_chosen(conn, metric_tables):
    """The concrete forms serve their types, the anyelement form the rest:
    the aggregate a view over each table depends on."""
    for sqltype in FORMS:
        table = "metric_" + sqltype.replace(" ", "_")
        conn.execute(f"CREATE TEMP VIEW {table}_view AS SELECT accuracy(actual, predicted) FROM {table}")
        (resolved,) = conn.execute("""
            SELECT d.refobjid::regprocedure::text FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
            WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_proc'::regclass
              AND r.ev_class = %s::regclass""", (f"{table}_view",)).fetchone()
        conn.execute(f"DROP VIEW {table}_view")
        args = "anyelement" if sqltype == "date" else sqltype
        assert resolved == f"accuracy({args},{args})"
