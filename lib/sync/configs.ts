/**
 * Sync configurations as their owner manages them: create (checked against both connected
 * accounts' calendar lists), change, delete (optionally with every copy made), and start a run.
 */
import {
  createSyncConfig,
  deleteSyncConfig,
  getSyncConfig,
  isSyncRunning,
  listSyncConfigsByUser,
  rescheduleSyncConfig,
  type SyncConfigPatch,
  type SyncConfigRow,
  updateSyncConfig,
} from "@/lib/db/sync_configs.ts";
import { type AccountType, getOAuthToken } from "@/lib/db/oauth_tokens.ts";
import { type CalendarEntry, listCalendarsForAccount } from "@/lib/google/calendar_list.ts";
import { getCalendarClient } from "@/lib/google/clients.ts";
import { NeedsReconnectError, NotConnectedError } from "@/lib/google/errors.ts";
import type { Services } from "@/lib/services.ts";
import { type SyncFailure, SyncInProgressError, type SyncResult } from "./engine.ts";
import { deleteSyncedEvents } from "./remove_copies.ts";
import { takeSyncLease } from "./lease.ts";
import { runConfig } from "./run.ts";

export { SyncInProgressError };

/** Input that names the wrong calendars or an unusable account; `fields` say which and why. */
export class InvalidSyncConfigError extends Error {
  override name = "InvalidSyncConfigError";
  constructor(readonly fields: Record<string, string>) {
    super(Object.values(fields)[0]);
  }
}

/** The config cannot run now (paused), or its copies cannot be removed (destination unusable). */
export class SyncConfigConflictError extends Error {
  override name = "SyncConfigConflictError";
}

/** Some copies could not be deleted from the destination; the config is kept so it can be retried. */
export class CopiesNotRemovedError extends Error {
  override name = "CopiesNotRemovedError";
  constructor(readonly failures: SyncFailure[], readonly deleted: number) {
    super(
      `${failures.length} cop${failures.length === 1 ? "y" : "ies"} could not be removed from ` +
        `the destination calendar; the sync config is kept so the removal can be retried`,
    );
  }
}

export interface NewSyncConfigInput {
  source_calendar_id: string;
  dest_calendar_id: string;
  sync_lookahead_days?: number;
  sync_interval_minutes?: number;
}

const FIELD: Record<AccountType, "source_calendar_id" | "dest_calendar_id"> = {
  source: "source_calendar_id",
  destination: "dest_calendar_id",
};

/** The account's calendars, or InvalidSyncConfigError when it is not connected or must reconnect. */
async function calendarsOf(
  services: Services,
  userId: string,
  accountType: AccountType,
): Promise<CalendarEntry[]> {
  const token = await getOAuthToken(services.db, userId, accountType);
  if (!token) {
    throw new InvalidSyncConfigError({
      [FIELD[accountType]]: `Connect the ${accountType} Google account first`,
    });
  }
  if (token.status === "needs_reconnect") {
    throw new InvalidSyncConfigError({
      [FIELD[accountType]]: `Reconnect the ${accountType} Google account first`,
    });
  }
  try {
    return (await listCalendarsForAccount(services, userId, accountType)).calendars;
  } catch (err) {
    if (err instanceof NotConnectedError || err instanceof NeedsReconnectError) {
      throw new InvalidSyncConfigError({ [FIELD[accountType]]: err.message });
    }
    throw err;
  }
}

/**
 * Creates a config after checking both calendars against the connected accounts' lists: the
 * source must be one of the source account's calendars, the destination a writable calendar of
 * the destination account, and the two must differ. Throws InvalidSyncConfigError naming the field.
 * @example await createSyncConfigForUser(services, user.id, { source_calendar_id, dest_calendar_id });
 */
export async function createSyncConfigForUser(
  services: Services,
  userId: string,
  input: NewSyncConfigInput,
): Promise<SyncConfigRow> {
  if (input.source_calendar_id === input.dest_calendar_id) {
    throw new InvalidSyncConfigError({
      dest_calendar_id: "The destination must be a different calendar from the source",
    });
  }
  const lists = await Promise.allSettled([
    calendarsOf(services, userId, "source"),
    calendarsOf(services, userId, "destination"),
  ]);
  const problems = lists.flatMap((l) => l.status === "rejected" ? [l.reason] : []);
  if (problems.some((p) => !(p instanceof InvalidSyncConfigError))) {
    throw problems.find((p) => !(p instanceof InvalidSyncConfigError));
  }
  if (problems.length) {
    throw new InvalidSyncConfigError(Object.assign({}, ...problems.map((p) => p.fields)));
  }
  const [sources, dests] = lists.map((l) => (l as PromiseFulfilledResult<CalendarEntry[]>).value);
  const source = sources.find((c) => c.id === input.source_calendar_id);
  const dest = dests.find((c) => c.id === input.dest_calendar_id);
  const fields: Record<string, string> = {};
  if (!source) {
    fields.source_calendar_id =
      `Calendar "${input.source_calendar_id}" is not in the source account's calendar list`;
  }
  if (!dest) {
    fields.dest_calendar_id =
      `Calendar "${input.dest_calendar_id}" is not in the destination account's calendar list`;
  } else if (!dest.writable) {
    fields.dest_calendar_id =
      `Calendar "${dest.summary}" is read-only for the destination account: pick a writable one`;
  }
  if (Object.keys(fields).length) throw new InvalidSyncConfigError(fields);
  const existing = await listSyncConfigsByUser(services.db, userId);
  if (
    existing.some((c) =>
      c.source_calendar_id === input.source_calendar_id &&
      c.dest_calendar_id === input.dest_calendar_id
    )
  ) {
    throw new InvalidSyncConfigError({
      dest_calendar_id: "A sync from this source calendar into this destination already exists",
    });
  }
  return await createSyncConfig(services.db, {
    user_id: userId,
    source_calendar_id: source!.id,
    source_calendar_name: source!.summary,
    dest_calendar_id: dest!.id,
    dest_calendar_name: dest!.summary,
    sync_lookahead_days: input.sync_lookahead_days ?? services.config.syncLookaheadDays,
    sync_interval_minutes: input.sync_interval_minutes,
  });
}

/**
 * Changes a config; undefined when it is not the user's. Resuming needs both accounts connected.
 * @example await updateSyncConfigForUser(services, user.id, id, { is_active: false });
 */
export async function updateSyncConfigForUser(
  services: Services,
  userId: string,
  id: string,
  patch: SyncConfigPatch,
): Promise<SyncConfigRow | undefined> {
  const config = await getSyncConfig(services.db, id, userId);
  if (!config) return undefined;
  if (patch.is_active && !config.is_active) {
    for (const accountType of ["source", "destination"] as const) {
      const token = await getOAuthToken(services.db, userId, accountType);
      if (!token) {
        throw new InvalidSyncConfigError({
          is_active: `Connect the ${accountType} Google account before resuming this sync`,
        });
      }
    }
  }
  return await updateSyncConfig(services.db, id, userId, patch);
}

/**
 * Deletes a config; with `removeSyncedEvents`, first deletes every copy it made from the
 * destination (the config is paused meanwhile, so no run makes new ones). Undefined when the
 * config is not the user's; throws SyncInProgressError while a run holds it, and
 * CopiesNotRemovedError (config kept) when some copies could not be deleted.
 * @example await deleteSyncConfigForUser(services, user.id, id, { removeSyncedEvents: true });
 */
export async function deleteSyncConfigForUser(
  services: Services,
  userId: string,
  id: string,
  opts: { removeSyncedEvents?: boolean } = {},
): Promise<{ events_removed: number } | undefined> {
  const { db } = services;
  const config = await getSyncConfig(db, id, userId);
  if (!config) return undefined;
  if (isSyncRunning(config)) throw new SyncInProgressError(config.id);
  let removed = 0;
  if (opts.removeSyncedEvents) {
    let dest;
    try {
      dest = await getCalendarClient(services, userId, "destination");
    } catch (err) {
      if (err instanceof NotConnectedError || err instanceof NeedsReconnectError) {
        throw new SyncConfigConflictError(
          `${err.message} to remove the copies this sync made (or delete it without removing them)`,
        );
      }
      throw err;
    }
    if (config.is_active) await updateSyncConfig(db, id, userId, { is_active: false });
    const outcome = await deleteSyncedEvents({
      db,
      dest,
      config,
      concurrency: services.config.syncConcurrency,
      quotaPerMinute: services.config.googleQuotaPerMinute,
    }).catch(async (err) => {
      if (config.is_active) await updateSyncConfig(db, id, userId, { is_active: true });
      throw err;
    });
    if (outcome.failures.length) {
      if (config.is_active) await updateSyncConfig(db, id, userId, { is_active: true });
      throw new CopiesNotRemovedError(outcome.failures, outcome.deleted);
    }
    removed = outcome.deleted;
  }
  const deleted = await deleteSyncConfig(db, id, userId);
  if (deleted === "running") throw new SyncInProgressError(id);
  if (deleted === "missing") return undefined;
  return { events_removed: removed };
}

/** A manual run whose lease is taken: `run` does the work; `cancel` gives the lease back unused. */
export interface ManualSync {
  config: SyncConfigRow;
  run(onProgress?: (done: number, total: number) => void): Promise<SyncResult>;
  cancel(): Promise<void>;
}

/**
 * Takes the run lease of a user's config for a manual run, so that a run already in progress (in
 * any process) is refused before any answer starts streaming. Undefined when the config is not
 * the user's; throws SyncInProgressError, or SyncConfigConflictError when the config is paused.
 * @example const sync = await startManualSync(services, user.id, id); const result = await sync!.run();
 */
export async function startManualSync(
  services: Services,
  userId: string,
  id: string,
): Promise<ManualSync | undefined> {
  const { db } = services;
  const config = await getSyncConfig(db, id, userId);
  if (!config) return undefined;
  if (!config.is_active) {
    throw new SyncConfigConflictError(
      config.paused_reason
        ? `This sync is paused (${config.paused_reason}): resume it first`
        : "This sync is paused: resume it first",
    );
  }
  const lease = await takeSyncLease(db, id, { holder: "manual" });
  return {
    config,
    run: (onProgress) =>
      lease.use(async () => {
        // Like a scheduled run, a manual one restarts the schedule: no run again a minute later.
        await rescheduleSyncConfig(db, id);
        return await runConfig(services, config, { trigger: "manual", lease, onProgress });
      }),
    cancel: () => lease.release(),
  };
}
