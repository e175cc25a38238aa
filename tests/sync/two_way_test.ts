/** Two-way sync, scenario by scenario: both sides copied, edits to copies, conflicts, cost. */
import assert from "node:assert/strict";
import {
  at,
  type Calendar,
  type Event,
  listRaw,
  makePair,
  type Pair,
  testSandbox,
} from "./_helpers.ts";
import { COPY_MARKERS } from "@/lib/sync/transform.ts";
import { reverseKey } from "@/lib/sync/two_way.ts";
import { reviewSyncConfig } from "@/lib/db/sync_configs.ts";
import { setOptions } from "./_options.ts";

const LOOKAHEAD = 20;

async function insert(cal: Calendar, calendarId: string, summary: string, days: number) {
  const res = await cal.events.insert({
    calendarId,
    requestBody: {
      summary,
      start: { dateTime: at(days), timeZone: "UTC" },
      end: { dateTime: at(days + 1 / 24), timeZone: "UTC" },
    },
  });
  return res.data;
}

/** The copy, in `cal`, of the event `sourceId` made under `key`. */
export async function copyOf(cal: Calendar, calendarId: string, key: string, sourceId: string) {
  const all = await listRaw(cal, calendarId);
  return all.find((e: Event) =>
    e.extendedProperties?.shared?.[COPY_MARKERS.configId] === key &&
    e.extendedProperties?.shared?.[COPY_MARKERS.sourceId] === sourceId
  );
}

async function twoWay(fn: (p: Pair) => Promise<void>) {
  await using sb = await testSandbox();
  await fn(await makePair(sb, LOOKAHEAD, "two_way"));
}

Deno.test("two-way: each side's events are copied to the other, never copied back", async () => {
  await twoWay(async (p) => {
    const a = await insert(p.source, p.sourceCal, "In A", 1);
    const b = await insert(p.dest, p.destCal, "In B", 2);
    const first = await p.sync();
    assert.equal(first.status, "success", JSON.stringify(first.failures));
    assert.equal(first.a_to_b, 1);
    assert.equal(first.b_to_a, 1);
    assert.equal((await copyOf(p.dest, p.destCal, p.config.id, a.id!))?.summary, "In A");
    assert.equal(
      (await copyOf(p.source, p.sourceCal, reverseKey(p.config.id), b.id!))?.summary,
      "In B",
    );
    assert.equal((await listRaw(p.source, p.sourceCal)).length, 2, "no copy of a copy");
    assert.equal((await listRaw(p.dest, p.destCal)).length, 2);
    const again = await p.sync();
    assert.equal(again.api_calls, 2, "a run with no change: one listing per side");
    assert.equal(again.a_to_b + again.b_to_a, 0);
  });
});

Deno.test("two-way: an edit made to a copy flows back to its original", async () => {
  await twoWay(async (p) => {
    const a = await insert(p.source, p.sourceCal, "Meeting", 1);
    await p.sync();
    const copy = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    await p.dest.events.patch({
      calendarId: p.destCal,
      eventId: copy.id!,
      requestBody: {
        summary: "Moved meeting",
        start: { dateTime: at(3), timeZone: "UTC" },
        end: { dateTime: at(3 + 1 / 24), timeZone: "UTC" },
      },
    });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.equal(r.conflicts, 0);
    const original = (await p.source.events.get({ calendarId: p.sourceCal, eventId: a.id! })).data;
    assert.equal(original.summary, "Moved meeting");
    assert.equal(Date.parse(original.start!.dateTime!), Date.parse(at(3)));
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a, 0, "settled: nothing more to write");
    assert.equal(again.api_calls, 2);
  });
});

Deno.test("two-way: a conflict goes to the later change, the loser is logged", async () => {
  await twoWay(async (p) => {
    const b = await insert(p.dest, p.destCal, "Lunch", 1);
    await p.sync();
    const copy = (await copyOf(p.source, p.sourceCal, reverseKey(p.config.id), b.id!))!;
    await p.dest.events.patch({
      calendarId: p.destCal,
      eventId: b.id!,
      requestBody: { summary: "Lunch (original edit)" },
    });
    await new Promise((r) => setTimeout(r, 5));
    await p.source.events.patch({
      calendarId: p.sourceCal,
      eventId: copy.id!,
      requestBody: { summary: "Lunch (copy edit, later)" },
    });
    const r = await p.sync();
    assert.equal(r.conflicts, 1);
    assert.equal(r.conflict_details?.[0].winner, "copy");
    assert.equal(r.conflict_details?.[0].original.summary, "Lunch (original edit)");
    const original = (await p.dest.events.get({ calendarId: p.destCal, eventId: b.id! })).data;
    assert.equal(original.summary, "Lunch (copy edit, later)");
    const rows = await p.db.query<{ conflicts: number; conflict_details: unknown[] }>(
      `SELECT conflicts, conflict_details FROM sync_logs WHERE id = $1`,
      [r.sync_log_id],
    );
    assert.equal(rows[0].conflicts, 1);
    assert.equal(rows[0].conflict_details.length, 1);
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0);
  });
});

Deno.test("two-way full mode: a deleted copy deletes its original", async () => {
  await twoWay(async (p) => {
    const a = await insert(p.source, p.sourceCal, "Drop", 1);
    const keep = await insert(p.source, p.sourceCal, "Keep", 2);
    await p.sync();
    const copy = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    await p.dest.events.delete({ calendarId: p.destCal, eventId: copy.id! });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.deepEqual((await listRaw(p.source, p.sourceCal)).map((e) => e.id), [keep.id]);
    assert.deepEqual((await listRaw(p.dest, p.destCal)).map((e) => e.summary), ["Keep"]);
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a, 0, "settled");
  });
});

Deno.test("two-way full mode: many deleted copies wait for review before originals go", async () => {
  await twoWay(async (p) => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push((await insert(p.source, p.sourceCal, `E${i}`, 1 + i / 10)).id!);
    }
    await p.sync();
    for (const e of await listRaw(p.dest, p.destCal)) {
      await p.dest.events.delete({ calendarId: p.destCal, eventId: e.id! });
    }
    const held = await p.sync();
    assert.equal(held.status, "needs_review");
    assert.equal((await listRaw(p.source, p.sourceCal)).length, 12, "no original deleted");
    assert.equal((await p.sync()).status, "needs_review", "held until someone answers");
    assert.ok(await reviewSyncConfig(p.db, p.config.id, p.config.user_id, "apply"));
    const applied = await p.sync();
    assert.equal(applied.status, "success", JSON.stringify(applied.failures));
    assert.equal((await listRaw(p.source, p.sourceCal)).length, 0);
    assert.equal((await listRaw(p.dest, p.destCal)).length, 0);
  });
});

Deno.test("two-way busy mode: a deleted copy is made again; a deleted original takes its copy", async () => {
  await twoWay(async (p) => {
    await setOptions(p, { privacy: "busy" });
    const a = await insert(p.source, p.sourceCal, "Keep", 1);
    const gone = await insert(p.source, p.sourceCal, "Gone", 2);
    await p.sync();
    const copy = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    await p.dest.events.delete({ calendarId: p.destCal, eventId: copy.id! });
    await p.source.events.delete({ calendarId: p.sourceCal, eventId: gone.id! });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    const dest = await listRaw(p.dest, p.destCal);
    assert.deepEqual(dest.map((e) => e.summary), ["Busy"]);
    assert.notEqual(dest[0].id, copy.id, "a new generation");
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a, 0);
  });
});

Deno.test("one way → two way → one way in place: no copy made again", async () => {
  await using sb = await testSandbox();
  const p = await makePair(sb, LOOKAHEAD);
  const a = await insert(p.source, p.sourceCal, "A", 1);
  await p.sync();
  const before = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
  await p.db.query(`UPDATE sync_configs SET direction = 'two_way' WHERE id = $1`, [p.config.id]);
  await insert(p.dest, p.destCal, "B", 2);
  const r = await p.sync();
  assert.equal(r.a_to_b, 0, "the A → B copies stay as they are");
  assert.equal(r.b_to_a, 1);
  const after = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
  assert.equal(after.id, before.id);
  assert.equal(after.etag, before.etag);
  await p.db.query(`UPDATE sync_configs SET direction = 'one_way' WHERE id = $1`, [p.config.id]);
  const back = await p.sync();
  assert.equal(back.events_created + back.events_updated + back.events_deleted, 0);
});

Deno.test("two-way busy mode: an edit to a copy is reverted and logged, the original kept", async () => {
  await twoWay(async (p) => {
    await setOptions(p, { privacy: "busy" });
    const a = await insert(p.source, p.sourceCal, "Secret meeting", 1);
    await p.sync();
    const copy = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    assert.equal(copy.summary, "Busy");
    await p.dest.events.patch({
      calendarId: p.destCal,
      eventId: copy.id!,
      requestBody: {
        summary: "Edited copy",
        start: { dateTime: at(4), timeZone: "UTC" },
        end: { dateTime: at(4 + 1 / 24), timeZone: "UTC" },
      },
    });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.equal(r.conflicts, 1, "the revert is logged");
    assert.equal(r.conflict_details?.[0].winner, "original");
    assert.equal(r.conflict_details?.[0].copy.summary, "Edited copy");
    const original = (await p.source.events.get({ calendarId: p.sourceCal, eventId: a.id! })).data;
    assert.equal(original.summary, "Secret meeting", "nothing flows back");
    assert.equal(Date.parse(original.start!.dateTime!), Date.parse(at(1)));
    const rewritten = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    assert.equal(rewritten.summary, "Busy");
    assert.equal(Date.parse(rewritten.start!.dateTime!), Date.parse(at(1)));
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0, "settled");
  });
});

Deno.test("two-way full mode: a copy deleted, then its original edited: the edit wins, the copy comes back", async () => {
  await twoWay(async (p) => {
    const a = await insert(p.source, p.sourceCal, "Planning", 1);
    await p.sync();
    const copy = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    await p.dest.events.delete({ calendarId: p.destCal, eventId: copy.id! });
    await new Promise((r) => setTimeout(r, 5));
    await p.source.events.patch({
      calendarId: p.sourceCal,
      eventId: a.id!,
      requestBody: { summary: "Planning (moved on)" },
    });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.equal(r.conflicts, 1, "a deletion against an edit is a conflict");
    assert.equal(r.conflict_details?.[0].winner, "original");
    const original = (await p.source.events.get({ calendarId: p.sourceCal, eventId: a.id! })).data;
    assert.equal(original.status, "confirmed", "the original stays");
    const again = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    assert.equal(again.summary, "Planning (moved on)", "the copy is made again");
    assert.notEqual(again.id, copy.id, "under a new id");
    const settled = await p.sync();
    assert.equal(settled.a_to_b + settled.b_to_a + settled.conflicts, 0);
  });
});

Deno.test("two-way full mode: an original edited, then its copy deleted: the deletion wins", async () => {
  await twoWay(async (p) => {
    const a = await insert(p.source, p.sourceCal, "Review", 1);
    await p.sync();
    const copy = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    await p.source.events.patch({
      calendarId: p.sourceCal,
      eventId: a.id!,
      requestBody: { summary: "Review (edited first)" },
    });
    await new Promise((r) => setTimeout(r, 5));
    await p.dest.events.delete({ calendarId: p.destCal, eventId: copy.id! });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.equal(r.conflicts, 1);
    assert.equal(r.conflict_details?.[0].winner, "copy");
    assert.equal(r.conflict_details?.[0].original.summary, "Review (edited first)");
    assert.deepEqual(await listRaw(p.source, p.sourceCal), [], "the original went with it");
    assert.deepEqual(await listRaw(p.dest, p.destCal), []);
  });
});

Deno.test("two-way: a copy deleted before the first run was kept (full listing) still counts", async () => {
  await twoWay(async (p) => {
    const a = await insert(p.source, p.sourceCal, "Gone", 1);
    const keep = await insert(p.source, p.sourceCal, "Kept", 2);
    await p.sync();
    // No cursor on B's side: the next run lists B in full, where a deleted event does not show.
    await p.db.query(
      `UPDATE sync_configs SET reverse_sync_token = NULL, reverse_window_end = NULL WHERE id = $1`,
      [p.config.id],
    );
    const copy = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    await p.dest.events.delete({ calendarId: p.destCal, eventId: copy.id! });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.deepEqual((await listRaw(p.source, p.sourceCal)).map((e) => e.id), [keep.id]);
    assert.deepEqual((await listRaw(p.dest, p.destCal)).map((e) => e.summary), ["Kept"]);
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a, 0, "settled");
  });
});

/** A daily series of five in A, copied to B; the copy's occurrences in B. */
async function copiedSeries(p: Pair) {
  const series = (await p.source.events.insert({
    calendarId: p.sourceCal,
    requestBody: {
      summary: "Standup",
      start: { dateTime: at(1), timeZone: "UTC" },
      end: { dateTime: at(1 + 1 / 24), timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=5"],
    },
  })).data;
  const first = await p.sync();
  assert.equal(first.status, "success", JSON.stringify(first.failures));
  const copy = (await copyOf(p.dest, p.destCal, p.config.id, series.id!))!;
  const occurrences = async (cal: Calendar, calendarId: string, eventId: string) =>
    (await cal.events.instances({ calendarId, eventId })).data.items ?? [];
  return {
    series,
    copy,
    inA: () => occurrences(p.source, p.sourceCal, series.id!),
    inB: () => occurrences(p.dest, p.destCal, copy.id!),
  };
}

const shifted = (t: string, hours: number) =>
  new Date(Date.parse(t) + hours * 3_600_000).toISOString();

Deno.test("two-way full mode: one occurrence of a copied series moved in B moves it in A", async () => {
  await twoWay(async (p) => {
    const s = await copiedSeries(p);
    const third = (await s.inB())[2];
    await p.dest.events.patch({
      calendarId: p.destCal,
      eventId: third.id!,
      requestBody: {
        summary: "Standup (later)",
        start: { dateTime: shifted(third.start!.dateTime!, 2), timeZone: "UTC" },
        end: { dateTime: shifted(third.end!.dateTime!, 2), timeZone: "UTC" },
      },
    });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.equal(r.conflicts, 0);
    const inA = await s.inA();
    assert.equal(inA.length, 5);
    assert.equal(inA[2].summary, "Standup (later)", "the exception flowed back");
    assert.equal(
      Date.parse(inA[2].start!.dateTime!),
      Date.parse(shifted(third.start!.dateTime!, 2)),
    );
    assert.deepEqual(
      inA.filter((_, i) => i !== 2).map((e) => e.summary),
      ["Standup", "Standup", "Standup", "Standup"],
      "the other occurrences are untouched",
    );
    assert.equal((await s.inB())[2].summary, "Standup (later)");
    const again = await p.sync();
    assert.equal(again.api_calls, 2, "settled: one listing per side");
    assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0, JSON.stringify(again));
  });
});

Deno.test("two-way full mode: one occurrence of a copied series cancelled in B is cancelled in A", async () => {
  await twoWay(async (p) => {
    const s = await copiedSeries(p);
    const second = (await s.inB())[1];
    await p.dest.events.delete({ calendarId: p.destCal, eventId: second.id! });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    const inA = await s.inA();
    assert.equal(inA.length, 4, "the occurrence is cancelled in A too");
    assert.ok(
      !inA.some((e) => e.originalStartTime?.dateTime === second.originalStartTime?.dateTime),
    );
    assert.equal((await s.inB()).length, 4);
    const original = (await p.source.events.get({ calendarId: p.sourceCal, eventId: s.series.id! }))
      .data;
    assert.equal(original.status, "confirmed", "the series itself stays");
    const again = await p.sync();
    assert.equal(again.api_calls, 2);
    assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0, JSON.stringify(again));
  });
});

Deno.test("two-way: an occurrence edited in B and the same occurrence later in A: A's wins", async () => {
  await twoWay(async (p) => {
    const s = await copiedSeries(p);
    const [inB, inA] = [await s.inB(), await s.inA()];
    await p.dest.events.patch({
      calendarId: p.destCal,
      eventId: inB[3].id!,
      requestBody: { summary: "copy edit" },
    });
    await new Promise((r) => setTimeout(r, 5));
    await p.source.events.patch({
      calendarId: p.sourceCal,
      eventId: inA[3].id!,
      requestBody: { summary: "original edit, later" },
    });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.equal(r.conflicts, 1);
    assert.equal(r.conflict_details?.[0].winner, "original");
    assert.equal((await s.inA())[3].summary, "original edit, later");
    assert.equal((await s.inB())[3].summary, "original edit, later");
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0, JSON.stringify(again));
  });
});

Deno.test("two-way busy mode: occurrences of a copied series are read-only too", async () => {
  await twoWay(async (p) => {
    await setOptions(p, { privacy: "busy" });
    const s = await copiedSeries(p);
    const inB = await s.inB();
    await p.dest.events.patch({
      calendarId: p.destCal,
      eventId: inB[0].id!,
      requestBody: { summary: "Edited occurrence" },
    });
    await p.dest.events.delete({ calendarId: p.destCal, eventId: inB[4].id! });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.equal(r.conflicts, 2, "both reverts are logged");
    assert.deepEqual((await s.inA()).map((e) => e.summary), Array(5).fill("Standup"));
    assert.deepEqual((await s.inB()).map((e) => e.summary), Array(5).fill("Busy"), "undone");
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0, JSON.stringify(again));
  });
});

Deno.test("two-way: an occurrence edited in B, then the whole series moved in A: the move wins", async () => {
  await twoWay(async (p) => {
    const s = await copiedSeries(p);
    await p.dest.events.patch({
      calendarId: p.destCal,
      eventId: (await s.inB())[0].id!,
      requestBody: { summary: "copy edit" },
    });
    await new Promise((r) => setTimeout(r, 5));
    await p.source.events.patch({
      calendarId: p.sourceCal,
      eventId: s.series.id!,
      requestBody: {
        start: { dateTime: at(1 + 3 / 24), timeZone: "UTC" },
        end: { dateTime: at(1 + 4 / 24), timeZone: "UTC" },
      },
    });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    const [inA, inB] = [await s.inA(), await s.inB()];
    assert.deepEqual(inA.map((e) => e.summary), Array(5).fill("Standup"));
    assert.deepEqual(
      inB.map((e) => [e.summary, e.start?.dateTime]),
      inA.map((e) => [e.summary, e.start?.dateTime]),
      "the copy's stray exception is gone, its occurrences where A's are",
    );
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0, JSON.stringify(again));
  });
});

Deno.test("two-way with a prefix, descriptions not copied: an edit to a copy takes neither back", async () => {
  await twoWay(async (p) => {
    await setOptions(p, { title_prefix: "[W] ", copy_description: false });
    const a = await insert(p.source, p.sourceCal, "Sync", 1);
    await p.source.events.patch({
      calendarId: p.sourceCal,
      eventId: a.id!,
      requestBody: { description: "private notes" },
    });
    await p.sync();
    const copy = (await copyOf(p.dest, p.destCal, p.config.id, a.id!))!;
    assert.equal(copy.summary, "[W] Sync");
    await p.dest.events.patch({
      calendarId: p.destCal,
      eventId: copy.id!,
      requestBody: {
        summary: "[W] Sync (moved)",
        start: { dateTime: at(2), timeZone: "UTC" },
        end: { dateTime: at(2 + 1 / 24), timeZone: "UTC" },
      },
    });
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    const original = (await p.source.events.get({ calendarId: p.sourceCal, eventId: a.id! })).data;
    assert.equal(original.summary, "Sync (moved)", "the prefix is the copy's, not the original's");
    assert.equal(original.description, "private notes", "not copied, so not cleared either");
    assert.equal(Date.parse(original.start!.dateTime!), Date.parse(at(2)));
    assert.equal(
      (await copyOf(p.dest, p.destCal, p.config.id, a.id!))?.summary,
      "[W] Sync (moved)",
    );
    const again = await p.sync();
    assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0, JSON.stringify(again));
  });
});

Deno.test("two-way: an occurrence edit lost to a series change follows the series' next change", async () => {
  // Issue 17: the lost edit's occurrence is written again from its original, an occurrence that
  // is no exception. The copy's occurrence stays an exception (Google keeps an exception's fields
  // when its series changes), so the series' next change must be written to it too.
  await twoWay(async (p) => {
    const s = await copiedSeries(p);
    await p.dest.events.patch({
      calendarId: p.destCal,
      eventId: (await s.inB())[0].id!,
      requestBody: { summary: "copy edit" },
    });
    await new Promise((r) => setTimeout(r, 5));
    const retitle = (summary: string) =>
      p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: s.series.id!,
        requestBody: { summary },
      });
    await retitle("Retro");
    const r = await p.sync();
    assert.equal(r.status, "success", JSON.stringify(r.failures));
    assert.equal(r.conflict_details?.[0]?.winner, "original");
    assert.deepEqual((await s.inB()).map((e) => e.summary), Array(5).fill("Retro"));
    await retitle("Planning");
    const next = await p.sync();
    assert.equal(next.status, "success", JSON.stringify(next.failures));
    assert.deepEqual((await s.inA()).map((e) => e.summary), Array(5).fill("Planning"));
    assert.deepEqual(
      (await s.inB()).map((e) => e.summary),
      Array(5).fill("Planning"),
      "the occurrence the lost edit left as an exception follows its series",
    );
    const again = await p.sync();
    assert.equal(again.api_calls, 2, "settled: one listing per side");
    assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0, JSON.stringify(again));
  });
});
