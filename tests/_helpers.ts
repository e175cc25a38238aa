/** Shared set-up for HTTP-level tests: one database per test file, isolated by unique users. */
import type { Hono } from "hono";
import { type Config, loadConfig } from "@/lib/config.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { type Db, openDb } from "@/lib/db/mod.ts";
import { createServices, type Services } from "@/lib/services.ts";
import { createApp } from "@/main.ts";

export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-characters-long";
export const TEST_ENCRYPTION_KEY = btoa("0123456789abcdef0123456789abcdef");

/** DATABASE_URL when it names PostgreSQL (CI's second pass), else a throw-away PGlite. */
export function testDatabaseUrl(): string {
  const url = Deno.env.get("DATABASE_URL");
  return url?.startsWith("postgres") ? url : "memory://";
}

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

export interface TestApp {
  app: Hono;
  services: Services;
  db: Db;
  close(): Promise<void>;
}

/** A migrated database and the whole app over it, with Google pointed at `googleRootUrl`. */
export async function openTestApp(
  options: { googleRootUrl?: string; env?: Record<string, string> } = {},
): Promise<TestApp> {
  const config = await testConfig(options.env);
  const db = await openDb(config.databaseUrl);
  await migrate(db);
  const services = createServices(config, db, options.googleRootUrl);
  const app = await createApp(services, { bundle: false });
  return { app, services, db, close: () => db.close() };
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
