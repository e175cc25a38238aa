/**
 * The sync engine, top to bottom: lease → log → read the source → plan → apply → record → finish.
 * What a run will do is decided in plan.ts, how writes are sent in apply.ts, what is remembered
 * between runs in mappings.ts, how the source is read in source.ts.
 */
import type { calendar_v3 } from "@googleapis/calendar";
import type { Db } from "../db/mod.ts";
import { getSyncConfigOfAnyUser, type SyncConfigRow } from "../db/sync_configs.ts";
import {
  finishSyncRun,
  INTERRUPTED_MESSAGE,
  recordTwoWayLog,
  startSyncLog,
  type SyncFailure,
  type SyncTrigger,
} from "../db/sync_logs.ts";
import { isAbortError, isAuthLost } from "../google/errors.ts";
import { Applier } from "./apply.ts";
import { failureReason } from "./failure_reason.ts";
import { holdMassDeletion } from "./guard.ts";
import { type GoogleApiOptions, googleApisFor, type RunApis } from "./google_api.ts";
import {
  type HeldSyncLease,
  SyncInProgressError,
  SyncLeaseLostError,
  withSyncLease,
} from "./lease.ts";
import { MappingBook } from "./mappings.ts";
import { syncOptionsOf } from "./options.ts";
import { type Preview, previewOf } from "./preview.ts";
import * as planner from "./plan.ts";
import {
  runCountsOf,
  type RunEnding,
  runStatus,
  type SyncResult,
  type SyncStatus,
} from "./run_result.ts";
import {
  fetchMasters,
  listSeries,
  readChanges,
  type RunWindow,
  runWindow,
  type SourceChanges,
} from "./source.ts";
import { type TwoWayOutcome, twoWaySteps } from "./two_way.ts";

export type PlannedChange = planner.PlannedChange;
export type { SyncFailure, SyncResult, SyncStatus, SyncTrigger };
export { SyncInProgressError };

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

/**
 * Runs one sync of `config` from `source` to `dest`. Holds the config's run lease (the caller's,
 * or one it takes: SyncInProgressError when another run holds it), records one `sync_logs` row,
 * and returns the counts. Never throws for Google errors: they end up in the result's status and
 * failures. A run whose lease is lost stops, is logged as interrupted, and throws.
 */
export async function runSync(opts: RunSyncOptions): Promise<SyncResult> {
  if (opts.dryRun) return await runLeased(opts);
  if (opts.lease) return await runLeased(opts, opts.lease);
  return await withSyncLease(opts.db, opts.config.id, {}, (lease) => runLeased(opts, lease));
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
  /** The run's log row is in (it goes in while the source is read). */
  logged?: Promise<void>;
  /** Removals held by the deletion guard (0: none). */
  held?: number;
  preview?: Preview;
  /** Two-way runs: what each direction wrote, and the conflicts resolved. */
  twoWay?: TwoWayOutcome;
}

async function runLeased(opts: RunSyncOptions, lease?: HeldSyncLease): Promise<SyncResult> {
  const signals = [opts.signal, lease?.signal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  // The statement that took the lease read the config already. A dry run (a preview) plans the
  // config it is given: maybe options not saved yet.
  const config = opts.dryRun
    ? opts.config
    : lease?.row ?? (await getSyncConfigOfAnyUser(opts.db, opts.config.id)) ?? opts.config;
  const window = runWindow(config, (opts.now ?? new Date()).getTime());
  const apis = (opts.wrapApis ?? ((a) => a))(googleApisFor(config, { ...opts, signal }));
  const run: Run = { opts, config, window, apis, signal, lease };
  const started = Date.now();
  // The log row goes in while the source is read: it must exist before the first write (a run
  // killed after that is closed as interrupted), not before a read. A failed insert fails the run.
  const logId = opts.dryRun ? null : crypto.randomUUID();
  run.logged = logId === null ? Promise.resolve() : startLog(run, logId).then(() => {});
  run.logged.catch(() => {});
  const ending = await steps(run).then(
    (): RunEnding => ({ kind: "done" }),
    (err) => endingOf(run, err),
  );
  await run.logged;
  const result = resultOf(run, ending, logId, started);
  if (!opts.dryRun) await finish(run, result, ending);
  if (ending.kind === "aborted") signal?.throwIfAborted();
  return result;
}

/** Read → plan → apply → record. */
async function steps(run: Run): Promise<void> {
  if (run.config.direction === "two_way") return await twoWaySteps(run);
  const { opts, config, window, apis } = run;
  const changes = await readChanges(apis.source, config.sync_token, window);
  await run.logged;
  // Nothing listed, nothing to plan: a run that changed nothing reads no mapping.
  const idle = !changes.full && changes.items.length === 0 && changes.slice.length === 0;
  const book = idle
    ? MappingBook.empty(opts.db, config.id)
    : await MappingBook.load(opts.db, config.id);
  const input = {
    configId: config.id,
    book,
    apis,
    window,
    changes,
    options: syncOptionsOf(config),
    approved: config.deletions_approved,
  };
  const pass = await syncPass(run, input, (a, p) => {
    run.applier = a;
    run.plan = p;
  });
  run.plan = pass.plan;
  run.dryRunPlan = pass.dryRunPlan;
  run.preview = pass.preview;
  run.held = pass.held ?? 0;
  // An event that failed is not among the next run's changes: keep the old cursor so that the
  // next run lists it again and retries it, rather than report success without it. Held removals
  // alike: the next run must see them again.
  if (!passDone(pass)) return;
  run.cursor = { sync_token: changes.syncToken, window_end: new Date(window.windowEnd) };
}

/** One direction of a run: a calendar's changes copied to the other through one mapping book. */
export interface PassInput {
  /** The key of the pass's ids and markers: the config's id, or its reverse pass's. */
  configId: string;
  book: MappingBook;
  apis: Pick<RunApis, "source" | "dest">;
  window: RunWindow;
  changes: SourceChanges;
  options: ReturnType<typeof syncOptionsOf>;
  /** The owner approved the removals the deletion guard held. */
  approved: boolean;
}

export interface PassOutcome {
  plan: planner.Plan;
  applier?: Applier;
  dryRunPlan?: planner.PlannedChange[];
  preview?: Preview;
  /** Removals held by the deletion guard (0: none). */
  held?: number;
}

/** Whether a pass wrote everything it planned (then its cursor may move on). */
export function passDone(pass: PassOutcome): boolean {
  return pass.applier !== undefined && !pass.applier.reconnect &&
    pass.applier.failures.length === 0 && !pass.held;
}

/** Plans one pass's changes, then applies them (a dry run only describes them). */
export async function syncPass(
  run: Pick<Run, "opts" | "signal">,
  p: PassInput,
  onApply?: (applier: Applier, plan: planner.Plan) => void,
): Promise<PassOutcome> {
  const { opts } = run;
  const { apis, window, changes } = p;
  const ctx: planner.PlanContext = {
    configId: p.configId,
    ...window,
    mappings: p.book,
    options: p.options,
  };
  const plan = await planner.planEvents(ctx, changes.items, changes.slice);
  const masters = planner.mastersNeeded(ctx, plan, changes.full);
  await planner.addMasters(ctx, plan, await fetchMasters(apis.source, masters, plan.byId));
  if (changes.full) planner.sweepGhosts(ctx, plan);
  for (const series of planner.seriesToList(ctx, plan, changes.full)) {
    planner.addSeriesExceptions(plan, series, await listSeries(apis.source, series.iCalUID));
  }
  if (opts.dryRun) {
    return {
      plan,
      dryRunPlan: planner.describePlan(ctx, plan),
      preview: await previewOf(ctx, plan),
    };
  }
  const held = holdMassDeletion(plan.first, p.book, p.approved);
  const applier = new Applier({
    configId: p.configId,
    book: p.book,
    dest: apis.dest,
    concurrency: Math.max(1, opts.concurrency ?? 8),
    signal: run.signal,
    onProgress: opts.onProgress,
    rewritten: plan.rewritten,
  });
  onApply?.(applier, plan);
  await applier.applyAll(plan.first);
  // Instances are planned once their series is written: they live on its copy.
  if (!applier.reconnect) await applier.applyAll(await planner.planInstances(ctx, plan));
  if (!applier.reconnect) await applier.settleSeries();
  return { plan, applier, held };
}

function endingOf(run: Run, err: unknown): RunEnding {
  if (isAbortError(err, run.signal)) return { kind: "aborted" };
  if (isAuthLost(err)) return { kind: "reconnect" };
  return { kind: "fatal", error: failureReason(err, { config_id: run.config.id }) };
}

function resultOf(run: Run, ending: RunEnding, logId: string | null, started: number): SyncResult {
  const failures = run.applier?.failures ?? [];
  return {
    sync_log_id: logId,
    ...runStatus(ending, failures.length, run.applier?.reconnect === true, run.held),
    ...runCountsOf({
      ...run.applier?.counts,
      events_skipped: run.twoWay?.skipped() ?? run.plan?.skipped,
      events_failed: failures.length,
      api_calls: run.apis.apiCalls() + (run.twoWay?.apiCalls() ?? 0),
      a_to_b: run.twoWay?.aToB() ?? 0,
      b_to_a: run.twoWay?.bToA() ?? 0,
      conflicts: run.twoWay?.conflicts.length ?? 0,
    }),
    duration_ms: Date.now() - started,
    failures,
    ...(run.twoWay ? { conflict_details: run.twoWay.conflicts } : {}),
    ...(run.opts.dryRun ? { plan: run.dryRunPlan ?? [], preview: run.preview } : {}),
  };
}

/** The writes a pass made, from its applier's counts. */
export function writesOf(c: Partial<Applier["counts"]> | undefined): number {
  return (c?.events_created ?? 0) + (c?.events_updated ?? 0) + (c?.events_deleted ?? 0);
}

function startLog(run: Run, id: string): Promise<string> {
  return startSyncLog(run.opts.db, {
    config_id: run.config.id,
    user_id: run.config.user_id,
    trigger: run.opts.trigger,
    started_at: new Date(run.window.now),
    window_start: new Date(run.window.now),
    window_end: new Date(run.window.windowEnd),
  }, id);
}

/** Closes the log, records the outcome and cursor, and gives the lease back: one statement. */
async function finish(run: Run, result: SyncResult, ending: RunEnding) {
  // A run that lost its lease was cut short like one whose process died: say so alike.
  const leaseLost = ending.kind === "aborted" && run.signal?.reason instanceof SyncLeaseLostError;
  const released = await finishSyncRun(run.opts.db, result.sync_log_id!, {
    ...result,
    ...(leaseLost ? { status: "interrupted", error: INTERRUPTED_MESSAGE } : {}),
    window_end: new Date(run.window.windowEnd),
  }, {
    configId: run.config.id,
    configStatus: result.status,
    finishedAt: new Date(),
    cursor: run.cursor,
    leaseOwner: run.lease?.owner,
    ...(ending.kind === "done"
      ? {
        guard: {
          held: run.held ?? 0,
          approvalUsed: run.config.deletions_approved && !run.held,
        },
      }
      : {}),
  });
  if (released) run.lease?.releasedWith();
  if (run.twoWay) {
    await recordTwoWayLog(run.opts.db, result.sync_log_id!, {
      conflicts: result.conflicts,
      a_to_b: result.a_to_b,
      b_to_a: result.b_to_a,
      conflict_details: run.twoWay.conflicts,
    });
  }
}
