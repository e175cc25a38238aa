import assert from "node:assert/strict";
import postgres from "postgres";
import { addEvent, at, type Event, listRaw, mirrorOf, type Pair, withPair } from "./_helpers.ts";
import { runSync, SyncInProgressError, type SyncResult } from "@/lib/sync/engine.ts";
import { INTERNAL_ERROR_REASON } from "@/lib/sync/failure_reason.ts";
import { acquireSyncLease, releaseSyncLease } from "@/lib/db/sync_configs.ts";
import { COPY_MARKERS } from "@/lib/sync/transform.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

async function seed(p: Pair, n: number) {
  for (let i = 0; i < n; i++) {
    await addEvent(p, {
      summary: `Event ${i}`,
      start: { dateTime: at(1 + i / 10), timeZone: "UTC" },
      end: { dateTime: at(1 + i / 10 + 0.02), timeZone: "UTC" },
      ...(i % 7 === 0 ? { recurrence: ["RRULE:FREQ=DAILY;COUNT=4"] } : {}),
    });
  }
}

function assertNoDuplicates(copies: Event[]) {
  const ids = copies.map((c) => c.extendedProperties?.shared?.[COPY_MARKERS.sourceId]);
  assert.equal(new Set(ids).size, ids.length, "one copy per source event");
}

Deno.test(
  "runSync() makes no write and exactly one request when nothing changed",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      await seed(p, 30);
      const first = await p.sync();
      assert.equal(first.status, "success");
      assert.equal(first.events_created, 30);
      const before = await sb.requests();
      const second = await p.sync();
      const after = await sb.requests();
      assert.equal(after - before, 1, "one Calendar request, the incremental list");
      assert.equal(second.api_calls, 1);
      assert.deepEqual(
        [second.events_created, second.events_updated, second.events_deleted],
        [0, 0, 0],
      );
    });
  },
);

Deno.test(
  "runSync() ends in the exact mirror when every 3rd request answers 429",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      const now = new Date();
      await seed(p, 25);
      await sb.control("faults", {
        fail_every: { n: 3, status: 429, reason: "rateLimitExceeded" },
      });
      const result = await p.sync({ now });
      assert.equal(result.status, "success", JSON.stringify(result.failures));
      await sb.control("faults", undefined, "DELETE");
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
      assertNoDuplicates(await listRaw(p.dest, p.destCal));
    });
  },
);

Deno.test(
  "runSync() rides out 503s and 403 rate limits, then converges with no duplicate",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      const now = new Date();
      await seed(p, 25);
      await sb.control("faults", { error_rate: { rate: 0.3, status: 503 } });
      const r1 = await p.sync({ now });
      await sb.control("faults", {
        error_rate: { rate: 0.3, status: 403, reason: "userRateLimitExceeded" },
      });
      const r2 = await p.sync({ now });
      await sb.control("faults", undefined, "DELETE");
      const r3 = await p.sync({ now });
      assert.equal(r3.status, "success", JSON.stringify([r1.failures, r2.failures, r3.failures]));
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
      assertNoDuplicates(await listRaw(p.dest, p.destCal));
    });
  },
);

Deno.test(
  "runSync() fails only the events Google answers 400 for, goes on, and retries them next run",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      const now = new Date();
      await seed(p, 10);
      await addEvent(p, {
        summary: "bad one",
        start: { dateTime: at(2) },
        end: { dateTime: at(2.1) },
      });
      await addEvent(p, {
        summary: "bad two",
        start: { dateTime: at(3) },
        end: { dateTime: at(3.1) },
      });
      await sb.control("faults", { reject_writes: { summary_prefix: "bad", status: 400 } });
      const result = await p.sync({ now });
      assert.equal(result.status, "partial");
      assert.equal(result.events_failed, 2);
      assert.equal(result.events_created, 10);
      assert.deepEqual(result.failures.map((f) => f.summary).sort(), ["bad one", "bad two"]);
      assert.match(result.failures[0].reason, /^400 /);
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(
        m.actual,
        m.expected.filter((x) => !x.summary?.startsWith("bad")),
      );
      // Nothing changed at the source, yet the next run tries them again and says so.
      const still = await p.sync({ now });
      assert.equal(still.status, "partial");
      assert.equal(still.events_failed, 2);
      assert.equal(still.events_created, 0);
      // Once the destination accepts them, the next run copies them, and then the mirror is done.
      await sb.control("faults", undefined, "DELETE");
      const again = await p.sync({ now });
      assert.equal(again.status, "success");
      assert.equal(again.events_created, 2);
      assert.deepEqual((await mirrorOf(p, now, 30)).actual, m.expected);
      assert.equal((await p.sync({ now })).api_calls, 1);
    });
  },
);

Deno.test("runSync() after a 410 lists again and removes ghosts", opts, async () => {
  await withPair(async (p, sb) => {
    const now = new Date();
    const a = await addEvent(p, {
      summary: "A",
      start: { dateTime: at(1) },
      end: { dateTime: at(1.1) },
    });
    await addEvent(p, { summary: "B", start: { dateTime: at(2) }, end: { dateTime: at(2.1) } });
    await p.sync({ now });
    await p.source.events.delete({ calendarId: p.sourceCal, eventId: a.id! });
    await sb.control("faults", { expire_sync_tokens: true });
    const result = await p.sync({ now });
    assert.equal(result.status, "success");
    assert.equal(result.events_deleted, 1);
    assert.deepEqual((await listRaw(p.dest, p.destCal)).map((e) => e.summary), ["B"]);
  });
});

Deno.test(
  "runSync() refuses a second run of the same config while one is in progress",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      await seed(p, 5);
      await sb.control("faults", { latency_ms: 100 });
      const results = await Promise.allSettled([p.sync(), p.sync()]);
      await sb.control("faults", undefined, "DELETE");
      const ok = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r) => r.status === "rejected");
      assert.equal(ok.length, 1);
      assert.equal(refused.length, 1);
      assert.ok((refused[0] as PromiseRejectedResult).reason instanceof SyncInProgressError);
      // A lease held by another process refuses too, and an expired one does not.
      assert.ok(await acquireSyncLease(p.db, p.config.id, "other-process", 60_000));
      await assert.rejects(p.sync(), SyncInProgressError);
      await releaseSyncLease(p.db, p.config.id, "other-process");
      assert.ok(await acquireSyncLease(p.db, p.config.id, "crashed-process", -1000));
      assert.equal((await p.sync()).status, "success");
    });
  },
);

Deno.test(
  "runSync() reports needs_reconnect when the source account is revoked",
  opts,
  async () => {
    await withPair(async (p, sb) => {
      await seed(p, 2);
      const email = (await p.source.calendarList.list()).data.items![0].id!;
      await sb.control("faults", { revoke: email });
      const result = await runSync({
        db: p.db,
        source: p.source,
        dest: p.dest,
        config: p.config,
        trigger: "schedule",
      });
      assert.equal(result.status, "needs_reconnect");
      assert.match(result.error ?? "", /reconnect/);
    });
  },
);

Deno.test(
  "an interrupted runSync() ends only after its writes in flight came back: no late ghost",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = new Date();
      const a = await addEvent(p, {
        summary: "A",
        start: { dateTime: at(1) },
        end: { dateTime: at(1.1) },
      });
      await p.sync({ now });
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: a.id!,
        requestBody: { summary: "A renamed" },
      });
      const b = await addEvent(p, {
        summary: "B",
        start: { dateTime: at(2) },
        end: { dateTime: at(2.1) },
      });
      // The insert of B's copy is slow; the update of A's is where the run gets interrupted.
      // Faulted in the generated client, under the run's Google interface: the insert must reach
      // Google only after the abort (past the retry layer's signal check), as a late write does.
      const controller = new AbortController();
      let slowInsert: Promise<unknown> | undefined;
      // deno-lint-ignore no-explicit-any
      const events: any = Object.create(p.dest.events);
      // deno-lint-ignore no-explicit-any
      events.insert = (params: any, o: any) =>
        slowInsert = new Promise((r) => setTimeout(r, 300)).then(() =>
          p.dest.events.insert(params, o)
        );
      events.update = async () => {
        await new Promise((r) => setTimeout(r, 50));
        controller.abort(new DOMException("killed", "AbortError"));
        throw new DOMException("killed", "AbortError");
      };
      const dest = Object.create(p.dest, { events: { value: events } });
      await assert.rejects(p.sync({ now, dest, signal: controller.signal }), {
        name: "AbortError",
      });
      // B goes at the source; the next run must take its copy, even one still on its way.
      await p.source.events.delete({ calendarId: p.sourceCal, eventId: b.id! });
      assert.equal((await p.sync({ now })).status, "success");
      await slowInsert?.catch(() => {});
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
      assert.deepEqual((await listRaw(p.dest, p.destCal)).map((e) => e.summary), ["A renamed"]);
    });
  },
);

/** What a driver, a socket or the database says: never a person's business. */
const DRIVER_TEXT = /ECONNRESET|EPIPE|terminat|CONNECTION_|57P0|administrator|relation|block \d/i;

const postgresUrl = Deno.env.get("DATABASE_URL")?.startsWith("postgres")
  ? Deno.env.get("DATABASE_URL")
  : undefined;

Deno.test({
  name: "runSync() gets past PostgreSQL connections terminated under it; no driver text is shown",
  ignore: !postgresUrl,
  ...opts,
  async fn() {
    await withPair(async (p) => {
      const now = new Date();
      await seed(p, 20);
      const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
      let terminated = 0;
      let run: Promise<SyncResult> | undefined;
      try {
        await admin.begin(async (tx) => {
          // The run's first writes of mappings queue behind this lock; their connections are
          // then ended under them, as a PostgreSQL restart or failover would.
          await tx`LOCK TABLE event_mappings IN EXCLUSIVE MODE`;
          run = p.sync({ now });
          const waiting = async () =>
            await tx<{ pid: number }[]>`SELECT pid FROM pg_locks
              WHERE relation = 'event_mappings'::regclass AND NOT granted`;
          const deadline = Date.now() + 30_000;
          while ((await waiting()).length === 0) {
            assert.ok(Date.now() < deadline, "the run never wrote a mapping");
            await new Promise((r) => setTimeout(r, 20));
          }
          await new Promise((r) => setTimeout(r, 300));
          // All at once, in one statement, as a restart would.
          const ended = await tx<{ ok: boolean }[]>`SELECT pg_terminate_backend(pid) AS ok
            FROM pg_locks WHERE relation = 'event_mappings'::regclass AND NOT granted`;
          terminated = ended.filter((r) => r.ok).length;
          await new Promise((r) => setTimeout(r, 300));
        });
        const result = await run!;
        assert.ok(terminated >= 1, "connections were ended mid-run");
        assert.deepEqual(result.failures, [], "each statement was sent again and went through");
        assert.equal(result.status, "success");
        const [log] = await p.db.query<{ error: string | null; failures: unknown }>(
          `SELECT error, failures FROM sync_logs WHERE id = $1`,
          [result.sync_log_id],
        );
        assert.doesNotMatch(JSON.stringify(log), DRIVER_TEXT);
        const m = await mirrorOf(p, now, 30);
        assert.deepEqual(m.actual, m.expected);
        assertNoDuplicates(await listRaw(p.dest, p.destCal));
      } finally {
        await run?.catch(() => {});
        await admin.end();
      }
    });
  },
});

Deno.test(
  "runSync() shows an internal error in its own words, logs the detail, and the next run converges",
  opts,
  async () => {
    await withPair(async (p) => {
      const now = new Date();
      await seed(p, 6);
      const victim = await addEvent(p, {
        summary: "Quarterly review",
        start: { dateTime: at(2), timeZone: "UTC" },
        end: { dateTime: at(2.05), timeZone: "UTC" },
      });
      // The database refuses this one event's bookkeeping, as a full disk or a bug would.
      const name = `refuse_${crypto.randomUUID().replaceAll("-", "")}`;
      await p.db.exec(`
        CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.config_id = '${p.config.id}' AND NEW.source_event_id = '${victim.id}' THEN
            RAISE EXCEPTION 'could not extend file "base/16384/2619": No space left on device';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER ${name} BEFORE INSERT OR UPDATE ON event_mappings
          FOR EACH ROW EXECUTE FUNCTION ${name}();`);
      const logged: string[] = [];
      const consoleError = console.error;
      console.error = (...args: unknown[]) => logged.push(args.map(String).join(" "));
      let first: SyncResult;
      try {
        first = await p.sync({ now });
      } finally {
        console.error = consoleError;
        await p.db.exec(`DROP TRIGGER ${name} ON event_mappings; DROP FUNCTION ${name}();`);
      }
      assert.equal(first.status, "partial");
      assert.deepEqual(first.failures, [{
        source_event_id: victim.id,
        summary: "Quarterly review",
        reason: INTERNAL_ERROR_REASON,
      }]);
      const [log] = await p.db.query<{ error: string | null; failures: unknown }>(
        `SELECT error, failures FROM sync_logs WHERE id = $1`,
        [first.sync_log_id],
      );
      assert.doesNotMatch(JSON.stringify(log), DRIVER_TEXT);
      assert.ok(
        logged.some((line) => line.includes("No space left on device")),
        "the detail is in the log, for the operator",
      );

      const second = await p.sync({ now });
      assert.equal(second.status, "success");
      assert.equal(second.events_created, 1);
      const m = await mirrorOf(p, now, 30);
      assert.deepEqual(m.actual, m.expected);
    });
  },
);
