"""pg_dump keeps the registry: models survive a dump and restore byte for byte, with
their owners, the grants to predict with them and their training history."""
import os
import subprocess

import psycopg
import pytest

PG_BIN = os.environ.get("SEGMENT_PG_BIN", "/usr/lib/postgresql/15/bin")
TREE_PREDICTIONS = (
    "SELECT customer_id, segment.segment_predict('tier_gbdt', c), "
    "segment.segment_predict_proba('tier_gbdt', c), segment.segment_predict_value('spend_gbdt', c), "
    "segment.segment_predict('tier_rf', c) FROM customers c ORDER BY customer_id")
TREE_RULES = "SELECT * FROM segment.tree_rules('tier_gbdt', tree => 4)"
RUNS = ("SELECT run, name, status, version, deployed, reason, started, finished "
        "FROM segment.training_runs ORDER BY run")


def test_models_survive_pg_dump_and_restore():
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    for db in ("segment_dump_src", "segment_dump_dst"):
        admin.execute(f"DROP DATABASE IF EXISTS {db}")
        admin.execute(f"CREATE DATABASE {db}")
    with psycopg.connect(dbname="segment_dump_src", autocommit=True) as src:
        src.execute("CREATE EXTENSION segment")
        src.execute("SELECT segment.save_model('spend', segment.scaler_fit(ARRAY[monthly_spending, tenure])) "
                    "FROM segment.simulate_customers(500)")
        src.execute("SELECT segment.save_model('spend', segment.scaler_fit(ARRAY[tenure]), deploy => false) "
                    "FROM segment.simulate_customers(50)")
        src.execute("SET client_min_messages = warning")
        src.execute("CREATE TABLE customers AS SELECT * FROM segment.simulate_customers(400)")
        src.execute("SELECT segment.segment_train('tier', 'customers', 'customer_segment', "
                    "exclude => '{customer_id}', model => 'logistic')")
        src.execute("SELECT segment.retrain('tier')")  # a skipped run
        # tree models: a gbdt classifier and regressor, a random forest
        src.execute("SELECT segment.segment_train('tier_gbdt', 'customers', 'customer_segment', "
                    "exclude => '{customer_id}', model => 'gbdt', params => '{\"max_iter\": 30}')")
        src.execute("SELECT segment.segment_train('spend_gbdt', 'customers', 'monthly_spending', "
                    "exclude => '{customer_id,customer_segment}', model => 'gbdt')")
        src.execute("SELECT segment.segment_train('tier_rf', 'customers', 'customer_segment', "
                    "exclude => '{customer_id}', model => 'random_forest', "
                    "params => '{\"n_estimators\": 10}')")
        before = src.execute("SELECT name, version, kind, deployed, model FROM segment.models "
                             "ORDER BY name, version").fetchall()
        runs_before = src.execute(RUNS).fetchall()
        predicted_before = src.execute(TREE_PREDICTIONS).fetchall()
        rules_before = src.execute(TREE_RULES).fetchall()
    dump = subprocess.run([f"{PG_BIN}/pg_dump", "-d", "segment_dump_src"], check=True,
                          capture_output=True).stdout
    subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "segment_dump_dst"],
                   input=dump, check=True, capture_output=True)
    with psycopg.connect(dbname="segment_dump_dst", autocommit=True) as dst:
        after = dst.execute("SELECT name, version, kind, deployed, model FROM segment.models "
                            "ORDER BY name, version").fetchall()
        runs_after = dst.execute(RUNS).fetchall()
        predicted_after = dst.execute(TREE_PREDICTIONS).fetchall()
        rules_after = dst.execute(TREE_RULES).fetchall()
        # the run numbers go on where they stopped
        dst.execute("SET client_min_messages = warning")
        next_run = dst.execute("SELECT (segment.retrain('tier', skip_if_unchanged => false)->>'run')::bigint"
                               ).fetchone()[0]
    assert len(before) == 6
    assert after == before
    # the restored tree models predict and read as before, bit for bit
    assert len(predicted_before) == 400 and predicted_after == predicted_before
    assert len(rules_before) > 2 and rules_after == rules_before
    assert [r[2] for r in runs_before] == ["trained", "skipped", "trained", "trained", "trained"]
    assert runs_after == runs_before
    assert next_run == runs_before[-1][0] + 1
    admin.execute("DROP DATABASE segment_dump_src")
    admin.execute("DROP DATABASE segment_dump_dst")
    admin.close()


OWNER, APP = "regress_dump_owner", "regress_dump_app"


def test_owners_and_grants_survive_pg_dump_and_restore():
    """Restored into a database of the same cluster (the roles exist), a
    model keeps its owner and its grants: the application still predicts by
    name, and still reads nothing of the model."""
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    for db in ("segment_dump_src", "segment_dump_dst"):
        admin.execute(f"DROP DATABASE IF EXISTS {db}")
        admin.execute(f"CREATE DATABASE {db}")
    for role in (OWNER, APP):
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role}")
    try:
        with psycopg.connect(dbname="segment_dump_src", autocommit=True) as src:
            src.execute("CREATE EXTENSION segment")
            src.execute("SET client_min_messages = warning")
            src.execute("CREATE TABLE customers AS SELECT * FROM segment.simulate_customers(300)")
            src.execute(f"GRANT SELECT ON customers TO {OWNER}, {APP}")
            src.execute(f"SET ROLE {OWNER}")
            src.execute("SELECT count(*) FROM segment.kmeans_fit('owned', 'customers', "
                        "ARRAY['monthly_spending', 'tenure'], k => '{3}', n_init => 1)")
            src.execute(f"SELECT segment.grant_predict('owned', '{APP}')")
            src.execute("RESET ROLE")
            registry = ("SELECT name, version, owner::text, created_by::text, model FROM segment.models "
                        "ORDER BY name, version")
            grants = "SELECT name, grantee::text, granted_by::text FROM segment.model_grants ORDER BY 1, 2"
            before = src.execute(registry).fetchall(), src.execute(grants).fetchall()
            predictions = ("SELECT customer_id, segment.segment_predict('owned', c) FROM customers c "
                           "ORDER BY customer_id")
            src.execute(f"SET ROLE {APP}")
            predicted_before = src.execute(predictions).fetchall()
        dump = subprocess.run([f"{PG_BIN}/pg_dump", "-d", "segment_dump_src"], check=True,
                              capture_output=True).stdout
        subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "segment_dump_dst"],
                       input=dump, check=True, capture_output=True)
        with psycopg.connect(dbname="segment_dump_dst", autocommit=True) as dst:
            after = dst.execute(registry).fetchall(), dst.execute(grants).fetchall()
            dst.execute(f"SET ROLE {APP}")
            predicted_after = dst.execute(predictions).fetchall()
            visible = dst.execute("SELECT count(*) FROM segment.models").fetchone()[0]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                dst.execute("SELECT segment.model('owned')")
        assert before[0][0][2:4] == (OWNER, OWNER) and before[1] == [("owned", APP, OWNER)]
        assert after == before
        assert len(predicted_before) == 300 and predicted_after == predicted_before
        assert visible == 0
    finally:
        for db in ("segment_dump_src", "segment_dump_dst"):
            admin.execute(f"DROP DATABASE IF EXISTS {db}")
        for role in (OWNER, APP):
            admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.close()
