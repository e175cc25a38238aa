/** The event's outward shape: the resource Google returns, and the entry a listing shows. */
import { EVENT_FIELDS, type Json } from "./_event_input.ts";
import { resolveEvent } from "./_instances.ts";
import type { Calendar, StoredEvent } from "./_state.ts";
import type { Store } from "./_store.ts";

/** The public resource of a stored event (bookkeeping fields removed, Google's field order). */
export function toResource(ev: StoredEvent): Json {
  const out: Json = {};
  for (const k of EVENT_FIELDS) if (ev[k] !== undefined) out[k] = structuredClone(ev[k]);
  return out;
}

/** events.get */
export function getEvent(cal: Calendar, eventId: string): Json {
  return toResource(resolveEvent(cal, eventId).event);
}

/**
 * How a listing shows an event: a cancelled one as the minimal entry (a deleted event is only
 * guaranteed its `id`), or — under the `full_tombstones` fault, in a `showDeleted` listing — with
 * its details, as Google keeps them on the organizer's calendar so that it can be restored
 * (Events resource, `status`). A cancelled instance made up for a listing has no details to keep.
 */
export function listedShape(store: Store, params: URLSearchParams): (ev: StoredEvent) => Json {
  const full = Boolean(store.faults.full_tombstones) && params.get("showDeleted") === "true";
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
