/**
 * Google push (issue 16) through the sandbox over real HTTP: the app is served on a port, the
 * sandbox delivers events.watch messages to its webhook, and the push worker runs what they make due.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { loadConfig } from "@/lib/config.ts";
import { listPushChannels } from "@/lib/db/push_channels.ts";
import { startSandbox } from "@/lib/sandbox/mod.ts";
import { createServices, type Services } from "@/lib/services.ts";
import { pushCounters, watchCalendars } from "@/lib/sync/push.ts";
import { type PushWorker, startPushWorker } from "@/lib/sync/push_worker.ts";
import { openTestDb, testDatabaseUrl } from "../_db.ts";
import { NEW_KEY, openApp, TEST_KEY, type World } from "../connect/_helpers.ts";
import { addEvents, at, call, createConfig, listEvents, tenant } from "./_helpers.ts";

interface PushWorld extends World {
  app: Hono;
  webhookUrl: string;
  /** A second instance's services on the same database (PostgreSQL), if opened. */
  workers: PushWorker[];
  runs(configId: string): Promise<number>;
}

async function openPushWorld(): Promise<PushWorld> {
  const db = await openTestDb();
  const { url, sandbox, close } = await startSandbox({
    port: 0,
    dataFile: null,
    allowHttpWebhooks: true,
  });
  let app: Hono | undefined;
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: (a) => resolve(a as Deno.NetAddr) },
    (req) => app!.fetch(req),
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
  app = await openApp(services);
  const workers: PushWorker[] = [];
  const closeAll = async () => {
    for (const w of workers) await w.stop();
    await server.shutdown();
    await close();
    await db.close();
  };
  return {
    services,
    db,
    sandbox,
    sandboxUrl: url,
    app,
    webhookUrl,
    workers,
    runs: async (id) =>
      Number(
        (await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM sync_logs WHERE config_id = $1`,
          [id],
        ))[0].n,
      ),
    close: closeAll,
    [Symbol.asyncDispose]: closeAll,
  };
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

async function startWorker(world: PushWorld, services: Services = world.services) {
  const worker = await startPushWorker(services, { pollMs: 200, maintainMs: 3600_000 });
  world.workers.push(worker);
  return worker;
}

Deno.test("push: a channel on create; a source edit runs the sync without waiting for the poll", async () => {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "push");
  const config = await createConfig(t);
  const channels = await listPushChannels(world.db, t.user.id);
  assert.equal(channels.length, 1);
  assert.equal(channels[0].calendar_id, t.sourceCal);
  assert.ok(channels[0].id.length <= 64);
  assert.match(channels[0].token_hash, /^[0-9a-f]{64}$/);
  const list = await call(t.browser, "GET", "/api/sync/config");
  assert.equal(list.body.configs[0].push.status, "live");
  // The first run (due at creation), then the config waits its 15 minutes.
  await startWorker(world);
  await until("the first run", async () => (await world.runs(config.id)) === 1);
  const [event] = await addEvents(t, 1, "Pushed");
  const ms = await until(
    "the copy",
    async () => (await listEvents(t.dest, t.destCal)).some((e) => e.summary === "Pushed 0"),
  );
  assert.ok(ms < 5000, `copy after ${ms} ms`);
  assert.equal(await world.runs(config.id), 2);
  const after = await call(t.browser, "GET", "/api/sync/config");
  assert.ok(after.body.configs[0].push.last_message_at);
  assert.ok(event.id);
});

Deno.test("push: 50 edits in a burst cost a few runs and leave the exact mirror", async () => {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "burst");
  const config = await createConfig(t);
  await startWorker(world);
  await until("the first run", async () => (await world.runs(config.id)) === 1);
  // A burst: 50 writes at once (Google sends one message each).
  const events = (await Promise.all(Array.from({ length: 50 }, (_, i) =>
    t.source.events.insert({
      calendarId: t.sourceCal,
      requestBody: {
        summary: `Burst ${i}`,
        start: { dateTime: at(1 + i) },
        end: { dateTime: at(1 + i + 1 / 24) },
      },
    })))).map((r) => r.data);
  await until("50 copies", async () => (await listEvents(t.dest, t.destCal)).length === 50);
  await new Promise((r) => setTimeout(r, 1500));
  const runs = (await world.runs(config.id)) - 1;
  assert.ok(runs >= 1 && runs <= 5, `${runs} runs for 50 edits`);
  const copies = await listEvents(t.dest, t.destCal);
  assert.deepEqual(
    copies.map((e) => e.summary).sort(),
    events.map((e) => e.summary).sort(),
  );
});

Deno.test("push: a wrong token or unknown channel is 404 and runs nothing", async () => {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "forged");
  const config = await createConfig(t);
  const [channel] = await listPushChannels(world.db, t.user.id);
  const before = (await world.db.query<{ next_run_at: Date }>(
    `SELECT next_run_at FROM sync_configs WHERE id = $1`,
    [config.id],
  ))[0].next_run_at;
  const rejected = pushCounters.rejected;
  for (const [id, token] of [[channel.id, "wrong"], ["nope", "wrong"], [channel.id, ""]]) {
    const res = await fetch(`${world.webhookUrl}/api/google/notifications`, {
      method: "POST",
      headers: {
        "x-goog-channel-id": id,
        "x-goog-channel-token": token,
        "x-goog-resource-state": "exists",
      },
    });
    await res.body?.cancel();
    assert.equal(res.status, 404);
  }
  assert.equal(pushCounters.rejected - rejected, 3);
  const after = (await world.db.query<{ next_run_at: Date }>(
    `SELECT next_run_at FROM sync_configs WHERE id = $1`,
    [config.id],
  ))[0].next_run_at;
  assert.equal(new Date(after).getTime(), new Date(before).getTime());
  assert.equal(await world.runs(config.id), 0);
});

Deno.test("push: pause and delete stop the channel; one channel for two configs", async () => {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "stop");
  const a = await createConfig(t);
  const main = (await call(t.browser, "GET", "/api/calendars/destination/list")).body.calendars
    .find((c: { summary: string }) => c.summary === "Main").id;
  const b = await createConfig(t, { dest_calendar_id: main });
  assert.equal((await listPushChannels(world.db, t.user.id)).length, 1);
  assert.equal(
    (await call(t.browser, "PATCH", `/api/sync/config/${a.id}`, { is_active: false })).status,
    200,
  );
  assert.equal((await listPushChannels(world.db, t.user.id)).length, 1);
  assert.equal(
    (await call(t.browser, "PATCH", `/api/sync/config/${b.id}`, { is_active: false })).status,
    200,
  );
  assert.equal((await listPushChannels(world.db, t.user.id)).length, 0);
  const paused = await call(t.browser, "GET", "/api/sync/config");
  assert.equal(paused.body.configs[0].push.status, "polling");
  assert.equal(
    (await call(t.browser, "PATCH", `/api/sync/config/${a.id}`, { is_active: true })).status,
    200,
  );
  const [reopened] = await listPushChannels(world.db, t.user.id);
  assert.ok(reopened);
  assert.equal((await call(t.browser, "DELETE", `/api/sync/config/${a.id}`)).status, 200);
  assert.equal((await listPushChannels(world.db, t.user.id)).length, 0);
  // Stopped at Google too: a message on the old channel would 404 here, but none is sent.
  const stats = world.sandbox.stats();
  assert.ok((stats.requests["channels.stop"] ?? 0) >= 2, JSON.stringify(stats.requests));
});

Deno.test("push: renewal before expiry opens the new channel first, then stops the old", async () => {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "renew");
  const config = await createConfig(t);
  const [old] = await listPushChannels(world.db, t.user.id);
  // Six and a half days on, the week-long channel is within a day of expiring.
  await watchCalendars(world.services, undefined, Date.now() + 6.5 * 86400_000);
  const now = await listPushChannels(world.db, t.user.id);
  assert.equal(now.length, 1);
  assert.notEqual(now[0].id, old.id);
  // A restart keeps the channel: a new process's services on the same database receive it.
  const again = createServices(world.services.config, world.db, world.sandboxUrl);
  await startWorker(world, again);
  await until("the first run", async () => (await world.runs(config.id)) >= 1);
  const runs = await world.runs(config.id);
  await t.source.events.insert({
    calendarId: t.sourceCal,
    requestBody: {
      summary: "After renewal",
      start: { dateTime: at(2) },
      end: { dateTime: at(2.1) },
    },
  });
  await until(
    "the copy",
    async () => (await listEvents(t.dest, t.destCal)).some((e) => e.summary === "After renewal"),
  );
  assert.equal(await world.runs(config.id), runs + 1);
});
