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

# ... and what 0.1.0's kmeans_fit stored as the spec of 'personas'.
KMEANS_SPEC_0_1_0 = """
UPDATE segment.models SET spec = '{"function": "kmeans_fit", "relation": "customers",
  "columns": ["monthly_spending", "engagement_score", "purchase_frequency"], "k": [3], "n_init": 2,
  "max_iter": 300, "tol": 0.0001, "seed": 42, "streaming": false, "silhouette_sample": 10000,
  "init": null}'
WHERE name = 'personas'
"""

# A k-means model as segment 0.1.0 wrote it (test/fuzz/seeds/kmeans_model.bin:
# codec version 1, columns age, income and score, k = 3), saved by bytes.
LEGACY_KMEANS = (
    "5345474d0100030000000000b7000000be4cd13d01030000000300000061676500000000cdcccccccc6c4340"
    "eff4eaa03ade2b4006000000696e636f6d65000000004ae17a14ae474e40dc1b7029f0323a40050000007363"
    "6f72650000000099999999991949406ff69d1646c2394003000000030000003317cc7f0b9072400e000000a1"
    "12f8d0940ca33ffdca1fa305afef3f5a87ce1d2605f3bf26a39086e998ef3f7f21632f05b2e1bfe082601cc5"
    "ffdabff231a3c2fcede7bf5eef620c9f66773fb9d0be13228fe93f")
MAKE_LEGACY_KMEANS = f"""
SELECT segment.save_model('legacy_km', decode('{LEGACY_KMEANS}', 'hex'));
CREATE TABLE legacy_rows AS
SELECT i AS id, 20 + (i * 7) % 50 AS age, 15 + (i * 13) % 120 AS income, 1 + (i * 17) % 99 AS score
FROM generate_series(1, 300) i
"""
LEGACY_PREDICTIONS = """
SELECT id, age, income, score, segment.segment_predict('legacy_km', r)
FROM legacy_rows r ORDER BY id
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
    old.execute(KMEANS_SPEC_0_1_0)
    for statement in MAKE_LEGACY_KMEANS.strip().split(";\n"):
        old.execute(statement)
    for statement in MAKE_FOREIGN_MODELS.strip().split(";\n"):
        old.execute(statement)
    registry_before = old.execute(REGISTRY).fetchall()
    predictions_before = old.execute(PREDICTIONS).fetchall()
    legacy_before = old.execute(LEGACY_PREDICTIONS).fetchall()
    assert len(registry_before) == 7
    assert len(predictions_before) == 1500

    old.execute("ALTER EXTENSION segment UPDATE")
    version = old.execute("SELECT extversion FROM pg_extension WHERE extname = 'segment'").fetchone()[0]
    default = new.execute("SELECT extversion FROM pg_extension WHERE extname = 'segment'").fetchone()[0]
    assert version == default

    # a new connection, so that nothing decoded under 0.1.0 is reused
    with psycopg.connect(dbname="segment_upgrade_old") as fresh:
        assert fresh.execute(REGISTRY).fetchall() == registry_before
        assert fresh.execute(PREDICTIONS).fetchall() == predictions_before
        assert fresh.execute(LEGACY_PREDICTIONS).fetchall() == legacy_before
        # 0.1.0's k-means bytes predict the nearest centroid, numbered as 0.1.0 numbered them
        info = fresh.execute("SELECT segment.model_info(segment.model('legacy_km'))").fetchone()[0]
        cols = info["preprocessor"]["columns"]
        centroids = info["centroids"]
        for _, age, income, score, label in legacy_before:
            x = [(v - c["mean"]) / c["scale"] for v, c in zip((age, income, score), cols)]
            d = [sum((x[t] - centroids[j * 3 + t]) ** 2 for t in range(3)) for j in range(3)]
            assert int(label) == d.index(min(d))

        # a name belongs to the creator of its first version, or to the
        # registry's owner when that role is gone
        owners = fresh.execute("SELECT name, owner::text, created_by::text, current_user::text "
                               "FROM segment.models ORDER BY name, version").fetchall()
        assert [(n, o) for n, o, _, _ in owners] == [
            ("analyst_scaler", ANALYST), ("features", owners[0][3]), ("legacy_km", owners[0][3]),
            ("orphan_scaler", owners[0][3]), ("personas", owners[0][3]), ("scaler", owners[0][3]),
            ("tiers", owners[0][3])]
        assert all(o == c for n, o, c, _ in owners if n != "orphan_scaler")
        # the role that could read and write segment.models may now predict
        # with every other role's model by name, and write nothing directly
        grants = fresh.execute("SELECT name, grantee::text FROM segment.model_grants "
                               "ORDER BY name").fetchall()
        assert grants == [(n, ANALYST) for n in ("features", "legacy_km", "orphan_scaler", "personas",
                                                 "scaler", "tiers")]
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
        # and so does 0.1.0's kmeans_fit spec, its relation qualified
        spec = fresh.execute("SELECT spec FROM segment.models WHERE name = 'personas'").fetchone()[0]
        assert spec["function"] == "kmeans_fit"
        assert spec["arguments"]["relation"] == "public.customers"
        assert spec["arguments"]["k"] == [3] and spec["arguments"]["streaming"] is None
        fresh.execute("SET client_min_messages = warning")
        report = fresh.execute("SELECT segment.retrain('personas', deploy => 'never')").fetchone()[0]
        assert (report["version"], report["deployed"]) == (2, False)
        # the refit numbers its clusters as the 0.1.0 model did (same data, same seed)
        assert [p["distance"] < 1e-9 for p in report["identity"]["pairs"]] == [True] * 3
        fresh.rollback()
        # a 0.1.0 k-means model has personas from its centroids, numbered as it predicts
        rows = fresh.execute("SELECT segment.segment_predict('legacy_km', r)::int = (segment.persona('legacy_km', r)).cluster, "
                             "(segment.persona('legacy_km', r)).label FROM legacy_rows r").fetchall()
        assert len(rows) == 300 and all(same for same, _ in rows)
        assert len({label for _, label in rows}) == 3
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="has no stored personas"):
            fresh.execute("SELECT segment.set_persona('legacy_km', 0, 'Young savers')")
        fresh.rollback()

    updated = old.execute(DESCRIBE).fetchall()
    installed = new.execute(DESCRIBE).fetchall()
    only_updated = sorted(set(updated) - set(installed))
    only_installed = sorted(set(installed) - set(updated))
    assert (only_updated, only_installed) == ([], [])
