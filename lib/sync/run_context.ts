/**
 * What a run is given (RunSyncOptions) and what it holds while it runs (Run): the types the
 * engine, its passes and two-way runs share.
 */
import type { calendar_v3 } from "@googleapis/calendar";
import type { Db } from "../db/mod.ts";
import type { SyncConfigRow } from "../db/sync_configs.ts";
import type { SyncTrigger } from "../db/sync_logs.ts";
import type { Applier } from "./apply.ts";
import type { GoogleApiOptions, RunApis } from "./google_api.ts";
import type { HeldSyncLease } from "./lease.ts";
import type * as planner from "./plan.ts";
import type { Preview } from "./preview.ts";
import type { RunWindow } from "./source.ts";
import type { TwoWayOutcome } from "./two_way.ts";

export interface RunSyncOptions {
  db: Db;
  source: calendar_v3.Calendar;
  dest: calendar_v3.Calendar;
  config: SyncConfigRow;
  trigger: SyncTrigger;
  now?: Date;
  /** Writes in flight at once (default 8). */
  concurrency?: number;
  /** Requests per minute per Google account (default 600). */
  quotaPerMinute?: number;
  dryRun?: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** The config's run lease, when the caller holds it; otherwise the run takes it itself. */
  lease?: HeldSyncLease;
  /** Backoff settings (tests shorten them). */
  retry?: GoogleApiOptions["retry"];
  /** Ask Google for only the fields the engine reads (default true; off to measure, in bench). */
  partialResponses?: boolean;
  /** Wraps the run's Google interface: tests fault one call here, not in the generated client. */
  wrapApis?: (apis: RunApis) => RunApis;
}

/** One run's parts, and what it did so far (kept when it stops half-way). */
export interface Run {
  opts: RunSyncOptions;
  config: SyncConfigRow;
  window: RunWindow;
  apis: RunApis;
  signal?: AbortSignal;
  plan?: planner.Plan;
  /** The writes' counts and failures (both passes' together, for a two-way run). */
  applier?: Pick<Applier, "counts" | "failures" | "reconnect">;
  dryRunPlan?: planner.PlannedChange[];
  /** Where the next run resumes, once this one copied everything. */
  cursor?: { sync_token: string | null; window_end: Date };
  lease?: HeldSyncLease;
  /** The run's log row is in: awaited before the first write (awaiting it sends the insert). */
  logged?: PromiseLike<void>;
  /** Removals held by the deletion guard (0: none). */
  held?: number;
  preview?: Preview;
  /** Two-way runs: what each direction wrote, and the conflicts resolved. */
  twoWay?: TwoWayOutcome;
}
