"""Long work answers statement_timeout and pg_cancel_backend within a
fraction of a second.  Each case runs a call whose inner loop, before it
checked for interrupts, ran for seconds between two checks, under
statement_timeout = 1 s (or a pg_cancel_backend after 1 s), and must fail
with QueryCanceled within LIMIT seconds of wall time.  The figures in the
comments are the wall times to the cancel measured on this project's
machine before the checks were added (with them, each case stops after
1.0 to 1.4 s)."""
import threading
import time

import psycopg
import pytest

DB = "segment_cancel"
LIMIT = 3.0


@pytest.fixture(scope="module")
def conn():
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {DB}")
    admin.execute(f"CREATE DATABASE {DB}")
    admin.close()
    with psycopg.connect(dbname=DB, autocommit=True) as c:
        c.execute("CREATE EXTENSION segment")
        c.execute("SET search_path = segment, public")
        c.execute("SET client_min_messages = warning")
        yield c
    with psycopg.connect(dbname="postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")


def assert_cancelled(conn, sql, by_backend=False):
    """Runs sql, cancelled after 1 s; returns the seconds it took to stop."""
    timer = None
    if by_backend:
        pid = conn.info.backend_pid

        def cancel():
            with psycopg.connect(dbname=DB, autocommit=True) as other:
                other.execute("SELECT pg_cancel_backend(%s)", (pid,))
        timer = threading.Timer(1.0, cancel)
        timer.start()
    else:
        conn.execute("SET statement_timeout = '1s'")
    start = time.monotonic()
    try:
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute(sql)
        elapsed = time.monotonic() - start
    finally:
        if timer is not None:
            timer.join()
        conn.execute("RESET statement_timeout")
    assert elapsed < LIMIT, f"stopped after {elapsed:.1f} s"
    return elapsed


def test_mlp_validation_rows_through_wide_layers(conn):
    # 100 train rows take a fraction of a second through three layers of
    # 2,048 units; the 37,900 validation rows, about 11 s, went through
    # without a check after the epoch, to score the candidate and for the
    # report's validation figures (34.7 s to the cancel)
    conn.execute("CREATE TABLE wide_net AS SELECT i AS id, random() AS x1, random() AS x2, "
                 "i % 2 AS y FROM generate_series(1, 40000) i")
    conn.execute("ALTER TABLE wide_net ADD PRIMARY KEY (id)")
    assert_cancelled(conn, "SELECT segment_train('wide_net', 'wide_net', 'y', model => 'mlp', "
                           "hidden => '{2048,2048,2048}', epochs => 1, balance => 'none', "
                           "test_size => 0.05, validation_size => 0.9475, deploy => 'never')")


COLUMNS = [f"c{j}" for j in range(256)]


@pytest.fixture(scope="module")
def wide_rows(conn):
    conn.execute("CREATE TABLE wide_rows (id int PRIMARY KEY, "
                 + ", ".join(f"{c} float8" for c in COLUMNS) + ")")
    conn.execute("INSERT INTO wide_rows SELECT i, " + ", ".join("random()" for _ in COLUMNS)
                 + " FROM generate_series(1, 16384) i")
    return "wide_rows"


@pytest.mark.parametrize("by_backend", [False, True], ids=["statement_timeout", "pg_cancel_backend"])
def test_kmeans_many_centres_wide_rows(conn, wide_rows, by_backend):
    # k = 8192 on 16,384 rows of 256 values, from the first 8,192 rows: an
    # assignment pass (2,048 blocks, below the 8,192 between checks) and
    # the Davies-Bouldin index (k^2 d) had no check (9.8 s to the cancel)
    init = (f"(SELECT array_agg(ARRAY[{', '.join(COLUMNS)}] ORDER BY id) "
            f"FROM {wide_rows} WHERE id <= 8192)")
    assert_cancelled(conn, f"SELECT count(*) FROM kmeans_fit('wide_rows', '{wide_rows}', "
                           f"'{{{','.join(COLUMNS)}}}'::text[], k => '{{8192}}', n_init => 1, "
                           f"max_iter => 1, init => {init}, deploy => 'never')",
                     by_backend=by_backend)


def test_logistic_objective_many_classes(conn):
    # 240,000 train rows of 20 inputs and 1,000 classes: one evaluation of
    # the objective took 5 to 6 s, and L-BFGS checked between them (6.1 s
    # to the cancel)
    inputs = ", ".join(f"random() AS x{j}" for j in range(20))
    conn.execute(f"CREATE TABLE many_classes AS SELECT i AS id, {inputs}, i % 1000 AS y "
                 "FROM generate_series(1, 300000) i")
    conn.execute("ALTER TABLE many_classes ADD PRIMARY KEY (id)")
    assert_cancelled(conn, "SELECT segment_train('many_classes', 'many_classes', 'y', "
                           "model => 'logistic', task => 'classification', "
                           "params => '{\"max_iter\": 2}', balance => 'none', "
                           "validation_size => 0, deploy => 'never')")


def test_smote_generation(conn):
    # 398,800 synthetic rows of four text columns, each the mode of 1,000
    # neighbours: about 7 s of generation without a check (7.5 s to the
    # cancel)
    texts = ", ".join(f"((random() * 9)::int)::text AS t{j}" for j in range(4))
    conn.execute(f"CREATE TABLE few AS SELECT i AS id, random() AS x1, random() AS x2, {texts}, "
                 "CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS label "
                 "FROM generate_series(1, 2400) i")
    assert_cancelled(conn, "SELECT * FROM smote_table('few', 'label', 'few_balanced', "
                           "k_neighbors => 1000, sampling_strategy => '{\"b\": 400000}')")
