/**
 * The sync engine: read the source's changes → plan against `event_mappings` → write the
 * destination with bounded concurrency → record mappings as writes succeed → log the run.
 */
import type { calendar_v3 } from "@googleapis/calendar";
import type { Db } from "../db/mod.ts";
import {
  getSyncConfigOfAnyUser,
  recordSyncOutcome,
  saveSyncCursor,
  type SyncConfigRow,
} from "../db/sync_configs.ts";
import {
  deleteEventMapping,
  deleteSeriesInstanceMappings,
  type EventMapping,
  listEventMappings,
  upsertEventMapping,
} from "../db/event_mappings.ts";
import {
  finishSyncLog,
  INTERRUPTED_MESSAGE,
  startSyncLog,
  type SyncFailure,
  type SyncLogOutcome,
  type SyncStatus,
  type SyncTrigger,
} from "../db/sync_logs.ts";
import {
  googleErrorReason,
  googleErrorStatus,
  rateLimiterFor,
  type RetryOptions,
  withRetry,
} from "../google/retry.ts";
import { failureReason } from "./failure_reason.ts";
import { EVENT_LIST_FIELDS, SOURCE_EVENT_FIELDS, WRITTEN_COPY_FIELDS } from "../google/fields.ts";
import { contentHash, destEventId, syncClusterId } from "./ids.ts";
import {
  type HeldSyncLease,
  SyncInProgressError,
  SyncLeaseLostError,
  withSyncLease,
} from "./lease.ts";
import { instanceKey, transformEvent } from "./transform.ts";
import { instantOf, overlaps, seriesEnd, seriesOverlaps, spanOf } from "./window.ts";

type Event = calendar_v3.Schema$Event;

export type { SyncFailure, SyncStatus, SyncTrigger };
export { SyncInProgressError };

/** One planned write, as `--dry-run` prints it. */
export interface PlannedChange {
  action: "create" | "update" | "delete";
  source_event_id: string;
  dest_event_id: string;
  summary?: string;
  start?: string;
  end?: string;
}

/** What a run did: the counts its log row records, and the log row itself. */
export interface SyncResult extends Omit<SyncLogOutcome, "window_end" | "status"> {
  /** How the run ended (an interrupted run throws instead of returning). */
  status: SyncStatus;
  /** The `sync_logs` row; null for a dry run. */
  sync_log_id: string | null;
  /** Only for dry runs: what a real run would write. */
  plan?: PlannedChange[];
}

export interface RunSyncOptions {
  db: Db;
  source: calendar_v3.Calendar;
  dest: calendar_v3.Calendar;
  config: SyncConfigRow;
  trigger: SyncTrigger;
  now?: Date;
  /** Writes in flight at once (default 8). */
  concurrency?: number;
  /** Requests per minute per Google account (default 600). */
  quotaPerMinute?: number;
  dryRun?: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** The config's run lease, when the caller holds it; otherwise the run takes it itself. */
  lease?: HeldSyncLease;
  /** Backoff settings (tests shorten them). */
  retry?: Pick<RetryOptions, "maxAttempts" | "baseDelayMs" | "maxDelayMs">;
  /**
   * Ask Google for only the fields the engine reads (`fields=`, default true). Off only to
   * measure what the masks save (`deno task bench`).
   */
  partialResponses?: boolean;
}

const DAY = 86_400_000;
/** The window reaches this far past now + lookahead, so runs close together list no new slice. */
const WINDOW_SLACK_MS = 3_600_000;
const HASH_PENDING = "pending";
const HASH_DELETED = "deleted";
const HASH_CANCELLED = "cancelled";
/**
 * Appended to a series copy's hash until its exceptions are written too: a run killed in
 * between leaves the series looking changed, so the next run writes it and its exceptions again.
 */
const EXCEPTIONS_PENDING = "+exceptions-pending";
const LIST_PAGE = 2500;

class NeedsReconnect extends Error {
  override name = "NeedsReconnect";
}

class SourceGone extends Error {}

function needsReconnect(err: unknown): boolean {
  // deno-lint-ignore no-explicit-any
  const name = (err as any)?.name;
  return name === "NeedsReconnectError" || name === "NeedsReconnect" ||
    googleErrorStatus(err) === 401 || googleErrorReason(err) === "invalid_grant";
}

function isAbortError(err: unknown, signal?: AbortSignal): boolean {
  // deno-lint-ignore no-explicit-any
  return Boolean(signal?.aborted) || (err as any)?.name === "AbortError";
}

/** Describes the copy that a mapping may point at. */
function copyMayExist(m: EventMapping | undefined): m is EventMapping {
  return m !== undefined && m.content_hash !== HASH_DELETED;
}

interface WriteOp {
  kind: "insert" | "update";
  source: Event;
  sourceId: string;
  destId: string;
  body: Event;
  hash: string;
  cluster: string;
  generation: number;
}

type Op =
  | WriteOp
  | { kind: "delete"; sourceId: string; destId: string; summary?: string; forget: boolean }
  | {
    kind: "instance";
    source: Event;
    sourceId: string;
    masterSourceId: string;
    key: string;
    body: Event;
    hash: string;
    cluster: string;
  }
  | {
    kind: "cancelInstance";
    source: Event;
    sourceId: string;
    masterSourceId: string;
    key: string;
  };

/**
 * Runs one sync of `config` from `source` to `dest`. Holds the config's run lease (the caller's,
 * or one it takes: SyncInProgressError when another run holds it), records one `sync_logs` row,
 * and returns the counts. Never throws for Google errors: they end up in the result's status and
 * failures. A run whose lease is lost stops, is logged as interrupted, and throws.
 */
export async function runSync(opts: RunSyncOptions): Promise<SyncResult> {
  if (opts.dryRun) return await runLeased(opts);
  if (opts.lease) return await runLeased(opts, opts.lease);
  return await withSyncLease(opts.db, opts.config.id, {}, (lease) => runLeased(opts, lease));
}

async function runLeased(opts: RunSyncOptions, lease?: HeldSyncLease): Promise<SyncResult> {
  const signals = [opts.signal, lease?.signal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  const config = (await getSyncConfigOfAnyUser(opts.db, opts.config.id)) ?? opts.config;
  return await new SyncRun({ ...opts, signal }, config, opts.dryRun ?? false).run();
}

class SyncRun {
  readonly started = Date.now();
  readonly now: number;
  readonly concurrency: number;
  apiCalls = 0;
  created = 0;
  updated = 0;
  deleted = 0;
  skipped = 0;
  /** Copies written over or deleted although someone had edited them in the destination. */
  overwritten = 0;
  failures: SyncFailure[] = [];
  reconnect = false;
  mappings = new Map<string, EventMapping>();
  plan: PlannedChange[] = [];
  /** Exceptions of a series whose copy is rewritten: they are written again whatever their hash. */
  rewrittenSeriesInstances = new Set<string>();
  /** Series written in this run, by source id, with the hash they settle on once done. */
  seriesAwaitingExceptions = new Map<string, string>();
  done = 0;
  total = 0;

  constructor(
    readonly opts: RunSyncOptions,
    readonly config: SyncConfigRow,
    readonly dryRun: boolean,
  ) {
    this.now = (opts.now ?? new Date()).getTime();
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
  }

  /** A Google call through the one retry layer and the account's rate limiter, counted. */
  call<T>(side: "source" | "dest", fn: (o: { retry: false }) => Promise<T>) {
    const quota = this.opts.quotaPerMinute ?? 600;
    const account = side === "source" ? "source" : "destination";
    const limiter = rateLimiterFor(`${this.config.user_id}:${account}`, quota);
    const signal = this.opts.signal;
    // The signal is checked before each request (withRetry), not handed to gaxios: aborting a
    // response body mid-stream surfaces as an unhandled error inside node-fetch. An answer that
    // arrives after the abort is still used, so a write Google took is recorded with its etag;
    // dropped, the next run would take its own write for an edit made in the destination.
    return withRetry(() => fn({ retry: false }), {
      ...this.opts.retry,
      signal,
      beforeAttempt: async () => {
        await limiter.acquire(signal);
        this.apiCalls++;
      },
    });
  }

  /** The `fields=` parameter of a request, unless partial responses are turned off. */
  mask(fields: string): { fields?: string } {
    return this.opts.partialResponses === false ? {} : { fields };
  }

  async run(): Promise<SyncResult> {
    const { db, config } = { db: this.opts.db, config: this.config };
    const target = this.now + config.sync_lookahead_days * DAY;
    const storedEnd = config.window_end ? new Date(config.window_end).getTime() : null;
    let full = !config.sync_token || storedEnd === null || storedEnd > target + WINDOW_SLACK_MS;
    const windowEnd = full || storedEnd! < target ? target + WINDOW_SLACK_MS : storedEnd!;
    let logId: string | null = null;
    if (!this.dryRun) {
      logId = await startSyncLog(db, {
        config_id: config.id,
        user_id: config.user_id,
        trigger: this.opts.trigger,
        started_at: new Date(this.now),
        window_start: new Date(this.now),
        window_end: new Date(windowEnd),
      });
    }
    let error: string | null = null;
    let fatal = false;
    let aborted = false;
    try {
      for (const m of await listEventMappings(db, config.id)) {
        this.mappings.set(m.source_event_id, m);
      }
      let listing: { items: Event[]; syncToken: string | null } | undefined;
      let slice: Event[] = [];
      if (!full) {
        try {
          listing = await this.listChanges(config.sync_token!);
        } catch (err) {
          if (googleErrorStatus(err) !== 410) throw err;
          full = true;
        }
        if (listing && storedEnd! < windowEnd) {
          slice = (await this.listWindow(storedEnd!, windowEnd)).items;
        }
      }
      if (full) listing = await this.listWindow(this.now, windowEnd);
      const ops = await this.planRun(listing!.items, slice, full, windowEnd);
      if (this.dryRun) {
        this.describePlan(ops);
      } else {
        this.total = ops.first.length;
        await this.applyAll(ops.first);
        await this.applyAll(await this.planInstances(ops.instances));
        await this.settleSeries();
        // An event that failed is not among the next run's changes: keep the old cursor so that
        // the next run lists it again and retries it, rather than report success without it.
        if (!this.reconnect && this.failures.length === 0) {
          await saveSyncCursor(db, config.id, {
            sync_token: listing!.syncToken,
            window_end: new Date(windowEnd),
          });
        }
      }
    } catch (err) {
      if (isAbortError(err, this.opts.signal)) {
        aborted = true;
        error = "Sync was interrupted";
      } else if (needsReconnect(err)) {
        this.reconnect = true;
      } else {
        fatal = true;
        error = failureReason(err, { config_id: config.id });
      }
    }
    const failed = this.failures.length;
    const status: SyncStatus = this.reconnect
      ? "needs_reconnect"
      : fatal || aborted
      ? "failed"
      : failed > 0
      ? "partial"
      : "success";
    if (this.reconnect) {
      error = "The Google account must be reconnected: access was revoked or expired";
    } else if (!error && failed > 0) {
      error = `${failed} event${failed === 1 ? "" : "s"} could not be copied`;
    }
    const result: SyncResult = {
      sync_log_id: logId,
      status,
      events_created: this.created,
      events_updated: this.updated,
      events_deleted: this.deleted,
      events_skipped: this.skipped,
      events_failed: failed,
      events_overwritten: this.overwritten,
      api_calls: this.apiCalls,
      duration_ms: Date.now() - this.started,
      error,
      failures: this.failures,
    };
    if (this.dryRun) {
      result.plan = this.plan;
    } else {
      // A run that lost its lease was cut short like one whose process died: say so alike.
      const leaseLost = aborted && this.opts.signal?.reason instanceof SyncLeaseLostError;
      await finishSyncLog(db, logId!, {
        ...result,
        ...(leaseLost ? { status: "interrupted", error: INTERRUPTED_MESSAGE } : {}),
        window_end: new Date(windowEnd),
      });
      await recordSyncOutcome(db, config.id, {
        status,
        error,
        finished_at: new Date(),
      });
    }
    if (aborted) this.opts.signal?.throwIfAborted();
    return result;
  }

  // ── reading the source ────────────────────────────────────────────────────

  /** Every page of one source listing, and the sync token its last page carries. */
  async listSource(params: calendar_v3.Params$Resource$Events$List) {
    const items: Event[] = [];
    let pageToken: string | undefined;
    for (;;) {
      const res = await this.call("source", (o) =>
        this.opts.source.events.list({
          calendarId: this.config.source_calendar_id,
          pageToken,
          maxResults: LIST_PAGE,
          ...this.mask(EVENT_LIST_FIELDS),
          ...params,
        }, o));
      items.push(...(res.data.items ?? []));
      if (!res.data.nextPageToken) return { items, syncToken: res.data.nextSyncToken ?? null };
      pageToken = res.data.nextPageToken;
    }
  }

  listChanges(syncToken: string) {
    return this.listSource({ syncToken, singleEvents: false });
  }

  listWindow(from: number, to: number) {
    return this.listSource({
      timeMin: new Date(from).toISOString(),
      timeMax: new Date(to).toISOString(),
      singleEvents: false,
      showDeleted: false,
    });
  }

  // ── planning ──────────────────────────────────────────────────────────────

  inWindow(ev: Event, windowEnd: number): boolean {
    return ev.recurrence?.length && !ev.recurringEventId
      ? seriesOverlaps(ev, this.now, windowEnd)
      : overlaps(ev, this.now, windowEnd);
  }

  /** Plans the series and single events; instances are planned after their series is written. */
  async planRun(changes: Event[], slice: Event[], full: boolean, windowEnd: number) {
    const byId = new Map<string, Event>();
    for (const ev of [...slice, ...changes]) if (ev.id) byId.set(ev.id, ev);
    const first: Op[] = [];
    const instances: Event[] = [];
    const planned = new Set<string>();
    /** The series planned in this run, by source id. */
    const series = new Map<string, Event>();
    const neededMasters = new Set<string>();
    for (const ev of byId.values()) {
      if (ev.recurringEventId) {
        instances.push(ev);
        continue;
      }
      const op = await this.planEvent(ev, windowEnd);
      planned.add(ev.id!);
      if (ev.recurrence?.length && ev.status !== "cancelled") series.set(ev.id!, ev);
      if (op) first.push(op);
    }
    // An instance in the window needs its series copied even when the series itself is not.
    const opFor = new Map(first.map((op) => [op.sourceId, op]));
    for (const ev of instances) {
      const masterId = ev.recurringEventId!;
      if (ev.status === "cancelled" || !this.instanceInWindow(ev, windowEnd)) continue;
      const op = opFor.get(masterId);
      const mapping = this.mappings.get(masterId);
      const hasCopy = op
        ? op.kind !== "delete"
        : copyMayExist(mapping) && mapping.content_hash !== HASH_PENDING;
      // A full listing leaves out a series whose own occurrences are all outside the window:
      // fetch it, or the ghost sweep below would take the copy its exceptions live on.
      if (!hasCopy || (full && !byId.has(masterId))) neededMasters.add(masterId);
    }
    for (const masterId of neededMasters) {
      let master = byId.get(masterId);
      if (!master) {
        try {
          const res = await this.call("source", (o) =>
            this.opts.source.events.get({
              calendarId: this.config.source_calendar_id,
              eventId: masterId,
              ...this.mask(SOURCE_EVENT_FIELDS),
            }, o));
          master = res.data;
        } catch (err) {
          if (googleErrorStatus(err) !== 404 && googleErrorStatus(err) !== 410) throw err;
          continue;
        }
      }
      if (master.status === "cancelled") continue;
      const op = await this.planEvent(master, windowEnd, true);
      planned.add(masterId);
      series.set(masterId, master);
      const previous = first.findIndex((o) => o.sourceId === masterId);
      if (previous >= 0) first.splice(previous, 1);
      if (op) first.push(op);
    }
    if (full) {
      // No ghosts: a copy whose source is no longer listed in the window goes.
      for (const m of this.mappings.values()) {
        if (m.source_recurring_id || planned.has(m.source_event_id) || !copyMayExist(m)) continue;
        if (m.event_end && new Date(m.event_end).getTime() <= this.now) continue;
        first.push({
          kind: "delete",
          sourceId: m.source_event_id,
          destId: m.dest_event_id,
          forget: false,
        });
      }
    }
    // A series copy carries all its source's exceptions from now on, wherever they fall: the
    // window decides which events are copied, not how much of a copied series is true. A full
    // listing shows only the exceptions inside the window, so every series it keeps a copy of has
    // its exceptions listed; an incremental listing already holds every change, so only a series
    // whose copy is written is listed (its untouched exceptions must be written again, and a new
    // rule can give an exception that was copied standalone its occurrence back, or take it away).
    // One request per series: by iCalUID, the series and its exceptions only, at any time. Cheaper
    // than its instances (every occurrence, to be told apart from exceptions, and only up to a
    // horizon), and unlike a listing without timeMax it also finds an occurrence moved into the
    // past, whose own time no longer reaches the window.
    const opBySource = new Map(first.map((op) => [op.sourceId, op]));
    for (const [masterId, master] of series) {
      const op = opBySource.get(masterId);
      const rewrite = op?.kind === "insert" || op?.kind === "update";
      const mapping = this.mappings.get(masterId);
      const kept = !op && copyMayExist(mapping) && mapping.content_hash !== HASH_PENDING;
      if (!master.iCalUID || !(rewrite || (full && kept))) continue;
      const listed = await this.listSource({ iCalUID: master.iCalUID, showDeleted: true });
      for (const ev of listed.items) {
        if (ev.recurringEventId !== masterId) continue;
        if (rewrite) this.rewrittenSeriesInstances.add(ev.id!);
        if (!byId.has(ev.id!)) {
          byId.set(ev.id!, ev);
          instances.push(ev);
        }
      }
    }
    return { first, instances };
  }

  async planEvent(ev: Event, windowEnd: number, forceInWindow = false): Promise<Op | undefined> {
    const sourceId = ev.id!;
    const mapping = this.mappings.get(sourceId);
    const cluster = await syncClusterId(this.config.id, sourceId);
    const t = transformEvent(ev, {
      configId: this.config.id,
      sourceEventId: sourceId,
      syncClusterId: cluster,
    });
    const remove = (forget: boolean): Op | undefined =>
      copyMayExist(mapping)
        ? {
          kind: "delete",
          sourceId,
          destId: mapping.dest_event_id,
          summary: ev.summary ?? undefined,
          forget,
        }
        : undefined;
    if (t.kind === "cancelled") return remove(true);
    if (t.kind === "skip") {
      if (forceInWindow || this.inWindow(ev, windowEnd)) this.skipped++;
      return remove(false);
    }
    if (
      !forceInWindow && !this.inWindow(ev, windowEnd) &&
      !this.hasInstanceInWindow(sourceId, windowEnd)
    ) {
      // Copies that already ended are left alone while their source has ended too; others leave
      // with their source, one that moved from the past to beyond the window included (kept, it
      // would show the source at a time it left, and nothing of what the source shows ahead).
      if (
        copyMayExist(mapping) && mapping.event_end &&
        new Date(mapping.event_end).getTime() <= this.now && !this.endsAhead(ev)
      ) {
        return undefined;
      }
      return remove(false);
    }
    const hash = await contentHash(t.body);
    if (mapping && mapping.content_hash === hash) return undefined;
    if (copyMayExist(mapping) && mapping.content_hash !== HASH_PENDING) {
      return {
        kind: "update",
        source: ev,
        sourceId,
        destId: mapping.dest_event_id,
        body: t.body,
        hash,
        cluster,
        generation: 0,
      };
    }
    // A deleted copy's id can never be inserted again: a new generation gets a new id.
    const generation = mapping?.content_hash === HASH_DELETED
      ? await this.nextGeneration(sourceId, mapping.dest_event_id)
      : 0;
    const destId = mapping?.content_hash === HASH_PENDING
      ? mapping.dest_event_id
      : await destEventId(this.config.id, sourceId, generation);
    return {
      kind: "insert",
      source: ev,
      sourceId,
      destId,
      body: t.body,
      hash,
      cluster,
      generation,
    };
  }

  /** Whether an event or series (by its rule: exceptions aside) ends after now; endless: true. */
  endsAhead(ev: Event): boolean {
    const end = ev.recurrence?.length ? seriesEnd(ev) : spanOf(ev)?.end;
    return end === undefined || end > this.now;
  }

  /** Whether a copied instance of this series (an exception) still lies in the window. */
  hasInstanceInWindow(masterSourceId: string, windowEnd: number): boolean {
    for (const m of this.mappings.values()) {
      if (m.source_recurring_id !== masterSourceId || m.content_hash === HASH_CANCELLED) continue;
      const start = m.event_start ? new Date(m.event_start).getTime() : NaN;
      const end = m.event_end ? new Date(m.event_end).getTime() : NaN;
      if (end > this.now && start < windowEnd) return true;
    }
    return false;
  }

  async nextGeneration(sourceId: string, currentDestId: string): Promise<number> {
    for (let g = 0; g < 1000; g++) {
      if (await destEventId(this.config.id, sourceId, g) === currentDestId) return g + 1;
    }
    return 1 + Math.floor(Math.random() * 1e9);
  }

  /** Whether an instance (as it is now, or the occurrence it replaces) overlaps now → windowEnd. */
  instanceInWindow(ev: Event, windowEnd: number): boolean {
    if (ev.status !== "cancelled" && overlaps(ev, this.now, windowEnd)) return true;
    const original = instantOf(ev.originalStartTime);
    if (original === undefined) return false;
    return original + DAY > this.now && original - DAY < windowEnd;
  }

  /**
   * Whether an instance matters from now on: as it is, as the occurrence it replaces, or as the
   * copy made of it (an exception moved ahead and copied, then moved back or cancelled).
   */
  instanceAhead(ev: Event): boolean {
    if (this.instanceInWindow(ev, Infinity)) return true;
    const m = this.mappings.get(ev.id!);
    return copyMayExist(m) && m.content_hash !== HASH_CANCELLED && m.event_end !== null &&
      new Date(m.event_end).getTime() > this.now;
  }

  /**
   * Plans instance edits once the series copies are written: every exception of a copied series
   * from now on, inside the window or not; those wholly in the past are left alone.
   */
  async planInstances(instances: Event[]): Promise<Op[]> {
    const ops: Op[] = [];
    for (const ev of instances) {
      const sourceId = ev.id!;
      const masterSourceId = ev.recurringEventId!;
      const master = this.mappings.get(masterSourceId);
      const mapping = this.mappings.get(sourceId);
      const key = instanceKey(ev);
      if (!key || !copyMayExist(master) || master.content_hash === HASH_PENDING) continue;
      if (!this.instanceAhead(ev)) continue;
      const rewrite = this.rewrittenSeriesInstances.has(sourceId);
      if (ev.status === "cancelled") {
        if (mapping?.content_hash === HASH_CANCELLED && !rewrite) continue;
        ops.push({ kind: "cancelInstance", source: ev, sourceId, masterSourceId, key });
        continue;
      }
      const cluster = await syncClusterId(this.config.id, sourceId);
      const t = transformEvent(ev, {
        configId: this.config.id,
        sourceEventId: sourceId,
        syncClusterId: cluster,
      });
      if (t.kind !== "copy") continue;
      const hash = await contentHash({ ...t.body, master: master.dest_event_id });
      if (mapping?.content_hash === hash && !rewrite) continue;
      ops.push({
        kind: "instance",
        source: ev,
        sourceId,
        masterSourceId,
        key,
        body: t.body,
        hash,
        cluster,
      });
    }
    this.total += ops.length;
    return ops;
  }

  describePlan(ops: { first: Op[]; instances: Event[] }) {
    for (const op of ops.first) {
      if (op.kind === "delete") {
        this.plan.push({
          action: "delete",
          source_event_id: op.sourceId,
          dest_event_id: op.destId,
          summary: op.summary,
        });
      } else if (op.kind === "insert" || op.kind === "update") {
        this.plan.push({
          action: op.kind === "insert" ? "create" : "update",
          source_event_id: op.sourceId,
          dest_event_id: op.destId,
          summary: op.body.summary ?? undefined,
          start: op.body.start?.dateTime ?? op.body.start?.date ?? undefined,
          end: op.body.end?.dateTime ?? op.body.end?.date ?? undefined,
        });
      }
    }
    const seriesWritten = new Set(
      ops.first.filter((op) => op.kind === "insert" || op.kind === "update").map((op) =>
        op.sourceId
      ),
    );
    for (const ev of ops.instances) {
      const master = this.mappings.get(ev.recurringEventId!);
      // Only what a run would write: instances of a series that has (or gets) a copy, from now on.
      const hasCopy = copyMayExist(master) && master.content_hash !== HASH_PENDING;
      if (!hasCopy && !seriesWritten.has(ev.recurringEventId!)) continue;
      if (!this.instanceAhead(ev)) continue;
      this.plan.push({
        action: ev.status === "cancelled" ? "delete" : "update",
        source_event_id: ev.id!,
        dest_event_id: `${master?.dest_event_id ?? "(new series)"}_${instanceKey(ev)}`,
        summary: ev.summary ?? undefined,
        start: ev.start?.dateTime ?? ev.start?.date ?? undefined,
        end: ev.end?.dateTime ?? ev.end?.date ?? undefined,
      });
    }
  }

  // ── writing the destination ───────────────────────────────────────────────

  /**
   * Applies the ops with bounded concurrency. When one worker throws (an interrupted run), the
   * others take no new op, and the error surfaces only once every write in flight has come back:
   * a run that ended earlier would free its lease while a stale write could still overtake the
   * next run's.
   */
  async applyAll(ops: Op[]) {
    let next = 0;
    let stopped = false;
    const worker = async () => {
      while (next < ops.length && !this.reconnect && !stopped) {
        const op = ops[next++];
        try {
          await this.applyOne(op);
        } catch (err) {
          stopped = true;
          throw err;
        }
        this.done++;
        this.opts.onProgress?.(this.done, this.total);
      }
    };
    const workers = Array.from({ length: Math.min(this.concurrency, ops.length) }, worker);
    const failed = (await Promise.allSettled(workers)).find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    if (this.reconnect) throw new NeedsReconnect();
  }

  async applyOne(op: Op) {
    try {
      switch (op.kind) {
        case "insert":
          return await this.insert(op);
        case "update":
          return await this.update(op);
        case "delete":
          return await this.remove(op);
        case "instance":
          return await this.writeInstance(op);
        case "cancelInstance":
          return await this.cancelInstance(op);
      }
    } catch (err) {
      if (isAbortError(err, this.opts.signal)) throw err;
      if (needsReconnect(err)) {
        this.reconnect = true;
        return;
      }
      const summary = "source" in op ? op.source.summary ?? undefined : op.summary;
      this.failures.push({
        source_event_id: op.sourceId,
        ...(summary ? { summary } : {}),
        reason: err instanceof SourceGone
          ? err.message
          : failureReason(err, { config_id: this.config.id, source_event_id: op.sourceId }),
      });
    }
  }

  get destCalendar() {
    return this.config.dest_calendar_id;
  }

  async mappingFor(op: WriteOp, destId: string, hash: string, etag: string | null) {
    const span = spanOf(op.source);
    const end = op.source.recurrence?.length ? seriesEnd(op.source) : span?.end;
    const m: EventMapping = {
      config_id: this.config.id,
      source_event_id: op.sourceId,
      dest_event_id: destId,
      sync_cluster_id: op.cluster,
      content_hash: hash,
      source_recurring_id: null,
      source_updated: op.source.updated ? new Date(op.source.updated) : null,
      event_start: span ? new Date(span.start) : null,
      event_end: end !== undefined ? new Date(end) : null,
      dest_etag: etag,
    };
    await upsertEventMapping(this.opts.db, m);
    this.mappings.set(op.sourceId, m);
  }

  async insert(op: WriteOp) {
    // Recorded before the write: a run killed mid-insert leaves a trace the next run cleans up.
    await this.mappingFor(op, op.destId, HASH_PENDING, null);
    let etag: string | null;
    try {
      etag = await this.create(op.destId, op.body);
      this.created++;
    } catch (err) {
      if (googleErrorStatus(err) !== 409) throw err;
      // Already created by an earlier, interrupted run: bring it up to date instead (its etag
      // never reached us, so unconditionally).
      etag = await this.put(op.destId, op.body, null);
      this.created++;
    }
    await this.mappingFor(op, op.destId, this.writtenHash(op), etag);
  }

  /** The hash a written event is recorded with: a series waits for its exceptions. */
  writtenHash(op: WriteOp): string {
    if (!op.source.recurrence?.length) return op.hash;
    this.seriesAwaitingExceptions.set(op.sourceId, op.hash);
    return op.hash + EXCEPTIONS_PENDING;
  }

  /** Records the series of this run as done, now that their exceptions are written. */
  async settleSeries() {
    for (const [sourceId, hash] of this.seriesAwaitingExceptions) {
      const m = this.mappings.get(sourceId);
      if (m?.content_hash !== hash + EXCEPTIONS_PENDING) continue;
      const settled = { ...m, content_hash: hash };
      await upsertEventMapping(this.opts.db, settled);
      this.mappings.set(sourceId, settled);
    }
  }

  async update(op: WriteOp) {
    let etag: string | null;
    try {
      etag = await this.overwrite(op.destId, op.body, this.etagOf(op.sourceId, op.destId));
    } catch (err) {
      const status = googleErrorStatus(err);
      if (status !== 404 && status !== 410) throw err;
      // The copy vanished from the destination: make it again.
      return await this.insert({ ...op, kind: "insert" });
    }
    this.updated++;
    await this.mappingFor(op, op.destId, this.writtenHash(op), etag);
  }

  /** The etag the copy `destId` of `sourceId` had when this engine last wrote it, if known. */
  etagOf(sourceId: string, destId: string): string | null {
    const m = this.mappings.get(sourceId);
    return m?.dest_event_id === destId ? m.dest_etag : null;
  }

  /** Inserts a copy under its own id; returns its etag. */
  async create(destId: string, body: Event): Promise<string | null> {
    const res = await this.call("dest", (o) =>
      this.opts.dest.events.insert({
        calendarId: this.destCalendar,
        sendUpdates: "none",
        requestBody: { ...body, id: destId },
        ...this.mask(WRITTEN_COPY_FIELDS),
      }, o));
    return res.data.etag ?? null;
  }

  /** Replaces a copy, only if it still has `etag` when one is given; returns its new etag. */
  async put(destId: string, body: Event, etag: string | null): Promise<string | null> {
    const res = await this.call("dest", (o) =>
      this.opts.dest.events.update({
        calendarId: this.destCalendar,
        eventId: destId,
        sendUpdates: "none",
        requestBody: body,
        ...this.mask(WRITTEN_COPY_FIELDS),
      }, ifMatch(o, etag)));
    return res.data.etag ?? null;
  }

  /**
   * Writes `body` over the copy `destId`. With the etag of the engine's last write, Google
   * answers 412 when someone edited the copy in the destination since: the copy is re-read and,
   * for now, overwritten and counted (the options and two-way issues decide other outcomes
   * here). Returns the copy's new etag.
   */
  async overwrite(destId: string, body: Event, etag: string | null): Promise<string | null> {
    try {
      return await this.put(destId, body, etag);
    } catch (err) {
      if (etag === null || googleErrorStatus(err) !== 412) throw err;
    }
    const current = await this.readCopy(destId);
    const written = await this.put(destId, body, current.etag ?? null);
    this.overwritten++;
    return written;
  }

  /** The copy as the destination holds it now (a 412 said it changed since the last write). */
  async readCopy(destId: string): Promise<Event> {
    const res = await this.call("dest", (o) =>
      this.opts.dest.events.get({
        calendarId: this.destCalendar,
        eventId: destId,
        ...this.mask(WRITTEN_COPY_FIELDS),
      }, o));
    return res.data;
  }

  async remove(op: Extract<Op, { kind: "delete" }>) {
    await this.deleteDest(op.destId, this.etagOf(op.sourceId, op.destId));
    this.deleted++;
    for (const m of [...this.mappings.values()]) {
      if (m.source_recurring_id !== op.sourceId) continue;
      const standalone = this.standaloneCopy(m.source_event_id, "");
      if (standalone && !standalone.startsWith(`${op.destId}_`)) {
        await this.deleteDest(standalone, m.dest_etag);
      }
    }
    const db = this.opts.db;
    await deleteSeriesInstanceMappings(db, this.config.id, op.sourceId);
    for (const [id, m] of this.mappings) {
      if (m.source_recurring_id === op.sourceId) this.mappings.delete(id);
    }
    if (op.forget) {
      await deleteEventMapping(db, this.config.id, op.sourceId);
      this.mappings.delete(op.sourceId);
    } else {
      const m = this.mappings.get(op.sourceId)!;
      const tomb = {
        ...m,
        content_hash: HASH_DELETED,
        event_start: null,
        event_end: null,
        dest_etag: null,
      };
      await upsertEventMapping(db, tomb);
      this.mappings.set(op.sourceId, tomb);
    }
  }

  /**
   * Deletes a copy (gone already is fine), only if it still has `etag` when one is given. A 412
   * (edited in the destination since the last write) is, for now, overwritten like an update:
   * the copy is re-read and deleted anyway, and counted.
   */
  async deleteDest(destId: string, etag: string | null = null) {
    try {
      try {
        await this.del(destId, etag);
      } catch (err) {
        if (etag === null || googleErrorStatus(err) !== 412) throw err;
        await this.del(destId, (await this.readCopy(destId)).etag ?? null);
        this.overwritten++;
      }
    } catch (err) {
      const status = googleErrorStatus(err);
      if (status !== 404 && status !== 410) throw err;
    }
  }

  async del(destId: string, etag: string | null) {
    await this.call("dest", (o) =>
      this.opts.dest.events.delete({
        calendarId: this.destCalendar,
        eventId: destId,
        sendUpdates: "none",
      }, ifMatch(o, etag)));
  }

  async instanceMapping(
    op: Extract<Op, { kind: "instance" | "cancelInstance" }>,
    destId: string,
    hash: string,
    cluster: string,
    etag: string | null,
  ) {
    const span = spanOf(op.source);
    const m: EventMapping = {
      config_id: this.config.id,
      source_event_id: op.sourceId,
      dest_event_id: destId,
      sync_cluster_id: cluster,
      content_hash: hash,
      source_recurring_id: op.masterSourceId,
      source_updated: op.source.updated ? new Date(op.source.updated) : null,
      event_start: span ? new Date(span.start) : null,
      event_end: span ? new Date(span.end) : null,
      dest_etag: etag,
    };
    await upsertEventMapping(this.opts.db, m);
    this.mappings.set(op.sourceId, m);
  }

  masterDestId(masterSourceId: string): string {
    const master = this.mappings.get(masterSourceId);
    if (!copyMayExist(master) || master.content_hash === HASH_PENDING) {
      throw new SourceGone("The copy of its recurring series could not be written");
    }
    return master.dest_event_id;
  }

  /**
   * The etag of an instance's copy on the destination series, unless this run rewrote the
   * series: then the engine's own write may have changed the occurrence, which is no edit.
   */
  seriesInstanceEtag(sourceId: string, seriesId: string): string | null {
    if (this.rewrittenSeriesInstances.has(sourceId)) return null;
    return this.etagOf(sourceId, seriesId);
  }

  /**
   * The copy of an instance lives on the destination series' matching instance. When that series
   * has no such occurrence (the source series moved but kept an exception at the old time), the
   * instance is copied as a standalone event instead, so both sides still show the same.
   */
  async writeInstance(op: Extract<Op, { kind: "instance" }>) {
    const seriesId = `${this.masterDestId(op.masterSourceId)}_${op.key}`;
    const seriesEtag = this.seriesInstanceEtag(op.sourceId, seriesId);
    const standalone = this.standaloneCopy(op.sourceId, seriesId);
    const standaloneEtag = standalone ? this.etagOf(op.sourceId, standalone) : null;
    // Until the stand-in is gone, a killed run must come back to this instance.
    if (standalone) {
      await this.instanceMapping(op, standalone, HASH_PENDING, op.cluster, standaloneEtag);
    }
    try {
      const etag = await this.overwrite(seriesId, op.body, seriesEtag);
      this.updated++;
      // The series has the occurrence again: the standalone stand-in goes.
      if (standalone) await this.deleteDest(standalone, standaloneEtag);
      await this.instanceMapping(op, seriesId, op.hash, op.cluster, etag);
      return;
    } catch (err) {
      if (googleErrorStatus(err) !== 404) throw err;
    }
    const destId = standalone ?? await destEventId(this.config.id, op.sourceId);
    await this.instanceMapping(op, destId, HASH_PENDING, op.cluster, standaloneEtag);
    let etag: string | null;
    try {
      etag = await this.overwrite(destId, op.body, standaloneEtag);
      this.updated++;
    } catch (err) {
      if (googleErrorStatus(err) !== 404) throw err;
      etag = await this.create(destId, op.body);
      this.created++;
    }
    await this.instanceMapping(op, destId, op.hash, op.cluster, etag);
  }

  /** The id of an instance's standalone copy, if it has one. */
  standaloneCopy(sourceId: string, seriesId: string): string | undefined {
    const m = this.mappings.get(sourceId);
    if (!copyMayExist(m) || m.content_hash === HASH_CANCELLED) return undefined;
    return m.dest_event_id === seriesId ? undefined : m.dest_event_id;
  }

  async cancelInstance(op: Extract<Op, { kind: "cancelInstance" }>) {
    const seriesId = `${this.masterDestId(op.masterSourceId)}_${op.key}`;
    const standalone = this.standaloneCopy(op.sourceId, seriesId);
    if (standalone) await this.deleteDest(standalone, this.etagOf(op.sourceId, standalone));
    await this.deleteDest(seriesId, this.seriesInstanceEtag(op.sourceId, seriesId));
    this.deleted++;
    const cluster = await syncClusterId(this.config.id, op.sourceId);
    await this.instanceMapping(op, seriesId, HASH_CANCELLED, cluster, null);
  }
}

/** A Google call's request options, with `If-Match` when the etag of the last write is known. */
function ifMatch<O extends object>(o: O, etag: string | null): O | O & { headers: HeadersInit } {
  return etag === null ? o : { ...o, headers: { "If-Match": etag } };
}

export interface DeleteSyncedEventsOptions {
  db: Db;
  dest: calendar_v3.Calendar;
  config: SyncConfigRow;
  concurrency?: number;
  quotaPerMinute?: number;
  signal?: AbortSignal;
  retry?: RunSyncOptions["retry"];
}

/**
 * Deletes every copy `config` made from the destination and forgets its mappings (for deleting a
 * config with `remove_synced_events`). Holds the run lease meanwhile; throws SyncInProgressError
 * when a run is in progress. Returns how many copies were deleted and the failures.
 */
export async function deleteSyncedEvents(
  opts: DeleteSyncedEventsOptions,
): Promise<{ deleted: number; failures: SyncFailure[]; api_calls: number }> {
  const { db, config } = opts;
  return await withSyncLease(db, config.id, { holder: "delete" }, async (lease) => {
    const signal = opts.signal ? AbortSignal.any([opts.signal, lease.signal]) : lease.signal;
    const run = new SyncRun(
      { ...opts, signal, source: opts.dest, trigger: "manual" } as RunSyncOptions,
      config,
      false,
    );
    const mappings = await listEventMappings(db, config.id);
    for (const m of mappings) run.mappings.set(m.source_event_id, m);
    const ops: Op[] = mappings
      .filter((m) => !m.source_recurring_id && copyMayExist(m))
      .map((m) => ({
        kind: "delete",
        sourceId: m.source_event_id,
        destId: m.dest_event_id,
        forget: true,
      }));
    run.total = ops.length;
    await run.applyAll(ops);
    if (run.failures.length === 0) {
      await db.query(`DELETE FROM event_mappings WHERE config_id = $1`, [config.id]);
    }
    return { deleted: run.deleted, failures: run.failures, api_calls: run.apiCalls };
  });
}
