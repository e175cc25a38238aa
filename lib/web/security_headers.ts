import type { MiddlewareHandler } from "hono";
import { mutable } from "./_response.ts";

/** The page policy: only our own scripts, plus the inline boot module when `nonce` is given. */
export function contentSecurityPolicy(nonce?: string): string {
  return [
    "default-src 'self'",
    nonce ? `script-src 'self' 'nonce-${nonce}'` : "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

/**
 * Sets the security headers on every response. A `Content-Security-Policy` a route already set
 * (a page with islands sets one with its nonce) is kept. `Strict-Transport-Security` goes on
 * responses served over HTTPS, and on all of them when `https` says the public origin is HTTPS
 * (behind a TLS terminator the app itself only ever sees plain HTTP).
 */
export function securityHeaders(options: { https?: boolean } = {}): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    c.res = mutable(c.res);
    const headers = c.res.headers;
    for (const [name, value] of Object.entries(HEADERS)) headers.set(name, value);
    if (!headers.has("Content-Security-Policy")) {
      headers.set("Content-Security-Policy", contentSecurityPolicy());
    }
    if (options.https || new URL(c.req.url).protocol === "https:") {
      headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    }
  };
}
