-- Embeddings: segment.pca_fit, segment.autoencoder_fit, segment.project and
-- segment.reconstruction_error; the registry, rights by name, model values
-- as IMMUTABLE arguments, and every bad input.  Figures that can be worked
-- out by hand are checked against their formula; the rest against
-- properties (ratios descending and summing to at most 1, projections by
-- name equal to projections by value).  test/parity compares with
-- scikit-learn.
CREATE SCHEMA embed_test;
SET search_path = embed_test, segment, public;
SET client_min_messages = warning;	-- no per-epoch progress lines
SET extra_float_digits = 0;
\set VERBOSITY terse

-- two perfectly correlated columns: one component explains everything.
-- Standardised with the population std (sqrt(10)), each column has the
-- sample variance 5/4, so the first eigenvalue is 2 x 5/4 = 2.5; the row of
-- t = 10 lies 6 / sqrt(10) out on both, so its score is sqrt(2) x 6 /
-- sqrt(10) = 6 / sqrt(5), positive by the sign rule (the largest |score|).
CREATE TABLE line AS
SELECT t, 2 * t + 1 AS u FROM unnest(ARRAY[1, 2, 3, 4, 10]) t;
CREATE TEMP TABLE r AS SELECT pca_fit('emb_line', 'line', '{t,u}', components => 2) AS r;
SELECT r->>'kind' AS kind, r->'version' AS version, r->'rows' AS rows, r->'n_inputs' AS inputs,
	   abs((r->'explained_variance'->>0)::float8 - 2.5) < 1e-12 AS ev1_is_2_5,
	   (r->'explained_variance'->>1)::float8 < 1e-12 AS ev2_is_0,
	   abs((r->'explained_variance_ratio'->>0)::float8 - 1) < 1e-12 AS ratio1_is_1,
	   abs((r->>'total_variance')::float8 - 2.5) < 1e-12 AS total_2_5,
	   abs((r->'singular_values'->>0)::float8 - sqrt(2.5 * 4)) < 1e-12 AS singular,
	   (r->>'reconstruction_mse')::float8 < 1e-24 AS exact,
	   r->'features' AS features
FROM r;
SELECT t, abs((project('emb_line', l))[1] - 6 / sqrt(5)) < 1e-12 AS score_is_6_over_sqrt5,
	   array_length(project('emb_line', l), 1) AS code_length
FROM line l WHERE t = 10;
-- the first component is (1, 1) / sqrt(2): every score is sqrt(2) x the standardised t
SELECT bool_and(abs((project('emb_line', l))[1] - sqrt(2) * (t - 4) / sqrt(10)) < 1e-12)
	   AS scores_on_the_diagonal
FROM line l;

-- a customer-like table: numbers with NULLs, a boolean, a category with NULLs
CREATE TABLE people AS
SELECT i AS id,
	   CASE WHEN i % 17 = 0 THEN NULL ELSE (i % 83) * 1.5 + (i % 7) END AS spend,
	   (i % 29) + (i % 83) * 0.2 AS visits,
	   sin(i) * 10 AS mood,
	   i % 3 = 0 AS member,
	   CASE WHEN i % 11 = 0 THEN NULL ELSE (ARRAY['north', 'south', 'west'])[1 + i % 3] END AS region
FROM generate_series(1, 400) i;
CREATE TEMP TABLE p AS
SELECT pca_fit('emb_people', 'people', '{spend,visits,mood,member,region}', 3) AS r;
SELECT r->'components' AS components, r->'n_inputs' AS inputs, r->'rows' AS rows,
	   r->'features' AS features,
	   (SELECT bool_and(v::float8 > 0) FROM jsonb_array_elements_text(r->'explained_variance') v)
		 AS positive,
	   (r->'explained_variance'->>0)::float8 >= (r->'explained_variance'->>1)::float8 AND
	   (r->'explained_variance'->>1)::float8 >= (r->'explained_variance'->>2)::float8 AS descending,
	   (r->>'explained_variance_ratio_total')::float8 < 1 AS part_of_the_variance,
	   abs((SELECT sum(v::float8) FROM jsonb_array_elements_text(r->'explained_variance_ratio') v)
		   - (r->>'explained_variance_ratio_total')::float8) < 1e-12 AS ratios_add_up
FROM p;
-- the total variance is the sum of the encoded columns' sample variances
SELECT abs(sum(v) - (SELECT (r->>'total_variance')::float8 FROM p)) < 1e-9 AS total_variance
FROM (SELECT var_samp(x[j]) AS v
	  FROM (SELECT preprocess(model('emb_people'), t) AS x FROM people t) e,
		   generate_series(1, 8) j GROUP BY j) s;
-- each explained variance is the sample variance of its scores
SELECT bool_and(abs(v - ((SELECT r FROM p)->'explained_variance'->>(j - 1))::float8) < 1e-9 * v)
	   AS score_variances
FROM (SELECT j, var_samp(c[j]) AS v
	  FROM (SELECT project('emb_people', t) AS c FROM people t) e,
		   generate_series(1, 3) j GROUP BY j) s;
-- the reconstruction error of the fitted rows is what the report says
SELECT abs(avg(reconstruction_error('emb_people', t)) - (SELECT (r->>'reconstruction_mse')::float8 FROM p))
	   < 1e-12 AS mean_error
FROM people t;
-- by value and by name agree; the preprocessor is the model's; unknown values encode
SELECT bool_and(project('emb_people', t) = project(model('emb_people'), t)) AS by_value,
	   bool_and(reconstruction_error('emb_people', t) = reconstruction_error(model('emb_people'), t))
		 AS error_by_value,
	   bool_and(array_length(preprocess(model('emb_people'), t), 1) = 8) AS preprocess_width
FROM people t;
SELECT array_length(project('emb_people', r), 1) AS code_length
FROM (SELECT NULL::float8 AS spend, 3 AS visits, 0.5 AS mood, true AS member, 'east' AS region) r;
-- the model: kind, description, metrics stored with the version
SELECT model_kind(model('emb_people')) AS kind,
	   model_info(model('emb_people'))->'code_size' AS code_size,
	   jsonb_array_length(model_info(model('emb_people'))->'components') AS component_rows,
	   jsonb_array_length(model_info(model('emb_people'))->'components'->0) AS component_width,
	   model_info(model('emb_people'))->'explained_variance'
		 = (SELECT r->'explained_variance' FROM p) AS same_figures,
	   model_info(model('emb_people'))->'outputs' AS outputs;
SELECT name, version, kind, deployed, metrics->'explained_variance' = (SELECT r->'explained_variance' FROM p)
	   AS metrics_kept, spec->>'function' AS function, spec->'arguments' AS arguments
FROM models WHERE name = 'emb_people';
-- a second fit is the next version, deployed; it needs no ORDER: rows are read canonically
SELECT (pca_fit('emb_people', 'people', '{spend,visits,mood,member,region}', 3))->'version' AS version;
SELECT (SELECT model FROM models WHERE name = 'emb_people' AND version = 1)
	   = (SELECT model FROM models WHERE name = 'emb_people' AND version = 2) AS same_bytes;
-- every component: the rows reconstruct exactly
SELECT (pca_fit('emb_all', 'people', '{spend,visits,mood,member,region}', 8))->'components'
	   AS components;
SELECT max(reconstruction_error('emb_all', t)) < 1e-20 AS exact FROM people t;
-- a model value is IMMUTABLE: an expression index and an UPDATE use it
SELECT model('emb_people') AS pca_bytes \gset
CREATE INDEX people_pc1 ON people (((project(:'pca_bytes'::bytea, people))[1]));
ALTER TABLE people ADD COLUMN pc1 float8;
UPDATE people t SET pc1 = (project(:'pca_bytes'::bytea, t))[1];
SET enable_seqscan = off;
SELECT count(*) = (SELECT count(*) FROM people WHERE pc1 > 1) AS index_agrees
FROM people WHERE (project(:'pca_bytes'::bytea, people))[1] > 1;
RESET enable_seqscan;
DROP INDEX people_pc1;
ALTER TABLE people DROP COLUMN pc1;
SELECT p.oid::regprocedure AS function, p.provolatile AS volatility
FROM pg_proc p WHERE p.pronamespace = 'segment'::regnamespace
  AND p.proname IN ('project', 'reconstruction_error', 'pca_fit', 'autoencoder_fit')
ORDER BY 1::text;

-- an autoencoder: split by the key, early stopping, errors on every part beside PCA's
CREATE TEMP TABLE a AS
SELECT autoencoder_fit('emb_ae', 'people', '{spend,visits,mood,member,region}',
					   code_size => 2, hidden => '{8}', epochs => 30, batch_size => 16,
					   learning_rate => 0.01, key => '{id}') AS r;
SELECT r->>'kind' AS kind, r->'version' AS version, r->'rows' AS rows, r->'n_inputs' AS inputs,
	   r->'code_size' AS code_size, r->'layers' AS layers, r->'parameters' AS parameters,
	   (r->>'epochs_run')::int BETWEEN 1 AND 30 AS epochs_run,
	   (r->>'best_epoch')::int BETWEEN 1 AND (r->>'epochs_run')::int AS best_epoch,
	   (SELECT bool_and(v::float8 > 0) FROM jsonb_each_text(r->'reconstruction_mse') e(k, v))
		 AS errors_measured,
	   (SELECT bool_and(v::float8 > 0) FROM jsonb_each_text(r->'pca_reconstruction_mse') e(k, v))
		 AS pca_errors_measured,
	   r->'settings' AS settings, r->'split' AS split
FROM a;
-- every row has a code; the report's errors per part add up to the rows' mean error
SELECT count(*) AS rows, array_length(project('emb_ae', t), 1) AS code_length
FROM people t GROUP BY 2;
SELECT bool_and(project('emb_ae', t) = project(model('emb_ae'), t)) AS by_value,
	   bool_and(reconstruction_error('emb_ae', t) = reconstruction_error(model('emb_ae'), t))
		 AS error_by_value,
	   abs(avg(reconstruction_error('emb_ae', t))
		   - (SELECT ((r->'reconstruction_mse'->>'train')::float8 * (r->'rows'->>'train')::int
					  + (r->'reconstruction_mse'->>'validation')::float8 * (r->'rows'->>'validation')::int
					  + (r->'reconstruction_mse'->>'test')::float8 * (r->'rows'->>'test')::int) / 400
			  FROM a)) < 1e-12 AS parts_add_up
FROM people t;
SELECT model_kind(model('emb_ae')) AS kind, model_info(model('emb_ae'))->'layers' AS layers,
	   model_info(model('emb_ae'))->'code_layer' AS code_layer,
	   jsonb_array_length(metrics->'history') = (metrics->>'epochs_run')::int AS history,
	   spec->'arguments'->'hidden' AS hidden, spec->'split'->>'key_source' AS key_source
FROM models WHERE name = 'emb_ae';
-- the same call gives the same model; another seed another one
SELECT (autoencoder_fit('emb_ae', 'people', '{spend,visits,mood,member,region}',
						code_size => 2, hidden => '{8}', epochs => 30, batch_size => 16,
						learning_rate => 0.01, key => '{id}'))->'version' AS version;
SELECT (SELECT model FROM models WHERE name = 'emb_ae' AND version = 1)
	   = (SELECT model FROM models WHERE name = 'emb_ae' AND version = 2) AS same_bytes;
SELECT (autoencoder_fit('emb_ae', 'people', '{spend,visits,mood,member,region}',
						code_size => 2, hidden => '{8}', epochs => 30, batch_size => 16,
						learning_rate => 0.01, key => '{id}', seed => 7))->'version' AS version;
SELECT (SELECT model FROM models WHERE name = 'emb_ae' AND version = 1)
	   <> (SELECT model FROM models WHERE name = 'emb_ae' AND version = 3) AS other_seed_other_bytes;
-- every fit is a run in the model's history
SELECT function, status, version, deployed, relation, relation_rows > 0 AS rows_counted
FROM training_history('emb_ae') ORDER BY run;
-- no validation part: stopped by the training loss; no test part: no held-out figures
SELECT r->'rows' AS rows, r->'reconstruction_mse'->'validation' AS validation,
	   r->'reconstruction_mse'->'test' AS test, r->>'validation_loss' AS validation_loss
FROM (SELECT autoencoder_fit('emb_ae_all', 'people', '{spend,visits,mood}', code_size => 1,
							 hidden => '{}', epochs => 5, test_size => 0, validation_size => 0) AS r) s;

-- a code wider than the train part: no PCA of its size to compare with (null figures)
CREATE TABLE few AS SELECT i AS id, i * 1.5 AS x, 'v' || i AS word FROM generate_series(1, 6) i;
SELECT r->'rows' AS rows, r->'n_inputs' AS inputs, r->'pca_reconstruction_mse' AS pca,
	   (r->'reconstruction_mse'->>'train')::float8 >= 0 AS measured
FROM (SELECT autoencoder_fit('emb_few', 'few', '{x,word}', code_size => 5, hidden => '{}',
							 epochs => 2) AS r) s;

-- project is for embeddings only, and predictions are not for embeddings
SELECT segment_predict('emb_people', t) FROM people t LIMIT 1;
SELECT segment_predict(model('emb_people'), t) FROM people t LIMIT 1;
SELECT segment_predict_value('emb_ae', t) FROM people t LIMIT 1;
SELECT segment_predict_proba('emb_ae', t) FROM people t LIMIT 1;
SELECT segment_predict('emb_people', ARRAY[1, 2, 3, 4, 5, 6, 7, 8]::float8[]);
SELECT k FROM kmeans_fit('emb_km', 'people', '{visits,mood}', k => '{2}', n_init => 1);
SELECT project('emb_km', t) FROM people t LIMIT 1;
SELECT reconstruction_error(model('emb_km'), t) FROM people t LIMIT 1;
SELECT segment.retrain('emb_people');

-- rights: a role allowed to predict projects by name, without reading the model
CREATE ROLE regress_emb_app;
GRANT USAGE ON SCHEMA embed_test TO regress_emb_app;
GRANT SELECT ON people TO regress_emb_app;
SET ROLE regress_emb_app;
SELECT project('emb_people', t) FROM people t LIMIT 1;
RESET ROLE;
SELECT grant_predict('emb_people', 'regress_emb_app');
SET ROLE regress_emb_app;
SELECT array_length(project('emb_people', t), 1) AS code_length FROM people t WHERE id = 1;
SELECT reconstruction_error('emb_people', t) >= 0 AS error FROM people t WHERE id = 1;
SELECT model('emb_people');
SELECT pca_fit('emb_people', 'people', '{visits}', 1);
RESET ROLE;
SELECT revoke_predict('emb_people', 'regress_emb_app');
SET ROLE regress_emb_app;
SELECT project('emb_people', t) FROM people t LIMIT 1;
RESET ROLE;

-- the memory budget bounds a fit
SET segment.memory_limit = '1MB';
CREATE TABLE big AS SELECT i AS a, i % 7 AS b, i % 11 AS c, sqrt(i) AS d FROM generate_series(1, 100000) i;
SELECT pca_fit('emb_big', 'big', '{a,b,c,d}', 2);
SELECT autoencoder_fit('emb_big', 'big', '{a,b,c,d}', code_size => 2);
RESET segment.memory_limit;

-- overflow: a row far beyond the data projects while its code is finite,
-- and its reconstruction error is refused once it is not (sql/bad_input.sql
-- holds the other bad inputs)
SELECT abs((project('emb_line', r))[1] / ((1e308 / sqrt(10) - 1e308 / sqrt(40)) / sqrt(2)) - 1) < 1e-12
	   AS huge_but_finite
FROM (SELECT 1e308::float8 AS t, -1e308::float8 AS u) r;
SELECT reconstruction_error('emb_line', r) FROM (SELECT 1e308::float8 AS t, -1e308::float8 AS u) r;

-- leave the shared registry and the cluster's roles as they were
SELECT drop_model(name) FROM (SELECT DISTINCT name FROM models WHERE name LIKE 'emb\_%') n
ORDER BY name;
DROP OWNED BY regress_emb_app;
DROP ROLE regress_emb_app;
DROP SCHEMA embed_test CASCADE;
