/** events.list reference, `eventTypes`: only the named types come back; repeatable; unset = all. */
import assert from "node:assert/strict";
import { googleError, harness } from "./_helpers.ts";

const ALICE = "alice@example.com";

function at(day: number) {
  const start = `2030-03-${String(day).padStart(2, "0")}T10:00:00Z`;
  return { start: { dateTime: start }, end: { dateTime: start.replace("T10", "T11") } };
}

Deno.test("events.list reference: eventTypes=outOfOffice returns only out-of-office events; the parameter repeats", async () => {
  await using h = await harness();
  await (await h.control("POST", "reset", { empty: true })).body?.cancel();
  const api = await h.calendarAs(ALICE);
  const insert = async (summary: string, day: number, extra: Record<string, unknown> = {}) =>
    (await api.events.insert({
      calendarId: "primary",
      requestBody: { summary, ...at(day), ...extra },
    }))
      .data.id!;
  const plain = await insert("Plain", 1);
  const away = await insert("Away", 2, { eventType: "outOfOffice" });
  const focus = await insert("Focus", 3, { eventType: "focusTime" });
  const office = await insert("Office", 4, {
    eventType: "workingLocation",
    workingLocationProperties: { type: "homeOffice", homeOffice: {} },
  });
  const ids = async (eventTypes?: string[], extra: Record<string, unknown> = {}) =>
    (await api.events.list({ calendarId: "primary", eventTypes, ...extra })).data.items!
      .map((e) => e.id).sort();

  assert.deepEqual(await ids(["outOfOffice"]), [away]);
  assert.deepEqual(await ids(["outOfOffice", "focusTime"]), [away, focus].sort());
  assert.deepEqual(await ids(["default"]), [plain]);
  assert.deepEqual(await ids(["workingLocation"]), [office]);
  assert.deepEqual(await ids(), [plain, away, focus, office].sort());
  assert.deepEqual(await ids(["birthday"]), []);
  assert.deepEqual(await ids(["outOfOffice"], { singleEvents: true, orderBy: "startTime" }), [
    away,
  ]);

  // The filter holds in incremental listings too.
  const { data: base } = await api.events.list({ calendarId: "primary", eventTypes: ["default"] });
  await api.events.patch({ calendarId: "primary", eventId: away, requestBody: { summary: "A" } });
  await api.events.patch({ calendarId: "primary", eventId: plain, requestBody: { summary: "P" } });
  const inc = await api.events.list({
    calendarId: "primary",
    eventTypes: ["default"],
    syncToken: base.nextSyncToken!,
  });
  assert.deepEqual(inc.data.items!.map((e) => e.id), [plain]);

  const err = await googleError(api.events.list({ calendarId: "primary", eventTypes: ["nope"] }));
  assert.equal(err.status, 400);
  assert.equal(err.reason, "invalid");
});
