/**
 * The options form's fields (SyncOptionsFields) as the API's JSON: the same reading for the
 * Edit dialog (in the browser) and the sync page's form without JavaScript (on the server).
 */
import type { SyncView } from "./sync_view.ts";

/** The options of a sync as the form shows them. */
export type OptionsView = Pick<
  SyncView,
  | "privacy"
  | "busy_title"
  | "copy_description"
  | "copy_location"
  | "copy_color"
  | "title_prefix"
  | "dest_color_id"
  | "filters"
  | "sync_lookahead_days"
  | "sync_interval_minutes"
>;

export const EVENT_TYPE_LABELS: Record<string, string> = {
  default: "Ordinary events",
  outOfOffice: "Out of office",
  focusTime: "Focus time",
};

const EVENT_TYPES = ["default", "outOfOffice", "focusTime"] as const;

export const FILTER_LABELS = {
  skip_declined: "Skip events I declined",
  skip_tentative: "Skip events I answered “maybe”",
  skip_free: "Skip events shown as free",
  skip_all_day: "Skip all-day events",
} as const;

const list = (text: string | null) =>
  (text ?? "").split(",").map((t) => t.trim()).filter((t) => t.length > 0);

const whole = (text: string | null) => text === null || text === "" ? undefined : Number(text);

/** The API body (a PATCH, or the options of a create) that the form's fields say. */
export function optionsFromForm(form: { get(name: string): unknown }) {
  const text = (name: string) => {
    const v = form.get(name);
    return typeof v === "string" ? v : null;
  };
  const on = (name: string) => text(name) !== null;
  return {
    privacy: text("privacy") === "busy" ? "busy" as const : "full" as const,
    busy_title: text("busy_title") || "Busy",
    copy_description: on("copy_description"),
    copy_location: on("copy_location"),
    copy_color: on("copy_color"),
    title_prefix: text("title_prefix") ?? "",
    dest_color_id: text("dest_color_id") || null,
    sync_lookahead_days: whole(text("sync_lookahead_days")),
    sync_interval_minutes: whole(text("sync_interval_minutes")),
    filters: {
      skip_declined: on("skip_declined"),
      skip_tentative: on("skip_tentative"),
      skip_free: on("skip_free"),
      skip_all_day: on("skip_all_day"),
      include_titles: list(text("include_titles")),
      exclude_titles: list(text("exclude_titles")),
      event_types: EVENT_TYPES.filter((t) => on(`event_type_${t}`)),
    },
  };
}

/** "This will create 42, update 3 and remove 60 copies". */
export function previewSentence(
  c: { create: number; update: number },
  removals: number,
): string {
  if (!c.create && !c.update && !removals) return "Nothing to change: the copies already match.";
  return `This will create ${c.create}, update ${c.update} and remove ${removals} ` +
    `cop${removals === 1 ? "y" : "ies"}.`;
}
