import { HttpError } from "./http_error.ts";
import type { Route } from "./routes.ts";
import type { Ctx, HandlerFn, Method, MiddlewareFn } from "./types.ts";

const METHODS: Method[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * Runs a route's middleware, outermost first, then its handler; a path no route matches runs
 * the middleware of its folders and then answers 404, so that middleware can still shape it.
 */
export function dispatch(ctx: Ctx, route: Route | undefined, middlewares: MiddlewareFn[]) {
  const final: MiddlewareFn = route ? (ctx) => callRoute(route, ctx) : () => {
    throw new HttpError(404, `No route matches "${ctx.url.pathname}"`);
  };
  return runChain(ctx, [...middlewares, final]);
}

/** Runs middleware outermost first; each one's `ctx.next()` runs the rest of the chain. */
export function runChain(ctx: Ctx, chain: MiddlewareFn[]): Promise<Response> {
  const run = async (index: number): Promise<Response> => {
    const layer: Ctx = Object.create(ctx, {
      next: { value: () => run(index + 1) },
    });
    return await chain[index](index === chain.length - 1 ? ctx : layer);
  };
  return run(0);
}

/**
 * The route's handler for the request's method: HEAD falls back to GET, and a page without a
 * GET handler renders itself. Any other method answers 405 naming those allowed.
 */
function callRoute(route: Route, ctx: Ctx): Response | Promise<Response> {
  const { handler } = route;
  if (typeof handler === "function") return answer(handler, ctx);
  const method = ctx.req.method as Method;
  const forMethod = handler?.[method] ?? (method === "HEAD" ? handler?.GET : undefined);
  if (forMethod) return answer(forMethod, ctx);
  if ((method === "GET" || method === "HEAD") && route.page) return ctx.render();
  const allowed = METHODS.filter((m) => handler?.[m] || (m === "GET" && route.page));
  if (allowed.includes("GET") && !allowed.includes("HEAD")) allowed.push("HEAD");
  throw new HttpError(405, `Method ${method} is not allowed here`, {
    headers: { Allow: allowed.join(", ") },
  });
}

/** The handler's response, or its route's page rendered with the `{ data }` it returned. */
async function answer(handler: HandlerFn, ctx: Ctx): Promise<Response> {
  const result = await handler(ctx);
  if (result instanceof Response) return result;
  return await ctx.render(result.data, { status: result.status, headers: result.headers });
}
