/** Event writes: who may write, how a write is stored (etag, sequence, updated), the calls. */
import { badRequest, deleted, duplicate, writerRequired } from "./_errors.ts";
import {
  type Json,
  mergePatch,
  requireJsonObject,
  type ValidateContext,
  validateEvent,
  WRITABLE_FIELDS,
} from "./_event_input.ts";
import { toResource } from "./_event_resource.ts";
import {
  isMaster,
  lookbackStart,
  occurrencesIn,
  resolveEvent,
  virtualInstance,
} from "./_instances.ts";
import { type Calendar, randomId, type StoredEvent } from "./_state.ts";
import type { Store } from "./_store.ts";

/** A custom event id Google accepts: base32hex, 5–1024 characters. */
const EVENT_ID = /^[a-v0-9]{5,1024}$/;
/** How many removed instances a series remembers for incremental listings. */
const MAX_REMOVED = 2000;

/** Throws Google's 403 unless `email` may write to the calendar. */
export function requireWriter(cal: Calendar, email: string) {
  if (cal.access[email] !== "owner" && cal.access[email] !== "writer") throw writerRequired();
}

/** The id of a new event: the client's own (checked; 409 when taken) or a random one. */
export function newEventId(cal: Calendar, requested: unknown): string {
  if (requested === undefined || requested === null) return randomId(26);
  if (typeof requested !== "string" || !EVENT_ID.test(requested)) {
    throw badRequest("Invalid resource id value.");
  }
  if (cal.events[requested]) throw duplicate();
  return requested;
}

/** What validateEvent needs to know of the calendar a body is written to. */
export function validationContext(
  cal: Calendar,
  creating: boolean,
  isInstance = false,
): ValidateContext {
  return { calendarZone: cal.timeZone, isPrimary: Boolean(cal.primaryOf), isInstance, creating };
}

/** The organizer of an event created on `cal`: its owner, or the calendar itself when secondary. */
export function organizerOf(cal: Calendar): Json {
  return cal.primaryOf
    ? { email: cal.id, self: true }
    : { email: cal.id, displayName: cal.summary, self: true };
}

/** What ties an instance to its series (read-only; a write to the instance keeps it). */
export function seriesLink(ev: StoredEvent): Json {
  return ev.recurringEventId
    ? { recurringEventId: ev.recurringEventId, originalStartTime: ev.originalStartTime }
    : {};
}

/** The writable fields of a stored event, as a body for validateEvent. */
export function writableOf(ev: StoredEvent): Json {
  const out: Json = {};
  for (const f of WRITABLE_FIELDS) if (ev[f] !== undefined) out[f] = structuredClone(ev[f]);
  return out;
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
  const nowIso = store.now().toISOString();
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
  Object.assign(ev, provenance(cal, email, id, prev, extra, nowIso));
  ev.updated = prev && remindersOnly(prev, ev) ? prev.updated : nowIso;
  const timesChanged = !prev ||
    !sameJson([prev.start, prev.end, prev.recurrence], [ev.start, ev.end, ev.recurrence]);
  ev.sequence = nextSequence(prev, fields, timesChanged);
  if (prev?._removedInstances) ev._removedInstances = prev._removedInstances;
  if (prev && isMaster(prev) && timesChanged) trackRemovedInstances(store, cal, prev, ev);
  store.putEvent(cal, ev);
  ev.etag = nextEtag(prev?.etag, Date.parse(ev.updated), ev._seq);
  return ev;
}

/** The read-only fields a write keeps from `prev`, or sets on a new event. */
function provenance(
  cal: Calendar,
  email: string,
  id: string,
  prev: StoredEvent | undefined,
  extra: Json,
  nowIso: string,
): Json {
  return {
    htmlLink: htmlLink(id, cal.id),
    created: extra.created ?? prev?.created ?? nowIso,
    creator: extra.creator ?? prev?.creator ?? { email, self: true },
    organizer: extra.organizer ?? prev?.organizer ?? organizerOf(cal),
    iCalUID: extra.iCalUID ?? prev?.iCalUID ?? `${id}@google.com`,
  };
}

function htmlLink(id: string, calendarId: string): string {
  const eid = btoa(`${id} ${calendarId}`).replace(/=+$/, "");
  return `https://www.google.com/calendar/event?eid=${eid}`;
}

/** Whether a write changed nothing but reminders (such a write leaves `updated` alone). */
function remindersOnly(prev: StoredEvent, next: StoredEvent): boolean {
  const withoutReminders = (ev: StoredEvent) => ({
    ...writableOf(ev),
    reminders: undefined,
    sequence: undefined,
  });
  return prev.status === next.status && sameJson(withoutReminders(prev), withoutReminders(next));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The sequence after a write: the one asked for, but at least one more when the times changed. */
function nextSequence(prev: StoredEvent | undefined, fields: Json, timesChanged: boolean): number {
  const prevSeq = prev?.sequence ?? 0;
  const requested = typeof fields.sequence === "number" ? fields.sequence : prevSeq;
  return prev ? Math.max(requested, prevSeq + (timesChanged ? 1 : 0)) : requested;
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

/** Remembers instances a series edit removed, so incremental single-event listings report them. */
function trackRemovedInstances(store: Store, cal: Calendar, prev: StoredEvent, next: StoredEvent) {
  try {
    const from = lookbackStart(store);
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

/** events.insert */
export function insertEvent(store: Store, cal: Calendar, email: string, body: Json): Json {
  requireWriter(cal, email);
  requireJsonObject(body);
  const id = newEventId(cal, body.id);
  const fields = validateEvent(body, validationContext(cal, true));
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
  requireJsonObject(body);
  const prev = resolveEvent(cal, eventId).event;
  const isInstance = Boolean(prev.recurringEventId);
  const base = writableOf(prev);
  const merged = mode === "patch" ? mergePatch(base, body) : { ...body };
  if (isInstance) merged.originalStartTime = prev.originalStartTime;
  if (mode === "update" && merged.eventType === undefined) merged.eventType = base.eventType;
  if (merged.eventType !== base.eventType) {
    throw badRequest("The event type cannot be changed.", "eventTypeRestriction");
  }
  const fields = validateEvent(merged, validationContext(cal, false, isInstance));
  const extra = isInstance ? { ...seriesLink(prev), iCalUID: prev.iCalUID } : {};
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
  if (!target.stored || ev.recurringEventId) {
    cancel(ev, false); // an instance: a cancelled exception of a live series
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
