-- the model registry: versions, deployment, dropping, lookups
SET search_path = segment, public;
\set VERBOSITY terse

CREATE TEMP TABLE fits AS
SELECT scaler_fit(ARRAY[x]::float8[]) AS a, scaler_fit(ARRAY[x, x]::float8[]) AS b
FROM generate_series(1, 5) x;

-- the first version of a name is deployed; later ones when asked
SELECT save_model('spend', a) FROM fits;
SELECT save_model('spend', b, '{"note": "second"}', '{"rows": 5}', deploy => false) FROM fits;
SELECT save_model('spend', a, deploy => true) FROM fits;
SELECT save_model('other', b) FROM fits;
SELECT name, version, kind, deployed, spec, metrics, created_by = current_user AS mine,
	   owner = current_user::text::regrole AS owned
FROM models ORDER BY name, version;

-- exactly one deployed version per name
SELECT deploy('spend', 2);
SELECT name, version, deployed FROM models WHERE name = 'spend' ORDER BY version;
SELECT model('spend') = (SELECT b FROM fits) AS deployed_is_v2;
SELECT model('spend', 1) = (SELECT a FROM fits) AS v1_bytes;
UPDATE models SET deployed = true WHERE name = 'spend' AND version = 1;

-- unknown names and versions
SELECT deploy('spend', 9);
SELECT deploy('nope', 1);
SELECT model('nope');
SELECT model('spend', 9);
SELECT drop_model('nope');
SELECT drop_model('spend', 9);

-- dropping: not the deployed version while others remain
SELECT drop_model('spend', 2);
SELECT drop_model('spend', 1);
SELECT name, version, deployed FROM models WHERE name = 'spend' ORDER BY version;
SELECT drop_model('spend');
SELECT drop_model('other', 1);
SELECT count(*) FROM models;

-- nothing damaged or mislabelled gets in
SELECT save_model('bad', '\xdeadbeef');
SELECT save_model(NULL, a) FROM fits;
SELECT save_model('', a) FROM fits;
-- (a superuser's direct INSERT still meets the table's checks)
INSERT INTO models (name, version, kind, model, owner) SELECT 'bad', 1, 'kmeans', a, current_user::text::regrole FROM fits;
-- deploy => NULL is neither true nor false
SELECT save_model('bad', a, deploy => NULL) FROM fits;
SELECT deploy('spend', NULL);
SELECT deploy('nope', 0);
SELECT model(NULL);
SELECT count(*) FROM models;

-- the registry is part of what pg_dump saves
SELECT e.extname, c.relname
FROM pg_extension e, unnest(e.extconfig) cfg(oid) JOIN pg_class c ON c.oid = cfg.oid
WHERE e.extname = 'segment';
