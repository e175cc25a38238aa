import type { Queryable } from "./mod.ts";

/** The kinds of alert a user can turn off one by one. */
export const ALERT_KINDS = [
  "account_reconnect",
  "sync_failing",
  "events_refused",
  "needs_review",
] as const;
export type AlertKind = typeof ALERT_KINDS[number];

/** Which alerts a user wants: every kind is on until turned off. */
export type NotificationSettings = Record<AlertKind, boolean>;

const ALL_ON: NotificationSettings = {
  account_reconnect: true,
  sync_failing: true,
  events_refused: true,
  needs_review: true,
};

/** @example const settings = await getNotificationSettings(db, userId); */
export async function getNotificationSettings(
  db: Queryable,
  userId: string,
): Promise<NotificationSettings> {
  const rows = await db.query<NotificationSettings>(
    `SELECT account_reconnect, sync_failing, events_refused, needs_review
     FROM notification_settings WHERE user_id = $1`,
    [userId],
  );
  return rows[0] ?? { ...ALL_ON };
}

/**
 * Changes some of the user's settings and returns them all.
 * @example await updateNotificationSettings(db, userId, { sync_failing: false });
 */
export async function updateNotificationSettings(
  db: Queryable,
  userId: string,
  change: Partial<NotificationSettings>,
): Promise<NotificationSettings> {
  const next = { ...await getNotificationSettings(db, userId), ...change };
  const rows = await db.query<NotificationSettings>(
    `INSERT INTO notification_settings AS s
       (user_id, account_reconnect, sync_failing, events_refused, needs_review)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id) DO UPDATE SET
       account_reconnect = COALESCE($6, s.account_reconnect),
       sync_failing = COALESCE($7, s.sync_failing),
       events_refused = COALESCE($8, s.events_refused),
       needs_review = COALESCE($9, s.needs_review), updated_at = now()
     RETURNING account_reconnect, sync_failing, events_refused, needs_review`,
    [
      userId,
      next.account_reconnect,
      next.sync_failing,
      next.events_refused,
      next.needs_review,
      ...ALERT_KINDS.map((kind) => change[kind] ?? null),
    ],
  );
  return rows[0];
}
