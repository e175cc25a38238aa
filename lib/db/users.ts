import type { Queryable } from "./mod.ts";

export interface User {
  id: string;
  email: string;
  created_at: Date;
}

export interface UserWithPassword extends User {
  /** Null for a user who signed up with Google and never set a password. */
  password_hash: string | null;
  /** The version every session token of the user must carry (`sv`); a bump ends all sessions. */
  session_version: number;
}

export class EmailTakenError extends Error {
  override name = "EmailTakenError";
}

/**
 * Creates a user; the email must already be normalised. Throws EmailTakenError when taken.
 * @example const user = await createUser(db, "ada@example.com", await hashPassword("…"));
 */
export async function createUser(
  db: Queryable,
  email: string,
  passwordHash: string,
): Promise<User> {
  const rows = await db.query<User>(
    `INSERT INTO users (email, password_hash) VALUES ($1, $2)
     ON CONFLICT ((lower(email))) DO NOTHING
     RETURNING id, email, created_at`,
    [email, passwordHash],
  );
  if (!rows[0]) throw new EmailTakenError(`Email "${email}" is already registered`);
  return rows[0];
}

/** @example const user = await getUserByEmail(db, "ada@example.com"); */
export async function getUserByEmail(
  db: Queryable,
  email: string,
): Promise<UserWithPassword | undefined> {
  const rows = await db.query<UserWithPassword>(
    `SELECT id, email, created_at, password_hash, session_version
     FROM users WHERE lower(email) = lower($1)`,
    [email],
  );
  return rows[0];
}

/**
 * The user of a session token and the user's current session version, unless that token was
 * signed out (`revoked_tokens`): one round trip, which the session cache
 * (lib/auth/session_cache.ts) spares most authenticated requests.
 * @example const found = await getUserOfSession(db, claims.userId, claims.jti);
 */
export async function getUserOfSession(
  db: Queryable,
  id: string,
  jti: string,
): Promise<{ user: User; sessionVersion: number } | undefined> {
  const rows = await db.query<User & { session_version: number }>(
    `SELECT id, email, created_at, session_version FROM users
     WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2)`,
    [id, jti],
  );
  if (!rows[0]) return undefined;
  const { session_version, ...user } = rows[0];
  return { user, sessionVersion: session_version };
}

/**
 * Moves the user to a new session version, so every token issued before is refused; returns the
 * new version (undefined for an unknown user). A password reset calls this.
 * @example await bumpSessionVersion(db, userId);
 */
export async function bumpSessionVersion(db: Queryable, id: string): Promise<number | undefined> {
  const rows = await db.query<{ session_version: number }>(
    "UPDATE users SET session_version = session_version + 1 WHERE id = $1 RETURNING session_version",
    [id],
  );
  return rows[0]?.session_version;
}

/** @example const user = await getUserById(db, userId); */
export async function getUserById(db: Queryable, id: string): Promise<User | undefined> {
  const rows = await db.query<User>(
    "SELECT id, email, created_at FROM users WHERE id = $1",
    [id],
  );
  return rows[0];
}

/** A user found by their Google account, with what a new session token must carry. */
export interface GoogleUser extends User {
  session_version: number;
}

/** @example const user = await getUserByGoogleSub(db, claims.sub); */
export async function getUserByGoogleSub(
  db: Queryable,
  sub: string,
): Promise<GoogleUser | undefined> {
  const rows = await db.query<GoogleUser>(
    "SELECT id, email, created_at, session_version FROM users WHERE google_sub = $1",
    [sub],
  );
  return rows[0];
}

/**
 * Creates a user who signs in with Google only (no password). Undefined when the email or the
 * Google account is taken meanwhile: the caller looks again.
 * @example const user = await createGoogleUser(db, "ada@example.com", "1234567890");
 */
export async function createGoogleUser(
  db: Queryable,
  email: string,
  sub: string,
): Promise<User | undefined> {
  const rows = await db.query<User>(
    `INSERT INTO users (email, password_hash, google_sub) VALUES ($1, NULL, $2)
     ON CONFLICT DO NOTHING
     RETURNING id, email, created_at`,
    [email, sub],
  );
  return rows[0];
}

/**
 * Lets the user sign in with this Google account from now on; false when the Google account
 * already signs in another user (nothing changes then).
 * @example if (!await linkGoogleSub(db, user.id, sub)) …
 */
export async function linkGoogleSub(db: Queryable, id: string, sub: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE users SET google_sub = $2
     WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE google_sub = $2 AND id <> $1)
     RETURNING id`,
    [id, sub],
  );
  return rows.length > 0;
}

/** Whether the user can sign in with Google. @example await hasGoogleSignIn(db, user.id) */
export async function hasGoogleSignIn(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query<{ linked: boolean }>(
    "SELECT google_sub IS NOT NULL AS linked FROM users WHERE id = $1",
    [id],
  );
  return rows[0]?.linked ?? false;
}

/**
 * Stores a new password hash for the user; false for an unknown user. Signing the user's other
 * sessions out is the caller's (`signOutEverywhere`).
 * @example await setPasswordHash(db, userId, await hashPassword("…"));
 */
export async function setPasswordHash(db: Queryable, id: string, hash: string): Promise<boolean> {
  const rows = await db.query("UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING id", [
    id,
    hash,
  ]);
  return rows.length > 0;
}

/** @example const user = await getUserWithPassword(db, userId); */
export async function getUserWithPassword(
  db: Queryable,
  id: string,
): Promise<UserWithPassword | undefined> {
  const rows = await db.query<UserWithPassword>(
    `SELECT id, email, created_at, password_hash, session_version FROM users WHERE id = $1`,
    [id],
  );
  return rows[0];
}
