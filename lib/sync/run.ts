/**
 * One run of one config as every entry point starts it (the trigger route, the scheduler, the
 * CLI): the Google clients of the config's two accounts, the engine, and the bookkeeping when
 * an account is gone before the run could start.
 */
import type { calendar_v3 } from "@googleapis/calendar";
import { getGoogleAccount, type GoogleAccountRow } from "@/lib/db/google_accounts.ts";
import { recordSyncOutcome, type SyncConfigRow } from "@/lib/db/sync_configs.ts";
import { finishSyncLog, startSyncLog, type SyncTrigger } from "@/lib/db/sync_logs.ts";
import { getCalendarClient, markNeedsReconnect } from "@/lib/google/clients.ts";
import { googleErrorStatus, NeedsReconnectError, NotConnectedError } from "@/lib/google/errors.ts";
import { NO_CLIENT_RETRY } from "@/lib/google/retry.ts";
import { noteRunOutcome } from "@/lib/alerts/mod.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { TokenDecryptError } from "@/lib/crypto/tokens.ts";
import { runSync, type RunSyncOptions, type SyncResult } from "./engine.ts";
import { failureReason } from "./failure_reason.ts";
import { emptyRunCounts } from "./run_result.ts";
import { type HeldSyncLease, withSyncLease } from "./lease.ts";

export interface RunConfigOptions {
  trigger: SyncTrigger;
  /** The config's run lease, when the caller holds it; otherwise the run takes one itself. */
  lease?: HeldSyncLease;
  dryRun?: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Writes in flight per account (default SYNC_CONCURRENCY). */
  concurrency?: number;
  retry?: RunSyncOptions["retry"];
  /** The config's accounts, when the caller read them already (with a batch of configs). */
  accounts?: ReadonlyMap<string, GoogleAccountRow>;
}

const DAY = 86_400_000;

/**
 * Runs `config` once as its owner's connections. A connection that is missing or must be
 * reconnected ends the run before it starts, recorded like any run (status `needs_reconnect`,
 * or `failed` when its tokens cannot be used at all);
 * a run that ends `needs_reconnect` leaves the failing connection marked for the dashboard.
 * Holds the config's run lease throughout (the caller's, or one it takes: SyncInProgressError
 * when another run holds it). A finished run's outcome decides the alerts (lib/alerts).
 * @example const result = await runConfig(services, config, { trigger: "manual" });
 */
export async function runConfig(
  services: Services,
  config: SyncConfigRow,
  opts: RunConfigOptions,
): Promise<SyncResult> {
  if (!opts.lease && !opts.dryRun) {
    return await withSyncLease(
      services.db,
      config.id,
      { holder: opts.trigger },
      (lease) => runConfig(services, config, { ...opts, lease }),
    );
  }
  const result = await runWithClients(services, config, opts);
  if (!opts.dryRun) await noteRunOutcome(services, config, result);
  return result;
}

/** The run itself, with the owner's clients; an unusable connection ends it before it starts. */
async function runWithClients(
  services: Services,
  config: SyncConfigRow,
  opts: RunConfigOptions,
): Promise<SyncResult> {
  let clients: SyncClients;
  try {
    clients = await syncClients(services, config, opts.accounts);
  } catch (err) {
    return await recordUnusableConnection(services, config, opts, err);
  }
  const { source, dest } = clients;
  const result = await runSync({
    db: services.db,
    source,
    dest,
    config,
    trigger: opts.trigger,
    concurrency: opts.concurrency ?? services.config.syncConcurrency,
    quotaPerMinute: services.config.googleQuotaPerMinute,
    dryRun: opts.dryRun,
    onProgress: opts.onProgress,
    signal: opts.signal,
    lease: opts.lease,
    retry: opts.retry,
  });
  if (result.status === "needs_reconnect") await markFailingConnection(services, config, clients);
  return result;
}

interface SyncClients {
  source: calendar_v3.Calendar;
  dest: calendar_v3.Calendar;
}

/**
 * Both sides' clients at once, the source's error first as when read in turn; one client when
 * both sides are one Google account.
 */
async function syncClients(
  services: Services,
  config: SyncConfigRow,
  accounts?: RunConfigOptions["accounts"],
): Promise<SyncClients> {
  const oneAccount = accountOf(config, "source") === accountOf(config, "destination");
  const [s, d] = await Promise.allSettled([
    configClient(services, config, "source", accounts),
    oneAccount ? undefined : configClient(services, config, "destination", accounts),
  ]);
  if (s.status === "rejected") throw s.reason;
  if (d.status === "rejected") throw d.reason;
  return { source: s.value, dest: d.value ?? s.value };
}

/**
 * A connection that is gone is the user's to fix (`needs_reconnect`); any other failure getting
 * the clients (a token that no longer decrypts after a key was dropped) is a failed run, so it shows.
 */
async function recordUnusableConnection(
  services: Services,
  config: SyncConfigRow,
  opts: RunConfigOptions,
  err: unknown,
): Promise<SyncResult> {
  const reconnect = err instanceof NeedsReconnectError || err instanceof NotConnectedError;
  // Our own errors say what is wrong in words a person can use; anything else (the database
  // failing under the lookup) is logged, and told as an internal error.
  const message = reconnect || err instanceof TokenDecryptError
    ? (err as Error).message
    : failureReason(err, { config_id: config.id });
  return await recordUnstartable(
    services,
    config,
    opts,
    reconnect ? "needs_reconnect" : "failed",
    reconnect ? message : `Cannot use the stored Google connection: ${message}`,
  );
}

type Side = "source" | "destination";

const accountOf = (config: SyncConfigRow, side: Side) =>
  side === "source" ? config.source_account_id : config.dest_account_id;

/**
 * The Calendar client of one side of the config, with errors that say which side: "Reconnect
 * the source Google account (alice@example.com): invalid_grant".
 */
export async function configClient(
  services: Services,
  config: SyncConfigRow,
  side: Side,
  accounts?: ReadonlyMap<string, GoogleAccountRow>,
): Promise<calendar_v3.Calendar> {
  const accountId = accountOf(config, side);
  if (!accountId) throw new NotConnectedError(`${side} Google account`);
  try {
    return await getCalendarClient(services, config.user_id, accountId, accounts);
  } catch (err) {
    if (err instanceof NotConnectedError) throw new NotConnectedError(`${side} Google account`);
    if (err instanceof NeedsReconnectError) {
      const email = err.account.replace(/^Google account /, "");
      throw new NeedsReconnectError(`${side} Google account (${email})`, err.reason, accountId);
    }
    throw err;
  }
}

/** Records (unless a dry run) a run that could not start because a connection is unusable. */
async function recordUnstartable(
  services: Services,
  config: SyncConfigRow,
  opts: RunConfigOptions,
  status: "needs_reconnect" | "failed",
  error: string,
): Promise<SyncResult> {
  const started = Date.now();
  const result: SyncResult = {
    sync_log_id: null,
    status,
    ...emptyRunCounts(),
    duration_ms: 0,
    error,
    failures: [],
    ...(opts.dryRun ? { plan: [] } : {}),
  };
  if (opts.dryRun) return result;
  const windowEnd = new Date(started + config.sync_lookahead_days * DAY);
  const { db } = services;
  result.sync_log_id = await startSyncLog(db, {
    config_id: config.id,
    user_id: config.user_id,
    trigger: opts.trigger,
    started_at: new Date(started),
    window_start: new Date(started),
    window_end: windowEnd,
  });
  result.duration_ms = Date.now() - started;
  await finishSyncLog(db, result.sync_log_id, { ...result, window_end: windowEnd });
  await recordSyncOutcome(db, config.id, { status: result.status, error, finished_at: new Date() });
  return result;
}

/**
 * The clients mark an account themselves when Google refuses its grant; should a run end
 * `needs_reconnect` with neither marked, one cheap request per side finds which one fails.
 */
async function markFailingConnection(
  services: Services,
  config: SyncConfigRow,
  clients: SyncClients,
) {
  const { db } = services;
  const marked = async (side: Side) => {
    const id = accountOf(config, side);
    return !id || (await getGoogleAccount(db, id, config.user_id))?.status !== "ok";
  };
  if (await marked("source") || await marked("destination")) return;
  const probes: [Side, calendar_v3.Calendar, string][] = [
    ["source", clients.source, config.source_calendar_id],
    ["destination", clients.dest, config.dest_calendar_id],
  ];
  for (const [side, client, calendarId] of probes) {
    try {
      await client.calendars.get({ calendarId }, NO_CLIENT_RETRY);
    } catch (err) {
      if (err instanceof NeedsReconnectError || googleErrorStatus(err) === 401) {
        if (!await marked(side)) {
          await markNeedsReconnect(services, accountOf(config, side)!, "unauthorized");
        }
        return;
      }
    }
  }
  log.warn("Sync ended needs_reconnect but both accounts answer", { config_id: config.id });
}
