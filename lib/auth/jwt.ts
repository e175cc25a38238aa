import { errors, jwtVerify, SignJWT } from "jose";

export const TOKEN_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

const encoder = new TextEncoder();

/** Issues an HS256 JWT whose subject is the user id. */
export async function issueToken(
  userId: string,
  secret: string,
  lifetimeSeconds = TOKEN_LIFETIME_SECONDS,
): Promise<string> {
  return await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .sign(encoder.encode(secret));
}

/** Returns the user id of a valid HS256 token, or null for any bad, expired or foreign token. */
export async function verifyToken(token: string, secret: string): Promise<string | null> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ["HS256"],
      requiredClaims: ["sub", "exp", "iat"],
    });
    return payload.sub ?? null;
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
