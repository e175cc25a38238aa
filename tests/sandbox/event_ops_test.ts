/** events.move, events.quickAdd and events.import, through Google's npm client. */
import assert from "node:assert/strict";
import type { calendar_v3 } from "@googleapis/calendar";
import { googleError, harness } from "./_helpers.ts";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";

function at(iso: string, hours = 1) {
  return {
    start: { dateTime: iso },
    end: { dateTime: new Date(Date.parse(iso) + hours * 3600_000).toISOString() },
  };
}

/** Alice's second calendar ("Personal"), which she owns. */
async function personal(api: calendar_v3.Calendar): Promise<string> {
  const { data } = await api.calendarList.list();
  return data.items!.find((c) => c.summary === "Personal")!.id!;
}

Deno.test("events.move reference: the event leaves the source and lives on in the destination, same id and iCalUID", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const dest = await personal(api);
  const { data: ev } = await api.events.insert({
    calendarId: "primary",
    requestBody: { summary: "Move me", location: "Room 1", ...at("2030-04-01T10:00:00Z") },
  });
  const { data: srcBase } = await api.events.list({ calendarId: "primary" });
  const { data: destBase } = await api.events.list({ calendarId: dest });

  const { data: moved } = await api.events.move({
    calendarId: "primary",
    eventId: ev.id!,
    destination: dest,
    sendUpdates: "none",
  });
  assert.equal(moved.id, ev.id);
  assert.equal(moved.iCalUID, ev.iCalUID);
  assert.equal(moved.summary, "Move me");
  assert.equal(moved.location, "Room 1");
  assert.equal(moved.organizer?.email, dest);
  assert.equal(moved.created, ev.created);
  assert.notEqual(moved.etag, ev.etag);

  // Source: deleted (incremental listing says cancelled); destination: there, incrementally too.
  const gone = await api.events.get({ calendarId: "primary", eventId: ev.id! });
  assert.equal(gone.data.status, "cancelled");
  const srcInc = await api.events.list({
    calendarId: "primary",
    syncToken: srcBase.nextSyncToken!,
  });
  assert.deepEqual(srcInc.data.items!.map((e) => [e.id, e.status]), [[ev.id, "cancelled"]]);
  const destInc = await api.events.list({ calendarId: dest, syncToken: destBase.nextSyncToken! });
  assert.deepEqual(destInc.data.items!.map((e) => [e.id, e.status]), [[ev.id, "confirmed"]]);
  assert.equal(
    (await api.events.get({ calendarId: dest, eventId: ev.id! })).data.summary,
    "Move me",
  );

  // And back again.
  const { data: back } = await api.events.move({
    calendarId: dest,
    eventId: ev.id!,
    destination: ALICE,
  });
  assert.equal(back.organizer?.email, ALICE);
  assert.equal(
    (await api.events.get({ calendarId: "primary", eventId: ev.id! })).data.status,
    "confirmed",
  );
});

Deno.test("events.move reference: a series moves with its exceptions; instances, non-default types and bad destinations are refused", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const dest = await personal(api);
  const { data: series } = await api.events.insert({
    calendarId: "primary",
    requestBody: {
      summary: "Daily",
      start: { dateTime: "2030-04-01T09:00:00", timeZone: "UTC" },
      end: { dateTime: "2030-04-01T09:30:00", timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=4"],
    },
  });
  const instanceId = `${series.id}_20300402T090000Z`;
  await api.events.patch({
    calendarId: "primary",
    eventId: instanceId,
    requestBody: { summary: "Special" },
  });

  const inst = await googleError(
    api.events.move({ calendarId: "primary", eventId: instanceId, destination: dest }),
  );
  assert.equal(inst.status, 400);
  assert.equal(inst.reason, "cannotChangeOrganizerOfInstance");

  await api.events.move({ calendarId: "primary", eventId: series.id!, destination: dest });
  const { data } = await api.events.instances({ calendarId: dest, eventId: series.id! });
  assert.deepEqual(data.items!.map((e) => e.summary), ["Daily", "Special", "Daily", "Daily"]);
  const left = await api.events.list({
    calendarId: "primary",
    singleEvents: true,
    iCalUID: series.iCalUID!,
  });
  assert.deepEqual(left.data.items, []);

  // The npm client itself insists on `destination`; without it the sandbox answers as Google.
  const { access_token } = await (await h.control("POST", "token", { email: ALICE })).json();
  const noDest = await fetch(
    `${h.url}calendar/v3/calendars/${encodeURIComponent(dest)}/events/${series.id}/move`,
    { method: "POST", headers: { authorization: `Bearer ${access_token}` } },
  );
  assert.equal(noDest.status, 400);
  assert.equal((await noDest.json()).error.errors[0].reason, "required");
  const hidden = await googleError(
    api.events.move({ calendarId: dest, eventId: series.id!, destination: BOB }),
  );
  assert.equal(hidden.status, 404);
  const { data: away } = await api.events.insert({
    calendarId: "primary",
    requestBody: { eventType: "outOfOffice", ...at("2030-04-03T10:00:00Z") },
  });
  const ooo = await googleError(
    api.events.move({ calendarId: "primary", eventId: away.id!, destination: dest }),
  );
  assert.equal(ooo.status, 400);
  assert.equal(ooo.reason, "eventTypeRestriction");
});

Deno.test("events.quickAdd reference: a line of text becomes an event (title, day, time) in the calendar's zone", async () => {
  // Tuesday 15 January 2030, mid-morning in the Americas and Europe.
  await using h = await harness({ now: () => new Date("2030-01-15T14:00:00Z") });
  const api = await h.calendarAs(ALICE);
  const zone = (await api.calendars.get({ calendarId: "primary" })).data.timeZone!;
  const cases: [string, string, string, string][] = [
    ["Lunch with Ann tomorrow at 1pm", "Lunch with Ann", "2030-01-16T13:00", "2030-01-16T14:00"],
    ["Dentist at 3:30pm", "Dentist", "2030-01-15T15:30", "2030-01-15T16:30"],
    ["Review 2030-02-01 15:00 for 30 minutes", "Review", "2030-02-01T15:00", "2030-02-01T15:30"],
    ["Standup on friday 9am-9:15am", "Standup", "2030-01-18T09:00", "2030-01-18T09:15"],
    ["Party next tuesday from 8pm to 1am", "Party", "2030-01-22T20:00", "2030-01-23T01:00"],
    ["Call Tokyo at 7", "Call Tokyo", "2030-01-15T07:00", "2030-01-15T08:00"],
  ];
  for (const [text, summary, start, end] of cases) {
    const { data } = await api.events.quickAdd({
      calendarId: "primary",
      text,
      sendUpdates: "none",
    });
    assert.equal(data.summary, summary, text);
    assert.ok(data.start!.dateTime!.startsWith(`${start}:00`), `${text}: ${data.start!.dateTime}`);
    assert.ok(data.end!.dateTime!.startsWith(`${end}:00`), `${text}: ${data.end!.dateTime}`);
    assert.equal(data.start!.timeZone, zone);
    const got = await api.events.get({ calendarId: "primary", eventId: data.id! });
    assert.equal(got.data.summary, summary);
  }
  const allDay = await api.events.quickAdd({ calendarId: "primary", text: "Offsite May 5" });
  assert.equal(allDay.data.summary, "Offsite");
  assert.deepEqual([allDay.data.start, allDay.data.end], [{ date: "2030-05-05" }, {
    date: "2030-05-06",
  }]);
  const note = await api.events.quickAdd({ calendarId: "primary", text: "Water the plants" });
  assert.deepEqual(note.data.start, { date: "2030-01-15" });

  const err = await googleError(api.events.quickAdd({ calendarId: "primary", text: "" }));
  assert.equal(err.status, 400);
  assert.equal(err.reason, "required");
});

Deno.test("events.import reference: a new iCalUID adds a private copy; importing it again updates that event", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const iCalUID = "meeting-42@example.org";
  const { data: first } = await api.events.import({
    calendarId: "primary",
    requestBody: {
      iCalUID,
      summary: "Imported",
      organizer: { email: "carol@example.org", displayName: "Carol" },
      attendees: [{ email: "carol@example.org" }, { email: ALICE }],
      sequence: 2,
      ...at("2030-06-01T10:00:00Z"),
    },
  });
  assert.equal(first.iCalUID, iCalUID);
  assert.deepEqual(first.organizer, {
    email: "carol@example.org",
    displayName: "Carol",
    self: false,
  });
  assert.equal(first.summary, "Imported");
  assert.equal(first.sequence, 2);

  const { data: again } = await api.events.import({
    calendarId: "primary",
    requestBody: {
      iCalUID,
      summary: "Imported, moved",
      sequence: 3,
      ...at("2030-06-02T10:00:00Z"),
    },
  });
  assert.equal(again.id, first.id);
  assert.equal(again.summary, "Imported, moved");
  assert.notEqual(again.etag, first.etag);
  const same = await api.events.list({ calendarId: "primary", iCalUID });
  assert.deepEqual(same.data.items!.map((e) => e.id), [first.id]);

  const missing = await googleError(
    api.events.import({ calendarId: "primary", requestBody: at("2030-06-01T10:00:00Z") }),
  );
  assert.equal(missing.status, 400);
  const ooo = await googleError(api.events.import({
    calendarId: "primary",
    requestBody: {
      iCalUID: "x@example.org",
      eventType: "outOfOffice",
      ...at("2030-06-01T10:00:00Z"),
    },
  }));
  assert.equal(ooo.status, 400);
  assert.equal(ooo.reason, "eventTypeRestriction");
});
