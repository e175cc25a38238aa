/**
 * The guard against mass deletion: a run that would remove more than max(10, 25 %) of a config's
 * live copies (a source that suddenly looks empty: the wrong calendar shared, an outage answering
 * an empty page) removes none of them. The rest of the run still applies; the run ends
 * `needs_review` until the owner approves the removals or pauses the sync. PURE.
 */
import { copyMayExist } from "./copy_state.ts";
import type { MappingView } from "./mappings.ts";
import type { Op } from "./plan.ts";

/** Removals at or below this many never need review, however few copies there are. */
export const GUARD_MIN_REMOVALS = 10;
/** The share of live copies a run may remove without review. */
export const GUARD_SHARE = 0.25;

/** The copies that stand in the destination as series or single events. */
export function liveCopies(mappings: MappingView): number {
  let live = 0;
  for (const m of mappings.values()) if (!m.source_recurring_id && copyMayExist(m)) live++;
  return live;
}

/** Whether removing `removals` of `live` copies needs the owner's word. */
export function needsReview(removals: number, live: number): boolean {
  return removals > Math.max(GUARD_MIN_REMOVALS, GUARD_SHARE * live);
}

/**
 * Takes the removals out of `ops` when there are too many and they are not approved; returns
 * how many were held (0: none, the ops are untouched).
 */
export function holdMassDeletion(ops: Op[], mappings: MappingView, approved: boolean): number {
  const removals = ops.filter((op) => op.kind === "delete").length;
  if (approved || !needsReview(removals, liveCopies(mappings))) return 0;
  const kept = ops.filter((op) => op.kind !== "delete");
  ops.splice(0, ops.length, ...kept);
  return removals;
}
