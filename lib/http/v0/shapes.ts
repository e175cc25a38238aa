/** The seed's response shapes, and how our rows read in them. */
import { z } from "zod";
import type { SyncConfigRow } from "@/lib/db/sync_configs.ts";
import type { SyncLogRow } from "@/lib/db/sync_logs.ts";
import type { User } from "@/lib/db/users.ts";
import type { CalendarEntry } from "@/lib/google/calendar_list.ts";

const iso = (d: Date | null) => d === null ? null : new Date(d).toISOString();

export const V0UserOut = z.object({
  id: z.uuid(),
  email: z.string(),
  full_name: z.string().nullable(),
  is_active: z.boolean(),
}).meta({ id: "V0User" });

export function v0User(user: User): z.infer<typeof V0UserOut> {
  return { id: user.id, email: user.email, full_name: null, is_active: true };
}

export const V0CalendarListOut = z.object({
  calendars: z.array(z.object({
    id: z.string(),
    summary: z.string(),
    description: z.string(),
    time_zone: z.string(),
    access_role: z.string(),
    is_primary: z.boolean(),
  })),
}).meta({ id: "V0CalendarList" });

export function v0Calendars(calendars: CalendarEntry[]): z.infer<typeof V0CalendarListOut> {
  return {
    calendars: calendars.map((c) => ({
      id: c.id,
      summary: c.summary,
      description: "",
      time_zone: c.time_zone ?? "",
      access_role: c.access_role,
      is_primary: c.primary,
    })),
  };
}

export const V0SyncConfigOut = z.object({
  id: z.uuid(),
  source_calendar_id: z.string(),
  dest_calendar_id: z.string(),
  is_active: z.boolean(),
  sync_lookahead_days: z.number().int(),
  destination_color_id: z.string().nullable(),
  last_synced_at: z.iso.datetime().nullable(),
  sync_direction: z.enum(["one_way"]).describe("Every sync here copies one way"),
  paired_config_id: z.uuid().nullable(),
  privacy_mode_enabled: z.boolean(),
  privacy_placeholder_text: z.string().nullable(),
}).meta({ id: "V0SyncConfig" });

export function v0SyncConfig(c: SyncConfigRow): z.infer<typeof V0SyncConfigOut> {
  return {
    id: c.id,
    source_calendar_id: c.source_calendar_id,
    dest_calendar_id: c.dest_calendar_id,
    is_active: c.is_active,
    sync_lookahead_days: c.sync_lookahead_days,
    destination_color_id: null,
    last_synced_at: iso(c.last_synced_at),
    sync_direction: "one_way",
    paired_config_id: null,
    privacy_mode_enabled: false,
    privacy_placeholder_text: null,
  };
}

export const V0SyncLogOut = z.object({
  id: z.uuid(),
  events_created: z.number().int(),
  events_updated: z.number().int(),
  events_deleted: z.number().int(),
  status: z.string().describe("running, success, partial, failed, needs_reconnect, interrupted"),
  error_message: z.string().nullable(),
  sync_window_start: z.iso.datetime().nullable(),
  sync_window_end: z.iso.datetime().nullable(),
  started_at: z.iso.datetime(),
  completed_at: z.iso.datetime().nullable(),
  sync_direction: z.enum(["one_way"]),
}).meta({ id: "V0SyncLog" });

export function v0SyncLog(l: SyncLogRow): z.infer<typeof V0SyncLogOut> {
  return {
    id: l.id,
    events_created: l.events_created,
    events_updated: l.events_updated,
    events_deleted: l.events_deleted,
    status: l.status,
    error_message: l.error,
    sync_window_start: iso(l.window_start),
    sync_window_end: iso(l.window_end),
    started_at: iso(l.started_at)!,
    completed_at: iso(l.finished_at),
    sync_direction: "one_way",
  };
}

/** The seed's create body: the fields it took; options this server lacks are refused, not dropped. */
export const V0NewSyncConfigIn = z.object({
  source_calendar_id: z.string().min(1, "expected a calendar id"),
  dest_calendar_id: z.string().min(1, "expected a calendar id"),
  sync_lookahead_days: z.number().int().min(1).max(365).optional(),
  destination_color_id: z.string().nullable().optional()
    .refine((v) => !v, "a destination colour is not offered here"),
  enable_bidirectional: z.literal(false, { message: "two-way sync is not offered here" })
    .optional(),
  privacy_mode_enabled: z.literal(false, { message: "privacy mode is not offered here" })
    .optional(),
  privacy_placeholder_text: z.string().nullable().optional(),
});
