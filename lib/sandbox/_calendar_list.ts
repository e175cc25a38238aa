/** calendarList.list / calendarList.get and calendars.get. */
import { badRequest } from "./_errors.ts";
import type { Json } from "./_event_input.ts";
import type { Calendar } from "./_state.ts";
import { decodeToken, encodeToken } from "./_state.ts";
import type { Store } from "./_store.ts";

const ROLE_RANK = { freeBusyReader: 0, reader: 1, writer: 2, owner: 3 } as const;

/** The calendarList entry of a calendar as `email` sees it. */
export function calendarListEntry(cal: Calendar, email: string): Json {
  const entry: Json = {
    kind: "calendar#calendarListEntry",
    etag: `"${cal.tokenGeneration}${cal.id.length}"`,
    id: cal.id,
    summary: cal.summary,
  };
  if (cal.description) entry.description = cal.description;
  Object.assign(entry, {
    timeZone: cal.timeZone,
    colorId: cal.colorId,
    backgroundColor: cal.backgroundColor,
    foregroundColor: cal.foregroundColor,
    selected: true,
    accessRole: cal.access[email],
    defaultReminders: cal.primaryOf === email ? [{ method: "popup", minutes: 10 }] : [],
    conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
  });
  if (cal.primaryOf === email) {
    entry.notificationSettings = {
      notifications: [
        { type: "eventCreation", method: "email" },
        { type: "eventChange", method: "email" },
        { type: "eventCancellation", method: "email" },
        { type: "eventResponse", method: "email" },
      ],
    };
    entry.primary = true;
  }
  return entry;
}

/** calendarList.list */
export function listCalendars(store: Store, email: string, params: URLSearchParams): Json {
  const account = store.state.accounts[email];
  const max = params.get("maxResults");
  let maxResults = 100;
  if (max !== null) {
    const n = Number(max);
    if (!Number.isInteger(n) || n < 1) {
      throw badRequest(`Invalid value '${max}'. Values must be within the range: [1, 250]`);
    }
    maxResults = Math.min(n, 250);
  }
  const minRole = params.get("minAccessRole") as keyof typeof ROLE_RANK | null;
  if (minRole !== null && !(minRole in ROLE_RANK)) {
    throw badRequest(`Invalid value for: minAccessRole`);
  }
  const cals = account.calendarIds
    .map((id) => store.state.calendars[id])
    .filter((c) => c && c.access[email])
    .filter((c) => !minRole || ROLE_RANK[c.access[email]] >= ROLE_RANK[minRole]);
  let offset = 0;
  const pt = params.get("pageToken");
  if (pt !== null) {
    const p = decodeToken<{ e: string; o: number }>(pt);
    if (!p || p.e !== store.state.epoch) throw badRequest("Invalid page token value.");
    offset = p.o;
  }
  const body: Json = {
    kind: "calendar#calendarList",
    etag: `"c${store.state.seq}"`,
  };
  if (offset + maxResults < cals.length) {
    body.nextPageToken = encodeToken({ e: store.state.epoch, o: offset + maxResults });
  } else {
    body.nextSyncToken = encodeToken({ e: store.state.epoch, cl: store.state.seq });
  }
  body.items = cals.slice(offset, offset + maxResults).map((c) => calendarListEntry(c, email));
  return body;
}

/** calendars.get */
export function calendarResource(cal: Calendar): Json {
  const out: Json = {
    kind: "calendar#calendar",
    etag: `"${cal.tokenGeneration}${cal.id.length}"`,
    id: cal.id,
    summary: cal.summary,
  };
  if (cal.description) out.description = cal.description;
  out.timeZone = cal.timeZone;
  out.conferenceProperties = { allowedConferenceSolutionTypes: ["hangoutsMeet"] };
  return out;
}
