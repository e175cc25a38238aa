import assert from "node:assert/strict";
import type { Event } from "./google_api.ts";
import type { EventMapping } from "./mappings.ts";
import { defaultSyncOptions, type SyncOptions } from "./options.ts";
import { emptyPlan, type Op, type WriteOp } from "./plan.ts";
import { PREVIEW_LIMIT, previewOf } from "./preview.ts";

Deno.test("previewOf() lists at most 200 of each kind and counts them all", async () => {
  const ops: WriteOp[] = Array.from({ length: 250 }, (_, i) => ({
    kind: "insert",
    source: { id: `s${i}`, summary: `E${i}` },
    sourceId: `s${i}`,
    destId: `d${i}`,
    body: { summary: `[W] E${i}`, start: { date: "2030-01-01" }, end: { date: "2030-01-02" } },
    hash: "h",
    cluster: "c",
    generation: 0,
  }));
  const plan = { ...emptyPlan(), first: ops };
  const mappings = new Map();
  const preview = await previewOf({ configId: "c", now: 0, windowEnd: 1, mappings }, plan);
  assert.equal(preview.counts.create, 250);
  assert.equal(preview.create.length, PREVIEW_LIMIT);
  assert.equal(preview.create[0].summary, "[W] E0");
  assert.equal(preview.create[0].start, "2030-01-01");
  assert.equal(preview.removals, 0);
  assert.equal(preview.needs_review, false);
});

function options(change: Partial<SyncOptions["copy"]>, exclude: string[] = []): SyncOptions {
  const base = defaultSyncOptions();
  return {
    ...base,
    copy: { ...base.copy, ...change },
    filters: { ...base.filters, exclude_titles: exclude },
  };
}

function mapping(id: string, extra: Partial<EventMapping> = {}): EventMapping {
  return {
    config_id: "c",
    source_event_id: id,
    dest_event_id: `d${id}`,
    sync_cluster_id: "k",
    state: "live",
    content_hash: "h",
    source_recurring_id: null,
    source_updated: null,
    event_start: null,
    event_end: null,
    dest_etag: null,
    ...extra,
  };
}

/** A plan removing a lunch copy, the copy of a source gone, and one occurrence of a standup. */
function removals() {
  const lunch = {
    id: "lunch",
    summary: "Lunch",
    start: { dateTime: "2030-01-01T12:00:00Z" },
    end: { dateTime: "2030-01-01T13:00:00Z" },
  };
  const standup = { ...lunch, id: "s", summary: "Standup", recurrence: ["RRULE:FREQ=DAILY"] };
  const gone = { id: "s_20300102T120000Z", status: "cancelled", recurringEventId: "s" };
  const cancelled = { ...gone, originalStartTime: { dateTime: "2030-01-02T12:00:00Z" } };
  const ops: Op[] = [
    { kind: "delete", sourceId: "lunch", destId: "dlunch", summary: "Lunch", forget: false },
    { kind: "delete", sourceId: "ghost", destId: "dghost", forget: false },
    {
      kind: "cancelInstance",
      source: cancelled,
      sourceId: cancelled.id,
      masterSourceId: "s",
      key: "20300102T120000Z",
      counted: true,
    },
  ];
  const plan = {
    ...emptyPlan(),
    first: ops.slice(0, 2),
    instances: [cancelled],
    byId: new Map<string, Event>([["lunch", lunch], ["s", standup], [cancelled.id, cancelled]]),
  };
  const mappings = new Map([mapping("lunch"), mapping("ghost"), mapping("s")].map((m) => [
    m.source_event_id,
    m,
  ]));
  return { lunch, plan, ctx: { configId: "c", now: 0, windowEnd: 1, mappings } };
}

Deno.test("previewOf() shows a removal as the copy the destination shows now", async () => {
  const { lunch, plan, ctx } = removals();
  // The change saved next is full mode excluding lunch; the copies stand as busy, prefixed.
  const next = options({ privacy: "full" }, ["lunch"]);
  const busy = await previewOf(
    { ...ctx, options: next },
    plan,
    options({
      privacy: "busy",
      title_prefix: "[Work] ",
    }),
  );
  assert.deepEqual(busy.delete, [
    { summary: "[Work] Busy", start: lunch.start.dateTime, end: lunch.end.dateTime },
    { summary: "[Work] Busy", start: null, end: null },
    { summary: "[Work] Busy", start: "2030-01-02T12:00:00Z", end: "2030-01-02T13:00:00Z" },
  ]);
  assert.equal(busy.counts.delete, 3);
  // In full mode a copy shows its source's title; one whose source is gone is not known.
  const full = await previewOf({ ...ctx, options: next }, plan, options({ title_prefix: "[W] " }));
  assert.deepEqual(full.delete.map((d) => d.summary), ["[W] Lunch", null, "[W] Standup"]);
});
