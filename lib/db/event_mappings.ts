import type { Queryable } from "./mod.ts";

/** Where a copy stands (see lib/sync/copy_state.ts). */
export type MappingState = "pending" | "live" | "awaiting_exceptions" | "deleted" | "cancelled";

/** A row of `event_mappings`: one source event and the copy made of it. */
export interface EventMapping {
  config_id: string;
  source_event_id: string;
  dest_event_id: string;
  sync_cluster_id: string;
  /** Where the copy stands. */
  state: MappingState;
  /** The hash of what was written; null while nothing settled was (pending, deleted, cancelled). */
  content_hash: string | null;
  source_recurring_id: string | null;
  source_updated: Date | null;
  event_start: Date | null;
  event_end: Date | null;
  /** The etag of the copy as the engine last wrote it; null sends no If-Match. */
  dest_etag: string | null;
}

/** Every mapping of a config. */
export function listEventMappings(db: Queryable, configId: string): Promise<EventMapping[]> {
  return db.query<EventMapping>(
    `SELECT config_id, source_event_id, dest_event_id, sync_cluster_id, state, content_hash,
       source_recurring_id, source_updated, event_start, event_end, dest_etag
     FROM event_mappings WHERE config_id = $1`,
    [configId],
  );
}

/** Whether a config has a copy a killed run left pending (`event_mappings_pending_idx`). */
export async function hasPendingEventMappings(db: Queryable, configId: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM event_mappings WHERE config_id = $1 AND state = 'pending' LIMIT 1`,
    [configId],
  );
  return rows.length > 0;
}

/**
 * The mappings of a config's events `ids` and of the instances of the series among them: what a
 * run needs of the book to plan those events (each by its own row, a series by its exceptions').
 * One statement, on the primary key and `event_mappings_series_idx`.
 */
export function listEventMappingsOf(
  db: Queryable,
  configId: string,
  ids: readonly string[],
): Promise<EventMapping[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.query<EventMapping>(
    `SELECT config_id, source_event_id, dest_event_id, sync_cluster_id, state, content_hash,
       source_recurring_id, source_updated, event_start, event_end, dest_etag
     FROM event_mappings
     WHERE config_id = $1 AND (source_event_id = ANY($2::text[])
       OR source_recurring_id = ANY($2::text[]))`,
    [configId, ids],
  );
}

/**
 * Records (or refreshes) several mappings of one run in one statement; each source event at most
 * once. Writes whole rows, so it can be sent again after a dropped connection.
 */
export async function upsertEventMappings(db: Queryable, ms: readonly EventMapping[]) {
  if (ms.length === 0) return;
  // As JSON text that the server takes apart: one parameter, whatever the batch's size.
  await db.query(
    `INSERT INTO event_mappings (config_id, source_event_id, dest_event_id, sync_cluster_id,
       content_hash, source_recurring_id, source_updated, event_start, event_end, dest_etag,
       state, dest_updated)
     SELECT config_id, source_event_id, dest_event_id, sync_cluster_id, content_hash,
       source_recurring_id, source_updated, event_start, event_end, dest_etag, state, now()
     FROM jsonb_to_recordset($1::text::jsonb) AS m (config_id uuid, source_event_id text,
       dest_event_id text, sync_cluster_id uuid, content_hash text, source_recurring_id text,
       source_updated timestamptz, event_start timestamptz, event_end timestamptz,
       dest_etag text, state text)
     ON CONFLICT (config_id, source_event_id) DO UPDATE SET dest_event_id = EXCLUDED.dest_event_id,
       sync_cluster_id = EXCLUDED.sync_cluster_id, content_hash = EXCLUDED.content_hash,
       source_recurring_id = EXCLUDED.source_recurring_id, source_updated = EXCLUDED.source_updated,
       event_start = EXCLUDED.event_start, event_end = EXCLUDED.event_end,
       dest_etag = EXCLUDED.dest_etag, state = EXCLUDED.state, dest_updated = now(),
       updated_at = now()`,
    [JSON.stringify(ms.map(rowOf))],
    { idempotent: true },
  );
}

function rowOf(m: EventMapping) {
  return {
    config_id: m.config_id,
    source_event_id: m.source_event_id,
    dest_event_id: m.dest_event_id,
    sync_cluster_id: m.sync_cluster_id,
    content_hash: m.content_hash,
    source_recurring_id: m.source_recurring_id,
    source_updated: m.source_updated,
    event_start: m.event_start,
    event_end: m.event_end,
    dest_etag: m.dest_etag,
    state: m.state,
  };
}

/** Forgets one mapping. */
export async function deleteEventMapping(db: Queryable, configId: string, sourceEventId: string) {
  await db.query(
    `DELETE FROM event_mappings WHERE config_id = $1 AND source_event_id = $2`,
    [configId, sourceEventId],
    { idempotent: true },
  );
}

/** Forgets the mappings of a series' instances (its copy was deleted as a whole). */
export async function deleteSeriesInstanceMappings(
  db: Queryable,
  configId: string,
  sourceRecurringId: string,
) {
  await db.query(
    `DELETE FROM event_mappings WHERE config_id = $1 AND source_recurring_id = $2`,
    [configId, sourceRecurringId],
    { idempotent: true },
  );
}

/** Forgets every mapping of a config (its copies were all deleted). */
export async function deleteConfigMappings(db: Queryable, configId: string) {
  await db.query(`DELETE FROM event_mappings WHERE config_id = $1`, [configId], {
    idempotent: true,
  });
}
