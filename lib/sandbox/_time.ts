/** Time-zone arithmetic on top of Intl: wall-clock fields ⇄ instants, RFC 3339 with offsets. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `instant` in `timeZone`, as a Date whose UTC fields hold that wall clock. */
export function toFloating(instant: Date, timeZone: string): Date {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return new Date(
    Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")),
  );
}

/** Offset of `timeZone` from UTC at `instant`, in minutes. */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const wall = toFloating(new Date(Math.floor(instant.getTime() / 1000) * 1000), timeZone);
  return Math.round((wall.getTime() - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

/**
 * The instant at which the wall clock in `timeZone` shows the UTC fields of `floating`.
 * A wall time skipped by a DST gap moves forward by the gap, as Google does.
 */
export function fromFloating(floating: Date, timeZone: string): Date {
  let guess = floating.getTime() - offsetMinutes(floating, timeZone) * 60000;
  for (let i = 0; i < 3; i++) {
    const next = floating.getTime() - offsetMinutes(new Date(guess), timeZone) * 60000;
    if (next === guess) break;
    guess = next;
  }
  const check = toFloating(new Date(guess), timeZone);
  if (check.getTime() !== floating.getTime()) {
    // In a gap: use the offset from before the transition.
    guess = floating.getTime() - offsetMinutes(new Date(guess - 3 * 3600000), timeZone) * 60000;
  }
  return new Date(guess);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** RFC 3339 with the numeric offset of `timeZone` (`Z` when no zone is given). */
export function formatDateTime(instant: Date, timeZone?: string): string {
  if (!timeZone || timeZone === "UTC") {
    return instant.toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  const off = offsetMinutes(instant, timeZone);
  const wall = toFloating(instant, timeZone);
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off);
  return `${formatFloatingDateTime(wall)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `YYYY-MM-DDTHH:MM:SS` from the UTC fields. */
export function formatFloatingDateTime(d: Date): string {
  return `${formatDate(d)}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${
    pad(d.getUTCSeconds())
  }`;
}

/** `YYYY-MM-DD` from the UTC fields. */
export function formatDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `YYYYMMDDTHHMMSSZ` of an instant, as in Google's instance ids. */
export function compactUtc(instant: Date): string {
  return instant.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** `YYYYMMDD` from the UTC fields. */
export function compactDate(d: Date): string {
  return formatDate(d).replace(/-/g, "");
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A parsed `YYYY-MM-DD` as a floating midnight, or null. */
export function parseDate(s: string): Date | null {
  const m = DATE.exec(s);
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return formatDate(d) === s ? d : null;
}

/**
 * Parses an RFC 3339 date-time. Without an offset the wall time is read in `timeZone`;
 * returns null when unparseable or when neither an offset nor a zone is known.
 */
export function parseDateTime(s: string, timeZone?: string): Date | null {
  const m = RFC3339.exec(s);
  if (!m) return null;
  const floating = new Date(
    Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? Math.round(+m[7] * 1000) : 0),
  );
  if (isNaN(floating.getTime()) || +m[2] > 12 || +m[3] > 31 || +m[4] > 23 || +m[5] > 59) {
    return null;
  }
  const zone = m[8];
  if (!zone) return timeZone ? fromFloating(floating, timeZone) : null;
  if (zone === "Z" || zone === "z") return floating;
  const sign = zone[0] === "-" ? -1 : 1;
  const off = sign * (+zone.slice(1, 3) * 60 + +zone.slice(4, 6));
  return new Date(floating.getTime() - off * 60000);
}

/** Whether an RFC 3339 string carries an explicit offset. */
export function hasOffset(s: string): boolean {
  return /([Zz]|[+-]\d{2}:\d{2})$/.test(s);
}

/** Adds whole days to a floating date. */
export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * 86400000);
}
