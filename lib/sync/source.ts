/**
 * Reading the source: the incremental listing with its fall back to a full one on 410, the newly
 * uncovered slice of the window, the masters an instance needs and a series' exceptions.
 */
import { googleErrorStatus, isGoneError } from "@/lib/google/errors.ts";
import type { SyncConfigRow } from "@/lib/db/sync_configs.ts";
import type { Event, ListParams, SourceApi } from "./google_api.ts";
import { DATE_MARGIN } from "./window.ts";

const DAY = 86_400_000;
/** The window reaches this far past now + lookahead, so runs close together list no new slice. */
const WINDOW_SLACK_MS = 3_600_000;

/** The window of a run, and whether it must list it all (no cursor, or the window shrank). */
export interface RunWindow {
  now: number;
  windowEnd: number;
  /** Where the last run's window ended, if it left a cursor. */
  storedEnd: number | null;
  full: boolean;
}

export function runWindow(config: SyncConfigRow, now: number): RunWindow {
  const target = now + config.sync_lookahead_days * DAY;
  const storedEnd = config.window_end ? new Date(config.window_end).getTime() : null;
  const full = !config.sync_token || storedEnd === null || storedEnd > target + WINDOW_SLACK_MS;
  const windowEnd = full || storedEnd! < target ? target + WINDOW_SLACK_MS : storedEnd!;
  return { now, windowEnd, storedEnd, full };
}

/** What the source says changed, and the cursor to keep once it is all copied. */
export interface SourceChanges {
  /** Changes since the cursor, or every event in the window for a full listing. */
  items: Event[];
  /** Events in the part of the window no earlier run covered. */
  slice: Event[];
  syncToken: string | null;
  full: boolean;
}

/**
 * The source ids whose mappings a run of `changes` plans with: each listed event's own, and its
 * series' (an instance is planned against its master's copy). A series' exceptions are found by
 * the master's id (MappingBook.loadFor). A full listing needs every mapping (the ghost sweep):
 * undefined.
 */
export function idsToPlan(changes: SourceChanges): string[] | undefined {
  if (changes.full) return undefined;
  const ids: string[] = [];
  for (const ev of [...changes.items, ...changes.slice]) {
    if (ev.id) ids.push(ev.id);
    if (ev.recurringEventId) ids.push(ev.recurringEventId);
  }
  return ids;
}

/** Reads the changes since the last run's cursor; lists the whole window when there is none. */
export async function readChanges(
  api: SourceApi,
  syncToken: string | null,
  w: RunWindow,
): Promise<SourceChanges> {
  const listing = w.full ? undefined : await listChangesUnlessExpired(api, syncToken!);
  if (listing) {
    const slice = w.storedEnd! < w.windowEnd
      ? (await listWindow(api, w.storedEnd!, w.windowEnd)).items
      : [];
    return { ...listing, slice, full: false };
  }
  return { ...await listWindow(api, w.now, w.windowEnd), slice: [], full: true };
}

/** Every page of one source listing, and the sync token its last page carries. */
async function listAll(api: SourceApi, params: ListParams) {
  const items: Event[] = [];
  let pageToken: string | undefined;
  for (;;) {
    const page = await api.list({ pageToken, ...params });
    items.push(...page.items);
    if (!page.nextPageToken) return { items, syncToken: page.nextSyncToken };
    pageToken = page.nextPageToken;
  }
}

/** The changes since `syncToken`; undefined when the cursor expired (410: list it all again). */
async function listChangesUnlessExpired(api: SourceApi, syncToken: string) {
  try {
    return await listAll(api, { syncToken, singleEvents: false });
  } catch (err) {
    if (googleErrorStatus(err) !== 410) throw err;
    return undefined;
  }
}

/**
 * Every event that may overlap from → to. The planner gives an all-day date the widest UTC
 * offsets on each side (window.ts), so the listing reaches as far: listed from `from` alone, an
 * all-day event of yesterday would be in the window for an incremental run (which lists every
 * change) and never for a full one, its copy made by the one and swept by the other.
 */
function listWindow(api: SourceApi, from: number, to: number) {
  return listAll(api, {
    timeMin: new Date(from - DATE_MARGIN).toISOString(),
    timeMax: new Date(to + DATE_MARGIN).toISOString(),
    singleEvents: false,
    showDeleted: false,
  });
}

/** The masters asked for, in order: listed already, or fetched (a gone one is left out). */
export async function fetchMasters(
  api: SourceApi,
  ids: string[],
  listed: Map<string, Event>,
): Promise<Event[]> {
  const masters: Event[] = [];
  for (const id of ids) {
    const master = listed.get(id) ?? await getUnlessGone(api, id);
    if (master) masters.push(master);
  }
  return masters;
}

async function getUnlessGone(api: SourceApi, id: string): Promise<Event | undefined> {
  try {
    return await api.get(id);
  } catch (err) {
    if (!isGoneError(err)) throw err;
    return undefined;
  }
}

/**
 * A series and its exceptions, at any time: one request by iCalUID. Cheaper than its instances
 * (every occurrence, to be told apart from exceptions, and only up to a horizon), and unlike a
 * listing without timeMax it also finds an occurrence moved into the past.
 */
export async function listSeries(api: SourceApi, iCalUID: string): Promise<Event[]> {
  return (await listAll(api, { iCalUID, showDeleted: true })).items;
}
