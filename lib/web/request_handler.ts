import type { Context } from "hono";
import { mutable } from "./_response.ts";
import { limitBody } from "./body_limit.ts";
import { createCtx, decodeParams } from "./context.ts";
import { dispatch } from "./dispatch.ts";
import type { PageResponder } from "./page_response.ts";
import { middlewaresForPath, type Route, type RouteTable } from "./routes.ts";
import type { State } from "./state.ts";
import type { Ctx } from "./types.ts";

export interface RequestHandlerOptions {
  /** The initial state of each request, before any middleware runs. */
  state: (c: Context) => State;
  table: RouteTable;
  render: PageResponder;
  /** Turns what the chain threw into the response. */
  onError: (error: unknown, ctx: Ctx) => Promise<Response>;
  maxBodyBytes: number;
  trustedProxies: number;
}

/**
 * Answers one request for `route` (undefined when no route matches): reads the body up to the
 * cap, runs the middleware and the handler, turns what they throw into an error response, and
 * stamps the request id and the caching rule on the answer.
 */
export function requestHandler(options: RequestHandlerOptions) {
  return async function handle(c: Context, route: Route | undefined): Promise<Response> {
    const url = new URL(c.req.url);
    const state = options.state(c);
    const params = route ? decodeParams(c.req.param() as Record<string, string>) : {};
    // The body is read (up to the cap) before any middleware, so no code meets a body too large.
    const { req, refused } = await limitBody(c.req.raw, options.maxBodyBytes).then(
      (req) => ({ req, refused: undefined }),
      (refused: unknown) => ({ req: c.req.raw, refused }),
    );
    const render: Ctx["render"] = (data, init) =>
      options.render(route?.page, { data, url, params, state }, init);
    const { trustedProxies } = options;
    const ctx = createCtx(c, { req, url, params, state, render, trustedProxies });
    let response: Response;
    try {
      if (refused) throw refused;
      const middlewares = route?.middlewares ?? middlewaresForPath(options.table, url.pathname);
      response = await dispatch(ctx, route, middlewares);
    } catch (error) {
      response = await options.onError(error, ctx);
    }
    return finish(response, c.req.method, state);
  };
}

/** A HEAD answer without its body, with the request id, kept private where it must be. */
function finish(response: Response, method: string, state: State): Response {
  if (method === "HEAD" && response.body) response = new Response(null, response);
  response = mutable(response);
  response.headers.set("X-Request-Id", state.requestId);
  return keepPrivate(response, state);
}

/**
 * Marks a signed-in visitor's page or data, and an answer that sets a cookie, `no-store`: neither
 * may be kept by a proxy in between or the back-forward cache of a shared computer.
 */
function keepPrivate(response: Response, state: State): Response {
  if (state.user !== undefined || response.headers.has("set-cookie")) {
    response.headers.set("Cache-Control", "no-store");
  }
  return response;
}
