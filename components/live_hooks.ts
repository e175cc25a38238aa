/**
 * What the dashboard's islands do with the live stream (components/live_events.ts): refetch the
 * changed item's JSON from `/api` and put it in the island's signal. No reload after a scheduled
 * run, a reconnect, a disconnect or a pause in another tab.
 */
import type { Signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { isAccountEvent, type LiveEvent, onLiveEvent } from "@/components/live_events.ts";
import type { RunLogView, SyncView } from "@/components/sync_view.ts";
import type { AccountView } from "@/lib/google/dashboard.ts";

async function getJson<T>(url: string): Promise<T | null | undefined> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) {
    await res.body?.cancel();
    return undefined;
  }
  return await res.json() as T;
}

/** The last run of a sync, for its card's words after a run; undefined when unknown. */
async function lastRun(id: string): Promise<RunLogView | undefined> {
  const page = await getJson<{ logs: RunLogView[] }>(`/api/sync/logs/${id}?limit=1`);
  return page?.logs[0];
}

/**
 * The cards as the server has them now: the list (which never answers 404, so a card deleted
 * meanwhile just drops out), merged into what the page shows; `ranId`'s card also gets its
 * last run.
 */
async function refreshSyncs(syncs: Signal<SyncView[]>, ranId?: string) {
  const list = await getJson<{ configs: SyncView[] }>("/api/sync/config");
  if (!list) return;
  const run = ranId && list.configs.some((c) => c.id === ranId) ? await lastRun(ranId) : undefined;
  const had = new Map(syncs.value.map((s) => [s.id, s]));
  syncs.value = list.configs.map((c) => ({
    ...had.get(c.id),
    ...c,
    ...(c.id === ranId && run ? { last_run: run } : {}),
  }));
}

/** Keeps the sync cards current with the live stream (their accounts' states included). */
export function useLiveSyncs(syncs: Signal<SyncView[]>) {
  useEffect(() =>
    onLiveEvent((event: LiveEvent) => {
      if (event.kind === "config_deleted" && event.config_id) {
        syncs.value = syncs.value.filter((s) => s.id !== event.config_id);
        return;
      }
      void refreshSyncs(syncs, event.kind === "run_finished" ? event.config_id : undefined);
    }), []);
}

type AccountJson = Omit<AccountView, "syncs">;

/** Keeps the accounts list current with the live stream; each keeps the syncs it had. */
export function useLiveAccounts(accounts: Signal<AccountView[]>) {
  useEffect(() =>
    onLiveEvent(async (event) => {
      if (!isAccountEvent(event)) return;
      const list = await getJson<{ accounts: AccountJson[] }>("/api/accounts");
      if (!list) return;
      const had = new Map(accounts.value.map((a) => [a.id, a]));
      accounts.value = list.accounts.map((a) => ({
        syncs: had.get(a.id)?.syncs ?? [],
        id: a.id,
        email: a.email,
        status: a.status,
        connected_at: a.connected_at,
      }));
    }), []);
}
