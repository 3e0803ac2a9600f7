"""segment.kmeans_scan, the first pass of streaming k-means, against its
references: PostgreSQL's own TABLESAMPLE BERNOULLI for the sample (the same
rows in the same order), numpy for the statistics, count() for the NULLs;
and a streaming fit that seeds from the one-pass sample against one that
seeds from TABLESAMPLE (the same clustering)."""
import numpy as np
import pytest

PARALLEL = {"parallel_setup_cost": "0", "parallel_tuple_cost": "0",
            "min_parallel_table_scan_size": "0", "max_parallel_workers_per_gather": "2"}


@pytest.fixture(scope="module")
def holes(conn):
    """A table with dead tuples and NULLs in a column the tests leave out."""
    conn.execute("DROP TABLE IF EXISTS scan_holes")
    conn.execute("SELECT setseed(0.25)")
    conn.execute("CREATE TABLE scan_holes AS SELECT i AS id, random() AS x, "
                 "(random() * 10)::int AS y, CASE WHEN i % 11 = 0 THEN NULL ELSE random() END AS z "
                 "FROM generate_series(1, 30000) AS i")
    conn.execute("DELETE FROM scan_holes WHERE id % 7 = 3")
    yield "scan_holes"
    conn.execute("DROP TABLE scan_holes")


def scan_state(conn, sql):
    return np.array(conn.execute(sql).fetchone()[0], dtype=float)


def decode(state, d):
    """The state's layout (src/sql_kmeans_scan.c): d, rows, most kept, overflowed, NULLs,
    largest magnitudes, stats (src/scaler.h: n, mean, m2, exponent per column), capacity,
    kept, rows."""
    assert state[0] == d
    assert state[3] == 0, "overflowed"
    nulls = state[4:4 + d]
    max_abs = state[4 + d:4 + 2 * d]
    stats = state[4 + 2 * d:4 + 2 * d + 1 + 3 * d]
    head = 4 + 2 * d + 1 + 3 * d
    kept = int(state[head + 1])
    rows = state[head + 2:head + 2 + kept * (3 + d)].reshape(kept, 3 + d)
    decode.max_abs = max_abs
    return int(state[1]), nulls, stats, rows


def cutoff(percent):
    return np.rint(2.0 ** 32 * float(np.float32(percent)) / 100)


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("seed,percent", [(42, 3.7), (1, 0.5), (-7, 25), (3, 100)])
def test_sample_is_tablesample_bernoulli(conn, holes, seed, percent, parallel):
    for k, v in PARALLEL.items():
        conn.execute(f"SET {k} = {v if parallel else 'DEFAULT'}")
    try:
        state = scan_state(conn, f"SELECT segment.kmeans_scan({seed}, {percent}::float4, 100000, "
                                 f"ctid, x, y::float8) FROM {holes}")
    finally:
        for k in PARALLEL:
            conn.execute(f"RESET {k}")
    n, nulls, stats, rows = decode(state, 2)
    ref = np.array(conn.execute(
        f"SELECT x, y::float8 FROM {holes} TABLESAMPLE BERNOULLI ({percent}) "
        f"REPEATABLE ({seed})").fetchall(), dtype=float).reshape(-1, 2)
    order = np.lexsort((rows[:, 1], rows[:, 0]))
    got = rows[order][rows[order][:, 2] < cutoff(percent)][:, 3:]
    assert len(ref) > 0
    np.testing.assert_array_equal(got, ref)
    # a larger percentage keeps a superset: the driver filters it down
    assert (rows[:, 2] < cutoff(percent)).all()
    all_rows = np.array(conn.execute(f"SELECT x, y::float8 FROM {holes}").fetchall(), dtype=float)
    assert n == len(all_rows)
    assert (nulls == 0).all()
    assert stats[0] == len(all_rows)
    np.testing.assert_array_equal(decode.max_abs, np.abs(all_rows).max(axis=0))
    assert (stats[5:7] == 0).all()  # no exponent: values far below 2^400
    np.testing.assert_allclose(stats[1:3], all_rows.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats[3:5] / stats[0], all_rows.var(axis=0), rtol=1e-10)


def test_nulls_counted_and_left_out(conn, holes):
    n, nulls, stats, rows = decode(scan_state(
        conn, f"SELECT segment.kmeans_scan(5, 10::float4, 100000, ctid, x, z) FROM {holes}"), 2)
    n_rows, n_null = conn.execute(
        f"SELECT count(*), count(*) FILTER (WHERE z IS NULL) FROM {holes}").fetchone()
    assert n == n_rows and nulls[0] == 0 and nulls[1] == n_null
    assert stats[0] == n_rows - n_null
    assert not np.isnan(rows[:, 3:]).any()


@pytest.mark.parametrize("parallel", [False, True])
def test_too_many_sample_rows_keeps_none(conn, holes, parallel):
    """Past max_rows the state keeps no row and says so; the statistics stay whole."""
    for k, v in PARALLEL.items():
        conn.execute(f"SET {k} = {v if parallel else 'DEFAULT'}")
    try:
        state = scan_state(conn, f"SELECT segment.kmeans_scan(5, 50::float4, 1000, ctid, x) "
                                 f"FROM {holes}")
    finally:
        for k in PARALLEL:
            conn.execute(f"RESET {k}")
    n_rows = conn.execute(f"SELECT count(*) FROM {holes}").fetchone()[0]
    assert state[3] == 1 and state[1] == n_rows
    d = 1
    head = 4 + 2 * d + 1 + 3 * d           # NULLs, magnitudes, stats (see decode)
    assert state[4 + 2 * d] == n_rows      # the statistics' row count
    assert state[head + 1] == 0            # no row kept


def test_scan_rejects_bad_arguments(conn, holes):
    import psycopg
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        conn.execute(f"SELECT segment.kmeans_scan(5, 101::float4, 10, ctid, x) FROM {holes}")
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        conn.execute(f"SELECT segment.kmeans_scan(5, 10::float4, -1, ctid, x) FROM {holes}")
    with pytest.raises(psycopg.errors.DatatypeMismatch):
        conn.execute(f"SELECT segment.kmeans_scan(5, 10::float4, 10, ctid, y) FROM {holes}")


def test_one_pass_seeding_matches_tablesample_seeding(conn, holes):
    """Streaming k-means++ seeded from the one-pass sample (an analysed table)
    and from TABLESAMPLE itself (the same table never analysed): the same fit."""
    conn.execute("DROP TABLE IF EXISTS scan_fresh")
    conn.execute(f"CREATE TABLE scan_fresh AS SELECT * FROM {holes} ORDER BY id")
    conn.execute("DROP TABLE IF EXISTS scan_analysed")
    conn.execute(f"CREATE TABLE scan_analysed AS SELECT * FROM {holes} ORDER BY id")
    conn.execute("ANALYZE scan_analysed")
    assert conn.execute("SELECT reltuples FROM pg_class WHERE relname = 'scan_fresh'"
                        ).fetchone()[0] < 1
    results = {}
    for table in ("scan_fresh", "scan_analysed"):
        rows = conn.execute(
            f"SELECT k, inertia, silhouette FROM segment.kmeans_fit('scan_{table}', '{table}', "
            f"ARRAY['x', 'y'], k => '{{3,4}}', n_init => 2, streaming => true, "
            f"silhouette_sample => 500)").fetchall()
        results[table] = rows
    for a, b in zip(results["scan_fresh"], results["scan_analysed"]):
        assert a[0] == b[0]
        assert a[1] == pytest.approx(b[1], rel=1e-12)
        assert a[2] == pytest.approx(b[2], abs=1e-12)
    conn.execute("DROP TABLE scan_fresh")
    conn.execute("DROP TABLE scan_analysed")
