import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";

/** Anything that runs SQL: the database itself or a transaction. Parameters are `$1, $2, …`. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** One small interface over PostgreSQL (postgres.js pool) and embedded PGlite. */
export interface Db extends Queryable {
  readonly kind: "postgres" | "pglite";
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens the database named by `url`: `postgres://…` for PostgreSQL, `memory://` for a
 * throw-away PGlite, or unset for an embedded PGlite kept in `dataDir`.
 */
export async function openDb(url: string | undefined, dataDir = ".data"): Promise<Db> {
  if (url?.startsWith("postgres")) return openPostgres(url);
  if (url === "memory://") return openPglite(undefined);
  await Deno.mkdir(dataDir, { recursive: true });
  return openPglite(`${dataDir}/pglite`);
}

function openPostgres(url: string): Db {
  const sql = postgres(url, {
    max: 10,
    onnotice: () => {},
    connection: { application_name: "cal-sync" },
  });
  const wrap = (s: postgres.Sql | postgres.TransactionSql): Queryable => ({
    async query<T>(text: string, params: unknown[] = []) {
      return [...await s.unsafe(text, params as postgres.ParameterOrJSON<never>[])] as T[];
    },
    async exec(text: string) {
      await s.unsafe(text);
    },
  });
  return {
    kind: "postgres",
    ...wrap(sql),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      sql.begin((tx) => fn(wrap(tx))) as Promise<T>,
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openPglite(dir: string | undefined): Promise<Db> {
  const pg = await PGlite.create(dir);
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
    close: () => pg.close(),
  };
}
