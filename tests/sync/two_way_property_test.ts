/**
 * Two-way sync under random edits on BOTH calendars — creates, edits and deletions of originals
 * and of copies, moves in and out of the window, series and instance edits (occurrences of an
 * original series or of its copy), conflicting changes of one event on both sides between two
 * runs (the copy edited or deleted) — interleaved with runs killed at random points (a write sent
 * or not before the process dies, on either calendar), in full mode or (one config in four) busy
 * mode, where copies are read-only: the model knows an edit to a copy is undone and a deleted
 * copy comes back. After a final clean run each side's window equals the other's copies of it
 * (expectedCopy, written apart from the engine), every copied series shows what its original
 * shows, no event has two copies, and a further run costs two requests and writes nothing.
 * SYNC_PROPERTY_RUNS sets the number of sequences (default 200); SYNC_PROPERTY_SEED replays one.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  actualCopies,
  asBusy,
  assertSeriesMirror,
  at,
  type Calendar,
  DAY,
  type Event,
  expanded,
  expectedCopies,
  listRaw,
  makePair,
  type Pair,
  testSandbox,
} from "./_helpers.ts";
import { COPY_MARKERS } from "@/lib/sync/transform.ts";
import { reverseKey } from "@/lib/sync/two_way.ts";
import { setOptions } from "./_options.ts";

const LOOKAHEAD = 20;

type Side = "a" | "b";
type Target = "original" | "copy";
type Action =
  | { t: "single"; side: Side; day: number; hour: number; allDay: boolean }
  | { t: "series"; side: Side; day: number; hour: number; daily: boolean; count: number }
  | { t: "retitle"; side: Side; pick: number; target: Target }
  | { t: "move"; side: Side; pick: number; day: number; target: Target }
  | { t: "delete"; side: Side; pick: number; target: Target }
  | {
    t: "instance";
    side: Side;
    pick: number;
    inst: number;
    kind: "retitle" | "move" | "cancel";
    /** An occurrence of the original series, or of its copy in the other calendar. */
    target: Target;
  }
  /** Original and copy both changed between two runs; `deleteCopy`: the copy's change deletes it. */
  | { t: "conflict"; side: Side; pick: number; copyLast: boolean; deleteCopy: boolean }
  | { t: "sync" }
  | { t: "killed"; after: number; lost: boolean };

const side = fc.constantFrom<Side>("a", "b");
const target = fc.constantFrom<Target>("original", "copy");
const day = fc.integer({ min: -3, max: LOOKAHEAD + 8 });
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("single" as const),
      side,
      day,
      hour: fc.integer({ min: 0, max: 23 }),
      allDay: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("series" as const),
      side,
      day: fc.integer({ min: -10, max: LOOKAHEAD + 3 }),
      hour: fc.integer({ min: 0, max: 23 }),
      daily: fc.boolean(),
      count: fc.integer({ min: 0, max: 6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant("retitle" as const), side, pick: fc.nat(), target }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("move" as const), side, pick: fc.nat(), day, target }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("delete" as const), side, pick: fc.nat(), target }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("instance" as const),
      side,
      pick: fc.nat(),
      inst: fc.nat({ max: 8 }),
      kind: fc.constantFrom("retitle" as const, "move" as const, "cancel" as const),
      target,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("conflict" as const),
      side,
      pick: fc.nat(),
      copyLast: fc.boolean(),
      deleteCopy: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ t: "sync" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("killed" as const),
      after: fc.nat({ max: 10 }),
      lost: fc.boolean(),
    }),
  },
);

interface Original {
  id: string;
  side: Side;
  allDay: boolean;
  series: boolean;
  /**
   * The title the last edit gave it, on either side (single events): what it must show at the
   * end. Unknown (undefined) once a move or a copy's deletion may have won over it as a whole.
   */
  title?: string;
}

interface World {
  p: Pair;
  base: number;
  originals: Original[];
  /** Busy mode: copies are read-only (an edit reverted, a deleted copy made again). */
  busy: boolean;
}

const calOf = (w: World, s: Side): [Calendar, string] =>
  s === "a" ? [w.p.source, w.p.sourceCal] : [w.p.dest, w.p.destCal];
const other = (s: Side): Side => s === "a" ? "b" : "a";
/** The marker of the copies of side `s`'s events. */
const keyOf = (w: World, s: Side) => s === "a" ? w.p.config.id : reverseKey(w.p.config.id);

function times(base: number, d: number, hour: number, allDay: boolean) {
  const startMs = base + d * DAY + hour * 3_600_000;
  if (allDay) {
    const date = new Date(startMs).toISOString().slice(0, 10);
    const end = new Date(Date.parse(date) + DAY).toISOString().slice(0, 10);
    return { start: { date }, end: { date: end } };
  }
  return {
    start: { dateTime: at(0, startMs), timeZone: "UTC" },
    end: { dateTime: at(1 / 24, startMs), timeZone: "UTC" },
  };
}

/** The event an action edits: the original, or its copy in the other calendar (if made yet). */
async function targetOf(w: World, o: Original, t: Target) {
  if (t === "original") return { cal: calOf(w, o.side), id: o.id };
  const [cal, calendarId] = calOf(w, other(o.side));
  const copy = (await listRaw(cal, calendarId)).find((e: Event) =>
    e.extendedProperties?.shared?.[COPY_MARKERS.configId] === keyOf(w, o.side) &&
    e.extendedProperties?.shared?.[COPY_MARKERS.sourceId] === o.id && !e.recurringEventId
  );
  return copy ? { cal: [cal, calendarId] as [Calendar, string], id: copy.id! } : undefined;
}

function pick(w: World, s: Side, i: number, series = false) {
  const own = w.originals.filter((o) => o.side === s && (!series || o.series));
  return own.length ? own[i % own.length] : undefined;
}

async function patch(w: World, o: Original, t: Target, body: Event) {
  const e = await targetOf(w, o, t);
  if (!e) return;
  // Busy mode: an edit to a copy is reverted, the original keeps what it shows.
  if (!(w.busy && t === "copy")) o.title = body.summary && !o.series ? body.summary : undefined;
  const [cal, calendarId] = e.cal;
  await cal.events.patch({ calendarId, eventId: e.id, requestBody: body });
}

async function create(w: World, a: Action & { t: "single" | "series" }, n: number) {
  const [cal, calendarId] = calOf(w, a.side);
  const series = a.t === "series";
  const rule = series
    ? [`RRULE:FREQ=${a.daily ? "DAILY" : "WEEKLY"}${a.count ? `;COUNT=${a.count}` : ""}`]
    : undefined;
  const allDay = a.t === "single" && a.allDay;
  const res = await cal.events.insert({
    calendarId,
    requestBody: {
      summary: `${a.side}${n}`,
      ...times(w.base, a.day, a.hour, allDay),
      recurrence: rule,
    },
  });
  w.originals.push({ id: res.data.id!, side: a.side, allDay, series, title: `${a.side}${n}` });
}

async function editInstance(w: World, a: Action & { t: "instance" }, n: number) {
  const o = pick(w, a.side, a.pick, true);
  const e = o && await targetOf(w, o, a.target);
  if (!e) return;
  const [cal, calendarId] = e.cal;
  const items = (await cal.events.instances({ calendarId, eventId: e.id })).data.items ?? [];
  const inst = items[a.inst % Math.max(1, items.length)];
  if (!inst) return;
  if (a.kind === "cancel") return void await cal.events.delete({ calendarId, eventId: inst.id! });
  const shift = (t: string) => new Date(Date.parse(t) + 2 * 3_600_000).toISOString();
  const requestBody = a.kind === "retitle" ? { summary: `i${n}` } : {
    start: { dateTime: shift(inst.start!.dateTime!), timeZone: "UTC" },
    end: { dateTime: shift(inst.end!.dateTime!), timeZone: "UTC" },
  };
  await cal.events.patch({ calendarId, eventId: inst.id!, requestBody });
}

async function deleteCopy(w: World, o: Original) {
  const e = await targetOf(w, o, "copy");
  if (e) await e.cal[0].events.delete({ calendarId: e.cal[1], eventId: e.id });
}

/** Both calendars' clients, aborting the run at its `after`-th write (sent first when `lost`). */
function killing(p: Pair, after: number, lost: boolean, controller: AbortController) {
  let writes = 0;
  const wrap = (c: Calendar): Calendar => {
    // deno-lint-ignore no-explicit-any
    const events: any = Object.create(c.events);
    for (const method of ["insert", "update", "delete", "patch"] as const) {
      // deno-lint-ignore no-explicit-any
      events[method] = async (params: any, o: any) => {
        if (writes++ === after) {
          if (lost) {
            // deno-lint-ignore no-explicit-any
            await (c.events[method] as any)(params, { ...o, signal: undefined }).catch(() => {});
          }
          controller.abort(new DOMException("killed", "AbortError"));
          throw new DOMException("killed", "AbortError");
        }
        // deno-lint-ignore no-explicit-any
        return await (c.events[method] as any)(params, o);
      };
    }
    return Object.create(c, { events: { value: events } });
  };
  return { source: wrap(p.source), dest: wrap(p.dest) };
}

async function apply(w: World, a: Action, n: number) {
  const now = new Date(w.base);
  switch (a.t) {
    case "single":
    case "series":
      return await create(w, a, n);
    case "retitle": {
      const o = pick(w, a.side, a.pick);
      return o && await patch(w, o, a.target, { summary: `t${n}` });
    }
    case "move": {
      const o = pick(w, a.side, a.pick);
      // A series is moved at its original only: moving a series' copy is not asked of anyone.
      if (!o || (o.series && a.target === "copy")) return;
      return await patch(w, o, a.target, times(w.base, a.day, 9, o.allDay));
    }
    case "delete": {
      const o = pick(w, a.side, a.pick);
      const e = o && await targetOf(w, o, a.target);
      if (!o || !e) return;
      await e.cal[0].events.delete({ calendarId: e.cal[1], eventId: e.id });
      // Busy mode: a deleted copy is made again, its original stays as it is.
      if (w.busy && a.target === "copy") return;
      // Full mode: a deleted copy deletes its original too (few at a time: the guard lets it).
      w.originals.splice(w.originals.indexOf(o), 1);
      o.title = undefined;
      return;
    }
    case "instance":
      return await editInstance(w, a, n);
    case "conflict": {
      const o = pick(w, a.side, a.pick);
      if (!o || !(await targetOf(w, o, "copy"))) return;
      const order: Target[] = a.copyLast ? ["original", "copy"] : ["copy", "original"];
      for (const t of order) {
        if (t === "copy" && a.deleteCopy) await deleteCopy(w, o);
        else await patch(w, o, t, { summary: `c${n}-${t}` });
        await new Promise((r) => setTimeout(r, 2));
      }
      // A deletion is a change like an edit: the later one wins. An original retitled after its
      // copy was deleted stays (its copy made again); one retitled before goes with its copy,
      // except in busy mode, where a deleted copy always comes back.
      if (a.deleteCopy && a.copyLast && !w.busy) w.originals.splice(w.originals.indexOf(o), 1);
      return;
    }
    case "sync": {
      const r = await w.p.sync({ now });
      assert.notEqual(r.status, "failed", r.error ?? "");
      return;
    }
    case "killed": {
      const controller = new AbortController();
      await w.p.sync({
        now,
        ...killing(w.p, a.after, a.lost, controller),
        signal: controller.signal,
      })
        .catch((err) => {
          if (err?.name !== "AbortError") throw err;
        });
      return;
    }
  }
}

/** Side `s`'s window, expanded, next to the other side's copies of it. */
async function mirror(w: World, s: Side) {
  const from = new Date(w.base);
  const to = new Date(w.base + LOOKAHEAD * DAY);
  const [c, id] = calOf(w, s);
  const [oc, oid] = calOf(w, other(s));
  const originals = await expanded(c, id, from, to);
  const copies = (await expanded(oc, oid, from, to)).filter((e) =>
    e.extendedProperties?.shared?.[COPY_MARKERS.configId] === keyOf(w, s)
  );
  return { expected: expectedCopies(originals, viewOf(w)), actual: actualCopies(copies) };
}

async function assertOneCopyEach(w: World, s: Side) {
  const [cal, calendarId] = calOf(w, other(s));
  const ids = (await listRaw(cal, calendarId))
    .filter((e) => !e.recurringEventId && e.status !== "cancelled")
    .filter((e) => e.extendedProperties?.shared?.[COPY_MARKERS.configId] === keyOf(w, s))
    .map((e) => e.extendedProperties?.shared?.[COPY_MARKERS.sourceId]);
  assert.equal(new Set(ids).size, ids.length, `duplicate copies of ${s}: ${JSON.stringify(ids)}`);
}

/** How the config's options show a copy. */
const viewOf = (w: World) => w.busy ? asBusy : undefined;

/** The pair seen from B: B's events are the originals, A holds their copies. */
function reversed(p: Pair): Pair {
  return { ...p, source: p.dest, dest: p.source, sourceCal: p.destCal, destCal: p.sourceCal };
}

const runs = Number(Deno.env.get("SYNC_PROPERTY_RUNS") ?? 200);
/**
 * The suite's default run replays one fixed set of 200 sequences, so `deno task test` and CI are
 * repeatable; a long run (SYNC_PROPERTY_RUNS set) draws new ones, and SYNC_PROPERTY_SEED/PATH
 * replay a failure.
 */
const seed = Deno.env.get("SYNC_PROPERTY_SEED") ??
  (Deno.env.get("SYNC_PROPERTY_RUNS") ? undefined : "20261201");
const path = Deno.env.get("SYNC_PROPERTY_PATH");

/** One sequence: the actions, a final clean run, then everything the issue asks to hold. */
async function converges(
  sb: Awaited<ReturnType<typeof testSandbox>>,
  actions: Action[],
  busy = false,
) {
  const p = await makePair(sb, LOOKAHEAD, "two_way");
  if (busy) await setOptions(p, { privacy: "busy" });
  const w: World = { p, base: Math.floor(Date.now() / 60_000) * 60_000, originals: [], busy };
  for (const [i, a] of actions.entries()) await apply(w, a, i);
  const now = new Date(w.base);
  const final = await p.sync({ now });
  assert.equal(final.status, "success", JSON.stringify(final.failures));
  for (const s of ["a", "b"] as const) {
    const m = await mirror(w, s);
    assert.deepEqual(m.actual, m.expected, `side ${s}'s window mirrored`);
    await assertOneCopyEach(w, s);
  }
  await assertSeriesMirror(p, now, "A's series in B", keyOf(w, "a"), viewOf(w));
  await assertSeriesMirror(reversed(p), now, "B's series in A", keyOf(w, "b"), viewOf(w));
  for (const o of w.originals.filter((o) => o.title !== undefined)) {
    const [cal, calendarId] = calOf(w, o.side);
    const ev = (await cal.events.get({ calendarId, eventId: o.id })).data;
    assert.equal(ev.summary, o.title, "the last edit, made to the original or its copy, won");
  }
  const again = await p.sync({ now });
  assert.equal(again.api_calls, 2, "a converged two-way config costs two requests");
  assert.equal(again.a_to_b + again.b_to_a + again.conflicts, 0, JSON.stringify(again));
}

Deno.test({
  name: "two-way runSync() converges: both windows mirrored, no duplicate, nothing left to write",
  async fn() {
    await using sb = await testSandbox();
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 4, maxLength: 18 }),
        // One config in four in busy mode (copies read-only), the rest in full mode.
        fc.nat({ max: 3 }).map((n) => n === 0),
        (actions, busy) => converges(sb, actions, busy),
      ),
      { numRuns: runs, ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) },
    );
  },
});

/** A sequence a run found, kept as a test of its own (the comment above each says what broke). */
function regression(name: string, actions: Action[], busy = false): void {
  Deno.test(name, async () => {
    await using sb = await testSandbox();
    await converges(sb, actions, busy);
  });
}

// Found by a 2,000-sequence run (issue 17): a run killed before it kept B's first cursor, a copy
// deleted, an original retitled, another run killed. The next run listed B in full, where a
// deleted copy does not show, and never saw the deletion: A kept an original B had no copy of.
regression("two-way: a copy deleted after a killed run, then an original retitled", [
  { t: "single", side: "a", day: 0, hour: 0, allDay: false },
  { t: "single", side: "a", day: 0, hour: 0, allDay: false },
  { t: "killed", after: 0, lost: false },
  { t: "delete", side: "a", pick: 155286997, target: "copy" },
  { t: "retitle", side: "a", pick: 0, target: "original" },
  { t: "killed", after: 0, lost: false },
]);

// Found by a 2,000-sequence run: in busy mode, an occurrence of a series' copy retitled, then
// the original series moved before the next run. The original had no occurrence at that time
// any more, so the copy's exception stayed where it was, an event A did not have.
regression("two-way busy: an occurrence of a copy edited, then the original series moved", [
  { t: "series", side: "a", day: 0, hour: 0, daily: false, count: 0 },
  { t: "sync" },
  { t: "instance", side: "a", pick: 0, inst: 0, kind: "retitle", target: "copy" },
  { t: "move", side: "a", pick: 0, day: 0, target: "original" },
  { t: "sync" },
  { t: "series", side: "a", day: 0, hour: 0, daily: false, count: 0 },
  { t: "conflict", side: "a", pick: 0, copyLast: false, deleteCopy: false },
], true);

// Found by a 2,000-sequence run: in busy mode, a run killed after Google took the copy of B's
// series but before the engine heard back; the person then retitled an occurrence of that copy.
// The series copy was not settled, so its occurrences were not looked at, and the edit stayed.
regression("two-way busy: an occurrence of an unconfirmed series copy edited", [
  { t: "series", side: "b", day: 0, hour: 0, daily: false, count: 0 },
  { t: "single", side: "a", day: 0, hour: 0, allDay: false },
  { t: "killed", after: 1, lost: true },
  { t: "single", side: "a", day: 0, hour: 0, allDay: false },
  { t: "move", side: "a", pick: 0, day: 0, target: "original" },
  { t: "instance", side: "b", pick: 0, inst: 0, kind: "retitle", target: "copy" },
], true);

// Found by a 2,000-sequence run on PostgreSQL: in busy mode, a run killed after Google took a
// series' copy but before the engine heard back; the person retitled that copy. Its hash, taken
// through the busy transform (which hides titles), matched the original's, so the edit was
// adopted as the engine's own write and never undone.
regression("two-way busy: an unconfirmed copy retitled is still undone", [
  { t: "series", side: "a", day: 0, hour: 0, daily: false, count: 0 },
  { t: "killed", after: 0, lost: true },
  { t: "retitle", side: "a", pick: 0, target: "original" },
  { t: "single", side: "a", day: 0, hour: 0, allDay: false },
  { t: "conflict", side: "a", pick: 0, copyLast: false, deleteCopy: false },
  { t: "move", side: "a", pick: 0, day: 0, target: "copy" },
], true);

// Found by a 2,000-sequence run: a series moved, an occurrence of its copy retitled at the old
// time. The run took that stray occurrence off the copy; the next run listed the deletion and
// read the original occurrence again (three requests where a converged config costs two).
regression("two-way: a stray occurrence taken off a copy is not read again", [
  { t: "series", side: "a", day: 0, hour: 0, daily: false, count: 0 },
  { t: "killed", after: 1, lost: false },
  { t: "move", side: "a", pick: 0, day: 0, target: "original" },
  { t: "instance", side: "a", pick: 0, inst: 0, kind: "retitle", target: "original" },
  { t: "retitle", side: "a", pick: 0, target: "original" },
  { t: "instance", side: "a", pick: 0, inst: 0, kind: "retitle", target: "copy" },
  { t: "retitle", side: "a", pick: 0, target: "original" },
]);

// Found by long runs (issue 17), on PostgreSQL and on PGlite (full mode): a run killed after
// writing the copy of B's series, an occurrence of that copy retitled, a conflict on the series
// (the original later). The lost edit's occurrence was written again from the original, which
// is no exception, so the copy's occurrence stayed an exception that kept its fields when the
// series was retitled next (B's window and its copies in A differed). Replays:
// SYNC_PROPERTY_RUNS=1 SYNC_PROPERTY_SEED=833150689 SYNC_PROPERTY_PATH="84:3:2:4:4:4:6:5:7:6:6:7:11:11:11:15:15:16:15:15:15:16:16:16:16:16:16:16:16:16"
// SYNC_PROPERTY_RUNS=1 SYNC_PROPERTY_SEED=699573622 SYNC_PROPERTY_PATH="53:2:0:2:3:3:3:7:6:6:6:11:11:15:15:15:17:18:17:18:20:20:20:20:20:20:20:20:20:20:20:20:20:20:20:20:20:20"
regression("two-way: an occurrence of an unconfirmed series copy edited, then a conflict", [
  { t: "series", side: "b", day: 0, hour: 0, daily: false, count: 0 },
  { t: "killed", after: 1, lost: false },
  { t: "instance", side: "b", pick: 0, inst: 0, kind: "retitle", target: "copy" },
  { t: "conflict", side: "b", pick: 0, copyLast: false, deleteCopy: false },
  { t: "sync" },
  { t: "delete", side: "a", pick: 0, target: "original" },
  { t: "retitle", side: "b", pick: 0, target: "original" },
  { t: "instance", side: "a", pick: 0, inst: 0, kind: "retitle", target: "original" },
  { t: "instance", side: "a", pick: 0, inst: 0, kind: "retitle", target: "original" },
]);

// Found by a random 300-sequence run (issue 17; busy mode): an occurrence of A's series
// retitled between killed runs, the series moved, its copy deleted then the original retitled,
// a new series, another killed run. The retitled occurrence's copy was an exception on the old
// series copy; the person deleted that copy, and busy mode made it again under a new id. The
// exception's mapping still named the occurrence of the deleted copy, and the applier took any
// copy not on the current series copy for a stand-in: the moved series had no occurrence at the
// old time, so it wrote the exception over that dead occurrence (Google brings it back, an
// exception of a deleted series that no series copy shows) instead of making a stand-in. Fix:
// only an event of its own (an id without `_`) is a stand-in (`standInOf`); an occurrence of an
// earlier series copy went with it. Replay:
// SYNC_PROPERTY_RUNS=1 SYNC_PROPERTY_SEED=1401600462 SYNC_PROPERTY_PATH="3:3:0:1:3:3:8:7:7:8:12:12:12:12:12:17:21:21:22:20:19:20:16:16:16:16:16:16:16"
regression("two-way busy: an exception left by a series move, the copy deleted, killed runs", [
  { t: "series", side: "a", day: 0, hour: 0, daily: false, count: 0 },
  { t: "killed", after: 1, lost: false },
  { t: "instance", side: "a", pick: 0, inst: 0, kind: "retitle", target: "original" },
  { t: "killed", after: 1, lost: false },
  { t: "move", side: "a", pick: 0, day: 0, target: "original" },
  { t: "conflict", side: "a", pick: 0, copyLast: false, deleteCopy: true },
  { t: "retitle", side: "a", pick: 0, target: "original" },
  { t: "series", side: "a", day: 0, hour: 0, daily: false, count: 0 },
  { t: "killed", after: 0, lost: false },
  { t: "sync" },
], true);

// The same cause without killed runs: an exception copied onto the series copy's occurrence,
// then before the next run the series moved and its copy deleted (made again in busy mode).
regression("two-way busy: an exception on a series copy deleted and made again, the series moved", [
  { t: "series", side: "a", day: 0, hour: 0, daily: false, count: 0 },
  { t: "sync" },
  { t: "instance", side: "a", pick: 0, inst: 0, kind: "retitle", target: "original" },
  { t: "sync" },
  { t: "move", side: "a", pick: 0, day: 0, target: "original" },
  { t: "delete", side: "a", pick: 0, target: "copy" },
], true);

// Found by a random 300-sequence run on PostgreSQL (issue 17; busy mode, fails on PGlite too):
// B's series copied by a killed run, an occurrence of its copy retitled, another killed run,
// then B's series moved (the side-a steps find nothing to edit). The retitle was reverted: the
// copy's occurrence written again from the original one, which is no exception, so the copy
// carried an exception its original does not have (a stray, see `strayExceptions`). When the
// series moved, that stray was to be read again and rewritten with the series, but the original
// series had no occurrence at the old time any more: the read found nothing, and the copy's
// exception stayed where it was, an event B did not have. Fix: a stray whose original
// occurrence is gone is planned as cancelled at the source (`goneStrays`), taken off the copy.
// Replay:
// SYNC_PROPERTY_RUNS=1 SYNC_PROPERTY_SEED=330329191 SYNC_PROPERTY_PATH="85:3:0:2:4:4:4:6:9:9:12:13:13:13:14:18:17:18:12:12:12:12:12:12:13:13:13:13:13:13:13"
regression("two-way busy: an occurrence of an unconfirmed series copy edited, the series moved", [
  { t: "series", side: "b", day: 0, hour: 0, daily: false, count: 0 },
  { t: "killed", after: 1, lost: false },
  { t: "instance", side: "b", pick: 0, inst: 0, kind: "retitle", target: "copy" },
  { t: "killed", after: 1, lost: false },
  { t: "conflict", side: "a", pick: 0, copyLast: false, deleteCopy: false },
  { t: "retitle", side: "a", pick: 0, target: "original" },
  { t: "move", side: "b", pick: 0, day: 0, target: "original" },
  { t: "retitle", side: "a", pick: 0, target: "original" },
], true);

// The same cause without killed runs: the occurrence edit reverted by a clean run (the stray
// written), then the series moved.
regression("two-way busy: an occurrence edit of a copy reverted, then the series moved", [
  { t: "series", side: "b", day: 0, hour: 0, daily: false, count: 0 },
  { t: "sync" },
  { t: "instance", side: "b", pick: 0, inst: 0, kind: "retitle", target: "copy" },
  { t: "sync" },
  { t: "move", side: "b", pick: 0, day: 0, target: "original" },
], true);

// Found by a 2,000-sequence run on PostgreSQL after this round's fixes (fails on PGlite too, and
// on main before them): busy mode, a first run killed before it kept B's cursor, then an
// occurrence of the copy of A's series retitled three weeks ahead, beyond the window. With no
// cursor the next run listed B's window only, where that occurrence does not show, so the edit
// was never seen (an incremental listing shows every change, wherever it falls) and stayed. Fix:
// a full listing of the copies' calendar reads the exceptions of each series copy it lists by
// iCalUID (`unlistedExceptions`), as the pass reads an original series' exceptions. Replay:
// SYNC_PROPERTY_RUNS=1 SYNC_PROPERTY_SEED=1286825289 SYNC_PROPERTY_PATH="1085:2:0:1:2:2:2:2:6:6:8:8:8:3:4:4:4:4:6:6:6:5:0:4:4"
regression("two-way busy: an occurrence of a series copy edited beyond the window, no cursor yet", [
  { t: "single", side: "a", day: 0, hour: 0, allDay: false },
  { t: "series", side: "a", day: 0, hour: 0, daily: false, count: 0 },
  { t: "single", side: "a", day: 0, hour: 0, allDay: false },
  { t: "killed", after: 2, lost: false },
  { t: "retitle", side: "a", pick: 0, target: "original" },
  { t: "instance", side: "a", pick: 0, inst: 3, kind: "retitle", target: "copy" },
], true);

Deno.test({
  // The same cause in full mode (the edit must flow back) and for a cancelled occurrence (busy
  // mode: it comes back).
  name:
    "two-way: an occurrence of a series copy retitled or cancelled beyond the window, no cursor",
  async fn() {
    await using sb = await testSandbox();
    for (const [kind, busy] of [["retitle", false], ["cancel", true]] as const) {
      await converges(sb, [
        { t: "series", side: "a", day: 0, hour: 0, daily: false, count: 0 },
        { t: "single", side: "a", day: 0, hour: 0, allDay: false },
        { t: "killed", after: 1, lost: false },
        { t: "instance", side: "a", pick: 0, inst: 3, kind, target: "copy" },
      ], busy);
    }
  },
});
