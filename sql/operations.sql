-- Operations: the training run history, no new version on unchanged data,
-- failed scheduled runs, and the summary line of unattended runs
CREATE SCHEMA ops_test;
SET search_path = ops_test, segment, public;
SET client_min_messages = warning;
\set VERBOSITY terse

CREATE TABLE ops AS
SELECT i AS id, ((i * 7919) % 1000) / 500.0 - 1 AS x, ((i * 104729) % 997) / 498.5 - 1 AS y,
	   CASE WHEN ((i * 7919) % 1000) / 500.0 - 1 > ((i * 104729) % 997) / 498.5 - 1
			THEN 'a' ELSE 'b' END AS label
FROM generate_series(1, 1000) i;

-- every training is a run; the report names its row
SELECT r->'version' AS version, r->'run' IS NOT NULL AS has_run
FROM (SELECT segment_train('ops', 'ops', 'label', exclude => '{id}', model => 'logistic') AS r) s;

-- skip_if_unchanged: the same rows with the same arguments add no version
SELECT r->'skipped' AS skipped, r->'version' AS version, r->'same_as_version' AS same_as,
	   r->'deployed' AS deployed, r->>'reason' AS reason
FROM (SELECT segment_train('ops', 'ops', 'label', exclude => '{id}', model => 'logistic',
						   skip_if_unchanged => true) AS r) s;

-- rows moved on disk are still the same rows
UPDATE ops SET x = x WHERE id % 2 = 0;
SELECT segment_train('ops', 'ops', 'label', exclude => '{id}', model => 'logistic',
					 skip_if_unchanged => true)->'skipped' AS skipped;

-- a changed value, a new row, or other arguments train a new version
UPDATE ops SET y = y + 0.001 WHERE id = 1;
SELECT segment_train('ops', 'ops', 'label', exclude => '{id}', model => 'logistic',
					 skip_if_unchanged => true)->'version' AS version;
INSERT INTO ops VALUES (1001, 0.5, -0.5, 'a');
SELECT segment_train('ops', 'ops', 'label', exclude => '{id}', model => 'logistic',
					 skip_if_unchanged => true)->'version' AS version;
SELECT segment_train('ops', 'ops', 'label', exclude => '{id}', model => 'logistic',
					 skip_if_unchanged => true, params => '{"C": 0.5}')->'version' AS version;
-- the deploy policy is not part of what is compared
SELECT segment_train('ops', 'ops', 'label', exclude => '{id}', model => 'logistic',
					 skip_if_unchanged => true, params => '{"C": 0.5}',
					 deploy => 'never')->'skipped' AS skipped;

-- retrain skips unchanged data by default
SELECT r->'skipped' AS skipped, r->'same_as_version' AS same_as
FROM (SELECT retrain('ops') AS r) s;
SELECT retrain('ops', skip_if_unchanged => false)->'version' AS version;

-- the history: who, on how many rows, what came of it and why
SELECT run - min(run) OVER () + 1 AS run, function, run_by = current_user AS by_me,
	   owner = current_user::regrole AS owned, relation, relation_rows, status, version,
	   deployed, previous_version, score,
	   new_score BETWEEN 0 AND 1 AS new_score_ok,
	   (previous_score IS NOT NULL) = (previous_version IS NOT NULL AND status = 'trained')
		 AS previous_score_when_compared,
	   finished >= started AS timed, error
FROM training_history('ops');
SELECT reason FROM training_history('ops') WHERE status = 'skipped' ORDER BY run;
-- a trained run's scores are those of its stored deployment decision
SELECT bool_and(h.new_score = (m.metrics->'deployment'->>'new_score')::float8
				OR m.metrics->'deployment'->>'new_score' IS NULL) AS same_scores,
	   bool_and(h.reason = m.metrics->'deployment'->>'reason') AS same_reasons
FROM training_history('ops') h JOIN models m ON m.name = h.name AND m.version = h.version;

-- a failing retrain: raised by default and nothing recorded ...
ALTER TABLE ops RENAME COLUMN y TO y2;
SELECT retrain('ops', skip_if_unchanged => false);
SELECT count(*) AS runs FROM training_history('ops');
-- ... or, for scheduled jobs, recorded with its error and returned
SELECT r->>'status' AS status, r->>'error' AS error, r->>'sqlstate' AS sqlstate
FROM (SELECT retrain('ops', raise_errors => false) AS r) s;
SELECT function, status, version, relation, error FROM training_history('ops')
ORDER BY run DESC LIMIT 1;
ALTER TABLE ops RENAME COLUMN y2 TO y;

-- bad arguments
SELECT retrain('ops', skip_if_unchanged => NULL);
SELECT retrain('ops', raise_errors => NULL);
SELECT retrain('no_such_model', raise_errors => false);

-- unattended runs (a pg_cron job connects as application pg_cron) log one
-- line each instead of progress messages
SET application_name = 'pg_cron';
SET client_min_messages = log;
SELECT segment_train('ops', 'ops', 'label', exclude => '{id}', model => 'logistic',
					 skip_if_unchanged => true, params => '{"C": 0.5}')->'skipped' AS skipped;
SET segment.progress = off;
SELECT segment_train('ops', 'ops', 'label', exclude => '{id}', model => 'logistic',
					 skip_if_unchanged => true, params => '{"C": 0.5}')->'skipped' AS skipped;
SET client_min_messages = warning;
RESET segment.progress;
RESET application_name;
SET segment.progress = sometimes;

-- the runs are the owner's: other roles see none of them
CREATE ROLE regress_ops_other;
CREATE ROLE regress_ops_owner;
SET ROLE regress_ops_other;
SELECT count(*) AS seen FROM segment.training_runs WHERE name = 'ops';
SELECT count(*) AS seen FROM segment.training_history('ops');
RESET ROLE;
-- and move with the model to a new owner
SELECT set_model_owner('ops', 'regress_ops_owner');
SELECT DISTINCT owner FROM training_runs WHERE name = 'ops';
GRANT regress_ops_owner TO regress_ops_other;
SET ROLE regress_ops_other;
SELECT count(*) > 0 AS seen FROM segment.training_history('ops');
RESET ROLE;

-- nobody writes the history but the extension
SET ROLE regress_ops_other;
INSERT INTO segment.training_runs (name, owner, function, run_by, started, finished, status)
VALUES ('ops', 'regress_ops_owner', 'x', 'x', now(), now(), 'trained');
DELETE FROM segment.training_runs;
RESET ROLE;

-- dropping every version drops the history; one version does not
SELECT drop_model('ops', 1);
SELECT count(*) > 0 AS kept FROM training_runs WHERE name = 'ops';
SELECT drop_model('ops') > 0 AS dropped;
SELECT count(*) AS left FROM training_runs WHERE name = 'ops';

-- smote_table's output: the synthetic flag is no feature, and made-up rows
-- are never scored as test rows
CREATE TABLE skewed AS
SELECT i AS id, (i % 50)::float8 AS x, ((i * 7) % 13)::float8 AS z,
	   CASE WHEN i % 10 = 0 THEN 'rare' ELSE 'common' END AS label
FROM generate_series(1, 600) i;
SELECT class, rows_before, rows_after FROM smote_table('skewed', 'label', 'skewed_balanced')
ORDER BY class;
\set VERBOSITY default
SELECT segment_train('balanced', 'skewed_balanced', 'label', exclude => '{id}', model => 'logistic');
\set VERBOSITY terse
CREATE VIEW skewed_real AS SELECT * FROM skewed_balanced WHERE NOT synthetic;
SELECT r->'rows' AS rows
FROM (SELECT segment_train('balanced', 'skewed_real', 'label', exclude => '{id}',
						   model => 'logistic') AS r) s;
SELECT spec->'arguments'->'features' AS features FROM models WHERE name = 'balanced';
-- named as a feature, the flag is used like any column
SELECT segment_train('balanced', 'skewed_real', 'label', features => '{x,z,synthetic}',
					 model => 'logistic')->'features' AS n_features;
SELECT drop_model('balanced') > 0 AS dropped;

-- validation_size => 0: a plain train / test split
SELECT r->'rows' AS rows, r->'validation' AS validation, r->'balance'->>'reason' AS balance,
	   (r->'test'->>'macro_f1')::float8 > 0.8 AS learned
FROM (SELECT segment_train('plain', 'ops', 'label', exclude => '{id}', model => 'logistic',
						   validation_size => 0) AS r) s;
SELECT split_part('plain', o) AS part, count(*) FROM ops o GROUP BY 1 ORDER BY 1;
-- the MLP then stops on its training loss, as scikit-learn's does without early stopping
SELECT (r->>'epochs_run')::int < 200 AS stopped_early, r->'validation' AS validation
FROM (SELECT segment_train('plain', 'ops', 'label', exclude => '{id}', hidden => '{8}',
						   validation_size => 0, deploy => 'always') AS r) s;
-- with cv the folds of the train part compare the candidates
SELECT r->'trials'->0->'cv_folds' AS folds, r->'rows'->'validation' AS validation_rows
FROM (SELECT segment_train('plain', 'ops', 'label', exclude => '{id}', model => 'auto',
						   validation_size => 0, cv => 3) AS r) s;
-- without them there is nothing to compare on
SELECT segment_train('plain', 'ops', 'label', model => 'auto', validation_size => 0);
SELECT segment_train('plain', 'ops', 'label', validation_size => 0,
					 search => '{"hidden": [[4], [8]]}');
SELECT segment_train('plain', 'ops', 'label', validation_size => -0.1);
SELECT drop_model('plain') > 0 AS dropped;

DROP ROLE regress_ops_other;
DROP ROLE regress_ops_owner;
DROP SCHEMA ops_test CASCADE;
