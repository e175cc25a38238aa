import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { Dialog } from "@/components/Dialog.tsx";
import { FailureReason } from "@/components/FailureReason.tsx";
import { RunResult } from "@/components/RunResult.tsx";
import { runStatusText, runTone } from "@/components/run_words.ts";
import {
  ACCOUNT_DISCONNECTED_EVENT,
  arrowOf,
  CREATED_EVENT,
  formatNextRun,
  formatWhen,
  onAccountReconnected,
  readApiError,
  reconnectLinkClicked,
  type RunResultView,
  sideName,
  statusText,
  statusTone,
  type SyncView,
  updatesText,
} from "@/components/sync_view.ts";
import SyncHistory from "@/islands/SyncHistory.tsx";
import ReviewPrompt from "@/islands/ReviewPrompt.tsx";
import SyncEditor from "@/islands/SyncEditor.tsx";
import { useLiveSyncs } from "@/components/live_hooks.ts";

interface SyncListProps {
  syncs: SyncView[];
  /** At least one Google account is connected, so syncs can be created. */
  hasAccounts: boolean;
  /** The result of a run posted without JavaScript, shown on its card. */
  ranId?: string | null;
  ranResult?: RunResultView | null;
}

/** The user's syncs as cards: run now with live progress, history, pause/resume, delete. */
export default function SyncList(props: SyncListProps) {
  const syncs = useSignal(props.syncs);
  const notice = useSignal<string | null>(null);
  const mounted = useSignal(false);
  useLiveSyncs(syncs);

  useEffect(() => {
    mounted.value = true;
    const added = (event: Event) => {
      const config = (event as CustomEvent<SyncView>).detail;
      if (!syncs.value.some((s) => s.id === config.id)) syncs.value = [...syncs.value, config];
      notice.value = null;
    };
    // A disconnect in the accounts list pauses the syncs using the account: show it here too.
    const disconnected = (event: Event) => {
      const { email, paused } = (event as CustomEvent<{ email: string; paused: string[] }>).detail;
      syncs.value = syncs.value.map((s) => {
        type Status = SyncView["source_account_status"];
        const status = (id: string | null, current: Status): Status =>
          s.source_account_email === email && id === s.source_account_id ||
            s.dest_account_email === email && id === s.dest_account_id
            ? "disconnected"
            : current;
        const next = {
          ...s,
          source_account_status: status(s.source_account_id, s.source_account_status),
          dest_account_status: status(s.dest_account_id, s.dest_account_status),
        };
        return paused.includes(s.id)
          ? {
            ...next,
            is_active: false,
            paused_reason: `The Google account ${email} was disconnected`,
          }
          : next;
      });
    };
    // A reconnect in a popup: the cards of that account work again, without a reload.
    const stopListening = onAccountReconnected((id) => {
      syncs.value = syncs.value.map((s) => ({
        ...s,
        source_account_status: s.source_account_id === id ? "ok" : s.source_account_status,
        dest_account_status: s.dest_account_id === id ? "ok" : s.dest_account_status,
      }));
    });
    addEventListener(CREATED_EVENT, added);
    addEventListener(ACCOUNT_DISCONNECTED_EVENT, disconnected);
    return () => {
      removeEventListener(CREATED_EVENT, added);
      removeEventListener(ACCOUNT_DISCONNECTED_EVENT, disconnected);
      stopListening();
    };
  }, []);

  if (syncs.value.length === 0) {
    return (
      <div>
        {notice.value && <p class="notice" role="status">{notice.value}</p>}
        <p class="empty">
          No syncs yet. {props.hasAccounts
            ? "Pick a source and a destination calendar above and press “Create sync”."
            : "Connect a Google account, then create your first sync above."}
        </p>
      </div>
    );
  }
  return (
    <div>
      <p class="notice" role="status" hidden={!notice.value}>{notice.value}</p>
      <ul class="sync-list">
        {syncs.value.map((sync) => (
          <li key={sync.id}>
            <SyncCard
              sync={sync}
              local={mounted.value}
              initialResult={sync.id === props.ranId ? props.ranResult ?? null : null}
              onChange={(next) => syncs.value = syncs.value.map((s) => s.id === next.id ? next : s)}
              onDeleted={(text) => {
                syncs.value = syncs.value.filter((s) => s.id !== sync.id);
                notice.value = text;
              }}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}

interface Progress {
  done: number;
  total: number;
}

interface SyncCardProps {
  sync: SyncView;
  local: boolean;
  initialResult: RunResultView | null;
  onChange: (sync: SyncView) => void;
  onDeleted: (notice: string) => void;
}

/** The side of a sync whose account keeps it from running, if any. */
function blockedSide(
  sync: SyncView,
): { id: string | null; email: string | null; status: string | null } | null {
  if (sync.source_account_status !== "ok") {
    return {
      id: sync.source_account_id,
      email: sync.source_account_email,
      status: sync.source_account_status,
    };
  }
  if (sync.dest_account_status !== "ok") {
    return {
      id: sync.dest_account_id,
      email: sync.dest_account_email,
      status: sync.dest_account_status,
    };
  }
  return null;
}

function SyncCard({ sync, local, initialResult, onChange, onDeleted }: SyncCardProps) {
  const blocked = blockedSide(sync);
  const canRun = blocked === null;
  const running = useSignal(false);
  const progress = useSignal<Progress | null>(null);
  const result = useSignal<RunResultView | null>(initialResult);
  const problem = useSignal<string | null>(null);
  const confirming = useSignal(false);
  const removeEvents = useSignal(false);
  const deleting = useSignal(false);
  const toggling = useSignal(false);
  const name = `${sideName(sync.source_calendar_name, sync.source_account_email)} ${
    arrowOf(sync.direction)
  } ${sideName(sync.dest_calendar_name, sync.dest_account_email)}`;
  const titleId = `sync-${sync.id}-title`;

  async function runNow(event: Event) {
    event.preventDefault();
    running.value = true;
    progress.value = null;
    result.value = null;
    problem.value = null;
    try {
      const outcome = await triggerRun(sync.id, progress);
      result.value = outcome;
      // The server's view of the card after the run: last run, status, and the next run.
      const res = await fetch(`/api/sync/config/${sync.id}`, {
        headers: { accept: "application/json" },
      });
      if (res.ok) onChange({ ...sync, ...await res.json() });
    } catch (e) {
      problem.value = (e as Error).message;
    } finally {
      running.value = false;
    }
  }

  async function toggle(event: Event) {
    event.preventDefault();
    toggling.value = true;
    problem.value = null;
    try {
      const res = await fetch(`/api/sync/config/${sync.id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ is_active: !sync.is_active }),
      });
      if (!res.ok) throw new Error((await readApiError(res)).message);
      const body = await res.json().catch(() => ({}));
      onChange({ ...sync, ...body, is_active: body.is_active ?? !sync.is_active });
    } catch (e) {
      problem.value = `Could not change this sync: ${(e as Error).message}`;
    } finally {
      toggling.value = false;
    }
  }

  async function remove(event: Event) {
    event.preventDefault();
    deleting.value = true;
    problem.value = null;
    try {
      const query = removeEvents.value ? "?remove_synced_events=true" : "";
      const res = await fetch(`/api/sync/config/${sync.id}${query}`, {
        method: "DELETE",
        headers: { accept: "application/json" },
      });
      if (!res.ok && res.status !== 404) throw new Error((await readApiError(res)).message);
      const body = res.status === 204 ? {} : await res.json().catch(() => ({}));
      const removed = typeof body.events_removed === "number" ? body.events_removed : null;
      confirming.value = false;
      onDeleted(
        `Deleted the sync ${name}.` +
          (removeEvents.value
            ? removed === null
              ? " Its copies were removed from the destination."
              : ` ${removed} synced event(s) removed from the destination.`
            : " Copies already made stay in the destination."),
      );
    } catch (e) {
      problem.value = `Could not delete: ${(e as Error).message}`;
      deleting.value = false;
    }
  }

  // The last run's own words when it did part of its work ("Partly failed: 3 of 10 copied").
  const lastRun = sync.last_run && sync.last_run.status === sync.last_status ? sync.last_run : null;
  const told = lastRun && (lastRun.status === "partial" || lastRun.status === "failed");
  const tone = told ? runTone(lastRun) : statusTone(sync.last_status);
  return (
    <article class="card sync" id={`sync-${sync.id}`} aria-labelledby={titleId}>
      <div class="sync__head">
        <h3 id={titleId} class="sync__title">
          <span>
            {sync.source_calendar_name}
            {sync.source_account_email && (
              <span class="sync__account">{` (${sync.source_account_email})`}</span>
            )}
          </span>
          <span class="sync__arrow" aria-hidden="true">{arrowOf(sync.direction)}</span>
          <span class="visually-hidden">{sync.direction === "two_way" ? "and" : "to"}</span>
          <span>
            {sync.dest_calendar_name}
            {sync.dest_account_email && (
              <span class="sync__account">{` (${sync.dest_account_email})`}</span>
            )}
          </span>
        </h3>
        <span class={`badge badge--${sync.is_active ? tone : "none"}`}>
          {!sync.is_active
            ? "Paused"
            : told
            ? runStatusText(lastRun)
            : statusText(sync.last_status)}
        </span>
      </div>
      <dl class="facts">
        <div>
          <dt>Last run</dt>
          <dd>{sync.last_synced_at ? formatWhen(sync.last_synced_at, local) : "Never"}</dd>
        </div>
        <div>
          <dt>Updates</dt>
          <dd data-push={sync.push?.status ?? "polling"}>{updatesText(sync)}</dd>
        </div>
        <div>
          <dt>Next run</dt>
          <dd>{sync.is_active ? formatNextRun(sync.next_run_at, local) : "Paused"}</dd>
        </div>
        <div>
          <dt>Window</dt>
          <dd>{sync.sync_lookahead_days} days ahead</dd>
        </div>
      </dl>
      {!sync.is_active && sync.paused_reason && <p class="warning">Paused: {sync.paused_reason}.
      </p>}
      {blocked && blocked.status === "needs_reconnect" && blocked.id && (
        <p class="warning sync__reconnect">
          <span>
            The Google account {blocked.email} needs reconnecting: this sync waits until it is.
          </span>{" "}
          <a
            class="button"
            href={`/accounts/${blocked.id}/reconnect`}
            onClick={reconnectLinkClicked}
          >
            Reconnect<span class="visually-hidden">{` ${blocked.email}`}</span>
          </a>
        </p>
      )}
      {blocked && blocked.status !== "needs_reconnect" && sync.is_active && (
        <p class="warning">
          {blocked.email
            ? `The Google account ${blocked.email} is disconnected: connect it again to run this sync.`
            : "An account of this sync is no longer connected: create the sync again."}
        </p>
      )}
      {sync.last_status === "needs_review" && sync.held_deletions > 0 && (
        <ReviewPrompt sync={sync} onAnswered={onChange} />
      )}
      {told && !result.value && <RunResult result={lastRun} shown={3} />}
      {sync.last_error && !told && !result.value && sync.last_status !== "needs_review" && (
        <p class="warning">
          Last error: <FailureReason reason={sync.last_error} />
        </p>
      )}
      <div class="sync__live" aria-live="polite">
        {running.value && (
          <div class="run-progress">
            <label for={`progress-${sync.id}`}>
              {progress.value
                ? `Syncing… ${progress.value.done} of ${progress.value.total} events`
                : "Syncing… reading the source calendar"}
            </label>
            <progress
              id={`progress-${sync.id}`}
              max={progress.value?.total || undefined}
              value={progress.value?.total ? progress.value.done : undefined}
            />
          </div>
        )}
        {result.value && <RunResult result={result.value} />}
        {problem.value && <p class="form__error" role="alert">{problem.value}</p>}
      </div>
      <div class="sync__actions">
        <form method="post" action={`/syncs/${sync.id}/run`} onSubmit={runNow}>
          <button
            type="submit"
            class="button"
            disabled={running.value || !canRun || !sync.is_active}
            title={!canRun
              ? "Both accounts of this sync must be connected to run it"
              : sync.is_active
              ? undefined
              : "Turn Active on to run this sync"}
          >
            {running.value ? "Syncing…" : "Sync now"}
            <span class="visually-hidden">{`: ${name}`}</span>
          </button>
        </form>
        <SyncHistory configId={sync.id} name={name} />
        <SyncEditor sync={sync} name={name} onSaved={onChange} />
        <form method="post" action={`/syncs/${sync.id}`} onSubmit={toggle}>
          <input type="hidden" name="is_active" value={sync.is_active ? "false" : "true"} />
          <button
            type="submit"
            class="button button--quiet toggle"
            aria-pressed={sync.is_active ? "true" : "false"}
            disabled={toggling.value}
          >
            <span class="toggle__track" aria-hidden="true" />
            Active<span class="visually-hidden">{`: ${name}`}</span>
          </button>
        </form>
        <a
          class="button button--quiet button--danger"
          href={`/syncs/${sync.id}/delete`}
          onClick={(event) => {
            event.preventDefault();
            removeEvents.value = false;
            deleting.value = false;
            confirming.value = true;
          }}
        >
          Delete<span class="visually-hidden">{` ${name}`}</span>
        </a>
      </div>
      <Dialog
        id={`delete-${sync.id}`}
        title={`Delete the sync ${name}?`}
        open={confirming.value}
        onClose={() => confirming.value = false}
      >
        <form class="form" onSubmit={remove}>
          <p>
            No more events will be copied from{" "}
            {sideName(sync.source_calendar_name, sync.source_account_email)} to{" "}
            {sideName(sync.dest_calendar_name, sync.dest_account_email)}.
          </p>
          <label class="check">
            <input
              type="checkbox"
              checked={removeEvents.value}
              onChange={(e) => removeEvents.value = (e.currentTarget as HTMLInputElement).checked}
            />
            <span>Also remove synced events from the destination</span>
          </label>
          <div class="form__actions">
            <button type="submit" class="button button--danger-solid" disabled={deleting.value}>
              {deleting.value ? "Deleting…" : "Delete sync"}
            </button>
            <button
              type="button"
              class="button button--quiet"
              onClick={() => confirming.value = false}
            >
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </article>
  );
}

/** How long "Sync now" waits for a run already going (a push or the schedule's) to end. */
const BUSY_WAIT_MS = 30_000;

/**
 * Asks for a run. When one is already going (a push notification or the schedule started it a
 * moment ago), waits for it to end and asks again, so the person gets a run's result rather than
 * "already in progress" for a run they did not start; a 409 still comes back after BUSY_WAIT_MS.
 */
async function startRun(id: string): Promise<Response> {
  const until = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    const res = await fetch(`/api/sync/trigger/${id}`, {
      method: "POST",
      headers: { accept: "text/event-stream, application/json" },
    });
    // Only "already in progress" comes with Retry-After; a paused or unconnected sync doesn't.
    const busy = res.status === 409 && res.headers.has("retry-after");
    if (!busy || Date.now() >= until) return res;
    await res.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/**
 * Starts a run and follows it: a `text/event-stream` answer brings `progress` events
 * (`{done, total}`) and ends with `result` (or `error`); a JSON answer is the result at once.
 */
async function triggerRun(id: string, progress: Signal<Progress | null>): Promise<RunResultView> {
  const res = await startRun(id);
  if (res.status === 409) {
    throw new Error("A run of this sync is already in progress. Try again in a moment.");
  }
  if (!res.ok) throw new Error((await readApiError(res)).message);
  if (!res.headers.get("content-type")?.startsWith("text/event-stream") || !res.body) {
    return await res.json();
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? "message";
      const data = block.split("\n").filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart()).join("\n");
      if (!data) continue;
      const payload = JSON.parse(data);
      if (event === "progress") progress.value = payload;
      else if (event === "error") throw new Error(payload.message ?? "The run failed");
      else if (event === "result" || "events_created" in payload) {
        reader.cancel().catch(() => {});
        return payload;
      }
    }
  }
  throw new Error("The connection closed before the run finished. See History for its result.");
}
