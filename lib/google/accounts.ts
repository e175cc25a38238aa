/**
 * The Google accounts a person connects: any number, each one Google account (its stable
 * `sub`), stored with encrypted tokens. Connecting an account again renews its row — it never
 * adds a second one and never replaces another account.
 */
import { decryptToken, encryptToken, loadKeyRing } from "@/lib/crypto/tokens.ts";
import { deleteCalendars } from "@/lib/db/calendars.ts";
import {
  type AccountRole,
  disconnectGoogleAccount,
  findGoogleAccount,
  getGoogleAccount,
  type GoogleAccountRow,
  insertGoogleAccount,
  listGoogleAccounts,
  renewGoogleAccount,
} from "@/lib/db/google_accounts.ts";
import {
  listSyncConfigsUsingAccount,
  type PausedSyncConfig,
  pauseSyncConfigsUsingAccount,
  resumeSyncConfigsOfAccount,
} from "@/lib/db/sync_configs.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { createOAuthClient, ownerOf } from "./clients.ts";
import { httpStatusOf } from "./errors.ts";

/** Which Google account tokens are of: its email and, when Google said it, its stable `sub`. */
export interface GoogleIdentity {
  email: string;
  sub: string | null;
}

export interface NewConnection extends GoogleIdentity {
  refreshToken: string;
  accessToken: string;
  expiresAt: Date;
  scopes: string;
}

/** What storing a connection did: the account it is now, and whether that account is new. */
export interface StoredAccount {
  account: GoogleAccountRow;
  added: boolean;
}

/**
 * Stores a connection's tokens encrypted: as new tokens of the user's row for that Google
 * account (found by `sub`, or by email for rows that predate it) or as a new account. The
 * syncs a disconnect of that account paused resume, and its other syncs are due at once.
 * `role` records the seed role it was connected through (see seed_compat.ts).
 */
export async function storeAccount(
  services: Services,
  userId: string,
  connection: NewConnection,
  role: AccountRole | null = null,
): Promise<StoredAccount> {
  for (let attempt = 0;; attempt++) {
    const known = await findGoogleAccount(services.db, userId, connection);
    const id = known?.id ?? crypto.randomUUID();
    const fields = {
      ...await sealTokens(services, userId, id, connection),
      google_sub: connection.sub,
      google_email: connection.email,
      role,
    };
    const account = known
      ? await renewGoogleAccount(services.db, id, userId, fields)
      : await insertGoogleAccount(services.db, { id, user_id: userId, ...fields });
    // Another connect of the same account stored it between the two statements: renew that one.
    if (!account && attempt < 2) continue;
    if (!account) throw new Error("Cannot store the Google account: it keeps changing");
    const resumed = await resumeSyncConfigsOfAccount(services.db, userId, account.id);
    if (resumed) log.info("Resumed syncs after reconnect", { account_id: account.id, resumed });
    return { account, added: !known };
  }
}

async function sealTokens(
  services: Services,
  userId: string,
  accountId: string,
  connection: NewConnection,
) {
  const ring = await loadKeyRing(services.config.encryptionKeys);
  const owner = { user_id: userId, token_label: accountId };
  return {
    token_label: accountId,
    refresh_token_enc: await encryptToken(
      ring,
      connection.refreshToken,
      ownerOf(owner, "refresh_token"),
    ),
    access_token_enc: await encryptToken(
      ring,
      connection.accessToken,
      ownerOf(owner, "access_token"),
    ),
    key_version: ring.currentVersion,
    expires_at: connection.expiresAt,
    scopes: connection.scopes,
  };
}

/** Whether `a` and `b` are one Google account: by `sub` when both know it, else by email. */
export function sameGoogleAccount(a: GoogleIdentity, b: GoogleIdentity): boolean {
  return a.sub && b.sub ? a.sub === b.sub : a.email.toLowerCase() === b.email.toLowerCase();
}

/** An account as the API and the dashboard show it; never a token. */
export interface AccountSummary {
  id: string;
  email: string;
  status: "ok" | "needs_reconnect";
  connected_at: string;
  calendars_refreshed_at: string | null;
}

export function accountSummary(row: GoogleAccountRow): AccountSummary {
  return {
    id: row.id,
    email: row.google_email,
    status: row.status,
    connected_at: new Date(row.connected_at).toISOString(),
    calendars_refreshed_at: row.calendars_refreshed_at &&
      new Date(row.calendars_refreshed_at).toISOString(),
  };
}

/**
 * The user's connected accounts.
 * @example const accounts = await listAccounts(services, user.id);
 */
export async function listAccounts(services: Services, userId: string): Promise<AccountSummary[]> {
  return (await listGoogleAccounts(services.db, userId)).map(accountSummary);
}

export interface DisconnectResult {
  /** The syncs this disconnect paused (those using the account on either side). */
  paused: PausedSyncConfig[];
}

/**
 * Disconnects one of the user's accounts: deletes its tokens and cached calendars, pauses every
 * active sync that reads or writes it, and revokes its grant at Google (best effort). Undefined
 * when it is not the user's connected account.
 */
export async function disconnectAccount(
  services: Services,
  userId: string,
  accountId: string,
  role?: AccountRole,
): Promise<DisconnectResult | undefined> {
  const removed = await services.db.transaction(async (tx) => {
    const row = await disconnectGoogleAccount(tx, accountId, userId);
    if (!row) return undefined;
    await deleteCalendars(tx, userId, accountId);
    const reason = disconnectedReason(row.google_email, role);
    const paused = await pauseSyncConfigsUsingAccount(tx, userId, accountId, reason);
    return { row, paused };
  });
  if (!removed) return undefined;
  await revokeStored(services, removed.row);
  log.info("Google account disconnected", {
    user_id: userId,
    account_id: accountId,
    paused: removed.paused.length,
  });
  return { paused: removed.paused };
}

/** Why a disconnect paused a sync, in the words the dashboard shows (naming the seed role it went through). */
export function disconnectedReason(email: string, role?: AccountRole): string {
  return role
    ? `The ${role} Google account (${email}) was disconnected`
    : `The Google account ${email} was disconnected`;
}

/** The syncs that use an account, for a disconnect to say which it pauses; undefined when not the user's. */
export async function syncsUsingAccount(services: Services, userId: string, accountId: string) {
  if (!await getGoogleAccount(services.db, accountId, userId)) return undefined;
  return await listSyncConfigsUsingAccount(services.db, userId, accountId);
}

/** Revokes a token at Google; failures are logged (status only) and swallowed. */
export async function revokeBestEffort(services: Services, token: string): Promise<boolean> {
  try {
    await createOAuthClient(services).revokeToken(token);
    return true;
  } catch (err) {
    // The error's request URL carries the token: log the status alone.
    log.warn("Cannot revoke Google token", { status: httpStatusOf(err) ?? "no answer" });
    return false;
  }
}

async function revokeStored(services: Services, row: GoogleAccountRow): Promise<void> {
  const ring = await loadKeyRing(services.config.encryptionKeys);
  let refreshToken: string;
  try {
    refreshToken = await decryptToken(ring, row.refresh_token_enc, ownerOf(row, "refresh_token"));
  } catch {
    log.warn("Cannot revoke Google token: it does not decrypt", { account_id: row.id });
    return;
  }
  await revokeBestEffort(services, refreshToken);
}
