import type { Queryable } from "./mod.ts";

/**
 * Records a signed-out token until it would have expired anyway; expired rows are swept on the
 * way, so the table holds only tokens that could still be presented.
 * @example await revokeToken(db, claims.jti, claims.expiresAt);
 */
export async function revokeToken(db: Queryable, jti: string, expiresAt: Date): Promise<void> {
  await db.query("DELETE FROM revoked_tokens WHERE expires_at <= now()");
  await db.query(
    `INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2)
     ON CONFLICT (jti) DO NOTHING`,
    [jti, expiresAt],
  );
}
