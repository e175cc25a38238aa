/**
 * The text of events.quickAdd, read the simple way (Google's parser is far richer). Understood:
 * - a day: `today`, `tomorrow`, a weekday (`friday`, `on friday` = today or later; `next friday`
 *   = after today), `2030-05-01`, `May 5`, `May 5th 2031`, `5 May`;
 * - a time: `3pm`, `3:30pm`, `15:00`, `noon`, `midnight`, or `at 15` (a bare hour after "at");
 * - a range `3pm-4pm` / `from 3pm to 5pm`, or a length `for 30 minutes` / `for 2 hours`.
 * With a time the event lasts an hour unless told otherwise; without one it is an all-day event;
 * without a day it is today (in the calendar's zone). What is left of the text is the title.
 */

export interface QuickAdd {
  summary: string;
  /** The day, as `YYYY-MM-DD`. */
  date: string;
  /** Start and end in minutes after the day's midnight (the end may pass into the next day). */
  minutes?: { start: number; end: number };
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTH = `(${
  MONTHS.map((m) => m.length > 3 ? `${m.slice(0, 3)}(?:${m.slice(3)})?` : m).join("|")
})\\.?`;
const TIME = String.raw`(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)|(\d{1,2}):(\d{2})|(noon|midnight)`;
const TIME_GROUPS = 6;
const DAY = 86400000;

/** Minutes after midnight of a TIME match starting at `g` in `m`, or null when out of range. */
function minutesOf(m: RegExpExecArray, g: number): number | null {
  if (m[g + 5]) return m[g + 5].toLowerCase() === "noon" ? 720 : 0;
  if (m[g + 3] !== undefined) {
    const h = Number(m[g + 3]);
    const min = Number(m[g + 4]);
    return h < 24 && min < 60 ? h * 60 + min : null;
  }
  let h = Number(m[g]);
  const min = Number(m[g + 1] ?? 0);
  if (h < 1 || h > 12 || min > 59) return null;
  const pm = m[g + 2].toLowerCase().startsWith("p");
  if (h === 12) h = 0;
  return (pm ? h + 12 : h) * 60 + min;
}

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Finds a pattern in what is left of the text and removes it from there. */
type Take = (re: RegExp) => RegExpExecArray | null;

/** Reads `text`; `today` is the calendar's current day as a UTC-midnight Date. */
export function parseQuickAdd(text: string, today: Date): QuickAdd {
  let rest = ` ${text.replace(/\s+/g, " ").trim()} `;
  const take: Take = (re) => {
    const m = re.exec(rest);
    if (m) rest = `${rest.slice(0, m.index)} ${rest.slice(m.index + m[0].length)}`;
    return m;
  };
  const minutes = takeTimes(take);
  const date = takeDay(take, today);
  const summary = rest.replace(/\s+/g, " ").replace(/\s(?:at|on|from)\s*$/i, "").trim();
  return { summary: summary || text.trim(), date: iso(date), minutes };
}

/** The time of day (a range, or a start and a length, an hour by default), in minutes. */
function takeTimes(take: Take): QuickAdd["minutes"] {
  let start: number | null = null;
  let end: number | null = null;
  const range = take(
    new RegExp(String.raw`\s(?:from\s+)?(?:${TIME})\s*(?:-|–|to|until)\s*(?:${TIME})(?=\s)`, "i"),
  );
  if (range) {
    start = minutesOf(range, 1);
    end = minutesOf(range, 1 + TIME_GROUPS);
  } else {
    const single = take(new RegExp(String.raw`\s(?:at\s+)?(?:${TIME})(?=\s)`, "i"));
    if (single) start = minutesOf(single, 1);
    else {
      const bare = take(/\sat\s+(\d{1,2})(?=\s)/i);
      if (bare && Number(bare[1]) < 24) start = Number(bare[1]) * 60;
    }
  }
  const length = take(/\sfor\s+(\d+)\s*(minutes?|mins?|hours?|hrs?|h)(?=\s)/i);
  if (start !== null && end === null) {
    const n = length ? Number(length[1]) : 1;
    end = start + (length && !/^h/i.test(length[2]) ? n : n * 60);
  }
  if (start !== null && end !== null && end <= start) end += 1440;
  return start !== null && end !== null ? { start, end } : undefined;
}

/** The day the text names (the first form found, in the order below), else today. */
function takeDay(take: Take, today: Date): Date {
  const isoDate = take(/\s(?:on\s+)?(\d{4})-(\d{2})-(\d{2})(?=\s)/);
  if (isoDate) {
    const d = new Date(Date.UTC(+isoDate[1], +isoDate[2] - 1, +isoDate[3]));
    return iso(d) === `${isoDate[1]}-${isoDate[2]}-${isoDate[3]}` ? d : today;
  }
  const relative = take(/\s(?:on\s+)?(today|tomorrow)(?=\s)/i);
  if (relative) {
    return relative[1].toLowerCase() === "tomorrow" ? new Date(today.getTime() + DAY) : today;
  }
  const weekday = take(
    new RegExp(String.raw`\s(?:(on|next)\s+)?(${WEEKDAYS.join("|")})(?=\s)`, "i"),
  );
  if (weekday) {
    const want = WEEKDAYS.indexOf(weekday[2].toLowerCase());
    let ahead = (want - today.getUTCDay() + 7) % 7;
    if (ahead === 0 && weekday[1]?.toLowerCase() === "next") ahead = 7;
    return new Date(today.getTime() + ahead * DAY);
  }
  const monthDay = take(
    new RegExp(
      String.raw`\s(?:on\s+)?${MONTH}\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?(?=\s)`,
      "i",
    ),
  );
  if (monthDay) return calendarDay(monthDay[1], monthDay[2], monthDay[3], today);
  const dayMonth = take(
    new RegExp(
      String.raw`\s(?:on\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+${MONTH}(?:\s+(\d{4}))?(?=\s)`,
      "i",
    ),
  );
  if (dayMonth) return calendarDay(dayMonth[2], dayMonth[1], dayMonth[3], today);
  return today;
}

/** A month and day (and maybe a year): without a year, the next such day from today on. */
function calendarDay(monthName: string, day: string, year: string | undefined, today: Date): Date {
  const month = MONTHS.findIndex((m) => m.startsWith(monthName.toLowerCase().slice(0, 3)));
  let d = new Date(Date.UTC(year ? +year : today.getUTCFullYear(), month, +day));
  if (!year && d < today) d = new Date(Date.UTC(today.getUTCFullYear() + 1, month, +day));
  return d.getUTCDate() === +day ? d : today;
}
