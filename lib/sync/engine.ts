/**
 * The sync engine, top to bottom: lease → log → read the source → plan → apply → record → finish.
 * What a run will do is decided in plan.ts, how writes are sent in apply.ts, what is remembered
 * between runs in mappings.ts, how the source is read in source.ts, its log row in run_log.ts;
 * one direction's plan-and-apply is a pass (pass.ts), a two-way run is two (two_way.ts); what a
 * run is given is run_context.ts.
 */
import { getSyncConfigOfAnyUser } from "../db/sync_configs.ts";
import type { SyncFailure, SyncTrigger } from "../db/sync_logs.ts";
import { isAbortError, isAuthLost } from "../google/errors.ts";
import { failureReason } from "./failure_reason.ts";
import { googleApisFor } from "./google_api.ts";
import { type HeldSyncLease, SyncInProgressError, withSyncLease } from "./lease.ts";
import { MappingBook } from "./mappings.ts";
import { syncOptionsOf } from "./options.ts";
import { passDone, syncPass } from "./pass.ts";
import type * as planner from "./plan.ts";
import type { Run, RunSyncOptions } from "./run_context.ts";
import { finishRun, logRow } from "./run_log.ts";
import {
  runCountsOf,
  type RunEnding,
  runStatus,
  type SyncResult,
  type SyncStatus,
} from "./run_result.ts";
import { idsToPlan, readChanges, runWindow } from "./source.ts";
import { twoWaySteps } from "./two_way.ts";

export type PlannedChange = planner.PlannedChange;
export type { RunSyncOptions };
export type { SyncFailure, SyncResult, SyncStatus, SyncTrigger };
export { SyncInProgressError };

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
  const logId = opts.dryRun ? null : crypto.randomUUID();
  const inserted = logId === null ? () => undefined : logRow(run, logId);
  const ending = await steps(run).then(
    (): RunEnding => ({ kind: "done" }),
    (err) => endingOf(run, err),
  );
  await inserted();
  const result = resultOf(run, ending, logId, started);
  if (!opts.dryRun) await finishRun(run, result, ending);
  if (ending.kind === "aborted") signal?.throwIfAborted();
  return result;
}

/** Read → plan → apply → record. */
async function steps(run: Run): Promise<void> {
  if (run.config.direction === "two_way") return await twoWaySteps(run);
  const { opts, config, window, apis } = run;
  const changes = await readChanges(apis.source, config.sync_token, window);
  // Only the mappings of what an incremental run lists (none, nor a log row yet, when nothing
  // changed); all of them for a full listing's ghost sweep.
  const ids = idsToPlan(changes);
  if (!ids || ids.length > 0) await run.logged;
  const book = ids
    ? await MappingBook.loadFor(opts.db, config.id, ids)
    : await MappingBook.load(opts.db, config.id);
  const input = {
    configId: config.id,
    book,
    apis,
    window,
    changes,
    options: syncOptionsOf(config),
    shownOptions: opts.dryRun ? await savedOptions(run) : undefined,
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
  // A failed event (or a held removal) is not among the next run's changes: keep the old cursor
  // so that the next run lists it again, rather than report success without it.
  if (!passDone(pass)) return;
  run.cursor = { sync_token: changes.syncToken, window_end: new Date(window.windowEnd) };
}

/** A dry run's saved config's options (a preview's config may carry a change not saved yet). */
async function savedOptions(run: Run) {
  const saved = await getSyncConfigOfAnyUser(run.opts.db, run.config.id);
  return saved ? syncOptionsOf(saved) : undefined;
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
