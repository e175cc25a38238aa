import assert from "node:assert/strict";
import type { calendar_v3 } from "@googleapis/calendar";
import { eventId, googleError, harness } from "./_helpers.ts";

const ALICE = "alice@example.com";

async function emptyHarness() {
  const h = await harness();
  await (await h.control("POST", "reset", { empty: true })).body?.cancel();
  return h;
}

function at(iso: string, hours = 1) {
  return {
    start: { dateTime: iso },
    end: { dateTime: new Date(Date.parse(iso) + hours * 3600_000).toISOString() },
  };
}

async function listAll(api: calendar_v3.Calendar, params: calendar_v3.Params$Resource$Events$List) {
  const items: calendar_v3.Schema$Event[] = [];
  let pageToken: string | undefined;
  let syncToken: string | undefined;
  do {
    const { data } = await api.events.list({ calendarId: "primary", ...params, pageToken });
    assert.ok(!(data.nextPageToken && data.nextSyncToken), "never both tokens");
    items.push(...data.items!);
    pageToken = data.nextPageToken ?? undefined;
    syncToken = data.nextSyncToken ?? undefined;
  } while (pageToken);
  return { items, syncToken };
}

Deno.test("events.list pages with maxResults; only the last page carries nextSyncToken", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  for (let i = 0; i < 7; i++) {
    await api.events.insert({
      calendarId: "primary",
      requestBody: { summary: `e${i}`, ...at(`2030-01-0${i + 1}T10:00:00Z`) },
    });
  }
  const p1 = await api.events.list({ calendarId: "primary", maxResults: 3 });
  assert.equal(p1.data.items!.length, 3);
  assert.ok(p1.data.nextPageToken);
  assert.equal(p1.data.nextSyncToken, undefined);
  const all = await listAll(api, { maxResults: 3 });
  assert.equal(all.items.length, 7);
  assert.equal(new Set(all.items.map((e) => e.id)).size, 7);
  assert.ok(all.syncToken);
  assert.equal(p1.data.kind, "calendar#events");
  assert.equal(p1.data.accessRole, "owner");
  assert.ok(p1.data.timeZone);
});

Deno.test("events.list maxResults above 2500 is capped; 0 answers 400", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const ok = await api.events.list({ calendarId: "primary", maxResults: 5000 });
  assert.equal(ok.status, 200);
  const err = await googleError(api.events.list({ calendarId: "primary", maxResults: 0 }));
  assert.equal(err.status, 400);
});

Deno.test("timeMin bounds an event's end and timeMax its start, both exclusive", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  await api.events.insert({
    calendarId: "primary",
    requestBody: { summary: "ten-eleven", ...at("2030-03-01T10:00:00Z") },
  });
  const count = async (timeMin: string, timeMax: string) =>
    (await api.events.list({ calendarId: "primary", timeMin, timeMax })).data.items!.length;
  assert.equal(await count("2030-03-01T11:00:00Z", "2030-03-02T00:00:00Z"), 0, "end == timeMin");
  assert.equal(await count("2030-03-01T10:59:00Z", "2030-03-02T00:00:00Z"), 1);
  assert.equal(await count("2030-03-01T00:00:00Z", "2030-03-01T10:00:00Z"), 0, "start == timeMax");
  assert.equal(await count("2030-03-01T00:00:00Z", "2030-03-01T10:01:00Z"), 1);
  assert.equal(await count("2030-03-01T12:00:00+02:00", "2030-03-01T13:00:00+02:00"), 1);
});

Deno.test("events.list with timeMax <= timeMin answers 400 timeRangeEmpty", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const err = await googleError(api.events.list({
    calendarId: "primary",
    timeMin: "2030-01-02T00:00:00Z",
    timeMax: "2030-01-01T00:00:00Z",
  }));
  assert.equal(err.status, 400);
  assert.equal(err.reason, "timeRangeEmpty");
  assert.equal(err.domain, "calendar");
});

Deno.test("events.list with a timeMin without offset answers 400", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const err = await googleError(
    api.events.list({ calendarId: "primary", timeMin: "2030-01-02T00:00:00" }),
  );
  assert.equal(err.status, 400);
});

Deno.test("orderBy=startTime without singleEvents answers 400", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const err = await googleError(api.events.list({ calendarId: "primary", orderBy: "startTime" }));
  assert.equal(err.status, 400);
  assert.equal(
    err.body.error.message,
    "The requested ordering is not available for the particular query.",
  );
  const ok = await api.events.list({
    calendarId: "primary",
    orderBy: "startTime",
    singleEvents: true,
  });
  assert.equal(ok.status, 200);
});

for (
  const [param, value] of [
    ["timeMin", "2030-01-01T00:00:00Z"],
    ["timeMax", "2030-01-01T00:00:00Z"],
    ["updatedMin", new Date().toISOString()],
    ["q", "x"],
    ["iCalUID", "x@google.com"],
    ["orderBy", "updated"],
    ["privateExtendedProperty", "a=b"],
    ["sharedExtendedProperty", "a=b"],
  ] as const
) {
  Deno.test(`events.list with syncToken and ${param} answers 400`, async () => {
    await using h = await emptyHarness();
    const api = await h.calendarAs(ALICE);
    const { data } = await api.events.list({ calendarId: "primary" });
    const err = await googleError(api.events.list({
      calendarId: "primary",
      syncToken: data.nextSyncToken!,
      [param]: value,
    }));
    assert.equal(err.status, 400);
  });
}

Deno.test("incremental sync returns only changes, deleted ones as cancelled with their id", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const keep = await api.events.insert({
    calendarId: "primary",
    requestBody: at("2030-01-01T10:00:00Z"),
  });
  const gone = await api.events.insert({
    calendarId: "primary",
    requestBody: at("2030-01-02T10:00:00Z"),
  });
  const edit = await api.events.insert({
    calendarId: "primary",
    requestBody: at("2030-01-03T10:00:00Z"),
  });
  const first = await listAll(api, {});
  assert.equal(first.items.length, 3);
  await api.events.delete({ calendarId: "primary", eventId: gone.data.id! });
  await api.events.patch({
    calendarId: "primary",
    eventId: edit.data.id!,
    requestBody: { summary: "edited" },
  });
  const added = await api.events.insert({
    calendarId: "primary",
    requestBody: at("2030-01-04T10:00:00Z"),
  });
  const inc = await listAll(api, { syncToken: first.syncToken });
  const byId = new Map(inc.items.map((e) => [e.id, e]));
  assert.equal(byId.has(keep.data.id!), false);
  assert.equal(byId.get(gone.data.id!)?.status, "cancelled");
  assert.equal(byId.get(edit.data.id!)?.summary, "edited");
  assert.equal(byId.get(added.data.id!)?.status, "confirmed");
  assert.equal(inc.items.length, 3);
  assert.ok(inc.syncToken);
  const none = await listAll(api, { syncToken: inc.syncToken });
  assert.equal(none.items.length, 0);
});

Deno.test("incremental results page too: the same syncToken with pageToken", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const first = await listAll(api, {});
  for (let i = 0; i < 5; i++) {
    await api.events.insert({
      calendarId: "primary",
      requestBody: at(`2030-02-0${i + 1}T10:00:00Z`),
    });
  }
  const p1 = await api.events.list({
    calendarId: "primary",
    syncToken: first.syncToken,
    maxResults: 2,
  });
  assert.equal(p1.data.items!.length, 2);
  assert.ok(p1.data.nextPageToken);
  const rest = await listAll(api, { syncToken: first.syncToken, maxResults: 2 });
  assert.equal(rest.items.length, 5);
});

Deno.test("a sync token invalidated by the sandbox answers 410 fullSyncRequired", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const { syncToken } = await listAll(api, {});
  await (await h.control("POST", "faults", { expire_sync_tokens: true })).body?.cancel();
  const err = await googleError(api.events.list({ calendarId: "primary", syncToken }));
  assert.equal(err.status, 410);
  assert.equal(err.reason, "fullSyncRequired");
  assert.equal(err.domain, "calendar");
  assert.equal(err.body.error.message, "Sync token is no longer valid, a full sync is required.");
  const again = await listAll(api, {});
  assert.ok(again.syncToken);
});

Deno.test("a sync token from before a reset answers 410 fullSyncRequired", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { syncToken } = await listAll(api, {});
  await (await h.control("POST", "reset", {})).body?.cancel();
  const api2 = await h.calendarAs(ALICE);
  const err = await googleError(api2.events.list({ calendarId: "primary", syncToken }));
  assert.equal(err.status, 410);
});

Deno.test("showDeleted lists cancelled events; updatedMin always includes them", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const before = new Date(Date.now() - 1000).toISOString();
  const ev = await api.events.insert({
    calendarId: "primary",
    requestBody: at("2030-01-01T10:00:00Z"),
  });
  await api.events.delete({ calendarId: "primary", eventId: ev.data.id! });
  const plain = await api.events.list({ calendarId: "primary" });
  assert.equal(plain.data.items!.length, 0);
  const shown = await api.events.list({ calendarId: "primary", showDeleted: true });
  assert.equal(shown.data.items![0].status, "cancelled");
  const upd = await api.events.list({ calendarId: "primary", updatedMin: before });
  assert.equal(upd.data.items![0].id, ev.data.id);
  assert.equal(upd.data.items![0].status, "cancelled");
});

Deno.test("updatedMin too long ago answers 410 updatedMinTooLongAgo", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const err = await googleError(api.events.list({
    calendarId: "primary",
    updatedMin: new Date(Date.now() - 60 * 86400000).toISOString(),
  }));
  assert.equal(err.status, 410);
  assert.equal(err.reason, "updatedMinTooLongAgo");
});

Deno.test("extended property filters, q and iCalUID narrow the listing", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const a = await api.events.insert({
    calendarId: "primary",
    requestBody: {
      summary: "Budget meeting",
      ...at("2030-01-01T10:00:00Z"),
      extendedProperties: { private: { origin: "src1" }, shared: { team: "red" } },
    },
  });
  await api.events.insert({
    calendarId: "primary",
    requestBody: {
      summary: "Lunch",
      ...at("2030-01-02T10:00:00Z"),
      extendedProperties: { private: { origin: "src2" } },
    },
  });
  const ids = async (p: calendar_v3.Params$Resource$Events$List) =>
    (await api.events.list({ calendarId: "primary", ...p })).data.items!.map((e) => e.id);
  assert.deepEqual(await ids({ privateExtendedProperty: ["origin=src1"] }), [a.data.id]);
  assert.deepEqual(await ids({ sharedExtendedProperty: ["team=red"] }), [a.data.id]);
  assert.deepEqual(await ids({ privateExtendedProperty: ["origin=nope"] }), []);
  assert.deepEqual(await ids({ q: "budget" }), [a.data.id]);
  assert.deepEqual(await ids({ iCalUID: a.data.iCalUID! }), [a.data.id]);
});

async function weeklySeries(api: calendar_v3.Calendar) {
  const { data } = await api.events.insert({
    calendarId: "primary",
    requestBody: {
      id: eventId("s"),
      summary: "Weekly",
      start: { dateTime: "2030-01-07T09:00:00", timeZone: "Europe/Berlin" },
      end: { dateTime: "2030-01-07T10:00:00", timeZone: "Europe/Berlin" },
      recurrence: ["RRULE:FREQ=WEEKLY;COUNT=6"],
    },
  });
  return data;
}

Deno.test("singleEvents=true expands series into instances and omits masters", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const master = await weeklySeries(api);
  const { data } = await api.events.list({
    calendarId: "primary",
    singleEvents: true,
    orderBy: "startTime",
  });
  assert.equal(data.items!.length, 6);
  assert.ok(data.items!.every((e) => e.recurringEventId === master.id && !e.recurrence));
  assert.equal(data.items![0].id, `${master.id}_20300107T080000Z`);
  assert.deepEqual(data.items![0].originalStartTime, {
    dateTime: "2030-01-07T09:00:00+01:00",
    timeZone: "Europe/Berlin",
  });
  assert.ok(data.items!.every((e) => e.iCalUID === master.iCalUID));
});

Deno.test("editing an instance by id creates an exception listed with the master", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const master = await weeklySeries(api);
  const inst = await api.events.instances({ calendarId: "primary", eventId: master.id! });
  assert.equal(inst.data.items!.length, 6);
  const second = inst.data.items![1];
  const moved = await api.events.patch({
    calendarId: "primary",
    eventId: second.id!,
    requestBody: {
      summary: "Moved",
      start: { dateTime: "2030-01-15T15:00:00+01:00" },
      end: { dateTime: "2030-01-15T16:00:00+01:00" },
    },
  });
  assert.equal(moved.data.id, second.id);
  assert.equal(moved.data.recurringEventId, master.id);
  assert.deepEqual(moved.data.originalStartTime, second.originalStartTime);
  await api.events.delete({ calendarId: "primary", eventId: inst.data.items![2].id! });
  const full = await api.events.list({ calendarId: "primary" });
  const ids = full.data.items!.map((e) => [e.id, e.status]);
  assert.deepEqual(ids, [
    [master.id, "confirmed"],
    [second.id, "confirmed"],
    [inst.data.items![2].id, "cancelled"],
  ]);
  const cancelled = full.data.items![2];
  assert.equal(cancelled.recurringEventId, master.id);
  assert.ok(cancelled.originalStartTime);
  const single = await api.events.list({
    calendarId: "primary",
    singleEvents: true,
    orderBy: "startTime",
  });
  assert.equal(single.data.items!.length, 5);
  assert.equal(single.data.items![1].summary, "Moved");
  const err = await googleError(
    api.events.delete({ calendarId: "primary", eventId: inst.data.items![2].id! }),
  );
  assert.equal(err.status, 410);
});

Deno.test("a cancelled instance comes back in incremental sync with recurringEventId and originalStartTime", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const master = await weeklySeries(api);
  const first = await listAll(api, { singleEvents: true });
  assert.equal(first.items.length, 6);
  const victim = first.items[3];
  await api.events.delete({ calendarId: "primary", eventId: victim.id! });
  const inc = await listAll(api, { singleEvents: true, syncToken: first.syncToken });
  assert.equal(inc.items.length, 1);
  assert.equal(inc.items[0].id, victim.id);
  assert.equal(inc.items[0].status, "cancelled");
  assert.equal(inc.items[0].recurringEventId, master.id);
  assert.deepEqual(inc.items[0].originalStartTime, victim.originalStartTime);
});

Deno.test("shortening a series reports the removed instances as cancelled in incremental sync", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const master = await weeklySeries(api);
  const first = await listAll(api, { singleEvents: true });
  await api.events.patch({
    calendarId: "primary",
    eventId: master.id!,
    requestBody: { recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"] },
  });
  const inc = await listAll(api, { singleEvents: true, syncToken: first.syncToken });
  const cancelled = inc.items.filter((e) => e.status === "cancelled").map((e) => e.id).sort();
  assert.deepEqual(cancelled, first.items.slice(4).map((e) => e.id).sort());
  assert.equal(inc.items.filter((e) => e.status === "confirmed").length, 4);
});

Deno.test("deleting a series cancels all its instances in incremental single-event sync", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const master = await weeklySeries(api);
  const first = await listAll(api, { singleEvents: true });
  await api.events.delete({ calendarId: "primary", eventId: master.id! });
  const inc = await listAll(api, { singleEvents: true, syncToken: first.syncToken });
  assert.deepEqual(
    inc.items.map((e) => e.id).sort(),
    first.items.map((e) => e.id).sort(),
  );
  assert.ok(inc.items.every((e) => e.status === "cancelled"));
  const full = await listAll(api, { syncToken: (await listAll(api, {})).syncToken });
  assert.equal(full.items.length, 0);
});

Deno.test("events.get of a generated instance id answers the instance", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const master = await weeklySeries(api);
  const got = await api.events.get({
    calendarId: "primary",
    eventId: `${master.id}_20300114T080000Z`,
  });
  assert.equal(got.data.recurringEventId, master.id);
  assert.equal(got.data.start!.dateTime, "2030-01-14T09:00:00+01:00");
  const err = await googleError(
    api.events.get({ calendarId: "primary", eventId: `${master.id}_20300115T080000Z` }),
  );
  assert.equal(err.status, 404);
});

Deno.test("events.instances honours timeMin/timeMax and pages", async () => {
  await using h = await emptyHarness();
  const api = await h.calendarAs(ALICE);
  const master = await weeklySeries(api);
  const win = await api.events.instances({
    calendarId: "primary",
    eventId: master.id!,
    timeMin: "2030-01-13T00:00:00Z",
    timeMax: "2030-01-29T00:00:00Z",
  });
  assert.deepEqual(win.data.items!.map((e) => e.start!.dateTime!.slice(0, 10)), [
    "2030-01-14",
    "2030-01-21",
    "2030-01-28",
  ]);
  const p1 = await api.events.instances({
    calendarId: "primary",
    eventId: master.id!,
    maxResults: 4,
  });
  assert.equal(p1.data.items!.length, 4);
  const p2 = await api.events.instances({
    calendarId: "primary",
    eventId: master.id!,
    maxResults: 4,
    pageToken: p1.data.nextPageToken!,
  });
  assert.equal(p2.data.items!.length, 2);
});

Deno.test("the seeded data has the shapes the app is demoed with", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const now = Date.now();
  const { items } = await listAll(api, {
    singleEvents: true,
    orderBy: "startTime",
    timeMin: new Date(now).toISOString(),
    timeMax: new Date(now + 200 * 86400000).toISOString(),
  });
  assert.ok(items.some((e) => e.start?.date), "all-day");
  assert.ok(items.some((e) => e.eventType === "outOfOffice"), "out of office");
  assert.ok(items.some((e) => e.start?.timeZone && e.start.timeZone !== "America/New_York"));
  assert.ok(
    items.some((e) => Date.parse(e.start?.dateTime ?? e.start!.date!) > now + 90 * 86400000),
  );
  assert.ok(
    items.some((e) => e.recurringEventId && e.summary?.includes("moved")),
    "moved instance",
  );
  const full = await api.events.list({ calendarId: "primary" });
  assert.ok(full.data.items!.some((e) => e.status === "cancelled" && e.recurringEventId));
});
