/**
 * Shared set-up of the tests. How a test gets a database:
 *
 * - `sharedTestDb()`: THE database of the test file, made on first use and shared by all its tests.
 *   Tests isolate by data, not by database: each makes its own user (`uniqueEmail()`,
 *   `registerAndSignIn()`), client address (`uniqueAddress()`) and sandbox accounts, and asserts
 *   only on rows it made. On PostgreSQL (DATABASE_URL) every file shares one database too, so
 *   never count a whole table. Open it at the top of the file (`const db = await sharedTestDb()`)
 *   so the sanitizers see it as opened before the tests.
 * - `openTestApp()`: the whole app over the file's shared database; `await using t = await
 *   openTestApp()` inside a test, or once at the top of the file.
 * - `openTestDb()`: a database no other test of the file sees (`await using db = await
 *   openTestDb()`); on PGlite a fresh copy of a migrated template (~0.5 s, no initdb), see
 *   `tests/_db.ts`. On PostgreSQL it is still the one DATABASE_URL: a test that must count rows
 *   across users uses `openSharedWorld()` (tests/sync_api/_helpers.ts), which makes a database.
 * - With a Google sandbox: `openWorld()` (tests/connect/_helpers.ts), one per file, over the
 *   shared database, and `testSandbox()`/`withPair()` (tests/sync/_helpers.ts) for the engine.
 *
 * Apps, worlds, sandboxes and `openTestDb()` databases are `AsyncDisposable`: `await using`
 * closes them, which keeps Deno's leak checks on; what a file opens at its top, its last test
 * closes (`closesTheFile()`, the one test with the checks off). README, Tests: why the checks
 * run on PostgreSQL only.
 */
import type { Hono } from "hono";
import { type Config, loadConfig } from "@/lib/config.ts";
import type { Db } from "@/lib/db/mod.ts";
import { createServices, type Services } from "@/lib/services.ts";
import { createApp } from "@/main.ts";
import { openTestDb, sharedTestDb, testDatabaseUrl } from "./_db.ts";

export { openTestDb, sharedTestDb, testDatabaseUrl };

export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-characters-long";
export const TEST_ENCRYPTION_KEY = btoa("0123456789abcdef0123456789abcdef");

export async function testConfig(env: Record<string, string> = {}): Promise<Config> {
  return await loadConfig({
    APP_ENV: "test",
    DATABASE_URL: testDatabaseUrl(),
    JWT_SECRET: TEST_JWT_SECRET,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    GOOGLE_SANDBOX: "1",
    API_URL: "http://localhost",
    ...env,
  });
}

export interface TestApp extends AsyncDisposable {
  app: Hono;
  services: Services;
  db: Db;
  close(): Promise<void>;
}

/**
 * The whole app, with Google pointed at `googleRootUrl`, over the file's shared database (or
 * `db`). Closing it leaves the database open for the file's other tests.
 */
export async function openTestApp(
  options: { googleRootUrl?: string; env?: Record<string, string>; db?: Db } = {},
): Promise<TestApp> {
  const config = await testConfig(options.env);
  const db = options.db ?? await sharedTestDb();
  const services = createServices(config, db, options.googleRootUrl);
  const app = await createApp(services, { bundle: false });
  const close = () => services.events.close();
  return { app, services, db, close, [Symbol.asyncDispose]: close };
}

export function uniqueEmail(label = "user"): string {
  return `${label}-${crypto.randomUUID()}@cal-sync.test`;
}

/**
 * A client address no other test shares (an IPv6 /64 of the documentation range), so that the
 * sign-in and registration limits of one test never slow another, even on a database kept
 * between runs.
 */
export function uniqueAddress(): string {
  const group = () => Math.floor(Math.random() * 0x10000).toString(16);
  return `2001:db8:${group()}:${group()}::1`;
}

/** The `env` of `app.request()` for a request from `address`, as `Deno.serve` would pass it. */
export function fromAddress(address: string) {
  return { remoteAddr: { transport: "tcp", hostname: address, port: 40_000 } };
}

/** Registers through the API and returns a bearer token for the new user. */
export async function registerAndSignIn(
  app: Hono,
  email = uniqueEmail(),
  password = "correct horse battery",
): Promise<{ email: string; token: string; id: string }> {
  const client = fromAddress(uniqueAddress());
  const registered = await app.request("/api/auth/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  }, client);
  if (registered.status !== 201) throw new Error(`register: ${registered.status}`);
  const { id } = await registered.json();
  const signedIn = await app.request("/api/auth/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  }, client);
  const { access_token } = await signedIn.json();
  return { email, token: access_token, id };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * A file's last test, which closes what the file opened at its top (a world, an app, a sandbox).
 * Deno's sanitizers (opt-in since Deno 2.9: `--sanitize-ops`, `--sanitize-resources`) fault a test
 * that closes a resource or ends a timer made before it, which is this test's whole point: they
 * are off for it alone.
 * @example closesTheFile("[http] sync config tests close their world", () => world.close());
 */
export function closesTheFile(name: string, close: () => Promise<unknown> | unknown): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => void await close(),
  });
}
