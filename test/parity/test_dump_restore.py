"""pg_dump keeps the registry: models survive a dump and restore byte for byte."""
import subprocess

import psycopg

PG_BIN = "/usr/lib/postgresql/15/bin"


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
        before = src.execute("SELECT name, version, kind, deployed, model FROM segment.models "
                             "ORDER BY name, version").fetchall()
    dump = subprocess.run([f"{PG_BIN}/pg_dump", "-d", "segment_dump_src"], check=True,
                          capture_output=True).stdout
    subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "segment_dump_dst"],
                   input=dump, check=True, capture_output=True)
    with psycopg.connect(dbname="segment_dump_dst") as dst:
        after = dst.execute("SELECT name, version, kind, deployed, model FROM segment.models "
                            "ORDER BY name, version").fetchall()
    assert len(before) == 2
    assert after == before
    admin.execute("DROP DATABASE segment_dump_src")
    admin.execute("DROP DATABASE segment_dump_dst")
    admin.close()
