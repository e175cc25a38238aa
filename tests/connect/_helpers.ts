/** Shared set-up of the connect tests: one database and one Google sandbox per test file. */
import type { Hono } from "hono";
import { issueToken } from "@/lib/auth/jwt.ts";
import { loadConfig } from "@/lib/config.ts";
import { createApp } from "@/main.ts";
import {
  type AccountRole,
  type AccountStatus,
  getAccountByRole,
} from "@/lib/db/google_accounts.ts";
import type { Db } from "@/lib/db/mod.ts";
import { createUser, type User } from "@/lib/db/users.ts";
import { createServices, type Services } from "@/lib/services.ts";
import { type Sandbox, startSandbox } from "@/lib/sandbox/mod.ts";
import { sharedTestDb, testDatabaseUrl } from "../_db.ts";

const randomKey = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

/**
 * Keys of this test process only: a key rotation test then touches no row of another test file
 * sharing the same PostgreSQL database. The world decrypts with both, so rotating mid-file is
 * harmless to the tests that follow.
 */
export const TEST_KEY = randomKey();
export const NEW_KEY = randomKey();

export interface World extends AsyncDisposable {
  services: Services;
  db: Db;
  sandbox: Sandbox;
  sandboxUrl: string;
  close(): Promise<void>;
}

/**
 * Starts a sandbox over the test file's shared database (`sharedTestDb()`, which the world does
 * not close): tests isolate by data, as they do on PostgreSQL, where every file shares one.
 */
export async function openWorld(env: Record<string, string> = {}): Promise<World> {
  const databaseUrl = testDatabaseUrl();
  const db = await sharedTestDb();
  const { url, sandbox, close } = await startSandbox({ port: 0, dataFile: null });
  const config = await loadConfig({
    APP_ENV: "test",
    DATABASE_URL: databaseUrl,
    JWT_SECRET: "test-secret-that-is-at-least-32-characters-long",
    ENCRYPTION_KEYS: `${TEST_KEY},${NEW_KEY}`,
    GOOGLE_SANDBOX: "1",
    API_URL: "http://app.test",
    ...env,
  });
  return {
    services: createServices(config, db, url),
    db,
    sandbox,
    sandboxUrl: url,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A user no other test shares. */
export async function newUser(world: World, label = "user"): Promise<User> {
  return await createUser(world.db, `${label}-${crypto.randomUUID()}@cal-sync.test`, "x");
}

/** A sandbox Google account no other test shares, with calendars "Main" (primary) and "Team". */
export function newGoogleAccount(world: World, label: string): string {
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  world.sandbox.addAccount(email, ["Main", "Team"]);
  return email;
}

/**
 * Plays the browser on the sandbox's consent page: picks `choice` (an account's email, or
 * "cancel") and returns the URL Google redirects back to.
 */
export async function consent(authorizationUrl: string, choice: string): Promise<URL> {
  const page = await (await fetch(authorizationUrl)).text();
  const forms = [...page.matchAll(/<form method="post">([\s\S]*?)<\/form>/g)].map((m) => m[1]);
  const form = forms.find((f) =>
    choice === "cancel" ? f.includes('name="cancel"') : f.includes(`value="${choice}"`)
  );
  if (!form) throw new Error(`No consent form for "${choice}"`);
  const fields = new URLSearchParams();
  for (
    const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)
  ) {
    fields.append(unescapeHtml(name), unescapeHtml(value));
  }
  const response = await fetch(authorizationUrl, {
    method: "POST",
    body: fields,
    redirect: "manual",
  });
  await response.body?.cancel();
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) {
    throw new Error(`Consent answered ${response.status}`);
  }
  return new URL(location);
}

function unescapeHtml(s: string): string {
  return s.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));
}

/** Asks the sandbox's token endpoint to refresh; the answer says whether the grant still lives. */
export async function sandboxRefresh(world: World, refreshToken: string): Promise<Response> {
  return await fetch(`${world.sandboxUrl}token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: "cal-sync-sandbox",
      client_secret: "cal-sync-sandbox-secret",
    }),
  });
}

/**
 * A pass-through in front of the sandbox that counts requests by "METHOD /path", and answers
 * `fail(route)` (a status) instead of forwarding when that returns one.
 */
export function countingProxy(target: string, fail?: (route: string) => number | undefined): {
  url: string;
  count(route: string): number;
  close(): Promise<void>;
} {
  const counts = new Map<string, number>();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const route = `${req.method} ${url.pathname}`;
    counts.set(route, (counts.get(route) ?? 0) + 1);
    const status = fail?.(route);
    if (status) {
      await req.body?.cancel();
      return Response.json({ error: "server_error" }, { status });
    }
    const body = req.body ? await req.arrayBuffer() : undefined;
    const headers = new Headers(req.headers);
    headers.delete("host");
    return await fetch(new URL(url.pathname + url.search, target), {
      method: req.method,
      headers,
      body,
      redirect: "manual",
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    count: (route) => counts.get(route) ?? 0,
    close: () => server.shutdown(),
  };
}

/** The app under test, exactly as main.ts builds it (without the island bundle). */
export async function openApp(services: Services): Promise<Hono> {
  return await createApp(services, { bundle: false });
}

export type Client = (path: string, init?: RequestInit) => Promise<Response>;

/** Requests as a browser signed in as `user` (session cookie, same-origin). */
export async function browserOf(app: Hono, world: World, user: User): Promise<Client> {
  const token = await issueToken(user.id, world.services.config.jwtSecret);
  const origin = world.services.config.apiUrl;
  return async (path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("cookie", `session=${token}`);
    if (init.method && init.method !== "GET") headers.set("origin", origin);
    return await app.request(new URL(path, origin).toString(), { ...init, headers });
  };
}

/** What the app's OAuth start answers a script: Google's consent page for `accountType`. */
export async function authorizationUrl(
  browser: Client,
  accountType: "source" | "destination",
): Promise<string> {
  const res = await browser(`/api/oauth/start/${accountType}`, {
    headers: { accept: "application/json" },
  });
  if (res.status !== 200) throw new Error(`OAuth start answered ${res.status}`);
  return (await res.json()).authorization_url;
}

/** The whole browser round trip; returns the dashboard URL the callback redirected to. */
export async function connect(
  browser: Client,
  accountType: "source" | "destination",
  email: string,
): Promise<URL> {
  const back = await consent(await authorizationUrl(browser, accountType), email);
  const res = await browser(back.pathname + back.search);
  if (res.status !== 303) throw new Error(`OAuth callback answered ${res.status}`);
  return new URL(res.headers.get("location")!);
}

/** Requests without a session. */
export function anonymousOf(app: Hono, world: World): Client {
  return async (path, init) =>
    await app.request(new URL(path, world.services.config.apiUrl).toString(), init);
}

/** Sets the status of the account a seed role names, as a failing grant would. */
export async function setRoleStatus(
  db: Db,
  userId: string,
  role: AccountRole,
  status: AccountStatus,
  reason: string | null,
): Promise<void> {
  const account = await getAccountByRole(db, userId, role);
  if (!account) throw new Error(`No ${role} account`);
  await db.query("UPDATE google_accounts SET status = $2, status_reason = $3 WHERE id = $1", [
    account.id,
    status,
    reason,
  ]);
}
