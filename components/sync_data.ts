/** Server-side: database rows as the dashboard's islands and pages receive them. */
import type { SyncConfigView } from "@/lib/db/sync_configs.ts";
import type { SyncLogRow } from "@/lib/db/sync_logs.ts";
import { syncConfigOut } from "@/lib/sync/api_schemas.ts";
import { runCountsOf } from "@/lib/sync/run_result.ts";
import { type RunLogView, type RunResultView, SYNC_VIEW_KEYS, type SyncView } from "./sync_view.ts";

/** A config's card: the API's config, picked, so the two never tell it differently. */
export function syncView(row: SyncConfigView): SyncView {
  const c = syncConfigOut(row);
  return Object.fromEntries(SYNC_VIEW_KEYS.map((k) => [k, c[k] as unknown])) as SyncView;
}

export function runResultView(log: SyncLogRow): RunResultView {
  return {
    sync_log_id: log.id,
    status: log.status,
    ...runCountsOf(log),
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
