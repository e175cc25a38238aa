import assert from "node:assert/strict";
import { addEvent, at, DAY, listRaw, mirrorOf, withPair } from "./_helpers.ts";
import { COPY_MARKERS } from "@/lib/sync/transform.ts";
import { getSyncLog } from "@/lib/db/sync_logs.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

Deno.test(
  "runSync() copies only the copied fields, reminders off, marked, no attendees",
  opts,
  async () => {
    await withPair(async (p) => {
      const src = await addEvent(p, {
        summary: "Planning",
        description: "Agenda",
        location: "Room 1",
        start: { dateTime: at(1), timeZone: "Europe/Paris" },
        end: { dateTime: at(1 + 1 / 24), timeZone: "Europe/Paris" },
        transparency: "transparent",
        visibility: "private",
        colorId: "5",
        attendees: [{ email: "guest@example.com" }],
        reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 5 }] },
        extendedProperties: { private: { mine: "1" } },
      });
      const result = await p.sync();
      assert.equal(result.status, "success");
      assert.equal(result.events_created, 1);
      const [copy] = await listRaw(p.dest, p.destCal);
      assert.equal(copy.summary, "Planning");
      assert.equal(copy.description, "Agenda");
      assert.equal(copy.location, "Room 1");
      assert.equal(copy.transparency, "transparent");
      assert.equal(copy.visibility, "private");
      assert.equal(copy.colorId, "5");
      assert.equal(copy.start?.timeZone, "Europe/Paris");
      assert.equal(
        new Date(copy.start!.dateTime!).getTime(),
        new Date(src.start!.dateTime!).getTime(),
      );
      assert.equal(copy.attendees, undefined);
      assert.deepEqual(copy.reminders, { useDefault: false });
      assert.equal(copy.extendedProperties?.private, undefined);
      assert.equal(copy.extendedProperties?.shared?.[COPY_MARKERS.sourceId], src.id);
      assert.equal(copy.extendedProperties?.shared?.[COPY_MARKERS.configId], p.config.id);
      assert.match(
        copy.extendedProperties?.shared?.[COPY_MARKERS.clusterId] ?? "",
        /^[0-9a-f-]{36}$/,
      );
      assert.match(copy.id!, /^[0-9a-v]{5,1024}$/);
      const log = await getSyncLog(p.db, result.sync_log_id!, p.config.user_id);
      assert.equal(log?.status, "success");
      assert.equal(log?.events_created, 1);
      assert.equal(log?.trigger, "manual");
    });
  },
);

Deno.test(
  "runSync() turns out-of-office and focus time into busy events and skips working location",
  opts,
  async () => {
    await withPair(async (p) => {
      await addEvent(p, {
        summary: "Away",
        eventType: "outOfOffice",
        start: { dateTime: at(2) },
        end: { dateTime: at(2.5) },
        transparency: "transparent",
      });
      await addEvent(p, {
        summary: "Deep work",
        eventType: "focusTime",
        start: { dateTime: at(3) },
        end: { dateTime: at(3.1) },
      });
      await addEvent(p, {
        summary: "Office",
        eventType: "workingLocation",
        workingLocationProperties: { type: "officeLocation", officeLocation: { label: "HQ" } },
        start: { dateTime: at(4) },
        end: { dateTime: at(4.2) },
        transparency: "transparent",
      });
      const result = await p.sync();
      assert.equal(result.status, "success", JSON.stringify(result.failures));
      assert.equal(result.events_created, 2);
      assert.equal(result.events_skipped, 1);
      const copies = await listRaw(p.dest, p.destCal);
      assert.deepEqual(
        copies.map((c) => [c.summary, c.eventType ?? "default", c.transparency ?? "opaque"]).sort(),
        [
          ["Away", "default", "opaque"],
          ["Deep work", "default", "opaque"],
        ],
      );
    });
  },
);

Deno.test(
  "runSync() copies all-day, multi-day and time-zone events exactly over the window",
  opts,
  async () => {
    await withPair(async (p) => {
      const day = (d: number) => at(d).slice(0, 10);
      await addEvent(p, { summary: "Holiday", start: { date: day(3) }, end: { date: day(4) } });
      await addEvent(p, { summary: "Trip", start: { date: day(5) }, end: { date: day(9) } });
      await addEvent(p, {
        summary: "Tokyo call",
        start: { dateTime: "2099-01-01T00:00:00Z" },
        end: { dateTime: "2099-01-01T01:00:00Z" },
      });
      await addEvent(p, {
        summary: "Overnight",
        start: { dateTime: at(6), timeZone: "Asia/Tokyo" },
        end: { dateTime: at(7.5), timeZone: "America/New_York" },
      });
      const now = new Date();
      const result = await p.sync({ now });
      assert.equal(result.status, "success", JSON.stringify(result.failures));
      assert.equal(result.events_created, 3, "the 2099 event is outside the window");
      const m = await mirrorOf(p, now, 30);
      assert.equal(m.expected.length, 3);
      assert.deepEqual(m.actual, m.expected);
    });
  },
);

Deno.test("runSync() never copies an event that is itself a cal-sync copy", opts, async () => {
  await withPair(async (p) => {
    await addEvent(p, {
      summary: "A copy from elsewhere",
      start: { dateTime: at(1) },
      end: { dateTime: at(1.1) },
      extendedProperties: {
        shared: { [COPY_MARKERS.sourceId]: "abc", [COPY_MARKERS.configId]: crypto.randomUUID() },
      },
    });
    const result = await p.sync();
    assert.equal(result.events_created, 0);
    assert.equal(result.events_skipped, 1);
    assert.equal((await listRaw(p.dest, p.destCal)).length, 0);
  });
});

Deno.test(
  "runSync() follows updates, deletions and moves out of and into the window",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = new Date();
      const a = await addEvent(p, {
        summary: "A",
        start: { dateTime: at(1) },
        end: { dateTime: at(1.1) },
      });
      const b = await addEvent(p, {
        summary: "B",
        start: { dateTime: at(2) },
        end: { dateTime: at(2.1) },
      });
      const c = await addEvent(p, {
        summary: "C",
        start: { dateTime: at(20) },
        end: { dateTime: at(20.1) },
      });
      assert.equal((await p.sync({ now })).events_created, 2);

      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: a.id!,
        requestBody: { summary: "A2" },
      });
      await p.source.events.delete({ calendarId: p.sourceCal, eventId: b.id! });
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: c.id!,
        requestBody: { start: { dateTime: at(3) }, end: { dateTime: at(3.1) } },
      });
      const r2 = await p.sync({ now });
      assert.deepEqual([r2.events_created, r2.events_updated, r2.events_deleted], [1, 1, 1]);
      assert.deepEqual((await mirrorOf(p, now, 10)).actual.map((x) => x.summary), ["A2", "C"]);

      // Moved out of the window, then back in: the copy goes, then comes back with no duplicate.
      const out = { start: { dateTime: at(40) }, end: { dateTime: at(40.1) } };
      await p.source.events.patch({ calendarId: p.sourceCal, eventId: a.id!, requestBody: out });
      assert.equal((await p.sync({ now })).events_deleted, 1);
      const back = { start: { dateTime: at(4) }, end: { dateTime: at(4.1) } };
      await p.source.events.patch({ calendarId: p.sourceCal, eventId: a.id!, requestBody: back });
      assert.equal((await p.sync({ now })).events_created, 1);
      const m = await mirrorOf(p, now, 10);
      assert.deepEqual(m.actual, m.expected);
      assert.equal((await listRaw(p.dest, p.destCal)).length, 2);

      // Days pass: an event that enters the far end of the window is copied.
      const later = new Date(now.getTime() + 12 * DAY);
      await addEvent(p, {
        summary: "Far",
        start: { dateTime: at(21) },
        end: { dateTime: at(21.1) },
      });
      await p.sync({ now });
      assert.equal((await listRaw(p.dest, p.destCal)).filter((e) => e.summary === "Far").length, 0);
      const r5 = await p.sync({ now: later });
      assert.equal(r5.events_created, 1);
    }, 10);
  },
);
