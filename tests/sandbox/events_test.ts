import assert from "node:assert/strict";
import { daysFromNow, eventId, googleError, harness } from "./_helpers.ts";

const ALICE = "alice@example.com";

function timed(days: number, hours = 1) {
  return {
    start: { dateTime: daysFromNow(days) },
    end: { dateTime: new Date(Date.parse(daysFromNow(days)) + hours * 3600_000).toISOString() },
  };
}

Deno.test("events.insert fills id, etag, updated, iCalUID, htmlLink, creator, organizer", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({
    calendarId: "primary",
    requestBody: { summary: "Lunch", ...timed(1) },
  });
  assert.equal(data.kind, "calendar#event");
  assert.match(data.id!, /^[a-v0-9]{5,}$/);
  assert.match(data.etag!, /^"\d+"$/);
  assert.equal(data.status, "confirmed");
  assert.equal(data.iCalUID, `${data.id}@google.com`);
  assert.match(data.htmlLink!, /^https:\/\/www\.google\.com\/calendar\/event\?eid=/);
  assert.equal(data.creator?.email, ALICE);
  assert.equal(data.organizer?.email, ALICE);
  assert.equal(data.sequence, 0);
  assert.ok(Date.parse(data.updated!) > 0 && Date.parse(data.created!) > 0);
  assert.deepEqual(data.reminders, { useDefault: true });
  assert.equal(data.eventType, "default");
  const got = await api.events.get({ calendarId: ALICE, eventId: data.id! });
  assert.deepEqual(got.data, data);
});

Deno.test("events.insert with a custom id keeps it; a taken id answers 409 duplicate", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const id = eventId();
  const { data } = await api.events.insert({
    calendarId: "primary",
    requestBody: { id, summary: "Mine", ...timed(1) },
  });
  assert.equal(data.id, id);
  const err = await googleError(
    api.events.insert({ calendarId: "primary", requestBody: { id, ...timed(2) } }),
  );
  assert.equal(err.status, 409);
  assert.equal(err.reason, "duplicate");
  assert.equal(err.body.error.message, "The requested identifier already exists.");
});

Deno.test("events.insert with the id of a deleted event answers 409 duplicate", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const id = eventId();
  await api.events.insert({ calendarId: "primary", requestBody: { id, ...timed(1) } });
  await api.events.delete({ calendarId: "primary", eventId: id });
  const err = await googleError(
    api.events.insert({ calendarId: "primary", requestBody: { id, ...timed(1) } }),
  );
  assert.equal(err.status, 409);
  assert.equal(err.reason, "duplicate");
});

Deno.test("events.insert with an id outside base32hex answers 400 invalid", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  for (const id of ["abc", "UPPERCASE1", "has-dash-123", "wxyz12345"]) {
    const err = await googleError(
      api.events.insert({ calendarId: "primary", requestBody: { id, ...timed(1) } }),
    );
    assert.equal(err.status, 400, id);
    assert.equal(err.reason, "invalid", id);
  }
});

Deno.test("events.delete of a deleted event answers 410 deleted", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({ calendarId: "primary", requestBody: timed(1) });
  const res = await api.events.delete({ calendarId: "primary", eventId: data.id! });
  assert.equal(res.status, 204);
  const err = await googleError(api.events.delete({ calendarId: "primary", eventId: data.id! }));
  assert.equal(err.status, 410);
  assert.equal(err.reason, "deleted");
});

Deno.test("events.get of a deleted event answers it with status cancelled", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({ calendarId: "primary", requestBody: timed(1) });
  await api.events.delete({ calendarId: "primary", eventId: data.id! });
  const got = await api.events.get({ calendarId: "primary", eventId: data.id! });
  assert.equal(got.data.status, "cancelled");
});

Deno.test("unknown calendar or event ids answer 404 notFound", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const e1 = await googleError(api.events.get({ calendarId: "primary", eventId: "nosuchevent1" }));
  assert.equal(e1.status, 404);
  assert.equal(e1.reason, "notFound");
  const e2 = await googleError(api.events.list({ calendarId: "nobody@example.com" }));
  assert.equal(e2.status, 404);
  // Bob's calendar is not visible to Alice: 404, never 403.
  const e3 = await googleError(api.events.list({ calendarId: "bob@example.com" }));
  assert.equal(e3.status, 404);
  const e4 = await googleError(
    api.events.patch({ calendarId: "primary", eventId: "nosuchevent1", requestBody: {} }),
  );
  assert.equal(e4.status, 404);
});

Deno.test("writes to a reader calendar answer 403 requiredAccessLevel", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const list = await api.calendarList.list();
  const reader = list.data.items!.find((c) => c.accessRole === "reader")!;
  const events = await api.events.list({ calendarId: reader.id! });
  assert.ok(events.data.items!.length > 0, "readable");
  const err = await googleError(
    api.events.insert({ calendarId: reader.id!, requestBody: timed(1) }),
  );
  assert.equal(err.status, 403);
  assert.equal(err.reason, "requiredAccessLevel");
  const err2 = await googleError(
    api.events.delete({ calendarId: reader.id!, eventId: events.data.items![0].id! }),
  );
  assert.equal(err2.status, 403);
});

Deno.test("events.patch replaces arrays, merges objects and bumps sequence on time changes", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({
    calendarId: "primary",
    requestBody: {
      summary: "Patch me",
      ...timed(1),
      attendees: [{ email: "a@example.com" }, { email: "b@example.com" }],
      extendedProperties: { private: { a: "1", b: "2" } },
    },
  });
  const p1 = await api.events.patch({
    calendarId: "primary",
    eventId: data.id!,
    sendUpdates: "none",
    requestBody: {
      attendees: [{ email: "c@example.com" }],
      extendedProperties: { private: { b: "3" } },
    },
  });
  assert.deepEqual(p1.data.attendees!.map((a) => a.email), ["c@example.com"]);
  assert.deepEqual(p1.data.extendedProperties!.private, { a: "1", b: "3" });
  assert.equal(p1.data.summary, "Patch me");
  assert.equal(p1.data.sequence, 0);
  assert.notEqual(p1.data.etag, data.etag);
  const p2 = await api.events.patch({
    calendarId: "primary",
    eventId: data.id!,
    requestBody: timed(2),
  });
  assert.equal(p2.data.sequence, 1);
});

Deno.test("events.update replaces the whole event", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({
    calendarId: "primary",
    requestBody: { summary: "Old", description: "gone after update", ...timed(1) },
  });
  const up = await api.events.update({
    calendarId: "primary",
    eventId: data.id!,
    requestBody: { summary: "New", ...timed(1) },
  });
  assert.equal(up.data.summary, "New");
  assert.equal(up.data.description, undefined);
  assert.equal(up.data.id, data.id);
  assert.equal(up.data.created, data.created);
  const err = await googleError(
    api.events.update({ calendarId: "primary", eventId: data.id!, requestBody: { summary: "x" } }),
  );
  assert.equal(err.status, 400);
});

Deno.test("a reminders-only change does not bump updated", async () => {
  let clock = Date.now();
  await using h = await harness({ now: () => new Date(clock) });
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({ calendarId: "primary", requestBody: timed(1) });
  clock += 60_000;
  const p = await api.events.patch({
    calendarId: "primary",
    eventId: data.id!,
    requestBody: { reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 5 }] } },
  });
  assert.equal(p.data.updated, data.updated);
  clock += 60_000;
  const p2 = await api.events.patch({
    calendarId: "primary",
    eventId: data.id!,
    requestBody: { summary: "changed" },
  });
  assert.ok(Date.parse(p2.data.updated!) > Date.parse(data.updated!));
});

Deno.test("extended properties: long keys dropped, long values truncated", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({
    calendarId: "primary",
    requestBody: {
      ...timed(1),
      extendedProperties: { private: { ["k".repeat(45)]: "x", ok: "v".repeat(2000) } },
    },
  });
  assert.deepEqual(Object.keys(data.extendedProperties!.private!), ["ok"]);
  assert.equal(data.extendedProperties!.private!.ok.length, 1024);
});

Deno.test("insert with end before start answers 400 timeRangeEmpty", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const err = await googleError(api.events.insert({
    calendarId: "primary",
    requestBody: { start: { dateTime: daysFromNow(2) }, end: { dateTime: daysFromNow(1) } },
  }));
  assert.equal(err.status, 400);
  assert.equal(err.reason, "timeRangeEmpty");
});

Deno.test("insert without end answers 400 required; a series without time zone too", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const e1 = await googleError(
    api.events.insert({
      calendarId: "primary",
      requestBody: { start: { dateTime: daysFromNow(1) } },
    }),
  );
  assert.equal(e1.status, 400);
  assert.equal(e1.reason, "required");
  const e2 = await googleError(api.events.insert({
    calendarId: "primary",
    requestBody: { ...timed(1), recurrence: ["RRULE:FREQ=DAILY;COUNT=3"] },
  }));
  assert.equal(e2.status, 400);
  assert.equal(e2.body.error.message, "Missing time zone definition for start time.");
  const e3 = await googleError(api.events.insert({
    calendarId: "primary",
    requestBody: {
      start: { dateTime: "2030-01-01T10:00:00", timeZone: "Europe/Paris" },
      end: { dateTime: "2030-01-01T11:00:00", timeZone: "Europe/Paris" },
      recurrence: ["RRULE:FREQ=SOMETIMES"],
    },
  }));
  assert.equal(e3.status, 400);
});

Deno.test("dateTimes come back with the offset of their time zone", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({
    calendarId: "primary",
    requestBody: {
      start: { dateTime: "2030-07-01T08:00:00Z", timeZone: "Europe/Paris" },
      end: { dateTime: "2030-07-01T11:00:00", timeZone: "Europe/Paris" },
    },
  });
  assert.deepEqual(data.start, { dateTime: "2030-07-01T10:00:00+02:00", timeZone: "Europe/Paris" });
  assert.deepEqual(data.end, { dateTime: "2030-07-01T11:00:00+02:00", timeZone: "Europe/Paris" });
});

Deno.test("eventType rules: fromGmail refused, outOfOffice only timed and on primary", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const cals = (await api.calendarList.list()).data.items!;
  const secondary = cals.find((c) => !c.primary && c.accessRole === "owner")!;
  const e1 = await googleError(api.events.insert({
    calendarId: "primary",
    requestBody: { eventType: "fromGmail", ...timed(1) },
  }));
  assert.equal(e1.status, 400);
  const e2 = await googleError(api.events.insert({
    calendarId: secondary.id!,
    requestBody: { eventType: "outOfOffice", ...timed(1) },
  }));
  assert.equal(e2.status, 400);
  const e3 = await googleError(api.events.insert({
    calendarId: "primary",
    requestBody: {
      eventType: "focusTime",
      start: { date: "2030-01-01" },
      end: { date: "2030-01-02" },
    },
  }));
  assert.equal(e3.status, 400);
  const e4 = await googleError(api.events.insert({
    calendarId: "primary",
    requestBody: {
      eventType: "birthday",
      start: { date: "2030-01-01" },
      end: { date: "2030-01-02" },
    },
  }));
  assert.equal(e4.status, 400);
  const ok = await api.events.insert({
    calendarId: "primary",
    requestBody: { eventType: "outOfOffice", ...timed(1) },
  });
  assert.equal(ok.data.eventType, "outOfOffice");
});

Deno.test("malformed JSON bodies answer Google's 400 parseError, not a crash", async () => {
  await using h = await harness();
  const token = (await (await h.control("POST", "token", { email: ALICE })).json()).access_token;
  const res = await fetch(`${h.url}calendar/v3/calendars/primary/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{not json",
  });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.code, 400);
  assert.equal(body.error.errors[0].reason, "parseError");
  const res2 = await fetch(`${h.url}calendar/v3/calendars/primary/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "[1,2]",
  });
  assert.equal(res2.status, 400);
  await res2.body?.cancel();
  const res3 = await fetch(`${h.url}calendar/v3/calendars/%E0%A4%A/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res3.status, 404);
  await res3.body?.cancel();
});

Deno.test("calendarList.list pages with maxResults and filters by minAccessRole", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const p1 = await api.calendarList.list({ maxResults: 2 });
  assert.equal(p1.data.items!.length, 2);
  assert.ok(p1.data.nextPageToken);
  assert.equal(p1.data.nextSyncToken, undefined);
  const p2 = await api.calendarList.list({ maxResults: 2, pageToken: p1.data.nextPageToken! });
  assert.equal(p2.data.items!.length, 1);
  assert.ok(p2.data.nextSyncToken);
  const writable = await api.calendarList.list({ minAccessRole: "writer" });
  assert.ok(
    writable.data.items!.every((c) => c.accessRole === "owner" || c.accessRole === "writer"),
  );
  assert.equal(writable.data.items!.length, 2);
});
