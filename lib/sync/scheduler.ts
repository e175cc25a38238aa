/**
 * Scheduled and operator runs: claim the configs that are due (active, `next_run_at <= now`, both
 * Google connections ok) with `FOR UPDATE SKIP LOCKED`, run them a few at a time, and move each
 * one's next run an interval on. Any number of processes may do this against one PostgreSQL:
 * a due config is claimed by exactly one of them.
 */
import {
  getSyncConfig,
  listDueSyncConfigs,
  rescheduleSyncConfig,
  type SyncConfigRow,
} from "@/lib/db/sync_configs.ts";
import { closeInterruptedSyncLogs } from "@/lib/db/sync_logs.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { type RunSyncOptions, SyncInProgressError, type SyncResult } from "./engine.ts";
import { claimDueSyncLease, type HeldSyncLease, type SyncLease, withSyncLease } from "./lease.ts";
import { runConfig } from "./run.ts";

export interface RunDueOptions {
  /** Names this process in the leases it takes (`lease_owner` is this plus a unique id). */
  owner: string;
  /** Most configs run in this call. */
  limit: number;
  trigger: "schedule" | "cli";
  /** Ignore schedules: every active config with both connections ok. */
  all?: boolean;
  /** Run only this config, whatever its schedule or state. */
  configId?: string;
  /** Plan only: nothing is written, claimed or rescheduled. */
  dryRun?: boolean;
  /** Configs run at once (default 4). */
  concurrency?: number;
  retry?: RunSyncOptions["retry"];
  onStart?: (config: SyncConfigRow) => void;
  onProgress?: (config: SyncConfigRow, done: number, total: number) => void;
  onEnd?: (run: ConfigRun) => void;
}

/** One config's outcome: the run's result, or why it did not run. */
export interface ConfigRun {
  config: SyncConfigRow;
  result?: SyncResult;
  /** Another run held the config, so this one did not run it (claims skip such configs). */
  inProgress?: boolean;
  /** An unexpected error (database, bug), as a message. */
  error?: string;
}

/** Whether a config's run went wrong: an error, or a run that did not end `success`. */
export function runFailed(run: ConfigRun): boolean {
  return run.error !== undefined ||
    (run.result !== undefined && run.result.status !== "success");
}

export class UnknownConfigError extends Error {
  override name = "UnknownConfigError";
  constructor(id: string) {
    super(`No sync config "${id}"`);
  }
}

/**
 * Runs the due configs once each (or every active one with `all`, or one with `configId`) and
 * returns their outcomes. Claiming moves `next_run_at` to now + the config's interval.
 * Throws UnknownConfigError for an unknown `configId`.
 * @example await runDueSyncs(services, { owner: "cli:1", limit: 100, trigger: "cli" });
 */
export async function runDueSyncs(services: Services, opts: RunDueOptions): Promise<ConfigRun[]> {
  const { db } = services;
  const runs: ConfigRun[] = [];
  const holder = opts.owner;
  // A run whose process died reads as interrupted from the next tick on, whoever looks.
  if (!opts.dryRun) await closeInterruptedSyncLogs(db);
  const finish = (outcome: ConfigRun) => {
    runs.push(outcome);
    opts.onEnd?.(outcome);
    return outcome;
  };
  const run = async (config: SyncConfigRow, lease?: HeldSyncLease): Promise<ConfigRun> => {
    opts.onStart?.(config);
    try {
      const result = await runConfig(services, config, {
        trigger: opts.trigger,
        lease,
        dryRun: opts.dryRun,
        retry: opts.retry,
        onProgress: opts.onProgress && ((done, total) => opts.onProgress!(config, done, total)),
      });
      return finish({ config, result });
    } catch (err) {
      if (err instanceof SyncInProgressError) return finish({ config, inProgress: true });
      const error = err instanceof Error ? err.message : String(err);
      log.error("Sync run failed", { config_id: config.id, error });
      return finish({ config, error });
    }
  };
  const runClaimed = (config: SyncConfigRow, lease: SyncLease) =>
    lease.use((held) => run(config, held));

  /** Runs a config this call did not claim: takes its lease first, and reschedules it. */
  const runUnclaimed = async (config: SyncConfigRow): Promise<ConfigRun> => {
    if (opts.dryRun) return await run(config);
    try {
      return await withSyncLease(db, config.id, { holder }, async (lease) => {
        await rescheduleSyncConfig(db, config.id);
        return await run(config, lease);
      });
    } catch (err) {
      if (!(err instanceof SyncInProgressError)) throw err;
      return finish({ config, inProgress: true });
    }
  };

  if (opts.configId) {
    const config = await getSyncConfig(db, opts.configId);
    if (!config) throw new UnknownConfigError(opts.configId);
    await runUnclaimed(config);
    return runs;
  }

  const concurrency = Math.max(1, opts.concurrency ?? 4);
  if (opts.dryRun || opts.all) {
    // Listed up front and leased one by one: with `all`, a finished config is claimable again.
    const configs = await listDueSyncConfigs(db, { limit: opts.limit, all: opts.all });
    await pool(configs, concurrency, runUnclaimed);
    return runs;
  }

  let claimed = 0;
  const worker = async () => {
    while (claimed < opts.limit) {
      claimed++;
      const claim = await claimDueSyncLease(db, { holder });
      if (!claim) return;
      await runClaimed(claim.config, claim.lease);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return runs;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Registers the every-minute Deno.cron job that runs due configs. Does nothing (and says so)
 * when Deno.cron is missing (no `--unstable-cron`), and under APP_ENV=test. Returns whether it
 * registered; `signal` unregisters the job.
 * @example startScheduler(services);
 */
export function startScheduler(
  services: Services,
  opts: { signal?: AbortSignal; limit?: number; concurrency?: number } = {},
): boolean {
  if (services.config.appEnv === "test") return false;
  if (typeof Deno.cron !== "function") {
    log.warn("Scheduled syncs are off: Deno.cron needs --unstable-cron");
    return false;
  }
  const owner = `schedule:${crypto.randomUUID()}`;
  Deno.cron("cal-sync due syncs", "* * * * *", { signal: opts.signal }, async () => {
    try {
      const runs = await runDueSyncs(services, {
        owner,
        limit: opts.limit ?? 100,
        trigger: "schedule",
        concurrency: opts.concurrency ?? 4,
      });
      if (runs.length) {
        log.info("Scheduled syncs ran", {
          configs: runs.length,
          failed: runs.filter(runFailed).length,
        });
      }
    } catch (err) {
      log.error("Scheduled syncs failed", {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  });
  return true;
}
