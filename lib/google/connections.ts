import { decryptToken, encryptToken, loadKeyRing } from "@/lib/crypto/tokens.ts";
import { deleteCalendars } from "@/lib/db/calendars.ts";
import {
  type AccountType,
  type ConnectionStatus,
  deleteOAuthToken,
  getOAuthToken,
  listOAuthTokensByUser,
  type OAuthTokenRow,
  saveOAuthToken,
} from "@/lib/db/oauth_tokens.ts";
import { pauseSyncConfigsOfUser, resumeSyncConfigsPausedFor } from "@/lib/db/sync_configs.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { createOAuthClient } from "./clients.ts";
import { httpStatusOf } from "./errors.ts";

export const ACCOUNT_TYPES = ["source", "destination"] as const satisfies readonly AccountType[];

/** Which Google account a connection is: its email and, when Google said it, its stable `sub`. */
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

/** What storing a connection did: stored, or refused because the slot holds another account. */
export type StoreOutcome =
  | { stored: true }
  | { stored: false; connectedEmail: string };

/**
 * Stores a connection's tokens encrypted in an empty slot, or as new tokens of the Google account
 * the slot already holds (its syncs paused by a disconnect of that account then resume). A slot
 * holding another Google account is left as it is: until accounts replace the two slots,
 * disconnecting is the one way to change the account under a slot's syncs.
 */
export async function storeConnection(
  services: Services,
  userId: string,
  accountType: AccountType,
  connection: NewConnection,
): Promise<StoreOutcome> {
  const ring = await loadKeyRing(services.config.encryptionKeys);
  const owner = (field: "refresh_token" | "access_token") => ({ userId, accountType, field });
  const row = {
    user_id: userId,
    account_type: accountType,
    google_email: connection.email,
    google_sub: connection.sub,
    refresh_token_enc: await encryptToken(ring, connection.refreshToken, owner("refresh_token")),
    access_token_enc: await encryptToken(ring, connection.accessToken, owner("access_token")),
    key_version: ring.currentVersion,
    expires_at: connection.expiresAt,
    scopes: connection.scopes,
  };
  if (!await saveOAuthToken(services.db, row)) {
    const current = await getOAuthToken(services.db, userId, accountType);
    // Disconnected between the two statements: the slot is empty now, so connect into it.
    if (current || !await saveOAuthToken(services.db, row)) {
      return { stored: false, connectedEmail: current?.google_email ?? connection.email };
    }
  }
  await resumeAfterReconnect(services, userId);
  return { stored: true };
}

/** Whether `a` and `b` are one Google account: by `sub` when both know it, else by email. */
export function sameGoogleAccount(a: GoogleIdentity, b: GoogleIdentity): boolean {
  return a.sub && b.sub ? a.sub === b.sub : a.email.toLowerCase() === b.email.toLowerCase();
}

/**
 * Revokes a grant the app will not keep (best effort), unless another connection of the user
 * is the same Google account: revoking any token of a grant ends the app's access to that
 * account as a whole.
 */
export async function revokeUnlessInUse(
  services: Services,
  userId: string,
  identity: GoogleIdentity,
  token: string,
): Promise<void> {
  const connections = await listOAuthTokensByUser(services.db, userId);
  const inUse = connections.some((c) =>
    sameGoogleAccount({ email: c.google_email, sub: c.google_sub }, identity)
  );
  if (!inUse) await revokeBestEffort(services, token);
}

function disconnectedReason(accountType: AccountType, email: string): string {
  return `The ${accountType} Google account (${email}) was disconnected`;
}

/**
 * Once both accounts are connected again, turns back on the syncs that a disconnect of those
 * same Google accounts paused. Syncs paused by the user, or for another account, stay paused.
 */
async function resumeAfterReconnect(services: Services, userId: string): Promise<void> {
  const connections = await listOAuthTokensByUser(services.db, userId);
  if (connections.length < ACCOUNT_TYPES.length) return;
  const reasons = connections.map((c) => disconnectedReason(c.account_type, c.google_email));
  const resumed = await resumeSyncConfigsPausedFor(services.db, userId, reasons);
  if (resumed) log.info("Resumed syncs after reconnect", { user_id: userId, resumed });
}

/**
 * Disconnects an account: revokes its grant at Google (best effort), deletes its tokens and
 * cached calendars, and pauses the user's sync configs. Null when nothing was connected.
 */
export async function disconnect(
  services: Services,
  userId: string,
  accountType: AccountType,
): Promise<{ pausedSyncConfigs: number } | null> {
  const removed = await services.db.transaction(async (tx) => {
    const row = await deleteOAuthToken(tx, userId, accountType);
    if (!row) return undefined;
    await deleteCalendars(tx, userId, accountType);
    const paused = await pauseSyncConfigsOfUser(
      tx,
      userId,
      disconnectedReason(accountType, row.google_email),
    );
    return { row, paused };
  });
  if (!removed) return null;
  await revokeDisconnected(services, removed.row);
  log.info("Google account disconnected", { user_id: userId, account_type: accountType });
  return { pausedSyncConfigs: removed.paused };
}

export interface ConnectionSummary {
  connected: boolean;
  email: string | null;
  status: ConnectionStatus | null;
  connected_at: Date | null;
}

/** What the dashboard shows of both connections; never a token. */
export async function connectionStatus(
  services: Services,
  userId: string,
): Promise<Record<AccountType, ConnectionSummary>> {
  const rows = await listOAuthTokensByUser(services.db, userId);
  const summary = (accountType: AccountType): ConnectionSummary => {
    const row = rows.find((r) => r.account_type === accountType);
    return row
      ? {
        connected: true,
        email: row.google_email,
        status: row.status,
        connected_at: row.connected_at,
      }
      : { connected: false, email: null, status: null, connected_at: null };
  };
  return { source: summary("source"), destination: summary("destination") };
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

/** Revokes the grant of a removed connection, unless the user's other slot uses its account. */
async function revokeDisconnected(services: Services, row: OAuthTokenRow): Promise<void> {
  const ring = await loadKeyRing(services.config.encryptionKeys);
  let refreshToken: string;
  try {
    refreshToken = await decryptToken(ring, row.refresh_token_enc, {
      userId: row.user_id,
      accountType: row.account_type,
      field: "refresh_token",
    });
  } catch {
    log.warn("Cannot revoke Google token: it does not decrypt", { user_id: row.user_id });
    return;
  }
  await revokeUnlessInUse(
    services,
    row.user_id,
    { email: row.google_email, sub: row.google_sub },
    refreshToken,
  );
}
