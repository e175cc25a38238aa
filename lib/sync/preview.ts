/**
 * What the next run would do, as a person reads it: the copies it would create, update and
 * remove (summaries as the destination would show them), the events it would skip and why, and
 * the counts. Built from the same plan as a real run (plan.ts), with nothing written. PURE.
 */
import { copyWritten } from "./copy_state.ts";
import type { Event } from "./google_api.ts";
import { liveCopies, needsReview } from "./guard.ts";
import type { EventMapping, MappingView } from "./mappings.ts";
import type { SyncOptions } from "./options.ts";
import {
  type CancelInstanceOp,
  type DeleteOp,
  type Op,
  type Plan,
  type PlanContext,
  planInstances,
  transformFor,
} from "./plan.ts";
import { placeholderTitle } from "./transform.ts";
import { instantOf } from "./window.ts";

/** Each list stops here; the counts go on. */
export const PREVIEW_LIMIT = 200;

export interface PreviewItem {
  summary: string | null;
  start: string | null;
  end: string | null;
}

export interface PreviewSkip {
  summary: string | null;
  start: string | null;
  reason: string;
}

export interface Preview {
  create: PreviewItem[];
  update: PreviewItem[];
  delete: PreviewItem[];
  skip: PreviewSkip[];
  counts: { create: number; update: number; delete: number; skip: number };
  /** The run would remove so many copies that, unconfirmed, it would wait for review. */
  needs_review: boolean;
  /**
   * Copies (or occurrences) that stand now and would go: `counts.delete` less the occurrences
   * cancelled already and cancelled again (a rewritten series). Occurrences cancelled on a series
   * copy this run creates are in neither, as a run does not count them.
   */
  removals: number;
}

/**
 * The preview of a planned run (series, events and, once planned, their exceptions). `shown`:
 * the options the copies standing now were written with (for a change not saved yet, the saved
 * config's; by default the plan's own), so that a removal reads as the copy it takes away.
 */
export async function previewOf(
  ctx: PlanContext,
  plan: Plan,
  shown: SyncOptions | undefined = ctx.options,
): Promise<Preview> {
  // The exceptions are planned as the real run plans them: once the series are written.
  const instances = await planInstances({ ...ctx, mappings: afterFirst(ctx, plan) }, plan);
  const preview: Preview = {
    create: [],
    update: [],
    delete: [],
    skip: [],
    counts: { create: 0, update: 0, delete: 0, skip: 0 },
    removals: 0,
    needs_review: needsReview(
      plan.first.filter((op) => op.kind === "delete").length,
      liveCopies(ctx.mappings),
    ),
  };
  const standing = { ...ctx, options: shown };
  for (const op of [...plan.first, ...instances]) {
    addOp(preview, op, standing, plan);
    if (op.kind === "delete" || (op.kind === "cancelInstance" && standsNow(ctx, op))) {
      preview.removals++;
    }
  }
  for (const s of plan.skips) {
    preview.counts.skip++;
    if (preview.skip.length < PREVIEW_LIMIT) {
      preview.skip.push({
        summary: s.event.summary ?? null,
        start: timeOf(s.event.start),
        reason: s.reason,
      });
    }
  }
  return preview;
}

function addOp(preview: Preview, op: Op, standing: PlanContext, plan: Plan) {
  // An occurrence cancelled on a series copy this run creates is part of that copy, as in a run.
  if (op.kind === "cancelInstance" && !op.counted) return;
  const list = op.kind === "insert"
    ? "create"
    : op.kind === "update" || op.kind === "instance"
    ? "update"
    : "delete";
  preview.counts[list]++;
  if (preview[list].length >= PREVIEW_LIMIT) return;
  if (op.kind === "delete" || op.kind === "cancelInstance") {
    preview.delete.push(removed(standing, plan, op));
    return;
  }
  const ev = op.body;
  preview[list].push({ summary: ev.summary ?? null, start: timeOf(ev.start), end: timeOf(ev.end) });
}

/**
 * The copy a removal takes away, as the destination shows it now: its source rendered under
 * the options it was written with (`standing`), from the listing the plan holds (no read of the
 * destination). A source gone from the listing leaves only the options: in busy mode the
 * placeholder title, else nothing known.
 */
function removed(standing: PlanContext, plan: Plan, op: DeleteOp | CancelInstanceOp): PreviewItem {
  const source = op.kind === "delete" ? plan.byId.get(op.sourceId) : op.source;
  const shown = source?.status === "cancelled" ? undefined : source && rendered(standing, source);
  if (shown) return shown;
  if (op.kind === "cancelInstance") {
    // A cancelled occurrence shows its series until the cancellation is copied.
    const master = plan.byId.get(op.masterSourceId) ?? plan.series.get(op.masterSourceId);
    const occurrence = master && occurrenceOf(master, op.source);
    const series = occurrence && rendered(standing, occurrence);
    if (series) return series;
  }
  const placeholder = standing.options && placeholderTitle(standing.options);
  return { summary: placeholder ?? null, start: null, end: null };
}

/** An event as its copy shows it under the context's options (undefined: the rules skip it). */
function rendered(ctx: PlanContext, ev: Event): PreviewItem | undefined {
  const t = transformFor(ctx, ev, "");
  if (t.kind !== "copy") return undefined;
  const body = t.body;
  return { summary: body.summary ?? null, start: timeOf(body.start), end: timeOf(body.end) };
}

/** The occurrence of `master` a cancelled instance replaced, as the series shows it. */
function occurrenceOf(master: Event, instance: Event): Event | undefined {
  const original = instance.originalStartTime;
  const [start, end] = [instantOf(master.start), instantOf(master.end)];
  const at = instantOf(original);
  if (!original || start === undefined || end === undefined || at === undefined) return undefined;
  const until = new Date(at + end - start).toISOString().replace(".000Z", "Z");
  return {
    ...master,
    recurrence: undefined,
    start: original,
    end: original.date ? { date: until.slice(0, 10) } : { dateTime: until },
  };
}

/** Whether the occurrence a cancellation deletes stands now (not new, not cancelled already). */
function standsNow(ctx: PlanContext, op: { sourceId: string; masterSourceId: string }) {
  const master = ctx.mappings.get(op.masterSourceId);
  return copyWritten(master) && ctx.mappings.get(op.sourceId)?.state !== "cancelled";
}

function timeOf(t: Event["start"]): string | null {
  return t?.dateTime ?? t?.date ?? null;
}

/**
 * The mappings as the series and single events' writes would leave them: a written copy for each
 * series the plan inserts, a tombstone for each copy it removes.
 */
function afterFirst(ctx: PlanContext, plan: Plan): MappingView {
  const added = new Map<string, EventMapping>();
  for (const op of plan.first) {
    const current = ctx.mappings.get(op.sourceId);
    if (op.kind === "delete" && current) added.set(op.sourceId, { ...current, state: "deleted" });
    if (op.kind !== "insert" || !op.source.recurrence?.length) continue;
    if (copyWritten(current)) continue;
    added.set(op.sourceId, {
      config_id: ctx.configId,
      source_event_id: op.sourceId,
      dest_event_id: op.destId,
      sync_cluster_id: op.cluster,
      state: "live",
      content_hash: op.hash,
      source_recurring_id: null,
      source_updated: null,
      event_start: null,
      event_end: null,
      dest_etag: null,
    });
  }
  if (!added.size) return ctx.mappings;
  return {
    get: (id) => added.get(id) ?? ctx.mappings.get(id),
    values: () => [...ctx.mappings.values(), ...added.values()],
  };
}
