/** The sandbox's state holder: accounts, calendars, tokens, persistence, quota, faults and stats. */
import {
  type AccessRole,
  type Account,
  type Calendar,
  emptyState,
  randomId,
  randomToken,
  type State,
  type StoredEvent,
} from "./_state.ts";

export const ACCESS_TOKEN_SECONDS = 3599;
export const DEFAULT_QUOTA_PER_MINUTE = 600;

export interface Faults {
  latency_ms?: number;
  fail_every?: { n: number; status: number; reason?: string };
  error_rate?: { rate: number; status: number; reason?: string };
  /** Inserts, updates and patches whose body's summary starts with the prefix get this error. */
  reject_writes?: { summary_prefix: string; status: number; reason?: string };
  quota_per_minute?: number;
  /** 403 (default) or 429 for quota rejections. */
  quota_status?: 403 | 429;
  /** A share of events.list pages comes back short or empty while more remain. */
  sparse_pages?: { rate: number };
  /** showDeleted listings keep cancelled events' details (Google's organizer-calendar shape). */
  full_tombstones?: boolean;
}

export interface Channel {
  id: string;
  resourceId: string;
  resourceUri: string;
  calendarId: string;
  address: string;
  token?: string;
  expiration: number;
  messageNumber: number;
  queue?: Promise<void>;
}

const COLORS: [string, string][] = [
  ["#9fe1e7", "#000000"],
  ["#7bd148", "#000000"],
  ["#f83a22", "#000000"],
  ["#4986e7", "#000000"],
  ["#ffad46", "#000000"],
  ["#9a9cff", "#000000"],
];

export class Store {
  state: State;
  faults: Faults = {};
  quotaWindows = new Map<string, number[]>();
  stats = {
    since: "",
    requests: {} as Record<string, number>,
    byMethod: {} as Record<string, number>,
    oauth: {} as Record<string, number>,
    quotaRejections: 0,
    injectedFaults: 0,
    sparsePages: 0,
    bytesSent: 0,
    bytesSentByAccount: {} as Record<string, number>,
  };
  channels = new Map<string, Channel>();
  /** Lets events.watch take http:// addresses (Google takes only https). */
  allowHttpWebhooks = false;
  requestCounter = 0;
  /** Called after any change to a calendar's events (push channels listen here). */
  onChange?: (calendarId: string) => void;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #pending = new Set<Promise<unknown>>();

  constructor(
    readonly dataFile: string | null,
    readonly now: () => Date,
    readonly defaultQuota: number,
  ) {
    this.state = emptyState();
    this.stats.since = now().toISOString();
  }

  /** Loads the data file; false when there is none (or it is unreadable). */
  load(): boolean {
    if (!this.dataFile) return false;
    try {
      const text = Deno.readTextFileSync(this.dataFile);
      this.state = JSON.parse(text) as State;
      return true;
    } catch {
      return false;
    }
  }

  /** Schedules a save of the state to the data file. */
  changed(): void {
    if (!this.dataFile || this.#saveTimer !== undefined) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      this.saveNow();
    }, 200);
  }

  saveNow(): void {
    if (!this.dataFile) return;
    const dir = this.dataFile.replace(/[/\\][^/\\]*$/, "");
    if (dir && dir !== this.dataFile) Deno.mkdirSync(dir, { recursive: true });
    const tmp = `${this.dataFile}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(this.state));
    Deno.renameSync(tmp, this.dataFile);
  }

  /** Tracks a background promise (push deliveries) so close() can wait for it. */
  track(p: Promise<unknown>): void {
    this.#pending.add(p);
    p.finally(() => this.#pending.delete(p));
  }

  async close(): Promise<void> {
    if (this.#saveTimer !== undefined) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = undefined;
      this.saveNow();
    }
    await Promise.allSettled([...this.#pending]);
  }

  /** Zeroes the counters of `GET /_sandbox/stats`; quota windows and faults are left alone. */
  resetCounters(): void {
    this.stats = {
      since: this.now().toISOString(),
      requests: {},
      byMethod: {},
      oauth: {},
      quotaRejections: 0,
      injectedFaults: 0,
      sparsePages: 0,
      bytesSent: 0,
      bytesSentByAccount: {},
    };
  }

  /** Zeroes the counters, the quota windows and the fault request counter. */
  resetStats(): void {
    this.resetCounters();
    this.quotaWindows.clear();
    this.requestCounter = 0;
  }

  nextSeq(): number {
    return ++this.state.seq;
  }

  // ── accounts and calendars ───────────────────────────────────────────────

  addAccount(email: string, summaries: string[]): Account {
    const key = email.toLowerCase();
    let account = this.state.accounts[key];
    if (!account) {
      const local = key.split("@")[0];
      account = {
        email: key,
        sub: String(
          100000000000000000000n + BigInt(Object.keys(this.state.accounts).length + 1) *
              7919n +
            BigInt(Math.floor(Math.random() * 1e9)),
        ),
        name: local.charAt(0).toUpperCase() + local.slice(1),
        calendarIds: [],
      };
      this.state.accounts[key] = account;
    }
    for (const summary of summaries) {
      const primary = account.calendarIds.length === 0;
      this.addCalendar({
        id: primary ? key : `${randomId(26)}@group.calendar.google.com`,
        summary,
        access: { [key]: "owner" },
        primaryOf: primary ? key : undefined,
      });
    }
    this.changed();
    return account;
  }

  addCalendar(
    opts: {
      id: string;
      summary: string;
      access: Record<string, AccessRole>;
      primaryOf?: string;
      timeZone?: string;
      description?: string;
    },
  ): Calendar {
    const n = Object.keys(this.state.calendars).length;
    const [bg, fg] = COLORS[n % COLORS.length];
    const cal: Calendar = {
      id: opts.id,
      summary: opts.summary,
      description: opts.description,
      timeZone: opts.timeZone ?? "Europe/Berlin",
      colorId: String((n % 24) + 1),
      backgroundColor: bg,
      foregroundColor: fg,
      primaryOf: opts.primaryOf,
      access: opts.access,
      tokenGeneration: 1,
      events: {},
      order: [],
    };
    this.state.calendars[cal.id] = cal;
    for (const email of Object.keys(opts.access)) {
      const account = this.state.accounts[email];
      if (account && !account.calendarIds.includes(cal.id)) account.calendarIds.push(cal.id);
    }
    this.changed();
    return cal;
  }

  /** The calendar as seen by `email` (`primary` resolves), or undefined when not visible. */
  calendarFor(email: string, calendarId: string): Calendar | undefined {
    const id = calendarId === "primary" ? email : calendarId;
    const cal = this.state.calendars[id] ?? this.state.calendars[id.toLowerCase()];
    if (!cal || !cal.access[email]) return undefined;
    return cal;
  }

  /** Puts an event into a calendar, stamping its change sequence. */
  putEvent(cal: Calendar, ev: StoredEvent): void {
    ev._seq = this.nextSeq();
    if (!cal.events[ev.id]) cal.order.push(ev.id);
    cal.events[ev.id] = ev;
    this.changed();
  }

  // ── tokens ───────────────────────────────────────────────────────────────

  issueAccessToken(
    email: string,
    opts: { grantId?: string | null; clientId?: string; scope?: string } = {},
  ): string {
    const token = `ya29.sandbox-${randomToken(32)}`;
    this.state.accessTokens[token] = {
      grantId: opts.grantId ?? null,
      email: email.toLowerCase(),
      clientId: opts.clientId ?? "sandbox",
      scope: opts.scope ?? "https://www.googleapis.com/auth/calendar",
      expiresAt: this.now().getTime() + ACCESS_TOKEN_SECONDS * 1000,
    };
    this.pruneTokens();
    this.changed();
    return token;
  }

  /** The account of a valid bearer token, or undefined. */
  accountForToken(token: string): { email: string; scope: string; clientId: string } | undefined {
    const t = this.state.accessTokens[token];
    if (!t || t.expiresAt <= this.now().getTime()) return undefined;
    if (t.grantId && this.state.grants[t.grantId]?.revoked) return undefined;
    if (!this.state.accounts[t.email]) return undefined;
    return t;
  }

  /** Revokes every grant and token of an account. */
  revokeAccount(email: string): void {
    const key = email.toLowerCase();
    for (const g of Object.values(this.state.grants)) if (g.email === key) g.revoked = true;
    for (const [tok, t] of Object.entries(this.state.accessTokens)) {
      if (t.email === key) delete this.state.accessTokens[tok];
    }
    this.changed();
  }

  pruneTokens(): void {
    const now = this.now().getTime();
    for (const [tok, t] of Object.entries(this.state.accessTokens)) {
      if (t.expiresAt < now - 86400000) delete this.state.accessTokens[tok];
    }
    for (const [code, c] of Object.entries(this.state.codes)) {
      if (c.expiresAt < now) delete this.state.codes[code];
    }
  }

  // ── quota, faults, stats ─────────────────────────────────────────────────

  quotaPerMinute(): number {
    return this.faults.quota_per_minute ?? this.defaultQuota;
  }

  /** Charges `cost` units to the account; false when the sliding minute is full. */
  chargeQuota(email: string, cost: number): boolean {
    const now = this.now().getTime();
    const window = (this.quotaWindows.get(email) ?? []).filter((t) => t > now - 60000);
    if (window.length + cost > this.quotaPerMinute()) {
      this.quotaWindows.set(email, window);
      this.stats.quotaRejections++;
      return false;
    }
    for (let i = 0; i < cost; i++) window.push(now);
    this.quotaWindows.set(email, window);
    return true;
  }

  /** Counts a Calendar API request by method name (`events.list`) and HTTP method. */
  count(route: string, method: string): void {
    this.stats.requests[route] = (this.stats.requests[route] ?? 0) + 1;
    this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
  }

  /** Counts the body bytes of a Calendar API response, overall and for the caller's account. */
  countBytes(email: string | undefined, bytes: number): void {
    this.stats.bytesSent += bytes;
    if (email) {
      this.stats.bytesSentByAccount[email] = (this.stats.bytesSentByAccount[email] ?? 0) + bytes;
    }
  }

  /** Counts an OAuth endpoint request (`POST /token`). */
  countOAuth(key: string): void {
    this.stats.oauth[key] = (this.stats.oauth[key] ?? 0) + 1;
  }
}
