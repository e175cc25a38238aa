import type { Queryable } from "./mod.ts";

export interface RefusedEvent {
  source_event_id: string;
  summary: string | null;
  reason: string;
  first_refused_at: Date;
}

/**
 * Records a run's refused events: new ones from now, known ones keep when they began. Every
 * other event of the config is no longer refused and is dropped.
 */
export async function recordRefusedEvents(
  db: Queryable,
  configId: string,
  refused: { source_event_id: string; summary?: string; reason: string }[],
  now: Date,
): Promise<void> {
  const ids = refused.map((e) => e.source_event_id);
  await db.query(
    `DELETE FROM refused_events WHERE config_id = $1 AND NOT (source_event_id = ANY($2::text[]))`,
    [configId, ids],
  );
  if (!refused.length) return;
  await db.query(
    `INSERT INTO refused_events AS r
       (config_id, source_event_id, summary, reason, first_refused_at, last_refused_at)
     SELECT $1, e.id, e.summary, e.reason, $5, $5
     FROM unnest($2::text[], $3::text[], $4::text[]) AS e (id, summary, reason)
     ON CONFLICT (config_id, source_event_id) DO UPDATE SET summary = EXCLUDED.summary,
       reason = EXCLUDED.reason, last_refused_at = EXCLUDED.last_refused_at`,
    [
      configId,
      ids,
      refused.map((e) => e.summary ?? null),
      refused.map((e) => e.reason),
      now,
    ],
  );
}

/** The config's events refused since `before` or earlier, oldest first. */
export async function listLongRefusedEvents(
  db: Queryable,
  configId: string,
  before: Date,
): Promise<RefusedEvent[]> {
  return await db.query<RefusedEvent>(
    `SELECT source_event_id, summary, reason, first_refused_at FROM refused_events
     WHERE config_id = $1 AND first_refused_at <= $2 ORDER BY first_refused_at, source_event_id`,
    [configId, before],
  );
}
