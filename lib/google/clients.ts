import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { type gaxios, OAuth2Client } from "google-auth-library";
import { decryptToken, encryptToken, loadKeyRing, type TokenField } from "@/lib/crypto/tokens.ts";
import type { Db } from "@/lib/db/mod.ts";
import {
  getGoogleAccount,
  type GoogleAccountRow,
  setAccountStatus,
  updateAccountAccessToken,
} from "@/lib/db/google_accounts.ts";
import { noteAccountNeedsReconnect } from "@/lib/alerts/mod.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { googleEndpoints } from "./endpoints.ts";
import { httpStatusOf, isInvalidGrant, NeedsReconnectError, NotConnectedError } from "./errors.ts";

/** The client the Google sandbox is used with; it accepts any id and secret. */
export const SANDBOX_CLIENT_ID = "cal-sync-sandbox";
export const SANDBOX_CLIENT_SECRET = "cal-sync-sandbox-secret";

/** Google refreshes eagerly under 5 minutes left; a stored token needs more to be reused. */
const REUSE_MARGIN_MS = 6 * 60 * 1000;

/** Where Google sends the browser back after consent. */
export function oauthRedirectUri(services: Services): string {
  return `${services.config.apiUrl}/api/oauth/callback`;
}

/**
 * An OAuth2Client for the configured Google client (or the sandbox's), pointed at
 * `services.googleRootUrl` when set.
 * @example const client = createOAuthClient(services); client.generateAuthUrl({ … });
 */
export function createOAuthClient(services: Services, redirectUri?: string): OAuth2Client {
  const endpoints = googleEndpoints(services.googleRootUrl);
  return withoutRetries(
    new OAuth2Client({
      clientId: services.config.oauthClientId ?? SANDBOX_CLIENT_ID,
      clientSecret: services.config.oauthClientSecret ?? SANDBOX_CLIENT_SECRET,
      redirectUri: redirectUri ?? oauthRedirectUri(services),
      endpoints,
      issuers: endpoints.issuers,
    }),
  );
}

/**
 * How our clients send their requests (the Calendar client sends through its auth client too):
 * - with Deno's own `fetch`: gaxios takes it when told; left alone, it loads npm node-fetch over
 *   Deno's node:http layer: with it went about a third of a no-change run's CPU (bench scheduler);
 * - without the retries google-auth-library asks gaxios for on its own token, revoke and cert
 *   requests (it sets them per request, so only an interceptor can): the callers own retrying,
 *   and an authorization code must not be spent twice.
 */
export function withoutRetries<T extends OAuth2Client>(client: T): T {
  client.transporter.defaults.fetchImplementation = fetch;
  client.transporter.interceptors.request.add({
    resolved: (options) => Promise.resolve({ ...options, retry: false, retryConfig: undefined }),
  });
  return client;
}

/** How an account is named in errors a person reads. */
export function accountName(row: { google_email: string }): string {
  return `Google account ${row.google_email}`;
}

/**
 * A Calendar v3 client acting as one of the user's connected Google accounts. Access tokens come
 * from the database and are refreshed (once per account at a time, across clients) shortly
 * before they expire; refreshed tokens are stored re-encrypted. gaxios's own retries are off:
 * callers own the retry policy. Throws NotConnectedError (not the user's connected account), or
 * NeedsReconnectError once Google refused the grant.
 * @example const cal = await getCalendarClient(services, user.id, accountId);
 */
export async function getCalendarClient(
  services: Services,
  userId: string,
  accountId: string,
  /**
   * The accounts read already (e.g. with a batch of configs): the account's row is taken from
   * here, if present, instead of read again.
   */
  read?: ReadonlyMap<string, GoogleAccountRow>,
): Promise<calendar_v3.Calendar> {
  const row = usable(
    read?.has(accountId)
      ? read.get(accountId)
      : await getGoogleAccount(services.db, accountId, userId),
    userId,
  );
  const auth = new AccountAuthClient(services, row);
  if (row.access_token_enc && row.expires_at) {
    const ring = await loadKeyRing(services.config.encryptionKeys);
    auth.setCredentials({
      access_token: await decryptToken(ring, row.access_token_enc, ownerOf(row, "access_token")),
      expiry_date: new Date(row.expires_at).getTime(),
      token_type: "Bearer",
    });
  }
  const { calendarRootUrl } = googleEndpoints(services.googleRootUrl);
  return calendar({
    version: "v3",
    auth,
    retry: false,
    ...(calendarRootUrl ? { rootUrl: calendarRootUrl } : {}),
  });
}

/** Who a stored token belongs to, as its ciphertext is bound. */
export function ownerOf(row: Pick<GoogleAccountRow, "user_id" | "token_label">, field: TokenField) {
  return { userId: row.user_id, label: row.token_label, field };
}

async function usableAccount(db: Db, userId: string, accountId: string) {
  return usable(await getGoogleAccount(db, accountId, userId), userId);
}

/** The row, if it is the user's and usable; else why not. */
function usable(row: GoogleAccountRow | undefined, userId: string): GoogleAccountRow {
  if (!row || row.user_id !== userId) throw new NotConnectedError("Google account");
  if (row.status === "needs_reconnect") {
    throw new NeedsReconnectError(accountName(row), row.status_reason ?? "needs_reconnect", row.id);
  }
  return row;
}

/**
 * Marks an account as needing the user to connect again; the sync and the dashboard show it,
 * and the user is emailed once for this incident (lib/alerts).
 * @example await markNeedsReconnect(services, accountId, "invalid_grant");
 */
export async function markNeedsReconnect(
  services: Services,
  accountId: string,
  reason: string,
): Promise<void> {
  const row = await setAccountStatus(services.db, accountId, "needs_reconnect", reason);
  if (!row) return;
  log.warn("Google account needs reconnect", { account_id: accountId, reason });
  await noteAccountNeedsReconnect(services, {
    userId: row.user_id,
    accountId: row.id,
    googleEmail: row.google_email,
    connectedAt: row.connected_at,
  });
}

interface FreshAccessToken {
  access_token: string;
  expiry_date: number;
}

const refreshesByDb = new WeakMap<Db, Map<string, Promise<FreshAccessToken>>>();

/**
 * A usable access token for the account: the stored one when another client or process
 * refreshed it meanwhile, else a new one from Google. Concurrent calls for one account share
 * one refresh. `staleAccessToken` is the token the caller already has and will not accept back.
 */
export function refreshAccessToken(
  services: Services,
  userId: string,
  accountId: string,
  staleAccessToken?: string,
): Promise<FreshAccessToken> {
  let inFlight = refreshesByDb.get(services.db);
  if (!inFlight) refreshesByDb.set(services.db, inFlight = new Map());
  let pending = inFlight.get(accountId);
  if (!pending) {
    pending = refreshNow(services, userId, accountId, staleAccessToken)
      .finally(() => inFlight.delete(accountId));
    inFlight.set(accountId, pending);
  }
  return pending;
}

async function refreshNow(
  services: Services,
  userId: string,
  accountId: string,
  staleAccessToken: string | undefined,
): Promise<FreshAccessToken> {
  const { db } = services;
  const row = await usableAccount(db, userId, accountId);
  const ring = await loadKeyRing(services.config.encryptionKeys);
  if (row.access_token_enc && row.expires_at) {
    const expiry = new Date(row.expires_at).getTime();
    const stored = await decryptToken(ring, row.access_token_enc, ownerOf(row, "access_token"));
    if (stored !== staleAccessToken && expiry > Date.now() + REUSE_MARGIN_MS) {
      return { access_token: stored, expiry_date: expiry };
    }
  }
  const refreshToken = await decryptToken(
    ring,
    row.refresh_token_enc,
    ownerOf(row, "refresh_token"),
  );
  const client = createOAuthClient(services);
  client.setCredentials({ refresh_token: refreshToken });
  let credentials;
  try {
    ({ credentials } = await client.refreshAccessToken());
  } catch (err) {
    if (isInvalidGrant(err)) {
      await markNeedsReconnect(services, accountId, "invalid_grant");
      throw new NeedsReconnectError(accountName(row), "invalid_grant", accountId);
    }
    throw err;
  }
  if (!credentials.access_token) throw new Error("Google answered a refresh without access_token");
  const expiryDate = credentials.expiry_date ?? Date.now() + 3600_000;
  const nextRefreshToken = credentials.refresh_token ?? refreshToken;
  await updateAccountAccessToken(db, accountId, row.refresh_token_enc, {
    refresh_token_enc: await encryptToken(ring, nextRefreshToken, ownerOf(row, "refresh_token")),
    access_token_enc: await encryptToken(
      ring,
      credentials.access_token,
      ownerOf(row, "access_token"),
    ),
    key_version: ring.currentVersion,
    expires_at: new Date(expiryDate),
    scopes: credentials.scope ?? row.scopes,
  });
  return { access_token: credentials.access_token, expiry_date: expiryDate };
}

/**
 * OAuth2Client of one stored account. It never holds the refresh token: refreshing goes
 * through `refreshAccessToken` (shared, persisted). A 401 gets one refresh and one more try;
 * a second 401 means the grant is gone.
 */
class AccountAuthClient extends OAuth2Client {
  constructor(
    private readonly services: Services,
    private readonly account: Pick<GoogleAccountRow, "id" | "user_id" | "google_email">,
  ) {
    super({ endpoints: googleEndpoints(services.googleRootUrl) });
    withoutRetries(this);
    this.refreshHandler = () => this.refresh();
  }

  private refresh() {
    const { id, user_id } = this.account;
    return refreshAccessToken(
      this.services,
      user_id,
      id,
      this.credentials.access_token ?? undefined,
    );
  }

  protected override async requestAsync<T>(
    opts: gaxios.GaxiosOptions,
    reAuthRetried = false,
  ): Promise<gaxios.GaxiosResponse<T>> {
    try {
      return await super.requestAsync<T>(opts, true);
    } catch (err) {
      if (httpStatusOf(err) !== 401 || reAuthRetried) throw err;
    }
    this.setCredentials({ ...await this.refresh(), token_type: "Bearer" });
    try {
      return await super.requestAsync<T>(opts, true);
    } catch (err) {
      if (httpStatusOf(err) === 401) {
        await markNeedsReconnect(this.services, this.account.id, "unauthorized");
        throw new NeedsReconnectError(accountName(this.account), "unauthorized", this.account.id);
      }
      throw err;
    }
  }
}
