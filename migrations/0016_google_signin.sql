-- Sign in with Google: a user may carry Google's stable account id (the verified id_token's
-- `sub`), unique across users, and a user who signed up with Google has no password.
ALTER TABLE users ADD COLUMN google_sub text;
CREATE UNIQUE INDEX users_google_sub_key ON users (google_sub);
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;

-- One row per Google sign-in (or link) in flight: the single-use state's id, the PKCE verifier
-- and the OpenID nonce, which never leave the server. A link is bound to the signed-in user who
-- started it; a sign-in to the browser that started it (a cookie holding the state). Kept apart
-- from oauth_states, which belongs to connecting calendars.
CREATE TABLE google_signin_states (
  id uuid PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('sign_in', 'link')),
  user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  client text NOT NULL DEFAULT 'web' CHECK (client IN ('web', 'v0')),
  next text NOT NULL DEFAULT '/',
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((purpose = 'link') = (user_id IS NOT NULL))
);
CREATE INDEX google_signin_states_expires_idx ON google_signin_states (expires_at);
