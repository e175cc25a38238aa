/**
 * Shared set-up of the sync API tests: one database (DATABASE_URL or an in-memory PGlite) and one
 * Google sandbox per test file, users connected to the sandbox through the real OAuth flow.
 */
import { getAccountByRole } from "@/lib/db/google_accounts.ts";
import assert from "node:assert/strict";
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { OAuth2Client } from "google-auth-library";
import type { Hono } from "hono";
import postgres from "postgres";
import { loadConfig } from "@/lib/config.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { openDb } from "@/lib/db/mod.ts";
import type { User } from "@/lib/db/users.ts";
import { startSandbox } from "@/lib/sandbox/mod.ts";
import { createServices } from "@/lib/services.ts";
import { openTestDb } from "../_db.ts";
import {
  browserOf,
  type Client,
  consent,
  newGoogleAccount,
  newUser,
  openApp,
  openWorld,
  type World,
} from "../connect/_helpers.ts";

export { browserOf, type Client, newGoogleAccount, newUser, openApp, openWorld, type World };

export type Calendar = calendar_v3.Calendar;
export type Event = calendar_v3.Schema$Event;

export const DAY = 86_400_000;

/** Connects `accountType` of the browser's user to the sandbox account `email`, over HTTP. */
export async function connect(
  browser: Client,
  accountType: "source" | "destination",
  email: string,
): Promise<void> {
  const start = await browser(`/api/oauth/start/${accountType}`, {
    headers: { accept: "application/json" },
  });
  assert.equal(start.status, 200);
  const back = await consent((await start.json()).authorization_url, email);
  const res = await browser(back.pathname + back.search);
  await res.body?.cancel();
  assert.equal(res.status, 303);
}

export interface Tenant {
  user: User;
  browser: Client;
  sourceEmail: string;
  destEmail: string;
  /** The ids of the two connected Google accounts. */
  sourceAccountId: string;
  destAccountId: string;
  /** The source account's "Team" calendar and the destination account's "Team" calendar. */
  sourceCal: string;
  destCal: string;
  /** Calendar clients acting as the two Google accounts directly (not through the app). */
  source: Calendar;
  dest: Calendar;
}

/** A user with both Google accounts connected; each account has calendars "Main" and "Team". */
export async function tenant(app: Hono, world: World, label = "user"): Promise<Tenant> {
  const user = await newUser(world, label);
  const browser = await browserOf(app, world, user);
  const sourceEmail = newGoogleAccount(world, `${label}-src`);
  const destEmail = newGoogleAccount(world, `${label}-dst`);
  await connect(browser, "source", sourceEmail);
  await connect(browser, "destination", destEmail);
  const team = async (accountType: string) => {
    const res = await browser(`/api/calendars/${accountType}/list`);
    assert.equal(res.status, 200);
    const { calendars } = await res.json();
    return calendars.find((c: { summary: string }) => c.summary === "Team").id as string;
  };
  return {
    user,
    browser,
    sourceEmail,
    destEmail,
    sourceAccountId: (await getAccountByRole(world.db, user.id, "source"))!.id,
    destAccountId: (await getAccountByRole(world.db, user.id, "destination"))!.id,
    sourceCal: await team("source"),
    destCal: await team("destination"),
    source: googleAs(world, sourceEmail),
    dest: googleAs(world, destEmail),
  };
}

/** A Calendar client acting as a sandbox account, the way a person's own Google app would. */
export function googleAs(world: World, email: string): Calendar {
  const auth = new OAuth2Client();
  auth.setCredentials({
    access_token: world.sandbox.issueAccessToken(email),
    expiry_date: Date.now() + 365 * DAY,
  });
  return calendar({ version: "v3", rootUrl: world.sandboxUrl, auth });
}

/** A JSON body as the tests read it. */
// deno-lint-ignore no-explicit-any
export type Json = any;

/** JSON request as the browser's user. */
export async function call(
  browser: Client,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const res = await browser(path, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Creates a config from the tenant's source Team calendar into its destination Team calendar. */
export async function createConfig(t: Tenant, extra: Record<string, unknown> = {}) {
  const res = await call(t.browser, "POST", "/api/sync/config", {
    source_calendar_id: t.sourceCal,
    dest_calendar_id: t.destCal,
    ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; [key: string]: unknown };
}

/** An RFC 3339 time `days` (fractional) from now, whole minutes, UTC. */
export function at(days: number, base = Date.now()): string {
  const t = Math.floor((base + days * DAY) / 60_000) * 60_000;
  return new Date(t).toISOString();
}

/** Adds `n` one-hour events to the tenant's source calendar, one a day from tomorrow. */
export async function addEvents(t: Tenant, n: number, title = "Event"): Promise<Event[]> {
  const out: Event[] = [];
  for (let i = 0; i < n; i++) {
    const res = await t.source.events.insert({
      calendarId: t.sourceCal,
      requestBody: {
        summary: `${title} ${i}`,
        start: { dateTime: at(1 + i), timeZone: "UTC" },
        end: { dateTime: at(1 + i + 1 / 24), timeZone: "UTC" },
      },
    });
    out.push(res.data);
  }
  return out;
}

/** Every event of a calendar (not expanded). */
export async function listEvents(cal: Calendar, calendarId: string): Promise<Event[]> {
  const items: Event[] = [];
  let pageToken: string | undefined;
  do {
    const res = await cal.events.list({ calendarId, maxResults: 2500, pageToken });
    items.push(...(res.data.items ?? []));
    pageToken = res.data.nextPageToken ?? undefined;
  } while (pageToken);
  return items;
}

/** Reads a Server-Sent Events body to its end: the events in order, data parsed. */
export async function readEvents(res: Response): Promise<{ event: string; data: Json }[]> {
  const text = await res.text();
  const events = [];
  for (const block of text.split("\n\n")) {
    const lines = block.split("\n").filter((l) => l && !l.startsWith(":"));
    if (!lines.length) continue;
    const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
    const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
    events.push({ event, data: JSON.parse(data) });
  }
  return events;
}

/** A world of its own, whose database other processes can open too (subprocess tests). */
export interface SharedWorld extends World {
  /** The environment a `deno` subprocess needs to act on this world. */
  env: Record<string, string>;
  /** Embedded PGlite on disk has no locking: close it before a subprocess opens it… */
  release(): Promise<void>;
  /** …and open it again afterwards. No-ops on PostgreSQL. */
  reopen(): Promise<void>;
}

const JWT_SECRET = "test-secret-that-is-at-least-32-characters-long";

/**
 * A sandbox and a database no other test file sees: a new PostgreSQL database on the server of
 * DATABASE_URL (dropped at close), or an embedded PGlite in a temporary directory. Scheduler
 * tests need that: a claim takes every due config in the database, whoever created it.
 */
export async function openSharedWorld(): Promise<SharedWorld> {
  const serverUrl = Deno.env.get("DATABASE_URL");
  let databaseUrl: string | undefined;
  let dataDir: string | undefined;
  let drop = async () => {};
  if (serverUrl?.startsWith("postgres")) {
    const name = `calsync_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    drop = async () => {
      const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  } else {
    dataDir = await Deno.makeTempDir({ prefix: "calsync_test_" });
    drop = () => Deno.remove(dataDir!, { recursive: true });
  }
  // A new PostgreSQL database is migrated by openTestDb; a PGlite one starts from the template.
  const open = () => openDb(databaseUrl, dataDir);
  let db = databaseUrl ? await open() : await openTestDb(dataDir);
  if (databaseUrl) await migrate(db);
  const { url, sandbox, close } = await startSandbox({ port: 0, dataFile: null });
  const env: Record<string, string> = {
    APP_ENV: "test",
    JWT_SECRET,
    ENCRYPTION_KEYS: randomKey(),
    GOOGLE_SANDBOX: "1",
    GOOGLE_ROOT_URL: url,
    API_URL: "http://app.test",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir! }),
  };
  const services = createServices(await loadConfig(env), db, url);
  let open_ = true;
  const world: SharedWorld = {
    services,
    db,
    sandbox,
    sandboxUrl: url,
    env,
    async release() {
      if (!dataDir || !open_) return;
      await db.close();
      open_ = false;
    },
    async reopen() {
      if (!dataDir || open_) return;
      db = await open();
      world.db = services.db = db;
      open_ = true;
    },
    async close() {
      await close();
      if (open_) await db.close();
      open_ = false;
      await drop();
    },
    [Symbol.asyncDispose]: () => world.close(),
  };
  return world;
}

function randomKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
}

/** Runs `deno run -A <script> …args` in the world's environment; stdout, stderr and exit code. */
export async function denoRun(
  world: SharedWorld,
  script: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-cron", script, ...args],
    env: world.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** A running `tests/sync_api/_worker.ts` process: `ready` once it waits, `go()` to start it. */
export interface Worker {
  ready: Promise<void>;
  go(): Promise<void>;
  /** Its JSON answer (the last line of stdout). */
  result: Promise<Json>;
}

export function spawnWorker(world: SharedWorld, args: string[]): Worker {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_worker.ts", import.meta.url).pathname, ...args],
    env: world.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => readyResolve = resolve);
  const result = (async () => {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) break;
      buffered += value;
      if (buffered.includes("ready\n")) readyResolve();
    }
    const [status, stderr] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
    ]);
    if (!status.success) throw new Error(`Worker ${args.join(" ")} failed: ${stderr}`);
    return JSON.parse(buffered.trim().split("\n").at(-1)!);
  })();
  return {
    // A worker that dies before it is ready must not leave the test waiting forever.
    ready: Promise.race([
      ready,
      result.then(() => {
        throw new Error(`Worker ${args.join(" ")} ended before it was ready`);
      }),
    ]),
    async go() {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("go\n"));
      await writer.close();
    },
    result,
  };
}
