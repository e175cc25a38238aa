import { z } from "zod";
import type { Services } from "../services.ts";
import { revokeToken } from "../db/revoked_tokens.ts";
import {
  bumpSessionVersion,
  createUser,
  getUserByEmail,
  getUserOfSession,
  type User,
} from "../db/users.ts";
import { issueToken, type TokenClaims, verifyToken } from "./jwt.ts";
import type { Session } from "./session_cache.ts";
import { hashPassword, verifyPassword } from "./password.ts";

export const Email = z.string().trim().toLowerCase().pipe(
  z.email({ message: "Enter a valid email address" }).max(254, "Email is too long"),
);
/**
 * An email typed at sign-in: one of a valid shape, since every stored email has one; anything
 * else (a NUL byte, which PostgreSQL's text refuses) is a 422 before any query.
 */
export const SignInEmail = z.string().trim().min(1, "Enter your email").pipe(Email);
/** The email a form carried, without control characters, to show again beside its error. */
export function typedEmail(body: unknown): string | undefined {
  const email = (body as { email?: unknown } | null)?.email;
  // deno-lint-ignore no-control-regex
  return typeof email === "string" ? email.replace(/[\u0000-\u001f\u007f]/g, "") : undefined;
}

export const NewPassword = z.string().min(8, "Password must be at least 8 characters").max(
  1024,
  "Password is too long",
);

export class InvalidCredentialsError extends Error {
  override name = "InvalidCredentialsError";
  constructor() {
    super("Incorrect email or password");
  }
}

export class TooManyAttemptsError extends Error {
  override name = "TooManyAttemptsError";
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed sign-ins: try again ${inHowLong(retryAfterSeconds)}`);
  }
}

export class TooManyRegistrationsError extends Error {
  override name = "TooManyRegistrationsError";
  constructor(readonly retryAfterSeconds: number) {
    super(
      `Too many accounts were created from your network: try again ${inHowLong(retryAfterSeconds)}`,
    );
  }
}

/** "in 30 seconds", "in 2 minutes": how a wait reads to a person. */
function inHowLong(seconds: number): string {
  if (seconds < 90) return `in ${seconds} second${seconds === 1 ? "" : "s"}`;
  return `in ${Math.ceil(seconds / 60)} minutes`;
}

/**
 * Registers a user; the email is normalised by the caller's schema (`Email`). Each registration
 * costs a deliberately slow hash, so `address` may register only so often
 * (TooManyRegistrationsError).
 */
export async function registerUser(
  services: Services,
  email: string,
  password: string,
  address: string,
): Promise<User> {
  const wait = await services.rateLimits.takeRegistration(address);
  if (wait > 0) throw new TooManyRegistrationsError(wait);
  return await createUser(
    services.db,
    email,
    await hashPassword(password, services.config.passwordIterations),
  );
}

// A real hash of the configured cost, so that an unknown email costs the same time as a wrong
// password.
const decoyHashes = new Map<number, Promise<string>>();
function decoyHash(iterations: number): Promise<string> {
  let hash = decoyHashes.get(iterations);
  if (!hash) {
    hash = hashPassword("decoy password that never matches", iterations);
    decoyHashes.set(iterations, hash);
  }
  return hash;
}

/**
 * Checks credentials under the sign-in limits (lib/auth/rate_limit.ts) and issues a JWT.
 * Unknown email and wrong password fail alike, in similar time.
 */
export async function signIn(
  services: Services,
  email: string,
  password: string,
  ip: string,
): Promise<{ user: User; token: string }> {
  const emailKey = email.trim().toLowerCase();
  const attempt = await services.rateLimits.beginSignIn(ip, emailKey);
  if (!attempt.allowed) throw new TooManyAttemptsError(attempt.retryAfterSeconds);

  const found = await getUserByEmail(services.db, emailKey);
  const ok = await verifyPassword(
    password,
    found?.password_hash ?? await decoyHash(services.config.passwordIterations),
  );
  // A failure needs no bookkeeping: the attempt was counted as one before the check.
  if (!found || !ok) throw new InvalidCredentialsError();
  await attempt.succeeded();
  const { password_hash: _, session_version: sessionVersion, ...user } = found;
  return { user, token: await issueToken(user.id, services.config.jwtSecret, { sessionVersion }) };
}

/**
 * The user and claims of a session token; undefined when it is invalid, signed out, of an older
 * session version or orphaned. A token is verified and its user read at most once every few
 * seconds (lib/auth/session_cache.ts).
 */
export function sessionOfToken(services: Services, token: string): Promise<Session | undefined> {
  return services.sessions.sessionOf(
    token,
    (token) => verifyToken(token, services.config.jwtSecret),
    (claims) => getUserOfSession(services.db, claims.userId, claims.jti),
  );
}

/**
 * Signs a session token out on every instance: its `jti` is refused until the token expires —
 * here at once, on other instances once their cached verdict ends (SESSION_CACHE_SECONDS).
 * @example await signOut(services, ctx.state.session);
 */
export async function signOut(services: Services, claims: TokenClaims): Promise<void> {
  await revokeToken(services.db, claims.jti, claims.expiresAt);
  // After the revocation is committed: a read that starts later sees it.
  services.sessions.evict(claims.jti);
}

/**
 * Signs every session of the user out (a password reset): tokens issued before are refused —
 * here at once, on other instances within SESSION_CACHE_SECONDS. Returns the new session version
 * that tokens issued from now on carry.
 * @example await signOutEverywhere(services, user.id);
 */
export async function signOutEverywhere(
  services: Services,
  userId: string,
): Promise<number | undefined> {
  const version = await bumpSessionVersion(services.db, userId);
  services.sessions.evictUser(userId);
  return version;
}
