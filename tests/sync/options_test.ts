/** Sync options through the sandbox: privacy, fields, marking, filters, and changing them. */
import assert from "node:assert/strict";
import { addEvent, at, listRaw, type Pair, withPair } from "./_helpers.ts";
import { setOptions } from "./_options.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

const titles = async (p: Pair) =>
  (await listRaw(p.dest, p.destCal)).map((e) => e.summary ?? "").sort();

Deno.test("busy mode with a prefix hides everything but the times", opts, async () => {
  await withPair(async (p) => {
    await setOptions(p, { privacy: "busy", title_prefix: "[Work] " });
    const src = await addEvent(p, {
      summary: "Confidential medical",
      description: "Dr. X",
      location: "Clinic",
      colorId: "5",
      transparency: "transparent",
      start: { dateTime: at(1), timeZone: "Europe/Paris" },
      end: { dateTime: at(1.1), timeZone: "Europe/Paris" },
    });
    const result = await p.sync();
    assert.equal(result.status, "success");
    const [copy] = await listRaw(p.dest, p.destCal);
    assert.equal(copy.summary, "[Work] Busy");
    assert.equal(copy.description, undefined);
    assert.equal(copy.location, undefined);
    assert.equal(copy.colorId, undefined);
    assert.equal(copy.visibility, "private");
    assert.equal(copy.transparency, "transparent");
    assert.equal(Date.parse(copy.start!.dateTime!), Date.parse(src.start!.dateTime!));
  });
});

Deno.test("busy mode copies a series and its edited exception as busy", opts, async () => {
  await withPair(async (p) => {
    await setOptions(p, { privacy: "busy", busy_title: "Taken" });
    const series = await addEvent(p, {
      summary: "Therapy",
      description: "private",
      start: { dateTime: at(1), timeZone: "UTC" },
      end: { dateTime: at(1.05), timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"],
    });
    const inst = (await p.source.events.instances({ calendarId: p.sourceCal, eventId: series.id! }))
      .data.items!;
    const moved = new Date(Date.parse(inst[1].start!.dateTime!) + 3_600_000).toISOString();
    const movedEnd = new Date(Date.parse(inst[1].end!.dateTime!) + 3_600_000).toISOString();
    await p.source.events.patch({
      calendarId: p.sourceCal,
      eventId: inst[1].id!,
      requestBody: {
        summary: "Therapy (moved)",
        start: { dateTime: moved },
        end: { dateTime: movedEnd },
      },
    });
    assert.equal((await p.sync()).status, "success");
    const [copy] = (await listRaw(p.dest, p.destCal)).filter((e) => e.recurrence);
    assert.equal(copy.summary, "Taken");
    assert.deepEqual(copy.recurrence, ["RRULE:FREQ=WEEKLY;COUNT=4"]);
    const copies = (await p.dest.events.instances({ calendarId: p.destCal, eventId: copy.id! }))
      .data.items!;
    assert.equal(copies.length, 4);
    assert.deepEqual(copies.map((c) => c.summary), ["Taken", "Taken", "Taken", "Taken"]);
    assert.equal(Date.parse(copies[1].start!.dateTime!), Date.parse(moved));
    assert.ok(copies.every((c) => c.description === undefined));
  }, 60);
});

Deno.test("fields not copied are absent, and taken off existing copies", opts, async () => {
  await withPair(async (p) => {
    const body = (summary: string, extra = {}) => ({
      summary,
      start: { dateTime: at(2) },
      end: { dateTime: at(2.1) },
      ...extra,
    });
    await addEvent(p, body("Plain"));
    await addEvent(p, body("Rich", { description: "D", location: "L", colorId: "3" }));
    assert.equal((await p.sync()).events_created, 2);
    await setOptions(p, { copy_description: false, copy_location: false, copy_color: false });
    const result = await p.sync();
    // Only the copy the change touches is written again.
    assert.equal(result.events_updated, 1);
    assert.equal(result.events_created, 0);
    const rich = (await listRaw(p.dest, p.destCal)).find((e) => e.summary === "Rich")!;
    assert.equal(rich.description, undefined);
    assert.equal(rich.location, undefined);
    assert.equal(rich.colorId, undefined);
    // A prefix and a colour touch every copy, once; then nothing.
    await setOptions(p, { title_prefix: "[W] ", dest_color_id: "11" });
    const marked = await p.sync();
    assert.equal(marked.events_updated, 2);
    assert.deepEqual(await titles(p), ["[W] Plain", "[W] Rich"]);
    assert.ok((await listRaw(p.dest, p.destCal)).every((e) => e.colorId === "11"));
    const again = await p.sync();
    assert.equal(again.events_updated + again.events_created + again.events_deleted, 0);
  });
});

Deno.test("each filter leaves its events out; lifting it brings them back", opts, async () => {
  await withPair(async (p) => {
    const t = (d: number) => ({ start: { dateTime: at(d) }, end: { dateTime: at(d + 0.05) } });
    const me = p.sourceCal;
    const invited = (responseStatus: string) => [
      { email: me, self: true, responseStatus },
      { email: "boss@example.com", organizer: true, responseStatus: "accepted" },
    ];
    await addEvent(p, { summary: "Kept", ...t(1) });
    await addEvent(p, { summary: "Declined", attendees: invited("declined"), ...t(1.2) });
    await addEvent(p, { summary: "Maybe", attendees: invited("tentative"), ...t(1.3) });
    await addEvent(p, { summary: "Free", transparency: "transparent", ...t(1.4) });
    await addEvent(p, {
      summary: "Holiday",
      start: { date: at(3).slice(0, 10) },
      end: { date: at(4).slice(0, 10) },
    });
    await addEvent(p, { summary: "Lunch (personal)", ...t(1.5) });
    await addEvent(p, { summary: "Focus", eventType: "focusTime", ...t(1.6) });
    assert.equal((await p.sync()).events_created, 7);
    await setOptions(p, {
      filters: {
        skip_declined: true,
        skip_tentative: true,
        skip_free: true,
        skip_all_day: true,
        exclude_titles: ["PERSONAL"],
        event_types: ["default", "outOfOffice"],
      },
    });
    const filtered = await p.sync();
    assert.deepEqual(await titles(p), ["Kept"]);
    assert.equal(filtered.events_deleted, 6);
    assert.equal(filtered.events_skipped, 6);
    assert.deepEqual(await titles(p), ["Kept"]);
    await setOptions(p, { filters: { include_titles: ["kep", "decl"], skip_declined: false } });
    const back = await p.sync();
    assert.equal(back.events_created, 1);
    assert.deepEqual(await titles(p), ["Declined", "Kept"]);
  });
});

Deno.test("a filter that excludes one exception takes it off the copied series", opts, async () => {
  await withPair(async (p) => {
    const series = await addEvent(p, {
      summary: "Standup",
      start: { dateTime: at(1), timeZone: "UTC" },
      end: { dateTime: at(1.02), timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=5"],
    });
    const inst = (await p.source.events.instances({ calendarId: p.sourceCal, eventId: series.id! }))
      .data.items!;
    await p.source.events.patch({
      calendarId: p.sourceCal,
      eventId: inst[2].id!,
      requestBody: { summary: "Standup (optional)" },
    });
    await setOptions(p, { filters: { exclude_titles: ["optional"] } });
    assert.equal((await p.sync()).status, "success");
    const [copy] = (await listRaw(p.dest, p.destCal)).filter((e) => e.recurrence);
    const copies = async () =>
      (await p.dest.events.instances({ calendarId: p.destCal, eventId: copy.id! })).data.items!;
    assert.deepEqual((await copies()).map((c) => c.summary), Array(4).fill("Standup"));
    await setOptions(p, { filters: { exclude_titles: [] } });
    assert.equal((await p.sync()).status, "success");
    assert.deepEqual(
      (await copies()).map((c) => c.summary),
      ["Standup", "Standup", "Standup (optional)", "Standup", "Standup"],
    );
  }, 60);
});

Deno.test("a no-change run is one Calendar request whatever the options", opts, async () => {
  await withPair(async (p) => {
    await setOptions(p, {
      privacy: "busy",
      title_prefix: "[Work] ",
      dest_color_id: "2",
      filters: { skip_declined: true, exclude_titles: ["x"], skip_all_day: true },
    });
    await addEvent(p, { summary: "A", start: { dateTime: at(1) }, end: { dateTime: at(1.1) } });
    await addEvent(p, {
      summary: "S",
      end: { dateTime: at(2.1), timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
      start: { dateTime: at(2), timeZone: "UTC" },
    });
    await p.sync();
    await p.sync();
    const before = await p.sb.requests();
    const quiet = await p.sync();
    assert.equal(quiet.api_calls, 1);
    assert.equal(await p.sb.requests() - before, 1);
  });
});

Deno.test("a preview costs the source listing only and writes nothing", opts, async () => {
  await withPair(async (p) => {
    for (let i = 0; i < 5; i++) {
      await addEvent(p, {
        summary: `E${i}`,
        start: { dateTime: at(1 + i) },
        end: { dateTime: at(1.1 + i) },
      });
    }
    const before = await p.sb.requests();
    const dry = await p.sync({
      dryRun: true,
      config: { ...p.config, options: { privacy: "busy" }, sync_token: null, window_end: null },
    });
    assert.equal(await p.sb.requests() - before, 1);
    assert.equal(dry.api_calls, 1);
    assert.deepEqual(dry.preview?.counts, { create: 5, update: 0, delete: 0, skip: 0 });
    assert.deepEqual(dry.preview?.create.map((c) => c.summary), Array(5).fill("Busy"));
    assert.equal((await listRaw(p.dest, p.destCal)).length, 0);
  });
});
