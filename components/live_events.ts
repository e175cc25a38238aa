/**
 * The dashboard's one subscription to `GET /api/events`, shared by its islands: one EventSource
 * per page however many islands listen, opened with the first listener and closed with the last.
 * After the browser reconnects a dropped stream, listeners get `{kind: "resync"}`: events may
 * have been missed meanwhile, so each island refetches what it shows.
 */

/** What the stream says changed: ids and a kind; the state itself is fetched from `/api`. */
export interface LiveEvent {
  kind: string;
  config_id?: string;
  log_id?: string;
  status?: string;
  account?: string;
}

export const LIVE_KINDS = [
  "run_started",
  "run_finished",
  "status_changed",
  "config_created",
  "config_deleted",
  "config_paused",
  "config_resumed",
  "account_connected",
  "account_reconnected",
  "account_needs_reconnect",
  "account_disconnected",
] as const;

type Listener = (event: LiveEvent) => void;

const listeners = new Set<Listener>();
let source: EventSource | null = null;

function dispatch(event: LiveEvent) {
  for (const fn of listeners) fn(event);
}

function open(): EventSource {
  const es = new EventSource("/api/events");
  let dropped = false;
  es.addEventListener("error", () => dropped = true);
  es.addEventListener("open", () => {
    if (dropped) dispatch({ kind: "resync" });
    dropped = false;
  });
  for (const kind of LIVE_KINDS) {
    es.addEventListener(kind, (m) => dispatch(JSON.parse((m as MessageEvent<string>).data)));
  }
  return es;
}

/** Calls `fn` with each live event of the signed-in user; answers the function that stops. */
export function onLiveEvent(fn: Listener): () => void {
  listeners.add(fn);
  if (!source && typeof EventSource !== "undefined") source = open();
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0) {
      source?.close();
      source = null;
    }
  };
}

/** Whether the event concerns the Google accounts rather than one sync. */
export function isAccountEvent(event: LiveEvent): boolean {
  return event.kind.startsWith("account_") || event.kind === "resync";
}
