/**
 * A two-way run: calendar A's events copied to B and B's to A, as two one-way passes through the
 * same planner and applier, each with its own mapping book and cursor.
 *
 * Why two passes and not one merged plan: each pass is exactly the one-way engine (its series,
 * window and crash-safety rules, property-tested), and the only new decisions, about edits made
 * to copies, are taken before either pass plans (copy_edits.ts). Copies are never copied back:
 * both planners skip events carrying cal-sync markers, so no loop, whatever the number of configs.
 *
 * A run reads each calendar once (a run with no change costs two requests), settles edited copies,
 * runs A → B then B → A, and moves both cursors only once both passes wrote everything: a run
 * killed anywhere lists the same changes again, and deterministic ids on both sides make every
 * write safe to repeat.
 */
import { hasPendingEventMappings } from "@/lib/db/event_mappings.ts";
import { saveReverseSyncCursor } from "@/lib/db/sync_configs.ts";
import type { SyncConflict, SyncFailure } from "@/lib/db/sync_logs.ts";
import {
  type CopyEditLog,
  type CopyEditPolicy,
  type CopySide,
  resumeUnfinished,
  settleCopyEdits,
} from "./copy_edits.ts";
import { passDone, type PassInput, type PassOutcome, syncPass, writesOf } from "./pass.ts";
import type { Run } from "./run_context.ts";
import { reverseGoogleApisFor, type RunApis } from "./google_api.ts";
import { MappingBook } from "./mappings.ts";
import { syncOptionsOf } from "./options.ts";
import { idsToPlan, readChanges, runWindow, type SourceChanges } from "./source.ts";

/** The key of a config's reverse pass: its copies' marker, ids and clusters (never a Google id). */
export function reverseKey(configId: string): string {
  return `${configId}~b`;
}

/** What a two-way run did, beyond its passes' counts. */
export interface TwoWayOutcome {
  conflicts: SyncConflict[];
  /** Requests of the reverse pass's interface (the run's own counts the rest). */
  apiCalls(): number;
  aToB(): number;
  bToA(): number;
  skipped(): number;
}

/** The sync options, applied per direction, and the owner's word on held removals. */
function optionsOf(config: Run["config"]) {
  return { options: syncOptionsOf(config), approved: config.deletions_approved };
}

/** Full mode: an edit to a copy flows back. Busy mode: copies are read-only, edits reverted. */
export function copyEditPolicy(config: Run["config"]): CopyEditPolicy {
  return syncOptionsOf(config).copy.privacy === "busy" ? "revert" : "flow_back";
}

/** Both directions of one run: what each pass reads and writes through. */
interface Directions {
  forward: PassInput;
  reverse: PassInput;
  reverseApis: RunApis;
}

/** A two-way run: copies' edits settled, then the forward pass and the reverse one. */
export async function twoWaySteps(run: Run): Promise<void> {
  const { opts } = run;
  const d = await readBothSides(run);
  const backToA: CopyEditLog = { conflicts: [], failures: [], writes: 0, copyWrites: 0, held: 0 };
  const backToB: CopyEditLog = {
    conflicts: [],
    failures: backToA.failures,
    writes: 0,
    copyWrites: 0,
    held: 0,
  };
  const passes: PassOutcome[] = [];
  run.twoWay = outcomeOf(d.reverseApis, backToA, backToB, passes);
  run.applier = combined(
    passes,
    backToA.failures,
    () => backToA.writes + backToB.writes + backToA.copyWrites + backToB.copyWrites,
  );
  if (!opts.dryRun) await settleBothSides(run.config, d, backToA, backToB);
  const forward = await runPass(run, d.forward, passes);
  // Removals held for review are counted even when the run stops here; they alone do not stop it.
  run.held = forward.held ?? 0;
  if (!passDone({ ...forward, held: 0 }) && !opts.dryRun) return;
  const reverse = await runPass(run, d.reverse, passes);
  if (opts.dryRun) {
    run.dryRunPlan = [...forward.dryRunPlan ?? [], ...reverse.dryRunPlan ?? []];
    return;
  }
  run.held += (reverse.held ?? 0) + backToA.held + backToB.held;
  if (!passDone(forward) || !passDone(reverse) || backToA.failures.length > 0) return;
  if (run.held > 0) return;
  await moveCursors(run, d);
}

/** People's edits to copies, on both sides, settled before either pass plans. */
async function settleBothSides(
  config: Run["config"],
  d: Directions,
  backToA: CopyEditLog,
  backToB: CopyEditLog,
): Promise<void> {
  const policy = copyEditPolicy(config);
  const [ofA, ofB] = [copySide(d.forward, d.reverse, "a"), copySide(d.reverse, d.forward, "b")];
  await settleCopyEdits(ofA, policy, backToA);
  await settleCopyEdits(ofB, policy, backToB);
  await resumeUnfinished(ofA);
  await resumeUnfinished(ofB);
  backToA.conflicts.push(...backToB.conflicts);
}

/**
 * Both cursors past what this run read: the reverse one saved now (when it moved), the forward
 * one left to the run's closing statement, after this.
 */
async function moveCursors(run: Run, d: Directions): Promise<void> {
  const { opts, config, window } = run;
  run.cursor = { sync_token: d.forward.changes.syncToken, window_end: new Date(window.windowEnd) };
  const reverseCursor = {
    sync_token: d.reverse.changes.syncToken,
    window_end: new Date(d.reverse.window.windowEnd),
  };
  const stored = config.reverse_window_end && new Date(config.reverse_window_end).getTime();
  if (
    reverseCursor.sync_token !== config.reverse_sync_token ||
    reverseCursor.window_end.getTime() !== stored
  ) await saveReverseSyncCursor(opts.db, config.id, reverseCursor);
}

/** Loads both books and reads both calendars' changes: one listing each. */
async function readBothSides(run: Run): Promise<Directions> {
  const { opts, config, window, apis } = run;
  const reverseApis = (opts.wrapApis ?? ((a: RunApis) => a))(
    reverseGoogleApisFor(config, { ...opts, signal: run.signal }),
  );
  const reverseWindow = runWindow({
    ...config,
    sync_token: config.reverse_sync_token,
    window_end: config.reverse_window_end,
  }, window.now);
  const a = await readChanges(apis.source, config.sync_token, window);
  const b = await readChanges(reverseApis.source, config.reverse_sync_token, reverseWindow);
  const [forwardBook, reverseBook] = await booksOf(run, a, b);
  // The log row goes in before the first write; a run with nothing to do writes it at its end.
  if (forwardBook.whole) await run.logged;
  return {
    forward: {
      configId: config.id,
      book: forwardBook,
      apis,
      window,
      changes: a,
      ...optionsOf(config),
    },
    reverse: {
      configId: reverseKey(config.id),
      book: reverseBook,
      apis: reverseApis,
      window: reverseWindow,
      changes: b,
      ...optionsOf(config),
    },
    reverseApis,
  };
}

/**
 * Both passes' books. Whole, since a change on one side is matched against the copies the other
 * side holds, unless neither side listed a change and no copy is pending: then empty (they read
 * the rest on demand), so a run with nothing to do reads no mapping. A pending copy (a killed
 * run's) is looked at on every run (`resumeUnfinished`), listed or not.
 */
async function booksOf(run: Run, a: SourceChanges, b: SourceChanges) {
  const { db } = run.opts;
  const id = run.config.id;
  const idle = idsToPlan(a)?.length === 0 && idsToPlan(b)?.length === 0 &&
    !await hasPendingEventMappings(db, id);
  if (idle) {
    return await Promise.all([
      MappingBook.loadFor(db, id, []),
      MappingBook.loadFor(db, id, [], "b_to_a"),
    ]);
  }
  return await Promise.all([MappingBook.load(db, id), MappingBook.load(db, id, "b_to_a")]);
}

/** The copies of `own`'s pass, seen in the listing of `other`'s source (where they live). */
function copySide(own: PassInput, other: PassInput, side: "a" | "b"): CopySide {
  return {
    configId: own.configId,
    side,
    book: own.book,
    originals: own.changes,
    copies: other.changes,
    readOriginal: own.apis.source,
    writeOriginal: other.apis.dest,
    readCopy: other.apis.source,
    writeCopy: own.apis.dest,
    now: own.window.now,
    options: own.options,
    approved: own.approved,
  };
}

/** Runs one pass, its applier and plan visible to the run's counts while it writes. */
async function runPass(run: Run, input: PassInput, passes: PassOutcome[]): Promise<PassOutcome> {
  const pass: PassOutcome = { plan: undefined! };
  passes.push(pass);
  Object.assign(
    pass,
    await syncPass(run, input, (applier, plan) => Object.assign(pass, { applier, plan })),
  );
  return pass;
}

function outcomeOf(
  reverseApis: RunApis,
  backToA: CopyEditLog,
  backToB: CopyEditLog,
  passes: PassOutcome[],
): TwoWayOutcome {
  return {
    conflicts: backToA.conflicts,
    apiCalls: () => reverseApis.apiCalls(),
    aToB: () => writesOf(passes[0]?.applier?.counts) + backToB.writes + backToA.copyWrites,
    bToA: () => writesOf(passes[1]?.applier?.counts) + backToA.writes + backToB.copyWrites,
    skipped: () => passes.reduce((n, p) => n + (p.plan?.skipped ?? 0), 0),
  };
}

/** Both passes' appliers seen as one: the run's counts, failures and lost access. */
function combined(
  passes: PassOutcome[],
  failures: SyncFailure[],
  writesBack: () => number,
): Run["applier"] {
  const appliers = () => passes.flatMap((p) => p.applier ? [p.applier] : []);
  return {
    get counts() {
      const sum = {
        events_created: 0,
        events_updated: writesBack(),
        events_deleted: 0,
        events_overwritten: 0,
      };
      for (const a of appliers()) {
        for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += a.counts[k];
      }
      return sum;
    },
    get failures() {
      return [...failures, ...appliers().flatMap((a) => a.failures)];
    },
    get reconnect() {
      return appliers().some((a) => a.reconnect);
    },
  };
}
