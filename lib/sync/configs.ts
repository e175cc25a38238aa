/**
 * Sync configurations as their owner manages them: create (checked against both accounts'
 * calendar lists), change, delete (optionally with every copy made), start a run, and
 * disconnect an account under them.
 */
import { stopChannelsOf, watchCalendars } from "./push.ts";
import {
  createSyncConfig,
  deleteSyncConfig,
  getSyncConfig,
  isSyncRunning,
  listSyncConfigsByUser,
  rescheduleSyncConfig,
  type SyncConfigPatch,
  type SyncConfigRow,
  type SyncConfigView,
  updateSyncConfig,
} from "@/lib/db/sync_configs.ts";
import { type AccountRole, getAccountByRole, getGoogleAccount } from "@/lib/db/google_accounts.ts";
import {
  listSyncConfigsUsingAccount,
  type PausedSyncConfig,
  pauseSyncConfigsUsingAccount,
  resumeSyncConfigsOfAccount,
  saveSyncCursor,
  type SyncDirection,
} from "@/lib/db/sync_configs.ts";
import { disconnectAccount, disconnectedReason } from "@/lib/google/accounts.ts";
import { type CalendarEntry, listCalendarsForAccount } from "@/lib/google/calendar_list.ts";
import { NeedsReconnectError, NotConnectedError } from "@/lib/google/errors.ts";
import type { Services } from "@/lib/services.ts";
import { type SyncFailure, SyncInProgressError, type SyncResult } from "./engine.ts";
import { deleteSyncedEvents } from "./remove_copies.ts";
import { takeSyncLease } from "./lease.ts";
import { configClient, runConfig } from "./run.ts";
import type { Preview } from "./preview.ts";
import { type Explained, explainEvent, searchSource } from "./explain.ts";
import { listEventMappings } from "@/lib/db/event_mappings.ts";
import { listLongRefusedEvents } from "@/lib/db/refused_events.ts";
import {
  defaultSyncOptions,
  mergeOptions,
  namesOptions,
  type SyncOptionsIn,
  syncOptionsOf,
} from "./options.ts";

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

export interface NewSyncConfigInput extends Partial<SyncOptionsIn> {
  source_account_id: string;
  source_calendar_id: string;
  dest_account_id: string;
  dest_calendar_id: string;
  sync_lookahead_days?: number;
  sync_interval_minutes?: number;
  direction?: SyncDirection;
}

/** A change of a config as the API takes it: its fields and options. */
export type SyncConfigChange =
  & Omit<SyncConfigPatch, "options" | "filters">
  & Partial<SyncOptionsIn>;

type Side = "source" | "dest";

/**
 * The calendars of one side's account, or InvalidSyncConfigError naming `<side>_account_id`
 * when the account is not the user's connected one, or must be reconnected.
 */
async function calendarsOf(
  services: Services,
  userId: string,
  accountId: string,
  side: Side,
): Promise<CalendarEntry[]> {
  const field = `${side}_account_id`;
  const account = await getGoogleAccount(services.db, accountId, userId);
  if (!account) {
    throw new InvalidSyncConfigError({ [field]: "Not one of your connected Google accounts" });
  }
  if (account.status !== "ok") {
    throw new InvalidSyncConfigError({
      [field]: `Reconnect the Google account ${account.google_email} first`,
    });
  }
  try {
    return (await listCalendarsForAccount(services, userId, accountId)).calendars;
  } catch (err) {
    if (err instanceof NotConnectedError || err instanceof NeedsReconnectError) {
      throw new InvalidSyncConfigError({ [field]: err.message });
    }
    throw err;
  }
}

/** Both sides' calendar lists, or one InvalidSyncConfigError naming every side that failed. */
async function bothCalendarLists(services: Services, userId: string, input: NewSyncConfigInput) {
  const lists = await Promise.allSettled([
    calendarsOf(services, userId, input.source_account_id, "source"),
    calendarsOf(services, userId, input.dest_account_id, "dest"),
  ]);
  const problems = lists.flatMap((l) => l.status === "rejected" ? [l.reason] : []);
  const other = problems.find((p) => !(p instanceof InvalidSyncConfigError));
  if (other) throw other;
  if (problems.length) {
    throw new InvalidSyncConfigError(Object.assign({}, ...problems.map((p) => p.fields)));
  }
  return lists.map((l) => (l as PromiseFulfilledResult<CalendarEntry[]>).value);
}

/**
 * The two calendars the input names, found in their accounts' lists: InvalidSyncConfigError
 * when one is not there, or the destination is read-only.
 */
function pickCalendars(
  input: NewSyncConfigInput,
  [sources, dests]: CalendarEntry[][],
): { source: CalendarEntry; dest: CalendarEntry } {
  const source = sources.find((c) => c.id === input.source_calendar_id);
  const dest = dests.find((c) => c.id === input.dest_calendar_id);
  const fields: Record<string, string> = {};
  if (!source) {
    fields.source_calendar_id =
      `Calendar "${input.source_calendar_id}" is not in the source account's calendar list`;
  } else if (input.direction === "two_way" && !source.writable) {
    fields.source_calendar_id =
      `Calendar "${source.summary}" is read-only for the source account: both ways needs a writable one`;
  }
  if (!dest) {
    fields.dest_calendar_id =
      `Calendar "${input.dest_calendar_id}" is not in the destination account's calendar list`;
  } else if (!dest.writable) {
    fields.dest_calendar_id =
      `Calendar "${dest.summary}" is read-only for the destination account: pick a writable one`;
  }
  if (!source || !dest || Object.keys(fields).length) throw new InvalidSyncConfigError(fields);
  return { source, dest };
}

/**
 * Creates a config after checking both sides against their accounts' lists: the source must be
 * one of the source account's calendars, the destination a writable calendar of the destination
 * account (which may be the same account), and the two must be different calendars. Throws
 * InvalidSyncConfigError naming the field.
 * @example await createSyncConfigForUser(services, user.id, { source_account_id, source_calendar_id, dest_account_id, dest_calendar_id });
 */
export async function createSyncConfigForUser(
  services: Services,
  userId: string,
  input: NewSyncConfigInput,
): Promise<SyncConfigView> {
  if (input.source_calendar_id === input.dest_calendar_id) {
    throw new InvalidSyncConfigError({
      dest_calendar_id: "The destination must be a different calendar from the source",
    });
  }
  const { source, dest } = pickCalendars(input, await bothCalendarLists(services, userId, input));
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
  const created = await createSyncConfig(services.db, {
    user_id: userId,
    source_account_id: input.source_account_id,
    source_calendar_id: source.id,
    source_calendar_name: source.summary,
    dest_account_id: input.dest_account_id,
    dest_calendar_id: dest.id,
    dest_calendar_name: dest.summary,
    sync_lookahead_days: input.sync_lookahead_days ?? services.config.syncLookaheadDays,
    sync_interval_minutes: input.sync_interval_minutes,
    ...mergeOptions(defaultSyncOptions(), input),
    direction: input.direction,
  });
  await watchCalendars(services, userId);
  return (await getSyncConfig(services.db, created.id, userId))!;
}

/**
 * Changes a config; undefined when it is not the user's. Resuming needs both accounts connected.
 * @example await updateSyncConfigForUser(services, user.id, id, { is_active: false });
 */
export async function updateSyncConfigForUser(
  services: Services,
  userId: string,
  id: string,
  change: SyncConfigChange,
): Promise<SyncConfigView | undefined> {
  const config = await getSyncConfig(services.db, id, userId);
  if (!config) return undefined;
  if (change.is_active && !config.is_active) {
    const sides = [["source", config.source_account_id], ["destination", config.dest_account_id]];
    for (const [side, accountId] of sides) {
      if (!accountId || !await getGoogleAccount(services.db, accountId, userId)) {
        throw new InvalidSyncConfigError({
          is_active: `Connect the ${side} Google account before resuming this sync`,
        });
      }
    }
  }
  await updateSyncConfig(services.db, id, userId, configPatch(config, change));
  const updated = await getSyncConfig(services.db, id, userId);
  // Pausing, resuming or a new source may close or open a channel.
  if (updated) await watchCalendars(services, userId);
  return updated;
}

/** The stored form of a change: its options laid over the config's. */
export function configPatch(config: SyncConfigRow, change: SyncConfigChange): SyncConfigPatch {
  const { is_active, sync_lookahead_days, sync_interval_minutes, confirm_removals, direction } =
    change as SyncConfigChange & { direction?: SyncDirection };
  const patch: SyncConfigPatch = {
    is_active,
    sync_lookahead_days,
    sync_interval_minutes,
    confirm_removals,
    direction,
  };
  if (namesOptions(change)) Object.assign(patch, mergeOptions(syncOptionsOf(config), change));
  return patch;
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
    const dest = await destinationClient(services, config);
    if (config.is_active) await updateSyncConfig(db, id, userId, { is_active: false });
    removed = await removeCopies(services, config, dest).catch(async (err) => {
      if (config.is_active) await updateSyncConfig(db, id, userId, { is_active: true });
      throw err;
    });
  }
  const deleted = await deleteSyncConfig(db, id, userId);
  if (deleted === "running") throw new SyncInProgressError(id);
  if (deleted === "missing") return undefined;
  await watchCalendars(services, userId);
  return { events_removed: removed };
}

/** The destination's client for removing copies; SyncConfigConflictError when it cannot be used. */
async function destinationClient(services: Services, config: SyncConfigRow) {
  try {
    return await configClient(services, config, "destination");
  } catch (err) {
    if (err instanceof NotConnectedError || err instanceof NeedsReconnectError) {
      throw new SyncConfigConflictError(
        `${err.message} to remove the copies this sync made (or delete it without removing them)`,
      );
    }
    throw err;
  }
}

/** Deletes every copy the config made; CopiesNotRemovedError when some could not be deleted. */
async function removeCopies(
  services: Services,
  config: SyncConfigRow,
  dest: Awaited<ReturnType<typeof configClient>>,
): Promise<number> {
  const outcome = await deleteSyncedEvents({
    db: services.db,
    dest,
    config,
    concurrency: services.config.syncConcurrency,
    quotaPerMinute: services.config.googleQuotaPerMinute,
  });
  if (outcome.failures.length) throw new CopiesNotRemovedError(outcome.failures, outcome.deleted);
  return outcome.deleted;
}

export interface AccountDisconnected {
  /** The syncs paused: every active one that used the account, on either side. */
  paused: PausedSyncConfig[];
  events_removed: number;
}

/**
 * Disconnects one of the user's Google accounts (see `disconnectAccount`); with
 * `removeSyncedEvents`, first deletes the copies of every sync writing into it (those syncs
 * then start from scratch if the account is connected again). Undefined when the account is
 * not the user's; SyncInProgressError while a run of such a sync holds it, and
 * CopiesNotRemovedError (nothing disconnected) when some copies could not be deleted.
 * @example await disconnectAccountForUser(services, user.id, accountId, { removeSyncedEvents: true });
 */
export async function disconnectAccountForUser(
  services: Services,
  userId: string,
  accountId: string,
  opts: { removeSyncedEvents?: boolean; role?: AccountRole } = {},
): Promise<AccountDisconnected | undefined> {
  const { db } = services;
  const account = await getGoogleAccount(db, accountId, userId);
  if (!account) return undefined;
  let removed = 0;
  let paused: PausedSyncConfig[] = [];
  if (opts.removeSyncedEvents) {
    const writing = (await listSyncConfigsUsingAccount(db, userId, accountId))
      .filter((c) => c.dest_account_id === accountId);
    const running = writing.find((c) => isSyncRunning(c));
    if (running) throw new SyncInProgressError(running.id);
    const reason = disconnectedReason(account.google_email, opts.role);
    paused = await pauseSyncConfigsUsingAccount(db, userId, accountId, reason);
    try {
      for (const config of writing) {
        removed += await removeCopies(services, config, await destinationClient(services, config));
        await saveSyncCursor(db, config.id, { sync_token: null, window_end: null });
      }
    } catch (err) {
      await resumeSyncConfigsOfAccount(db, userId, accountId);
      throw err;
    }
  }
  // Its push channels are stopped while its tokens still work.
  await stopChannelsOf(services, userId, accountId);
  const result = await disconnectAccount(services, userId, accountId, opts.role);
  if (!result) return undefined;
  return { paused: [...paused, ...result.paused], events_removed: removed };
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

/**
 * What the next run would do were `change` saved (the same planner as a real run, a full listing
 * of the source, nothing written). Undefined when the config is not the user's.
 * @example const preview = await previewConfigChange(services, user.id, id, { privacy: "busy" });
 */
export async function previewConfigChange(
  services: Services,
  userId: string,
  id: string,
  change: SyncConfigChange,
): Promise<Preview | undefined> {
  const config = await getSyncConfig(services.db, id, userId);
  if (!config) return undefined;
  const patch = configPatch(config, change);
  return await previewOfConfig(services, {
    ...config,
    sync_lookahead_days: patch.sync_lookahead_days ?? config.sync_lookahead_days,
    options: patch.options ?? config.options,
    filters: patch.filters ?? config.filters,
  });
}

/**
 * What the first run of a new config would do (the source calendar checked against the
 * account's list, as a create does). Throws InvalidSyncConfigError naming the field.
 */
export async function previewNewConfig(
  services: Services,
  userId: string,
  input: NewConfigPreviewInput,
): Promise<Preview> {
  // Without account ids: the accounts the source and destination roles name, as a create.
  const sourceAccount = input.source_account_id ??
    (await getAccountByRole(services.db, userId, "source"))?.id;
  const destAccount = input.dest_account_id ??
    (await getAccountByRole(services.db, userId, "destination"))?.id;
  if (!sourceAccount || !destAccount) {
    throw new InvalidSyncConfigError({
      [sourceAccount ? "dest_account_id" : "source_account_id"]: "Connect a Google account first",
    });
  }
  const sources = await calendarsOf(services, userId, sourceAccount, "source");
  if (!sources.some((c) => c.id === input.source_calendar_id)) {
    throw new InvalidSyncConfigError({
      source_calendar_id: "Not a calendar of the source account",
    });
  }
  return await previewOfConfig(
    services,
    unsavedConfig(services, userId, { source: sourceAccount, dest: destAccount }, input),
  );
}

/** The row `input` would make once created: what a preview of a new config runs. */
function unsavedConfig(
  services: Services,
  userId: string,
  accounts: { source: string; dest: string },
  input: NewConfigPreviewInput,
): SyncConfigRow {
  const now = new Date();
  return {
    id: crypto.randomUUID(),
    user_id: userId,
    source_account_id: accounts.source,
    dest_account_id: accounts.dest,
    paused_for_account_id: null,
    source_calendar_id: input.source_calendar_id,
    source_calendar_name: "",
    dest_calendar_id: input.dest_calendar_id,
    dest_calendar_name: "",
    sync_lookahead_days: input.sync_lookahead_days ?? services.config.syncLookaheadDays,
    sync_interval_minutes: input.sync_interval_minutes ?? 15,
    mode: "mirror",
    is_active: true,
    paused_reason: null,
    next_run_at: now,
    sync_token: null,
    window_end: null,
    last_synced_at: null,
    last_status: null,
    last_error: null,
    lease_owner: null,
    lease_expires_at: null,
    claimed_at: null,
    created_at: now,
    updated_at: now,
    deletions_approved: false,
    held_deletions: 0,
    direction: (input as { direction?: SyncDirection }).direction ?? "one_way",
    reverse_sync_token: null,
    reverse_window_end: null,
    ...mergeOptions(defaultSyncOptions(), input),
  };
}

/** What a preview of a new config takes: a create's body, the accounts optional (roles). */
export type NewConfigPreviewInput =
  & Omit<NewSyncConfigInput, "source_account_id" | "dest_account_id">
  & { source_account_id?: string; dest_account_id?: string };

/** A dry run of `config` over the whole window (no cursor); its preview. */
async function previewOfConfig(services: Services, config: SyncConfigRow): Promise<Preview> {
  const result = await runConfig(services, { ...config, sync_token: null, window_end: null }, {
    trigger: "manual",
    dryRun: true,
  });
  if (!result.preview) throw new SyncConfigConflictError(result.error ?? "Cannot preview now");
  return result.preview;
}

/**
 * The source events of a config matching `q`, each with where its copy stands and why
 * (lib/sync/explain.ts). Undefined when the config is not the user's.
 * @example const events = await explainSyncEvents(services, user.id, id, "dentist", 50);
 */
export async function explainSyncEvents(
  services: Services,
  userId: string,
  id: string,
  q: string,
  limit: number,
): Promise<Explained[] | undefined> {
  const config = await getSyncConfig(services.db, id, userId);
  if (!config) return undefined;
  const source = await configClient(services, config, "source");
  const now = Date.now();
  const events = await searchSource(source, config.source_calendar_id, q, limit, now);
  const mappings = new Map(
    (await listEventMappings(services.db, id)).map((m) => [m.source_event_id, m]),
  );
  const refused = new Map(
    (await listLongRefusedEvents(services.db, id, new Date("9999-12-31T00:00:00Z")))
      .map((r) => [r.source_event_id, r.reason]),
  );
  const ctx = {
    configId: id,
    now,
    windowEnd: now + config.sync_lookahead_days * 86_400_000,
    mappings,
    options: syncOptionsOf(config),
  };
  return events.map((ev) => ({
    source_event_id: ev.id!,
    summary: ev.summary ?? null,
    start: ev.start?.dateTime ?? ev.start?.date ?? null,
    ...explainEvent(ctx, ev, refused.get(ev.id!)),
  }));
}
