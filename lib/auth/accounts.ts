import { z } from "zod";
import type { Services } from "../services.ts";
import { createUser, getUserByEmail, type User } from "../db/users.ts";
import { issueToken } from "./jwt.ts";
import { hashPassword, verifyPassword } from "./password.ts";

export const Email = z.string().trim().toLowerCase().pipe(
  z.email({ message: "Enter a valid email address" }).max(254, "Email is too long"),
);
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
    super(`Too many failed sign-ins: try again in ${retryAfterSeconds} seconds`);
  }
}

/** Registers a user; the email is normalised by the caller's schema (`Email`). */
export async function registerUser(
  services: Services,
  email: string,
  password: string,
): Promise<User> {
  return await createUser(services.db, email, await hashPassword(password));
}

// A real hash, so that an unknown email costs the same time as a wrong password.
const decoyHash = hashPassword("decoy password that never matches");

/**
 * Checks credentials under the per-email and per-IP failure limits and issues a JWT.
 * Unknown email and wrong password fail alike, in similar time.
 */
export async function signIn(
  services: Services,
  email: string,
  password: string,
  ip: string,
): Promise<{ user: User; token: string }> {
  const emailKey = email.trim().toLowerCase();
  const wait = Math.max(
    await services.loginFailuresByEmail.retryAfter(emailKey),
    await services.loginFailuresByIp.retryAfter(ip),
  );
  if (wait > 0) throw new TooManyAttemptsError(wait);

  const found = await getUserByEmail(services.db, emailKey);
  const ok = await verifyPassword(password, found?.password_hash ?? await decoyHash);
  if (!found || !ok) {
    await services.loginFailuresByEmail.fail(emailKey);
    await services.loginFailuresByIp.fail(ip);
    throw new InvalidCredentialsError();
  }
  await services.loginFailuresByEmail.clear(emailKey);
  const { password_hash: _, ...user } = found;
  return { user, token: await issueToken(user.id, services.config.jwtSecret) };
}
