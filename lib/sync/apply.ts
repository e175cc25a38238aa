/**
 * Sending a plan's operations to the destination: bounded concurrency (the scheduler's pool),
 * insert-or-adopt on 409, If-Match with the etag of the engine's last write (a 412 means someone
 * edited the copy: for now it is re-read and overwritten, and counted), and a failure record per
 * event. Each write is recorded in the mapping book as it lands, and reaches the database with its
 * step's batch; the inserts of a step are recorded as pending, in one statement, before any goes.
 */
import type { SyncFailure } from "@/lib/db/sync_logs.ts";
import { googleErrorStatus, isAbortError, isAuthLost, isGoneError } from "@/lib/google/errors.ts";
import { copyWritten, standInOf } from "./copy_state.ts";
import { failureReason } from "./failure_reason.ts";
import type { DestApi, Event } from "./google_api.ts";
import { destEventId, syncClusterId } from "./ids.ts";
import { type MappingBook, mappingOf } from "./mappings.ts";
import type { MappingState } from "@/lib/db/event_mappings.ts";
import type { CancelInstanceOp, DeleteOp, InstanceOp, Op, WriteOp } from "./plan.ts";
import { fromList, runPool } from "./pool.ts";
import type { RunCounts } from "./run_result.ts";

/** An instance whose series copy could not be written: told as such, not as Google's error. */
class SourceGone extends Error {}

export interface ApplyOptions {
  configId: string;
  book: MappingBook;
  dest: DestApi;
  /** Writes in flight at once. */
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Exceptions of a series rewritten in this run: their occurrence changed by our own write. */
  rewritten?: ReadonlySet<string>;
}

/** What the writes did so far (events_overwritten: copies someone had edited, written over). */
export type ApplyCounts = Pick<
  RunCounts,
  "events_created" | "events_updated" | "events_deleted" | "events_overwritten"
>;

type Recorded = (WriteOp | InstanceOp | CancelInstanceOp) & { cluster: string };

export class Applier {
  readonly counts: ApplyCounts = {
    events_created: 0,
    events_updated: 0,
    events_deleted: 0,
    events_overwritten: 0,
  };
  readonly failures: SyncFailure[] = [];
  /**
   * Series whose copy had vanished from the destination and was made again in this run: its
   * cancelled occurrences were never shown (the planner cannot know the copy was gone).
   */
  #remade = new Set<string>();
  /** An account's access was lost: no new write starts. */
  reconnect = false;
  #done = 0;
  #total = 0;
  /** Series written in this run, by source id, with the hash they settle on once done. */
  readonly #awaiting = new Map<string, string>();

  constructor(readonly o: ApplyOptions) {}

  /**
   * Applies `ops` with bounded concurrency. When one throws (an interrupted run), no new op
   * starts, and the error surfaces only once every write in flight has come back: a run that
   * ended earlier would free its lease while a stale write could still overtake the next run's.
   */
  async applyAll(ops: Op[]): Promise<void> {
    this.#total += ops.length;
    let stopped: { err: unknown } | undefined;
    await this.#recordInserts(ops);
    const next = fromList(ops);
    const source = () => stopped || this.reconnect ? Promise.resolve(undefined) : next();
    try {
      await runPool(this.o.concurrency, source, async (op) => {
        try {
          await this.#applyOne(op);
        } catch (err) {
          stopped ??= { err };
          return;
        }
        this.o.onProgress?.(++this.#done, this.#total);
      });
    } finally {
      // What Google took is recorded, however the step ended.
      await this.o.book.flush();
      this.#bookFailures(ops);
    }
    if (stopped) throw stopped.err;
  }

  /** Events whose record the database refused: failed, as if their write had. */
  #bookFailures(ops: Op[]) {
    const failed = this.o.book.takeFailures();
    if (failed.size === 0) return;
    for (const op of ops) {
      if (!failed.has(op.sourceId)) continue;
      this.#fail(op, failed.get(op.sourceId));
      failed.delete(op.sourceId);
    }
    for (const [sourceId, err] of failed) this.#fail({ sourceId }, err);
  }

  /** Records the series of this run as done, now that their exceptions are written. */
  async settleSeries(): Promise<void> {
    for (const [sourceId, hash] of this.#awaiting) await this.o.book.settle(sourceId, hash);
    await this.o.book.flush();
    this.#bookFailures([]);
  }

  /** Inserts recorded as pending before the step sends them, in one statement. */
  readonly #prerecorded = new Set<Op>();

  /**
   * Records the step's inserts as pending before any is sent (a run killed mid-insert leaves a
   * trace the next run cleans up): one statement for the step, not one per insert.
   */
  async #recordInserts(ops: Op[]) {
    const inserts = ops.filter((op): op is WriteOp => op.kind === "insert");
    if (inserts.length === 0) return;
    try {
      await this.o.book.record(
        inserts.map((op) => this.#mappingOf(op, op.destId, "pending", null, null)),
        { durable: true },
      );
    } catch {
      // Refused rows are left to their inserts: each records itself again and fails alone.
    }
    const refused = this.o.book.takeFailures();
    for (const op of inserts) if (!refused.has(op.sourceId)) this.#prerecorded.add(op);
  }

  async #applyOne(op: Op) {
    try {
      await this.#dispatch(op);
    } catch (err) {
      if (isAbortError(err, this.o.signal)) throw err;
      if (isAuthLost(err)) {
        this.reconnect = true;
        return;
      }
      this.#fail(op, err);
    }
  }

  #fail(op: Op | { sourceId: string }, err: unknown) {
    const summary = "source" in op
      ? op.source.summary ?? undefined
      : "summary" in op
      ? op.summary
      : undefined;
    this.failures.push({
      source_event_id: op.sourceId,
      ...(summary ? { summary } : {}),
      reason: err instanceof SourceGone
        ? err.message
        : failureReason(err, { config_id: this.o.configId, source_event_id: op.sourceId }),
    });
  }

  #dispatch(op: Op): Promise<void> {
    switch (op.kind) {
      case "insert":
        return this.#insert(op);
      case "update":
        return this.#update(op);
      case "delete":
        return this.#remove(op);
      case "instance":
        return this.#writeInstance(op);
      case "cancelInstance":
        return this.#cancelInstance(op);
    }
  }

  /** Records a write: `durable` before it is sent, batched (with the step) once Google took it. */
  #record(
    op: Recorded,
    destId: string,
    state: MappingState,
    hash: string | null,
    etag: string | null,
  ) {
    return this.o.book.record(this.#mappingOf(op, destId, state, hash, etag), {
      durable: state === "pending",
    });
  }

  #mappingOf(
    op: Recorded,
    destId: string,
    state: MappingState,
    hash: string | null,
    etag: string | null,
  ) {
    return mappingOf({
      configId: this.o.configId,
      source: op.source,
      sourceId: op.sourceId,
      destId,
      cluster: op.cluster,
      state,
      hash,
      etag,
      masterSourceId: "masterSourceId" in op ? op.masterSourceId : null,
    });
  }

  /** Records a written series or event: a series waits for its exceptions. */
  #recordWrite(op: WriteOp, etag: string | null) {
    const series = Boolean(op.source.recurrence?.length);
    if (series) this.#awaiting.set(op.sourceId, op.hash);
    return this.#record(op, op.destId, series ? "awaiting_exceptions" : "live", op.hash, etag);
  }

  async #insert(op: WriteOp) {
    // Recorded before the write: a run killed mid-insert leaves a trace the next run cleans up.
    if (!this.#prerecorded.has(op)) await this.#record(op, op.destId, "pending", null, null);
    let etag: string | null;
    try {
      etag = await this.o.dest.insert(op.destId, op.body);
    } catch (err) {
      if (googleErrorStatus(err) !== 409) throw err;
      // Already created by an earlier, interrupted run: bring it up to date instead (its etag
      // never reached us, so unconditionally).
      etag = await this.o.dest.update(op.destId, op.body, null);
    }
    this.counts.events_created++;
    await this.#recordWrite(op, etag);
  }

  async #update(op: WriteOp) {
    let etag: string | null;
    try {
      etag = await this.#overwrite(op.destId, op.body, this.o.book.etagOf(op.sourceId, op.destId));
    } catch (err) {
      if (!isGoneError(err)) throw err;
      // The copy vanished from the destination: make it again.
      this.#remade.add(op.sourceId);
      return await this.#insert({ ...op, kind: "insert" });
    }
    this.counts.events_updated++;
    await this.#recordWrite(op, etag);
  }

  /**
   * Writes `body` over the copy `destId`. With the etag of the engine's last write, Google
   * answers 412 when someone edited the copy in the destination since: the copy is re-read and,
   * for now, overwritten and counted. Returns the copy's new etag.
   */
  async #overwrite(destId: string, body: Event, etag: string | null): Promise<string | null> {
    try {
      return await this.o.dest.update(destId, body, etag);
    } catch (err) {
      if (etag === null || googleErrorStatus(err) !== 412) throw err;
    }
    const current = await this.o.dest.get(destId);
    const written = await this.o.dest.update(destId, body, current.etag ?? null);
    this.counts.events_overwritten++;
    return written;
  }

  /**
   * Deletes a copy (gone already is fine), only if it still has `etag` when one is given. A 412
   * is, for now, overwritten like an update: the copy is re-read and deleted anyway, and counted.
   */
  async #deleteDest(destId: string, etag: string | null) {
    try {
      try {
        await this.o.dest.delete(destId, etag);
      } catch (err) {
        if (etag === null || googleErrorStatus(err) !== 412) throw err;
        await this.o.dest.delete(destId, (await this.o.dest.get(destId)).etag ?? null);
        this.counts.events_overwritten++;
      }
    } catch (err) {
      if (!isGoneError(err)) throw err;
    }
  }

  async #remove(op: DeleteOp) {
    const book = this.o.book;
    await this.#deleteDest(op.destId, book.etagOf(op.sourceId, op.destId));
    this.counts.events_deleted++;
    for (const m of book.instancesOf(op.sourceId)) {
      const standalone = standInOf(m);
      if (standalone) await this.#deleteDest(standalone, m.dest_etag);
    }
    await book.forgetInstancesOf(op.sourceId);
    if (op.forget) await book.forget(op.sourceId);
    else await book.tombstone(op.sourceId);
  }

  /** The copy's occurrence of an instance, on the destination series. */
  #seriesInstanceId(op: InstanceOp | CancelInstanceOp): string {
    const master = this.o.book.get(op.masterSourceId);
    if (!copyWritten(master)) {
      throw new SourceGone("The copy of its recurring series could not be written");
    }
    return `${master.dest_event_id}_${op.key}`;
  }

  /**
   * The etag of an instance's copy on the destination series, unless this run rewrote the
   * series: then the engine's own write may have changed the occurrence, which is no edit.
   */
  #seriesInstanceEtag(sourceId: string, seriesId: string): string | null {
    if (this.o.rewritten?.has(sourceId)) return null;
    return this.o.book.etagOf(sourceId, seriesId);
  }

  /** The id of an instance's standalone copy, if it has one (see `standInOf`). */
  #standaloneCopy(sourceId: string): string | undefined {
    return standInOf(this.o.book.get(sourceId));
  }

  /**
   * The copy of an instance lives on the destination series' matching instance. When that series
   * has no such occurrence (the source series moved but kept an exception at the old time), the
   * instance is copied as a standalone event instead, so both sides still show the same.
   */
  async #writeInstance(op: InstanceOp) {
    const seriesId = this.#seriesInstanceId(op);
    const seriesEtag = this.#seriesInstanceEtag(op.sourceId, seriesId);
    const standalone = this.#standaloneCopy(op.sourceId);
    const standaloneEtag = standalone ? this.o.book.etagOf(op.sourceId, standalone) : null;
    // Until the stand-in is gone, a killed run must come back to this instance.
    if (standalone) await this.#record(op, standalone, "pending", null, standaloneEtag);
    try {
      const etag = await this.#overwrite(seriesId, op.body, seriesEtag);
      this.counts.events_updated++;
      // The series has the occurrence again: the standalone stand-in goes.
      if (standalone) await this.#deleteDest(standalone, standaloneEtag);
      await this.#record(op, seriesId, "live", op.hash, etag);
      return;
    } catch (err) {
      if (googleErrorStatus(err) !== 404) throw err;
    }
    await this.#writeStandalone(op, standalone, standaloneEtag);
  }

  /** Writes an instance as its own event (the series copy has no such occurrence). */
  async #writeStandalone(op: InstanceOp, standalone: string | undefined, etag: string | null) {
    const destId = standalone ?? await destEventId(this.o.configId, op.sourceId);
    await this.#record(op, destId, "pending", null, etag);
    let written: string | null;
    try {
      written = await this.#overwrite(destId, op.body, etag);
      this.counts.events_updated++;
    } catch (err) {
      if (googleErrorStatus(err) !== 404) throw err;
      written = await this.o.dest.insert(destId, op.body);
      this.counts.events_created++;
    }
    await this.#record(op, destId, "live", op.hash, written);
  }

  async #cancelInstance(op: CancelInstanceOp) {
    const seriesId = this.#seriesInstanceId(op);
    const standalone = this.#standaloneCopy(op.sourceId);
    if (standalone) {
      await this.#deleteDest(standalone, this.o.book.etagOf(op.sourceId, standalone));
    }
    await this.#deleteDest(seriesId, this.#seriesInstanceEtag(op.sourceId, seriesId));
    // Counted as the planner says (the preview counts the same), unless the series copy was
    // made again in this run: then its occurrences were never shown either.
    if (op.counted && (standalone || !this.#remade.has(op.masterSourceId))) {
      this.counts.events_deleted++;
    }
    const cluster = await syncClusterId(this.o.configId, op.sourceId);
    await this.#record({ ...op, cluster }, seriesId, "cancelled", null, null);
  }
}
