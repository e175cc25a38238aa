-- The whole schema of DESIGN.md. Every tenant row hangs off users and goes with it.

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email = lower(email)),
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE oauth_tokens (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  account_type text NOT NULL CHECK (account_type IN ('source', 'destination')),
  google_email text NOT NULL,
  refresh_token_enc text NOT NULL,
  access_token_enc text,
  key_version integer NOT NULL,
  expires_at timestamptz,
  scopes text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'needs_reconnect')),
  status_reason text,
  connected_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, account_type)
);

CREATE TABLE calendars (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  account_type text NOT NULL CHECK (account_type IN ('source', 'destination')),
  calendar_id text NOT NULL,
  summary text NOT NULL,
  is_primary boolean NOT NULL DEFAULT false,
  access_role text NOT NULL,
  background_color text,
  time_zone text,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, account_type, calendar_id)
);

CREATE TABLE sync_configs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  source_calendar_id text NOT NULL,
  source_calendar_name text NOT NULL DEFAULT '',
  dest_calendar_id text NOT NULL,
  dest_calendar_name text NOT NULL DEFAULT '',
  sync_lookahead_days integer NOT NULL DEFAULT 90 CHECK (sync_lookahead_days BETWEEN 1 AND 365),
  mode text NOT NULL DEFAULT 'mirror',
  filters jsonb NOT NULL DEFAULT '{}',
  is_active boolean NOT NULL DEFAULT true,
  paused_reason text,
  sync_interval_minutes integer NOT NULL DEFAULT 15 CHECK (sync_interval_minutes BETWEEN 1 AND 1440),
  next_run_at timestamptz NOT NULL DEFAULT now(),
  sync_token text,
  window_end timestamptz,
  last_synced_at timestamptz,
  last_status text,
  last_error text,
  lease_owner text,
  lease_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (source_calendar_id <> dest_calendar_id)
);
CREATE INDEX sync_configs_user_idx ON sync_configs (user_id, created_at);
CREATE INDEX sync_configs_due_idx ON sync_configs (next_run_at) WHERE is_active;

CREATE TABLE sync_logs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  config_id uuid NOT NULL REFERENCES sync_configs (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule', 'cli')),
  status text NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'success', 'partial', 'failed', 'needs_reconnect')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  window_start timestamptz,
  window_end timestamptz,
  events_created integer NOT NULL DEFAULT 0,
  events_updated integer NOT NULL DEFAULT 0,
  events_deleted integer NOT NULL DEFAULT 0,
  events_skipped integer NOT NULL DEFAULT 0,
  events_failed integer NOT NULL DEFAULT 0,
  api_calls integer NOT NULL DEFAULT 0,
  duration_ms integer,
  error text,
  failures jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX sync_logs_config_idx ON sync_logs (config_id, started_at DESC);
CREATE INDEX sync_logs_user_idx ON sync_logs (user_id);

CREATE TABLE event_mappings (
  config_id uuid NOT NULL REFERENCES sync_configs (id) ON DELETE CASCADE,
  source_event_id text NOT NULL,
  dest_event_id text NOT NULL,
  sync_cluster_id uuid NOT NULL DEFAULT gen_random_uuid(),
  content_hash text NOT NULL,
  source_updated timestamptz,
  dest_updated timestamptz,
  event_start timestamptz,
  event_end timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (config_id, source_event_id)
);
CREATE UNIQUE INDEX event_mappings_dest_idx ON event_mappings (config_id, dest_event_id);
