/** The events.list query: every parameter parsed and checked in one place, in Google's order. */
import { fullSyncRequired, GoogleApiError, invalidParameter, timeRangeEmpty } from "./_errors.ts";
import { eventTypesParam, type Json } from "./_event_input.ts";
import { DAY } from "./_instances.ts";
import { type Calendar, decodeToken, type StoredEvent } from "./_state.ts";
import type { Store } from "./_store.ts";
import { hasOffset, parseDateTime } from "./_time.ts";

/** How far back `updatedMin` may reach before Google answers 410. */
const UPDATED_MIN_RETENTION_DAYS = 28;
/** Parameters Google refuses beside a syncToken (they would change what the token covers). */
const SYNC_FORBIDDEN = [
  "iCalUID",
  "orderBy",
  "privateExtendedProperty",
  "q",
  "sharedExtendedProperty",
  "timeMin",
  "timeMax",
  "updatedMin",
];

/** What a sync token holds: epoch, calendar, token generation, change counter, singleEvents. */
export interface SyncTokenData {
  e: string;
  c: string;
  g: number;
  s: number;
  se?: boolean;
}

/** What a page token holds: epoch, offset, snapshot, query key. */
export interface PageTokenData {
  e: string;
  o: number;
  s: number;
  k: string;
  /** Empty pages just before this one (the sparse_pages fault). */
  z?: number;
}

/** Where a page of a listing starts. */
export interface PagePosition {
  /** A hash of the query, so that a page token only continues the listing it came from. */
  key: string;
  offset: number;
  /** The change counter when the listing began: its pages share the etag and the sync token. */
  snapshot: number;
  /** Empty pages just before this one (the sparse_pages fault). */
  emptyRun: number;
}

/** An events.list request, parsed. */
export interface ListQuery {
  singleEvents: boolean;
  orderBy: string | null;
  maxResults: number;
  timeMin: Date | null;
  timeMax: Date | null;
  /** The change counter of the sync token (only later changes are listed); null: a full listing. */
  sinceSeq: number | null;
  includeDeleted: boolean;
  /** Whether an event passes the q, iCalUID, extended-property, eventTypes, updatedMin filters. */
  keep: (ev: StoredEvent) => boolean;
  page: PagePosition;
}

/** Parses an events.list query; throws Google's 400 or 410 for the first fault it meets. */
export function parseListQuery(store: Store, cal: Calendar, params: URLSearchParams): ListQuery {
  const syncToken = params.get("syncToken");
  const singleEvents = flag(params, "singleEvents");
  if (syncToken !== null) refuseBesideSyncToken(params);
  const orderBy = parseOrderBy(params, singleEvents);
  const maxResults = parseMaxResults(params);
  const { timeMin, timeMax } = parseTimeRange(params);
  const updatedMin = parseUpdatedMin(store, params);
  const sinceSeq = syncToken === null ? null : parseSyncToken(store, cal, syncToken);
  const page = parsePagePosition(store, params, queryKey(params, cal.id));
  const keep = eventFilter(params, updatedMin);
  const includeDeleted = sinceSeq !== null || updatedMin !== null || flag(params, "showDeleted");
  return {
    singleEvents,
    orderBy,
    maxResults,
    timeMin,
    timeMax,
    sinceSeq,
    includeDeleted,
    keep,
    page,
  };
}

/** A boolean parameter: true only when written `true`. */
export function flag(params: URLSearchParams, name: string): boolean {
  return params.get(name) === "true";
}

function refuseBesideSyncToken(params: URLSearchParams) {
  const p = SYNC_FORBIDDEN.find((name) => params.has(name));
  if (p) throw invalidParameter(`The parameter ${p} cannot be used together with syncToken.`, p);
}

function parseOrderBy(params: URLSearchParams, singleEvents: boolean): string | null {
  const orderBy = params.get("orderBy");
  if (orderBy !== null && orderBy !== "startTime" && orderBy !== "updated") {
    throw invalidParameter(`Invalid value for orderBy: ${orderBy}`, "orderBy");
  }
  if (orderBy === "startTime" && !singleEvents) {
    throw new GoogleApiError(
      400,
      "The requested ordering is not available for the particular query.",
      "badRequest",
    );
  }
  return orderBy;
}

/** `maxResults`: 250 when absent, at most 2500, 400 when not a positive whole number. */
export function parseMaxResults(params: URLSearchParams): number {
  const max = 2500;
  const v = params.get("maxResults");
  if (v === null) return 250;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw invalidParameter(
      `Invalid value '${v}'. Values must be within the range: [1, ${max}]`,
      "maxResults",
    );
  }
  return Math.min(n, max);
}

/** `timeMin` and `timeMax`; 400 when `timeMax` is not after `timeMin`. */
export function parseTimeRange(
  params: URLSearchParams,
): { timeMin: Date | null; timeMax: Date | null } {
  const timeMin = parseTimeParam(params, "timeMin");
  const timeMax = parseTimeParam(params, "timeMax");
  if (timeMin && timeMax && timeMax.getTime() <= timeMin.getTime()) throw timeRangeEmpty();
  return { timeMin, timeMax };
}

/** An RFC 3339 parameter, which must carry an offset. */
function parseTimeParam(params: URLSearchParams, name: string): Date | null {
  const v = params.get(name);
  if (v === null) return null;
  const d = hasOffset(v) ? parseDateTime(v) : null;
  if (!d) throw invalidParameter("Bad Request", name, "badRequest");
  return d;
}

function parseUpdatedMin(store: Store, params: URLSearchParams): Date | null {
  const updatedMin = parseTimeParam(params, "updatedMin");
  const oldest = store.now().getTime() - UPDATED_MIN_RETENTION_DAYS * DAY;
  if (updatedMin && updatedMin.getTime() < oldest) {
    throw new GoogleApiError(
      410,
      "The requested minimum modification time lies too far in the past.",
      "updatedMinTooLongAgo",
      "calendar",
      { locationType: "parameter", location: "updatedMin" },
    );
  }
  return updatedMin;
}

/** The change counter of a sync token; 410 when the token outlived a reset or an invalidation. */
function parseSyncToken(store: Store, cal: Calendar, raw: string): number {
  const t = decodeToken<SyncTokenData>(raw);
  if (!t || typeof t.s !== "number" || t.c !== cal.id) {
    throw invalidParameter("Invalid sync token value.", "syncToken");
  }
  if (t.e !== store.state.epoch || t.g !== cal.tokenGeneration) throw fullSyncRequired();
  return t.s;
}

function parsePagePosition(store: Store, params: URLSearchParams, key: string): PagePosition {
  const raw = params.get("pageToken");
  if (raw === null) return { key, offset: 0, snapshot: store.state.seq, emptyRun: 0 };
  const p = decodePageToken(store, raw, key);
  if (!p || typeof p.o !== "number") {
    throw invalidParameter("Invalid page token value.", "pageToken");
  }
  return { key, offset: p.o, snapshot: p.s, emptyRun: p.z ?? 0 };
}

/** A page token of this state and this query, or null when it is malformed, stale or foreign. */
export function decodePageToken(store: Store, raw: string, key: string): PageTokenData | null {
  const p = decodeToken<PageTokenData>(raw);
  return p && p.e === store.state.epoch && p.k === key ? p : null;
}

/** A hash of the query (but its page token and field mask) and the listed resource. */
export function queryKey(params: URLSearchParams, resourceId: string): string {
  const entries = [...params.entries()].filter(([k]) => k !== "pageToken" && k !== "fields");
  entries.sort(([a, x], [b, y]) => a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0);
  let h = 0;
  for (const ch of resourceId + JSON.stringify(entries)) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h.toString(36);
}

function eventFilter(
  params: URLSearchParams,
  updatedMin: Date | null,
): (ev: StoredEvent) => boolean {
  const eventTypes = eventTypesParam(params);
  const q = params.get("q");
  const iCalUID = params.get("iCalUID");
  const priv = params.getAll("privateExtendedProperty");
  const shared = params.getAll("sharedExtendedProperty");
  return (ev) =>
    (q === null || matchesQuery(ev, q)) &&
    (iCalUID === null || ev.iCalUID === iCalUID) &&
    matchesExtended(ev, "private", priv) &&
    matchesExtended(ev, "shared", shared) &&
    (!eventTypes.length || eventTypes.includes(ev.eventType ?? "default")) &&
    (updatedMin === null || Date.parse(ev.updated) >= updatedMin.getTime());
}

/** Free-text search: every word of `q` somewhere in the event's text fields or attendees. */
function matchesQuery(ev: StoredEvent, q: string): boolean {
  const hay = [
    ev.summary,
    ev.description,
    ev.location,
    ev.organizer?.displayName,
    ...(ev.attendees ?? []).flatMap((a: Json) => [a.email, a.displayName]),
  ].filter(Boolean).join(" ").toLowerCase();
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((t) => hay.includes(t));
}

/** `privateExtendedProperty` / `sharedExtendedProperty` filters: every `name=value` must match. */
function matchesExtended(ev: StoredEvent, kind: "private" | "shared", filters: string[]): boolean {
  const props = ev.extendedProperties?.[kind] ?? {};
  return filters.every((f) => {
    const eq = f.indexOf("=");
    if (eq < 0) return false;
    return props[f.slice(0, eq)] === f.slice(eq + 1);
  });
}
