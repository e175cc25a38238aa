/**
 * What the next run would do, as a person reads it: the copies it would create, update and
 * remove (summaries as the destination would show them), the events it would skip and why, and
 * the counts. Built from the same plan as a real run (plan.ts), with nothing written. PURE.
 */
import { copyWritten } from "./copy_state.ts";
import type { Event } from "./google_api.ts";
import { liveCopies, needsReview } from "./guard.ts";
import type { EventMapping, MappingView } from "./mappings.ts";
import { type Op, type Plan, type PlanContext, planInstances } from "./plan.ts";

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
   * cancelled on a series copy this run creates, or cancelled already and cancelled again.
   */
  removals: number;
}

/** The preview of a planned run (series, events and, once planned, their exceptions). */
export async function previewOf(ctx: PlanContext, plan: Plan): Promise<Preview> {
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
  for (const op of [...plan.first, ...instances]) {
    addOp(preview, op);
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

function addOp(preview: Preview, op: Op) {
  // An occurrence cancelled on a series copy this run creates is part of that copy, as in a run.
  if (op.kind === "cancelInstance" && !op.counted) return;
  const list = op.kind === "insert"
    ? "create"
    : op.kind === "update" || op.kind === "instance"
    ? "update"
    : "delete";
  preview.counts[list]++;
  if (preview[list].length >= PREVIEW_LIMIT) return;
  const ev: Event = op.kind === "delete"
    ? { summary: op.summary }
    : "body" in op
    ? op.body
    : op.source;
  preview[list].push({ summary: ev.summary ?? null, start: timeOf(ev.start), end: timeOf(ev.end) });
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
