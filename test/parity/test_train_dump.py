"""Models registered by segment_train and kmeans_fit survive pg_dump and
restore: the same model bytes, stored spec and test metrics,
segment.evaluate() gives the same report, and segment_predict gives the
same answer for every row, by name and by value."""
import os
import subprocess

import psycopg

PG_BIN = os.environ.get("SEGMENT_PG_BIN", "/usr/lib/postgresql/15/bin")


def test_trained_models_survive_pg_dump_and_restore():
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    for db in ("segment_train_dump_src", "segment_train_dump_dst"):
        admin.execute(f"DROP DATABASE IF EXISTS {db}")
        admin.execute(f"CREATE DATABASE {db}")
    query = "SELECT name, version, kind, deployed, spec, metrics, model FROM segment.models ORDER BY 1, 2"
    report = "SELECT * FROM segment.evaluate('value')"
    predictions = ("SELECT customer_id, segment.segment_predict('value', c), "
                   "segment.segment_predict(segment.model('value', 1), c), "
                   "segment.segment_predict_proba('value', c)::text, "
                   "segment.segment_predict('clusters', c) FROM customers c ORDER BY 1")
    with psycopg.connect(dbname="segment_train_dump_src", autocommit=True) as src:
        src.execute("CREATE EXTENSION segment")
        src.execute("SET client_min_messages = warning")
        src.execute("CREATE TABLE customers AS SELECT * FROM segment.simulate_customers(1000)")
        for seed in (1, 2):
            src.execute("SELECT segment.segment_train('value', 'customers', 'customer_segment', "
                        "exclude => '{customer_id}', epochs => 10, balance => 'none', seed => %s)",
                        (seed,))
        src.execute("SELECT segment.kmeans_fit('clusters', 'customers', "
                    "ARRAY['monthly_spending', 'engagement_score', 'tenure'], k => '{4}')")
        before = src.execute(query).fetchall()
        before_report = src.execute(report).fetchall()
        before_predictions = src.execute(predictions).fetchall()
    dump = subprocess.run([f"{PG_BIN}/pg_dump", "-d", "segment_train_dump_src"], check=True,
                          capture_output=True).stdout
    subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                    "segment_train_dump_dst"], input=dump, check=True, capture_output=True)
    with psycopg.connect(dbname="segment_train_dump_dst") as dst:
        after = dst.execute(query).fetchall()
        after_report = dst.execute(report).fetchall()
        after_predictions = dst.execute(predictions).fetchall()
        info = dst.execute("SELECT segment.model_info(segment.model('value'))").fetchone()[0]
    assert [r[2] for r in before] == ["kmeans", "classifier", "classifier"]
    assert after == before
    assert after_report == before_report and len(after_report) == 6
    assert len(before_predictions) == 1000 and after_predictions == before_predictions
    assert info["kind"] == "classifier" and info["classes"] == ["0", "1", "2"]
    admin.execute("DROP DATABASE segment_train_dump_src")
    admin.execute("DROP DATABASE segment_train_dump_dst")
    admin.close()
