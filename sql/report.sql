-- segment.report and the segment.plot_* pictures: every page and picture
-- parses as XML; user-supplied texts (model, class and column names) come
-- out as text, never markup; the pictures show the stored figures (and
-- the rows read again) they claim to; what cannot be read again is said
-- on the page instead of failing it; the model's read right applies.
-- Bad inputs: sql/bad_input.sql.
CREATE SCHEMA report_test;
SET search_path = report_test, segment, public;
SET client_min_messages = warning;	-- no per-epoch progress lines
\set VERBOSITY terse

-- XML namespaces for xpath()
CREATE FUNCTION svg_texts(svg text, path text) RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $$
	SELECT array_agg(x::text) FROM unnest(xpath(path, xmlparse(document svg),
		ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) x
$$;

------------------------------------------------------------------------
-- a classifier whose name, classes and columns are markup
------------------------------------------------------------------------
CREATE TABLE tiers AS
SELECT i AS id,
	   (i % 7)::float8 + CASE WHEN i % 3 = 0 THEN 6 ELSE 0 END AS "spend <monthly>",
	   ((i * 13) % 11)::float8 + CASE WHEN i % 3 = 1 THEN 5 ELSE 0 END AS "visits & calls",
	   (ARRAY['<script>alert(1)</script>', 'a & b', 'caf' || chr(233)])[1 + (i % 3)
		 + CASE WHEN i % 3 = 2 AND i % 10 > 2 THEN -2 ELSE 0 END] AS tier
FROM generate_series(1, 900) i;
ALTER TABLE tiers ADD PRIMARY KEY (id);
SELECT tier, count(*) FROM tiers GROUP BY tier ORDER BY tier;
SELECT segment_train('<b>"tier"</b>', 'tiers', 'tier', exclude => '{id}', hidden => '{16}',
					 epochs => 15, balance => 'smote')->>'version' AS version;

CREATE TABLE page AS SELECT report('<b>"tier"</b>') AS html;
SELECT xmlparse(document html) IS NOT NULL AS parses,
	   html LIKE '<!DOCTYPE html>%</html>' || chr(10) AS whole_page,
	   html ~ '^[[:ascii:]]*$' AS ascii_only,
	   position('<script' in html) = 0 AS no_script_element,
	   html !~* '\s(href|src)=|url\(|@import' AS fetches_nothing,
	   position('&lt;script&gt;alert(1)&lt;/script&gt;' in html) > 0 AS class_as_text,
	   position('&lt;b&gt;&quot;tier&quot;&lt;/b&gt;, version 1' in html) > 0 AS name_as_text,
	   position('spend &lt;monthly&gt;' in html) > 0 AND position('visits &amp; calls' in html) > 0
		 AS columns_as_text,
	   position('caf&#xE9;' in html) > 0 AS accent_as_reference
FROM page;
-- the page's sections and pictures
SELECT (regexp_matches(html, '<h2>([^<]*)</h2>', 'g'))[1] AS section FROM page;
SELECT (regexp_matches(html, '<figure id="([a-z_]*)">', 'g'))[1] AS picture FROM page;
-- every picture of a classifier alone, each one SVG
SELECT f, xmlparse(document svg) IS NOT NULL AS parses,
	   svg LIKE '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="%' AS svg_800,
	   position('<script' in svg) = 0 AS no_script
FROM (VALUES ('confusion_matrix', plot_confusion_matrix('<b>"tier"</b>')),
			 ('class_scores', plot_class_scores('<b>"tier"</b>', 1)),
			 ('class_balance', plot_class_balance('<b>"tier"</b>')),
			 ('training_curve', plot_training_curve('<b>"tier"</b>')),
			 ('trials', plot_trials('<b>"tier"</b>')),
			 ('importance', plot_importance('<b>"tier"</b>', repeats => 2))) v(f, svg);

-- the heatmap's cells are the stored confusion matrix, row by row
SELECT (SELECT array_agg((regexp_match(t, ': ([0-9]+) \('))[1]::int)
		FROM unnest(svg_texts(plot_confusion_matrix('<b>"tier"</b>'), '//s:rect/s:title/text()')) t)
	   = (SELECT array_agg(c::int ORDER BY i, j)
		  FROM jsonb_array_elements(model_metrics('<b>"tier"</b>')->'confusion_matrix')
			   WITH ORDINALITY r(row, i),
			   jsonb_array_elements_text(row) WITH ORDINALITY e(c, j)) AS cells_are_the_matrix;

-- the stored balance: the train part's classes as split_part() finds them,
-- and SMOTE brings every class to the majority's count
SELECT b->'classes' = (SELECT jsonb_agg(c->'class')
					   FROM jsonb_array_elements(model_metrics('<b>"tier"</b>')->'classes') c)
		 AS the_model_classes,
	   b->>'mode' AS mode, b->>'chosen' AS chosen,
	   (SELECT array_agg(n::int) FROM jsonb_array_elements_text(b->'train_rows') n)
		 = (SELECT array_agg(cnt ORDER BY tier COLLATE "C")
			FROM (SELECT tier, count(*)::int AS cnt FROM tiers t
				  WHERE split_part('<b>"tier"</b>', t) = 'train' GROUP BY tier) s) AS train_rows_by_split,
	   (SELECT bool_and(n::int = (SELECT max(m::int) FROM jsonb_array_elements_text(b->'train_rows') m))
		FROM jsonb_array_elements_text(b->'balanced_rows') n) AS smote_to_the_majority,
	   (SELECT sum(n::int) FROM jsonb_array_elements_text(b->'balanced_rows') n)
		 = (trial->>'train_rows')::int AS rows_the_learner_trained_on
FROM (SELECT model_metrics('<b>"tier"</b>')->'balance' AS b,
			 model_metrics('<b>"tier"</b>')->'trials'->0 AS trial) s;
-- class weights: every class weighs n / k rows
SELECT segment_train('<b>"tier"</b>', 'tiers', 'tier', exclude => '{id}', hidden => '{16}',
					 epochs => 5, balance => 'class_weight', deploy => 'never')->>'version' AS version;
SELECT b->>'chosen' AS chosen, b->>'balanced_as' AS balanced_as,
	   (SELECT bool_and(abs(w::float8 - (SELECT sum(c::int) FROM jsonb_array_elements_text(b->'train_rows') c)
									   / jsonb_array_length(b->'classes')) < 1e-9)
		FROM jsonb_array_elements_text(b->'balanced_rows') w) AS n_over_k
FROM (SELECT model_metrics('<b>"tier"</b>', 2)->'balance' AS b) s;
-- the deployed version by default, another when asked
SELECT position('version 1</h1>' in report('<b>"tier"</b>')) > 0 AS deployed_is_1,
	   position('version 2</h1>' in report('<b>"tier"</b>', 2)) > 0 AS asked_for_2,
	   position('not deployed' in report('<b>"tier"</b>', 2)) > 0 AS says_not_deployed;

-- the training curve marks the kept epoch; with balance auto, the
-- candidates picture has a bar per candidate, the kept one in orange
SELECT segment_train('<b>"tier"</b>', 'tiers', 'tier', exclude => '{id}', hidden => '{16}',
					 epochs => 5, deploy => 'never')->>'version' AS version;
SELECT position(format('kept: epoch %s<', m->>'best_iteration')
				in plot_training_curve('<b>"tier"</b>', 3)) > 0 AS kept_epoch_marked,
	   cardinality(svg_texts(plot_trials('<b>"tier"</b>', 3), '//s:rect/s:title'))
		 = jsonb_array_length(m->'trials') AS a_bar_per_trial,
	   jsonb_array_length(m->'trials') AS trials,
	   (SELECT array_agg(t) FROM unnest(svg_texts(plot_trials('<b>"tier"</b>', 3),
												  '//s:rect[@fill="#E69F00"]/s:title/text()')) t)
		 = ARRAY[(SELECT t->>'validation_macro_f1'
				  FROM jsonb_array_elements(m->'trials') t
				  WHERE (t->>'trial')::int = (m->'choice'->>'chosen_trial')::int)::float8::numeric(10, 4)::text]
		 AS kept_one_highlighted
FROM (SELECT model_metrics('<b>"tier"</b>', 3) AS m) s;

-- a confusion matrix too large to draw: the page says so, the picture fails
CREATE TABLE many AS
SELECT i AS id, (i % 61)::float8 AS x, 'c' || (i % 61) AS label FROM generate_series(1, 1830) i;
ALTER TABLE many ADD PRIMARY KEY (id);
SELECT segment_train('many', 'many', 'label', exclude => '{id}', hidden => '{4}', epochs => 1,
					 balance => 'none')->>'version' AS version;
SELECT xmlparse(document report('many')) IS NOT NULL AS parses,
	   (regexp_match(report('many'), 'not drawn: ([^<]*)'))[1] AS says;
SELECT plot_confusion_matrix('many');

------------------------------------------------------------------------
-- a regressor: its test rows read again
------------------------------------------------------------------------
CREATE TABLE spend AS
SELECT i AS id, (i % 97)::float8 AS visits, (i % 13)::int AS tenure,
	   3.0 * (i % 97) + 10.0 * (i % 13) + ((i * 7919) % 11 - 5)::float8 AS next_spend
FROM generate_series(1, 1500) i;
ALTER TABLE spend ADD PRIMARY KEY (id);
SELECT segment_train('spend', 'spend', 'next_spend', exclude => '{id}', hidden => '{16}',
					 epochs => 20)->>'task' AS task;
SELECT xmlparse(document report('spend')) IS NOT NULL AS parses,
	   (SELECT array_agg(m[1]) FROM regexp_matches(report('spend'), '<figure id="([a-z_]*)">', 'g') m)
		 AS pictures;
-- a point per test row (fewer than 2000 here), and the histogram counts them all
SELECT cardinality(svg_texts(plot_actual_vs_predicted('spend'), '//s:circle'))
		 = (model_metrics('spend')->>'rows')::int AS a_point_per_test_row,
	   (SELECT sum((regexp_match(t, '\): ([0-9]+)$'))[1]::int)
		FROM unnest(svg_texts(plot_residuals('spend'), '//s:rect/s:title/text()')) t)
		 = (model_metrics('spend')->>'rows')::int AS histogram_counts_every_row,
	   (SELECT count(*) FROM spend s WHERE split_part('spend', s) = 'test')
		 = (model_metrics('spend')->>'rows')::int AS test_rows_by_split;

------------------------------------------------------------------------
-- k-means: sizes, personas and the map from the relation today
------------------------------------------------------------------------
CREATE TABLE shoppers AS
SELECT i AS id, (i % 3) * 10 + (i % 7)::float8 / 7 AS spend, ((i % 3) * 5 + (i % 5))::float8 AS visits,
	   (i % 11)::float8 AS tenure
FROM generate_series(1, 600) i;
SELECT k, chosen FROM kmeans_fit('shoppers', 'shoppers', ARRAY['spend', 'visits', 'tenure'],
								 k => '{2,3,4}') ORDER BY k;
CREATE TABLE kpage AS SELECT report('shoppers') AS html;
SELECT xmlparse(document html) IS NOT NULL AS parses,
	   (SELECT array_agg(m[1]) FROM regexp_matches(html, '<figure id="([a-z_]*)">', 'g') m) AS pictures,
	   (SELECT bool_and(position(format('<td>%s</td>', persona) in html) > 0)
		FROM profile('shoppers', 'shoppers')) AS personas_as_profile
FROM kpage;
-- the sizes are profile()'s; the map draws every row (600 < 2000) and k centroids
SELECT (SELECT array_agg((regexp_match(t, ': ([0-9]+)$'))[1]::int)
		FROM unnest(svg_texts(plot_cluster_sizes('shoppers'), '//s:rect/s:title/text()')) t)
	   = (SELECT array_agg(size::int ORDER BY cluster) FROM profile('shoppers', 'shoppers'))
		 AS sizes_are_profiles,
	   cardinality(svg_texts(plot_clusters('shoppers'), '//s:circle[@fill-opacity]')) AS points,
	   cardinality(svg_texts(plot_clusters('shoppers'), '//s:circle[@stroke="#000000"][@r="9"]'))
		 AS centroids,
	   plot_elbow('shoppers') LIKE '%chosen: k = ' || (SELECT metrics->>'k' FROM models WHERE name = 'shoppers')
		 || ' (by silhouette)%' AS chosen_k_marked,
	   xmlparse(document plot_silhouette('shoppers')) IS NOT NULL AS silhouette_parses
FROM kpage;

------------------------------------------------------------------------
-- what cannot be read again: the page says so, the picture alone fails
------------------------------------------------------------------------
ALTER TABLE spend RENAME TO spend_gone;
ALTER TABLE shoppers RENAME TO shoppers_gone;
SELECT xmlparse(document report('spend')) IS NOT NULL AS parses,
	   (regexp_match(report('spend'), 'not drawn: (relation [^<]*)'))[1] AS says;
SELECT xmlparse(document report('shoppers')) IS NOT NULL AS parses,
	   (regexp_match(report('shoppers'), 'not drawn: (relation [^<]*)'))[1] AS says,
	   position('Inertia per number of clusters' in report('shoppers')) > 0 AS elbow_still_drawn;
SELECT plot_actual_vs_predicted('spend');
SELECT plot_clusters('shoppers');
ALTER TABLE spend_gone RENAME TO spend;
ALTER TABLE shoppers_gone RENAME TO shoppers;
-- the stored name is qualified: a relation literally named "report_test.shoppers",
-- ahead on the path, is not the one read (600 points, not its 1)
CREATE TEMP TABLE "report_test.shoppers" AS
SELECT 1 AS id, 0::float8 AS spend, 0::float8 AS visits, 0::float8 AS tenure;
SELECT cardinality(svg_texts(plot_clusters('shoppers'), '//s:circle[@fill-opacity]')) AS points,
	   (regexp_match(report('shoppers'), '(600 rows)'))[1] AS rows_read;
DROP TABLE "report_test.shoppers";

------------------------------------------------------------------------
-- who may read a report: as model_metrics
------------------------------------------------------------------------
CREATE ROLE regress_report_reader;
GRANT USAGE ON SCHEMA report_test TO regress_report_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA report_test TO regress_report_reader;
SELECT grant_predict('spend', 'regress_report_reader');
SET ROLE regress_report_reader;
SELECT report('spend');
SELECT plot_residuals('spend');
SELECT plot_elbow('shoppers');
RESET ROLE;

-- leave the shared registry and the cluster's roles as they were
SELECT drop_model(name) FROM (VALUES ('<b>"tier"</b>'), ('many'), ('spend'), ('shoppers')) n(name);
DROP SCHEMA report_test CASCADE;
DROP ROLE regress_report_reader;
