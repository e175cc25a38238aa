/**
 * Copies are written with If-Match (the etag of the engine's last write): an edit made in the
 * destination meanwhile answers 412, and the run re-reads the copy, overwrites it and counts it.
 */
import assert from "node:assert/strict";
import { addEvent, at, type Event, mirrorOf, type Pair, withPair } from "./_helpers.ts";
import { getSyncLog } from "@/lib/db/sync_logs.ts";
import { listEventMappings } from "@/lib/db/event_mappings.ts";
import { googleErrorStatus } from "@/lib/google/errors.ts";
import type { RunApis } from "@/lib/sync/google_api.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

/** The copy of a source event in the destination, by its marker. */
async function copyOf(p: Pair, sourceId: string): Promise<Event> {
  const res = await p.dest.events.list({
    calendarId: p.destCal,
    sharedExtendedProperty: [`source_id=${sourceId}`],
  });
  assert.equal(res.data.items?.length, 1, `one copy of ${sourceId}`);
  return res.data.items![0];
}

async function oneEvent(p: Pair) {
  return await addEvent(p, {
    summary: "Planning",
    start: { dateTime: at(2), timeZone: "UTC" },
    end: { dateTime: at(2.05), timeZone: "UTC" },
  });
}

Deno.test(
  "runSync() overwrites a copy edited in the destination and counts it as overwritten",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = new Date();
      const ev = await oneEvent(p);
      assert.equal((await p.sync({ now })).events_created, 1);
      const copy = await copyOf(p, ev.id!);
      await p.dest.events.patch({
        calendarId: p.destCal,
        eventId: copy.id!,
        requestBody: { summary: "Edited by hand", location: "Room 4" },
      });
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: ev.id!,
        requestBody: { summary: "Planning (moved)" },
      });
      const r = await p.sync({ now });
      assert.equal(r.status, "success", JSON.stringify(r.failures));
      assert.equal(r.events_overwritten, 1);
      assert.equal(r.events_updated, 1);
      // The 412, the re-read and the overwrite, after the listing.
      assert.equal(r.api_calls, 4);
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
      assert.equal(m.dest[0].location, undefined, "the destination edit is gone");
      const log = await getSyncLog(p.db, r.sync_log_id!, p.config.user_id);
      assert.equal(log?.events_overwritten, 1);
      // The etag recorded is the overwrite's: the next change writes without a conflict.
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: ev.id!,
        requestBody: { summary: "Planning (final)" },
      });
      const next = await p.sync({ now });
      assert.deepEqual([next.events_updated, next.events_overwritten, next.api_calls], [1, 0, 2]);
    });
  },
);

Deno.test(
  "runSync() updates an untouched copy with one conditional write and no overwrite",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = new Date();
      const ev = await oneEvent(p);
      await p.sync({ now });
      const [mapping] = await listEventMappings(p.db, p.config.id);
      const copy = await copyOf(p, ev.id!);
      assert.equal(mapping.dest_etag, copy.etag, "the etag of the insert is recorded");
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: ev.id!,
        requestBody: { summary: "Renamed" },
      });
      const r = await p.sync({ now });
      assert.deepEqual([r.events_updated, r.events_overwritten, r.api_calls], [1, 0, 2]);
      const [after] = await listEventMappings(p.db, p.config.id);
      assert.equal(after.dest_etag, (await copyOf(p, ev.id!)).etag);
      assert.notEqual(after.dest_etag, mapping.dest_etag);
    });
  },
);

Deno.test(
  "runSync() deletes a copy edited in the destination when its source goes, counted",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = new Date();
      const ev = await oneEvent(p);
      await p.sync({ now });
      const copy = await copyOf(p, ev.id!);
      await p.dest.events.patch({
        calendarId: p.destCal,
        eventId: copy.id!,
        requestBody: { description: "My notes" },
      });
      await p.source.events.delete({ calendarId: p.sourceCal, eventId: ev.id! });
      const r = await p.sync({ now });
      assert.equal(r.status, "success", JSON.stringify(r.failures));
      assert.deepEqual([r.events_deleted, r.events_overwritten], [1, 1]);
      const gone = await p.dest.events.get({ calendarId: p.destCal, eventId: copy.id! })
        .then((res) => res.data.status, (err) => googleErrorStatus(err));
      assert.ok(gone === "cancelled" || gone === 404 || gone === 410, `copy is ${gone}`);
    });
  },
);

Deno.test(
  "runSync() sends no If-Match for a mapping without an etag (made before etags were kept)",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = new Date();
      const ev = await oneEvent(p);
      await p.sync({ now });
      await p.db.query(`UPDATE event_mappings SET dest_etag = NULL WHERE config_id = $1`, [
        p.config.id,
      ]);
      const copy = await copyOf(p, ev.id!);
      await p.dest.events.patch({
        calendarId: p.destCal,
        eventId: copy.id!,
        requestBody: { summary: "Edited by hand" },
      });
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: ev.id!,
        requestBody: { summary: "Renamed" },
      });
      const r = await p.sync({ now });
      assert.deepEqual([r.events_updated, r.events_overwritten, r.api_calls], [1, 0, 2]);
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
      const [mapping] = await listEventMappings(p.db, p.config.id);
      assert.equal(mapping.dest_etag, (await copyOf(p, ev.id!)).etag, "and keeps one from now");
    });
  },
);

Deno.test(
  "runSync() overwrites an exception's copy edited in the destination",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = new Date();
      const series = await addEvent(p, {
        summary: "Standup",
        start: { dateTime: at(1), timeZone: "UTC" },
        end: { dateTime: at(1.02), timeZone: "UTC" },
        recurrence: ["RRULE:FREQ=DAILY;COUNT=5"],
      });
      const instances = await p.source.events.instances({
        calendarId: p.sourceCal,
        eventId: series.id!,
      });
      const second = instances.data.items![1];
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: second.id!,
        requestBody: { summary: "Standup (demo)" },
      });
      assert.equal((await p.sync({ now })).status, "success");
      const copies = await mirrorOf(p, now, 30);
      const demo = copies.dest.find((e) => e.summary === "Standup (demo)")!;
      await p.dest.events.patch({
        calendarId: p.destCal,
        eventId: demo.id!,
        requestBody: { summary: "Standup (skipping)" },
      });
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: second.id!,
        requestBody: { summary: "Standup (demo day)" },
      });
      const r = await p.sync({ now });
      assert.equal(r.status, "success", JSON.stringify(r.failures));
      assert.deepEqual([r.events_updated, r.events_overwritten], [1, 1]);
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
    });
  },
);

Deno.test(
  "runSync() stopped with a write in flight records it: the next run meets no conflict",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = new Date();
      const a = await oneEvent(p);
      const b = await oneEvent(p);
      await p.sync({ now });
      for (const ev of [a, b]) {
        await p.source.events.patch({
          calendarId: p.sourceCal,
          eventId: ev.id!,
          requestBody: { summary: `${ev.summary} (new)` },
        });
      }
      // The run is stopped while Google is taking its first update: the answer comes back
      // after the stop, and no request goes out after it.
      const controller = new AbortController();
      const wrapApis = (apis: RunApis): RunApis => ({
        ...apis,
        dest: {
          ...apis.dest,
          update: async (...args) => {
            const etag = await apis.dest.update(...args);
            controller.abort(new DOMException("stopped", "AbortError"));
            return etag;
          },
        },
      });
      await assert.rejects(
        p.sync({ now, wrapApis, concurrency: 1, signal: controller.signal }),
        (err: Error) => err.name === "AbortError",
      );
      const r = await p.sync({ now });
      assert.equal(r.status, "success", JSON.stringify(r.failures));
      assert.deepEqual([r.events_updated, r.events_overwritten], [1, 0]);
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
    });
  },
);
