-- k-means personas and operations: preprocessing, the choice of k, display
-- names and roles, the stored profile, segment.persona(), set_persona(),
-- cluster numbers kept across refits, deploy policies, retrain
CREATE SCHEMA km_ops;
SET search_path = km_ops, segment, public;
SET extra_float_digits = 0;
\set VERBOSITY terse

-- 120 customers in four groups: big, frequent and recent buyers; big but
-- lapsing; small and recent; small and lapsing.  Regions follow the
-- groups; some regions and purchase counts are missing.
CREATE TABLE buyers AS
SELECT i AS id,
	   (ARRAY[900, 600, 60, 200])[1 + i % 4] + (i * 37) % 50 AS total_spent,
	   CASE WHEN i % 17 = 0 THEN NULL ELSE (ARRAY[30, 20, 3, 5])[1 + i % 4] + (i * 11) % 4 END
		 AS num_purchases,
	   ((ARRAY[10, 150, 40, 200])[1 + i % 4] + (i * 7) % 9)::float8 AS last_purchase_days,
	   CASE WHEN i % 10 = 0 THEN NULL ELSE (ARRAY['north', 'south', 'east', 'west'])[1 + i % 4] END
		 AS region
FROM generate_series(1, 120) i;
COMMENT ON COLUMN buyers.total_spent IS 'spend';
COMMENT ON COLUMN buyers.num_purchases IS
	'Number of purchases the customer made over the whole period of observation, all channels';

-- text and NULLs are preprocessed as segment_train does: one-hot regions
-- (a missing one is its own category), mean-imputed purchase counts
SET client_min_messages = warning;
SELECT k, chosen, report->'structure' AS structure, report->'rule' AS rule
FROM kmeans_fit('buyers', 'buyers', '{total_spent,num_purchases,last_purchase_days,region}',
				k => '{4}',
				roles => '{"monetary": "total_spent", "frequency": "num_purchases", "recency": "last_purchase_days"}');
RESET client_min_messages;
SELECT preprocess_names(model('buyers'));
-- the profile stored at fit time: sizes, shares, labels (display names: a
-- short comment, the column name for a long one) and actions
SELECT cluster, size, share, label, action, label_edited, action_edited FROM personas('buyers');
-- means in original units; a one-hot output's mean is the share of its category
SELECT cluster, round((means->>'total_spent')::numeric, 2) AS spend,
	   round((means->>'num_purchases')::numeric, 2) AS purchases,
	   round((means->>'region=north')::numeric, 3) AS north,
	   round((means->>'region=NULL')::numeric, 3) AS missing
FROM personas('buyers') ORDER BY cluster;
-- the stored means are the clusters' means of the training rows (NULLs imputed)
SELECT p.cluster, round((p.means->>'total_spent')::numeric, 6) = round(avg(b.total_spent), 6) AS spend_mean,
	   round((p.means->>'region=south')::numeric, 6) =
		 round(avg((b.region IS NOT DISTINCT FROM 'south')::int), 6) AS south_share
FROM buyers b JOIN personas('buyers') p ON p.cluster = segment_predict('buyers', b)::int
GROUP BY p.cluster, p.means ORDER BY 1;
-- persona() per row, by name and by value: the cluster segment_predict gives
SELECT count(*) AS rows,
	   bool_and((persona('buyers', b)).cluster = segment_predict('buyers', b)::int) AS same_cluster,
	   bool_and(persona('buyers', b) = persona(model('buyers'), b)) AS same_by_value,
	   count(DISTINCT (persona('buyers', b)).label) AS labels
FROM buyers b;
SELECT (persona('buyers', b)).* FROM buyers b WHERE id IN (4, 5, 6, 7) ORDER BY id;
-- a row with NULLs is imputed as in training
SELECT (persona('buyers', r)).action
FROM (SELECT 880 AS total_spent, NULL::int AS num_purchases, 12.0::float8 AS last_purchase_days,
			 NULL::text AS region) r;
-- centroids and segment_predict_proba use the same numbers
SELECT array_agg(DISTINCT cluster ORDER BY cluster) AS centroid_clusters FROM centroids('buyers');
SELECT array_agg(k ORDER BY k) AS proba_keys
FROM jsonb_object_keys((SELECT segment_predict_proba('buyers', b) FROM buyers b LIMIT 1)) k;
-- the stored metrics and the spec: every argument by name
SELECT metrics->'structure' AS structure, jsonb_array_length(metrics->'clusters') AS clusters,
	   metrics->'identity'->>'reason' AS identity, metrics->'deployment'->>'reason' AS deployment
FROM models WHERE name = 'buyers';
SELECT spec->>'function' AS function, jsonb_object_keys(spec->'arguments') AS argument
FROM models WHERE name = 'buyers' ORDER BY 2;

-- labels wins over comments; a comment on several lines or too long is not used
SET client_min_messages = warning;
SELECT k FROM kmeans_fit('named', 'buyers', '{total_spent,num_purchases,region}', k => '{4}',
						 labels => '{"region": "area", "num_purchases": "orders", "total_spent": "amount"}')
WHERE chosen;
RESET client_min_messages;
SELECT cluster, label FROM personas('named');
COMMENT ON COLUMN buyers.total_spent IS 'two
lines';
SET client_min_messages = warning;
SELECT k FROM kmeans_fit('named', 'buyers', '{total_spent,last_purchase_days}', k => '{4}') WHERE chosen;
RESET client_min_messages;
SELECT cluster, label, action FROM personas('named');
COMMENT ON COLUMN buyers.total_spent IS 'spend';

-- choose => 'elbow': the k at the knee of the inertia curve (the metrics' elbow_k)
SET client_min_messages = warning;
SELECT k, chosen, report->>'rule' AS rule, report->'elbow_k' AS elbow_k
FROM kmeans_fit('elbow', 'buyers', '{total_spent,num_purchases,last_purchase_days}',
				k => '{1,2,3,4,5,6,7,8}', choose => 'elbow') WHERE chosen;
-- with fewer than three k there is no elbow: the silhouette decides, and says so
SELECT k, report->>'rule' AS rule
FROM kmeans_fit('elbow', 'buyers', '{total_spent,num_purchases}', k => '{2,3}', choose => 'elbow')
WHERE chosen;
RESET client_min_messages;

-- no cluster structure (one Gaussian cloud in six dimensions): a WARNING,
-- and the report and metrics say so
SELECT setseed(0.25);
CREATE TABLE flat AS
SELECT i AS id, g[1] AS x1, g[2] AS x2, g[3] AS x3, g[4] AS x4, g[5] AS x5, g[6] AS x6
FROM generate_series(1, 300) i,
	 LATERAL (SELECT array_agg(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS g
			  FROM generate_series(1, 6) WHERE i > 0) n;
SET client_min_messages = warning;
SELECT k, chosen, round(silhouette::numeric, 3) AS silhouette, report->'structure' AS structure,
	   report->'warnings' AS warnings
FROM kmeans_fit('flat', 'flat', '{x1,x2,x3,x4,x5,x6}', k => '{2,3,4}') WHERE chosen;
RESET client_min_messages;
SELECT metrics->'structure' AS structure FROM models WHERE name = 'flat';

-- stable numbers: a customer keeps its cluster number and edited persona
-- when the data change a little and the model is fitted again
SELECT (persona('buyers', b)).cluster AS c42 FROM buyers b WHERE id = 42 \gset
SELECT set_persona('buyers', :c42, 'Loyal big spenders', 'VIP care') AS version;
SELECT version, deployed FROM models WHERE name = 'buyers' ORDER BY version;
SELECT cluster, label, action, label_edited, action_edited FROM personas('buyers')
WHERE cluster = :c42;
UPDATE buyers SET total_spent = total_spent * 1.02 + 1 WHERE id % 3 = 0;
SET client_min_messages = warning;
SELECT k, report->'identity'->'pairs' IS NOT NULL AS paired,
	   jsonb_array_length(report->'identity'->'pairs') AS pairs,
	   report->'identity'->'new_clusters' AS new_clusters, report->'identity'->'against_version' AS against
FROM kmeans_fit('buyers', 'buyers', '{total_spent,num_purchases,last_purchase_days,region}',
				k => '{4}',
				roles => '{"monetary": "total_spent", "frequency": "num_purchases", "recency": "last_purchase_days"}')
WHERE chosen;
RESET client_min_messages;
SELECT (persona('buyers', b)).* FROM buyers b WHERE id = 42;
SELECT bool_and((metrics->'identity'->'pairs'->i->>'distance')::float8 < 0.5) AS close_pairs
FROM models, generate_series(0, 3) i WHERE name = 'buyers' AND deployed;
-- a genuinely new group of customers is a new cluster, numbered above every number used
INSERT INTO buyers
SELECT 1000 + i, 5000 + i, 90, 5, 'north' FROM generate_series(1, 30) i;
SET client_min_messages = warning;
SELECT report->'identity'->'new_clusters'->0->'cluster' AS new_cluster,
	   (report->'identity'->'new_clusters'->0->>'nearest_distance')::float8 > 1 AS far,
	   jsonb_array_length(report->'identity'->'pairs') AS pairs
FROM kmeans_fit('buyers', 'buyers', '{total_spent,num_purchases,last_purchase_days,region}',
				k => '{5}',
				roles => '{"monetary": "total_spent", "frequency": "num_purchases", "recency": "last_purchase_days"}')
WHERE chosen;
RESET client_min_messages;
SELECT (persona('buyers', b)).cluster AS new_group, count(*) FROM buyers b WHERE id > 1000 GROUP BY 1;
SELECT (persona('buyers', b)).* FROM buyers b WHERE id = 42;
-- fewer clusters: the deployed ones nothing pairs with are retired
SET client_min_messages = warning;
SELECT report->'identity'->'retired_clusters' AS retired
FROM kmeans_fit('buyers', 'buyers', '{total_spent,num_purchases,last_purchase_days,region}',
				k => '{2}', deploy => 'never') WHERE chosen;
RESET client_min_messages;

-- deploy policies
SET client_min_messages = warning;
SELECT report->'deployed' AS deployed, report->>'deploy_reason' AS reason
FROM kmeans_fit('policy', 'buyers', '{total_spent,num_purchases}', k => '{2}', deploy => 'never')
WHERE chosen;
SELECT report->'deployed' AS deployed, report->>'deploy_reason' AS reason
FROM kmeans_fit('policy', 'buyers', '{total_spent,num_purchases}', k => '{4}', deploy => 'if_better')
WHERE chosen;
-- a worse fit (one iteration from poor initial centres) is kept out; both
-- silhouettes are on the same sampled rows
SELECT report->'deployed' AS deployed, report->'deployment'->'rows' AS rows,
	   (report->'deployment'->>'new_score')::float8 < (report->'deployment'->>'previous_score')::float8
		 AS worse
FROM kmeans_fit('policy', 'buyers', '{total_spent,num_purchases}', k => '{4}', deploy => 'if_better',
				init => '{{0,0},{1,1},{2,2},{5000,90}}', max_iter => 1)
WHERE chosen;
-- the deployed one still predicts
SELECT count(DISTINCT segment_predict('policy', b)) AS clusters FROM buyers b;
-- a deployed version that reads other columns cannot be compared: replaced, and the reason says why
SELECT report->'deployed' AS deployed, report->>'deploy_reason' AS reason
FROM kmeans_fit('policy', 'buyers', '{total_spent}', k => '{2}', deploy => 'if_better') WHERE chosen;
RESET client_min_messages;
SELECT version, deployed FROM models WHERE name = 'policy' ORDER BY version;
SELECT function, status, version, deployed, previous_version, score,
	   new_score IS NOT NULL AS has_new, previous_score IS NOT NULL AS has_previous
FROM training_history('policy') ORDER BY run;

-- retraining repeats kmeans_fit with the stored arguments, as the owner
SET client_min_messages = warning;
SELECT r->'skipped' AS skipped, r->'same_as_version' AS same_as
FROM (SELECT retrain('policy') AS r) s;
UPDATE buyers SET total_spent = total_spent + 1 WHERE id = 7;
SELECT r->'version' AS version, r->'deployed' AS deployed,
	   r->>'deploy_reason' LIKE 'on the same 150 sampled rows, in the new version''s standardised space, silhouette % >= the deployed version 4''s %'
		 AS compared
FROM (SELECT retrain('policy', deploy => 'if_better') AS r) s;
-- skip_if_unchanged for an explicit call
SELECT report->'skipped' AS skipped, k
FROM kmeans_fit('policy', 'buyers', '{total_spent}', k => '{2}', skip_if_unchanged => true);
RESET client_min_messages;
SELECT function, status, score FROM training_history('policy') ORDER BY run DESC LIMIT 3;

-- bad input: kmeans_fit's new arguments
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', preprocess => NULL);
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', choose => 'gap');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', choose => NULL);
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', deploy => 'sometimes');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', deploy => NULL);
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', skip_if_unchanged => NULL);
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', labels => '["spend"]');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', labels => '{"nope": "x"}');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', labels => '{"region": "x"}');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', labels => '{"total_spent": 3}');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', labels => '{"total_spent": ""}');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}',
						 labels => jsonb_build_object('total_spent', repeat('x', 65)));
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', roles => '"total_spent"');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', roles => '{"value": "total_spent"}');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', roles => '{"monetary": "nope"}');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent}', roles => '{"monetary": 1}');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent,region}', roles => '{"monetary": "region"}');
SELECT * FROM kmeans_fit('bad', 'buyers', '{total_spent,region}', k => '{2}', init => '{{1,2},{3,4}}');
SELECT count(*) AS bad_models FROM models WHERE name = 'bad';

-- bad input: persona, personas, set_persona
CREATE TABLE labelled AS SELECT id, total_spent, (total_spent > 400) AS big FROM buyers;
SELECT segment_train('classes', 'labelled', 'big', features => '{total_spent}', model => 'logistic')
	->'version' AS version;
SELECT save_model('by_arrays', kmeans_fit(ARRAY[total_spent::float8], 2 ORDER BY id)) FROM buyers;
SELECT persona('no_such_model', b) FROM buyers b LIMIT 1;
SELECT persona('classes', l) FROM labelled l LIMIT 1;
SELECT persona(model('classes'), l) FROM labelled l LIMIT 1;
SELECT persona('by_arrays', b) FROM buyers b LIMIT 1;
SELECT persona(NULL::text, b) IS NULL AS strict FROM buyers b LIMIT 1;
SELECT persona('\x00'::bytea, b) FROM buyers b LIMIT 1;
SELECT * FROM personas('no_such_model');
SELECT * FROM personas('buyers', 99);
SELECT * FROM personas(NULL::text);
SELECT * FROM personas('classes');
SELECT cluster, size, label FROM personas('by_arrays');
SELECT set_persona('no_such_model', 0, 'x');
SELECT set_persona('buyers', NULL, 'x');
SELECT set_persona(NULL, 0, 'x');
SELECT set_persona('buyers', 99, 'x');
SELECT set_persona('buyers', -1, 'x');
SELECT set_persona('buyers', 0, NULL, NULL);
SELECT set_persona('buyers', 0, '');
SELECT set_persona('buyers', 0, '   ');
SELECT set_persona('buyers', 0, repeat('x', 256));
SELECT set_persona('buyers', 0, 'two
lines');
SELECT set_persona('buyers', 0, 'fine', '');
SELECT set_persona('buyers', 0, 'x', version => 99);
SELECT set_persona('classes', 0, 'x');
SELECT set_persona('by_arrays', 0, 'x');
-- the longest label is kept
SELECT set_persona('buyers', 0, repeat('x', 255)) AS edited \gset
SELECT length(label) FROM personas('buyers', :edited) WHERE cluster = 0;
-- an edit of a version that is not deployed is not deployed
SELECT max(version) AS undeployed FROM models WHERE name = 'buyers' AND NOT deployed \gset
SELECT min(cluster) AS first FROM personas('buyers', :undeployed) \gset
SELECT set_persona('buyers', :first, 'Bargain hunters', version => :undeployed) AS edited \gset
SELECT deployed, (SELECT label FROM personas('buyers', :edited) WHERE cluster = :first) AS label
FROM models WHERE name = 'buyers' AND version = :edited;

-- who may: a grant to predict reads personas per row, not the profile or edits
CREATE ROLE regress_km_reader;
GRANT USAGE ON SCHEMA km_ops TO regress_km_reader;
GRANT SELECT ON buyers TO regress_km_reader;
SELECT grant_predict('buyers', 'regress_km_reader');
SET ROLE regress_km_reader;
SELECT (segment.persona('buyers', b)).cluster IS NOT NULL AS predicts FROM km_ops.buyers b WHERE id = 42;
SELECT * FROM segment.personas('buyers');
SELECT segment.set_persona('buyers', 0, 'mine');
RESET ROLE;

-- leave the shared registry as it was
SELECT count(*) AS dropped FROM (
	SELECT drop_model(name) FROM (SELECT DISTINCT name FROM models
		WHERE name IN ('buyers', 'named', 'elbow', 'flat', 'policy', 'classes', 'by_arrays')) m) d;
DROP OWNED BY regress_km_reader;
DROP ROLE regress_km_reader;
DROP SCHEMA km_ops CASCADE;
