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
import { OAuthServer } from "./_oauth.ts";
import { notifyChannels } from "./_push.ts";
import { serveSandbox } from "./_routes.ts";
import { seed } from "./_seed.ts";
export type { DemoNames } from "./_seed.ts";
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

/** Creates a sandbox; serve it with `startSandbox` or call `fetch` directly. */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const store = new Store(
    options.dataFile ?? null,
    options.now ?? (() => new Date()),
    options.quotaPerMinute ?? DEFAULT_QUOTA_PER_MINUTE,
  );
  store.allowHttpWebhooks = options.allowHttpWebhooks ?? false;
  const oauth = new OAuthServer(store);
  store.onChange = (calendarId) => notifyChannels(store, calendarId);
  const reset = (opts: { empty?: boolean } = {}) => resetState(store, oauth, opts);
  if (!store.load()) {
    if (options.seed === false) store.changed();
    else reset();
  }
  const sandbox: Sandbox = {
    fetch: (req) => serveSandbox(store, oauth, req, { reset, sandbox }),
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
    stats: () => statsOf(store),
    resetStats: () => store.resetCounters(),
    close: () => store.close(),
  };
  return sandbox;
}

/** Back to a new state: no channels, faults or counts, seeded (with events unless `empty`). */
function resetState(store: Store, oauth: OAuthServer, opts: { empty?: boolean }) {
  store.state = emptyState();
  oauth.forgetKeys();
  store.channels.clear();
  store.faults = {};
  store.resetStats();
  seed(store, !opts.empty);
  store.changed();
}

function statsOf(store: Store): SandboxStats {
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
