/**
 * The one owner of a config's run lease. A run (manual, scheduled, from the CLI, or the removal
 * of a deleted config's copies) holds the lease of its config in the database, so that no two
 * runs of one config overlap, across processes. The lease is short and heartbeated: a process
 * that dies (killed, out of memory, a deploy) frees its configs within `LEASE_TTL_MS`, and the
 * run it left `running` is then closed as interrupted. The SQL lives in `lib/db/sync_configs.ts`;
 * nothing else takes, renews or gives back a lease, but for a run's own finish, which gives it
 * back with the outcome in one statement (`finishSyncRun`) and says so (`releasedWith`).
 */
import type { Db } from "@/lib/db/mod.ts";
import {
  acquireSyncLease,
  claimDueSyncConfigs,
  releaseAllSyncLeases,
  releaseSyncLease,
  renewSyncLease,
  type SyncConfigRow,
} from "@/lib/db/sync_configs.ts";
import { closeInterruptedSyncLogs } from "@/lib/db/sync_logs.ts";
import { log } from "@/lib/log.ts";

/** How long a lease lives without a heartbeat: a dead holder's configs are free after this. */
export const LEASE_TTL_MS = 45_000;
/** How often a held lease is renewed: three beats fit in one TTL, so one missed beat is harmless. */
export const HEARTBEAT_MS = 15_000;

/** A run of this config is already in progress somewhere (maps to HTTP 409). */
export class SyncInProgressError extends Error {
  override name = "SyncInProgressError";
  constructor(public configId: string) {
    super(`A sync of config "${configId}" is already in progress`);
  }
}

/** The heartbeat found the lease lapsed or taken: the run must stop writing (its abort reason). */
export class SyncLeaseLostError extends Error {
  override name = "SyncLeaseLostError";
  constructor(public configId: string) {
    super(`The run lease of config "${configId}" was lost`);
  }
}

export interface SyncLeaseOptions {
  /** Names the holder in `lease_owner` (`manual`, `schedule`, `cli`, `delete`, `run`). */
  holder?: string;
  /** Tests shorten these; everything else keeps the defaults. */
  ttlMs?: number;
  heartbeatMs?: number;
}

/** A lease held by this process: `signal` aborts when the heartbeat finds it lost. */
export interface HeldSyncLease {
  readonly configId: string;
  readonly owner: string;
  readonly signal: AbortSignal;
  /** The config as the statement that took the lease read it (so a run need not read it again). */
  readonly row?: SyncConfigRow;
  /**
   * Says the lease was given back by a statement of the run's own (its finish, which releases it
   * with the outcome): the heartbeat stops and `release()` sends nothing more.
   */
  releasedWith(): void;
}

/** A held lease that heartbeats while in use, and is released once. */
export class SyncLease implements HeldSyncLease {
  readonly #db: Db;
  readonly #ttlMs: number;
  readonly #controller = new AbortController();
  readonly #heartbeatMs: number;
  #timer: number | undefined;
  #renewedAt = Date.now();
  #released: Promise<void> | undefined;

  constructor(
    db: Db,
    readonly configId: string,
    readonly owner: string,
    opts: SyncLeaseOptions,
    readonly row?: SyncConfigRow,
  ) {
    this.#db = db;
    this.#ttlMs = opts.ttlMs ?? LEASE_TTL_MS;
    this.#heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  async #beat() {
    if (this.#released || this.signal.aborted) return;
    let held: boolean;
    try {
      held = await renewSyncLease(this.#db, this.configId, this.owner, this.#ttlMs);
    } catch (err) {
      // The database is out of reach: keep trying while the lease may still be live.
      held = Date.now() - this.#renewedAt < this.#ttlMs;
      log.warn("Could not renew a run lease", {
        config_id: this.configId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    if (this.#released) return;
    if (held) {
      this.#renewedAt = Date.now();
      return;
    }
    log.warn("A run lost its lease and stops", { config_id: this.configId });
    this.#controller.abort(new SyncLeaseLostError(this.configId));
  }

  /**
   * Runs `fn` under the lease, heartbeating, then gives it back whatever happens. A lease taken
   * and never used nor released is not kept alive: it lapses by itself within the TTL.
   */
  async use<T>(fn: (lease: HeldSyncLease) => Promise<T>): Promise<T> {
    if (this.#released) throw new SyncLeaseLostError(this.configId);
    this.heartbeat();
    try {
      return await fn(this);
    } finally {
      await this.release();
    }
  }

  /**
   * Starts heartbeating before `use()`: for a lease claimed in a batch, which may wait in this
   * process's queue for a worker longer than the TTL.
   */
  heartbeat(): void {
    if (this.#timer !== undefined || this.#released) return;
    // Deno's timers are numbers (the Node types in scope say Timeout): unrefTimer needs the number.
    this.#timer = Number(setInterval(() => this.#beat(), this.#heartbeatMs));
    // A heartbeat alone must not keep a process alive whose work is done.
    Deno.unrefTimer(this.#timer);
  }

  releasedWith(): void {
    clearInterval(this.#timer);
    this.#released ??= Promise.resolve();
  }

  /** Stops the heartbeat and gives the lease back (once; later calls wait for the first). */
  release(): Promise<void> {
    this.#released ??= (async () => {
      clearInterval(this.#timer);
      try {
        await releaseSyncLease(this.#db, this.configId, this.owner);
      } catch (err) {
        // It lapses by itself within the TTL.
        log.warn("Could not give a run lease back", {
          config_id: this.configId,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    })();
    return this.#released;
  }
}

function ownerName(holder = "run"): string {
  return `${holder}:${crypto.randomUUID()}`;
}

/**
 * Takes the run lease of a config (it heartbeats once `use()`d); throws SyncInProgressError when
 * a run holds it elsewhere. For callers that must refuse before they answer (a manual run).
 * @example const lease = await takeSyncLease(db, id, { holder: "manual" }); await lease.use(run);
 */
export async function takeSyncLease(
  db: Db,
  configId: string,
  opts: SyncLeaseOptions = {},
): Promise<SyncLease> {
  const owner = ownerName(opts.holder);
  const row = await acquireSyncLease(db, configId, owner, opts.ttlMs ?? LEASE_TTL_MS);
  if (!row) throw new SyncInProgressError(configId);
  return new SyncLease(db, configId, owner, opts, row);
}

/**
 * Runs `fn` holding the config's run lease: acquires once (SyncInProgressError when held
 * elsewhere), heartbeats, releases once.
 * @example await withSyncLease(db, config.id, { holder: "cli" }, (lease) => runSync({ …, lease }));
 */
export async function withSyncLease<T>(
  db: Db,
  configId: string,
  opts: SyncLeaseOptions,
  fn: (lease: HeldSyncLease) => Promise<T>,
): Promise<T> {
  return await (await takeSyncLease(db, configId, opts)).use(fn);
}

/** A config claimed for a run, with its lease (heartbeating from the claim on). */
export interface ClaimedSyncConfig {
  config: SyncConfigRow;
  lease: SyncLease;
}

/**
 * Claims up to `limit` due configs in one statement (see `claimDueSyncConfigs`), each with its
 * lease taken and heartbeating at once, so a config waiting for a worker keeps it; empty when
 * none is due. The caller `use()`s or releases each.
 * @example const batch = await claimDueSyncLeases(db, { holder: "schedule", limit: 16 });
 */
export async function claimDueSyncLeases(
  db: Db,
  opts: SyncLeaseOptions & { limit: number; all?: boolean; since?: Date; backstopMinutes?: number },
): Promise<ClaimedSyncConfig[]> {
  // One owner for the batch: release and renewal match the config id and the owner together.
  const owner = ownerName(opts.holder);
  const configs = await claimDueSyncConfigs(db, owner, {
    limit: opts.limit,
    leaseMs: opts.ttlMs ?? LEASE_TTL_MS,
    all: opts.all,
    since: opts.since,
    backstopMinutes: opts.backstopMinutes,
  });
  return configs.map((config) => {
    const lease = new SyncLease(db, config.id, owner, opts, config);
    lease.heartbeat();
    return { config, lease };
  });
}

/**
 * At a process's start: on the embedded database (only one process can open it, so no other
 * holder lives) frees every lease at once; on PostgreSQL, where other instances may be running,
 * closes only the runs whose lease has lapsed. Either way no dead run reads as running.
 */
export async function recoverSyncLeases(db: Db): Promise<void> {
  if (db.kind === "pglite") {
    const freed = await releaseAllSyncLeases(db);
    if (freed) log.info(`Freed the run leases of ${freed} sync(s) left by a stopped process`);
  } else {
    await closeInterruptedSyncLogs(db);
  }
}
