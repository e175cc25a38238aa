-- Failed sign-ins per key (an email or a client address) in a fixed window, shared by every
-- instance of the app. Keys are SHA-256 digests: the table holds no address and no email.

CREATE TABLE login_failures (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  reset_at timestamptz NOT NULL
);
CREATE INDEX login_failures_reset_at_idx ON login_failures (reset_at);
