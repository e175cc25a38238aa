import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { type gaxios, OAuth2Client } from "google-auth-library";
import { decryptToken, encryptToken, loadKeyRing } from "@/lib/crypto/tokens.ts";
import type { Db } from "@/lib/db/mod.ts";
import {
  type AccountType,
  getOAuthToken,
  setOAuthTokenStatus,
  updateOAuthAccessToken,
} from "@/lib/db/oauth_tokens.ts";
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
 * Turns off the retries google-auth-library asks gaxios for on its own token, revoke and cert
 * requests (it sets them per request, so only an interceptor can): the callers own retrying,
 * and an authorization code must not be spent twice.
 */
function withoutRetries<T extends OAuth2Client>(client: T): T {
  client.transporter.interceptors.request.add({
    resolved: (options) => Promise.resolve({ ...options, retry: false, retryConfig: undefined }),
  });
  return client;
}

/**
 * A Calendar v3 client acting as the user's connected account. Access tokens come from the
 * database and are refreshed (once per connection at a time, across clients) shortly before
 * they expire; refreshed tokens are stored re-encrypted. gaxios's own retries are off: callers
 * own the retry policy. Throws NotConnectedError, or NeedsReconnectError once Google refused the
 * grant.
 * @example const cal = await getCalendarClient(services, user.id, "source");
 */
export async function getCalendarClient(
  services: Services,
  userId: string,
  accountType: AccountType,
): Promise<calendar_v3.Calendar> {
  const row = await getOAuthToken(services.db, userId, accountType);
  if (!row) throw new NotConnectedError(accountType);
  if (row.status === "needs_reconnect") {
    throw new NeedsReconnectError(accountType, row.status_reason ?? "needs_reconnect");
  }
  const auth = new ConnectionAuthClient(services, userId, accountType);
  if (row.access_token_enc && row.expires_at) {
    const ring = await loadKeyRing(services.config.encryptionKeys);
    auth.setCredentials({
      access_token: await decryptToken(ring, row.access_token_enc, {
        userId,
        accountType,
        field: "access_token",
      }),
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

/**
 * Marks a connection as needing the user to connect again; the sync and the dashboard show it,
 * and the user is emailed once for this incident (lib/alerts).
 * @example await markNeedsReconnect(services, userId, "source", "invalid_grant");
 */
export async function markNeedsReconnect(
  services: Services,
  userId: string,
  accountType: AccountType,
  reason: string,
): Promise<void> {
  const row = await setOAuthTokenStatus(
    services.db,
    userId,
    accountType,
    "needs_reconnect",
    reason,
  );
  if (!row) return;
  log.warn("Google connection needs reconnect", {
    user_id: userId,
    account_type: accountType,
    reason,
  });
  await noteAccountNeedsReconnect(services, {
    userId,
    accountId: `${userId}:${accountType}`,
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
 * A usable access token for the connection: the stored one when another client or process
 * refreshed it meanwhile, else a new one from Google. Concurrent calls for one connection share
 * one refresh. `staleAccessToken` is the token the caller already has and will not accept back.
 */
export function refreshAccessToken(
  services: Services,
  userId: string,
  accountType: AccountType,
  staleAccessToken?: string,
): Promise<FreshAccessToken> {
  let inFlight = refreshesByDb.get(services.db);
  if (!inFlight) refreshesByDb.set(services.db, inFlight = new Map());
  const key = `${userId}:${accountType}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = refreshNow(services, userId, accountType, staleAccessToken)
      .finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function refreshNow(
  services: Services,
  userId: string,
  accountType: AccountType,
  staleAccessToken: string | undefined,
): Promise<FreshAccessToken> {
  const { db } = services;
  const row = await getOAuthToken(db, userId, accountType);
  if (!row) throw new NotConnectedError(accountType);
  if (row.status === "needs_reconnect") {
    throw new NeedsReconnectError(accountType, row.status_reason ?? "needs_reconnect");
  }
  const ring = await loadKeyRing(services.config.encryptionKeys);
  if (row.access_token_enc && row.expires_at) {
    const expiry = new Date(row.expires_at).getTime();
    const stored = await decryptToken(ring, row.access_token_enc, {
      userId,
      accountType,
      field: "access_token",
    });
    if (stored !== staleAccessToken && expiry > Date.now() + REUSE_MARGIN_MS) {
      return { access_token: stored, expiry_date: expiry };
    }
  }
  const refreshToken = await decryptToken(ring, row.refresh_token_enc, {
    userId,
    accountType,
    field: "refresh_token",
  });
  const client = createOAuthClient(services);
  client.setCredentials({ refresh_token: refreshToken });
  let credentials;
  try {
    ({ credentials } = await client.refreshAccessToken());
  } catch (err) {
    if (isInvalidGrant(err)) {
      await markNeedsReconnect(services, userId, accountType, "invalid_grant");
      throw new NeedsReconnectError(accountType, "invalid_grant");
    }
    throw err;
  }
  if (!credentials.access_token) throw new Error("Google answered a refresh without access_token");
  const expiryDate = credentials.expiry_date ?? Date.now() + 3600_000;
  const nextRefreshToken = credentials.refresh_token ?? refreshToken;
  await updateOAuthAccessToken(db, userId, accountType, row.refresh_token_enc, {
    refresh_token_enc: await encryptToken(ring, nextRefreshToken, {
      userId,
      accountType,
      field: "refresh_token",
    }),
    access_token_enc: await encryptToken(ring, credentials.access_token, {
      userId,
      accountType,
      field: "access_token",
    }),
    key_version: ring.currentVersion,
    expires_at: new Date(expiryDate),
    scopes: credentials.scope ?? row.scopes,
  });
  return { access_token: credentials.access_token, expiry_date: expiryDate };
}

/**
 * OAuth2Client of one stored connection. It never holds the refresh token: refreshing goes
 * through `refreshAccessToken` (shared, persisted). A 401 gets one refresh and one more try;
 * a second 401 means the grant is gone.
 */
class ConnectionAuthClient extends OAuth2Client {
  constructor(
    private readonly services: Services,
    private readonly userId: string,
    private readonly accountType: AccountType,
  ) {
    super({ endpoints: googleEndpoints(services.googleRootUrl) });
    withoutRetries(this);
    this.refreshHandler = () =>
      refreshAccessToken(services, userId, accountType, this.credentials.access_token ?? undefined);
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
    const fresh = await refreshAccessToken(
      this.services,
      this.userId,
      this.accountType,
      this.credentials.access_token ?? undefined,
    );
    this.setCredentials({ ...fresh, token_type: "Bearer" });
    try {
      return await super.requestAsync<T>(opts, true);
    } catch (err) {
      if (httpStatusOf(err) === 401) {
        await markNeedsReconnect(this.services, this.userId, this.accountType, "unauthorized");
        throw new NeedsReconnectError(this.accountType, "unauthorized");
      }
      throw err;
    }
  }
}
