/**
 * What a run will do: PURE. Given the source's changes, the stored mappings, the window and the
 * config, returns the operations (insert, update, delete, write exception, cancel exception) and
 * counts the events skipped. No I/O: the hashes and ids are computed (WebCrypto, hence async),
 * nothing is read or written. The engine feeds it in steps, because what must be read from the
 * source next (masters, a series' exceptions) depends on what was planned so far.
 */
import {
  copyMayExist,
  copyStandsAlone,
  copyUpToDate,
  copyWritten,
  standInOf,
} from "./copy_state.ts";
import type { Event } from "./google_api.ts";
import { contentHash, destEventId, syncClusterId } from "./ids.ts";
import type { EventMapping, MappingView } from "./mappings.ts";
import type { SyncOptions } from "./options.ts";
import { instanceKey, isCalSyncCopy, type Transformed, transformEvent } from "./transform.ts";
import { instantOf, overlaps, seriesEnd, seriesOverlaps, spanOf } from "./window.ts";

const DAY = 86_400_000;

/** Writes a series or single event's copy. */
export interface WriteOp {
  kind: "insert" | "update";
  source: Event;
  sourceId: string;
  destId: string;
  body: Event;
  hash: string;
  cluster: string;
  generation: number;
}

/** Deletes a copy; `forget` drops its mapping, else a tombstone stays. */
export interface DeleteOp {
  kind: "delete";
  sourceId: string;
  destId: string;
  summary?: string;
  forget: boolean;
}

/** Writes an exception of a series onto the copy's occurrence (or a standalone stand-in). */
export interface InstanceOp {
  kind: "instance";
  source: Event;
  sourceId: string;
  masterSourceId: string;
  key: string;
  body: Event;
  hash: string;
  cluster: string;
}

/** Deletes the copy's occurrence of an instance cancelled at the source. */
export interface CancelInstanceOp {
  kind: "cancelInstance";
  source: Event;
  sourceId: string;
  masterSourceId: string;
  key: string;
  /**
   * Whether it removes something the destination showed before this run, and so counts as a
   * deletion: a standalone stand-in, or an occurrence of a series copy this run does not create
   * (a series copied in this run is written as the source shows it, its cancelled occurrences
   * included; a first run into an empty calendar deletes nothing).
   */
  counted: boolean;
}

export type Op = WriteOp | DeleteOp | InstanceOp | CancelInstanceOp;

/** One planned write, as `--dry-run` prints it. */
export interface PlannedChange {
  action: "create" | "update" | "delete";
  source_event_id: string;
  dest_event_id: string;
  summary?: string;
  start?: string;
  end?: string;
}

export interface PlanContext {
  configId: string;
  /** The window: now → windowEnd (ms). */
  now: number;
  windowEnd: number;
  mappings: MappingView;
  /** The sync's options (default: today's full copy of every supported event). */
  options?: SyncOptions;
}

/** An event in the window not copied, and why ("declined", "event type birthday" …). */
export interface Skip {
  event: Event;
  reason: string;
  filtered: boolean;
}

/** A run's plan as it is built up. */
export interface Plan {
  /** Series and single events: written first. */
  first: Op[];
  /** Instances seen: planned once their series is written (`planInstances`). */
  instances: Event[];
  /** Every listed or fetched event, by id. */
  byId: Map<string, Event>;
  /** Source ids planned as series or single events. */
  planned: Set<string>;
  /** The series planned in this run, by source id. */
  series: Map<string, Event>;
  /** Exceptions of a series whose copy is rewritten: written again whatever their hash. */
  rewritten: Set<string>;
  /** Events not copied by rule (eventTypes, filters, our own copies) that lie in the window. */
  skipped: number;
  /** The same events, with their reasons. */
  skips: Skip[];
}

/** A plan with nothing in it yet. */
export function emptyPlan(): Plan {
  return {
    first: [],
    instances: [],
    byId: new Map(),
    planned: new Set(),
    series: new Map(),
    rewritten: new Set(),
    skipped: 0,
    skips: [],
  };
}

/** Plans the series and single events among `changes` (and the newly uncovered `slice`). */
export async function planEvents(ctx: PlanContext, changes: Event[], slice: Event[]) {
  const plan = emptyPlan();
  for (const ev of [...slice, ...changes]) if (ev.id) plan.byId.set(ev.id, ev);
  for (const ev of plan.byId.values()) {
    if (ev.recurringEventId) {
      // An occurrence of a copy (a two-way calendar holds both) is never copied: no master fetch.
      if (!isCalSyncCopy(ev)) plan.instances.push(ev);
      continue;
    }
    const op = await planEvent(ctx, plan, ev);
    plan.planned.add(ev.id!);
    if (ev.recurrence?.length && ev.status !== "cancelled") plan.series.set(ev.id!, ev);
    if (op) plan.first.push(op);
  }
  return plan;
}

/**
 * The series that must be planned although not (or not fully) listed: an instance in the window
 * needs its series copied even when the series itself is not, and a full listing leaves out a
 * series whose own occurrences are all outside the window (the ghost sweep would take the copy
 * its exceptions live on).
 */
export function mastersNeeded(ctx: PlanContext, plan: Plan, full: boolean): string[] {
  const needed = new Set<string>();
  const opFor = new Map(plan.first.map((op) => [op.sourceId, op]));
  for (const ev of plan.instances) {
    const masterId = ev.recurringEventId!;
    if (ev.status === "cancelled" || !instanceInWindow(ctx, ev, ctx.windowEnd)) continue;
    const op = opFor.get(masterId);
    const hasCopy = op ? op.kind !== "delete" : copyWritten(ctx.mappings.get(masterId));
    if (!hasCopy || (full && !plan.byId.has(masterId))) needed.add(masterId);
  }
  return [...needed];
}

/** Plans the needed masters (listed or fetched; a missing or cancelled one is left out). */
export async function addMasters(ctx: PlanContext, plan: Plan, masters: Event[]) {
  for (const master of masters) {
    if (master.status === "cancelled") continue;
    const masterId = master.id!;
    const op = await planEvent(ctx, plan, master, true);
    plan.planned.add(masterId);
    plan.series.set(masterId, master);
    const previous = plan.first.findIndex((o) => o.sourceId === masterId);
    if (previous >= 0) plan.first.splice(previous, 1);
    if (op) plan.first.push(op);
  }
}

/** After a full listing, no ghosts: a copy whose source is no longer listed in the window goes. */
export function sweepGhosts(ctx: PlanContext, plan: Plan) {
  for (const m of ctx.mappings.values()) {
    if (m.source_recurring_id || plan.planned.has(m.source_event_id) || !copyMayExist(m)) continue;
    if (m.event_end && new Date(m.event_end).getTime() <= ctx.now) continue;
    plan.first.push({
      kind: "delete",
      sourceId: m.source_event_id,
      destId: m.dest_event_id,
      forget: false,
    });
  }
}

/**
 * The series whose exceptions must be listed. A series copy carries all its source's exceptions
 * from now on, wherever they fall: the window decides which events are copied, not how much of a
 * copied series is true. A full listing shows only the exceptions inside the window, so every
 * series it keeps a copy of has its exceptions listed; an incremental listing already holds every
 * change, so only a series whose copy is written is listed (its untouched exceptions must be
 * written again, and a new rule can give an exception that was copied standalone its occurrence
 * back, or take it away).
 */
export function seriesToList(ctx: PlanContext, plan: Plan, full: boolean) {
  const opBySource = new Map(plan.first.map((op) => [op.sourceId, op]));
  const listed: { masterId: string; iCalUID: string; rewrite: boolean }[] = [];
  for (const [masterId, master] of plan.series) {
    const op = opBySource.get(masterId);
    const rewrite = op?.kind === "insert" || op?.kind === "update";
    const kept = !op && copyWritten(ctx.mappings.get(masterId));
    if (!master.iCalUID || !(rewrite || (full && kept))) continue;
    listed.push({ masterId, iCalUID: master.iCalUID, rewrite });
  }
  return listed;
}

/** Adds the exceptions listed for one series (`seriesToList`) to the plan. */
export function addSeriesExceptions(
  plan: Plan,
  series: { masterId: string; rewrite: boolean },
  listed: Event[],
) {
  for (const ev of listed) {
    if (ev.recurringEventId !== series.masterId) continue;
    if (series.rewrite) plan.rewritten.add(ev.id!);
    if (!plan.byId.has(ev.id!)) {
      plan.byId.set(ev.id!, ev);
      plan.instances.push(ev);
    }
  }
}

/**
 * Two-way: the occurrences of a rewritten series whose copy carries an exception the engine wrote
 * though the original occurrence is none (an edit of the copy's occurrence that lost to its
 * original, written again from it). Google keeps an exception's fields when its series changes,
 * so such an exception shows the series as it was: it is read and written again with the series,
 * like the exceptions the listing gives (a one-way copy has none: each exception it carries is
 * its original's).
 */
export function strayExceptions(
  ctx: PlanContext,
  plan: Plan,
  series: { masterId: string; rewrite: boolean },
): string[] {
  if (!series.rewrite) return [];
  const ids: string[] = [];
  for (const m of ctx.mappings.values()) {
    if (m.source_recurring_id !== series.masterId || plan.byId.has(m.source_event_id)) continue;
    if (m.state === "live") ids.push(m.source_event_id);
  }
  return ids;
}

/**
 * The stray exceptions (`strayExceptions`) whose original occurrence could not be read: the
 * original series has no such occurrence any more (it moved, or its rule changed). The copy's
 * exception stays where it was, showing an event the original does not have, unless taken off:
 * each is planned as an occurrence cancelled at the source.
 */
export function goneStrays(masterId: string, stray: string[], read: Event[]): Event[] {
  const found = new Set(read.map((ev) => ev.id));
  return stray.filter((id) => !found.has(id)).map((id) => ({
    id,
    recurringEventId: masterId,
    status: "cancelled",
  }));
}

/** The op for one series or single event, if its copy must change; counts it if skipped. */
async function planEvent(ctx: PlanContext, plan: Plan, ev: Event, forceInWindow = false) {
  const sourceId = ev.id!;
  const mapping = ctx.mappings.get(sourceId);
  const cluster = await syncClusterId(ctx.configId, sourceId);
  const t = transformFor(ctx, ev, cluster);
  if (t.kind === "cancelled") return removal(mapping, ev, true);
  if (t.kind === "skip") {
    if (forceInWindow || inWindow(ctx, ev)) noteSkip(plan, ev, t);
    return removal(mapping, ev, false);
  }
  if (!forceInWindow && !inWindow(ctx, ev) && !hasInstanceInWindow(ctx, sourceId)) {
    return leftWindow(ctx, mapping, ev);
  }
  const hash = await contentHash(t.body);
  if (copyUpToDate(mapping, hash)) return undefined;
  const write = { source: ev, sourceId, body: t.body, hash, cluster };
  if (copyWritten(mapping)) {
    return { kind: "update", ...write, destId: mapping.dest_event_id, generation: 0 } as WriteOp;
  }
  // A deleted copy's id can never be inserted again: a new generation gets a new id.
  const generation = mapping?.state === "deleted"
    ? await nextGeneration(ctx.configId, sourceId, mapping.dest_event_id)
    : 0;
  const destId = mapping?.state === "pending"
    ? mapping.dest_event_id
    : await destEventId(ctx.configId, sourceId, generation);
  return { kind: "insert", ...write, destId, generation } as WriteOp;
}

/** The copy of `ev` under the sync's options. */
export function transformFor(ctx: PlanContext, ev: Event, cluster: string): Transformed {
  return transformEvent(ev, {
    configId: ctx.configId,
    sourceEventId: ev.id!,
    syncClusterId: cluster,
    options: ctx.options,
  });
}

function noteSkip(plan: Plan, event: Event, t: { reason: string; filtered?: boolean }) {
  plan.skipped++;
  plan.skips.push({ event, reason: t.reason, filtered: t.filtered === true });
}

/** Deletes the copy of `ev`, if it may have one. */
function removal(mapping: EventMapping | undefined, ev: Event, forget: boolean) {
  if (!copyMayExist(mapping)) return undefined;
  const summary = ev.summary ?? undefined;
  return {
    kind: "delete",
    sourceId: ev.id!,
    destId: mapping.dest_event_id,
    summary,
    forget,
  } as DeleteOp;
}

/**
 * An event outside the window. Copies that already ended are left alone while their source has
 * ended too; others leave with their source, one that moved from the past to beyond the window
 * included (kept, it would show the source at a time it left, and nothing of what it shows ahead).
 */
function leftWindow(ctx: PlanContext, mapping: EventMapping | undefined, ev: Event) {
  const ended = copyMayExist(mapping) && mapping.event_end &&
    new Date(mapping.event_end).getTime() <= ctx.now;
  if (ended && !endsAhead(ctx, ev)) return undefined;
  return removal(mapping, ev, false);
}

/** Whether an event (a series by its rule) overlaps the window. */
export function inWindow(ctx: PlanContext, ev: Event): boolean {
  return ev.recurrence?.length && !ev.recurringEventId
    ? seriesOverlaps(ev, ctx.now, ctx.windowEnd)
    : overlaps(ev, ctx.now, ctx.windowEnd);
}

/** Whether an event or series (by its rule: exceptions aside) ends after now; endless: true. */
function endsAhead(ctx: PlanContext, ev: Event): boolean {
  const end = ev.recurrence?.length ? seriesEnd(ev) : spanOf(ev)?.end;
  return end === undefined || end > ctx.now;
}

/** Whether a copied instance of this series (an exception) still lies in the window. */
function hasInstanceInWindow(ctx: PlanContext, masterSourceId: string): boolean {
  for (const m of ctx.mappings.values()) {
    if (m.source_recurring_id !== masterSourceId || m.state === "cancelled") continue;
    const start = m.event_start ? new Date(m.event_start).getTime() : NaN;
    const end = m.event_end ? new Date(m.event_end).getTime() : NaN;
    if (end > ctx.now && start < ctx.windowEnd) return true;
  }
  return false;
}

async function nextGeneration(configId: string, sourceId: string, currentDestId: string) {
  for (let g = 0; g < 1000; g++) {
    if (await destEventId(configId, sourceId, g) === currentDestId) return g + 1;
  }
  return 1 + Math.floor(Math.random() * 1e9);
}

/** Whether an instance (as it is now, or the occurrence it replaces) overlaps now → windowEnd. */
function instanceInWindow(ctx: PlanContext, ev: Event, windowEnd: number): boolean {
  if (ev.status !== "cancelled" && overlaps(ev, ctx.now, windowEnd)) return true;
  const original = instantOf(ev.originalStartTime);
  if (original === undefined) return false;
  return original + DAY > ctx.now && original - DAY < windowEnd;
}

/**
 * Whether an instance matters from now on: as it is, as the occurrence it replaces, or as the
 * copy made of it (an exception moved ahead and copied, then moved back or cancelled).
 */
function instanceAhead(ctx: PlanContext, ev: Event): boolean {
  if (instanceInWindow(ctx, ev, Infinity)) return true;
  const m = ctx.mappings.get(ev.id!);
  return copyStandsAlone(m) && m.event_end !== null && new Date(m.event_end).getTime() > ctx.now;
}

/**
 * Plans instance edits once the series copies are written: every exception of a copied series
 * from now on, inside the window or not; those wholly in the past are left alone.
 */
export async function planInstances(ctx: PlanContext, plan: Plan): Promise<Op[]> {
  const created = new Set(plan.first.filter((op) => op.kind === "insert").map((op) => op.sourceId));
  const ops: Op[] = [];
  for (const ev of plan.instances) {
    const op = await planInstance(ctx, plan, ev, created);
    if (op) ops.push(op);
  }
  return ops;
}

/** Cancels an instance's occurrence on its series copy (and any standalone stand-in). */
function cancellation(
  ctx: PlanContext,
  ev: Event,
  key: string,
  created: ReadonlySet<string>,
): CancelInstanceOp {
  const masterSourceId = ev.recurringEventId!;
  const standalone = standInOf(ctx.mappings.get(ev.id!)) !== undefined;
  return {
    kind: "cancelInstance",
    source: ev,
    sourceId: ev.id!,
    masterSourceId,
    key,
    counted: standalone || !created.has(masterSourceId),
  };
}

async function planInstance(
  ctx: PlanContext,
  plan: Plan,
  ev: Event,
  created: ReadonlySet<string>,
) {
  const sourceId = ev.id!;
  const masterSourceId = ev.recurringEventId!;
  const master = ctx.mappings.get(masterSourceId);
  const mapping = ctx.mappings.get(sourceId);
  const key = instanceKey(ev);
  if (!key || !copyWritten(master) || !instanceAhead(ctx, ev)) return undefined;
  const rewrite = plan.rewritten.has(sourceId);
  if (ev.status === "cancelled") {
    if (mapping?.state === "cancelled" && !rewrite) return undefined;
    return cancellation(ctx, ev, key, created);
  }
  const cluster = await syncClusterId(ctx.configId, sourceId);
  const t = transformFor(ctx, ev, cluster);
  // An exception the filters leave out is taken off the copied series, like a cancelled one.
  if (t.kind === "skip" && t.filtered) {
    if (instanceInWindow(ctx, ev, ctx.windowEnd)) noteSkip(plan, ev, t);
    if (mapping?.state === "cancelled" && !rewrite) return undefined;
    return cancellation(ctx, ev, key, created);
  }
  if (t.kind !== "copy") return undefined;
  const hash = await contentHash({ ...t.body, master: master.dest_event_id });
  if (copyUpToDate(mapping, hash) && !rewrite) return undefined;
  return {
    kind: "instance",
    source: ev,
    sourceId,
    masterSourceId,
    key,
    body: t.body,
    hash,
    cluster,
  } as Op;
}

/** What a real run would write, for `--dry-run`. */
export function describePlan(ctx: PlanContext, plan: Plan): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const op of plan.first) {
    if (op.kind === "delete") {
      changes.push({
        action: "delete",
        source_event_id: op.sourceId,
        dest_event_id: op.destId,
        summary: op.summary,
      });
    } else if (op.kind === "insert" || op.kind === "update") {
      changes.push({
        action: op.kind === "insert" ? "create" : "update",
        source_event_id: op.sourceId,
        dest_event_id: op.destId,
        ...shown(op.body),
      });
    }
  }
  return [...changes, ...describeInstances(ctx, plan)];
}

function describeInstances(ctx: PlanContext, plan: Plan): PlannedChange[] {
  const seriesWritten = new Set(
    plan.first.filter((op) => op.kind === "insert" || op.kind === "update").map((op) =>
      op.sourceId
    ),
  );
  const changes: PlannedChange[] = [];
  for (const ev of plan.instances) {
    const master = ctx.mappings.get(ev.recurringEventId!);
    // Only what a run would write: instances of a series that has (or gets) a copy, from now on.
    if (!copyWritten(master) && !seriesWritten.has(ev.recurringEventId!)) continue;
    if (!instanceAhead(ctx, ev)) continue;
    changes.push({
      action: ev.status === "cancelled" ? "delete" : "update",
      source_event_id: ev.id!,
      dest_event_id: `${master?.dest_event_id ?? "(new series)"}_${instanceKey(ev)}`,
      ...shown(ev),
    });
  }
  return changes;
}

/** The summary and times of an event, as a planned change shows them. */
function shown(ev: Event) {
  return {
    summary: ev.summary ?? undefined,
    start: ev.start?.dateTime ?? ev.start?.date ?? undefined,
    end: ev.end?.dateTime ?? ev.end?.date ?? undefined,
  };
}

/** Deletes every copy in the book (removing a config with its copies); instances go with them. */
export function planRemoveAll(mappings: MappingView): DeleteOp[] {
  return [...mappings.values()]
    .filter((m) => !m.source_recurring_id && copyMayExist(m))
    .map((m) => ({
      kind: "delete",
      sourceId: m.source_event_id,
      destId: m.dest_event_id,
      forget: true,
    }));
}
