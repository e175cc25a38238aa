/** events.list and events.instances: what a listing holds, in which order, page by page. */
import { badRequest, deleted, notFound } from "./_errors.ts";
import type { Json } from "./_event_input.ts";
import { listedShape } from "./_event_resource.ts";
import { pageLength } from "./_faults.ts";
import {
  eventSpan,
  instancesOf,
  isMaster,
  lookbackStart,
  occurrencesIn,
  virtualInstance,
} from "./_instances.ts";
import {
  decodePageToken,
  flag,
  type ListQuery,
  parseListQuery,
  parseMaxResults,
  parseTimeRange,
  queryKey,
} from "./_list_query.ts";
import { type Calendar, encodeToken, type StoredEvent } from "./_state.ts";
import type { Store } from "./_store.ts";
import { parseDate, parseDateTime } from "./_time.ts";

/** A listed event with what it sorts by: its start, then its place in the calendar's order. */
interface Entry {
  ev: StoredEvent;
  start: number;
  order: number;
}

/** Where series are expanded: the query's window, or an incremental listing's lookback. */
interface Expansion {
  from: Date | null;
  to: Date | null;
}

/** events.list */
export function listEvents(
  store: Store,
  cal: Calendar,
  email: string,
  params: URLSearchParams,
): Json {
  const query = parseListQuery(store, cal, params);
  const entries = sortEntries(collectEntries(store, cal, query), query);
  const { offset, emptyRun, snapshot } = query.page;
  const { take, more } = pageLength(store, query.maxResults, entries.length - offset, emptyRun);
  const page = entries.slice(offset, offset + take);
  const show = listedShape(store, params);
  const items = page.map((e) => show(e.ev));
  const next = followingToken(store, cal, query, { take, more });
  const envelope = listingEnvelope(store, cal, email, {
    etag: `"p${snapshot}"`,
    timeZone: params.get("timeZone") ?? cal.timeZone,
    defaultReminders: cal.primaryOf ? [{ method: "popup", minutes: 10 }] : [],
  });
  return { ...envelope, ...next, items };
}

/**
 * What follows a page: the next page's token, or on the last page the sync token of the listing's
 * snapshot. An empty page (the sparse_pages fault) counts itself in the token.
 */
function followingToken(
  store: Store,
  cal: Calendar,
  query: ListQuery,
  page: { take: number; more: boolean },
): Json {
  const { offset, emptyRun, snapshot, key } = query.page;
  const epoch = store.state.epoch;
  if (page.more) {
    const z = page.take === 0 ? emptyRun + 1 : undefined;
    return {
      nextPageToken: encodeToken({ e: epoch, o: offset + page.take, s: snapshot, k: key, z }),
    };
  }
  const sync = { e: epoch, c: cal.id, g: cal.tokenGeneration, s: snapshot, se: query.singleEvents };
  return { nextSyncToken: encodeToken(sync) };
}

/** Every event the query lists, in the calendar's order (series expanded when singleEvents). */
function collectEntries(store: Store, cal: Calendar, query: ListQuery): Entry[] {
  const expansion: Expansion = query.sinceSeq !== null
    ? { from: lookbackStart(store), to: null }
    : { from: query.timeMin, to: query.timeMax };
  const entries: Entry[] = [];
  cal.order.forEach((id, order) => {
    const ev = cal.events[id];
    if (!ev) return;
    for (const listed of listedFor(store, cal, query, expansion, ev)) {
      entries.push({ ev: listed, start: eventSpan(listed, cal).start.getTime(), order });
    }
  });
  return entries;
}

/** What the query lists for one stored event: nothing, the event, or a series' instances. */
function listedFor(
  store: Store,
  cal: Calendar,
  query: ListQuery,
  expansion: Expansion,
  ev: StoredEvent,
): StoredEvent[] {
  const { sinceSeq } = query;
  if (sinceSeq !== null && ev._seq <= sinceSeq && !(ev._removedSeq > sinceSeq)) return [];
  if (!query.keep(ev)) return [];
  if (isMaster(ev) && query.singleEvents) {
    return [...expandedInstances(store, cal, query, expansion, ev), ...removedInstances(query, ev)];
  }
  if (sinceSeq !== null && ev._seq <= sinceSeq) return [];
  if (ev.status === "cancelled") {
    // Cancelled instances of a live series show in full listings unless expanded (Google's rule).
    const liveException = Boolean(ev.recurringEventId) && !ev._deleted && !query.singleEvents;
    if (!query.includeDeleted && !liveException) return [];
  }
  if (sinceSeq === null && !overlaps(store, cal, query, ev)) return [];
  return [ev];
}

/** A changed series' instances (its stored exceptions list on their own, unless it was deleted). */
function expandedInstances(
  store: Store,
  cal: Calendar,
  query: ListQuery,
  expansion: Expansion,
  master: StoredEvent,
): StoredEvent[] {
  const cancelled = master.status === "cancelled";
  const changed = query.sinceSeq === null || master._seq > query.sinceSeq;
  if (!changed || (cancelled && !query.includeDeleted)) return [];
  return occurrencesIn(store, master, cal, expansion.from, expansion.to)
    .filter((occ) => {
      const exception = cal.events[`${master.id}_${occ.key}`];
      return !exception || (cancelled && !exception._deleted);
    })
    .map((occ) => virtualInstance(master, occ, cal));
}

/** Cancelled entries, for an incremental listing, of the instances a series edit removed. */
function removedInstances(query: ListQuery, master: StoredEvent): StoredEvent[] {
  if (query.sinceSeq === null || !(master._removedSeq > query.sinceSeq)) return [];
  return (master._removedInstances ?? []).map((r: Json) => ({
    ...master,
    id: r.id,
    status: "cancelled",
    recurringEventId: master.id,
    originalStartTime: r.originalStartTime,
    recurrence: undefined,
    _madeUp: true,
  }));
}

/** Whether an event (or, for a series, one of its occurrences) falls in the query's window. */
function overlaps(store: Store, cal: Calendar, query: ListQuery, ev: StoredEvent): boolean {
  const { timeMin, timeMax } = query;
  if (!timeMin && !timeMax) return true;
  const span = eventSpan(ev, cal);
  if (
    (!timeMin || span.end.getTime() > timeMin.getTime()) &&
    (!timeMax || span.start.getTime() < timeMax.getTime())
  ) return true;
  return isMaster(ev) && occurrencesIn(store, ev, cal, timeMin, timeMax).length > 0;
}

function sortEntries(entries: Entry[], query: ListQuery): Entry[] {
  if (query.orderBy === "updated") {
    entries.sort((a, b) => Date.parse(a.ev.updated) - Date.parse(b.ev.updated) || byOrder(a, b));
  } else if (query.singleEvents) {
    entries.sort((a, b) => a.start - b.start || byOrder(a, b));
  }
  return entries;
}

function byOrder(a: Entry, b: Entry): number {
  return a.order - b.order || (a.ev.id < b.ev.id ? -1 : a.ev.id > b.ev.id ? 1 : 0);
}

/** The fields a listing carries before its page tokens and items. */
function listingEnvelope(
  store: Store,
  cal: Calendar,
  email: string,
  own: { etag: string; timeZone: string; defaultReminders: Json[] },
): Json {
  return {
    kind: "calendar#events",
    etag: own.etag,
    summary: cal.summary,
    description: cal.description ?? "",
    updated: latestUpdate(cal, store),
    timeZone: own.timeZone,
    accessRole: cal.access[email],
    defaultReminders: own.defaultReminders,
  };
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
  const maxResults = parseMaxResults(params);
  const { timeMin, timeMax } = parseTimeRange(params);
  const key = queryKey(params, cal.id + eventId);
  const offset = instancesPageOffset(store, params, key);
  const range = { from: timeMin, to: timeMax, showDeleted: flag(params, "showDeleted") };
  const list = atOriginalStart(instancesOf(store, cal, master, range), params.get("originalStart"));
  const envelope = listingEnvelope(store, cal, email, {
    etag: `"p${store.state.seq}"`,
    timeZone: cal.timeZone,
    defaultReminders: [],
  });
  const more = offset + maxResults < list.length;
  const continuation = more
    ? { nextPageToken: encodeToken({ e: store.state.epoch, o: offset + maxResults, s: 0, k: key }) }
    : {};
  const items = list.slice(offset, offset + maxResults).map(listedShape(store, params));
  return { ...envelope, ...continuation, items };
}

function instancesPageOffset(store: Store, params: URLSearchParams, key: string): number {
  const raw = params.get("pageToken");
  if (raw === null) return 0;
  const p = decodePageToken(store, raw, key);
  if (!p) throw badRequest("Invalid page token value.");
  return p.o;
}

/** The `originalStart` filter of events.instances: the one instance first planned at that time. */
function atOriginalStart(list: StoredEvent[], originalStart: string | null): StoredEvent[] {
  if (originalStart === null) return list;
  const wanted = parseDate(originalStart) ? originalStart : parseDateTime(originalStart)?.getTime();
  return list.filter((ev) => {
    const o = ev.originalStartTime;
    return (o?.date ?? parseDateTime(o?.dateTime ?? "")?.getTime()) === wanted;
  });
}
