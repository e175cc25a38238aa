import type { Context } from "hono";
import type { State } from "./state.ts";
import type { Ctx } from "./types.ts";

/** What a request's context is made of, besides Hono's own. */
export interface CtxParts {
  /** The request with its body already read (see `limitBody`). */
  req: Request;
  url: URL;
  params: Record<string, string>;
  state: State;
  trustedProxies: number;
  render: Ctx["render"];
}

/** The context handlers and middleware receive; `next` is given by `runChain`. */
export function createCtx(c: Context, parts: CtxParts): Ctx {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  const remoteAddr = clientAddress(
    c.req.raw.headers.get("x-forwarded-for"),
    env?.remoteAddr?.hostname,
    parts.trustedProxies,
  );
  return {
    req: parts.req,
    url: parts.url,
    params: parts.params,
    state: parts.state,
    remoteAddr,
    render: parts.render,
    next: () => {
      throw new Error("ctx.next() is only available in middleware");
    },
    redirect(location: string, status = 303) {
      const safe = location.replace(/^[/\\]{2,}/, "/");
      return new Response(null, { status, headers: { Location: safe } });
    },
    json(body: unknown, status = 200) {
      return Response.json(body, { status });
    },
  };
}

/**
 * The client's address: the socket's peer, or behind `trustedProxies` reverse proxies the address
 * the outermost of them saw, which is that many entries from the right of X-Forwarded-For.
 */
export function clientAddress(
  forwardedFor: string | null,
  socketAddr: string | undefined,
  trustedProxies: number,
): string | undefined {
  if (trustedProxies === 0 || !forwardedFor) return socketAddr;
  const hops = forwardedFor.split(",").map((hop) => hop.trim()).filter(Boolean);
  return hops[Math.max(0, hops.length - trustedProxies)] ?? socketAddr;
}

/** Path parameters as the route reads them: percent-decoded, or as they came when malformed. */
export function decodeParams(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => {
      try {
        return [key, decodeURIComponent(value)];
      } catch {
        return [key, value];
      }
    }),
  );
}
