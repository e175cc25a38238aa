/**
 * The scheduler and `deno task sync` drain every due config in batches, several processes at
 * once sharing the work: each config runs exactly once, and one another process holds is reported
 * skipped, not failed. The two-process tests need PostgreSQL (PGlite is one process's alone).
 */
import assert from "node:assert/strict";
import { setRoleStatus } from "../connect/_helpers.ts";
import { acquireSyncLease, createSyncConfig, releaseSyncLease } from "@/lib/db/sync_configs.ts";
import { runDueSyncs, runSkipped } from "@/lib/sync/scheduler.ts";
import { openApp, openSharedWorld, spawnWorker, type Tenant, tenant } from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openSharedWorld();
const app = await openApp(world.services);
const onPostgres = world.db.kind === "postgres";
const repo = new URL("../../", import.meta.url).pathname;
// Many no-change runs on a handful of accounts: Google's per-account quota is not under test.
const LIFTED = { GOOGLE_QUOTA_PER_MINUTE: "1000000" };
world.services.config.googleQuotaPerMinute = 1_000_000;
Object.assign(world.env, LIFTED);
await fetch(`${world.sandboxUrl}_sandbox/faults`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ quota_per_minute: 1_000_000 }),
}).then((r) => r.body?.cancel());

const tenants: Tenant[] = [];
for (let i = 0; i < 6; i++) tenants.push(await tenant(app, world, `drain-${i}`));

/** Replaces every config with `n` due no-change ones (empty calendars), spread over the tenants. */
async function configs(n: number): Promise<string[]> {
  await world.db.query(`DELETE FROM sync_configs`);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = tenants[i % tenants.length];
    const c = await createSyncConfig(world.db, {
      user_id: t.user.id,
      source_account_id: t.sourceAccountId,
      source_calendar_id: t.sourceCal,
      dest_account_id: t.destAccountId,
      dest_calendar_id: t.destCal,
    });
    ids.push(c.id);
  }
  return ids;
}

async function runsPerConfig(): Promise<Map<string, number>> {
  const rows = await world.db.query<{ config_id: string; n: number }>(
    `SELECT config_id, count(*)::int AS n FROM sync_logs GROUP BY config_id`,
  );
  return new Map(rows.map((r) => [r.config_id, r.n]));
}

function assertEachOnce(ids: string[], counts: Map<string, number>, ran: string[]) {
  assert.equal(new Set(ran).size, ran.length, "no config ran twice");
  assert.deepEqual([...ran].sort(), [...ids].sort(), "every config ran");
  const twice = ids.filter((id) => counts.get(id) !== 1);
  assert.deepEqual(twice, [], "one run logged per config");
}

/** `deno task sync …args --json` in the world's environment (spawned, not awaited). */
function sync(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "sync", ...args, "--json"],
    cwd: repo,
    env: { ...world.env, ...LIFTED, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output().then((out) => ({
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
    json: JSON.parse(new TextDecoder().decode(out.stdout) || "null"),
  }));
}

Deno.test(
  "a pass claims in batches until nothing is due, at most `concurrency` at once",
  async () => {
    const ids = await configs(40);
    let inFlight = 0;
    let most = 0;
    const runs = await runDueSyncs(world.services, {
      owner: "test-drain",
      trigger: "schedule",
      concurrency: 4,
      onStart: () => most = Math.max(most, ++inFlight),
      onEnd: () => inFlight--,
    });
    // The old tick stopped at its limit; a drain has no default cap.
    assertEachOnce(ids, await runsPerConfig(), runs.map((r) => r.config.id));
    assert.ok(runs.every((r) => r.result?.status === "success"));
    assert.equal(most, 4);
    const again = await runDueSyncs(world.services, { owner: "test-drain", trigger: "schedule" });
    assert.equal(again.length, 0, "nothing due after the drain");
  },
);

Deno.test("a pass stops claiming at its limit and at its deadline", async () => {
  await configs(12);
  const limited = await runDueSyncs(world.services, {
    owner: "test-limit",
    trigger: "cli",
    all: true,
    limit: 5,
    concurrency: 3,
  });
  assert.equal(limited.length, 5);
  const late = await runDueSyncs(world.services, {
    owner: "test-deadline",
    trigger: "schedule",
    deadline: Date.now() - 1,
  });
  assert.equal(late.length, 0, "a tick past its deadline claims nothing");
});

Deno.test(
  "a pass defers due configs that cannot run, so claims stop walking past them",
  async () => {
    const ids = await configs(3);
    const broken = tenants[0];
    await setRoleStatus(world.db, broken.user.id, "source", "needs_reconnect", "test");
    try {
      const runs = await runDueSyncs(world.services, { owner: "test-defer", trigger: "schedule" });
      assert.deepEqual(runs.map((r) => r.config.id).sort(), ids.slice(1).sort());
      const [row] = await world.db.query<{ next_run_at: Date }>(
        `SELECT next_run_at FROM sync_configs WHERE id = $1`,
        [ids[0]],
      );
      const minutes = (new Date(row.next_run_at).getTime() - Date.now()) / 60_000;
      assert.ok(minutes > 14 && minutes <= 15, `deferred one interval, not ${minutes} min`);
    } finally {
      await setRoleStatus(world.db, broken.user.id, "source", "ok", null);
    }
  },
);

Deno.test(
  "--all in process: a config another run holds is reported skipped, then runs",
  async () => {
    const ids = await configs(5);
    const held = ids[2];
    assert.ok(await acquireSyncLease(world.db, held, "someone-else", 60_000));
    try {
      const runs = await runDueSyncs(world.services, {
        owner: "test-skip",
        trigger: "cli",
        all: true,
        reportSkipped: true,
      });
      const skipped = runs.filter(runSkipped);
      assert.deepEqual(skipped.map((r) => r.config.id), [held]);
      assert.equal(skipped[0].inProgress, true);
      assert.equal(runs.length - skipped.length, 4);
    } finally {
      await releaseSyncLease(world.db, held, "someone-else");
    }
  },
);

Deno.test({
  name: "[cli] --all runs more than 1,000 configs, each once, and says how many",
  ignore: !onPostgres,
  async fn() {
    const ids = await configs(1100);
    const started = performance.now();
    const { code, json, stderr } = await sync(["--all"]);
    const seconds = (performance.now() - started) / 1000;
    console.log(`  1,100 no-change configs drained by one CLI in ${seconds.toFixed(1)} s`);
    assert.equal(code, 0, stderr);
    assert.equal(json.ran, 1100);
    assert.equal(json.skipped, 0);
    assert.equal(json.failed, 0);
    assertEachOnce(
      ids,
      await runsPerConfig(),
      json.runs.map((r: { config_id: string }) => r.config_id),
    );
  },
});

Deno.test({
  name: "[cli] two --all at once on one PostgreSQL run each of 300 configs exactly once",
  ignore: !onPostgres,
  async fn() {
    const ids = await configs(300);
    const [one, two] = await Promise.all([sync(["--all"]), sync(["--all"])]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    const ran = [one, two].flatMap((p) =>
      p.json.runs.filter((r: { status: string }) => r.status !== "skipped")
        .map((r: { config_id: string }) => r.config_id)
    );
    assertEachOnce(ids, await runsPerConfig(), ran);
    // Each reports the other's configs as skipped, none as failed.
    assert.equal(one.json.ran + two.json.ran, 300);
    assert.equal(one.json.skipped, two.json.ran);
    assert.equal(two.json.skipped, one.json.ran);
    assert.equal(one.json.failed + two.json.failed, 0);
  },
});

Deno.test({
  name: "[cli] a config another process is running is skipped, not failed: exit 0",
  ignore: !onPostgres,
  async fn() {
    const ids = await configs(4);
    const held = ids[1];
    assert.ok(await acquireSyncLease(world.db, held, "another-process", 60_000));
    try {
      const { code, json, stderr } = await sync(["--all"]);
      assert.equal(code, 0, stderr);
      assert.deepEqual([json.ran, json.skipped, json.failed], [3, 1, 0]);
      const skipped = json.runs.find((r: { config_id: string }) => r.config_id === held);
      assert.equal(skipped.status, "skipped");
      assert.match(skipped.error, /already in progress/);
    } finally {
      await releaseSyncLease(world.db, held, "another-process");
    }
  },
});

Deno.test({
  name: "two schedulers on one PostgreSQL drain 300 due configs, each exactly once",
  ignore: !onPostgres,
  async fn() {
    const ids = await configs(300);
    const workers = [spawnWorker(world, ["schedule", "1"]), spawnWorker(world, ["schedule", "1"])];
    await Promise.all(workers.map((w) => w.ready));
    await Promise.all(workers.map((w) => w.go()));
    const [one, two] = await Promise.all(workers.map((w) => w.result));
    assert.ok(one.ran.length > 0 && two.ran.length > 0, "both took a share");
    assertEachOnce(ids, await runsPerConfig(), [...one.ran, ...two.ran]);
  },
});

closesTheFile("drain tests close their world", () => world.close());
