/**
 * What a sync copies and how (privacy, fields, marking) and which events (filters): one zod
 * schema per part, with defaults that keep the copy as it was before options existed. The config
 * stores them (`sync_configs.options`, `sync_configs.filters`); the transform and the planner
 * read them; the API validates them here.
 */
import { z } from "zod";

/** Event types copied unless the filters say otherwise (as before options existed). */
export const DEFAULT_EVENT_TYPES = ["default", "outOfOffice", "focusTime"] as const;
export const COPYABLE_EVENT_TYPES = DEFAULT_EVENT_TYPES;

const titles = z.array(
  z.string({ message: "expected a list of texts" }).min(1, "expected non-empty texts")
    .max(200, "expected texts of at most 200 characters"),
  { message: "expected a list of texts" },
).max(50, "expected at most 50 texts");

export const SyncFilters = z.object({
  skip_declined: z.boolean({ message: "expected true or false" }).default(false)
    .describe("Skip events the source account's owner declined"),
  skip_free: z.boolean({ message: "expected true or false" }).default(false)
    .describe("Skip events shown as free (transparent)"),
  skip_all_day: z.boolean({ message: "expected true or false" }).default(false),
  skip_tentative: z.boolean({ message: "expected true or false" }).default(false)
    .describe("Skip events the source account's owner answered 'maybe'"),
  include_titles: titles.default([])
    .describe("Only events whose title contains one of these (case-insensitive); empty: all"),
  exclude_titles: titles.default([])
    .describe("Skip events whose title contains one of these (case-insensitive)"),
  event_types: z.array(z.enum(COPYABLE_EVENT_TYPES, {
    message: `expected event types among ${COPYABLE_EVENT_TYPES.join(", ")}`,
  })).default([...DEFAULT_EVENT_TYPES]).describe("The event types copied"),
}).strict().meta({ id: "SyncFilters" });
export type SyncFilters = z.infer<typeof SyncFilters>;

export const CopyOptions = z.object({
  privacy: z.enum(["full", "busy"], { message: "expected full or busy" }).default("full")
    .describe("`busy`: the copy shows only the placeholder title, no description or location"),
  busy_title: z.string({ message: "expected a text" }).trim().min(1, "expected a non-empty title")
    .max(200, "expected at most 200 characters").default("Busy")
    .describe("The copy's title in busy mode"),
  copy_description: z.boolean({ message: "expected true or false" }).default(true),
  copy_location: z.boolean({ message: "expected true or false" }).default(true),
  copy_color: z.boolean({ message: "expected true or false" }).default(true),
  title_prefix: z.string({ message: "expected a text" }).max(50, "expected at most 50 characters")
    .default("").describe('Put before every copy\'s title, e.g. "[Work] "'),
  dest_color_id: z.string({ message: 'expected a colour id "1"-"11" or null' })
    .regex(/^(?:[1-9]|1[01])$/, 'expected a colour id "1"-"11" or null').nullable().default(null)
    .describe("The colour of every copy (Google's event colour ids); null: as the source"),
}).strict();
export type CopyOptions = z.infer<typeof CopyOptions>;

/** Every option of a sync, as the planner and the transform read them. */
export interface SyncOptions {
  copy: CopyOptions;
  filters: SyncFilters;
  /** The source calendar's id: an attendee with it is its owner (when Google omits `self`). */
  owner?: string;
}

/** The options stored on a config; what is missing or unreadable is its default. */
export function syncOptionsOf(
  config: { options?: unknown; filters?: unknown; source_calendar_id?: string },
): SyncOptions {
  const copy = CopyOptions.safeParse(config.options ?? {});
  const filters = SyncFilters.safeParse(config.filters ?? {});
  return {
    copy: copy.success ? copy.data : CopyOptions.parse({}),
    filters: filters.success ? filters.data : SyncFilters.parse({}),
    owner: config.source_calendar_id,
  };
}

/** The defaults: today's copy of every supported event. */
export function defaultSyncOptions(): SyncOptions {
  return syncOptionsOf({});
}

type Attendee = { self?: boolean | null; email?: string | null; responseStatus?: string | null };
interface Filterable {
  summary?: string | null;
  transparency?: string | null;
  start?: { date?: string | null; dateTime?: string | null } | null;
  attendees?: Attendee[] | null;
}

/**
 * Why the filters leave `ev` out ("declined", "title excluded" …), or undefined when it passes.
 * `owner`: the source calendar's id, which names its owner among the attendees.
 */
export function filteredOut(ev: Filterable, f: SyncFilters, owner?: string): string | undefined {
  const me = owner?.toLowerCase();
  const answer = ev.attendees?.find((a) => a.self || (me && a.email?.toLowerCase() === me))
    ?.responseStatus;
  if (f.skip_declined && answer === "declined") return "declined";
  if (f.skip_tentative && answer === "tentative") return "tentative";
  if (f.skip_free && ev.transparency === "transparent") return "free";
  if (f.skip_all_day && ev.start?.date) return "all-day";
  const title = (ev.summary ?? "").toLowerCase();
  if (f.include_titles.length && !f.include_titles.some((t) => title.includes(t.toLowerCase()))) {
    return "title not included";
  }
  if (f.exclude_titles.some((t) => title.includes(t.toLowerCase()))) return "title excluded";
  return undefined;
}

/** The options as the API takes them: each copy option a field, the filters one object. */
export const SyncOptionsIn = z.object({
  ...withoutDefaultsShape(CopyOptions.shape),
  filters: z.object(withoutDefaultsShape(SyncFilters.shape)).strict().optional()
    .describe("Which events are copied; fields left out keep their current value"),
});

/** The fields of a shape, optional and without their defaults (a field left out: unchanged). */
function withoutDefaultsShape<S extends Record<string, z.ZodDefault<z.ZodType>>>(shape: S) {
  return Object.fromEntries(
    Object.entries(shape).map(([k, v]) => [k, v.unwrap().optional().describe(v.description ?? "")]),
  ) as { [K in keyof S]: z.ZodOptional<ReturnType<S[K]["unwrap"]>> };
}
export type SyncOptionsIn = z.infer<typeof SyncOptionsIn>;

const COPY_KEYS = CopyOptions.keyof().options;

/**
 * The stored options once `input` is laid over `current` (undefined parts: unchanged). Only the
 * fields that differ from their default are kept, so an untouched config stays `{}`.
 */
export function mergeOptions(current: SyncOptions, input: Partial<SyncOptionsIn>) {
  const copy: Record<string, unknown> = { ...current.copy };
  for (const k of COPY_KEYS) if (input[k] !== undefined) copy[k] = input[k];
  const filters = { ...current.filters, ...input.filters };
  return {
    options: withoutDefaults(copy, CopyOptions.parse({})),
    filters: withoutDefaults(filters, SyncFilters.parse({})),
  };
}

function withoutDefaults(value: Record<string, unknown>, defaults: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(value).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(defaults[k])),
  );
}

/** Whether the input names any option. */
export function namesOptions(input: Partial<SyncOptionsIn>): boolean {
  return input.filters !== undefined || COPY_KEYS.some((k) => input[k] !== undefined);
}

/** The options as the API answers them (every field, defaults included). */
export const SyncOptionsOut = z.object({ ...CopyOptions.shape, filters: SyncFilters });

export function syncOptionsOut(config: { options?: unknown; filters?: unknown }) {
  const { copy, filters } = syncOptionsOf(config);
  return { ...copy, filters };
}
