import type { Queryable } from "./mod.ts";
import { isUuid } from "./uuid.ts";

export type AccountStatus = "ok" | "needs_reconnect";
/** The seed's two connection slots, now hints naming the account each last connected. */
export type AccountRole = "source" | "destination";

/** A row of `google_accounts`. Token columns hold ciphertext only (see lib/crypto/tokens.ts). */
export interface GoogleAccountRow {
  id: string;
  user_id: string;
  /** Google's stable account id (the id_token's `sub`); null on rows connected before 0006. */
  google_sub: string | null;
  google_email: string;
  /** What the tokens' ciphertext is bound to: the account id, or a slot name from before 0014. */
  token_label: string;
  refresh_token_enc: string;
  access_token_enc: string | null;
  key_version: number;
  expires_at: Date | null;
  scopes: string;
  status: AccountStatus;
  status_reason: string | null;
  source_role_at: Date | null;
  destination_role_at: Date | null;
  calendars_refreshed_at: Date | null;
  connected_at: Date;
  updated_at: Date;
}

export interface AccountTokens {
  token_label: string;
  refresh_token_enc: string;
  access_token_enc: string | null;
  key_version: number;
  expires_at: Date | null;
  scopes: string;
}

export interface NewGoogleAccount extends AccountTokens {
  id: string;
  user_id: string;
  google_sub: string | null;
  google_email: string;
  role: AccountRole | null;
}

const COLUMNS = `id, user_id, google_sub, google_email, token_label, refresh_token_enc,
  access_token_enc, key_version, expires_at, scopes, status, status_reason, source_role_at,
  destination_role_at, calendars_refreshed_at, connected_at, updated_at`;

/** Connected (ok or needing reconnect): a disconnected row is kept only so a reconnect resumes. */
const CONNECTED = `status <> 'disconnected'`;

/** An account row as `findGoogleAccount` answers it, disconnected ones included. */
export interface KnownAccount {
  id: string;
  google_sub: string | null;
  google_email: string;
  status: AccountStatus | "disconnected";
}

/**
 * The user's row for one Google account, connected or not: by `sub` when Google said it, else
 * (and for rows that predate `sub`) by email.
 */
export async function findGoogleAccount(
  db: Queryable,
  userId: string,
  identity: { sub: string | null; email: string },
): Promise<KnownAccount | undefined> {
  const rows = await db.query<KnownAccount>(
    `SELECT id, google_sub, google_email, status FROM google_accounts
     WHERE user_id = $1 AND (google_sub = $2 OR (
       ($2::text IS NULL OR google_sub IS NULL) AND lower(google_email) = lower($3)))
     ORDER BY (google_sub = $2) DESC NULLS LAST, updated_at DESC LIMIT 1`,
    [userId, identity.sub, identity.email],
  );
  return rows[0];
}

/**
 * Adds an account; undefined (nothing written) when the user already has this `sub`, which a
 * connect of the same account at the same moment just stored.
 */
export async function insertGoogleAccount(
  db: Queryable,
  account: NewGoogleAccount,
): Promise<GoogleAccountRow | undefined> {
  const rows = await db.query<GoogleAccountRow>(
    `INSERT INTO google_accounts (id, user_id, google_sub, google_email, token_label,
       refresh_token_enc, access_token_enc, key_version, expires_at, scopes,
       source_role_at, destination_role_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
       CASE WHEN $11::text = 'source' THEN now() END,
       CASE WHEN $11::text = 'destination' THEN now() END)
     ON CONFLICT (user_id, google_sub) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      account.id,
      account.user_id,
      account.google_sub,
      account.google_email,
      account.token_label,
      account.refresh_token_enc,
      account.access_token_enc,
      account.key_version,
      account.expires_at,
      account.scopes,
      account.role,
    ],
  );
  return rows[0];
}

/**
 * Stores new tokens on an existing account (a reconnect, or a connect of an account the user
 * had): status ok again, the `sub` learnt when it was unknown, the role hint renewed.
 */
export async function renewGoogleAccount(
  db: Queryable,
  id: string,
  userId: string,
  update: AccountTokens & {
    google_sub: string | null;
    google_email: string;
    role: AccountRole | null;
  },
): Promise<GoogleAccountRow | undefined> {
  const rows = await db.query<GoogleAccountRow>(
    `UPDATE google_accounts SET google_sub = COALESCE($3, google_sub), google_email = $4,
       token_label = $5, refresh_token_enc = $6, access_token_enc = $7, key_version = $8,
       expires_at = $9, scopes = $10, status = 'ok', status_reason = NULL,
       source_role_at = CASE WHEN $11::text = 'source' THEN now() ELSE source_role_at END,
       destination_role_at = CASE WHEN $11::text = 'destination' THEN now()
         ELSE destination_role_at END,
       connected_at = now(), updated_at = now()
     WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
    [
      id,
      userId,
      update.google_sub,
      update.google_email,
      update.token_label,
      update.refresh_token_enc,
      update.access_token_enc,
      update.key_version,
      update.expires_at,
      update.scopes,
      update.role,
    ],
  );
  return rows[0];
}

/**
 * One of the user's connected accounts; undefined for another user's, a disconnected one, or
 * no account's id at all.
 * @example const account = await getGoogleAccount(db, params.id, user.id);
 */
export async function getGoogleAccount(
  db: Queryable,
  id: string,
  userId: string,
): Promise<GoogleAccountRow | undefined> {
  if (!isUuid(id)) return undefined;
  const rows = await db.query<GoogleAccountRow>(
    `SELECT ${COLUMNS} FROM google_accounts WHERE id = $1 AND user_id = $2 AND ${CONNECTED}`,
    [id, userId],
  );
  return rows[0];
}

/**
 * The connected accounts among `ids`, whoever owns them, in one statement: the scheduler reads
 * the accounts of a claimed batch of configs at once (each run checks the owner).
 */
export async function getGoogleAccountsByIds(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, GoogleAccountRow>> {
  const wanted = [...new Set(ids)].filter(isUuid);
  if (wanted.length === 0) return new Map();
  const rows = await db.query<GoogleAccountRow>(
    `SELECT ${COLUMNS} FROM google_accounts WHERE id = ANY($1::uuid[]) AND ${CONNECTED}`,
    [wanted],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** The user's connected accounts, in the order they were first connected. */
export async function listGoogleAccounts(
  db: Queryable,
  userId: string,
): Promise<GoogleAccountRow[]> {
  return await db.query<GoogleAccountRow>(
    `SELECT ${COLUMNS} FROM google_accounts WHERE user_id = $1 AND ${CONNECTED}
     ORDER BY lower(google_email), id`,
    [userId],
  );
}

/**
 * The connected account most recently connected through a seed role (`/api/oauth/start/{role}`,
 * or the slot an account was migrated from): what the seed-compatible endpoints act on.
 */
export async function getAccountByRole(
  db: Queryable,
  userId: string,
  role: AccountRole,
): Promise<GoogleAccountRow | undefined> {
  const column = role === "source" ? "source_role_at" : "destination_role_at";
  const rows = await db.query<GoogleAccountRow>(
    `SELECT ${COLUMNS} FROM google_accounts
     WHERE user_id = $1 AND ${CONNECTED} AND ${column} IS NOT NULL
     ORDER BY ${column} DESC LIMIT 1`,
    [userId],
  );
  return rows[0];
}

/**
 * Makes a seed role name no account of the user's (a disconnect through the role empties it,
 * as it emptied the seed's slot).
 */
export async function clearRole(db: Queryable, userId: string, role: AccountRole): Promise<void> {
  const column = role === "source" ? "source_role_at" : "destination_role_at";
  await db.query(`UPDATE google_accounts SET ${column} = NULL WHERE user_id = $1`, [userId]);
}

/**
 * Stores a refreshed access token (and a new refresh token when Google rotated it) for the
 * account whose refresh token is still `expectedRefreshTokenEnc`; false when it was reconnected
 * or disconnected meanwhile.
 */
export async function updateAccountAccessToken(
  db: Queryable,
  id: string,
  expectedRefreshTokenEnc: string,
  update: Omit<AccountTokens, "token_label">,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE google_accounts SET refresh_token_enc = $3, access_token_enc = $4, key_version = $5,
       expires_at = $6, scopes = $7, updated_at = now()
     WHERE id = $1 AND refresh_token_enc = $2 RETURNING id`,
    [
      id,
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
 * Sets an account's status: the one place an account is marked `needs_reconnect` (or ok again;
 * lib/google/clients.ts markNeedsReconnect tells lib/alerts). Answers the account when its
 * status changed, undefined otherwise.
 * @example await setAccountStatus(db, accountId, "needs_reconnect", "invalid_grant");
 */
export async function setAccountStatus(
  db: Queryable,
  id: string,
  status: AccountStatus,
  reason: string | null,
): Promise<GoogleAccountRow | undefined> {
  const rows = await db.query<GoogleAccountRow>(
    `UPDATE google_accounts SET status = $2, status_reason = $3, updated_at = now()
     WHERE id = $1 AND ${CONNECTED} AND status IS DISTINCT FROM $2 RETURNING ${COLUMNS}`,
    [id, status, reason],
  );
  return rows[0];
}

/** Records when the account's calendar list was last read from Google. */
export async function setCalendarsRefreshedAt(db: Queryable, id: string, at: Date): Promise<void> {
  await db.query(`UPDATE google_accounts SET calendars_refreshed_at = $2 WHERE id = $1`, [id, at]);
}

/**
 * Disconnects an account: its tokens are wiped and the row kept (status `disconnected`), so
 * that connecting the same Google account again resumes the syncs this paused. Returns the row
 * as it was, or undefined when it is not the user's connected account.
 */
export async function disconnectGoogleAccount(
  db: Queryable,
  id: string,
  userId: string,
): Promise<GoogleAccountRow | undefined> {
  if (!isUuid(id)) return undefined;
  const rows = await db.query<GoogleAccountRow>(
    `UPDATE google_accounts a SET status = 'disconnected', status_reason = NULL,
       refresh_token_enc = NULL, access_token_enc = NULL, expires_at = NULL,
       source_role_at = NULL, destination_role_at = NULL, updated_at = now()
     FROM (SELECT ${COLUMNS} FROM google_accounts WHERE id = $1 AND user_id = $2 FOR UPDATE) old
     WHERE a.id = old.id AND a.${CONNECTED}
     RETURNING ${COLUMNS.split(",").map((c) => `old.${c.trim()}`).join(", ")}`,
    [id, userId],
  );
  return rows[0];
}

/** Up to `limit` connected rows not yet encrypted with key `version`, for key rotation. */
export async function listAccountsNotAtKeyVersion(
  db: Queryable,
  version: number,
  limit: number,
): Promise<GoogleAccountRow[]> {
  return await db.query<GoogleAccountRow>(
    `SELECT ${COLUMNS} FROM google_accounts WHERE key_version <> $1 AND ${CONNECTED}
     ORDER BY id LIMIT $2`,
    [version, limit],
  );
}

/** Swaps a row's ciphertexts if they are still `expected` (compare-and-set); false otherwise. */
export async function replaceAccountCiphertexts(
  db: Queryable,
  row: Pick<GoogleAccountRow, "id" | "refresh_token_enc" | "access_token_enc">,
  next: Pick<GoogleAccountRow, "refresh_token_enc" | "access_token_enc" | "key_version">,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE google_accounts SET refresh_token_enc = $4, access_token_enc = $5, key_version = $6
     WHERE id = $1 AND refresh_token_enc = $2 AND access_token_enc IS NOT DISTINCT FROM $3
     RETURNING id`,
    [
      row.id,
      row.refresh_token_enc,
      row.access_token_enc,
      next.refresh_token_enc,
      next.access_token_enc,
      next.key_version,
    ],
  );
  return rows.length > 0;
}
