import { type Context, Hono } from "hono";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_MAX_BODY_BYTES } from "./body_limit.ts";
import { compress } from "./compress.ts";
import { type ErrorInfo, type ErrorReporter, errorResponder, jsonError } from "./error_handling.ts";
import { JS_PREFIX, prepareIslands, serveIslandFiles } from "./islands.ts";
import { pageResponder } from "./page_response.ts";
import { publicOrigin } from "./public_origin.ts";
import { requestHandler } from "./request_handler.ts";
import { buildRouteTable } from "./routes.ts";
import { securityHeaders } from "./security_headers.ts";
import type { State } from "./state.ts";
import { assetUrls, loadStaticFiles, serveStatic } from "./static_files.ts";
import type { Manifest } from "./types.ts";

export { clientAddress } from "./context.ts";

export interface WebAppOptions {
  /** The initial state of each request, before any middleware runs. */
  state: (c: Context) => State;
  /** Paths under this prefix answer errors as JSON (see `jsonError`), never an HTML page. */
  apiPrefix?: string;
  /** The static folder, relative to the manifest's folder. */
  staticDir?: string;
  /** Where island builds are cached; `.data/bundles` unless told. */
  bundleDir?: string;
  /** Skip bundling (tests that never load scripts); pages still point at the build id. */
  bundle?: boolean;
  /** Where errors that are not an `HttpError` are reported (a bug or an outage). */
  onError?: (error: unknown, info: ErrorInfo) => void;
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
  const table = buildRouteTable(manifest);
  const islands = await prepareIslands(manifest, root, options);
  const staticFiles = await loadStaticFiles(join(root, options.staticDir ?? "static"));
  const apiPrefix = options.apiPrefix ?? "/api";
  const isApi = (path: string) => path === apiPrefix || path.startsWith(`${apiPrefix}/`);
  const report = options.onError ?? logError;
  const render = pageResponder({
    app: table.special.app,
    scripts: islands.scripts,
    asset: assetUrls(staticFiles),
  });
  const handle = requestHandler({
    state: options.state,
    table,
    render,
    onError: errorResponder({
      isApi,
      loginPath: options.loginPath ?? "/login",
      report,
      render,
      pages: { notFound: table.special.notFound, error: table.special.error },
    }),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    trustedProxies: options.trustedProxies ?? 0,
  });

  const app = new Hono();
  app.use("*", compress());
  app.use("*", securityHeaders({ https: options.publicOrigin?.startsWith("https:") }));
  if (options.publicOrigin) {
    const trustedProxies = options.trustedProxies ?? 0;
    app.use("*", publicOrigin(options.publicOrigin, { skip: isApi, trustedProxies }));
  }
  app.get(`${JS_PREFIX}/:buildId/*`, serveIslandFiles(islands.bundle));
  for (const [path, file] of staticFiles) app.get(path, (c) => serveStatic(c, file));
  for (const route of table.routes) {
    for (const pattern of route.patterns) app.all(pattern, (c) => handle(c, route));
  }
  app.notFound((c) => handle(c, undefined));
  app.onError((error, c) => lastResort(error, c, report));
  return app;
}

/** An error outside any route (in the state factory, say): reported, answered as JSON. */
function lastResort(error: unknown, c: Context, report: ErrorReporter): Response {
  const requestId = crypto.randomUUID();
  report(error, { requestId, method: c.req.method, path: new URL(c.req.url).pathname });
  return jsonError(error, requestId);
}

function logError(error: unknown, info: ErrorInfo): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(JSON.stringify({ level: "error", msg: "Unhandled error", ...info, error: detail }));
}
