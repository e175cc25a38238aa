import type { Queryable } from "./mod.ts";

/** Runs the smallest query there is: resolves once the database answers, throws if it cannot. */
export async function pingDb(db: Queryable): Promise<void> {
  await db.query("SELECT 1");
}
