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

// A pooled PostgreSQL connection's replacement timer (postgres.js: 30-60 minutes) would outlive
// the test that opened the connection, which Deno's op sanitizer faults: tests keep them for good.
// Set before any database opens, here and in the app and workers the tests start (they inherit it).
if (Deno.env.get("DATABASE_MAX_LIFETIME") === undefined) Deno.env.set("DATABASE_MAX_LIFETIME", "0");

/** DATABASE_URL when it names PostgreSQL (CI's second pass), else a throw-away PGlite. */
export function testDatabaseUrl(): string {
  const url = Deno.env.get("DATABASE_URL");
  return url?.startsWith("postgres") ? url : "memory://";
}

const templateFiles = new Map<string, Promise<string>>();

/**
 * The path of a PGlite data directory's tarball, shared by the test files through the system's
 * temporary directory: migrated (the default), or `blank` (initdb only, for migration tests).
 * Made by the first caller that misses it.
 */
export function pgliteTemplateFile(kind: "migrated" | "blank" = "migrated"): Promise<string> {
  let file = templateFiles.get(kind);
  if (!file) {
    file = makeTemplateFile(kind);
    templateFiles.set(kind, file);
  }
  return file;
}

async function makeTemplateFile(kind: "migrated" | "blank"): Promise<string> {
  const migrations = kind === "migrated" ? await readMigrations() : [];
  const build = import.meta.resolve("@electric-sql/pglite");
  const key = (await sha256Hex(JSON.stringify([build, migrations]))).slice(0, 16);
  const file = join(tmpdir(), `calsync-test-template-${key}.tar`);
  try {
    await Deno.stat(file);
    return file;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const db = await openDb("memory://");
  try {
    if (migrations.length) await migrate(db, migrations);
    const blob = await db.dumpDataDir!();
    // Written aside and renamed: a file running in parallel reads the whole template or none.
    const partial = `${file}.${crypto.randomUUID()}`;
    await Deno.writeFile(partial, new Uint8Array(await blob.arrayBuffer()));
    await Deno.rename(partial, file);
    return file;
  } finally {
    await db.close();
  }
}

/**
 * An in-memory PGlite with no migration applied, for tests of the migrations themselves: from
 * the blank template, which saves each one initdb (~3 s of CPU).
 */
export async function openBlankPglite(): Promise<Db> {
  const template = new Blob([await Deno.readFile(await pgliteTemplateFile("blank"))]);
  return await openDb("memory://", undefined, { template });
}

let template: Promise<Blob> | undefined;

/** The migrated PGlite data directory, as `openDb`'s `template`. */
export function pgliteTemplate(): Promise<Blob> {
  template ??= pgliteTemplateFile().then(async (file) => new Blob([await Deno.readFile(file)]));
  return template;
}

/**
 * Lays the migrated template out as the embedded database of a `DATA_DIR` (`dir/pglite`), for
 * an app started in a subprocess: it opens it as an existing database, without initdb and the
 * migrations (~6 s of CPU saved per start).
 */
export async function pgliteDataDir(dir: string): Promise<void> {
  const target = join(dir, "pglite");
  await Deno.mkdir(target, { recursive: true });
  const untar = await new Deno.Command("tar", {
    args: ["-xf", await pgliteTemplateFile(), "-C", target],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!untar.success) throw new Error(`tar: ${new TextDecoder().decode(untar.stderr)}`);
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
