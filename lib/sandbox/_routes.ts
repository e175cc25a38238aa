/** Which part of the sandbox answers a request: Calendar, batch, control surface or OAuth. */
import { handleBatch } from "./_batch.ts";
import { handleCalendar } from "./_calendar_api.ts";
import { handleControl } from "./_control.ts";
import { GoogleApiError } from "./_errors.ts";
import type { OAuthServer } from "./_oauth.ts";
import type { Store } from "./_store.ts";
import type { Sandbox } from "./mod.ts";

/** What the control surface acts on beyond the store. */
interface Control {
  reset(opts?: { empty?: boolean }): void;
  sandbox: Sandbox;
}

/** Answers any request; an unexpected error becomes Google's 500 `backendError`. */
export async function serveSandbox(
  store: Store,
  oauth: OAuthServer,
  req: Request,
  control: Control,
): Promise<Response> {
  try {
    return await route(store, oauth, req, control);
  } catch (err) {
    console.error("sandbox: unexpected error", err);
    return new GoogleApiError(500, "Backend Error", "backendError").toResponse();
  }
}

async function route(
  store: Store,
  oauth: OAuthServer,
  req: Request,
  control: Control,
): Promise<Response> {
  const url = new URL(req.url);
  const origin = originOf(req, url);
  const path = url.pathname.replace(/\/{2,}/g, "/");
  if (path.startsWith("/calendar/v3/")) {
    return await handleCalendar(store, req, url, path.slice(12), origin);
  }
  if (path === "/batch/calendar/v3" && req.method === "POST") {
    return await serveBatch(store, req, origin);
  }
  if (path.startsWith("/_sandbox/")) {
    return await handleControl(store, req, path.slice(9), control);
  }
  if (path === "/" && req.method === "GET") return landingPage(origin);
  const res = await oauth.handle(req, url, path, origin);
  if (res) return res;
  await req.body?.cancel();
  return new GoogleApiError(404, "Not Found", "notFound").toResponse();
}

/** A batch of Calendar calls, each served as if sent alone. */
function serveBatch(store: Store, req: Request, origin: string): Promise<Response> {
  return handleBatch(store, req, origin, (inner) => {
    const innerUrl = new URL(inner.url);
    const innerPath = innerUrl.pathname.replace(/\/{2,}/g, "/").slice(12);
    // The batch counts its own response's bytes, not each part's again.
    return handleCalendar(store, inner, innerUrl, innerPath, origin, { countBytes: false });
  }).catch((err) => {
    if (err instanceof GoogleApiError) return err.toResponse();
    throw err;
  });
}

function originOf(req: Request, url: URL): string {
  const fwd = req.headers.get("forwarded");
  const fwdHost = fwd ? /host="?([^;,"]+)/i.exec(fwd)?.[1] : undefined;
  const fwdProto = fwd ? /proto="?([^;,"]+)/i.exec(fwd)?.[1] : undefined;
  const host = req.headers.get("x-forwarded-host")?.split(",")[0].trim() ?? fwdHost ??
    req.headers.get("host") ?? url.host;
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0].trim() ?? fwdProto ??
    url.protocol.replace(":", "");
  return `${proto}://${host}/`;
}

function landingPage(origin: string): Response {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Google sandbox</title>
</head><body><h1>Google sandbox</h1><p>Google OAuth 2.0 and Calendar v3 are simulated here for
cal-sync. Point Google's clients at <code>${origin}</code>.</p>
<p>Control surface: <a href="_sandbox/accounts">_sandbox/accounts</a>,
<a href="_sandbox/stats">_sandbox/stats</a>.</p></body></html>`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}
