"""Scheduled retraining on pg_cron, end to end, in the test cluster (started
with pg_cron preloaded, cron.database_name = 'postgres' and background-worker
jobs; scripts/lib.sh).

An analyst role owns a churn model and schedules its retraining.  The job's
own command (read back from cron.job) is run the way pg_cron runs it, a
top-level CALL, through four nights: unchanged data (skipped), relabelled
data (the new version beats the deployed one on today's test rows:
promoted), a weaker latest spec (kept), a renamed column (failed, recorded,
and the CALL fails like the job would).  Then pg_cron itself runs the job
once, as the analyst, and the server log gets one summary line for it.
Progress notices: interactive sessions get them, pg_cron's connections and
segment.progress = off do not."""
import os
import time

import psycopg
import pytest

DB = "postgres"  # cron.database_name of the test cluster
ANALYST = "regress_cron_analyst"
JOB = "segment.retrain churn"

ROWS = """
CREATE TABLE cron_churn AS
SELECT i AS id, ((i * 7919) % 1000) / 500.0 - 1 AS x, ((i * 104729) % 997) / 498.5 - 1 AS y,
       CASE WHEN ((i * 7919) % 1000) / 500.0 - 1 > ((i * 104729) % 997) / 498.5 - 1
            THEN 'stays' ELSE 'churns' END AS label
FROM generate_series(1, 2000) i"""


def server_log():
    data = os.environ.get("SEGMENT_PGDATA")
    if not data:
        pytest.skip("SEGMENT_PGDATA is not set (run through scripts/test.sh)")
    return os.path.join(os.path.dirname(data), "server.log")


@pytest.fixture(scope="module")
def admin():
    conn = psycopg.connect(dbname=DB, autocommit=True)
    conn.execute("SET client_min_messages = warning")
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
    conn.execute("DROP EXTENSION IF EXISTS segment CASCADE")
    conn.execute("CREATE EXTENSION segment")
    conn.execute("DROP TABLE IF EXISTS cron_churn")
    conn.execute(f"DROP ROLE IF EXISTS {ANALYST}")
    conn.execute(f"CREATE ROLE {ANALYST} LOGIN")
    conn.execute(f"GRANT USAGE ON SCHEMA cron TO {ANALYST}")
    conn.execute(ROWS)
    conn.execute(f"ALTER TABLE cron_churn OWNER TO {ANALYST}")
    yield conn
    conn.execute("SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = %s", (JOB,))
    conn.execute("DROP TABLE IF EXISTS cron_churn")
    conn.execute("DROP EXTENSION segment CASCADE")
    conn.execute(f"REVOKE USAGE ON SCHEMA cron FROM {ANALYST}")
    conn.execute(f"DROP ROLE {ANALYST}")
    conn.close()


def analyst():
    conn = psycopg.connect(dbname=DB, user=ANALYST, autocommit=True)
    conn.execute("SET client_min_messages = warning")
    return conn


def last_run(conn):
    return conn.execute("SELECT function, status, version, deployed, previous_version, "
                        "new_score, previous_score, reason, error, run_by::text "
                        "FROM segment.training_history('churn') ORDER BY run DESC LIMIT 1"
                        ).fetchone()


def test_nights_of_a_scheduled_retrain(admin):
    with analyst() as a:
        v1 = a.execute("SELECT segment.segment_train('churn', 'cron_churn', 'label', "
                       "exclude => '{id}', model => 'logistic')->'version'").fetchone()[0]
        assert v1 == 1
        job = a.execute("SELECT segment.schedule_retrain('churn', '0 3 * * *')").fetchone()[0]
        # scheduling again moves the job instead of adding one
        assert a.execute("SELECT segment.schedule_retrain('churn', '30 3 * * *')").fetchone()[0] == job
        name, schedule, command, username = a.execute(
            "SELECT jobname, schedule, command, username FROM cron.job WHERE jobid = %s", (job,)).fetchone()
        assert (name, schedule, username) == (JOB, "30 3 * * *", ANALYST)
        assert command == "CALL segment.scheduled_retrain('churn')"

        # night 1: nothing changed
        a.execute(command)
        run = last_run(a)
        assert run[:3] == ("retrain", "skipped", None)
        assert "those version 1 was trained on" in run[7]

        # night 2: the labelling rule changed; the deployed version, scored on
        # today's test rows, loses to the new one
        a.execute("UPDATE cron_churn SET label = CASE WHEN y > 0 THEN 'stays' ELSE 'churns' END")
        a.execute(command)
        function, status, version, deployed, previous, new, old, reason, error, by = last_run(a)
        assert (function, status, version, deployed, previous) == ("retrain", "trained", 2, True, 1)
        assert new > 0.95 and old < 0.8, (new, old)
        assert reason.startswith("on the same ") and ">= the deployed version 1's" in reason
        assert by == ANALYST

        # night 3: the latest version was trained on one feature only (and
        # lost to version 2); retraining with its arguments gives a model
        # that loses to the deployed version 2 on the same rows: kept
        assert a.execute("SELECT segment.segment_train('churn', 'cron_churn', 'label', features => '{x}', "
                         "model => 'logistic')->'deployed'").fetchone()[0] is False
        a.execute("INSERT INTO cron_churn VALUES (2001, 0.3, 0.4, 'stays')")
        a.execute(command)
        function, status, version, deployed, previous, new, old, reason, error, by = last_run(a)
        assert (status, version, deployed, previous) == ("trained", 4, False, 2)
        assert new < old and "< the deployed version 2's" in reason
        assert a.execute("SELECT version FROM segment.models WHERE name = 'churn' AND deployed"
                         ).fetchone()[0] == 2

        # night 4: a column the spec names is gone: the run is recorded and
        # committed, then the CALL fails as the job would
        a.execute("ALTER TABLE cron_churn RENAME COLUMN x TO x_old")
        with pytest.raises(psycopg.errors.UndefinedColumn) as failure:
            a.execute(command)
        assert 'retraining model "churn" failed' in str(failure.value)
        function, status, version, deployed, previous, new, old, reason, error, by = last_run(a)
        assert (function, status, version) == ("retrain", "failed", None)
        assert 'column "x" of relation "cron_churn" does not exist' in error
        a.execute("ALTER TABLE cron_churn RENAME COLUMN x_old TO x")


def test_nights_of_a_scheduled_kmeans_retrain(admin):
    """A k-means model's job: the same command; an unchanged night skips, a
    changed one refits, keeps the cluster numbers and the edited persona,
    and deploys by silhouette on the same sampled rows (if_better)."""
    with analyst() as a:
        a.execute("SELECT count(*) FROM segment.kmeans_fit('churn_km', 'cron_churn', '{x,y}', "
                  "k => '{4}', deploy => 'if_better')")
        job = a.execute("SELECT segment.schedule_retrain('churn_km', '0 2 * * *')").fetchone()[0]
        command = a.execute("SELECT command FROM cron.job WHERE jobid = %s", (job,)).fetchone()[0]
        assert command == "CALL segment.scheduled_retrain('churn_km')"
        cluster = a.execute("SELECT (segment.persona('churn_km', c)).cluster FROM cron_churn c "
                            "WHERE id = 42").fetchone()[0]
        a.execute("SELECT segment.set_persona('churn_km', %s, 'Corner shoppers')", (cluster,))

        a.execute(command)
        status, function, score = a.execute(
            "SELECT status, function, score FROM segment.training_history('churn_km') "
            "ORDER BY run DESC LIMIT 1").fetchone()
        assert (status, function) == ("skipped", "retrain")

        a.execute("UPDATE cron_churn SET x = x * 1.01 WHERE id % 5 = 0")
        a.execute(command)
        status, function, score, reason, version = a.execute(
            "SELECT status, function, score, reason, version FROM segment.training_history('churn_km') "
            "ORDER BY run DESC LIMIT 1").fetchone()
        assert (status, function, score) == ("trained", "retrain", "silhouette")
        assert reason.startswith("on the same ") and "silhouette" in reason
        assert a.execute("SELECT (segment.persona('churn_km', c)).* FROM cron_churn c WHERE id = 42"
                         ).fetchone()[:2] == (cluster, "Corner shoppers")
        assert a.execute("SELECT segment.unschedule_retrain('churn_km')").fetchone()[0] is True
        a.execute("SELECT segment.drop_model('churn_km')")


def test_a_segment_view_refreshed_by_pg_cron(admin):
    """A materialized segment view with a refresh schedule: a pg_cron job of
    the caller's that refreshes it CONCURRENTLY (the key's unique index)."""
    with analyst() as a:
        a.execute("SELECT count(*) FROM segment.kmeans_fit('churn_view', 'cron_churn', '{x,y}', k => '{3}')")
        admin.execute(f"CREATE SCHEMA analyst_views AUTHORIZATION {ANALYST}")
        a.execute("SELECT segment.create_segment_view('analyst_views.churn_segments', 'cron_churn', "
                  "'churn_view', key => 'id', materialized => true, refresh => '15 4 * * *')")
        name, schedule, command, username = a.execute(
            "SELECT jobname, schedule, command, username FROM cron.job "
            "WHERE jobname = 'segment.refresh analyst_views.churn_segments'").fetchone()
        assert (schedule, username) == ("15 4 * * *", ANALYST)
        assert command == "REFRESH MATERIALIZED VIEW CONCURRENTLY analyst_views.churn_segments"
        before = a.execute("SELECT count(*) FROM analyst_views.churn_segments").fetchone()[0]
        a.execute("INSERT INTO cron_churn VALUES (3001, 0.9, 0.9, 'stays')")
        a.execute(command)
        assert a.execute("SELECT count(*) FROM analyst_views.churn_segments").fetchone()[0] == before + 1
        assert a.execute("SELECT segment IS NOT NULL FROM analyst_views.churn_segments WHERE id = 3001"
                         ).fetchone()[0] is True
        a.execute("SELECT cron.unschedule(%s)", (name,))
        a.execute("DELETE FROM cron_churn WHERE id = 3001")
        a.execute("DROP SCHEMA analyst_views CASCADE")
        a.execute("SELECT segment.drop_model('churn_view')")


def test_pg_cron_runs_the_job_itself(admin):
    """The job runs in a pg_cron background worker as the analyst; within a
    minute and a bit its run is in cron.job_run_details and in the
    history, and the server log has the run's one summary line."""
    log = server_log()
    with analyst() as a:
        a.execute("INSERT INTO cron_churn VALUES (2002, -0.3, 0.6, 'stays')")
        job = a.execute("SELECT segment.schedule_retrain('churn', '* * * * *')").fetchone()[0]
        runs_before = a.execute("SELECT count(*) FROM segment.training_runs").fetchone()[0]
        log_start = os.path.getsize(log)
        deadline = time.time() + 150
        details = None
        while time.time() < deadline:
            details = a.execute("SELECT status, return_message FROM cron.job_run_details "
                                "WHERE jobid = %s AND status IN ('succeeded', 'failed') "
                                "ORDER BY runid DESC LIMIT 1", (job,)).fetchone()
            if details is not None:
                break
            time.sleep(2)
        assert details is not None, "pg_cron did not run the job"
        assert details == ("succeeded", "CALL"), details
        assert a.execute("SELECT count(*) FROM segment.training_runs").fetchone()[0] == runs_before + 1
        function, status, version, deployed, *_, by = last_run(a)
        assert (function, status, by) == ("retrain", "trained", ANALYST)
        assert a.execute("SELECT segment.unschedule_retrain('churn')").fetchone()[0] is True
        assert a.execute("SELECT segment.unschedule_retrain('churn')").fetchone()[0] is False
    with open(log, encoding="utf-8", errors="replace") as f:
        f.seek(log_start)
        lines = f.read().splitlines()
    summaries = [l for l in lines if 'segment_train: model "churn" version' in l]
    assert len(summaries) == 1, summaries
    assert not any("epoch" in l or "iteration" in l for l in lines), lines


def test_progress_notices_only_where_someone_reads_them(admin):
    def notices(*settings):
        seen = []
        with psycopg.connect(dbname=DB, autocommit=True) as c:
            c.add_notice_handler(lambda d: seen.append(d.message_primary))
            c.execute("SET client_min_messages = notice")
            for s in settings:
                c.execute(s)
            c.execute("SELECT segment.segment_train('progress', 'cron_churn', 'label', exclude => '{id}', "
                      "hidden => '{4}', epochs => 3, balance => 'none', deploy => 'never')")
        return [m for m in seen if "epoch" in m]

    assert len(notices()) >= 3
    assert notices("SET application_name = 'pg_cron'") == []
    assert notices("SET segment.progress = off") == []
    assert len(notices("SET application_name = 'pg_cron'", "SET segment.progress = on")) >= 3
    admin.execute("SELECT segment.drop_model('progress')")


def test_bad_schedules(admin):
    with analyst() as a:
        with pytest.raises(psycopg.errors.UndefinedObject, match='model "nope" does not exist'):
            a.execute("SELECT segment.schedule_retrain('nope', '* * * * *')")
        with pytest.raises(psycopg.errors.NullValueNotAllowed):
            a.execute("SELECT segment.schedule_retrain('churn', NULL)")
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="invalid schedule"):
            a.execute("SELECT segment.schedule_retrain('churn', 'not a schedule')")
        a.execute("SELECT segment.save_model('churn_scaler', segment.scaler_fit(ARRAY[x, y])) FROM cron_churn")
        with pytest.raises(psycopg.errors.UndefinedObject,
                           match="has no version trained by segment_train or kmeans_fit"):
            a.execute("SELECT segment.schedule_retrain('churn_scaler', '* * * * *')")
        # unscheduling a model that does not exist (so has no job) removes nothing
        assert a.execute("SELECT segment.unschedule_retrain('nope')").fetchone()[0] is False
        with pytest.raises(psycopg.errors.NullValueNotAllowed, match="model name must not be null"):
            a.execute("SELECT segment.unschedule_retrain(NULL)")
    # another role may not schedule the analyst's model
    admin.execute("DROP ROLE IF EXISTS regress_cron_other")
    admin.execute("CREATE ROLE regress_cron_other LOGIN")
    try:
        with psycopg.connect(dbname=DB, user="regress_cron_other", autocommit=True) as o:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                o.execute("SELECT segment.schedule_retrain('churn', '* * * * *')")
    finally:
        admin.execute("DROP ROLE regress_cron_other")


def test_a_database_without_pg_cron_is_told_where_to_schedule(admin):
    admin.execute("DROP DATABASE IF EXISTS segment_nocron")
    admin.execute("CREATE DATABASE segment_nocron")
    try:
        with psycopg.connect(dbname="segment_nocron", autocommit=True) as c:
            c.execute("SET client_min_messages = warning")
            c.execute("CREATE EXTENSION segment")
            c.execute("CREATE TABLE t AS SELECT i AS id, (i % 7)::float8 AS x, (i % 2)::text AS label "
                      "FROM generate_series(1, 300) i")
            c.execute("SELECT segment.segment_train('m', 't', 'label', exclude => '{id}', model => 'logistic')")
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as e:
                c.execute("SELECT segment.schedule_retrain('m', '0 3 * * *')")
            assert 'pg_cron schedules its jobs from database "postgres"' in str(e.value)
            assert ("SELECT cron.schedule_in_database('segment.retrain m', '0 3 * * *', "
                    "'CALL segment.scheduled_retrain(''m'')', 'segment_nocron');") in e.value.diag.message_hint
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                c.execute("SELECT segment.unschedule_retrain('m')")
    finally:
        admin.execute("DROP DATABASE segment_nocron")
