/**
 * The mapping book: what is remembered between runs about each copy (`event_mappings`), in memory
 * for the run and written behind it. The planner reads it; the writers record, tombstone and
 * forget through it; nothing else touches the table during a run.
 *
 * A record is in memory at once and reaches the database with its step's batch (`flush`, one
 * statement; also whenever `FLUSH_AT` wait), or at once when `durable` (a trace that must exist
 * before a write goes to Google). The book's statements go out one after another, in the order
 * they were asked for, so a later record of an event never lands before an earlier one.
 * A book holds what its run needs: all of a config's mappings where a run must know every copy (a
 * full listing's ghost sweep, removing every copy, a two-way run's copy edits), else only the
 * rows of the events the run plans (`loadFor`): an incremental run reads the mappings of the events
 * that changed, and a run whose listing holds nothing to plan reads none at all.
 */
import type { Db } from "@/lib/db/mod.ts";
import {
  deleteConfigMappings,
  deleteEventMapping,
  deleteSeriesInstanceMappings,
  type EventMapping,
  listEventMappings,
  listEventMappingsOf,
  type MappingState,
  upsertEventMappings,
} from "@/lib/db/event_mappings.ts";
import type { Event } from "./google_api.ts";
import { seriesEnd, spanOf } from "./window.ts";

export type { EventMapping };

/**
 * Records wait for their batch no longer than this many, or this long: a process killed mid-run
 * loses at most these, and its next run pays for each one it lost with a second request (its
 * insert meets a 409 and becomes an update) instead of none.
 */
export const FLUSH_AT = 50;
export const FLUSH_AFTER_MS = 1000;

/** What the planner may read of the book. */
export interface MappingView {
  get(sourceId: string): EventMapping | undefined;
  values(): Iterable<EventMapping>;
}

/**
 * Which pass of a config a book is for: `a_to_b` (every config), `b_to_a` (the reverse pass of a
 * two-way config). The reverse pass's rows are stored under the same config with their source ids
 * (and series ids) prefixed by REVERSE_PREFIX, which no Google event id contains: one table, one
 * cascade, and a config turns two-way and back in place.
 */
export type MappingSide = "a_to_b" | "b_to_a";
export const REVERSE_PREFIX = "~b~";

export class MappingBook implements MappingView {
  readonly #byId = new Map<string, EventMapping>();
  /** Recorded in memory, not yet in the database. */
  readonly #unwritten = new Map<string, EventMapping>();
  /** Records the database refused, with its error (see `flush`). */
  readonly #failed = new Map<string, unknown>();
  /** When the oldest record still waiting was made. */
  #waitingSince: number | undefined;
  /** The book's last statement: the next one starts after it. */
  #last: Promise<void> = Promise.resolve();
  /** Whether every stored mapping of the pass is in memory (else only some events'). */
  #whole = false;

  private constructor(
    readonly db: Db,
    readonly configId: string,
    readonly side: MappingSide = "a_to_b",
  ) {}

  /** The book of a config's pass, with every stored mapping of that pass. */
  static async load(db: Db, configId: string, side: MappingSide = "a_to_b"): Promise<MappingBook> {
    const book = new MappingBook(db, configId, side);
    await book.loadAll();
    return book;
  }

  /**
   * The book of a config's pass with the stored mappings of the events `ids` only, and of the
   * instances of the series among them: enough to plan those events, their masters (give their
   * ids too) and their series' exceptions. No id, no statement.
   */
  static async loadFor(
    db: Db,
    configId: string,
    ids: Iterable<string>,
    side: MappingSide = "a_to_b",
  ): Promise<MappingBook> {
    const book = new MappingBook(db, configId, side);
    const wanted = [...new Set(ids)].map((id) => book.#stored(id));
    book.#add(await listEventMappingsOf(db, configId, wanted));
    return book;
  }

  /** Whether every stored mapping of the pass is in memory (`load`, or `loadAll` done). */
  get whole(): boolean {
    return this.#whole;
  }

  /**
   * Reads every stored mapping of the pass not in memory yet (what is in memory stays: it is
   * newer). For what needs all the copies, such as the deletion guard's count of live ones.
   */
  async loadAll(): Promise<void> {
    if (this.#whole) return;
    // After the book's earlier statements: a mapping forgotten is not read back.
    await this.#then(async () => this.#add(await listEventMappings(this.db, this.configId)));
    this.#whole = true;
  }

  #add(rows: EventMapping[]) {
    for (const m of rows) {
      const reverse = m.source_event_id.startsWith(REVERSE_PREFIX);
      if (reverse !== (this.side === "b_to_a")) continue;
      const own = this.#unstored(m);
      if (!this.#byId.has(own.source_event_id)) this.#byId.set(own.source_event_id, own);
    }
  }

  /** A source id as this book stores it. */
  #stored(id: string): string {
    return this.side === "b_to_a" ? REVERSE_PREFIX + id : id;
  }

  #unstored(m: EventMapping): EventMapping {
    if (this.side === "a_to_b") return m;
    const strip = (id: string) => id.slice(REVERSE_PREFIX.length);
    return {
      ...m,
      source_event_id: strip(m.source_event_id),
      source_recurring_id: m.source_recurring_id && strip(m.source_recurring_id),
    };
  }

  get(sourceId: string): EventMapping | undefined {
    return this.#byId.get(sourceId);
  }

  /** Every mapping, live: not to be iterated across a write (take `instancesOf`'s copy then). */
  values(): Iterable<EventMapping> {
    return this.#byId.values();
  }

  /** The mappings of a series' instances. */
  instancesOf(masterSourceId: string): EventMapping[] {
    return [...this.#byId.values()].filter((m) => m.source_recurring_id === masterSourceId);
  }

  /** The etag the copy `destId` of `sourceId` had when this engine last wrote it, if known. */
  etagOf(sourceId: string, destId: string): string | null {
    const m = this.#byId.get(sourceId);
    return m?.dest_event_id === destId ? m.dest_etag : null;
  }

  /**
   * Records (or refreshes) mappings: in memory now, in the database with the step's batch, or
   * before this returns when `durable` (then throws the error of a record that could not be
   * written; of several, only for the first, leaving the others in `takeFailures`).
   */
  async record(ms: EventMapping | EventMapping[], opts: { durable?: boolean } = {}) {
    const list = Array.isArray(ms) ? ms : [ms];
    this.#waitingSince ??= Date.now();
    for (const m of list) {
      this.#byId.set(m.source_event_id, m);
      this.#unwritten.set(m.source_event_id, m);
    }
    const due = this.#unwritten.size >= FLUSH_AT ||
      Date.now() - this.#waitingSince >= FLUSH_AFTER_MS;
    if (!opts.durable && !due) return;
    await this.flush();
    if (!opts.durable) return;
    for (const m of list) {
      if (!this.#failed.has(m.source_event_id)) continue;
      const err = this.#failed.get(m.source_event_id);
      this.#failed.delete(m.source_event_id);
      throw err;
    }
  }

  /**
   * Writes every record still waiting, in one statement. When the database refuses it, each is
   * sent alone, so that one bad row costs only its own event: the ones still refused are kept
   * for `takeFailures`. Never throws.
   */
  flush(): Promise<void> {
    return this.#then(async () => {
      if (this.#unwritten.size === 0) return;
      const batch = [...this.#unwritten.values()];
      this.#unwritten.clear();
      this.#waitingSince = undefined;
      try {
        await upsertEventMappings(this.db, batch.map((m) => this.#toStored(m)));
        return;
      } catch (err) {
        if (batch.length === 1) return void this.#failed.set(batch[0].source_event_id, err);
      }
      for (const m of batch) {
        try {
          await upsertEventMappings(this.db, [this.#toStored(m)]);
        } catch (err) {
          this.#failed.set(m.source_event_id, err);
        }
      }
    });
  }

  /** The records the database refused since the last call, with why, by source id. */
  takeFailures(): Map<string, unknown> {
    const failed = new Map(this.#failed);
    this.#failed.clear();
    return failed;
  }

  /** Runs `write` after the book's earlier statements. */
  #then(write: () => Promise<void>): Promise<void> {
    const done = this.#last.then(write);
    this.#last = done.catch(() => {});
    return done;
  }

  /** A mapping as the table holds it: the config's id, the reverse pass's ids prefixed. */
  #toStored(m: EventMapping): EventMapping {
    return {
      ...m,
      config_id: this.configId,
      source_event_id: this.#stored(m.source_event_id),
      source_recurring_id: m.source_recurring_id && this.#stored(m.source_recurring_id),
    };
  }

  /** Marks a copy deleted, keeping its id so that a new copy gets a new generation. */
  async tombstone(sourceId: string): Promise<void> {
    const m = this.#byId.get(sourceId)!;
    await this.record({
      ...m,
      state: "deleted",
      content_hash: null,
      event_start: null,
      event_end: null,
      dest_etag: null,
    });
  }

  /** Records a series written in this run as settled on `hash`, once its exceptions are written. */
  async settle(sourceId: string, hash: string): Promise<void> {
    const m = this.#byId.get(sourceId);
    if (m?.state !== "awaiting_exceptions" || m.content_hash !== hash) return;
    await this.record({ ...m, state: "live" });
  }

  /**
   * Changes a mapping for this run only, not stored: a two-way run that finds a copy edited tells
   * the planner so (its etag, a forced rewrite); a run killed before acting finds the edit again.
   */
  remember(m: EventMapping): void {
    this.#byId.set(m.source_event_id, m);
  }

  /** Forgets one mapping. */
  async forget(sourceId: string): Promise<void> {
    this.#byId.delete(sourceId);
    this.#unwritten.delete(sourceId);
    await this.#then(() => deleteEventMapping(this.db, this.configId, this.#stored(sourceId)));
  }

  /** Forgets the mappings of a series' instances (its copy was deleted as a whole). */
  async forgetInstancesOf(masterSourceId: string): Promise<void> {
    const instances = this.instancesOf(masterSourceId);
    // The book holds the instances of every series its run may delete (`loadFor` reads them
    // with the series): none known is none stored.
    if (instances.length === 0) return;
    for (const m of instances) {
      this.#byId.delete(m.source_event_id);
      this.#unwritten.delete(m.source_event_id);
    }
    await this.#then(() =>
      deleteSeriesInstanceMappings(this.db, this.configId, this.#stored(masterSourceId))
    );
  }

  /** Forgets every mapping of the config. */
  async forgetAll(): Promise<void> {
    this.#byId.clear();
    this.#unwritten.clear();
    await this.#then(() => deleteConfigMappings(this.db, this.configId));
  }
}

/** What a write of `source` under `destId` is recorded as. */
export interface CopyRecord {
  configId: string;
  source: Event;
  sourceId: string;
  destId: string;
  cluster: string;
  state: MappingState;
  hash: string | null;
  etag: string | null;
  /** The series an instance belongs to; null for a series or single event. */
  masterSourceId: string | null;
}

/** The mapping row of a copy. A series' end is its rule's end, an instance's its own. */
export function mappingOf(r: CopyRecord): EventMapping {
  const span = spanOf(r.source);
  const end = r.source.recurrence?.length && r.masterSourceId === null
    ? seriesEnd(r.source)
    : span?.end;
  return {
    config_id: r.configId,
    source_event_id: r.sourceId,
    dest_event_id: r.destId,
    sync_cluster_id: r.cluster,
    state: r.state,
    content_hash: r.hash,
    source_recurring_id: r.masterSourceId,
    source_updated: r.source.updated ? new Date(r.source.updated) : null,
    event_start: span ? new Date(span.start) : null,
    event_end: end !== undefined ? new Date(end) : null,
    dest_etag: r.etag,
  };
}
