import type { Queryable } from "./mod.ts";

export interface User {
  id: string;
  email: string;
  created_at: Date;
}

export interface UserWithPassword extends User {
  password_hash: string;
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
    "SELECT id, email, created_at, password_hash FROM users WHERE lower(email) = lower($1)",
    [email],
  );
  return rows[0];
}

/**
 * The user of a session token, unless that token was signed out (`revoked_tokens`): one round
 * trip for every authenticated request.
 * @example const user = await getUserOfSession(db, claims.userId, claims.jti);
 */
export async function getUserOfSession(
  db: Queryable,
  id: string,
  jti: string,
): Promise<User | undefined> {
  const rows = await db.query<User>(
    `SELECT id, email, created_at FROM users
     WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2)`,
    [id, jti],
  );
  return rows[0];
}

/** @example const user = await getUserById(db, userId); */
export async function getUserById(db: Queryable, id: string): Promise<User | undefined> {
  const rows = await db.query<User>(
    "SELECT id, email, created_at FROM users WHERE id = $1",
    [id],
  );
  return rows[0];
}
