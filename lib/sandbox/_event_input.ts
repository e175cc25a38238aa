/** Validation and normalization of event bodies as Google applies them on insert/update/patch. */
import { badRequest, GoogleApiError, timeRangeEmpty } from "./_errors.ts";
import { buildRuleSet } from "./_recurrence.ts";
import { formatDateTime, isValidTimeZone, parseDate, parseDateTime } from "./_time.ts";

// deno-lint-ignore no-explicit-any
export type Json = any;

/** The Events resource's fields, in the order Google writes them. */
export const EVENT_FIELDS = [
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

/** Fields only Google sets: a body's values for them are ignored. */
const READ_ONLY_FIELDS = [
  "kind",
  "etag",
  "id",
  "htmlLink",
  "created",
  "updated",
  "creator",
  "organizer",
  "recurringEventId",
  "iCalUID",
];

/** Fields a client may write; everything else in a body is ignored (read-only or unsupported). */
export const WRITABLE_FIELDS = EVENT_FIELDS.filter((f) => !READ_ONLY_FIELDS.includes(f));

const EVENT_TYPES = [
  "default",
  "birthday",
  "fromGmail",
  "focusTime",
  "outOfOffice",
  "workingLocation",
];

/** events.list `eventTypes` (repeatable): the types asked for, none meaning all; 400 on a typo. */
export function eventTypesParam(params: URLSearchParams): string[] {
  const types = params.getAll("eventTypes");
  for (const t of types) {
    if (!EVENT_TYPES.includes(t)) {
      throw new GoogleApiError(400, `Invalid value for eventTypes: ${t}`, "invalid", "global", {
        locationType: "parameter",
        location: "eventTypes",
      });
    }
  }
  return types;
}

export interface TimeInfo {
  allDay: boolean;
  /** Start/end instants (all-day dates placed in the calendar's zone). */
  start: Date;
  end: Date;
}

function required(message: string): GoogleApiError {
  return badRequest(message, "required");
}

/** Normalizes `start`/`end`: dateTimes rewritten with the offset of their zone, as Google does. */
export function normalizeTime(value: Json, which: "start" | "end", calendarZone: string): Json {
  if (value === undefined || value === null) throw required(`Missing ${which} time.`);
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(`Invalid ${which} time.`);
  }
  if (value.date !== undefined && value.date !== null) {
    if (typeof value.date !== "string" || !parseDate(value.date)) {
      throw badRequest(`Invalid ${which} time.`);
    }
    const out: Json = { date: value.date };
    if (value.timeZone) out.timeZone = value.timeZone;
    return out;
  }
  if (typeof value.dateTime !== "string") throw required(`Missing ${which} time.`);
  if (value.timeZone !== undefined && value.timeZone !== null) {
    if (typeof value.timeZone !== "string" || !isValidTimeZone(value.timeZone)) {
      throw badRequest(`Invalid time zone definition for ${which} time.`);
    }
  }
  const instant = parseDateTime(value.dateTime, value.timeZone ?? undefined);
  if (!instant) {
    if (parseDateTime(value.dateTime, "UTC")) {
      throw required(`Missing time zone definition for ${which} time.`);
    }
    throw badRequest(`Invalid ${which} time.`);
  }
  const out: Json = { dateTime: formatDateTime(instant, value.timeZone ?? calendarZone) };
  if (value.timeZone) out.timeZone = value.timeZone;
  return out;
}

/** Instants of a normalized start/end pair. */
export function timeInfo(start: Json, end: Json, calendarZone: string): TimeInfo {
  if (start.date) {
    const s = parseDate(start.date)!;
    const e = parseDate(end.date)!;
    return {
      allDay: true,
      start: parseDateTime(`${start.date}T00:00:00`, calendarZone) ?? s,
      end: parseDateTime(`${end.date}T00:00:00`, calendarZone) ?? e,
    };
  }
  return {
    allDay: false,
    start: parseDateTime(start.dateTime)!,
    end: parseDateTime(end.dateTime)!,
  };
}

function normalizeExtendedProperties(value: Json): Json {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object") throw badRequest("Invalid extended properties.");
  const out: Json = {};
  let count = 0;
  let size = 0;
  for (const kind of ["private", "shared"]) {
    const props = value[kind];
    if (props === undefined || props === null) continue;
    if (typeof props !== "object" || Array.isArray(props)) {
      throw badRequest("Invalid extended properties.");
    }
    const kept: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined) continue;
      if (k.length > 44) continue; // Google drops long keys silently.
      const text = String(v).slice(0, 1024); // …and truncates long values.
      kept[k] = text;
      count++;
      size += k.length + text.length;
    }
    out[kind] = kept;
  }
  if (count > 300 || size > 32 * 1024) {
    throw badRequest("The extended properties of the event exceed the allowed limit.");
  }
  return out;
}

function normalizeReminders(value: Json): Json {
  if (value === undefined || value === null) return { useDefault: true };
  if (typeof value !== "object") throw badRequest("Invalid reminders.");
  const overrides = value.overrides ?? [];
  if (!Array.isArray(overrides)) throw badRequest("Invalid reminders.");
  if (value.useDefault && overrides.length > 0) {
    throw badRequest(
      "Cannot specify both default reminders and overrides at the same time.",
      "cannotUseDefaultRemindersAndSpecifyOverride",
    );
  }
  if (overrides.length > 5) throw badRequest("Too many reminders.", "tooManyReminders");
  for (const o of overrides) {
    if (!o || !["email", "popup"].includes(o.method)) {
      throw badRequest("Invalid reminder method.", "invalid");
    }
    if (typeof o.minutes !== "number" || o.minutes < 0 || o.minutes > 40320) {
      throw badRequest("Invalid reminder minutes.", "invalid");
    }
  }
  const out: Json = { useDefault: Boolean(value.useDefault) };
  if (overrides.length) out.overrides = overrides.map((o: Json) => ({ ...o }));
  return out;
}

function enumField(body: Json, field: string, allowed: string[]) {
  const v = body[field];
  if (v === undefined || v === null) return;
  if (!allowed.includes(v)) throw badRequest(`Invalid value for: ${field}`);
}

/** Throws Google's 400 parseError unless the body is a JSON object. */
export function requireJsonObject(body: Json): void {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest("Parse Error", "parseError");
  }
}

export interface ValidateContext {
  calendarZone: string;
  isPrimary: boolean;
  isInstance: boolean;
  /** True when the body comes from insert (eventType creation rules apply). */
  creating: boolean;
}

/**
 * Checks and normalizes a complete event body (after patch merging). Returns the writable fields,
 * normalized; throws Google's 400s.
 */
export function validateEvent(body: Json, ctx: ValidateContext): Json {
  requireJsonObject(body);
  const out: Json = {};
  for (const f of WRITABLE_FIELDS) {
    if (body[f] !== undefined && body[f] !== null) out[f] = structuredClone(body[f]);
  }
  const t = normalizeTimes(out, ctx.calendarZone);
  enumField(out, "status", ["confirmed", "tentative", "cancelled"]);
  enumField(out, "transparency", ["opaque", "transparent"]);
  enumField(out, "visibility", ["default", "public", "private", "confidential"]);
  if (out.colorId !== undefined && !/^(?:[1-9]|1[01])$/.test(String(out.colorId))) {
    throw badRequest("Invalid color id.");
  }
  normalizeRecurrence(out, ctx.isInstance);
  if (out.attendees !== undefined) out.attendees = normalizeAttendees(out.attendees);
  const ext = normalizeExtendedProperties(out.extendedProperties);
  if (ext) out.extendedProperties = ext;
  out.reminders = normalizeReminders(out.reminders);
  out.eventType = out.eventType ?? "default";
  enumField(out, "eventType", EVENT_TYPES);
  checkEventType(out, t, ctx);
  if (!ctx.isInstance) delete out.originalStartTime;
  return out;
}

/**
 * Normalizes `start` and `end` in place and returns their instants; 400 unless both are given, of
 * one kind (dates or dateTimes), and in order.
 */
function normalizeTimes(ev: Json, calendarZone: string): TimeInfo {
  if (ev.start === undefined) throw required("Missing start time.");
  if (ev.end === undefined) throw required("Missing end time.");
  ev.start = normalizeTime(ev.start, "start", calendarZone);
  ev.end = normalizeTime(ev.end, "end", calendarZone);
  if (Boolean(ev.start.date) !== Boolean(ev.end.date)) {
    throw badRequest("Start and end times must either both be date or both be dateTime.");
  }
  const t = timeInfo(ev.start, ev.end, calendarZone);
  if (t.end.getTime() <= t.start.getTime()) throw timeRangeEmpty();
  return t;
}

/** Checks `recurrence` in place: dropped on an instance or when empty; a series needs a zone. */
function normalizeRecurrence(ev: Json, isInstance: boolean) {
  if (ev.recurrence === undefined) return;
  if (!Array.isArray(ev.recurrence) || ev.recurrence.some((r: Json) => typeof r !== "string")) {
    throw badRequest("Invalid recurrence rule.");
  }
  if (isInstance || ev.recurrence.length === 0) {
    delete ev.recurrence; // instances never carry a recurrence
    return;
  }
  if (!ev.start.date && !ev.start.timeZone) {
    throw required("Missing time zone definition for start time.");
  }
  buildRuleSet(ev.start, ev.recurrence);
}

/** Attendees as Google stores them: each with an email, `needsAction` until they answer. */
function normalizeAttendees(attendees: Json): Json[] {
  if (!Array.isArray(attendees)) throw badRequest("Invalid attendees.");
  return attendees.map((a: Json) => {
    if (!a || typeof a.email !== "string" || !a.email.includes("@")) {
      throw badRequest("Invalid attendee email.");
    }
    return { responseStatus: "needsAction", ...a };
  });
}

function checkEventType(ev: Json, t: TimeInfo, ctx: ValidateContext) {
  const type = ev.eventType;
  if (type === "default") return;
  if (type === "fromGmail") {
    if (ctx.creating) {
      throw badRequest("Event type cannot be created using the API.", "eventTypeRestriction");
    }
    return;
  }
  if (type === "birthday") {
    const yearly = (ev.recurrence ?? []).some((r: string) => /FREQ=YEARLY/i.test(r));
    if (ctx.creating && (!t.allDay || !yearly || !ev.birthdayProperties)) {
      throw badRequest(
        "A birthday event must be an all-day event with a yearly recurrence and birthdayProperties.",
        "invalidBirthdayEvent",
      );
    }
    return;
  }
  // focusTime, outOfOffice, workingLocation
  if (!ctx.isPrimary) {
    throw badRequest(
      `Event type "${type}" can only be created in the primary calendar of a user.`,
      "eventTypeRestriction",
    );
  }
  if (type === "workingLocation") {
    if (!ev.workingLocationProperties) {
      throw badRequest("Missing workingLocationProperties.", "required");
    }
    return;
  }
  if (t.allDay) {
    throw badRequest(`Event type "${type}" cannot be an all-day event.`, "eventTypeRestriction");
  }
  if (ev.attendees?.length) {
    throw badRequest(`Event type "${type}" cannot have attendees.`, "eventTypeRestriction");
  }
}

/** Google's patch semantics: objects merge recursively, arrays and scalars replace, null clears. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Json = target && typeof target === "object" && !Array.isArray(target)
    ? { ...target }
    : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === "object" && !Array.isArray(v)) out[k] = mergePatch(out[k], v);
    else out[k] = v;
  }
  return out;
}
