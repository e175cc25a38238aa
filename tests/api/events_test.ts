/**
 * GET /api/events over real HTTP: what the database's triggers announce reaches the user's
 * stream, from another instance too (two apps on one PostgreSQL, each with its own pool and
 * LISTEN connection), never another user's stream; heartbeats, a limit per user, a clean end.
 */
import assert from "node:assert/strict";
import { openDb } from "@/lib/db/mod.ts";
import { setAccountStatus } from "@/lib/db/google_accounts.ts";
import { finishSyncLog, finishSyncRun, startSyncLog } from "@/lib/db/sync_logs.ts";
import { createSyncConfig } from "@/lib/db/sync_configs.ts";
import { MAX_STREAMS_PER_USER, userEventStream } from "@/lib/http/events.ts";
import {
  bearer,
  openTestApp,
  registerAndSignIn,
  sharedTestDb,
  type TestApp,
  testDatabaseUrl,
} from "../_helpers.ts";

const db = await sharedTestDb();

interface Served extends AsyncDisposable {
  url: string;
}

function serve(t: TestApp): Served {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, t.app.fetch);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** Reads one stream's events as they arrive. */
class Reader implements AsyncDisposable {
  events: { name: string; data: Record<string, unknown> }[] = [];
  comments: string[] = [];
  #reader: ReadableStreamDefaultReader<string>;
  #done: Promise<void>;

  constructor(res: Response) {
    this.#reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    this.#done = this.#pump();
  }

  async #pump() {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let name = "message", data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
            if (line.startsWith("event: ")) name = line.slice(7);
            if (line.startsWith("data: ")) data = line.slice(6);
          }
          if (data) this.events.push({ name, data: JSON.parse(data) });
        }
      }
    } catch { /* cancelled */ }
  }

  async waitFor(pred: (e: { name: string; data: Record<string, unknown> }) => boolean) {
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no such event; got ${JSON.stringify(this.events)}`);
  }

  async [Symbol.asyncDispose]() {
    await this.#reader.cancel().catch(() => {});
    await this.#done;
  }
}

async function open(base: string, token: string): Promise<Reader> {
  const res = await fetch(`${base}/api/events`, { headers: bearer(token) });
  assert.deepEqual(res.status, 200);
  assert.deepEqual(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  return new Reader(res);
}

const RUN = {
  trigger: "manual" as const,
  started_at: new Date(),
  window_start: new Date(),
  window_end: new Date(),
};

function outcome(status: "success") {
  return {
    status,
    window_end: new Date(),
    duration_ms: 5,
    error: null,
    failures: [],
    events_created: 1,
    events_updated: 0,
    events_deleted: 0,
    events_skipped: 0,
    events_failed: 0,
    events_overwritten: 0,
    conflicts: 0,
    a_to_b: 0,
    b_to_a: 0,
    api_calls: 2,
  };
}

Deno.test("a user's stream announces their runs and pauses, and no other user's", async () => {
  await using t = await openTestApp();
  await using server = serve(t);
  const alice = await registerAndSignIn(t.app);
  const bob = await registerAndSignIn(t.app);
  await using aliceStream = await open(server.url, alice.token);
  await using bobStream = await open(server.url, bob.token);

  const config = await createSyncConfig(db, {
    user_id: alice.id,
    source_calendar_id: "a",
    dest_calendar_id: "b",
  });
  await aliceStream.waitFor((e) => e.name === "config_created" && e.data.config_id === config.id);
  const logId = await startSyncLog(db, { config_id: config.id, user_id: alice.id, ...RUN });
  await aliceStream.waitFor((e) => e.name === "run_started" && e.data.log_id === logId);
  await finishSyncLog(db, logId, outcome("success"));
  const finished = await aliceStream.waitFor((e) => e.name === "run_finished");
  assert.deepEqual(finished.data, {
    kind: "run_finished",
    config_id: config.id,
    log_id: logId,
    status: "success",
  });
  await db.query(`UPDATE sync_configs SET is_active = false WHERE id = $1`, [config.id]);
  await aliceStream.waitFor((e) => e.name === "config_paused" && e.data.config_id === config.id);
  await db.query(`UPDATE sync_configs SET is_active = true WHERE id = $1`, [config.id]);
  await aliceStream.waitFor((e) => e.name === "config_resumed");

  // Bob's own change arrives on his stream, after all of Alice's: his stream saw none of hers.
  await createSyncConfig(db, { user_id: bob.id, source_calendar_id: "a", dest_calendar_id: "b" });
  await bobStream.waitFor((e) => e.name === "config_created");
  assert.deepEqual(bobStream.events.length, 1);
  assert(aliceStream.events.every((e) => e.data.config_id === config.id));
});

Deno.test("a run logged whole at its end (it found nothing to do) is announced as finished", async () => {
  await using t = await openTestApp();
  await using server = serve(t);
  const alice = await registerAndSignIn(t.app);
  await using stream = await open(server.url, alice.token);
  const config = await createSyncConfig(db, {
    user_id: alice.id,
    source_calendar_id: "a",
    dest_calendar_id: "b",
  });
  await stream.waitFor((e) => e.name === "config_created" && e.data.config_id === config.id);
  const logId = crypto.randomUUID();
  await finishSyncRun(db, logId, outcome("success"), {
    configId: config.id,
    run: { user_id: alice.id, ...RUN },
    configStatus: "success",
    finishedAt: new Date(),
  });
  const finished = await stream.waitFor((e) => e.name === "run_finished");
  assert.deepEqual(finished.data, {
    kind: "run_finished",
    config_id: config.id,
    log_id: logId,
    status: "success",
  });
  assert(!stream.events.some((e) => e.name === "run_started"));
});

Deno.test("an account's status change is announced with the account's id, no token", async () => {
  await using t = await openTestApp();
  await using server = serve(t);
  const alice = await registerAndSignIn(t.app);
  await using stream = await open(server.url, alice.token);
  const [{ id }] = await db.query<{ id: string }>(
    `INSERT INTO google_accounts (user_id, google_email, token_label, refresh_token_enc,
       key_version) VALUES ($1, 'alice@example.com', 'source', 'secret-enc', 1) RETURNING id`,
    [alice.id],
  );
  await stream.waitFor((e) => e.name === "account_connected");
  await setAccountStatus(db, id, "needs_reconnect", "invalid_grant");
  const needs = await stream.waitFor((e) => e.name === "account_needs_reconnect");
  assert.deepEqual(needs.data, { kind: "account_needs_reconnect", account: id });
  // A write that leaves the status as it was tells nothing new.
  await db.query(`UPDATE google_accounts SET status_reason = 'again' WHERE id = $1`, [id]);
  await setAccountStatus(db, id, "ok", null);
  await stream.waitFor((e) => e.name === "account_reconnected");
  assert.deepEqual(stream.events.map((e) => e.name), [
    "account_connected",
    "account_needs_reconnect",
    "account_reconnected",
  ]);
  assert.ok(!JSON.stringify(stream.events).includes("secret"));
});

Deno.test("a run finished by one instance is announced on another instance's stream", async () => {
  // On PostgreSQL the second instance has its own pool and LISTEN connection; on PGlite (one
  // process, one database) it shares the database object, which is all PGlite allows.
  const second = db.kind === "postgres" ? await openDb(testDatabaseUrl()) : db;
  try {
    await using one = await openTestApp();
    await using two = await openTestApp({ db: second });
    await using served = serve(two);
    const alice = await registerAndSignIn(one.app);
    await using stream = await open(served.url, alice.token);
    const config = await createSyncConfig(one.db, {
      user_id: alice.id,
      source_calendar_id: "a",
      dest_calendar_id: "b",
    });
    const logId = await startSyncLog(one.db, { config_id: config.id, user_id: alice.id, ...RUN });
    await finishSyncLog(one.db, logId, outcome("success"));
    await stream.waitFor((e) => e.name === "run_finished" && e.data.log_id === logId);
  } finally {
    if (second !== db) await second.close();
  }
});

Deno.test("streams are bounded per user, send heartbeats and end cleanly", async () => {
  await using t = await openTestApp();
  await using server = serve(t);
  const alice = await registerAndSignIn(t.app);
  const streams: Reader[] = [];
  for (let i = 0; i < MAX_STREAMS_PER_USER; i++) streams.push(await open(server.url, alice.token));
  assert.deepEqual(t.services.events.count(alice.id), MAX_STREAMS_PER_USER);
  const refused = await fetch(`${server.url}/api/events`, { headers: bearer(alice.token) });
  assert.deepEqual(refused.status, 429);
  await refused.body?.cancel();
  for (const s of streams) await s[Symbol.asyncDispose]();
  // The server hears each client leave and forgets its stream.
  const until = Date.now() + 3000;
  while (t.services.events.count(alice.id) > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(t.services.events.count(alice.id), 0);

  const res = await userEventStream(t.services.events, alice.id, { heartbeatMs: 30 });
  await using beat = new Reader(res!);
  const until2 = Date.now() + 2000;
  while (!beat.comments.includes("heartbeat") && Date.now() < until2) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert(beat.comments.includes("heartbeat"));
});

Deno.test("without a session there is no stream", async () => {
  await using t = await openTestApp();
  await using server = serve(t);
  const res = await fetch(`${server.url}/api/events`);
  assert.deepEqual(res.status, 401);
  await res.body?.cancel();
});
