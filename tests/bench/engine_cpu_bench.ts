/**
 * CPU per written event: the engine's first sync of N events (default 1,000; `--events N`) into
 * an empty destination, with the sandbox in a process of its own so that only the engine's work
 * (and the embedded database's, when DATABASE_URL is unset) is counted: this process's user +
 * system CPU over the run, divided by the events it wrote. Best of `--rounds` (default 3).
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { OAuth2Client } from "google-auth-library";
import { openDb } from "@/lib/db/mod.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { createUser } from "@/lib/db/users.ts";
import { createSyncConfig } from "@/lib/db/sync_configs.ts";
import { withoutRetries } from "@/lib/google/clients.ts";
import { runSync } from "@/lib/sync/engine.ts";

const LIFTED = 1_000_000_000;
const repo = new URL("../../", import.meta.url).pathname;

/** Runs the benchmark; a plain-text report. */
export async function benchEngineCpu(args: string[] = []): Promise<string> {
  const { values } = parseArgs({
    args,
    options: { events: { type: "string" }, rounds: { type: "string" } },
    strict: false,
  });
  const events = Number(values.events ?? 1000);
  const rounds = Number(values.rounds ?? 3);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const sandbox = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "lib/sandbox/main.ts", "--memory"],
    cwd: repo,
    env: { SANDBOX_PORT: String(port), NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}/`;
  const control = (path: string, body: unknown) =>
    fetch(`${url}_sandbox/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.json());
  for (let i = 0; i < 200; i++) {
    try {
      await (await fetch(`${url}_sandbox/faults`)).body?.cancel();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await control("faults", { quota_per_minute: LIFTED });
  const db = await openDb(Deno.env.get("DATABASE_URL") ?? "memory://");
  await migrate(db);
  const client = async (email: string) => {
    // Sending as the app's clients do (lib/google/clients.ts): Deno's fetch, no gaxios retries.
    const auth = withoutRetries(new OAuth2Client());
    const { access_token } = await control("token", { email });
    auth.setCredentials({ access_token, expiry_date: Date.now() + 86_400_000 });
    return calendar({ version: "v3", rootUrl: url, auth });
  };
  const perEvent: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const id = `${round}-${crypto.randomUUID().slice(0, 8)}`;
      const src = await control("accounts", {
        email: `cpu-src-${id}@example.com`,
        calendars: ["S"],
      });
      const dst = await control("accounts", {
        email: `cpu-dst-${id}@example.com`,
        calendars: ["D"],
      });
      const source = await client(src.email);
      await seed(source, src.calendars[0].id, events);
      const user = await createUser(db, `cpu-${id}@example.com`, "x");
      const config = await createSyncConfig(db, {
        user_id: user.id,
        source_calendar_id: src.calendars[0].id,
        dest_calendar_id: dst.calendars[0].id,
      });
      const dest = await client(dst.email);
      const before = process.cpuUsage();
      const r = await runSync({ db, source, dest, config, trigger: "cli", quotaPerMinute: LIFTED });
      const used = process.cpuUsage(before);
      if (r.events_created !== events) throw new Error(`wrote ${r.events_created} of ${events}`);
      perEvent.push((used.user + used.system) / 1000 / events);
    }
  } finally {
    await db.close();
    sandbox.kill();
    await sandbox.status;
  }
  const best = Math.min(...perEvent);
  return `Engine CPU: first sync of ${events} events on ${
    Deno.env.get("DATABASE_URL") ? "PostgreSQL" : "PGlite"
  }, sandbox in its own process: ${best.toFixed(3)} ms CPU per written event (best of ${rounds}: ${
    perEvent.map((x) => x.toFixed(3)).join(", ")
  })`;
}

async function seed(cal: calendar_v3.Calendar, calendarId: string, count: number) {
  const base = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const start = base + (1 + (i % 80)) * 86_400_000 + (i % 20) * 1_800_000;
      await cal.events.insert({
        calendarId,
        requestBody: {
          summary: `Event ${i}`,
          description: `Benchmark event number ${i}`,
          start: { dateTime: new Date(start).toISOString() },
          end: { dateTime: new Date(start + 1_800_000).toISOString() },
        },
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

if (import.meta.main) console.log(await benchEngineCpu(Deno.args));
