import type { MiddlewareHandler } from "hono";

/** Text worth compressing: HTML, CSS, JS, JSON, SVG, XML, plain text. */
const COMPRESSIBLE =
  /^\s*(?:text\/(?!event-stream)[^;\s]+|application\/(?:javascript|json|xml|[^;\s]+\+(?:json|xml))|image\/svg\+xml)\s*(?:;|$)/i;
const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;
const VARY_ACCEPT_ENCODING = /(?:^|,)\s*accept-encoding\s*(?:,|$)/i;

/** Preferred first: brotli is smaller than gzip at a similar cost here (see the README). */
const ENCODINGS = [["br", "brotli"], ["gzip", "gzip"]] as const;

/**
 * The encoding to answer with for an Accept-Encoding header: the preferred one of the highest
 * quality the client accepts (`*` counts for any not named), or none.
 */
export function chooseEncoding(header: string | null | undefined): "br" | "gzip" | undefined {
  if (!header) return undefined;
  const q = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const quality = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = quality ? Number(quality.slice(2)) : 1;
    if (name) q.set(name, Number.isFinite(value) ? value : 0);
  }
  let best: { name: "br" | "gzip"; q: number } | undefined;
  for (const [name] of ENCODINGS) {
    const quality = q.get(name) ?? q.get("*") ?? 0;
    if (quality > 0 && (!best || quality > best.q)) best = { name, q: quality };
  }
  return best?.name;
}

/**
 * Compresses text responses (HTML, JSON, JS, CSS, SVG) with brotli or gzip when the client
 * accepts it, through the runtime's CompressionStream. Left alone: event streams (compression
 * would hold their events back), bodies already encoded or declared smaller than `threshold`
 * bytes, partial content, HEAD, and `Cache-Control: no-transform`. Every compressible answer
 * says `Vary: Accept-Encoding`; a compressed one's strong ETag becomes weak, as the bytes differ.
 */
export function compress(options: { threshold?: number } = {}): MiddlewareHandler {
  const threshold = options.threshold ?? 1024;
  return async function compression(c, next) {
    await next();
    const res = c.res;
    const type = res.headers.get("content-type");
    if (!res.body || !type || !COMPRESSIBLE.test(type) || res.status === 206) return;
    if (res.headers.has("content-encoding") || c.req.method === "HEAD") return;
    if (NO_TRANSFORM.test(res.headers.get("cache-control") ?? "")) return;
    const length = res.headers.get("content-length");
    if (length !== null && Number(length) < threshold) return;
    const vary = res.headers.get("vary");
    if (vary !== "*" && !VARY_ACCEPT_ENCODING.test(vary ?? "")) {
      res.headers.set("vary", vary ? `${vary}, Accept-Encoding` : "Accept-Encoding");
    }
    const encoding = chooseEncoding(c.req.header("accept-encoding"));
    if (!encoding) return;
    const format = ENCODINGS.find(([name]) => name === encoding)![1];
    const compressed = new Response(
      res.body.pipeThrough(new CompressionStream(format as CompressionFormat)),
      res,
    );
    compressed.headers.delete("content-length");
    compressed.headers.set("content-encoding", encoding);
    const etag = compressed.headers.get("etag");
    if (etag && !etag.startsWith("W/")) compressed.headers.set("etag", `W/${etag}`);
    c.res = undefined;
    c.res = compressed;
  };
}
