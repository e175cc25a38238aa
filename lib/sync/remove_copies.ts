/** Removing every copy a config made, when it is deleted with `remove_synced_events`. */
import type { calendar_v3 } from "@googleapis/calendar";
import type { Db } from "@/lib/db/mod.ts";
import type { SyncConfigRow } from "@/lib/db/sync_configs.ts";
import type { SyncFailure } from "@/lib/db/sync_logs.ts";
import { NeedsReconnectError } from "@/lib/google/errors.ts";
import type { RetryOptions } from "@/lib/google/retry.ts";
import { Applier } from "./apply.ts";
import { googleApisFor } from "./google_api.ts";
import { withSyncLease } from "./lease.ts";
import { MappingBook } from "./mappings.ts";
import { planRemoveAll } from "./plan.ts";

export interface DeleteSyncedEventsOptions {
  db: Db;
  dest: calendar_v3.Calendar;
  config: SyncConfigRow;
  concurrency?: number;
  quotaPerMinute?: number;
  signal?: AbortSignal;
  retry?: Pick<RetryOptions, "maxAttempts" | "baseDelayMs" | "maxDelayMs">;
}

/**
 * Deletes every copy `config` made from the destination and forgets its mappings. Holds the run
 * lease meanwhile; throws SyncInProgressError when a run is in progress, NeedsReconnectError when
 * the destination's access is lost. Returns how many copies were deleted and the failures.
 */
export async function deleteSyncedEvents(
  opts: DeleteSyncedEventsOptions,
): Promise<{ deleted: number; failures: SyncFailure[]; api_calls: number }> {
  const { db, config } = opts;
  return await withSyncLease(db, config.id, { holder: "delete" }, async (lease) => {
    const signal = opts.signal ? AbortSignal.any([opts.signal, lease.signal]) : lease.signal;
    const apis = googleApisFor(config, { ...opts, source: opts.dest, signal });
    const book = await MappingBook.load(db, config.id);
    const applier = new Applier({
      configId: config.id,
      book,
      dest: apis.dest,
      concurrency: Math.max(1, opts.concurrency ?? 8),
      signal,
    });
    await applier.applyAll(planRemoveAll(book));
    if (applier.reconnect) {
      throw new NeedsReconnectError("destination", "access was revoked or expired");
    }
    if (applier.failures.length === 0) await book.forgetAll();
    const deleted = applier.counts.events_deleted;
    return { deleted, failures: applier.failures, api_calls: apis.apiCalls() };
  });
}
