/**
 * Two-way runs: edits people make to copies. A copy listed with an etag other than the one the
 * engine last wrote was edited (or deleted) in its calendar. Before the passes plan, each such
 * copy is settled against its original:
 *
 * - the same content as the original's copy would have (a write of ours whose answer was lost, a
 *   change to fields that are not copied): the etag is adopted, nothing is written;
 * - edited, original unchanged since the last run: the edit flows back to the original (full
 *   mode), then the pass rewrites the copy from it; in busy mode it is reverted instead;
 * - edited, original changed too (a conflict): the later `updated` wins as a whole, the loser is
 *   recorded with both versions;
 * - deleted: in full mode the original is deleted too, through the deletion guard (more deleted
 *   copies than it allows wait for the owner's review), unless the original was edited after the
 *   deletion (a conflict the edit wins); in busy mode the copy is made again (a new generation).
 *   A full listing shows no deleted event: the copies it misses are read one by one;
 * - an occurrence of a copied series edited or cancelled (an exception of the copy): settled the
 *   same way against the original occurrence, which gets the exception in full mode. A full
 *   listing shows the window only: each series copy's exceptions are read by its iCalUID.
 *
 * Only what is decided here is remembered in the book, for this run: a run killed before it acts
 * finds the same edit on the next one (the cursors only move once both passes are done).
 */
import type { EventMapping } from "@/lib/db/event_mappings.ts";
import type { SyncConflict, SyncFailure } from "@/lib/db/sync_logs.ts";
import { googleErrorStatus, isGoneError } from "@/lib/google/errors.ts";
import { copyStandsAlone, copyWritten } from "./copy_state.ts";
import { failureReason } from "./failure_reason.ts";
import { liveCopies, needsReview } from "./guard.ts";
import type { DestApi, Event, SourceApi } from "./google_api.ts";
import { contentHash, syncClusterId } from "./ids.ts";
import type { MappingBook } from "./mappings.ts";
import type { SyncOptions } from "./options.ts";
import { listSeries, type SourceChanges } from "./source.ts";
import { COPY_MARKERS, instanceKey, transformEvent } from "./transform.ts";

/** One direction's copies, as seen from the other calendar's listing. */
export interface CopySide {
  /** The marker its copies carry (the pass's config key). */
  configId: string;
  /** Where the originals live. */
  side: "a" | "b";
  book: MappingBook;
  /** The originals' listing: a patched original replaces its entry, a fetched one is added. */
  originals: SourceChanges;
  /** The other calendar's listing, where the copies show. */
  copies: SourceChanges;
  readOriginal: SourceApi;
  writeOriginal: DestApi;
  /** Reads a copy in its calendar (one a full listing, which shows no deleted event, left out). */
  readCopy: SourceApi;
  /** Writes in the copies' calendar: an occurrence of a copy whose original has none goes. */
  writeCopy: DestApi;
  /** The run's now: copies that ended before it are not in a full listing, nor sought. */
  now: number;
  /** The config's options: the copy an original makes (busy mode shows no title). */
  options: SyncOptions;
  /** The owner approved the removals the deletion guard held. */
  approved: boolean;
}

/** Full: an edit to a copy flows back. Busy: copies are read-only, an edit is reverted. */
export type CopyEditPolicy = "flow_back" | "revert";

export interface CopyEditLog {
  conflicts: SyncConflict[];
  failures: SyncFailure[];
  /** Originals written with an edit made to their copy. */
  writes: number;
  /** Copies written here (in the copies' calendar), before the passes. */
  copyWrites: number;
  /** Originals the deletion guard kept from being deleted with their copies (0: none). */
  held: number;
}

interface Found {
  copy: Event;
  mapping: EventMapping;
}

/** Settles every copy of `s` edited or deleted since the engine last wrote it. */
export async function settleCopyEdits(s: CopySide, policy: CopyEditPolicy, log: CopyEditLog) {
  const unlisted = await unlistedCopies(s);
  const found = editedCopies(s, unlisted);
  // Found before the series are settled: whether an original series changed is its own doing.
  const instances = await editedInstances(s, await unlistedExceptions(s, unlisted));
  const held = policy === "flow_back" ? heldDeletions(s, found) : 0;
  log.held += held;
  for (const f of found) {
    if (held > 0 && f.copy.status === "cancelled") continue;
    await settleOne(s, f, policy, log);
  }
  for (const f of instances) {
    await settleOne(s, f, policy, log, () => settleInstance(s, f, policy, log));
  }
}

/** An occurrence of a copied series, edited or cancelled in the copy's calendar. */
interface FoundInstance extends Found {
  /** The mapping of the copied series. */
  series: EventMapping;
  /** The original occurrence's id (`{series}_{key}`, Google's instance id convention). */
  originalId: string;
  /** Its mapping, when the occurrence was an exception the engine wrote. */
  instance?: EventMapping;
  /** The original series changed since the last run (a change of every occurrence). */
  seriesChanged: boolean;
}

/**
 * The occurrences of copied series listed as changed in the copies' calendar without the engine
 * having written them so: an exception the person made (moved, retitled) or an occurrence they
 * cancelled. A series whose copy is not settled (a run killed before it heard back, or between
 * the series and its exceptions) has no hash to compare: its original counts as changed when
 * listed, and wins.
 */
async function editedInstances(s: CopySide, unlisted: Event[]): Promise<FoundInstance[]> {
  const seriesByDestId = new Map<string, EventMapping>();
  for (const m of s.book.values()) {
    if (m.source_recurring_id === null && copyStandsAlone(m)) {
      seriesByDestId.set(m.dest_event_id, m);
    }
  }
  const found: FoundInstance[] = [];
  for (const copy of [...s.copies.slice, ...s.copies.items, ...unlisted]) {
    const series = copy.recurringEventId ? seriesByDestId.get(copy.recurringEventId) : undefined;
    const key = series && instanceKey(copy);
    if (!series || !key || copy.id !== `${series.dest_event_id}_${key}`) continue;
    const originalId = `${series.source_event_id}_${key}`;
    const instance = s.book.get(originalId);
    if (instance && instance.dest_event_id !== copy.id) continue; // a stand-in: left to the pass
    if (instance?.state === "pending") continue;
    const cancelled = copy.status === "cancelled";
    if (instance?.state === "cancelled" ? cancelled : copy.etag === instance?.dest_etag) continue;
    const mapping = instance ?? {
      ...series,
      source_event_id: originalId,
      dest_event_id: copy.id,
      source_recurring_id: series.source_event_id,
      state: "live",
      content_hash: null,
      dest_etag: null,
    };
    const master = listedOriginal(s, series.source_event_id);
    const seriesChanged = master !== undefined &&
      (series.state !== "live" || await hashOf(s, master, series) !== series.content_hash);
    found.push({ copy, mapping, series, originalId, instance, seriesChanged });
  }
  return found;
}

/**
 * One edited occurrence of a copied series, settled like a single copy: in full mode the edit (or
 * the cancellation) flows back to the original occurrence unless the original occurrence changed
 * later; in busy mode the occurrence is written again from the original.
 */
async function settleInstance(
  s: CopySide,
  f: FoundInstance,
  policy: CopyEditPolicy,
  log: CopyEditLog,
) {
  const { copy, originalId, instance } = f;
  // A deleted original series takes its copy with it (deleted by the person, or with its copy).
  if (listedOriginal(s, f.series.source_event_id)?.status === "cancelled") return;
  // An edited one is a change of every occurrence, the later one: the occurrence is written again.
  const seriesChanged = f.seriesChanged;
  const listed = listedOriginal(s, originalId);
  const adopted: EventMapping = {
    ...f.mapping,
    state: "live",
    dest_etag: copy.etag ?? null,
  };
  const cancelled = copy.status === "cancelled";
  const original = listed ?? await fetchOriginal(s, originalId);
  if (!original) return await takeOffOccurrence(s, f, log);
  const copyHash = cancelled ? null : await instanceHash(s, asOriginal(s, copy), f);
  const originalHash = await instanceHash(s, original, f);
  // Busy mode: what the copy shows is not what its original's copy would hash to (no title).
  if (copyHash !== null && copyHash === originalHash && policy === "flow_back") {
    // Our own write seen again (its answer lost) or a change to fields that are not copied.
    if (instance) s.book.remember({ ...adopted, content_hash: originalHash });
    return;
  }
  // No mapping: the occurrence was never an exception; it changed if the listing shows it.
  const originalChanged = instance ? originalHash !== instance.content_hash : listed !== undefined;
  const copyWins = policy === "flow_back" && !seriesChanged &&
    (!originalChanged || updatedAt(copy) > updatedAt(original));
  if (originalChanged || seriesChanged || policy === "revert") {
    log.conflicts.push(conflictOf(s, originalId, original, copy, copyWins));
  }
  if (!copyWins) {
    // The occurrence is written again from the original (a cancelled one comes back).
    s.book.remember({
      ...adopted,
      dest_etag: cancelled ? null : adopted.dest_etag,
      content_hash: null,
    });
    return;
  }
  await carryBackOccurrence(s, f, original, adopted, log);
}

/**
 * The original series has no such occurrence (moved, or its rule changed since): nothing to carry
 * back, and nothing for the pass to write over, so the copy's exception is taken off.
 */
async function takeOffOccurrence(s: CopySide, f: FoundInstance, log: CopyEditLog) {
  const { copy, originalId, instance } = f;
  if (copy.status !== "cancelled") await cancelCopyOccurrence(s, copy, log);
  // Remembered as cancelled: the next run lists that deletion and must not read it again.
  const cluster = instance?.sync_cluster_id ?? await syncClusterId(s.configId, originalId);
  await s.book.record({
    ...f.mapping,
    sync_cluster_id: cluster,
    state: "cancelled",
    content_hash: null,
    dest_etag: null,
  });
}

/** The copy's occurrence won: its cancellation or its edit is made on the original occurrence. */
async function carryBackOccurrence(
  s: CopySide,
  f: FoundInstance,
  original: Event,
  adopted: EventMapping,
  log: CopyEditLog,
) {
  const { copy, originalId, instance } = f;
  if (copy.status === "cancelled") {
    try {
      await s.writeOriginal.delete(originalId, original.etag ?? null);
      log.writes++;
    } catch (err) {
      if (!isGoneError(err)) throw err;
    }
    const gone: Event = {
      id: originalId,
      recurringEventId: f.series.source_event_id,
      status: "cancelled",
      originalStartTime: original.originalStartTime,
    };
    s.originals.items = [...s.originals.items.filter((e) => e.id !== originalId), gone];
    if (instance) s.book.remember({ ...adopted, dest_etag: null });
    return;
  }
  const patched = await s.writeOriginal.patch(originalId, editOf(s, copy), original.etag ?? null);
  log.writes++;
  s.originals.items = [...s.originals.items.filter((e) => e.id !== originalId), patched];
  s.originals.slice = s.originals.slice.filter((e) => e.id !== originalId);
  // Written again from the original: markers and all, under the etag it has now.
  s.book.remember({ ...adopted, content_hash: null });
}

async function cancelCopyOccurrence(s: CopySide, copy: Event, log: CopyEditLog) {
  try {
    await s.writeCopy.delete(copy.id!, copy.etag ?? null);
    log.copyWrites++;
  } catch (err) {
    if (!isGoneError(err)) throw err;
  }
}

function listedOriginal(s: CopySide, id: string): Event | undefined {
  return s.originals.items.find((e) => e.id === id) ?? s.originals.slice.find((e) => e.id === id);
}

/** The hash of the occurrence copy `ev` makes (as the planner hashes instances). */
async function instanceHash(s: CopySide, ev: Event, f: FoundInstance): Promise<string | null> {
  const t = transformEvent({ ...ev, extendedProperties: undefined }, {
    configId: s.configId,
    sourceEventId: f.originalId,
    syncClusterId: f.instance?.sync_cluster_id ?? await syncClusterId(s.configId, f.originalId),
    options: s.options,
  });
  return t.kind === "copy"
    ? await contentHash({ ...t.body, master: f.series.dest_event_id })
    : null;
}

/** The deleted copies whose originals the guard keeps (all of them, or 0). */
function heldDeletions(s: CopySide, found: Found[]): number {
  const deleted = found.filter((f) => f.copy.status === "cancelled").length;
  return !s.approved && needsReview(deleted, liveCopies(s.book)) ? deleted : 0;
}

async function settleOne(
  s: CopySide,
  found: Found,
  policy: CopyEditPolicy,
  log: CopyEditLog,
  how = () => settle(s, found, policy, log),
) {
  try {
    await how();
  } catch (err) {
    if (googleErrorStatus(err) === undefined) throw err;
    log.failures.push({
      source_event_id: found.mapping.source_event_id,
      ...(found.copy.summary ? { summary: found.copy.summary } : {}),
      reason: failureReason(err, { source_event_id: found.mapping.source_event_id }),
    });
  }
}

/**
 * Plans again the originals whose copy a killed run began to write but not their listing: a copy
 * made again after its deletion was fetched, not listed, so the cursor already passed it.
 */
export async function resumeUnfinished(s: CopySide) {
  const listed = new Set([...s.originals.items, ...s.originals.slice].map((e) => e.id));
  for (const m of [...s.book.values()]) {
    if (m.state !== "pending" || m.source_recurring_id !== null) continue;
    if (!listed.has(m.source_event_id)) await fetchOriginal(s, m.source_event_id);
  }
}

/**
 * The copies a full listing of their calendar left out though they should stand in its window,
 * read one by one: deleted (a full listing shows no deleted event; a run killed before the
 * first cursor was kept lists it all again), or moved out of the window by the person. Only the
 * copies the listing misses are read: none once both sides agree.
 */
async function unlistedCopies(s: CopySide): Promise<Event[]> {
  if (!s.copies.full) return [];
  const listed = new Set([...s.copies.items, ...s.copies.slice].map((e) => e.id));
  const read: Event[] = [];
  for (const m of [...s.book.values()]) {
    if (m.source_recurring_id !== null || listed.has(m.dest_event_id)) continue;
    if (!(m.state === "pending" || (copyWritten(m) && m.dest_etag))) continue;
    if (m.event_end && new Date(m.event_end).getTime() <= s.now) continue;
    try {
      read.push(await s.readCopy.get(m.dest_event_id));
    } catch (err) {
      if (!isGoneError(err)) throw err;
      // Never written (a pending insert that did not go), or gone for good: the pass decides.
      if (m.state !== "pending") read.push({ id: m.dest_event_id, status: "cancelled" });
    }
  }
  return read;
}

/**
 * The exceptions of the series copies beyond the window of a full listing of their calendar. A
 * full listing shows the window only (an incremental one every change), but a series copy carries
 * its occurrences further: one edited or cancelled there would go unseen, and stay. Each series
 * copy's exceptions are read by its iCalUID, one request each, as the pass reads an original
 * series' on a full listing; none of this once the copies' calendar has a cursor.
 */
async function unlistedExceptions(s: CopySide, unlisted: Event[]): Promise<Event[]> {
  if (!s.copies.full) return [];
  const listed = new Set([...s.copies.items, ...s.copies.slice].map((e) => e.id));
  const read: Event[] = [];
  for (const copy of [...s.copies.items, ...unlisted]) {
    const shared = copy.extendedProperties?.shared;
    if (!copy.recurrence?.length || copy.recurringEventId || !copy.iCalUID) continue;
    if (shared?.[COPY_MARKERS.configId] !== s.configId || copy.status === "cancelled") continue;
    for (const ev of await listSeries(s.readCopy, copy.iCalUID)) {
      if (ev.recurringEventId === copy.id && !listed.has(ev.id)) read.push(ev);
    }
  }
  return read;
}

/** The copies of `s` (series and single events) listed with an etag the engine did not write. */
export function editedCopies(s: CopySide, unlisted: Event[] = []): Found[] {
  const found: Found[] = [];
  // A deleted event is listed without its details (no markers): found by its id.
  const byDestId = new Map<string, EventMapping>();
  for (const m of s.book.values()) {
    if (m.state !== "deleted" && m.source_recurring_id === null) byDestId.set(m.dest_event_id, m);
  }
  for (const copy of [...s.copies.slice, ...s.copies.items, ...unlisted]) {
    const shared = copy.extendedProperties?.shared;
    const marked = shared?.[COPY_MARKERS.configId] === s.configId;
    if (copy.recurringEventId || !(marked || copy.status === "cancelled")) continue;
    const mapping = byDestId.get(copy.id ?? "");
    if (!mapping) continue;
    if (mapping.state === "pending") {
      // Written by a run killed before it heard back, perhaps edited or deleted since: unknown
      // base. A pending copy listed as deleted was written (an insert that never went is not
      // listed at all).
      if (marked || copy.status === "cancelled") found.push({ copy, mapping });
    } else if (copyWritten(mapping) && mapping.dest_etag) {
      if (copy.status === "cancelled" || (copy.etag && copy.etag !== mapping.dest_etag)) {
        found.push({ copy, mapping });
      }
    }
  }
  return found;
}

async function settle(s: CopySide, found: Found, policy: CopyEditPolicy, log: CopyEditLog) {
  const { copy, mapping } = found;
  const id = mapping.source_event_id;
  const listed = s.originals.items.find((e) => e.id === id) ??
    s.originals.slice.find((e) => e.id === id);
  // A deleted original takes its copy with it, whatever was done to the copy.
  if (listed?.status === "cancelled") return;
  const adopted: EventMapping = { ...mapping, state: "live", dest_etag: copy.etag ?? null };
  const unknownBase = mapping.state === "pending";
  if (copy.status === "cancelled") {
    const keep = policy === "revert" || await originalOutlives(s, found, listed, unknownBase, log);
    // Full mode: the pass deletes the (gone) copy of the deleted original, and forgets the pair.
    if (!keep) return await deleteOriginal(s, id, listed, log);
    // Kept: the copy is made again (a new id: a deleted copy's id is not inserted again).
    s.book.remember({ ...adopted, state: "deleted", dest_etag: null });
    return await ensurePlanned(s, id, listed);
  }
  if (policy === "revert") {
    // An unconfirmed write is written again by the pass anyway (its hash cannot tell: busy mode
    // hides the title an edit changed).
    return unknownBase ? undefined : await revert(s, found, adopted, log, listed);
  }
  const original = listed ?? (unknownBase ? await fetchOriginal(s, id) : undefined);
  if (unknownBase && !original) return;
  const copyHash = await hashOf(s, asOriginal(s, copy), mapping);
  const originalHash = original ? await hashOf(s, original, mapping) : mapping.content_hash;
  if (copyHash === originalHash) {
    // Kept, not only remembered, when the write was unconfirmed: the copy is known now.
    const known = { ...adopted, content_hash: originalHash };
    return unknownBase ? await s.book.record(known) : s.book.remember(known);
  }
  // An unconfirmed write has no base to tell who changed: the later change wins, no conflict.
  const originalChanged = unknownBase || originalHash !== mapping.content_hash;
  const copyWins = policy === "flow_back" &&
    (!originalChanged || updatedAt(copy) > updatedAt(original));
  if (originalChanged && !unknownBase) {
    log.conflicts.push(conflictOf(s, id, original!, copy, copyWins));
  }
  if (!copyWins) {
    // The copy is written again from the original: its etag now, and a hash it cannot match.
    s.book.remember({ ...adopted, content_hash: null });
    return await ensurePlanned(s, id, original);
  }
  const patched = await s.writeOriginal.patch(id, editOf(s, copy), original?.etag ?? null);
  log.writes++;
  s.originals.items = [...s.originals.items.filter((e) => e.id !== id), patched];
  s.originals.slice = s.originals.slice.filter((e) => e.id !== id);
  s.book.remember({ ...adopted, content_hash: unknownBase ? null : mapping.content_hash });
}

/**
 * Busy mode: copies are read-only, whatever was done to one is undone. The copy is written again
 * from its original; the edit is logged as a conflict the original won.
 */
async function revert(
  s: CopySide,
  found: Found,
  adopted: EventMapping,
  log: CopyEditLog,
  listed?: Event,
) {
  const id = found.mapping.source_event_id;
  const original = listed ?? await fetchOriginal(s, id);
  if (!original) return;
  log.conflicts.push(conflictOf(s, id, original, found.copy, false));
  s.book.remember({ ...adopted, content_hash: null });
}

/**
 * Full mode, a deleted copy: whether its original stays. A deletion is a change of the copy like
 * an edit: when the original changed too since the last run (or the copy's write was never
 * confirmed, so the base is unknown), the later change wins as a whole. An original edited after
 * its copy was deleted stays, and its copy is made again; one edited before is deleted. The
 * deletion's time is the deleted copy's `updated` (read when the listing left it out); an
 * unknown one loses: an edit is not lost to a deletion whose time nobody knows.
 */
async function originalOutlives(
  s: CopySide,
  found: Found,
  listed: Event | undefined,
  unknownBase: boolean,
  log: CopyEditLog,
): Promise<boolean> {
  const { mapping } = found;
  const id = mapping.source_event_id;
  const original = listed ?? (unknownBase ? await fetchOriginal(s, id) : undefined);
  if (!original) return false;
  const originalChanged = unknownBase ||
    await hashOf(s, original, mapping) !== mapping.content_hash;
  if (!originalChanged) return false;
  const deletion = found.copy.updated ? found.copy : await readUnlessGone(s, found.copy.id!);
  const copyWins = updatedAt(deletion) > updatedAt(original);
  if (!unknownBase) {
    log.conflicts.push(conflictOf(s, id, original, { ...found.copy, ...deletion }, copyWins));
  }
  return !copyWins;
}

async function readUnlessGone(s: CopySide, id: string): Promise<Event | undefined> {
  try {
    return await s.readCopy.get(id);
  } catch (err) {
    if (!isGoneError(err)) throw err;
    return undefined;
  }
}

/** Full mode: a deleted copy deletes its original; the pass then forgets the pair. */
async function deleteOriginal(
  s: CopySide,
  id: string,
  listed: Event | undefined,
  log: CopyEditLog,
) {
  try {
    await s.writeOriginal.delete(id, listed?.etag ?? null);
    log.writes++;
  } catch (err) {
    if (!isGoneError(err)) throw err;
  }
  const gone: Event = { id, status: "cancelled" };
  s.originals.items = [...s.originals.items.filter((e) => e.id !== id), gone];
  s.originals.slice = s.originals.slice.filter((e) => e.id !== id);
}

async function fetchOriginal(s: CopySide, id: string): Promise<Event | undefined> {
  try {
    const ev = await s.readOriginal.get(id);
    s.originals.items = [...s.originals.items, ev];
    return ev;
  } catch (err) {
    if (!isGoneError(err)) throw err;
    return undefined;
  }
}

/** Makes sure the original is planned in this run (fetched when it was not listed). */
async function ensurePlanned(s: CopySide, id: string, listed: Event | undefined) {
  if (!listed) await fetchOriginal(s, id);
}

/** The hash of the copy `ev` makes (for a copy, stripped of its markers: what it shows). */
async function hashOf(s: CopySide, ev: Event, mapping: EventMapping): Promise<string | null> {
  const t = transformEvent(ev, {
    configId: s.configId,
    sourceEventId: mapping.source_event_id,
    syncClusterId: mapping.sync_cluster_id,
    options: s.options,
  });
  return t.kind === "copy" ? await contentHash(t.body) : null;
}

function updatedAt(ev: Event | undefined): number {
  return ev?.updated ? Date.parse(ev.updated) : 0;
}

/**
 * The fields an edit of a copy carries back to its original (cleared ones cleared): only those
 * the options copy, as the original shows them. A field the copy does not carry (a description
 * not copied) is not cleared on the original, nor is the destination's colour or the title's
 * prefix given to it.
 */
function editOf(s: CopySide, copy: Event): Event {
  const { copy: o } = s.options;
  const body: Event = {
    summary: withoutPrefix(s, copy.summary) ?? null,
    start: copy.start,
    end: copy.end,
    transparency: copy.transparency ?? null,
    visibility: copy.visibility ?? null,
  };
  if (o.copy_description) body.description = copy.description ?? null;
  if (o.copy_location) body.location = copy.location ?? null;
  if (o.copy_color && !o.dest_color_id) body.colorId = copy.colorId ?? null;
  if (copy.recurrence?.length) body.recurrence = copy.recurrence;
  return body;
}

/** A copy's title as its original would show it: the options' prefix taken off. */
function withoutPrefix(s: CopySide, title: string | null | undefined) {
  const prefix = s.options.copy.title_prefix;
  return prefix && title?.startsWith(prefix) ? title.slice(prefix.length) : title;
}

/** A copy seen as an original: no markers, no prefix (the transform adds them again). */
function asOriginal(s: CopySide, copy: Event): Event {
  return { ...copy, extendedProperties: undefined, summary: withoutPrefix(s, copy.summary) };
}

function conflictOf(
  s: CopySide,
  id: string,
  original: Event,
  copy: Event,
  copyWins: boolean,
): SyncConflict {
  return {
    event_id: id,
    side: s.side,
    winner: copyWins ? "copy" : "original",
    original: versionOf(original),
    copy: versionOf(copy),
  };
}

function versionOf(ev: Event) {
  return {
    ...(ev.summary ? { summary: ev.summary } : {}),
    ...(ev.updated ? { updated: ev.updated } : {}),
    ...(ev.start?.dateTime ?? ev.start?.date
      ? { start: ev.start?.dateTime ?? ev.start?.date! }
      : {}),
    ...(ev.end?.dateTime ?? ev.end?.date ? { end: ev.end?.dateTime ?? ev.end?.date! } : {}),
  };
}
