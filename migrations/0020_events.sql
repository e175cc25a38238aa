-- The dashboard's live stream (GET /api/events) is fed from the database, so every instance
-- hears what any instance changed. Triggers on the rows a viewer sees send one NOTIFY on the
-- channel `calsync_events`, delivered at commit, with ids and a kind only (never tokens):
-- {"user_id", "kind", "config_id" | "account"}. They ride on statements the app makes anyway
-- (a run's log insert/close, a config's status or pause change, a connection's status change),
-- so no statement is added; an UPDATE that leaves what a viewer sees unchanged (a lease renewal,
-- next_run_at, a same-status close) sends nothing.
CREATE FUNCTION calsync_notify(payload jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('calsync_events', payload::text);
END $$;

CREATE FUNCTION calsync_sync_logs_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM calsync_notify(jsonb_build_object('user_id', NEW.user_id, 'kind', 'run_started',
      'config_id', NEW.config_id, 'log_id', NEW.id));
  ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM calsync_notify(jsonb_build_object('user_id', NEW.user_id, 'kind', 'run_finished',
      'config_id', NEW.config_id, 'log_id', NEW.id, 'status', NEW.status));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sync_logs_event AFTER INSERT OR UPDATE OF status ON sync_logs
  FOR EACH ROW EXECUTE FUNCTION calsync_sync_logs_event();

CREATE FUNCTION calsync_sync_configs_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row sync_configs;
  kind text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    row := OLD;
    kind := 'config_deleted';
  ELSIF TG_OP = 'INSERT' THEN
    row := NEW;
    kind := 'config_created';
  ELSIF NEW.is_active AND NOT OLD.is_active THEN
    row := NEW;
    kind := 'config_resumed';
  ELSIF OLD.is_active AND NOT NEW.is_active THEN
    row := NEW;
    kind := 'config_paused';
  ELSIF NEW.last_status IS DISTINCT FROM OLD.last_status
     OR NEW.paused_reason IS DISTINCT FROM OLD.paused_reason THEN
    row := NEW;
    kind := 'status_changed';
  ELSE
    RETURN NULL;
  END IF;
  PERFORM calsync_notify(jsonb_build_object('user_id', row.user_id, 'kind', kind,
    'config_id', row.id));
  RETURN NULL;
END $$;
CREATE TRIGGER sync_configs_event
  AFTER INSERT OR DELETE OR UPDATE OF is_active, last_status, paused_reason ON sync_configs
  FOR EACH ROW EXECUTE FUNCTION calsync_sync_configs_event();

-- A Google account: connected (insert), needs reconnect, reconnected (ok again, or new tokens
-- on a connected_at renewal), disconnected (tokens wiped, or the row deleted).
CREATE FUNCTION calsync_google_accounts_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  kind text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM calsync_notify(jsonb_build_object('user_id', OLD.user_id, 'kind',
      'account_disconnected', 'account', OLD.id));
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
     AND NEW.connected_at IS NOT DISTINCT FROM OLD.connected_at THEN
    RETURN NULL;
  END IF;
  kind := CASE WHEN NEW.status = 'needs_reconnect' THEN 'account_needs_reconnect'
               WHEN NEW.status = 'disconnected' THEN 'account_disconnected'
               WHEN TG_OP = 'INSERT' THEN 'account_connected'
               ELSE 'account_reconnected' END;
  PERFORM calsync_notify(jsonb_build_object('user_id', NEW.user_id, 'kind', kind,
    'account', NEW.id));
  RETURN NULL;
END $$;
CREATE TRIGGER google_accounts_event
  AFTER INSERT OR DELETE OR UPDATE OF status, connected_at ON google_accounts
  FOR EACH ROW EXECUTE FUNCTION calsync_google_accounts_event();
