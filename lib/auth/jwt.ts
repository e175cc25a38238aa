import { errors, jwtVerify, SignJWT } from "jose";
import { isUuid } from "@/lib/db/uuid.ts";

export const TOKEN_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

const encoder = new TextEncoder();

/** What a valid session token says: whose it is, its id (for sign-out) and when it expires. */
export interface TokenClaims {
  userId: string;
  jti: string;
  expiresAt: Date;
  /**
   * The user's session version when the token was issued (the `sv` claim; 0 for tokens issued
   * before it existed): a token whose version is no longer the user's is refused.
   */
  sessionVersion: number;
}

export interface IssueOptions {
  lifetimeSeconds?: number;
  /** The user's current session version (`users.session_version`); 0 unless told. */
  sessionVersion?: number;
}

// Importing an HMAC key costs as much as the verification itself, and every authenticated
// request verifies a token: each secret is imported once per process. A process knows one
// secret (tests a few), so the map stays tiny; the bound only guards against misuse.
const keys = new Map<string, Promise<CryptoKey>>();
const MAX_KEYS = 16;

function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.clear();
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

/**
 * Issues an HS256 JWT whose subject is the user id, with a random `jti` so it can be revoked and
 * the user's session version (`sv`) so that a password reset can end it.
 */
export async function issueToken(
  userId: string,
  secret: string,
  options: IssueOptions = {},
): Promise<string> {
  return await new SignJWT({ sv: options.sessionVersion ?? 0 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${options.lifetimeSeconds ?? TOKEN_LIFETIME_SECONDS}s`)
    .sign(await keyOf(secret));
}

/**
 * The claims of a valid HS256 token, or null for any bad, expired or foreign token. A token
 * without a uuid `sub` and `jti` is refused too: it was not issued by `issueToken`, and a sign-out
 * could not revoke it; so is one whose `sv` is not a whole number.
 */
export async function verifyToken(token: string, secret: string): Promise<TokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, await keyOf(secret), {
      algorithms: ["HS256"],
      requiredClaims: ["sub", "exp", "iat", "jti"],
    });
    if (!isUuid(payload.sub ?? "") || !isUuid(payload.jti ?? "")) return null;
    const sv = payload.sv ?? 0;
    if (!Number.isSafeInteger(sv) || (sv as number) < 0) return null;
    return {
      userId: payload.sub!.toLowerCase(),
      jti: payload.jti!.toLowerCase(),
      expiresAt: new Date(payload.exp! * 1000),
      sessionVersion: sv as number,
    };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
