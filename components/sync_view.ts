/** What the dashboard's sync islands receive and show: plain JSON, shared by server and browser. */
import type { SyncConfigJson } from "@/lib/sync/api_schemas.ts";
import type { RunCounts } from "@/lib/sync/run_result.ts";

/** A calendar as a picker offers it. */
export interface CalendarOption {
  id: string;
  summary: string;
  primary: boolean;
  background_color: string | null;
  writable: boolean;
}

/** The calendars of one connected account, as an `<optgroup>` of the pickers. */
export interface CalendarGroupOption {
  account_id: string;
  email: string;
  status: string;
  calendars: CalendarOption[];
  error: string | null;
}

/** A picker's value: the account and the calendar, `account id:calendar id` (ids are uuids). */
export function pickValue(accountId: string, calendarId: string): string {
  return `${accountId}:${calendarId}`;
}

/** The account and calendar of a picker's value; empty strings when there is none. */
export function parsePick(value: string): { account_id: string; calendar_id: string } {
  const at = value.indexOf(":");
  return at < 0
    ? { account_id: "", calendar_id: value }
    : { account_id: value.slice(0, at), calendar_id: value.slice(at + 1) };
}

/** The picker a field error of the API belongs under: `source_calendar_id` → `source`. */
export function pickerField(name: string): string {
  if (name.startsWith("source_")) return "source";
  if (name.startsWith("dest_")) return "dest";
  return name;
}

/** The window event a disconnect is announced with, for sync cards to show their pause. */
export const ACCOUNT_DISCONNECTED_EVENT = "cal-sync:account-disconnected";

/**
 * Where a reconnect that worked is announced, to every page of this origin: the popup it
 * happened in is, under `Cross-Origin-Opener-Policy: same-origin`, cut off from the page that
 * opened it once it went to Google, so a BroadcastChannel is how the two still talk.
 */
const ACCOUNTS_CHANNEL = "cal-sync:accounts";

/** Tells every open dashboard that `accountId` was reconnected. */
export function announceReconnected(accountId: string): void {
  const channel = new BroadcastChannel(ACCOUNTS_CHANNEL);
  channel.postMessage({ reconnected: accountId });
  channel.close();
}

/** Calls `fn` with the id of each account reconnected elsewhere; returns the unsubscribe. */
export function onAccountReconnected(fn: (accountId: string) => void): () => void {
  const channel = new BroadcastChannel(ACCOUNTS_CHANNEL);
  channel.onmessage = (event) => {
    const id = (event.data as { reconnected?: unknown })?.reconnected;
    if (typeof id === "string") fn(id);
  };
  return () => channel.close();
}

/**
 * A Reconnect link followed in a popup, so the page behind stays as it is: the dashboard the
 * popup returns to announces the reconnect (announceReconnected) and closes it. Without a popup
 * (blocked), the link is followed in the page.
 */
export function reconnectLinkClicked(event: MouseEvent): void {
  const href = (event.currentTarget as HTMLAnchorElement).href;
  event.preventDefault();
  const popup = open(`${href}?popup=1`, "cal-sync-reconnect", "popup,width=520,height=720");
  if (!popup) location.assign(href);
}

/** "Work (alice@example.com)": a calendar named with its account, as cards name each side. */
export function sideName(calendar: string, email: string | null): string {
  return email ? `${calendar} (${email})` : calendar;
}

/** What a sync's card shows of the API's config (one source of truth: `SyncConfigOut`). */
export const SYNC_VIEW_KEYS = [
  "id",
  "source_account_id",
  "source_account_email",
  "source_account_status",
  "dest_account_id",
  "dest_account_email",
  "dest_account_status",
  "source_calendar_id",
  "source_calendar_name",
  "dest_calendar_id",
  "dest_calendar_name",
  "sync_lookahead_days",
  "sync_interval_minutes",
  "direction",
  "is_active",
  "paused_reason",
  "last_synced_at",
  "last_status",
  "last_error",
  "next_run_at",
  "sync_interval_minutes",
  "held_deletions",
  "deletions_approved",
  "privacy",
  "busy_title",
  "copy_description",
  "copy_location",
  "copy_color",
  "title_prefix",
  "dest_color_id",
  "filters",
] as const;

/** One sync configuration, as its card shows it. */
export type SyncView = Pick<SyncConfigJson, typeof SYNC_VIEW_KEYS[number]> & {
  /** What the last finished run did, when the page knows it (the dashboard's cards). */
  last_run?: RunResultView | null;
  /** Google push on its source, when the page knows it: `live` shows "Live" (lib/sync/push.ts). */
  push?: SyncConfigJson["push"];
};

/** How often a sync's changes arrive, as its card says it. */
export function updatesText(sync: Pick<SyncView, "push" | "sync_interval_minutes">): string {
  return sync.push?.status === "live" ? "Live" : `Every ${sync.sync_interval_minutes} min`;
}

export interface SyncFailureView {
  source_event_id?: string;
  summary?: string;
  reason: string;
}

/** The answer of a finished run (`POST /api/sync/trigger/{id}`): the counts, and how it ended. */
export interface RunResultView extends RunCounts {
  sync_log_id?: string | null;
  status: string;
  duration_ms?: number;
  error?: string | null;
  failures?: SyncFailureView[];
}

/** One row of a config's history (`GET /api/sync/logs/{id}`). */
export interface RunLogView extends RunResultView {
  id: string;
  trigger: string;
  started_at: string;
  finished_at: string | null;
}

/** What the New sync form and the Edit dialog offer for `direction`. */
export const DIRECTION_CHOICES = [
  {
    value: "one_way",
    label: "One way (A → B)",
    hint: "Events of the source calendar are copied into the destination; nothing comes back.",
  },
  {
    value: "two_way",
    label: "Both ways (A ↔ B)",
    hint: "Each calendar's events are copied into the other, and an edit to a copy moves its " +
      "original too (if both changed, the later change wins).",
    /** In busy mode copies are read-only (README, "Both ways"): the sentence says so instead. */
    busyHint: "Each calendar's events are copied into the other as busy blocks; copies are " +
      "read-only: an edit to a copy is undone and a deleted copy comes back.",
  },
] as const;

/** The sentence a direction choice shows, true for the privacy mode picked with it. */
export function directionHint(value: string, privacy: string | null | undefined): string {
  const c = DIRECTION_CHOICES.find((c) => c.value === value) ?? DIRECTION_CHOICES[0];
  return privacy === "busy" && "busyHint" in c ? c.busyHint : c.hint;
}

/** The arrow between a sync's two calendars. */
export function arrowOf(direction: string | undefined): string {
  return direction === "two_way" ? "↔" : "→";
}

/** The window event a new config is announced with, for the list of syncs to pick up. */
export const CREATED_EVENT = "cal-sync:created";

const STATUS_TEXT: Record<string, string> = {
  success: "Succeeded",
  partial: "Partly failed",
  failed: "Failed",
  needs_reconnect: "Needs reconnecting",
  running: "Running",
  // The process running it died (a restart, a crash): its error says the next run picks it up.
  interrupted: "Interrupted",
  needs_review: "Needs review",
};

export function statusText(status: string | null): string {
  return status ? STATUS_TEXT[status] ?? status : "Never run";
}

/** `ok`, `warn` or `bad`, for the status badge's colour. */
export function statusTone(status: string | null): "ok" | "warn" | "bad" | "none" {
  if (status === "success") return "ok";
  if (
    status === "partial" || status === "needs_reconnect" || status === "running" ||
    status === "interrupted" || status === "needs_review"
  ) return "warn";
  if (status === "failed") return "bad";
  return "none";
}

/**
 * A date for people. Without `local` (the server, and the browser's first render, which must
 * match it) in UTC and marked so; with it, in the browser's own time zone, named.
 */
export function formatWhen(iso: string | null, local = false): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  const text = new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    // The browser's own zone, named ("GMT+1", "PST"), so a time is never ambiguous.
    ...(local ? { timeZoneName: "short" } : { timeZone: "UTC" }),
  }).format(date);
  return local ? text : `${text} UTC`;
}

/** When the scheduler runs a config next: a time, or "Due now" once that time has passed. */
export function formatNextRun(iso: string | null, local = false): string {
  if (iso && new Date(iso).getTime() <= Date.now()) return "Due now";
  return formatWhen(iso, local);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return "—";
  if (ms < 1000) return `${ms} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** The `fields` of an API error answer (`{error: {code, message, fields?}}`), if any. */
export async function readApiError(
  res: Response,
): Promise<{ message: string; fields: Record<string, string> }> {
  try {
    const body = await res.json();
    return {
      message: body?.error?.message ?? `The server answered ${res.status}`,
      fields: body?.error?.fields ?? {},
    };
  } catch {
    return { message: `The server answered ${res.status}`, fields: {} };
  }
}
