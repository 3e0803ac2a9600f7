"""The same call gives the same result on a table large enough for
parallel scans: the training functions read rows in physical order, so
their splits and samples do not depend on how parallel workers (or a
synchronized scan) interleave the rows."""
import pytest

PARALLEL = ["SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0",
            "SET min_parallel_table_scan_size = 0", "SET max_parallel_workers_per_gather = 2"]


@pytest.fixture(scope="module")
def big(conn):
    conn.execute("DROP TABLE IF EXISTS det_customers")
    conn.execute("CREATE TABLE det_customers AS SELECT * FROM simulate_customers(200000, 3)")
    conn.execute("VACUUM ANALYZE det_customers")
    for s in PARALLEL:
        conn.execute(s)
    plan = "\n".join(r[0] for r in conn.execute(
        "EXPLAIN SELECT customer_segment, monthly_spending FROM det_customers").fetchall())
    assert "Parallel Seq Scan" in plan
    yield "det_customers"
    for s in PARALLEL:
        conn.execute("RESET " + s.split()[1])


def test_segment_train_same_bytes(conn, big):
    conn.execute("SET client_min_messages = warning")
    models = []
    for _ in range(2):
        conn.execute("SELECT segment_train('det', %s, 'customer_segment', exclude => '{customer_id}', "
                     "epochs => 1, balance => 'none', deploy => 'always')", (big,))
        models.append(conn.execute("SELECT model FROM models WHERE name = 'det' "
                                   "ORDER BY version DESC LIMIT 1").fetchone()[0])
    conn.execute("RESET client_min_messages")
    assert models[0] == models[1]


def test_smote_table_same_rows(conn, big):
    digests = []
    for i in range(2):
        conn.execute(f"DROP TABLE IF EXISTS det_balanced_{i}")
        conn.execute(f"SELECT * FROM smote_table(%s, 'customer_segment', 'det_balanced_{i}', "
                     "features => '{monthly_spending,engagement_score,tenure}')", (big,))
        digests.append(conn.execute(
            f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM det_balanced_{i} t "
            "WHERE synthetic").fetchone()[0])
    assert digests[0] == digests[1]
