/** How responses are written: prettyPrint, and the bytes the sandbox counts for benchmarks. */
import assert from "node:assert/strict";
import { harness } from "./_helpers.ts";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const text = { responseType: "text" as const };
const size = (body: unknown) => new TextEncoder().encode(String(body)).length;

Deno.test("Standard query parameters: prettyPrint=false answers compact JSON, the default is indented", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const pretty = await api.events.list({ calendarId: "primary" }, text);
  const compact = await api.events.list({ calendarId: "primary", prettyPrint: false }, text);
  assert.match(String(pretty.data), /\n/);
  assert.doesNotMatch(String(compact.data), /\n/);
  assert.equal(String(compact.data), JSON.stringify(JSON.parse(String(compact.data))));
  const p = JSON.parse(String(pretty.data));
  const c = JSON.parse(String(compact.data));
  assert.deepEqual(c.items, p.items);
  // Errors follow the parameter too.
  const err = await fetch(`${h.url}calendar/v3/calendars/primary/events?prettyPrint=false`);
  assert.equal(err.status, 401);
  assert.doesNotMatch(await err.text(), /\n/);
});

Deno.test("GET /_sandbox/stats counts Calendar response body bytes, overall and per account; DELETE resets them", async () => {
  await using h = await harness();
  await (await h.control("DELETE", "stats")).body?.cancel();
  const alice = await h.calendarAs(ALICE);
  const bob = await h.calendarAs(BOB);
  let aliceBytes = 0;
  aliceBytes += size((await alice.events.list({ calendarId: "primary" }, text)).data);
  aliceBytes += size((await alice.calendarList.list({}, text)).data);
  const masked =
    (await alice.events.list({ calendarId: "primary", fields: "items(id)" }, text)).data;
  aliceBytes += size(masked);
  const bobBytes = size((await bob.events.list({ calendarId: "primary" }, text)).data);

  const stats = await (await h.control("GET", "stats")).json();
  assert.equal(stats.bytesSentByAccount[ALICE], aliceBytes);
  assert.equal(stats.bytesSentByAccount[BOB], bobBytes);
  assert.equal(stats.bytesSent, aliceBytes + bobBytes);
  assert.ok(size(masked) < aliceBytes / 3, "the field mask cut the bytes");

  const reset = await (await h.control("DELETE", "stats")).json();
  assert.equal(reset.bytesSent, 0);
  assert.deepEqual(reset.bytesSentByAccount, {});
  assert.equal(reset.total, 0);
  await alice.calendarList.list();
  assert.equal((await (await h.control("GET", "stats")).json()).total, 1);
});
