/**
 * Migration 0013 moves the copy lifecycle out of content_hash's sentinel strings into `state`:
 * a database populated under 0012 with a row of each sentinel ends with each row in its state
 * and content_hash holding only the hash.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { type Db, openDb } from "@/lib/db/mod.ts";
import { migrate, readMigrations } from "@/lib/db/migrate.ts";
import { listEventMappings } from "@/lib/db/event_mappings.ts";
import { testDatabaseUrl } from "../_helpers.ts";

/** A throw-away database: in-memory PGlite, or a fresh database beside DATABASE_URL's. */
async function freshDb(): Promise<{ db: Db; drop(): Promise<void> }> {
  const url = testDatabaseUrl();
  if (!url.startsWith("postgres")) {
    const db = await openDb(url);
    return { db, drop: () => db.close() };
  }
  const name = `calsync_mig_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  const db = await openDb(fresh.toString());
  return {
    db,
    async drop() {
      await db.close();
      await admin.unsafe(`DROP DATABASE ${name}`);
      await admin.end();
    },
  };
}

Deno.test("migration 0013 gives each copy its state and leaves content_hash only the hash", async () => {
  const { db, drop } = await freshDb();
  try {
    const all = await readMigrations();
    await migrate(db, all.filter((m) => m.version < "0013"));
    const [user] = await db.query<{ id: string }>(
      `INSERT INTO users (email, password_hash) VALUES ('m@example.com', 'x') RETURNING id`,
    );
    const [config] = await db.query<{ id: string }>(
      `INSERT INTO sync_configs (user_id, source_calendar_id, dest_calendar_id)
       VALUES ($1, 'src', 'dst') RETURNING id`,
      [user.id],
    );
    const rows: [string, string][] = [
      ["single", "9f2c"],
      ["inflight", "pending"],
      ["tomb", "deleted"],
      ["occurrence", "cancelled"],
      ["series", "ab12+exceptions-pending"],
      ["odd", "pending+exceptions-pendingX"],
    ];
    for (const [id, hash] of rows) {
      await db.query(
        `INSERT INTO event_mappings (config_id, source_event_id, dest_event_id, content_hash)
         VALUES ($1, $2, $3, $4)`,
        [config.id, id, `d-${id}`, hash],
      );
    }
    assert.deepEqual(await migrate(db, all.filter((m) => m.version === "0013")), ["0013"]);
    const after = Object.fromEntries(
      (await listEventMappings(db, config.id)).map((m) => [m.source_event_id, [
        m.state,
        m.content_hash,
      ]]),
    );
    assert.deepEqual(after, {
      single: ["live", "9f2c"],
      inflight: ["pending", null],
      tomb: ["deleted", null],
      occurrence: ["cancelled", null],
      series: ["awaiting_exceptions", "ab12"],
      odd: ["live", "pending+exceptions-pendingX"],
    });
    // A state outside the lifecycle is refused, and a new row must say its state.
    await assert.rejects(
      db.query(`UPDATE event_mappings SET state = 'gone' WHERE source_event_id = 'single'`),
    );
    await assert.rejects(db.query(
      `INSERT INTO event_mappings (config_id, source_event_id, dest_event_id, content_hash)
       VALUES ($1, 'new', 'd-new', 'h')`,
      [config.id],
    ));
  } finally {
    await drop();
  }
});
