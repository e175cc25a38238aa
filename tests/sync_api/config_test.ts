import assert from "node:assert/strict";
import { browserOf, type Client, connect } from "./_helpers.ts";
import {
  call,
  createConfig,
  newGoogleAccount,
  newUser,
  openApp,
  openWorld,
  tenant,
} from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);

/** A signed-in user with no Google account connected. */
async function unconnected(): Promise<Client> {
  return await browserOf(app, world, await newUser(world, "bare"));
}

Deno.test("[http] POST /api/sync/config", async (t) => {
  const ten = await tenant(app, world, "create");

  await t.step("creates a config with both calendar names and the default window", async () => {
    const res = await call(ten.browser, "POST", "/api/sync/config", {
      source_calendar_id: ten.sourceCal,
      dest_calendar_id: ten.destCal,
    });
    assert.equal(res.status, 201);
    const c = res.body;
    assert.match(c.id, /^[0-9a-f-]{36}$/);
    assert.equal(c.source_calendar_id, ten.sourceCal);
    assert.equal(c.source_calendar_name, "Team");
    assert.equal(c.dest_calendar_id, ten.destCal);
    assert.equal(c.dest_calendar_name, "Team");
    assert.equal(c.sync_lookahead_days, world.services.config.syncLookaheadDays);
    assert.equal(c.sync_interval_minutes, 15);
    assert.equal(c.is_active, true);
    assert.equal(c.running, false);
    assert.equal(c.last_synced_at, null);
    assert.equal(c.last_status, null);
    assert.ok(Date.parse(c.next_run_at) <= Date.now() + 1000, "first run due at once");
  });

  await t.step("takes sync_lookahead_days and sync_interval_minutes", async () => {
    const res = await call(ten.browser, "POST", "/api/sync/config", {
      source_calendar_id: ten.sourceCal,
      dest_calendar_id: ten.destEmail,
      sync_lookahead_days: 7,
      sync_interval_minutes: 60,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.sync_lookahead_days, 7);
    assert.equal(res.body.sync_interval_minutes, 60);
    assert.equal(res.body.dest_calendar_name, "Main");
  });

  await t.step("serves 422 naming the field for a bad window", async () => {
    for (const days of [0, 366, 1.5, "30"]) {
      const res = await call(ten.browser, "POST", "/api/sync/config", {
        source_calendar_id: ten.sourceCal,
        dest_calendar_id: ten.destCal,
        sync_lookahead_days: days,
      });
      assert.equal(res.status, 422, `sync_lookahead_days ${days}`);
      assert.ok(res.body.error.fields.sync_lookahead_days);
    }
  });

  await t.step(
    "serves 422 when the source calendar is not in the source account's list",
    async () => {
      const res = await call(ten.browser, "POST", "/api/sync/config", {
        source_calendar_id: "nobody@group.calendar.google.com",
        dest_calendar_id: ten.destCal,
      });
      assert.equal(res.status, 422);
      assert.match(res.body.error.fields.source_calendar_id, /not in the source account/);
      assert.equal(res.body.error.fields.dest_calendar_id, undefined);
    },
  );

  await t.step("serves 422 when the destination is the source account's calendar", async () => {
    const res = await call(ten.browser, "POST", "/api/sync/config", {
      source_calendar_id: ten.sourceCal,
      dest_calendar_id: ten.sourceEmail,
    });
    assert.equal(res.status, 422);
    assert.match(res.body.error.fields.dest_calendar_id, /not in the destination account/);
  });

  await t.step("serves 422 when source and destination are the same calendar", async () => {
    const browser = await browserOf(app, world, await newUser(world, "same"));
    const email = newGoogleAccount(world, "same");
    await connect(browser, "source", email);
    await connect(browser, "destination", email);
    const res = await call(browser, "POST", "/api/sync/config", {
      source_calendar_id: email,
      dest_calendar_id: email,
    });
    assert.equal(res.status, 422);
    assert.match(res.body.error.fields.dest_calendar_id, /different calendar/);
  });

  await t.step("serves 422 when the destination calendar is read-only", async () => {
    const browser = await browserOf(app, world, await newUser(world, "reader"));
    await connect(browser, "source", newGoogleAccount(world, "reader-src"));
    await connect(browser, "destination", "bob@example.com");
    const src = await call(browser, "GET", "/api/calendars/source/list");
    const dst = await call(browser, "GET", "/api/calendars/destination/list");
    const holidays = dst.body.calendars.find((c: { writable: boolean }) => !c.writable);
    assert.ok(holidays, "bob sees a read-only calendar");
    const res = await call(browser, "POST", "/api/sync/config", {
      source_calendar_id: src.body.calendars[0].id,
      dest_calendar_id: holidays.id,
    });
    assert.equal(res.status, 422);
    assert.match(res.body.error.fields.dest_calendar_id, /read-only/);
  });

  await t.step("serves 422 when an account is not connected", async () => {
    const browser = await unconnected();
    const none = await call(browser, "POST", "/api/sync/config", {
      source_calendar_id: "a@example.com",
      dest_calendar_id: "b@example.com",
    });
    assert.equal(none.status, 422);
    assert.match(none.body.error.fields.source_calendar_id, /Connect the source/);
    assert.match(none.body.error.fields.dest_calendar_id, /Connect the destination/);

    const email = newGoogleAccount(world, "half");
    await connect(browser, "source", email);
    const half = await call(browser, "POST", "/api/sync/config", {
      source_calendar_id: email,
      dest_calendar_id: "b@example.com",
    });
    assert.equal(half.status, 422);
    assert.match(half.body.error.fields.dest_calendar_id, /Connect the destination/);
  });

  await t.step("serves 422 for a pair that is already synced", async () => {
    const res = await call(ten.browser, "POST", "/api/sync/config", {
      source_calendar_id: ten.sourceCal,
      dest_calendar_id: ten.destCal,
    });
    assert.equal(res.status, 422);
    assert.match(res.body.error.fields.dest_calendar_id, /already exists/);
  });

  await t.step("serves 401 when not signed in", async () => {
    const res = await app.request("/api/sync/config", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ source_calendar_id: "a", dest_calendar_id: "b" }),
    });
    assert.equal(res.status, 401);
  });
});

Deno.test("[http] GET /api/sync/config lists the caller's configs only", async () => {
  const a = await tenant(app, world, "list-a");
  const b = await tenant(app, world, "list-b");
  const mine = await createConfig(a);
  await createConfig(b);
  const res = await call(a.browser, "GET", "/api/sync/config");
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.configs.map((c: { id: string }) => c.id), [mine.id]);
  const [c] = res.body.configs;
  for (
    const key of [
      "is_active",
      "last_synced_at",
      "last_status",
      "next_run_at",
      "source_calendar_name",
      "dest_calendar_name",
    ]
  ) {
    assert.ok(key in c, key);
  }
  const empty = await call(await unconnected(), "GET", "/api/sync/config");
  assert.deepEqual(empty.body, { configs: [] });
});

Deno.test("[http] GET /api/sync/config/{id}", async () => {
  const ten = await tenant(app, world, "get");
  const created = await createConfig(ten);
  const res = await call(ten.browser, "GET", `/api/sync/config/${created.id}`);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, created);
});

Deno.test("[http] PATCH /api/sync/config/{id}", async (t) => {
  const ten = await tenant(app, world, "patch");
  const created = await createConfig(ten);
  const path = `/api/sync/config/${created.id}`;

  await t.step("pauses and resumes", async () => {
    const paused = await call(ten.browser, "PATCH", path, { is_active: false });
    assert.equal(paused.status, 200);
    assert.equal(paused.body.is_active, false);
    const resumed = await call(ten.browser, "PATCH", path, { is_active: true });
    assert.equal(resumed.body.is_active, true);
    assert.equal(resumed.body.paused_reason, null);
    assert.ok(Date.parse(resumed.body.next_run_at) <= Date.now() + 1000, "due at once");
  });

  await t.step("changes the window and the interval, keeping the rest", async () => {
    const res = await call(ten.browser, "PATCH", path, {
      sync_lookahead_days: 30,
      sync_interval_minutes: 5,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.sync_lookahead_days, 30);
    assert.equal(res.body.sync_interval_minutes, 5);
    assert.equal(res.body.is_active, true);
    assert.equal(res.body.source_calendar_id, ten.sourceCal);
    const again = await call(ten.browser, "GET", path);
    assert.equal(again.body.sync_lookahead_days, 30);
  });

  await t.step("serves 422 for bad fields and for an empty patch", async () => {
    const bad = await call(ten.browser, "PATCH", path, { sync_lookahead_days: 400 });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.error.fields.sync_lookahead_days);
    const interval = await call(ten.browser, "PATCH", path, { sync_interval_minutes: 0 });
    assert.equal(interval.status, 422);
    assert.ok(interval.body.error.fields.sync_interval_minutes);
    const active = await call(ten.browser, "PATCH", path, { is_active: "yes" });
    assert.equal(active.status, 422);
    assert.ok(active.body.error.fields.is_active);
    const empty = await call(ten.browser, "PATCH", path, {});
    assert.equal(empty.status, 422);
  });

  await t.step("resuming after a disconnect needs the account back", async () => {
    const off = await call(ten.browser, "DELETE", "/api/oauth/source");
    assert.equal(off.status, 200);
    const paused = await call(ten.browser, "GET", path);
    assert.equal(paused.body.is_active, false);
    assert.match(paused.body.paused_reason, /source Google account \(.*\) was disconnected/);
    const res = await call(ten.browser, "PATCH", path, { is_active: true });
    assert.equal(res.status, 422);
    assert.match(res.body.error.fields.is_active, /Connect the source/);
    await connect(ten.browser, "source", ten.sourceEmail);
    const back = await call(ten.browser, "PATCH", path, { is_active: true });
    assert.equal(back.status, 200);
    assert.equal(back.body.is_active, true);
  });
});

Deno.test("[http] another user's config id answers 404 on every route", async () => {
  const owner = await tenant(app, world, "owner");
  const other = await tenant(app, world, "other");
  const { id } = await createConfig(owner);
  const routes: [string, string, unknown?][] = [
    ["GET", `/api/sync/config/${id}`],
    ["PATCH", `/api/sync/config/${id}`, { is_active: false }],
    ["DELETE", `/api/sync/config/${id}`],
    ["DELETE", `/api/sync/config/${id}?remove_synced_events=true`],
    ["POST", `/api/sync/trigger/${id}`],
    ["GET", `/api/sync/logs/${id}`],
  ];
  for (const [method, path, body] of routes) {
    const res = await call(other.browser, method, path, body);
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.body.error.code, 404);
  }
  const sse = await other.browser(`/api/sync/trigger/${id}`, {
    method: "POST",
    headers: { accept: "text/event-stream" },
  });
  assert.equal(sse.status, 404);
  assert.match(sse.headers.get("content-type")!, /application\/json/);
  await sse.body?.cancel();
  // Untouched: still there, still active, never run.
  const still = await call(owner.browser, "GET", `/api/sync/config/${id}`);
  assert.equal(still.status, 200);
  assert.equal(still.body.is_active, true);
  assert.equal(still.body.last_status, null);
});

Deno.test("[http] a malformed or unknown config id answers 404 on every route", async () => {
  const ten = await tenant(app, world, "malformed");
  for (const id of ["not-a-uuid", "123", crypto.randomUUID()]) {
    for (
      const [method, path] of [
        ["GET", `/api/sync/config/${id}`],
        ["PATCH", `/api/sync/config/${id}`],
        ["DELETE", `/api/sync/config/${id}`],
        ["POST", `/api/sync/trigger/${id}`],
        ["GET", `/api/sync/logs/${id}`],
      ]
    ) {
      const res = await call(
        ten.browser,
        method,
        path,
        method === "PATCH" ? { is_active: true } : undefined,
      );
      assert.equal(res.status, 404, `${method} ${path}`);
    }
  }
});

Deno.test("[http] GET /api/openapi.json documents the sync API", async () => {
  const res = await app.request("/api/openapi.json");
  const doc = await res.json();
  assert.ok(doc.paths["/api/sync/config"].post.responses["422"]);
  assert.ok(doc.paths["/api/sync/config/{id}"].patch);
  assert.ok(
    doc.paths["/api/sync/config/{id}"].delete.parameters.some((p: { name: string }) =>
      p.name === "remove_synced_events"
    ),
  );
  assert.ok(doc.paths["/api/sync/trigger/{id}"].post.responses["409"]);
  assert.ok(
    doc.paths["/api/sync/logs/{id}"].get.parameters.some((p: { name: string }) =>
      p.name === "before"
    ),
  );
});

closesTheFile("[http] sync config tests close their world", () => world.close());
