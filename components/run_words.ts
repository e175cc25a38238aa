/**
 * The words a run is described in, true to what it did: "Failed" only when nothing was done,
 * "Partly failed: 3 of 10 copied" otherwise, counts without zeros, and Google's raw refusals
 * ("404 notFound Not Found", "invalid_grant") in plain words. Pure: pages and islands share it.
 */
import { type RunResultView, statusText } from "./sync_view.ts";

/** What a finished run says in its status badge and first line. */
export function runStatusText(r: RunResultView): string {
  if (r.status !== "partial" && r.status !== "failed") return statusText(r.status);
  const done = r.events_created + r.events_updated + r.events_deleted;
  if (done === 0) return "Failed";
  if (r.events_failed > 0) return `Partly failed: ${done} of ${done + r.events_failed} copied`;
  return `Partly failed: stopped after ${done} change${done === 1 ? "" : "s"}`;
}

/** The badge colour of a run: a run that did nothing it should have is "bad". */
export function runTone(r: RunResultView): "ok" | "warn" | "bad" | "none" {
  if (r.status === "success") return "ok";
  if (runStatusText(r) === "Failed") return "bad";
  return r.status === "partial" || r.status === "failed" ? "warn" : "none";
}

const OVERWRITTEN_TEXT = "overwritten (edited in the destination)";

/** "3 created, 1 deleted": the counts that are not zero, or "no changes". */
export function nonZeroCounts(r: RunResultView): string {
  const parts = [
    [r.events_created, "created"],
    [r.events_updated, "updated"],
    [r.events_deleted, "deleted"],
    [r.events_skipped, "skipped"],
    [r.events_failed, "not copied"],
    [r.events_overwritten, OVERWRITTEN_TEXT],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, label]) => `${n} ${label}`);
  return shown.length ? shown.join(", ") : "no changes";
}

/** Google's raw reasons, by what they say, in words a person can act on. */
const GOOGLE_REASONS: [RegExp, string][] = [
  [
    /^invalid_grant\b|^401\b/,
    "Google no longer lets cal-sync use this account: reconnect it",
  ],
  [
    /eventTypeRestriction|outOfOffice|out-of-office|focusTime|workingLocation|birthday|fromGmail/i,
    "Google refused this event: the destination calendar doesn't allow this kind of event " +
    "(out of office, focus time, working location, birthday or from Gmail)",
  ],
  [
    /^40[34] \S*notFound|^410\b/,
    "Google no longer has this event or calendar: it was deleted, or is no longer shared with " +
    "the connected account",
  ],
  [
    /forbiddenForNonOrganizer|requiredAccessLevel|insufficientPermissions|^403 forbidden/,
    "Google refused: the connected account may not change this calendar or event",
  ],
  [
    /rateLimitExceeded|quotaExceeded|^429\b/,
    "Google asked cal-sync to slow down; it will be retried on the next run",
  ],
  [/timeRangeEmpty/, "Google refused this event: it ends before it starts"],
  [/^5\d\d\b/, "Google had a problem on its side; it will be retried on the next run"],
  [/^400\b/, "Google refused this event as not valid for the destination calendar"],
];

/**
 * A failure's reason in plain words, and Google's original when it was translated.
 * @example plainReason("404 notFound Not Found") // { text: "Google no longer has…", original: "404 notFound Not Found" }
 */
export function plainReason(raw: string): { text: string; original?: string } {
  // Only Google's own answers ("<status> <reason> <message>", an OAuth error) are translated;
  // our sentences are already plain.
  if (!/^(\d{3}\b|invalid_grant\b)/.test(raw)) return { text: raw };
  const found = GOOGLE_REASONS.find(([pattern]) => pattern.test(raw));
  return found ? { text: found[1], original: raw } : { text: raw };
}
