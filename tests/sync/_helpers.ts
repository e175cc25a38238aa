/** Shared setup of the sync tests: one database and one sandbox per test process. */
import assert from "node:assert/strict";
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { OAuth2Client } from "google-auth-library";
import type { Db } from "@/lib/db/mod.ts";
import { sharedTestDb } from "../_helpers.ts";
import { createUser } from "@/lib/db/users.ts";
import { createSyncConfig, type SyncConfigRow } from "@/lib/db/sync_configs.ts";
import { startSandbox } from "@/lib/sandbox/mod.ts";
import { withoutRetries } from "@/lib/google/clients.ts";
import { runSync, type RunSyncOptions, type SyncResult } from "@/lib/sync/engine.ts";
import { COPY_MARKERS } from "@/lib/sync/transform.ts";

export type Calendar = calendar_v3.Calendar;
export type Event = calendar_v3.Schema$Event;

export const DAY = 86_400_000;

/** The test database: the file's shared one (PGlite from the template, or DATABASE_URL). */
export function testDb(): Promise<Db> {
  return sharedTestDb();
}

export interface Sandboxed extends AsyncDisposable {
  url: string;
  close(): Promise<void>;
  control(path: string, body?: unknown, method?: string): Promise<unknown>;
  requests(): Promise<number>;
  clientFor(email: string): Calendar;
  addAccount(email: string, calendars: string[]): { email: string; calendars: { id: string }[] };
}

/** A sandbox with its quota lifted and no seed data. */
export async function testSandbox(quotaPerMinute = 1_000_000): Promise<Sandboxed> {
  const { url, sandbox, close } = await startSandbox({
    port: 0,
    dataFile: null,
    seed: false,
    quotaPerMinute,
  });
  const control = async (path: string, body?: unknown, method = "POST") => {
    const res = await fetch(`${url}_sandbox/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Sandbox control ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    close,
    [Symbol.asyncDispose]: close,
    control,
    async requests() {
      const res = await fetch(`${url}_sandbox/stats`);
      return (await res.json()).total as number;
    },
    clientFor(email: string) {
      // Sending as the app's clients do (lib/google/clients.ts): Deno's fetch, no gaxios retries.
      const auth = withoutRetries(new OAuth2Client());
      auth.setCredentials({
        access_token: sandbox.issueAccessToken(email),
        expiry_date: Date.now() + 365 * DAY,
      });
      return calendar({ version: "v3", rootUrl: url, auth, retry: false });
    },
    addAccount: (email, calendars) => sandbox.addAccount(email, calendars),
  };
}

export interface Pair {
  db: Db;
  sb: Sandboxed;
  source: Calendar;
  dest: Calendar;
  sourceCal: string;
  destCal: string;
  config: SyncConfigRow;
  sync(extra?: Partial<RunSyncOptions>): Promise<SyncResult>;
}

/** A user with a source and a destination account, one calendar each, and a config between them. */
export async function makePair(
  sb: Sandboxed,
  lookaheadDays = 30,
  direction: "one_way" | "two_way" = "one_way",
): Promise<Pair> {
  const db = await testDb();
  // Unique across isolates: files in parallel on one PostgreSQL made the same time-and-counter
  // name in the same millisecond, and the second user's registration failed.
  const n = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const src = sb.addAccount(`src-${n}@example.com`, [`Source ${n}`]);
  const dst = sb.addAccount(`dst-${n}@example.com`, [`Dest ${n}`]);
  const user = await createUser(db, `user-${n}@example.com`, "x");
  const config = await createSyncConfig(db, {
    user_id: user.id,
    source_calendar_id: src.calendars[0].id,
    dest_calendar_id: dst.calendars[0].id,
    sync_lookahead_days: lookaheadDays,
    direction,
  });
  const pair: Pair = {
    db,
    sb,
    source: sb.clientFor(src.email),
    dest: sb.clientFor(dst.email),
    sourceCal: src.calendars[0].id,
    destCal: dst.calendars[0].id,
    config,
    sync: (extra = {}) =>
      runSync({
        db,
        source: pair.source,
        dest: pair.dest,
        config,
        trigger: "manual",
        retry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 8 },
        ...extra,
      }),
  };
  return pair;
}

/** Runs `fn` on a fresh pair over a sandbox of its own, closed afterwards whatever happens. */
export async function withPair(
  fn: (p: Pair, sb: Sandboxed) => Promise<void>,
  lookaheadDays?: number,
): Promise<void> {
  const sb = await testSandbox();
  try {
    await fn(await makePair(sb, lookaheadDays), sb);
  } finally {
    await sb.close();
  }
}

/** Every event of a calendar (masters, exceptions), not expanded, cancelled included or not. */
export async function listRaw(cal: Calendar, calendarId: string, showDeleted = false) {
  const items: Event[] = [];
  let pageToken: string | undefined;
  do {
    const res = await cal.events.list({ calendarId, showDeleted, maxResults: 2500, pageToken });
    items.push(...(res.data.items ?? []));
    pageToken = res.data.nextPageToken ?? undefined;
  } while (pageToken);
  return items;
}

/** The instances of a calendar over [from, to), expanded (singleEvents=true), ordered by start. */
export async function expanded(cal: Calendar, calendarId: string, from: Date, to: Date) {
  const items: Event[] = [];
  let pageToken: string | undefined;
  do {
    const res = await cal.events.list({
      calendarId,
      singleEvents: true,
      orderBy: "startTime",
      timeMin: from.toISOString(),
      timeMax: to.toISOString(),
      maxResults: 2500,
      pageToken,
    });
    items.push(...(res.data.items ?? []));
    pageToken = res.data.nextPageToken ?? undefined;
  } while (pageToken);
  return items;
}

function timeKey(t: calendar_v3.Schema$EventDateTime | undefined) {
  if (t?.date) return { date: t.date };
  return { instant: new Date(t?.dateTime ?? "").toISOString(), timeZone: t?.timeZone ?? null };
}

/** The fields the copy must match, in a form that compares with deepEqual. */
export function comparable(ev: Event) {
  const reminders = ev.reminders;
  return {
    summary: ev.summary ?? null,
    description: ev.description ?? null,
    location: ev.location ?? null,
    start: timeKey(ev.start),
    end: timeKey(ev.end),
    transparency: ev.transparency ?? "opaque",
    visibility: ev.visibility ?? "default",
    colorId: ev.colorId ?? null,
    attendees: ev.attendees?.length ?? 0,
    attachments: ev.attachments?.length ?? 0,
    remindersOff: reminders?.useDefault === false && !reminders.overrides?.length,
    marked: Boolean(ev.extendedProperties?.shared?.[COPY_MARKERS.sourceId]),
  };
}

type Comparable = ReturnType<typeof comparable>;

const BUSY_TITLES: Record<string, string> = {
  outOfOffice: "Out of office",
  focusTime: "Focus time",
};

/**
 * The copy of one source event or instance as the copy rules say it must look, written here
 * apart from `transformEvent` so that the mirror checks do not trust the code they check:
 * summary, description, location, times, transparency, visibility and colour copied; never
 * attendees or attachments; reminders off; marked with its source id. Cancelled events, our own
 * copies and event types other than default, out of office and focus time have no copy; the
 * last two are copied as busy time under their title.
 */
export function expectedCopy(ev: Event): Comparable | undefined {
  const shared = ev.extendedProperties?.shared;
  if (ev.status === "cancelled" || shared?.cal_sync_config_id || shared?.sync_cluster_id) {
    return undefined;
  }
  const type = ev.eventType ?? "default";
  const busy = Object.hasOwn(BUSY_TITLES, type);
  if (!busy && type !== "default") return undefined;
  return {
    summary: busy ? ev.summary || BUSY_TITLES[type] : ev.summary ?? null,
    description: busy ? null : ev.description || null,
    location: busy ? null : ev.location || null,
    start: timeKey(ev.start),
    end: timeKey(ev.end),
    transparency: busy ? "opaque" : ev.transparency ?? "opaque",
    visibility: busy ? "default" : ev.visibility ?? "default",
    colorId: busy ? null : ev.colorId ?? null,
    attendees: 0,
    attachments: 0,
    remindersOff: true,
    marked: true,
  };
}

function sortKey(x: Comparable) {
  return JSON.stringify([x.start, x.end, x.summary, x.description]);
}

/** A copy as busy mode shows it (default busy title): only the times and the transparency. */
export function asBusy(c: Comparable): Comparable {
  return { ...c, summary: "Busy", description: null, location: null, visibility: "private" };
}

/**
 * What the destination must show for a list of source instances: the copy rules applied (`as`
 * applies the config's options on top, e.g. `asBusy`).
 */
export function expectedCopies(sourceInstances: Event[], as = (c: Comparable) => c) {
  const out = sourceInstances.map(expectedCopy).filter((c) => c !== undefined).map(as);
  return out.sort((a, b) => sortKey(a) < sortKey(b) ? -1 : 1);
}

/** The destination's instances in comparable form, sorted like `expectedCopies`. */
export function actualCopies(destInstances: Event[]) {
  return destInstances.map(comparable).sort((a, b) => sortKey(a) < sortKey(b) ? -1 : 1);
}

/** Source and destination expanded over [now, now + days), as expected and actual copies. */
export async function mirrorOf(p: Pair, now: Date, days: number) {
  const to = new Date(now.getTime() + days * DAY);
  const [s, d] = await Promise.all([
    expanded(p.source, p.sourceCal, now, to),
    expanded(p.dest, p.destCal, now, to),
  ]);
  return { expected: expectedCopies(s), actual: actualCopies(d), source: s, dest: d };
}

/** How far ahead an endless series is compared. */
export const SERIES_HORIZON_DAYS = 400;

/** The instances of one series over [from, to) (to undefined: to the series' end), expanded by the calendar itself. */
export async function instancesOf(
  cal: Calendar,
  calendarId: string,
  eventId: string,
  from: Date,
  to?: Date,
): Promise<Event[]> {
  const items: Event[] = [];
  let pageToken: string | undefined;
  do {
    const res = await cal.events.instances({
      calendarId,
      eventId,
      timeMin: from.toISOString(),
      timeMax: to?.toISOString(),
      maxResults: 2500,
      pageToken,
    });
    items.push(...(res.data.items ?? []));
    pageToken = res.data.nextPageToken ?? undefined;
  } while (pageToken);
  return items;
}

function endless(series: Event): boolean {
  return (series.recurrence ?? []).some((line) =>
    /^RRULE:/i.test(line) && !/[:;](COUNT|UNTIL)=/i.test(line)
  );
}

/**
 * Every series copy in the destination next to its source series, both expanded by the sandbox
 * from `now` to the series' end (SERIES_HORIZON_DAYS ahead for an endless one): what a person
 * scrolling months ahead sees on each side. An exception whose occurrence the copy's rule lacks
 * is copied as an event of its own, so it counts with its series.
 */
export async function seriesMirrorOf(
  p: Pair,
  now: Date,
  key?: string,
  as?: (c: Comparable) => Comparable,
) {
  // Two-way: a calendar also holds originals and the other direction's copies; `key` picks one.
  const copies = (await listRaw(p.dest, p.destCal)).filter((ev) =>
    key === undefined || ev.extendedProperties?.shared?.[COPY_MARKERS.configId] === key
  );
  const sourceIdOf = (ev: Event) => ev.extendedProperties?.shared?.[COPY_MARKERS.sourceId] ?? "";
  const out = [];
  for (const copy of copies) {
    if (!copy.recurrence?.length || copy.recurringEventId) continue;
    const sourceId = sourceIdOf(copy);
    const source = (await p.source.events.get({ calendarId: p.sourceCal, eventId: sourceId })
      .catch(() => undefined))?.data;
    const live = source && source.status !== "cancelled" ? source : undefined;
    const to = live && !endless(live)
      ? undefined
      : new Date(now.getTime() + SERIES_HORIZON_DAYS * DAY);
    const s = live ? await instancesOf(p.source, p.sourceCal, sourceId, now, to) : [];
    const d = await instancesOf(p.dest, p.destCal, copy.id!, now, to);
    const loose = copies.filter((ev) => {
      if (ev.recurrence?.length || ev.recurringEventId) return false;
      if (!sourceIdOf(ev).startsWith(`${sourceId}_`)) return false;
      const start = Date.parse(ev.start?.dateTime ?? `${ev.start?.date}T00:00:00Z`);
      const end = Date.parse(ev.end?.dateTime ?? `${ev.end?.date}T00:00:00Z`);
      return end > now.getTime() && (!to || start < to.getTime());
    });
    out.push({
      sourceId,
      summary: copy.summary,
      expected: expectedCopies(s, as),
      actual: actualCopies([...d, ...loose]),
    });
  }
  return out;
}

/** Asserts that every copied series shows, from now to its end, exactly what its source shows. */
export async function assertSeriesMirror(
  p: Pair,
  now: Date,
  step: string,
  key?: string,
  as?: (c: Comparable) => Comparable,
) {
  const series = await seriesMirrorOf(p, now, key, as);
  for (const x of series) {
    assert.deepEqual(x.actual, x.expected, `${step}: series "${x.summary}" (${x.sourceId})`);
  }
  return series;
}

/** An RFC 3339 time `days` (fractional) from now, whole minutes, UTC. */
export function at(days: number, base = Date.now()): string {
  const t = Math.floor((base + days * DAY) / 60_000) * 60_000;
  return new Date(t).toISOString();
}

/** Inserts a source event. */
export async function addEvent(p: Pair, body: Event): Promise<Event> {
  const res = await p.source.events.insert({ calendarId: p.sourceCal, requestBody: body });
  return res.data;
}
