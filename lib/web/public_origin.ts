import type { MiddlewareHandler } from "hono";

export interface PublicOriginOptions {
  /** Paths that are never redirected (the JSON API: clients and health checks use any host). */
  skip: (path: string) => boolean;
  /** Reverse proxies in front: X-Forwarded-Host and X-Forwarded-Proto are then believed. */
  trustedProxies: number;
}

/**
 * Sends a page request (GET or HEAD) that arrived under another name for this server — such as
 * `127.0.0.1` for `localhost` — to the same path on the public origin. Cookies belong to a host
 * name, so a session begun under another name would be missing where Google's OAuth callback
 * lands. Writes are never redirected: a redirected POST would lose its body.
 */
export function publicOrigin(origin: string, options: PublicOriginOptions): MiddlewareHandler {
  const target = new URL(origin);
  return async function publicOriginMiddleware(c, next) {
    const method = c.req.method;
    const url = new URL(c.req.url);
    if ((method !== "GET" && method !== "HEAD") || options.skip(url.pathname)) return await next();
    const seen = requestOrigin(url, c.req.raw.headers, options.trustedProxies);
    if (isSameServer(seen, target)) return await next();
    const location = new URL(url.pathname + url.search, target);
    return new Response(null, { status: 307, headers: { Location: location.href } });
  };
}

/** The scheme and host the client used, as far as this server can tell. */
function requestOrigin(url: URL, headers: Headers, trustedProxies: number): URL {
  if (trustedProxies === 0) return url;
  const host = lastValue(headers.get("x-forwarded-host"));
  const proto = lastValue(headers.get("x-forwarded-proto"));
  try {
    return new URL(`${proto ?? url.protocol.slice(0, -1)}://${host ?? url.host}`);
  } catch {
    return url;
  }
}

function lastValue(header: string | null): string | undefined {
  return header?.split(",").map((part) => part.trim()).filter(Boolean).at(-1);
}

/**
 * Whether `seen` names the public origin's host. The ports are compared only when the schemes
 * agree: behind a TLS terminator the app sees `http:` on an inner port for an `https:` origin,
 * and redirecting then would loop.
 */
function isSameServer(seen: URL, target: URL): boolean {
  if (seen.hostname !== target.hostname) return false;
  return seen.protocol !== target.protocol || seen.port === target.port;
}
