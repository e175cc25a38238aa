-- Google push channels (events.watch): one per (Google account, calendar) read as a source by an
-- active config, two for a while during a renewal. The token is kept only as its SHA-256: a
-- message proves itself by sending the token, which the database alone cannot forge.
CREATE TABLE push_channels (
  id text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES google_accounts (id) ON DELETE CASCADE,
  calendar_id text NOT NULL,
  resource_id text NOT NULL,
  token_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz
);
CREATE INDEX push_channels_calendar_idx ON push_channels (account_id, calendar_id);
CREATE INDEX push_channels_expiry_idx ON push_channels (expires_at);
