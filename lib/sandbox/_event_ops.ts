/** events.move, events.quickAdd and events.import: writes that aren't plain insert/update. */
import { badRequest, duplicate, invalidParameter, notFound } from "./_errors.ts";
import { type Json, requireJsonObject, validateEvent } from "./_event_input.ts";
import { toResource } from "./_event_resource.ts";
import {
  commit,
  deleteEvent,
  newEventId,
  organizerOf,
  requireWriter,
  seriesLink,
  validationContext,
  writableOf,
} from "./_event_writes.ts";
import { isMaster } from "./_instances.ts";
import { parseQuickAdd } from "./_quick_add.ts";
import { type Calendar, randomId, type StoredEvent } from "./_state.ts";
import type { Store } from "./_store.ts";
import { formatDate, fromFloating, toFloating } from "./_time.ts";

const requiredParameter = (name: string) =>
  invalidParameter(`Required parameter: ${name}`, name, "required");

const instanceRefused = () =>
  badRequest("Cannot change the organizer of an instance.", "cannotChangeOrganizerOfInstance");

/**
 * events.move: the event (a series with its exceptions) leaves `cal` — where it now reads as
 * deleted — and lives on in `destination` under the same id and iCalUID, organized there. Only
 * default events move, and not single instances (Google's events.move reference).
 */
export function moveEvent(
  store: Store,
  cal: Calendar,
  email: string,
  eventId: string,
  destinationId: string | null,
): Json {
  if (!destinationId) throw requiredParameter("destination");
  requireWriter(cal, email);
  const dest = store.calendarFor(email, destinationId);
  if (!dest) throw notFound();
  requireWriter(dest, email);
  const ev = movableEvent(cal, eventId);
  if (dest.id === cal.id) return toResource(ev);
  const taken = dest.events[ev.id];
  if (taken && !taken._deleted) throw duplicate();
  const moved = carry(store, dest, email, ev);
  if (isMaster(ev)) {
    for (const other of Object.values(cal.events)) {
      if (other.recurringEventId === ev.id && !other._deleted) carry(store, dest, email, other);
    }
  }
  deleteEvent(store, cal, email, ev.id); // tombstones it (and its exceptions) in the source
  store.onChange?.(dest.id);
  return toResource(moved);
}

/** The event events.move may move: a live, default-type event that is not a single instance. */
function movableEvent(cal: Calendar, eventId: string): StoredEvent {
  const ev = cal.events[eventId];
  if (!ev) throw /_\d{8}/.test(eventId) ? instanceRefused() : notFound();
  if (ev.status === "cancelled" && ev._deleted) throw notFound();
  if (ev.recurringEventId) throw instanceRefused();
  if ((ev.eventType ?? "default") !== "default") {
    throw badRequest("Only events of type default can be moved.", "eventTypeRestriction");
  }
  return ev;
}

/** Writes `src` into `dest` under its own id, keeping its creation, creator and iCalUID. */
function carry(store: Store, dest: Calendar, email: string, src: StoredEvent): StoredEvent {
  const isInstance = Boolean(src.recurringEventId);
  const fields = validateEvent(
    { ...writableOf(src), ...(isInstance ? { originalStartTime: src.originalStartTime } : {}) },
    validationContext(dest, false, isInstance),
  );
  const extra: Json = {
    created: src.created,
    creator: src.creator,
    organizer: organizerOf(dest),
    iCalUID: src.iCalUID,
    ...seriesLink(src),
  };
  const moved = commit(store, dest, email, src.id, fields, dest.events[src.id], extra);
  delete moved._deleted;
  return moved;
}

/** events.quickAdd: an event from a line of text (see _quick_add.ts for what is understood). */
export function quickAddEvent(
  store: Store,
  cal: Calendar,
  email: string,
  text: string | null,
): Json {
  requireWriter(cal, email);
  if (text === null || !text.trim()) throw requiredParameter("text");
  const wall = toFloating(store.now(), cal.timeZone);
  const today = new Date(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate()));
  const parsed = parseQuickAdd(text, today);
  const day = Date.parse(`${parsed.date}T00:00:00Z`);
  const body: Json = { summary: parsed.summary };
  if (parsed.minutes) {
    const at = (minutes: number) => ({
      dateTime: fromFloating(new Date(day + minutes * 60000), cal.timeZone).toISOString(),
      timeZone: cal.timeZone,
    });
    body.start = at(parsed.minutes.start);
    body.end = at(parsed.minutes.end);
  } else {
    body.start = { date: parsed.date };
    body.end = { date: formatDate(new Date(day + 86400000)) };
  }
  const ev = commit(
    store,
    cal,
    email,
    randomId(26),
    validateEvent(body, validationContext(cal, true)),
    undefined,
  );
  store.onChange?.(cal.id);
  return toResource(ev);
}

/**
 * events.import: a private copy of an event known by its iCalUID. A new iCalUID adds an event;
 * one the calendar already holds updates that event in place (series masters and single events
 * alike). Only default events import; the organizer may be given, unlike on insert.
 */
export function importEvent(store: Store, cal: Calendar, email: string, body: Json): Json {
  requireWriter(cal, email);
  requireJsonObject(body);
  if (typeof body.iCalUID !== "string" || !body.iCalUID) {
    throw badRequest("Missing iCalUID.", "required");
  }
  if ((body.eventType ?? "default") !== "default") {
    throw badRequest("Only events of type default can be imported.", "eventTypeRestriction");
  }
  const existing = Object.values(cal.events).find((e) =>
    e.iCalUID === body.iCalUID && !e.recurringEventId
  );
  const id = existing ? existing.id : newEventId(cal, body.id);
  const fields = validateEvent(body, validationContext(cal, !existing));
  const extra: Json = { iCalUID: body.iCalUID };
  const given = body.organizer;
  if (given && typeof given === "object" && typeof given.email === "string") {
    extra.organizer = { email: given.email, self: given.email.toLowerCase() === cal.id };
    if (typeof given.displayName === "string") extra.organizer.displayName = given.displayName;
  }
  const ev = commit(store, cal, email, id, fields, existing, extra);
  if (ev.status !== "cancelled") delete ev._deleted;
  store.onChange?.(cal.id);
  return toResource(ev);
}
