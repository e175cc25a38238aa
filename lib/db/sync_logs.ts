import type { Queryable } from "./mod.ts";
import { isUuid } from "./uuid.ts";

export type SyncTrigger = "manual" | "schedule" | "cli";
export type SyncStatus = "success" | "partial" | "failed" | "needs_reconnect";

export interface SyncFailure {
  source_event_id: string;
  summary?: string;
  reason: string;
}

/** A row of `sync_logs`: one run. */
export interface SyncLogRow {
  id: string;
  config_id: string;
  user_id: string;
  trigger: SyncTrigger;
  status: SyncStatus | "running";
  started_at: Date;
  finished_at: Date | null;
  window_start: Date | null;
  window_end: Date | null;
  events_created: number;
  events_updated: number;
  events_deleted: number;
  events_skipped: number;
  events_failed: number;
  api_calls: number;
  duration_ms: number | null;
  error: string | null;
  failures: SyncFailure[];
}

/** Opens the log row of a run, status `running`. */
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
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO sync_logs (config_id, user_id, trigger, started_at, window_start, window_end)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [run.config_id, run.user_id, run.trigger, run.started_at, run.window_start, run.window_end],
  );
  return rows[0].id;
}

export interface SyncLogOutcome {
  status: SyncStatus;
  window_end: Date;
  events_created: number;
  events_updated: number;
  events_deleted: number;
  events_skipped: number;
  events_failed: number;
  api_calls: number;
  duration_ms: number;
  error: string | null;
  failures: SyncFailure[];
}

/** Closes the log row of a run with its counts and status. */
export async function finishSyncLog(db: Queryable, id: string, o: SyncLogOutcome) {
  await db.query(
    `UPDATE sync_logs SET status = $2, finished_at = now(), window_end = $3, events_created = $4,
       events_updated = $5, events_deleted = $6, events_skipped = $7, events_failed = $8,
       api_calls = $9, duration_ms = $10, error = $11, failures = $12::jsonb
     WHERE id = $1`,
    [
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
    ],
  );
}

/** A config's runs, newest first; `userId` scopes it to the owner. */
export function listSyncLogs(
  db: Queryable,
  configId: string,
  userId: string,
  page: { limit: number; offset: number } = { limit: 20, offset: 0 },
): Promise<SyncLogRow[]> {
  return db.query<SyncLogRow>(
    `SELECT * FROM sync_logs WHERE config_id = $1 AND user_id = $2
     ORDER BY started_at DESC, id DESC LIMIT $3 OFFSET $4`,
    [configId, userId, page.limit, page.offset],
  );
}

/** One run of the user's, by id; undefined when it is another user's, or no run's id at all. */
export async function getSyncLog(
  db: Queryable,
  id: string,
  userId: string,
): Promise<SyncLogRow | undefined> {
  if (!isUuid(id)) return undefined;
  const rows = await db.query<SyncLogRow>(
    `SELECT * FROM sync_logs WHERE id = $1 AND user_id = $2`,
    [id, userId],
  );
  return rows[0];
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
