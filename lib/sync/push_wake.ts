/**
 * Waking the workers when a push message made configs due: in this process at once, and on
 * PostgreSQL every instance through NOTIFY (each worker LISTENs). PGlite is one process, so the
 * in-process wake-up reaches its only worker; a short poll of the due set covers the rest.
 */
import type { Db } from "@/lib/db/mod.ts";

/** The NOTIFY channel of due configs. */
export const WAKE_CHANNEL = "cal_sync_due";

const listeners = new Set<() => void>();

/** Calls `fn` on every wake-up in this process; returns the unsubscribe. */
export function onWake(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Wakes this process's workers, and on PostgreSQL every instance's. */
export async function wakeWorkers(db: Db): Promise<void> {
  for (const fn of listeners) fn();
  if (db.kind === "postgres") await db.notify(WAKE_CHANNEL);
}
