/**
 * One direction of a run: plan a calendar's changes against one mapping book, then apply them.
 * A one-way run is one pass; a two-way run is two (two_way.ts).
 */
import { Applier } from "./apply.ts";
import { GUARD_MIN_REMOVALS, holdMassDeletion } from "./guard.ts";
import type { RunApis } from "./google_api.ts";
import type { MappingBook } from "./mappings.ts";
import type { syncOptionsOf } from "./options.ts";
import * as planner from "./plan.ts";
import { type Preview, previewOf } from "./preview.ts";
import type { Run } from "./run_context.ts";
import { fetchMasters, listSeries, type RunWindow, type SourceChanges } from "./source.ts";

/** One direction of a run: a calendar's changes copied to the other through one mapping book. */
export interface PassInput {
  /** The key of the pass's ids and markers: the config's id, or its reverse pass's. */
  configId: string;
  book: MappingBook;
  apis: Pick<RunApis, "source" | "dest">;
  window: RunWindow;
  changes: SourceChanges;
  options: ReturnType<typeof syncOptionsOf>;
  /**
   * The options the copies standing now were written with, when a dry run plans a change not
   * saved yet (the saved config's): a preview's removals read as those copies. Default `options`.
   */
  shownOptions?: ReturnType<typeof syncOptionsOf>;
  /** The owner approved the removals the deletion guard held. */
  approved: boolean;
}

export interface PassOutcome {
  plan: planner.Plan;
  applier?: Applier;
  dryRunPlan?: planner.PlannedChange[];
  preview?: Preview;
  /** Removals held by the deletion guard (0: none). */
  held?: number;
}

/** Whether a pass wrote everything it planned (then its cursor may move on). */
export function passDone(pass: PassOutcome): boolean {
  return pass.applier !== undefined && !pass.applier.reconnect &&
    pass.applier.failures.length === 0 && !pass.held;
}

/** Plans one pass's changes, then applies them (a dry run only describes them). */
export async function syncPass(
  run: Pick<Run, "opts" | "signal">,
  p: PassInput,
  onApply?: (applier: Applier, plan: planner.Plan) => void,
): Promise<PassOutcome> {
  const { opts } = run;
  const { apis, window } = p;
  const ctx: planner.PlanContext = {
    configId: p.configId,
    ...window,
    mappings: p.book,
    options: p.options,
  };
  const plan = await planPass(ctx, p);
  // The deletion guard counts every live copy, once there are removals enough to matter.
  if (plan.first.filter((op) => op.kind === "delete").length > GUARD_MIN_REMOVALS) {
    await p.book.loadAll();
  }
  if (opts.dryRun) {
    return {
      plan,
      dryRunPlan: planner.describePlan(ctx, plan),
      preview: await previewOf(ctx, plan, p.shownOptions ?? p.options),
    };
  }
  const held = holdMassDeletion(plan.first, p.book, p.approved);
  const applier = new Applier({
    configId: p.configId,
    book: p.book,
    dest: apis.dest,
    concurrency: Math.max(1, opts.concurrency ?? 8),
    signal: run.signal,
    onProgress: opts.onProgress,
    rewritten: plan.rewritten,
  });
  onApply?.(applier, plan);
  await applier.applyAll(plan.first);
  // Instances are planned once their series is written: they live on its copy.
  if (!applier.reconnect) await applier.applyAll(await planner.planInstances(ctx, plan));
  if (!applier.reconnect) await applier.settleSeries();
  return { plan, applier, held };
}

/**
 * The pass's plan: its changes planned, with what planning asks the source for besides (the
 * masters of changed instances, the exceptions of series to rewrite).
 */
async function planPass(ctx: planner.PlanContext, p: PassInput): Promise<planner.Plan> {
  const { apis, changes } = p;
  const plan = await planner.planEvents(ctx, changes.items, changes.slice);
  const masters = planner.mastersNeeded(ctx, plan, changes.full);
  await planner.addMasters(ctx, plan, await fetchMasters(apis.source, masters, plan.byId));
  if (changes.full) planner.sweepGhosts(ctx, plan);
  for (const series of planner.seriesToList(ctx, plan, changes.full)) {
    planner.addSeriesExceptions(plan, series, await listSeries(apis.source, series.iCalUID));
    const stray = planner.strayExceptions(ctx, plan, series);
    if (stray.length) {
      const read = await fetchMasters(apis.source, stray, plan.byId);
      const gone = planner.goneStrays(series.masterId, stray, read);
      planner.addSeriesExceptions(plan, series, [...read, ...gone]);
    }
  }
  return plan;
}

/** The writes a pass made, from its applier's counts. */
export function writesOf(c: Partial<Applier["counts"]> | undefined): number {
  return (c?.events_created ?? 0) + (c?.events_updated ?? 0) + (c?.events_deleted ?? 0);
}
