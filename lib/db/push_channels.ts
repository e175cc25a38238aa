/** Google push channels (events.watch) in the database: see migrations/0021_push_channels.sql. */
import type { Queryable } from "./mod.ts";

export interface PushChannelRow {
  id: string;
  user_id: string;
  account_id: string;
  calendar_id: string;
  resource_id: string;
  token_hash: string;
  expires_at: Date;
  created_at: Date;
  last_message_at: Date | null;
}

/** A calendar some active config reads as its source: what should have a channel. */
export interface WatchedCalendar {
  user_id: string;
  account_id: string;
  calendar_id: string;
}

/** Records a channel before Google is asked to open it (its first message may beat the answer). */
export async function insertPushChannel(
  db: Queryable,
  row: Omit<PushChannelRow, "created_at" | "last_message_at">,
): Promise<void> {
  await db.query(
    `INSERT INTO push_channels (id, user_id, account_id, calendar_id, resource_id, token_hash,
       expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      row.id,
      row.user_id,
      row.account_id,
      row.calendar_id,
      row.resource_id,
      row.token_hash,
      row.expires_at,
    ],
  );
}

/** What Google answered to events.watch: the resource id and the real expiry. */
export async function setPushChannelOpened(
  db: Queryable,
  id: string,
  resourceId: string,
  expiresAt: Date,
): Promise<void> {
  await db.query(`UPDATE push_channels SET resource_id = $2, expires_at = $3 WHERE id = $1`, [
    id,
    resourceId,
    expiresAt,
  ]);
}

export async function deletePushChannel(db: Queryable, id: string): Promise<void> {
  await db.query(`DELETE FROM push_channels WHERE id = $1`, [id], { idempotent: true });
}

export async function getPushChannel(
  db: Queryable,
  id: string,
): Promise<PushChannelRow | undefined> {
  return (await db.query<PushChannelRow>(`SELECT * FROM push_channels WHERE id = $1`, [id]))[0];
}

/** Every channel, or one user's. */
export function listPushChannels(db: Queryable, userId?: string): Promise<PushChannelRow[]> {
  return db.query<PushChannelRow>(
    `SELECT * FROM push_channels WHERE ($1::uuid IS NULL OR user_id = $1::uuid)
     ORDER BY created_at`,
    [userId ?? null],
  );
}

/**
 * The calendars read as a source by an active config whose source account is usable, for
 * every user or one. (Two-way sync will add its other sides here.)
 */
export function listWatchedCalendars(db: Queryable, userId?: string): Promise<WatchedCalendar[]> {
  return db.query<WatchedCalendar>(
    `SELECT DISTINCT c.user_id, c.source_account_id AS account_id,
       c.source_calendar_id AS calendar_id
     FROM sync_configs c
     JOIN google_accounts a ON a.id = c.source_account_id AND a.status = 'ok'
     WHERE c.is_active AND ($1::uuid IS NULL OR c.user_id = $1::uuid)`,
    [userId ?? null],
  );
}

/**
 * A message arrived on the channel: notes when, and with `due` marks every active config reading
 * its calendar due now. A config being run keeps its lease; its `next_run_at` now says "run once
 * more", so a burst during a run costs one extra run, not one each. Returns the configs marked.
 */
export async function notePushMessage(
  db: Queryable,
  channel: PushChannelRow,
  due: boolean,
): Promise<number> {
  await db.query(`UPDATE push_channels SET last_message_at = now() WHERE id = $1`, [channel.id]);
  if (!due) return 0;
  const rows = await db.query(
    `UPDATE sync_configs SET next_run_at = now()
     WHERE source_account_id = $1 AND source_calendar_id = $2 AND is_active
       AND next_run_at > now()
     RETURNING id`,
    [channel.account_id, channel.calendar_id],
  );
  return rows.length;
}
