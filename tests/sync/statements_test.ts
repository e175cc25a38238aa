/**
 * What a run costs the database: a run that changes nothing sends two statements (the lease,
 * which reads the config; one finish that writes the log row, records the outcome and cursor,
 * and gives the lease back) and reads no mapping (two-way too); a run that writes records its mappings
 * in a statement or two per step, not two per event.
 */
import assert from "node:assert/strict";
import type { Db, QueryOptions } from "@/lib/db/mod.ts";
import { getSyncConfigOfAnyUser, isSyncRunning } from "@/lib/db/sync_configs.ts";
import { getSyncLog } from "@/lib/db/sync_logs.ts";
import { addEvent, at, makePair, type Pair, testSandbox, withPair } from "./_helpers.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

/**
 * `db`, with every statement sent through it kept in `sent`, and the rows the `event_mappings`
 * reads returned counted in `mappingRows`.
 */
function counting(db: Db): { db: Db; sent: string[]; mappingRows: () => number } {
  const sent: string[] = [];
  let mappingRows = 0;
  return {
    sent,
    mappingRows: () => mappingRows,
    db: {
      kind: db.kind,
      query: async <T>(sql: string, params?: unknown[], o?: QueryOptions) => {
        sent.push(sql);
        const rows = await db.query<T>(sql, params, o);
        if (/^\s*SELECT\b[\s\S]*\bFROM event_mappings\b/.test(sql)) mappingRows += rows.length;
        return rows;
      },
      exec: (sql) => {
        sent.push(sql);
        return db.exec(sql);
      },
      transaction: (fn) => db.transaction(fn),
      listen: (channel, fn) => db.listen(channel, fn),
      notify: (channel, payload) => db.notify(channel, payload),
      close: () => db.close(),
    },
  };
}

async function seed(p: Pair, n: number) {
  for (let i = 0; i < n; i++) {
    await addEvent(p, {
      summary: `Event ${i}`,
      start: { dateTime: at(1 + i / 10), timeZone: "UTC" },
      end: { dateTime: at(1 + i / 10 + 0.02), timeZone: "UTC" },
    });
  }
}

const onMappings = (sent: string[]) => sent.filter((s) => /event_mappings/.test(s));

Deno.test(
  "a run that writes 30 events records their mappings in one statement per step",
  opts,
  async () => {
    await withPair(async (p) => {
      await seed(p, 30);
      const { db, sent } = counting(p.db);
      const r = await p.sync({ db });
      assert.equal(r.events_created, 30);
      // The full listing reads the book once; the inserts go in as pending, then as written.
      assert.deepEqual(onMappings(sent).map((s) => s.trim().split(/\s+/)[0]), [
        "SELECT",
        "INSERT",
        "INSERT",
      ]);
    });
  },
);

Deno.test(
  "a run that changes nothing sends two statements and reads no mapping",
  opts,
  async () => {
    await withPair(async (p) => {
      await seed(p, 5);
      assert.equal((await p.sync()).events_created, 5);
      const { db, sent } = counting(p.db);
      const r = await p.sync({ db });
      assert.equal(r.status, "success");
      assert.equal(r.events_created + r.events_updated + r.events_deleted, 0);
      assert.deepEqual(onMappings(sent), [], "no mapping read or written");
      assert.equal(sent.length, 2, sent.join("\n---\n"));
      assert.equal(sent.filter((s) => /INSERT INTO sync_logs/.test(s)).length, 1);
      // The one finish statement did all of it: the log written closed, the cursor kept, the
      // lease back.
      assert.equal((await getSyncLog(p.db, r.sync_log_id!, p.config.user_id))?.status, "success");
      const config = (await getSyncConfigOfAnyUser(p.db, p.config.id))!;
      assert.equal(config.last_status, "success");
      assert.ok(config.sync_token);
      assert.equal(isSyncRunning(config), false);
    });
  },
);

Deno.test(
  "a two-way run that changes nothing reads no mapping, unless a killed run left a copy pending",
  opts,
  async () => {
    await using sb = await testSandbox();
    const p = await makePair(sb, 30, "two_way");
    await seed(p, 5);
    await p.dest.events.insert({
      calendarId: p.destCal,
      requestBody: {
        summary: "In B",
        start: { dateTime: at(2), timeZone: "UTC" },
        end: { dateTime: at(2.1), timeZone: "UTC" },
      },
    });
    const first = await p.sync();
    assert.equal(first.a_to_b + first.b_to_a, 6);
    // The next run lists the copies the first one wrote, each side's in the other's calendar.
    assert.equal((await p.sync()).status, "success");
    const idle = counting(p.db);
    const r = await p.sync({ db: idle.db });
    assert.equal(r.status, "success");
    assert.equal(r.api_calls, 2, "one listing per side");
    assert.equal(idle.mappingRows(), 0, "no mapping read");
    assert.ok(onMappings(idle.sent).every((sql) => /state = 'pending'/.test(sql)), "no write");
    // The lease, the pending check, and the finish that writes the log row closed.
    assert.equal(idle.sent.length, 3, idle.sent.join("\n---\n"));
    assert.equal(idle.sent.filter((s) => /INSERT INTO sync_logs/.test(s)).length, 1);
    const log = await getSyncLog(p.db, r.sync_log_id!, p.config.user_id);
    assert.equal(log?.status, "success");
    // A killed run's copy left pending is looked at by the next run even with nothing listed,
    // which needs the books.
    await p.db.query(
      `UPDATE event_mappings SET state = 'pending'
       WHERE config_id = $1 AND source_event_id = (SELECT min(source_event_id)
         FROM event_mappings WHERE config_id = $1 AND source_event_id NOT LIKE '~%')`,
      [p.config.id],
    );
    const resumed = counting(p.db);
    const after = await p.sync({ db: resumed.db });
    assert.equal(after.status, "success");
    assert.ok(resumed.mappingRows() >= 6, `${resumed.mappingRows()} mapping rows read`);
    const [{ pending }] = await p.db.query<{ pending: number }>(
      `SELECT count(*)::int AS pending FROM event_mappings WHERE config_id = $1 AND state = 'pending'`,
      [p.config.id],
    );
    assert.equal(pending, 0, "the pending copy settled");
    assert.equal((await p.sync()).status, "success");
    // Settled (and its write listed once), the next idle run reads none again.
    const quiet = counting(p.db);
    assert.equal((await p.sync({ db: quiet.db })).status, "success");
    assert.equal(quiet.mappingRows(), 0);
  },
);

Deno.test(
  "an incremental run reads the mappings of the events that changed, not the others'",
  opts,
  async () => {
    await withPair(async (p) => {
      await seed(p, 60);
      assert.equal((await p.sync()).events_created, 60);
      const { items } = (await p.source.events.list({ calendarId: p.sourceCal })).data;
      const changed = items!.find((e) => e.summary === "Event 7")!;
      await p.source.events.patch({
        calendarId: p.sourceCal,
        eventId: changed.id!,
        requestBody: { summary: "Event 7, moved" },
      });
      const { db, mappingRows } = counting(p.db);
      const r = await p.sync({ db });
      assert.equal(r.status, "success");
      assert.equal(r.events_updated, 1);
      assert.equal(mappingRows(), 1, "the changed event's own mapping, of 60");
      // And the run after it, with nothing changed, reads none.
      const idle = counting(p.db);
      assert.equal((await p.sync({ db: idle.db })).events_updated, 0);
      assert.equal(idle.mappingRows(), 0);
    });
  },
);

Deno.test(
  "an edited exception reads its series' mappings only; a 410 reads them all",
  opts,
  async (t) => {
    await withPair(async (p, sb) => {
      await seed(p, 20);
      const series = await addEvent(p, {
        summary: "Daily",
        start: { dateTime: at(1.5), timeZone: "UTC" },
        end: { dateTime: at(1.52), timeZone: "UTC" },
        recurrence: ["RRULE:FREQ=DAILY;COUNT=6"],
      });
      const instances = (await p.source.events.instances({
        calendarId: p.sourceCal,
        eventId: series.id!,
      })).data.items!;
      const edit = (summary: string) =>
        p.source.events.patch({
          calendarId: p.sourceCal,
          eventId: instances[2].id!,
          requestBody: { summary },
        });
      await edit("Daily, once different");
      assert.equal((await p.sync()).status, "success");
      const [{ n }] = await p.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM event_mappings
         WHERE config_id = $1 AND (source_event_id = $2 OR source_recurring_id = $2)`,
        [p.config.id, series.id],
      );
      const [{ all }] = await p.db.query<{ all: number }>(
        `SELECT count(*)::int AS all FROM event_mappings WHERE config_id = $1`,
        [p.config.id],
      );
      assert.ok(n >= 2 && all > n + 10, `series ${n} of ${all}`);

      await t.step("the exception edited again", async () => {
        await edit("Daily, twice different");
        const { db, mappingRows } = counting(p.db);
        const r = await p.sync({ db });
        assert.equal(r.status, "success");
        assert.equal(r.events_updated, 1);
        assert.equal(mappingRows(), n, "the series' rows, none of the 20 others");
      });
      await t.step("the cursor expired: the full listing reads every mapping", async () => {
        await sb.control("faults", { expire_sync_tokens: true });
        const { db, mappingRows } = counting(p.db);
        const r = await p.sync({ db });
        assert.equal(r.status, "success");
        assert.equal(mappingRows(), all);
      });
    });
  },
);
