/**
 * Responses compared field by field with samples recorded from Google's documentation
 * (Calendar API reference "Events" / "CalendarList" resources and "Handle API errors").
 */
import assert from "node:assert/strict";
import { googleError, harness } from "./_helpers.ts";

const ALICE = "alice@example.com";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Same keys (in the same order) and the same JSON types, recursively; strings matched by regex. */
function assertShape(actual: Json, recorded: Json, path = "$") {
  if (recorded instanceof RegExp) {
    assert.equal(typeof actual, "string", path);
    assert.match(actual, recorded, path);
    return;
  }
  if (Array.isArray(recorded)) {
    assert.ok(Array.isArray(actual), `${path} is an array`);
    if (recorded.length && actual.length) assertShape(actual[0], recorded[0], `${path}[0]`);
    return;
  }
  if (recorded && typeof recorded === "object") {
    assert.equal(typeof actual, "object", path);
    assert.deepEqual(Object.keys(actual), Object.keys(recorded), `${path} keys`);
    for (const k of Object.keys(recorded)) assertShape(actual[k], recorded[k], `${path}.${k}`);
    return;
  }
  assert.equal(typeof actual, typeof recorded, path);
}

const RFC3339_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$/;

const RECORDED_EVENT = {
  kind: "calendar#event",
  etag: /^"\d+"$/,
  id: /^[a-v0-9]+$/,
  status: "confirmed",
  htmlLink: /^https:\/\/www\.google\.com\/calendar\/event\?eid=/,
  created: RFC3339_MS,
  updated: RFC3339_MS,
  summary: "Google I/O 2015",
  creator: { email: "alice@example.com", self: true },
  organizer: { email: "alice@example.com", self: true },
  start: { dateTime: DATETIME, timeZone: "America/Los_Angeles" },
  end: { dateTime: DATETIME, timeZone: "America/Los_Angeles" },
  iCalUID: /@google\.com$/,
  sequence: 0,
  reminders: { useDefault: true },
  eventType: "default",
};

Deno.test("an inserted event has the documented Events resource shape", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({
    calendarId: "primary",
    requestBody: {
      summary: "Google I/O 2015",
      start: { dateTime: "2030-05-28T09:00:00-07:00", timeZone: "America/Los_Angeles" },
      end: { dateTime: "2030-05-28T17:00:00-07:00", timeZone: "America/Los_Angeles" },
    },
  });
  assertShape(data, RECORDED_EVENT);
});

Deno.test("events.list has the documented Events collection shape", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.list({ calendarId: "primary", maxResults: 1000 });
  assertShape(data, {
    kind: "calendar#events",
    etag: /^".+"$/,
    summary: "Work",
    description: "",
    updated: RFC3339_MS,
    timeZone: "America/New_York",
    accessRole: "owner",
    defaultReminders: [{ method: "popup", minutes: 10 }],
    nextSyncToken: /.+/,
    items: [],
  });
});

Deno.test("calendarList entries have the documented CalendarList resource shape", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.calendarList.list();
  assertShape(data.items![0], {
    kind: "calendar#calendarListEntry",
    etag: /^".+"$/,
    id: "alice@example.com",
    summary: "Work",
    timeZone: "America/New_York",
    colorId: /^\d+$/,
    backgroundColor: /^#[0-9a-f]{6}$/,
    foregroundColor: /^#[0-9a-f]{6}$/,
    selected: true,
    accessRole: "owner",
    defaultReminders: [{ method: "popup", minutes: 10 }],
    conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
    notificationSettings: { notifications: [{ type: "eventCreation", method: "email" }] },
    primary: true,
  });
});

Deno.test("error bodies equal the samples in Google's error guide", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.list({ calendarId: "primary" });
  await (await h.control("POST", "faults", { expire_sync_tokens: true })).body?.cancel();
  const gone = await googleError(
    api.events.list({ calendarId: "primary", syncToken: data.nextSyncToken! }),
  );
  assert.deepEqual(gone.body, {
    error: {
      code: 410,
      message: "Sync token is no longer valid, a full sync is required.",
      errors: [{
        domain: "calendar",
        reason: "fullSyncRequired",
        message: "Sync token is no longer valid, a full sync is required.",
        locationType: "parameter",
        location: "syncToken",
      }],
    },
  });
  const missing = await googleError(api.events.get({ calendarId: "primary", eventId: "abcdef1" }));
  assert.deepEqual(missing.body, {
    error: {
      code: 404,
      message: "Not Found",
      errors: [{ domain: "global", reason: "notFound", message: "Not Found" }],
    },
  });
  const empty = await googleError(api.events.list({
    calendarId: "primary",
    timeMin: "2030-01-02T00:00:00Z",
    timeMax: "2030-01-01T00:00:00Z",
  }));
  assert.deepEqual(empty.body.error.errors[0], {
    domain: "calendar",
    reason: "timeRangeEmpty",
    message: "The specified time range is empty.",
    locationType: "parameter",
    location: "timeMax",
  });
  const reader = (await api.calendarList.list()).data.items!.find((c) =>
    c.accessRole === "reader"
  )!;
  const forbidden = await googleError(api.events.insert({
    calendarId: reader.id!,
    requestBody: { start: { date: "2030-01-01" }, end: { date: "2030-01-02" } },
  }));
  assert.deepEqual(forbidden.body, {
    error: {
      code: 403,
      message: "You need to have writer access to this calendar.",
      errors: [{
        domain: "calendar",
        reason: "requiredAccessLevel",
        message: "You need to have writer access to this calendar.",
      }],
    },
  });
  const res = await fetch(`${h.url}calendar/v3/users/me/calendarList`, {
    headers: { authorization: "Bearer expired" },
  });
  const unauth = await res.json();
  assert.deepEqual(unauth.error.errors[0], {
    domain: "global",
    reason: "authError",
    message: "Invalid Credentials",
    locationType: "header",
    location: "Authorization",
  });
  assert.equal(unauth.error.code, 401);
  assert.equal(unauth.error.status, "UNAUTHENTICATED");
});
