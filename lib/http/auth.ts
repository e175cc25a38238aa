import { getCookies } from "./cookies.ts";
import { sessionOfToken } from "@/lib/auth/accounts.ts";
import { TOKEN_LIFETIME_SECONDS, type TokenClaims } from "@/lib/auth/jwt.ts";
import type { User } from "@/lib/db/users.ts";
import type { Services } from "@/lib/services.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export type AuthMethod = "bearer" | "cookie";

/** The session cookie; `__Host-` prefixed when the app is served over HTTPS. */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-session" : "session";
}

export function isSecure(url: URL, services: Services): boolean {
  return url.protocol === "https:" || services.config.apiUrl.startsWith("https:");
}

/**
 * Finds the caller from `Authorization: Bearer` or, failing that, the session cookie; a token
 * that was signed out counts as none.
 */
export async function authenticate(
  req: Request,
  services: Services,
): Promise<{ user: User; via: AuthMethod; claims: TokenClaims } | undefined> {
  const header = req.headers.get("authorization");
  let token: string | undefined;
  let via: AuthMethod = "bearer";
  if (header?.toLowerCase().startsWith("bearer ")) {
    token = header.slice(7).trim();
  } else {
    // Over HTTPS only the __Host- cookie counts: a plain `session` cookie can be planted by a
    // sibling subdomain or a plain-HTTP page (cookie tossing) to sign the visitor in as someone else.
    token = getCookies(req.headers)[sessionCookieName(isSecure(new URL(req.url), services))];
    via = "cookie";
  }
  if (!token) return undefined;
  const session = await sessionOfToken(services, token);
  return session && { ...session, via };
}

export function sessionCookie(token: string, secure: boolean): string {
  return [
    `${sessionCookieName(secure)}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${TOKEN_LIFETIME_SECONDS}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

/**
 * For a request signed with a bearer token, the session cookie holding that same token. A
 * client that keeps its token in script (the seed's frontend) starts OAuth with a bearer; Google
 * then sends the browser back to a callback that knows the user only by the cookie.
 */
export function bearerSessionCookie(
  req: Request,
  url: URL,
  services: Services,
): string | undefined {
  const header = req.headers.get("authorization");
  if (!header?.toLowerCase().startsWith("bearer ")) return undefined;
  return sessionCookie(header.slice(7).trim(), isSecure(url, services));
}

export function clearedSessionCookie(secure: boolean): string {
  return `${sessionCookieName(secure)}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${
    secure ? "; Secure" : ""
  }`;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a cross-site write that would ride on the session cookie: the Origin (or Referer)
 * must be the app's own. Bearer requests carry no ambient credential and pass.
 */
export function assertSameOrigin(req: Request, url: URL, services: Services): void {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.headers.get("origin") ?? refererOrigin(req.headers.get("referer"));
  if (origin === null) {
    // Browsers send Origin on every cross-site POST; a request without one is not a forged form.
    if (req.headers.get("sec-fetch-site") === "cross-site") {
      throw new HttpError(403, "Cross-site request refused");
    }
    return;
  }
  const allowed = new Set([url.origin, services.config.apiUrl, services.config.frontendUrl]);
  if (!allowed.has(origin)) throw new HttpError(403, "Cross-site request refused");
}

/** The origin of a Referer header; one that is not a URL counts as a foreign origin. */
function refererOrigin(referer: string | null): string | null {
  if (referer === null) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return "null";
  }
}
