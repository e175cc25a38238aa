/**
 * A run's `sync_logs` row: started before the first write (so a killed run is closed as
 * interrupted), or written whole at the end by a run that found nothing to do; and the one
 * statement that closes it, records the outcome and cursor, and gives the lease back.
 */
import {
  finishSyncRun,
  INTERRUPTED_MESSAGE,
  recordTwoWayLog,
  startSyncLog,
} from "../db/sync_logs.ts";
import { SyncLeaseLostError } from "./lease.ts";
import type { Run } from "./run_context.ts";
import type { RunEnding, SyncResult } from "./run_result.ts";

/**
 * The log row must be in before the first write (a killed run is then closed as interrupted): a
 * full listing's goes in while the source is read, an incremental one's when `run.logged` is
 * awaited (something to do), else `finish` writes it whole. A failed insert fails the run.
 */
export function logRow(run: Run, id: string): () => Promise<void> | undefined {
  let inserted: Promise<void> | undefined;
  const { config, window } = run;
  const row = { ...logStart(run), config_id: config.id, window_end: new Date(window.windowEnd) };
  const insert = () => inserted ??= startSyncLog(run.opts.db, row, id).then(() => {});
  run.logged = { then: (done, failed) => insert().then(done, failed) };
  if (window.full) insert().catch(() => {});
  return () => inserted;
}

/** The run as its log row starts. */
const logStart = (run: Run) => ({
  user_id: run.config.user_id,
  trigger: run.opts.trigger,
  started_at: new Date(run.window.now),
  window_start: new Date(run.window.now),
});

/** Closes the log, records the outcome and cursor, and gives the lease back: one statement. */
export async function finishRun(run: Run, result: SyncResult, ending: RunEnding) {
  // A run that lost its lease was cut short like one whose process died: say so alike.
  const leaseLost = ending.kind === "aborted" && run.signal?.reason instanceof SyncLeaseLostError;
  const released = await finishSyncRun(run.opts.db, result.sync_log_id!, {
    ...result,
    ...(leaseLost ? { status: "interrupted", error: INTERRUPTED_MESSAGE } : {}),
    window_end: new Date(run.window.windowEnd),
  }, {
    configId: run.config.id,
    run: logStart(run),
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
  // Only what differs from the row's defaults (nothing either way, no conflict): an idle run's
  // ending stays one statement.
  if (run.twoWay && (result.conflicts || result.a_to_b || result.b_to_a)) {
    await recordTwoWayLog(run.opts.db, result.sync_log_id!, {
      conflicts: result.conflicts,
      a_to_b: result.a_to_b,
      b_to_a: result.b_to_a,
      conflict_details: run.twoWay.conflicts,
    });
  }
}
