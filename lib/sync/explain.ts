/**
 * "Why is (or isn't) my event there?": the source events matching a text, each with where its
 * copy stands and why, decided by the planner's own rules (transform, filters, window).
 */
import type { calendar_v3 } from "@googleapis/calendar";
import type { EventMapping } from "@/lib/db/event_mappings.ts";
import { copyWritten } from "./copy_state.ts";
import type { Event } from "./google_api.ts";
import { inWindow, type PlanContext, transformFor } from "./plan.ts";

export const EXPLAIN_STATUSES = [
  "copied",
  "filtered",
  "outside_window",
  "unsupported_type",
  "failed",
  "pending",
] as const;
export type ExplainStatus = typeof EXPLAIN_STATUSES[number];

export interface Explained {
  source_event_id: string;
  summary: string | null;
  start: string | null;
  status: ExplainStatus;
  reason: string;
  dest_event_id: string | null;
}

/** Where one source event's copy stands, and why. PURE (`refused`: Google's reason, if any). */
export function explainEvent(
  ctx: PlanContext,
  ev: Event,
  refused: string | undefined,
): Omit<Explained, "source_event_id" | "summary" | "start"> {
  const t = transformFor(ctx, ev, "");
  const none = { dest_event_id: null };
  if (t.kind === "skip" && t.filtered) {
    return { status: "filtered", reason: `skipped: ${t.reason}`, ...none };
  }
  if (t.kind === "skip") {
    return { status: "unsupported_type", reason: `not copied: ${t.reason}`, ...none };
  }
  if (!inWindow(ctx, ev)) {
    return {
      status: "outside_window",
      reason: "outside the window: only events from now to the sync's days ahead are copied",
      ...none,
    };
  }
  if (refused) return { status: "failed", reason: `Google refused: ${refused}`, ...none };
  const copy = copyOf(ctx, ev);
  if (copy) return { status: "copied", reason: "copied", dest_event_id: copy };
  return { status: "pending", reason: "not copied yet: the next run copies it", ...none };
}

/** The id of the copy standing for `ev` (an exception lives on its series' copy). */
function copyOf(ctx: PlanContext, ev: Event): string | undefined {
  const own: EventMapping | undefined = ctx.mappings.get(ev.id!);
  if (copyWritten(own) && own.state !== "cancelled") return own.dest_event_id;
  if (!ev.recurringEventId) return undefined;
  const master = ctx.mappings.get(ev.recurringEventId);
  if (!copyWritten(master) || own?.state === "cancelled") return undefined;
  return `${master.dest_event_id}_${ev.id!.slice(ev.recurringEventId.length + 1)}`;
}

/** The source events matching `q` (Google's free-text search), from a day back to a year on. */
export async function searchSource(
  source: calendar_v3.Calendar,
  calendarId: string,
  q: string,
  limit: number,
  now: number,
): Promise<Event[]> {
  const res = await source.events.list({
    calendarId,
    q: q || undefined,
    timeMin: new Date(now - 86_400_000).toISOString(),
    timeMax: new Date(now + 366 * 86_400_000).toISOString(),
    singleEvents: false,
    showDeleted: false,
    maxResults: Math.min(250, limit),
  });
  return (res.data.items ?? []).slice(0, limit);
}
