import { errors, jwtVerify, SignJWT } from "jose";
import { isUuid } from "@/lib/db/uuid.ts";

export const TOKEN_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

const encoder = new TextEncoder();

/** What a valid session token says: whose it is, its id (for sign-out) and when it expires. */
export interface TokenClaims {
  userId: string;
  jti: string;
  expiresAt: Date;
}

/** Issues an HS256 JWT whose subject is the user id, with a random `jti` so it can be revoked. */
export async function issueToken(
  userId: string,
  secret: string,
  lifetimeSeconds = TOKEN_LIFETIME_SECONDS,
): Promise<string> {
  return await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .sign(encoder.encode(secret));
}

/**
 * The claims of a valid HS256 token, or null for any bad, expired or foreign token. A token
 * without a uuid `sub` and `jti` is refused too: it was not issued by `issueToken`, and a sign-out
 * could not revoke it.
 */
export async function verifyToken(token: string, secret: string): Promise<TokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ["HS256"],
      requiredClaims: ["sub", "exp", "iat", "jti"],
    });
    if (!isUuid(payload.sub ?? "") || !isUuid(payload.jti ?? "")) return null;
    return {
      userId: payload.sub!.toLowerCase(),
      jti: payload.jti!.toLowerCase(),
      expiresAt: new Date(payload.exp! * 1000),
    };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
