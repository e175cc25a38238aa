/**
 * Alerts: one email to the user, with the link that fixes it, when something needs them — a
 * Google account to reconnect, a sync failing three runs in a row (and one reminder a day
 * later), events Google refused for a day (one digest per sync per day), a sync stopped at
 * `needs_review`. A recovery sends nothing. What was told is decided in the database
 * (`alert_incidents`, unique per incident, claimed with ON CONFLICT DO NOTHING), so restarts and
 * several instances never send one alert twice. Nothing here throws at its caller: a failing
 * alert is logged, and the sync goes on.
 */
import {
  claimIncident,
  type IncidentKey,
  OPEN,
  unclaimIncident,
} from "@/lib/db/alert_incidents.ts";
import { claimReminder, resolveIncident, unclaimReminder } from "@/lib/db/alert_incidents.ts";
import { listGoogleAccounts } from "@/lib/db/google_accounts.ts";
import { getNotificationSettings } from "@/lib/db/notification_settings.ts";
import { listLongRefusedEvents, recordRefusedEvents } from "@/lib/db/refused_events.ts";
import { getSyncConfig, type SyncConfigRow } from "@/lib/db/sync_configs.ts";
import { listRecentRunStatuses } from "@/lib/db/sync_logs.ts";
import { getUserById } from "@/lib/db/users.ts";
import { errorFields, log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import {
  alertBody,
  type AlertText,
  failingText,
  needsReviewText,
  reconnectText,
  refusedText,
} from "./messages.ts";
import { unsubscribeToken } from "./unsubscribe.ts";

/** Failed runs in a row that make an incident. */
export const FAILED_RUNS = 3;
const HOUR = 3_600_000;
/** How long a failing sync waits before its one reminder, and an event before it is told. */
export const REMIND_AFTER_MS = 24 * HOUR;
export const REFUSED_FOR_MS = 24 * HOUR;

/** What a run's outcome says, as far as alerts care (a SyncResult is one). */
export interface RunOutcome {
  status: string;
  error: string | null;
  failures: { source_event_id: string; summary?: string; reason: string }[];
}

/**
 * Decides the alerts a finished run calls for, and sends them: the one call the run's
 * bookkeeping makes (lib/sync/run.ts), with `config` as the run began (its `last_status` the
 * previous run's). Never throws.
 * @example await noteRunOutcome(services, config, result);
 */
export async function noteRunOutcome(
  services: Services,
  config: SyncConfigRow,
  outcome: RunOutcome,
  now = new Date(),
): Promise<void> {
  if (quietSuccess(config, outcome)) return;
  await guarded("run", config.id, async () => {
    if (outcome.status === "needs_reconnect") await noteConnections(services, config.user_id);
    await noteFailing(services, config, outcome, now);
    await noteRefused(services, config, outcome, now);
    await noteNeedsReview(services, config, outcome);
  });
}

/**
 * A clean success after a clean success (`config` is the row as the run began): the run before
 * already resolved the failing and needs-review incidents and cleared the refused events, and
 * this one opens none, so there is nothing to read or write.
 */
function quietSuccess(config: SyncConfigRow, outcome: RunOutcome): boolean {
  return outcome.status === "success" && outcome.failures.length === 0 &&
    config.last_status === "success";
}

/** A Google connection the user must reconnect, in terms that outlive the account slots. */
export interface AccountIncident {
  userId: string;
  /** A stable id of the Google account: its google_accounts id. */
  accountId: string;
  googleEmail: string;
  /** Tells this incident from a later one: when the account was last connected. */
  connectedAt: Date;
}

/**
 * Tells the user, once per incident, that a Google account needs reconnecting: called where a
 * connection is marked `needs_reconnect`. Reconnecting starts a new incident. Never throws.
 * @example await noteAccountNeedsReconnect(services, { userId, accountId, googleEmail, connectedAt });
 */
export async function noteAccountNeedsReconnect(
  services: Services,
  account: AccountIncident,
): Promise<void> {
  await guarded("account", account.accountId, async () => {
    const incident = new Date(account.connectedAt).toISOString();
    await tell(
      services,
      account.userId,
      { kind: "account_reconnect", subject: account.accountId, incident },
      reconnectText(account.googleEmail, `${services.config.apiUrl}/`),
    );
  });
}

async function noteConnections(services: Services, userId: string) {
  for (const account of await listGoogleAccounts(services.db, userId)) {
    if (account.status !== "needs_reconnect") continue;
    await noteAccountNeedsReconnect(services, {
      userId,
      accountId: account.id,
      googleEmail: account.google_email,
      connectedAt: account.connected_at,
    });
  }
}

async function noteFailing(
  services: Services,
  config: SyncConfigRow,
  outcome: RunOutcome,
  now: Date,
) {
  const { db } = services;
  if (outcome.status !== "failed") {
    // A run that got through (or stopped for another reason told on its own) ends the streak.
    if (outcome.status !== "needs_reconnect") await resolveIncident(db, "sync_failing", config.id);
    return;
  }
  const statuses = await listRecentRunStatuses(db, config.id, FAILED_RUNS);
  if (statuses.length < FAILED_RUNS || statuses.some((s) => s !== "failed")) return;
  const key: IncidentKey = { kind: "sync_failing", subject: config.id, incident: OPEN };
  const url = syncUrl(services, config);
  const told = await tell(
    services,
    config.user_id,
    key,
    failingText(config, outcome.error, url, false),
  );
  if (told !== "already") return;
  if (!await settingOn(services, config.user_id, key)) return;
  if (!await claimReminder(db, key, new Date(now.getTime() - REMIND_AFTER_MS))) return;
  if (!await send(services, config.user_id, key, failingText(config, outcome.error, url, true))) {
    await unclaimReminder(db, key);
  }
}

async function noteRefused(
  services: Services,
  config: SyncConfigRow,
  outcome: RunOutcome,
  now: Date,
) {
  // A run that ended before its writes says nothing of which events Google takes.
  if (outcome.status !== "success" && outcome.status !== "partial") return;
  const unique = new Map(outcome.failures.map((f) => [f.source_event_id, f]));
  await recordRefusedEvents(services.db, config.id, [...unique.values()], now);
  if (!unique.size) return;
  const events = await listLongRefusedEvents(
    services.db,
    config.id,
    new Date(now.getTime() - REFUSED_FOR_MS),
  );
  if (!events.length) return;
  const day = now.toISOString().slice(0, 10);
  await tell(
    services,
    config.user_id,
    { kind: "events_refused", subject: config.id, incident: day },
    refusedText(config, events, syncUrl(services, config)),
  );
}

async function noteNeedsReview(services: Services, config: SyncConfigRow, outcome: RunOutcome) {
  // The status arrives with the deletion guard; a config may carry it before its runs do.
  const current = await getSyncConfig(services.db, config.id, config.user_id);
  if (!current) return;
  if (outcome.status !== "needs_review" && current.last_status !== "needs_review") {
    await resolveIncident(services.db, "needs_review", config.id);
    return;
  }
  await tell(
    services,
    config.user_id,
    { kind: "needs_review", subject: config.id, incident: OPEN },
    needsReviewText(current, syncUrl(services, config)),
  );
}

function syncUrl(services: Services, config: { id: string }): string {
  return `${services.config.apiUrl}/syncs/${config.id}`;
}

/**
 * Tells the user of an incident unless they turned its kind off or were told already
 * ("already"); the claim is given back when the email could not go, so a later look retries.
 */
async function tell(
  services: Services,
  userId: string,
  key: IncidentKey,
  text: AlertText,
): Promise<"sent" | "already" | "skipped"> {
  if (services.mailer.mode === "off") return "skipped";
  if (!await settingOn(services, userId, key)) return "skipped";
  if (!await claimIncident(services.db, userId, key)) return "already";
  if (await send(services, userId, key, text)) return "sent";
  await unclaimIncident(services.db, key);
  return "skipped";
}

async function settingOn(services: Services, userId: string, key: IncidentKey) {
  return (await getNotificationSettings(services.db, userId))[key.kind];
}

async function send(services: Services, userId: string, key: IncidentKey, text: AlertText) {
  const user = await getUserById(services.db, userId);
  if (!user) return false;
  const token = await unsubscribeToken(services.config.jwtSecret, userId, key.kind);
  const unsubscribe = `${services.config.apiUrl}/notifications/unsubscribe?token=${token}`;
  const sent = await services.mailer.send({
    to: user.email,
    subject: text.subject,
    text: alertBody(text, unsubscribe),
    headers: {
      // RFC 8058 one-click: mail clients POST to the link, which turns this kind off.
      "List-Unsubscribe": `<${unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "X-Cal-Sync-Alert": key.kind,
    },
  });
  if (sent) log.info("Alert sent", { user_id: userId, kind: key.kind, subject: key.subject });
  return sent;
}

async function guarded(what: string, id: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (error) {
    log.error("Alerts could not be decided", { about: what, id, ...errorFields(error) });
  }
}
