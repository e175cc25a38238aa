/**
 * The Google sandbox: a local stand-in for Google OAuth 2.0 and Calendar v3 that Google's own npm
 * clients talk to as if it were Google, plus a JSON control surface under `/_sandbox/`.
 *
 * @example
 * ```ts
 * const { url, close } = await startSandbox({ port: 0, dataFile: null });
 * const api = calendar({ version: "v3", rootUrl: url, auth });
 * await close();
 * ```
 */
import { handleBatch } from "./_batch.ts";
import { handleCalendar } from "./_calendar_api.ts";
import { handleControl } from "./_control.ts";
import { GoogleApiError, json } from "./_errors.ts";
import { OAuthServer } from "./_oauth.ts";
import { notifyChannels } from "./_push.ts";
import { seed } from "./_seed.ts";
import { emptyState } from "./_state.ts";
import { DEFAULT_QUOTA_PER_MINUTE, Store } from "./_store.ts";

export interface SandboxOptions {
  /** Where state is kept between runs; `null` (the default) keeps it in memory. */
  dataFile?: string | null;
  /** Per-account requests per sliding minute (Google's default per-user quota is 600). */
  quotaPerMinute?: number;
  /** Seed the demo accounts and events when starting without saved state (default true). */
  seed?: boolean;
  /** The sandbox's clock; tests can move it. */
  now?: () => Date;
  /**
   * Lets events.watch take `http://` addresses. Google refuses them (400
   * `push.webhookUrlNotHttps`), and so does the sandbox unless this is on — as it is for the app's
   * built-in sandbox, which delivers to the app on plain localhost.
   */
  allowHttpWebhooks?: boolean;
}

export interface SandboxAccount {
  email: string;
  calendars: { id: string; summary: string }[];
}

export interface SandboxStats {
  since: string;
  /** Calendar API requests since the last reset (OAuth endpoints are counted under `oauth`). */
  total: number;
  /** Calendar API requests by method name, e.g. `events.list`. */
  requests: Record<string, number>;
  /** Calendar API requests by HTTP method. */
  byMethod: Record<string, number>;
  /** OAuth endpoint requests, e.g. `POST /token`. */
  oauth: Record<string, number>;
  quotaRejections: number;
  injectedFaults: number;
  /** events.list pages the `sparse_pages` fault made short or empty. */
  sparsePages: number;
  /** Body bytes of Calendar API responses (as sent, before any transport compression). */
  bytesSent: number;
  /** The same, by the account that made the request. */
  bytesSentByAccount: Record<string, number>;
  quotaPerMinute: number;
}

export interface Sandbox {
  /** The whole HTTP surface: Google's endpoints at the root and the control surface. */
  fetch(req: Request): Promise<Response>;
  /** Back to the seeded state; `empty` keeps the accounts and calendars but no events. */
  reset(opts?: { empty?: boolean }): void;
  /** Adds an account (or calendars to an existing one); the first calendar is its primary. */
  addAccount(email: string, calendarSummaries: string[]): SandboxAccount;
  /** A valid Calendar access token for the account, as if it had gone through OAuth. */
  issueAccessToken(email: string): string;
  stats(): SandboxStats;
  /** Zeroes the counters of `stats()` (requests, bytes, faults seen), nothing else. */
  resetStats(): void;
  /** Flushes state to the data file and waits for pending push deliveries. */
  close(): Promise<void>;
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

/** Creates a sandbox; serve it with `startSandbox` or call `fetch` directly. */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const now = options.now ?? (() => new Date());
  const store = new Store(
    options.dataFile ?? null,
    now,
    options.quotaPerMinute ?? DEFAULT_QUOTA_PER_MINUTE,
  );
  store.allowHttpWebhooks = options.allowHttpWebhooks ?? false;
  const oauth = new OAuthServer(store);
  store.onChange = (calendarId) => notifyChannels(store, calendarId);

  const reset = (opts: { empty?: boolean } = {}) => {
    store.state = emptyState();
    oauth.forgetKeys();
    store.channels.clear();
    store.faults = {};
    store.resetStats();
    seed(store, !opts.empty);
    store.changed();
  };

  if (!store.load()) {
    if (options.seed === false) store.changed();
    else reset();
  }

  const sandbox: Sandbox = {
    async fetch(req: Request): Promise<Response> {
      try {
        const url = new URL(req.url);
        const origin = originOf(req, url);
        const path = url.pathname.replace(/\/{2,}/g, "/");
        if (path.startsWith("/calendar/v3/")) {
          return await handleCalendar(store, req, url, path.slice(12), origin);
        }
        if (path === "/batch/calendar/v3" && req.method === "POST") {
          return await handleBatch(store, req, origin, (inner) => {
            const innerUrl = new URL(inner.url);
            const innerPath = innerUrl.pathname.replace(/\/{2,}/g, "/").slice(12);
            // The batch counts its own response's bytes, not each part's again.
            return handleCalendar(store, inner, innerUrl, innerPath, origin, { countBytes: false });
          }).catch((err) => {
            if (err instanceof GoogleApiError) return err.toResponse();
            throw err;
          });
        }
        if (path.startsWith("/_sandbox/")) {
          return await handleControl(store, req, path.slice(9), { reset, sandbox });
        }
        if (path === "/" && req.method === "GET") return landingPage(origin);
        const res = await oauth.handle(req, url, path, origin);
        if (res) return res;
        await req.body?.cancel();
        return new GoogleApiError(404, "Not Found", "notFound").toResponse();
      } catch (err) {
        console.error("sandbox: unexpected error", err);
        return json(
          {
            error: {
              code: 500,
              message: "Backend Error",
              errors: [{ domain: "global", reason: "backendError", message: "Backend Error" }],
            },
          },
          500,
        );
      }
    },
    reset,
    addAccount(email, calendarSummaries) {
      const account = store.addAccount(email, calendarSummaries);
      return {
        email: account.email,
        calendars: account.calendarIds.map((id) => ({
          id,
          summary: store.state.calendars[id].summary,
        })),
      };
    },
    issueAccessToken(email) {
      if (!store.state.accounts[email.toLowerCase()]) {
        throw new Error(`Unknown sandbox account "${email}"`);
      }
      return store.issueAccessToken(email);
    },
    stats() {
      return {
        since: store.stats.since,
        total: Object.values(store.stats.requests).reduce((a, b) => a + b, 0),
        requests: { ...store.stats.requests },
        byMethod: { ...store.stats.byMethod },
        oauth: { ...store.stats.oauth },
        quotaRejections: store.stats.quotaRejections,
        injectedFaults: store.stats.injectedFaults,
        sparsePages: store.stats.sparsePages,
        bytesSent: store.stats.bytesSent,
        bytesSentByAccount: { ...store.stats.bytesSentByAccount },
        quotaPerMinute: store.quotaPerMinute(),
      };
    },
    resetStats: () => store.resetCounters(),
    close: () => store.close(),
  };
  return sandbox;
}

/** Serves a new sandbox on its own origin; `port: 0` picks a free port. */
export async function startSandbox(
  options: SandboxOptions & { port?: number; hostname?: string } = {},
): Promise<{ url: string; sandbox: Sandbox; close(): Promise<void> }> {
  const sandbox = createSandbox(options);
  const hostname = options.hostname ?? "127.0.0.1";
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { port: options.port ?? 8085, hostname, onListen: (addr) => resolve(addr as Deno.NetAddr) },
    (req) => sandbox.fetch(req),
  );
  const addr = await promise;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const shownHost = host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    url: `http://${shownHost}:${addr.port}/`,
    sandbox,
    async close() {
      await server.shutdown();
      await sandbox.close();
    },
  };
}
