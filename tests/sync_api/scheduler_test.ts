import assert from "node:assert/strict";
import { setRoleStatus } from "../connect/_helpers.ts";
import {
  acquireSyncLease,
  getSyncConfigOfAnyUser,
  releaseSyncLease,
  setNextRunAt,
} from "@/lib/db/sync_configs.ts";
import { runDueSyncs, startScheduler, UnknownConfigError } from "@/lib/sync/scheduler.ts";
import {
  addEvents,
  call,
  createConfig,
  listEvents,
  openApp,
  openSharedWorld,
  spawnWorker,
  type Tenant,
  tenant,
} from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openSharedWorld();
const app = await openApp(world.services);
const onPostgres = world.db.kind === "postgres";
const MINUTE = 60_000;

async function logsOf(configId: string) {
  return await world.db.query<{ trigger: string; status: string }>(
    `SELECT trigger, status FROM sync_logs WHERE config_id = $1 ORDER BY started_at`,
    [configId],
  );
}

async function withConfig(label: string, events = 2, extra: Record<string, unknown> = {}) {
  const t = await tenant(app, world, label);
  const config = await createConfig(t, extra);
  await addEvents(t, events, label);
  return { t, id: config.id };
}

const due = (ids: string[], mine: string[]) => ids.filter((id) => mine.includes(id)).sort();

Deno.test("runDueSyncs() runs each due config once and moves next_run_at on", async (t) => {
  const ready = await withConfig("due", 3, { sync_interval_minutes: 30 });
  const later = await withConfig("later");
  await setNextRunAt(world.db, later.id, new Date(Date.now() + 10 * MINUTE));
  const paused = await withConfig("paused");
  await call(paused.t.browser, "PATCH", `/api/sync/config/${paused.id}`, { is_active: false });
  const broken = await withConfig("broken");
  await setRoleStatus(world.db, broken.t.user.id, "destination", "needs_reconnect", "test");
  const mine = [ready.id, later.id, paused.id, broken.id];

  await t.step("runs only the active, due configs whose accounts are ok", async () => {
    const before = Date.now();
    const runs = await runDueSyncs(world.services, {
      owner: "test-scheduler",
      limit: 100,
      trigger: "schedule",
    });
    const after = Date.now();
    assert.deepEqual(due(runs.map((r) => r.config.id), mine), [ready.id]);
    const run = runs.find((r) => r.config.id === ready.id)!;
    assert.equal(run.result?.status, "success");
    assert.equal(run.result?.events_created, 3);
    assert.deepEqual(await logsOf(ready.id), [{ trigger: "schedule", status: "success" }]);
    assert.equal((await listEvents(ready.t.dest, ready.t.destCal)).length, 3);
    const config = (await getSyncConfigOfAnyUser(world.db, ready.id))!;
    const next = new Date(config.next_run_at).getTime();
    assert.ok(
      next >= before + 30 * MINUTE - 1000 && next <= after + 30 * MINUTE + 1000,
      "next run",
    );
    assert.equal(config.lease_owner, null, "lease given back");
    for (const id of [later.id, paused.id, broken.id]) assert.deepEqual(await logsOf(id), []);
  });

  await t.step("a second pass finds nothing due", async () => {
    const runs = await runDueSyncs(world.services, {
      owner: "test-scheduler",
      limit: 100,
      trigger: "schedule",
    });
    assert.deepEqual(due(runs.map((r) => r.config.id), mine), []);
  });

  await t.step("runs again once the next run is due, incrementally", async () => {
    await setNextRunAt(world.db, ready.id, new Date(Date.now() - 1000));
    const runs = await runDueSyncs(world.services, {
      owner: "test-scheduler",
      limit: 100,
      trigger: "schedule",
    });
    const run = runs.find((r) => r.config.id === ready.id)!;
    assert.equal(run.result?.status, "success");
    assert.equal(run.result?.api_calls, 1);
    assert.equal((await logsOf(ready.id)).length, 2);
  });
});

Deno.test("runDueSyncs() with all ignores schedules, with configId runs one", async (t) => {
  const a = await withConfig("all-a");
  const b = await withConfig("all-b");
  await setNextRunAt(world.db, b.id, new Date(Date.now() + 60 * MINUTE));
  const paused = await withConfig("all-paused");
  await call(paused.t.browser, "PATCH", `/api/sync/config/${paused.id}`, { is_active: false });

  await t.step("all: every active config, due or not", async () => {
    const runs = await runDueSyncs(world.services, {
      owner: "test-cli",
      limit: 100,
      trigger: "cli",
      all: true,
    });
    assert.deepEqual(
      due(runs.map((r) => r.config.id), [a.id, b.id, paused.id]),
      [a.id, b.id].sort(),
    );
    assert.deepEqual(await logsOf(b.id), [{ trigger: "cli", status: "success" }]);
    assert.ok(runs.every((r) => r.result?.status === "success"));
  });

  await t.step("configId: that config alone, whatever its schedule", async () => {
    const runs = await runDueSyncs(world.services, {
      owner: "test-cli",
      limit: 100,
      trigger: "cli",
      configId: paused.id,
    });
    assert.deepEqual(runs.map((r) => r.config.id), [paused.id]);
    assert.equal(runs[0].result?.events_created, 2);
  });

  await t.step("configId: a config being run elsewhere is reported, not run", async () => {
    assert.ok(await acquireSyncLease(world.db, a.id, "elsewhere", 60_000));
    try {
      const runs = await runDueSyncs(world.services, {
        owner: "test-cli",
        limit: 100,
        trigger: "cli",
        configId: a.id,
      });
      assert.equal(runs.length, 1);
      assert.equal(runs[0].inProgress, true);
      assert.equal((await logsOf(a.id)).length, 1);
    } finally {
      await releaseSyncLease(world.db, a.id, "elsewhere");
    }
  });

  await t.step("configId: an unknown id throws", async () => {
    await assert.rejects(
      runDueSyncs(world.services, {
        owner: "test-cli",
        limit: 1,
        trigger: "cli",
        configId: crypto.randomUUID(),
      }),
      UnknownConfigError,
    );
  });
});

Deno.test("runDueSyncs() with dryRun plans without writing or rescheduling", async () => {
  const plan = await withConfig("plan", 2);
  const before = (await getSyncConfigOfAnyUser(world.db, plan.id))!;
  const runs = await runDueSyncs(world.services, {
    owner: "test-plan",
    limit: 100,
    trigger: "cli",
    configId: plan.id,
    dryRun: true,
  });
  const result = runs[0].result!;
  assert.equal(result.sync_log_id, null);
  assert.deepEqual(result.plan!.map((p) => [p.action, p.summary]), [
    ["create", "plan 0"],
    ["create", "plan 1"],
  ]);
  assert.ok(result.plan!.every((p) => p.start && p.end));
  assert.deepEqual(await listEvents(plan.t.dest, plan.t.destCal), []);
  assert.deepEqual(await logsOf(plan.id), []);
  const after = (await getSyncConfigOfAnyUser(world.db, plan.id))!;
  assert.deepEqual(after.next_run_at, before.next_run_at);
  // Done with it: the multi-process tests below count due configs.
  await setNextRunAt(world.db, plan.id, new Date(Date.now() + 60 * MINUTE));
});

Deno.test("runDueSyncs() runs at most `concurrency` configs at once", async () => {
  const configs = await Promise.all([0, 1, 2, 3, 4].map((i) => withConfig(`pool-${i}`, 3)));
  const ids = configs.map((c) => c.id);
  let inFlight = 0;
  let most = 0;
  const runs = await runDueSyncs(world.services, {
    owner: "test-pool",
    limit: 100,
    trigger: "schedule",
    concurrency: 2,
    onStart: () => most = Math.max(most, ++inFlight),
    onEnd: () => inFlight--,
  });
  assert.deepEqual(due(runs.map((r) => r.config.id), ids), [...ids].sort());
  assert.equal(most, 2);
});

Deno.test({
  name: "two schedulers on one PostgreSQL run each due config exactly once",
  ignore: !onPostgres,
  async fn() {
    const configs: { t: Tenant; id: string }[] = [];
    for (let i = 0; i < 10; i++) configs.push(await withConfig(`multi-${i}`, 3));
    const ids = configs.map((c) => c.id);
    const workers = [spawnWorker(world, ["schedule", "3"]), spawnWorker(world, ["schedule", "3"])];
    await Promise.all(workers.map((w) => w.ready));
    await Promise.all(workers.map((w) => w.go()));
    const [one, two] = await Promise.all(workers.map((w) => w.result));
    const ran: string[] = [...one.ran, ...two.ran];
    assert.equal(new Set(ran).size, ran.length, "no config ran twice");
    assert.deepEqual(due(ran, ids), [...ids].sort(), "every due config ran");
    for (const c of configs) {
      assert.deepEqual(await logsOf(c.id), [{ trigger: "schedule", status: "success" }]);
      const copies = await listEvents(c.t.dest, c.t.destCal);
      assert.equal(copies.length, 3, "three copies, no duplicate");
    }
  },
});

Deno.test({
  name: "two processes triggering the same config concurrently: one runs, one gets 409",
  ignore: !onPostgres,
  async fn() {
    const { t, id } = await withConfig("two-procs", 15);
    await setNextRunAt(world.db, id, new Date(Date.now() + 60 * MINUTE));
    const workers = [
      spawnWorker(world, ["trigger", id, t.user.id]),
      spawnWorker(world, ["trigger", id, t.user.id]),
    ];
    await Promise.all(workers.map((w) => w.ready));
    // Slow Google down a little so the two runs overlap however the processes are scheduled.
    await fetch(`${world.sandboxUrl}_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ latency_ms: 50 }),
    }).then((r) => r.body?.cancel());
    try {
      await Promise.all(workers.map((w) => w.go()));
      const answers = await Promise.all(workers.map((w) => w.result));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
      const ran = answers.find((a) => a.status === 200)!;
      assert.equal(ran.body.events_created, 15);
      const refused = answers.find((a) => a.status === 409)!;
      assert.match(refused.body.error.message, /already in progress/);
    } finally {
      await fetch(`${world.sandboxUrl}_sandbox/faults`, { method: "DELETE" })
        .then((r) => r.body?.cancel());
    }
    assert.equal((await logsOf(id)).length, 1);
    assert.equal((await listEvents(t.dest, t.destCal)).length, 15);
  },
});

Deno.test(
  "startScheduler() registers the every-minute job, except under APP_ENV=test",
  () => {
    assert.equal(startScheduler(world.services), false, "off in tests");
    if (typeof Deno.cron !== "function") return;
    const controller = new AbortController();
    const services = {
      ...world.services,
      config: { ...world.services.config, appEnv: "development" as const },
    };
    try {
      assert.equal(startScheduler(services, { signal: controller.signal }), true);
    } finally {
      controller.abort();
    }
  },
);

closesTheFile("scheduler tests close their world", () => world.close());
