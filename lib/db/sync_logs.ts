import type { RunCounts, SyncStatus } from "@/lib/sync/run_result.ts";
import type { Queryable } from "./mod.ts";
import { isUuid } from "./uuid.ts";

export type { SyncStatus };
export type SyncTrigger = "manual" | "schedule" | "cli";
/**
 * A run's status in the history: how it ended, `running`, or `interrupted` when the process
 * running it died (or lost the config's lease) before it could say.
 */
export type SyncLogStatus = SyncStatus | "running" | "interrupted";

/** What an interrupted run says in the history and on its sync's card. */
export const INTERRUPTED_MESSAGE =
  "The app stopped during this run; the next run picks up where it left off";

export interface SyncFailure {
  source_event_id: string;
  summary?: string;
  reason: string;
}

/** A row of `sync_logs`: one run. */
export interface SyncLogRow extends RunCounts {
  id: string;
  config_id: string;
  user_id: string;
  trigger: SyncTrigger;
  status: SyncLogStatus;
  started_at: Date;
  finished_at: Date | null;
  window_start: Date | null;
  window_end: Date | null;
  duration_ms: number | null;
  error: string | null;
  failures: SyncFailure[];
  /** Two-way runs: the conflicts resolved (migration 0019; absent on older rows' readers). */
  conflict_details?: SyncConflict[];
}

/**
 * Opens the log row of a run, status `running`. The id is made before (here, or by the caller,
 * who may then send the insert alongside other work), so that the insert can be sent again after
 * a dropped connection without opening a second row.
 */
export async function startSyncLog(
  db: Queryable,
  run: {
    config_id: string;
    user_id: string;
    trigger: SyncTrigger;
    started_at: Date;
    window_start: Date;
    window_end: Date;
  },
  id: string = crypto.randomUUID(),
): Promise<string> {
  await db.query(
    `INSERT INTO sync_logs (id, config_id, user_id, trigger, started_at, window_start, window_end)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [id, run.config_id, run.user_id, run.trigger, run.started_at, run.window_start, run.window_end],
    { idempotent: true },
  );
  return id;
}

export interface SyncLogOutcome extends RunCounts {
  status: SyncStatus | "interrupted";
  window_end: Date;
  duration_ms: number;
  error: string | null;
  failures: SyncFailure[];
  conflict_details?: SyncConflict[];
}

/** A conflict a two-way run resolved: both versions, and which side's won (later `updated`). */
export interface SyncConflict {
  /** The original's id (in its own calendar) and the side it lives on. */
  event_id: string;
  side: "a" | "b";
  winner: "original" | "copy";
  original: { summary?: string; updated?: string; start?: string; end?: string };
  copy: { summary?: string; updated?: string; start?: string; end?: string };
}

/**
 * Closes the log row of a run with its counts and status. A row already closed as interrupted
 * (its run lost the lease meanwhile) stays so.
 */
export async function finishSyncLog(db: Queryable, id: string, o: SyncLogOutcome) {
  // `$12::text::jsonb`: the failures go as JSON text that the server parses. A parameter typed
  // jsonb would be serialized again by postgres.js, storing a JSON *string* of the array.
  await db.query(
    `UPDATE sync_logs SET status = $2, finished_at = now(), window_end = $3, events_created = $4,
       events_updated = $5, events_deleted = $6, events_skipped = $7, events_failed = $8,
       api_calls = $9, duration_ms = $10, error = $11, failures = $12::text::jsonb,
       events_overwritten = $13
     WHERE id = $1 AND status = 'running'`,
    logOutcomeParams(id, o),
    { idempotent: true },
  );
}

/**
 * Records what a two-way run did per direction and the conflicts it resolved, on its closed log
 * row: a statement of its own, so that a one-way run's ending stays one statement.
 */
export async function recordTwoWayLog(
  db: Queryable,
  id: string,
  o: { conflicts: number; a_to_b: number; b_to_a: number; conflict_details: SyncConflict[] },
) {
  await db.query(
    `UPDATE sync_logs SET conflicts = $2, a_to_b = $3, b_to_a = $4,
       conflict_details = $5::text::jsonb WHERE id = $1`,
    [id, o.conflicts, o.a_to_b, o.b_to_a, JSON.stringify(o.conflict_details.slice(0, 200))],
    { idempotent: true },
  );
}

/** $1-$13 of the statements that close a log row. */
function logOutcomeParams(id: string, o: SyncLogOutcome): unknown[] {
  return [
    id,
    o.status,
    o.window_end,
    o.events_created,
    o.events_updated,
    o.events_deleted,
    o.events_skipped,
    o.events_failed,
    o.api_calls,
    o.duration_ms,
    o.error,
    JSON.stringify(o.failures.slice(0, 200)),
    o.events_overwritten,
  ];
}

/** How a run ends for its config: its outcome, the cursor to keep (when all was copied), the lease. */
export interface SyncRunEnd {
  configId: string;
  /** The run, as its log row starts (written here when the run did not write it earlier). */
  run: { user_id: string; trigger: SyncTrigger; started_at: Date; window_start: Date };
  /** The config's last status (the log's may say `interrupted` where this says how it ended). */
  configStatus: string;
  finishedAt: Date;
  /** Where the next run resumes; absent keeps the stored cursor (a run that did not copy all). */
  cursor?: { sync_token: string | null; window_end: Date | null };
  /** The lease owner to release as, when the run's own lease is given back here. */
  leaseOwner?: string;
  /**
   * What the deletion guard did (a run that ended its steps): `held` removals wait for review
   * (0: none); an approval the run used is spent. Absent: both left as they are.
   */
  guard?: { held: number; approvalUsed: boolean };
}

/**
 * Ends a run in one statement: closes its log row (as `finishSyncLog`), records the config's
 * outcome and cursor, and gives its lease back. Returns whether the lease is no longer held by
 * `leaseOwner` (released here, or lost before).
 */
export async function finishSyncRun(
  db: Queryable,
  logId: string,
  o: SyncLogOutcome,
  end: SyncRunEnd,
): Promise<boolean> {
  // The log row: closed if the run wrote it at its start, else written whole (a run that found
  // nothing to do inserts none before). One closed meanwhile as interrupted stays so.
  const rows = await db.query<{ released: boolean }>(
    `WITH log AS (
       INSERT INTO sync_logs AS l (id, config_id, user_id, trigger, started_at, window_start,
         status, finished_at, window_end, events_created, events_updated, events_deleted,
         events_skipped, events_failed, api_calls, duration_ms, error, failures,
         events_overwritten)
       SELECT $1::uuid, c.id, $23::uuid, $24::text, $25::timestamptz, $26::timestamptz,
         $2::text, now(), $3::timestamptz, $4::integer, $5::integer, $6::integer, $7::integer,
         $8::integer, $9::integer, $10::integer, $11::text, $12::text::jsonb, $13::integer
       FROM sync_configs c WHERE c.id = $14
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, finished_at = now(),
         window_end = EXCLUDED.window_end, events_created = EXCLUDED.events_created,
         events_updated = EXCLUDED.events_updated, events_deleted = EXCLUDED.events_deleted,
         events_skipped = EXCLUDED.events_skipped, events_failed = EXCLUDED.events_failed,
         api_calls = EXCLUDED.api_calls, duration_ms = EXCLUDED.duration_ms,
         error = EXCLUDED.error, failures = EXCLUDED.failures,
         events_overwritten = EXCLUDED.events_overwritten
       WHERE l.status = 'running'
     )
     UPDATE sync_configs SET last_status = $15::text, last_error = $11,
       last_synced_at = CASE WHEN $15::text IN ('success', 'partial') THEN $16::timestamptz
         ELSE last_synced_at END,
       sync_token = CASE WHEN $17::boolean THEN $18::text ELSE sync_token END,
       window_end = CASE WHEN $17::boolean THEN $19::timestamptz ELSE window_end END,
       lease_owner = CASE WHEN lease_owner = $20::text THEN NULL ELSE lease_owner END,
       lease_expires_at = CASE WHEN lease_owner = $20::text THEN NULL ELSE lease_expires_at END,
       held_deletions = COALESCE($21::integer, held_deletions),
       deletions_approved = CASE WHEN $22::boolean THEN false ELSE deletions_approved END,
       updated_at = now()
     WHERE id = $14
     RETURNING lease_owner IS DISTINCT FROM $20::text AS released`,
    [
      ...logOutcomeParams(logId, o),
      end.configId,
      end.configStatus,
      end.finishedAt,
      end.cursor !== undefined,
      end.cursor?.sync_token ?? null,
      end.cursor?.window_end ?? null,
      end.leaseOwner ?? null,
      end.guard?.held ?? null,
      end.guard?.approvalUsed ?? false,
      end.run.user_id,
      end.run.trigger,
      end.run.started_at,
      end.run.window_start,
    ],
    { idempotent: true },
  );
  return rows[0]?.released ?? false;
}

/**
 * The statement that closes, as interrupted, the runs left `running` on the configs of `from`
 * (a table or CTE with the config's `id` and `lapsed_at`, when its dead holder's lease lapsed).
 * Only a run holding its config's lease writes that config's log, so once the lease is gone or
 * lapsed, a run still `running` is one whose process died. Used in the lease statements of
 * `sync_configs.ts`, so that taking over a config and closing its dead run happen together.
 */
export function closeDeadRunsSql(from: string): string {
  return `UPDATE sync_logs l SET status = 'interrupted', finished_at = ${from}.lapsed_at,
      duration_ms = GREATEST(0, round(extract(epoch FROM ${from}.lapsed_at - l.started_at) * 1000)),
      error = '${INTERRUPTED_MESSAGE}'
    FROM ${from} WHERE l.config_id = ${from}.id AND l.status = 'running'`;
}

/**
 * Closes, as interrupted, the runs whose process died: `running` rows of configs whose lease is
 * gone or has lapsed, finished when it lapsed; their configs' last status says so too. Scoped to
 * one config or one user's configs, or everything (a start, a scheduler tick). Idempotent.
 */
export async function closeInterruptedSyncLogs(
  db: Queryable,
  scope: { configId?: string; userId?: string } = {},
): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `WITH dead AS (
       SELECT c.id, LEAST(COALESCE(c.lease_expires_at, now()), now()) AS lapsed_at
       FROM sync_configs c
       WHERE (c.lease_owner IS NULL OR c.lease_expires_at < now())
         AND ($1::uuid IS NULL OR c.id = $1::uuid) AND ($2::uuid IS NULL OR c.user_id = $2::uuid)
         AND EXISTS (SELECT 1 FROM sync_logs r WHERE r.config_id = c.id AND r.status = 'running')
     ), closed AS (${closeDeadRunsSql("dead")} RETURNING l.config_id)
     UPDATE sync_configs c SET last_status = 'interrupted', last_error = '${INTERRUPTED_MESSAGE}',
       updated_at = now()
     FROM (SELECT DISTINCT config_id FROM closed) x WHERE c.id = x.config_id
     RETURNING c.id`,
    [scope.configId ?? null, scope.userId ?? null],
    { idempotent: true },
  );
  return rows.length;
}

/**
 * One run of the user's, by id; undefined when it is another user's, or no run's id at all. A run
 * whose process died reads as interrupted.
 */
export async function getSyncLog(
  db: Queryable,
  id: string,
  userId: string,
): Promise<SyncLogRow | undefined> {
  if (!isUuid(id)) return undefined;
  const read = async () =>
    (await db.query<SyncLogRow>(
      `SELECT * FROM sync_logs WHERE id = $1 AND user_id = $2`,
      [id, userId],
    ))[0];
  const row = await read();
  if (row?.status !== "running") return row;
  return await closeInterruptedSyncLogs(db, { configId: row.config_id }) ? await read() : row;
}

/**
 * One page of a config's runs, newest first, for its owner: runs that started before the run
 * `before` (a cursor: the last id of the previous page), `limit` of them. `next` is the cursor of
 * the following page, or null on the last one. Undefined when `before` is not a run of this config.
 * @example const { logs, next } = await listSyncLogsPage(db, configId, userId, { limit: 20 });
 */
export async function listSyncLogsPage(
  db: Queryable,
  configId: string,
  userId: string,
  page: { limit: number; before?: string },
): Promise<{ logs: SyncLogRow[]; next: string | null } | undefined> {
  await closeInterruptedSyncLogs(db, { configId: isUuid(configId) ? configId : undefined, userId });
  if (page.before) {
    const cursor = await db.query(
      `SELECT 1 FROM sync_logs WHERE id = $1 AND config_id = $2 AND user_id = $3`,
      [page.before, configId, userId],
    );
    if (cursor.length === 0) return undefined;
  }
  const rows = await db.query<SyncLogRow>(
    `SELECT * FROM sync_logs l WHERE l.config_id = $1 AND l.user_id = $2
       AND ($4::uuid IS NULL OR (l.started_at, l.id) <
         (SELECT b.started_at, b.id FROM sync_logs b WHERE b.id = $4::uuid))
     ORDER BY l.started_at DESC, l.id DESC LIMIT $3`,
    [configId, userId, page.limit + 1, page.before ?? null],
  );
  const more = rows.length > page.limit;
  const logs = more ? rows.slice(0, page.limit) : rows;
  return { logs, next: more ? logs[logs.length - 1].id : null };
}

/**
 * The statuses of the config's last `count` finished runs, newest first (runs still going and
 * interrupted ones left out: neither says how the sync fares).
 * @example const [latest, previous] = await listRecentRunStatuses(db, configId, 3);
 */
export async function listRecentRunStatuses(
  db: Queryable,
  configId: string,
  count: number,
): Promise<string[]> {
  const rows = await db.query<{ status: string }>(
    `SELECT status FROM sync_logs WHERE config_id = $1 AND status NOT IN ('running', 'interrupted')
     ORDER BY started_at DESC, id DESC LIMIT $2`,
    [configId, count],
  );
  return rows.map((row) => row.status);
}

/**
 * The last finished run of each of the user's configs (the dashboard's cards show what it did
 * and why events were not copied).
 * @example const latest = await listLatestRunsByUser(db, userId);
 */
export async function listLatestRunsByUser(db: Queryable, userId: string): Promise<SyncLogRow[]> {
  return await db.query<SyncLogRow>(
    `SELECT DISTINCT ON (config_id) * FROM sync_logs
     WHERE user_id = $1 AND status <> 'running'
     ORDER BY config_id, started_at DESC, id DESC`,
    [userId],
  );
}
