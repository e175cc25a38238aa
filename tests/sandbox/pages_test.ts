/**
 * Short and empty pages. Google's events.list reference: a page may hold fewer items than
 * `maxResults`, even none, while `nextPageToken` says more remain; only the absence of
 * `nextPageToken` ends a listing. The `sparse_pages` fault makes the sandbox do that.
 */
import assert from "node:assert/strict";
import type { calendar_v3 } from "@googleapis/calendar";
import { harness } from "./_helpers.ts";

const ALICE = "alice@example.com";

interface Paged {
  ids: string[];
  syncToken: string;
  short: number;
  empty: number;
}

/** Pages to the end, by nextPageToken only, and notes which pages were short or empty. */
async function pageThrough(
  api: calendar_v3.Calendar,
  params: calendar_v3.Params$Resource$Events$List,
): Promise<Paged> {
  const out: Paged = { ids: [], syncToken: "", short: 0, empty: 0 };
  let pageToken: string | undefined;
  for (let pages = 0; pages < 500; pages++) {
    const { data } = await api.events.list({ calendarId: "primary", ...params, pageToken });
    assert.ok(!(data.nextPageToken && data.nextSyncToken), "never both tokens");
    out.ids.push(...data.items!.map((e) => e.id!));
    if (!data.nextPageToken) {
      assert.ok(data.nextSyncToken, "the last page carries nextSyncToken");
      out.syncToken = data.nextSyncToken;
      return out;
    }
    if (data.items!.length === 0) out.empty++;
    else if (data.items!.length < params.maxResults!) out.short++;
    pageToken = data.nextPageToken;
  }
  throw new Error("the listing never ended");
}

async function aliceWith(n: number) {
  const h = await harness({ quotaPerMinute: 100_000 });
  await (await h.control("POST", "reset", { empty: true })).body?.cancel();
  const api = await h.calendarAs(ALICE);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const start = new Date(Date.UTC(2030, 0, 1 + i, 10)).toISOString();
    const { data } = await api.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: `e${i}`,
        start: { dateTime: start },
        end: { dateTime: start.replace("T10", "T11") },
      },
    });
    ids.push(data.id!);
  }
  return { h, api, ids };
}

Deno.test("events.list reference: under sparse_pages pages come short or empty with nextPageToken, and paging still yields every event once", async () => {
  const { h, api, ids } = await aliceWith(40);
  await using _ = h;
  const faults = await h.control("POST", "faults", { sparse_pages: { rate: 0.6 } });
  assert.deepEqual((await faults.json()).sparse_pages, { rate: 0.6 });
  let short = 0;
  let empty = 0;
  for (let round = 0; round < 30 && (short === 0 || empty === 0); round++) {
    const paged = await pageThrough(api, { maxResults: 7 });
    assert.deepEqual([...paged.ids].sort(), [...ids].sort(), "every event exactly once");
    short += paged.short;
    empty += paged.empty;
  }
  assert.ok(short > 0, "some page was short while more remained");
  assert.ok(empty > 0, "some page was empty while more remained");
  const stats = await (await h.control("GET", "stats")).json();
  assert.ok(stats.sparsePages >= short + empty);

  // singleEvents + orderBy=startTime pages the same way.
  const ordered = await pageThrough(api, {
    maxResults: 5,
    singleEvents: true,
    orderBy: "startTime",
  });
  assert.deepEqual(ordered.ids, ids, "in start order, each once");

  // Without the fault every page but the last is full again.
  await (await h.control("DELETE", "faults")).body?.cancel();
  const plain = await pageThrough(api, { maxResults: 7 });
  assert.equal(plain.short + plain.empty, 0);
});

Deno.test("events.list reference: incremental listings under sparse_pages also page through every change once", async () => {
  const { h, api, ids } = await aliceWith(30);
  await using _ = h;
  const base = await pageThrough(api, { maxResults: 50 });
  const changed = ids.filter((_, i) => i % 3 === 0);
  for (const id of changed) {
    await api.events.patch({ calendarId: "primary", eventId: id, requestBody: { summary: "x" } });
  }
  const deleted = ids.filter((_, i) => i % 3 === 1).slice(0, 4);
  for (const id of deleted) await api.events.delete({ calendarId: "primary", eventId: id });
  await (await h.control("POST", "faults", { sparse_pages: { rate: 0.8 } })).body?.cancel();

  let sawSparse = false;
  for (let round = 0; round < 10 && !sawSparse; round++) {
    const inc = await pageThrough(api, { maxResults: 3, syncToken: base.syncToken });
    assert.deepEqual([...inc.ids].sort(), [...changed, ...deleted].sort());
    sawSparse = inc.short + inc.empty > 0;
    // The token the sparse listing ends with is a working one: nothing changed since.
    const none = await pageThrough(api, { maxResults: 3, syncToken: inc.syncToken });
    assert.deepEqual(none.ids, []);
  }
  assert.ok(sawSparse, "some incremental page was short or empty");
});
