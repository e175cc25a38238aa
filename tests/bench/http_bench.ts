/**
 * HTTP benchmark: requests per second and CPU per request of `GET /api/auth/me` next to a bare
 * `Deno.serve` hello, on PGlite and (when DATABASE_URL names one) on PostgreSQL.
 *
 * - The load comes from `wrk` (Debian's, /usr/bin/wrk), a process of its own, so the server's
 *   CPU is the server's alone.
 * - CPU per request is the server process's user + system time (/proc/PID/stat) over a round,
 *   divided by the requests served; on PostgreSQL the backends serving that server (found by
 *   their application_name) are added in a column of their own.
 * - "before" runs in the same run as "after": the session cache off (SESSION_CACHE_SECONDS=0),
 *   and with `--before DIR` the server of another checkout (the old code) side by side.
 * - Rounds alternate between the servers, so a neighbour's load on a shared machine falls on
 *   all of them alike; each figure is the median of its rounds.
 * - RSS is read from /proc/PID/status after the rounds (the resident memory after a load run),
 *   then again after a full garbage collection (what the process holds), and its peak.
 */
import { openDb } from "@/lib/db/mod.ts";
import { issueToken } from "@/lib/auth/jwt.ts";
import { createUser } from "@/lib/db/users.ts";
import { TEST_JWT_SECRET } from "../_helpers.ts";

export interface HttpBenchOptions {
  /** Concurrent connections wrk keeps open. */
  connections?: number;
  /** Seconds of one round. */
  seconds?: number;
  rounds?: number;
  /** A checkout (its tests/bench/servers.ts) to measure as "before", e.g. the last release. */
  baseline?: string;
  /** PostgreSQL to measure on; PGlite is always measured. */
  postgresUrl?: string;
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux
const ROOT = new URL("../../", import.meta.url).pathname;

interface Server {
  label: string;
  kind: Spec["kind"];
  pid: number;
  url: string;
  /** The application_name of its PostgreSQL connections, when it has any. */
  appName?: string;
  /** Whether it collects its garbage on SIGUSR2 (this checkout's servers.ts does). */
  collects: boolean;
  stop(): Promise<void>;
}

interface Spec {
  label: string;
  kind: "hello" | "app";
  /** The checkout whose servers.ts runs; this one unless told. */
  dir?: string;
  env?: Record<string, string>;
}

async function spawn(spec: Spec, databaseUrl: string): Promise<Server> {
  const dir = spec.dir ?? ROOT;
  const appName = databaseUrl.startsWith("postgres")
    ? `bench-${crypto.randomUUID().slice(0, 8)}`
    : undefined;
  const url = appName
    ? `${databaseUrl}${databaseUrl.includes("?") ? "&" : "?"}application_name=${appName}`
    : databaseUrl;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${dir}/tests/bench/servers.ts`, spec.kind],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { DATABASE_URL: url, ...spec.env },
  }).spawn();
  // Drained all along (a full pipe would stall the server), shown only if it fails to start.
  let errors = "";
  child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (errors = (errors + chunk).slice(-4000)) }),
  ).catch(() => {});
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${spec.label}: the server exited before listening:\n${errors}`);
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return {
    label: spec.label,
    kind: spec.kind,
    pid: child.pid,
    url: `http://127.0.0.1:${text.trim()}`,
    appName: spec.kind === "app" ? appName : undefined,
    collects: spec.dir === undefined,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** User + system CPU seconds of a process, all its threads. */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces) start at field 3.
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0; // a backend that exited meanwhile
  }
}

interface Memory {
  /** RSS after the load run. */
  rss: number;
  /** RSS after a full garbage collection: what the process holds, not what it has yet to free. */
  held: number | undefined;
  peak: number;
}

/** Reads RSS after the rounds, then once more after asking the server to collect its garbage. */
async function memoryOf(server: Server): Promise<Memory> {
  const { rss, peak } = memoryMiB(server.pid);
  if (!server.collects) return { rss, peak, held: undefined };
  Deno.kill(server.pid, "SIGUSR2");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return { rss, peak, held: memoryMiB(server.pid).rss };
}

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+)`))?.[1] ?? 0);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

interface WrkResult {
  requests: number;
  seconds: number;
}

async function wrk(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
): Promise<WrkResult> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s"];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  const { stdout, success } = await new Deno.Command("wrk", { args: [...args, url] }).output();
  const text = new TextDecoder().decode(stdout);
  const done = text.match(/(\d+) requests in ([\d.]+)(ms|s|m)/);
  if (!success || !done) throw new Error(`wrk failed on ${url}:\n${text}`);
  const failed = text.match(/Non-2xx or 3xx responses: (\d+)/);
  if (failed) throw new Error(`${url}: ${failed[1]} responses were not 2xx:\n${text}`);
  const unit = { ms: 0.001, s: 1, m: 60 }[done[3] as "ms" | "s" | "m"];
  return { requests: Number(done[1]), seconds: Number(done[2]) * unit };
}

/** The CPU seconds of the PostgreSQL backends of one application_name (0 on PGlite). */
async function backendCpu(postgresUrl: string | undefined) {
  const db = postgresUrl ? await openDb(postgresUrl) : undefined;
  return {
    async read(appName: string | undefined): Promise<number> {
      if (!db || !appName) return 0;
      const rows = await db.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
        [appName],
      );
      return rows.reduce((sum, { pid }) => sum + cpuSeconds(pid), 0);
    },
    close: async () => await db?.close(),
  };
}

interface Sample {
  rate: number;
  cpuUs: number;
  dbCpuUs: number;
}

interface Measured {
  label: string;
  samples: Sample[];
  memory: Memory;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function tokenFor(server: Server, postgresUrl: string | undefined): Promise<string> {
  const email = `bench-${crypto.randomUUID()}@cal-sync.test`;
  if (postgresUrl) {
    // Straight into the database: registrations over HTTP are limited per address, and bench
    // runs against one PostgreSQL add up.
    const db = await openDb(postgresUrl);
    try {
      const user = await createUser(db, email, "not a password hash: never signs in");
      return await issueToken(user.id, TEST_JWT_SECRET);
    } finally {
      await db.close();
    }
  }
  const body = JSON.stringify({ email, password: "bench-password" });
  const headers = { "content-type": "application/json" };
  const registered = await fetch(`${server.url}/api/auth/register`, {
    method: "POST",
    headers,
    body,
  });
  await registered.body?.cancel();
  const res = await fetch(`${server.url}/api/auth/token`, { method: "POST", headers, body });
  const token = (await res.json()).access_token;
  if (!token) throw new Error(`${server.label}: cannot sign in (${res.status})`);
  return token;
}

async function commitOf(dir: string): Promise<string> {
  const { stdout } = await new Deno.Command("git", {
    args: ["-C", dir, "rev-parse", "--short", "HEAD"],
  }).output();
  return new TextDecoder().decode(stdout).trim() || dir;
}

/** Measures one database's servers side by side; returns their samples and memory. */
async function measure(
  databaseUrl: string,
  specs: Spec[],
  options: Required<Omit<HttpBenchOptions, "baseline" | "postgresUrl">>,
): Promise<Measured[]> {
  const postgresUrl = databaseUrl.startsWith("postgres") ? databaseUrl : undefined;
  // One at a time: PGlite's start is CPU-bound, and several at once only slow each other.
  const servers: Server[] = [];
  for (const spec of specs) servers.push(await spawn(spec, databaseUrl));
  const backends = await backendCpu(postgresUrl);
  try {
    const targets = await Promise.all(servers.map(async (server) => {
      const isHello = server.kind === "hello";
      const headers: Record<string, string> = isHello
        ? {}
        : { authorization: `Bearer ${await tokenFor(server, postgresUrl)}` };
      return { server, headers, path: isHello ? "/" : "/api/auth/me" };
    }));
    const samples = new Map<string, Sample[]>(servers.map((s) => [s.label, []]));
    // Warm-up: compile the hot paths and open the pool before anything counts.
    for (const t of targets) await wrk(t.server.url + t.path, t.headers, 2, options.connections);
    for (let round = 0; round < options.rounds; round++) {
      for (const t of targets) {
        const cpu0 = cpuSeconds(t.server.pid);
        const db0 = await backends.read(t.server.appName);
        const run = await wrk(
          t.server.url + t.path,
          t.headers,
          options.seconds,
          options.connections,
        );
        const cpu = cpuSeconds(t.server.pid) - cpu0;
        const dbCpu = (await backends.read(t.server.appName)) - db0;
        samples.get(t.server.label)!.push({
          rate: run.requests / run.seconds,
          cpuUs: cpu * 1e6 / run.requests,
          dbCpuUs: dbCpu * 1e6 / run.requests,
        });
      }
    }
    const measured: Measured[] = [];
    for (const server of servers) {
      measured.push({
        label: server.label,
        samples: samples.get(server.label)!,
        memory: await memoryOf(server),
      });
    }
    return measured;
  } finally {
    await backends.close();
    await Promise.all(servers.map((server) => server.stop()));
  }
}

function table(title: string, results: Measured[], withDb: boolean): string[] {
  const row = (cells: string[]) =>
    `  ${cells[0].padEnd(28)}${cells.slice(1).map((c) => c.padStart(13)).join("")}`;
  const lines = [
    title,
    row([
      "",
      "req/s",
      "CPU µs/req",
      ...(withDb ? ["PG µs/req"] : []),
      "RSS MiB",
      "after GC",
      "peak MiB",
    ]),
  ];
  for (const r of results) {
    lines.push(row([
      r.label,
      median(r.samples.map((s) => s.rate)).toFixed(0),
      median(r.samples.map((s) => s.cpuUs)).toFixed(1),
      ...(withDb ? [median(r.samples.map((s) => s.dbCpuUs)).toFixed(1)] : []),
      r.memory.rss.toFixed(0),
      r.memory.held?.toFixed(0) ?? "-",
      r.memory.peak.toFixed(0),
    ]));
  }
  const after = results.find((r) => r.label.startsWith("after"));
  for (const before of results.filter((r) => r.label.startsWith("before"))) {
    if (!after) break;
    const rate = (r: Measured) => median(r.samples.map((s) => s.rate));
    const cpu = (r: Measured) => median(r.samples.map((s) => s.cpuUs + s.dbCpuUs));
    lines.push(
      `  after vs ${before.label}: ${(rate(after) / rate(before)).toFixed(2)}× the requests/s, ` +
        `${(cpu(after) / cpu(before)).toFixed(2)}× the CPU per request` +
        (withDb ? " (app + PostgreSQL)" : ""),
    );
  }
  return lines;
}

/** Runs the comparison and returns a plain-text report. */
export async function benchHttp(options: HttpBenchOptions = {}): Promise<string> {
  const settings = {
    connections: options.connections ?? 16,
    seconds: options.seconds ?? 3,
    rounds: options.rounds ?? 3,
  };
  const specs: Spec[] = [{ label: "bare Deno.serve hello", kind: "hello" }];
  if (options.baseline) {
    specs.push({
      label: `before: ${await commitOf(options.baseline)}`,
      kind: "app",
      dir: options.baseline,
    });
  }
  specs.push(
    { label: "before: session cache off", kind: "app", env: { SESSION_CACHE_SECONDS: "0" } },
    { label: "after", kind: "app" },
  );
  const lines = [
    `HTTP: GET /api/auth/me (wrk -t1 -c${settings.connections}; ${settings.rounds} alternating ` +
    `rounds of ${settings.seconds} s, medians; CPU = the server process's user+system time)`,
    "",
    ...table("PGlite (in memory)", await measure("memory://", specs, settings), false),
  ];
  if (options.postgresUrl) {
    lines.push(
      "",
      ...table("PostgreSQL", await measure(options.postgresUrl, specs, settings), true),
    );
  } else {
    lines.push("", "PostgreSQL: skipped (set DATABASE_URL=postgres://… to measure it)");
  }
  return lines.join("\n");
}
