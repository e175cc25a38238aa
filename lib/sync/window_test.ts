import assert from "node:assert/strict";
import { instantOf, overlaps, seriesEnd, seriesOverlaps, spanOf } from "./window.ts";

const ms = (iso: string) => Date.parse(iso);

Deno.test("instantOf: dateTime as the instant, date as UTC midnight, garbage as undefined", () => {
  assert.equal(instantOf({ dateTime: "2026-12-01T09:00:00+01:00" }), 1796112000000);
  assert.equal(instantOf({ date: "2026-12-01" }), 1796083200000);
  assert.equal(instantOf({ dateTime: "tomorrow" }), undefined);
  assert.equal(instantOf({ date: "2026-13-45" }), undefined);
  assert.equal(instantOf({}), undefined);
  assert.equal(instantOf(undefined), undefined);
});

Deno.test("spanOf: all-day events widened by 14 hours each side, timed ones exact", () => {
  assert.deepEqual(
    spanOf({ start: { date: "2026-12-01" }, end: { date: "2026-12-02" } }),
    { start: ms("2026-11-30T10:00:00Z"), end: ms("2026-12-02T14:00:00Z") },
  );
  assert.deepEqual(
    spanOf({
      start: { dateTime: "2026-12-01T09:00:00Z" },
      end: { dateTime: "2026-12-01T10:00:00Z" },
    }),
    { start: ms("2026-12-01T09:00:00Z"), end: ms("2026-12-01T10:00:00Z") },
  );
  assert.equal(spanOf({ start: { dateTime: "2026-12-01T09:00:00Z" } }), undefined);
});

Deno.test("overlaps: half-open [from, to) against the event's span", () => {
  const ev = {
    start: { dateTime: "2026-12-01T09:00:00Z" },
    end: { dateTime: "2026-12-01T10:00:00Z" },
  };
  assert.equal(overlaps(ev, ms("2026-12-01T10:00:00Z"), ms("2026-12-02T00:00:00Z")), false);
  assert.equal(overlaps(ev, ms("2026-12-01T09:59:00Z"), ms("2026-12-02T00:00:00Z")), true);
  assert.equal(overlaps(ev, ms("2026-11-30T00:00:00Z"), ms("2026-12-01T09:00:00Z")), false);
  assert.equal(overlaps(ev, ms("2026-11-30T00:00:00Z"), ms("2026-12-01T09:01:00Z")), true);
  // An all-day event reaches a window that ends 13 hours before its date starts in UTC.
  const allDay = { start: { date: "2026-12-01" }, end: { date: "2026-12-02" } };
  assert.equal(overlaps(allDay, ms("2026-11-30T00:00:00Z"), ms("2026-11-30T11:00:00Z")), true);
  assert.equal(overlaps(allDay, ms("2026-11-30T00:00:00Z"), ms("2026-11-30T09:00:00Z")), false);
  assert.equal(overlaps({}, 0, Number.MAX_SAFE_INTEGER), false);
});

const weekly = (rule: string) => ({
  start: { dateTime: "2026-01-05T09:00:00Z" },
  end: { dateTime: "2026-01-05T10:00:00Z" },
  recurrence: [`RRULE:${rule}`],
});

Deno.test("seriesOverlaps: a series that ended before the window does not reach it", () => {
  const three = weekly("FREQ=WEEKLY;COUNT=3"); // Jan 5, 12, 19
  assert.equal(seriesOverlaps(three, ms("2026-01-18T00:00:00Z"), ms("2026-01-25T00:00:00Z")), true);
  assert.equal(
    seriesOverlaps(three, ms("2026-03-01T00:00:00Z"), ms("2026-04-01T00:00:00Z")),
    false,
  );
  // An endless series reaches any later window…
  const endless = weekly("FREQ=WEEKLY");
  assert.equal(
    seriesOverlaps(endless, ms("2030-03-01T00:00:00Z"), ms("2030-03-08T00:00:00Z")),
    true,
  );
  // …but not one more than a day before its first occurrence.
  assert.equal(
    seriesOverlaps(endless, ms("2025-12-01T00:00:00Z"), ms("2026-01-03T00:00:00Z")),
    false,
  );
});

Deno.test("seriesOverlaps: a day of slack around the window, never a miss", () => {
  // Monthly on the 5th: a window of the 10th-20th has no occurrence, even with the slack.
  const monthly = weekly("FREQ=MONTHLY;COUNT=12");
  assert.equal(
    seriesOverlaps(monthly, ms("2026-03-10T00:00:00Z"), ms("2026-03-20T00:00:00Z")),
    false,
  );
  // A window ending the day before an occurrence keeps the series (slack, not a miss).
  assert.equal(
    seriesOverlaps(monthly, ms("2026-03-01T00:00:00Z"), ms("2026-03-04T12:00:00Z")),
    true,
  );
});

Deno.test("seriesOverlaps: RDATE only or an unreadable rule fall back to the first start", () => {
  const rdate = { ...weekly("x"), recurrence: ["RDATE:20260301T090000Z"] };
  assert.equal(seriesOverlaps(rdate, ms("2026-06-01T00:00:00Z"), ms("2026-07-01T00:00:00Z")), true);
  assert.equal(
    seriesOverlaps(rdate, ms("2025-06-01T00:00:00Z"), ms("2025-07-01T00:00:00Z")),
    false,
  );
  const broken = weekly("FREQ=NOPE;;");
  assert.equal(
    seriesOverlaps(broken, ms("2026-06-01T00:00:00Z"), ms("2026-07-01T00:00:00Z")),
    true,
  );
});

Deno.test("seriesEnd: last occurrence's end plus a day; undefined for endless or unreadable", () => {
  // COUNT=3 weekly from Jan 5 09:00: last Jan 19 09:00, ends 10:00, plus a day.
  assert.equal(seriesEnd(weekly("FREQ=WEEKLY;COUNT=3")), ms("2026-01-20T10:00:00Z"));
  assert.equal(
    seriesEnd(weekly("FREQ=DAILY;UNTIL=20260107T235959Z")),
    ms("2026-01-08T10:00:00Z"),
  );
  assert.equal(seriesEnd(weekly("FREQ=WEEKLY")), undefined);
  assert.equal(seriesEnd({ ...weekly("x"), recurrence: ["RDATE:20260301T090000Z"] }), undefined);
  assert.equal(seriesEnd({ recurrence: ["RRULE:FREQ=DAILY;COUNT=2"] }), undefined);
});
