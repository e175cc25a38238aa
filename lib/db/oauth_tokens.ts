import type { Queryable } from "./mod.ts";

export type AccountType = "source" | "destination";
export type ConnectionStatus = "ok" | "needs_reconnect";

/** A row of `oauth_tokens`. Token columns hold ciphertext only (see lib/crypto/tokens.ts). */
export interface OAuthTokenRow {
  user_id: string;
  account_type: AccountType;
  google_email: string;
  /** Google's stable account id (the id_token's `sub`); null on rows connected before 0006. */
  google_sub: string | null;
  refresh_token_enc: string;
  access_token_enc: string | null;
  key_version: number;
  expires_at: Date | null;
  scopes: string;
  status: ConnectionStatus;
  status_reason: string | null;
  connected_at: Date;
  updated_at: Date;
}

export type NewOAuthToken = Pick<
  OAuthTokenRow,
  | "user_id"
  | "account_type"
  | "google_email"
  | "google_sub"
  | "refresh_token_enc"
  | "access_token_enc"
  | "key_version"
  | "expires_at"
  | "scopes"
>;

const COLUMNS = `user_id, account_type, google_email, google_sub, refresh_token_enc,
  access_token_enc, key_version, expires_at, scopes, status, status_reason, connected_at,
  updated_at`;

/**
 * Stores a connection in an empty slot, or new tokens for the Google account the slot already
 * holds (the same `sub`; the same email for a row that has no `sub` yet, which learns it here).
 * Answers undefined, and changes nothing, when the slot holds another Google account: replacing
 * it under live syncs would point them at calendars that account cannot see.
 * @example await saveOAuthToken(db, { user_id, account_type: "source", google_email, … });
 */
export async function saveOAuthToken(
  db: Queryable,
  token: NewOAuthToken,
): Promise<OAuthTokenRow | undefined> {
  const rows = await db.query<OAuthTokenRow>(
    `INSERT INTO oauth_tokens AS t (user_id, account_type, google_email, google_sub,
       refresh_token_enc, access_token_enc, key_version, expires_at, scopes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (user_id, account_type) DO UPDATE SET
       google_email = EXCLUDED.google_email,
       google_sub = COALESCE(EXCLUDED.google_sub, t.google_sub),
       refresh_token_enc = EXCLUDED.refresh_token_enc,
       access_token_enc = EXCLUDED.access_token_enc, key_version = EXCLUDED.key_version,
       expires_at = EXCLUDED.expires_at, scopes = EXCLUDED.scopes, status = 'ok',
       status_reason = NULL, connected_at = now(), updated_at = now()
     WHERE CASE WHEN t.google_sub IS NOT NULL AND EXCLUDED.google_sub IS NOT NULL
       THEN t.google_sub = EXCLUDED.google_sub
       ELSE lower(t.google_email) = lower(EXCLUDED.google_email) END
     RETURNING ${COLUMNS}`,
    [
      token.user_id,
      token.account_type,
      token.google_email,
      token.google_sub,
      token.refresh_token_enc,
      token.access_token_enc,
      token.key_version,
      token.expires_at,
      token.scopes,
    ],
  );
  return rows[0];
}

/** @example const token = await getOAuthToken(db, userId, "source"); */
export async function getOAuthToken(
  db: Queryable,
  userId: string,
  accountType: AccountType,
): Promise<OAuthTokenRow | undefined> {
  const rows = await db.query<OAuthTokenRow>(
    `SELECT ${COLUMNS} FROM oauth_tokens WHERE user_id = $1 AND account_type = $2`,
    [userId, accountType],
  );
  return rows[0];
}

/** @example const tokens = await listOAuthTokensByUser(db, userId); */
export async function listOAuthTokensByUser(
  db: Queryable,
  userId: string,
): Promise<OAuthTokenRow[]> {
  return await db.query<OAuthTokenRow>(
    `SELECT ${COLUMNS} FROM oauth_tokens WHERE user_id = $1 ORDER BY account_type`,
    [userId],
  );
}

/**
 * Stores a refreshed access token (and a new refresh token when Google rotated it) for the
 * connection whose refresh token is still `expectedRefreshTokenEnc`; false when the connection
 * was replaced or removed meanwhile.
 */
export async function updateOAuthAccessToken(
  db: Queryable,
  userId: string,
  accountType: AccountType,
  expectedRefreshTokenEnc: string,
  update: Pick<
    OAuthTokenRow,
    "refresh_token_enc" | "access_token_enc" | "key_version" | "expires_at" | "scopes"
  >,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE oauth_tokens SET refresh_token_enc = $4, access_token_enc = $5, key_version = $6,
       expires_at = $7, scopes = $8, updated_at = now()
     WHERE user_id = $1 AND account_type = $2 AND refresh_token_enc = $3
     RETURNING user_id`,
    [
      userId,
      accountType,
      expectedRefreshTokenEnc,
      update.refresh_token_enc,
      update.access_token_enc,
      update.key_version,
      update.expires_at,
      update.scopes,
    ],
  );
  return rows.length > 0;
}

/**
 * Sets a connection's status; answers the connection (undefined when there is none), for the
 * account's email and since when it is connected.
 * @example await setOAuthTokenStatus(db, userId, "source", "needs_reconnect", "invalid_grant");
 */
export async function setOAuthTokenStatus(
  db: Queryable,
  userId: string,
  accountType: AccountType,
  status: ConnectionStatus,
  reason: string | null,
): Promise<OAuthTokenRow | undefined> {
  const rows = await db.query<OAuthTokenRow>(
    `UPDATE oauth_tokens SET status = $3, status_reason = $4, updated_at = now()
     WHERE user_id = $1 AND account_type = $2 RETURNING ${COLUMNS}`,
    [userId, accountType, status, reason],
  );
  return rows[0];
}

/** Deletes a connection and returns what it held, or undefined when there was none. */
export async function deleteOAuthToken(
  db: Queryable,
  userId: string,
  accountType: AccountType,
): Promise<OAuthTokenRow | undefined> {
  const rows = await db.query<OAuthTokenRow>(
    `DELETE FROM oauth_tokens WHERE user_id = $1 AND account_type = $2 RETURNING ${COLUMNS}`,
    [userId, accountType],
  );
  return rows[0];
}

/** Up to `limit` rows not yet encrypted with key `version`, for key rotation. */
export async function listOAuthTokensNotAtKeyVersion(
  db: Queryable,
  version: number,
  limit: number,
): Promise<OAuthTokenRow[]> {
  return await db.query<OAuthTokenRow>(
    `SELECT ${COLUMNS} FROM oauth_tokens WHERE key_version <> $1
     ORDER BY user_id, account_type LIMIT $2`,
    [version, limit],
  );
}

/** Swaps a row's ciphertexts if they are still `expected` (compare-and-set); false otherwise. */
export async function replaceOAuthTokenCiphertexts(
  db: Queryable,
  row: Pick<OAuthTokenRow, "user_id" | "account_type" | "refresh_token_enc" | "access_token_enc">,
  next: Pick<OAuthTokenRow, "refresh_token_enc" | "access_token_enc" | "key_version">,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE oauth_tokens SET refresh_token_enc = $5, access_token_enc = $6, key_version = $7
     WHERE user_id = $1 AND account_type = $2 AND refresh_token_enc = $3
       AND access_token_enc IS NOT DISTINCT FROM $4
     RETURNING user_id`,
    [
      row.user_id,
      row.account_type,
      row.refresh_token_enc,
      row.access_token_enc,
      next.refresh_token_enc,
      next.access_token_enc,
      next.key_version,
    ],
  );
  return rows.length > 0;
}
