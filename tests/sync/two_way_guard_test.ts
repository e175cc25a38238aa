/** The mass-deletion guard on a two-way config: one side emptied is held, then applied or paused. */
import assert from "node:assert/strict";
import { addEvent, at, listRaw, makePair, type Pair, testSandbox } from "./_helpers.ts";
import { getSyncConfigOfAnyUser, reviewSyncConfig } from "@/lib/db/sync_configs.ts";

const LINKED = 20;

async function twoWay(fn: (p: Pair) => Promise<void>) {
  await using sb = await testSandbox();
  await fn(await makePair(sb, 20, "two_way"));
}

/** 20 events in A, each with its copy in B; then every original in A deleted. */
async function emptyA(p: Pair) {
  const ids: string[] = [];
  for (let i = 0; i < LINKED; i++) {
    const d = 1 + i / 10;
    const ev = await addEvent(p, {
      summary: `A${i}`,
      start: { dateTime: at(d) },
      end: { dateTime: at(d + 0.02) },
    });
    ids.push(ev.id!);
  }
  const first = await p.sync();
  assert.equal(first.status, "success", JSON.stringify(first.failures));
  assert.equal(first.a_to_b, LINKED);
  assert.equal((await listRaw(p.dest, p.destCal)).length, LINKED);
  for (const eventId of ids) await p.source.events.delete({ calendarId: p.sourceCal, eventId });
}

Deno.test("two-way: everything deleted in A is held for review, then applied", async () => {
  await twoWay(async (p) => {
    await emptyA(p);
    const held = await p.sync();
    assert.equal(held.status, "needs_review");
    assert.equal(held.events_deleted, 0);
    assert.equal((await listRaw(p.dest, p.destCal)).length, LINKED, "nothing deleted in B");
    assert.equal((await getSyncConfigOfAnyUser(p.db, p.config.id))!.held_deletions, LINKED);
    assert.equal((await p.sync()).status, "needs_review", "held until someone answers");
    assert.equal((await listRaw(p.dest, p.destCal)).length, LINKED);
    assert.ok(await reviewSyncConfig(p.db, p.config.id, p.config.user_id, "apply"));
    const applied = await p.sync();
    assert.equal(applied.status, "success", JSON.stringify(applied.failures));
    assert.equal(applied.events_deleted, LINKED);
    assert.equal((await listRaw(p.dest, p.destCal)).length, 0);
    assert.equal((await listRaw(p.source, p.sourceCal)).length, 0, "nothing copied back");
    const again = await p.sync();
    assert.equal(again.status, "success");
    assert.equal(again.a_to_b + again.b_to_a, 0);
  });
});

Deno.test("two-way: everything deleted in A, paused: B keeps its copies", async () => {
  await twoWay(async (p) => {
    await emptyA(p);
    assert.equal((await p.sync()).status, "needs_review");
    const paused = (await reviewSyncConfig(p.db, p.config.id, p.config.user_id, "pause"))!;
    assert.equal(paused.is_active, false);
    assert.equal(paused.held_deletions, 0);
    assert.equal((await listRaw(p.dest, p.destCal)).length, LINKED);
  });
});
