import assert from "node:assert/strict";
import { addEvent, at, listRaw, makePair, mirrorOf, type Pair, testSandbox } from "./_helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function assertMirror(p: Pair, now: Date, step: string) {
  const result = await p.sync({ now });
  assert.equal(result.status, "success", `${step}: ${JSON.stringify(result.failures)}`);
  const m = await mirrorOf(p, now, 30);
  assert.deepEqual(m.actual, m.expected, step);
  return { result, m };
}

Deno.test(
  "runSync() mirrors a weekly series through cancel, move, retitle, RRULE change and delete",
  opts,
  async () => {
    const sb = await testSandbox();
    try {
      const p = await makePair(sb, 30);
      const now = new Date();
      const series = await addEvent(p, {
        summary: "Weekly",
        description: "Standup",
        start: { dateTime: at(1), timeZone: "Europe/Berlin" },
        end: { dateTime: at(1 + 1 / 48), timeZone: "Europe/Berlin" },
        recurrence: ["RRULE:FREQ=WEEKLY;COUNT=20"],
      });
      const step1 = await assertMirror(p, now, "series created");
      assert.equal(step1.result.events_created, 1, "copied as one series, not as instances");
      assert.ok(step1.m.expected.length >= 4);
      const copies = await listRaw(p.dest, p.destCal);
      assert.equal(copies.length, 1);
      assert.deepEqual(copies[0].recurrence, ["RRULE:FREQ=WEEKLY;COUNT=20"]);

      const instances = (await p.source.events.instances({
        calendarId: p.sourceCal,
        eventId: series.id!,
        timeMin: now.toISOString(),
      })).data.items!;

      await p.source.events.delete({ calendarId: p.sourceCal, eventId: instances[1].id! });
      const s2 = await assertMirror(p, now, "one instance cancelled");
      assert.equal(s2.m.expected.length, step1.m.expected.length - 1);

      const moved = instances[2];
      const shift = (t: string, h: number) => new Date(Date.parse(t) + h * 3_600_000).toISOString();
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: moved.id!,
        requestBody: {
          start: { dateTime: shift(moved.start!.dateTime!, 3), timeZone: "Europe/Berlin" },
          end: { dateTime: shift(moved.end!.dateTime!, 3), timeZone: "Europe/Berlin" },
        },
      });
      await assertMirror(p, now, "one instance moved");

      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: instances[3].id!,
        requestBody: { summary: "Weekly (special)" },
      });
      const s4 = await assertMirror(p, now, "one instance retitled");
      assert.ok(s4.m.actual.some((x) => x.summary === "Weekly (special)"));

      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: series.id!,
        requestBody: { recurrence: ["RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=10"] },
      });
      await assertMirror(p, now, "RRULE changed");

      await p.source.events.delete({ calendarId: p.sourceCal, eventId: series.id! });
      const s6 = await assertMirror(p, now, "series deleted");
      assert.equal(s6.m.actual.length, 0);
    } finally {
      await sb.close();
    }
  },
);

Deno.test("runSync() copies an all-day daily series and an edited instance", opts, async () => {
  const sb = await testSandbox();
  try {
    const p = await makePair(sb, 60);
    const now = new Date();
    const day = (d: number) => at(d).slice(0, 10);
    const series = await addEvent(p, {
      summary: "Daily all-day",
      start: { date: day(2) },
      end: { date: day(3) },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=5"],
    });
    await assertMirror(p, now, "all-day series");
    const inst = (await p.source.events.instances({ calendarId: p.sourceCal, eventId: series.id! }))
      .data.items!;
    await p.source.events.patch({
      calendarId: p.sourceCal,
      eventId: inst[2].id!,
      requestBody: { summary: "Changed day", location: "Park" },
    });
    await assertMirror(p, now, "all-day instance edited");
  } finally {
    await sb.close();
  }
});
