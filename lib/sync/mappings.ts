/**
 * The mapping book: what is remembered between runs about each copy (`event_mappings`), in memory
 * for the run and written through as each write lands. The planner reads it; the writers record,
 * tombstone and forget through it; nothing else touches the table during a run.
 *
 * Loading is one call (`load`) and each record is one statement: a lazy load by the changed
 * source ids, or batched writes, change this file only.
 */
import type { Db } from "@/lib/db/mod.ts";
import {
  deleteConfigMappings,
  deleteEventMapping,
  deleteSeriesInstanceMappings,
  type EventMapping,
  listEventMappings,
  type MappingState,
  upsertEventMapping,
} from "@/lib/db/event_mappings.ts";
import type { Event } from "./google_api.ts";
import { seriesEnd, spanOf } from "./window.ts";

export type { EventMapping };

/** What the planner may read of the book. */
export interface MappingView {
  get(sourceId: string): EventMapping | undefined;
  values(): Iterable<EventMapping>;
}

export class MappingBook implements MappingView {
  readonly #byId = new Map<string, EventMapping>();

  private constructor(readonly db: Db, readonly configId: string) {}

  /** A book that reads nothing: for a run whose listing holds nothing to plan. */
  static empty(db: Db, configId: string): MappingBook {
    return new MappingBook(db, configId);
  }

  /** The book of a config, with every stored mapping. */
  static async load(db: Db, configId: string): Promise<MappingBook> {
    const book = new MappingBook(db, configId);
    for (const m of await listEventMappings(db, configId)) book.#byId.set(m.source_event_id, m);
    return book;
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

  /** Records (or refreshes) one mapping. */
  async record(m: EventMapping): Promise<void> {
    await upsertEventMapping(this.db, m);
    this.#byId.set(m.source_event_id, m);
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

  /** Forgets one mapping. */
  async forget(sourceId: string): Promise<void> {
    await deleteEventMapping(this.db, this.configId, sourceId);
    this.#byId.delete(sourceId);
  }

  /** Forgets the mappings of a series' instances (its copy was deleted as a whole). */
  async forgetInstancesOf(masterSourceId: string): Promise<void> {
    await deleteSeriesInstanceMappings(this.db, this.configId, masterSourceId);
    for (const m of this.instancesOf(masterSourceId)) this.#byId.delete(m.source_event_id);
  }

  /** Forgets every mapping of the config. */
  async forgetAll(): Promise<void> {
    await deleteConfigMappings(this.db, this.configId);
    this.#byId.clear();
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
