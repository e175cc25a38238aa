/**
 * `deno task bench push`: the latency of Google push, end to end. With the sandbox adding 50 ms
 * to every request, 50 single-event edits one after another: from the source write returning to
 * the copy being readable in the destination (median, p95), and the runs each edit cost.
 */
import { createConfig, listEvents, tenant } from "../sync_api/_helpers.ts";
import { openPushWorld, startWorker, until } from "../sync_api/_push.ts";

const EDITS = 50;

export async function benchPush(): Promise<string> {
  await using world = await openPushWorld();
  const t = await tenant(world.app, world, "bench");
  const config = await createConfig(t);
  await startWorker(world);
  await until("the first run", async () => (await world.finished(config.id)) === 1, 30_000);
  const faults = await fetch(`${world.sandboxUrl}_sandbox/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ latency_ms: 50 }),
  });
  await faults.body?.cancel();
  const before = await world.runs(config.id);
  const times: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const title = `Bench ${i}`;
    await t.source.events.insert({
      calendarId: t.sourceCal,
      requestBody: {
        summary: title,
        start: { dateTime: new Date(Date.now() + (i + 1) * 86400_000).toISOString() },
        end: { dateTime: new Date(Date.now() + (i + 1) * 86400_000 + 3600_000).toISOString() },
      },
    });
    times.push(
      await until(
        title,
        async () => (await listEvents(t.dest, t.destCal)).some((e) => e.summary === title),
        30_000,
      ),
    );
  }
  const runs = (await world.runs(config.id)) - before;
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  return [
    `push (sandbox +50 ms a request, ${EDITS} single-event edits, ${world.db.kind})`,
    `  write returned -> copy readable: median ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${
      times.at(-1)
    } ms`,
    `  runs per edit: ${(runs / EDITS).toFixed(2)} (${runs} runs)`,
  ].join("\n");
}
