/**
 * Partial responses (`fields=`), as Google's "Performance tips" guide defines them: only the
 * selected fields come back, on every response; a bad mask answers 400 invalidParameter.
 */
import assert from "node:assert/strict";
import { googleError, harness } from "./_helpers.ts";

const ALICE = "alice@example.com";

function at(day: number) {
  const start = `2030-01-${String(day).padStart(2, "0")}T10:00:00Z`;
  return { start: { dateTime: start }, end: { dateTime: start.replace("T10", "T11") } };
}

async function aliceWithEvents(n: number) {
  const h = await harness();
  await (await h.control("POST", "reset", { empty: true })).body?.cancel();
  const api = await h.calendarAs(ALICE);
  for (let i = 1; i <= n; i++) {
    await api.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: `e${i}`,
        location: "Room",
        extendedProperties: { private: { origin: `o${i}`, other: "x" } },
        ...at(i),
      },
    });
  }
  return { h, api };
}

Deno.test("Performance tips guide: events.list with fields returns only the selected fields", async () => {
  const { h, api } = await aliceWithEvents(3);
  await using _ = h;
  const { data } = await api.events.list({
    calendarId: "primary",
    fields: "items(id,status,updated),nextPageToken,nextSyncToken",
  });
  assert.deepEqual(Object.keys(data).sort(), ["items", "nextSyncToken"]);
  assert.equal(data.items!.length, 3);
  for (const item of data.items!) {
    assert.deepEqual(Object.keys(item), ["id", "status", "updated"]);
  }
});

Deno.test("Performance tips guide: a mask without nextPageToken / nextSyncToken gets neither", async () => {
  const { h, api } = await aliceWithEvents(5);
  await using _ = h;
  const page = await api.events.list({ calendarId: "primary", maxResults: 2, fields: "items(id)" });
  assert.equal(page.data.items!.length, 2);
  assert.deepEqual(Object.keys(page.data), ["items"]);
  const withToken = await api.events.list({
    calendarId: "primary",
    maxResults: 2,
    fields: "items(id),nextPageToken",
  });
  assert.ok(withToken.data.nextPageToken);
  const last = await api.events.list({ calendarId: "primary", fields: "items/id" });
  assert.equal(last.data.nextSyncToken, undefined);
  assert.deepEqual(Object.keys(last.data), ["items"]);
});

Deno.test("Performance tips guide: a/b paths, parenthesised sub-selections, nesting and * select as documented", async () => {
  const { h, api } = await aliceWithEvents(1);
  await using _ = h;
  const id = (await api.events.list({ calendarId: "primary" })).data.items![0].id!;
  const ref = { calendarId: "primary", eventId: id };
  const full = (await api.events.get(ref)).data;

  const path = await api.events.get({ ...ref, fields: "start/dateTime,summary" });
  assert.deepEqual(path.data, { summary: "e1", start: { dateTime: full.start!.dateTime } });

  const nested = await api.events.list({
    calendarId: "primary",
    fields: "items(summary,start(dateTime),extendedProperties/private/origin)",
  });
  assert.deepEqual(nested.data, {
    items: [{
      summary: "e1",
      start: { dateTime: full.start!.dateTime },
      extendedProperties: { private: { origin: "o1" } },
    }],
  });

  // items(id) is items/id; * selects everything at its level.
  const a = await api.events.list({ calendarId: "primary", fields: "items(id)" });
  const b = await api.events.list({ calendarId: "primary", fields: "items/id" });
  assert.deepEqual(a.data, b.data);
  assert.deepEqual((await api.events.get({ ...ref, fields: "*" })).data, full);
  const star = await api.events.list({ calendarId: "primary", fields: "items/*" });
  assert.deepEqual(star.data, { items: [full] });
});

Deno.test("Performance tips guide: fields applies to insert, update, patch, instances, calendarList, calendars and watch", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const ins = await api.events.insert({
    calendarId: "primary",
    fields: "id,etag",
    requestBody: {
      summary: "Weekly",
      start: { dateTime: "2030-01-07T10:00:00", timeZone: "UTC" },
      end: { dateTime: "2030-01-07T11:00:00", timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
    },
  });
  assert.deepEqual(Object.keys(ins.data), ["etag", "id"]);
  const ref = { calendarId: "primary", eventId: ins.data.id! };
  const patched = await api.events.patch({
    ...ref,
    fields: "summary",
    requestBody: { summary: "P" },
  });
  assert.deepEqual(patched.data, { summary: "P" });
  const updated = await api.events.update({
    ...ref,
    fields: "summary,sequence",
    requestBody: {
      summary: "U",
      start: { dateTime: "2030-01-07T10:00:00", timeZone: "UTC" },
      end: { dateTime: "2030-01-07T11:00:00", timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
    },
  });
  assert.deepEqual(updated.data, { summary: "U", sequence: 0 });
  const inst = await api.events.instances({ ...ref, fields: "items(recurringEventId)" });
  assert.deepEqual(inst.data, { items: Array(3).fill({ recurringEventId: ins.data.id }) });
  const list = await api.calendarList.list({ fields: "items(id,primary)" });
  assert.ok(list.data.items!.length >= 2);
  for (const item of list.data.items!) {
    assert.ok(Object.keys(item).every((k) => k === "id" || k === "primary"));
  }
  assert.deepEqual((await api.calendarList.get({ calendarId: ALICE, fields: "id" })).data, {
    id: ALICE,
  });
  const cal = await api.calendars.get({ calendarId: "primary", fields: "timeZone" });
  assert.deepEqual(Object.keys(cal.data), ["timeZone"]);
  const { data: channel } = await api.events.watch({
    calendarId: "primary",
    fields: "id",
    requestBody: { id: "fields-channel", type: "web_hook", address: "https://127.0.0.1:9/hook" },
  });
  assert.deepEqual(channel, { id: "fields-channel" });
});

Deno.test("Performance tips guide: an invalid field mask answers 400 invalidParameter", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const err = await googleError(
    api.events.list({ calendarId: "primary", fields: "items(id),nope" }),
  );
  assert.equal(err.status, 400);
  assert.deepEqual(err.body, {
    error: {
      code: 400,
      message: "Invalid field selection nope",
      errors: [{
        domain: "global",
        reason: "invalidParameter",
        message: "Invalid field selection nope",
        locationType: "parameter",
        location: "fields",
      }],
    },
  });
  for (
    const fields of [
      "items(nope)",
      "items/summary/deeper",
      "items(id",
      "items()",
      "items,,id",
      "items)",
      "nextpagetoken",
    ]
  ) {
    const e = await googleError(api.events.list({ calendarId: "primary", fields }));
    assert.equal(e.status, 400, fields);
    assert.equal(e.reason, "invalidParameter", fields);
  }
  // A bad mask on a write refuses the request before anything is written.
  const before = (await api.events.list({ calendarId: "primary" })).data.items!.length;
  const w = await googleError(api.events.insert({
    calendarId: "primary",
    fields: "idd",
    requestBody: at(3),
  }));
  assert.equal(w.status, 400);
  assert.equal((await api.events.list({ calendarId: "primary" })).data.items!.length, before);
});
