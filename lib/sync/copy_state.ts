/**
 * Where the copy of one source event stands, as its `event_mappings` row remembers it. No row at
 * all is `none`.
 *
 * - `pending`: a write was started (recorded before it, so a killed run leaves a trace) but has
 *   not been confirmed; the next run writes it again under the same id.
 * - `live`: the copy holds what `content_hash` describes.
 * - `awaiting_exceptions`: a series copy is written but its exceptions not yet; a run killed in
 *   between leaves the series looking changed, so the next run writes it and its exceptions again.
 * - `deleted`: the copy was deleted (a tombstone; its id can never be inserted again).
 * - `cancelled`: an instance cancelled at the source, its occurrence deleted on the copy.
 */
import type { EventMapping, MappingState } from "@/lib/db/event_mappings.ts";

/** A mapping whose state is one of `S` (a guard on it leaves the other states in its else). */
type In<S extends MappingState> = EventMapping & { state: S };

export const COPY_STATES = [
  "pending",
  "live",
  "awaiting_exceptions",
  "deleted",
  "cancelled",
] as const;

/** A stored copy's state; `none` (no mapping) is `undefined` in the mapping book. */
export type CopyState = typeof COPY_STATES[number];

/** Whether a copy may exist in the destination (everything but a tombstone). */
export function copyMayExist(
  m: EventMapping | undefined,
): m is In<Exclude<CopyState, "deleted">> {
  return m !== undefined && m.state !== "deleted";
}

/** Whether the copy was written and confirmed (not a tombstone, not an unconfirmed write). */
export function copyWritten(
  m: EventMapping | undefined,
): m is In<Exclude<CopyState, "deleted" | "pending">> {
  return copyMayExist(m) && m.state !== "pending";
}

/** Whether the copy is settled on exactly `hash`: nothing to write. */
export function copyUpToDate(m: EventMapping | undefined, hash: string): boolean {
  return m?.state === "live" && m.content_hash === hash;
}

/** Whether a copy stands in the destination as its own event (not a cancelled occurrence). */
export function copyStandsAlone(
  m: EventMapping | undefined,
): m is In<Exclude<CopyState, "deleted" | "cancelled">> {
  return copyMayExist(m) && m.state !== "cancelled";
}

/**
 * The id of an instance's stand-in, its copy made as an event of its own (the series copy has no
 * such occurrence), if it has one. A copy on an occurrence of a series copy (`{series}_{key}`,
 * Google's instance id convention; the engine's own ids hold no underscore) is no stand-in,
 * whichever series copy: one made again under a new id (its old copy deleted, by the person or by
 * the engine) leaves its instances' mappings on occurrences that went with the old copy, and those
 * must not be written to (Google would bring back an exception of a deleted series, shown by
 * no series copy).
 */
export function standInOf(m: EventMapping | undefined): string | undefined {
  return copyStandsAlone(m) && !m.dest_event_id.includes("_") ? m.dest_event_id : undefined;
}
