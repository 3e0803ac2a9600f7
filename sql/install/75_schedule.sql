------------------------------------------------------------------------
-- Scheduled retraining on pg_cron (src/sql_schedule.c)
------------------------------------------------------------------------

-- What a scheduled job calls.  The run is recorded (trained, skipped or
-- failed) and committed first; a failure then fails the job too, so that
-- cron.job_run_details shows it.  Transaction control needs a top-level
-- CALL, as pg_cron makes; so no SET clause here, and every name qualified.
CREATE PROCEDURE segment.scheduled_retrain(name text)
LANGUAGE plpgsql
AS $$
DECLARE
	report jsonb;
BEGIN
	report := segment.retrain(name, raise_errors => false);
	COMMIT;
	IF report OPERATOR(pg_catalog.?) 'error' THEN
		RAISE EXCEPTION USING
			MESSAGE = pg_catalog.format('retraining model "%s" failed: %s', name,
										report OPERATOR(pg_catalog.->>) 'error'),
			ERRCODE = report OPERATOR(pg_catalog.->>) 'sqlstate',
			HINT = 'segment.training_history(name) keeps every run with its error.';
	END IF;
END
$$;
COMMENT ON PROCEDURE segment.scheduled_retrain(text) IS
	'retrains a model as a pg_cron job does: records the run (trained, skipped or failed), commits it, then fails if the training failed';

CREATE FUNCTION segment.schedule_retrain(name text, schedule text) RETURNS bigint
	AS 'MODULE_PATHNAME', 'segment_schedule_retrain'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.schedule_retrain(text, text) IS
	'schedules (or moves) a pg_cron job "segment.retrain <name>" that calls segment.scheduled_retrain(name) on a cron schedule; returns the job id';

CREATE FUNCTION segment.unschedule_retrain(name text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'segment_unschedule_retrain'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION segment.unschedule_retrain(text) IS
	'removes the calling role''s pg_cron job that retrains a model; false when there was none';
