/**
 * Google push (issue 16) through the sandbox over real HTTP: the app is served on a port, the
 * sandbox delivers events.watch messages to its webhook, and the push worker runs what they make due.
 */
import assert from "node:assert/strict";
import { openDb } from "@/lib/db/mod.ts";
import { listPushChannels } from "@/lib/db/push_channels.ts";
import { createServices } from "@/lib/services.ts";
import { pushCounters, watchCalendars } from "@/lib/sync/push.ts";
import { wakeWorkers } from "@/lib/sync/push_wake.ts";
import { testDatabaseUrl } from "../_db.ts";
import {
  addEvents,
  at,
  call,
  connect,
  createConfig,
  googleAs,
  listEvents,
  tenant,
} from "./_helpers.ts";
import { openPushWorld, startWorker, until } from "./_push.ts";

Deno.test("push: a channel on create; a source edit runs the sync without waiting for the poll", async () => {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "push");
  const config = await createConfig(t);
  const channels = await listPushChannels(world.db, t.user.id);
  assert.equal(channels.length, 1);
  assert.equal(channels[0].calendar_id, t.sourceCal);
  assert.equal(channels[0].account_id, t.sourceAccountId);
  assert.ok(channels[0].id.length <= 64);
  assert.match(channels[0].token_hash, /^[0-9a-f]{64}$/);
  const list = await call(t.browser, "GET", "/api/sync/config");
  assert.equal(list.body.configs[0].push.status, "live");
  const page = await (await t.browser("/")).text();
  assert.match(page, /data-push="live"[^>]*>Live</);
  // The first run (due at creation), then the config waits its 15 minutes.
  await startWorker(world);
  await until("the first run", async () => (await world.finished(config.id)) === 1);
  const [event] = await addEvents(t, 1, "Pushed");
  const ms = await until(
    "the copy",
    async () => (await listEvents(t.dest, t.destCal)).some((e) => e.summary === "Pushed 0"),
  );
  assert.ok(ms < 5000, `copy after ${ms} ms`);
  assert.equal(await world.runs(config.id), 2);
  const after = await call(t.browser, "GET", "/api/sync/config");
  assert.ok(after.body.configs[0].push.last_message_at);
  // With a channel that delivers, polling is only the backstop: an hour, not the 15 minutes.
  const wait = new Date(after.body.configs[0].next_run_at).getTime() - Date.now();
  assert.ok(wait > 55 * 60_000 && wait <= 60 * 60_000, `next poll in ${wait} ms`);
  assert.ok(event.id);
});

Deno.test("push: 50 edits in a burst cost a few runs and leave the exact mirror", async () => {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "burst");
  const config = await createConfig(t);
  await startWorker(world);
  await until("the first run", async () => (await world.finished(config.id)) === 1);
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
  // Six and a half days on (Google's clock and the app's), the week-long channel is within a day
  // of expiring: the app opens the new one, then stops the old.
  const ahead = 6.5 * 86400_000;
  world.clock.offsetMs = ahead;
  await watchCalendars(world.services, t.user.id, Date.now() + ahead);
  const renewed = await listPushChannels(world.db, t.user.id);
  assert.equal(renewed.length, 1);
  assert.notEqual(renewed[0].id, old.id);
  assert.ok(new Date(renewed[0].expires_at).getTime() > Date.now() + 13 * 86400_000);
  // Past the old channel's expiry, an edit still arrives: no gap. And a restart keeps the
  // channel: a new process's services on the same database receive it.
  world.clock.offsetMs = 7.1 * 86400_000;
  const again = createServices(world.services.config, world.db, world.sandboxUrl);
  await startWorker(world, again);
  await until("the first run", async () => (await world.finished(config.id)) >= 1);
  const runs = await world.runs(config.id);
  const source = googleAs(world, t.sourceEmail);
  await source.events.insert({
    calendarId: t.sourceCal,
    requestBody: {
      summary: "After renewal",
      start: { dateTime: at(8) },
      end: { dateTime: at(8.1) },
    },
  });
  await until(
    "the copy",
    async () =>
      (await listEvents(googleAs(world, t.destEmail), t.destCal)).some((e) =>
        e.summary === "After renewal"
      ),
  );
  assert.equal(await world.runs(config.id), runs + 1);
});

Deno.test({
  name: "push: two instances on PostgreSQL, a message to either runs the config exactly once",
  ignore: !testDatabaseUrl().startsWith("postgres"),
  async fn() {
    await using world = await openPushWorld();
    const t = await tenant(world.app, world, "twin");
    const config = await createConfig(t);
    // A second instance: its own pool on the same database, and its own worker (LISTEN).
    const other = await openDb(testDatabaseUrl());
    await using _closeOther = { [Symbol.asyncDispose]: () => other.close() };
    const twin = createServices(world.services.config, other, world.sandboxUrl);
    await startWorker(world);
    await startWorker(world, twin);
    await until("the first run", async () => (await world.finished(config.id)) === 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await world.runs(config.id), 1);
    await addEvents(t, 1, "Twin");
    await until(
      "the copy",
      async () => (await listEvents(t.dest, t.destCal)).some((e) => e.summary === "Twin 0"),
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await world.runs(config.id), 2);
    for (const w of world.workers.splice(0)) await w.stop();
  },
});

Deno.test("push: a disconnect stops the channel and a reconnect opens a new one", async () => {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "reconnect");
  await createConfig(t);
  const [before] = await listPushChannels(world.db, t.user.id);
  const stops = world.sandbox.stats().requests["channels.stop"] ?? 0;
  assert.equal((await call(t.browser, "DELETE", "/api/oauth/source")).status, 200);
  assert.equal((await listPushChannels(world.db, t.user.id)).length, 0);
  assert.equal(world.sandbox.stats().requests["channels.stop"], stops + 1);
  await connect(t.browser, "source", t.sourceEmail);
  const after = await listPushChannels(world.db, t.user.id);
  assert.equal(after.length, 1);
  assert.notEqual(after[0].id, before.id);
  const list = await call(t.browser, "GET", "/api/sync/config");
  assert.equal(list.body.configs[0].push.status, "live");
});

Deno.test("push: a channel that stopped delivering is noticed by the backstop poll and replaced", async () => {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "silent");
  const config = await createConfig(t);
  await startWorker(world);
  await until("the first run", async () => (await world.finished(config.id)) === 1);
  const [dead] = await listPushChannels(world.db, t.user.id);
  // Google drops the channel without a word: no message reaches the app any more.
  await t.source.channels.stop({ requestBody: { id: dead.id, resourceId: dead.resource_id } });
  await addEvents(t, 1, "Missed");
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await world.runs(config.id), 1);
  // The backstop poll comes due, finds the change the channel never announced, and replaces it.
  await world.db.query(`UPDATE sync_configs SET next_run_at = now() WHERE id = $1`, [config.id]);
  await wakeWorkers(world.db); // as the minute tick would claim it
  await until(
    "the copy",
    async () => (await listEvents(t.dest, t.destCal)).some((e) => e.summary === "Missed 0"),
  );
  await until("a new channel", async () => {
    const now = await listPushChannels(world.db, t.user.id);
    return now.length === 1 && now[0].id !== dead.id;
  });
  // And the new one delivers.
  const runs = await world.runs(config.id);
  await addEvents(t, 1, "Heard");
  await until(
    "the copy",
    async () => (await listEvents(t.dest, t.destCal)).some((e) => e.summary === "Heard 0"),
  );
  assert.equal(await world.runs(config.id), runs + 1);
});
