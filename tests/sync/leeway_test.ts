/**
 * The leeway Google's reference allows itself, turned on in the sandbox: pages short or empty
 * while more remain (`sparse_pages`), and cancelled events listed with all their details
 * (`full_tombstones`). The engine must page by token and decide "deleted" from `status` alone.
 */
import assert from "node:assert/strict";
import {
  addEvent,
  at,
  type Event,
  mirrorOf,
  type Pair,
  type Sandboxed,
  withPair,
} from "./_helpers.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

async function sparsePages(sb: Sandboxed): Promise<number> {
  return ((await sb.control("stats", undefined, "GET")) as { sparsePages: number }).sparsePages;
}

async function series(p: Pair, summary: string, day: number): Promise<Event[]> {
  const master = await addEvent(p, {
    summary,
    start: { dateTime: at(day), timeZone: "UTC" },
    end: { dateTime: at(day + 0.02), timeZone: "UTC" },
    recurrence: ["RRULE:FREQ=DAILY;COUNT=6"],
  });
  const res = await p.source.events.instances({ calendarId: p.sourceCal, eventId: master.id! });
  return [master, ...res.data.items!];
}

Deno.test(
  "runSync() mirrors exactly through short and empty pages, on a full and an incremental run",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      const now = new Date();
      const singles: Event[] = [];
      for (let i = 0; i < 40; i++) {
        singles.push(
          await addEvent(p, {
            summary: `Event ${i}`,
            start: { dateTime: at(1 + i / 2), timeZone: "UTC" },
            end: { dateTime: at(1 + i / 2 + 0.04), timeZone: "UTC" },
          }),
        );
      }
      const [standup, , second] = await series(p, "Standup", 1.3);
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: second.id!,
        requestBody: { summary: "Standup (demo)" },
      });
      // Every page short or empty while more remain (at most three empty ones in a row).
      await sb.control("faults", { sparse_pages: { rate: 1 } });

      let sparse = await sparsePages(sb);
      const full = await p.sync({ now });
      assert.equal(full.status, "success", JSON.stringify(full.failures));
      assert.equal(full.events_created, 41);
      assert.ok((await sparsePages(sb)) > sparse, "the full listing met short or empty pages");
      let m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);

      for (let i = 0; i < 5; i++) {
        await addEvent(p, {
          summary: `Later ${i}`,
          start: { dateTime: at(3 + i), timeZone: "UTC" },
          end: { dateTime: at(3 + i + 0.04), timeZone: "UTC" },
        });
      }
      for (const ev of singles.slice(0, 3)) {
        await p.source.events.patch({
          calendarId: p.sourceCal,
          eventId: ev.id!,
          requestBody: { summary: `${ev.summary} (renamed)` },
        });
      }
      for (const ev of singles.slice(3, 6)) {
        await p.source.events.delete({ calendarId: p.sourceCal, eventId: ev.id! });
      }
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: standup.id!,
        requestBody: { summary: "Daily standup" },
      });
      sparse = await sparsePages(sb);
      const incremental = await p.sync({ now });
      assert.equal(incremental.status, "success", JSON.stringify(incremental.failures));
      assert.equal(incremental.events_created, 5);
      assert.equal(incremental.events_deleted, 3);
      // Three renamed events, the series, and its exception written again onto it.
      assert.equal(incremental.events_updated, 5);
      assert.ok((await sparsePages(sb)) > sparse, "the incremental listing met them too");
      m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);

      const idle = await p.sync({ now });
      assert.equal(idle.events_created + idle.events_updated + idle.events_deleted, 0);
    });
  },
);

Deno.test(
  "runSync() deletes what is cancelled even when Google lists it with all its details",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      const now = new Date();
      const [master, , moved, dropped] = await series(p, "Review", 2);
      const single = await addEvent(p, {
        summary: "Lunch",
        start: { dateTime: at(4), timeZone: "UTC" },
        end: { dateTime: at(4.04), timeZone: "UTC" },
      });
      // An exception with a title and time of its own: cancelled, it still carries them.
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: moved.id!,
        requestBody: {
          summary: "Review (moved)",
          start: { dateTime: at(3.5), timeZone: "UTC" },
          end: { dateTime: at(3.52), timeZone: "UTC" },
        },
      });
      assert.equal((await p.sync({ now })).status, "success");
      let m = await mirrorOf(p, now, 30);
      assert.ok(m.dest.some((e) => e.summary === "Review (moved)"));

      await sb.control("faults", { full_tombstones: true });
      await p.source.events.delete({ calendarId: p.sourceCal, eventId: moved.id! });
      await p.source.events.delete({ calendarId: p.sourceCal, eventId: dropped.id! });
      await p.source.events.delete({ calendarId: p.sourceCal, eventId: single.id! });
      const deleted = await p.sync({ now });
      assert.equal(deleted.status, "success", JSON.stringify(deleted.failures));
      m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
      // Renaming the series makes the next run list all its exceptions (showDeleted): the
      // cancelled ones come back with their summary, start and end.
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: master.id!,
        requestBody: { summary: "Weekly review" },
      });
      const listed = await p.source.events.list({
        calendarId: p.sourceCal,
        iCalUID: master.iCalUID!,
        showDeleted: true,
      });
      const tomb = listed.data.items!.find((e) => e.id === moved.id)!;
      assert.deepEqual([tomb.status, tomb.summary], ["cancelled", "Review (moved)"]);

      const r = await p.sync({ now });
      assert.equal(r.status, "success", JSON.stringify(r.failures));
      m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
      assert.equal(m.dest.some((e) => e.summary === "Review (moved)"), false);
      assert.equal(m.dest.some((e) => e.summary === "Lunch"), false);
      assert.equal(m.dest.filter((e) => e.summary === "Weekly review").length, 4);
    });
  },
);

Deno.test(
  "runSync() copies an all-day event of yesterday alike in full and incremental runs at 05:00 UTC",
  opts,
  async () => {
    await withPair(async (p) => {
      // At 05:00 UTC yesterday's date is still a day in zones west of UTC: the planner keeps
      // all-day dates 14 h wider on each side, and the full listing must reach as far.
      const today = new Date().toISOString().slice(0, 10);
      const now = new Date(`${today}T05:00:00Z`);
      const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
      const ev = await addEvent(p, {
        summary: "Offsite",
        start: { date: yesterday },
        end: { date: today },
      });
      const full = await p.sync({ now });
      assert.equal(full.events_created, 1, "the full listing found it");
      const copy = (await p.dest.events.list({ calendarId: p.destCal })).data.items!;
      assert.deepEqual(copy.map((e) => e.start?.date), [yesterday]);
      // An incremental run, which sees the edit, updates that copy: no second one, no removal.
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: ev.id!,
        requestBody: { summary: "Offsite, day 2" },
      });
      const next = await p.sync({ now });
      assert.deepEqual(
        [next.events_created, next.events_updated, next.events_deleted],
        [0, 1, 0],
      );
    });
  },
);
