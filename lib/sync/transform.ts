import type { calendar_v3 } from "@googleapis/calendar";

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
  | { kind: "skip"; reason: string };

export interface CopyContext {
  configId: string;
  sourceEventId: string;
  syncClusterId: string;
}

/** Whether the event is a copy some cal-sync config made (never copied again: no loops). */
export function isCalSyncCopy(event: Event): boolean {
  const shared = event.extendedProperties?.shared;
  return Boolean(shared?.[COPY_MARKERS.configId] || shared?.[COPY_MARKERS.clusterId]);
}

/**
 * The destination form of a source event: only the copied fields, reminders off, no attendees,
 * attachments or conference data, and the marker properties. Instances of a series (exceptions)
 * carry no recurrence; the caller writes them onto the matching destination instance.
 */
export function transformEvent(event: Event, ctx: CopyContext): Transformed {
  if (event.status === "cancelled") return { kind: "cancelled" };
  const type = event.eventType ?? "default";
  if (SKIPPED.has(type)) return { kind: "skip", reason: `event type ${type}` };
  if (isCalSyncCopy(event)) return { kind: "skip", reason: "copy made by cal-sync" };
  const isInstance = Boolean(event.recurringEventId);
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
  if (!isInstance && event.recurrence?.length) body.recurrence = [...event.recurrence];
  if (AS_BUSY.has(type)) {
    body.summary = event.summary || BUSY_TITLES[type];
    body.transparency = "opaque";
    return { kind: "copy", body };
  }
  if (type !== "default") return { kind: "skip", reason: `event type ${type}` };
  if (event.description) body.description = event.description;
  if (event.location) body.location = event.location;
  if (event.transparency) body.transparency = event.transparency;
  if (event.visibility) body.visibility = event.visibility;
  if (event.colorId) body.colorId = event.colorId;
  return { kind: "copy", body };
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
