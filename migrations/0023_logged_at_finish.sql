-- A sync run that finds nothing to do writes its log row once, at its end, already closed (one
-- statement instead of an insert and an update). Such an insert announces the run as finished:
-- `run_started` is for a row that goes in `running`.
CREATE OR REPLACE FUNCTION calsync_sync_logs_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.status = 'running' THEN
    PERFORM calsync_notify(jsonb_build_object('user_id', NEW.user_id, 'kind', 'run_started',
      'config_id', NEW.config_id, 'log_id', NEW.id));
  ELSIF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM calsync_notify(jsonb_build_object('user_id', NEW.user_id, 'kind', 'run_finished',
      'config_id', NEW.config_id, 'log_id', NEW.id, 'status', NEW.status));
  END IF;
  RETURN NULL;
END $$;
