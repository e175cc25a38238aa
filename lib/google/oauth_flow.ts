import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { CodeChallengeMethod, type OAuth2Client } from "google-auth-library";
import { consumeOAuthState, createOAuthState } from "@/lib/db/oauth_states.ts";
import { type AccountType, getOAuthToken } from "@/lib/db/oauth_tokens.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { createOAuthClient } from "./clients.ts";
import { googleEndpoints } from "./endpoints.ts";
import { refreshCalendarList } from "./calendar_list.ts";
import {
  type GoogleIdentity,
  revokeBestEffort,
  revokeUnlessInUse,
  storeConnection,
} from "./connections.ts";

export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";
export const OAUTH_SCOPES = [CALENDAR_SCOPE, "openid", "email"];
export const STATE_LIFETIME_SECONDS = 10 * 60;

const STATE_AUDIENCE = "cal-sync/oauth-state";
const encoder = new TextEncoder();

/** The `state` of a callback is not one this user may use: tampered, expired, replayed or foreign. */
export class OAuthStateError extends Error {
  override name = "OAuthStateError";
}

/**
 * Starts connecting a Google account: records a single-use state with a PKCE verifier kept on
 * the server, and returns Google's consent URL.
 * @example const { authorizationUrl } = await startAuthorization(services, user.id, "source");
 */
export async function startAuthorization(
  services: Services,
  userId: string,
  accountType: AccountType,
): Promise<{ authorizationUrl: string }> {
  const client = createOAuthClient(services);
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const id = crypto.randomUUID();
  await createOAuthState(services.db, {
    id,
    user_id: userId,
    account_type: accountType,
    code_verifier: codeVerifier,
    expires_at: new Date(Date.now() + STATE_LIFETIME_SECONDS * 1000),
  });
  const state = await new SignJWT({ act: accountType })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setJti(id)
    .setAudience(STATE_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${STATE_LIFETIME_SECONDS}s`)
    .sign(await stateKey(services.config.jwtSecret));
  const current = await getOAuthToken(services.db, userId, accountType);
  const authorizationUrl = client.generateAuthUrl({
    access_type: "offline",
    prompt: "consent",
    include_granted_scopes: true,
    scope: OAUTH_SCOPES,
    state,
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
    ...(current ? { login_hint: current.google_email } : {}),
  });
  return { authorizationUrl };
}

export type CallbackOutcome =
  | { kind: "connected"; accountType: AccountType; email: string }
  /** The person signed in as `signedInAs`, but the slot is connected to `connectedAs`. */
  | { kind: "wrong_account"; accountType: AccountType; signedInAs: string; connectedAs: string }
  | { kind: "cancelled"; accountType: AccountType }
  | { kind: "failed"; accountType: AccountType; reason: FailureReason };

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
 * another Google account than the slot holds changes nothing (`wrong_account`).
 */
export async function completeAuthorization(
  services: Services,
  userId: string,
  params: CallbackParams,
): Promise<CallbackOutcome> {
  const { accountType, codeVerifier } = await consumeState(services, userId, params.state);
  if (params.error) {
    return params.error === "access_denied"
      ? { kind: "cancelled", accountType }
      : failed(userId, accountType, "google_error", params.error);
  }
  if (!params.code) return failed(userId, accountType, "google_error", "no code");

  const client = createOAuthClient(services);
  let tokens;
  try {
    ({ tokens } = await client.getToken({ code: params.code, codeVerifier }));
  } catch (err) {
    return failed(userId, accountType, "exchange_failed", describe(err));
  }
  const { access_token, refresh_token } = tokens;
  if (!access_token || !refresh_token) {
    if (access_token) await revokeBestEffort(services, access_token);
    return failed(userId, accountType, "offline_access_missing");
  }
  const scopes = (tokens.scope ?? "").split(/\s+/).filter(Boolean);
  if (!scopes.includes(CALENDAR_SCOPE)) {
    await revokeBestEffort(services, refresh_token);
    return failed(userId, accountType, "calendar_scope_missing");
  }
  let identity: GoogleIdentity;
  try {
    identity = await accountIdentity(services, client, tokens.id_token ?? undefined, access_token);
  } catch (err) {
    await revokeBestEffort(services, refresh_token);
    return failed(userId, accountType, "email_unknown", describe(err));
  }
  const { email } = identity;
  const stored = await storeConnection(services, userId, accountType, {
    ...identity,
    refreshToken: refresh_token,
    accessToken: access_token,
    expiresAt: new Date(tokens.expiry_date ?? Date.now() + 3600_000),
    scopes: scopes.join(" "),
  });
  if (!stored.stored) {
    // The grant just given is of no use to the app; the one the slot holds stays untouched.
    await revokeUnlessInUse(services, userId, identity, refresh_token);
    log.warn("Reconnect came back with another Google account; nothing changed", {
      user_id: userId,
      account_type: accountType,
    });
    return {
      kind: "wrong_account",
      accountType,
      signedInAs: email,
      connectedAs: stored.connectedEmail,
    };
  }
  try {
    await refreshCalendarList(services, userId, accountType);
  } catch (err) {
    log.warn("Cannot cache calendar list after connecting", {
      user_id: userId,
      account_type: accountType,
      error: describe(err),
    });
  }
  log.info("Google account connected", { user_id: userId, account_type: accountType });
  return { kind: "connected", accountType, email };
}

function failed(
  userId: string,
  accountType: AccountType,
  reason: FailureReason,
  detail?: string,
): CallbackOutcome {
  log.warn("Google connection failed", {
    user_id: userId,
    account_type: accountType,
    reason,
    ...(detail ? { detail } : {}),
  });
  return { kind: "failed", accountType, reason };
}

async function consumeState(
  services: Services,
  userId: string,
  state: string | undefined,
): Promise<{ accountType: AccountType; codeVerifier: string }> {
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
  const accountType = payload.act;
  if (accountType !== "source" && accountType !== "destination") {
    throw new OAuthStateError("The connection link is not valid");
  }
  if (payload.sub !== userId) {
    throw new OAuthStateError("This connection was started by another user");
  }
  const row = await consumeOAuthState(services.db, payload.jti!, userId, accountType);
  if (!row) throw new OAuthStateError("This connection link was already used or has expired");
  return { accountType, codeVerifier: row.code_verifier };
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
