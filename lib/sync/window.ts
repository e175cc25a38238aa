import type { calendar_v3 } from "@googleapis/calendar";
import rrule from "rrule";
import type { RRuleSet as RRuleSetType } from "rrule";

type Event = calendar_v3.Schema$Event;
type EventTime = calendar_v3.Schema$EventDateTime | undefined;

// rrule's CommonJS entry is a UMD bundle: Deno sees its exports on the default export.
const { RRule, RRuleSet } = rrule;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** An all-day date is a day in some zone: widen it by the widest UTC offset on each side. */
export const DATE_MARGIN = 14 * HOUR;

/** A time as an instant; all-day dates as UTC midnight. */
export function instantOf(t: EventTime): number | undefined {
  if (t?.dateTime) {
    const ms = Date.parse(t.dateTime);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (t?.date) {
    const ms = Date.parse(`${t.date}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** The span of one event or instance, all-day events widened to cover every zone. */
export function spanOf(event: Event): { start: number; end: number } | undefined {
  const start = instantOf(event.start);
  const end = instantOf(event.end);
  if (start === undefined || end === undefined) return undefined;
  const margin = event.start?.date ? DATE_MARGIN : 0;
  return { start: start - margin, end: end + margin };
}

/** Whether a single event (or one instance) overlaps [from, to). */
export function overlaps(event: Event, from: number, to: number): boolean {
  const span = spanOf(event);
  return span !== undefined && span.end > from && span.start < to;
}

/** The RRULEs of a series from `dtstart` (UTC), or undefined when it has none (RDATE only). */
function ruleSetOf(event: Event, dtstart: number): RRuleSetType | undefined {
  const set = new RRuleSet();
  let rules = 0;
  for (const line of event.recurrence ?? []) {
    const m = /^RRULE:(.*)$/i.exec(line.trim());
    if (!m) continue;
    set.rrule(new RRule({ ...RRule.parseString(m[1]), dtstart: new Date(dtstart), tzid: null }));
    rules++;
  }
  return rules ? set : undefined;
}

/**
 * Whether any occurrence of a recurring master overlaps [from, to). Expansion is in UTC and
 * ignores exclusions, with a day of slack: it may keep a series a little too eagerly, never miss one.
 */
export function seriesOverlaps(event: Event, from: number, to: number): boolean {
  const span = spanOf(event);
  if (!span) return false;
  if (span.start >= to + DAY) return false;
  try {
    const set = ruleSetOf(event, span.start);
    if (!set) return span.start < to;
    const duration = span.end - span.start;
    const hit = set.between(
      new Date(from - duration - DAY),
      new Date(to + DAY),
      true,
      (_d, i) => i < 1,
    );
    return hit.length > 0;
  } catch {
    return span.start < to;
  }
}

/** The end of a series' last occurrence, or undefined when it never ends or cannot be told. */
export function seriesEnd(event: Event): number | undefined {
  const span = spanOf(event);
  if (!span) return undefined;
  try {
    const set = ruleSetOf(event, span.start);
    if (!set) return undefined;
    if (set.rrules().some((r) => !r.options.until && !r.options.count)) return undefined;
    const all = set.all((_d, i) => i < 5000);
    const last = all.at(-1);
    return last ? last.getTime() + (span.end - span.start) + DAY : undefined;
  } catch {
    return undefined;
  }
}
