import assert from "node:assert/strict";
import { acquireSyncLease, releaseSyncLease } from "@/lib/db/sync_configs.ts";
import { getAccountByRole } from "@/lib/db/google_accounts.ts";
import { decryptToken, loadKeyRing } from "@/lib/crypto/tokens.ts";
import { COPY_MARKERS } from "@/lib/sync/transform.ts";
import {
  addEvents,
  call,
  createConfig,
  type Json,
  listEvents,
  openApp,
  openWorld,
  readEvents,
  tenant,
} from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);

Deno.test("[http] POST /api/sync/trigger/{id}", async (t) => {
  const ten = await tenant(app, world, "trigger");
  const config = await createConfig(ten);
  const path = `/api/sync/trigger/${config.id}`;
  await addEvents(ten, 5);

  await t.step("runs the sync and answers with the run's result", async () => {
    const res = await call(ten.browser, "POST", path);
    assert.equal(res.status, 200);
    const r = res.body;
    assert.match(r.sync_log_id, /^[0-9a-f-]{36}$/);
    assert.equal(r.status, "success");
    assert.equal(r.events_created, 5);
    assert.deepEqual([r.events_updated, r.events_deleted, r.events_skipped, r.events_failed], [
      0,
      0,
      0,
      0,
    ]);
    assert.ok(r.api_calls >= 6, "one listing and five inserts");
    assert.equal(typeof r.duration_ms, "number");
    assert.deepEqual(r.failures, []);
    const copies = await listEvents(ten.dest, ten.destCal);
    assert.deepEqual(copies.map((e) => e.summary).sort(), [0, 1, 2, 3, 4].map((i) => `Event ${i}`));
  });

  await t.step("records the outcome on the config, and the schedule starts again", async () => {
    const res = await call(ten.browser, "GET", `/api/sync/config/${config.id}`);
    assert.equal(res.body.last_status, "success");
    assert.ok(res.body.last_synced_at);
    assert.equal(res.body.running, false);
    // A new config is due at once; after a manual run the next one is an interval away.
    const nextIn = Date.parse(res.body.next_run_at) - Date.now();
    const interval = res.body.sync_interval_minutes * 60_000;
    assert.ok(nextIn > interval - 60_000 && nextIn <= interval, `next run in ${nextIn} ms`);
  });

  await t.step("a second run with nothing changed writes nothing", async () => {
    const res = await call(ten.browser, "POST", path);
    assert.equal(res.body.status, "success");
    assert.equal(res.body.api_calls, 1);
    assert.equal(res.body.events_created + res.body.events_updated + res.body.events_deleted, 0);
  });

  await t.step("serves 409 while a run holds the config, then runs again", async () => {
    assert.ok(await acquireSyncLease(world.db, config.id, "elsewhere", 60_000));
    try {
      const res = await call(ten.browser, "POST", path);
      assert.equal(res.status, 409);
      assert.match(res.body.error.message, /already in progress/);
      const sse = await ten.browser(path, {
        method: "POST",
        headers: { accept: "text/event-stream" },
      });
      assert.equal(sse.status, 409, "refused before anything streams");
      // Only this 409 invites asking again (the dashboard's Sync now waits on it).
      assert.equal(sse.headers.get("retry-after"), "1");
      await sse.body?.cancel();
      const shown = await call(ten.browser, "GET", `/api/sync/config/${config.id}`);
      assert.equal(shown.body.running, true);
    } finally {
      await releaseSyncLease(world.db, config.id, "elsewhere");
    }
    const res = await call(ten.browser, "POST", path);
    assert.equal(res.status, 200);
  });

  await t.step("serves 409 for a paused config", async () => {
    await call(ten.browser, "PATCH", `/api/sync/config/${config.id}`, { is_active: false });
    const res = await call(ten.browser, "POST", path);
    assert.equal(res.status, 409);
    assert.match(res.body.error.message, /paused/);
    await call(ten.browser, "PATCH", `/api/sync/config/${config.id}`, { is_active: true });
  });
});

Deno.test(
  "[http] two concurrent triggers of one config: one runs, one gets 409",
  async () => {
    const ten = await tenant(app, world, "race");
    const config = await createConfig(ten);
    await addEvents(ten, 20);
    const path = `/api/sync/trigger/${config.id}`;
    const results = await Promise.all([
      call(ten.browser, "POST", path),
      call(ten.browser, "POST", path),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
    const ran = results.find((r) => r.status === 200)!;
    assert.equal(ran.body.events_created, 20);
    const copies = await listEvents(ten.dest, ten.destCal);
    assert.equal(copies.length, 20);
    const logs = await call(ten.browser, "GET", `/api/sync/logs/${config.id}`);
    assert.equal(logs.body.logs.length, 1, "one run recorded");
  },
);

Deno.test(
  "[http] a copy edited in the destination is overwritten: the result, the log and the history say so",
  async () => {
    const ten = await tenant(app, world, "overwrite");
    const config = await createConfig(ten);
    await addEvents(ten, 2);
    const path = `/api/sync/trigger/${config.id}`;
    assert.equal((await call(ten.browser, "POST", path)).body.events_created, 2);
    const [copy] = await listEvents(ten.dest, ten.destCal);
    await ten.dest.events.patch({
      calendarId: ten.destCal,
      eventId: copy.id!,
      requestBody: { summary: "Edited in the destination" },
    });
    const sourceId = copy.extendedProperties!.shared![COPY_MARKERS.sourceId];
    await ten.source.events.patch({
      calendarId: ten.sourceCal,
      eventId: sourceId,
      requestBody: { summary: "Renamed at the source" },
    });
    const res = await call(ten.browser, "POST", path);
    assert.equal(res.body.status, "success");
    assert.deepEqual([res.body.events_updated, res.body.events_overwritten], [1, 1]);
    const logs = await call(ten.browser, "GET", `/api/sync/logs/${config.id}`);
    assert.deepEqual(logs.body.logs.map((l: Json) => l.events_overwritten), [1, 0]);
    const page = await ten.browser(`/syncs/${config.id}`);
    const html = await page.text();
    assert.match(html, />\s*Overwritten\s*</);
    const row = html.slice(html.indexOf("<tbody>"), html.indexOf("</tr>", html.indexOf("<tbody>")));
    const cells = [...row.matchAll(/<td class="num"[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
    // Created, updated, deleted, skipped, failed, overwritten, duration: the newest run first.
    assert.deepEqual(cells.slice(0, 6), ["0", "1", "0", "0", "0", "1"]);
  },
);

Deno.test("[http] POST /api/sync/trigger/{id} with Accept: text/event-stream", async (t) => {
  const ten = await tenant(app, world, "sse");
  const config = await createConfig(ten);
  await addEvents(ten, 12);

  await t.step("streams progress, then the result", async () => {
    const res = await ten.browser(`/api/sync/trigger/${config.id}`, {
      method: "POST",
      headers: { accept: "text/event-stream" },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const events = await readEvents(res);
    const progress = events.filter((e) => e.event === "progress");
    assert.ok(progress.length >= 1, "at least one progress event");
    for (const p of progress) {
      assert.deepEqual(Object.keys(p.data).sort(), ["done", "total"]);
      assert.ok(p.data.done <= p.data.total);
    }
    assert.deepEqual(progress.at(-1)!.data, { done: 12, total: 12 });
    const dones = progress.map((p) => p.data.done);
    assert.deepEqual(dones, [...dones].sort((a, b) => a - b), "progress only goes forward");
    assert.equal(events.at(-1)!.event, "result");
    assert.equal(events.filter((e) => e.event === "result").length, 1);
    const result = events.at(-1)!.data;
    assert.equal(result.status, "success");
    assert.equal(result.events_created, 12);
    assert.match(result.sync_log_id, /^[0-9a-f-]{36}$/);
  });

  await t.step("a client that goes away does not stop the run", async () => {
    await addEvents(ten, 8, "Later");
    const res = await ten.browser(`/api/sync/trigger/${config.id}`, {
      method: "POST",
      headers: { accept: "text/event-stream" },
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    let last;
    for (let i = 0; i < 100; i++) {
      last = (await call(ten.browser, "GET", `/api/sync/logs/${config.id}?limit=1`)).body.logs[0];
      // The log row closes a moment before the run gives its lease back: wait for both, or the
      // next step's trigger can meet the lease and answer 409.
      const { running } = (await call(ten.browser, "GET", `/api/sync/config/${config.id}`)).body;
      if (last.status !== "running" && last.events_created === 8 && !running) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(last.status, "success");
    assert.equal(last.events_created, 8);
    assert.equal((await listEvents(ten.dest, ten.destCal)).length, 20);
  });

  await t.step("a run with nothing to write streams only the result", async () => {
    const res = await ten.browser(`/api/sync/trigger/${config.id}`, {
      method: "POST",
      headers: { accept: "text/event-stream" },
    });
    const events = await readEvents(res);
    assert.deepEqual(events.map((e) => e.event), ["result"]);
    assert.equal(events[0].data.api_calls, 1);
  });
});

Deno.test(
  "[http] a run whose connection was revoked ends needs_reconnect and marks it",
  async () => {
    const ten = await tenant(app, world, "revoked");
    const config = await createConfig(ten);
    await addEvents(ten, 2);
    // The user revokes cal-sync's access at Google: every token of the grant dies.
    const row = (await getAccountByRole(world.db, ten.user.id, "source"))!;
    const ring = await loadKeyRing(world.services.config.encryptionKeys);
    const refreshToken = await decryptToken(ring, row.refresh_token_enc, {
      userId: ten.user.id,
      label: row.token_label,
      field: "refresh_token",
    });
    const revoked = await fetch(`${world.sandboxUrl}revoke?token=${refreshToken}`, {
      method: "POST",
    });
    await revoked.body?.cancel();
    assert.equal(revoked.status, 200);
    const res = await call(ten.browser, "POST", `/api/sync/trigger/${config.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "needs_reconnect");
    assert.match(res.body.error, /reconnect/i);
    const status = await call(ten.browser, "GET", "/api/oauth/status");
    assert.equal(status.body.source.status, "needs_reconnect");
    const again = await call(ten.browser, "POST", `/api/sync/trigger/${config.id}`);
    assert.equal(again.body.status, "needs_reconnect");
    assert.ok(again.body.sync_log_id, "a run that could not start is recorded too");
    const shown = await call(ten.browser, "GET", `/api/sync/config/${config.id}`);
    assert.equal(shown.body.last_status, "needs_reconnect");
  },
);

Deno.test(
  "[http] a run whose stored tokens cannot be used is recorded as failed",
  async () => {
    const ten = await tenant(app, world, "undecryptable");
    const config = await createConfig(ten);
    // A ciphertext bound to another field never decrypts (as after dropping a key).
    await world.db.query(
      `UPDATE google_accounts SET access_token_enc = refresh_token_enc WHERE id = $1`,
      [(await getAccountByRole(world.db, ten.user.id, "destination"))!.id],
    );
    const res = await call(ten.browser, "POST", `/api/sync/trigger/${config.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "failed");
    assert.match(res.body.error, /^Cannot use the stored Google connection: /);
    const logs = await call(ten.browser, "GET", `/api/sync/logs/${config.id}`);
    assert.equal(logs.body.logs[0].status, "failed");
    const shown = await call(ten.browser, "GET", `/api/sync/config/${config.id}`);
    assert.equal(shown.body.last_status, "failed");
    assert.equal(shown.body.running, false, "the lease is given back");
  },
);

Deno.test(
  "[http] Sync now without JavaScript ends on the dashboard with the run's result and failures",
  async () => {
    const ten = await tenant(app, world, "nojs");
    const config = await createConfig(ten);
    await addEvents(ten, 2);
    await ten.source.events.insert({
      calendarId: ten.sourceCal,
      requestBody: {
        summary: "Refused lunch",
        start: { dateTime: new Date(Date.now() + 3 * 86_400_000).toISOString() },
        end: { dateTime: new Date(Date.now() + 3 * 86_400_000 + 3_600_000).toISOString() },
      },
    });
    const faults = (body?: unknown) =>
      fetch(`${world.sandboxUrl}_sandbox/faults`, {
        method: body ? "POST" : "DELETE",
        headers: { "content-type": "application/json" },
        body: body ? JSON.stringify(body) : undefined,
      }).then((r) => r.body?.cancel());
    await faults({ reject_writes: { summary_prefix: "Refused", status: 400, reason: "invalid" } });
    try {
      const ran = await ten.browser(`/syncs/${config.id}/run`, { method: "POST" });
      await ran.body?.cancel();
      assert.equal(ran.status, 303);
      const location = ran.headers.get("location")!;
      assert.match(location, new RegExp(`^/\\?ran=${config.id}&log=[0-9a-f-]{36}#sync-`));
      const page = await ten.browser(location);
      const html = await page.text();
      assert.equal(page.status, 200, html.slice(0, 500));
      assert.match(html, /Partly failed: 2 of 3 copied<\/strong> — 2 created, 1 not copied\./);
      // Google's reason in plain words, its own words kept one click away.
      assert.match(html, /<strong>Refused lunch:<\/strong> Google refused this event as not valid/);
      assert.match(html, /<summary>Google&#39;s words<\/summary><code>400 invalid /);

      const logs = await call(ten.browser, "GET", `/api/sync/logs/${config.id}`);
      const [log] = logs.body.logs;
      assert.ok(Array.isArray(log.failures), `failures is ${JSON.stringify(log.failures)}`);
      assert.deepEqual(log.failures.map((f: { summary: string }) => f.summary), ["Refused lunch"]);
      assert.match(log.failures[0].reason, /^400 invalid/);
    } finally {
      await faults();
    }
  },
);

Deno.test("[http] GET /api/sync/logs/{id} pages runs newest first", async (t) => {
  const ten = await tenant(app, world, "logs");
  const config = await createConfig(ten);
  await addEvents(ten, 1);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await call(ten.browser, "POST", `/api/sync/trigger/${config.id}`);
    ids.push(res.body.sync_log_id);
  }
  const newestFirst = [...ids].reverse();
  const path = `/api/sync/logs/${config.id}`;

  await t.step("answers every run with its counts", async () => {
    const res = await call(ten.browser, "GET", path);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.logs.map((l: { id: string }) => l.id), newestFirst);
    assert.equal(res.body.next_cursor, null);
    const oldest = res.body.logs.at(-1);
    assert.equal(oldest.trigger, "manual");
    assert.equal(oldest.status, "success");
    assert.equal(oldest.events_created, 1);
    assert.ok(oldest.finished_at && oldest.window_start && oldest.window_end);
    assert.equal(oldest.config_id, config.id);
    // An array, not a JSON string holding one (as PostgreSQL stored it once).
    assert.ok(res.body.logs.every((l: { failures: unknown }) => Array.isArray(l.failures)));
  });

  await t.step("pages with limit and before", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=2&before=${cursor}` : "?limit=2";
      const res = await call(ten.browser, "GET", path + q);
      assert.equal(res.status, 200);
      assert.ok(res.body.logs.length <= 2);
      seen.push(...res.body.logs.map((l: { id: string }) => l.id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, newestFirst);
  });

  await t.step("serves 422 for a bad limit or a cursor of another config", async () => {
    for (const q of ["?limit=0", "?limit=101", "?limit=x", "?before=nope"]) {
      const res = await call(ten.browser, "GET", path + q);
      assert.equal(res.status, 422, q);
    }
    const other = await tenant(app, world, "logs-other");
    const otherConfig = await createConfig(other);
    const run = await call(other.browser, "POST", `/api/sync/trigger/${otherConfig.id}`);
    const res = await call(ten.browser, "GET", `${path}?before=${run.body.sync_log_id}`);
    assert.equal(res.status, 422);
    assert.ok(res.body.error.fields.before);
  });
});

Deno.test("[http] DELETE /api/sync/config/{id}", async (t) => {
  await t.step("with remove_synced_events=true empties the destination of copies", async () => {
    const ten = await tenant(app, world, "delete-remove");
    const config = await createConfig(ten);
    await addEvents(ten, 6);
    await ten.source.events.insert({
      calendarId: ten.sourceCal,
      requestBody: {
        summary: "Weekly",
        start: { dateTime: new Date(Date.now() + 3_600_000).toISOString(), timeZone: "UTC" },
        end: { dateTime: new Date(Date.now() + 7_200_000).toISOString(), timeZone: "UTC" },
        recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"],
      },
    });
    const own = await ten.dest.events.insert({
      calendarId: ten.destCal,
      requestBody: {
        summary: "Mine, not a copy",
        start: { dateTime: new Date(Date.now() + 86_400_000).toISOString() },
        end: { dateTime: new Date(Date.now() + 90_000_000).toISOString() },
      },
    });
    const run = await call(ten.browser, "POST", `/api/sync/trigger/${config.id}`);
    assert.equal(run.body.events_created, 7);
    assert.equal((await listEvents(ten.dest, ten.destCal)).length, 8);

    const res = await call(
      ten.browser,
      "DELETE",
      `/api/sync/config/${config.id}?remove_synced_events=true`,
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { deleted: true, events_removed: 7 });
    const left = await listEvents(ten.dest, ten.destCal);
    assert.deepEqual(left.map((e) => e.id), [own.data.id], "only the user's own event is left");
    assert.ok(
      left.every((e) => !e.extendedProperties?.shared?.[COPY_MARKERS.sourceId]),
      "no copy left",
    );
    assert.equal((await call(ten.browser, "GET", `/api/sync/config/${config.id}`)).status, 404);
    assert.equal((await call(ten.browser, "GET", `/api/sync/logs/${config.id}`)).status, 404);
    const mappings = await world.db.query(`SELECT 1 FROM event_mappings WHERE config_id = $1`, [
      config.id,
    ]);
    assert.equal(mappings.length, 0);
  });

  await t.step("without it keeps the copies", async () => {
    const ten = await tenant(app, world, "delete-keep");
    const config = await createConfig(ten);
    await addEvents(ten, 3);
    await call(ten.browser, "POST", `/api/sync/trigger/${config.id}`);
    const res = await call(ten.browser, "DELETE", `/api/sync/config/${config.id}`);
    assert.deepEqual(res.body, { deleted: true, events_removed: 0 });
    assert.equal((await listEvents(ten.dest, ten.destCal)).length, 3);
    assert.equal((await call(ten.browser, "GET", "/api/sync/config")).body.configs.length, 0);
  });

  await t.step("serves 409 while a run is in progress", async () => {
    const ten = await tenant(app, world, "delete-running");
    const config = await createConfig(ten);
    assert.ok(await acquireSyncLease(world.db, config.id, "elsewhere", 60_000));
    try {
      for (const q of ["", "?remove_synced_events=true"]) {
        const res = await call(ten.browser, "DELETE", `/api/sync/config/${config.id}${q}`);
        assert.equal(res.status, 409, q);
      }
    } finally {
      await releaseSyncLease(world.db, config.id, "elsewhere");
    }
    const shown = await call(ten.browser, "GET", `/api/sync/config/${config.id}`);
    assert.equal(shown.status, 200, "still there");
    assert.equal(shown.body.is_active, true, "and still active");
  });

  await t.step("the pages answer a running sync as the API does: one map", async () => {
    const ten = await tenant(app, world, "pages-running");
    const config = await createConfig(ten);
    assert.ok(await acquireSyncLease(world.db, config.id, "elsewhere", 60_000));
    try {
      const api = await call(ten.browser, "DELETE", `/api/sync/config/${config.id}`);
      assert.equal(api.status, 409);
      for (const path of [`/syncs/${config.id}/delete`, `/syncs/${config.id}/run`]) {
        const res = await ten.browser(path, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "remove_synced_events=true",
        });
        assert.equal(res.status, 409, path);
        assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
        assert.ok((await res.text()).includes(api.body.error.message), path);
      }
    } finally {
      await releaseSyncLease(world.db, config.id, "elsewhere");
    }
    assert.equal((await call(ten.browser, "GET", `/api/sync/config/${config.id}`)).status, 200);
  });

  await t.step("serves 409 when removal needs a destination that is not connected", async () => {
    const ten = await tenant(app, world, "delete-disconnected");
    const config = await createConfig(ten);
    await call(ten.browser, "DELETE", "/api/oauth/destination");
    const res = await call(
      ten.browser,
      "DELETE",
      `/api/sync/config/${config.id}?remove_synced_events=true`,
    );
    assert.equal(res.status, 409);
    assert.match(res.body.error.message, /Connect the destination Google account/);
    assert.equal((await call(ten.browser, "GET", `/api/sync/config/${config.id}`)).status, 200);
    const plain = await call(ten.browser, "DELETE", `/api/sync/config/${config.id}`);
    assert.equal(plain.status, 200, "deleting without removal still works");
  });

  await t.step("serves 422 for a bad remove_synced_events", async () => {
    const ten = await tenant(app, world, "delete-bad");
    const config = await createConfig(ten);
    const res = await call(
      ten.browser,
      "DELETE",
      `/api/sync/config/${config.id}?remove_synced_events=yes`,
    );
    assert.equal(res.status, 422);
  });
});

closesTheFile("[http] sync trigger tests close their world", () => world.close());
