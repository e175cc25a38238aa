/**
 * Near-real-time sync: a Google push channel (events.watch) on every calendar read as a source by
 * an active config, one per (Google account, calendar) however many configs read it. A message marks
 * those configs due now in the database and wakes the workers (lib/sync/push_worker.ts); polling
 * stays as the backstop. Channels are opened and stopped as configs come and go (`watchCalendars`),
 * and renewed before they expire or replaced when they fall silent (the same, run each minute).
 */
import { timingSafeEqual } from "node:crypto";
import { randomUrlToken, sha256Hex } from "@/lib/crypto/hash.ts";
import {
  deletePushChannel,
  getPushChannel,
  insertPushChannel,
  listPushChannels,
  listWatchedCalendars,
  notePushMessage,
  type PushChannelRow,
  setPushChannelOpened,
  type WatchedCalendar,
} from "@/lib/db/push_channels.ts";
import { getCalendarClient } from "@/lib/google/clients.ts";
import { googleErrorStatus } from "@/lib/google/errors.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { wakeWorkers } from "./push_wake.ts";

/** The webhook's path on WEBHOOK_URL. */
export const NOTIFICATIONS_PATH = "/api/google/notifications";
/** A channel this close to its expiry is replaced. */
export const RENEW_BEFORE_MS = 24 * 3600_000;
/** A channel with no message at all (not even its `sync`) this long after opening is replaced. */
export const SILENT_AFTER_MS = 5 * 60_000;

/** Messages refused (unknown channel or wrong token), since the process started. */
export const pushCounters = { rejected: 0, accepted: 0 };

/** Whether push is on: WEBHOOK_URL set (HTTPS in production; see lib/config.ts). */
export function pushEnabled(services: Services): boolean {
  return services.config.webhookUrl !== undefined;
}

function key(c: { account_id: string; calendar_id: string }): string {
  return `${c.account_id}\n${c.calendar_id}`;
}

/**
 * Brings the channels in line with the configs (of one user, or everyone's): opens one on each
 * watched calendar that has no healthy channel (a new one before the old is stopped, so there is
 * no gap), stops those no active config reads. Never throws: a failure is logged and retried on
 * the next call; polling covers the meantime.
 * @example await watchCalendars(services, user.id);
 */
export async function watchCalendars(
  services: Services,
  userId?: string,
  now = Date.now(),
  /** An account connected again: its channels are replaced (new first, then the old stopped). */
  opts: { reopenAccount?: string } = {},
): Promise<void> {
  if (!pushEnabled(services)) return;
  try {
    const wanted = await listWatchedCalendars(services.db, userId);
    const channels = await listPushChannels(services.db, userId);
    const wantedKeys = new Set(wanted.map(key));
    for (const cal of wanted) {
      const mine = channels.filter((c) => key(c) === key(cal));
      const reopen = cal.account_id === opts.reopenAccount;
      const healthy = reopen ? [] : mine.filter((c) => isHealthy(c, now));
      if (healthy.length === 0 && !(await openChannel(services, cal))) continue;
      const stale = mine.filter((c) => reopen || !isHealthy(c, now));
      for (const old of stale) await stopChannel(services, old);
    }
    for (const c of channels.filter((c) => !wantedKeys.has(key(c)))) await stopChannel(services, c);
  } catch (err) {
    log.warn("Could not update the push channels", { error: errorText(err) });
  }
}

/**
 * Stops the user's channels opened through one Google account, while its tokens still work:
 * before a disconnect deletes them.
 */
export async function stopChannelsOf(
  services: Services,
  userId: string,
  accountId: string,
): Promise<void> {
  if (!pushEnabled(services)) return;
  try {
    const channels = await listPushChannels(services.db, userId);
    for (const c of channels.filter((c) => c.account_id === accountId)) {
      await stopChannel(services, c);
    }
  } catch (err) {
    log.warn("Could not stop the push channels", { error: errorText(err) });
  }
}

/** Not about to expire, and not silent since it opened. */
function isHealthy(c: PushChannelRow, now: number): boolean {
  if (new Date(c.expires_at).getTime() - now < RENEW_BEFORE_MS) return false;
  return c.last_message_at !== null || now - new Date(c.created_at).getTime() < SILENT_AFTER_MS;
}

/** Opens a channel on the calendar; false (logged) when Google refused. */
async function openChannel(services: Services, cal: WatchedCalendar): Promise<boolean> {
  const id = crypto.randomUUID();
  // 32 random bytes: 43 characters (Google allows 256).
  const token = randomUrlToken(32);
  await insertPushChannel(services.db, {
    id,
    user_id: cal.user_id,
    account_id: cal.account_id,
    calendar_id: cal.calendar_id,
    resource_id: "",
    token_hash: await sha256Hex(token),
    expires_at: new Date(Date.now() + 7 * 86400_000),
  });
  try {
    const api = await getCalendarClient(services, cal.user_id, cal.account_id);
    const res = await api.events.watch({
      calendarId: cal.calendar_id,
      requestBody: {
        id,
        token,
        type: "web_hook",
        address: services.config.webhookUrl + NOTIFICATIONS_PATH,
      },
    });
    const expires = new Date(Number(res.data.expiration ?? Date.now() + 7 * 86400_000));
    await setPushChannelOpened(services.db, id, res.data.resourceId ?? "", expires);
    return true;
  } catch (err) {
    await deletePushChannel(services.db, id);
    log.warn("Could not open a push channel", {
      calendar_id: cal.calendar_id,
      error: errorText(err),
    });
    return false;
  }
}

/** channels.stop, then forgets the channel (also when Google no longer knows it). */
async function stopChannel(services: Services, c: PushChannelRow): Promise<void> {
  try {
    const api = await getCalendarClient(services, c.user_id, c.account_id);
    await api.channels.stop({ requestBody: { id: c.id, resourceId: c.resource_id } });
  } catch (err) {
    // 404: already gone at Google. Anything else: it expires by itself and its messages 404 here.
    if (googleErrorStatus(err) !== 404) {
      log.warn("Could not stop a push channel", { channel_id: c.id, error: errorText(err) });
    }
  }
  await deletePushChannel(services.db, c.id);
}

/** The headers of a Google push message the webhook reads. */
export interface PushMessage {
  channelId: string | null;
  token: string | null;
  state: string | null;
}

/**
 * Handles one push message: false (→ 404) for an unknown channel or a wrong token, compared in
 * constant time; `exists` marks the calendar's configs due now and wakes the workers.
 */
export async function receivePushMessage(services: Services, msg: PushMessage): Promise<boolean> {
  const channel = msg.channelId && msg.channelId.length <= 64
    ? await getPushChannel(services.db, msg.channelId)
    : undefined;
  const given = await sha256Hex(msg.token ?? "");
  const expected = channel?.token_hash ?? "0".repeat(64);
  const match = timingSafeEqual(
    new TextEncoder().encode(given),
    new TextEncoder().encode(expected),
  );
  if (!channel || !match) {
    pushCounters.rejected++;
    return false;
  }
  pushCounters.accepted++;
  const marked = await notePushMessage(services.db, channel, msg.state === "exists");
  if (marked > 0) await wakeWorkers(services.db);
  return true;
}

/** What a poll found: the config it ran, with its state before the run, and what changed. */
export interface PolledRun {
  config: {
    user_id: string;
    source_account_id: string | null;
    source_calendar_id: string;
    last_synced_at: Date | null;
  };
  changed: number;
}

/**
 * A run the poll made (not a message) found changes on a source whose channel has said nothing
 * since the previous run: the channel missed them, so it is replaced. Never throws.
 */
export async function replaceSilentChannels(services: Services, runs: PolledRun[]): Promise<void> {
  if (!pushEnabled(services)) return;
  for (const { config, changed } of runs) {
    if (changed === 0 || !config.last_synced_at || !config.source_account_id) continue;
    const since = new Date(config.last_synced_at).getTime();
    const channels = await listPushChannels(services.db, config.user_id).catch(() => []);
    const silent = channels.some((c) =>
      c.account_id === config.source_account_id && c.calendar_id === config.source_calendar_id &&
      new Date(c.created_at).getTime() < since &&
      (c.last_message_at === null || new Date(c.last_message_at).getTime() < since)
    );
    if (!silent) continue;
    log.warn("A push channel missed changes: replacing it", {
      calendar_id: config.source_calendar_id,
    });
    await watchCalendars(services, config.user_id, Date.now(), {
      reopenAccount: config.source_account_id,
    });
  }
}

/** A config's push state for the API and the dashboard. */
export interface PushStatus {
  status: "live" | "polling" | "error";
  expires_at: string | null;
  last_message_at: string | null;
}

/**
 * Each config's push state: `live` with a channel on its source, `error` when push is on but
 * the active config has none (it could not be opened), `polling` when push is off or paused.
 */
export async function pushStatuses(
  services: Services,
  userId: string,
  configs: {
    id: string;
    source_account_id: string | null;
    source_calendar_id: string;
    is_active: boolean;
  }[],
): Promise<Map<string, PushStatus>> {
  const out = new Map<string, PushStatus>();
  const channels = pushEnabled(services) ? await listPushChannels(services.db, userId) : [];
  for (const c of configs) {
    const ch = channels.filter((x) =>
      x.account_id === c.source_account_id && x.calendar_id === c.source_calendar_id
    )
      .sort((a, b) =>
        new Date(b.expires_at).getTime() - new Date(a.expires_at).getTime()
      )[0];
    const status = !pushEnabled(services) || !c.is_active ? "polling" : ch ? "live" : "error";
    out.set(c.id, {
      status,
      expires_at: ch ? new Date(ch.expires_at).toISOString() : null,
      last_message_at: ch?.last_message_at ? new Date(ch.last_message_at).toISOString() : null,
    });
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
