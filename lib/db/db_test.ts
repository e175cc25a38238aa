import assert from "node:assert/strict";
import postgres from "postgres";
import { closesTheFile, testDatabaseUrl } from "@/tests/_helpers.ts";
import { openBlankPglite } from "@/tests/_db.ts";
import { migrate, readMigrations } from "./migrate.ts";
import { type Db, openDb } from "./mod.ts";
import { listEventMappings } from "./event_mappings.ts";
import {
  bumpSessionVersion,
  createUser,
  EmailTakenError,
  getUserByEmail,
  getUserById,
} from "./users.ts";

/** Unmigrated on PGlite (from the blank template, not initdb); the shared server on PostgreSQL. */
const db = testDatabaseUrl().startsWith("postgres")
  ? await openDb(testDatabaseUrl())
  : await openBlankPglite();

Deno.test("migrate() applies each migration once, even when two run at once", async () => {
  const all = await readMigrations();
  assert.equal(all[0].version, "0001");
  await Promise.all([migrate(db), migrate(db)]);
  assert.deepEqual(await migrate(db), []);
  const rows = await db.query<{ version: string }>(
    "SELECT version FROM schema_migrations ORDER BY version",
  );
  assert.deepEqual(rows.map((r) => r.version), all.map((m) => m.version));
});

Deno.test("a failing migration leaves nothing behind", async () => {
  const broken = [{
    version: "9999",
    name: "broken",
    sql: "CREATE TABLE half_done (x int); SELEC 1;",
  }];
  await assert.rejects(migrate(db, broken));
  const tables = await db.query(
    "SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'",
  );
  assert.equal(tables.length, 0);
  const recorded = await db.query("SELECT 1 FROM schema_migrations WHERE version = '9999'");
  assert.equal(recorded.length, 0);
});

Deno.test("users: emails are unique case-insensitively and lookups ignore case", async () => {
  const email = `case-${crypto.randomUUID()}@cal-sync.test`;
  const user = await createUser(db, email, "hash");
  await assert.rejects(createUser(db, email, "other"), EmailTakenError);
  assert.equal((await getUserByEmail(db, email.toUpperCase()))?.id, user.id);
  assert.equal((await getUserById(db, user.id))?.email, email);
});

Deno.test("deleting a user deletes every row that belongs to it", async () => {
  const user = await createUser(db, `gone-${crypto.randomUUID()}@cal-sync.test`, "hash");
  const [config] = await db.query<{ id: string }>(
    `INSERT INTO sync_configs (user_id, source_calendar_id, dest_calendar_id)
     VALUES ($1, 'a', 'b') RETURNING id`,
    [user.id],
  );
  await db.query(
    "INSERT INTO sync_logs (config_id, user_id, trigger) VALUES ($1, $2, 'manual')",
    [config.id, user.id],
  );
  await db.query(
    `INSERT INTO event_mappings (config_id, source_event_id, dest_event_id, content_hash)
     VALUES ($1, 's', 'd', 'h')`,
    [config.id],
  );
  await db.query("DELETE FROM users WHERE id = $1", [user.id]);
  for (const table of ["sync_configs", "sync_logs"]) {
    const rows = await db.query(`SELECT 1 FROM ${table} WHERE user_id = $1`, [user.id]);
    assert.equal(rows.length, 0, table);
  }
  const mappings = await db.query("SELECT 1 FROM event_mappings WHERE config_id = $1", [config.id]);
  assert.equal(mappings.length, 0);
});

/** An empty database of its own: a new one on the PostgreSQL server, or an in-memory PGlite. */
async function scratchDb(): Promise<{ db: Db; drop(): Promise<void> }> {
  const url = testDatabaseUrl();
  if (!url.startsWith("postgres")) {
    const db = await openBlankPglite();
    return { db, drop: () => db.close() };
  }
  const name = `calsync_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = await openDb(u.toString());
  return {
    db,
    async drop() {
      await db.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

Deno.test("migration 0005 turns failures stored as a JSON string back into arrays", async () => {
  const { db: fresh, drop } = await scratchDb();
  try {
    await migrate(fresh, (await readMigrations()).filter((m) => m.version < "0005"));
    const user = await createUser(fresh, `json-${crypto.randomUUID()}@cal-sync.test`, "hash");
    const [config] = await fresh.query<{ id: string }>(
      `INSERT INTO sync_configs (user_id, source_calendar_id, dest_calendar_id)
       VALUES ($1, 'a', 'b') RETURNING id`,
      [user.id],
    );
    const failures = [{ source_event_id: "e1", summary: "Lunch", reason: "400 invalid" }];
    // As PostgreSQL stored them before: a JSON string holding the array; and a healthy row.
    for (const stored of [JSON.stringify(JSON.stringify(failures)), JSON.stringify(failures)]) {
      await fresh.query(
        `INSERT INTO sync_logs (config_id, user_id, trigger, status, failures)
         VALUES ($1, $2, 'manual', 'partial', $3::text::jsonb)`,
        [config.id, user.id, stored],
      );
    }
    await migrate(fresh);
    const rows = await fresh.query<{ kind: string; failures: unknown }>(
      `SELECT jsonb_typeof(failures) AS kind, failures FROM sync_logs WHERE config_id = $1`,
      [config.id],
    );
    assert.deepEqual(rows.map((r) => r.kind), ["array", "array"]);
    for (const row of rows) assert.deepEqual(row.failures, failures);
  } finally {
    await drop();
  }
});

Deno.test({
  name: "openDb() gives PGlite a 32 MB buffer pool, not PostgreSQL's 128 MB default",
  ignore: db.kind !== "pglite",
  fn: async () => {
    const [{ shared_buffers }] = await db.query<{ shared_buffers: string }>("SHOW shared_buffers");
    assert.equal(shared_buffers, "32MB");
  },
});

Deno.test("bumpSessionVersion() moves the user to the next session version", async () => {
  const user = await createUser(db, `sv-${crypto.randomUUID()}@cal-sync.test`, "x");
  assert.equal((await getUserByEmail(db, user.email))?.session_version, 0);
  assert.equal(await bumpSessionVersion(db, user.id), 1);
  assert.equal(await bumpSessionVersion(db, user.id), 2);
  assert.equal((await getUserByEmail(db, user.email))?.session_version, 2);
  assert.equal(await bumpSessionVersion(db, crypto.randomUUID()), undefined);
});

Deno.test("notify() reaches a listener of the channel, with its payload", async () => {
  const channel = `test_${crypto.randomUUID().replaceAll("-", "")}`;
  const heard: string[] = [];
  let resolve!: () => void;
  const arrived = new Promise<void>((r) => resolve = r);
  const stop = await db.listen(channel, (payload) => {
    heard.push(payload);
    resolve();
  });
  try {
    await db.notify(channel, "ping");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no notification within 5 s")), 5000);
    });
    await Promise.race([arrived, late]).finally(() => clearTimeout(timer));
    assert.deepEqual(heard, ["ping"]);
  } finally {
    await stop();
  }
});

closesTheFile("lib/db tests close their database", () => db.close());

/**
 * Migration 0013 moves the copy lifecycle out of content_hash's sentinel strings into `state`: a
 * database populated under 0012 with a row of each sentinel ends with each row in its state.
 */
Deno.test("migration 0013 gives each copy its state and leaves content_hash only the hash", async () => {
  const { db, drop } = await scratchDb();
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
    // A state outside the lifecycle is refused.
    await assert.rejects(
      db.query(`UPDATE event_mappings SET state = 'gone' WHERE source_event_id = 'single'`),
    );
  } finally {
    await drop();
  }
});
