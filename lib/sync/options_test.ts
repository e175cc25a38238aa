import assert from "node:assert/strict";
import {
  defaultSyncOptions,
  filteredOut,
  mergeOptions,
  SyncOptionsIn,
  syncOptionsOf,
} from "./options.ts";
import { transformEvent } from "./transform.ts";

const ctx = { configId: "c", sourceEventId: "s", syncClusterId: "k" };
const ev = {
  id: "s",
  summary: "Dentist",
  description: "Root canal",
  location: "Main St",
  colorId: "4",
  transparency: "transparent",
  start: { dateTime: "2030-01-01T10:00:00Z" },
  end: { dateTime: "2030-01-01T11:00:00Z" },
};

Deno.test("the default options copy exactly what was copied before options existed", () => {
  const before = transformEvent(ev, ctx);
  const now = transformEvent(ev, { ...ctx, options: defaultSyncOptions() });
  assert.deepEqual(now, before);
  assert.deepEqual(syncOptionsOf({ options: {}, filters: {} }).copy, defaultSyncOptions().copy);
});

Deno.test("busy mode keeps times and transparency, and nothing else", () => {
  const options = syncOptionsOf({ options: { privacy: "busy", title_prefix: "[W] " } });
  const t = transformEvent(ev, { ...ctx, options });
  assert.equal(t.kind, "copy");
  if (t.kind !== "copy") return;
  assert.equal(t.body.summary, "[W] Busy");
  assert.equal(t.body.visibility, "private");
  assert.equal(t.body.transparency, "transparent");
  assert.equal(t.body.description, undefined);
  assert.equal(t.body.location, undefined);
  assert.equal(t.body.colorId, undefined);
  assert.deepEqual(t.body.start, ev.start);
});

Deno.test("filteredOut(): each filter, case-insensitive titles, the owner by email", () => {
  const f = (filters: object) => syncOptionsOf({ filters }).filters;
  const me = "me@example.com";
  const declined = { ...ev, attendees: [{ email: "ME@example.com", responseStatus: "declined" }] };
  assert.equal(filteredOut(declined, f({ skip_declined: true }), me), "declined");
  assert.equal(filteredOut(declined, f({ skip_declined: true }), "other@example.com"), undefined);
  assert.equal(filteredOut(ev, f({ skip_free: true })), "free");
  assert.equal(
    filteredOut({ ...ev, start: { date: "2030-01-01" } }, f({ skip_all_day: true })),
    "all-day",
  );
  assert.equal(filteredOut(ev, f({ include_titles: ["DENT"] })), undefined);
  assert.equal(filteredOut(ev, f({ include_titles: ["gym"] })), "title not included");
  assert.equal(filteredOut(ev, f({ exclude_titles: ["tist"] })), "title excluded");
  assert.equal(filteredOut(ev, f({})), undefined);
});

Deno.test("mergeOptions() keeps only what differs from the defaults; input has no defaults", () => {
  const input = SyncOptionsIn.parse({ title_prefix: "[W] " });
  assert.deepEqual(input, { title_prefix: "[W] " });
  const merged = mergeOptions(defaultSyncOptions(), input);
  assert.deepEqual(merged, { options: { title_prefix: "[W] " }, filters: {} });
  const back = mergeOptions(syncOptionsOf(merged), { title_prefix: "" });
  assert.deepEqual(back, { options: {}, filters: {} });
});
