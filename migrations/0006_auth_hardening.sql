-- Sign-in limits that slow guessers without locking the owner out (lib/auth/rate_limit.ts): one
-- row per key (a client address, an account, an address and account together, or an address
-- that registers), holding how many attempts it has spent and until when its next one waits.
-- Keys are SHA-256 digests: the table holds no address and no email. The fixed 15-minute
-- window of 0004 locked the owner out; its counters are dropped.
DROP TABLE login_failures;

CREATE TABLE rate_limits (
  key text PRIMARY KEY,
  attempts integer NOT NULL,
  blocked_until timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX rate_limits_expires_at_idx ON rate_limits (expires_at);

-- Signed-out sessions: the `jti` of each revoked JWT, kept until the token would have expired
-- anyway, so that every instance refuses it.
CREATE TABLE revoked_tokens (
  jti uuid PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_at_idx ON revoked_tokens (expires_at);

-- Google's stable account id (the id_token's `sub`): a reconnect that comes back with another
-- Google account must not replace the connected one. Rows connected before this column existed
-- learn it at their next reconnect (compared by email until then).
ALTER TABLE oauth_tokens ADD COLUMN google_sub text;
