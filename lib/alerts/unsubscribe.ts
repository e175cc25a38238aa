/**
 * The unsubscribe link of an alert: a signed token for one purpose (turning one kind of alert
 * off for one user), usable without signing in. It is signed with a key of its own, derived from
 * JWT_SECRET, so it can never pass for a session token, nor a session token for it.
 */
import { errors, jwtVerify, SignJWT } from "jose";
import { ALERT_KINDS, type AlertKind } from "@/lib/db/notification_settings.ts";
import { isUuid } from "@/lib/db/uuid.ts";

const PURPOSE = "unsubscribe";
/** Long enough for an email read late; a stale link only means signing in to change settings. */
const LIFETIME = "90d";

async function keyOf(secret: string): Promise<Uint8Array> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${PURPOSE}\n${secret}`),
  );
  return new Uint8Array(digest);
}

/** @example const token = await unsubscribeToken(secret, userId, "sync_failing"); */
export async function unsubscribeToken(
  secret: string,
  userId: string,
  kind: AlertKind,
): Promise<string> {
  return await new SignJWT({ purpose: PURPOSE, kind })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(LIFETIME)
    .sign(await keyOf(secret));
}

/** Whose alerts of which kind the token turns off; undefined for any other token. */
export async function readUnsubscribeToken(
  secret: string,
  token: string,
): Promise<{ userId: string; kind: AlertKind } | undefined> {
  try {
    const { payload } = await jwtVerify(token, await keyOf(secret), {
      algorithms: ["HS256"],
      requiredClaims: ["sub", "exp"],
    });
    const kind = ALERT_KINDS.find((k) => k === payload.kind);
    if (payload.purpose !== PURPOSE || !kind || !isUuid(payload.sub ?? "")) return undefined;
    return { userId: payload.sub!.toLowerCase(), kind };
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
}
