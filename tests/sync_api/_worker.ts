/**
 * A second (third…) cal-sync process for the multi-process tests. Opens the database of its
 * environment, says "ready", waits for "go" on stdin, then does one thing and prints JSON:
 *   schedule ROUNDS     runs the scheduler's due-config pass ROUNDS times
 *   trigger ID USER_ID  POSTs /api/sync/trigger/ID through the app as USER_ID
 */
import { issueToken } from "@/lib/auth/jwt.ts";
import { loadConfig } from "@/lib/config.ts";
import { openDb } from "@/lib/db/mod.ts";
import { createServices } from "@/lib/services.ts";
import { runDueSyncs } from "@/lib/sync/scheduler.ts";
import { createApp } from "@/main.ts";

const config = await loadConfig();
const db = await openDb(config.databaseUrl, config.dataDir);
const services = createServices(config, db, config.googleRootUrl);
const [mode, ...args] = Deno.args;
const app = mode === "trigger" ? await createApp(services, { bundle: false }) : undefined;

console.log("ready");
const reader = Deno.stdin.readable.getReader();
await reader.read();
reader.releaseLock();

if (mode === "schedule") {
  const ran: string[] = [];
  for (let round = 0; round < Number(args[0] ?? 1); round++) {
    const runs = await runDueSyncs(services, {
      owner: `worker:${Deno.pid}`,
      trigger: "schedule",
      concurrency: 3,
    });
    ran.push(...runs.map((r) => r.config.id));
  }
  console.log(JSON.stringify({ ran }));
} else if (mode === "trigger") {
  const [id, userId] = args;
  const token = await issueToken(userId, config.jwtSecret);
  const res = await app!.request(`/api/sync/trigger/${id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  console.log(JSON.stringify({ status: res.status, body: await res.json() }));
} else {
  throw new Error(`Unknown mode "${mode}"`);
}
await db.close();
