/** Series expansion checked against npm rrule, through events.list(singleEvents) over HTTP. */
import assert from "node:assert/strict";
import rrule from "rrule";
import type { calendar_v3 } from "@googleapis/calendar";
import { harness } from "./_helpers.ts";

const { RRule, RRuleSet } = rrule;

/** Wall-clock `YYYY-MM-DDTHH:MM` of an instant in a zone, via Intl (independent of the sandbox). */
function wall(instant: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(new Date(instant));
  const g = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${g("year")}-${g("month")}-${g("day")}T${g("hour")}:${g("minute")}`;
}

/** What rrule says, as wall-clock strings (rrule runs on floating dates here). */
function expected(
  dtstart: string,
  rule: string,
  opts: { exdates?: string[]; rdates?: string[]; allDay?: boolean } = {},
): string[] {
  const [d, t = "00:00"] = dtstart.split("T");
  const [y, mo, da] = d.split("-").map(Number);
  const [hh, mm] = t.split(":").map(Number);
  const set = new RRuleSet();
  set.rrule(
    new RRule({ ...RRule.parseString(rule), dtstart: new Date(Date.UTC(y, mo - 1, da, hh, mm)) }),
  );
  const floating = (s: string) => {
    const [dd, tt = t] = s.split("T");
    const [a, b, c] = dd.split("-").map(Number);
    const [e, f] = tt.split(":").map(Number);
    return new Date(Date.UTC(a, b - 1, c, e, f));
  };
  for (const x of opts.exdates ?? []) set.exdate(floating(x));
  for (const x of opts.rdates ?? []) set.rdate(floating(x));
  return set.all((_d, i) => i < 500).map((x) =>
    opts.allDay ? x.toISOString().slice(0, 10) : x.toISOString().slice(0, 16)
  );
}

async function instancesOf(
  api: calendar_v3.Calendar,
  body: calendar_v3.Schema$Event,
  window: { timeMin?: string; timeMax?: string } = {},
) {
  const { data: master } = await api.events.insert({ calendarId: "primary", requestBody: body });
  const items: calendar_v3.Schema$Event[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await api.events.list({
      calendarId: "primary",
      singleEvents: true,
      orderBy: "startTime",
      iCalUID: master.iCalUID!,
      timeMin: window.timeMin ?? "2029-01-01T00:00:00Z",
      timeMax: window.timeMax ?? "2033-01-01T00:00:00Z",
      maxResults: 2500,
      pageToken,
    });
    items.push(...data.items!);
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return { master, items };
}

const TIMED_CASES: { name: string; tz: string; start: string; rule: string; ex?: string[] }[] = [
  { name: "daily COUNT", tz: "UTC", start: "2030-01-01T08:00", rule: "FREQ=DAILY;COUNT=10" },
  {
    name: "daily INTERVAL UNTIL",
    tz: "Asia/Tokyo",
    start: "2030-01-01T20:00",
    rule: "FREQ=DAILY;INTERVAL=3;UNTIL=20300131",
  },
  {
    name: "weekly BYDAY",
    tz: "America/New_York",
    start: "2030-01-07T09:30",
    rule: "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=12",
  },
  {
    name: "weekly with EXDATE",
    tz: "Europe/Berlin",
    start: "2030-01-07T09:00",
    rule: "FREQ=WEEKLY;COUNT=8",
    ex: ["2030-01-21T09:00", "2030-02-04T09:00"],
  },
  {
    name: "monthly BYMONTHDAY=31 skips short months",
    tz: "Europe/London",
    start: "2030-01-31T12:00",
    rule: "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=6",
  },
  {
    name: "monthly BYDAY=2TU",
    tz: "Australia/Sydney",
    start: "2030-01-08T18:00",
    rule: "FREQ=MONTHLY;BYDAY=2TU;COUNT=7",
  },
  {
    name: "yearly",
    tz: "America/Los_Angeles",
    start: "2030-02-28T07:00",
    rule: "FREQ=YEARLY;COUNT=3",
  },
];

for (const c of TIMED_CASES) {
  Deno.test(`singleEvents expansion matches rrule: ${c.name} (${c.tz})`, async () => {
    await using h = await harness();
    await (await h.control("POST", "reset", { empty: true })).body?.cancel();
    const api = await h.calendarAs("alice@example.com");
    const exLines = c.ex?.length
      ? [`EXDATE;TZID=${c.tz}:${c.ex.map((x) => x.replace(/[-:]/g, "") + "00").join(",")}`]
      : [];
    const end = c.start.replace(/T(\d\d)/, (_, hh) => `T${String(+hh + 1).padStart(2, "0")}`);
    const { master, items } = await instancesOf(api, {
      summary: c.name,
      start: { dateTime: `${c.start}:00`, timeZone: c.tz },
      end: { dateTime: `${end}:00`, timeZone: c.tz },
      recurrence: [`RRULE:${c.rule}`, ...exLines],
    });
    const got = items.map((e) => wall(e.start!.dateTime!, c.tz));
    assert.deepEqual(got, expected(c.start, c.rule, { exdates: c.ex }));
    for (const e of items) {
      const utc = new Date(e.start!.dateTime!).toISOString().replace(/[-:]|\.\d{3}/g, "");
      assert.equal(e.id, `${master.id}_${utc}`);
      assert.equal(e.start!.timeZone, c.tz);
      assert.equal(Date.parse(e.end!.dateTime!) - Date.parse(e.start!.dateTime!), 3600_000);
    }
  });
}

Deno.test("a series keeps its wall-clock time across a DST change inside the window", async () => {
  await using h = await harness();
  await (await h.control("POST", "reset", { empty: true })).body?.cancel();
  const api = await h.calendarAs("alice@example.com");
  const { master, items } = await instancesOf(api, {
    start: { dateTime: "2030-03-28T09:00:00", timeZone: "Europe/Berlin" },
    end: { dateTime: "2030-03-28T09:45:00", timeZone: "Europe/Berlin" },
    recurrence: ["RRULE:FREQ=DAILY;COUNT=6"],
  }, { timeMin: "2030-03-29T00:00:00Z", timeMax: "2030-04-02T00:00:00Z" });
  assert.deepEqual(items.map((e) => e.start!.dateTime), [
    "2030-03-29T09:00:00+01:00",
    "2030-03-30T09:00:00+01:00",
    "2030-03-31T09:00:00+02:00",
    "2030-04-01T09:00:00+02:00",
  ]);
  assert.deepEqual(items.map((e) => e.id!.slice(master.id!.length + 1)), [
    "20300329T080000Z",
    "20300330T080000Z",
    "20300331T070000Z",
    "20300401T070000Z",
  ]);
  assert.deepEqual(
    items.map((e) => wall(e.start!.dateTime!, "Europe/Berlin")),
    expected("2030-03-28T09:00", "FREQ=DAILY;COUNT=6").slice(1, 5),
  );
  // And across the autumn change in New York.
  const ny = await instancesOf(api, {
    start: { dateTime: "2030-10-28T08:00:00", timeZone: "America/New_York" },
    end: { dateTime: "2030-10-28T09:00:00", timeZone: "America/New_York" },
    recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
  });
  assert.deepEqual(ny.items.map((e) => e.start!.dateTime), [
    "2030-10-28T08:00:00-04:00",
    "2030-11-04T08:00:00-05:00",
    "2030-11-11T08:00:00-05:00",
  ]);
});

Deno.test("all-day series expand by date, with EXDATE;VALUE=DATE and RDATE", async () => {
  await using h = await harness();
  await (await h.control("POST", "reset", { empty: true })).body?.cancel();
  const api = await h.calendarAs("alice@example.com");
  const { master, items } = await instancesOf(api, {
    start: { date: "2030-01-06" },
    end: { date: "2030-01-08" },
    recurrence: [
      "RRULE:FREQ=WEEKLY;BYDAY=SU;UNTIL=20300310",
      "EXDATE;VALUE=DATE:20300120,20300203",
      "RDATE;VALUE=DATE:20300115",
    ],
  });
  const got = items.map((e) => e.start!.date);
  assert.deepEqual(
    got,
    expected("2030-01-06", "FREQ=WEEKLY;BYDAY=SU;UNTIL=20300310", {
      allDay: true,
      exdates: ["2030-01-20", "2030-02-03"],
      rdates: ["2030-01-15"],
    }),
  );
  assert.equal(items[0].end!.date, "2030-01-08", "two-day instances");
  assert.equal(items[0].id, `${master.id}_20300106`);
  assert.deepEqual(items[0].originalStartTime, { date: "2030-01-06" });
});

Deno.test("exceptions replace generated instances and cancelled ones disappear", async () => {
  await using h = await harness();
  await (await h.control("POST", "reset", { empty: true })).body?.cancel();
  const api = await h.calendarAs("alice@example.com");
  const { master, items } = await instancesOf(api, {
    start: { dateTime: "2030-05-06T10:00:00", timeZone: "Europe/Paris" },
    end: { dateTime: "2030-05-06T11:00:00", timeZone: "Europe/Paris" },
    recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"],
  });
  await api.events.patch({
    calendarId: "primary",
    eventId: items[1].id!,
    requestBody: { summary: "changed" },
  });
  await api.events.delete({ calendarId: "primary", eventId: items[2].id! });
  const { data } = await api.events.list({
    calendarId: "primary",
    singleEvents: true,
    orderBy: "startTime",
  });
  assert.deepEqual(data.items!.map((e) => e.id), [items[0].id, items[1].id, items[3].id]);
  assert.equal(data.items![1].summary, "changed");
  assert.ok(data.items!.every((e) => e.recurringEventId === master.id));
});
