import { useSignal } from "@preact/signals";
import { Dialog } from "@/components/Dialog.tsx";
import { RunHistory } from "@/components/RunHistory.tsx";
import { readApiError, type RunLogView } from "@/components/sync_view.ts";

interface SyncHistoryProps {
  configId: string;
  /** "Work → Main": names the button and the dialog. */
  name: string;
}

/** The "History" button of a sync and its dialog; without JavaScript, a link to the sync's page. */
export default function SyncHistory(props: SyncHistoryProps) {
  const open = useSignal(false);
  const runs = useSignal<RunLogView[] | null>(null);
  const error = useSignal<string | null>(null);

  async function load() {
    runs.value = null;
    error.value = null;
    try {
      const res = await fetch(`/api/sync/logs/${props.configId}?limit=50`, {
        headers: { accept: "application/json" },
      });
      if (!res.ok) throw new Error((await readApiError(res)).message);
      runs.value = logsOf(await res.json());
    } catch (e) {
      error.value = `Could not load the history: ${(e as Error).message}`;
    }
  }

  return (
    <>
      <a
        class="button button--quiet"
        href={`/syncs/${props.configId}`}
        onClick={(event) => {
          event.preventDefault();
          open.value = true;
          load();
        }}
      >
        History<span class="visually-hidden">{` of ${props.name}`}</span>
      </a>
      <Dialog
        id={`history-${props.configId}`}
        title={`History: ${props.name}`}
        open={open.value}
        onClose={() => open.value = false}
        wide
      >
        {error.value
          ? <p class="form__error" role="alert">{error.value}</p>
          : runs.value === null
          ? <p class="muted" role="status">Loading…</p>
          : <RunHistory runs={runs.value} local />}
      </Dialog>
    </>
  );
}

/** The sync engine's history answer, whichever envelope it comes in. */
function logsOf(body: unknown): RunLogView[] {
  if (Array.isArray(body)) return body;
  const o = body as Record<string, unknown>;
  const list = o.logs ?? o.items ?? o.data ?? o.runs;
  return Array.isArray(list) ? list : [];
}
