/**
 * Scheduled and operator runs: claim the configs that are due (active, `next_run_at <= now`, both
 * Google connections ok) with `FOR UPDATE SKIP LOCKED`, run them a few at a time, and move each
 * one's next run an interval on. Any number of processes may do this against one PostgreSQL:
 * a due config is claimed by exactly one of them.
 */
import {
  deferUnrunnableSyncConfigs,
  getSyncConfigOfAnyUser,
  listDueSyncConfigs,
  listSkippedSyncConfigs,
  rescheduleSyncConfig,
  type SyncConfigRow,
} from "@/lib/db/sync_configs.ts";
import { getGoogleAccountsByIds, type GoogleAccountRow } from "@/lib/db/google_accounts.ts";
import { closeInterruptedSyncLogs } from "@/lib/db/sync_logs.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { type RunSyncOptions, SyncInProgressError, type SyncResult } from "./engine.ts";
import { claimDueSyncLeases, type HeldSyncLease, withSyncLease } from "./lease.ts";
import { batched, fromList, runPool } from "./pool.ts";
import { runConfig } from "./run.ts";

export interface RunDueOptions {
  /** Names this process in the leases it takes (`lease_owner` is this plus a unique id). */
  owner: string;
  /** Most configs run in this call; no cap when absent. */
  limit?: number;
  trigger: "schedule" | "cli";
  /** Ignore schedules: every active config with both connections ok, each once. */
  all?: boolean;
  /**
   * With `all`: when the pass began. A config claimed since then (by this pass or another) is
   * not run again, so passes started together share the work. Defaults to the call's start.
   */
  since?: Date;
  /** Run only this config, whatever its schedule or state. */
  configId?: string;
  /** Plan only: nothing is written, claimed or rescheduled. */
  dryRun?: boolean;
  /** Configs run at once (default SYNC_WORKERS); also how many one claim takes. */
  concurrency?: number;
  /** No claim after this time (ms since the epoch): a tick stops before the next one. */
  deadline?: number;
  /**
   * Once done, also return the configs this pass would have run that another process held or
   * claimed meanwhile (`skipped`), for the CLI's summary.
   */
  reportSkipped?: boolean;
  retry?: RunSyncOptions["retry"];
  onStart?: (config: SyncConfigRow) => void;
  onProgress?: (config: SyncConfigRow, done: number, total: number) => void;
  onEnd?: (run: ConfigRun) => void;
}

/** One config's outcome: the run's result, or why it did not run. */
export interface ConfigRun {
  config: SyncConfigRow;
  result?: SyncResult;
  /** Another run held the config, so this one did not run it. */
  inProgress?: boolean;
  /** Another pass claimed and ran it meanwhile (reported with `reportSkipped`). */
  ranElsewhere?: boolean;
  /** An unexpected error (database, bug), as a message. */
  error?: string;
}

/** Whether a config's run went wrong: an error, or a run that did not end `success`. */
export function runFailed(run: ConfigRun): boolean {
  return run.error !== undefined ||
    (run.result !== undefined && run.result.status !== "success");
}

/** Whether this pass left the config to another process (held, or run elsewhere): not a failure. */
export function runSkipped(run: ConfigRun): boolean {
  return run.inProgress === true || run.ranElsewhere === true;
}

export class UnknownConfigError extends Error {
  override name = "UnknownConfigError";
  constructor(id: string) {
    super(`No sync config "${id}"`);
  }
}

/**
 * Runs the due configs once each (or every active one with `all`, or one with `configId`) and
 * returns their outcomes. Claims in batches (`FOR UPDATE SKIP LOCKED`, leases taken in the same
 * statement) until none is left, the `limit` is reached or the `deadline` passes, running
 * `concurrency` at once; any number of processes may do this at once, and each config runs in
 * one of them. Claiming moves `next_run_at` to now + the config's interval.
 * Throws UnknownConfigError for an unknown `configId`.
 * @example await runDueSyncs(services, { owner: "cli:1", trigger: "cli" });
 */
export async function runDueSyncs(services: Services, opts: RunDueOptions): Promise<ConfigRun[]> {
  const pass = new DuePass(services, opts);
  // A run whose process died reads as interrupted from the next tick on, whoever looks.
  if (!opts.dryRun) await closeInterruptedSyncLogs(services.db);
  if (opts.configId) {
    const config = await getSyncConfigOfAnyUser(services.db, opts.configId);
    if (!config) throw new UnknownConfigError(opts.configId);
    await pass.runUnclaimed(config);
  } else if (opts.dryRun) {
    const configs = await listDueSyncConfigs(services.db, { limit: opts.limit, all: opts.all });
    await runPool(pass.concurrency, fromList(configs), (config) => pass.run(config));
  } else {
    await pass.runClaimed();
    if (opts.reportSkipped && pass.left() > 0) await pass.reportSkipped();
  }
  return pass.runs;
}

/** One pass of `runDueSyncs`: what it ran, and how it claims and runs a config. */
class DuePass {
  readonly runs: ConfigRun[] = [];
  readonly since: Date;
  readonly concurrency: number;
  claimed = 0;

  constructor(readonly services: Services, readonly opts: RunDueOptions) {
    this.since = opts.since ?? new Date();
    this.concurrency = Math.max(1, opts.concurrency ?? services.config.syncWorkers);
  }

  /** How many more configs this pass may claim. */
  left(): number {
    return this.opts.limit === undefined ? Infinity : this.opts.limit - this.claimed;
  }

  finish(outcome: ConfigRun): ConfigRun {
    this.runs.push(outcome);
    this.opts.onEnd?.(outcome);
    return outcome;
  }

  async run(
    config: SyncConfigRow,
    lease?: HeldSyncLease,
    accounts?: ReadonlyMap<string, GoogleAccountRow>,
  ): Promise<ConfigRun> {
    const opts = this.opts;
    opts.onStart?.(config);
    try {
      const result = await runConfig(this.services, config, {
        trigger: opts.trigger,
        lease,
        accounts,
        dryRun: opts.dryRun,
        retry: opts.retry,
        onProgress: opts.onProgress && ((done, total) => opts.onProgress!(config, done, total)),
      });
      return this.finish({ config, result });
    } catch (err) {
      if (err instanceof SyncInProgressError) return this.finish({ config, inProgress: true });
      const error = err instanceof Error ? err.message : String(err);
      log.error("Sync run failed", { config_id: config.id, error });
      return this.finish({ config, error });
    }
  }

  /** Runs a config this call did not claim: takes its lease first, and reschedules it. */
  async runUnclaimed(config: SyncConfigRow): Promise<ConfigRun> {
    if (this.opts.dryRun) return await this.run(config);
    const db = this.services.db;
    try {
      return await withSyncLease(db, config.id, { holder: this.opts.owner }, async (lease) => {
        await rescheduleSyncConfig(db, config.id);
        return await this.run(config, lease);
      });
    } catch (err) {
      if (!(err instanceof SyncInProgressError)) throw err;
      return this.finish({ config, inProgress: true });
    }
  }

  /** Claims the due configs in batches and runs them, until none is left, the limit or the deadline. */
  async runClaimed(): Promise<void> {
    const { db } = this.services;
    const opts = this.opts;
    // Keeps each claim to the due configs that can run (see deferUnrunnableSyncConfigs).
    if (!opts.all) await deferUnrunnableSyncConfigs(db);
    const claim = async () => {
      // A batch no larger than the workers: a claimed config waits for one run at most.
      const batch = await claimDueSyncLeases(db, {
        holder: opts.owner,
        limit: Math.min(this.concurrency, this.left()),
        all: opts.all,
        since: opts.all ? this.since : undefined,
        // With a healthy push channel the poll is only the backstop (lib/sync/push.ts).
        backstopMinutes: this.services.config.webhookUrl
          ? this.services.config.pushBackstopMinutes
          : undefined,
      });
      this.claimed += batch.length;
      // The batch's accounts in one statement, rather than two per run.
      const accounts = await getGoogleAccountsByIds(
        db,
        batch.flatMap(({ config }) => [config.source_account_id, config.dest_account_id])
          .filter((id): id is string => id !== null),
      );
      return batch.map((claimed) => ({ ...claimed, accounts }));
    };
    const stop = () =>
      this.left() <= 0 || (opts.deadline !== undefined && Date.now() >= opts.deadline);
    await runPool(
      this.concurrency,
      batched(claim, stop),
      ({ config, lease, accounts }) => lease.use((held) => this.run(config, held, accounts)),
    );
  }

  /** The configs this pass would have run that another process held or ran meanwhile. */
  async reportSkipped(): Promise<void> {
    const mine = new Set(this.runs.map((r) => r.config.id));
    const skipped = await listSkippedSyncConfigs(this.services.db, {
      since: this.since,
      all: this.opts.all,
    });
    for (const config of skipped) {
      if (mine.has(config.id)) continue;
      const held = config.lease_owner !== null && config.lease_expires_at !== null &&
        new Date(config.lease_expires_at).getTime() > Date.now();
      this.finish(held ? { config, inProgress: true } : { config, ranElsewhere: true });
    }
  }
}

/** How long a tick keeps claiming: the next one starts a minute after it. */
export const TICK_BUDGET_MS = 50_000;

/**
 * Registers the every-minute Deno.cron job that runs every due config (SYNC_WORKERS at once). Does nothing (and says so)
 * when Deno.cron is missing (no `--unstable-cron`), and under APP_ENV=test. Returns whether it
 * registered; `signal` unregisters the job.
 * @example startScheduler(services);
 */
export function startScheduler(
  services: Services,
  opts: { signal?: AbortSignal; concurrency?: number } = {},
): boolean {
  if (services.config.appEnv === "test") return false;
  if (typeof Deno.cron !== "function") {
    log.warn("Scheduled syncs are off: Deno.cron needs --unstable-cron");
    return false;
  }
  const owner = `schedule:${crypto.randomUUID()}`;
  Deno.cron("cal-sync due syncs", "* * * * *", { signal: opts.signal }, async () => {
    try {
      // Drains everything due, but leaves the minute's last seconds free: a tick that runs
      // into the next one would leave that one nothing to do, and its configs late meanwhile.
      const runs = await runDueSyncs(services, {
        owner,
        trigger: "schedule",
        concurrency: opts.concurrency,
        deadline: Date.now() + TICK_BUDGET_MS,
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
