import type { calendar_v3 } from "@googleapis/calendar";
import { defaultSyncOptions, filteredOut, type SyncOptions } from "./options.ts";

type Event = calendar_v3.Schema$Event;

/** Keys of `extendedProperties.shared` that mark an event as a copy made by cal-sync. */
export const COPY_MARKERS = {
  sourceId: "source_id",
  clusterId: "sync_cluster_id",
  configId: "cal_sync_config_id",
} as const;

/** Event types copied as a plain busy event with the same times and title. */
const AS_BUSY = new Set(["outOfOffice", "focusTime"]);
/** Event types never copied. */
const SKIPPED = new Set(["workingLocation", "birthday", "fromGmail"]);

const BUSY_TITLES: Record<string, string> = {
  outOfOffice: "Out of office",
  focusTime: "Focus time",
};

export type Transformed =
  | { kind: "copy"; body: Event }
  | { kind: "cancelled" }
  /** `filtered`: left out by the sync's filters (else the type is never copied, or a copy). */
  | { kind: "skip"; reason: string; filtered?: boolean };

export interface CopyContext {
  configId: string;
  sourceEventId: string;
  syncClusterId: string;
  /** The sync's options (default: today's full copy of every supported event). */
  options?: SyncOptions;
}

/** Whether the event is a copy some cal-sync config made (never copied again: no loops). */
export function isCalSyncCopy(event: Event): boolean {
  const shared = event.extendedProperties?.shared;
  return Boolean(shared?.[COPY_MARKERS.configId] || shared?.[COPY_MARKERS.clusterId]);
}

/**
 * The destination form of a source event: only the copied fields (as the sync's options say),
 * reminders off, no attendees, attachments or conference data, and the marker properties.
 * Instances of a series (exceptions) carry no recurrence; the caller writes them onto the
 * matching destination instance. An event the filters leave out is a `filtered` skip.
 */
export function transformEvent(event: Event, ctx: CopyContext): Transformed {
  if (event.status === "cancelled") return { kind: "cancelled" };
  const options = ctx.options ?? defaultSyncOptions();
  const type = event.eventType ?? "default";
  if (SKIPPED.has(type)) return { kind: "skip", reason: `event type ${type}` };
  if (isCalSyncCopy(event)) return { kind: "skip", reason: "copy made by cal-sync" };
  if (type !== "default" && !AS_BUSY.has(type)) {
    return { kind: "skip", reason: `event type ${type}` };
  }
  if (!(options.filters.event_types as readonly string[]).includes(type)) {
    return { kind: "skip", reason: `event type ${type}`, filtered: true };
  }
  const filtered = filteredOut(event, options.filters, options.owner);
  if (filtered) return { kind: "skip", reason: filtered, filtered: true };
  const body = baseBody(event, ctx);
  if (AS_BUSY.has(type)) {
    body.summary = event.summary || BUSY_TITLES[type];
    body.transparency = "opaque";
  } else copyFields(event, body, options);
  return { kind: "copy", body: marked(body, options) };
}

/** Times, recurrence, status, no reminders, and the marker properties. */
function baseBody(event: Event, ctx: CopyContext): Event {
  const body: Event = {
    summary: event.summary ?? undefined,
    start: timeOf(event.start),
    end: timeOf(event.end),
    status: "confirmed",
    reminders: { useDefault: false, overrides: [] },
    extendedProperties: {
      shared: {
        [COPY_MARKERS.sourceId]: ctx.sourceEventId,
        [COPY_MARKERS.clusterId]: ctx.syncClusterId,
        [COPY_MARKERS.configId]: ctx.configId,
      },
    },
  };
  if (!event.recurringEventId && event.recurrence?.length) body.recurrence = [...event.recurrence];
  return body;
}

/** The fields of a default event the options copy. */
function copyFields(event: Event, body: Event, { copy }: SyncOptions) {
  const busy = copy.privacy === "busy";
  if (event.description && copy.copy_description && !busy) body.description = event.description;
  if (event.location && copy.copy_location && !busy) body.location = event.location;
  if (event.transparency) body.transparency = event.transparency;
  if (busy) body.visibility = "private";
  else if (event.visibility) body.visibility = event.visibility;
  if (event.colorId && copy.copy_color && !busy) body.colorId = event.colorId;
}

/** The title every copy has in busy mode (prefix and placeholder); undefined in full mode. */
export function placeholderTitle({ copy }: SyncOptions): string | undefined {
  return copy.privacy === "busy" ? copy.title_prefix + copy.busy_title : undefined;
}

/** Busy mode's placeholder title, the prefix and the destination colour. */
function marked(body: Event, options: SyncOptions): Event {
  const { copy } = options;
  const placeholder = placeholderTitle(options);
  if (placeholder !== undefined) {
    body.summary = placeholder;
    body.visibility = "private";
    delete body.description;
    delete body.location;
  } else if (copy.title_prefix) body.summary = copy.title_prefix + (body.summary ?? "");
  if (copy.dest_color_id) body.colorId = copy.dest_color_id;
  return body;
}

function timeOf(t: calendar_v3.Schema$EventDateTime | undefined): calendar_v3.Schema$EventDateTime {
  if (!t) return {};
  if (t.date) return { date: t.date };
  const out: calendar_v3.Schema$EventDateTime = { dateTime: t.dateTime };
  if (t.timeZone) out.timeZone = t.timeZone;
  return out;
}

/**
 * The suffix that names an instance of a series: `YYYYMMDDTHHMMSSZ` for timed series,
 * `YYYYMMDD` for all-day ones (Google's instance id convention), from `originalStartTime`.
 */
export function instanceKey(event: Event): string | undefined {
  const master = event.recurringEventId;
  if (master && event.id?.startsWith(master + "_")) return event.id.slice(master.length + 1);
  const o = event.originalStartTime;
  if (o?.date) return o.date.replaceAll("-", "");
  if (o?.dateTime) {
    const t = new Date(o.dateTime);
    if (Number.isNaN(t.getTime())) return undefined;
    return t.toISOString().replace(/\.\d{3}/, "").replaceAll("-", "").replaceAll(":", "");
  }
  return undefined;
}
