/**
 * A process killed mid-run (SIGKILL: an out-of-memory kill, a deploy that does not wait) must not
 * block its syncs: its lease lapses within a minute (at once on the embedded database, which the
 * next process opens alone), the run it left reads as interrupted, and the next run converges on
 * the exact mirror. Real processes: the app is `main.ts` in a subprocess, twice, on one database
 * (PostgreSQL with DATABASE_URL, else an embedded PGlite directory); Google is the sandbox of the
 * test process, which outlives the app as Google would.
 */
import assert from "node:assert/strict";
import { issueToken } from "@/lib/auth/jwt.ts";
import {
  createConfig,
  type Event,
  googleAs,
  type Json,
  listEvents,
  openApp,
  openSharedWorld,
  type SharedWorld,
  tenant,
} from "./_helpers.ts";
import { freePort, type MainProcess, startMain } from "../_main_process.ts";

const EVENTS = 400;
const KILL_AFTER_INSERTS = 150;

interface AppProcess extends MainProcess {
  base: string;
}

/** `deno run main.ts` on the world's database and sandbox; resolves once it listens. */
async function startApp(world: SharedWorld, cwd: string): Promise<AppProcess> {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...world.env,
    PORT: String(port),
    API_URL: base,
    // The app's own sandbox starts too (GOOGLE_SANDBOX=1) but its clients go to GOOGLE_ROOT_URL.
    SANDBOX_PORT: String(freePort()),
    GOOGLE_QUOTA_PER_MINUTE: "100000",
    NO_COLOR: "1",
  };
  return { base, ...await startMain({ cwd, env, clearEnv: true }) };
}

/** Requests to a running app as the signed-in user (session cookie, same origin). */
function clientOf(app: AppProcess, token: string) {
  return async (method: string, path: string): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${app.base}${path}`, {
      method,
      headers: { cookie: `session=${token}`, origin: app.base, accept: "application/json" },
    });
    const text = await res.text();
    let body: Json = text;
    try {
      body = JSON.parse(text);
    } catch { /* a page */ }
    return { status: res.status, body };
  };
}

/** `n` half-hour events, one every 2.4 hours from tomorrow: all inside the 90-day window. */
async function addMany(source: ReturnType<typeof googleAs>, calendarId: string, n: number) {
  const day = 86_400_000;
  const base = Math.floor((Date.now() + day) / 60_000) * 60_000;
  const made: Event[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = Array.from({ length: Math.min(20, n - i) }, (_, j) => {
      const start = base + (i + j) * day / 10;
      return source.events.insert({
        calendarId,
        requestBody: {
          summary: `Crash ${String(i + j).padStart(3, "0")}`,
          start: { dateTime: new Date(start).toISOString() },
          end: { dateTime: new Date(start + 30 * 60_000).toISOString() },
        },
      });
    });
    made.push(...(await Promise.all(batch)).map((r) => r.data));
  }
  return made;
}

Deno.test(
  "[crash] a run killed with SIGKILL frees its sync within 60 s and the next run mirrors exactly",
  async () => {
    const world = await openSharedWorld();
    const cwd = await Deno.makeTempDir({ prefix: "cal-sync-crash-" });
    const embedded = world.env.DATA_DIR !== undefined;
    let second: AppProcess | undefined;
    try {
      const t = await tenant(await openApp(world.services), world, "crash");
      const config = await createConfig(t);
      const sourceEvents = await addMany(t.source, t.sourceCal, EVENTS);
      const token = await issueToken(t.user.id, world.services.config.jwtSecret);
      await world.release();

      // Slow Google down so that the run is still writing when the process is killed.
      const control = (body?: unknown) =>
        fetch(`${world.sandboxUrl}_sandbox/faults`, {
          method: body ? "POST" : "DELETE",
          headers: { "content-type": "application/json" },
          body: body ? JSON.stringify(body) : undefined,
        }).then((r) => r.body?.cancel());
      await control({ latency_ms: 100, quota_per_minute: 100000 });
      const inserts = () => world.sandbox.stats().requests["events.insert"] ?? 0;
      const before = inserts();

      const first = await startApp(world, cwd);
      const trigger = clientOf(first, token)("POST", `/api/sync/trigger/${config.id}`)
        .catch(() => undefined); // the process dies under it
      const deadline = Date.now() + 60_000;
      while (inserts() - before < KILL_AFTER_INSERTS) {
        assert.ok(Date.now() < deadline, `the run did not get going:\n${first.output()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await first.kill("SIGKILL");
      const killedAt = Date.now();
      await trigger;
      const written = inserts() - before;
      assert.ok(written < EVENTS, `killed mid-run (${written} of ${EVENTS} inserts sent)`);
      await control();

      // The same database, opened by a new process: on PostgreSQL the dead lease may still be
      // live for a while (409), and must lapse within 60 s of the kill.
      second = await startApp(world, cwd);
      const as = clientOf(second, token);
      let result: { status: number; body: Json };
      const conflicts: number[] = [];
      for (;;) {
        result = await as("POST", `/api/sync/trigger/${config.id}`);
        if (result.status !== 409) break;
        conflicts.push(Date.now() - killedAt);
        assert.ok(
          Date.now() - killedAt < 60_000,
          `still 409 "${result.body?.error?.message}" 60 s after the kill`,
        );
        await new Promise((r) => setTimeout(r, 1000));
      }
      const freedAfter = Date.now() - killedAt;
      console.log(
        `[crash] ${written} of ${EVENTS} inserts sent before the kill; the sync ran again ` +
          `${freedAfter} ms after it (${conflicts.length} answers 409 before)`,
      );
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.ok(freedAfter < 60_000, `freed ${freedAfter} ms after the kill`);
      if (embedded) {
        assert.deepEqual(conflicts, [], "a start on the embedded database frees every lease");
      }
      assert.equal(result.body.status, "success", JSON.stringify(result.body));
      assert.deepEqual(result.body.failures, []);

      // The exact mirror: each source event once, at its time; no duplicate from the dead run.
      const copies = await listEvents(googleAs(world, t.destEmail), t.destCal);
      const key = (e: Event) => `${e.summary}|${Date.parse(e.start!.dateTime!)}`;
      assert.equal(copies.length, EVENTS, "no duplicate, none missing");
      assert.deepEqual(copies.map(key).sort(), sourceEvents.map(key).sort());

      // The dead run reads as interrupted, ended when its lease lapsed; the new run as a success.
      const history = await as("GET", `/api/sync/logs/${config.id}`);
      assert.equal(history.status, 200);
      const [latest, dead] = history.body.logs;
      assert.equal(history.body.logs.length, 2);
      assert.equal(latest.status, "success");
      assert.equal(dead.status, "interrupted");
      assert.match(dead.error, /app stopped during this run; the next run picks up/);
      assert.ok(Array.isArray(dead.failures));
      const ended = Date.parse(dead.finished_at);
      assert.ok(ended > Date.parse(dead.started_at), "finished after it started");
      assert.ok(ended <= Date.parse(latest.started_at), "finished before the next run began");
      if (!embedded) assert.ok(ended >= killedAt, "finished when the lease lapsed, after the kill");

      const page = await as("GET", `/syncs/${config.id}`);
      assert.equal(page.status, 200);
      assert.match(page.body, /Interrupted/);
      assert.match(page.body, /The app stopped during this run; the next run picks up where it/);
      assert.doesNotMatch(page.body, />Running</);
    } finally {
      await second?.kill("SIGTERM");
      await world.reopen();
      await world.close();
      await Deno.remove(cwd, { recursive: true });
    }
  },
);
