/** Calendar v3 events: storage rules, recurring instances, listings and sync tokens. */
import {
  badRequest,
  deleted,
  duplicate,
  fullSyncRequired,
  GoogleApiError,
  notFound,
  timeRangeEmpty,
  writerRequired,
} from "./_errors.ts";
import {
  eventTypesParam,
  type Json,
  mergePatch,
  timeInfo,
  validateEvent,
  WRITABLE_FIELDS,
} from "./_event_input.ts";
import { pageLength } from "./_faults.ts";
import { expand, type Occurrence } from "./_recurrence.ts";
import { type Calendar, decodeToken, encodeToken, randomId, type StoredEvent } from "./_state.ts";
import type { Store } from "./_store.ts";
import { formatDate, formatDateTime, fromFloating, parseDate, parseDateTime } from "./_time.ts";

const DAY = 86400000;
/** How far ahead an open-ended series is expanded when no timeMax bounds it. */
const HORIZON_DAYS = 730;
/** How far back `updatedMin` may reach before Google answers 410. */
const UPDATED_MIN_RETENTION_DAYS = 28;
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
const INSTANCE_ID = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/;
/** A custom event id Google accepts: base32hex, 5–1024 characters. */
export const EVENT_ID = /^[a-v0-9]{5,1024}$/;

const OUTPUT_ORDER = [
  "kind",
  "etag",
  "id",
  "status",
  "htmlLink",
  "created",
  "updated",
  "summary",
  "description",
  "location",
  "colorId",
  "creator",
  "organizer",
  "start",
  "end",
  "endTimeUnspecified",
  "recurrence",
  "recurringEventId",
  "originalStartTime",
  "transparency",
  "visibility",
  "iCalUID",
  "sequence",
  "attendees",
  "extendedProperties",
  "guestsCanInviteOthers",
  "guestsCanModify",
  "guestsCanSeeOtherGuests",
  "anyoneCanAddSelf",
  "reminders",
  "source",
  "eventType",
  "outOfOfficeProperties",
  "focusTimeProperties",
  "workingLocationProperties",
  "birthdayProperties",
  "attachments",
  "locked",
];

/** The public resource of a stored event (bookkeeping fields removed, Google's field order). */
export function toResource(ev: StoredEvent): Json {
  const out: Json = {};
  for (const k of OUTPUT_ORDER) if (ev[k] !== undefined) out[k] = structuredClone(ev[k]);
  return out;
}

/**
 * How a listing shows an event: a cancelled one as the minimal entry (a deleted event is only
 * guaranteed its `id`), or — under the `full_tombstones` fault, in a `showDeleted` listing — with
 * its details, as Google keeps them on the organizer's calendar so that it can be restored
 * (Events resource, `status`). A cancelled instance made up for a listing has no details to keep.
 */
function listed(store: Store, params: URLSearchParams): (ev: StoredEvent) => Json {
  const full = Boolean(store.faults.full_tombstones) && bool(params, "showDeleted");
  return (ev) =>
    ev.status !== "cancelled" || (full && !ev._madeUp) ? toResource(ev) : toCancelledEntry(ev);
}

/** The minimal entry Google lists for a cancelled event. */
function toCancelledEntry(ev: StoredEvent): Json {
  const out: Json = { kind: "calendar#event", etag: ev.etag, id: ev.id, status: "cancelled" };
  if (ev.recurringEventId) {
    out.recurringEventId = ev.recurringEventId;
    out.originalStartTime = structuredClone(ev.originalStartTime);
  }
  return out;
}

/**
 * A write's etag: Google-like microseconds of `updated`, kept strictly above the previous etag so
 * that every write changes it — even one that leaves `updated` alone (reminders only).
 */
function nextEtag(prev: string | undefined, updatedMs: number, seq: number): string {
  const before = prev ? Number(prev.replace(/"/g, "")) : 0;
  const candidate = updatedMs * 1000 + (seq % 1000);
  return `"${Number.isFinite(before) && candidate <= before ? before + 1 : candidate}"`;
}

function htmlLink(id: string, calendarId: string): string {
  const eid = btoa(`${id} ${calendarId}`).replace(/=+$/, "");
  return `https://www.google.com/calendar/event?eid=${eid}`;
}

function canWrite(cal: Calendar, email: string): boolean {
  return cal.access[email] === "owner" || cal.access[email] === "writer";
}

/** Whether the event is the master of a series. */
export function isMaster(ev: StoredEvent): boolean {
  return Array.isArray(ev.recurrence) && ev.recurrence.length > 0 && !ev.recurringEventId;
}

// ── time helpers ─────────────────────────────────────────────────────────────

function eventSpan(ev: StoredEvent, cal: Calendar): { start: Date; end: Date } {
  return timeInfo(ev.start, ev.end, cal.timeZone);
}

function occurrenceStart(occ: Occurrence, cal: Calendar): Date {
  return occ.allDay ? fromFloating(occ.start, cal.timeZone) : occ.start;
}

/** Occurrences of a master whose span overlaps [from, to). */
function occurrencesIn(
  store: Store,
  master: StoredEvent,
  cal: Calendar,
  from: Date | null,
  to: Date | null,
): Occurrence[] {
  const span = eventSpan(master, cal);
  const duration = span.end.getTime() - span.start.getTime();
  const a = from ? new Date(from.getTime() - duration) : span.start;
  const b = to ??
    new Date(Math.max(store.now().getTime(), span.start.getTime()) + HORIZON_DAYS * DAY);
  return expand(master.start, master.recurrence, a, b).filter((occ) => {
    const s = occurrenceStart(occ, cal).getTime();
    return (!from || s + duration > from.getTime()) && (!to || s < to.getTime());
  });
}

/** The instance of `master` at `occ`, as Google generates it. */
function virtualInstance(master: StoredEvent, occ: Occurrence, cal: Calendar): StoredEvent {
  const ev: StoredEvent = { ...structuredClone(master), id: `${master.id}_${occ.key}` };
  delete ev.recurrence;
  ev.recurringEventId = master.id;
  if (occ.allDay) {
    const days = Math.round(
      (parseDate(master.end.date)!.getTime() - parseDate(master.start.date)!.getTime()) / DAY,
    );
    ev.start = { date: formatDate(occ.start) };
    ev.end = { date: formatDate(new Date(occ.start.getTime() + days * DAY)) };
    ev.originalStartTime = { date: formatDate(occ.start) };
  } else {
    const span = eventSpan(master, cal);
    const duration = span.end.getTime() - span.start.getTime();
    const tz = master.start.timeZone;
    const endTz = master.end.timeZone ?? tz;
    ev.start = { dateTime: formatDateTime(occ.start, tz ?? cal.timeZone), timeZone: tz };
    ev.end = {
      dateTime: formatDateTime(new Date(occ.start.getTime() + duration), endTz ?? cal.timeZone),
      timeZone: endTz,
    };
    ev.originalStartTime = {
      dateTime: formatDateTime(occ.start, tz ?? cal.timeZone),
      timeZone: tz,
    };
    if (!tz) {
      delete ev.start.timeZone;
      delete ev.end.timeZone;
      delete ev.originalStartTime.timeZone;
    }
  }
  return ev;
}

interface Resolved {
  /** The stored event, or the generated instance (not stored). */
  event: StoredEvent;
  stored: boolean;
  master?: StoredEvent;
}

/** Finds an event or a generated instance of a series by id; 404 when neither exists. */
export function resolveEvent(cal: Calendar, eventId: string): Resolved {
  const stored = cal.events[eventId];
  if (stored) {
    const master = stored.recurringEventId ? cal.events[stored.recurringEventId] : undefined;
    return { event: stored, stored: true, master };
  }
  const m = INSTANCE_ID.exec(eventId);
  const master = m ? cal.events[m[1]] : undefined;
  if (!m || !master || !isMaster(master) || master.status === "cancelled") throw notFound();
  const allDay = Boolean(master.start.date);
  let occStart: Date | null;
  if (allDay) {
    if (m[2].length !== 8) throw notFound();
    occStart = parseDate(`${m[2].slice(0, 4)}-${m[2].slice(4, 6)}-${m[2].slice(6, 8)}`);
  } else {
    if (m[2].length === 8) throw notFound();
    const s = m[2];
    occStart = parseDateTime(
      `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${
        s.slice(13, 15)
      }Z`,
    );
  }
  if (!occStart) throw notFound();
  const occs = expand(master.start, master.recurrence, occStart, new Date(occStart.getTime() + 1));
  const occ = occs.find((o) => o.key === m[2]);
  if (!occ) throw notFound();
  return { event: virtualInstance(master, occ, cal), stored: false, master };
}

// ── writes ───────────────────────────────────────────────────────────────────

/** The writable fields of a stored event, as a body for validateEvent. */
export function writableOf(ev: StoredEvent): Json {
  const out: Json = {};
  for (const f of WRITABLE_FIELDS) if (ev[f] !== undefined) out[f] = structuredClone(ev[f]);
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Throws Google's 403 unless `email` may write to the calendar. */
export function requireWriter(cal: Calendar, email: string) {
  if (!canWrite(cal, email)) throw writerRequired();
}

/**
 * Stores a validated write over `prev` (or a new event) and returns the stored event. `extra` may
 * carry read-only fields a caller sets itself (import's organizer, move's created and iCalUID).
 */
export function commit(
  store: Store,
  cal: Calendar,
  email: string,
  id: string,
  fields: Json,
  prev: StoredEvent | undefined,
  extra: Json = {},
): StoredEvent {
  const now = store.now().getTime();
  const nowIso = new Date(now).toISOString();
  const ev: StoredEvent = {
    kind: "calendar#event",
    id,
    status: "confirmed",
    _seq: 0,
    ...fields,
    ...extra,
  };
  if (fields.status === undefined && prev?.status && prev.status !== "cancelled") {
    ev.status = prev.status;
  }
  ev.htmlLink = htmlLink(id, cal.id);
  ev.created = extra.created ?? prev?.created ?? nowIso;
  ev.creator = extra.creator ?? prev?.creator ?? { email, self: true };
  ev.organizer = extra.organizer ?? prev?.organizer ??
    (cal.primaryOf
      ? { email: cal.id, self: true }
      : { email: cal.id, displayName: cal.summary, self: true });
  ev.iCalUID = extra.iCalUID ?? prev?.iCalUID ?? `${id}@google.com`;
  const before = prev ? writableOf(prev) : undefined;
  const after = writableOf(ev);
  const withoutReminders = (x: Json) => ({ ...x, reminders: undefined, sequence: undefined });
  const remindersOnly = before !== undefined && prev?.status === ev.status &&
    sameJson(withoutReminders(before), withoutReminders(after));
  ev.updated = remindersOnly ? prev!.updated : nowIso;
  const timesChanged = !prev ||
    !sameJson([prev.start, prev.end, prev.recurrence], [ev.start, ev.end, ev.recurrence]);
  const prevSeq = prev?.sequence ?? 0;
  const requested = typeof fields.sequence === "number" ? fields.sequence : prevSeq;
  ev.sequence = prev ? Math.max(requested, prevSeq + (timesChanged ? 1 : 0)) : requested;
  if (prev?._removedInstances) ev._removedInstances = prev._removedInstances;
  if (prev && isMaster(prev) && timesChanged) trackRemovedInstances(store, cal, prev, ev);
  store.putEvent(cal, ev);
  ev.etag = nextEtag(prev?.etag, Date.parse(ev.updated), ev._seq);
  return ev;
}

/** Remembers instances a series edit removed, so incremental single-event listings report them. */
function trackRemovedInstances(store: Store, cal: Calendar, prev: StoredEvent, next: StoredEvent) {
  try {
    const from = new Date(store.now().getTime() - 366 * DAY);
    const before = occurrencesIn(store, prev, cal, from, null);
    const after = isMaster(next)
      ? new Set(occurrencesIn(store, next, cal, from, null).map((o) => o.key))
      : new Set<string>();
    const removed: Json[] = next._removedInstances ?? [];
    for (const occ of before) {
      if (after.has(occ.key) || cal.events[`${prev.id}_${occ.key}`]) continue;
      const inst = virtualInstance(prev, occ, cal);
      if (!removed.some((r) => r.id === inst.id)) {
        removed.push({ id: inst.id, originalStartTime: inst.originalStartTime });
      }
    }
    next._removedInstances = removed.slice(-MAX_REMOVED);
    next._removedSeq = store.state.seq + 1;
  } catch {
    // An unexpandable old series has nothing to report.
  }
}

const MAX_REMOVED = 2000;

/** events.insert */
export function insertEvent(store: Store, cal: Calendar, email: string, body: Json): Json {
  requireWriter(cal, email);
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest("Parse Error", "parseError");
  }
  let id: string;
  if (body.id !== undefined && body.id !== null) {
    if (typeof body.id !== "string" || !EVENT_ID.test(body.id)) {
      throw badRequest("Invalid resource id value.");
    }
    id = body.id;
    if (cal.events[id]) throw duplicate();
  } else {
    id = randomId(26);
  }
  const fields = validateEvent(body, {
    calendarZone: cal.timeZone,
    isPrimary: Boolean(cal.primaryOf),
    isInstance: false,
    creating: true,
  });
  const ev = commit(store, cal, email, id, fields, undefined, {
    iCalUID: typeof body.iCalUID === "string" ? body.iCalUID : undefined,
  });
  store.onChange?.(cal.id);
  return toResource(ev);
}

/** events.patch and events.update */
export function writeEvent(
  store: Store,
  cal: Calendar,
  email: string,
  eventId: string,
  body: Json,
  mode: "patch" | "update",
): Json {
  requireWriter(cal, email);
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest("Parse Error", "parseError");
  }
  const target = resolveEvent(cal, eventId);
  const isInstance = Boolean(target.event.recurringEventId);
  const base = writableOf(target.event);
  const merged = mode === "patch" ? mergePatch(base, body) : { ...body };
  if (isInstance) merged.originalStartTime = target.event.originalStartTime;
  if (mode === "update" && merged.eventType === undefined) merged.eventType = base.eventType;
  if (merged.eventType !== base.eventType) {
    throw badRequest("The event type cannot be changed.", "eventTypeRestriction");
  }
  const fields = validateEvent(merged, {
    calendarZone: cal.timeZone,
    isPrimary: Boolean(cal.primaryOf),
    isInstance,
    creating: false,
  });
  const extra: Json = {};
  if (isInstance) {
    extra.recurringEventId = target.event.recurringEventId;
    extra.originalStartTime = target.event.originalStartTime;
    extra.iCalUID = target.event.iCalUID;
  }
  const prev = target.event;
  const ev = commit(store, cal, email, prev.id, fields, prev, extra);
  if (ev.status !== "cancelled") delete ev._deleted;
  store.onChange?.(cal.id);
  return toResource(ev);
}

/** events.delete */
export function deleteEvent(store: Store, cal: Calendar, email: string, eventId: string): void {
  requireWriter(cal, email);
  const target = resolveEvent(cal, eventId);
  const ev = target.event;
  if (ev.status === "cancelled") throw deleted();
  const nowIso = store.now().toISOString();
  const cancel = (e: StoredEvent, tombstone: boolean) => {
    const next: StoredEvent = { ...e, status: "cancelled", updated: nowIso };
    if (tombstone) next._deleted = true;
    store.putEvent(cal, next);
    next.etag = nextEtag(e.etag, Date.parse(nowIso), next._seq);
  };
  if (!target.stored) {
    cancel(ev, false); // a cancelled exception of a live series
  } else if (ev.recurringEventId) {
    cancel(ev, false);
  } else {
    cancel(ev, true);
    if (isMaster(ev)) {
      for (const other of Object.values(cal.events)) {
        if (other.recurringEventId === ev.id && !other._deleted) cancel(other, true);
      }
    }
  }
  store.onChange?.(cal.id);
}

/** events.get */
export function getEvent(cal: Calendar, eventId: string): Json {
  return toResource(resolveEvent(cal, eventId).event);
}

// ── listings ─────────────────────────────────────────────────────────────────

interface SyncTokenData {
  e: string;
  c: string;
  g: number;
  s: number;
  se?: boolean;
}

interface PageTokenData {
  e: string;
  o: number;
  s: number;
  k: string;
  /** Empty pages just before this one (the sparse_pages fault). */
  z?: number;
}

function parseTimeParam(params: URLSearchParams, name: string): Date | null {
  const v = params.get(name);
  if (v === null) return null;
  const d = /([Zz]|[+-]\d{2}:\d{2})$/.test(v) ? parseDateTime(v) : null;
  if (!d) {
    throw new GoogleApiError(400, "Bad Request", "badRequest", "global", {
      locationType: "parameter",
      location: name,
    });
  }
  return d;
}

function parseMaxResults(params: URLSearchParams, def: number, max: number): number {
  const v = params.get("maxResults");
  if (v === null) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new GoogleApiError(
      400,
      `Invalid value '${v}'. Values must be within the range: [1, ${max}]`,
      "invalid",
      "global",
      { locationType: "parameter", location: "maxResults" },
    );
  }
  return Math.min(n, max);
}

function bool(params: URLSearchParams, name: string): boolean {
  return params.get(name) === "true";
}

function queryKey(params: URLSearchParams, calendarId: string): string {
  const entries = [...params.entries()].filter(([k]) => k !== "pageToken" && k !== "fields");
  entries.sort(([a, x], [b, y]) => a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0);
  let h = 0;
  for (const ch of calendarId + JSON.stringify(entries)) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h.toString(36);
}

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

function matchesExtended(ev: StoredEvent, kind: "private" | "shared", filters: string[]): boolean {
  const props = ev.extendedProperties?.[kind] ?? {};
  return filters.every((f) => {
    const eq = f.indexOf("=");
    if (eq < 0) return false;
    return props[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

/** events.list */
export function listEvents(
  store: Store,
  cal: Calendar,
  email: string,
  params: URLSearchParams,
): Json {
  const syncTokenRaw = params.get("syncToken");
  const singleEvents = bool(params, "singleEvents");
  const orderBy = params.get("orderBy");
  if (syncTokenRaw !== null) {
    for (const p of SYNC_FORBIDDEN) {
      if (params.has(p)) {
        throw new GoogleApiError(
          400,
          `The parameter ${p} cannot be used together with syncToken.`,
          "invalid",
          "global",
          { locationType: "parameter", location: p },
        );
      }
    }
  }
  if (orderBy !== null && orderBy !== "startTime" && orderBy !== "updated") {
    throw new GoogleApiError(400, `Invalid value for orderBy: ${orderBy}`, "invalid", "global", {
      locationType: "parameter",
      location: "orderBy",
    });
  }
  if (orderBy === "startTime" && !singleEvents) {
    throw new GoogleApiError(
      400,
      "The requested ordering is not available for the particular query.",
      "badRequest",
      "global",
    );
  }
  const maxResults = parseMaxResults(params, 250, 2500);
  const timeMin = parseTimeParam(params, "timeMin");
  const timeMax = parseTimeParam(params, "timeMax");
  if (timeMin && timeMax && timeMax.getTime() <= timeMin.getTime()) throw timeRangeEmpty();
  const updatedMin = parseTimeParam(params, "updatedMin");
  if (
    updatedMin &&
    updatedMin.getTime() < store.now().getTime() - UPDATED_MIN_RETENTION_DAYS * DAY
  ) {
    throw new GoogleApiError(
      410,
      "The requested minimum modification time lies too far in the past.",
      "updatedMinTooLongAgo",
      "calendar",
      { locationType: "parameter", location: "updatedMin" },
    );
  }
  let sinceSeq: number | null = null;
  if (syncTokenRaw !== null) {
    const t = decodeToken<SyncTokenData>(syncTokenRaw);
    if (!t || typeof t.s !== "number" || t.c !== cal.id) {
      throw new GoogleApiError(400, "Invalid sync token value.", "invalid", "global", {
        locationType: "parameter",
        location: "syncToken",
      });
    }
    if (t.e !== store.state.epoch || t.g !== cal.tokenGeneration) throw fullSyncRequired();
    sinceSeq = t.s;
  }
  const key = queryKey(params, cal.id);
  let offset = 0;
  let emptyRun = 0;
  let snapshot = store.state.seq;
  const pageTokenRaw = params.get("pageToken");
  if (pageTokenRaw !== null) {
    const p = decodeToken<PageTokenData>(pageTokenRaw);
    if (!p || p.e !== store.state.epoch || p.k !== key || typeof p.o !== "number") {
      throw new GoogleApiError(400, "Invalid page token value.", "invalid", "global", {
        locationType: "parameter",
        location: "pageToken",
      });
    }
    offset = p.o;
    snapshot = p.s;
    emptyRun = p.z ?? 0;
  }
  const eventTypes = eventTypesParam(params);
  const includeDeleted = sinceSeq !== null || updatedMin !== null || bool(params, "showDeleted");
  const filters = {
    q: params.get("q"),
    iCalUID: params.get("iCalUID"),
    priv: params.getAll("privateExtendedProperty"),
    shared: params.getAll("sharedExtendedProperty"),
  };
  const keep = (ev: StoredEvent) =>
    (filters.q === null || matchesQuery(ev, filters.q)) &&
    (filters.iCalUID === null || ev.iCalUID === filters.iCalUID) &&
    matchesExtended(ev, "private", filters.priv) &&
    matchesExtended(ev, "shared", filters.shared) &&
    (!eventTypes.length || eventTypes.includes(ev.eventType ?? "default")) &&
    (updatedMin === null || Date.parse(ev.updated) >= updatedMin.getTime());
  const overlaps = (ev: StoredEvent) => {
    if (!timeMin && !timeMax) return true;
    const span = eventSpan(ev, cal);
    return (!timeMin || span.end.getTime() > timeMin.getTime()) &&
      (!timeMax || span.start.getTime() < timeMax.getTime());
  };

  type Entry = { ev: StoredEvent; start: number; order: number };
  const entries: Entry[] = [];
  const push = (ev: StoredEvent, order: number) =>
    entries.push({ ev, start: eventSpan(ev, cal).start.getTime(), order });
  const horizonFrom = new Date(store.now().getTime() - 366 * DAY);
  cal.order.forEach((id, order) => {
    const ev = cal.events[id];
    if (!ev) return;
    if (sinceSeq !== null && ev._seq <= sinceSeq && !(ev._removedSeq > sinceSeq)) return;
    const changed = sinceSeq === null || ev._seq > sinceSeq;
    const cancelled = ev.status === "cancelled";
    if (!keep(ev)) return;
    if (isMaster(ev) && singleEvents) {
      if (changed && (!cancelled || includeDeleted)) {
        const from = sinceSeq !== null ? horizonFrom : timeMin;
        for (const occ of occurrencesIn(store, ev, cal, from, sinceSeq !== null ? null : timeMax)) {
          const instId = `${ev.id}_${occ.key}`;
          const ex = cal.events[instId];
          if (ex && !(cancelled && !ex._deleted)) continue; // listed on its own
          push(virtualInstance(ev, occ, cal), order);
        }
      }
      if (sinceSeq !== null && ev._removedSeq > sinceSeq) {
        for (const r of ev._removedInstances ?? []) {
          push({
            ...ev,
            id: r.id,
            status: "cancelled",
            recurringEventId: ev.id,
            originalStartTime: r.originalStartTime,
            recurrence: undefined,
            _madeUp: true,
          }, order);
        }
      }
      return;
    }
    if (!changed) return;
    if (cancelled) {
      // Cancelled instances of a live series show in full listings unless expanded (Google's rule).
      const liveException = Boolean(ev.recurringEventId) && !ev._deleted && !singleEvents;
      if (!includeDeleted && !liveException) return;
    }
    if (sinceSeq === null && !overlaps(ev)) {
      if (!isMaster(ev) || !occurrencesIn(store, ev, cal, timeMin, timeMax).length) return;
    }
    push(ev, order);
  });

  if (orderBy === "updated") {
    entries.sort((a, b) => Date.parse(a.ev.updated) - Date.parse(b.ev.updated) || cmp(a, b));
  } else if (singleEvents) {
    entries.sort((a, b) => a.start - b.start || cmp(a, b));
  }
  const { take, more } = pageLength(store, maxResults, entries.length - offset, emptyRun);
  const page = entries.slice(offset, offset + take);
  const show = listed(store, params);
  const items = page.map((e) => show(e.ev));
  const body: Json = {
    kind: "calendar#events",
    etag: `"p${snapshot}"`,
    summary: cal.summary,
    description: cal.description ?? "",
    updated: latestUpdate(cal, store),
    timeZone: params.get("timeZone") ?? cal.timeZone,
    accessRole: cal.access[email],
    defaultReminders: cal.primaryOf ? [{ method: "popup", minutes: 10 }] : [],
  };
  if (more) {
    body.nextPageToken = encodeToken({
      e: store.state.epoch,
      o: offset + take,
      s: snapshot,
      k: key,
      z: take === 0 ? emptyRun + 1 : undefined,
    });
  } else {
    body.nextSyncToken = encodeToken(
      { e: store.state.epoch, c: cal.id, g: cal.tokenGeneration, s: snapshot, se: singleEvents },
    );
  }
  body.items = items;
  return body;
}

function cmp(a: { order: number; ev: StoredEvent }, b: { order: number; ev: StoredEvent }) {
  return a.order - b.order || (a.ev.id < b.ev.id ? -1 : a.ev.id > b.ev.id ? 1 : 0);
}

function latestUpdate(cal: Calendar, store: Store): string {
  let latest = "";
  for (const ev of Object.values(cal.events)) if (ev.updated > latest) latest = ev.updated;
  return latest || store.now().toISOString();
}

/** events.instances */
export function listInstances(
  store: Store,
  cal: Calendar,
  email: string,
  eventId: string,
  params: URLSearchParams,
): Json {
  const master = cal.events[eventId];
  if (!master || !isMaster(master)) throw notFound();
  if (master.status === "cancelled") throw deleted();
  const maxResults = parseMaxResults(params, 250, 2500);
  const timeMin = parseTimeParam(params, "timeMin");
  const timeMax = parseTimeParam(params, "timeMax");
  if (timeMin && timeMax && timeMax.getTime() <= timeMin.getTime()) throw timeRangeEmpty();
  const showDeleted = bool(params, "showDeleted");
  const originalStart = params.get("originalStart");
  const key = queryKey(params, cal.id + eventId);
  let offset = 0;
  const pageTokenRaw = params.get("pageToken");
  if (pageTokenRaw !== null) {
    const p = decodeToken<PageTokenData>(pageTokenRaw);
    if (!p || p.e !== store.state.epoch || p.k !== key) {
      throw badRequest("Invalid page token value.");
    }
    offset = p.o;
  }
  const list: StoredEvent[] = [];
  for (const occ of occurrencesIn(store, master, cal, timeMin, timeMax)) {
    const inst = cal.events[`${master.id}_${occ.key}`] ?? virtualInstance(master, occ, cal);
    if (inst.status === "cancelled" && !showDeleted) continue;
    list.push(inst);
  }
  // Exceptions moved into the window from outside it.
  for (const ev of Object.values(cal.events)) {
    if (ev.recurringEventId !== master.id || list.some((x) => x.id === ev.id)) continue;
    if (ev.status === "cancelled") continue;
    const span = eventSpan(ev, cal);
    if ((!timeMin || span.end > timeMin) && (!timeMax || span.start < timeMax)) list.push(ev);
  }
  list.sort((a, b) => eventSpan(a, cal).start.getTime() - eventSpan(b, cal).start.getTime());
  const filtered = originalStart === null ? list : list.filter((ev) => {
    const o = ev.originalStartTime;
    const a = o?.date ?? parseDateTime(o?.dateTime ?? "")?.getTime();
    const b = parseDate(originalStart) ? originalStart : parseDateTime(originalStart)?.getTime();
    return a === b;
  });
  const page = filtered.slice(offset, offset + maxResults);
  const body: Json = {
    kind: "calendar#events",
    etag: `"p${store.state.seq}"`,
    summary: cal.summary,
    description: cal.description ?? "",
    updated: latestUpdate(cal, store),
    timeZone: cal.timeZone,
    accessRole: cal.access[email],
    defaultReminders: [],
  };
  if (offset + maxResults < filtered.length) {
    body.nextPageToken = encodeToken({
      e: store.state.epoch,
      o: offset + maxResults,
      s: 0,
      k: key,
    });
  }
  body.items = page.map(listed(store, params));
  return body;
}
