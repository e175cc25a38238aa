import assert from "node:assert/strict";
import { setRoleStatus } from "../connect/_helpers.ts";
import { getSyncConfigOfAnyUser, setNextRunAt } from "@/lib/db/sync_configs.ts";
import { runCli } from "@/lib/sync/cli.ts";
import {
  addEvents,
  at,
  createConfig,
  type Json,
  listEvents,
  openApp,
  openSharedWorld,
  tenant,
} from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openSharedWorld();
const app = await openApp(world.services);
const repo = new URL("../../", import.meta.url).pathname;

/**
 * The command run in this process, on the world's database and environment: what it prints,
 * writes to stderr and returns. The process boundary itself (`deno task sync`, its exit status,
 * a clean stdout, the lock of the embedded database) is tested by `syncProcess`.
 */
async function sync(args: string[], env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, {
    env: { ...world.env, ...env, NO_COLOR: "1" },
    db: world.db,
    print: (line) => stdout.push(`${line}\n`),
    stderr: (text) => stderr.push(text),
  });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** `deno task sync …args` in the world's environment, the database released meanwhile. */
async function syncProcess(args: string[], env: Record<string, string> = {}) {
  await world.release();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "sync", ...args],
      cwd: repo,
      env: { ...world.env, ...env, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
  } finally {
    await world.reopen();
  }
}

async function logsOf(configId: string) {
  return await world.db.query<{ trigger: string; status: string }>(
    `SELECT trigger, status FROM sync_logs WHERE config_id = $1`,
    [configId],
  );
}

/** Nothing else due: each test sees only the configs it makes. */
async function parkAll() {
  await world.db.query(`UPDATE sync_configs SET next_run_at = now() + interval '1 day'`);
}

Deno.test(
  "[cli] deno task sync --dry-run --json prints the plan and writes nothing",
  async () => {
    await parkAll();
    const t = await tenant(app, world, "cli-plan");
    const config = await createConfig(t);
    await addEvents(t, 2, "Standup");
    const before = (await getSyncConfigOfAnyUser(world.db, config.id))!;
    const { code, stdout, stderr } = await sync(["--dry-run", "--json"]);
    assert.equal(code, 0, stderr);
    const out = JSON.parse(stdout);
    assert.equal(out.dry_run, true);
    assert.equal(out.failed, 0);
    assert.equal(out.runs.length, 1);
    const [run] = out.runs;
    assert.equal(run.config_id, config.id);
    assert.equal(run.status, "success");
    assert.equal(run.sync_log_id, null);
    assert.deepEqual(run.plan.map((p: Json) => [p.action, p.summary]), [
      ["create", "Standup 0"],
      ["create", "Standup 1"],
    ]);
    assert.ok(run.plan.every((p: Json) => Date.parse(p.start) < Date.parse(p.end)));
    assert.match(stderr, /Planning "Team" → "Team"/, "progress on stderr");
    assert.deepEqual(await listEvents(t.dest, t.destCal), [], "nothing written");
    assert.deepEqual(await logsOf(config.id), []);
    const after = (await getSyncConfigOfAnyUser(world.db, config.id))!;
    assert.deepEqual(after.next_run_at, before.next_run_at, "not rescheduled");

    const table = await sync(["--dry-run"]);
    assert.equal(table.code, 0);
    assert.match(
      table.stdout,
      /^CONFIG\s+SOURCE → DESTINATION\s+STATUS\s+CREATE\s+UPDATE\s+DELETE/,
    );
    assert.match(table.stdout, /create\s+Standup 0\s+\S+ → \S+/);
  },
);

Deno.test("[cli] deno task sync runs the due configs once, a table on stdout", async () => {
  await parkAll();
  const a = await tenant(app, world, "cli-a");
  const b = await tenant(app, world, "cli-b");
  const ca = await createConfig(a);
  const cb = await createConfig(b);
  await addEvents(a, 3);
  await addEvents(b, 1);

  const { code, stdout, stderr } = await sync([]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.match(lines[0], /^CONFIG\s+SOURCE → DESTINATION\s+STATUS\s+CREATED\s+UPDATED\s+DELETED/);
  const row = (id: string) => lines.find((l) => l.startsWith(id.slice(0, 8)))!;
  assert.match(row(ca.id), /Team → Team\s+success\s+3\s+0\s+0/);
  assert.match(row(cb.id), /Team → Team\s+success\s+1\s+0\s+0/);
  assert.match(stderr, /success: 3 created/);
  assert.deepEqual(await logsOf(ca.id), [{ trigger: "cli", status: "success" }]);
  assert.equal((await listEvents(a.dest, a.destCal)).length, 3);

  const again = await sync(["--json"]);
  assert.equal(again.code, 0);
  assert.deepEqual(JSON.parse(again.stdout).runs, [], "nothing due any more");
  assert.equal((await sync([])).stdout.trim(), "No sync config is due.");
});

Deno.test("[cli] --config runs that config only, --all ignores schedules", async () => {
  await parkAll();
  const a = await tenant(app, world, "cli-one");
  const b = await tenant(app, world, "cli-other");
  const ca = await createConfig(a);
  const cb = await createConfig(b);
  await addEvents(a, 1);
  await addEvents(b, 1);
  const one = await sync(["--config", ca.id, "--json"]);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout).runs.map((r: Json) => r.config_id), [ca.id]);
  assert.equal((await listEvents(a.dest, a.destCal)).length, 1);
  assert.deepEqual(await listEvents(b.dest, b.destCal), []);

  await setNextRunAt(world.db, cb.id, new Date(Date.now() + 3_600_000));
  const all = await sync(["--all", "--json"]);
  assert.equal(all.code, 0, all.stderr);
  const ran = JSON.parse(all.stdout).runs.map((r: Json) => r.config_id);
  assert.ok(ran.includes(ca.id) && ran.includes(cb.id), "due or not");
  assert.equal((await listEvents(b.dest, b.destCal)).length, 1);
});

Deno.test("[cli] exits 1 when a run fails, naming the problem", async () => {
  await parkAll();
  const t = await tenant(app, world, "cli-fail");
  const config = await createConfig(t);
  await setRoleStatus(world.db, t.user.id, "source", "needs_reconnect", "invalid_grant");
  // A real process: its exit status, and nothing but the JSON on its stdout.
  const json = await syncProcess(["--config", config.id, "--json"]);
  assert.equal(json.code, 1, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.equal(out.failed, 1);
  assert.equal(out.runs[0].status, "needs_reconnect");
  assert.match(out.runs[0].error, /Reconnect the source Google account/);
  const table = await sync(["--config", config.id]);
  assert.equal(table.code, 1);
  assert.match(table.stdout, /needs_reconnect/);
  assert.match(table.stdout, /Reconnect the source Google account/);
});

Deno.test(
  "[cli] --dry-run prints hostile titles and calendar names escaped: no terminal control, no forged line",
  async () => {
    await parkAll();
    const t = await tenant(app, world, "cli-hostile");
    const config = await createConfig(t);
    // Clears the screen, then forges a plan line in the operator's terminal; a right-to-left
    // override and NEL (a C1 line break) for good measure.
    const title = "Lunch\x1b[2J\x1b[H\n  delete  Board meeting  2030-01-01\r\u202eevil\u0085";
    await t.source.events.insert({
      calendarId: t.sourceCal,
      requestBody: {
        summary: title,
        start: { dateTime: at(1), timeZone: "UTC" },
        end: { dateTime: at(1.05), timeZone: "UTC" },
      },
    });
    // A calendar shared with the person can be named anything too (OSC: set the window title).
    await world.db.query(`UPDATE sync_configs SET source_calendar_name = $2 WHERE id = $1`, [
      config.id,
      "Team\x1b]0;owned\x07",
    ]);

    const { code, stdout, stderr } = await sync(["--dry-run"]);
    assert.equal(code, 0, stderr);
    for (const [name, out] of [["stdout", stdout], ["stderr", stderr]]) {
      assert.doesNotMatch(
        out,
        // deno-lint-ignore no-control-regex -- matching control characters is the point
        /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/,
        `${name} carries no control character but its own line ends`,
      );
    }
    const planned = stdout.split("\n").filter((l) => /^ {2}(create|update|delete) /.test(l));
    assert.equal(planned.length, 1, `one plan line, not a forged second one:\n${stdout}`);
    assert.ok(
      planned[0].startsWith(
        "  create  Lunch\\x1b[2J\\x1b[H\\n  delete  Board meeting  2030-01-01\\r\\u202eevil\\x85  ",
      ),
      planned[0],
    );
    assert.ok(stdout.includes("Team\\x1b]0;owned\\x07 → Team"), stdout);
    assert.ok(stderr.includes('Planning "Team\\x1b]0;owned\\x07" → "Team"'), stderr);

    // JSON is for machines: the title as it is, escaped by JSON itself.
    const json = await sync(["--dry-run", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).runs[0].plan[0].summary, title);
  },
);

Deno.test("[cli] usage, unknown configs and an unreachable sandbox", async (t) => {
  await t.step("--help prints the usage and exits 0", async () => {
    const { code, stdout } = await sync(["--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: deno task sync/);
    assert.match(stdout, /--dry-run/);
  });

  await t.step("an unknown option or --config with --all exits 2", async () => {
    for (const args of [["--nope"], ["--config", crypto.randomUUID(), "--all"], ["--limit", "0"]]) {
      const { code, stderr } = await sync(args);
      assert.equal(code, 2, args.join(" "));
      assert.match(stderr, /Usage: deno task sync/);
    }
  });

  await t.step("an unknown config id exits 1 in one line", async () => {
    const id = crypto.randomUUID();
    const { code, stderr } = await sync(["--config", id]);
    assert.equal(code, 1);
    assert.equal(stderr.trim(), `No sync config "${id}"`);
  });

  await t.step("a bad setting exits 1 naming the variable", async () => {
    const { code, stderr } = await sync([], { SYNC_CONCURRENCY: "lots" });
    assert.equal(code, 1);
    assert.match(stderr.trim(), /^Cannot parse "SYNC_CONCURRENCY": expected a whole number/);
  });

  await t.step("says so when the Google sandbox is not running", async () => {
    const { code, stderr } = await sync([], { GOOGLE_ROOT_URL: "http://127.0.0.1:9/" });
    assert.equal(code, 1);
    assert.match(
      stderr,
      /Cannot reach the Google sandbox at http:\/\/127\.0\.0\.1:9\/: start the app/,
    );
  });
});

Deno.test({
  name: "[cli] refuses an embedded database that another process has open",
  ignore: world.db.kind !== "pglite",
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "sync"],
      cwd: repo,
      env: world.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    assert.match(new TextDecoder().decode(out.stderr), /another process \(the app\?\) has it open/);
  },
});

closesTheFile("[cli] tests close their world", () => world.close());
