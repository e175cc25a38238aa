import type { Queryable } from "./mod.ts";

/**
 * Stores a reset link's token (as its digest) for the user, valid until `expiresAt`.
 * @example await createPasswordReset(db, userId, await sha256Hex(token), expiresAt);
 */
export async function createPasswordReset(
  db: Queryable,
  userId: string,
  tokenHash: string,
  expiresAt: Date,
): Promise<void> {
  await db.query(
    "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
    [tokenHash, userId, expiresAt],
  );
}

/**
 * Spends a reset token: the user it was for, once, while it is valid; undefined for a token
 * unknown, used or expired. One statement, so two requests with one token cannot both spend it.
 */
export async function usePasswordReset(
  db: Queryable,
  tokenHash: string,
  now: Date,
): Promise<string | undefined> {
  const rows = await db.query<{ user_id: string }>(
    `UPDATE password_resets SET used_at = $2
     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id`,
    [tokenHash, now],
  );
  return rows[0]?.user_id;
}

/** Ends every unused reset link of the user (the password changed another way). */
export async function revokePasswordResets(db: Queryable, userId: string): Promise<void> {
  await db.query(
    "DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL",
    [userId],
  );
}

/** Drops links that expired a day ago or more. */
export async function deleteOldPasswordResets(db: Queryable, now: Date): Promise<void> {
  await db.query(
    "DELETE FROM password_resets WHERE expires_at < $1::timestamptz - interval '1 day'",
    [now],
  );
}
