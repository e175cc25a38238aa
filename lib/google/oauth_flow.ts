import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { watchCalendars } from "@/lib/sync/push.ts";
import { CodeChallengeMethod, type OAuth2Client } from "google-auth-library";
import { consumeOAuthState, createOAuthState } from "@/lib/db/oauth_states.ts";
import { type AccountRole, getGoogleAccount } from "@/lib/db/google_accounts.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { createOAuthClient } from "./clients.ts";
import { googleEndpoints } from "./endpoints.ts";
import { refreshCalendarList } from "./calendar_list.ts";
import {
  type GoogleIdentity,
  revokeBestEffort,
  sameGoogleAccount,
  storeAccount,
} from "./accounts.ts";

export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";
export const OAUTH_SCOPES = [CALENDAR_SCOPE, "openid", "email"];
export const STATE_LIFETIME_SECONDS = 10 * 60;

const STATE_AUDIENCE = "cal-sync/oauth-state";
const encoder = new TextEncoder();

/** The `state` of a callback is not one this user may use: tampered, expired, replayed or foreign. */
export class OAuthStateError extends Error {
  override name = "OAuthStateError";
}

/** What a connection is started for. */
export interface AuthorizationTarget {
  /** Reconnect this account of the user's: Google is asked to preselect it. */
  accountId?: string;
  /** The seed role it is started through (`/api/oauth/start/{role}`). */
  role?: AccountRole;
  /** An email for Google to preselect. */
  loginHint?: string;
  /** Started in a popup: the dashboard it returns to closes it. */
  popup?: boolean;
}

/**
 * Starts connecting a Google account: records a single-use state with a PKCE verifier kept on
 * the server, and returns Google's consent URL. A reconnect of `accountId` asks Google to
 * preselect that account (`login_hint`); undefined when it is not the user's account.
 * @example const { authorizationUrl } = await startAuthorization(services, user.id, {});
 */
export async function startAuthorization(
  services: Services,
  userId: string,
  target: AuthorizationTarget,
): Promise<{ authorizationUrl: string } | undefined> {
  let loginHint = target.loginHint;
  if (target.accountId) {
    const account = await getGoogleAccount(services.db, target.accountId, userId);
    if (!account) return undefined;
    loginHint = account.google_email;
  }
  const client = createOAuthClient(services);
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const id = crypto.randomUUID();
  await createOAuthState(services.db, {
    id,
    user_id: userId,
    role: target.role ?? null,
    account_id: target.accountId ?? null,
    in_popup: target.popup ?? false,
    code_verifier: codeVerifier,
    expires_at: new Date(Date.now() + STATE_LIFETIME_SECONDS * 1000),
  });
  const state = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setJti(id)
    .setAudience(STATE_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${STATE_LIFETIME_SECONDS}s`)
    .sign(await stateKey(services.config.jwtSecret));
  const authorizationUrl = client.generateAuthUrl({
    access_type: "offline",
    prompt: "consent",
    include_granted_scopes: true,
    scope: OAUTH_SCOPES,
    state,
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
    ...(loginHint ? { login_hint: loginHint } : {}),
  });
  return { authorizationUrl };
}

/** Who the callback was for: the seed role and the account a reconnect named, if any. */
interface CallbackTarget {
  role: AccountRole | null;
  accountId: string | null;
  popup: boolean;
}

export type CallbackOutcome =
  | CallbackTarget & { kind: "connected"; email: string; added: boolean; accountId: string }
  /**
   * A reconnect of `expected` came back as `signedInAs`: that account was stored as its own
   * (added or renewed), and `expected` was left as it is.
   */
  | CallbackTarget & {
    kind: "wrong_account";
    signedInAs: string;
    expected: string;
    added: boolean;
  }
  | CallbackTarget & { kind: "cancelled" }
  | CallbackTarget & { kind: "failed"; reason: FailureReason };

/** Why a connection failed, as a code the dashboard turns into words. */
export type FailureReason =
  | "google_error"
  | "exchange_failed"
  | "offline_access_missing"
  | "calendar_scope_missing"
  | "email_unknown";

export interface CallbackParams {
  state?: string;
  code?: string;
  error?: string;
}

/**
 * Finishes a connection on Google's redirect: checks and consumes the state (OAuthStateError
 * when it is not this user's, live and unused), exchanges the code, learns which Google account
 * it is, stores the encrypted tokens and caches the calendars. A reconnect that comes back with
 * another Google account stores that one as its own and leaves the reconnected one untouched
 * (`wrong_account`).
 */
export async function completeAuthorization(
  services: Services,
  userId: string,
  params: CallbackParams,
): Promise<CallbackOutcome> {
  const { target, codeVerifier } = await consumeState(services, userId, params.state);
  if (params.error) {
    return params.error === "access_denied"
      ? { ...target, kind: "cancelled" }
      : failed(userId, target, "google_error", params.error);
  }
  if (!params.code) return failed(userId, target, "google_error", "no code");
  const granted = await exchangeCode(services, params.code, codeVerifier);
  if ("reason" in granted) return failed(userId, target, granted.reason, granted.detail);
  const expected = target.accountId
    ? await getGoogleAccount(services.db, target.accountId, userId)
    : undefined;
  const { account, added } = await storeAccount(services, userId, granted, target.role);
  try {
    await refreshCalendarList(services, userId, account.id);
  } catch (err) {
    log.warn("Cannot cache calendar list after connecting", {
      account_id: account.id,
      error: describe(err),
    });
  }
  // Connected again: channels opened under the old grant are replaced; new syncs get theirs.
  await watchCalendars(services, userId, Date.now(), {
    reopenAccount: added ? undefined : account.id,
  });
  const email = account.google_email;
  const identity = { email: expected?.google_email ?? "", sub: expected?.google_sub ?? null };
  if (expected && !sameGoogleAccount(identity, granted)) {
    log.warn("Reconnect came back with another Google account; stored it as its own", {
      user_id: userId,
      account_id: expected.id,
      stored_account_id: account.id,
    });
    return { ...target, kind: "wrong_account", signedInAs: email, expected: identity.email, added };
  }
  log.info("Google account connected", { user_id: userId, account_id: account.id, added });
  return { ...target, kind: "connected", email, added, accountId: account.id };
}

type Granted = GoogleIdentity & {
  refreshToken: string;
  accessToken: string;
  expiresAt: Date;
  scopes: string;
};

/** Trades the code for tokens and learns whose they are; a grant the app cannot use is revoked. */
async function exchangeCode(
  services: Services,
  code: string,
  codeVerifier: string,
): Promise<Granted | { reason: FailureReason; detail?: string }> {
  const client = createOAuthClient(services);
  let tokens;
  try {
    ({ tokens } = await client.getToken({ code, codeVerifier }));
  } catch (err) {
    return { reason: "exchange_failed", detail: describe(err) };
  }
  const { access_token, refresh_token } = tokens;
  if (!access_token || !refresh_token) {
    if (access_token) await revokeBestEffort(services, access_token);
    return { reason: "offline_access_missing" };
  }
  const scopes = (tokens.scope ?? "").split(/\s+/).filter(Boolean);
  if (!scopes.includes(CALENDAR_SCOPE)) {
    await revokeBestEffort(services, refresh_token);
    return { reason: "calendar_scope_missing" };
  }
  try {
    const identity = await accountIdentity(
      services,
      client,
      tokens.id_token ?? undefined,
      access_token,
    );
    return {
      ...identity,
      refreshToken: refresh_token,
      accessToken: access_token,
      expiresAt: new Date(tokens.expiry_date ?? Date.now() + 3600_000),
      scopes: scopes.join(" "),
    };
  } catch (err) {
    await revokeBestEffort(services, refresh_token);
    return { reason: "email_unknown", detail: describe(err) };
  }
}

function failed(
  userId: string,
  target: CallbackTarget,
  reason: FailureReason,
  detail?: string,
): CallbackOutcome {
  log.warn("Google connection failed", {
    user_id: userId,
    ...(target.accountId ? { account_id: target.accountId } : {}),
    reason,
    ...(detail ? { detail } : {}),
  });
  return { ...target, kind: "failed", reason };
}

async function consumeState(
  services: Services,
  userId: string,
  state: string | undefined,
): Promise<{ target: CallbackTarget; codeVerifier: string }> {
  if (!state) throw new OAuthStateError("The sign-in link is missing its state");
  let payload;
  try {
    ({ payload } = await jwtVerify(state, await stateKey(services.config.jwtSecret), {
      algorithms: ["HS256"],
      audience: STATE_AUDIENCE,
      requiredClaims: ["sub", "jti", "exp"],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) {
      throw new OAuthStateError("The connection attempt expired: start again");
    }
    if (err instanceof joseErrors.JOSEError) {
      throw new OAuthStateError("The connection link is not valid");
    }
    throw err;
  }
  if (payload.sub !== userId) {
    throw new OAuthStateError("This connection was started by another user");
  }
  const row = await consumeOAuthState(services.db, payload.jti!, userId);
  if (!row) throw new OAuthStateError("This connection link was already used or has expired");
  return {
    target: { role: row.role, accountId: row.account_id, popup: row.in_popup },
    codeVerifier: row.code_verifier,
  };
}

/** A key for states only, derived from JWT_SECRET so that a state is never a session token. */
async function stateKey(secret: string): Promise<Uint8Array<ArrayBuffer>> {
  const hmac = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", hmac, encoder.encode(STATE_AUDIENCE)));
}

/** Which Google account the tokens are of: the verified id_token's claims, else userinfo's. */
async function accountIdentity(
  services: Services,
  client: OAuth2Client,
  idToken: string | undefined,
  accessToken: string,
): Promise<GoogleIdentity> {
  if (idToken) {
    const ticket = await client.verifyIdToken({ idToken, audience: client._clientId });
    const payload = ticket.getPayload();
    if (payload?.email) return { email: payload.email.toLowerCase(), sub: payload.sub || null };
  }
  const response = await fetch(googleEndpoints(services.googleRootUrl).userinfoUrl, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (!response.ok) throw new Error(`userinfo answered ${response.status}`);
  const { email, sub } = await response.json();
  if (typeof email !== "string" || !email) throw new Error("userinfo has no email");
  return { email: email.toLowerCase(), sub: typeof sub === "string" && sub ? sub : null };
}

/** A short reason for logs; google-auth-library puts whole id_tokens into some messages. */
function describe(err: unknown): string {
  // deno-lint-ignore no-explicit-any
  const data = (err as any)?.response?.data;
  if (data && typeof data.error === "string") return data.error;
  const message = err instanceof Error ? err.message : String(err);
  return message
    .replace(/[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g, "[token]")
    .replace(/\b(ya29\.|1\/\/)[\w./-]+/g, "[token]")
    .slice(0, 200);
}
