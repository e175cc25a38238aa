import assert from "node:assert/strict";
import { COPY_MARKERS, instanceKey, isCalSyncCopy, transformEvent } from "./transform.ts";

const ctx = { configId: "cfg-1", sourceEventId: "ev1", syncClusterId: "cluster-1" };
const markers = {
  shared: { source_id: "ev1", sync_cluster_id: "cluster-1", cal_sync_config_id: "cfg-1" },
};

Deno.test("transformEvent: copies the visible fields, drops people and attachments, reminders off", () => {
  const out = transformEvent({
    id: "ev1",
    status: "confirmed",
    summary: "Planning",
    description: "Agenda",
    location: "Room 4",
    start: { dateTime: "2026-12-01T09:00:00+01:00", timeZone: "Europe/Paris" },
    end: { dateTime: "2026-12-01T10:00:00+01:00", timeZone: "Europe/Paris" },
    recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
    transparency: "transparent",
    visibility: "private",
    colorId: "5",
    attendees: [{ email: "a@example.com" }],
    attachments: [{ fileUrl: "https://example.com/f" }],
    conferenceData: { conferenceId: "abc" },
    reminders: { useDefault: true },
    organizer: { email: "boss@example.com" },
    extendedProperties: { private: { mine: "1" } },
  }, ctx);
  assert.deepEqual(out, {
    kind: "copy",
    body: {
      summary: "Planning",
      description: "Agenda",
      location: "Room 4",
      start: { dateTime: "2026-12-01T09:00:00+01:00", timeZone: "Europe/Paris" },
      end: { dateTime: "2026-12-01T10:00:00+01:00", timeZone: "Europe/Paris" },
      recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
      status: "confirmed",
      transparency: "transparent",
      visibility: "private",
      colorId: "5",
      reminders: { useDefault: false, overrides: [] },
      extendedProperties: markers,
    },
  });
});

Deno.test("transformEvent: an all-day event keeps its dates; empty fields are left out", () => {
  const out = transformEvent({
    id: "ev1",
    summary: "Holiday",
    description: "",
    start: { date: "2026-12-24" },
    end: { date: "2026-12-25" },
  }, ctx);
  assert.deepEqual(out, {
    kind: "copy",
    body: {
      summary: "Holiday",
      start: { date: "2026-12-24" },
      end: { date: "2026-12-25" },
      status: "confirmed",
      reminders: { useDefault: false, overrides: [] },
      extendedProperties: markers,
    },
  });
});

Deno.test("transformEvent: an instance of a series carries no recurrence", () => {
  const out = transformEvent({
    id: "ev1_20261201T080000Z",
    recurringEventId: "ev1",
    recurrence: ["RRULE:FREQ=DAILY"],
    summary: "Moved",
    start: { dateTime: "2026-12-01T11:00:00Z" },
    end: { dateTime: "2026-12-01T12:00:00Z" },
  }, ctx);
  assert.equal(out.kind, "copy");
  assert.equal(out.kind === "copy" && out.body.recurrence, undefined);
  assert.deepEqual(out.kind === "copy" && out.body.start, { dateTime: "2026-12-01T11:00:00Z" });
});

Deno.test("transformEvent: out of office and focus time become busy events with a title", () => {
  const times = {
    start: { dateTime: "2026-12-01T09:00:00Z" },
    end: { dateTime: "2026-12-01T17:00:00Z" },
  };
  const ooo = transformEvent({
    eventType: "outOfOffice",
    description: "Not copied",
    transparency: "transparent",
    ...times,
  }, ctx);
  assert.deepEqual(ooo, {
    kind: "copy",
    body: {
      summary: "Out of office",
      ...times,
      status: "confirmed",
      transparency: "opaque",
      reminders: { useDefault: false, overrides: [] },
      extendedProperties: markers,
    },
  });
  const focus = transformEvent({ eventType: "focusTime", summary: "Deep work", ...times }, ctx);
  assert.equal(focus.kind === "copy" && focus.body.summary, "Deep work");
  const untitled = transformEvent({ eventType: "focusTime", ...times }, ctx);
  assert.equal(untitled.kind === "copy" && untitled.body.summary, "Focus time");
});

Deno.test("transformEvent: cancelled, skipped types, unknown types and our own copies", () => {
  assert.deepEqual(transformEvent({ status: "cancelled", summary: "x" }, ctx), {
    kind: "cancelled",
  });
  for (const type of ["workingLocation", "birthday", "fromGmail", "somethingNew"]) {
    assert.deepEqual(transformEvent({ eventType: type, summary: "x" }, ctx), {
      kind: "skip",
      reason: `event type ${type}`,
    });
  }
  const copy = { summary: "x", extendedProperties: { shared: { cal_sync_config_id: "other" } } };
  assert.deepEqual(transformEvent(copy, ctx), { kind: "skip", reason: "copy made by cal-sync" });
});

Deno.test("isCalSyncCopy: the config or cluster marker makes a copy, source_id alone does not", () => {
  assert.equal(isCalSyncCopy({ extendedProperties: { shared: { sync_cluster_id: "c" } } }), true);
  assert.equal(
    isCalSyncCopy({ extendedProperties: { shared: { cal_sync_config_id: "c" } } }),
    true,
  );
  assert.equal(isCalSyncCopy({ extendedProperties: { shared: { source_id: "s" } } }), false);
  assert.equal(
    isCalSyncCopy({ extendedProperties: { private: { cal_sync_config_id: "c" } } }),
    false,
  );
  assert.equal(isCalSyncCopy({}), false);
  assert.deepEqual(COPY_MARKERS, {
    sourceId: "source_id",
    clusterId: "sync_cluster_id",
    configId: "cal_sync_config_id",
  });
});

Deno.test("instanceKey: from the id's suffix, else from originalStartTime", () => {
  assert.equal(
    instanceKey({ id: "abc_20261201T090000Z", recurringEventId: "abc" }),
    "20261201T090000Z",
  );
  assert.equal(
    instanceKey({
      id: "other",
      recurringEventId: "abc",
      originalStartTime: { dateTime: "2026-12-01T10:00:00+01:00" },
    }),
    "20261201T090000Z",
  );
  assert.equal(instanceKey({ originalStartTime: { date: "2026-12-24" } }), "20261224");
  assert.equal(instanceKey({ originalStartTime: { dateTime: "not a time" } }), undefined);
  assert.equal(instanceKey({ id: "plain" }), undefined);
});
