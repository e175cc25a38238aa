/** The words of each alert: a subject, what happened, and the one link that fixes it. */
import type { AlertKind } from "@/lib/db/notification_settings.ts";
import type { RefusedEvent } from "@/lib/db/refused_events.ts";

export interface AlertText {
  subject: string;
  /** Paragraphs before the link. */
  lines: string[];
  /** What the link does, and where it goes. */
  action: string;
  url: string;
}

/** What the settings page and the unsubscribe page call each kind. */
export const KIND_NAMES: Record<AlertKind, string> = {
  account_reconnect: "a Google account needs reconnecting",
  sync_failing: "a sync keeps failing",
  events_refused: "Google keeps refusing events",
  needs_review: "a sync waits for your review",
};

export interface SyncNames {
  source_calendar_name: string;
  dest_calendar_name: string;
}

function syncName(config: SyncNames): string {
  return `"${config.source_calendar_name}" → "${config.dest_calendar_name}"`;
}

export function reconnectText(googleEmail: string, url: string): AlertText {
  return {
    subject: `Reconnect ${googleEmail} to keep your calendars in sync`,
    lines: [
      `Google no longer lets cal-sync use ${googleEmail}: the permission was withdrawn or expired.`,
      "The syncs that use this account are on hold until you connect it again.",
    ],
    action: "Reconnect it",
    url,
  };
}

export function failingText(
  config: SyncNames,
  error: string | null,
  url: string,
  reminder: boolean,
): AlertText {
  return {
    subject: `${reminder ? "Still failing" : "Failing"}: sync ${syncName(config)}`,
    lines: [
      reminder
        ? `The sync ${syncName(config)} has kept failing since we wrote a day ago.`
        : `The sync ${syncName(config)} failed three runs in a row.`,
      ...(error ? [`The last run said: ${error}`] : []),
    ],
    action: "See the sync",
    url,
  };
}

export function refusedText(config: SyncNames, events: RefusedEvent[], url: string): AlertText {
  const shown = events.slice(0, 20).map((e) => `- ${e.summary ?? "(no title)"}: ${e.reason}`);
  const more = events.length > shown.length ? [`…and ${events.length - shown.length} more.`] : [];
  return {
    subject: `${events.length} event${events.length === 1 ? "" : "s"} not copied for a day: ` +
      syncName(config),
    lines: [
      `Google has refused to take ${
        events.length === 1 ? "this event" : "these events"
      } into "${config.dest_calendar_name}" for a day or more:`,
      [...shown, ...more].join("\n"),
    ],
    action: "See the sync",
    url,
  };
}

export function needsReviewText(config: SyncNames, url: string): AlertText {
  return {
    subject: `Waiting for you: sync ${syncName(config)}`,
    lines: [
      `The sync ${syncName(config)} would have deleted many copies at once, so it stopped ` +
      "before deleting any. It goes on once you say apply or pause.",
    ],
    action: "Review it",
    url,
  };
}

/** The email's body: the lines, the link, and how to stop this kind of email. */
export function alertBody(text: AlertText, unsubscribeUrl: string): string {
  return [
    ...text.lines,
    `${text.action}: ${text.url}`,
    "—",
    `You get this email because alerts are on for your cal-sync account.`,
    `Stop these emails: ${unsubscribeUrl}`,
  ].join("\n\n");
}
