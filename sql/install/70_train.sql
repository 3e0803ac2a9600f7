------------------------------------------------------------------------
-- Supervised training: segment_train, its evaluation relations and
-- classification metrics as aggregates
------------------------------------------------------------------------

CREATE FUNCTION segment.segment_train(
	name text, relation regclass, label text,
	features text[] DEFAULT NULL,
	exclude text[] DEFAULT NULL,
	hidden integer[] DEFAULT NULL, dropout float8 DEFAULT NULL,
	batch_norm boolean DEFAULT NULL, l2 float8 DEFAULT NULL,
	epochs integer DEFAULT NULL, batch_size integer DEFAULT NULL,
	learning_rate float8 DEFAULT NULL, patience integer DEFAULT NULL,
	balance text DEFAULT 'auto',
	test_size float8 DEFAULT 0.2, validation_size float8 DEFAULT 0.1,
	search jsonb DEFAULT NULL, trials integer DEFAULT 20,
	seed integer DEFAULT 42, deploy text DEFAULT 'if_better',
	split_seed integer DEFAULT NULL,
	model text DEFAULT 'mlp', task text DEFAULT 'auto', params jsonb DEFAULT NULL,
	key text[] DEFAULT NULL, cv integer DEFAULT NULL,
	skip_if_unchanged boolean DEFAULT false)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_train'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.segment_train(text, regclass, text, text[], text[], integer[],
	float8, boolean, float8, integer, integer, float8, integer, text, float8, float8, jsonb,
	integer, integer, text, integer, text, text, jsonb, text[], integer, boolean) IS
	'trains a classifier or regressor (split, preprocessing and balancing on the train part, early stopping, optional search), registers it as the next version of name and returns the report; with skip_if_unchanged, adds no version when the latest was trained on the same rows with the same arguments';

-- Runs as the model's owner, for a caller that may change the model and
-- read the stored relation (src/sql_retrain.c).
CREATE FUNCTION segment.retrain(name text, deploy text DEFAULT NULL,
								skip_if_unchanged boolean DEFAULT true,
								raise_errors boolean DEFAULT true) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_retrain'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.retrain(text, text, boolean, boolean) IS
	'trains a new version of a model with the stored arguments of its latest version trained by segment_train or kmeans_fit (for nightly jobs); adds none when nothing changed unless skip_if_unchanged is false; with raise_errors false a failure is recorded in segment.training_runs and returned';

-- the test metrics stored with a version (the deployed one by default)
CREATE FUNCTION segment.model_metrics(name text, version integer DEFAULT NULL) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'segment_model_metrics'
	LANGUAGE C STABLE;
COMMENT ON FUNCTION segment.model_metrics(text, integer) IS
	'the test-split metrics stored with a classifier or regressor version';

CREATE FUNCTION segment.evaluate(name text, version integer DEFAULT NULL)
RETURNS TABLE (class text, "precision" float8, recall float8, f1 float8, support bigint,
			   value float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH m AS (SELECT segment.model_metrics(name, version) AS j)
	SELECT c->>'class', (c->>'precision')::float8, (c->>'recall')::float8,
		   (c->>'f1')::float8, (c->>'support')::bigint, NULL::float8
	FROM m, jsonb_array_elements(m.j->'classes') WITH ORDINALITY AS e(c, i)
	UNION ALL
	SELECT 'accuracy', NULL, NULL, (m.j->>'accuracy')::float8, (m.j->>'rows')::bigint,
		   (m.j->>'accuracy')::float8
	FROM m WHERE m.j ? 'classes'
	UNION ALL
	SELECT 'macro avg', (m.j->'macro'->>'precision')::float8, (m.j->'macro'->>'recall')::float8,
		   (m.j->'macro'->>'f1')::float8, (m.j->'macro'->>'support')::bigint, NULL
	FROM m WHERE m.j ? 'classes'
	UNION ALL
	SELECT 'weighted avg', (m.j->'weighted'->>'precision')::float8,
		   (m.j->'weighted'->>'recall')::float8, (m.j->'weighted'->>'f1')::float8,
		   (m.j->'weighted'->>'support')::bigint, NULL
	FROM m WHERE m.j ? 'classes'
	UNION ALL
	SELECT r.metric, NULL, NULL, NULL, (m.j->>'rows')::bigint, (m.j->>r.metric)::float8
	FROM m, unnest(ARRAY['mae', 'rmse', 'r2', 'mape']) WITH ORDINALITY AS r(metric, i)
	WHERE m.j->>'task' = 'regression'
$$;
COMMENT ON FUNCTION segment.evaluate(text, integer) IS
	'test-split report: for a classifier one row per class, then accuracy, macro avg and weighted avg (as scikit-learn''s classification_report); for a regressor mae, rmse, r2 and mape in value';

CREATE FUNCTION segment.confusion_matrix(name text, version integer DEFAULT NULL)
RETURNS TABLE (actual text, predicted text, count bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH m AS (SELECT segment.model_metrics(name, version) AS j),
	labels AS (SELECT c->>'class' AS label, i FROM m,
			   jsonb_array_elements(m.j->'classes') WITH ORDINALITY AS e(c, i))
	SELECT a.label, p.label, (m.j->'confusion_matrix'->((a.i - 1)::int)->>((p.i - 1)::int))::bigint
	FROM m, labels a, labels p
	ORDER BY a.i, p.i
$$;
COMMENT ON FUNCTION segment.confusion_matrix(text, integer) IS
	'confusion matrix of a classifier on its test split: rows actual, predicted, count';

-- metrics over any query, as parallel aggregates with float8[] states
CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual anyelement,
											  predicted anyelement) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], anyelement, anyelement) IS
	'aggregate transition function';

CREATE FUNCTION segment.metric_binary_accum(state float8[], actual anyelement,
											predicted anyelement, positive anyelement)
RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], anyelement, anyelement, anyelement) IS
	'aggregate transition function';

-- not strict: the first call of a combine function may see a NULL state
CREATE FUNCTION segment.metric_combine(state1 float8[], state2 float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_combine(float8[], float8[]) IS
	'aggregate combine function';

CREATE FUNCTION segment.metric_accuracy_final(state float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'metric_accuracy_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION segment.metric_precision_final(state float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'metric_precision_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION segment.metric_recall_final(state float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'metric_recall_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION segment.metric_f1_final(state float8[]) RETURNS float8
	AS 'MODULE_PATHNAME', 'metric_f1_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_final(float8[]) IS 'aggregate final function';
COMMENT ON FUNCTION segment.metric_precision_final(float8[]) IS 'aggregate final function';
COMMENT ON FUNCTION segment.metric_recall_final(float8[]) IS 'aggregate final function';
COMMENT ON FUNCTION segment.metric_f1_final(float8[]) IS 'aggregate final function';

CREATE AGGREGATE segment.accuracy(actual anyelement, predicted anyelement) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(anyelement, anyelement) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual anyelement, predicted anyelement, positive anyelement) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(anyelement, anyelement, anyelement) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual anyelement, predicted anyelement, positive anyelement) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(anyelement, anyelement, anyelement) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual anyelement, predicted anyelement, positive anyelement) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(anyelement, anyelement, anyelement) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

-- The same aggregates for text, integer, bigint, numeric, double precision
-- and boolean values (and what casts to them implicitly: varchar, smallint,
-- real): PostgreSQL prefers these to the anyelement forms, and Citus pushes
-- them down to its workers, which it does not for anyelement arguments.
-- Their transition functions compare with the type's equality without
-- looking at the call (src/sql_metrics.c).

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual text,
											  predicted text) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_text'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], text, text) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual text,
											predicted text, positive text) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_text'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], text, text, text) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual text, predicted text) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(text, text) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual text, predicted text, positive text) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(text, text, text) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual text, predicted text, positive text) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(text, text, text) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual text, predicted text, positive text) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(text, text, text) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual integer,
											  predicted integer) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_int4'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], integer, integer) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual integer,
											predicted integer, positive integer) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_int4'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], integer, integer, integer) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual integer, predicted integer) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(integer, integer) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual integer, predicted integer, positive integer) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(integer, integer, integer) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual integer, predicted integer, positive integer) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(integer, integer, integer) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual integer, predicted integer, positive integer) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(integer, integer, integer) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual bigint,
											  predicted bigint) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_int8'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], bigint, bigint) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual bigint,
											predicted bigint, positive bigint) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_int8'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], bigint, bigint, bigint) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual bigint, predicted bigint) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(bigint, bigint) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual bigint, predicted bigint, positive bigint) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(bigint, bigint, bigint) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual bigint, predicted bigint, positive bigint) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(bigint, bigint, bigint) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual bigint, predicted bigint, positive bigint) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(bigint, bigint, bigint) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual numeric,
											  predicted numeric) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_numeric'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], numeric, numeric) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual numeric,
											predicted numeric, positive numeric) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_numeric'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], numeric, numeric, numeric) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual numeric, predicted numeric) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(numeric, numeric) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual numeric, predicted numeric, positive numeric) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(numeric, numeric, numeric) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual numeric, predicted numeric, positive numeric) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(numeric, numeric, numeric) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual numeric, predicted numeric, positive numeric) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(numeric, numeric, numeric) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual double precision,
											  predicted double precision) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_float8'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], double precision, double precision) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual double precision,
											predicted double precision, positive double precision) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_float8'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], double precision, double precision, double precision) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual double precision, predicted double precision) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(double precision, double precision) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual double precision, predicted double precision, positive double precision) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(double precision, double precision, double precision) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual double precision, predicted double precision, positive double precision) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(double precision, double precision, double precision) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual double precision, predicted double precision, positive double precision) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(double precision, double precision, double precision) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.metric_accuracy_accum(state float8[], actual boolean,
											  predicted boolean) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_accuracy_accum_bool'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_accuracy_accum(float8[], boolean, boolean) IS
	'aggregate transition function';
CREATE FUNCTION segment.metric_binary_accum(state float8[], actual boolean,
											predicted boolean, positive boolean) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'metric_binary_accum_bool'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.metric_binary_accum(float8[], boolean, boolean, boolean) IS
	'aggregate transition function';
CREATE AGGREGATE segment.accuracy(actual boolean, predicted boolean) (
	SFUNC = segment.metric_accuracy_accum, STYPE = float8[],
	FINALFUNC = segment.metric_accuracy_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.accuracy(boolean, boolean) IS
	'share of rows where predicted = actual (rows with a NULL are skipped)';

CREATE AGGREGATE segment.precision_score(actual boolean, predicted boolean, positive boolean) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_precision_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.precision_score(boolean, boolean, boolean) IS
	'precision of the positive class: tp / (tp + fp), 0 when nothing is predicted positive';

CREATE AGGREGATE segment.recall_score(actual boolean, predicted boolean, positive boolean) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_recall_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.recall_score(boolean, boolean, boolean) IS
	'recall of the positive class: tp / (tp + fn), 0 without positive rows';

CREATE AGGREGATE segment.f1_score(actual boolean, predicted boolean, positive boolean) (
	SFUNC = segment.metric_binary_accum, STYPE = float8[],
	FINALFUNC = segment.metric_f1_final, COMBINEFUNC = segment.metric_combine,
	INITCOND = '{0,0,0}', PARALLEL = SAFE
);
COMMENT ON AGGREGATE segment.f1_score(boolean, boolean, boolean) IS
	'F1 of the positive class: 2 tp / (2 tp + fp + fn)';

CREATE FUNCTION segment.stratified_split(labels text[], test_size float8 DEFAULT 0.2,
										 validation_size float8 DEFAULT 0.1,
										 seed integer DEFAULT 42)
RETURNS text[]
	AS 'MODULE_PATHNAME', 'stratified_split'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.stratified_split(text[], float8, float8, integer) IS
	'a seeded stratified split (train, validation, test) of text labels in the order given (0.1.0''s split of segment_train; segment_train now splits by each row''s key, see split_part)';

CREATE FUNCTION segment.split_part(name text, row_value record, version integer DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'split_part'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.split_part(text, record, integer) IS
	'the part (train, validation, test) segment_train gave a row of the training relation when it trained the deployed (or given) version, from the row''s key and label';
