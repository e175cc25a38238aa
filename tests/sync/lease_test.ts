/**
 * The run lease (lib/sync/lease.ts): one holder per config across processes, kept alive by a
 * heartbeat, lost when it lapses or is taken, and a dead holder's run closed as interrupted.
 * Short TTLs here; tests/sync_api/crash_test.ts kills a real process with the real ones.
 */
import assert from "node:assert/strict";
import { acquireSyncLease, getSyncConfigOfAnyUser, isSyncRunning } from "@/lib/db/sync_configs.ts";
import {
  getSyncLog,
  INTERRUPTED_MESSAGE,
  listSyncLogsPage,
  startSyncLog,
} from "@/lib/db/sync_logs.ts";
import {
  recoverSyncLeases,
  SyncInProgressError,
  SyncLeaseLostError,
  takeSyncLease,
  withSyncLease,
} from "@/lib/sync/lease.ts";
import { COPY_MARKERS } from "@/lib/sync/transform.ts";
import { addEvent, at, listRaw, mirrorOf, type Pair, withPair } from "./_helpers.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function seed(p: Pair, n: number) {
  for (let i = 0; i < n; i++) {
    await addEvent(p, {
      summary: `Event ${i}`,
      start: { dateTime: at(1 + i / 10), timeZone: "UTC" },
      end: { dateTime: at(1 + i / 10 + 0.02), timeZone: "UTC" },
    });
  }
}

/** A run left `running` by a holder that is gone, as a killed process leaves it. */
async function deadRun(p: Pair, ttlMs: number) {
  assert.ok(await acquireSyncLease(p.db, p.config.id, `dead:${crypto.randomUUID()}`, ttlMs));
  const now = new Date();
  return await startSyncLog(p.db, {
    config_id: p.config.id,
    user_id: p.config.user_id,
    trigger: "manual",
    started_at: now,
    window_start: now,
    window_end: now,
  });
}

Deno.test(
  "withSyncLease() holds the lease past its TTL by heartbeat, refuses others, releases once",
  opts,
  async () => {
    await withPair(async (p) => {
      const short = { ttlMs: 600, heartbeatMs: 100 };
      await withSyncLease(p.db, p.config.id, short, async (lease) => {
        await sleep(1500);
        assert.equal(lease.signal.aborted, false);
        assert.ok(isSyncRunning((await getSyncConfigOfAnyUser(p.db, p.config.id))!), "still held");
        await assert.rejects(takeSyncLease(p.db, p.config.id, short), SyncInProgressError);
      });
      const after = (await getSyncConfigOfAnyUser(p.db, p.config.id))!;
      assert.equal(after.lease_owner, null, "given back");
      const again = await takeSyncLease(p.db, p.config.id, short);
      await Promise.all([again.release(), again.release()]);
      assert.equal((await getSyncConfigOfAnyUser(p.db, p.config.id))!.lease_owner, null);
    });
  },
);

Deno.test(
  "a run whose lease is taken stops, reads as interrupted, and the next run converges",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      const now = new Date();
      await seed(p, 30);
      await sb.control("faults", { latency_ms: 60 });
      const lease = await takeSyncLease(p.db, p.config.id, { ttlMs: 2000, heartbeatMs: 100 });
      const run = lease.use((held) => p.sync({ now, lease: held, concurrency: 2 }));
      await sleep(400);
      // Another process takes the config over (as if this one had stalled past its lease).
      await p.db.query(
        `UPDATE sync_configs SET lease_owner = 'thief', lease_expires_at = now() + interval '1 s'
         WHERE id = $1`,
        [p.config.id],
      );
      await assert.rejects(run, SyncLeaseLostError);
      await sb.control("faults", undefined, "DELETE");
      const [log] =
        (await listSyncLogsPage(p.db, p.config.id, p.config.user_id, { limit: 1 }))!.logs;
      assert.equal(log.status, "interrupted");
      assert.equal(log.error, INTERRUPTED_MESSAGE);
      await sleep(1100); // the thief's lease lapses
      assert.equal((await p.sync({ now })).status, "success");
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
      const copies = await listRaw(p.dest, p.destCal);
      const ids = copies.map((c) => c.extendedProperties?.shared?.[COPY_MARKERS.sourceId]);
      assert.equal(new Set(ids).size, 30, "one copy per source event");
    });
  },
);

Deno.test(
  "a dead holder's run reads as interrupted once its lease lapses, ended when it lapsed",
  opts,
  async () => {
    await withPair(async (p) => {
      const logId = await deadRun(p, 300);
      assert.equal(
        (await getSyncLog(p.db, logId, p.config.user_id))?.status,
        "running",
        "while the lease lives",
      );
      await sleep(500);
      const lapsed = (await getSyncConfigOfAnyUser(p.db, p.config.id))!.lease_expires_at!;
      const [log] =
        (await listSyncLogsPage(p.db, p.config.id, p.config.user_id, { limit: 1 }))!.logs;
      assert.equal(log.id, logId);
      assert.equal(log.status, "interrupted");
      assert.equal(log.error, INTERRUPTED_MESSAGE);
      assert.equal(new Date(log.finished_at!).getTime(), new Date(lapsed).getTime());
      const config = (await getSyncConfigOfAnyUser(p.db, p.config.id))!;
      assert.equal(config.last_status, "interrupted", "the card says so too");
      assert.equal(config.last_error, INTERRUPTED_MESSAGE);
    });
  },
);

Deno.test("a start frees every lease at once on the embedded database only", opts, async () => {
  await withPair(async (p) => {
    const logId = await deadRun(p, 60_000);
    await recoverSyncLeases(p.db);
    const config = (await getSyncConfigOfAnyUser(p.db, p.config.id))!;
    const log = (await getSyncLog(p.db, logId, p.config.user_id))!;
    if (p.db.kind === "pglite") {
      assert.equal(config.lease_owner, null, "freed: no other process can hold it");
      assert.equal(log.status, "interrupted");
      assert.equal(config.last_status, "interrupted");
      assert.equal((await p.sync()).status, "success");
    } else {
      // Another instance may be running it: only its lapse frees it.
      assert.ok(isSyncRunning(config));
      assert.equal(log.status, "running");
      await assert.rejects(p.sync(), SyncInProgressError);
    }
  });
});
