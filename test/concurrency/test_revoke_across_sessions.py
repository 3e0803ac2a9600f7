"""A right taken away in another session is seen at the grantee's next
statement, as PostgreSQL's own privileges are, even inside a transaction
that has the model decoded already: a backend absorbs invalidation
messages only at a transaction's start or when it takes a lock it does not
hold, so a cache that trusted them would keep predicting until the
grantee's transaction ended.  The same for split_part's stored split, read
by the model's owner only, whose spec is read again under each snapshot."""
import psycopg
import pytest

DB = "segment_revoke"
ROLE = "regress_revoke_grantee"


@pytest.fixture(scope="module")
def admin():
    c = psycopg.connect(dbname="postgres", autocommit=True)
    c.execute(f"DROP DATABASE IF EXISTS {DB}")
    c.execute(f"CREATE DATABASE {DB}")
    c.execute(f"DROP ROLE IF EXISTS {ROLE}")
    c.execute(f"CREATE ROLE {ROLE} LOGIN")
    c.close()
    with psycopg.connect(dbname=DB, autocommit=True) as a:
        a.execute("CREATE EXTENSION segment")
        a.execute("CREATE TABLE shoppers AS SELECT * FROM segment.simulate_customers(300)")
        a.execute("ALTER TABLE shoppers ADD PRIMARY KEY (customer_id)")
        a.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
        a.execute(f"GRANT SELECT ON shoppers TO {ROLE}")
        a.execute("SELECT count(*) FROM segment.kmeans_fit('revoked', 'shoppers', "
                  "ARRAY['monthly_spending', 'tenure'], k => '{3}', n_init => 1)")
        a.execute("SELECT segment.segment_train('split', 'shoppers', 'customer_segment', "
                  "exclude => '{customer_id}', model => 'logistic', deploy => 'always')")
        yield a
    with psycopg.connect(dbname="postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"DROP ROLE IF EXISTS {ROLE}")


# features as an array: the statement opens no relation, so no lock taken
# afresh makes the backend read the invalidation messages on the way
PREDICT = "SELECT segment.segment_predict('revoked', '{1,2}'::float8[]) IS NOT NULL"


def test_revoke_seen_at_the_next_statement(admin):
    admin.execute(f"SELECT segment.grant_predict('revoked', '{ROLE}')")
    with psycopg.connect(dbname=DB, user=ROLE) as grantee:
        # one READ COMMITTED transaction: the model is decoded by the first statement
        assert grantee.execute(PREDICT).fetchone()[0]
        assert grantee.execute(PREDICT).fetchone()[0]
        admin.execute(f"SELECT segment.revoke_predict('revoked', '{ROLE}')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege,
                           match='permission denied to predict with model "revoked"'):
            grantee.execute(PREDICT)
        grantee.rollback()


def test_grant_seen_at_the_next_statement(admin):
    admin.execute(f"SELECT segment.revoke_predict('revoked', '{ROLE}')")
    with psycopg.connect(dbname=DB, user=ROLE) as grantee:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            grantee.execute(PREDICT)
        grantee.rollback()
        grantee.execute("SELECT 1")          # a transaction open from here on
        admin.execute(f"SELECT segment.grant_predict('revoked', '{ROLE}')")
        assert grantee.execute(PREDICT).fetchone()[0]


def test_repeatable_read_keeps_its_snapshot(admin):
    """Under REPEATABLE READ the transaction's snapshot does not see the
    revoke, for the cached call as for an uncached one."""
    admin.execute(f"SELECT segment.grant_predict('revoked', '{ROLE}')")
    with psycopg.connect(dbname=DB, user=ROLE) as grantee:
        grantee.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        assert grantee.execute(PREDICT).fetchone()[0]
        admin.execute(f"SELECT segment.revoke_predict('revoked', '{ROLE}')")
        assert grantee.execute(PREDICT).fetchone()[0]
        grantee.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            grantee.execute(PREDICT)


SPLIT = "SELECT count(segment.split_part('split', s)) FROM shoppers s"


def test_split_part_needs_the_read_right(admin):
    """The split's spec names the training relation and its key and label
    columns: a predict grant does not reach it."""
    admin.execute(f"SELECT segment.grant_predict('split', '{ROLE}')")
    assert admin.execute(SPLIT).fetchone()[0] == 300
    with psycopg.connect(dbname=DB, user=ROLE, autocommit=True) as grantee:
        with pytest.raises(psycopg.errors.InsufficientPrivilege,
                           match='permission denied to read model "split"'):
            grantee.execute(SPLIT)


def test_split_part_reads_the_spec_under_each_snapshot(admin):
    """Inside one transaction of the owner's, a version dropped by another
    session is gone at the next statement, whatever split_part kept."""
    admin.execute("SELECT segment.segment_train('split_dropped', 'shoppers', 'customer_segment', "
                  "exclude => '{customer_id}', model => 'logistic', deploy => 'always')")
    query = ("SELECT count(segment.split_part('split_dropped', s)) "
             "FROM shoppers s")
    with psycopg.connect(dbname=DB) as owner:
        owner.execute("CREATE FUNCTION pg_temp.parts() RETURNS bigint LANGUAGE plpgsql AS $$ "
                      "DECLARE n bigint := 0; r record; BEGIN "
                      "FOR r IN SELECT * FROM shoppers LOOP "
                      "n := n + (segment.split_part('split_dropped', r) IS NOT NULL)::int; "
                      "END LOOP; RETURN n; END $$")
        assert owner.execute("SELECT pg_temp.parts()").fetchone()[0] == 300
        assert owner.execute(query).fetchone()[0] == 300
        admin.execute("SELECT segment.drop_model('split_dropped')")
        with pytest.raises(psycopg.errors.UndefinedObject):
            owner.execute("SELECT pg_temp.parts()")
        owner.rollback()


def test_predict_grant_reaches_the_deployed_version_only(admin):
    """explain with a version that is not deployed needs the read right."""
    admin.execute("SELECT segment.segment_train('split', 'shoppers', 'customer_segment', "
                  "exclude => '{customer_id}', model => 'logistic', deploy => 'never')")
    versions = admin.execute("SELECT version, deployed FROM segment.models WHERE name = 'split' "
                             "ORDER BY version").fetchall()
    deployed = [v for v, d in versions if d][0]
    candidate = [v for v, d in versions if not d][-1]
    explain = ("SELECT count(*) FROM (SELECT (segment.explain('split', s, {})).* FROM shoppers s "
               "WHERE customer_id = 1) e")
    with psycopg.connect(dbname=DB, user=ROLE, autocommit=True) as grantee:
        assert grantee.execute(explain.format(deployed)).fetchone()[0] > 0
        assert grantee.execute(explain.format("NULL")).fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege,
                           match='permission denied to read model "split"'):
            grantee.execute(explain.format(candidate))
    assert admin.execute(explain.format(candidate)).fetchone()[0] > 0
