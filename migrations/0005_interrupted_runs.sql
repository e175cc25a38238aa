-- A run whose process died (killed, out of memory, a deploy) is closed as `interrupted` once its
-- lease lapses, instead of reading as running forever.
ALTER TABLE sync_logs DROP CONSTRAINT sync_logs_status_check;
ALTER TABLE sync_logs ADD CONSTRAINT sync_logs_status_check
  CHECK (status IN ('running', 'success', 'partial', 'failed', 'needs_reconnect', 'interrupted'));
-- Finding the runs left running is a look at a handful of rows, not a scan of the history.
CREATE INDEX sync_logs_running_idx ON sync_logs (config_id) WHERE status = 'running';

-- On PostgreSQL, failures were stored as a JSON string holding the array (the parameter was
-- serialized twice): unwrap them into the array they always meant to be.
UPDATE sync_logs SET failures = (failures #>> '{}')::jsonb WHERE jsonb_typeof(failures) = 'string';
