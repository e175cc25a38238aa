import { PGlite } from "@electric-sql/pglite";
import v8 from "node:v8";
import vm from "node:vm";
import postgres from "postgres";

/** How a statement may be run. */
export interface QueryOptions {
  /**
   * Running the statement twice leaves the same result as once, so when the connection drops
   * under it (PostgreSQL restarted, a backend terminated, a network blip) it is sent once more
   * on a fresh connection instead of failing. Plain `SELECT`s are treated as idempotent anyway.
   * Inside a transaction nothing is retried: the transaction is lost with its connection.
   */
  idempotent?: boolean;
}

/** Anything that runs SQL: the database itself or a transaction. Parameters are `$1, $2, …`. */
export interface Queryable {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** One small interface over PostgreSQL (postgres.js pool) and embedded PGlite. */
export interface Db extends Queryable {
  readonly kind: "postgres" | "pglite";
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Calls `fn` with the payload of every NOTIFY on `channel`, from any connection or process
   * (PostgreSQL: one dedicated connection of postgres.js, re-listened after a drop; PGlite: its
   * own in-process notifications). Answers a function that stops listening.
   */
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  /** Sends `payload` to every listener of `channel`, in this process and (PostgreSQL) others. */
  notify(channel: string, payload?: string): Promise<void>;
  /** PGlite only: its data directory as a tarball, a `template` for `openDb` (test databases). */
  dumpDataDir?(): Promise<Blob>;
}

/** How an embedded PGlite starts. */
export interface PgliteOptions {
  /**
   * A data directory (PGlite's `dumpDataDir()` tarball) to start from instead of running initdb:
   * a new database that is already created and migrated in a fraction of initdb's time. Only
   * used when the database does not exist yet (memory://, or an empty `dataDir`).
   */
  template?: Blob;
}

/**
 * Opens the database named by `url`: `postgres://…` for PostgreSQL, `memory://` for a
 * throw-away PGlite, or unset for an embedded PGlite kept in `dataDir`.
 */
export async function openDb(
  url: string | undefined,
  dataDir = ".data",
  options: PgliteOptions = {},
): Promise<Db> {
  if (url?.startsWith("postgres")) return openPostgres(url);
  if (url === "memory://") return openPglite(undefined, options);
  await Deno.mkdir(dataDir, { recursive: true });
  return openPglite(`${dataDir}/pglite`, options);
}

/**
 * The errors of a connection that went away under a statement, rather than of the statement:
 * the socket's (ECONNRESET, EPIPE), postgres.js's own (CONNECTION_CLOSED …), and the server's
 * "terminating connection" and "cannot connect now" classes (57P01-57P03, 08xxx).
 */
export function isTransientDbError(err: unknown): boolean {
  // deno-lint-ignore no-explicit-any
  const code = String((err as any)?.code ?? "");
  if (TRANSIENT_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code)) return true;
  const message = err instanceof Error ? err.message : "";
  return /ECONNRESET|EPIPE|connection terminated|terminating connection/i.test(message);
}

const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/**
 * The pauses before sending a statement again: a dropped connection often takes its pool
 * siblings with it (a restart, a failover), and a retry sent at once can meet one of those
 * before the pool has noticed, so there are two, short and growing.
 */
const RETRY_DELAYS_MS = [100, 400];

function retriable(text: string, options?: QueryOptions): boolean {
  return options?.idempotent === true || /^\s*SELECT\b/i.test(text);
}

/**
 * Seconds a pooled PostgreSQL connection lives before postgres.js replaces it, from
 * DATABASE_MAX_LIFETIME: unset keeps postgres.js's default (a random 30-60 minutes, so a
 * pool's connections don't all reconnect at once); `0` never replaces one, which the tests
 * set so an open connection arms no timer that outlives its test (Deno's op sanitizer).
 */
function maxLifetimeSeconds(): number | undefined {
  const value = Deno.env.get("DATABASE_MAX_LIFETIME");
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value)) {
    throw new Error(`DATABASE_MAX_LIFETIME must be a whole number of seconds, not "${value}"`);
  }
  return Number(value);
}

function openPostgres(url: string): Db {
  const lifetime = maxLifetimeSeconds();
  const sql = postgres(url, {
    max: 10,
    ...(lifetime === undefined ? {} : { max_lifetime: lifetime }),
    onnotice: () => {},
    connection: { application_name: "cal-sync" },
  });
  const run = async <T>(
    s: postgres.Sql | postgres.TransactionSql,
    text: string,
    params: unknown[],
  ) => [...await s.unsafe(text, params as postgres.ParameterOrJSON<never>[])] as T[];
  const wrap = (s: postgres.Sql | postgres.TransactionSql, top: boolean): Queryable => ({
    async query<T>(text: string, params: unknown[] = [], options?: QueryOptions) {
      for (let attempt = 0;; attempt++) {
        try {
          return await run<T>(s, text, params);
        } catch (err) {
          const again = top && attempt < RETRY_DELAYS_MS.length && retriable(text, options) &&
            isTransientDbError(err);
          if (!again) throw err;
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
        }
      }
    },
    async exec(text: string) {
      await s.unsafe(text);
    },
  });
  return {
    kind: "postgres",
    ...wrap(sql, true),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      sql.begin((tx) => fn(wrap(tx, false))) as Promise<T>,
    async listen(channel, fn) {
      const { unlisten } = await sql.listen(channel, fn);
      return unlisten;
    },
    async notify(channel, payload = "") {
      await sql.notify(channel, payload);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/**
 * PGlite's buffer pool lives in its WebAssembly memory and is touched whole at start: the
 * default 128 MB held ~100 MiB more RSS for as long as the process ran. The data is in memory
 * already (memory://) or in the OS page cache (a data dir), so a big pool mostly caches twice;
 * at 32 MB, CPU per query over a 30 MB table measured within the noise of the default.
 *
 * PostgreSQL arms a 10 s timer (log_startup_progress_interval) while it starts, and PGlite's
 * single-user start never disarms it: every open left a JavaScript timer pending for 10 s, which
 * Deno's leak checks report in the test that opened the database (the migration tests do, on
 * PostgreSQL's pass too). Startup progress is never logged here.
 */
const PGLITE_START_PARAMS = [
  ...PGlite.defaultStartParams,
  "-c",
  "shared_buffers=32MB",
  "-c",
  "log_startup_progress_interval=0",
];

async function openPglite(dir: string | undefined, options: PgliteOptions): Promise<Db> {
  const pg = await PGlite.create(dir, {
    startParams: PGLITE_START_PARAMS,
    loadDataDir: options.template,
  });
  // A template start runs no initdb, so there is no initdb garbage to return.
  if (!options.template) releaseGarbage();
  const wrap = (s: Pick<PGlite, "query" | "exec">): Queryable => ({
    async query<T>(text: string, params: unknown[] = []) {
      return (await s.query<T>(text, params)).rows;
    },
    async exec(text: string) {
      await s.exec(text);
    },
  });
  return {
    kind: "pglite",
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async listen(channel, fn) {
      const stop = await pg.listen(channel, fn);
      return async () => {
        if (!pg.closed) await stop();
      };
    },
    async notify(channel, payload = "") {
      await pg.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    close: () => pg.close(),
    dumpDataDir: () => pg.dumpDataDir("none"),
  };
}

/**
 * Creating a database (every memory:// start, and the first start of a data dir) leaves the
 * WebAssembly memories of initdb behind, ~300 MiB that V8 frees only at its next full
 * collection — which an idle server may not see for hours. One collection now returns them.
 */
function releaseGarbage(): void {
  try {
    v8.setFlagsFromString("--expose-gc");
    (vm.runInNewContext("gc") as () => void)();
  } catch {
    // Without the hook the memory is returned at V8's next full collection anyway.
  }
}
