/** Server-side: database rows as the dashboard's islands and pages receive them. */
import type { SyncConfigRow } from "@/lib/db/sync_configs.ts";
import type { SyncLogRow } from "@/lib/db/sync_logs.ts";
import type { RunLogView, RunResultView, SyncView } from "./sync_view.ts";

export function syncView(row: SyncConfigRow): SyncView {
  const iso = (d: Date | null) => d && new Date(d).toISOString();
  return {
    id: row.id,
    source_calendar_id: row.source_calendar_id,
    source_calendar_name: row.source_calendar_name || row.source_calendar_id,
    dest_calendar_id: row.dest_calendar_id,
    dest_calendar_name: row.dest_calendar_name || row.dest_calendar_id,
    sync_lookahead_days: row.sync_lookahead_days,
    is_active: row.is_active,
    paused_reason: row.paused_reason,
    last_synced_at: iso(row.last_synced_at),
    last_status: row.last_status,
    last_error: row.last_error,
    next_run_at: iso(row.next_run_at),
  };
}

export function runResultView(log: SyncLogRow): RunResultView {
  return {
    sync_log_id: log.id,
    status: log.status,
    events_created: log.events_created,
    events_updated: log.events_updated,
    events_deleted: log.events_deleted,
    events_skipped: log.events_skipped,
    events_failed: log.events_failed,
    events_overwritten: log.events_overwritten,
    api_calls: log.api_calls,
    duration_ms: log.duration_ms ?? undefined,
    error: log.error,
    failures: log.failures ?? [],
  };
}

export function runLogView(log: SyncLogRow): RunLogView {
  return {
    ...runResultView(log),
    id: log.id,
    trigger: log.trigger,
    started_at: new Date(log.started_at).toISOString(),
    finished_at: log.finished_at && new Date(log.finished_at).toISOString(),
  };
}
