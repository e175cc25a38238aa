/**
 * Scheduler benchmark on PostgreSQL (DATABASE_URL; a scratch database is made and dropped) with
 * the sandbox adding 20 ms per Google request, quotas lifted: N no-change configs (N = 2,000, or
 * `--configs N`) drained by one and by two `deno task sync` processes (the scheduler's claim
 * path), the projected capacity of one instance on a 15-minute schedule, and the `--all` drain of
 * 1,200 configs. With `--before DIR` (a checkout of the old code, e.g. /work/main) the same
 * passes also run with its CLI, against the same database and sandbox, for a before/after.
 * Rates come from the runs' own log rows (first start to last finish), so process start-up is
 * not counted. Statements per run: every statement the CLI processes sent (counted on the wire by
 * a relay, ./pg_counter.ts, so the --before checkout is counted alike), over their runs; process
 * start-up (migration check, lease recovery) and each pass's own statements are included.
 * CPU per run: the CLI processes' user + system CPU (start-up included) over their runs.
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { loadConfig } from "@/lib/config.ts";
import { encryptToken, loadKeyRing } from "@/lib/crypto/tokens.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { openDb } from "@/lib/db/mod.ts";
import { startSandbox } from "@/lib/sandbox/mod.ts";
import { countStatements } from "./pg_counter.ts";

const LATENCY_MS = 20;
const LIFTED = 1_000_000_000;
const repo = new URL("../../", import.meta.url).pathname;

/** Runs the benchmark; a plain-text report (or why it cannot run). */
export async function benchScheduler(args: string[] = []): Promise<string> {
  const { values } = parseArgs({
    args,
    options: { configs: { type: "string" }, before: { type: "string" } },
    strict: false,
  });
  const n = Number(values.configs ?? 2000);
  const before = typeof values.before === "string" ? values.before : undefined;
  const server = Deno.env.get("DATABASE_URL");
  if (!server?.startsWith("postgres")) {
    return "Scheduler benchmark: skipped (needs DATABASE_URL of a PostgreSQL server)";
  }
  const name = `calsync_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  const databaseUrl = u.toString();
  // The CLIs reach the database through a relay that counts their statements.
  const counter = countStatements(databaseUrl);
  const { url, sandbox, close } = await startSandbox({
    port: 0,
    dataFile: null,
    seed: false,
    quotaPerMinute: LIFTED,
  });
  const keys = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const env: Record<string, string> = {
    APP_ENV: "test",
    JWT_SECRET: "bench-secret-that-is-at-least-32-characters-long",
    ENCRYPTION_KEYS: keys,
    GOOGLE_SANDBOX: "1",
    GOOGLE_ROOT_URL: url,
    DATABASE_URL: counter.url,
    GOOGLE_QUOTA_PER_MINUTE: "1000000",
    NO_COLOR: "1",
    // To profile the CLIs: BENCH_CLI_V8_FLAGS=--prof (isolate logs land in each checkout).
    ...(Deno.env.get("BENCH_CLI_V8_FLAGS")
      ? { DENO_V8_FLAGS: Deno.env.get("BENCH_CLI_V8_FLAGS")! }
      : {}),
    // To compare pool sizes: SYNC_WORKERS=32 deno task bench
    ...(Deno.env.get("SYNC_WORKERS") ? { SYNC_WORKERS: Deno.env.get("SYNC_WORKERS")! } : {}),
  };
  const db = await openDb(databaseUrl);
  const lines = [
    `Scheduler benchmark: PostgreSQL, sandbox latency ${LATENCY_MS} ms/request, quotas lifted, ` +
    `${n} no-change configs`,
  ];
  try {
    await migrate(db);
    const ring = await loadKeyRing((await loadConfig(env)).encryptionKeys);
    const total = Math.max(n, 1200);
    for (let i = 0; i < total; i += 200) {
      const users: string[] = [];
      const tokens: unknown[][] = [];
      const configs: unknown[][] = [];
      for (let j = i; j < Math.min(total, i + 200); j++) {
        const id = crypto.randomUUID();
        users.push(id);
        const src = sandbox.addAccount(`bench-src-${j}@example.com`, ["Source"]);
        const dst = sandbox.addAccount(`bench-dst-${j}@example.com`, ["Dest"]);
        const accountIds = [crypto.randomUUID(), crypto.randomUUID()];
        for (const [k, acct] of [src, dst].entries()) {
          const owner = { userId: id, label: accountIds[k] };
          tokens.push([
            id,
            accountIds[k],
            acct.email,
            await encryptToken(ring, "refresh", { ...owner, field: "refresh_token" }),
            await encryptToken(ring, sandbox.issueAccessToken(acct.email), {
              ...owner,
              field: "access_token",
            }),
            ring.currentVersion,
          ]);
        }
        configs.push([id, src.calendars[0].id, dst.calendars[0].id, ...accountIds]);
      }
      await db.query(
        `INSERT INTO users (id, email, password_hash)
         SELECT u, 'bench-' || u || '@example.com', 'x' FROM unnest($1::uuid[]) u`,
        [users],
      );
      await db.query(
        `INSERT INTO google_accounts (user_id, id, token_label, google_email, refresh_token_enc,
           access_token_enc, key_version, expires_at)
         SELECT (t->>0)::uuid, (t->>1)::uuid, t->>1, t->>2, t->>3, t->>4, (t->>5)::int,
           now() + interval '1 day'
         FROM jsonb_array_elements($1::text::jsonb) t`,
        [JSON.stringify(tokens)],
      );
      await db.query(
        `INSERT INTO sync_configs (user_id, source_calendar_id, dest_calendar_id,
           source_account_id, dest_account_id)
         SELECT (t->>0)::uuid, t->>1, t->>2, (t->>3)::uuid, (t->>4)::uuid
         FROM jsonb_array_elements($1::text::jsonb) t`,
        [JSON.stringify(configs)],
      );
    }
    // The first run of each config lists its calendar in full; the measured ones are no-change.
    const warm = await cli(repo, env, ["--all"]);
    if (warm.code !== 0) throw new Error(`warm-up failed: ${warm.stderr.slice(-2000)}`);
    await fetch(`${url}_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ latency_ms: LATENCY_MS }),
    }).then((r) => r.body?.cancel());

    /** Makes `count` configs due (the rest not), clears the logs, runs `procs`, reads the rate. */
    const pass = async (dir: string, procs: number, count: number, args: string[]) => {
      await db.query(`DELETE FROM sync_logs`);
      await db.query(
        `UPDATE sync_configs SET next_run_at = CASE WHEN id IN
           (SELECT id FROM sync_configs ORDER BY id LIMIT $1) THEN now() - interval '1 minute'
           ELSE now() + interval '1 day' END, claimed_at = NULL`,
        [count],
      );
      counter.reset();
      const t0 = performance.now();
      const outs = await Promise.all(Array.from({ length: procs }, () => cli(dir, env, args)));
      const wall = (performance.now() - t0) / 1000;
      const [r] = await db.query<{ runs: number; configs: number; ok: number; s: number }>(
        `SELECT count(*)::int AS runs, count(DISTINCT config_id)::int AS configs,
           count(*) FILTER (WHERE status = 'success')::int AS ok,
           extract(epoch FROM max(finished_at) - min(started_at))::float8 AS s
         FROM sync_logs`,
      );
      const cpu = outs.reduce((sum, o) => sum + o.cpu, 0);
      return { ...r, wall, cpu, statements: counter.statements, codes: outs.map((o) => o.code) };
    };
    const row = (label: string, p: Awaited<ReturnType<typeof pass>>) =>
      lines.push(
        `${label.padEnd(46)} ${
          String(p.runs).padStart(5)
        } runs (${p.configs} configs, ${p.ok} ok)` +
          `  ${(p.runs / p.s).toFixed(0).padStart(5)} configs/s  ` +
          `${(p.statements / Math.max(1, p.runs)).toFixed(2)} statements/run  ` +
          `${(p.cpu * 1000 / Math.max(1, p.runs)).toFixed(1)} ms CPU/run  (${
            p.wall.toFixed(1)
          } s wall, ` +
          `exit ${p.codes.join(",")})`,
      );
    const variants: [string, string][] = [["after", repo]];
    if (before) variants.unshift(["before", before]);
    // Each pass runs with the old code then the new, one after the other, so that a load that
    // changes on a shared machine weighs on both alike. The old CLI stops at 1,000 unless told:
    // it is given the whole set explicitly.
    const projections: string[] = [];
    for (const [tag, dir] of variants) {
      const one = await pass(dir, 1, n, ["--limit", String(n)]);
      row(`${tag}: due configs, 1 process`, one);
      const perInstance = (one.runs / one.s) * 15 * 60;
      projections.push(
        `${tag}: projected capacity of one instance on a 15-minute schedule: ` +
          `~${Math.round(perInstance).toLocaleString("en")} configs` +
          (tag === "before" ? " (the old tick also stopped at 100 a minute: 1,500)" : ""),
      );
    }
    for (const [tag, dir] of variants) {
      row(`${tag}: due configs, 2 processes`, await pass(dir, 2, n, ["--limit", String(n)]));
    }
    for (const [tag, dir] of variants) {
      row(
        `${tag}: --all, 1,200 configs, 1 process`,
        await pass(dir, 1, 1200, ["--all", "--limit", "1200"]),
      );
    }
    lines.push(...projections);
  } finally {
    await db.close();
    await close();
    counter.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
  return lines.join("\n");
}

/** Runs the CLI of checkout `dir`; its exit code, stderr, and the CPU seconds it used. */
async function cli(dir: string, env: Record<string, string>, args: string[]) {
  // bash's `times` reports the user and system CPU of the children it waited for.
  const script = `"$0" task --quiet sync --json "$@" >/dev/null; code=$?; times >&2; exit $code`;
  const out = await new Deno.Command("bash", {
    args: ["-c", script, Deno.execPath(), ...args],
    cwd: dir,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  const times = stderr.trim().split("\n").at(-1) ?? "";
  const cpu = [...times.matchAll(/(\d+)m([\d.]+)s/g)]
    .reduce((sum, [, m, sec]) => sum + Number(m) * 60 + Number(sec), 0);
  return { code: out.code, stderr, cpu };
}

if (import.meta.main) console.log(await benchScheduler(Deno.args));
