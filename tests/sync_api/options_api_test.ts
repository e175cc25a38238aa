/** The sync options over HTTP: create/patch/get, preview, "why is my event there", review. */
import assert from "node:assert/strict";
import {
  addEvents,
  at,
  call,
  createConfig,
  listEvents,
  openApp,
  openWorld,
  tenant,
} from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);

Deno.test("[http] sync options: defaults, create, patch, field-named 422s", async (t) => {
  const ten = await tenant(app, world, "options");

  await t.step("a config without options keeps today's copy", async () => {
    const plain = await createConfig(ten);
    assert.equal(plain.privacy, "full");
    assert.equal(plain.busy_title, "Busy");
    assert.equal(plain.copy_description, true);
    assert.equal(plain.title_prefix, "");
    assert.equal(plain.dest_color_id, null);
    assert.deepEqual((plain.filters as { event_types: string[] }).event_types, [
      "default",
      "outOfOffice",
      "focusTime",
    ]);
    await call(ten.browser, "DELETE", `/api/sync/config/${plain.id}`);
  });

  await t.step("create, get and patch every option", async () => {
    const created = await createConfig(ten, {
      privacy: "busy",
      busy_title: "Occupied",
      title_prefix: "[Work] ",
      dest_color_id: "7",
      filters: { skip_declined: true, exclude_titles: ["lunch"] },
    });
    const path = `/api/sync/config/${created.id}`;
    const got = (await call(ten.browser, "GET", path)).body;
    assert.equal(got.privacy, "busy");
    assert.equal(got.busy_title, "Occupied");
    assert.equal(got.title_prefix, "[Work] ");
    assert.equal(got.dest_color_id, "7");
    assert.equal(got.filters.skip_declined, true);
    assert.deepEqual(got.filters.exclude_titles, ["lunch"]);
    const patched = await call(ten.browser, "PATCH", path, {
      privacy: "full",
      copy_location: false,
      dest_color_id: null,
      filters: { skip_all_day: true },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.privacy, "full");
    assert.equal(patched.body.copy_location, false);
    assert.equal(patched.body.dest_color_id, null);
    assert.equal(patched.body.title_prefix, "[Work] ", "untouched options stay");
    assert.equal(patched.body.filters.skip_all_day, true);
    assert.equal(patched.body.filters.skip_declined, true);
    const bad: [Record<string, unknown>, string][] = [
      [{ privacy: "secret" }, "privacy"],
      [{ dest_color_id: "12" }, "dest_color_id"],
      [{ busy_title: "" }, "busy_title"],
      [{ copy_color: "no" }, "copy_color"],
      [{ filters: { event_types: ["birthday"] } }, "filters.event_types.0"],
      [{ filters: { include_titles: "x" } }, "filters.include_titles"],
    ];
    for (const [body, field] of bad) {
      const res = await call(ten.browser, "PATCH", path, body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(res.body.error.fields[field], `${field}: ${JSON.stringify(res.body.error)}`);
    }
  });
});

Deno.test("[http] preview equals what the run then does; explain; review", async (t) => {
  const ten = await tenant(app, world, "preview");
  await addEvents(ten, 3, "Sprint");

  await t.step("POST /api/sync/preview shows copies as the destination would", async () => {
    const before = (await listEvents(ten.dest, ten.destCal)).length;
    const res = await call(ten.browser, "POST", "/api/sync/preview", {
      source_calendar_id: ten.sourceCal,
      dest_calendar_id: ten.destCal,
      privacy: "busy",
      title_prefix: "[Work] ",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.counts, { create: 3, update: 0, delete: 0, skip: 0 });
    assert.deepEqual(res.body.create.map((c: { summary: string }) => c.summary), [
      "[Work] Busy",
      "[Work] Busy",
      "[Work] Busy",
    ]);
    assert.equal((await listEvents(ten.dest, ten.destCal)).length, before, "nothing written");
    const bad = await call(ten.browser, "POST", "/api/sync/preview", {
      source_calendar_id: "nope",
      dest_calendar_id: ten.destCal,
    });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.error.fields.source_calendar_id);
  });

  const created = await createConfig(ten, { privacy: "busy", title_prefix: "[Work] " });
  const path = `/api/sync/config/${created.id}`;
  const run = async () => (await call(ten.browser, "POST", `/api/sync/trigger/${created.id}`)).body;

  await t.step("a change's preview is what the next run does", async () => {
    assert.equal((await run()).events_created, 3);
    const change = { privacy: "full", filters: { exclude_titles: ["Sprint 2"] } };
    const preview = await call(ten.browser, "POST", `${path}/preview`, change);
    assert.equal(preview.status, 200);
    assert.deepEqual(preview.body.counts, { create: 0, update: 2, delete: 1, skip: 1 });
    assert.deepEqual(preview.body.skip[0].reason, "title excluded");
    // A removal reads as the copy it takes away, as the destination shows it now (busy, prefixed).
    assert.deepEqual(preview.body.delete, [{
      summary: "[Work] Busy",
      start: preview.body.skip[0].start,
      end: (await listEvents(ten.source, ten.sourceCal))
        .find((e) => e.summary === "Sprint 2")!.end!.dateTime,
    }]);
    assert.deepEqual(preview.body.update.map((u: { summary: string }) => u.summary).sort(), [
      "[Work] Sprint 0",
      "[Work] Sprint 1",
    ]);
    assert.equal((await call(ten.browser, "PATCH", path, change)).status, 200);
    const result = await run();
    assert.equal(result.events_created, 0);
    assert.equal(result.events_updated, 2);
    assert.equal(result.events_deleted, 1);
    assert.equal(result.events_skipped, 1);
    const titles = (await listEvents(ten.dest, ten.destCal)).map((e) => e.summary).sort();
    assert.deepEqual(titles, ["[Work] Sprint 0", "[Work] Sprint 1"]);
  });

  await t.step("GET /events says why each event is or isn't there", async () => {
    await ten.source.events.insert({
      calendarId: ten.sourceCal,
      requestBody: {
        summary: "Sprint far",
        start: { dateTime: at(200) },
        end: { dateTime: at(200.1) },
      },
    });
    await ten.source.events.insert({
      calendarId: ten.sourceCal,
      requestBody: {
        summary: "Sprint new",
        start: { dateTime: at(5) },
        end: { dateTime: at(5.1) },
      },
    });
    const res = await call(ten.browser, "GET", `${path}/events?q=sprint&limit=50`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const by = Object.fromEntries(
      res.body.events.map((e: { summary: string }) => [e.summary, e]),
    );
    assert.equal(by["Sprint 0"].status, "copied");
    assert.ok(by["Sprint 0"].dest_event_id);
    assert.equal(by["Sprint 2"].status, "filtered");
    assert.equal(by["Sprint 2"].reason, "skipped: title excluded");
    assert.equal(by["Sprint far"].status, "outside_window");
    assert.equal(by["Sprint new"].status, "pending");
    const one = await call(ten.browser, "GET", `${path}/events?q=sprint&limit=1`);
    assert.equal(one.body.events.length, 1);
    assert.equal((await call(ten.browser, "GET", `${path}/events?limit=0`)).status, 422);
  });

  await t.step("GET /events: an event Google refused, an event type never copied", async () => {
    const faults = async (body?: unknown) =>
      await (await fetch(`${world.sandboxUrl}_sandbox/faults`, {
        method: body ? "POST" : "DELETE",
        headers: { "content-type": "application/json" },
        body: body ? JSON.stringify(body) : undefined,
      })).body?.cancel();
    await ten.source.events.insert({
      calendarId: ten.sourceCal,
      requestBody: {
        summary: "Sprint refused",
        start: { dateTime: at(6) },
        end: { dateTime: at(6.1) },
      },
    });
    // A birthday: Google's own type, which no copy can be made of whatever the options say.
    await ten.source.events.insert({
      calendarId: ten.sourceCal,
      requestBody: {
        summary: "Sprint birthday",
        eventType: "birthday",
        birthdayProperties: { type: "birthday" },
        start: { date: at(4).slice(0, 10) },
        end: { date: at(5).slice(0, 10) },
        recurrence: ["RRULE:FREQ=YEARLY"],
      },
    });
    // Google refuses the copy's write (the copy is titled as the destination shows it).
    await faults({
      reject_writes: { summary_prefix: "[Work] Sprint refused", status: 400, reason: "invalid" },
    });
    try {
      const result = await run();
      assert.equal(result.status, "partial", JSON.stringify(result));
      assert.equal(result.events_failed, 1);
    } finally {
      await faults();
    }
    const res = await call(ten.browser, "GET", `${path}/events?q=sprint&limit=50`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const by = Object.fromEntries(
      res.body.events.map((e: { summary: string }) => [e.summary, e]),
    );
    assert.equal(by["Sprint refused"].status, "failed");
    assert.match(by["Sprint refused"].reason, /^Google refused: 400 invalid/);
    assert.equal(by["Sprint refused"].dest_event_id, null);
    assert.equal(by["Sprint birthday"].status, "unsupported_type");
    assert.equal(by["Sprint birthday"].reason, "not copied: event type birthday");
    assert.equal(by["Sprint birthday"].dest_event_id, null);
    assert.equal(by["Sprint new"].status, "copied", "the rest of the run went through");
    // Once Google takes it, the refusal is forgotten and the event reads as copied.
    assert.equal((await run()).events_created, 1);
    const again = await call(ten.browser, "GET", `${path}/events?q=refused&limit=50`);
    assert.equal(again.body.events[0].status, "copied");
    assert.ok(again.body.events[0].dest_event_id);
  });

  await t.step("another user's id answers 404 on the new routes", async () => {
    const other = await tenant(app, world, "intruder");
    for (
      const [method, p, body] of [
        ["POST", `${path}/preview`, { privacy: "busy" }],
        ["GET", `${path}/events?q=x`],
        ["POST", `${path}/review`, { action: "apply" }],
      ] as const
    ) {
      const res = await call(other.browser, method, p, body);
      assert.equal(res.status, 404, `${method} ${p}`);
    }
  });

  await t.step("a mass removal waits for review, tells the owner, then applies", async () => {
    await addEvents(ten, 12, "Bulk");
    assert.equal((await run()).status, "success");
    const bulk = (await listEvents(ten.source, ten.sourceCal)).filter((e) =>
      e.summary?.startsWith("Bulk")
    );
    for (const e of bulk) {
      await ten.source.events.delete({ calendarId: ten.sourceCal, eventId: e.id! });
    }
    const held = await run();
    assert.equal(held.status, "needs_review");
    assert.equal(held.events_deleted, 0);
    const config = (await call(ten.browser, "GET", path)).body;
    assert.equal(config.last_status, "needs_review");
    assert.equal(config.held_deletions, 12);
    const mail = world.services.mailer.outbox?.list().find((m) =>
      m.to === ten.user.email && /Waiting for you/.test(m.subject)
    );
    assert.ok(mail, "the needs_review alert went out");
    const dashboard = await (await ten.browser("/")).text();
    assert.match(dashboard, /This run would remove 12 copies/);
    assert.match(dashboard, /Remove them/);
    assert.match(dashboard, /Keep them and pause/);
    assert.equal((await call(ten.browser, "POST", `${path}/review`, { action: "x" })).status, 422);
    const applied = await call(ten.browser, "POST", `${path}/review`, { action: "apply" });
    assert.equal(applied.status, 200);
    assert.equal(applied.body.deletions_approved, true);
    // Approved, not yet made: the card and the sync's page say so, with no second Remove them.
    for (const page of ["/", `/syncs/${created.id}`]) {
      const html = await (await ten.browser(page)).text();
      assert.match(html, /The next run removes 12 copies/, page);
      assert.doesNotMatch(html, /Nothing was removed yet/, page);
      assert.doesNotMatch(html, />\s*Remove them\s*</, page);
    }
    const after = await run();
    assert.equal(after.status, "success");
    assert.equal(after.events_deleted, 12);
  });
});

Deno.test("[http] the sync page's forms without JavaScript: options, search, review", async () => {
  const ten = await tenant(app, world, "nojs");
  await addEvents(ten, 2, "Offsite");
  const post = (path: string, body: string) =>
    ten.browser(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      redirect: "manual",
    });
  const accountId = async (email: string) =>
    (await call(ten.browser, "GET", "/api/accounts")).body.accounts
      .find((a: { email: string }) => a.email === email).id;
  const created = await post(
    "/",
    new URLSearchParams({
      intent: "create",
      source: `${await accountId(ten.sourceEmail)}:${ten.sourceCal}`,
      dest: `${await accountId(ten.destEmail)}:${ten.destCal}`,
      sync_lookahead_days: "60",
      privacy: "busy",
      title_prefix: "[Home] ",
      busy_title: "Busy",
      copy_description: "on",
      copy_location: "on",
      copy_color: "on",
      event_type_default: "on",
      event_type_outOfOffice: "on",
      event_type_focusTime: "on",
      sync_interval_minutes: "15",
    }).toString(),
  );
  assert.equal(
    created.status,
    303,
    (await created.text()).match(/__error[^>]*>[^<]*/g)?.join(" | "),
  );
  const [made] = (await call(ten.browser, "GET", "/api/sync/config")).body.configs;
  assert.equal(made.privacy, "busy", "the New sync form's options, without JavaScript");
  assert.equal(made.title_prefix, "[Home] ");
  assert.equal(made.sync_lookahead_days, 60);
  const id = made.id as string;
  const saved = await post(
    `/syncs/${id}/options`,
    "privacy=busy&busy_title=Away&title_prefix=%5BW%5D+&copy_description=on&event_type_default=on" +
      "&exclude_titles=lunch%2C+gym&sync_lookahead_days=30&sync_interval_minutes=30",
  );
  await saved.body?.cancel();
  assert.equal(saved.status, 303);
  const got = (await call(ten.browser, "GET", `/api/sync/config/${id}`)).body;
  assert.equal(got.privacy, "busy");
  assert.equal(got.busy_title, "Away");
  assert.equal(got.title_prefix, "[W] ");
  assert.equal(got.copy_location, false, "an unchecked box is off");
  assert.deepEqual(got.filters.exclude_titles, ["lunch", "gym"]);
  assert.deepEqual(got.filters.event_types, ["default"]);
  assert.equal(got.sync_interval_minutes, 30);
  const empty = await post(`/syncs/${id}/options`, "");
  await empty.body?.cancel();
  assert.equal(empty.status, 422, "a body without the form's fields changes nothing");
  const page = await ten.browser(`/syncs/${id}?q=offsite`);
  const html = await page.text();
  assert.match(html, /Offsite 0/);
  assert.match(html, /Not copied yet/);
  const paused = await post(`/syncs/${id}/review`, "action=pause");
  await paused.body?.cancel();
  assert.equal(paused.status, 303);
  assert.equal((await call(ten.browser, "GET", `/api/sync/config/${id}`)).body.is_active, false);
});

closesTheFile("[http] options tests close their world", () => world.close());
