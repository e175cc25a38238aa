/** Injected faults that shape a Calendar request's answer (set through `POST /_sandbox/faults`). */
import { GoogleApiError } from "./_errors.ts";
import type { Json } from "./_event_input.ts";
import type { Store } from "./_store.ts";

const FAULT_MESSAGES: Record<number, [string, string]> = {
  400: ["Bad Request", "badRequest"],
  401: ["Invalid Credentials", "authError"],
  403: ["Rate Limit Exceeded", "rateLimitExceeded"],
  404: ["Not Found", "notFound"],
  409: ["The requested identifier already exists.", "duplicate"],
  410: ["Sync token is no longer valid, a full sync is required.", "fullSyncRequired"],
  429: ["Rate Limit Exceeded", "rateLimitExceeded"],
  500: ["Backend Error", "backendError"],
  503: ["Backend Error", "backendError"],
};

function faultError(status: number, reason?: string): GoogleApiError {
  const [message, defReason] = FAULT_MESSAGES[status] ?? ["Backend Error", "backendError"];
  const r = reason ?? defReason;
  const domain = r === "rateLimitExceeded" || r === "userRateLimitExceeded" ||
      r === "quotaExceeded"
    ? "usageLimits"
    : r === "fullSyncRequired"
    ? "calendar"
    : "global";
  return new GoogleApiError(status, message, r, domain);
}

/** The body of a write, unless the `reject_writes` fault chose it by its summary. */
export function chosenWrite(store: Store, body: Json): Json {
  const rule = store.faults.reject_writes;
  const summary = (body as { summary?: unknown } | null)?.summary;
  if (rule && typeof summary === "string" && summary.startsWith(rule.summary_prefix)) {
    store.stats.injectedFaults++;
    throw faultError(rule.status, rule.reason);
  }
  return body;
}

/** Answers the `fail_every` and `error_rate` faults: throws when this request is chosen. */
export function injectFaults(store: Store) {
  const { fail_every, error_rate } = store.faults;
  store.requestCounter++;
  if (fail_every && fail_every.n > 0 && store.requestCounter % fail_every.n === 0) {
    store.stats.injectedFaults++;
    throw faultError(fail_every.status, fail_every.reason);
  }
  if (error_rate && Math.random() < error_rate.rate) {
    store.stats.injectedFaults++;
    throw faultError(error_rate.status, error_rate.reason);
  }
}

/** At most this many empty pages in a row, so that a sparse listing always ends. */
const MAX_EMPTY_RUN = 3;

/**
 * How many of the `remaining` entries a page of events.list holds, and whether a `nextPageToken`
 * follows. Under the `sparse_pages` fault a chosen page is short or empty while the token says
 * more remain, as Google's events.list reference allows; `emptyRun` counts the empty pages just
 * before this one.
 */
export function pageLength(
  store: Store,
  maxResults: number,
  remaining: number,
  emptyRun: number,
): { take: number; more: boolean } {
  const full = Math.min(maxResults, remaining);
  const rate = store.faults.sparse_pages?.rate ?? 0;
  if (rate === 0 || Math.random() >= rate) return { take: full, more: remaining > full };
  const allowEmpty = emptyRun < MAX_EMPTY_RUN;
  if (allowEmpty && (full <= 1 || Math.random() < 1 / 3)) {
    store.stats.sparsePages++;
    return { take: 0, more: true };
  }
  if (full <= 1) return { take: full, more: remaining > full };
  store.stats.sparsePages++;
  return { take: 1 + Math.floor(Math.random() * (full - 1)), more: true };
}
