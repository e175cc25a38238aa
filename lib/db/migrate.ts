import type { Db } from "./mod.ts";

const MIGRATIONS_DIR = new URL("../../migrations/", import.meta.url);
const LOCK_KEY = 7_253_114_901; // any constant shared by every process of this app

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

/** Reads `migrations/NNNN_name.sql`, ordered by version. */
export async function readMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = entry.name.match(/^(\d{4})_(\w+)\.sql$/);
    if (!entry.isFile || !match) continue;
    migrations.push({
      version: match[1],
      name: match[2],
      sql: await Deno.readTextFile(new URL(entry.name, dir)),
    });
  }
  return migrations.sort((a, b) => a.version.localeCompare(b.version));
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, in one transaction
 * held under an advisory lock so that processes starting together apply each exactly once.
 * Returns the versions it applied.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<string[]> {
  const pending = migrations ?? await readMigrations();
  return await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ version: string }>("SELECT version FROM schema_migrations")).map((r) =>
        r.version
      ),
    );
    const applied: string[] = [];
    for (const migration of pending) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
