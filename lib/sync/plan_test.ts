/** The planner's rules, on literal events and mappings: no database, no Google. */
import assert from "node:assert/strict";
import type { EventMapping } from "@/lib/db/event_mappings.ts";
import type { Event } from "./google_api.ts";
import { destEventId } from "./ids.ts";
import {
  addMasters,
  addSeriesExceptions,
  describePlan,
  goneStrays,
  mastersNeeded,
  type Plan,
  type PlanContext,
  planEvents,
  planInstances,
  planRemoveAll,
  seriesToList,
  strayExceptions,
  sweepGhosts,
} from "./plan.ts";

const CONFIG = "00000000-0000-4000-8000-000000000001";
const NOW = Date.UTC(2026, 5, 1, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

function event(id: string, startMs: number, extra: Event = {}): Event {
  return {
    id,
    iCalUID: `${id}@example.com`,
    status: "confirmed",
    summary: id,
    start: { dateTime: iso(startMs) },
    end: { dateTime: iso(startMs + HOUR) },
    ...extra,
  };
}

function mapping(sourceId: string, extra: Partial<EventMapping> = {}): EventMapping {
  return {
    config_id: CONFIG,
    source_event_id: sourceId,
    dest_event_id: `dest-${sourceId}`,
    sync_cluster_id: "00000000-0000-4000-8000-000000000002",
    state: "live",
    content_hash: "old-hash",
    source_recurring_id: null,
    source_updated: null,
    event_start: new Date(NOW + DAY),
    event_end: new Date(NOW + DAY + HOUR),
    dest_etag: null,
    ...extra,
  };
}

function context(mappings: EventMapping[] = [], windowDays = 30): PlanContext {
  const byId = new Map(mappings.map((m) => [m.source_event_id, m]));
  return {
    configId: CONFIG,
    now: NOW,
    windowEnd: NOW + windowDays * DAY,
    mappings: { get: (id) => byId.get(id), values: () => byId.values() },
  };
}

const kinds = (plan: Plan) => plan.first.map((op) => `${op.kind} ${op.sourceId}`);

Deno.test("a new event in the window is inserted under its derived id", async () => {
  const plan = await planEvents(context(), [event("a", NOW + DAY)], []);
  assert.deepEqual(kinds(plan), ["insert a"]);
  assert.equal(
    plan.first[0].kind === "insert" && plan.first[0].destId,
    await destEventId(CONFIG, "a"),
  );
  assert.equal(plan.skipped, 0);
});

Deno.test("an unchanged copy is left alone; a changed one is updated in place", async () => {
  const ctx = context();
  const first = await planEvents(ctx, [event("a", NOW + DAY)], []);
  const hash = first.first[0].kind === "insert" ? first.first[0].hash : "";
  const live = context([mapping("a", { content_hash: hash })]);
  assert.deepEqual(kinds(await planEvents(live, [event("a", NOW + DAY)], [])), []);
  const edited = event("a", NOW + DAY, { summary: "renamed" });
  const plan = await planEvents(live, [edited], []);
  assert.deepEqual(kinds(plan), ["update a"]);
  assert.equal(plan.first[0].kind === "update" && plan.first[0].destId, "dest-a");
});

Deno.test("an unconfirmed write is sent again under the same id; a tombstone gets a new generation", async () => {
  const pending = context([mapping("a", { state: "pending", content_hash: null })]);
  const again = await planEvents(pending, [event("a", NOW + DAY)], []);
  assert.deepEqual(kinds(again), ["insert a"]);
  assert.equal(again.first[0].kind === "insert" && again.first[0].destId, "dest-a");
  const gone = await destEventId(CONFIG, "a");
  const deleted = context([
    mapping("a", { state: "deleted", content_hash: null, dest_event_id: gone }),
  ]);
  const fresh = (await planEvents(deleted, [event("a", NOW + DAY)], [])).first[0];
  assert.equal(fresh.kind === "insert" && fresh.generation, 1);
  assert.equal(fresh.kind === "insert" && fresh.destId, await destEventId(CONFIG, "a", 1));
});

Deno.test("a cancelled event's copy goes and is forgotten; no copy, nothing to do", async () => {
  const ctx = context([mapping("a")]);
  const plan = await planEvents(ctx, [event("a", NOW + DAY, { status: "cancelled" })], []);
  assert.deepEqual(plan.first, [{
    kind: "delete",
    sourceId: "a",
    destId: "dest-a",
    summary: "a",
    forget: true,
  }]);
  const none = await planEvents(context(), [event("b", NOW + DAY, { status: "cancelled" })], []);
  assert.deepEqual(none.first, []);
});

Deno.test("an event leaving the window takes its copy along (tombstoned); one in the past stays", async () => {
  const ctx = context([mapping("later"), mapping("past", { event_end: new Date(NOW - DAY) })]);
  const plan = await planEvents(ctx, [
    event("later", NOW + 60 * DAY),
    event("past", NOW - 2 * DAY),
  ], []);
  assert.deepEqual(kinds(plan), ["delete later"]);
  assert.equal(plan.first[0].kind === "delete" && plan.first[0].forget, false);
});

Deno.test("skipped event types and our own copies are counted, never copied", async () => {
  const own = event("copy", NOW + DAY, {
    extendedProperties: { shared: { cal_sync_config_id: "another-config" } },
  });
  const plan = await planEvents(context(), [
    event("where", NOW + DAY, { eventType: "workingLocation" }),
    event("bday", NOW + DAY, { eventType: "birthday" }),
    own,
    event("ooo", NOW + DAY, { eventType: "outOfOffice", summary: "" }),
  ], []);
  assert.deepEqual(kinds(plan), ["insert ooo"]);
  assert.equal(plan.first[0].kind === "insert" && plan.first[0].body.summary, "Out of office");
  assert.equal(plan.skipped, 3);
  // A skipped event outside the window is not counted.
  const far = await planEvents(
    context(),
    [event("w", NOW + 90 * DAY, { eventType: "birthday" })],
    [],
  );
  assert.equal(far.skipped, 0);
});

Deno.test("a full listing sweeps ghosts: copies whose source is gone from the window", async () => {
  const ctx = context([
    mapping("kept"),
    mapping("ghost"),
    mapping("ended", { event_end: new Date(NOW - HOUR) }),
    mapping("tomb", { state: "deleted", content_hash: null }),
    mapping("inst", { source_recurring_id: "series" }),
  ]);
  const plan = await planEvents(ctx, [event("kept", NOW + DAY)], []);
  sweepGhosts(ctx, plan);
  assert.deepEqual(kinds(plan), ["update kept", "delete ghost"]);
});

const RULE = ["RRULE:FREQ=DAILY;COUNT=10"];

Deno.test("a series is written first; its exceptions are planned once its copy exists", async () => {
  const series = event("s", NOW + DAY, { recurrence: RULE });
  const moved = event("s_x", NOW + 2 * DAY + 2 * HOUR, {
    recurringEventId: "s",
    originalStartTime: { dateTime: iso(NOW + 2 * DAY) },
  });
  const cancelled = {
    id: "s_y",
    status: "cancelled",
    recurringEventId: "s",
    originalStartTime: { dateTime: iso(NOW + 3 * DAY) },
  };
  const ctx = context();
  const plan = await planEvents(ctx, [series, moved, cancelled], []);
  assert.deepEqual(kinds(plan), ["insert s"]);
  assert.deepEqual(plan.instances.map((e) => e.id), ["s_x", "s_y"]);
  // Not yet written: no instance op.
  assert.deepEqual(await planInstances(ctx, plan), []);
  // Written (as the applier records it): the exception and the cancellation follow.
  const written = context([mapping("s", { state: "awaiting_exceptions", dest_event_id: "cs-s" })]);
  const ops = await planInstances(written, plan);
  assert.deepEqual(ops.map((op) => `${op.kind} ${op.sourceId}`), [
    "instance s_x",
    "cancelInstance s_y",
  ]);
  assert.equal(ops[0].kind === "instance" && ops[0].key, "x");
  // The series is created in this run: its cancelled occurrence is part of it, no deletion.
  assert.equal(ops[1].kind === "cancelInstance" && ops[1].counted, false);
  // On a series copy that stood before the run, the same cancellation removes an occurrence.
  const stood = await planEvents(written, [cancelled], []);
  const [cancel] = await planInstances(written, stood);
  assert.equal(cancel.kind === "cancelInstance" && cancel.counted, true);
});

Deno.test("two-way: a stray exception whose original occurrence is gone is taken off the copy", async () => {
  // The copy's series carries an exception the engine wrote at `s_x` (an occurrence edit of the
  // copy undone), though the original occurrence is none; then the original series moved.
  const series = event("s", NOW + DAY + 9 * HOUR, { recurrence: RULE });
  const ctx = context([
    mapping("s", { dest_event_id: "cs-s" }),
    mapping("s_x", { dest_event_id: "cs-s_x", source_recurring_id: "s" }),
  ]);
  const plan = await planEvents(ctx, [series], []);
  const [listing] = seriesToList(ctx, plan, false);
  assert.deepEqual(strayExceptions(ctx, plan, listing), ["s_x"]);
  // The original series has no occurrence `s_x` any more: reading it found nothing.
  addSeriesExceptions(plan, listing, goneStrays("s", ["s_x"], []));
  const ops = await planInstances(ctx, plan);
  assert.deepEqual(ops.map((op) => `${op.kind} ${op.sourceId}`), ["cancelInstance s_x"]);
  assert.equal(ops[0].kind === "cancelInstance" && ops[0].key, "x");
  // One that was read is planned as read, nothing added for it.
  assert.deepEqual(goneStrays("s", ["s_x"], [event("s_x", NOW, { recurringEventId: "s" })]), []);
});

Deno.test("an occurrence of an earlier series copy is no stand-in: it went with that copy", async () => {
  // The series copy was deleted and is made again under a new id in this run; the cancelled
  // occurrence's mapping still names the old copy's occurrence.
  const cancelled = { id: "s_y", status: "cancelled", recurringEventId: "s" };
  const old = mapping("s_y", { dest_event_id: "cs-old_y", source_recurring_id: "s" });
  const series = event("s", NOW + DAY, { recurrence: RULE });
  const ctx = context([mapping("s", { state: "deleted", dest_event_id: "cs-old" }), old]);
  const plan = await planEvents(ctx, [series, cancelled], []);
  assert.deepEqual(kinds(plan), ["insert s"]);
  const written = context([mapping("s", { state: "awaiting_exceptions" }), old]);
  const [cancel] = await planInstances(written, plan);
  // Nothing shown before the run is removed: the new series copy is written as the source shows.
  assert.equal(cancel.kind === "cancelInstance" && cancel.counted, false);
});

Deno.test("an exception in the window needs its unlisted series fetched and copied", async () => {
  const exception = event("m_x", NOW + DAY, {
    recurringEventId: "m",
    originalStartTime: { dateTime: iso(NOW + DAY) },
  });
  const ctx = context();
  const plan = await planEvents(ctx, [exception], []);
  assert.deepEqual(mastersNeeded(ctx, plan, false), ["m"]);
  await addMasters(ctx, plan, [event("m", NOW - 5 * DAY, { recurrence: RULE })]);
  assert.deepEqual(kinds(plan), ["insert m"]);
  // Its exceptions are listed by iCalUID; a rewritten series rewrites them all.
  const listing = seriesToList(ctx, plan, false);
  assert.deepEqual(listing, [{ masterId: "m", iCalUID: "m@example.com", rewrite: true }]);
  const other = event("m_z", NOW + 100 * DAY, { recurringEventId: "m" });
  addSeriesExceptions(plan, listing[0], [event("m", NOW, { recurrence: RULE }), exception, other]);
  assert.deepEqual([...plan.rewritten], ["m_x", "m_z"]);
  assert.deepEqual(plan.instances.map((e) => e.id), ["m_x", "m_z"]);
  // A cancelled master is left out.
  const again = await planEvents(ctx, [exception], []);
  await addMasters(ctx, again, [event("m", NOW, { recurrence: RULE, status: "cancelled" })]);
  assert.deepEqual(kinds(again), []);
});

Deno.test("a dry run describes creates, updates, deletes and instance writes", async () => {
  const ctx = context([mapping("gone"), mapping("s", { dest_event_id: "cs-s" })]);
  const plan = await planEvents(ctx, [
    event("new", NOW + DAY),
    event("gone", NOW + DAY, { status: "cancelled" }),
    event("s_x", NOW + DAY, {
      recurringEventId: "s",
      originalStartTime: { dateTime: iso(NOW + DAY) },
    }),
  ], []);
  assert.deepEqual(describePlan(ctx, plan).map((c) => `${c.action} ${c.dest_event_id}`), [
    `create ${await destEventId(CONFIG, "new")}`,
    "delete dest-gone",
    "update cs-s_x",
  ]);
});

Deno.test("removing every copy deletes each series and single event, not instances or tombstones", () => {
  const ops = planRemoveAll(
    context([
      mapping("a"),
      mapping("t", { state: "deleted" }),
      mapping("s_x", { source_recurring_id: "s" }),
      mapping("p", { state: "pending" }),
    ]).mappings,
  );
  assert.deepEqual(ops.map((op) => op.sourceId), ["a", "p"]);
  assert.ok(ops.every((op) => op.forget));
});
