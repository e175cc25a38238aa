/**
 * The `fields=` masks (lib/google/fields.ts) against the sandbox, which answers only the fields
 * named, as Google does: everything the engine decides from survives the mask, and a sync
 * through the masks mirrors the source exactly.
 */
import assert from "node:assert/strict";
import { addEvent, at, DAY, type Event, mirrorOf, type Pair, withPair } from "./_helpers.ts";
import { EVENT_LIST_FIELDS, SOURCE_EVENT_FIELDS } from "@/lib/google/fields.ts";
import { getSyncConfig } from "@/lib/db/sync_configs.ts";
import { COPY_MARKERS, instanceKey, transformEvent } from "@/lib/sync/transform.ts";
import { seriesEnd, seriesOverlaps, spanOf } from "@/lib/sync/window.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

/** Everything transform.ts, window.ts and the engine read of a source event. */
function reading(ev: Event, now: number) {
  const ctx = { configId: "c", sourceEventId: ev.id!, syncClusterId: "k" };
  return {
    id: ev.id,
    status: ev.status,
    updated: ev.updated,
    iCalUID: ev.iCalUID,
    recurringEventId: ev.recurringEventId,
    transformed: transformEvent(ev, ctx),
    instanceKey: instanceKey(ev),
    span: spanOf(ev),
    seriesOverlaps: ev.recurrence ? seriesOverlaps(ev, now, now + 30 * DAY) : null,
    seriesEnd: ev.recurrence ? seriesEnd(ev) : null,
  };
}

/** A source calendar with every kind of event the engine treats differently. */
async function seedVariety(p: Pair) {
  await addEvent(p, {
    summary: "Planning",
    description: "Agenda",
    location: "Room 1",
    start: { dateTime: at(1), timeZone: "Europe/Paris" },
    end: { dateTime: at(1.05), timeZone: "Europe/Paris" },
    transparency: "transparent",
    visibility: "private",
    colorId: "5",
    attendees: [{ email: "guest@example.com" }],
    reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 5 }] },
    extendedProperties: { private: { mine: "1" }, shared: { theirs: "2" } },
  });
  await addEvent(p, {
    summary: "Holiday",
    start: { date: at(3).slice(0, 10) },
    end: {
      date: at(4).slice(0, 10),
    },
  });
  await addEvent(p, {
    summary: "Away",
    eventType: "outOfOffice",
    start: { dateTime: at(2) },
    end: { dateTime: at(2.5) },
  });
  await addEvent(p, {
    summary: "Office",
    eventType: "workingLocation",
    workingLocationProperties: { type: "officeLocation", officeLocation: { label: "HQ" } },
    start: { dateTime: at(4) },
    end: { dateTime: at(4.2) },
    transparency: "transparent",
  });
  // A copy some cal-sync config made: must be recognised under the mask too, or it loops.
  await addEvent(p, {
    summary: "A copy",
    start: { dateTime: at(5) },
    end: { dateTime: at(5.1) },
    extendedProperties: { shared: { [COPY_MARKERS.configId]: "other", source_id: "x" } },
  });
  const series = await addEvent(p, {
    summary: "Standup",
    start: { dateTime: at(1.2), timeZone: "America/New_York" },
    end: { dateTime: at(1.22), timeZone: "America/New_York" },
    recurrence: ["RRULE:FREQ=DAILY;COUNT=6"],
  });
  const instances = (await p.source.events.instances({
    calendarId: p.sourceCal,
    eventId: series.id!,
  })).data.items!;
  await p.source.events.patch({
    calendarId: p.sourceCal,
    eventId: instances[1].id!,
    requestBody: { summary: "Standup (demo)", location: "Lab" },
  });
  await p.source.events.delete({ calendarId: p.sourceCal, eventId: instances[2].id! });
  const gone = await addEvent(p, {
    summary: "Cancelled",
    start: { dateTime: at(6) },
    end: { dateTime: at(6.1) },
  });
  await p.source.events.delete({ calendarId: p.sourceCal, eventId: gone.id! });
}

Deno.test(
  "the source event masks keep everything the engine decides from, and drop the rest",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = Date.now();
      await seedVariety(p);
      const list = async (fields?: string) =>
        (await p.source.events.list({
          calendarId: p.sourceCal,
          showDeleted: true,
          maxResults: 2500,
          ...(fields ? { fields } : {}),
        })).data;
      const full = await list();
      const masked = await list(EVENT_LIST_FIELDS);
      assert.ok(masked.nextSyncToken, "the sync token survives the mask");
      assert.equal(masked.items!.length, full.items!.length);
      assert.ok(full.items!.length >= 8);
      for (const ev of full.items!) {
        const m = masked.items!.find((x) => x.id === ev.id)!;
        assert.deepEqual(reading(m, now), reading(ev, now), `event ${ev.summary ?? ev.id}`);
        // The mask is applied: what the engine never reads does not travel.
        for (const dropped of ["htmlLink", "creator", "organizer"]) {
          assert.equal(dropped in m, false, `${dropped} of ${ev.summary ?? ev.id}`);
        }
        // Attendees travel only as far as the filters read them (who, and their answer).
        for (const a of m.attendees ?? []) {
          assert.deepEqual(
            Object.keys(a).filter((k) => !["email", "self", "responseStatus"].includes(k)),
            [],
          );
        }
        if (ev.extendedProperties?.private) {
          assert.equal(m.extendedProperties?.private, undefined, "private properties stay home");
        }
        const get = async (fields?: string) =>
          (await p.source.events.get({
            calendarId: p.sourceCal,
            eventId: ev.id!,
            ...(fields ? { fields } : {}),
          })).data;
        const [whole, part] = [await get(), await get(SOURCE_EVENT_FIELDS)];
        assert.deepEqual(reading(part, now), reading(whole, now), `get ${ev.summary ?? ev.id}`);
        assert.equal("htmlLink" in part, false);
      }
      const paged = await p.source.events.list({
        calendarId: p.sourceCal,
        maxResults: 2,
        fields: EVENT_LIST_FIELDS,
      });
      assert.ok(paged.data.nextPageToken, "the page token survives the mask");
    });
  },
);

Deno.test(
  "runSync() through the field masks mirrors the source, then costs one request",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      const now = new Date();
      await seedVariety(p);
      const first = await p.sync({ now });
      assert.equal(first.status, "success", JSON.stringify(first.failures));
      // Working location, and the copy another config made: its markers came through the mask.
      assert.equal(first.events_skipped, 2);
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
      const config = await getSyncConfig(p.db, p.config.id, p.config.user_id);
      assert.ok(
        config?.sync_token,
        "the sync token came through the mask: the next run is incremental",
      );
      const before = await sb.requests();
      const again = await p.sync({ now });
      assert.equal(again.api_calls, 1);
      assert.equal((await sb.requests()) - before, 1);
    });
  },
);

Deno.test(
  "runSync() receives a fraction of the bytes through the field masks",
  opts,
  async () => {
    const received = async (partialResponses: boolean) => {
      let bytes = 0;
      await withPair(async (p, sb) => {
        for (let i = 0; i < 20; i++) {
          await addEvent(p, {
            summary: `Event ${i}`,
            description: "Agenda",
            start: { dateTime: at(1 + i / 4), timeZone: "UTC" },
            end: { dateTime: at(1 + i / 4 + 0.04), timeZone: "UTC" },
          });
        }
        const stats = async () =>
          ((await sb.control("stats", undefined, "GET")) as { bytesSent: number }).bytesSent;
        const before = await stats();
        const r = await p.sync({ partialResponses });
        assert.equal(r.events_created, 20);
        bytes = (await stats()) - before;
      });
      return bytes;
    };
    const full = await received(false);
    const masked = await received(true);
    assert.ok(masked < full / 2, `${masked} bytes with the masks, ${full} without`);
  },
);
