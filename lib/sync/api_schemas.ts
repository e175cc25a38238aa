/** The sync API's shapes: zod schemas that parse requests and document responses. */
import { z } from "zod";
import { isSyncRunning, SYNC_DIRECTIONS, type SyncConfigView } from "@/lib/db/sync_configs.ts";
import type { SyncLogRow } from "@/lib/db/sync_logs.ts";
import { EXPLAIN_STATUSES } from "./explain.ts";
import { SyncOptionsIn, SyncOptionsOut, syncOptionsOut } from "./options.ts";
import { RunCounts, runCountsOf, SYNC_STATUSES, type SyncResult } from "./run_result.ts";

const iso = (d: Date | string | null) => d === null ? null : new Date(d).toISOString();

/** How a run can have ended: a run's own statuses, and `interrupted` (the app stopped in it). */
const ENDED_STATUSES = [...SYNC_STATUSES, "interrupted"] as const;

export const ConfigIdParams = z.object({
  id: z.uuid({ message: "expected a sync config id" }).describe("The sync config's id"),
});

const lookaheadDays = z.number({ message: "expected a whole number 1-365" })
  .int("expected a whole number 1-365")
  .min(1, "expected a whole number 1-365")
  .max(365, "expected a whole number 1-365")
  .describe("How many days ahead of now are mirrored");

const intervalMinutes = z.number({ message: "expected a whole number 5-1440" })
  .int("expected a whole number 5-1440")
  .min(5, "expected a whole number 5-1440")
  .max(1440, "expected a whole number 5-1440")
  .describe("Minutes between scheduled runs (default 15)");

const accountId = z.uuid({ message: "expected a Google account id" });
const direction = z.enum(SYNC_DIRECTIONS, { message: "expected one_way or two_way" })
  .describe(
    "`one_way` (default): the source's events are copied to the destination. `two_way`: each " +
      "calendar's events are copied to the other; an edit to a copy flows back to its original, " +
      "and when both changed since the last run the later change wins as a whole",
  );

export const NewSyncConfigIn = z.object({
  source_account_id: accountId.optional().describe(
    "The Google account the source calendar is read as (see `GET /api/accounts`). Left out " +
      "(with `dest_account_id`): the seed-compatible form, the accounts the source and " +
      "destination roles name",
  ),
  source_calendar_id: z.string({ message: "expected a calendar id" }).min(
    1,
    "expected a calendar id",
  )
    .describe("A calendar of the source account"),
  dest_account_id: accountId.optional().describe(
    "The Google account the copies are written as; may be the source account",
  ),
  dest_calendar_id: z.string({ message: "expected a calendar id" }).min(1, "expected a calendar id")
    .describe("A writable calendar of the destination account, not the source calendar"),
  sync_lookahead_days: lookaheadDays.optional()
    .describe("How many days ahead of now are mirrored (default SYNC_LOOKAHEAD_DAYS, 90)"),
  sync_interval_minutes: intervalMinutes.optional(),
  ...SyncOptionsIn.shape,
  direction: direction.optional(),
}).superRefine((c, ctx) => {
  if (!c.source_account_id === !c.dest_account_id) return;
  const missing = c.source_account_id ? "dest_account_id" : "source_account_id";
  ctx.addIssue({
    code: "custom",
    path: [missing],
    message: "expected a Google account id (both accounts, or neither)",
  });
});

export const SyncConfigPatchIn = z.object({
  is_active: z.boolean({ message: "expected true or false" }).optional()
    .describe("false pauses the scheduled runs; true resumes them"),
  sync_lookahead_days: lookaheadDays.optional(),
  sync_interval_minutes: intervalMinutes.optional(),
  ...SyncOptionsIn.shape,
  confirm_removals: z.boolean({ message: "expected true or false" }).optional()
    .describe(
      "The owner saw the preview of this change and confirms the copies it removes: " +
        "the next run is not held for review",
    ),
  direction: direction.optional(),
}).refine((p) => Object.keys(p).length > 0, {
  message: "expected at least one of is_active, sync_lookahead_days, sync_interval_minutes, " +
    "direction, or an option",
});

export const DeleteConfigQuery = z.object({
  remove_synced_events: z.enum(["true", "false"], { message: "expected true or false" })
    .optional()
    .transform((v) => v === "true")
    .describe("Also delete every copy this sync made from the destination calendar"),
});

export const PushOut = z.object({
  status: z.enum(["live", "polling", "error"]).describe(
    "`live`: a push channel watches the source; `polling`: push is off (no WEBHOOK_URL) or the " +
      "sync is paused; `error`: push is on but no channel could be opened",
  ),
  expires_at: z.iso.datetime().nullable(),
  last_message_at: z.iso.datetime().nullable(),
}).meta({ id: "SyncPush" });

export const SyncConfigOut = z.object({
  id: z.uuid(),
  source_account_id: z.uuid().nullable()
    .describe("null: the account it read was never known (a sync disconnected before accounts)"),
  source_account_email: z.string().nullable(),
  source_account_status: z.enum(["ok", "needs_reconnect", "disconnected"]).nullable(),
  source_calendar_id: z.string(),
  source_calendar_name: z.string(),
  dest_account_id: z.uuid().nullable(),
  dest_account_email: z.string().nullable(),
  dest_account_status: z.enum(["ok", "needs_reconnect", "disconnected"]).nullable(),
  dest_calendar_id: z.string(),
  dest_calendar_name: z.string(),
  sync_lookahead_days: z.number().int(),
  sync_interval_minutes: z.number().int(),
  direction: z.enum(SYNC_DIRECTIONS),
  is_active: z.boolean(),
  paused_reason: z.string().nullable(),
  running: z.boolean().describe("A run of this config is in progress (in any process)"),
  last_synced_at: z.iso.datetime().nullable().describe("End of the last successful or partial run"),
  last_status: z.enum(ENDED_STATUSES)
    .nullable()
    .describe(
      "How the last run ended; `interrupted` when the app stopped during it; `needs_review` " +
        "when it held removals back for the owner's word (`held_deletions`)",
    ),
  last_error: z.string().nullable(),
  next_run_at: z.iso.datetime().describe("When the scheduler runs it next (if active)"),
  held_deletions: z.number().int()
    .describe("Removals the last run held for review (see POST /api/sync/config/{id}/review)"),
  deletions_approved: z.boolean()
    .describe(
      "The owner approved the held removals (or confirmed them in a preview): the next " +
        "run makes them",
    ),
  ...SyncOptionsOut.shape,
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  push: PushOut.optional().describe("Google push on the source calendar (in the list only)"),
}).meta({ id: "SyncConfig" });

export const SyncConfigListOut = z.object({ configs: z.array(SyncConfigOut) })
  .meta({ id: "SyncConfigList" });

/** A config as the API answers it (and, picked, as its card shows it: `SyncView`). */
export type SyncConfigJson = z.infer<typeof SyncConfigOut>;

type AccountStatusOut = "ok" | "needs_reconnect" | "disconnected" | null;

/** The API's config; a calendar without a name is titled by its id, here only. */
export function syncConfigOut(c: SyncConfigView): SyncConfigJson {
  return {
    id: c.id,
    source_account_id: c.source_account_id,
    source_account_email: c.source_account_email,
    source_account_status: c.source_account_status as AccountStatusOut,
    source_calendar_id: c.source_calendar_id,
    source_calendar_name: c.source_calendar_name || c.source_calendar_id,
    dest_account_id: c.dest_account_id,
    dest_account_email: c.dest_account_email,
    dest_account_status: c.dest_account_status as AccountStatusOut,
    dest_calendar_id: c.dest_calendar_id,
    dest_calendar_name: c.dest_calendar_name || c.dest_calendar_id,
    sync_lookahead_days: c.sync_lookahead_days,
    sync_interval_minutes: c.sync_interval_minutes,
    direction: c.direction,
    is_active: c.is_active,
    paused_reason: c.paused_reason,
    running: isSyncRunning(c),
    last_synced_at: iso(c.last_synced_at),
    last_status: c.last_status as z.infer<typeof SyncConfigOut>["last_status"],
    last_error: c.last_error,
    next_run_at: iso(c.next_run_at)!,
    held_deletions: c.held_deletions ?? 0,
    deletions_approved: c.deletions_approved ?? false,
    ...syncOptionsOut(c),
    created_at: iso(c.created_at)!,
    updated_at: iso(c.updated_at)!,
  };
}

export const SyncFailureOut = z.object({
  source_event_id: z.string(),
  summary: z.string().optional(),
  reason: z.string(),
}).meta({ id: "SyncFailure" });

const versionOut = z.object({
  summary: z.string().optional(),
  updated: z.string().optional(),
  start: z.string().optional(),
  end: z.string().optional(),
});

export const SyncConflictOut = z.object({
  event_id: z.string().describe("The original's id, in its own calendar"),
  side: z.enum(["a", "b"]).describe("Where the original lives: a (source) or b (destination)"),
  winner: z.enum(["original", "copy"]).describe("The version with the later `updated`"),
  original: versionOut,
  copy: versionOut,
}).meta({ id: "SyncConflict" });

const SyncStatusOut = z.enum(SYNC_STATUSES);

export const SyncResultOut = z.object({
  sync_log_id: z.uuid(),
  status: SyncStatusOut,
  ...RunCounts.shape,
  duration_ms: z.number().int(),
  error: z.string().nullable(),
  failures: z.array(SyncFailureOut),
  conflict_details: z.array(SyncConflictOut).describe("Two-way: each conflict, both versions"),
}).meta({ id: "SyncResult" });

export type SyncResultJson = z.infer<typeof SyncResultOut>;

export function syncResultOut(r: SyncResult): SyncResultJson {
  return {
    sync_log_id: r.sync_log_id!,
    status: r.status,
    ...runCountsOf(r),
    duration_ms: r.duration_ms,
    error: r.error,
    failures: r.failures,
    conflict_details: r.conflict_details ?? [],
  };
}

export const SyncLogOut = z.object({
  id: z.uuid(),
  config_id: z.uuid(),
  trigger: z.enum(["manual", "schedule", "cli"]),
  status: z.enum(["running", ...ENDED_STATUSES])
    .describe(
      "`interrupted`: the app stopped during the run (its lease lapsed); the next run picks up " +
        "where it left off",
    ),
  started_at: z.iso.datetime(),
  finished_at: z.iso.datetime().nullable(),
  window_start: z.iso.datetime().nullable(),
  window_end: z.iso.datetime().nullable(),
  ...RunCounts.shape,
  duration_ms: z.number().int().nullable(),
  error: z.string().nullable(),
  failures: z.array(SyncFailureOut),
  conflict_details: z.array(SyncConflictOut).describe("Two-way: each conflict, both versions"),
}).meta({ id: "SyncLog" });

export const SyncLogPageOut = z.object({
  logs: z.array(SyncLogOut),
  next_cursor: z.uuid().nullable().describe("Pass as `before` for the next page; null at the end"),
}).meta({ id: "SyncLogPage" });

export const SyncLogsQuery = z.object({
  limit: z.string().regex(/^\d+$/, "expected a whole number 1-100").optional()
    .transform((v) => v === undefined ? 20 : Number(v))
    .pipe(
      z.number().min(1, "expected a whole number 1-100").max(100, "expected a whole number 1-100"),
    )
    .describe("Runs per page, 1-100 (default 20)"),
  before: z.uuid({ message: "expected a next_cursor from a previous page" }).optional()
    .describe("The `next_cursor` of the previous page"),
});

export function syncLogOut(l: SyncLogRow): z.infer<typeof SyncLogOut> {
  return {
    id: l.id,
    config_id: l.config_id,
    trigger: l.trigger,
    status: l.status,
    started_at: iso(l.started_at)!,
    finished_at: iso(l.finished_at),
    window_start: iso(l.window_start),
    window_end: iso(l.window_end),
    ...runCountsOf(l),
    duration_ms: l.duration_ms,
    error: l.error,
    failures: l.failures ?? [],
    conflict_details: l.conflict_details ?? [],
  };
}

const PreviewItemOut = z.object({
  summary: z.string().nullable().describe("As the destination would show it"),
  start: z.string().nullable(),
  end: z.string().nullable(),
});

export const SyncPreviewOut = z.object({
  create: z.array(PreviewItemOut).describe("The first 200 copies it would create"),
  update: z.array(PreviewItemOut),
  delete: z.array(PreviewItemOut).describe(
    "The first 200 copies it would remove, as the destination shows them now (under the saved " +
      "options); a copy whose source is gone shows only busy mode's placeholder, else null",
  ),
  skip: z.array(z.object({
    summary: z.string().nullable(),
    start: z.string().nullable(),
    reason: z.string(),
  })),
  counts: z.object({
    create: z.number().int(),
    update: z.number().int(),
    delete: z.number().int(),
    skip: z.number().int(),
  }),
  removals: z.number().int().describe(
    "Copies that stand now and would go (`counts.delete` also counts the occurrences of a " +
      "rewritten series that are cancelled again)",
  ),
  needs_review: z.boolean().describe(
    "It removes so many copies that, saved without `confirm_removals`, the run would wait for review",
  ),
}).meta({ id: "SyncPreview" });

export const ExplainQuery = z.object({
  q: z.string().max(200, "expected at most 200 characters").optional().default("")
    .describe("Text in the event (Google's search)"),
  limit: z.string().regex(/^\d+$/, "expected a whole number 1-250").optional()
    .transform((v) => v === undefined ? 50 : Number(v))
    .pipe(
      z.number().min(1, "expected a whole number 1-250").max(250, "expected a whole number 1-250"),
    ),
});

export const ExplainOut = z.object({
  events: z.array(z.object({
    source_event_id: z.string(),
    summary: z.string().nullable(),
    start: z.string().nullable(),
    status: z.enum(EXPLAIN_STATUSES),
    reason: z.string().describe('In words: "skipped: declined", "Google refused: …"'),
    dest_event_id: z.string().nullable().describe("The copy, when copied"),
  })),
}).meta({ id: "SyncEventsExplained" });

export const ReviewIn = z.object({
  action: z.enum(["apply", "pause"], { message: "expected apply or pause" })
    .describe(
      "`apply`: remove the held copies on the next run (due now); `pause`: keep them, pause",
    ),
});
