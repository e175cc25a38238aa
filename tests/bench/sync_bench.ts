/**
 * Sync benchmark against the sandbox with 50 ms latency per request and quotas lifted:
 * a first sync of 1,000 events at the default concurrency next to the same work one request at
 * a time, a no-change run over 5,000 events (which must cost exactly one request), and a no-change
 * two-way run over 2 × 2,500 events (exactly two requests: one listing per side). Then the
 * bytes Google sends for a first sync of 1,000 events and for a no-change run, with the engine's
 * field masks and without them (the sandbox answers `fields=` as Google does and counts bytes).
 */
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { OAuth2Client } from "google-auth-library";
import { openDb } from "@/lib/db/mod.ts";
import { migrate } from "@/lib/db/migrate.ts";
import { createUser } from "@/lib/db/users.ts";
import { createSyncConfig } from "@/lib/db/sync_configs.ts";
import { startSandbox } from "@/lib/sandbox/mod.ts";
import { runSync } from "@/lib/sync/engine.ts";

const LATENCY_MS = 50;
const LIFTED = 1_000_000_000;

/** Runs the benchmark and returns a plain-text report. */
export async function benchSync(): Promise<string> {
  const { url, sandbox, close } = await startSandbox({
    port: 0,
    dataFile: null,
    seed: false,
    quotaPerMinute: LIFTED,
  });
  const db = await openDb("memory://");
  await migrate(db);
  const control = (body: unknown, method = "POST") =>
    fetch(`${url}_sandbox/faults`, {
      method,
      headers: { "content-type": "application/json" },
      body: method === "POST" ? JSON.stringify(body) : undefined,
    }).then((r) => r.body?.cancel());
  const stats = async () => await (await fetch(`${url}_sandbox/stats`)).json();
  const requests = async () => (await stats()).total as number;
  const bytes = async () => (await stats()).bytesSent as number;
  const client = (email: string) => {
    const auth = new OAuth2Client();
    auth.setCredentials({
      access_token: sandbox.issueAccessToken(email),
      expiry_date: Date.now() + 86_400_000,
    });
    return calendar({ version: "v3", rootUrl: url, auth });
  };
  let n = 0;
  const pair = async (events: number, destEvents = 0) => {
    const id = `${n++}${Date.now().toString(36)}`;
    const src = sandbox.addAccount(`bench-src-${id}@example.com`, ["Source"]);
    const dst = sandbox.addAccount(`bench-dst-${id}@example.com`, ["Dest"]);
    const user = await createUser(db, `bench-${id}@example.com`, "x");
    const config = await createSyncConfig(db, {
      user_id: user.id,
      source_calendar_id: src.calendars[0].id,
      dest_calendar_id: dst.calendars[0].id,
      sync_lookahead_days: 90,
      direction: destEvents > 0 ? "two_way" : "one_way",
    });
    const source = client(src.email);
    await seed(source, src.calendars[0].id, events);
    const dest = client(dst.email);
    await seed(dest, dst.calendars[0].id, destEvents);
    return {
      sync: (concurrency?: number, partialResponses = true) =>
        runSync({
          db,
          source,
          dest,
          config,
          trigger: "cli",
          concurrency,
          quotaPerMinute: LIFTED,
          partialResponses,
        }),
    };
  };
  const lines: string[] = [
    `Sync benchmark: sandbox latency ${LATENCY_MS} ms/request, quotas lifted`,
  ];
  try {
    const fast = await pair(1000);
    const slow = await pair(1000);
    const big = await pair(5000);
    const unmasked = await pair(1000);
    await big.sync(16); // first copy of the 5,000 events, without latency
    const both = await pair(2500, 2500);
    await both.sync(16); // first copy both ways, without latency
    await both.sync(16); // lists the first run's own copies once, writes nothing
    await control({ latency_ms: LATENCY_MS });

    const measure = async (label: string, run: () => ReturnType<typeof fast.sync>) => {
      const before = await requests();
      const bytesBefore = await bytes();
      const t0 = performance.now();
      const r = await run();
      const ms = performance.now() - t0;
      const reqs = (await requests()) - before - 0;
      const received = (await bytes()) - bytesBefore;
      lines.push(
        `${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${
          String(reqs).padStart(5)
        } requests  (created ${r.events_created}, status ${r.status})`,
      );
      return { ms, reqs, r, received };
    };
    const a = await measure("first sync, 1,000 events, concurrency 8", () => fast.sync(8));
    const b = await measure("first sync, 1,000 events, one at a time", () => slow.sync(1));
    const c = await measure("no-change run, 5,000 events", () => big.sync());
    const d = await measure(
      "first sync, 1,000 events, no field masks",
      () => unmasked.sync(8, false),
    );
    const e = await measure("no-change run, 1,000 events", () => fast.sync());
    const g = await measure("no-change two-way run, 2 × 2,500 events", () => both.sync());
    const f = await measure(
      "no-change run, 1,000 events, no field masks",
      () => unmasked.sync(8, false),
    );
    lines.push(`speed-up from concurrency: ${(b.ms / a.ms).toFixed(1)}x`);
    lines.push(
      `no-change run requests: ${c.reqs} (${c.reqs === 1 ? "ok" : "EXPECTED 1"}), writes: ${
        c.r.events_created + c.r.events_updated + c.r.events_deleted
      }`,
    );
    lines.push(
      `no-change two-way run requests: ${g.reqs} (${g.reqs === 2 ? "ok" : "EXPECTED 2"}), ` +
        `writes: ${g.r.a_to_b + g.r.b_to_a}`,
    );
    const saved = (before: number, after: number) =>
      `${before.toLocaleString("en")} B without masks, ${after.toLocaleString("en")} B with them ` +
      `(${Math.round((1 - after / before) * 100)} % less)`;
    lines.push(`bytes from Google, first sync of 1,000 events: ${saved(d.received, a.received)}`);
    lines.push(`bytes from Google, no-change run: ${saved(f.received, e.received)}`);
    lines.push(
      `achieved rate at concurrency 8: ${Math.round(a.reqs / (a.ms / 60_000))} requests/min ` +
        `(Google's per-user quota is 600/min; the engine's limiter holds runs under it by default)`,
    );
  } finally {
    await control(null, "DELETE");
    await db.close();
    await close();
  }
  return lines.join("\n");
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

if (import.meta.main) console.log(await benchSync());
