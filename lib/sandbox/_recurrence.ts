/**
 * Expansion of recurring events with npm `rrule`.
 *
 * rrule's own `tzid` handling depends on the host's zone, so expansion runs on "floating" dates
 * (UTC fields = wall clock in the series' zone) and each occurrence is then placed in the zone:
 * a 09:00 weekly meeting stays at 09:00 across a DST change, as in Google Calendar.
 */
import rrule from "rrule";
import type { RRule as RRuleType, RRuleSet as RRuleSetType } from "rrule";
import {
  compactDate,
  compactUtc,
  fromFloating,
  parseDate,
  parseDateTime,
  toFloating,
} from "./_time.ts";
import { badRequest } from "./_errors.ts";

// rrule ships a UMD bundle as its CommonJS entry, so Deno sees its exports on the default export.
const { RRule, RRuleSet } = rrule;
type RRule = RRuleType;
type RRuleSet = RRuleSetType;

export interface Occurrence {
  /** Suffix of the instance id: `YYYYMMDDTHHMMSSZ` or `YYYYMMDD`. */
  key: string;
  allDay: boolean;
  /** Timed: the start instant. All-day: the floating midnight of the date. */
  start: Date;
}

/** Hard cap on generated occurrences per expansion, so a runaway rule cannot hang the sandbox. */
export const MAX_OCCURRENCES = 5000;

interface SeriesStart {
  allDay: boolean;
  timeZone: string;
  floating: Date;
}

function seriesStart(start: { date?: string; dateTime?: string; timeZone?: string }): SeriesStart {
  if (start.date) {
    const floating = parseDate(start.date);
    if (!floating) throw badRequest("Invalid start time.");
    return { allDay: true, timeZone: "UTC", floating };
  }
  const timeZone = start.timeZone ?? "UTC";
  const instant = parseDateTime(start.dateTime ?? "", timeZone);
  if (!instant) throw badRequest("Invalid start time.");
  return { allDay: false, timeZone, floating: toFloating(instant, timeZone) };
}

function parseListValue(value: string, params: Record<string, string>, series: SeriesStart): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value.trim());
  if (!m) throw badRequest("Invalid recurrence rule.");
  const wall = new Date(
    Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)),
  );
  if (m[4] === undefined) {
    if (series.allDay) return wall;
    // A date-only EXDATE/RDATE on a timed series means that day at the series' time of day.
    return new Date(wall.getTime() + (series.floating.getTime() % 86400000));
  }
  if (m[7] === "Z") return series.allDay ? wall : toFloating(wall, series.timeZone);
  if (params.TZID && params.TZID !== series.timeZone && !series.allDay) {
    return toFloating(fromFloating(wall, params.TZID), series.timeZone);
  }
  return wall;
}

function buildRule(body: string, series: SeriesStart): RRule {
  let options;
  try {
    options = RRule.parseString(body);
  } catch {
    throw badRequest("Invalid recurrence rule.");
  }
  // Google Calendar repeats at most daily; sub-daily rules would also make expansion unbounded.
  if (options.freq === undefined || options.freq > RRule.DAILY) {
    throw badRequest("Invalid recurrence rule.");
  }
  const untilRaw = /(?:^|;)UNTIL=([^;]+)/i.exec(body)?.[1];
  if (options.until && untilRaw?.toUpperCase().endsWith("Z") && !series.allDay) {
    options.until = toFloating(options.until, series.timeZone);
  }
  return new RRule({ ...options, dtstart: series.floating, tzid: null });
}

/** Builds the rrule set of a series; throws Google's 400 on an unparseable line. */
export function buildRuleSet(
  start: { date?: string; dateTime?: string; timeZone?: string },
  recurrence: string[],
): { set: RRuleSet; series: SeriesStart } {
  const series = seriesStart(start);
  const set = new RRuleSet();
  let rules = 0;
  for (const line of recurrence) {
    const colon = line.indexOf(":");
    if (colon < 0) throw badRequest("Invalid recurrence rule.");
    const [name, ...paramParts] = line.slice(0, colon).toUpperCase().split(";");
    const params: Record<string, string> = {};
    for (const p of paramParts) {
      const [k, v] = p.split("=");
      params[k] = v;
    }
    // Parameter values such as TZID keep their case.
    const tzid = /TZID=([^;:]+)/i.exec(line.slice(0, colon))?.[1];
    if (tzid) params.TZID = tzid;
    const body = line.slice(colon + 1);
    switch (name) {
      case "RRULE":
        set.rrule(buildRule(body, series));
        rules++;
        break;
      case "EXRULE":
        set.exrule(buildRule(body, series));
        break;
      case "RDATE":
        for (const v of body.split(",")) set.rdate(parseListValue(v, params, series));
        rules++;
        break;
      case "EXDATE":
        for (const v of body.split(",")) set.exdate(parseListValue(v, params, series));
        break;
      default:
        throw badRequest("Invalid recurrence rule.");
    }
  }
  if (rules === 0) throw badRequest("Invalid recurrence rule.");
  return { set, series };
}

/**
 * Occurrences whose start lies in [from, to) (instants), widened by a day on each side so callers
 * can filter on exact overlap; at most `limit`.
 */
export function expand(
  start: { date?: string; dateTime?: string; timeZone?: string },
  recurrence: string[],
  from: Date,
  to: Date,
  limit = MAX_OCCURRENCES,
): Occurrence[] {
  const { set, series } = buildRuleSet(start, recurrence);
  const day = 86400000;
  const a = new Date(from.getTime() - 2 * day);
  const b = new Date(to.getTime() + 2 * day);
  const dates = set.between(a, b, true, (_d, i) => i < limit);
  const out: Occurrence[] = [];
  for (const d of dates) {
    if (series.allDay) {
      out.push({ key: compactDate(d), allDay: true, start: d });
    } else {
      const instant = fromFloating(d, series.timeZone);
      out.push({ key: compactUtc(instant), allDay: false, start: instant });
    }
  }
  return out;
}
