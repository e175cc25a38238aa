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

/**
 * One sync's card as the server has it now (with its last run after a run finished); null
 * when it is gone.
 */
async function fetchSync(id: string, withRun: boolean): Promise<SyncView | null | undefined> {
  const config = await getJson<SyncView>(`/api/sync/config/${id}`);
  if (!config || !withRun) return config;
  const page = await getJson<{ logs: RunLogView[] }>(`/api/sync/logs/${id}?limit=1`);
  const last = page?.logs[0];
  return last ? { ...config, last_run: last } : config;
}

async function refreshSync(syncs: Signal<SyncView[]>, id: string, withRun = false) {
  const next = await fetchSync(id, withRun);
  if (next === undefined) return;
  if (next === null) {
    syncs.value = syncs.value.filter((s) => s.id !== id);
  } else if (syncs.value.some((s) => s.id === id)) {
    syncs.value = syncs.value.map((s) => s.id === id ? { ...s, ...next } : s);
  } else {
    syncs.value = [...syncs.value, next];
  }
}

/** Keeps the sync cards current with the live stream (their accounts' states included). */
export function useLiveSyncs(syncs: Signal<SyncView[]>) {
  useEffect(() =>
    onLiveEvent((event: LiveEvent) => {
      if (event.kind === "config_deleted" && event.config_id) {
        syncs.value = syncs.value.filter((s) => s.id !== event.config_id);
      } else if (
        event.config_id &&
        // A card this page removed (its own Delete) is not fetched again.
        (event.kind === "config_created" || syncs.value.some((s) => s.id === event.config_id))
      ) {
        void refreshSync(syncs, event.config_id, event.kind === "run_finished");
      }
      if (isAccountEvent(event)) { for (const s of syncs.value) void refreshSync(syncs, s.id); }
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
