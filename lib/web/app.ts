import { type Context, Hono } from "hono";
import { basename, dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mutable } from "./_response.ts";
import { DEFAULT_MAX_BODY_BYTES, limitBody } from "./body_limit.ts";
import { bundleIslands, computeBuildId, type IslandBundle } from "./bundle.ts";
import { HttpError } from "./http_error.ts";
import { publicOrigin } from "./public_origin.ts";
import { type IslandEntry, registerIslands, renderPage, type ScriptUrls } from "./render.tsx";
import { buildRouteTable, middlewaresForPath, type Route } from "./routes.ts";
import { contentSecurityPolicy, securityHeaders } from "./security_headers.ts";
import type { State } from "./state.ts";
import { loadStaticFiles, type StaticFile } from "./static_files.ts";
import type { Ctx, ErrorPageData, HandlerFn, Manifest, Method } from "./types.ts";

export interface WebAppOptions {
  /** The initial state of each request, before any middleware runs. */
  state: (c: Context) => State;
  /** Paths under this prefix answer errors through their own middleware, never an HTML page. */
  apiPrefix?: string;
  /** The static folder, relative to the manifest's folder. */
  staticDir?: string;
  /** Where island builds are cached; `.data/bundles` unless told. */
  bundleDir?: string;
  /** Skip bundling (tests that never load scripts); pages still point at the build id. */
  bundle?: boolean;
  /** Where page errors that are not an `HttpError` are reported. */
  onError?: (error: unknown, info: { requestId: string; method: string; path: string }) => void;
  /** The path anonymous visitors are sent to when a page throws a 401. */
  loginPath?: string;
  /**
   * How many reverse proxies stand in front of the app (0 unless told). With N, `remoteAddr` is
   * the N-th address from the right of X-Forwarded-For; with 0 the header is ignored, since any
   * client can send it.
   */
  trustedProxies?: number;
  /**
   * The origin pages are served from (`http://localhost:8000`). Page requests that arrive under
   * another host name are redirected there, and an `https:` origin turns on HSTS.
   */
  publicOrigin?: string;
  /** The largest request body read, in bytes (1 MB unless told); a larger one answers 413. */
  maxBodyBytes?: number;
}

const METHODS: Method[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const IMMUTABLE = "public, max-age=31536000, immutable";
const JS_PREFIX = "/_frsh/js";

/**
 * The web app of a generated manifest: file-system routes, middleware, pages inside `_app`,
 * islands with their browser bundle, static files and security headers, on Hono.
 *
 * @example
 * const app = await createWebApp(manifest, { state: () => ({ requestId: crypto.randomUUID(), services }) });
 * Deno.serve((req, info) => app.fetch(req, info));
 */
export async function createWebApp(manifest: Manifest, options: WebAppOptions): Promise<Hono> {
  const root = dirname(fileURLToPath(manifest.baseUrl));
  const apiPrefix = options.apiPrefix ?? "/api";
  const loginPath = options.loginPath ?? "/login";
  const table = buildRouteTable(manifest);
  const islands = islandEntries(manifest, root);
  registerIslands(islands);

  const islandFiles = new Map(islands.map((island) => [island.name, island.file]));
  const projectDir = findProjectDir(root);
  let bundle: IslandBundle | undefined;
  let scripts: ScriptUrls | undefined;
  if (islands.length > 0) {
    if (options.bundle ?? true) {
      bundle = await bundleIslands({
        projectDir,
        islands: islandFiles,
        cacheDir: options.bundleDir ?? join(".data", "bundles"),
      });
      scripts = scriptUrls(bundle.buildId, bundle.runtime, bundle.islands);
    } else {
      const buildId = await computeBuildId({ projectDir, islands: islandFiles });
      const names = new Map(islands.map((island) => [island.name, `${island.name}.js`]));
      scripts = scriptUrls(buildId, "runtime.js", names);
    }
  }
  const staticFiles = await loadStaticFiles(join(root, options.staticDir ?? "static"));
  const asset = (path: string) => {
    const file = staticFiles.get(path);
    return file ? `${path}?v=${file.hash}` : path;
  };

  const isApi = (path: string) => path === apiPrefix || path.startsWith(`${apiPrefix}/`);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const onError = options.onError ?? logError;

  async function respond(c: Context, route: Route | undefined): Promise<Response> {
    const url = new URL(c.req.url);
    const state = options.state(c);
    const params = route ? decodeParams(c.req.param() as Record<string, string>) : {};
    // The body is read (up to the cap) before any middleware, so no code meets a body too large.
    const { req, refused } = await limitBody(c.req.raw, maxBodyBytes).then(
      (req) => ({ req, refused: undefined }),
      (refused: unknown) => ({ req: c.req.raw, refused }),
    );
    const ctx = createCtx(
      c,
      req,
      url,
      params,
      state,
      options.trustedProxies ?? 0,
      (data, init) => renderResponse(route?.page, { data, url, params, state }, init),
    );
    const middlewares = route ? route.middlewares : middlewaresForPath(table, url.pathname);
    const final: HandlerFn = route ? (ctx) => callRoute(route, ctx) : () => {
      throw new HttpError(404, `No route matches "${url.pathname}"`);
    };
    let response: Response;
    try {
      if (refused) throw refused;
      response = await runChain(ctx, [...middlewares, final]);
    } catch (error) {
      if (isApi(url.pathname)) throw error;
      response = await errorPage(error, ctx);
    }
    if (c.req.method === "HEAD" && response.body) {
      response = new Response(null, response);
    }
    response = mutable(response);
    response.headers.set("X-Request-Id", state.requestId);
    return keepPrivate(response, state);

    function callRoute(route: Route, ctx: Ctx): Response | Promise<Response> {
      const { handler } = route;
      if (typeof handler === "function") return handler(ctx);
      const method = ctx.req.method as Method;
      const forMethod = handler?.[method] ?? (method === "HEAD" ? handler?.GET : undefined);
      if (forMethod) return forMethod(ctx);
      if ((method === "GET" || method === "HEAD") && route.page) return ctx.render();
      const allowed = METHODS.filter((m) => handler?.[m] || (m === "GET" && route.page));
      if (allowed.includes("GET") && !allowed.includes("HEAD")) allowed.push("HEAD");
      throw new HttpError(405, `Method ${method} is not allowed here`, {
        headers: { Allow: allowed.join(", ") },
      });
    }

    async function errorPage(error: unknown, ctx: Ctx): Promise<Response> {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 401 && url.pathname !== loginPath) {
        const next = encodeURIComponent(url.pathname + url.search);
        return ctx.redirect(`${loginPath}?next=${next}`);
      }
      if (!(error instanceof HttpError)) {
        onError(error, { requestId: state.requestId, method: c.req.method, path: url.pathname });
      }
      const data: ErrorPageData = {
        status,
        message: error instanceof HttpError ? error.message : "Something went wrong",
        requestId: state.requestId,
      };
      const page = status === 404 ? table.special.notFound : table.special.error;
      let response: Response;
      try {
        response = await renderResponse(page, { data, url, params: {}, state }, { status });
      } catch (renderError) {
        onError(renderError, { requestId: state.requestId, method: "render", path: url.pathname });
        response = new Response(`${data.message} (request ${data.requestId})\n`, {
          status,
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        });
      }
      if (error instanceof HttpError) {
        for (const [name, value] of error.headers) response.headers.set(name, value);
      }
      return response;
    }
  }

  // deno-lint-ignore no-explicit-any
  function renderResponse(page: any, props: any, init: ResponseInit = {}): Promise<Response> {
    if (!page) {
      throw new HttpError(404, "This route has no page to render");
    }
    const nonce = crypto.randomUUID().replaceAll("-", "");
    const rendered = renderPage({ app: table.special.app, page, props, scripts, nonce, asset });
    const headers = new Headers(init.headers);
    headers.set("Content-Type", "text/html; charset=utf-8");
    if (rendered.hasScript) headers.set("Content-Security-Policy", contentSecurityPolicy(nonce));
    return Promise.resolve(new Response(rendered.html, { ...init, headers }));
  }

  const app = new Hono();
  app.use("*", securityHeaders({ https: options.publicOrigin?.startsWith("https:") }));
  if (options.publicOrigin) {
    app.use(
      "*",
      publicOrigin(options.publicOrigin, {
        skip: isApi,
        trustedProxies: options.trustedProxies ?? 0,
      }),
    );
  }
  app.get(`${JS_PREFIX}/:buildId/*`, (c) => {
    const prefix = `${JS_PREFIX}/${bundle?.buildId}/`;
    const file = c.req.path.startsWith(prefix)
      ? bundle?.files.get(c.req.path.slice(prefix.length))
      : undefined;
    if (!file) return c.text("Not found\n", 404);
    return c.body(file as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": IMMUTABLE,
    });
  });
  for (const [path, file] of staticFiles) app.get(path, (c) => serveStatic(c, file));
  for (const route of table.routes) {
    for (const pattern of route.patterns) app.all(pattern, (c) => respond(c, route));
  }
  app.notFound((c) => respond(c, undefined));
  app.onError((error, c) => {
    const status = error instanceof HttpError ? error.status : 500;
    if (!(error instanceof HttpError)) {
      onError(error, { requestId: "-", method: c.req.method, path: new URL(c.req.url).pathname });
    }
    const message = error instanceof HttpError ? error.message : "Internal server error";
    const headers = new Headers(error instanceof HttpError ? error.headers : undefined);
    headers.set("Content-Type", "application/json; charset=utf-8");
    headers.set("Cache-Control", "no-store");
    return new Response(JSON.stringify({ error: { code: status, message } }), { status, headers });
  });
  return app;
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

function createCtx(
  c: Context,
  req: Request,
  url: URL,
  params: Record<string, string>,
  state: State,
  trustedProxies: number,
  render: Ctx["render"],
): Ctx {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  const remoteAddr = clientAddress(
    c.req.raw.headers.get("x-forwarded-for"),
    env?.remoteAddr?.hostname,
    trustedProxies,
  );
  return {
    req,
    url,
    params,
    state,
    remoteAddr,
    render,
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
 * Marks a signed-in visitor's page or data, and an answer that sets a cookie, `no-store`: neither
 * may be kept by a proxy in between or the back-forward cache of a shared computer.
 */
function keepPrivate(response: Response, state: State): Response {
  if (state.user !== undefined || response.headers.has("set-cookie")) {
    response.headers.set("Cache-Control", "no-store");
  }
  return response;
}

/** Runs middleware outermost first; each one's `ctx.next()` runs the rest of the chain. */
function runChain(ctx: Ctx, chain: HandlerFn[]): Promise<Response> {
  const run = async (index: number): Promise<Response> => {
    const layer: Ctx = Object.create(ctx, {
      next: { value: () => run(index + 1) },
    });
    return await chain[index](index === chain.length - 1 ? ctx : layer);
  };
  return run(0);
}

function serveStatic(c: Context, file: StaticFile): Response {
  const etag = `"${file.hash}"`;
  const versioned = c.req.query("v") === file.hash;
  const headers = {
    "Content-Type": file.contentType,
    "Cache-Control": versioned ? IMMUTABLE : "public, max-age=300, must-revalidate",
    ETag: etag,
  };
  if (c.req.header("If-None-Match") === etag) return new Response(null, { status: 304, headers });
  return new Response(file.body as Uint8Array<ArrayBuffer>, { headers });
}

function islandEntries(manifest: Manifest, root: string): IslandEntry[] {
  return Object.entries(manifest.islands).map(([file, module]) => {
    if (typeof module.default !== "function") {
      throw new TypeError(`Cannot use island "${file}": it has no default export component`);
    }
    return {
      name: basename(file, extname(file)),
      file: join(root, file),
      component: module.default,
    };
  });
}

function scriptUrls(buildId: string, runtime: string, islands: Map<string, string>): ScriptUrls {
  const url = (path: string) => `${JS_PREFIX}/${buildId}/${path}`;
  return {
    runtime: url(runtime),
    islands: new Map([...islands].map(([name, path]) => [name, url(path)])),
  };
}

function decodeParams(params: Record<string, string>): Record<string, string> {
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

function findProjectDir(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      Deno.statSync(join(dir, "deno.json"));
      return dir;
    } catch {
      // keep looking upwards
    }
  }
  throw new Error(`Cannot find "deno.json" above "${start}"`);
}

function logError(
  error: unknown,
  info: { requestId: string; method: string; path: string },
): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(JSON.stringify({ level: "error", msg: "Unhandled error", ...info, error: detail }));
}
