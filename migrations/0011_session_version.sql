-- A user's session version: every session token carries the version current when it was issued
-- (the `sv` claim), and a token of an older version is refused. Bumping it (a password reset)
-- signs every session of the user out at once, on this instance, and on the others within the
-- few seconds their session caches keep a verdict (lib/auth/session_cache.ts). Tokens issued
-- before this column existed carry no `sv` and count as version 0.
ALTER TABLE users ADD COLUMN session_version integer NOT NULL DEFAULT 0;
