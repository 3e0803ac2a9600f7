------------------------------------------------------------------------
-- Model reports: one HTML page per model version, and its pictures
-- alone as SVG (for BI tools and notebooks)
------------------------------------------------------------------------

-- Not strict: a NULL name is an error, a NULL version the deployed one.
-- For roles that may read the model (as model_metrics).  PARALLEL
-- RESTRICTED: they may read the model's relation again (test rows, a
-- k-means model's rows), with the caller's privileges; report is PARALLEL
-- UNSAFE, since it reads those rows in a subtransaction (to say on the
-- page when they cannot be read), which parallel mode does not allow.
CREATE FUNCTION segment.report(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'segment_report'
	LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.report(text, integer) IS
	'a self-contained HTML page (inline SVG, no scripts) describing a model version: what, when, by whom, on what; test figures and pictures (classifiers, regressors, k-means)';

CREATE FUNCTION segment.plot_confusion_matrix(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_confusion_matrix'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_confusion_matrix(text, integer) IS
	'SVG: a classifier''s test confusion matrix as a heatmap (colour: share of the actual class)';

CREATE FUNCTION segment.plot_class_scores(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_class_scores'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_class_scores(text, integer) IS
	'SVG: a classifier''s test precision, recall and F1 per class';

CREATE FUNCTION segment.plot_class_balance(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_class_balance'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_class_balance(text, integer) IS
	'SVG: a classifier''s training rows per class before and after the balance it chose';

CREATE FUNCTION segment.plot_training_curve(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_training_curve'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_training_curve(text, integer) IS
	'SVG: training and validation loss and the validation score per epoch (or iteration), the kept one marked';

CREATE FUNCTION segment.plot_trials(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_trials'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_trials(text, integer) IS
	'SVG: the validation score of every candidate segment_train tried (balance modes, learners, search trials), the kept one marked';

CREATE FUNCTION segment.plot_importance(name text, version integer DEFAULT NULL,
										repeats integer DEFAULT 5)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_importance'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_importance(text, integer, integer) IS
	'SVG: permutation importance of each column on the test rows (as feature_importance), and the split-gain share for learners that have one';

CREATE FUNCTION segment.plot_actual_vs_predicted(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_actual_vs_predicted'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_actual_vs_predicted(text, integer) IS
	'SVG: a regressor''s predictions against the truth on its test rows (a seeded sample of at most 2000)';

CREATE FUNCTION segment.plot_residuals(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_residuals'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_residuals(text, integer) IS
	'SVG: histogram of a regressor''s residuals (actual - predicted) on its test rows';

CREATE FUNCTION segment.plot_elbow(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_elbow'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_elbow(text, integer) IS
	'SVG: a k-means model''s inertia per k, the chosen k and the elbow marked';

CREATE FUNCTION segment.plot_silhouette(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_silhouette'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_silhouette(text, integer) IS
	'SVG: a k-means model''s mean silhouette per k, the chosen k marked';

CREATE FUNCTION segment.plot_cluster_sizes(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_cluster_sizes'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_cluster_sizes(text, integer) IS
	'SVG: rows per cluster of a k-means model''s relation as it is today';

CREATE FUNCTION segment.plot_clusters(name text, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'plot_clusters'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.plot_clusters(text, integer) IS
	'SVG: a seeded sample of a k-means model''s relation on its first two principal components, coloured by segment, with the centroids and personas';
