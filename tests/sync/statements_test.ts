/**
 * What a run costs the database: a run that changes nothing sends three statements (the lease,
 * which reads the config; the log row; one finish that closes the log, records the outcome and
 * cursor, and gives the lease back) and reads no mapping; a run that writes records its mappings
 * in a statement or two per step, not two per event.
 */
import assert from "node:assert/strict";
import type { Db } from "@/lib/db/mod.ts";
import { getSyncConfigOfAnyUser, isSyncRunning } from "@/lib/db/sync_configs.ts";
import { getSyncLog } from "@/lib/db/sync_logs.ts";
import { addEvent, at, type Pair, withPair } from "./_helpers.ts";

/** Deno.test options: the defaults, sanitizers on (withPair closes each sandbox it starts). */
const opts = {};

/** `db`, with every statement sent through it kept in `sent`. */
function counting(db: Db): { db: Db; sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    db: {
      kind: db.kind,
      query: (sql, params, o) => {
        sent.push(sql);
        return db.query(sql, params, o);
      },
      exec: (sql) => {
        sent.push(sql);
        return db.exec(sql);
      },
      transaction: (fn) => db.transaction(fn),
      listen: (channel, fn) => db.listen(channel, fn),
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
  "a run that changes nothing sends three statements and reads no mapping",
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
      assert.equal(sent.length, 3, sent.join("\n---\n"));
      // The one finish statement did all of it: the log closed, the cursor kept, the lease back.
      assert.equal((await getSyncLog(p.db, r.sync_log_id!, p.config.user_id))?.status, "success");
      const config = (await getSyncConfigOfAnyUser(p.db, p.config.id))!;
      assert.equal(config.last_status, "success");
      assert.ok(config.sync_token);
      assert.equal(isSyncRunning(config), false);
    });
  },
);
