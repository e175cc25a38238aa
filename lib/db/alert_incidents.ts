import type { AlertKind } from "./notification_settings.ts";
import type { Queryable } from "./mod.ts";

/** One occurrence of something a user is told about, by kind, subject and which occurrence. */
export interface IncidentKey {
  kind: AlertKind;
  /** An account id or a config id. */
  subject: string;
  /** 'open' while a lasting incident lasts; else what tells occurrences apart (a day…). */
  incident: string;
}

/** The incident key of a lasting incident while it lasts. */
export const OPEN = "open";

/**
 * Records that the user is being told of an incident; true only for the caller whose insert
 * landed — of several processes noticing one incident, exactly one gets true and sends.
 */
export async function claimIncident(
  db: Queryable,
  userId: string,
  key: IncidentKey,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO alert_incidents (user_id, kind, subject, incident) VALUES ($1, $2, $3, $4)
     ON CONFLICT (kind, subject, incident) DO NOTHING RETURNING id`,
    [userId, key.kind, key.subject, key.incident],
  );
  return rows.length > 0;
}

/** Forgets a claim whose email could not be sent, so that a later look tries again. */
export async function unclaimIncident(db: Queryable, key: IncidentKey): Promise<void> {
  await db.query(
    `DELETE FROM alert_incidents WHERE kind = $1 AND subject = $2 AND incident = $3`,
    [key.kind, key.subject, key.incident],
  );
}

/**
 * Marks an open incident told `afterMs` ago or more as reminded; true only for the one caller
 * that marked it (the reminder is then that caller's to send).
 */
export async function claimReminder(
  db: Queryable,
  key: IncidentKey,
  toldBefore: Date,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE alert_incidents SET reminded_at = now()
     WHERE kind = $1 AND subject = $2 AND incident = $3 AND reminded_at IS NULL
       AND told_at <= $4 RETURNING id`,
    [key.kind, key.subject, key.incident, toldBefore],
  );
  return rows.length > 0;
}

/** Gives a reminder back (its email could not be sent). */
export async function unclaimReminder(db: Queryable, key: IncidentKey): Promise<void> {
  await db.query(
    `UPDATE alert_incidents SET reminded_at = NULL
     WHERE kind = $1 AND subject = $2 AND incident = $3`,
    [key.kind, key.subject, key.incident],
  );
}

/**
 * Ends the open incident of this kind and subject, if any: it keeps its row under its own id,
 * and the next occurrence opens a new one.
 */
export async function resolveIncident(
  db: Queryable,
  kind: AlertKind,
  subject: string,
): Promise<void> {
  await db.query(
    `UPDATE alert_incidents SET incident = id::text, resolved_at = now()
     WHERE kind = $1 AND subject = $2 AND incident = '${OPEN}'`,
    [kind, subject],
  );
}

/** The user's incidents, newest first (tests and the dashboard). */
export async function listIncidents(
  db: Queryable,
  userId: string,
): Promise<
  (IncidentKey & { told_at: Date; reminded_at: Date | null; resolved_at: Date | null })[]
> {
  return await db.query(
    `SELECT kind, subject, incident, told_at, reminded_at, resolved_at FROM alert_incidents
     WHERE user_id = $1 ORDER BY told_at DESC`,
    [userId],
  );
}
