"""ALTER EXTENSION segment UPDATE from 0.1.0: the same objects as a new
install of the current version, and models saved under 0.1.0 keep their
bytes and predict the same."""
import psycopg
import pytest

OLD = "0.1.0"

# Every object of the extension described by name (no OIDs), so that two
# databases can be compared: definitions, comments, privileges and the
# registry's shape.
DESCRIBE = r"""
WITH members AS (
    SELECT d.classid, d.objid, d.objsubid
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'segment'
)
SELECT kind, identity, detail FROM (
    SELECT 'function' AS kind, pg_describe_object(m.classid, m.objid, 0) AS identity,
           concat_ws(E'\n',
               CASE WHEN p.prokind = 'a' THEN
                   (SELECT concat_ws(' ', a.aggtransfn::text, a.aggfinalfn::text, a.aggcombinefn::text,
                                     format_type(a.aggtranstype, NULL), a.agginitval, a.aggfinalmodify)
                    FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
               ELSE pg_get_functiondef(p.oid) END,
               p.proparallel::text, p.prokind::text, p.proacl::text,
               obj_description(p.oid, 'pg_proc')) AS detail
    FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    UNION ALL
    SELECT 'relation', pg_describe_object(m.classid, m.objid, 0),
           concat_ws(E'\n', c.relkind::text, c.relacl::text, c.relrowsecurity::text,
                     c.relforcerowsecurity::text, obj_description(c.oid, 'pg_class'),
                     CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END,
                     (SELECT string_agg(format('%s %s %s %s', a.attname, format_type(a.atttypid, a.atttypmod),
                                               a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid)), E'\n'
                                        ORDER BY a.attnum)
                      FROM pg_attribute a LEFT JOIN pg_attrdef ad
                           ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                     (SELECT string_agg(format('%s %s', co.conname, pg_get_constraintdef(co.oid)), E'\n'
                                        ORDER BY co.conname)
                      FROM pg_constraint co WHERE co.conrelid = c.oid),
                     (SELECT string_agg(pg_get_indexdef(i.indexrelid), E'\n' ORDER BY 1)
                      FROM pg_index i WHERE i.indrelid = c.oid),
                     (SELECT string_agg(pg_get_triggerdef(t.oid), E'\n' ORDER BY t.tgname)
                      FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal),
                     (SELECT string_agg(format('%s %s %s %s %s', po.polname, po.polcmd, po.polroles::text,
                                               pg_get_expr(po.polqual, po.polrelid),
                                               pg_get_expr(po.polwithcheck, po.polrelid)), E'\n'
                                        ORDER BY po.polname)
                      FROM pg_policy po WHERE po.polrelid = c.oid))
    FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    UNION ALL
    SELECT 'type', pg_describe_object(m.classid, m.objid, 0),
           concat_ws(E'\n', t.typtype::text, t.typacl::text,
                     (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                      FROM pg_enum e WHERE e.enumtypid = t.oid),
                     obj_description(t.oid, 'pg_type'))
    FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
    UNION ALL
    SELECT 'other', pg_describe_object(m.classid, m.objid, m.objsubid), NULL
    FROM members m
    WHERE m.classid NOT IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_type'::regclass)
    UNION ALL
    SELECT 'schema', n.nspname, concat_ws(E'\n', n.nspacl::text, obj_description(n.oid, 'pg_namespace'))
    FROM pg_namespace n WHERE n.nspname = 'segment'
    UNION ALL
    SELECT 'config', e.extname,
           (SELECT string_agg(format('%s %s', c::regclass, w), E'\n' ORDER BY 1)
            FROM unnest(e.extconfig, e.extcondition) AS x(c, w))
    FROM pg_extension e WHERE e.extname = 'segment'
) objects
ORDER BY kind, identity
"""

# Models of every kind 0.1.0 could save, and what they predict.
MAKE_MODELS = """
CREATE TABLE customers AS SELECT * FROM segment.simulate_customers(1500);
SELECT segment.save_model('scaler', segment.scaler_fit(ARRAY[monthly_spending, tenure])) FROM customers;
SELECT segment.save_model('features', segment.preprocess_fit('customers',
       '{monthly_spending,engagement_score,tenure}'));
SELECT count(*) FROM segment.kmeans_fit('personas', 'customers',
       ARRAY['monthly_spending', 'engagement_score', 'purchase_frequency'], k => '{3}', n_init => 2);
SELECT segment.segment_train('tiers', 'customers', 'customer_segment', exclude => '{customer_id}',
       hidden => '{16}', epochs => 5, balance => 'none');
"""

PREDICTIONS = """
SELECT customer_id,
       segment.segment_predict('personas', c), segment.segment_predict('tiers', c),
       segment.segment_predict_proba('tiers', c)::text,
       segment.preprocess(segment.model('features'), c),
       segment.scale(segment.model('scaler'), ARRAY[monthly_spending, tenure])
FROM customers c ORDER BY customer_id
"""

REGISTRY = "SELECT name, version, kind, deployed, model FROM segment.models ORDER BY name, version"

# Under 0.1.0, roles wrote segment.models through their table privileges:
# one role saves a model and stays, another saves one and is dropped.
ANALYST, GONE = "regress_upgrade_analyst", "regress_upgrade_gone"
# What 0.1.0's segment_train stored as the spec of 'tiers' (this library
# writes 0.2.0's form even under 0.1.0's declarations; the upgrade must
# convert the old form, which databases of 0.1.0 hold).
SPEC_0_1_0 = """
UPDATE segment.models SET spec = '{"relation": "public.customers", "label": "customer_segment",
  "features": ["monthly_spending", "engagement_score", "tenure", "complaint_count",
               "purchase_frequency", "discount_usage"],
  "arguments": {"hidden": [16], "dropout": 0.2, "batch_norm": true, "l2": 0.0001, "epochs": 5,
                "batch_size": 32, "learning_rate": 0.001, "patience": 10, "balance": "none"},
  "test_size": 0.2, "validation_size": 0.1, "search": null, "trials": 20, "seed": 42,
  "split_seed": 42, "deploy": "if_better"}'
WHERE name = 'tiers'
"""

MAKE_FOREIGN_MODELS = f"""
CREATE ROLE {ANALYST};
CREATE ROLE {GONE};
GRANT SELECT, INSERT, UPDATE, DELETE ON segment.models TO {ANALYST}, {GONE};
GRANT SELECT ON customers TO {ANALYST}, {GONE};
SET ROLE {ANALYST};
SELECT segment.save_model('analyst_scaler', segment.scaler_fit(ARRAY[tenure])) FROM customers;
SET ROLE {GONE};
SELECT segment.save_model('orphan_scaler', segment.scaler_fit(ARRAY[tenure])) FROM customers;
RESET ROLE;
REVOKE ALL ON segment.models FROM {GONE};
REVOKE ALL ON customers FROM {GONE};
DROP ROLE {GONE};
"""


def fresh_database(admin, name):
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name}")


@pytest.fixture(scope="module")
def databases():
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    for role in (ANALYST, GONE):
        admin.execute(f"DROP ROLE IF EXISTS {role}")
    fresh_database(admin, "segment_upgrade_old")
    fresh_database(admin, "segment_upgrade_new")
    old = psycopg.connect(dbname="segment_upgrade_old", autocommit=True)
    new = psycopg.connect(dbname="segment_upgrade_new", autocommit=True)
    old.execute(f"CREATE EXTENSION segment VERSION '{OLD}'")
    new.execute("CREATE EXTENSION segment")
    yield old, new
    old.close()
    new.close()
    admin.execute("DROP DATABASE segment_upgrade_old")
    admin.execute("DROP DATABASE segment_upgrade_new")
    admin.execute(f"DROP ROLE IF EXISTS {ANALYST}")
    admin.close()


def test_update_keeps_models_and_matches_a_new_install(databases):
    old, new = databases
    old.execute("SET client_min_messages = warning")
    for statement in MAKE_MODELS.strip().split(";\n"):
        old.execute(statement)
    old.execute(SPEC_0_1_0)
    for statement in MAKE_FOREIGN_MODELS.strip().split(";\n"):
        old.execute(statement)
    registry_before = old.execute(REGISTRY).fetchall()
    predictions_before = old.execute(PREDICTIONS).fetchall()
    assert len(registry_before) == 6
    assert len(predictions_before) == 1500

    old.execute("ALTER EXTENSION segment UPDATE")
    version = old.execute("SELECT extversion FROM pg_extension WHERE extname = 'segment'").fetchone()[0]
    default = new.execute("SELECT extversion FROM pg_extension WHERE extname = 'segment'").fetchone()[0]
    assert version == default

    # a new connection, so that nothing decoded under 0.1.0 is reused
    with psycopg.connect(dbname="segment_upgrade_old") as fresh:
        assert fresh.execute(REGISTRY).fetchall() == registry_before
        assert fresh.execute(PREDICTIONS).fetchall() == predictions_before

        # a name belongs to the creator of its first version, or to the
        # registry's owner when that role is gone
        owners = fresh.execute("SELECT name, owner::text, created_by::text, current_user::text "
                               "FROM segment.models ORDER BY name, version").fetchall()
        assert [(n, o) for n, o, _, _ in owners] == [
            ("analyst_scaler", ANALYST), ("features", owners[0][3]), ("orphan_scaler", owners[0][3]),
            ("personas", owners[0][3]), ("scaler", owners[0][3]), ("tiers", owners[0][3])]
        assert all(o == c for n, o, c, _ in owners if n != "orphan_scaler")
        # the role that could read and write segment.models may now predict
        # with every other role's model by name, and write nothing directly
        grants = fresh.execute("SELECT name, grantee::text FROM segment.model_grants "
                               "ORDER BY name").fetchall()
        assert grants == [(n, ANALYST) for n in ("features", "orphan_scaler", "personas", "scaler", "tiers")]
        assert fresh.execute(f"SELECT has_table_privilege('{ANALYST}', 'segment.models', 'INSERT, UPDATE, DELETE')"
                             ).fetchone()[0] is False
        # the spec 0.1.0's segment_train stored retrains under 0.2.0
        spec = fresh.execute("SELECT spec FROM segment.models WHERE name = 'tiers'").fetchone()[0]
        assert spec["function"] == "segment_train"
        assert spec["arguments"]["relation"] == "public.customers"
        assert spec["arguments"]["hidden"] == [16] and spec["arguments"]["epochs"] == 5
        fresh.execute("SET client_min_messages = warning")
        report = fresh.execute("SELECT segment.retrain('tiers', deploy => 'never')").fetchone()[0]
        assert (report["version"], report["deployed"]) == (2, False)
        fresh.rollback()

    updated = old.execute(DESCRIBE).fetchall()
    installed = new.execute(DESCRIBE).fetchall()
    only_updated = sorted(set(updated) - set(installed))
    only_installed = sorted(set(installed) - set(updated))
    assert (only_updated, only_installed) == ([], [])
