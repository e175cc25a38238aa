/** The demo data a new sandbox starts with: two accounts with realistic calendars. */
import type { Json } from "./_event_input.ts";
import { deleteEvent, insertEvent, writeEvent } from "./_event_writes.ts";
import { listInstances } from "./_listings.ts";
import type { Calendar } from "./_state.ts";
import type { Store } from "./_store.ts";
import { addDays, formatDate, toFloating } from "./_time.ts";

/** The seeded pair's addresses. */
const DEMO_NAMES: DemoNames = { alice: "alice@example.com", bob: "bob@example.com" };

/** Where Alice's and Bob's calendars live: the seeded pair, or a pair of other addresses. */
export interface DemoNames {
  alice: string;
  bob: string;
}

const HOLIDAYS_ID = "en.usa#holiday@group.v.calendar.google.com";

/** Creates Alice, Bob and their calendars; with `events`, fills them relative to now. */
export function seed(store: Store, events: boolean): void {
  seedDemo(store, DEMO_NAMES, events);
}

/**
 * Alice's and Bob's accounts, calendars and (with `events`) events under the addresses `names`,
 * the holiday calendar shared with both (made, with its events, on the first call). Tests that
 * share one sandbox take a pair each this way (`POST /_sandbox/demo`). The addresses must be new.
 */
export function seedDemo(store: Store, names: DemoNames, events = true): void {
  const alice = store.addAccount(names.alice, ["Work", "Personal"]);
  const bob = store.addAccount(names.bob, ["Main", "Family"]);
  for (const id of alice.calendarIds) store.state.calendars[id].timeZone = "America/New_York";
  const made = store.state.calendars[HOLIDAYS_ID];
  const holidays = made ?? store.addCalendar({
    id: HOLIDAYS_ID,
    summary: "Holidays in United States",
    description: "Holidays and Observances in United States",
    access: { "holidays@group.v.calendar.google.com": "owner" },
    timeZone: "America/New_York",
  });
  for (const account of [alice, bob]) {
    holidays.access[account.email] = "reader";
    account.calendarIds.push(holidays.id);
  }
  store.changed();
  if (!events) return;
  const [work, personal] = alice.calendarIds.map((id) => store.state.calendars[id]);
  const [main, family] = bob.calendarIds.map((id) => store.state.calendars[id]);
  seedWork(store, work);
  seedPersonal(store, personal);
  seedBob(store, main, family);
  if (!made) seedHolidays(store, holidays);
}

function helpers(store: Store, cal: Calendar) {
  const today = toFloating(store.now(), cal.timeZone);
  const date = (days: number) => formatDate(addDays(today, days));
  const at = (days: number, time: string, timeZone = cal.timeZone) => ({
    dateTime: `${date(days)}T${time}:00`,
    timeZone,
  });
  const owner = Object.entries(cal.access).find(([, r]) => r === "owner")?.[0] ??
    Object.keys(cal.access)[0];
  const add = (body: Json) => insertEvent(store, cal, owner, body);
  return { today, date, at, add, owner };
}

/** The weekly team sync: a series with a past, one instance moved and one cancelled. */
function seedWeeklySync(store: Store, cal: Calendar) {
  const { today, at, add, owner } = helpers(store, cal);
  // Weekly sync on Mondays, starting the Monday before today, so the series has a past too.
  const dow = today.getUTCDay();
  const lastMonday = -((dow + 6) % 7) - 7;
  const weekly = add({
    summary: "Weekly team sync",
    description: "Status round and blockers.",
    location: "Room 4B",
    start: at(lastMonday, "10:00"),
    end: at(lastMonday, "10:30"),
    recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO"],
  });
  const inst = listInstances(
    store,
    cal,
    owner,
    weekly.id,
    new URLSearchParams({ timeMin: store.now().toISOString(), maxResults: "3" }),
  ).items;
  if (inst[1]) {
    writeEvent(store, cal, owner, inst[1].id, {
      start: at(lastMonday + 7 * 3 + 1, "14:00"),
      end: at(lastMonday + 7 * 3 + 1, "14:30"),
      summary: "Weekly team sync (moved to Tuesday)",
    }, "patch");
  }
  if (inst[2]) deleteEvent(store, cal, owner, inst[2].id);
}

function seedWork(store: Store, cal: Calendar) {
  seedWeeklySync(store, cal);
  const { date, at, add } = helpers(store, cal);
  add({ summary: "Design review", start: at(1, "14:00"), end: at(1, "15:00"), colorId: "5" });
  add({
    summary: "1:1 with manager",
    start: at(2, "09:00"),
    end: at(2, "09:30"),
    visibility: "private",
  });
  add({
    summary: "Call with the Tokyo office",
    start: at(3, "09:00", "Asia/Tokyo"),
    end: at(3, "10:00", "Asia/Tokyo"),
  });
  add({
    summary: "Company offsite",
    location: "Lake Placid",
    start: { date: date(12) },
    end: { date: date(15) },
    transparency: "transparent",
  });
  add({
    summary: "Out of office",
    eventType: "outOfOffice",
    start: at(20, "00:00"),
    end: at(22, "00:00"),
    transparency: "opaque",
    outOfOfficeProperties: {
      autoDeclineMode: "declineOnlyNewConflictingInvitations",
      declineMessage: "I am out of office.",
    },
  });
  add({
    summary: "Release planning",
    start: at(6, "16:00"),
    end: at(6, "17:30"),
    extendedProperties: { shared: { project: "apollo" } },
    reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 15 }] },
  });
  add({ summary: "Quarterly planning", start: at(100, "13:00"), end: at(100, "17:00") });
  add({ summary: "Annual review", start: { date: date(120) }, end: { date: date(121) } });
}

function seedPersonal(store: Store, cal: Calendar) {
  const { date, at, add } = helpers(store, cal);
  add({
    summary: "Yoga",
    start: at(1, "18:30"),
    end: at(1, "19:30"),
    recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=16"],
  });
  add({ summary: "Dentist", location: "Main St 12", start: at(4, "08:00"), end: at(4, "09:00") });
  add({ summary: "Mom's birthday", start: { date: date(9) }, end: { date: date(10) } });
  add({ summary: "Vacation in Lisbon", start: { date: date(40) }, end: { date: date(48) } });
  add({ summary: "Concert", start: at(95, "20:00"), end: at(95, "23:00") });
}

function seedBob(store: Store, main: Calendar, family: Calendar) {
  const m = helpers(store, main);
  m.add({ summary: "Sprint planning", start: m.at(1, "10:00"), end: m.at(1, "11:00") });
  m.add({
    summary: "Daily standup",
    start: m.at(0, "09:15"),
    end: m.at(0, "09:30"),
    recurrence: [`RRULE:FREQ=DAILY;UNTIL=${m.date(30).replace(/-/g, "")}T235959Z`],
  });
  m.add({
    summary: "Conference in New York",
    start: { date: m.date(25) },
    end: { date: m.date(28) },
  });
  m.add({ summary: "Budget review", start: m.at(110, "15:00"), end: m.at(110, "16:00") });
  const f = helpers(store, family);
  f.add({
    summary: "Piano lesson",
    start: f.at(2, "16:00"),
    end: f.at(2, "17:00"),
    recurrence: ["RRULE:FREQ=MONTHLY;BYDAY=1SA"],
  });
  f.add({ summary: "School holidays", start: { date: f.date(30) }, end: { date: f.date(37) } });
}

function seedHolidays(store: Store, cal: Calendar) {
  const { today, add } = helpers(store, cal);
  const year = today.getUTCFullYear();
  const fixed: [string, number, number][] = [
    ["New Year's Day", 0, 1],
    ["Independence Day", 6, 4],
    ["Veterans Day", 10, 11],
    ["Christmas Day", 11, 25],
  ];
  for (const y of [year, year + 1]) {
    for (const [summary, month, day] of fixed) {
      const start = new Date(Date.UTC(y, month, day));
      add({
        summary,
        start: { date: formatDate(start) },
        end: { date: formatDate(addDays(start, 1)) },
        transparency: "transparent",
        visibility: "public",
      });
    }
  }
}
