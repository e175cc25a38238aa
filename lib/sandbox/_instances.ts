/** Recurring series: their occurrences, the instances Google generates, finding one by id. */
import { notFound } from "./_errors.ts";
import { type Json, timeInfo } from "./_event_input.ts";
import { expand, type Occurrence } from "./_recurrence.ts";
import type { Calendar, StoredEvent } from "./_state.ts";
import type { Store } from "./_store.ts";
import { formatDate, formatDateTime, fromFloating, parseDate, parseDateTime } from "./_time.ts";

export const DAY = 86400000;
/** How far ahead an open-ended series is expanded when no timeMax bounds it. */
const HORIZON_DAYS = 730;
/** How far back a series edit or an incremental listing looks for instances (a year and a day). */
const LOOKBACK_DAYS = 366;
const INSTANCE_ID = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/;

/** Whether the event is the master of a series. */
export function isMaster(ev: StoredEvent): boolean {
  return Array.isArray(ev.recurrence) && ev.recurrence.length > 0 && !ev.recurringEventId;
}

/** The instant an event starts and ends (all-day dates read in the calendar's zone). */
export function eventSpan(ev: StoredEvent, cal: Calendar): { start: Date; end: Date } {
  return timeInfo(ev.start, ev.end, cal.timeZone);
}

/** The earliest instance start a series edit or an incremental listing looks back to. */
export function lookbackStart(store: Store): Date {
  return new Date(store.now().getTime() - LOOKBACK_DAYS * DAY);
}

function occurrenceStart(occ: Occurrence, cal: Calendar): Date {
  return occ.allDay ? fromFloating(occ.start, cal.timeZone) : occ.start;
}

/** Occurrences of a master whose span overlaps [from, to). */
export function occurrencesIn(
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
export function virtualInstance(master: StoredEvent, occ: Occurrence, cal: Calendar): StoredEvent {
  const ev: StoredEvent = { ...structuredClone(master), id: `${master.id}_${occ.key}` };
  delete ev.recurrence;
  ev.recurringEventId = master.id;
  return Object.assign(ev, occ.allDay ? allDayTimes(master, occ) : timedTimes(master, occ, cal));
}

/** An all-day instance's dates: the master's length in days, from the occurrence's date. */
function allDayTimes(master: StoredEvent, occ: Occurrence): Json {
  const days = Math.round(
    (parseDate(master.end.date)!.getTime() - parseDate(master.start.date)!.getTime()) / DAY,
  );
  return {
    start: { date: formatDate(occ.start) },
    end: { date: formatDate(new Date(occ.start.getTime() + days * DAY)) },
    originalStartTime: { date: formatDate(occ.start) },
  };
}

/** A timed instance's times, in the master's zones (none written when the master names none). */
function timedTimes(master: StoredEvent, occ: Occurrence, cal: Calendar): Json {
  const span = eventSpan(master, cal);
  const duration = span.end.getTime() - span.start.getTime();
  const tz = master.start.timeZone;
  const endTz = master.end.timeZone ?? tz;
  const at = (instant: Date, zone: string | undefined) => {
    const dateTime = formatDateTime(instant, zone ?? cal.timeZone);
    return tz ? { dateTime, timeZone: zone } : { dateTime };
  };
  return {
    start: at(occ.start, tz),
    end: at(new Date(occ.start.getTime() + duration), endTz),
    originalStartTime: at(occ.start, tz),
  };
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
  const occStart = instanceKeyStart(m[2], Boolean(master.start.date));
  if (!occStart) throw notFound();
  const occs = expand(master.start, master.recurrence, occStart, new Date(occStart.getTime() + 1));
  const occ = occs.find((o) => o.key === m[2]);
  if (!occ) throw notFound();
  return { event: virtualInstance(master, occ, cal), stored: false, master };
}

/** The start an instance id's key names (`YYYYMMDD` all-day, `YYYYMMDDTHHMMSSZ` timed), or null. */
function instanceKeyStart(key: string, allDay: boolean): Date | null {
  if (allDay !== (key.length === 8)) return null;
  const date = `${key.slice(0, 4)}-${key.slice(4, 6)}-${key.slice(6, 8)}`;
  if (allDay) return parseDate(date);
  return parseDateTime(`${date}T${key.slice(9, 11)}:${key.slice(11, 13)}:${key.slice(13, 15)}Z`);
}

/**
 * The instances of a series overlapping [from, to), by start: generated ones, stored exceptions
 * in their place, and exceptions moved into the range from outside it.
 */
export function instancesOf(
  store: Store,
  cal: Calendar,
  master: StoredEvent,
  range: { from: Date | null; to: Date | null; showDeleted: boolean },
): StoredEvent[] {
  const { from, to } = range;
  const list: StoredEvent[] = [];
  for (const occ of occurrencesIn(store, master, cal, from, to)) {
    const inst = cal.events[`${master.id}_${occ.key}`] ?? virtualInstance(master, occ, cal);
    if (inst.status === "cancelled" && !range.showDeleted) continue;
    list.push(inst);
  }
  for (const ev of Object.values(cal.events)) {
    if (ev.recurringEventId !== master.id || list.some((x) => x.id === ev.id)) continue;
    if (ev.status === "cancelled") continue;
    const span = eventSpan(ev, cal);
    if ((!from || span.end > from) && (!to || span.start < to)) list.push(ev);
  }
  list.sort((a, b) => eventSpan(a, cal).start.getTime() - eventSpan(b, cal).start.getTime());
  return list;
}
