-- One row per OAuth authorization in flight: the single-use nonce of the signed `state` and the
-- PKCE verifier, which never leaves the server. Rows are consumed by the callback or expire.

CREATE TABLE oauth_states (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  account_type text NOT NULL CHECK (account_type IN ('source', 'destination')),
  code_verifier text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);

CREATE INDEX oauth_tokens_key_version_idx ON oauth_tokens (key_version);
