/**
 * The `fields=` masks of every Calendar request the app makes: Google answers with only the
 * named fields ("partial response", Google's "Performance tips"), which cuts the bytes of every
 * run. Each field says who reads it; a field read but left out here comes back missing, so a new
 * reader of a Google response adds its field here first. tests/sync/fields_test.ts checks that
 * the source event mask keeps everything transform.ts, window.ts and the engine decide from.
 */

/** What the engine reads of a source event, and why. */
const SOURCE_EVENT = {
  id: "the mapping key; an instance's id also carries its occurrence (instanceKey)",
  status: "`cancelled` is the only sign of a deleted event: never decided from missing fields",
  eventType: "which events are copied as they are, as busy time, or not at all",
  "extendedProperties/shared": "the markers of copies cal-sync made, never copied back",
  summary: "copied",
  description: "copied",
  location: "copied",
  transparency: "copied",
  visibility: "copied",
  colorId: "copied",
  start: "copied; places the event in the window",
  end: "copied; places the event in the window",
  recurrence: "copied onto a series copy; expands the series against the window",
  recurringEventId: "marks an instance (an exception or a cancelled occurrence) and its series",
  originalStartTime: "the occurrence an exception stands for (instanceKey)",
  iCalUID: "lists the exceptions of a series whose copy is rewritten",
  updated: "recorded in the mapping as the source's last change; two-way: the later change wins",
  "attendees(email,self,responseStatus)":
    "the source owner's answer, for the skip_declined and skip_tentative filters",
  etag: "two-way: a copy listed with an etag other than the engine's last write was edited",
} satisfies Record<string, string>;

/** What a page of `events.list` must carry besides its items. */
const EVENT_PAGE = {
  nextPageToken: "more pages follow, whatever this page held (even nothing): page until it is gone",
  nextSyncToken: "the cursor of the next incremental run; left out, every run would list it all",
} satisfies Record<string, string>;

/** What the engine reads of the answer to a write of a copy. */
const WRITTEN_COPY = {
  etag: "sent back as If-Match on the copy's next write, so edits made meanwhile answer 412",
} satisfies Record<string, string>;

/** What the calendar pickers read of `calendarList.list`. */
const CALENDAR_ENTRY = {
  id: "the calendar a config names",
  deleted: "removed calendars are left out",
  summary: "the name shown",
  summaryOverride: "the name the person gave it, shown first",
  primary: "marks the account's own calendar",
  accessRole: "only owner and writer calendars are offered as destinations",
  backgroundColor: "the colour swatch",
  timeZone: "shown beside the calendar",
} satisfies Record<string, string>;

const list = (fields: Record<string, string>) => Object.keys(fields).join(",");

/** A source event: `events.get`. */
export const SOURCE_EVENT_FIELDS = list(SOURCE_EVENT);

/** A page of source events: `events.list`. */
export const EVENT_LIST_FIELDS = `${list(EVENT_PAGE)},items(${SOURCE_EVENT_FIELDS})`;

/** The answer to an insert, update or patch of a copy, and its re-read after a 412. */
export const WRITTEN_COPY_FIELDS = list(WRITTEN_COPY);

/** A page of `calendarList.list`. */
export const CALENDAR_LIST_FIELDS = `nextPageToken,items(${list(CALENDAR_ENTRY)})`;
