"""Predictions by name while another session deploys: every
prediction comes from the version that its own statement's snapshot
deploys, and no call fails.

Two versions of one name answer in different vocabularies: version 1 is a
k-means model (clusters "0", "1", "2"), version 2 a classifier of value
tiers ("low", "medium", "high").  pgbench clients run a statement that
returns both segment_predict('race', row) and the deployed version read
from segment.models in the same statement (one snapshot), and record any
answer of the other version's vocabulary, while a second session deploys
the two versions in turn as fast as it can.  Bounded (RACE_SECONDS,
default 15) and through the cluster's Unix socket only."""
import os
import re
import subprocess
import tempfile
import threading

import psycopg
import pytest

PG_BIN = os.environ.get("SEGMENT_PG_BIN", "/usr/lib/postgresql/15/bin")
SECONDS = int(os.environ.get("RACE_SECONDS", "15"))
CLIENTS = 4
N_ROWS = 2000
DB = "segment_race"

SETUP = [
    f"CREATE TABLE race_customers AS SELECT * FROM segment.simulate_customers({N_ROWS})",
    "ALTER TABLE race_customers ADD PRIMARY KEY (customer_id)",
    "CREATE VIEW race_tiers AS SELECT monthly_spending, engagement_score, tenure, "
    "(ARRAY['low', 'medium', 'high'])[customer_segment + 1] AS tier FROM race_customers",
    "SELECT count(*) FROM segment.kmeans_fit('race', 'race_customers', "
    "ARRAY['monthly_spending', 'engagement_score'], k => '{3}', n_init => 1)",
    "SELECT segment.segment_train('race', 'race_tiers', 'tier', hidden => '{8}', epochs => 3, "
    "balance => 'none', deploy => 'always')",
    "CREATE UNLOGGED TABLE race_mismatch (version int, customer_id int)",
]

# ok = 1 when the prediction is in the vocabulary of the version that the
# same statement sees deployed
SCRIPT = rf"""
\set id random(1, {N_ROWS})
SELECT CASE r.version WHEN 1 THEN r.prediction IN ('0', '1', '2')
                      WHEN 2 THEN r.prediction IN ('low', 'medium', 'high')
                      ELSE false END::int AS ok, coalesce(r.version, 0) AS version
FROM (SELECT segment.segment_predict('race', c) AS prediction,
             (SELECT m.version FROM segment.models m WHERE m.name = 'race' AND m.deployed) AS version
      FROM race_customers c WHERE c.customer_id = :id) r \gset
\if :ok = 0
INSERT INTO race_mismatch VALUES (:version, :id);
\endif
"""


@pytest.fixture(scope="module")
def database():
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {DB}")
    admin.execute(f"CREATE DATABASE {DB}")
    with psycopg.connect(dbname=DB, autocommit=True) as c:
        c.execute("SET client_min_messages = warning")
        c.execute("CREATE EXTENSION segment")
        for statement in SETUP:
            c.execute(statement)
        kinds = c.execute("SELECT version, kind FROM segment.models WHERE name = 'race' "
                          "ORDER BY version").fetchall()
        assert kinds == [(1, "kmeans"), (2, "classifier")]
    yield DB
    admin.execute(f"DROP DATABASE {DB}")
    admin.close()


def deploy_in_turn(dbname, stop, counter):
    with psycopg.connect(dbname=dbname, autocommit=True) as c:
        version = 1
        while not stop.is_set():
            c.execute("SELECT segment.deploy('race', %s)", (version,))
            counter[0] += 1
            version = 3 - version


@pytest.mark.parametrize("protocol", ["simple", "prepared"])
def test_predictions_follow_the_statements_snapshot(database, protocol):
    with psycopg.connect(dbname=database, autocommit=True) as c:
        c.execute("TRUNCATE race_mismatch")
    stop = threading.Event()
    deploys = [0]
    deployer = threading.Thread(target=deploy_in_turn, args=(database, stop, deploys))
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "race.sql")
        with open(script, "w") as f:
            f.write(SCRIPT)
        deployer.start()
        try:
            run = subprocess.run([os.path.join(PG_BIN, "pgbench"), "-n", "-c", str(CLIENTS), "-j", "2",
                                  "-T", str(SECONDS // 2), "-M", protocol, "-f", script, database],
                                 capture_output=True, text=True)
        finally:
            stop.set()
            deployer.join()
    processed = int(re.search(r"number of transactions actually processed: (\d+)", run.stdout).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", run.stdout)
    with psycopg.connect(dbname=database) as c:
        mismatches = c.execute("SELECT version, customer_id FROM race_mismatch").fetchall()
    print(f"{protocol}: {processed} predictions checked, {deploys[0]} deploys, "
          f"{len(mismatches)} from a version the statement does not deploy")
    assert run.returncode == 0, run.stdout + run.stderr
    assert failed is None or int(failed.group(1)) == 0, run.stdout
    assert deploys[0] > 100
    assert processed > 1000
    assert mismatches == []


PREDICT_ONE = """
SELECT segment.segment_predict('race', c),
       (SELECT m.version FROM segment.models m WHERE m.name = 'race' AND m.deployed)
FROM race_customers c WHERE c.customer_id = 1
"""
KMEANS_LABELS, TIER_LABELS = {"0", "1", "2"}, {"low", "medium", "high"}


@pytest.mark.parametrize("isolation", ["READ COMMITTED", "REPEATABLE READ"])
def test_a_transaction_predicts_with_the_version_each_statement_sees(database, isolation):
    """Another session deploys between two statements of one transaction:
    under READ COMMITTED the second statement sees and uses the new
    version, under REPEATABLE READ both use the version of the
    transaction's snapshot (no race: the deploy commits in between)."""
    with psycopg.connect(dbname=database, autocommit=True) as reader, \
            psycopg.connect(dbname=database, autocommit=True) as deployer:
        deployer.execute("SELECT segment.deploy('race', 1)")
        reader.execute(f"BEGIN ISOLATION LEVEL {isolation}")
        first = reader.execute(PREDICT_ONE).fetchone()
        deployer.execute("SELECT segment.deploy('race', 2)")
        second = reader.execute(PREDICT_ONE).fetchone()
        reader.execute("COMMIT")
        third = reader.execute(PREDICT_ONE).fetchone()
    assert first[1] == 1 and first[0] in KMEANS_LABELS
    if isolation == "READ COMMITTED":
        assert second[1] == 2 and second[0] in TIER_LABELS
    else:
        assert second[1] == 1 and second[0] in KMEANS_LABELS
    assert third[1] == 2 and third[0] in TIER_LABELS
