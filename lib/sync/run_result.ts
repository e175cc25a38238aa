/**
 * One shape for what a run did: the counts are defined here once (a zod schema and its type);
 * the log row, the engine's result, the API's schemas, the CLI's JSON and the sync card's view
 * derive from it.
 */
import { z } from "zod";
import type { SyncConflict, SyncFailure } from "@/lib/db/sync_logs.ts";
import type { PlannedChange } from "./plan.ts";
import type { Preview } from "./preview.ts";
import { heldMessage } from "./review_words.ts";

const count = () => z.number().int();

/** What one run wrote and how many requests it took: shared by results and history. */
export const RunCounts = z.object({
  events_created: count(),
  events_updated: count(),
  events_deleted: count(),
  events_skipped: count(),
  events_failed: count(),
  events_overwritten: count().describe(
    "Copies that someone had edited in the destination, written over (or deleted) to match the source",
  ),
  api_calls: count(),
  conflicts: count().describe(
    "Two-way: events changed on both sides since the last run; the later change won as a whole",
  ),
  a_to_b: count().describe(
    "Writes made to calendar B (copies of A's events, and edits flowing back)",
  ),
  b_to_a: count().describe(
    "Writes made to calendar A (two-way: copies of B's events, edits flowing back)",
  ),
});
export type RunCounts = z.infer<typeof RunCounts>;

/** The count fields, in the order they are shown. */
export const RUN_COUNT_KEYS: readonly (keyof RunCounts)[] = RunCounts.keyof().options;

/** Every count zero: a run that did nothing (or could not start). */
export function emptyRunCounts(): RunCounts {
  return Object.fromEntries(RUN_COUNT_KEYS.map((k) => [k, 0])) as RunCounts;
}

/** Only the counts of `r` (a result or a log row), missing ones as 0. */
export function runCountsOf(r: Partial<RunCounts> | null | undefined): RunCounts {
  return Object.fromEntries(RUN_COUNT_KEYS.map((k) => [k, r?.[k] ?? 0])) as RunCounts;
}

/** How a run ended (an interrupted run throws instead of returning). */
export const SYNC_STATUSES = [
  "success",
  "partial",
  "failed",
  "needs_reconnect",
  "needs_review",
] as const;
export type SyncStatus = typeof SYNC_STATUSES[number];

/** What a run did: the counts its log row records, and the log row itself. */
export interface SyncResult extends RunCounts {
  status: SyncStatus;
  /** The `sync_logs` row; null for a dry run. */
  sync_log_id: string | null;
  duration_ms: number;
  error: string | null;
  failures: SyncFailure[];
  /** Two-way runs: each conflict resolved, with both versions. */
  conflict_details?: SyncConflict[];
  /** Only for dry runs: what a real run would write. */
  plan?: PlannedChange[];
  /** Only for dry runs: the preview a person reads (lib/sync/preview.ts). */
  preview?: Preview;
}

/** How a run's steps ended: done, or stopped by an abort, lost access or another error. */
export type RunEnding = { kind: "done" | "aborted" | "reconnect" } | {
  kind: "fatal";
  error: string;
};

const RECONNECT_MESSAGE = "The Google account must be reconnected: access was revoked or expired";

/**
 * The status and message of a run that ended so, with `failed` events, maybe lost access, and
 * `held` removals the deletion guard kept back for review.
 */
export function runStatus(
  ending: RunEnding,
  failed: number,
  accessLost: boolean,
  held = 0,
): { status: SyncStatus; error: string | null } {
  if (accessLost || ending.kind === "reconnect") {
    return { status: "needs_reconnect", error: RECONNECT_MESSAGE };
  }
  if (ending.kind === "fatal") return { status: "failed", error: ending.error };
  if (ending.kind === "aborted") return { status: "failed", error: "Sync was interrupted" };
  if (held > 0) return { status: "needs_review", error: heldMessage(held) };
  if (failed === 0) return { status: "success", error: null };
  return {
    status: "partial",
    error: `${failed} event${failed === 1 ? "" : "s"} could not be copied`,
  };
}
