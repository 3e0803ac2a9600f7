"""segment on a Citus cluster (docs/scale.md): a coordinator and two
workers, 20,000 simulated customers in 8 shards beside a plain copy of the
same rows on the coordinator.  Every README query on the distributed table
gives what it gives on the copy: predictions by name (all shards, one row
by the distribution key, a view, a prepared statement), the metric
aggregates (pushed down), segment_train, smote_table, kmeans_fit (both
forms), profile and rfm; a deploy on the coordinator reaches the workers
at its commit; the workers enforce the registry's rules for a grantee, a
member of the owner and a role with neither; UPDATE ... SET with a model
value; the extension drops and is created again.

Skipped (with the reason) unless CITUS_PG_BIN names a PostgreSQL 15 bin
directory whose tree has Citus: test/citus/citus_cluster.py starts the
cluster and installs this checkout's build into that tree."""
import re

import psycopg
import psycopg.types.json
import pytest

import citus_cluster

REASON = citus_cluster.unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"no Citus to test against: {REASON}")

OWNER, GRANTEE, MEMBER, STRANGER = ("regress_citus_owner", "regress_citus_grantee",
                                    "regress_citus_member", "regress_citus_stranger")
ROWS = 20000
TRAIN = "'customer_segment', exclude => '{customer_id}', balance => 'none', hidden => '{16}', epochs => 3"
SMALLER = "'customer_segment', exclude => '{customer_id}', balance => 'none', hidden => '{4}', epochs => 1"


@pytest.fixture(scope="module")
def cluster():
    citus_cluster.build_and_install()
    c = citus_cluster.Cluster()
    try:
        c.start()
        with c.connect() as conn:
            conn.execute("CREATE EXTENSION segment")
            for role in (OWNER, GRANTEE, MEMBER, STRANGER):
                conn.execute(f"CREATE ROLE {role} LOGIN")
            conn.execute(f"GRANT {OWNER} TO {MEMBER}")
            conn.execute("SET citus.shard_count = 8")
            conn.execute(f"CREATE TABLE customers AS SELECT * FROM segment.simulate_customers({ROWS})")
            conn.execute("ALTER TABLE customers ADD PRIMARY KEY (customer_id)")
            # the same rows and key (segment_train splits by the primary key)
            conn.execute("CREATE TABLE customers_local AS SELECT * FROM customers")
            conn.execute("ALTER TABLE customers_local ADD PRIMARY KEY (customer_id)")
            conn.execute("SELECT create_distributed_table('customers', 'customer_id')")
            conn.execute("SELECT truncate_local_data_after_distributing_table('customers')")
            conn.execute("GRANT SELECT ON customers, customers_local TO PUBLIC")
            conn.execute("SELECT segment.replicate_registry()")
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def model(cluster):
    """'tiers', trained by OWNER on the distributed table."""
    with cluster.connect(user=OWNER) as conn:
        conn.execute("SET segment.progress = off")
        report = conn.execute(f"SELECT segment.segment_train('tiers', 'customers', {TRAIN})").fetchone()[0]
    assert report["version"] == 1
    return "tiers"


def query(conn, sql, params=None):
    return conn.execute(sql, params).fetchall()


def explain(conn, sql, params=None):
    return "\n".join(r[0] for r in conn.execute("EXPLAIN (VERBOSE, COSTS OFF) " + sql, params))


def local_predictions(conn, name):
    return dict(query(conn, f"SELECT customer_id, segment.segment_predict('{name}', c) "
                            f"FROM customers_local c"))


# ---- the registry on the workers ------------------------------------------

def test_registry_is_a_reference_table_no_role_reads(cluster, model):
    with cluster.connect() as conn:
        assert query(conn, "SELECT partmethod, repmodel FROM pg_dist_partition "
                           "WHERE logicalrelid = 'segment.models_replica'::regclass") == [("n", "t")]
        assert query(conn, "SELECT count(*) FROM segment.models_replica") == [(1,)]
        (shard,) = query(conn, "SELECT shardid FROM pg_dist_shard "
                               "WHERE logicalrelid = 'segment.models_replica'::regclass")[0]
    for node in ("worker1", "worker2"):
        with cluster.connect(node) as conn:
            assert query(conn, f"SELECT name, version, deployed, owner::text, predictors::text "
                               f"FROM segment.models_replica_{shard}") == [("tiers", 1, True, OWNER, "{}")]
        # the bytes stay the owner's: not even a grantee reads the copy
        with cluster.connect(node, user=GRANTEE) as conn:
            for table in ("segment.models_replica", f"segment.models_replica_{shard}"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(f"SELECT model FROM {table}")


def test_workers_refuse_writes(cluster, model):
    with cluster.connect("worker1", user=OWNER) as conn:
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="on the Citus coordinator only"):
            conn.execute("SELECT segment.deploy('tiers', 1)")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="on the Citus coordinator only"):
            conn.execute("SELECT segment.save_model('other', segment.model('tiers'))")
        # reading works there, with the same rules
        assert query(conn, "SELECT length(segment.model('tiers')) > 0") == [(True,)]


# ---- predicting by name -----------------------------------------------------

def test_predict_every_shard(cluster, model):
    with cluster.connect(user=OWNER) as conn:
        sql = "SELECT customer_id, segment.segment_predict('tiers', c) FROM customers c"
        plan = explain(conn, sql)
        assert "Task Count: 8" in plan
        assert re.search(r"Query: SELECT .*segment\.segment_predict\('tiers'::text, c\.\*\).* "
                         r"FROM public\.customers_\d+ c", plan)
        assert dict(query(conn, sql)) == local_predictions(conn, "tiers")


def test_predict_one_row_by_the_distribution_key(cluster, model):
    with cluster.connect(user=OWNER) as conn:
        local = local_predictions(conn, "tiers")
        sql = "SELECT segment.segment_predict('tiers', c) FROM customers c WHERE customer_id = 4242"
        plan = explain(conn, sql)
        assert "Task Count: 1" in plan and "Node: host=" in plan
        assert query(conn, sql) == [(local[4242],)]
        # the model's bytes as a subquery: for a member of the owner, on the worker too
        sql = ("SELECT segment.segment_predict((SELECT segment.model('tiers')), c) "
               "FROM customers c WHERE customer_id = 4242")
        assert query(conn, sql) == [(local[4242],)]


def test_predict_in_a_view(cluster, model):
    with cluster.connect() as admin:
        admin.execute("CREATE VIEW customer_tiers AS "
                      "SELECT customer_id, segment.segment_predict('tiers', c) AS tier FROM customers c")
        admin.execute("GRANT SELECT ON customer_tiers TO PUBLIC")
    with cluster.connect(user=OWNER) as conn:
        local = local_predictions(conn, "tiers")
        assert dict(query(conn, "SELECT customer_id, tier FROM customer_tiers")) == local
        assert query(conn, "SELECT tier FROM customer_tiers WHERE customer_id = 17") == [(local[17],)]
        assert dict(query(conn, "SELECT tier, count(*) FROM customer_tiers GROUP BY tier")) == \
            dict(query(conn, "SELECT segment.segment_predict('tiers', c), count(*) "
                             "FROM customers_local c GROUP BY 1"))


def test_predict_prepared(cluster, model):
    """Ten executions of one prepared statement: past the fifth, a generic plan."""
    with cluster.connect(user=OWNER, prepare_threshold=0) as conn:
        local = local_predictions(conn, "tiers")
        for customer in range(1, 11):
            got = conn.execute("SELECT segment.segment_predict('tiers', c) FROM customers c "
                               "WHERE customer_id = %s", (customer,)).fetchall()
            assert got == [(local[customer],)]


def test_parallel_local_predictions_on_the_coordinator(cluster, model):
    with cluster.connect(user=OWNER) as conn:
        for s in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0",
                  "min_parallel_table_scan_size = 0", "max_parallel_workers_per_gather = 2"):
            conn.execute("SET " + s)
        sql = "SELECT segment.segment_predict('tiers', c), count(*) FROM customers_local c GROUP BY 1"
        assert "Workers Planned: 2" in explain(conn, sql)
        counts = dict(query(conn, sql))
        assert sum(counts.values()) == ROWS
        with conn.transaction():
            conn.execute("SELECT segment.deploy('tiers', 1)")
            assert dict(query(conn, sql)) == counts


# ---- a deploy on the coordinator ------------------------------------------

def test_deploy_reaches_the_workers_at_commit(cluster, model):
    with cluster.connect(user=OWNER) as owner, cluster.connect(user=OWNER) as other:
        owner.execute("SET segment.progress = off")
        v1 = local_predictions(owner, "tiers")
        report = owner.execute(f"SELECT segment.segment_train('tiers', 'customers', {SMALLER}, "
                               f"deploy => 'never')").fetchone()[0]
        assert report["version"] == 2
        dist = "SELECT customer_id, segment.segment_predict('tiers', c) FROM customers c"
        with owner.transaction():
            owner.execute("SELECT segment.deploy('tiers', 2)")
            v2 = local_predictions(owner, "tiers")
            assert v2 != v1
            # inside the deploying transaction the workers still serve version 1
            # (the registry's copy there is written over the registry owner's
            # connections, which this role's queries do not use) ...
            assert dict(query(owner, dist)) == v1
            # ... as every other session does until the commit
            assert dict(query(other, dist)) == v1
        # from the commit on, every node serves version 2, to every session
        assert dict(query(owner, dist)) == v2
        assert dict(query(other, dist)) == v2
        assert query(other, "SELECT segment.segment_predict('tiers', c) FROM customers c "
                            "WHERE customer_id = 99") == [(v2[99],)]
        owner.execute("SELECT segment.deploy('tiers', 1)")
        assert dict(query(other, dist)) == v1
        # a version dropped on the coordinator is gone on the workers
        owner.execute("SELECT segment.drop_model('tiers', 2)")
    with cluster.connect() as admin:
        assert query(admin, "SELECT version, deployed FROM segment.models_replica "
                            "WHERE name = 'tiers'") == [(1, True)]


# ---- privileges on the workers --------------------------------------------

def test_workers_enforce_the_registry_rules(cluster, model):
    every_shard = "SELECT count(segment.segment_predict('tiers', c)) FROM customers c"
    one_row = "SELECT segment.segment_predict('tiers', c) FROM customers c WHERE customer_id = 5"
    read_bytes = "SELECT length(segment.model('tiers')) FROM customers WHERE customer_id = 5"
    with cluster.connect(user=OWNER) as owner:
        expected = local_predictions(owner, "tiers")[5]
        owner.execute(f"SELECT segment.grant_predict('tiers', '{GRANTEE}')")
    with cluster.connect(user=GRANTEE) as grantee, cluster.connect(user=STRANGER) as stranger, \
            cluster.connect(user=MEMBER) as member:
        assert query(grantee, every_shard) == [(ROWS,)]
        assert query(grantee, one_row) == [(expected,)]
        # a grantee never gets the bytes, on the coordinator or from a worker
        for sql in ("SELECT segment.model('tiers')", read_bytes,
                    "SELECT segment.model_metrics('tiers') FROM customers WHERE customer_id = 5"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied to read"):
                grantee.execute(sql)
        # a member of the owner reads and predicts
        assert query(member, read_bytes)[0][0] > 0
        assert query(member, one_row) == [(expected,)]
        # a role with neither predicts nowhere
        for sql in (every_shard, one_row):
            with pytest.raises(psycopg.errors.InsufficientPrivilege,
                               match="permission denied to predict with model"):
                stranger.execute(sql)
        # a revoke reaches the workers: refused at once, in the same sessions
        with cluster.connect(user=OWNER) as owner:
            owner.execute(f"SELECT segment.revoke_predict('tiers', '{GRANTEE}')")
        for sql in (every_shard, one_row):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                grantee.execute(sql)
        # PUBLIC, then withdrawn
        with cluster.connect(user=OWNER) as owner:
            owner.execute("SELECT segment.grant_predict('tiers', 'public')")
        assert query(stranger, one_row) == [(expected,)]
        with cluster.connect(user=OWNER) as owner:
            owner.execute("SELECT segment.revoke_predict('tiers', 'public')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            stranger.execute(one_row)
        # a membership revoked on the coordinator (Citus propagates it) ends the member's rights
        with cluster.connect() as admin:
            admin.execute(f"REVOKE {OWNER} FROM {MEMBER}")
        try:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                member.execute(one_row)
        finally:
            with cluster.connect() as admin:
                admin.execute(f"GRANT {OWNER} TO {MEMBER}")


def test_a_node_added_later(cluster, model):
    """Citus copies the replica to a new node as text (aclitem has no binary
    form), so roles arrive by name although their OIDs differ there."""
    with cluster.connect(user=OWNER) as owner:
        owner.execute(f"SELECT segment.grant_predict('tiers', '{GRANTEE}')")
    cluster.start_node("worker3")
    with cluster.connect("worker3") as w3:
        for i in range(5):  # other OIDs for the roles Citus creates here
            w3.execute(f"CREATE ROLE regress_citus_local_{i}")
    with cluster.connect() as admin:
        admin.execute("SELECT citus_add_node(%s, %s)", (cluster.dir, cluster.port("worker3")))
        admin.execute("SELECT replicate_reference_tables('block_writes')")
        (owner_oid,) = admin.execute(f"SELECT '{OWNER}'::regrole::oid").fetchone()
        (shard,) = admin.execute("SELECT shardid FROM pg_dist_shard "
                                 "WHERE logicalrelid = 'segment.models_replica'::regclass").fetchone()
        local = local_predictions(admin, "tiers")
        (row,) = admin.execute("SELECT row_to_json(c) FROM customers_local c WHERE customer_id = 77").fetchone()
    # a row predicted on worker3 itself (its own copy of the registry)
    here = "SELECT segment.segment_predict('tiers', r) FROM json_populate_record(NULL::customers, %s) r"
    with cluster.connect("worker3") as w3:
        assert w3.execute(f"SELECT '{OWNER}'::regrole::oid").fetchone()[0] != owner_oid
        assert query(w3, f"SELECT owner::text, predictors::text FROM segment.models_replica_{shard}") == \
            [(OWNER, f"{{{GRANTEE}=U/postgres}}")]
    with cluster.connect("worker3", user=GRANTEE) as g3:
        assert query(g3, here, (psycopg.types.json.Json(row),)) == [(local[77],)]
    with cluster.connect("worker3", user=STRANGER) as s3:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            s3.execute(here, (psycopg.types.json.Json(row),))
    with cluster.connect(user=OWNER) as owner:
        owner.execute(f"SELECT segment.revoke_predict('tiers', '{GRANTEE}')")
    with cluster.connect() as admin:
        admin.execute("SELECT citus_remove_node(%s, %s)", (cluster.dir, cluster.port("worker3")))


# ---- metrics ----------------------------------------------------------------

def test_metric_aggregates_push_down(cluster, model):
    forms = {
        "text": ("customer_segment::text", "segment.segment_predict('tiers', c)", "'2'"),
        "integer": ("customer_segment", "segment.segment_predict('tiers', c)::int", "1"),
        "boolean": ("customer_segment > 0", "segment.segment_predict('tiers', c) <> '0'", "true"),
    }
    with cluster.connect(user=OWNER) as conn:
        for actual, predicted, positive in forms.values():
            select = (f"SELECT segment.accuracy({actual}, {predicted}), "
                      f"segment.precision_score({actual}, {predicted}, {positive}), "
                      f"segment.recall_score({actual}, {predicted}, {positive}), "
                      f"segment.f1_score({actual}, {predicted}, {positive}) FROM ")
            plan = explain(conn, select + "customers c")
            assert "worker_partial_agg(" in plan and "coord_combine_agg(" in plan
            distributed = query(conn, select + "customers c")[0]
            local = query(conn, select + "customers_local c")[0]
            assert distributed == local
            assert all(0 < v < 1 for v in distributed)


# ---- training, SMOTE, k-means, profiles, RFM ----------------------------------

def test_segment_train_same_model_as_a_local_copy(cluster, model):
    with cluster.connect(user=OWNER) as conn:
        conn.execute("SET segment.progress = off")
        for name, table in (("again_1", "customers"), ("again_2", "customers"),
                            ("local_copy", "customers_local")):
            conn.execute(f"SELECT segment.segment_train('{name}', '{table}', {TRAIN})")
        models = dict(query(conn, "SELECT name, model FROM segment.models WHERE version = 1"))
        assert models["again_1"] == models["again_2"] == models["local_copy"] == models["tiers"]
        conn.execute("SELECT segment.drop_model(n) FROM unnest('{again_1,again_2,local_copy}'::text[]) n")


def test_smote_table_same_rows(cluster):
    with cluster.connect() as conn:
        features = "'{monthly_spending,engagement_score,tenure,purchase_frequency}'"
        for target, source in (("smote_1", "customers"), ("smote_2", "customers"),
                               ("smote_local", "customers_local")):
            conn.execute(f"SELECT * FROM segment.smote_table('{source}', 'customer_segment', "
                         f"'public.{target}', features => {features})")
        rows = {t: query(conn, f"SELECT * FROM {t} ORDER BY synthetic, customer_id, monthly_spending, "
                               f"engagement_score, tenure, purchase_frequency")
                for t in ("smote_1", "smote_2", "smote_local")}
        assert len(rows["smote_1"]) > ROWS
        assert rows["smote_1"] == rows["smote_2"] == rows["smote_local"]
        conn.execute("DROP TABLE smote_1, smote_2, smote_local")


KMEANS_COLUMNS = "ARRAY['monthly_spending', 'engagement_score', 'purchase_frequency']"


def test_kmeans_fit_aggregate(cluster):
    with cluster.connect() as conn:
        sql = ("SELECT segment.kmeans_fit(ARRAY[monthly_spending, engagement_score, purchase_frequency], 4 "
               "ORDER BY customer_id) FROM ")
        assert query(conn, sql + "customers") == query(conn, sql + "customers_local")


def kmeans_table_form(conn, name, table, streaming):
    # every column but the report, whose timings differ run to run
    result = query(conn, f"SELECT k, inertia, silhouette, chosen "
                         f"FROM segment.kmeans_fit('{name}', '{table}', {KMEANS_COLUMNS}, "
                         f"k => '{{3,4}}', n_init => 2, streaming => {streaming})")
    (model,) = conn.execute("SELECT model FROM segment.models WHERE name = %s AND deployed",
                            (name,)).fetchone()
    return result, model


@pytest.mark.parametrize("streaming", [False, True])
def test_kmeans_fit_table_form_runs(cluster, streaming):
    """It runs on a distributed table and registers a model of one chosen k."""
    with cluster.connect() as conn:
        conn.execute("SET segment.progress = off")
        result, model = kmeans_table_form(conn, "personas_run", "customers", streaming)
        assert [k for k, _, _, _ in result] == [3, 4]
        assert sum(chosen for _, _, _, chosen in result) == 1
        assert model[:4] == b"SEGM"
        conn.execute("SELECT segment.drop_model('personas_run')")


@pytest.mark.parametrize("streaming", [False, True])
def test_kmeans_fit_table_form_same_model(cluster, streaming):
    """The same model on every run over the distributed table: in memory the rows
    are read in a canonical order (by a hash of their values), and the streaming
    seeding sample is ordered by position, hash and values. In memory the model
    is also that of a plain copy of the rows; streaming samples rows by their
    physical position, which a copy does not keep."""
    with cluster.connect() as conn:
        conn.execute("SET segment.progress = off")
        tables = [("personas_a", "customers"), ("personas_b", "customers")]
        if not streaming:
            tables.append(("personas_local", "customers_local"))
        runs = [kmeans_table_form(conn, name, table, streaming) for name, table in tables]
        conn.execute("SELECT segment.drop_model(n) "
                     "FROM unnest('{personas_a,personas_b,personas_local}'::text[]) n "
                     "WHERE EXISTS (SELECT 1 FROM segment.models m WHERE m.name = n)")
        if not streaming:
            assert all(run == runs[0] for run in runs)
        else:
            # each Lloyd step sums the shards' partial sums in the order they
            # answer: the same clustering, figures equal to the last digits
            (rows_a, _), (rows_b, _) = runs
            print(rows_a, rows_b)
            assert close(rows_a, rows_b)


def test_profile(cluster):
    """A persona model's profile of the distributed table is that of the local copy."""
    with cluster.connect() as conn:
        conn.execute("SET segment.progress = off")
        kmeans_table_form(conn, "personas", "customers_local", False)
        distributed = query(conn, "SELECT * FROM segment.profile('personas', 'customers') ORDER BY 1")
        local = query(conn, "SELECT * FROM segment.profile('personas', 'customers_local') ORDER BY 1")
        conn.execute("SELECT segment.drop_model('personas')")
    assert len(distributed) == len(local) > 1
    # sizes, shares and personas exactly; means to the summation order's last digits
    assert [close(d, l) for d, l in zip(distributed, local)] == [True] * len(local)


def close(a, b):
    """Equal, floats (also inside rows, lists and json objects) to 1e-12 (relative or absolute)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    return a == b


def test_rfm(cluster):
    with cluster.connect() as conn:
        conn.execute("""
            CREATE TABLE orders AS
            SELECT o AS order_id, 1 + (o * 7919) % 3000 AS customer_id,
                   timestamptz '2024-01-01' + ((o * 104729) % 365) * interval '1 day'
                       + ((o * 31) % 24) * interval '1 hour' AS ordered_at,
                   round(((o * 613) % 50000) / 100.0, 2) AS total
            FROM generate_series(1::bigint, 30000) o""")
        conn.execute("SET citus.shard_count = 8")
        conn.execute("CREATE TABLE orders_local AS SELECT * FROM orders")
        conn.execute("SELECT create_distributed_table('orders', 'customer_id')")
        conn.execute("SELECT truncate_local_data_after_distributing_table('orders')")
        for fn in ("segment.rfm({t}, 'customer_id', 'ordered_at', 'total')",
                   "segment.rfm_split({t}, 'customer_id', 'ordered_at', 'total', '2024-09-01')"):
            distributed = query(conn, f"SELECT * FROM {fn.format(t=repr('orders'))} ORDER BY customer_id")
            local = query(conn, f"SELECT * FROM {fn.format(t=repr('orders_local'))} ORDER BY customer_id")
            assert len(distributed) > 2000
            assert distributed == local
        conn.execute("DROP TABLE orders, orders_local")


# ---- model values -----------------------------------------------------------

def test_update_with_a_model_value(cluster, model):
    with cluster.connect() as admin:
        admin.execute("SET citus.shard_count = 8")
        admin.execute("CREATE TABLE scored AS SELECT customer_id, monthly_spending, engagement_score, "
                      "tenure, complaint_count, purchase_frequency, discount_usage, NULL::text AS tier "
                      "FROM customers_local")
        admin.execute("SELECT create_distributed_table('scored', 'customer_id')")
        admin.execute("SELECT truncate_local_data_after_distributing_table('scored')")
        admin.execute(f"GRANT SELECT, UPDATE ON scored TO {OWNER}")
    with cluster.connect(user=OWNER) as conn:
        (model_bytes,) = conn.execute("SELECT segment.model('tiers')").fetchone()
        # a bound parameter: the statement runs on every shard
        sql = "UPDATE scored s SET tier = segment.segment_predict(%s::bytea, s)"
        assert "Task Count: 8" in explain(conn, sql, (model_bytes,))
        assert conn.execute(sql, (model_bytes,)).rowcount == ROWS
        local = local_predictions(conn, "tiers")
        assert dict(query(conn, "SELECT customer_id, tier FROM scored")) == local
        # the same through a subquery
        conn.execute("UPDATE scored SET tier = NULL")
        conn.execute("UPDATE scored s SET tier = segment.segment_predict((SELECT segment.model('tiers')), s)")
        assert dict(query(conn, "SELECT customer_id, tier FROM scored")) == local
    with cluster.connect() as admin:
        admin.execute("DROP TABLE scored")


# ---- the README's other queries ----------------------------------------------

def test_readme_queries(cluster, model):
    """Getting started, on the distributed table and on the local copy."""
    with cluster.connect() as admin:
        for name, table in (("customers_train", "customers"), ("customers_train_local", "customers_local")):
            admin.execute(f"CREATE VIEW {name} AS SELECT * FROM {table} WHERE customer_id % 5 <> 0")
        admin.execute("GRANT SELECT ON customers_train, customers_train_local TO PUBLIC")
    with cluster.connect(user=OWNER) as conn:
        features = "'{monthly_spending,engagement_score,tenure,purchase_frequency}'"
        for name, view in (("features", "customers_train"), ("features_local", "customers_train_local")):
            conn.execute(f"SELECT segment.save_model('{name}', segment.preprocess_fit('{view}', {features}))")
        # the same vocabularies, means and scales (these summed in the order the rows
        # arrive in: equal to the summation order's last digits)
        info = dict(query(conn, "SELECT name, segment.model_info(model) FROM segment.models "
                                "WHERE name LIKE 'features%'"))
        assert close(info["features"], info["features_local"])
        # a per-row model('features') on the workers, for the owner
        sql = ("SELECT customer_id, segment.preprocess(segment.model('features'), c) FROM {} c "
               "WHERE customer_id <= 50")
        assert close(sorted(query(conn, sql.format("customers"))),
                     sorted(query(conn, sql.format("customers_local"))))
        # class probabilities by name on the workers
        sql = "SELECT customer_id, segment.segment_predict_proba('tiers', c) FROM {} c"
        assert dict(query(conn, sql.format("customers"))) == dict(query(conn, sql.format("customers_local")))
        # the test-split reports (coordinator only) and a scaler pushed down
        assert len(query(conn, "SELECT * FROM segment.evaluate('tiers')")) == 6
        assert len(query(conn, "SELECT * FROM segment.confusion_matrix('tiers')")) == 9
        scaler = ("SELECT segment.scale(segment.scaler_fit(ARRAY[monthly_spending, purchase_frequency]), "
                  "ARRAY[100, 3]) FROM {}")
        assert "worker_partial_agg(" in explain(conn, scaler.format("customers"))
        assert query(conn, scaler.format("customers"))[0][0] == \
            pytest.approx(query(conn, scaler.format("customers_local"))[0][0], rel=1e-9)
        conn.execute("SELECT segment.drop_model('features'), segment.drop_model('features_local')")
    with cluster.connect() as admin:
        admin.execute("DROP VIEW customers_train, customers_train_local")


# ---- the extension's life ---------------------------------------------------

def test_pg_dump_keeps_the_models(cluster, model):
    import subprocess
    out = subprocess.run([f"{citus_cluster.pg_bin()}/pg_dump", "-h", cluster.dir,
                          "-p", str(cluster.port("coordinator")), "-U", "postgres", "-a",
                          "-t", "segment.models", "postgres"],
                         capture_output=True, text=True, check=True).stdout
    assert re.search(r"^COPY segment\.models .* FROM stdin;\ntiers\t1\t", out, re.M)


def test_drop_and_create_the_extension_again(cluster, model):
    with cluster.connect() as conn:
        conn.execute("DROP VIEW IF EXISTS customer_tiers")
        conn.execute("DROP EXTENSION segment CASCADE")
        for node in citus_cluster.NODES:
            with cluster.connect(node) as w:
                assert query(w, "SELECT count(*) FROM pg_extension WHERE extname = 'segment'") == [(0,)]
                # no copy of the registry is left behind, shards included (Citus hides
                # shards from catalog queries unless asked)
                w.execute("SET citus.override_table_visibility = off")
                assert query(w, "SELECT relname FROM pg_class WHERE relname LIKE 'models_replica%'") == []
        assert query(conn, "SELECT count(*) FROM pg_dist_partition "
                           "WHERE logicalrelid::text LIKE 'segment.%'") == [(0,)]
        conn.execute("CREATE EXTENSION segment")
        conn.execute("SELECT segment.save_model('scaler', segment.scaler_fit(ARRAY[tenure])) "
                     "FROM customers")
        assert query(conn, "SELECT segment.replicate_registry()") == [(1,)]
        assert query(conn, "SELECT count(DISTINCT segment.scale(segment.model('scaler'), ARRAY[tenure])) "
                           "> 1 FROM customers WHERE customer_id < 100") == [(True,)]
