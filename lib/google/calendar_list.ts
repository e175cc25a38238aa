import type { calendar_v3 } from "@googleapis/calendar";
import { type CachedCalendar, listCalendars, replaceCalendars } from "@/lib/db/calendars.ts";
import { getGoogleAccount, setCalendarsRefreshedAt } from "@/lib/db/google_accounts.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { getCalendarClient } from "./clients.ts";
import { CALENDAR_LIST_FIELDS } from "./fields.ts";
import { GoogleUnavailableError, NeedsReconnectError, NotConnectedError } from "./errors.ts";
import { googleErrorMessage } from "./errors.ts";
import { withRetry } from "./retry.ts";

/** A calendar of a connected account, as the API answers it. */
export interface CalendarEntry {
  id: string;
  summary: string;
  primary: boolean;
  access_role: string;
  background_color: string | null;
  time_zone: string | null;
  /** Whether the account may write events here: only such calendars are valid destinations. */
  writable: boolean;
}

export interface CalendarList {
  calendars: CalendarEntry[];
  /** True when Google could not be reached and the cached list is served. */
  stale: boolean;
  fetched_at: Date | null;
}

const WRITABLE_ROLES = new Set(["owner", "writer"]);
const PAGE_SIZE = 250;

/** Reads the account's whole calendar list from Google and replaces the cached copy with it. */
export async function refreshCalendarList(
  services: Services,
  userId: string,
  accountId: string,
): Promise<CachedCalendar[]> {
  const client = await getCalendarClient(services, userId, accountId);
  const calendars: CachedCalendar[] = [];
  let pageToken: string | undefined;
  do {
    const token = pageToken;
    const { data }: { data: calendar_v3.Schema$CalendarList } = await withRetry(
      () =>
        client.calendarList.list({
          maxResults: PAGE_SIZE,
          pageToken: token,
          showHidden: false,
          fields: CALENDAR_LIST_FIELDS,
        }),
      { maxAttempts: 2, baseDelayMs: 200 },
    );
    for (const item of data.items ?? []) {
      if (!item.id || item.deleted) continue;
      calendars.push({
        calendar_id: item.id,
        summary: item.summaryOverride || item.summary || item.id,
        is_primary: item.primary === true,
        access_role: item.accessRole ?? "reader",
        background_color: item.backgroundColor ?? null,
        time_zone: item.timeZone ?? null,
      });
    }
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  await services.db.transaction(async (tx) => {
    await replaceCalendars(tx, userId, accountId, calendars);
    await setCalendarsRefreshedAt(tx, accountId, new Date());
  });
  return calendars;
}

/**
 * The account's calendars, fresh from Google and cached; when Google cannot be reached (or the
 * connection needs reconnecting) the cached list with `stale: true`. Throws NotConnectedError;
 * with no cache to fall back on, NeedsReconnectError or GoogleUnavailableError.
 * @example const { calendars } = await listCalendarsForAccount(services, user.id, accountId);
 */
export async function listCalendarsForAccount(
  services: Services,
  userId: string,
  accountId: string,
  /** How errors name the account ("destination account"); its email by default. */
  name?: string,
): Promise<CalendarList> {
  try {
    const fresh = await refreshCalendarList(services, userId, accountId);
    return { calendars: fresh.map(toEntry), stale: false, fetched_at: new Date() };
  } catch (err) {
    if (err instanceof NotConnectedError) throw err;
    const cached = await listCalendars(services.db, userId, accountId);
    const fields = { user_id: userId, account_id: accountId, error: googleErrorMessage(err) };
    if (cached.length === 0) {
      if (err instanceof NeedsReconnectError) throw err;
      log.warn("Cannot list calendars", fields);
      const email = (await getGoogleAccount(services.db, accountId, userId))?.google_email;
      throw new GoogleUnavailableError(name ?? `Google account ${email}`, err);
    }
    log.warn("Serving cached calendar list", fields);
    return { calendars: cached.map(toEntry), stale: true, fetched_at: cached[0].fetched_at };
  }
}

/** How old a cached list may grow before a view of it asks Google again, in the background. */
export const CALENDAR_LIST_MAX_AGE_MS = 5 * 60_000;

/** Background refreshes in flight, one per account, so that busy views ask Google once. */
const refreshing = new Map<string, Promise<void>>();

/**
 * The account's calendars as cached, for a page that shows them on every view: it asks Google
 * nothing while the cached list is younger than `maxAgeMs`, and after that refreshes it in the
 * background for the next view (the stale list is shown meanwhile). Only when nothing is cached
 * yet (the refresh after connecting failed) is Google asked before answering, as
 * `listCalendarsForAccount` does.
 * @example const { calendars } = await cachedCalendarList(services, user.id, accountId);
 */
export async function cachedCalendarList(
  services: Services,
  userId: string,
  accountId: string,
  options: { maxAgeMs?: number; refresh?: boolean } = {},
): Promise<CalendarList> {
  const cached = await listCalendars(services.db, userId, accountId);
  if (cached.length === 0) return await listCalendarsForAccount(services, userId, accountId);
  const fetchedAt = new Date(cached[0].fetched_at);
  const maxAgeMs = options.maxAgeMs ?? CALENDAR_LIST_MAX_AGE_MS;
  if ((options.refresh ?? true) && Date.now() - fetchedAt.getTime() >= maxAgeMs) {
    refreshInBackground(services, userId, accountId);
  }
  return { calendars: cached.map(toEntry), stale: false, fetched_at: fetchedAt };
}

function refreshInBackground(services: Services, userId: string, accountId: string) {
  const key = accountId;
  if (refreshing.has(key)) return;
  const done = refreshCalendarList(services, userId, accountId).then(
    () => {},
    (err) =>
      log.warn("Cannot refresh calendar list", {
        user_id: userId,
        account_id: accountId,
        error: googleErrorMessage(err),
      }),
  ).finally(() => refreshing.delete(key));
  refreshing.set(key, done);
}

/** Resolves when the background refreshes started so far have finished (tests, shutdown). */
export async function calendarRefreshesSettled(): Promise<void> {
  await Promise.all(refreshing.values());
}

function toEntry(row: CachedCalendar): CalendarEntry {
  return {
    id: row.calendar_id,
    summary: row.summary,
    primary: row.is_primary,
    access_role: row.access_role,
    background_color: row.background_color,
    time_zone: row.time_zone,
    writable: WRITABLE_ROLES.has(row.access_role),
  };
}

/** A calendar as the accounts API and the dashboard's pickers show it. */
export interface CalendarChoice {
  id: string;
  summary: string;
  primary: boolean;
  writable: boolean;
  background_color: string | null;
}

/**
 * One of the user's accounts' calendars for the accounts API: the cached list (a background
 * refresh once it is old, unless the account needs reconnecting), or Google's now with
 * `refresh`. Undefined when the account is not the user's.
 * @example const list = await accountCalendars(services, user.id, accountId, false);
 */
export async function accountCalendars(
  services: Services,
  userId: string,
  accountId: string,
  refresh: boolean,
): Promise<{ calendars: CalendarChoice[]; stale: boolean } | undefined> {
  const account = await getGoogleAccount(services.db, accountId, userId);
  if (!account) return undefined;
  const list = refresh
    ? await listCalendarsForAccount(services, userId, accountId)
    : await cachedCalendarList(services, userId, accountId, { refresh: account.status === "ok" });
  return {
    calendars: list.calendars.map(calendarChoice),
    stale: list.stale || account.status !== "ok",
  };
}

export function calendarChoice(c: CalendarEntry): CalendarChoice {
  return {
    id: c.id,
    summary: c.summary,
    primary: c.primary,
    writable: c.writable,
    background_color: c.background_color,
  };
}
