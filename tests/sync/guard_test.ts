/** The mass-deletion guard through the sandbox: held, then applied or paused. */
import assert from "node:assert/strict";
import { addEvent, at, listRaw, type Pair, withPair } from "./_helpers.ts";
import { getSyncConfigOfAnyUser, reviewSyncConfig } from "@/lib/db/sync_configs.ts";
import { getSyncLog } from "@/lib/db/sync_logs.ts";
import { needsReview } from "@/lib/sync/guard.ts";
import { setOptions } from "./_options.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

async function addMany(p: Pair, n: number, prefix = "E") {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = 1 + i / 10;
    ids.push(
      (await addEvent(p, {
        summary: `${prefix}${i}`,
        start: { dateTime: at(d) },
        end: { dateTime: at(d + 0.02) },
      })).id!,
    );
  }
  return ids;
}

const removeAll = (p: Pair, ids: string[]) =>
  Promise.all(ids.map((eventId) => p.source.events.delete({ calendarId: p.sourceCal, eventId })));

Deno.test("needsReview(): more than max(10, 25 %) of the live copies", () => {
  assert.equal(needsReview(10, 12), false);
  assert.equal(needsReview(11, 12), true);
  assert.equal(needsReview(25, 100), false);
  assert.equal(needsReview(26, 100), true);
  assert.equal(needsReview(0, 0), false);
});

Deno.test("an emptied source is held for review, then removed once approved", opts, async () => {
  await withPair(async (p) => {
    const ids = await addMany(p, 12);
    assert.equal((await p.sync()).events_created, 12);
    await removeAll(p, ids);
    await addEvent(p, { summary: "New", start: { dateTime: at(5) }, end: { dateTime: at(5.1) } });
    const held = await p.sync();
    assert.equal(held.status, "needs_review");
    assert.equal(held.error, "This run would remove 12 copies");
    assert.equal(held.events_deleted, 0);
    // What is not destructive still applies.
    assert.equal(held.events_created, 1);
    assert.equal((await listRaw(p.dest, p.destCal)).length, 13);
    assert.equal(
      (await getSyncLog(p.db, held.sync_log_id!, p.config.user_id))?.status,
      "needs_review",
    );
    let config = (await getSyncConfigOfAnyUser(p.db, p.config.id))!;
    assert.equal(config.last_status, "needs_review");
    assert.equal(config.held_deletions, 12);
    // Held again until someone answers.
    assert.equal((await p.sync()).status, "needs_review");
    assert.ok(await reviewSyncConfig(p.db, p.config.id, p.config.user_id, "apply"));
    const applied = await p.sync();
    assert.equal(applied.status, "success");
    assert.equal(applied.events_deleted, 12);
    assert.deepEqual((await listRaw(p.dest, p.destCal)).map((e) => e.summary), ["New"]);
    config = (await getSyncConfigOfAnyUser(p.db, p.config.id))!;
    assert.equal(config.held_deletions, 0);
    assert.equal(config.deletions_approved, false, "the approval is spent");
  });
});

Deno.test("pause keeps the copies and stops the sync", opts, async () => {
  await withPair(async (p) => {
    const ids = await addMany(p, 11);
    await p.sync();
    await removeAll(p, ids);
    assert.equal((await p.sync()).status, "needs_review");
    // Another user's id changes nothing.
    assert.equal(
      await reviewSyncConfig(p.db, p.config.id, crypto.randomUUID(), "pause"),
      undefined,
    );
    const paused = (await reviewSyncConfig(p.db, p.config.id, p.config.user_id, "pause"))!;
    assert.equal(paused.is_active, false);
    assert.equal(paused.held_deletions, 0);
    assert.equal((await listRaw(p.dest, p.destCal)).length, 11);
  });
});

Deno.test(
  "few removals, or removals confirmed through the preview, are not held",
  opts,
  async () => {
    await withPair(async (p) => {
      const ids = await addMany(p, 40);
      await p.sync();
      await removeAll(p, ids.slice(0, 10));
      const few = await p.sync();
      assert.equal(few.status, "success");
      assert.equal(few.events_deleted, 10);
      await setOptions(p, { filters: { exclude_titles: ["E"] } });
      assert.equal((await p.sync()).status, "needs_review");
      await setOptions(p, { filters: { exclude_titles: ["e"] }, confirm_removals: true });
      const confirmed = await p.sync();
      assert.equal(confirmed.status, "success");
      assert.equal(confirmed.events_deleted, 30);
    });
  },
);
