-- Password resets: a link's token is stored as its SHA-256 only, used once, valid 30 minutes.
CREATE TABLE password_resets (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Which alerts a user wants; no row means every kind is on.
CREATE TABLE notification_settings (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  account_reconnect boolean NOT NULL DEFAULT true,
  sync_failing boolean NOT NULL DEFAULT true,
  events_refused boolean NOT NULL DEFAULT true,
  needs_review boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- What each user was told, one row per incident: (kind, subject, incident) is unique and rows
-- are inserted with ON CONFLICT DO NOTHING, so of several processes noticing the same incident
-- only the one whose insert lands sends the email. `subject` is an account id or a config id;
-- `incident` says which occurrence: 'open' while it lasts (renamed to its id when it ends), a
-- connection's connected_at, or a day for daily digests.
CREATE TABLE alert_incidents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind text NOT NULL
    CHECK (kind IN ('account_reconnect', 'sync_failing', 'events_refused', 'needs_review')),
  subject text NOT NULL,
  incident text NOT NULL,
  told_at timestamptz NOT NULL DEFAULT now(),
  reminded_at timestamptz,
  resolved_at timestamptz,
  UNIQUE (kind, subject, incident)
);
CREATE INDEX alert_incidents_user_idx ON alert_incidents (user_id);

-- Events the destination keeps refusing, with when that began: a digest tells of those refused
-- for a day. A run that copies one (or no longer sees it) removes its row.
CREATE TABLE refused_events (
  config_id uuid NOT NULL REFERENCES sync_configs (id) ON DELETE CASCADE,
  source_event_id text NOT NULL,
  summary text,
  reason text NOT NULL,
  first_refused_at timestamptz NOT NULL DEFAULT now(),
  last_refused_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (config_id, source_event_id)
);
