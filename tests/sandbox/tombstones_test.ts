/**
 * Deleted events in listings, both shapes. Google's Events resource reference (`status`): a
 * deleted event is only guaranteed its `id`; on the organizer's calendar cancelled events keep
 * their details so that they can be restored, but incremental requests with showDeleted=false do
 * not return them. The `full_tombstones` fault switches the sandbox to that detailed shape.
 */
import assert from "node:assert/strict";
import type { calendar_v3 } from "@googleapis/calendar";
import { harness } from "./_helpers.ts";

const ALICE = "alice@example.com";
const MINIMAL = ["etag", "id", "kind", "status"];
const MINIMAL_INSTANCE = [...MINIMAL, "originalStartTime", "recurringEventId"].sort();

async function setUp() {
  const h = await harness();
  await (await h.control("POST", "reset", { empty: true })).body?.cancel();
  const api = await h.calendarAs(ALICE);
  const { data: base } = await api.events.list({ calendarId: "primary" });
  const { data: gone } = await api.events.insert({
    calendarId: "primary",
    requestBody: {
      summary: "Dentist",
      location: "Main St",
      start: { dateTime: "2030-02-01T09:00:00Z" },
      end: { dateTime: "2030-02-01T10:00:00Z" },
    },
  });
  await api.events.delete({ calendarId: "primary", eventId: gone.id! });
  const { data: series } = await api.events.insert({
    calendarId: "primary",
    requestBody: {
      summary: "Standup",
      start: { dateTime: "2030-02-04T09:00:00", timeZone: "UTC" },
      end: { dateTime: "2030-02-04T09:15:00", timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=5"],
    },
  });
  const instanceId = `${series.id}_20300205T090000Z`;
  await api.events.delete({ calendarId: "primary", eventId: instanceId });
  return { h, api, goneId: gone.id!, instanceId, syncToken: base.nextSyncToken! };
}

function byId(items: calendar_v3.Schema$Event[] | undefined, id: string) {
  const found = items?.find((e) => e.id === id);
  assert.ok(found, `listed ${id}`);
  return found;
}

Deno.test("Events resource (status): by default deleted events are listed in the minimal shape", async () => {
  const { h, api, goneId, instanceId, syncToken } = await setUp();
  await using _ = h;
  const shown = await api.events.list({ calendarId: "primary", showDeleted: true });
  assert.deepEqual(Object.keys(byId(shown.data.items, goneId)).sort(), MINIMAL);
  assert.deepEqual(Object.keys(byId(shown.data.items, instanceId)).sort(), MINIMAL_INSTANCE);
  const inc = await api.events.list({ calendarId: "primary", syncToken, showDeleted: true });
  assert.deepEqual(Object.keys(byId(inc.data.items, goneId)).sort(), MINIMAL);
  // events.get always answers the whole cancelled event.
  const got = await api.events.get({ calendarId: "primary", eventId: goneId });
  assert.equal(got.data.status, "cancelled");
  assert.equal(got.data.summary, "Dentist");
});

Deno.test("Events resource (status): with full_tombstones showDeleted listings keep a cancelled event's details", async () => {
  const { h, api, goneId, instanceId, syncToken } = await setUp();
  await using _ = h;
  const set = await h.control("POST", "faults", { full_tombstones: true });
  assert.equal((await set.json()).full_tombstones, true);

  const shown = await api.events.list({ calendarId: "primary", showDeleted: true });
  const gone = byId(shown.data.items, goneId);
  assert.equal(gone.status, "cancelled");
  assert.equal(gone.summary, "Dentist");
  assert.equal(gone.location, "Main St");
  assert.equal(Date.parse(gone.start!.dateTime!), Date.parse("2030-02-01T09:00:00Z"));
  assert.ok(gone.end?.dateTime && gone.organizer?.self && gone.iCalUID);
  const inst = byId(shown.data.items, instanceId);
  assert.equal(inst.status, "cancelled");
  assert.equal(inst.summary, "Standup");
  assert.ok(inst.recurringEventId && inst.originalStartTime?.dateTime);

  // Incremental with showDeleted: details too.
  const incShown = await api.events.list({ calendarId: "primary", syncToken, showDeleted: true });
  assert.equal(byId(incShown.data.items, goneId).summary, "Dentist");

  // Incremental without showDeleted: Google returns no details, only the minimal entry.
  const inc = await api.events.list({ calendarId: "primary", syncToken });
  assert.deepEqual(Object.keys(byId(inc.data.items, goneId)).sort(), MINIMAL);

  // The live series' cancelled instance in a plain full listing stays minimal as well.
  const plain = await api.events.list({ calendarId: "primary" });
  assert.equal(plain.data.items!.some((e) => e.id === goneId), false);
  assert.deepEqual(Object.keys(byId(plain.data.items, instanceId)).sort(), MINIMAL_INSTANCE);

  // Clearing the switch brings the minimal shape back.
  await (await h.control("POST", "faults", { full_tombstones: null })).body?.cancel();
  const again = await api.events.list({ calendarId: "primary", showDeleted: true });
  assert.deepEqual(Object.keys(byId(again.data.items, goneId)).sort(), MINIMAL);
});

Deno.test("Events resource (status): with full_tombstones events.instances?showDeleted keeps the cancelled instance's details", async () => {
  const { h, api, instanceId } = await setUp();
  await using _ = h;
  await (await h.control("POST", "faults", { full_tombstones: true })).body?.cancel();
  const seriesId = instanceId.split("_")[0];
  const { data } = await api.events.instances({
    calendarId: "primary",
    eventId: seriesId,
    showDeleted: true,
  });
  assert.equal(data.items!.length, 5);
  const inst = byId(data.items, instanceId);
  assert.equal(inst.status, "cancelled");
  assert.equal(inst.summary, "Standup");
});
