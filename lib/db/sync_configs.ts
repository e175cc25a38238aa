import type { Queryable } from "./mod.ts";
import { closeDeadRunsSql, INTERRUPTED_MESSAGE } from "./sync_logs.ts";
import { isUuid } from "./uuid.ts";

export const SYNC_DIRECTIONS = ["one_way", "two_way"] as const;
export type SyncDirection = typeof SYNC_DIRECTIONS[number];

/** A row of `sync_configs`, as the engine and the routes read it. */
export interface SyncConfigRow {
  id: string;
  user_id: string;
  /** The Google account each side is read or written as; null when it was never known (0014). */
  source_account_id: string | null;
  dest_account_id: string | null;
  /** Paused because this account was disconnected: connecting it again resumes the config. */
  paused_for_account_id: string | null;
  source_calendar_id: string;
  source_calendar_name: string;
  dest_calendar_id: string;
  dest_calendar_name: string;
  sync_lookahead_days: number;
  mode: string;
  /** The sync's filters (lib/sync/options.ts reads them; {} is every default). */
  filters: Record<string, unknown>;
  /** What a copy shows: privacy, fields, marking (lib/sync/options.ts; {} is every default). */
  options: Record<string, unknown>;
  /** The owner approved the removals the guard holds (or confirmed them in a preview). */
  deletions_approved: boolean;
  /** Removals the last run held for the owner's review (0: none). */
  held_deletions: number;
  is_active: boolean;
  paused_reason: string | null;
  sync_interval_minutes: number;
  next_run_at: Date;
  sync_token: string | null;
  window_end: Date | null;
  /** `one_way`: A → B; `two_way`: also B → A, with its own cursor (`reverse_*`). */
  direction: SyncDirection;
  reverse_sync_token: string | null;
  reverse_window_end: Date | null;
  last_synced_at: Date | null;
  last_status: string | null;
  last_error: string | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  /** When a scheduler or CLI pass last claimed it (null: never). */
  claimed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A config with what the dashboard and the API say of its two accounts. */
export interface SyncConfigView extends SyncConfigRow {
  source_account_email: string | null;
  source_account_status: string | null;
  dest_account_email: string | null;
  dest_account_status: string | null;
}

export interface NewSyncConfig {
  user_id: string;
  source_account_id?: string | null;
  dest_account_id?: string | null;
  source_calendar_id: string;
  source_calendar_name?: string;
  dest_calendar_id: string;
  dest_calendar_name?: string;
  sync_lookahead_days?: number;
  sync_interval_minutes?: number;
  options?: Record<string, unknown>;
  filters?: Record<string, unknown>;
  direction?: SyncDirection;
}

/**
 * Creates a sync configuration.
 * @example const config = await createSyncConfig(db, { user_id, source_calendar_id: "a", dest_calendar_id: "b" });
 */
export async function createSyncConfig(
  db: Queryable,
  input: NewSyncConfig,
): Promise<SyncConfigRow> {
  const rows = await db.query<SyncConfigRow>(
    `INSERT INTO sync_configs (user_id, source_calendar_id, source_calendar_name, dest_calendar_id,
       dest_calendar_name, sync_lookahead_days, sync_interval_minutes, source_account_id,
       dest_account_id, options, filters, direction)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
    [
      input.user_id,
      input.source_calendar_id,
      input.source_calendar_name ?? "",
      input.dest_calendar_id,
      input.dest_calendar_name ?? "",
      input.sync_lookahead_days ?? 90,
      input.sync_interval_minutes ?? 15,
      input.source_account_id ?? null,
      input.dest_account_id ?? null,
      input.options ?? {},
      input.filters ?? {},
      input.direction ?? "one_way",
    ],
  );
  return rows[0];
}

/** The accounts' emails and statuses beside a config's own columns. */
const VIEW = `SELECT c.*, sa.google_email AS source_account_email,
    sa.status AS source_account_status, da.google_email AS dest_account_email,
    da.status AS dest_account_status
  FROM sync_configs c
  LEFT JOIN google_accounts sa ON sa.id = c.source_account_id
  LEFT JOIN google_accounts da ON da.id = c.dest_account_id`;

/**
 * One of the user's configs; undefined when it is another user's, or no config's id at all.
 * @example const config = await getSyncConfig(db, params.id, user.id);
 */
export function getSyncConfig(db: Queryable, id: string, userId: string) {
  return configById(db, id, userId);
}

/**
 * A config by id alone, whoever owns it: for the engine, the scheduler and the CLI, which act
 * for every user. A request of a user's reads `getSyncConfig` with their id.
 */
export function getSyncConfigOfAnyUser(db: Queryable, id: string) {
  return configById(db, id, null);
}

async function configById(
  db: Queryable,
  id: string,
  owner: string | null,
): Promise<SyncConfigView | undefined> {
  if (!isUuid(id)) return undefined;
  const rows = await db.query<SyncConfigView>(
    `${VIEW} WHERE c.id = $1 AND ($2::uuid IS NULL OR c.user_id = $2::uuid)`,
    [id, owner],
  );
  return rows[0];
}

/** A user's configs, oldest first. */
export function listSyncConfigsByUser(db: Queryable, userId: string): Promise<SyncConfigView[]> {
  return db.query<SyncConfigView>(
    `${VIEW} WHERE c.user_id = $1 ORDER BY c.created_at, c.id`,
    [userId],
  );
}

/**
 * Takes the run lease of a config when nobody holds a live one; a run left `running` by a holder
 * whose lease lapsed is closed as interrupted in the same statement. Returns false when another
 * run (in any process sharing the database) holds it. Taking it again as the same owner succeeds,
 * so the statement can be sent twice. Returns the config as it is with the lease taken (its run
 * reads it from here), undefined when held elsewhere. Only `lib/sync/lease.ts` calls this.
 */
export async function acquireSyncLease(
  db: Queryable,
  configId: string,
  owner: string,
  ttlMs: number,
): Promise<SyncConfigRow | undefined> {
  const rows = await db.query<SyncConfigRow>(
    `WITH prev AS (
       SELECT id, lease_owner, LEAST(COALESCE(lease_expires_at, now()), now()) AS lapsed_at
       FROM sync_configs
       WHERE id = $1 AND (lease_owner IS NULL OR lease_expires_at < now() OR lease_owner = $2)
       FOR UPDATE
     ), dead AS (
       SELECT id, lapsed_at FROM prev WHERE lease_owner IS DISTINCT FROM $2
     ), closed AS (${closeDeadRunsSql("dead")})
     UPDATE sync_configs c SET lease_owner = $2,
       lease_expires_at = now() + make_interval(secs => $3::double precision / 1000)
     FROM prev WHERE c.id = prev.id
     RETURNING c.*`,
    [configId, owner, ttlMs],
    { idempotent: true },
  );
  return rows[0];
}

/**
 * Extends a live lease this owner holds; false when it is lost: lapsed (others may already count
 * its run as dead) or taken.
 */
export async function renewSyncLease(
  db: Queryable,
  configId: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE sync_configs SET lease_expires_at = now() + make_interval(secs => $3::double precision / 1000)
     WHERE id = $1 AND lease_owner = $2 AND lease_expires_at >= now() RETURNING id`,
    [configId, owner, ttlMs],
    { idempotent: true },
  );
  return rows.length === 1;
}

/**
 * Gives a lease back. A run of this config still `running` then (its log could not be closed,
 * say the database failed under it) is closed as interrupted.
 */
export async function releaseSyncLease(db: Queryable, configId: string, owner: string) {
  await db.query(
    `WITH mine AS (
       UPDATE sync_configs SET lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND lease_owner = $2 RETURNING id, now() AS lapsed_at
     ), closed AS (${closeDeadRunsSql("mine")})
     SELECT id FROM mine`,
    [configId, owner],
    { idempotent: true },
  );
}

/** Whether a run of config `c` is `running` (as the statement began). */
const RUNNING =
  `EXISTS (SELECT 1 FROM sync_logs r WHERE r.config_id = c.id AND r.status = 'running')`;

/**
 * Frees every lease at once and closes the runs they held as interrupted: for a start on the
 * embedded database, which only one process can open, so no holder can be alive.
 */
export async function releaseAllSyncLeases(db: Queryable): Promise<number> {
  const rows = await db.query(
    `WITH held AS (
       SELECT id, LEAST(COALESCE(lease_expires_at, now()), now()) AS lapsed_at
       FROM sync_configs WHERE lease_owner IS NOT NULL FOR UPDATE
     ), closed AS (${closeDeadRunsSql("held")})
     UPDATE sync_configs c SET lease_owner = NULL, lease_expires_at = NULL,
       last_status = CASE WHEN ${RUNNING} THEN 'interrupted' ELSE c.last_status END,
       last_error = CASE WHEN ${RUNNING} THEN '${INTERRUPTED_MESSAGE}' ELSE c.last_error END
     FROM held WHERE c.id = held.id RETURNING c.id`,
  );
  return rows.length;
}

/** Stores where the incremental listing resumes and how far the window reaches. */
export async function saveSyncCursor(
  db: Queryable,
  configId: string,
  cursor: { sync_token: string | null; window_end: Date | null },
) {
  await db.query(
    `UPDATE sync_configs SET sync_token = $2, window_end = $3, updated_at = now() WHERE id = $1`,
    [configId, cursor.sync_token, cursor.window_end],
    { idempotent: true },
  );
}

/** Stores the reverse pass's cursor (B → A) of a two-way config. */
export async function saveReverseSyncCursor(
  db: Queryable,
  configId: string,
  cursor: { sync_token: string | null; window_end: Date | null },
) {
  await db.query(
    `UPDATE sync_configs SET reverse_sync_token = $2, reverse_window_end = $3, updated_at = now()
     WHERE id = $1`,
    [configId, cursor.sync_token, cursor.window_end],
    { idempotent: true },
  );
}

/** Records the outcome of a run and when the next scheduled one is due. */
export async function recordSyncOutcome(
  db: Queryable,
  configId: string,
  outcome: { status: string; error: string | null; finished_at: Date },
) {
  await db.query(
    `UPDATE sync_configs SET last_status = $2, last_error = $3,
       last_synced_at = CASE WHEN $2 IN ('success', 'partial') THEN $4::timestamptz ELSE last_synced_at END,
       updated_at = now()
     WHERE id = $1`,
    [configId, outcome.status, outcome.error, outcome.finished_at],
    { idempotent: true },
  );
}

/** Both Google accounts of the config are connected and work. */
const BOTH_ACCOUNTS_OK = `EXISTS (SELECT 1 FROM google_accounts sa
    WHERE sa.id = c.source_account_id AND sa.status = 'ok')
  AND EXISTS (SELECT 1 FROM google_accounts da
    WHERE da.id = c.dest_account_id AND da.status = 'ok')`;
/**
 * The owner's answer to held removals: `apply` approves them and makes the config due now,
 * `pause` pauses it and clears them. Undefined when it is not theirs.
 */
export async function reviewSyncConfig(
  db: Queryable,
  id: string,
  userId: string,
  action: "apply" | "pause",
): Promise<SyncConfigRow | undefined> {
  if (!isUuid(id)) return undefined;
  const rows = await db.query<SyncConfigRow>(
    `UPDATE sync_configs SET
       deletions_approved = $3 = 'apply',
       held_deletions = CASE WHEN $3 = 'pause' THEN 0 ELSE held_deletions END,
       is_active = CASE WHEN $3 = 'pause' THEN false ELSE is_active END,
       paused_reason = CASE WHEN $3 = 'pause' THEN 'Paused to review removals' ELSE paused_reason END,
       last_status = CASE WHEN $3 = 'pause' AND last_status = 'needs_review' THEN NULL
         ELSE last_status END,
       next_run_at = CASE WHEN $3 = 'apply' THEN now() ELSE next_run_at END,
       updated_at = now()
     WHERE id = $1 AND user_id = $2 RETURNING *`,
    [id, userId, action],
  );
  return rows[0];
}

/**
 * Claims up to `limit` due configs (active, `next_run_at <= now`, both Google connections ok, no
 * live lease) for `owner`:
 * takes their lease and moves `next_run_at` one interval on, in one statement with
 * `FOR UPDATE SKIP LOCKED`, so concurrent schedulers never claim the same config. A run left
 * `running` by a holder whose lease lapsed is closed as interrupted on the way.
 * With `all`, ignores schedules (still skips configs being run); with `since`, skips the configs
 * claimed since then (a CLI pass: each config once, however many passes share the work).
 * Records the claim in `claimed_at`. Only `lib/sync/lease.ts` calls this.
 */
export async function claimDueSyncConfigs(
  db: Queryable,
  owner: string,
  opts: {
    limit: number;
    leaseMs: number;
    all?: boolean;
    since?: Date;
    now?: Date;
    /** Push on: the polling backstop of a config whose source has a healthy channel. */
    backstopMinutes?: number;
  },
): Promise<SyncConfigRow[]> {
  // The due condition and the limit are in the text: a prepared statement's generic plan cannot
  // use `($all OR next_run_at <= $now)` on the due index (it walked every active config: 98,000
  // buffers at 100,000 configs), and, not knowing a `LIMIT $n`, joined the claimed rows back by
  // a scan of the whole table (5,800 buffers, 110 ms) instead of by key (~580).
  const due = opts.all ? "TRUE" : "c.next_run_at <= $3::timestamptz";
  const limit = Number.isFinite(opts.limit) ? Math.max(0, Math.trunc(opts.limit)) : "ALL";
  // Push off: the plain interval, and no channel lookup in the statement.
  const push = opts.backstopMinutes !== undefined;
  const interval = push ? BACKSTOP_INTERVAL_SQL : "c.sync_interval_minutes";
  const backstop = push ? [opts.backstopMinutes] : [];
  return await db.query<SyncConfigRow>(
    `WITH due AS (
       SELECT c.id, LEAST(COALESCE(c.lease_expires_at, now()), now()) AS lapsed_at
       FROM sync_configs c
       WHERE c.is_active AND ${due}
         AND ($4::timestamptz IS NULL OR c.claimed_at IS NULL OR c.claimed_at < $4::timestamptz)
         AND (c.lease_owner IS NULL OR c.lease_expires_at < now())
         AND ${BOTH_ACCOUNTS_OK}
       ORDER BY c.next_run_at
       LIMIT ${limit}
       FOR UPDATE SKIP LOCKED
     ), closed AS (${closeDeadRunsSql("due")})
     UPDATE sync_configs c SET lease_owner = $1,
       lease_expires_at = now() + make_interval(secs => $2::double precision / 1000),
       next_run_at = $3::timestamptz + make_interval(mins => ${interval}),
       claimed_at = $3::timestamptz
     FROM due WHERE c.id = due.id
     RETURNING c.*`,
    [owner, opts.leaseMs, opts.now ?? new Date(), opts.since ?? null, ...backstop],
  );
}

/**
 * The minutes to a claimed config's next run with push on (`$5`: the backstop): with a push
 * channel on its source that is live and has delivered, the longer backstop (lib/sync/push.ts);
 * else its interval.
 */
const BACKSTOP_INTERVAL_SQL = `CASE WHEN EXISTS (
       SELECT 1 FROM push_channels p WHERE p.account_id = c.source_account_id
         AND p.calendar_id = c.source_calendar_id AND p.expires_at > $3::timestamptz
         AND p.last_message_at IS NOT NULL)
     THEN GREATEST(c.sync_interval_minutes, $5::integer) ELSE c.sync_interval_minutes END`;

/**
 * Moves the due configs that cannot run (a Google connection missing or to be reconnected) one
 * interval on, as if run: left due, every claim would walk past them again (with 2,500 of them,
 * 16,000 buffers a claim instead of 86). They are looked at again next interval. Once per pass.
 */
export async function deferUnrunnableSyncConfigs(db: Queryable, now = new Date()): Promise<number> {
  const rows = await db.query(
    `UPDATE sync_configs c SET next_run_at = $1::timestamptz + make_interval(mins => c.sync_interval_minutes)
     WHERE c.is_active AND c.next_run_at <= $1::timestamptz AND NOT ${BOTH_ACCOUNTS_OK}
     RETURNING c.id`,
    [now],
  );
  return rows.length;
}

/**
 * After a pass that began at `since`: the configs it would have run (active, both connections
 * ok, and due then unless `all`) that another run held or another pass claimed meanwhile. The
 * caller leaves out the ones it ran itself.
 */
export function listSkippedSyncConfigs(
  db: Queryable,
  opts: { since: Date; all?: boolean },
): Promise<SyncConfigRow[]> {
  return db.query<SyncConfigRow>(
    `SELECT c.* FROM sync_configs c
     WHERE c.is_active AND ${BOTH_ACCOUNTS_OK}
       AND (c.claimed_at >= $1 OR (c.lease_owner IS NOT NULL AND c.lease_expires_at >= now()))
       AND ($2 OR c.next_run_at <= $1 OR c.claimed_at >= $1)
     ORDER BY c.next_run_at, c.id`,
    [opts.since, opts.all ?? false],
  );
}

export interface SyncConfigPatch {
  is_active?: boolean;
  sync_lookahead_days?: number;
  sync_interval_minutes?: number;
  options?: Record<string, unknown>;
  filters?: Record<string, unknown>;
  /** The owner saw (in a preview) and confirmed the removals the change makes. */
  confirm_removals?: boolean;
  direction?: SyncDirection;
}

/**
 * Changes a user's config; undefined when it is not theirs. Resuming clears the pause reason and
 * makes the config due now; a shorter interval brings the next run forward. Changed options or
 * filters drop the cursor: the next run lists the whole window and renders every copy again.
 * @example await updateSyncConfig(db, id, userId, { is_active: false });
 */
export async function updateSyncConfig(
  db: Queryable,
  id: string,
  userId: string,
  patch: SyncConfigPatch,
): Promise<SyncConfigRow | undefined> {
  if (!isUuid(id)) return undefined;
  const rows = await db.query<SyncConfigRow>(
    `UPDATE sync_configs SET
       is_active = COALESCE($3::boolean, is_active),
       paused_reason = CASE WHEN $3::boolean IS NULL THEN paused_reason ELSE NULL END,
       paused_for_account_id = CASE WHEN $3::boolean IS NULL THEN paused_for_account_id END,
       next_run_at = CASE
         WHEN $3::boolean AND NOT is_active THEN now()
         WHEN $5::integer IS NOT NULL THEN LEAST(next_run_at, now() + make_interval(mins => $5::integer))
         ELSE next_run_at END,
       sync_lookahead_days = COALESCE($4::integer, sync_lookahead_days),
       sync_interval_minutes = COALESCE($5::integer, sync_interval_minutes),
       sync_token = CASE WHEN COALESCE($6::jsonb, options) <> options
         OR COALESCE($7::jsonb, filters) <> filters THEN NULL ELSE sync_token END,
       options = COALESCE($6::jsonb, options),
       filters = COALESCE($7::jsonb, filters),
       deletions_approved = deletions_approved OR $8::boolean,
       direction = COALESCE($9::text, direction),
       updated_at = now()
     WHERE id = $1 AND user_id = $2 RETURNING *`,
    [
      id,
      userId,
      patch.is_active ?? null,
      patch.sync_lookahead_days ?? null,
      patch.sync_interval_minutes ?? null,
      patch.options ?? null,
      patch.filters ?? null,
      patch.confirm_removals ?? false,
      patch.direction ?? null,
    ],
  );
  return rows[0];
}

/**
 * Deletes a user's config (its logs and mappings go with it) unless a run other than `owner`'s
 * holds its lease: "deleted", "running", or "missing" when it is not theirs.
 */
export async function deleteSyncConfig(
  db: Queryable,
  id: string,
  userId: string,
  owner = "",
): Promise<"deleted" | "running" | "missing"> {
  if (!isUuid(id)) return "missing";
  const rows = await db.query<{ id: string }>(
    `DELETE FROM sync_configs WHERE id = $1 AND user_id = $2
       AND (lease_owner IS NULL OR lease_expires_at < now() OR lease_owner = $3)
     RETURNING id`,
    [id, userId, owner],
  );
  if (rows.length) return "deleted";
  return (await getSyncConfig(db, id, userId)) ? "running" : "missing";
}

/** Whether a live run lease is held on the config (a run is in progress somewhere). */
export function isSyncRunning(config: SyncConfigRow, now = new Date()): boolean {
  return config.lease_owner !== null && config.lease_expires_at !== null &&
    new Date(config.lease_expires_at).getTime() > now.getTime();
}

/**
 * The configs `claimDueSyncConfigs` would claim, without claiming them (dry runs): active, due
 * (or all with `all`), both connections ok; all of them without `limit`.
 */
export function listDueSyncConfigs(
  db: Queryable,
  opts: { limit?: number; all?: boolean; now?: Date },
): Promise<SyncConfigRow[]> {
  // LIMIT NULL is no limit.
  return db.query<SyncConfigRow>(
    `SELECT c.* FROM sync_configs c
     WHERE c.is_active AND ($2 OR c.next_run_at <= $3::timestamptz)
       AND ${BOTH_ACCOUNTS_OK}
     ORDER BY c.next_run_at, c.id
     LIMIT $1`,
    [opts.limit ?? null, opts.all ?? false, opts.now ?? new Date()],
  );
}

/** Schedules a config's next run one interval from now (a run started outside the claim). */
export async function rescheduleSyncConfig(db: Queryable, id: string) {
  await db.query(
    `UPDATE sync_configs
     SET next_run_at = now() + make_interval(mins => sync_interval_minutes), updated_at = now()
     WHERE id = $1`,
    [id],
  );
}

/** Sets when a config runs next. */
export async function setNextRunAt(db: Queryable, id: string, at: Date) {
  await db.query(`UPDATE sync_configs SET next_run_at = $2, updated_at = now() WHERE id = $1`, [
    id,
    at,
  ]);
}

/** A config as a pause names it. */
export interface PausedSyncConfig {
  id: string;
  source_calendar_name: string;
  dest_calendar_name: string;
}

/**
 * Pauses the user's active configs that read or write `accountId` (either side), remembering
 * the account so that connecting it again resumes them. Returns the configs it paused.
 */
export async function pauseSyncConfigsUsingAccount(
  db: Queryable,
  userId: string,
  accountId: string,
  reason: string,
): Promise<PausedSyncConfig[]> {
  return await db.query<PausedSyncConfig>(
    `UPDATE sync_configs SET is_active = false, paused_reason = $3, paused_for_account_id = $2,
       updated_at = now()
     WHERE user_id = $1 AND is_active AND (source_account_id = $2 OR dest_account_id = $2)
     RETURNING id, source_calendar_name, dest_calendar_name`,
    [userId, accountId, reason],
  );
}

/** The user's configs (any state) that read or write `accountId`. */
export function listSyncConfigsUsingAccount(
  db: Queryable,
  userId: string,
  accountId: string,
): Promise<SyncConfigView[]> {
  return db.query<SyncConfigView>(
    `${VIEW} WHERE c.user_id = $1 AND (c.source_account_id = $2 OR c.dest_account_id = $2)
     ORDER BY c.created_at, c.id`,
    [userId, accountId],
  );
}

/**
 * After `accountId` is connected again: turns back on the configs its disconnect paused (when
 * their other side works too), and makes every active config using it due now, so the runs its
 * failure held back happen at once. Returns how many were resumed.
 */
export async function resumeSyncConfigsOfAccount(
  db: Queryable,
  userId: string,
  accountId: string,
): Promise<number> {
  const resumed = await db.query(
    `UPDATE sync_configs c SET is_active = true, paused_reason = NULL,
       paused_for_account_id = NULL, next_run_at = now(), updated_at = now()
     WHERE c.user_id = $1 AND NOT c.is_active AND c.paused_for_account_id = $2
       AND ${BOTH_ACCOUNTS_OK}
     RETURNING c.id`,
    [userId, accountId],
  );
  await db.query(
    `UPDATE sync_configs SET next_run_at = LEAST(next_run_at, now())
     WHERE user_id = $1 AND is_active AND (source_account_id = $2 OR dest_account_id = $2)`,
    [userId, accountId],
  );
  return resumed.length;
}
