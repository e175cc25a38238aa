/**
 * Changing a password (signed in, with the current one) and resetting a forgotten one (a
 * single-use link by email, valid 30 minutes, its token stored only as a digest). Either signs
 * every other session of the user out: the session version moves on (`signOutEverywhere`), so
 * tokens issued before are refused — at once here, within SESSION_CACHE_SECONDS elsewhere.
 */
import { randomUrlToken, sha256Hex } from "@/lib/crypto/hash.ts";
import {
  createPasswordReset,
  deleteOldPasswordResets,
  revokePasswordResets,
  usePasswordReset,
} from "@/lib/db/password_resets.ts";
import { getUserByEmail, getUserWithPassword, setPasswordHash } from "@/lib/db/users.ts";
import { errorFields, log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { InvalidCredentialsError, signOutEverywhere, TooManyAttemptsError } from "./accounts.ts";
import { issueToken } from "./jwt.ts";
import { hashPassword, verifyPassword } from "./password.ts";

/** How long a reset link works. */
export const RESET_LINK_MINUTES = 30;

export class TooManyResetRequestsError extends Error {
  override name = "TooManyResetRequestsError";
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many reset requests: try again in ${Math.ceil(retryAfterSeconds / 60)} minutes`);
  }
}

export class InvalidResetLinkError extends Error {
  override name = "InvalidResetLinkError";
  constructor() {
    super("This reset link has expired or was already used: ask for a new one");
  }
}

/**
 * Changes the signed-in user's password after checking the current one (under the sign-in
 * limits, so a stolen session cannot guess it quickly). Signs every session out and returns a
 * token of the new session version for the caller's own.
 * @example const { token } = await changePassword(services, user.id, current, next, ip);
 */
export async function changePassword(
  services: Services,
  userId: string,
  current: string,
  next: string,
  address: string,
): Promise<{ token: string }> {
  const user = await getUserWithPassword(services.db, userId);
  if (!user) throw new InvalidCredentialsError();
  const attempt = await services.rateLimits.beginSignIn(address, user.email);
  if (!attempt.allowed) throw new TooManyAttemptsError(attempt.retryAfterSeconds);
  // An account that signs in with Google only has no current password to give: it sets one
  // through a reset link, which proves it holds the email.
  if (!user.password_hash || !await verifyPassword(current, user.password_hash)) {
    throw new InvalidCurrentPasswordError();
  }
  await attempt.succeeded();
  return { token: await replacePassword(services, userId, next) };
}

export class InvalidCurrentPasswordError extends Error {
  override name = "InvalidCurrentPasswordError";
  constructor() {
    super("The current password is not right");
  }
}

/**
 * Asks for a reset link for `email`: sent when such a user exists, and nothing else happens
 * when not — the caller answers the same either way. Limited per address and per email.
 * The email goes out after this returns (`sending`), so the time to answer says nothing either.
 * @example const { sending } = await requestPasswordReset(services, email, ip);
 */
export async function requestPasswordReset(
  services: Services,
  email: string,
  address: string,
): Promise<{ sending: Promise<void> }> {
  const wait = await services.rateLimits.takePasswordReset(address, email);
  if (wait > 0) throw new TooManyResetRequestsError(wait);
  const sending = sendResetLink(services, email).catch((error) =>
    log.error("Password reset email failed", errorFields(error))
  ).finally(() => pending.delete(sending));
  pending.add(sending);
  return { sending };
}

const pending = new Set<Promise<void>>();

/** Waits for the reset emails on their way (a test, or a process about to stop). */
export async function resetEmailsSent(): Promise<void> {
  await Promise.all([...pending]);
}

async function sendResetLink(services: Services, email: string): Promise<void> {
  const user = await getUserByEmail(services.db, email);
  if (!user) return;
  const now = new Date();
  await deleteOldPasswordResets(services.db, now);
  const token = randomUrlToken(32);
  const expiresAt = new Date(now.getTime() + RESET_LINK_MINUTES * 60_000);
  await createPasswordReset(services.db, user.id, await sha256Hex(token), expiresAt);
  const link = `${services.config.apiUrl}/password-reset/confirm?token=${token}`;
  await services.mailer.send({
    to: user.email,
    subject: "Reset your cal-sync password",
    text: [
      "Someone (hopefully you) asked to reset the password of your cal-sync account.",
      `Choose a new password here, within ${RESET_LINK_MINUTES} minutes: ${link}`,
      "The link works once. If you did not ask, ignore this email: your password stays as it is.",
    ].join("\n\n"),
  });
}

/**
 * Sets a new password with a reset link's token: once, within its 30 minutes. Signs every
 * session out and returns a token of the new session version.
 * @example const { token } = await confirmPasswordReset(services, token, "new password");
 */
export async function confirmPasswordReset(
  services: Services,
  token: string,
  password: string,
  now = new Date(),
): Promise<{ userId: string; token: string }> {
  const userId = await usePasswordReset(services.db, await sha256Hex(token), now);
  if (!userId) throw new InvalidResetLinkError();
  return { userId, token: await replacePassword(services, userId, password) };
}

async function replacePassword(services: Services, userId: string, password: string) {
  await setPasswordHash(
    services.db,
    userId,
    await hashPassword(password, services.config.passwordIterations),
  );
  await revokePasswordResets(services.db, userId);
  const sessionVersion = await signOutEverywhere(services, userId);
  return await issueToken(userId, services.config.jwtSecret, { sessionVersion });
}
