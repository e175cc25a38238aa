/**
 * Sign in with Google (OpenID Connect, `openid email` only: no calendar access at sign-in).
 *
 * The flow is its own: its own state table (`google_signin_states`), redirect URI and callback,
 * apart from connecting calendars (lib/google/oauth_flow.ts). Each attempt holds a single-use
 * state, a PKCE verifier and a nonce, all kept on the server. The state also sits in a cookie of
 * the browser that started, and the callback wants both: a callback link alone, sent to someone
 * else, signs no one in (login CSRF). A link to an existing account is bound to the signed-in
 * user who started it as well.
 */
import { randomUrlToken } from "@/lib/crypto/hash.ts";
import { CodeChallengeMethod, type OAuth2Client } from "google-auth-library";
import {
  consumeGoogleSignInState,
  createGoogleSignInState,
  type GoogleSignInStateRow,
  type SignInClient,
} from "@/lib/db/google_signin_states.ts";
import {
  createGoogleUser,
  getUserByEmail,
  getUserByGoogleSub,
  linkGoogleSub,
  type User,
} from "@/lib/db/users.ts";
import { createOAuthClient } from "@/lib/google/clients.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { issueToken } from "./jwt.ts";

export const SIGN_IN_SCOPES = ["openid", "email"];
export const SIGN_IN_STATE_SECONDS = 10 * 60;
/** The cookie that binds a sign-in to the browser that started it. */
export const SIGN_IN_COOKIE = "google_signin";
/** The path the cookie is sent to: the callback's. */
export const SIGN_IN_COOKIE_PATH = "/api/auth/google";

/** The `state` of a callback is not one this browser may use: unknown, expired, replayed, foreign. */
export class GoogleSignInStateError extends Error {
  override name = "GoogleSignInStateError";
}

/** Where Google sends the browser back after sign-in; register it with the OAuth client. */
export function googleSignInRedirectUri(services: Services): string {
  return `${services.config.apiUrl}/api/auth/google/callback`;
}

export type StartGoogleSignIn =
  | { purpose: "sign_in"; client: SignInClient; next: string }
  | { purpose: "link"; userId: string; next: string };

/**
 * Starts a Google sign-in (or a link to the signed-in user): records the state and returns
 * Google's consent URL and the state, which the caller also sets as the `google_signin` cookie.
 * @example const { authorizationUrl, state } = await startGoogleSignIn(services, { purpose: "sign_in", client: "web", next: "/" });
 */
export async function startGoogleSignIn(
  services: Services,
  start: StartGoogleSignIn,
): Promise<{ authorizationUrl: string; state: string }> {
  const client = createOAuthClient(services, googleSignInRedirectUri(services));
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const state = crypto.randomUUID();
  const nonce = randomUrlToken(24);
  await createGoogleSignInState(services.db, {
    id: state,
    purpose: start.purpose,
    user_id: start.purpose === "link" ? start.userId : null,
    client: start.purpose === "link" ? "web" : start.client,
    next: start.next,
    code_verifier: codeVerifier,
    nonce,
    expires_at: new Date(Date.now() + SIGN_IN_STATE_SECONDS * 1000),
  });
  const authorizationUrl = client.generateAuthUrl({
    scope: SIGN_IN_SCOPES,
    state,
    nonce,
    prompt: "select_account",
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
  });
  return { authorizationUrl, state };
}

/** What became of a Google sign-in. */
export type GoogleSignInOutcome =
  | {
    kind: "signed_in";
    user: User;
    token: string;
    /** True when this sign-in created the account. */
    created: boolean;
    client: SignInClient;
    next: string;
  }
  | { kind: "linked"; userId: string; email: string; next: string }
  /** A password account has this email: not merged, the person signs in and links instead. */
  | { kind: "email_taken"; email: string }
  /** Linking: this Google account already signs in another user. */
  | { kind: "google_in_use"; email: string }
  | { kind: "cancelled"; purpose: "sign_in" | "link" }
  | { kind: "failed"; purpose: "sign_in" | "link"; reason: GoogleSignInFailure };

export type GoogleSignInFailure =
  | "google_error"
  | "exchange_failed"
  | "id_token_invalid"
  | "email_unverified";

export interface GoogleSignInCallback {
  state?: string;
  code?: string;
  error?: string;
}

/** The browser the callback came to: its sign-in cookie and who, if anyone, is signed in. */
export interface CallbackBrowser {
  stateCookie?: string;
  userId?: string;
}

/**
 * Finishes a Google sign-in on Google's redirect: checks and consumes the state (throws
 * GoogleSignInStateError unless it is live, unused and this browser's), exchanges the code with
 * the PKCE verifier, verifies the id_token (signature, issuer, audience, expiry, nonce, verified
 * email), then signs in the user with that Google account, creates one, or links it.
 */
export async function completeGoogleSignIn(
  services: Services,
  params: GoogleSignInCallback,
  browser: CallbackBrowser,
): Promise<GoogleSignInOutcome> {
  const row = await consumeState(services, params.state, browser);
  if (params.error) {
    return params.error === "access_denied"
      ? { kind: "cancelled", purpose: row.purpose }
      : failed(row, "google_error", params.error);
  }
  if (!params.code) return failed(row, "google_error", "no code");
  const client = createOAuthClient(services, googleSignInRedirectUri(services));
  let idToken;
  try {
    const { tokens } = await client.getToken({
      code: params.code,
      codeVerifier: row.code_verifier,
    });
    idToken = tokens.id_token;
  } catch (err) {
    return failed(row, "exchange_failed", describe(err));
  }
  const identity = await verifiedIdentity(client, idToken ?? undefined, row.nonce);
  if ("reason" in identity) return failed(row, identity.reason, identity.detail);
  if (row.purpose === "link") {
    const linked = await linkGoogleSub(services.db, row.user_id!, identity.sub);
    if (!linked) return { kind: "google_in_use", email: identity.email };
    log.info("Google sign-in linked", { user_id: row.user_id });
    return { kind: "linked", userId: row.user_id!, email: identity.email, next: row.next };
  }
  return await signInOrCreate(services, identity, row);
}

async function signInOrCreate(
  services: Services,
  identity: { sub: string; email: string },
  row: GoogleSignInStateRow,
): Promise<GoogleSignInOutcome> {
  const { db, config } = services;
  // Twice at most: a first sign-in racing another one of the same Google account finds its user.
  for (let attempt = 0; attempt < 2; attempt++) {
    const found = await getUserByGoogleSub(db, identity.sub);
    if (found) {
      const { session_version: sessionVersion, ...user } = found;
      const token = await issueToken(user.id, config.jwtSecret, { sessionVersion });
      return { kind: "signed_in", user, token, created: false, client: row.client, next: row.next };
    }
    // We never verified that a password account's owner holds this email: merging would hand
    // the account to whoever registered it first (pre-hijacking), or to Google's holder.
    if (await getUserByEmail(db, identity.email)) {
      return { kind: "email_taken", email: identity.email };
    }
    const user = await createGoogleUser(db, identity.email, identity.sub);
    if (user) {
      log.info("User signed up with Google", { user_id: user.id });
      const token = await issueToken(user.id, config.jwtSecret);
      return { kind: "signed_in", user, token, created: true, client: row.client, next: row.next };
    }
  }
  return { kind: "email_taken", email: identity.email };
}

async function consumeState(
  services: Services,
  state: string | undefined,
  browser: CallbackBrowser,
): Promise<GoogleSignInStateRow> {
  if (!state) throw new GoogleSignInStateError("The sign-in link is missing its state");
  if (browser.stateCookie !== state) {
    throw new GoogleSignInStateError("This sign-in was started in another browser, or expired");
  }
  const row = await consumeGoogleSignInState(services.db, state);
  if (!row) throw new GoogleSignInStateError("This sign-in link was already used or has expired");
  if (row.purpose === "link" && row.user_id !== browser.userId) {
    throw new GoogleSignInStateError("This link to Google was started by another user");
  }
  return row;
}

type Identity = { sub: string; email: string } | {
  reason: GoogleSignInFailure;
  detail: string;
};

/** Google's account id and email from a verified id_token issued for this attempt. */
async function verifiedIdentity(
  client: OAuth2Client,
  idToken: string | undefined,
  nonce: string,
): Promise<Identity> {
  if (!idToken) return { reason: "id_token_invalid", detail: "no id_token" };
  let payload;
  try {
    payload = (await client.verifyIdToken({ idToken, audience: client._clientId })).getPayload();
  } catch (err) {
    return { reason: "id_token_invalid", detail: describe(err) };
  }
  if (!payload?.sub) return { reason: "id_token_invalid", detail: "no sub" };
  // The nonce ties the id_token to the attempt this browser started: no replay of another one.
  if (payload.nonce !== nonce) return { reason: "id_token_invalid", detail: "nonce mismatch" };
  if (!payload.email || payload.email_verified !== true) {
    return { reason: "email_unverified", detail: "email not verified" };
  }
  return { sub: payload.sub, email: payload.email.toLowerCase() };
}

function failed(
  row: GoogleSignInStateRow,
  reason: GoogleSignInFailure,
  detail: string,
): GoogleSignInOutcome {
  log.warn("Google sign-in failed", { purpose: row.purpose, reason, detail });
  return { kind: "failed", purpose: row.purpose, reason };
}

/** A short reason for logs; google-auth-library puts whole id_tokens into some messages. */
function describe(err: unknown): string {
  // deno-lint-ignore no-explicit-any
  const data = (err as any)?.response?.data;
  if (data && typeof data.error === "string") return data.error;
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g, "[token]").slice(0, 200);
}
