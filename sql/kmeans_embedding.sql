-- k-means on embeddings: kmeans_fit(..., embedding => a pca_fit or
-- autoencoder_fit model) clusters the rows' codes; the model keeps the
-- embedding, so that segment_predict, persona, profile and
-- create_segment_view take raw rows; personas in original units; cluster
-- numbers kept across refits; retrain; the report; models of the previous
-- codec; every bad input.  test/parity compares with scikit-learn.
CREATE SCHEMA km_emb;
SET search_path = km_emb, segment, public;
SET extra_float_digits = 0;
SET client_min_messages = warning;
\set VERBOSITY terse

-- a query's SQLSTATE and message, or "ok" and its first value
CREATE FUNCTION outcome(query text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
	result text;
	state text;
	message text;
BEGIN
	EXECUTE format('SELECT t::text FROM (%s) t LIMIT 1', query) INTO result;
	RETURN 'ok ' || coalesce(left(result, 60), '(no row or NULL)');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
	RETURN state || ' ' || message;
END
$$;

-- 120 customers in four groups (numbers with NULLs, a region with NULLs)
CREATE TABLE cust AS
SELECT i AS id,
	   (ARRAY[900, 600, 60, 200])[1 + i % 4] + (i * 37) % 50 AS total_spent,
	   CASE WHEN i % 17 = 0 THEN NULL ELSE (ARRAY[30, 20, 3, 5])[1 + i % 4] + (i * 11) % 4 END
		 AS num_purchases,
	   ((ARRAY[10, 150, 40, 200])[1 + i % 4] + (i * 7) % 9)::float8 AS last_purchase_days,
	   CASE WHEN i % 10 = 0 THEN NULL ELSE (ARRAY['north', 'south', 'east', 'west'])[1 + i % 4] END
		 AS region
FROM generate_series(1, 120) i;
ALTER TABLE cust ADD PRIMARY KEY (id);
SELECT pca_fit('cust_pca', 'cust', '{total_spent,num_purchases,last_purchase_days,region}',
			   components => 2)->'version' AS pca_version;

-- columns => NULL takes the embedding's columns
SELECT k, round(inertia::numeric, 6) AS inertia, round(silhouette::numeric, 4) AS silhouette, chosen
FROM kmeans_fit('personas', 'cust', NULL, k => '{3,4,5}', embedding => 'cust_pca',
				roles => '{"monetary": "total_spent", "frequency": "num_purchases", "recency": "last_purchase_days"}');
SELECT metrics->'embedding' AS embedding, metrics->'identity'->>'reason' AS numbering
FROM models WHERE name = 'personas' AND version = 1;
-- the spec keeps the name, for retrain
SELECT spec->'arguments'->'embedding' AS embedding, spec->'arguments'->'columns' AS columns,
	   spec->'fingerprint' ? 'embedding' AS fingerprint_has_embedding
FROM models WHERE name = 'personas' AND version = 1;
SELECT model_info(model('personas'))::jsonb->'embedding' AS info,
	   model_info(model('personas'))::jsonb->'n_features' AS centroid_width;

-- personas in original units: the clusters' means of the raw columns
-- (NULLs imputed with the mean, as in training; a region's share)
SELECT cluster, size, label, action FROM personas('personas') ORDER BY cluster;
WITH imputed AS (
	SELECT c.*, coalesce(num_purchases, (SELECT avg(num_purchases) FROM cust)) AS purchases
	FROM cust c)
SELECT p.cluster,
	   abs((p.means->>'total_spent')::float8 - avg(i.total_spent)) < 1e-9 AS spend_mean,
	   abs((p.means->>'num_purchases')::float8 - avg(i.purchases)) < 1e-9 AS purchases_mean,
	   abs((p.means->>'region=south')::float8 - avg((i.region IS NOT DISTINCT FROM 'south')::int)) < 1e-12
		 AS south_share,
	   p.size = count(*) AS size
FROM imputed i JOIN personas('personas') p ON p.cluster = segment_predict('personas', i)::int
GROUP BY p.cluster, p.means, p.size ORDER BY 1;
-- profile() reads the relation again through the embedding: the same clusters
SELECT p.cluster, p.size, p.persona = s.label AS same_label,
	   abs((p.means->>'total_spent')::float8 - (s.means->>'total_spent')::float8) < 1e-9 AS same_spend
FROM profile('personas', 'cust') p JOIN personas('personas') s USING (cluster) ORDER BY 1;

-- a raw row goes through the embedding: its cluster is the nearest
-- centroid (in code space) of project(embedding, row)
CREATE TABLE centres AS
SELECT (model_info(model('personas'))::jsonb->'clusters'->>j)::int AS cluster,
	   ARRAY[(model_info(model('personas'))::jsonb->'centroids'->>(2 * j))::float8,
			 (model_info(model('personas'))::jsonb->'centroids'->>(2 * j + 1))::float8] AS code
FROM generate_series(0, 3) j;
SELECT count(*) AS rows,
	   bool_and(segment_predict('personas', c)::int =
				(SELECT cluster FROM centres
				 ORDER BY ((project('cust_pca', c))[1] - code[1]) ^ 2 +
						  ((project('cust_pca', c))[2] - code[2]) ^ 2 LIMIT 1)) AS nearest_code,
	   bool_and(segment_predict('personas', c) = segment_predict(model('personas'), c)) AS by_value,
	   bool_and((persona('personas', c)).cluster = segment_predict('personas', c)::int) AS persona,
	   bool_and(persona('personas', c) = persona(model('personas'), c)) AS persona_by_value
FROM cust c;
-- a row with NULLs and an unseen region
SELECT (persona('personas', r)).cluster IS NOT NULL AS predicted
FROM (SELECT 880 AS total_spent, NULL::int AS num_purchases, 12.0::float8 AS last_purchase_days,
			 'atlantis'::text AS region) r;
-- distances are in code space, one per cluster
SELECT jsonb_object_keys(segment_predict_proba('personas', c)) AS cluster
FROM cust c WHERE id = 1 ORDER BY 1;
-- by value, the prediction is IMMUTABLE: an expression index
CREATE TABLE model_value AS SELECT model('personas') AS m;
CREATE FUNCTION cluster_of(total_spent int, num_purchases int, last_purchase_days float8,
						   region text) RETURNS int
LANGUAGE sql IMMUTABLE
AS $$ SELECT segment_predict((SELECT m FROM km_emb.model_value), r)::int
	  FROM (SELECT $1 AS total_spent, $2 AS num_purchases, $3 AS last_purchase_days,
			$4 AS region) r $$;
SELECT count(*) FILTER (WHERE cluster_of(total_spent, num_purchases, last_purchase_days, region)
						= segment_predict('personas', c)::int) AS same
FROM cust c;

-- centroids() in original units: the code decoded by the embedding.  On
-- numeric columns a PCA code decodes into the components' span, and that
-- row projects back onto the same code.
CREATE TABLE nums AS
SELECT i AS id, (i % 3) * 10 + (i * 7) % 5 AS a, (i % 3) * 4.0 + (i * 3) % 7 * 0.3 AS b,
	   ((i % 3) * 2 - (i * 5) % 4)::float8 AS c
FROM generate_series(1, 60) i;
SELECT pca_fit('nums_pca', 'nums', '{a,b,c}', components => 2)->'version' AS pca_version;
SELECT k, chosen FROM kmeans_fit('nums_km', 'nums', '{c,a,b}', k => '{3}', embedding => 'nums_pca');
WITH decoded AS (
	SELECT cluster, max(value) FILTER (WHERE feature = 'a') AS a,
		   max(value) FILTER (WHERE feature = 'b') AS b, max(value) FILTER (WHERE feature = 'c') AS c
	FROM centroids('nums_km') GROUP BY cluster),
codes AS (
	SELECT (model_info(model('nums_km'))::jsonb->'clusters'->>j)::int AS cluster,
		   (model_info(model('nums_km'))::jsonb->'centroids'->>(2 * j))::float8 AS c1,
		   (model_info(model('nums_km'))::jsonb->'centroids'->>(2 * j + 1))::float8 AS c2
	FROM generate_series(0, 2) j)
SELECT d.cluster, abs((project('nums_pca', r))[1] - c1) < 1e-9 AND
				  abs((project('nums_pca', r))[2] - c2) < 1e-9 AS projects_back
FROM decoded d JOIN codes USING (cluster),
	 LATERAL (SELECT d.a, d.b, d.c) r ORDER BY 1;

-- segment views read raw rows
SELECT create_segment_view('cust_segments', 'cust', 'personas');
SELECT count(*) AS rows, count(DISTINCT segment) AS segments,
	   bool_and(v.segment = segment_predict('personas', c)::int) AS same
FROM cust_segments v JOIN cust c USING (id);

-- the report names the embedding and still draws the map
SELECT r ~ 'clusters on</th><td>the codes of pca model &quot;cust_pca&quot; version 1 \(2 values per row\)'
		 AS names_embedding,
	   r ~ 'the codes of a seeded sample of the rows' AS map_caption,
	   r ~ '<svg' AS pictures
FROM report('personas') r;
SELECT plot_clusters('personas') ~ '<circle' AS map_drawn;

-- a refit on the same embedding pairs the clusters in its code space
SELECT k, chosen FROM kmeans_fit('personas', 'cust', '{region,total_spent,last_purchase_days,num_purchases}',
								 k => '{4}', seed => 7, embedding => 'cust_pca');
SELECT metrics->'identity'->>'distance' AS space,
	   jsonb_array_length(metrics->'identity'->'pairs') AS pairs,
	   metrics->'identity'->'new_clusters' AS new_clusters
FROM models WHERE name = 'personas' AND version = 2;
SELECT bool_and(a.label = b.label) AS same_labels
FROM personas('personas', 1) a JOIN personas('personas', 2) b USING (cluster);
-- an edited label survives the refit
SELECT set_persona('personas', 2, 'lapsing big spenders') AS version;

-- a new version of the embedding: retrain fits on the version deployed
-- then, and pairs the clusters on their means in original units
SELECT pca_fit('cust_pca', 'cust', '{total_spent,num_purchases,last_purchase_days,region}',
			   components => 3)->'version' AS pca_version;
SELECT r->'embedding'->'version' AS embedding_version, r->'embedding'->'code_size' AS code_size,
	   r->'identity'->>'distance' AS space, jsonb_array_length(r->'identity'->'pairs') AS pairs
FROM retrain('personas') r;
SELECT cluster, label, label_edited FROM personas('personas') WHERE cluster = 2;
-- this version's clusters are not in the order of their numbers: the
-- report's segment table, bars and map name them by number, as
-- segment_predict does
SELECT model_info(model('personas'))::jsonb->'clusters' AS numbers_by_index;
WITH shown AS (
	SELECT m[1]::int AS cluster, m[2] AS persona
	FROM regexp_matches(report('personas'), '<tr><td class="n">([0-9]+)</td><td class="n">[^<]*</td><td class="n">[^<]*</td><td>([^<]*)</td>', 'g') m)
SELECT count(*) AS rows, bool_and(s.persona = p.label) AS numbered_as_personas
FROM shown s JOIN personas('personas') p USING (cluster);
SELECT plot_clusters('personas') ~ '2: lapsing big spenders' AS map_legend_by_number;
-- nothing changed since: retrain adds no version
SELECT r->'skipped' AS skipped FROM retrain('personas') r;

-- from an embedding back to the columns themselves: paired on the means
SELECT k, chosen, report->'identity'->>'distance' AS space,
	   jsonb_array_length(report->'identity'->'pairs') AS pairs
FROM kmeans_fit('personas', 'cust', '{total_spent,num_purchases,last_purchase_days,region}', k => '{4}');

-- deploy => if_better scores both versions in the new version's code space
SELECT report->'deployment'->>'reason' ~ 'code space' AS code_space, report->'deployed' AS deployed
FROM kmeans_fit('personas', 'cust', NULL, k => '{4}', embedding => 'cust_pca', deploy => 'if_better')
WHERE chosen;

-- init gives codes (k x code size)
SELECT k, chosen FROM kmeans_fit('nums_init', 'nums', NULL, k => '{2}', n_init => 1,
								 init => '{{-1, 0}, {1, 0}}', embedding => 'nums_pca');

-- an autoencoder works alike
SELECT autoencoder_fit('cust_ae', 'cust', '{total_spent,num_purchases,last_purchase_days}',
					   code_size => 2, hidden => '{8}', epochs => 30, seed => 3)->'version' AS ae_version;
SELECT k, chosen FROM kmeans_fit('ae_km', 'cust', NULL, k => '{4}', embedding => 'cust_ae');
SELECT metrics->'embedding'->>'kind' AS kind FROM models WHERE name = 'ae_km';
CREATE TABLE ae_centres AS
SELECT (model_info(model('ae_km'))::jsonb->'clusters'->>j)::int AS cluster,
	   ARRAY[(model_info(model('ae_km'))::jsonb->'centroids'->>(2 * j))::float8,
			 (model_info(model('ae_km'))::jsonb->'centroids'->>(2 * j + 1))::float8] AS code
FROM generate_series(0, 3) j;
SELECT bool_and(segment_predict('ae_km', c)::int =
				(SELECT cluster FROM ae_centres
				 ORDER BY ((project('cust_ae', c))[1] - code[1]) ^ 2 +
						  ((project('cust_ae', c))[2] - code[2]) ^ 2 LIMIT 1)) AS nearest_code
FROM cust c;
SELECT report('ae_km') ~ 'the codes of autoencoder model &quot;cust_ae&quot;' AS names_embedding;

-- a model written by the previous codec (version 2, before embeddings)
-- decodes and predicts as it did: its labels and distances, as that
-- build computed them, on the rows it was fitted on
CREATE TABLE pts AS
SELECT i AS id, (ARRAY[1.0, 5.0, 9.0])[1 + i % 3] + (i % 4) * 0.1 AS x,
	   (ARRAY[2.0, 8.0, 4.0])[1 + i % 3] - (i % 5) * 0.1 AS y,
	   (ARRAY['a', 'b', 'c'])[1 + i % 3] AS g
FROM generate_series(1, 12) i;
CREATE TABLE v2 AS SELECT decode(
	'5345474d0100030000000000160200004aa6c1930201030000000100000078000000009999999999991440df7c'
	'7574a8240a400100000079000000006666666666e611400af4a4e99e2d04400100000067020000000300000001'
	'000000610100000062010000006303000000050000004e220dfb0d48a63f02000000000000000080a33c87cd95'
	'9d2a40f53f0000000000000000000000000000f03f0000000000000000f1ac77419e95f3bf9d08f6c43549f1bf'
	'000000000000f03f00000000000000000000000000000000f3ac77419e95f33f4627fec4a6b7cfbf0000000000'
	'0000000000000000000000000000000000f03f000000000100000002000000010c000000000000000400000000'
	'0000009999999999991440cdcccccccc4c1f400000000000000000000000000000f03f00000000000000002f00'
	'000068696768207368617265206f662067203d20622c206869676820792c206c6f77207368617265206f662067'
	'203d206100000400000000000000656666666666f23f010000000000fc3f000000000000f03f00000000000000'
	'0000000000000000002100000068696768207368617265206f662067203d20612c206c6f7720782c206c6f7720'
	'7900000400000000000000cdcccccccc4c2240cdcccccccccc0e40000000000000000000000000000000000000'
	'00000000f03f2f00000068696768207368617265206f662067203d20632c206869676820782c206c6f77207368'
	'617265206f662067203d20610000', 'hex') AS m;
SELECT get_byte(m, 20) AS codec_version, model_kind(m) AS kind FROM v2;
SELECT string_agg(segment_predict(v2.m, p), '' ORDER BY id) = '021021021021' AS same_labels
FROM pts p, v2;
SELECT save_model('v2_model', m) AS version FROM v2;
SELECT string_agg(segment_predict('v2_model', p), '' ORDER BY id) = '021021021021' AS same_by_name
FROM pts p;
SELECT p.id, round((segment_predict_proba('v2_model', p)->>'0')::numeric, 12) AS d0,
	   round((segment_predict_proba('v2_model', p)->>'1')::numeric, 12) AS d1,
	   round((segment_predict_proba('v2_model', p)->>'2')::numeric, 12) AS d2
FROM pts p WHERE id <= 3 ORDER BY id;
SELECT cluster, size, label FROM personas((SELECT m FROM v2)) ORDER BY cluster;
-- a model without an embedding is still written as version 2
SELECT k FROM kmeans_fit('nums_plain', 'nums', '{a,b,c}', k => '{3}') WHERE chosen;
SELECT get_byte(model('nums_plain'), 20) AS codec_version;
SELECT version, get_byte(model, 20) AS codec_version, metrics ? 'embedding' AS on_embedding
FROM models WHERE name = 'personas' ORDER BY version;

-- bad inputs
CREATE TABLE few AS SELECT * FROM cust WHERE id <= 3;
CREATE TABLE other AS SELECT id, total_spent FROM cust;
CREATE TABLE labelled AS
SELECT id, total_spent, last_purchase_days, (id % 3 = 0)::text AS loyal FROM cust;
SELECT segment_train('cust_cls', 'labelled', 'loyal', exclude => '{id}', hidden => '{4}',
					 epochs => 2)->'version' AS classifier_version;
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}', embedding => 'no_such_model')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}', embedding => 'cust_cls')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}', embedding => 'personas')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}', embedding => '')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}', embedding => 'bad')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', '{total_spent,region}', k => '{2}', embedding => 'cust_pca')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', '{total_spent,num_purchases,last_purchase_days,region,id}', k => '{2}', embedding => 'cust_pca')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', '{total_spent,total_spent,last_purchase_days,region}', k => '{2}', embedding => 'cust_pca')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'other', NULL, k => '{2}', embedding => 'cust_pca')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'few', NULL, k => '{5}', embedding => 'cust_pca')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}', preprocess => false, embedding => 'cust_pca')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}', streaming => true, embedding => 'cust_pca')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}', init => '{{1,2},{3,4}}', embedding => 'cust_pca')$$);
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'cust', NULL, k => '{2}', labels => '{"id": "key"}', embedding => 'cust_pca')$$);
CREATE TABLE no_rows AS SELECT * FROM cust WHERE false;
SELECT outcome($$SELECT * FROM kmeans_fit('bad', 'no_rows', NULL, k => '{2}', embedding => 'cust_pca')$$);
-- damaged bytes of a model on an embedding: cut short, or one byte changed
SELECT outcome($$SELECT segment_predict(substr(model('personas'), 1, length(model('personas')) - 8), c) FROM cust c LIMIT 1$$);
SELECT outcome($$SELECT segment_predict(set_byte(model('personas'), 60, get_byte(model('personas'), 60) # 255), c) FROM cust c LIMIT 1$$);
SELECT outcome($$SELECT * FROM personas(substr(model('personas'), 1, 40))$$);
SELECT count(*) AS bad_versions FROM models WHERE name = 'bad';
-- retrain keeps the columns given: an embedding refitted on other columns no longer fits them
SELECT pca_fit('nums_pca', 'nums', '{a,b}', components => 1)->'version' AS pca_version;
SELECT outcome($$SELECT retrain('nums_km')$$);

-- rights: fitting on an embedding reads its bytes (the right to predict
-- with it is not enough), and the rows with the caller's privileges
CREATE ROLE regress_kemb_analyst;
GRANT USAGE ON SCHEMA km_emb TO regress_kemb_analyst;
GRANT SELECT ON cust TO regress_kemb_analyst;
SELECT grant_predict('cust_pca', 'regress_kemb_analyst');
SET ROLE regress_kemb_analyst;
SELECT outcome($$SELECT * FROM kmeans_fit('analyst_km', 'km_emb.cust', NULL, k => '{2}', embedding => 'cust_pca')$$);
RESET ROLE;
SELECT revoke_predict('cust_pca', 'regress_kemb_analyst');
REVOKE SELECT ON cust FROM regress_kemb_analyst;
REVOKE USAGE ON SCHEMA km_emb FROM regress_kemb_analyst;
DROP ROLE regress_kemb_analyst;

-- leave the shared registry as it was
SELECT count(*) AS dropped FROM (
	SELECT drop_model(name) FROM (SELECT DISTINCT name FROM models
		WHERE name IN ('personas', 'nums_km', 'nums_init', 'nums_plain', 'ae_km', 'cust_pca',
					   'nums_pca', 'cust_ae', 'v2_model', 'cust_cls', 'bad', 'analyst_km')) m) d;
RESET client_min_messages;
DROP SCHEMA km_emb CASCADE;
