import type { Queryable } from "./mod.ts";

/** A counter of `rate_limits`: attempts spent under a key (a digest), and until when it waits. */
export interface RateLimitRow {
  key: string;
  attempts: number;
  blocked_until: Date | string;
  expires_at: Date | string;
}

/**
 * The counters of `keys`, created empty where missing, with their rows locked until the
 * transaction ends. Rows are locked in key order, so concurrent callers queue, never deadlock.
 */
export async function lockRateLimits(
  tx: Queryable,
  keys: string[],
  now: Date,
): Promise<RateLimitRow[]> {
  const sorted = [...keys].sort();
  await tx.query(
    `INSERT INTO rate_limits (key, attempts, blocked_until, expires_at)
     SELECT k, 0, $2, $2 FROM unnest($1::text[]) AS k ON CONFLICT (key) DO NOTHING`,
    [sorted, now],
  );
  return await tx.query<RateLimitRow>(
    `SELECT key, attempts, blocked_until, expires_at FROM rate_limits
     WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE`,
    [sorted],
  );
}

/** Whether `key` is held and has not expired. */
export async function isRateLimitLive(db: Queryable, key: string, now: Date): Promise<boolean> {
  const rows = await db.query(
    "SELECT 1 FROM rate_limits WHERE key = $1 AND expires_at > $2",
    [key, now],
  );
  return rows.length > 0;
}

/** Stores a key's counter. */
export async function setRateLimit(
  db: Queryable,
  key: string,
  counter: { attempts: number; blockedUntil: Date; expiresAt: Date },
): Promise<void> {
  await db.query(
    "UPDATE rate_limits SET attempts = $2, blocked_until = $3, expires_at = $4 WHERE key = $1",
    [key, counter.attempts, counter.blockedUntil, counter.expiresAt],
  );
}

/** Holds `key`, with nothing spent, until `expiresAt` (a mark rather than a counter). */
export async function holdRateLimitKey(
  db: Queryable,
  key: string,
  now: Date,
  expiresAt: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO rate_limits (key, attempts, blocked_until, expires_at) VALUES ($1, 0, $2, $3)
     ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
    [key, now, expiresAt],
  );
}

/** Gives one attempt back to `key`; with `waitEndsBy`, its wait ends by then at the latest. */
export async function refundRateLimit(
  db: Queryable,
  key: string,
  waitEndsBy?: Date,
): Promise<void> {
  await db.query(
    `UPDATE rate_limits SET attempts = GREATEST(attempts - 1, 0),
       blocked_until = LEAST(blocked_until, COALESCE($2::timestamptz, blocked_until))
     WHERE key = $1`,
    [key, waitEndsBy ?? null],
  );
}

/** Forgets `key`. */
export async function deleteRateLimit(db: Queryable, key: string): Promise<void> {
  await db.query("DELETE FROM rate_limits WHERE key = $1", [key]);
}

/** Drops the keys nobody used until they expired. */
export async function deleteExpiredRateLimits(db: Queryable, now: Date): Promise<void> {
  await db.query("DELETE FROM rate_limits WHERE expires_at <= $1", [now]);
}
