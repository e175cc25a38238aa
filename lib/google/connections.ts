import { decryptToken, encryptToken, loadKeyRing } from "@/lib/crypto/tokens.ts";
import { deleteCalendars } from "@/lib/db/calendars.ts";
import {
  type AccountType,
  type ConnectionStatus,
  deleteOAuthToken,
  getOAuthToken,
  listOAuthTokensByUser,
  type OAuthTokenRow,
  pauseSyncConfigsOfUser,
  resumeSyncConfigsPausedFor,
  saveOAuthToken,
} from "@/lib/db/oauth_tokens.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { createOAuthClient } from "./clients.ts";
import { httpStatusOf } from "./errors.ts";

export const ACCOUNT_TYPES = ["source", "destination"] as const satisfies readonly AccountType[];

export interface NewConnection {
  email: string;
  refreshToken: string;
  accessToken: string;
  expiresAt: Date;
  scopes: string;
}

/**
 * Stores a connection's tokens encrypted, replacing the previous connection of that account
 * type, whose grant is then revoked at Google unless it is still in use.
 */
export async function storeConnection(
  services: Services,
  userId: string,
  accountType: AccountType,
  connection: NewConnection,
): Promise<void> {
  const ring = await loadKeyRing(services.config.encryptionKeys);
  const owner = (field: "refresh_token" | "access_token") => ({ userId, accountType, field });
  const previous = await getOAuthToken(services.db, userId, accountType);
  await saveOAuthToken(services.db, {
    user_id: userId,
    account_type: accountType,
    google_email: connection.email,
    refresh_token_enc: await encryptToken(ring, connection.refreshToken, owner("refresh_token")),
    access_token_enc: await encryptToken(ring, connection.accessToken, owner("access_token")),
    key_version: ring.currentVersion,
    expires_at: connection.expiresAt,
    scopes: connection.scopes,
  });
  if (previous) await revokeReplaced(services, previous, connection.email);
  await resumeAfterReconnect(services, userId);
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
  await revokeReplaced(services, removed.row, undefined);
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

/**
 * Revoking any token of a Google grant ends the app's access to that Google account as a
 * whole, so a grant is revoked only once no connection of the user uses its account.
 */
async function revokeReplaced(
  services: Services,
  row: OAuthTokenRow,
  replacementEmail: string | undefined,
): Promise<void> {
  if (replacementEmail === row.google_email) return;
  const others = await listOAuthTokensByUser(services.db, row.user_id);
  if (others.some((o) => o.google_email === row.google_email)) return;
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
  await revokeBestEffort(services, refreshToken);
}
