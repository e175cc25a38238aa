import type { Queryable } from "./mod.ts";

/** A row of `calendars`: the cached calendar list of one connected account. */
export interface CalendarRow {
  user_id: string;
  account_id: string;
  calendar_id: string;
  summary: string;
  is_primary: boolean;
  access_role: string;
  background_color: string | null;
  time_zone: string | null;
  fetched_at: Date;
}

export type CachedCalendar = Omit<CalendarRow, "user_id" | "account_id" | "fetched_at">;

/**
 * Replaces the cached calendar list of one account in one transaction-friendly statement pair.
 * @example await replaceCalendars(tx, userId, accountId, [{ calendar_id: "primary", … }]);
 */
export async function replaceCalendars(
  db: Queryable,
  userId: string,
  accountId: string,
  calendars: CachedCalendar[],
): Promise<void> {
  await db.query("DELETE FROM calendars WHERE account_id = $1 AND user_id = $2", [
    accountId,
    userId,
  ]);
  if (calendars.length === 0) return;
  await db.query(
    `INSERT INTO calendars (user_id, account_id, calendar_id, summary, is_primary, access_role,
       background_color, time_zone)
     SELECT $1, $2, c.calendar_id, c.summary, c.is_primary, c.access_role, c.background_color,
       c.time_zone
     FROM jsonb_to_recordset($3::text::jsonb) AS c(calendar_id text, summary text, is_primary boolean,
       access_role text, background_color text, time_zone text)
     ON CONFLICT (account_id, calendar_id) DO NOTHING`,
    [userId, accountId, JSON.stringify(calendars)],
  );
}

/** @example const calendars = await listCalendars(db, userId, accountId); */
export async function listCalendars(
  db: Queryable,
  userId: string,
  accountId: string,
): Promise<CalendarRow[]> {
  return await db.query<CalendarRow>(
    `SELECT user_id, account_id, calendar_id, summary, is_primary, access_role,
       background_color, time_zone, fetched_at
     FROM calendars WHERE user_id = $1 AND account_id = $2
     ORDER BY is_primary DESC, lower(summary), calendar_id`,
    [userId, accountId],
  );
}

/** @example await deleteCalendars(db, userId, accountId); */
export async function deleteCalendars(
  db: Queryable,
  userId: string,
  accountId: string,
): Promise<void> {
  await db.query("DELETE FROM calendars WHERE user_id = $1 AND account_id = $2", [
    userId,
    accountId,
  ]);
}
