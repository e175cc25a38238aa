/**
 * Test databases, cheap to make: PostgreSQL at DATABASE_URL (CI's second pass), migrated once, or
 * an embedded PGlite started from a migrated template instead of initdb.
 *
 * initdb plus the migrations cost every PGlite test file ~2 s of CPU (~7 s on a busy machine);
 * starting from `dumpDataDir()`'s tarball costs a quarter of that. The template is made by the
 * first test file that needs it and kept in the system's temporary directory under a name that
 * hashes the migrations and the PGlite build, so `deno test` (one isolate per file, sequential
 * or `--parallel`) makes it once, and a new migration or PGlite version makes a new one.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@/lib/crypto/hash.ts";
import { migrate, readMigrations } from "@/lib/db/migrate.ts";
import { type Db, openDb } from "@/lib/db/mod.ts";

/** DATABASE_URL when it names PostgreSQL (CI's second pass), else a throw-away PGlite. */
export function testDatabaseUrl(): string {
  const url = Deno.env.get("DATABASE_URL");
  return url?.startsWith("postgres") ? url : "memory://";
}

let template: Promise<Blob> | undefined;

/** The migrated PGlite data directory: read from the shared file, or made and saved there. */
export function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const migrations = await readMigrations();
    const build = import.meta.resolve("@electric-sql/pglite");
    const key = (await sha256Hex(JSON.stringify([build, migrations]))).slice(0, 16);
    const file = join(tmpdir(), `calsync-test-template-${key}.tar`);
    try {
      return new Blob([await Deno.readFile(file)]);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const db = await openDb("memory://");
    try {
      await migrate(db, migrations);
      const blob = await db.dumpDataDir!();
      // Written aside and renamed: a file running in parallel reads the whole template or none.
      const partial = `${file}.${crypto.randomUUID()}`;
      await Deno.writeFile(partial, new Uint8Array(await blob.arrayBuffer()));
      await Deno.rename(partial, file);
      return blob;
    } finally {
      await db.close();
    }
  })();
  return template;
}

/**
 * A new, migrated database of its own: an in-memory PGlite (or one kept in `dataDir`, for tests
 * whose subprocesses open it too) from the template, or the PostgreSQL at DATABASE_URL, which
 * every test file shares (isolate by data there: unique users, emails, addresses).
 */
export async function openTestDb(dataDir?: string): Promise<Db & AsyncDisposable> {
  const url = testDatabaseUrl();
  let db: Db;
  if (url !== "memory://") {
    db = await openDb(url);
    await migrate(db);
  } else {
    db = await openDb(dataDir ? undefined : url, dataDir, { template: await pgliteTemplate() });
  }
  return Object.assign(db, { [Symbol.asyncDispose]: () => db.close() });
}

let shared: Promise<Db> | undefined;

/**
 * The database of this test file (each file runs in an isolate of its own): opened on first use,
 * shared by every test of the file, which isolate by data (a user of their own each). Never
 * closed by a test; it ends with the file's isolate. Prefer it to `openTestDb()`.
 */
export function sharedTestDb(): Promise<Db> {
  shared ??= openTestDb();
  return shared;
}
