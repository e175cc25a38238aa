/**
 * Scheduled and operator runs: claim the configs that are due (active, `next_run_at <= now`, both
 * Google connections ok) with `FOR UPDATE SKIP LOCKED`, run them a few at a time, and move each
 * one's next run an interval on. Any number of processes may do this against one PostgreSQL:
 * a due config is claimed by exactly one of them.
 */
import {
  acquireSyncLease,
  claimDueSyncConfigs,
  getSyncConfig,
  listDueSyncConfigs,
  releaseSyncLease,
  rescheduleSyncConfig,
  type SyncConfigRow,
} from "@/lib/db/sync_configs.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { type RunSyncOptions, SyncInProgressError, type SyncResult } from "./engine.ts";
import { runConfig } from "./run.ts";

export interface RunDueOptions {
  /** Who holds the leases of the claimed configs: unique per process. */
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
  /** How long a claimed config stays reserved before its run starts renewing it. */
  leaseMs?: number;
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

const DEFAULT_LEASE_MS = 5 * 60_000;

/**
 * Runs the due configs once each (or every active one with `all`, or one with `configId`) and
 * returns their outcomes. Claiming moves `next_run_at` to now + the config's interval.
 * Throws UnknownConfigError for an unknown `configId`.
 * @example await runDueSyncs(services, { owner: "cli:1", limit: 100, trigger: "cli" });
 */
export async function runDueSyncs(services: Services, opts: RunDueOptions): Promise<ConfigRun[]> {
  const { db } = services;
  const runs: ConfigRun[] = [];
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const run = async (config: SyncConfigRow, claimed: boolean): Promise<ConfigRun> => {
    opts.onStart?.(config);
    let outcome: ConfigRun;
    try {
      const result = await runConfig(services, config, {
        trigger: opts.trigger,
        leaseOwner: claimed ? opts.owner : undefined,
        dryRun: opts.dryRun,
        retry: opts.retry,
        onProgress: opts.onProgress && ((done, total) => opts.onProgress!(config, done, total)),
      });
      outcome = { config, result };
    } catch (err) {
      outcome = err instanceof SyncInProgressError
        ? { config, inProgress: true }
        : { config, error: err instanceof Error ? err.message : String(err) };
      if (outcome.error) {
        log.error("Sync run failed", { config_id: config.id, error: outcome.error });
      }
    } finally {
      if (claimed) await releaseSyncLease(db, config.id, opts.owner).catch(() => {});
    }
    runs.push(outcome);
    opts.onEnd?.(outcome);
    return outcome;
  };

  /** Runs a config this call did not claim: takes its lease first, and reschedules it. */
  const runUnclaimed = async (config: SyncConfigRow): Promise<ConfigRun> => {
    if (opts.dryRun) return await run(config, false);
    if (!await acquireSyncLease(db, config.id, opts.owner, leaseMs)) {
      const outcome = { config, inProgress: true };
      runs.push(outcome);
      opts.onEnd?.(outcome);
      return outcome;
    }
    await rescheduleSyncConfig(db, config.id);
    return await run(config, true);
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
      const [config] = await claimDueSyncConfigs(db, opts.owner, { limit: 1, leaseMs });
      if (!config) return;
      await run(config, true);
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
