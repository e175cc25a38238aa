-- Any number of Google accounts per user, in place of the two slots (source, destination) of
-- oauth_tokens. A sync config names each side as (account, calendar).
--
-- Each slot becomes an account; two slots holding one Google account (same sub, or same email
-- where a sub is unknown) become one account. The tokens are moved as they are: their ciphertext
-- is bound to the slot's name as additional data, which `token_label` keeps ('source' or
-- 'destination'); a token written later is bound to the account's own id instead.
-- `source_role_at` / `destination_role_at` remember when an account was last connected through
-- the seed's source / destination endpoints, which act on the most recent one.

CREATE TABLE google_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  google_sub text,
  google_email text NOT NULL,
  token_label text NOT NULL,
  refresh_token_enc text,
  access_token_enc text,
  key_version integer NOT NULL,
  expires_at timestamptz,
  scopes text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'needs_reconnect', 'disconnected')),
  status_reason text,
  source_role_at timestamptz,
  destination_role_at timestamptz,
  calendars_refreshed_at timestamptz,
  connected_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'disconnected') = (refresh_token_enc IS NULL))
);
CREATE UNIQUE INDEX google_accounts_user_sub_key ON google_accounts (user_id, google_sub);
CREATE INDEX google_accounts_user_email_idx ON google_accounts (user_id, lower(google_email));
CREATE INDEX google_accounts_key_version_idx ON google_accounts (key_version);

-- One account per (user, Google account): of two slots holding the same one, the tokens most
-- recently written are kept.
WITH ranked AS (
  SELECT t.*, row_number() OVER (
    PARTITION BY t.user_id, COALESCE(t.google_sub, lower(t.google_email))
    ORDER BY t.updated_at DESC, t.account_type
  ) AS n
  FROM oauth_tokens t
)
INSERT INTO google_accounts (user_id, google_sub, google_email, token_label, refresh_token_enc,
  access_token_enc, key_version, expires_at, scopes, status, status_reason, connected_at,
  updated_at)
SELECT user_id, google_sub, google_email, account_type, refresh_token_enc, access_token_enc,
  key_version, expires_at, scopes, status, status_reason, connected_at, updated_at
FROM ranked WHERE n = 1;

CREATE TEMPORARY TABLE slot_accounts ON COMMIT DROP AS
SELECT t.user_id, t.account_type, a.id AS account_id, t.connected_at
FROM oauth_tokens t
JOIN google_accounts a ON a.user_id = t.user_id
  AND COALESCE(a.google_sub, lower(a.google_email)) = COALESCE(t.google_sub, lower(t.google_email));

UPDATE google_accounts a SET source_role_at = s.connected_at
FROM slot_accounts s WHERE s.account_id = a.id AND s.account_type = 'source';
UPDATE google_accounts a SET destination_role_at = s.connected_at
FROM slot_accounts s WHERE s.account_id = a.id AND s.account_type = 'destination';

-- Calendar lists are cached per account.
ALTER TABLE calendars ADD COLUMN account_id uuid REFERENCES google_accounts (id) ON DELETE CASCADE;
UPDATE calendars c SET account_id = s.account_id
FROM slot_accounts s WHERE s.user_id = c.user_id AND s.account_type = c.account_type;
-- Both slots of one Google account cached the same list twice: keep one.
DELETE FROM calendars c WHERE account_id IS NULL OR (c.account_type = 'source' AND EXISTS (
  SELECT 1 FROM calendars d WHERE d.account_id = c.account_id AND d.calendar_id = c.calendar_id
    AND d.account_type = 'destination'));
ALTER TABLE calendars DROP CONSTRAINT calendars_pkey;
ALTER TABLE calendars DROP COLUMN account_type;
ALTER TABLE calendars ALTER COLUMN account_id SET NOT NULL;
ALTER TABLE calendars ADD PRIMARY KEY (account_id, calendar_id);
CREATE INDEX calendars_user_idx ON calendars (user_id);
UPDATE google_accounts a SET calendars_refreshed_at = (
  SELECT max(fetched_at) FROM calendars c WHERE c.account_id = a.id);

-- Each side of a config names its account. A config whose slot was empty (disconnected) has
-- none: it stays paused until the person picks calendars again.
ALTER TABLE sync_configs
  ADD COLUMN source_account_id uuid REFERENCES google_accounts (id) ON DELETE SET NULL,
  ADD COLUMN dest_account_id uuid REFERENCES google_accounts (id) ON DELETE SET NULL,
  -- Paused because this account was disconnected: connecting it again resumes the config.
  ADD COLUMN paused_for_account_id uuid REFERENCES google_accounts (id) ON DELETE SET NULL;
UPDATE sync_configs c SET source_account_id = s.account_id
FROM slot_accounts s WHERE s.user_id = c.user_id AND s.account_type = 'source';
UPDATE sync_configs c SET dest_account_id = s.account_id
FROM slot_accounts s WHERE s.user_id = c.user_id AND s.account_type = 'destination';
CREATE INDEX sync_configs_source_account_idx ON sync_configs (source_account_id);
CREATE INDEX sync_configs_dest_account_idx ON sync_configs (dest_account_id);

-- An authorization in flight names what it is for: a seed role, a reconnect of one account,
-- or neither (connect any account).
ALTER TABLE oauth_states ADD COLUMN role text CHECK (role IN ('source', 'destination'));
ALTER TABLE oauth_states ADD COLUMN account_id uuid REFERENCES google_accounts (id) ON DELETE CASCADE;
-- Started from a popup (a Reconnect on the dashboard): the dashboard it returns to closes it.
ALTER TABLE oauth_states ADD COLUMN in_popup boolean NOT NULL DEFAULT false;
UPDATE oauth_states SET role = account_type;
ALTER TABLE oauth_states DROP COLUMN account_type;

DROP TABLE oauth_tokens;
