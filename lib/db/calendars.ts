import type { Queryable } from "./mod.ts";
import type { AccountType } from "./oauth_tokens.ts";

/** A row of `calendars`: the cached calendar list of one connected account. */
export interface CalendarRow {
  user_id: string;
  account_type: AccountType;
  calendar_id: string;
  summary: string;
  is_primary: boolean;
  access_role: string;
  background_color: string | null;
  time_zone: string | null;
  fetched_at: Date;
}

export type CachedCalendar = Omit<CalendarRow, "user_id" | "account_type" | "fetched_at">;

/**
 * Replaces the cached calendar list of one account in one transaction-friendly statement pair.
 * @example await replaceCalendars(tx, userId, "source", [{ calendar_id: "primary", … }]);
 */
export async function replaceCalendars(
  db: Queryable,
  userId: string,
  accountType: AccountType,
  calendars: CachedCalendar[],
): Promise<void> {
  await db.query("DELETE FROM calendars WHERE user_id = $1 AND account_type = $2", [
    userId,
    accountType,
  ]);
  if (calendars.length === 0) return;
  await db.query(
    `INSERT INTO calendars (user_id, account_type, calendar_id, summary, is_primary, access_role,
       background_color, time_zone)
     SELECT $1, $2, c.calendar_id, c.summary, c.is_primary, c.access_role, c.background_color,
       c.time_zone
     FROM jsonb_to_recordset($3::text::jsonb) AS c(calendar_id text, summary text, is_primary boolean,
       access_role text, background_color text, time_zone text)
     ON CONFLICT (user_id, account_type, calendar_id) DO NOTHING`,
    [userId, accountType, JSON.stringify(calendars)],
  );
}

/** @example const calendars = await listCalendars(db, userId, "destination"); */
export async function listCalendars(
  db: Queryable,
  userId: string,
  accountType: AccountType,
): Promise<CalendarRow[]> {
  return await db.query<CalendarRow>(
    `SELECT user_id, account_type, calendar_id, summary, is_primary, access_role,
       background_color, time_zone, fetched_at
     FROM calendars WHERE user_id = $1 AND account_type = $2
     ORDER BY is_primary DESC, lower(summary), calendar_id`,
    [userId, accountType],
  );
}

/** @example await deleteCalendars(db, userId, "source"); */
export async function deleteCalendars(
  db: Queryable,
  userId: string,
  accountType: AccountType,
): Promise<void> {
  await db.query("DELETE FROM calendars WHERE user_id = $1 AND account_type = $2", [
    userId,
    accountType,
  ]);
}
