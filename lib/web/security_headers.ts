import type { MiddlewareHandler } from "hono";
import { mutable } from "./_response.ts";

const POLICY_BEFORE_SCRIPTS = "default-src 'self'; ";
const POLICY_AFTER_SCRIPTS = [
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].map((directive) => `; ${directive}`).join("");

/** The policy of every response without islands, built once. */
const DEFAULT_POLICY = `${POLICY_BEFORE_SCRIPTS}script-src 'self'${POLICY_AFTER_SCRIPTS}`;

/** The page policy: only our own scripts, plus the inline boot module when `nonce` is given. */
export function contentSecurityPolicy(nonce?: string): string {
  return nonce
    ? `${POLICY_BEFORE_SCRIPTS}script-src 'self' 'nonce-${nonce}'${POLICY_AFTER_SCRIPTS}`
    : DEFAULT_POLICY;
}

// Every response carries these, unchanged: the pairs are built once, not per response.
const HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "strict-origin-when-cross-origin"],
  ["X-Frame-Options", "DENY"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"],
];
const HSTS = "max-age=63072000; includeSubDomains";

/**
 * Sets the security headers on every response. A `Content-Security-Policy` a route already set
 * (a page with islands sets one with its nonce) is kept. `Strict-Transport-Security` goes on
 * responses served over HTTPS, and on all of them when `https` says the public origin is HTTPS
 * (behind a TLS terminator the app itself only ever sees plain HTTP).
 */
export function securityHeaders(options: { https?: boolean } = {}): MiddlewareHandler {
  const alwaysHttps = options.https === true;
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const res = mutable(c.res);
    // Hono's `c.res` setter copies every header into a new Response: only for a real copy.
    if (res !== c.res) c.res = res;
    const headers = res.headers;
    for (const [name, value] of HEADERS) headers.set(name, value);
    if (!headers.has("Content-Security-Policy")) {
      headers.set("Content-Security-Policy", DEFAULT_POLICY);
    }
    if (alwaysHttps || c.req.url.startsWith("https:")) {
      headers.set("Strict-Transport-Security", HSTS);
    }
  };
}
