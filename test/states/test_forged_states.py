"""Aggregate states are float8[] values a caller can forge: any role may call a
state function directly, or declare its own aggregate over it with any
INITCOND.  Every state function must refuse a malformed state with a clean
ERROR (never internal_error, never a crash) or accept it as a well-formed
state.  This test starts from a real state of each function, alters it at
random (cells set to counts that overflow, fractions, negatives, NaN and
Infinity; the array cut short or lengthened), and calls the transition,
combine and final functions with it, directly and as the INITCOND of an
aggregate (where the transition function updates the state in place).
Seeded, so a failure names a case that repeats."""
import math
import random

import psycopg
import pytest

SEED = 20261126
CASES_PER_STATE = 400
INITCOND_CASES_PER_STATE = 60

# values that size or index something when a check is missing
EVIL = [0.0, -1.0, 1.0, 2.0, 0.5, 3.0, 7.0, 64.0, 1e6, 2.0 ** 31, -2.0 ** 31, 2.0 ** 32,
        2.0 ** 53, 2.0 ** 62, 2.0 ** 63, 1e18, 1e308, -1e308, math.nan, math.inf, -math.inf]

# (name, a real state built by the functions themselves, transition call with
#  the state as %s, combine function, final function or None, and for the
#  INITCOND test an aggregate's argument types, its transition function and
#  its arguments over x in 1..n)
STATES = [
    ("scaler",
     "SELECT segment.scaler_fit_accum(segment.scaler_fit_accum('{0}', '{1,2}'), '{3,5}')",
     "SELECT segment.scaler_fit_accum(%s, '{1,2}')",
     "segment.scaler_fit_combine", "segment.scaler_fit_final",
     ("float8[]", "segment.scaler_fit_accum", "ARRAY[x, x + 1]")),
    ("kmeans_fit",
     "SELECT segment.kmeans_fit_accum(segment.kmeans_fit_accum(segment.kmeans_fit_accum("
     "'{0}', '{1,2}', 2), '{3,5}', 2), '{4,1}', 2)",
     "SELECT segment.kmeans_fit_accum(%s, '{1,2}', 2)",
     "segment.kmeans_fit_combine", "segment.kmeans_fit_final",
     ("float8[], integer", "segment.kmeans_fit_accum", "ARRAY[x, x * 2], 2")),
    ("kmeans_step",
     "SELECT segment.kmeans_step_accum(segment.kmeans_step_accum('{0}', '{1,2}', '{{0,0},{3,3}}'),"
     " '{4,4}', '{{0,0},{3,3}}')",
     "SELECT segment.kmeans_step_accum(%s, '{1,2}', '{{0,0},{3,3}}')",
     "segment.kmeans_step_combine", None,
     ("float8[], float8[]", "segment.kmeans_step_accum", "ARRAY[x, x], '{{0,0},{3,3}}'")),
    ("kmeans_step_args",
     "SELECT segment.kmeans_step_accum(segment.kmeans_step_accum('{0}', '{{0,0},{3,3}}', '{1,1}', 1, 2),"
     " '{{0,0},{3,3}}', '{1,1}', 4, 4)",
     "SELECT segment.kmeans_step_accum(%s, '{{0,0},{3,3}}', '{1,1}', 1::float8, 2::float8)",
     "segment.kmeans_step_combine", None,
     ("float8[], float8[], float8, float8", "segment.kmeans_step_accum",
      "'{{0,0},{3,3}}', '{1,1}', x, x")),
    ("kmeans_scan",
     "SELECT segment.kmeans_scan_accum(segment.kmeans_scan_accum('{0}', 1, 100, 100, '(0,1)',"
     " 1::float8, 2::float8), 1, 100, 100, '(0,2)', 3::float8, 5::float8)",
     "SELECT segment.kmeans_scan_accum(%s, 1, 100, 100, '(0,3)', 1::float8, 2::float8)",
     "segment.kmeans_scan_combine", None,
     ("integer, float4, integer, tid, VARIADIC \"any\"", "segment.kmeans_scan_accum",
      "1, 100, 100, format('(0,%s)', x)::tid, x::float8, x::float8")),
    ("accuracy",
     "SELECT segment.metric_accuracy_accum('{3,4}', 1, 1)",
     "SELECT segment.metric_accuracy_accum(%s, 1, 2)",
     "segment.metric_combine", "segment.metric_accuracy_final",
     ("anyelement, anyelement", "segment.metric_accuracy_accum", "x, x % 2")),
    ("binary",
     "SELECT segment.metric_binary_accum('{1,2,3}', 1, 0, 1)",
     "SELECT segment.metric_binary_accum(%s, 1, 0, 1)",
     "segment.metric_combine", "segment.metric_f1_final",
     ("anyelement, anyelement, anyelement", "segment.metric_binary_accum", "x % 2, x % 3, 1")),
]

FINALS = {"binary": ["segment.metric_precision_final", "segment.metric_recall_final",
                     "segment.metric_f1_final"]}


@pytest.fixture(scope="module")
def conn():
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS segment_states")
    admin.execute("CREATE DATABASE segment_states")
    admin.close()
    with psycopg.connect(dbname="segment_states", autocommit=True) as c:
        c.execute("CREATE EXTENSION segment")
        # forged states of up to a few hundred cells: no call needs more
        c.execute("SET statement_timeout = '20s'")
        yield c


def literal(cells):
    def cell(v):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return repr(float(v))
    return "'{" + ",".join(cell(v) for v in cells) + "}'::float8[]"


def mutate(rng, cells):
    cells = list(cells)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        kind = rng.random()
        if kind < 0.7 and cells:
            i = rng.randrange(len(cells))
            cells[i] = rng.choice(EVIL + [float(len(cells)), float(len(cells) + 1),
                                          cells[i] + 1, cells[i] - 1, cells[i] * 2])
        elif kind < 0.85:
            cells = cells[:rng.randrange(0, len(cells) + 1)]
        else:
            cells = cells + [rng.choice(EVIL) for _ in range(rng.randrange(1, 12))]
    return cells


def check_call(conn, sql, case):
    """Runs sql; an error must be a clean ERROR, and the session must live on.
    True when the call was accepted."""
    accepted = False
    try:
        conn.execute(sql).fetchall()
        accepted = True
    except psycopg.OperationalError as e:
        pytest.fail(f"{case}: the session was lost ({e}) running {sql}")
    except psycopg.Error as e:
        state = e.sqlstate or ""
        assert not state.startswith("XX"), f"{case}: {state} {e} running {sql}"
        assert not state.startswith("58"), f"{case}: {state} {e} running {sql}"
    assert conn.execute("SELECT 1").fetchone()[0] == 1, f"{case}: session unusable after {sql}"
    return accepted


@pytest.mark.parametrize("spec", STATES, ids=[s[0] for s in STATES])
def test_forged_states_called_directly(conn, spec):
    name, make, accum, combine, final, _ = spec
    rng = random.Random(f"{SEED}-{name}")
    real = conn.execute(make).fetchone()[0]
    assert real is not None and len(real) > 1, f"{name}: no real state to start from"
    finals = FINALS.get(name, [final] if final else [])
    valid = literal(real)
    accepted = 0
    for case in range(CASES_PER_STATE):
        forged = literal(mutate(rng, real))
        label = f"{name} case {case}"
        accepted += check_call(conn, accum % forged, label)
        check_call(conn, f"SELECT {combine}({forged}, {valid})", label)
        check_call(conn, f"SELECT {combine}({valid}, {forged})", label)
        check_call(conn, f"SELECT {combine}({forged}, {forged})", label)
        for f in finals:
            check_call(conn, f"SELECT {f}({forged})", label)
    # the cases reach both sides: states refused, and altered states taken
    assert 0 < accepted < CASES_PER_STATE, f"{name}: {accepted} of {CASES_PER_STATE} accepted"


@pytest.mark.parametrize("spec", STATES, ids=[s[0] for s in STATES])
def test_forged_states_as_initcond(conn, spec):
    """The transition function updates a state it owns in place: a forged
    INITCOND reaches that path, row after row."""
    name, make, _, combine, final, (arg_types, sfunc, args) = spec
    rng = random.Random(f"{SEED}-{name}-initcond")
    real = conn.execute(make).fetchone()[0]
    accepted = 0
    for case in range(INITCOND_CASES_PER_STATE):
        initcond = literal(mutate(rng, real))[1:-len("'::float8[]")]
        conn.execute(f"DROP AGGREGATE IF EXISTS fuzz_agg({arg_types})")
        conn.execute(
            f"CREATE AGGREGATE fuzz_agg({arg_types}) (SFUNC = {sfunc}, STYPE = float8[], "
            f"COMBINEFUNC = {combine}, "
            + (f"FINALFUNC = {final}, " if final else "")
            + f"INITCOND = '{initcond}')")
        label = f"{name} INITCOND case {case}"
        accepted += check_call(conn, f"SELECT fuzz_agg({args}) FROM generate_series(1, 3) x", label)
        # the second group starts from the INITCOND again, after the first
        # filled the transition function's cache
        check_call(conn, f"SELECT fuzz_agg({args}) FROM generate_series(1, 6) x GROUP BY x % 2",
                   label + " (groups)")
    conn.execute(f"DROP AGGREGATE IF EXISTS fuzz_agg({arg_types})")
    assert 0 < accepted < INITCOND_CASES_PER_STATE, \
        f"{name}: {accepted} of {INITCOND_CASES_PER_STATE} accepted"
