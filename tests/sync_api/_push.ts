/** The world of the push tests and the push benchmark: the app served over HTTP with WEBHOOK_URL. */
import type { Hono } from "hono";
import { loadConfig } from "@/lib/config.ts";
import type { Db } from "@/lib/db/mod.ts";
import { startSandbox } from "@/lib/sandbox/mod.ts";
import { createServices, type Services } from "@/lib/services.ts";
import { type PushWorker, startPushWorker } from "@/lib/sync/push_worker.ts";
import { sharedTestDb, testDatabaseUrl } from "../_db.ts";
import { NEW_KEY, openApp, TEST_KEY, type World } from "../connect/_helpers.ts";

export interface PushWorld extends World {
  app: Hono;
  webhookUrl: string;
  /** A second instance's services on the same database (PostgreSQL), if opened. */
  workers: PushWorker[];
  /** Moves the sandbox's clock (Google's) this far ahead of the real one. */
  clock: { offsetMs: number };
  /** Runs of the config started so far (finished or not). */
  runs(configId: string): Promise<number>;
  /** Runs of the config that have ended. */
  finished(configId: string): Promise<number>;
}

export async function openPushWorld(): Promise<PushWorld> {
  // The file's shared database, left open at close: tests isolate by data.
  const db = await sharedTestDb();
  const clock = { offsetMs: 0 };
  const { url, sandbox, close } = await startSandbox({
    port: 0,
    dataFile: null,
    now: () => new Date(Date.now() + clock.offsetMs),
    allowHttpWebhooks: true,
  });
  // The server starts first (WEBHOOK_URL needs its port); the app it serves comes after.
  const served: { app?: Hono } = {};
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: (a) => resolve(a as Deno.NetAddr) },
    (req) => served.app!.fetch(req),
  );
  const webhookUrl = `http://127.0.0.1:${(await promise).port}`;
  const config = await loadConfig({
    APP_ENV: "test",
    DATABASE_URL: testDatabaseUrl(),
    JWT_SECRET: "test-secret-that-is-at-least-32-characters-long",
    ENCRYPTION_KEYS: `${TEST_KEY},${NEW_KEY}`,
    GOOGLE_SANDBOX: "1",
    API_URL: "http://app.test",
    WEBHOOK_URL: webhookUrl,
  });
  const services = createServices(config, db, url);
  const app = served.app = await openApp(services);
  const workers: PushWorker[] = [];
  const closeAll = async () => {
    for (const w of workers) await w.stop();
    await server.shutdown();
    await close();
  };
  return {
    services,
    db,
    sandbox,
    sandboxUrl: url,
    app,
    webhookUrl,
    workers,
    clock,
    runs: (id) => countRuns(db, id, false),
    finished: (id) => countRuns(db, id, true),
    close: closeAll,
    [Symbol.asyncDispose]: closeAll,
  };
}

export async function until(
  what: string,
  check: () => Promise<boolean>,
  ms = 10_000,
): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

export async function startWorker(world: PushWorld, services: Services = world.services) {
  const worker = await startPushWorker(services, { pollMs: 200, maintainMs: 3600_000 });
  world.workers.push(worker);
  return worker;
}

async function countRuns(db: Db, configId: string, finished: boolean): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM sync_logs
     WHERE config_id = $1 AND ($2::boolean IS FALSE OR finished_at IS NOT NULL)`,
    [configId, finished],
  );
  return rows[0].n;
}
